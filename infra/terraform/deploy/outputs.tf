# Every output of the module, under the same names, so `terraform output
# <name>` works here as the README describes.

output "functions" {
  description = "Per function: name, URL, entry point and runtime service account."
  value       = module.sluice.functions
}

output "buckets" {
  description = "Bucket names: landing, archive, export, source."
  value       = module.sluice.buckets
}

output "datasets" {
  description = "BigQuery dataset ids: raw, curated, published, ops."
  value       = module.sluice.datasets
}

output "raw_tables" {
  description = "Raw table ids per source."
  value       = module.sluice.raw_tables
}

output "source_topics" {
  description = "Pub/Sub topic id per Pub/Sub source; producers publish here."
  value       = module.sluice.source_topics
}

output "stage_topics" {
  description = "Topics that chain the stages."
  value       = module.sluice.stage_topics
}

output "dead_letter_subscriptions" {
  description = "Per trigger, the subscription to pull to inspect dead-lettered events."
  value       = module.sluice.dead_letter_subscriptions
}

output "scheduler_jobs" {
  description = "Cloud Scheduler job ids for transform and export."
  value       = module.sluice.scheduler_jobs
}

output "dlp_deidentify_templates" {
  description = "DLP de-identify template name per masked table."
  value       = module.sluice.dlp_deidentify_templates
}

output "token_secret_version" {
  description = "Secret Manager version holding the tokenisation key."
  value       = module.sluice.token_secret_version
}

output "token_kms_key" {
  description = "KMS key that wraps the tokenisation key."
  value       = module.sluice.token_kms_key
}

output "function_environment" {
  description = "Environment variables every function receives."
  value       = module.sluice.function_environment
}

output "function_roles" {
  description = "Per function, every role its service account holds and on what."
  value       = module.sluice.function_roles
}
