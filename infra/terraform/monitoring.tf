# Alerts: function errors, events piling up in dead-letter subscriptions, and
# data freshness (ingest has handled nothing successfully for a while).

locals {
  function_services = [
    module.ingest_function.service_name,
    module.transform_function.service_name,
    module.mask_function.service_name,
    module.export_function.service_name,
  ]
  alert_doc = "sluice ${var.environment}: see infra/terraform/README.md, section Operations."
}

resource "google_monitoring_alert_policy" "function_errors" {
  project               = var.project_id
  display_name          = "sluice ${var.environment}: function errors"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "5xx responses from a sluice function"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\" AND resource.labels.service_name = one_of(${join(", ", [for s in local.function_services : "\"${s}\""])})"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  documentation {
    content   = "${local.alert_doc} A function returned errors; retries are running and repeated failures end in a dead-letter topic."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "dead_letter_backlog" {
  project               = var.project_id
  display_name          = "sluice ${var.environment}: dead-letter backlog"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Undelivered events in a dead-letter subscription"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id = monitoring.regex.full_match(\"${local.prefix}-.*-dead-letter-inspect\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "${local.alert_doc} Events exhausted their retries. Pull the subscription named in the alert to inspect them, fix the cause, then republish."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "freshness" {
  project               = var.project_id
  display_name          = "sluice ${var.environment}: data freshness"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "No successful ingest for ${var.freshness_window}"
    condition_absent {
      filter   = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"2xx\" AND resource.labels.service_name = \"${module.ingest_function.service_name}\""
      duration = var.freshness_window
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  documentation {
    content   = "${local.alert_doc} Nothing has landed in raw for ${var.freshness_window}: producers stopped, or every event is failing."
    mime_type = "text/markdown"
  }

  depends_on = [google_project_service.apis]
}
