# Alarms and the KPI dashboard (seed §6). The API and the worker write their metrics to stdout as
# CloudWatch EMF lines (core/observability/, METRICS_EMF_INTERVAL_SECONDS=60 in AWS), in the
# namespace below; each alarm reads one of the rollup dimension sets the code declares
# (`emfRollups` in core/observability/metrics.ts). infra/local/monitoring.test.ts checks that every
# metric and dimension set named here is one the code emits, so a rename cannot silence an alarm.
# Nothing here has a local equivalent: locally, `GET /metrics` (Prometheus text) shows the same.

resource "aws_sns_topic" "alarms" {
  name              = "syncwell-alarms"
  kms_master_key_id = aws_kms_key.alerts.arn # alerts.tf: not aws/sns, which alarms cannot use
}

# SyncWellSuccessRate: alert if < 99.9 % over 15 minutes (seed §6 KPI table). No jobs, no alarm.
resource "aws_cloudwatch_metric_alarm" "sync_success_rate" {
  alarm_name          = "syncwell-sync-success-rate"
  alarm_description   = "SyncSuccessRate below 99.9 % over 15 minutes (succeeded / final jobs)."
  comparison_operator = "LessThanThreshold"
  threshold           = 99.9
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "rate"
    expression  = "IF(succeeded + failed > 0, 100 * succeeded / (succeeded + failed))"
    label       = "SyncSuccessRate"
    return_data = true
  }
  metric_query {
    id = "succeeded"
    metric {
      namespace   = "SyncWell"
      metric_name = "SyncJobs"
      dimensions  = { outcome = "succeeded" }
      period      = 900
      stat        = "Sum"
    }
  }
  metric_query {
    id = "failed"
    metric {
      namespace   = "SyncWell"
      metric_name = "SyncJobs"
      dimensions  = { outcome = "failed" }
      period      = 900
      stat        = "Sum"
    }
  }
}

# P95_ManualSyncLatency: alert if > 15 seconds (seed §6 KPI table), three 5-minute periods in a row.
resource "aws_cloudwatch_metric_alarm" "manual_sync_latency_p95" {
  alarm_name          = "syncwell-manual-sync-latency-p95"
  alarm_description   = "p95 from a manual sync request to its final status above 15 s."
  namespace           = "SyncWell"
  metric_name         = "ManualSyncLatency"
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 3
  threshold           = 15
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Idempotency-key collisions: an anomalous spike (seed §6), against a learned band.
resource "aws_cloudwatch_metric_alarm" "idempotency_collisions" {
  alarm_name          = "syncwell-idempotency-key-collisions"
  alarm_description   = "Idempotency-Key collisions above their expected band (client retry storms, key reuse bugs)."
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 3
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(collisions, 3)"
    label       = "expected collisions"
    return_data = true
  }
  metric_query {
    id          = "collisions"
    return_data = true
    metric {
      namespace   = "SyncWell"
      metric_name = "IdempotencyKeyCollisions"
      period      = 300
      stat        = "Sum"
    }
  }
}

# Any message sent to a DLQ by the runtime (permanent failure, poison, retries exhausted).
resource "aws_cloudwatch_metric_alarm" "dlq_arrivals" {
  alarm_name          = "syncwell-dlq-arrivals"
  alarm_description   = "Messages reached a dead-letter queue: read their FailureCode/FailureReason attributes."
  namespace           = "SyncWell"
  metric_name         = "DLQArrivals"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

# Degraded mode (Redis unavailable: no provider calls) for five minutes in the workers.
resource "aws_cloudwatch_metric_alarm" "worker_degraded" {
  alarm_name          = "syncwell-worker-degraded"
  alarm_description   = "Workers run degraded (Redis unavailable): syncs wait in the queues."
  namespace           = "SyncWell"
  metric_name         = "Degraded"
  dimensions          = { component = "worker_redis" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# InvalidTimezoneData_Omitted (seed §3e), per provider: a provider suddenly sending records without
# a zone. Google Fit never sends one (its records are counted too), so it is not alarmed.
resource "aws_cloudwatch_metric_alarm" "invalid_timezone_strava" {
  alarm_name          = "syncwell-invalid-timezone-strava"
  alarm_description   = "Strava records without a usable IANA time zone (processed as UTC)."
  namespace           = "SyncWell"
  metric_name         = "InvalidTimezoneData_Omitted"
  dimensions          = { provider = "strava" }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 100
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

# The hot path's backlog: jobs waiting more than 5 minutes means the fleet is too small or stuck.
resource "aws_cloudwatch_metric_alarm" "hot_path_backlog" {
  alarm_name          = "syncwell-hot-path-backlog"
  alarm_description   = "More than 1,000 hot-path jobs visible for 10 minutes."
  namespace           = "SyncWell"
  metric_name         = "QueueDepth"
  dimensions          = { channel = "hotPathSync", state = "visible" }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  threshold           = 1000
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_dashboard" "kpis" {
  dashboard_name = "SyncWell-KPIs"
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "SyncSuccessRate (%)"
          region = var.region
          period = 900
          stat   = "Sum"
          metrics = [
            [{ expression = "100 * s / (s + f)", label = "SyncSuccessRate", id = "rate" }],
            ["SyncWell", "SyncJobs", "outcome", "succeeded", { id = "s", visible = false }],
            ["SyncWell", "SyncJobs", "outcome", "failed", { id = "f", visible = false }],
          ]
          annotations = { horizontal = [{ value = 99.9, label = "alarm" }] }
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "Manual sync latency (s)"
          region  = var.region
          period  = 300
          metrics = [["SyncWell", "ManualSyncLatency", { stat = "p50" }], ["SyncWell", "ManualSyncLatency", { stat = "p95" }]]
          annotations = { horizontal = [{ value = 15, label = "p95 alarm" }] }
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Provider calls by result"
          region = var.region
          period = 300
          stat   = "Sum"
          metrics = [
            [{ expression = "SEARCH('{SyncWell,provider,result} MetricName=\"ProviderCalls\"', 'Sum', 300)", id = "calls" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title  = "Queue depth (visible)"
          region = var.region
          period = 60
          stat   = "Maximum"
          metrics = [
            [{ expression = "SEARCH('{SyncWell,channel,state} MetricName=\"QueueDepth\" state=\"visible\"', 'Maximum', 60)", id = "depth" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "Rate-limit deferrals, DLQ arrivals, idempotency collisions"
          region = var.region
          period = 300
          stat   = "Sum"
          metrics = [
            [{ expression = "SEARCH('{SyncWell,provider} MetricName=\"RateLimitDeferrals\"', 'Sum', 300)", id = "deferrals" }],
            ["SyncWell", "DLQArrivals"],
            ["SyncWell", "IdempotencyKeyCollisions"],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title  = "Degraded mode, records without a time zone"
          region = var.region
          period = 300
          metrics = [
            ["SyncWell", "Degraded", "component", "worker_redis", { stat = "Maximum" }],
            ["SyncWell", "Degraded", "component", "api_redis", { stat = "Maximum" }],
            [{ expression = "SEARCH('{SyncWell,provider} MetricName=\"InvalidTimezoneData_Omitted\"', 'Sum', 300)", id = "zoneless" }],
          ]
        }
      },
    ]
  })
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies: subscribe the on-call channel to it."
  value       = aws_sns_topic.alarms.arn
}
