variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts the pipeline and the stages' service accounts (the Google deployment's project)."
}

variable "pool_id" {
  type        = string
  description = "Workload identity pool id, e.g. \"<environment>-aws\" (4-32 characters: lowercase letters, digits, dashes; the prefix gcp- is reserved)."

  validation {
    condition     = can(regex("^[a-z0-9-]{4,32}$", var.pool_id)) && !startswith(var.pool_id, "gcp-")
    error_message = "pool_id must be 4-32 lowercase letters, digits or dashes and must not start with gcp-."
  }
}

variable "provider_id" {
  type        = string
  description = "Id of the AWS provider in the pool (4-32 characters: lowercase letters, digits, dashes)."
  default     = "aws-lambda"

  validation {
    condition     = can(regex("^[a-z0-9-]{4,32}$", var.provider_id))
    error_message = "provider_id must be lowercase letters, digits or dashes (4-32 characters)."
  }
}

variable "aws_account_id" {
  type        = string
  description = "The AWS account (12 digits) whose Lambda roles may exchange their credentials; the provider trusts no other account."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "aws_partition" {
  type        = string
  description = "AWS partition of the role ARNs: aws, aws-cn or aws-us-gov."
  default     = "aws"

  validation {
    condition     = contains(["aws", "aws-cn", "aws-us-gov"], var.aws_partition)
    error_message = "aws_partition must be aws, aws-cn or aws-us-gov."
  }
}

variable "stages" {
  type = map(object({
    service_account_email = string
    aws_role_name         = string
  }))
  description = "Per stage (ingest, transform, mask, export): the Google service account the stage runs as (the Google deployment's `functions` output) and the name of the Lambda execution role that may impersonate it. Each role gets roles/iam.workloadIdentityUser on its own stage's account only."

  validation {
    condition     = length(var.stages) > 0 && alltrue([for k, _ in var.stages : contains(["ingest", "transform", "mask", "export"], k)])
    error_message = "stages must be a non-empty map keyed by ingest, transform, mask or export."
  }
  validation {
    condition     = alltrue([for _, s in var.stages : can(regex("^[^@\\s]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$", s.service_account_email))])
    error_message = "service_account_email must be a service account email (name@project.iam.gserviceaccount.com)."
  }
  validation {
    condition     = alltrue([for _, s in var.stages : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", s.aws_role_name))])
    error_message = "aws_role_name must be an IAM role name (not an ARN; 1-64 characters of A-Za-z0-9+=,.@_-)."
  }
  validation {
    condition     = length(distinct([for _, s in var.stages : s.aws_role_name])) == length(var.stages)
    error_message = "each stage needs its own Lambda role: a shared role could act as every stage's service account."
  }
}

variable "enable_apis" {
  type        = bool
  description = "Enable the APIs federation needs (IAM, Security Token Service, IAM Service Account Credentials). Turn off when a platform team manages APIs."
  default     = true
}

variable "credentials_file" {
  type        = string
  description = "Path where the functions find the credential configuration (GOOGLE_APPLICATION_CREDENTIALS); only used in the outputs' environment."
  default     = "/opt/sluice/google-credentials.json"
}
