# Secrets Manager (seed §2 "Secure Configuration and Secret Management").
#
# - App credentials: one JSON secret whose keys are config variable names (core/config/config.ts).
#   Its value is put out of band (`aws secretsmanager put-secret-value`), never in Terraform state;
#   ECS injects each key the task definition names as that environment variable at task start
#   (ecs.tf, locals *_secrets), so every named key must exist and be non-empty.
# - Users' provider tokens: created, read, rotated and deleted by the code, one secret per
#   connection under local.secret_name_prefix; nothing here creates them, iam.tf scopes access.
# - Redis: the AUTH token, and the rediss:// URL that carries it (REDIS_URL).
# All are encrypted with the account's aws/secretsmanager key (seed §6: AWS-managed keys).

resource "aws_secretsmanager_secret" "app_credentials" {
  name                    = "syncwell/app-credentials"
  description             = "OAuth client credentials, webhook verification values, push keys, admin and anonymizer secrets (JSON, keys = config variable names)."
  recovery_window_in_days = local.is_production ? 30 : 7
}

# The Redis AUTH token: generated once, then left alone (rotate it with ElastiCache's
# auth_token_update_strategy and a new version here, deliberately).
data "aws_secretsmanager_random_password" "redis_auth" {
  password_length     = 64
  exclude_punctuation = true # AUTH tokens allow only printable ASCII without @, " and /
}

resource "aws_secretsmanager_secret" "redis_auth" {
  name                    = "syncwell/redis-auth-token"
  description             = "ElastiCache AUTH token."
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id     = aws_secretsmanager_secret.redis_auth.id
  secret_string = data.aws_secretsmanager_random_password.redis_auth.random_password

  # The data source draws a new password at every plan: keep the first one.
  lifecycle {
    ignore_changes = [secret_string]
  }
}

# REDIS_URL as the processes read it: TLS (rediss) with the AUTH token, the primary endpoint.
resource "aws_secretsmanager_secret" "redis_url" {
  name                    = "syncwell/redis-url"
  description             = "REDIS_URL of the API and the worker (contains the AUTH token)."
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${aws_secretsmanager_secret_version.redis_auth.secret_string}@${aws_elasticache_replication_group.main.primary_endpoint_address}:${aws_elasticache_replication_group.main.port}"
}
