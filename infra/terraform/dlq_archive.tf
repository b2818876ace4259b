# The DLQ archive (seed §2, "the S3 bucket for archiving DLQ messages"): dead letters an operator
# takes off a DLQ for later analysis instead of redriving them. Glacier after 90 days, deleted
# after a year. No process writes here yet (the operator console looks and redrives only), so no
# task role has access; operators archive with their own credentials.

resource "aws_s3_bucket" "dlq_archive" {
  bucket        = "${local.bucket_base_names.dlq_archive}${var.bucket_name_suffix}"
  force_destroy = !local.is_production
}

resource "aws_s3_bucket_public_access_block" "dlq_archive" {
  bucket                  = aws_s3_bucket.dlq_archive.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "dlq_archive" {
  bucket = aws_s3_bucket.dlq_archive.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "dlq_archive" {
  bucket = aws_s3_bucket.dlq_archive.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "dlq_archive" {
  bucket = aws_s3_bucket.dlq_archive.id

  rule {
    id     = "glacier-after-90-days-expire-after-365"
    status = "Enabled"

    filter {}

    transition {
      days          = 90
      storage_class = "GLACIER"
    }

    expiration {
      days = 365
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "dlq_archive" {
  bucket     = aws_s3_bucket.dlq_archive.id
  policy     = data.aws_iam_policy_document.dlq_archive_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.dlq_archive]
}

data "aws_iam_policy_document" "dlq_archive_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.dlq_archive.arn, "${aws_s3_bucket.dlq_archive.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
