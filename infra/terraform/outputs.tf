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

output "api_load_balancer_dns_name" {
  description = "Point the API's domain (public_api_base_url) here (alias record)."
  value       = aws_lb.api.dns_name
}

output "asset_cdn_domain_name" {
  description = "ASSET_BASE_URL's host when no custom alias is set; upload assets to asset_bucket."
  value       = aws_cloudfront_distribution.assets.domain_name
}

output "asset_bucket" {
  value = aws_s3_bucket.assets.bucket
}

output "dlq_archive_bucket" {
  value = aws_s3_bucket.dlq_archive.bucket
}

output "ecs_cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "ecs_service_names" {
  value = {
    api           = aws_ecs_service.api.name
    worker        = aws_ecs_service.worker.name
    api_canary    = aws_ecs_service.api_canary.name
    worker_canary = aws_ecs_service.worker_canary.name
  }
}

output "canary_dimensions" {
  description = "The AWS/ApplicationELB dimensions npm run canary:windows reads (--load-balancer, --baseline-target-group, --canary-target-group)."
  value = {
    load_balancer         = aws_lb.api.arn_suffix
    baseline_target_group = aws_lb_target_group.api.arn_suffix
    canary_target_group   = aws_lb_target_group.api_canary.arn_suffix
  }
}

output "ecr_repository_urls" {
  description = "Where section 4 of docs/deploy.md pushes the images."
  value       = { api = aws_ecr_repository.api.repository_url, worker = aws_ecr_repository.worker.repository_url }
}

output "redis_primary_endpoint" {
  value = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "app_credentials_secret_arn" {
  description = "Put the JSON of app credentials here (keys: the *_secrets maps in ecs.tf)."
  value       = aws_secretsmanager_secret.app_credentials.arn
}

output "appconfig" {
  description = "Where to deploy dynamic configuration documents."
  value = {
    application_id           = aws_appconfig_application.main.id
    environment_id           = aws_appconfig_environment.main.environment_id
    configuration_profile_id = aws_appconfig_configuration_profile.runtime.configuration_profile_id
    deployment_strategy_id   = aws_appconfig_deployment_strategy.gradual.id
  }
}

output "worker_token_access_role_arn" {
  description = "The role the worker assumes per job with a one-secret session policy (worker_secret_access = per_job_session)."
  value       = aws_iam_role.worker_token_access.arn
}
