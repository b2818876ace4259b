# ElastiCache for Redis (seed §2 container 4, §3b): the user-config cache, the rate limiter's token
# buckets, socket leases and the job-status pub/sub. Cluster mode off: one shard holds the
# working set, and the Lua scripts and pub/sub need no slot routing. Multi-AZ with automatic
# failover (a replica in another AZ takes over), encrypted at rest and in transit, AUTH token from
# Secrets Manager (secrets.tf). The code degrades safely without Redis (seed §3c "Degraded Mode").

resource "aws_elasticache_subnet_group" "main" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_elasticache_replication_group" "main" {
  replication_group_id = local.name
  description          = "SyncWell cache, rate limiter and pub/sub"
  engine               = "redis"
  engine_version       = "7.1"
  parameter_group_name = "default.redis7"
  node_type            = var.redis_node_type
  port                 = 6379

  num_cache_clusters         = var.redis_replicas
  automatic_failover_enabled = true
  multi_az_enabled           = true
  preferred_cache_cluster_azs = [
    for i in range(var.redis_replicas) : local.azs[i % length(local.azs)]
  ]

  subnet_group_name  = aws_elasticache_subnet_group.main.name
  security_group_ids = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = aws_secretsmanager_secret_version.redis_auth.secret_string

  snapshot_retention_limit = local.is_production ? 3 : 0
  snapshot_window          = "03:00-04:00"
  maintenance_window       = "sun:04:30-sun:05:30"
  apply_immediately        = !local.is_production

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis_slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}
