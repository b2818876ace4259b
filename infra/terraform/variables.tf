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
