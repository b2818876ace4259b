variable "region" {
  description = "AWS region for every resource in this configuration."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Deployment environment (dev, staging, prod); used for tags and protection settings."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "bucket_name_suffix" {
  description = "Appended to the S3 bucket base names, because S3 names are global (e.g. \"-prod-123456789012\"). Empty locally."
  type        = string
  default     = ""
}

# --- Everything below configures the compute, network and edge of one environment. Each
# environment is one workspace with its own tfvars file (environments/<name>.tfvars) in its own
# AWS account: the table and queue names are literals that the local stack reads, so two
# environments cannot share an account and region.

variable "deploy_role_arn" {
  description = "Role Terraform assumes in the environment's account (empty: the caller's credentials)."
  type        = string
  default     = ""
}

variable "vpc_cidr" {
  description = "The VPC's address range; each AZ gets a /20 public and a /19 private subnet from it."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability Zones the VPC, the services and the Redis replicas span (at least 2)."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (staging: cheaper, an AZ failure cuts egress) instead of one per AZ."
  type        = bool
  default     = false
}

variable "api_image" {
  description = "The API's container image (arm64), e.g. <account>.dkr.ecr.<region>.amazonaws.com/syncwell-api:<sha>."
  type        = string
}

variable "worker_image" {
  description = "The worker's container image (arm64)."
  type        = string
}

variable "canary_api_image" {
  description = "The API canary's image (canary.tf), the new version under analysis; empty: api_image (nothing to compare)."
  type        = string
  default     = ""
}

variable "canary_worker_image" {
  description = "The worker canary's image; empty: worker_image."
  type        = string
  default     = ""
}

variable "canary_api_tasks" {
  description = "Tasks of syncwell-api-canary (0: no API canary runs)."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_api_tasks >= 0 && floor(var.canary_api_tasks) == var.canary_api_tasks
    error_message = "canary_api_tasks must be a whole number >= 0."
  }
}

variable "canary_worker_tasks" {
  description = "Tasks of syncwell-worker-canary (0: none); about one per nine baseline workers gives it ~10 % of the jobs."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_worker_tasks >= 0 && floor(var.canary_worker_tasks) == var.canary_worker_tasks
    error_message = "canary_worker_tasks must be a whole number >= 0."
  }
}

variable "canary_traffic_percent" {
  description = "Share of the API's requests the HTTPS listener forwards to the canary target group (seed C-005: 10 while a canary is watched, 0 otherwise)."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_traffic_percent >= 0 && var.canary_traffic_percent <= 100 && floor(var.canary_traffic_percent) == var.canary_traffic_percent
    error_message = "canary_traffic_percent must be a whole number from 0 to 100."
  }
}

variable "ecr_keep_images" {
  description = "Images each ECR repository keeps (older ones expire): the rollback targets."
  type        = number
  default     = 50
}

variable "ecr_untagged_expiry_days" {
  description = "Days after which untagged images in the ECR repositories expire."
  type        = number
  default     = 3
}

variable "otel_collector_image" {
  description = "The ADOT collector sidecar that forwards the processes' OTLP traces to X-Ray."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
}

variable "api_cpu" {
  description = "Fargate CPU units per API task."
  type        = number
  default     = 1024
}

variable "api_memory" {
  description = "Fargate memory (MiB) per API task."
  type        = number
  default     = 2048
}

variable "worker_cpu" {
  description = "Fargate CPU units per worker task."
  type        = number
  default     = 1024
}

variable "worker_memory" {
  description = "Fargate memory (MiB) per worker task."
  type        = number
  default     = 2048
}

variable "api_min_tasks" {
  description = "Fewest API tasks (one per AZ keeps the API up through an AZ failure)."
  type        = number
  default     = 3
}

variable "api_max_tasks" {
  description = "Most API tasks."
  type        = number
  default     = 60
}

variable "worker_min_tasks" {
  description = "Fewest worker tasks (the warm baseline)."
  type        = number
  default     = 2
}

variable "worker_max_tasks" {
  description = "Most worker tasks."
  type        = number
  default     = 400
}

variable "worker_backlog_per_task" {
  description = "Target of the worker's scaling: visible hot-path + coalescing + weighted historical messages per running task."
  type        = number
  default     = 200
}

