# terraform workspace select staging && terraform plan -var-file=environments/staging.tfvars
environment        = "staging"
bucket_name_suffix = "-staging-000000000000" # replace with the staging account id
deploy_role_arn    = ""                      # arn:aws:iam::<staging account>:role/<deploy role>

az_count           = 2
single_nat_gateway = true

api_image    = "000000000000.dkr.ecr.us-east-1.amazonaws.com/syncwell-api:latest"
worker_image = "000000000000.dkr.ecr.us-east-1.amazonaws.com/syncwell-worker:latest"

api_min_tasks    = 2
api_max_tasks    = 6
worker_min_tasks = 1
worker_max_tasks = 20

redis_node_type = "cache.t4g.medium"
redis_replicas  = 2

api_certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
public_api_base_url = "https://api.staging.syncwell.example"
firebase_project_id = "syncwell-staging"

log_retention_days         = 7
cost_anomaly_threshold_usd = 25
