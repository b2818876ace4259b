# IAM (seed §6 "Granular IAM Roles"): per service an execution role (ECS pulls the image, writes
# the logs, injects the secrets the task definition names) and a task role (what the process
# itself calls), each with only the actions the code makes:
#
#   DynamoDB  core/aws/leanDocumentClient.ts, core/store/*: Get/Put/Update/DeleteItem, Query,
#             BatchGet/BatchWriteItem; Scan only in the worker (re-auth and notice sweeps)
#   SQS       core/queue/sqs.ts (SendMessageBatch = sqs:SendMessage), core/messaging/queueConsumer.ts
#             (Receive, DeleteMessageBatch, ChangeMessageVisibility, SendMessage to requeue/DLQ),
#             core/messaging/deadLetters.ts (the API's operator console: look at and redrive DLQs),
#             core/messaging/queueDepths.ts (GetQueueAttributes)
#   S3        core/staging/stagingStore.ts (Put/Get/DeleteObject), core/export/exportArchiveStore.ts
#             (multipart upload, GetObject incl. presigned URLs, ListObjectsV2, DeleteObjects)
#   Secrets   core/secrets/awsSecretStore.ts (Create/Get/PutSecretValue/Delete under the prefix)
#   Events    core/events/eventBridgeBus.ts (PutEvents on the bus)
#   AppConfig core/config/appConfigSource.ts (StartConfigurationSession, GetLatestConfiguration)
#   X-Ray     the ADOT sidecar (traces of core/observability/tracing.ts)

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

locals {
  table_arns = [aws_dynamodb_table.metadata.arn, "${aws_dynamodb_table.metadata.arn}/index/*"]

  work_queue_arns = [
    aws_sqs_queue.hot_path_sync.arn,
    aws_sqs_queue.coalescing_buffer.arn,
    aws_sqs_queue.poll_schedule.arn,
    aws_sqs_queue.historical_sync.arn,
    aws_sqs_queue.export.arn,
    aws_sqs_queue.user_deletion.arn,
    aws_sqs_queue.sync_notifications.arn,
  ]
  dlq_arns = [
    aws_sqs_queue.hot_path_sync_dlq.arn,
    aws_sqs_queue.coalescing_buffer_dlq.arn,
    aws_sqs_queue.poll_schedule_dlq.arn,
    aws_sqs_queue.historical_sync_dlq.arn,
    aws_sqs_queue.export_dlq.arn,
    aws_sqs_queue.user_deletion_dlq.arn,
    aws_sqs_queue.sync_notifications_dlq.arn,
  ]
  # The AppConfig configuration the processes read (one application, environment and profile).
  appconfig_configuration_arn = "arn:aws:appconfig:${var.region}:${data.aws_caller_identity.current.account_id}:application/${aws_appconfig_application.main.id}/environment/${aws_appconfig_environment.main.environment_id}/configuration/${aws_appconfig_configuration_profile.runtime.configuration_profile_id}"
}

# --- Execution roles: image pull and logs (AWS's managed policy), plus the secrets injected.

resource "aws_iam_role" "api_execution" {
  name               = "${local.name}-api-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role" "worker_execution" {
  name               = "${local.name}-worker-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  for_each   = { api = aws_iam_role.api_execution.name, worker = aws_iam_role.worker_execution.name }
  role       = each.value
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "injected_secrets" {
  statement {
    sid       = "InjectedSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app_credentials.arn, aws_secretsmanager_secret.redis_url.arn]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  for_each = { api = aws_iam_role.api_execution.id, worker = aws_iam_role.worker_execution.id }
  name     = "injected-secrets"
  role     = each.value
  policy   = data.aws_iam_policy_document.injected_secrets.json
}

# --- API task role

resource "aws_iam_role" "api_task" {
  name               = "${local.name}-api-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "api_task" {
  statement {
    sid = "Table"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
    ]
    resources = local.table_arns
  }

  # Requests become jobs: POST /v1/sync-jobs, webhooks, exports, deletions, historical syncs.
  statement {
    sid       = "Produce"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = local.work_queue_arns
  }

  # The operator console (GET/POST /v1/operations/dead-letters/...): depth, look, redrive.
  statement {
    sid = "DeadLetterConsole"
    actions = [
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
    ]
    resources = local.dlq_arns
  }

  # Cloud -> device: the phone fetches and confirms records the worker staged.
  statement {
    sid       = "Staging"
    actions   = ["s3:GetObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.staging.arn}/*"]
  }

  # Export downloads are presigned GETs: signed with this role, so it needs GetObject. An expired
  # export is deleted by prefix (ListObjectsV2 + DeleteObjects).
  statement {
    sid       = "ExportDownloads"
    actions   = ["s3:GetObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.exports.arn}/*"]
  }

  statement {
    sid       = "ExportListing"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.exports.arn]
  }

  # OAuth callback creates the connection's secret; deleting a connection revokes (refreshing
  # first if needed) and deletes it.
  statement {
    sid = "ProviderTokens"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "secretsmanager:DeleteSecret",
    ]
    resources = ["${local.secret_arn_prefix}*"]
  }

  statement {
    sid       = "Events"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.sync_events.arn]
  }

  statement {
    sid       = "DynamicConfig"
    actions   = ["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"]
    resources = [local.appconfig_configuration_arn]
  }

  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"] # X-Ray has no resource-level permissions for these
  }
}

