# CloudWatch log groups, with short retention (seed §5 "Aggressive Log Management"): the job logs
# are already tail-sampled by the worker (JOB_LOG_SAMPLE_RATE_*), and the EMF metric lines in them
# outlive the logs as metrics. The audit trail keeps longer (cloudtrail.tf, and its bucket).

resource "aws_cloudwatch_log_group" "api" {
  name              = "/syncwell/api"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/syncwell/worker"
  retention_in_days = var.log_retention_days
}

# The ADOT collector sidecars of both services.
resource "aws_cloudwatch_log_group" "otel_collector" {
  name              = "/syncwell/otel-collector"
  retention_in_days = 7
}

resource "aws_cloudwatch_log_group" "redis_slow_log" {
  name              = "/syncwell/redis/slow-log"
  retention_in_days = 7
}

# WAF requires the "aws-waf-logs-" prefix. Only blocked and counted requests are logged (edge.tf).
resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-syncwell"
  retention_in_days = var.log_retention_days
}

# CloudTrail's copy for the metric filters (cloudtrail.tf); the S3 copy is the long-term record.
resource "aws_cloudwatch_log_group" "cloudtrail" {
  name              = "/syncwell/cloudtrail"
  retention_in_days = 90
}
