# The single table (docs: ARCHITECTURE.md, "Data model"). Every attribute infra/local reads
# (name, keys, attribute types, indexes, ttl) is a literal.
resource "aws_dynamodb_table" "metadata" {
  name      = "SyncWellMetadata"
  hash_key  = "PK"
  range_key = "SK"

  # The spec's hybrid capacity (§3b) is a deployment setting: on demand by default; PROVISIONED
  # with a baseline near 70 % of peak and autoscaling above it (dynamodb_capacity.tf) once traffic
  # is predictable. The indexes follow the table's units.
  billing_mode   = var.dynamodb_billing_mode
  read_capacity  = local.dynamodb_provisioned ? var.dynamodb_read_baseline : null
  write_capacity = local.dynamodb_provisioned ? var.dynamodb_write_baseline : null

  deletion_protection_enabled = local.is_production

  attribute {
    name = "PK"
    type = "S"
  }

  attribute {
    name = "SK"
    type = "S"
  }

  attribute {
    name = "ReAuthStatus"
    type = "S"
  }

  attribute {
    name = "SyncTierShardId"
    type = "S"
  }

  attribute {
    name = "NextSyncTimestamp"
    type = "N"
  }

  attribute {
    name = "JobCreatedAt"
    type = "S"
  }

  attribute {
    name = "UserId"
    type = "S"
  }

  # Sparse: only CONN items that need the user to re-authorize carry ReAuthStatus.
  global_secondary_index {
    name            = "ReAuthStatusIndex"
    hash_key        = "ReAuthStatus"
    range_key       = "PK"
    projection_type = "ALL"
    read_capacity   = local.dynamodb_provisioned ? var.dynamodb_read_baseline : null
    write_capacity  = local.dynamodb_provisioned ? var.dynamodb_write_baseline : null
  }

  # Scheduler: SyncTierShardId = "<tier>#<murmur3(userId) % shards>" (e.g. "PRO#5"),
  # NextSyncTimestamp = epoch ms. KEYS_ONLY is enough: the table keys are always projected and
  # PK = "USER#<userId>" already carries the user id, so the scheduler reads nothing else.
  global_secondary_index {
    name            = "SchedulerIndex"
    hash_key        = "SyncTierShardId"
    range_key       = "NextSyncTimestamp"
    projection_type = "KEYS_ONLY"
    read_capacity   = local.dynamodb_provisioned ? var.dynamodb_read_baseline : null
    write_capacity  = local.dynamodb_provisioned ? var.dynamodb_write_baseline : null
  }

  # Account deletion: every item carrying the owner's UserId (PROFILE, and the items outside the
  # user's partition: PROVIDERUSER#, PUSHTOKEN#, IDEM#, OAUTHSTATE#), so deleting an account finds
  # them with one Query instead of a Scan of the table. KEYS_ONLY: only the keys are needed.
  global_secondary_index {
    name            = "UserIdIndex"
    hash_key        = "UserId"
    projection_type = "KEYS_ONLY"
    read_capacity   = local.dynamodb_provisioned ? var.dynamodb_read_baseline : null
    write_capacity  = local.dynamodb_provisioned ? var.dynamodb_write_baseline : null
  }

  # A user's jobs newest first (job ids are UUIDv4, so SK has no order). Sparse: only JOB items
  # carry JobCreatedAt (ISO-8601 UTC). An LSI caps each user's item collection at 10 GB, far
  # above what metadata needs, and it can only be created with the table.
  local_secondary_index {
    name            = "JobsByCreatedAtIndex"
    range_key       = "JobCreatedAt"
    projection_type = "ALL"
  }

  # Epoch seconds. DynamoDB deletes lazily (up to days late) and dynalite not at all, so
  # readers check expiry themselves.
  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}
