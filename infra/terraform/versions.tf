# This directory is a module: the deployment that engineers and Cloud Build
# apply is deploy/ (backend and provider configuration live there), and
# examples/ call it the same way. A module carries neither a backend block
# (ignored in a called module) nor provider blocks (they would stop callers
# from using count, for_each or depends_on on it).
terraform {
  # 1.5: import blocks and check blocks; optional() object attributes need 1.3.
  # The tests (tests/*.tftest.hcl) use mock_provider and override_module: 1.7.
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
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.5, < 3.0" # source blocks for a bundle built from a file list
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0" # random_password for the tokenisation key
    }
  }
}
