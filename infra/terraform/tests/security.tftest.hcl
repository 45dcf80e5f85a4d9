# Least privilege and no public data, on a plan of the root module over the
# real pipeline.yaml with every optional grant switched on (CMEK, analyst and
# engineer groups). Mock providers: no credentials, no network.

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
  project_id          = "sluice-test"
  environment         = "acmedev"
  kms_key_name        = "projects/sluice-test/locations/europe-west1/keyRings/data/cryptoKeys/pipeline"
  analyst_group       = "analysts@example.com"
  data_engineer_group = "engineers@example.com"
}

run "least_privilege" {
  command = plan

  # Every IAM resource of the root module; the modules' own grants are
  # checked in their tests, and tfcheck fails a basic role in any .tf file.
  assert {
    condition = length(setintersection(toset(["roles/owner", "roles/editor", "roles/viewer"]), toset(concat(
      [for g in google_bigquery_dataset_iam_member.functions : g.role],
      [for g in google_bigquery_dataset_iam_member.groups : g.role],
      [for g in google_bigquery_dataset_iam_member.dlp_agent : g.role],
      [for g in google_project_iam_member.bigquery_job_user : g.role],
      [for g in google_project_iam_member.mask_dlp : g.role],
      [google_project_iam_member.eventarc_receiver.role, google_project_iam_member.gcs_agent_publisher.role],
      [for g in google_storage_bucket_iam_member.functions : g.role],
      [for g in google_pubsub_topic_iam_member.functions : g.role],
      [for g in google_cloud_run_v2_service_iam_member.eventarc_invoker : g.role],
      [for g in google_cloud_run_v2_service_iam_member.scheduler_invoker : g.role],
      [google_service_account_iam_member.pubsub_token_creator.role],
      [google_kms_crypto_key_iam_member.secretmanager_agent.role, google_kms_crypto_key_iam_member.dlp_agent.role],
      [for g in google_kms_crypto_key_iam_binding.token_dlp_decrypter : g.role],
      [for g in google_kms_crypto_key_iam_member.cmek_gcs : g.role],
      [for g in google_kms_crypto_key_iam_member.cmek_bigquery : g.role],
    )))) == 0
    error_message = "no basic role (owner, editor, viewer) anywhere"
  }

  # DLP's service agent reads curated and writes findings to ops for the
  # inspection jobs; it never reaches published or raw.
  assert {
    condition = sort([for k, g in google_bigquery_dataset_iam_member.dlp_agent : "${g.role} on ${g.dataset_id}"]) == tolist([
      "roles/bigquery.dataEditor on acmedev_sluice_ops",
      "roles/bigquery.dataViewer on acmedev_curated",
    ])
    error_message = "DLP agent dataset roles: ${jsonencode([for g in google_bigquery_dataset_iam_member.dlp_agent : "${g.role} on ${g.dataset_id}"])}"
  }

  # People get access only through the configured groups, read-only. The
  # other members are service accounts whose emails are unknown at plan time
  # (and come from resources, never from input); tfcheck fails any .tf file
  # that names allUsers or allAuthenticatedUsers.
  assert {
    condition = toset(concat(
      [for g in google_bigquery_dataset_iam_member.groups : "${g.member} ${g.role}"],
      [for k, g in google_project_iam_member.bigquery_job_user : "${g.member} ${g.role}" if contains(["analysts", "engineers"], k)],
      )) == toset([
      "group:analysts@example.com roles/bigquery.dataViewer",
      "group:engineers@example.com roles/bigquery.dataViewer",
      "group:analysts@example.com roles/bigquery.jobUser",
      "group:engineers@example.com roles/bigquery.jobUser",
    ])
    error_message = "groups read (and run queries); they never write"
  }

  # The role matrix (README, "Who may do what"): each function's account
  # holds exactly the roles its stage needs.
  assert {
    condition = output.function_roles.ingest == tolist([
      "roles/bigquery.dataEditor on dataset acmedev_raw",
      "roles/bigquery.dataEditor on dataset acmedev_sluice_ops",
      "roles/bigquery.jobUser on project",
      "roles/storage.objectUser on bucket acmedev-archive",
      "roles/storage.objectViewer on bucket acmedev-landing",
    ])
    error_message = "ingest roles: ${jsonencode(output.function_roles.ingest)}"
  }
  assert {
    condition = output.function_roles.transform == tolist([
      "roles/bigquery.dataEditor on dataset acmedev_curated",
      "roles/bigquery.dataEditor on dataset acmedev_sluice_ops",
      "roles/bigquery.dataViewer on dataset acmedev_raw",
      "roles/bigquery.jobUser on project",
      "roles/pubsub.publisher on topic acmedev-sluice-transform-completed",
    ])
    error_message = "transform roles: ${jsonencode(output.function_roles.transform)}"
  }
  assert {
    condition = output.function_roles.mask == tolist([
      "roles/bigquery.dataEditor on dataset acmedev_published",
      "roles/bigquery.dataEditor on dataset acmedev_sluice_ops",
      "roles/bigquery.dataViewer on dataset acmedev_curated",
      "roles/bigquery.jobUser on project",
      "roles/dlp.deidentifyTemplatesReader on project",
      "roles/dlp.jobsEditor on project",
      "roles/dlp.user on project",
      "roles/pubsub.publisher on topic acmedev-mask-tasks",
      "roles/pubsub.publisher on topic acmedev-sluice-mask-completed",
      "roles/secretmanager.secretAccessor on secret acmedev-sluice-token-key",
      "roles/storage.objectUser on bucket acmedev-archive",
    ])
    error_message = "mask roles: ${jsonencode(output.function_roles.mask)}"
  }
  assert {
    condition = output.function_roles.export == tolist([
      "roles/bigquery.dataEditor on dataset acmedev_sluice_ops",
      "roles/bigquery.dataViewer on dataset acmedev_published",
      "roles/bigquery.jobUser on project",
      "roles/pubsub.publisher on topic acmedev-sluice-export-completed",
      "roles/storage.objectUser on bucket acmedev-exports",
    ])
    error_message = "export roles: ${jsonencode(output.function_roles.export)}"
  }

  # One runtime identity per function, none shared with Eventarc or Scheduler
  # (that each function runs as its own account: modules/function/tests).
  assert {
    condition = length(toset([
      module.ingest_function.service_account_id, module.transform_function.service_account_id,
      module.mask_function.service_account_id, module.export_function.service_account_id,
      google_service_account.eventarc.account_id, google_service_account.scheduler.account_id,
    ])) == 6
    error_message = "every function has its own service account"
  }
  assert {
    condition     = { for k, g in google_cloud_run_v2_service_iam_member.eventarc_invoker : k => g.name } == { eventarc_ingest = "acmedev-ingest", eventarc_mask = "acmedev-mask", eventarc_export = "acmedev-export" } && { for k, g in google_cloud_run_v2_service_iam_member.scheduler_invoker : k => g.name } == { scheduler_trans = "acmedev-transform", scheduler_export = "acmedev-export" }
    error_message = "Eventarc may invoke only the event-driven functions, Scheduler only transform and export"
  }
}

