# Values here that infra/local reads are literals on purpose: hcl2json returns any expression
# as a "${...}" string, and the local stack must not guess what an expression evaluates to.
locals {
  # S3 names are global, so AWS appends var.bucket_name_suffix; the local stack uses these base
  # names. Each aws_s3_bucket's key here is its resource name (infra/local checks that).
  bucket_base_names = {
    staging = "syncwell-staging"
    exports = "syncwell-exports"
  }

  is_production = var.environment == "prod"
}
