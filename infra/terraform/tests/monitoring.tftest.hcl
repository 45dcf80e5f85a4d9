# Plans the root module over the real pipeline/pipeline.yaml with mock
# providers: the real provider schemas, no credentials, no network.

mock_provider "google" {}
mock_provider "google-beta" {}
mock_provider "archive" {}
mock_provider "random" {}

# The landing (Cloud Storage) trigger reads google_eventarc_trigger's
# transport[0], an Optional+Computed block the real provider plans as unknown
# and a mock plans as an empty list; override_resource cannot fill a block at
# plan time, so only this module instance is overridden. Its dead-letter
# wiring is the same code as the Pub/Sub triggers' (checked below and in
# modules/event_trigger/tests).
override_module {
  target = module.landing_trigger["landing"]
  outputs = {
    trigger_id               = "projects/sluice-test/locations/europe-west1/triggers/acmedev-ingest-landing"
    delivery_subscription    = "projects/sluice-test/subscriptions/eventarc-europe-west1-acmedev-ingest-landing-sub-1"
    dead_letter_topic        = "projects/sluice-test/topics/acmedev-ingest-landing-dead-letter"
    dead_letter_subscription = "acmedev-ingest-landing-dead-letter-inspect"
    delivery_policy          = { dead_letter_topic = "projects/sluice-test/topics/acmedev-ingest-landing-dead-letter", max_delivery_attempts = 10, min_retry_delay = "10s", max_retry_delay = "600s" }
    event_type               = "google.cloud.storage.object.v1.finalized"
  }
}

variables {
  project_id            = "sluice-test"
  environment           = "acmedev"
  notification_channels = ["projects/sluice-test/notificationChannels/42"]
}

# The signals of shared/metrics as log-based metrics, a dashboard and alerts.
run "monitoring" {
  command = plan

  assert {
    condition     = toset(keys(google_logging_metric.sluice)) == toset(["rows_landed", "rejects", "run_duration_seconds", "assertion_failures", "dlp_bytes", "freshness_seconds"])
    error_message = "one log-based metric per name in shared/metrics.Names"
  }
  assert {
    condition     = alltrue([for k, m in google_logging_metric.sluice : strcontains(m.filter, "jsonPayload.sluice_metric = \"${k}\"") && strcontains(m.filter, "acmedev-ingest")])
    error_message = "each metric reads the functions' lines carrying its name"
  }
  assert {
    condition     = google_logging_metric.sluice["rejects"].metric_descriptor[0].value_type == "INT64" && google_logging_metric.sluice["rejects"].value_extractor == null && toset(keys(google_logging_metric.sluice["rejects"].label_extractors)) == toset(["reason", "source"])
    error_message = "rejects counts lines, by source and reason"
  }
  assert {
    condition     = google_logging_metric.sluice["rows_landed"].metric_descriptor[0].value_type == "DISTRIBUTION" && google_logging_metric.sluice["rows_landed"].value_extractor == "EXTRACT(jsonPayload.value)"
    error_message = "rows_landed sums the lines' values"
  }
  assert {
    condition     = length(jsondecode(google_monitoring_dashboard.sluice.dashboard_json).mosaicLayout.tiles) == 7
    error_message = "the dashboard has a tile per metric and one for the dead-letter backlog"
  }
  assert {
    condition = alltrue([for p in [google_monitoring_alert_policy.rejects_spike, google_monitoring_alert_policy.assertion_failures, google_monitoring_alert_policy.model_freshness,
    google_monitoring_alert_policy.freshness, google_monitoring_alert_policy.dead_letter_backlog, google_monitoring_alert_policy.function_errors] : tolist(p.notification_channels) == tolist(["projects/sluice-test/notificationChannels/42"])])
    error_message = "every alert goes to var.notification_channels"
  }
  assert {
    condition = (strcontains(google_monitoring_alert_policy.model_freshness.conditions[0].condition_threshold[0].filter, "metric.type = \"logging.googleapis.com/user/sluice/acmedev/freshness_seconds\"")
      && google_monitoring_alert_policy.model_freshness.conditions[0].condition_threshold[0].threshold_value == 10800
    && tolist(google_monitoring_alert_policy.model_freshness.conditions[0].condition_threshold[0].aggregations[0].group_by_fields) == tolist(["metric.label.table"]))
    error_message = "the stale-model alert reads freshness_seconds, per table, above freshness_max_seconds (default 10800)"
  }
  assert {
    condition     = google_monitoring_alert_policy.rejects_spike.conditions[0].condition_threshold[0].threshold_value == 100
    error_message = "rejects spike threshold defaults to 100"
  }
}

run "bad_threshold" {
  command = plan
  variables {
    rejects_spike_threshold = -1
  }
  expect_failures = [var.rejects_spike_threshold]
}