resource "aws_iam_role_policy" "api_task" {
  name   = "api"
  role   = aws_iam_role.api_task.id
  policy = data.aws_iam_policy_document.api_task.json
}

# --- Worker task role

resource "aws_iam_role" "worker_task" {
  name               = "${local.name}-worker-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "worker_task" {
  statement {
    sid = "Table"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
      "dynamodb:Scan",
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
    ]
    resources = local.table_arns
  }

  # Consumes every work queue, requeues with backoff, moves poison messages to the DLQs itself.
  statement {
    sid = "Consume"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:SendMessage",
      "sqs:GetQueueAttributes",
    ]
    resources = local.work_queue_arns
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = local.dlq_arns
  }

  statement {
    sid       = "Staging"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.staging.arn}/*"]
  }

  # Builds archives from parts (multipart upload), sweeps expired ones by prefix.
  statement {
    sid       = "ExportArchives"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.exports.arn}/*"]
  }

  statement {
    sid       = "ExportListing"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.exports.arn]
  }

  # See worker_secret_access: either the task role reaches every token secret (today's code), or
  # only through the token-access role, one secret per session.
  dynamic "statement" {
    for_each = var.worker_secret_access == "task_role" ? [1] : []
    content {
      sid = "ProviderTokens"
      actions = [
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
      ]
      resources = ["${local.secret_arn_prefix}*"]
    }
  }

  statement {
    sid       = "TokenAccessSessions"
    actions   = ["sts:AssumeRole", "sts:TagSession"]
    resources = [aws_iam_role.worker_token_access.arn]
  }

  statement {
    sid       = "Events"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.sync_events.arn]
  }

  statement {
    sid       = "DynamicConfig"
    actions   = ["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"]
    resources = [local.appconfig_configuration_arn]
  }

  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "worker_task" {
  name   = "worker"
  role   = aws_iam_role.worker_task.id
  policy = data.aws_iam_policy_document.worker_task.json
}

# --- Per-job token access (seed §2 "Dynamic IAM Policies for Least Privilege").
# The worker assumes this role for a job with a session policy naming the job's one secret:
#   sts:AssumeRole(RoleArn, Policy = {"Statement":[{"Effect":"Allow","Action":[
#     "secretsmanager:GetSecretValue","secretsmanager:PutSecretValue"],"Resource":"<secret ARN>"}]})
# The session's permissions are the intersection of this role's policy and the session policy,
# so a job's credentials open that secret and nothing else. Trade-offs: README "Per-job secret access".
resource "aws_iam_role" "worker_token_access" {
  name                 = "${local.name}-worker-token-access"
  assume_role_policy   = data.aws_iam_policy_document.worker_token_access_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "worker_token_access_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.worker_task.arn]
    }
  }
}

data "aws_iam_policy_document" "worker_token_access" {
  statement {
    sid       = "ProviderTokens"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret"]
    resources = ["${local.secret_arn_prefix}*"]
  }
}

resource "aws_iam_role_policy" "worker_token_access" {
  name   = "provider-tokens"
  role   = aws_iam_role.worker_token_access.id
  policy = data.aws_iam_policy_document.worker_token_access.json
}

# --- Service roles

# AppConfig reads the environment's monitor alarm to roll a bad deployment back.
resource "aws_iam_role" "appconfig_monitor" {
  name               = "${local.name}-appconfig-monitor"
  assume_role_policy = data.aws_iam_policy_document.appconfig_assume.json
}

data "aws_iam_policy_document" "appconfig_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["appconfig.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "appconfig_monitor" {
  statement {
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["*"] # DescribeAlarms has no resource-level permissions
  }
}

resource "aws_iam_role_policy" "appconfig_monitor" {
  name   = "describe-alarms"
  role   = aws_iam_role.appconfig_monitor.id
  policy = data.aws_iam_policy_document.appconfig_monitor.json
}

# CloudTrail delivers to its log group.
resource "aws_iam_role" "cloudtrail_logs" {
  name               = "${local.name}-cloudtrail-logs"
  assume_role_policy = data.aws_iam_policy_document.cloudtrail_assume.json
}

data "aws_iam_policy_document" "cloudtrail_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "cloudtrail_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.cloudtrail.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "cloudtrail_logs" {
  name   = "deliver"
  role   = aws_iam_role.cloudtrail_logs.id
  policy = data.aws_iam_policy_document.cloudtrail_logs.json
}
