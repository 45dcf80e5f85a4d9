output "functions" {
  description = "Per function: name, URL, entry point and runtime service account."
  value = {
    ingest    = { name = module.ingest_function.name, uri = module.ingest_function.uri, entry_point = "Ingest", service_account = module.ingest_function.service_account_email }
    transform = { name = module.transform_function.name, uri = module.transform_function.uri, entry_point = "Transform", service_account = module.transform_function.service_account_email }
    mask      = { name = module.mask_function.name, uri = module.mask_function.uri, entry_point = "Mask", service_account = module.mask_function.service_account_email }
    export    = { name = module.export_function.name, uri = module.export_function.uri, entry_point = "Export", service_account = module.export_function.service_account_email }
  }
}

output "buckets" {
  description = "Bucket names: landing, archive, export, source."
  value       = { for k, b in google_storage_bucket.pipeline : k => b.name }
}

output "datasets" {
  description = "BigQuery dataset ids: raw, curated, published, ops."
  value       = { for k, d in google_bigquery_dataset.pipeline : k => d.dataset_id }
}

output "raw_tables" {
  description = "Raw table ids per source."
  value       = { for k, t in google_bigquery_table.raw : k => t.id }
}

output "source_topics" {
  description = "Pub/Sub topic id per Pub/Sub source; producers publish here."
  value       = { for k, t in google_pubsub_topic.source : k => t.id }
}

output "stage_topics" {
  description = "Topics that chain the stages: transform_completed, mask_completed, export_completed."
  value       = { for k, t in google_pubsub_topic.stage : k => t.id }
}

output "dead_letter_subscriptions" {
  description = "Per trigger, the subscription to pull to inspect dead-lettered events."
  value = merge(
    { for k, m in module.source_trigger : "source/${k}" => m.dead_letter_subscription },
    { for k, m in module.landing_trigger : "landing/${k}" => m.dead_letter_subscription },
    { mask = module.mask_trigger.dead_letter_subscription, export = module.export_trigger.dead_letter_subscription },
  )
}

output "scheduler_jobs" {
  description = "Cloud Scheduler job ids for transform and export (absent when the schedule is empty)."
  value = {
    transform = one(google_cloud_scheduler_job.transform[*].id)
    export    = one(google_cloud_scheduler_job.export[*].id)
  }
}

output "dlp_deidentify_templates" {
  description = "DLP de-identify template name per masked table."
  value       = { for k, t in google_data_loss_prevention_deidentify_template.mask : k => t.id }
}

output "token_secret_version" {
  description = "Secret Manager version holding the tokenisation key (the mask function's SLUICE_TOKEN_SECRET)."
  value       = google_secret_manager_secret_version.token_key.name
}

output "token_kms_key" {
  description = "KMS key that wraps the tokenisation key."
  value       = google_kms_crypto_key.token_wrap.id
}

output "token_dlp_kms_key" {
  description = "With token_key_kms_wrapped: the KMS key that wraps the mask function's tokenisation key (SLUICE_TOKEN_KMS_KEY), which only the DLP service agent may decrypt with; else null."
  value       = var.token_key_kms_wrapped ? google_kms_crypto_key.token_dlp[0].id : null
}

output "function_environment" {
  description = "Environment variables every function receives (mask also gets SLUICE_TOKEN_SECRET)."
  value       = local.function_env
}

output "function_roles" {
  description = "Per function, every role its runtime service account holds and on what (\"<role> on dataset|bucket|topic|secret <name>\" or \"<role> on project\"), read from the IAM resources: the role matrix of the README."
  value = {
    for fn, _ in local.function_members : fn => sort(concat(
      [for k, g in google_bigquery_dataset_iam_member.functions : "${g.role} on dataset ${g.dataset_id}" if startswith(k, "${fn}/")],
      [for k, g in google_storage_bucket_iam_member.functions : "${g.role} on bucket ${g.bucket}" if startswith(k, "${fn}/")],
      [for k, g in google_pubsub_topic_iam_member.functions : "${g.role} on topic ${g.topic}" if startswith(k, "${fn}/")],
      [for k, g in google_project_iam_member.bigquery_job_user : "${g.role} on project" if k == fn],
      fn == "mask" ? [for g in google_project_iam_member.mask_dlp : "${g.role} on project"] : [],
      local.function_secret_access[fn],
    ))
  }
}

output "archive_subscriptions" {
  description = "Per Pub/Sub source, its Cloud Storage archive subscription: name, object prefix and datetime format, dead-letter topic."
  value = {
    for k, s in google_pubsub_subscription.archive : k => {
      name                     = s.name
      filename_prefix          = s.cloud_storage_config[0].filename_prefix
      filename_datetime_format = s.cloud_storage_config[0].filename_datetime_format
      dead_letter_topic        = s.dead_letter_policy[0].dead_letter_topic
    }
  }
}

output "dashboard_id" {
  description = "The Cloud Monitoring dashboard of the sluice signals (rows landed, rejects, freshness, run duration, DLP bytes, assertion failures, dead-letter backlog)."
  value       = google_monitoring_dashboard.sluice.id
}

output "log_metrics" {
  description = "Log-based metric types by sluice metric name (shared/metrics.Names)."
  value       = local.metric_type
}
