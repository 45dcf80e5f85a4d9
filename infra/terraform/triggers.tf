# Pub/Sub topics and Eventarc triggers. Every trigger comes from
# modules/event_trigger, so every one has a retry policy and a dead-letter
# topic with an inspection subscription.

# One topic per Pub/Sub source, named "<env>-<trigger.pubsub_topic>".
resource "google_pubsub_topic" "source" {
  for_each = local.pubsub_sources

  project = var.project_id
  name    = "${local.prefix}-${each.value.trigger.pubsub_topic}"
  labels  = merge(local.labels, { source = each.key })

  message_retention_duration = "604800s" # a week, so a bad deploy can be replayed with seek

  depends_on = [google_project_service.apis]
}

# Topics that chain the stages: transform -> mask -> export -> the outside.
resource "google_pubsub_topic" "stage" {
  for_each = local.stage_topics

  project = var.project_id
  name    = each.value
  labels  = local.labels

  depends_on = [google_project_service.apis]
}

# Eventarc's own invoker identity, shared by every trigger.
resource "google_service_account" "eventarc" {
  project      = var.project_id
  account_id   = "${local.prefix}-eventarc"
  display_name = "sluice Eventarc triggers (${var.environment})"
  description  = "Identity Eventarc uses to invoke the sluice functions."
}

locals {
  trigger_common = {
    project_id            = var.project_id
    region                = var.region
    service_account_email = google_service_account.eventarc.email
    pubsub_service_agent  = google_project_service_identity.agents["pubsub.googleapis.com"].email
    max_delivery_attempts = var.retry.max_delivery_attempts
    min_retry_delay       = var.retry.min_retry_delay
    max_retry_delay       = var.retry.max_retry_delay
    dead_letter_retention = var.dead_letter_retention
  }
}

module "source_trigger" {
  source   = "./modules/event_trigger"
  for_each = local.pubsub_sources

  name                = "${local.prefix}-ingest-${replace(each.key, "_", "-")}"
  event_type          = "google.cloud.pubsub.topic.v1.messagePublished"
  pubsub_topic        = google_pubsub_topic.source[each.key].id
  destination_service = module.ingest_function.service_name
  labels              = merge(local.labels, { source = each.key })

  project_id            = local.trigger_common.project_id
  region                = local.trigger_common.region
  service_account_email = local.trigger_common.service_account_email
  pubsub_service_agent  = local.trigger_common.pubsub_service_agent
  max_delivery_attempts = local.trigger_common.max_delivery_attempts
  min_retry_delay       = local.trigger_common.min_retry_delay
  max_retry_delay       = local.trigger_common.max_retry_delay
  dead_letter_retention = local.trigger_common.dead_letter_retention

  depends_on = [google_project_iam_member.eventarc_receiver, google_cloud_run_v2_service_iam_member.eventarc_invoker]
}

# One trigger for the landing bucket (see local.landing_triggers for why it
# is not one per prefix).
module "landing_trigger" {
  source   = "./modules/event_trigger"
  for_each = local.landing_triggers

  name                = "${local.prefix}-ingest-${each.key}"
  event_type          = "google.cloud.storage.object.v1.finalized"
  bucket              = google_storage_bucket.pipeline["landing"].name
  destination_service = module.ingest_function.service_name
  labels              = local.labels

  project_id            = local.trigger_common.project_id
  region                = local.trigger_common.region
  service_account_email = local.trigger_common.service_account_email
  pubsub_service_agent  = local.trigger_common.pubsub_service_agent
  max_delivery_attempts = local.trigger_common.max_delivery_attempts
  min_retry_delay       = local.trigger_common.min_retry_delay
  max_retry_delay       = local.trigger_common.max_retry_delay
  dead_letter_retention = local.trigger_common.dead_letter_retention

  depends_on = [
    google_project_iam_member.eventarc_receiver,
    google_project_iam_member.gcs_agent_publisher,
    google_cloud_run_v2_service_iam_member.eventarc_invoker,
  ]
}

module "mask_trigger" {
  source = "./modules/event_trigger"

  name                = "${local.prefix}-mask"
  event_type          = "google.cloud.pubsub.topic.v1.messagePublished"
  pubsub_topic        = google_pubsub_topic.stage["transform_completed"].id
  destination_service = module.mask_function.service_name
  labels              = local.labels

  project_id            = local.trigger_common.project_id
  region                = local.trigger_common.region
  service_account_email = local.trigger_common.service_account_email
  pubsub_service_agent  = local.trigger_common.pubsub_service_agent
  max_delivery_attempts = local.trigger_common.max_delivery_attempts
  min_retry_delay       = local.trigger_common.min_retry_delay
  max_retry_delay       = local.trigger_common.max_retry_delay
  dead_letter_retention = local.trigger_common.dead_letter_retention

  depends_on = [google_project_iam_member.eventarc_receiver, google_cloud_run_v2_service_iam_member.eventarc_invoker]
}

# Range tasks of a fanned-out mask run (functions/mask, fanout.go) go back
# to the mask function; a range that keeps failing is dead-lettered alone.
module "mask_tasks_trigger" {
  source = "./modules/event_trigger"

  name                = "${local.prefix}-mask-tasks"
  event_type          = "google.cloud.pubsub.topic.v1.messagePublished"
  pubsub_topic        = google_pubsub_topic.stage["mask_tasks"].id
  destination_service = module.mask_function.service_name
  labels              = local.labels

  project_id            = local.trigger_common.project_id
  region                = local.trigger_common.region
  service_account_email = local.trigger_common.service_account_email
  pubsub_service_agent  = local.trigger_common.pubsub_service_agent
  max_delivery_attempts = local.trigger_common.max_delivery_attempts
  min_retry_delay       = local.trigger_common.min_retry_delay
  max_retry_delay       = local.trigger_common.max_retry_delay
  dead_letter_retention = local.trigger_common.dead_letter_retention

  depends_on = [google_project_iam_member.eventarc_receiver, google_cloud_run_v2_service_iam_member.eventarc_invoker]
}

module "export_trigger" {
  source = "./modules/event_trigger"

  name                = "${local.prefix}-export"
  event_type          = "google.cloud.pubsub.topic.v1.messagePublished"
  pubsub_topic        = google_pubsub_topic.stage["mask_completed"].id
  destination_service = module.export_function.service_name
  labels              = local.labels

  project_id            = local.trigger_common.project_id
  region                = local.trigger_common.region
  service_account_email = local.trigger_common.service_account_email
  pubsub_service_agent  = local.trigger_common.pubsub_service_agent
  max_delivery_attempts = local.trigger_common.max_delivery_attempts
  min_retry_delay       = local.trigger_common.min_retry_delay
  max_retry_delay       = local.trigger_common.max_retry_delay
  dead_letter_retention = local.trigger_common.dead_letter_retention

  depends_on = [google_project_iam_member.eventarc_receiver, google_cloud_run_v2_service_iam_member.eventarc_invoker]
}
