# ECS on Fargate, arm64 (seed §4 "AWS Fargate on Graviton"): the API service behind the ALB and the
# worker fleet polling SQS. The container environment is built from the literal-keyed maps below:
# scripts/checkTerraform.ts checks every key against core/config/config.ts (the only reader of
# process.env) and that every setting the code needs to reach a resource names that resource.

locals {
  api_port     = 8080
  metrics_port = 9100

  # Both processes. Values are strings: ECS environment values always are.
  shared_environment = {
    NODE_ENV                     = "production"
    LOG_LEVEL                    = "info"
    AWS_REGION                   = var.region
    TABLE_NAME                   = aws_dynamodb_table.metadata.name
    HOT_PATH_QUEUE_URL           = aws_sqs_queue.hot_path_sync.url
    HOT_PATH_DLQ_URL             = aws_sqs_queue.hot_path_sync_dlq.url
    COALESCING_QUEUE_URL         = aws_sqs_queue.coalescing_buffer.url
    POLL_SCHEDULE_QUEUE_URL      = aws_sqs_queue.poll_schedule.url
    HISTORICAL_QUEUE_URL         = aws_sqs_queue.historical_sync.url
    EXPORT_QUEUE_URL             = aws_sqs_queue.export.url
    USER_DELETION_QUEUE_URL      = aws_sqs_queue.user_deletion.url
    SYNC_NOTIFICATIONS_QUEUE_URL = aws_sqs_queue.sync_notifications.url
    STAGING_BUCKET               = aws_s3_bucket.staging.bucket
    EXPORT_BUCKET                = aws_s3_bucket.exports.bucket
    EVENT_BUS                    = "eventbridge"
    EVENT_BUS_NAME               = aws_cloudwatch_event_bus.sync_events.name
    SECRET_STORE                 = "aws"
    SECRET_NAME_PREFIX           = local.secret_name_prefix
    DYNAMIC_CONFIG_SOURCE        = "appconfig"
    APPCONFIG_APPLICATION        = aws_appconfig_application.main.name
    APPCONFIG_ENVIRONMENT        = aws_appconfig_environment.main.name
    APPCONFIG_PROFILE            = aws_appconfig_configuration_profile.runtime.name
    FIREBASE_PROJECT_ID          = var.firebase_project_id
    # EMF lines on stdout become the metrics the alarms read (monitoring.tf); the namespace is
    # set per deployment group below.
    METRICS_EMF_INTERVAL_SECONDS = "60"
    # GET /metrics on loopback: the container health check reads it, nothing outside the task can.
    METRICS_PORT    = tostring(local.metrics_port)
    METRICS_HOST    = "127.0.0.1"
    TRACES_ENDPOINT = "http://127.0.0.1:4318/v1/traces" # the ADOT sidecar, which sends to X-Ray
    PUSH_MODE       = "on"
  }

  api_environment = {
    HOST                    = "0.0.0.0" # the ALB reaches the task's ENI, not loopback
    PORT                    = tostring(local.api_port)
    OAUTH_REDIRECT_BASE_URL = var.public_api_base_url
    ASSET_BASE_URL          = length(var.asset_domain_aliases) > 0 ? "https://${var.asset_domain_aliases[0]}" : "https://${aws_cloudfront_distribution.assets.domain_name}"
    # Empty: notifications are admitted by their Authorization alone (server/middleware/googleHealthWebhook.ts).
    GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY = var.google_health_webhook_public_key
  }

  worker_environment = {
    # Shorter than ECS's stopTimeout below: in-flight jobs finish or go back to their queue.
    WORKER_SHUTDOWN_GRACE_MS = "25000"
    # Tasks retire themselves after about a day (worker/lifetime.ts): ECS starts fresh ones.
    WORKER_MAX_LIFETIME_SECONDS = tostring(var.worker_max_lifetime_seconds)
    # per_job_session: each token secret through a session of this role naming it alone
    # (core/secrets/sessionScopedSecretStore.ts); empty: the task role's own access.
    SECRET_ACCESS_ROLE_ARN = var.worker_secret_access == "per_job_session" ? aws_iam_role.worker_token_access.arn : ""
  }

  # name => valueFrom: a whole secret's ARN, or "<arn>:<json key>::" for one key of the JSON secret.
  shared_secrets = {
    REDIS_URL                   = aws_secretsmanager_secret.redis_url.arn
    ANONYMIZER_SECRET           = "${aws_secretsmanager_secret.app_credentials.arn}:ANONYMIZER_SECRET::"
    STRAVA_CLIENT_ID            = "${aws_secretsmanager_secret.app_credentials.arn}:STRAVA_CLIENT_ID::"
    STRAVA_CLIENT_SECRET        = "${aws_secretsmanager_secret.app_credentials.arn}:STRAVA_CLIENT_SECRET::"
    FITBIT_CLIENT_ID            = "${aws_secretsmanager_secret.app_credentials.arn}:FITBIT_CLIENT_ID::"
    FITBIT_CLIENT_SECRET        = "${aws_secretsmanager_secret.app_credentials.arn}:FITBIT_CLIENT_SECRET::"
    GARMIN_CLIENT_ID            = "${aws_secretsmanager_secret.app_credentials.arn}:GARMIN_CLIENT_ID::"
    GARMIN_CLIENT_SECRET        = "${aws_secretsmanager_secret.app_credentials.arn}:GARMIN_CLIENT_SECRET::"
    GOOGLE_FIT_CLIENT_ID        = "${aws_secretsmanager_secret.app_credentials.arn}:GOOGLE_FIT_CLIENT_ID::"
    GOOGLE_FIT_CLIENT_SECRET    = "${aws_secretsmanager_secret.app_credentials.arn}:GOOGLE_FIT_CLIENT_SECRET::"
    GOOGLE_HEALTH_CLIENT_ID     = "${aws_secretsmanager_secret.app_credentials.arn}:GOOGLE_HEALTH_CLIENT_ID::"
    GOOGLE_HEALTH_CLIENT_SECRET = "${aws_secretsmanager_secret.app_credentials.arn}:GOOGLE_HEALTH_CLIENT_SECRET::"
    # Production refuses to start without both push platforms (core/push).
    APNS_KEY_ID         = "${aws_secretsmanager_secret.app_credentials.arn}:APNS_KEY_ID::"
    APNS_TEAM_ID        = "${aws_secretsmanager_secret.app_credentials.arn}:APNS_TEAM_ID::"
    APNS_TOPIC          = "${aws_secretsmanager_secret.app_credentials.arn}:APNS_TOPIC::"
    APNS_KEY            = "${aws_secretsmanager_secret.app_credentials.arn}:APNS_KEY::"
    FCM_SERVICE_ACCOUNT = "${aws_secretsmanager_secret.app_credentials.arn}:FCM_SERVICE_ACCOUNT::"
  }

  api_secrets = {
    ADMIN_API_KEY                       = "${aws_secretsmanager_secret.app_credentials.arn}:ADMIN_API_KEY::"
    STRAVA_WEBHOOK_VERIFY_TOKEN         = "${aws_secretsmanager_secret.app_credentials.arn}:STRAVA_WEBHOOK_VERIFY_TOKEN::"
    STRAVA_WEBHOOK_SUBSCRIPTION_ID      = "${aws_secretsmanager_secret.app_credentials.arn}:STRAVA_WEBHOOK_SUBSCRIPTION_ID::"
    FITBIT_SUBSCRIBER_VERIFY_CODE       = "${aws_secretsmanager_secret.app_credentials.arn}:FITBIT_SUBSCRIBER_VERIFY_CODE::"
    GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = "${aws_secretsmanager_secret.app_credentials.arn}:GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION::"
  }

  worker_secrets = {}

  # The EMF namespace tells the canary's metrics (sync outcomes among them) from the baseline's:
  # the alarms in monitoring.tf read SyncWell, the canary analysis compares both (canary.tf).
  baseline_metrics_environment = {
    METRICS_NAMESPACE = "SyncWell"
  }
  canary_metrics_environment = {
    METRICS_NAMESPACE = "SyncWellCanary"
  }

  # The containers without their image, environment and secrets, shared by the main and the canary
  # task definitions (canary.tf) so the two cannot differ in anything but the version and the
  # namespace. Environment and secrets stay in each task definition: scripts/checkTerraform.ts
  # reads the maps named there.
  api_container = {
    name         = "api"
    essential    = true
    portMappings = [{ containerPort = local.api_port, protocol = "tcp" }]
    # Liveness only (GET /healthz); the ALB asks /readyz, which also checks the dependencies.
    healthCheck = {
      command     = ["CMD-SHELL", "node -e \"fetch('http://127.0.0.1:${local.api_port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))\""]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    stopTimeout = 30
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.api.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "api"
      }
    }
  }

  worker_container = {
    name      = "worker"
    essential = true
    # The worker serves nothing but its metrics on loopback: answering means its event loop runs.
    healthCheck = {
      command     = ["CMD-SHELL", "node -e \"fetch('http://127.0.0.1:${local.metrics_port}/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))\""]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    # Fargate Spot sends SIGTERM two minutes ahead; the worker stops receiving and drains.
    stopTimeout = 30
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.worker.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "worker"
      }
    }
  }

  # The ADOT collector: OTLP on loopback in, X-Ray out (its default ECS configuration).
  otel_sidecar = {
    name      = "otel-collector"
    image     = var.otel_collector_image
    essential = false # losing traces must not stop the service
    command   = ["--config=/etc/ecs/ecs-default-config.yaml"]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.otel_collector.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "otel"
      }
    }
  }
}

resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled" # RunningTaskCount per service, which the worker's scaling divides by
  }
}

# Seed §4: mostly Fargate Spot, a Fargate baseline that is never interrupted. SQS makes the
# worker's jobs survive a Spot interruption (unfinished messages reappear after their visibility
# timeout); the API overrides this in its service.
resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 9
  }
}

resource "aws_ecs_task_definition" "api" {
  family                   = "${local.name}-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.api_cpu)
  memory                   = tostring(var.api_memory)
  execution_role_arn       = aws_iam_role.api_execution.arn
  task_role_arn            = aws_iam_role.api_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }

  container_definitions = jsonencode([
    merge(local.api_container, {
      image       = var.api_image
      environment = [for k, v in merge(local.shared_environment, local.api_environment, local.baseline_metrics_environment) : { name = k, value = v }]
      secrets     = [for k, v in merge(local.shared_secrets, local.api_secrets) : { name = k, valueFrom = v }]
    }),
    local.otel_sidecar,
  ])
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${local.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.worker_cpu)
  memory                   = tostring(var.worker_memory)
  execution_role_arn       = aws_iam_role.worker_execution.arn
  task_role_arn            = aws_iam_role.worker_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }

  container_definitions = jsonencode([
    merge(local.worker_container, {
      image       = var.worker_image
      environment = [for k, v in merge(local.shared_environment, local.worker_environment, local.baseline_metrics_environment) : { name = k, value = v }]
      secrets     = [for k, v in merge(local.shared_secrets, local.worker_secrets) : { name = k, valueFrom = v }]
    }),
    local.otel_sidecar,
  ])
}

resource "aws_ecs_service" "api" {
  name                              = "${local.name}-api"
  cluster                           = aws_ecs_cluster.main.id
  task_definition                   = aws_ecs_task_definition.api.arn
  desired_count                     = var.api_min_tasks
  health_check_grace_period_seconds = 60
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  # An interruption drops the task's WebSockets, so the API keeps a larger on-demand share than
  # the worker: a base of two tasks on Fargate, then half and half.
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 2
    weight            = 1
  }

  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = local.api_port
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count] # autoscaling.tf owns it
  }

  depends_on = [aws_lb_listener.https, aws_ecs_cluster_capacity_providers.main]
}

resource "aws_ecs_service" "worker" {
  name                    = "${local.name}-worker"
  cluster                 = aws_ecs_cluster.main.id
  task_definition         = aws_ecs_task_definition.worker.arn
  desired_count           = var.worker_min_tasks
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }

  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 9
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }

  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_ecs_cluster_capacity_providers.main]
}
