# S3 buckets. The base names are literals in locals.tf (bucket_base_names), keyed by resource
# name; infra/local checks each bucket expression references its own key and creates the base name.

# Short-lived encrypted staging for cloud-to-device writes (seed: "a short, 24-hour lifecycle policy").
resource "aws_s3_bucket" "staging" {
  bucket        = "${local.bucket_base_names.staging}${var.bucket_name_suffix}"
  force_destroy = !local.is_production
}

resource "aws_s3_bucket_public_access_block" "staging" {
  bucket                  = aws_s3_bucket.staging.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "staging" {
  bucket = aws_s3_bucket.staging.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "staging" {
  bucket = aws_s3_bucket.staging.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

# Expiration is in whole days counted from creation, and S3 runs it lazily (usually within a
# day): code that serves these objects checks their age itself.
resource "aws_s3_bucket_lifecycle_configuration" "staging" {
  bucket = aws_s3_bucket.staging.id

  rule {
    id     = "expire-after-1-day"
    status = "Enabled"

    filter {}

    expiration {
      days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# TLS only: presigned URLs over plain HTTP are refused.
resource "aws_s3_bucket_policy" "staging" {
  bucket     = aws_s3_bucket.staging.id
  policy     = data.aws_iam_policy_document.staging_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.staging]
}

data "aws_iam_policy_document" "staging_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.staging.arn, "${aws_s3_bucket.staging.arn}/*"]

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

# User data exports (ZIP, and their parts while being built) under {userId}/, downloaded through
# presigned URLs; kept EXPORT_RETENTION_HOURS (72 h) by the worker's sweep and the API's checks.
resource "aws_s3_bucket" "exports" {
  bucket        = "${local.bucket_base_names.exports}${var.bucket_name_suffix}"
  force_destroy = !local.is_production
}

resource "aws_s3_bucket_public_access_block" "exports" {
  bucket                  = aws_s3_bucket.exports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

# Expiration is in whole days counted from creation, and S3 runs it lazily (usually within a
# day): code that serves these objects checks their age itself. This is the backstop of the 72-hour
# retention (EXPORT_RETENTION_HOURS: raise both together); S3 never expires an object earlier.
resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id

  rule {
    id     = "expire-after-3-days"
    status = "Enabled"

    filter {}

    expiration {
      days = 3
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# TLS only: presigned URLs over plain HTTP are refused.
resource "aws_s3_bucket_policy" "exports" {
  bucket     = aws_s3_bucket.exports.id
  policy     = data.aws_iam_policy_document.exports_tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.exports]
}

data "aws_iam_policy_document" "exports_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.exports.arn, "${aws_s3_bucket.exports.arn}/*"]

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
