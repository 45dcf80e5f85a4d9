# The function module alone, with a mock provider. It has no provisioners, so
# the runs apply: the mock then fills computed values (the service account's
# email) and the test can follow them into the function.

mock_provider "google" {}

variables {
  project_id            = "sluice-test"
  region                = "europe-west1"
  name                  = "acmedev-mask"
  description           = "test"
  entry_point           = "Mask"
  runtime               = "go126"
  source_bucket         = "acmedev-function-source"
  source_object         = "sluice-0123.zip"
  memory                = "1Gi"
  cpu                   = "1"
  timeout_seconds       = 540
  concurrency           = 1
  min_instances         = 0
  max_instances         = 3
  ingress_settings      = "ALLOW_INTERNAL_ONLY"
  environment_variables = { SLUICE_ENV = "acmedev" }
  labels                = { app = "sluice" }
}

run "own_service_account" {
  assert {
    condition     = google_cloudfunctions2_function.this.service_config[0].service_account_email == google_service_account.this.email
    error_message = "the function must run as the module's own service account"
  }
  assert {
    condition     = google_service_account.this.account_id == "acmedev-mask" && output.service_account_id == "acmedev-mask"
    error_message = "the service account is named after the function"
  }
  assert {
    condition     = output.service_account_member == "serviceAccount:${google_service_account.this.email}"
    error_message = "service_account_member is the IAM member of that account"
  }
  assert {
    condition     = length(google_secret_manager_secret_iam_member.mounted) == 0 && output.secret_access == []
    error_message = "no secret mounted, no secret grant"
  }
  assert {
    condition     = google_cloudfunctions2_function.this.build_config[0].entry_point == "Mask"
    error_message = "entry point"
  }
}

run "mounted_secret_is_granted_to_this_function_only" {
  variables {
    secret_files = [{
      mount_path = "/etc/sluice-token"
      secret     = "acmedev-sluice-token-key"
      version    = "1"
      file       = "key"
    }]
  }

  assert {
    condition     = google_secret_manager_secret_iam_member.mounted["/etc/sluice-token"].member == "serviceAccount:${google_service_account.this.email}"
    error_message = "the mounted secret is readable by the function's own account"
  }
  assert {
    condition     = output.secret_access == ["roles/secretmanager.secretAccessor on secret acmedev-sluice-token-key"]
    error_message = "exactly secretAccessor on the mounted secret; got ${jsonencode(output.secret_access)}"
  }
  assert {
    condition     = google_cloudfunctions2_function.this.service_config[0].secret_volumes[0].mount_path == "/etc/sluice-token" && google_cloudfunctions2_function.this.service_config[0].secret_volumes[0].versions[0].path == "key"
    error_message = "the secret is mounted as /etc/sluice-token/key"
  }
}

run "settings_reach_the_service" {
  variables {
    concurrency   = 80
    max_instances = 20
  }
  assert {
    condition = output.service_settings == {
      available_cpu                    = "1"
      available_memory                 = "1Gi"
      max_instance_request_concurrency = 80
      min_instance_count               = 0
      max_instance_count               = 20
      timeout_seconds                  = 540
      ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    }
    error_message = "service settings: got ${jsonencode(output.service_settings)}"
  }
}
