# Cloud Scheduler timers from pipeline.yaml schedules, calling the function
# URLs with OIDC tokens minted for a dedicated scheduler identity.

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "${local.prefix}-scheduler"
  display_name = "sluice Cloud Scheduler (${var.environment})"
  description  = "Identity Cloud Scheduler uses to call the transform and export functions."
}

locals {
  scheduler_region = var.scheduler_region != "" ? var.scheduler_region : var.region
}

resource "google_cloud_scheduler_job" "transform" {
  count = try(local.config.schedules.transform, "") != "" ? 1 : 0

  project          = var.project_id
  region           = local.scheduler_region
  name             = "${local.prefix}-transform"
  description      = "sluice: run the SQL models (pipeline.yaml schedules.transform)."
  schedule         = local.config.schedules.transform
  time_zone        = var.schedule_time_zone
  attempt_deadline = "1800s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "30s"
    max_backoff_duration = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = module.transform_function.uri
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = module.transform_function.uri
    }
  }

  depends_on = [google_project_service.apis, google_cloud_run_v2_service_iam_member.scheduler_invoker]
}

# Export is a CloudEvent function; Scheduler speaks HTTP, so the job sends a
# binary-mode CloudEvent: ce-* headers and a JSON body.
resource "google_cloud_scheduler_job" "export" {
  count = try(local.config.schedules.export, "") != "" ? 1 : 0

  project          = var.project_id
  region           = local.scheduler_region
  name             = "${local.prefix}-export"
  description      = "sluice: scheduled export run (pipeline.yaml schedules.export)."
  schedule         = local.config.schedules.export
  time_zone        = var.schedule_time_zone
  attempt_deadline = "540s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "30s"
    max_backoff_duration = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = module.export_function.uri
    headers = {
      "Content-Type"   = "application/json"
      "ce-specversion" = "1.0"
      "ce-type"        = "dev.sluice.schedule.v1.fired"
      "ce-source"      = "//cloudscheduler.googleapis.com/projects/${var.project_id}/locations/${local.scheduler_region}/jobs/${local.prefix}-export"
      # Scheduler cannot vary a header per run; the export function keys its
      # idempotency on the run date, not on ce-id.
      "ce-id" = "${local.prefix}-export-schedule"
    }
    body = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = module.export_function.uri
    }
  }

  depends_on = [google_project_service.apis, google_cloud_run_v2_service_iam_member.scheduler_invoker]
}