variable "api_requests_per_task_per_minute" {
  description = "Target of the API's request-count scaling (ALBRequestCountPerTarget, per minute)."
  type        = number
  default     = 12000
}

variable "api_certificate_arn" {
  description = "ACM certificate of the API's domain, for the ALB's HTTPS listener."
  type        = string
}

variable "asset_domain_aliases" {
  description = "Custom domain names of the asset CDN (empty: the cloudfront.net name)."
  type        = list(string)
  default     = []
}

variable "asset_certificate_arn" {
  description = "ACM certificate in us-east-1 for asset_domain_aliases (empty with no aliases)."
  type        = string
  default     = ""
}

variable "public_api_base_url" {
  description = "Public origin of the API (OAUTH_REDIRECT_BASE_URL), e.g. https://api.syncwell.example."
  type        = string
}

variable "google_health_webhook_public_key" {
  description = "Google Health's public key for notification signatures (SPKI PEM, EC P-256); empty until Google publishes it. Set, every notification batch must be signed."
  type        = string
  default     = ""
}

variable "firebase_project_id" {
  description = "The Firebase project whose ID tokens the API accepts (FIREBASE_PROJECT_ID)."
  type        = string
}

variable "redis_node_type" {
  description = "ElastiCache node type (Graviton)."
  type        = string
  default     = "cache.r7g.large"
}

variable "redis_replicas" {
  description = "Redis nodes in the replication group: one primary plus replicas in other AZs (at least 2 for Multi-AZ)."
  type        = number
  default     = 3

  validation {
    condition     = var.redis_replicas >= 2
    error_message = "Multi-AZ failover needs at least 2 nodes."
  }
}

variable "log_retention_days" {
  description = "CloudWatch retention of the services' logs (short: the spec's log cost control)."
  type        = number
  default     = 14
}

variable "waf_rate_limit_per_ip" {
  description = "Requests one IP may make in 5 minutes outside the webhooks before WAF blocks it."
  type        = number
  default     = 3000
}

variable "waf_webhook_rate_limit_per_ip" {
  description = "Webhook requests one IP may make in 5 minutes (providers post from few addresses)."
  type        = number
  default     = 60000
}

variable "alarm_email" {
  description = "Where security alarms and cost anomalies are mailed (empty: SNS topic only)."
  type        = string
  default     = ""
}

variable "cost_anomaly_threshold_usd" {
  description = "Cost anomalies with at least this absolute impact (USD) are reported."
  type        = number
  default     = 100
}

variable "worker_secret_access" {
  description = <<-EOT
    How the worker reaches users' token secrets: "task_role" (the task role may read and write every
    secret under the prefix) or "per_job_session" (the task role may only assume the token-access
    role, with a session policy naming one secret; the worker does so when SECRET_ACCESS_ROLE_ARN is
    set, which this variable sets).
  EOT
  type        = string
  default     = "task_role"

  validation {
    condition     = contains(["task_role", "per_job_session"], var.worker_secret_access)
    error_message = "worker_secret_access must be task_role or per_job_session."
  }
}

variable "dynamodb_billing_mode" {
  description = "PAY_PER_REQUEST (on demand) or PROVISIONED with autoscaling from the baseline up (seed §3b hybrid capacity)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.dynamodb_billing_mode)
    error_message = "dynamodb_billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "dynamodb_read_baseline" {
  description = "PROVISIONED: read units the table and each index keep at least (the seed: ~70 % of peak; npm run capacity prints it)."
  type        = number
  default     = 1850
}

variable "dynamodb_write_baseline" {
  description = "PROVISIONED: write units the table and each index keep at least (npm run capacity prints ~70 % of peak)."
  type        = number
  default     = 2300
}

variable "dynamodb_peak_multiple" {
  description = "PROVISIONED: autoscaling may raise units to this multiple of the baseline."
  type        = number
  default     = 4
}

variable "worker_max_lifetime_seconds" {
  description = "A worker task retires itself after about this long (±10 %) and ECS starts a fresh one (WORKER_MAX_LIFETIME_SECONDS); 0: never."
  type        = number
  default     = 86400
}