run "no_public_buckets" {
  command = plan

  assert {
    condition     = length(google_storage_bucket.pipeline) == 4 && alltrue([for b in google_storage_bucket.pipeline : b.uniform_bucket_level_access && b.public_access_prevention == "enforced"])
    error_message = "every bucket has uniform bucket-level access and enforced public access prevention"
  }
  assert {
    condition     = google_storage_bucket.pipeline["archive"].versioning[0].enabled
    error_message = "archived originals keep overwritten generations"
  }
}

run "every_trigger_dead_letters" {
  command = plan

  # The landing trigger is overridden (see the top of the file); its module
  # is the same one, with the same policy inputs.
  assert {
    condition = alltrue([for name, t in merge(module.source_trigger, { mask = module.mask_trigger, export = module.export_trigger }) :
      t.delivery_policy.dead_letter_topic == t.dead_letter_topic
      && t.dead_letter_topic == "projects/sluice-test/topics/${trimsuffix(t.dead_letter_subscription, "-inspect")}"
      && t.delivery_policy.max_delivery_attempts == var.retry.max_delivery_attempts
      && t.delivery_policy.min_retry_delay == var.retry.min_retry_delay
      && t.delivery_policy.max_retry_delay == var.retry.max_retry_delay
    ])
    error_message = "a trigger's delivery subscription must dead-letter to its own topic with the retry policy"
  }
  assert {
    condition     = length(distinct([for t in merge(module.source_trigger, { mask = module.mask_trigger, export = module.export_trigger }) : t.delivery_policy.dead_letter_topic])) == length(module.source_trigger) + 2
    error_message = "no two triggers share a dead-letter topic"
  }
  assert {
    condition     = toset(keys(output.dead_letter_subscriptions)) == toset(["source/events", "source/customers", "landing/landing", "mask", "export"])
    error_message = "every trigger has an inspection subscription for its dead letters"
  }
}
