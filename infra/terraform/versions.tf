terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = var.region

  # Each environment lives in its own account; CI assumes that account's deploy role.
  dynamic "assume_role" {
    for_each = var.deploy_role_arn == "" ? [] : [var.deploy_role_arn]
    content {
      role_arn     = assume_role.value
      session_name = "syncwell-terraform"
    }
  }

  default_tags {
    tags = {
      Project     = "syncwell"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}


# One workspace per environment: refuse to plan staging's variables in prod's state and back.
check "workspace_matches_environment" {
  assert {
    condition     = terraform.workspace == "default" || terraform.workspace == var.environment
    error_message = "The workspace (${terraform.workspace}) and var.environment (${var.environment}) differ: select the environment's workspace."
  }
}
