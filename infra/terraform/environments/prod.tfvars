# terraform workspace select prod && terraform plan -var-file=environments/prod.tfvars
environment        = "prod"
bucket_name_suffix = "-prod-000000000000" # replace with the production account id
deploy_role_arn    = ""                   # arn:aws:iam::<production account>:role/<deploy role>

az_count           = 3
single_nat_gateway = false

api_image    = "000000000000.dkr.ecr.us-east-1.amazonaws.com/syncwell-api:latest"
worker_image = "000000000000.dkr.ecr.us-east-1.amazonaws.com/syncwell-worker:latest"

api_min_tasks    = 3
api_max_tasks    = 60
worker_min_tasks = 3
worker_max_tasks = 400

redis_node_type = "cache.r7g.large"
redis_replicas  = 3

api_certificate_arn   = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
asset_domain_aliases  = ["assets.syncwell.example"]
asset_certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000001"
public_api_base_url   = "https://api.syncwell.example"
firebase_project_id   = "syncwell-prod"

log_retention_days         = 30
cost_anomaly_threshold_usd = 100
