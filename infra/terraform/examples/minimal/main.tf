# The smallest deployment: the root module with the repository's own
# pipeline.yaml. Copy terraform.tfvars.example to terraform.tfvars and fill it.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.0, < 8.0"
    }
  }
  # No backend block: the example keeps its state locally. A shared
  # environment is deployed from ../../deploy, which stores state in a bucket.
}

# Provider configuration belongs to the caller, never to the module.
provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

variable "project_id" {
  type        = string
  description = "Project to deploy into."
}

variable "region" {
  type        = string
  description = "Region for everything."
  default     = "europe-west1"
}

variable "environment" {
  type        = string
  description = "Name prefix (lower-case letters and digits), unique enough for global bucket names, e.g. acmedev."
}

variable "analyst_group" {
  type        = string
  description = "Group that reads the published dataset."
  default     = ""
}

module "sluice" {
  source = "../.."

  project_id    = var.project_id
  region        = var.region
  environment   = var.environment
  analyst_group = var.analyst_group

  # A throwaway environment: allow terraform destroy to remove tables and buckets.
  deletion_protection = false
}

output "functions" {
  description = "Deployed functions."
  value       = module.sluice.functions
}

output "source_topics" {
  description = "Topics producers publish to."
  value       = module.sluice.source_topics
}
