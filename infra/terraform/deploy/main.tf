# The root deployment: what engineers and Cloud Build init, plan and apply.
# It holds what only a root module may hold (the state backend and the
# provider configuration) and calls the sluice module one directory up, so the
# module itself stays callable from anywhere (see ../examples).
#
#   terraform init -backend-config="bucket=<state bucket>" -backend-config="prefix=sluice/<environment>"
#   terraform plan -var="project_id=..." -var="environment=..." -out=tfplan

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

  # State lives in a bucket so that Cloud Build (an ephemeral workspace) and
  # engineers share it. Configure with -backend-config at init (see README).
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

module "sluice" {
  source = "./.."

  project_id            = var.project_id
  region                = var.region
  environment           = var.environment
  analyst_group         = var.analyst_group
  data_engineer_group   = var.data_engineer_group
  kms_key_name          = var.kms_key_name
  notification_channels = var.notification_channels
  deletion_protection   = var.deletion_protection
  function_settings     = var.function_settings
}
