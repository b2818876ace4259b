# What a deployment's config needs (TABLE_NAME, *_QUEUE_URL, *_BUCKET): the same keys the local
# stack puts in its env.
output "table_name" {
  value = aws_dynamodb_table.metadata.name
}

output "table_arn" {
  value = aws_dynamodb_table.metadata.arn
}

output "queue_urls" {
  description = "Queue URLs by terraform resource name."
  value = {
    hot_path_sync          = aws_sqs_queue.hot_path_sync.url
    hot_path_sync_dlq      = aws_sqs_queue.hot_path_sync_dlq.url
    coalescing_buffer      = aws_sqs_queue.coalescing_buffer.url
    coalescing_buffer_dlq  = aws_sqs_queue.coalescing_buffer_dlq.url
    poll_schedule          = aws_sqs_queue.poll_schedule.url
    poll_schedule_dlq      = aws_sqs_queue.poll_schedule_dlq.url
    historical_sync        = aws_sqs_queue.historical_sync.url
    historical_sync_dlq    = aws_sqs_queue.historical_sync_dlq.url
    export                 = aws_sqs_queue.export.url
    export_dlq             = aws_sqs_queue.export_dlq.url
    user_deletion          = aws_sqs_queue.user_deletion.url
    user_deletion_dlq      = aws_sqs_queue.user_deletion_dlq.url
    sync_notifications     = aws_sqs_queue.sync_notifications.url
    sync_notifications_dlq = aws_sqs_queue.sync_notifications_dlq.url
  }
}

output "queue_arns" {
  description = "Queue ARNs by terraform resource name."
  value = {
    hot_path_sync          = aws_sqs_queue.hot_path_sync.arn
    hot_path_sync_dlq      = aws_sqs_queue.hot_path_sync_dlq.arn
    coalescing_buffer      = aws_sqs_queue.coalescing_buffer.arn
    coalescing_buffer_dlq  = aws_sqs_queue.coalescing_buffer_dlq.arn
    poll_schedule          = aws_sqs_queue.poll_schedule.arn
    poll_schedule_dlq      = aws_sqs_queue.poll_schedule_dlq.arn
    historical_sync        = aws_sqs_queue.historical_sync.arn
    historical_sync_dlq    = aws_sqs_queue.historical_sync_dlq.arn
    export                 = aws_sqs_queue.export.arn
    export_dlq             = aws_sqs_queue.export_dlq.arn
    user_deletion          = aws_sqs_queue.user_deletion.arn
    user_deletion_dlq      = aws_sqs_queue.user_deletion_dlq.arn
    sync_notifications     = aws_sqs_queue.sync_notifications.arn
    sync_notifications_dlq = aws_sqs_queue.sync_notifications_dlq.arn
  }
}

output "staging_bucket" {
  value = aws_s3_bucket.staging.bucket
}

output "export_bucket" {
  value = aws_s3_bucket.exports.bucket
}

output "event_bus_name" {
  description = "EVENT_BUS_NAME: the bus the sync outcome events are published on."
  value       = aws_cloudwatch_event_bus.sync_events.name
}
