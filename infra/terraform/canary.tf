# The canary release (seed §9, C-005; docs/deploy.md section 10): the new version runs beside the
# baseline in its own services, takes canary_traffic_percent of the API's requests through a second
# target group, and writes its EMF metrics to SyncWellCanary. `npm run canary:windows` fetches both
# groups' minutes from CloudWatch, `npm run canary` applies the rollback rules
# (core/release/canaryAnalysis.ts). With canary_api_tasks = canary_worker_tasks = 0 and
# canary_traffic_percent = 0 (the defaults) nothing of it runs or is routed to.
#
# Same task and execution roles as the main services: the canary is the same code one version on,
# so least privilege is the main roles' (scripts/checkTerraform.ts checks them against the code).

locals {
  # Empty: the canary's task definitions mirror the main ones (nothing to compare, nothing runs).
  canary_api_image    = coalesce(var.canary_api_image, var.api_image)
  canary_worker_image = coalesce(var.canary_worker_image, var.worker_image)
}

# Same port and health check as aws_lb_target_group.api (edge.tf): the canary is judged on the
# same readiness.
resource "aws_lb_target_group" "api_canary" {
  name                 = "${local.name}-api-canary"
  port                 = local.api_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.main.id
  deregistration_delay = 30

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_ecs_task_definition" "api_canary" {
  family                   = "${local.name}-api-canary"
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
      image       = local.canary_api_image
      environment = [for k, v in merge(local.shared_environment, local.api_environment, local.canary_metrics_environment) : { name = k, value = v }]
      secrets     = [for k, v in merge(local.shared_secrets, local.api_secrets) : { name = k, valueFrom = v }]
    }),
    local.otel_sidecar,
  ])
}

resource "aws_ecs_task_definition" "worker_canary" {
  family                   = "${local.name}-worker-canary"
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
      image       = local.canary_worker_image
      environment = [for k, v in merge(local.shared_environment, local.worker_environment, local.canary_metrics_environment) : { name = k, value = v }]
      secrets     = [for k, v in merge(local.shared_secrets, local.worker_secrets) : { name = k, valueFrom = v }]
    }),
    local.otel_sidecar,
  ])
}

# Fixed task counts, no autoscaling: the canary's share of the traffic is the listener's weight,
# and the worker canary's share of the jobs is its share of the fleet (all workers read the same
# queues: about one canary worker per nine baseline workers gives it ~10 % of the jobs). On-demand
# only: a Spot interruption during the 30 watched minutes would leave minutes without a canary.
resource "aws_ecs_service" "api_canary" {
  name                              = "${local.name}-api-canary"
  cluster                           = aws_ecs_cluster.main.id
  task_definition                   = aws_ecs_task_definition.api_canary.arn
  desired_count                     = var.canary_api_tasks
  health_check_grace_period_seconds = 60
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api_canary.arn
    container_name   = "api"
    container_port   = local.api_port
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The target group must be behind the listener before a service can register with it.
  depends_on = [aws_lb_listener.https, aws_ecs_cluster_capacity_providers.main]
}

resource "aws_ecs_service" "worker_canary" {
  name                    = "${local.name}-worker-canary"
  cluster                 = aws_ecs_cluster.main.id
  task_definition         = aws_ecs_task_definition.worker_canary.arn
  desired_count           = var.canary_worker_tasks
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
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

  depends_on = [aws_ecs_cluster_capacity_providers.main]
}
