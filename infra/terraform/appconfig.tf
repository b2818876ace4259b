# AWS AppConfig (seed §2 container 7): feature flags and operational values the processes re-read
# every DYNAMIC_CONFIG_REFRESH_SECONDS (core/config/appConfigSource.ts). The validator is the JSON
# Schema of the document the code parses (core/config/dynamicConfig.ts), generated into
# appconfig-schema.json by scripts/checkTerraformSchema.ts and checked for drift by
# scripts/checkTerraform.ts: AppConfig refuses a document the processes would reject.

resource "aws_appconfig_application" "main" {
  name        = "syncwell"
  description = "SyncWell API and worker"
}

# APPCONFIG_ENVIRONMENT: one per deployment environment. A deployment rolls back by itself when
# the sync success rate alarm fires while it bakes.
resource "aws_appconfig_environment" "main" {
  name           = var.environment
  application_id = aws_appconfig_application.main.id

  monitor {
    alarm_arn      = aws_cloudwatch_metric_alarm.sync_success_rate.arn
    alarm_role_arn = aws_iam_role.appconfig_monitor.arn
  }
}

# APPCONFIG_PROFILE
resource "aws_appconfig_configuration_profile" "runtime" {
  name           = "runtime"
  application_id = aws_appconfig_application.main.id
  location_uri   = "hosted"
  type           = "AWS.Freeform"

  validator {
    type    = "JSON_SCHEMA"
    content = file("${path.module}/appconfig-schema.json")
  }
}

# Flag and tuning changes reach the fleet gradually: 20 % of the processes every 2 minutes, then
# 10 minutes of baking under the environment's alarm before the deployment counts as done.
resource "aws_appconfig_deployment_strategy" "gradual" {
  name                           = "syncwell-gradual"
  description                    = "Linear 20 % every 2 min, 10 min bake"
  deployment_duration_in_minutes = 10
  growth_type                    = "LINEAR"
  growth_factor                  = 20
  final_bake_time_in_minutes     = 10
  replicate_to                   = "NONE"
}

# The first document: no flags, every value at the environment's default. Later documents are
# deployed with the AppConfig console or CLI (they are operations, not infrastructure).
resource "aws_appconfig_hosted_configuration_version" "initial" {
  application_id           = aws_appconfig_application.main.id
  configuration_profile_id = aws_appconfig_configuration_profile.runtime.configuration_profile_id
  content_type             = "application/json"
  content                  = jsonencode({ flags = {} })
  description              = "Initial document (Terraform)"

  lifecycle {
    ignore_changes = [content]
  }
}

resource "aws_appconfig_deployment" "initial" {
  application_id           = aws_appconfig_application.main.id
  environment_id           = aws_appconfig_environment.main.environment_id
  configuration_profile_id = aws_appconfig_configuration_profile.runtime.configuration_profile_id
  configuration_version    = aws_appconfig_hosted_configuration_version.initial.version_number
  deployment_strategy_id   = aws_appconfig_deployment_strategy.gradual.id
  description              = "Initial document (Terraform)"

  lifecycle {
    ignore_changes = [configuration_version]
  }
}
