# One 2nd-gen Cloud Function with its own service account. The function has no
# event_trigger block: triggers are separate Eventarc triggers (see
# modules/event_trigger) so one function can have several, each with a
# retry policy and a dead-letter topic.

resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = var.name
  display_name = "sluice function ${var.name}"
  description  = "Runtime identity of the ${var.name} function; roles granted per dataset, bucket and topic."
}

# The function may read the secrets it mounts, and only those. The grant lives
# here, beside the function, because its member is this module's own service
# account: a caller that made the module depend on a grant to that account
# would build a cycle (module -> grant -> module's service account).
resource "google_secret_manager_secret_iam_member" "mounted" {
  for_each = { for s in var.secret_files : s.mount_path => s }

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.this.email}"
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = var.labels

  build_config {
    runtime     = var.runtime
    entry_point = var.entry_point
    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    available_memory                 = var.memory
    available_cpu                    = var.cpu
    timeout_seconds                  = var.timeout_seconds
    max_instance_request_concurrency = var.concurrency
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.this.email
    environment_variables            = var.environment_variables

    dynamic "secret_volumes" {
      for_each = var.secret_files
      content {
        mount_path = secret_volumes.value.mount_path
        project_id = var.project_id
        secret     = secret_volumes.value.secret
        versions {
          version = secret_volumes.value.version
          path    = secret_volumes.value.file
        }
      }
    }
  }

  # Deploying a function that mounts a secret fails unless its runtime
  # identity can already read that secret.
  depends_on = [google_secret_manager_secret_iam_member.mounted]
}
