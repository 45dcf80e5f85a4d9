terraform {
  # 1.5: import blocks and check blocks; optional() object attributes need 1.3.
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.10, < 7.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.10, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.5, < 3.0" # 2.5 added glob patterns in excludes
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0" # random_password for the tokenisation key
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
