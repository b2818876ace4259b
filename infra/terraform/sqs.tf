# SQS queues. Every attribute infra/local reads is a literal; the redrive policies are separate
# aws_sqs_queue_redrive_policy resources whose jsonencode() infra/local parses deliberately.
# Retention: 4 days for work queues, 14 days (the maximum) for DLQs to leave time to redrive.

# Hot path: POST /v1/sync-jobs -> worker. MessageGroupId = the job's sync pair (user, source,
# destination, data type: per-pair order), MessageDeduplicationId = the request's Idempotency-Key.
# High-throughput FIFO mode: dedup and throughput are per message group, so one busy user (or one
# rate-limited pair) cannot slow the others.
resource "aws_sqs_queue" "hot_path_sync" {
  name                        = "syncwell-hot-path-sync.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  delay_seconds               = 0
  visibility_timeout_seconds  = 60
  receive_wait_time_seconds   = 20
  message_retention_seconds   = 345600
  sqs_managed_sse_enabled     = true
}

resource "aws_sqs_queue" "hot_path_sync_dlq" {
  name                        = "syncwell-hot-path-sync-dlq.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  message_retention_seconds   = 1209600
  sqs_managed_sse_enabled     = true
}

resource "aws_sqs_queue_redrive_policy" "hot_path_sync" {
  queue_url = aws_sqs_queue.hot_path_sync.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.hot_path_sync_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "hot_path_sync_dlq" {
  queue_url = aws_sqs_queue.hot_path_sync_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.hot_path_sync.arn]
  })
}

# Coalescing buffer: bursts of webhooks for one user collapse into one sync. FIFO queues only
# support a queue-level delay, hence delay_seconds here rather than per message.
resource "aws_sqs_queue" "coalescing_buffer" {
  name                        = "syncwell-coalescing-buffer.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  delay_seconds               = 60
  visibility_timeout_seconds  = 60
  receive_wait_time_seconds   = 20
  message_retention_seconds   = 345600
  sqs_managed_sse_enabled     = true
}

resource "aws_sqs_queue" "coalescing_buffer_dlq" {
  name                        = "syncwell-coalescing-buffer-dlq.fifo"
  fifo_queue                  = true
  content_based_deduplication = false
  message_retention_seconds   = 1209600
  sqs_managed_sse_enabled     = true
}

resource "aws_sqs_queue_redrive_policy" "coalescing_buffer" {
  queue_url = aws_sqs_queue.coalescing_buffer.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.coalescing_buffer_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "coalescing_buffer_dlq" {
  queue_url = aws_sqs_queue.coalescing_buffer_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.coalescing_buffer.arn]
  })
}

# Adaptive polling for providers without webhooks (delays are chained: SQS caps them at 900 s).
resource "aws_sqs_queue" "poll_schedule" {
  name                       = "syncwell-poll-schedule"
  delay_seconds              = 0
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
}

resource "aws_sqs_queue" "poll_schedule_dlq" {
  name                      = "syncwell-poll-schedule-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_redrive_policy" "poll_schedule" {
  queue_url = aws_sqs_queue.poll_schedule.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.poll_schedule_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "poll_schedule_dlq" {
  queue_url = aws_sqs_queue.poll_schedule_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.poll_schedule.arn]
  })
}

# Historical backfill, chunked; a chunk may take minutes, the worker extends visibility as it goes.
resource "aws_sqs_queue" "historical_sync" {
  name                       = "syncwell-historical-sync"
  delay_seconds              = 0
  visibility_timeout_seconds = 900
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
}

resource "aws_sqs_queue" "historical_sync_dlq" {
  name                      = "syncwell-historical-sync-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_redrive_policy" "historical_sync" {
  queue_url = aws_sqs_queue.historical_sync.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.historical_sync_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "historical_sync_dlq" {
  queue_url = aws_sqs_queue.historical_sync_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.historical_sync.arn]
  })
}

# Data export (ZIP to the exports bucket).
resource "aws_sqs_queue" "export" {
  name                       = "syncwell-export"
  delay_seconds              = 0
  visibility_timeout_seconds = 900
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
}

resource "aws_sqs_queue" "export_dlq" {
  name                      = "syncwell-export-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_redrive_policy" "export" {
  queue_url = aws_sqs_queue.export.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.export_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "export_dlq" {
  queue_url = aws_sqs_queue.export_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.export.arn]
  })
}

# Account deletion: revoke tokens, delete items and objects.
resource "aws_sqs_queue" "user_deletion" {
  name                       = "syncwell-user-deletion"
  delay_seconds              = 0
  visibility_timeout_seconds = 300
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
}

resource "aws_sqs_queue" "user_deletion_dlq" {
  name                      = "syncwell-user-deletion-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_redrive_policy" "user_deletion" {
  queue_url = aws_sqs_queue.user_deletion.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.user_deletion_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "user_deletion_dlq" {
  queue_url = aws_sqs_queue.user_deletion_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.user_deletion.arn]
  })
}

# Sync outcomes to tell the user about: the target of the EventBridge rule sync_notifications
# (events.tf), which delivers each SyncSucceeded/SyncFailed's detail as the message body.
resource "aws_sqs_queue" "sync_notifications" {
  name                       = "syncwell-sync-notifications"
  delay_seconds              = 0
  visibility_timeout_seconds = 60
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
}

resource "aws_sqs_queue" "sync_notifications_dlq" {
  name                      = "syncwell-sync-notifications-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_redrive_policy" "sync_notifications" {
  queue_url = aws_sqs_queue.sync_notifications.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.sync_notifications_dlq.arn
    maxReceiveCount     = 5
  })
}

# Only its own source queue may use the DLQ (AWS-only; the emulator has no such check).
resource "aws_sqs_queue_redrive_allow_policy" "sync_notifications_dlq" {
  queue_url = aws_sqs_queue.sync_notifications_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.sync_notifications.arn]
  })
}
