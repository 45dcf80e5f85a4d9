# The signals of the status page, in Cloud Monitoring: log-based metrics over
# the structured lines the functions write (shared/metrics: the field
# sluice_metric names the metric, value holds the number, labels are fields
# of their own), a dashboard, and alerts on freshness, rejects, assertions.
# The names match shared/metrics.Names (infra/terraform/tfcheck checks it).

locals {
  metric_log_filter = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = one_of(${join(", ", [for s in local.function_services : "\"${s}\""])})"

  # name => labels, kind. distribution: the line's value is extracted
  # (sums, durations, ages); counter: each line counts one.
  log_metrics = {
    rows_landed          = { labels = ["source"], counter = false, unit = "1", description = "Rows written to raw.<source> by ingest." }
    rejects              = { labels = ["source", "reason"], counter = true, unit = "1", description = "Records written to the rejects table, by source and reason." }
    run_duration_seconds = { labels = ["stage", "table", "status"], counter = false, unit = "s", description = "Time one stage spent on one table (transform: a model; mask: a published table)." }
    assertion_failures   = { labels = ["table"], counter = true, unit = "1", description = "Model runs that failed an assertion (publication stops)." }
    dlp_bytes            = { labels = ["table"], counter = false, unit = "By", description = "Bytes of cell values the mask stage sent to DLP." }
    freshness_seconds    = { labels = ["table"], counter = false, unit = "s", description = "Age of a model's newest data at the end of its run: an incremental model's watermark, a table or view's newest raw row when it was built." }
  }
}

resource "google_logging_metric" "sluice" {
  for_each    = local.log_metrics
  project     = var.project_id
  name        = "sluice/${var.environment}/${each.key}"
  description = each.value.description
  filter      = "${local.metric_log_filter} AND jsonPayload.sluice_metric = \"${each.key}\""

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = each.value.counter ? "INT64" : "DISTRIBUTION"
    unit         = each.value.unit
    display_name = "sluice ${each.key}"
    dynamic "labels" {
      for_each = each.value.labels
      content {
        key        = labels.value
        value_type = "STRING"
      }
    }
  }

  label_extractors = { for l in each.value.labels : l => "EXTRACT(jsonPayload.${l})" }
  value_extractor  = each.value.counter ? null : "EXTRACT(jsonPayload.value)"

  dynamic "bucket_options" {
    for_each = each.value.counter ? [] : [1]
    content {
      exponential_buckets {
        num_finite_buckets = 64
        growth_factor      = 2
        scale              = 0.01
      }
    }
  }

  depends_on = [google_project_service.apis]
}

locals {
  metric_type = { for k, m in google_logging_metric.sluice : k => "logging.googleapis.com/user/${m.name}" }
  tile = {
    rows_landed          = { title = "Rows landed by source", aligner = "ALIGN_DELTA", reducer = "REDUCE_NONE", group = ["metric.label.source"], plot = "HEATMAP" }
    rejects              = { title = "Rejects by reason", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group = ["metric.label.source", "metric.label.reason"], plot = "STACKED_BAR" }
    run_duration_seconds = { title = "Run duration by stage (p95)", aligner = "ALIGN_PERCENTILE_95", reducer = "REDUCE_MAX", group = ["metric.label.stage", "metric.label.table"], plot = "LINE" }
    assertion_failures   = { title = "Assertion failures by model", aligner = "ALIGN_SUM", reducer = "REDUCE_SUM", group = ["metric.label.table"], plot = "STACKED_BAR" }
    dlp_bytes            = { title = "Bytes sent to DLP by table", aligner = "ALIGN_DELTA", reducer = "REDUCE_NONE", group = ["metric.label.table"], plot = "HEATMAP" }
    freshness_seconds    = { title = "Freshness of models (max age)", aligner = "ALIGN_PERCENTILE_99", reducer = "REDUCE_MAX", group = ["metric.label.table"], plot = "LINE" }
  }
  tile_order = ["rows_landed", "rejects", "freshness_seconds", "run_duration_seconds", "dlp_bytes", "assertion_failures"]
}

resource "google_monitoring_dashboard" "sluice" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "sluice ${var.environment}"
    mosaicLayout = {
      columns = 12
      tiles = concat([for i, k in local.tile_order : {
        xPos   = (i % 2) * 6
        yPos   = floor(i / 2) * 4
        width  = 6
        height = 4
        widget = {
          title = local.tile[k].title
          xyChart = {
            dataSets = [{
              plotType = local.tile[k].plot
              timeSeriesQuery = {
                timeSeriesFilter = {
                  filter = "metric.type = \"${local.metric_type[k]}\""
                  aggregation = {
                    alignmentPeriod    = "300s"
                    perSeriesAligner   = local.tile[k].aligner
                    crossSeriesReducer = local.tile[k].reducer
                    groupByFields      = local.tile[k].reducer == "REDUCE_NONE" ? [] : local.tile[k].group
                  }
                }
              }
            }]
          }
        }
        }], [{
        xPos   = 0
        yPos   = ceil(length(local.tile_order) / 2) * 4
        width  = 12
        height = 4
        widget = {
          title = "Dead-letter backlog by subscription"
          xyChart = {
            dataSets = [{
              plotType = "LINE"
              timeSeriesQuery = {
                timeSeriesFilter = {
                  filter = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.labels.subscription_id = monitoring.regex.full_match(\"${local.prefix}-.*-dead-letter-inspect\")"
                  aggregation = {
                    alignmentPeriod  = "300s"
                    perSeriesAligner = "ALIGN_MAX"
                  }
                }
              }
            }]
          }
        }
      }])
    }
  })

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "rejects_spike" {
  project               = var.project_id
  display_name          = "sluice ${var.environment}: rejects spike"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "More than ${var.rejects_spike_threshold} rejects of one source and reason in 10 minutes"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"${local.metric_type["rejects"]}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.rejects_spike_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.source", "metric.label.reason"]
      }
    }
  }

  documentation {
    content   = "${local.alert_doc} Records are being rejected (kept in the rejects table). `sluice rejects --source S --reason R --list 20` shows them; fix the config or the producer, then `sluice replay`."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "assertion_failures" {
  project               = var.project_id
  display_name          = "sluice ${var.environment}: model assertion failed"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "A model failed an assertion (publication stopped)"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"${local.metric_type["assertion_failures"]}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.table"]
      }
    }
  }

  documentation {
    content   = "${local.alert_doc} A model's assertion failed: the models downstream of it and publication are stopped. The failing rows are named in sluice_ops.runs.error."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "model_freshness" {
  project               = var.project_id
  display_name          = "sluice ${var.environment}: stale model"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "A model's newest data is older than ${var.freshness_max_seconds}s"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"${local.metric_type["freshness_seconds"]}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.freshness_max_seconds
      duration        = "0s"
      aggregations {
        alignment_period     = "3600s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["metric.label.table"]
      }
    }
  }

  documentation {
    content   = "${local.alert_doc} A model ran but its newest data is old (freshness_seconds: an incremental model's watermark, a table's newest raw row when it was built): its sources stopped landing. See the status of raw tables (sluice dev's page locally, the dashboard here)."
    mime_type = "text/markdown"
  }
}
