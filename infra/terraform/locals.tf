# Values here that infra/local reads are literals on purpose: hcl2json returns any expression
# as a "${...}" string, and the local stack must not guess what an expression evaluates to.
locals {
  # S3 names are global, so AWS appends var.bucket_name_suffix; the local stack uses these base
  # names. Each aws_s3_bucket's key here is its resource name (infra/local checks that).
  bucket_base_names = {
    staging     = "syncwell-staging"
    exports     = "syncwell-exports"
    assets      = "syncwell-assets"
    dlq_archive = "syncwell-dlq-archive"
    cloudtrail  = "syncwell-cloudtrail"
  }

  is_production = var.environment == "prod"
}

# Everything else: expressions are fine here (infra/local does not read them).
locals {
  name = "syncwell"
  azs  = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  # Users' provider tokens: one secret per connection, `${prefix}${uuid}` (core/secrets/awsSecretStore.ts).
  # Equal to SECRET_NAME_PREFIX's default in core/config/config.ts (scripts/checkTerraform.ts checks it).
  secret_name_prefix = "syncwell/provider-tokens/"
  secret_arn_prefix  = "arn:aws:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:${local.secret_name_prefix}"
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  # The table's capacity mode (dynamodb.tf, dynamodb_capacity.tf).
  dynamodb_provisioned = var.dynamodb_billing_mode == "PROVISIONED"
}
