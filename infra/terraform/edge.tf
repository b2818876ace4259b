# The API's edge: an Application Load Balancer with AWS WAF (seed §4 "Web Application Firewall").
# Why an ALB and not API Gateway (README "Edge"): the API is a long-running Express process that
# verifies Firebase tokens itself (with its own 5-minute authorization cache) and serves the
# WebSocket lane (GET /v1/ws) in the same process; an ALB forwards that upgrade to the task,
# while an API Gateway WebSocket API would terminate it and invoke an integration per frame. At the
# spec's 3,000 requests/s an ALB also costs a small fraction of API Gateway's per-request price,
# and both take the same WAF web ACL.

resource "aws_lb" "api" {
  name                       = "${local.name}-api"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  # Below the API's HTTP keep-alive (65 s, server/main.ts), so the ALB never reuses a connection
  # the task has just closed (a 502). WebSockets stay open: the server pings every 30 s
  # (WS_HEARTBEAT_INTERVAL_MS), which counts as traffic; the API closes idle ones itself (10 min).
  idle_timeout               = 60
  enable_deletion_protection = local.is_production
}

resource "aws_lb_target_group" "api" {
  name                 = "${local.name}-api"
  port                 = local.api_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.main.id
  deregistration_delay = 30 # the API's shutdown drains in-flight requests within this

  # /readyz: ready to serve (dependencies reachable); a task that is not gets no traffic.
  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06" # seed §6: TLS 1.2+
  certificate_arn   = var.api_certificate_arn

  # Weighted between the baseline and the canary (canary.tf): 100/0 unless a canary is watched.
  # Without stickiness, each request is drawn anew; a WebSocket stays on the task it opened on.
  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.api.arn
        weight = 100 - var.canary_traffic_percent
      }
      target_group {
        arn    = aws_lb_target_group.api_canary.arn
        weight = var.canary_traffic_percent
      }
    }
  }

  lifecycle {
    # A weight on a target group without tasks would answer that share of the requests with 503.
    precondition {
      condition     = var.canary_traffic_percent == 0 || var.canary_api_tasks > 0
      error_message = "canary_traffic_percent > 0 needs canary_api_tasks > 0."
    }
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# Managed rule groups for common exploits, known bad inputs and IP reputation, plus two rate rules
# per client IP: one for the app's traffic, a looser one for the providers' webhooks (few
# senders, bursty). Blocks answer 403/429 before a task is involved.
resource "aws_wafv2_web_acl" "api" {
  name        = "${local.name}-api"
  description = "SyncWell API"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "aws-common"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        # Device uploads carry up to BODY_LIMIT (256 kB) of JSON: the 8 kB body rule would block
        # them. Counted, not blocked; the API validates bodies against the OpenAPI document.
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 30

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "rate-per-ip"
    priority = 40

    action {
      block {
        custom_response {
          response_code = 429
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit_per_ip
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300

        # Everything but the webhooks, which the next rule limits.
        scope_down_statement {
          not_statement {
            statement {
              byte_match_statement {
                search_string         = "/v1/webhooks/"
                positional_constraint = "STARTS_WITH"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "webhook-rate-per-ip"
    priority = 50

    action {
      block {
        custom_response {
          response_code = 429
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_webhook_rate_limit_per_ip
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300

        scope_down_statement {
          byte_match_statement {
            search_string         = "/v1/webhooks/"
            positional_constraint = "STARTS_WITH"
            field_to_match {
              uri_path {}
            }
            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "webhook-rate-per-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.name}-api"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_lb.api.arn
  web_acl_arn  = aws_wafv2_web_acl.api.arn
}

# Only what WAF blocked or counted is logged: allowed requests would cost more than they tell.
resource "aws_wafv2_web_acl_logging_configuration" "api" {
  resource_arn            = aws_wafv2_web_acl.api.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  logging_filter {
    default_behavior = "DROP"

    filter {
      behavior    = "KEEP"
      requirement = "MEETS_ANY"

      condition {
        action_condition {
          action = "BLOCK"
        }
      }

      condition {
        action_condition {
          action = "COUNT"
        }
      }
    }
  }
}
