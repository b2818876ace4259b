# The seed's hybrid capacity (§3b) in PROVISIONED mode: the table and each global index keep the
# baseline (about 70 % of the expected peak) and target-track 70 % utilisation up to
# dynamodb_peak_multiple times it; AWS bills what is provisioned, so the baseline is the floor.
# PAY_PER_REQUEST (the default) creates none of this.
locals {
  # "" is the table itself; the others are its global indexes (dynamodb.tf).
  dynamodb_scaled = local.dynamodb_provisioned ? {
    for pair in setproduct(["", "ReAuthStatusIndex", "SchedulerIndex", "UserIdIndex"], ["Read", "Write"]) :
    "${pair[0] == "" ? "table" : pair[0]}-${lower(pair[1])}" => {
      resource_id = pair[0] == "" ? "table/${aws_dynamodb_table.metadata.name}" : "table/${aws_dynamodb_table.metadata.name}/index/${pair[0]}"
      dimension   = "dynamodb:${pair[0] == "" ? "table" : "index"}:${pair[1]}CapacityUnits"
      metric      = "DynamoDB${pair[1]}CapacityUtilization"
      baseline    = pair[1] == "Read" ? var.dynamodb_read_baseline : var.dynamodb_write_baseline
    }
  } : {}
}

resource "aws_appautoscaling_target" "dynamodb" {
  for_each           = local.dynamodb_scaled
  service_namespace  = "dynamodb"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.baseline
  max_capacity       = each.value.baseline * var.dynamodb_peak_multiple
}

resource "aws_appautoscaling_policy" "dynamodb" {
  for_each           = local.dynamodb_scaled
  name               = "${local.name}-dynamodb-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.dynamodb[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.dynamodb[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.dynamodb[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 70
    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
