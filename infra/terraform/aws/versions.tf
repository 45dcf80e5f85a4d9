# infra/terraform/aws: sluice's four functions on AWS Lambda, with the Google
# side they need (a workload identity pool with an AWS provider, and the
# grants that let each Lambda role act as its stage's service account).
#
# Unlike infra/terraform (a module that deploy/ calls), this directory is
# applied directly, so it configures its providers itself. State is local
# unless a backend is added (terraform init -backend-config=... with a
# backend block of your own in a *_override.tf file).
terraform {
  # optional() object attributes: 1.3; check blocks: 1.5.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # logging_config on aws_lambda_function (5.23), aws_scheduler_schedule
      # (4.60). Not planned against 7.x.
      version = ">= 5.40, < 7.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.5, < 3.0" # source blocks: the credential-config layers
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

provider "google" {
  project = var.project_id
}
