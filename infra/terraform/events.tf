# EventBridge: the bus the sync outcome events go to (AsyncAPI channel syncEvents) and the rules that
# route them. The worker and the API publish SyncSucceeded and SyncFailed with source
# "syncwell.worker" and the message name as detail-type (core/events/eventBridgeBus.ts).
# There is no EventBridge emulator: infra/local/terraform.ts reads each rule and its target, and the
# local stack refuses to start unless the local event bus adapter delivers exactly what they
# describe (core/events/eventRoutes.ts). So event_pattern stays a literal JSON document, using only
# the operators the local matcher models (core/events/eventPattern.ts), and input_path a literal.

resource "aws_cloudwatch_event_bus" "sync_events" {
  name = "syncwell-events"
}

# The sync outcomes the notification consumer may tell the user about (its rule:
# worker/notifications/syncOutcomeNotifications.ts): a failure for good, a historical backfill's
# success, a manual job that wrote something. The rest (retried attempts, background and empty
# manual successes: most events) never reach the queue, so they cost no SQS request or receive.
resource "aws_cloudwatch_event_rule" "sync_notifications" {
  name           = "syncwell-sync-notifications"
  description    = "Sync outcomes the user may be told about (AsyncAPI channel syncNotifications)."
  event_bus_name = aws_cloudwatch_event_bus.sync_events.name
  event_pattern  = <<-EOT
    {
      "source": ["syncwell.worker"],
      "detail-type": ["SyncSucceeded", "SyncFailed"],
      "detail": {
        "$or": [
          { "retryable": [false] },
          { "trigger": ["historical"], "retryable": [{ "exists": false }] },
          { "trigger": ["manual"], "recordsWritten": [{ "numeric": [">", 0] }] }
        ]
      }
    }
  EOT
}

resource "aws_cloudwatch_event_target" "sync_notifications" {
  rule           = aws_cloudwatch_event_rule.sync_notifications.name
  event_bus_name = aws_cloudwatch_event_bus.sync_events.name
  target_id      = "sync-notifications-queue"
  arn            = aws_sqs_queue.sync_notifications.arn
  # The message body is the event's detail alone: the AsyncAPI message the consumer validates.
  input_path = "$.detail"

  # EventBridge's defaults, stated: a delivery the queue refuses is retried for a day. No target DLQ:
  # the queue's own DLQ holds only messages the consumer could not handle, all of one shape.
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
}

# Only this rule may send to the queue.
resource "aws_sqs_queue_policy" "sync_notifications" {
  queue_url = aws_sqs_queue.sync_notifications.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeSyncNotifications"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.sync_notifications.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.sync_notifications.arn } }
    }]
  })
}
