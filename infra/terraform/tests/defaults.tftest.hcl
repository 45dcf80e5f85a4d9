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
  project_id  = "sluice-test"
  environment = "acmedev"
}

run "defaults" {
  command = plan

  assert {
    condition = { for k, b in google_storage_bucket.pipeline : k => b.name } == {
      landing = "acmedev-landing", archive = "acmedev-archive", export = "acmedev-exports", source = "acmedev-function-source"
    }
    error_message = "bucket names: <environment>-<pipeline.yaml name>"
  }
  assert {
    condition = { for k, d in google_bigquery_dataset.pipeline : k => d.dataset_id } == {
      raw = "acmedev_raw", curated = "acmedev_curated", published = "acmedev_published", ops = "acmedev_sluice_ops"
    }
    error_message = "dataset ids: <environment>_<pipeline.yaml name>"
  }
  assert {
    condition     = alltrue([for d in google_bigquery_dataset.pipeline : d.location == "europe-west1" && length(d.default_encryption_configuration) == 0])
    error_message = "datasets in var.region, Google-managed keys by default"
  }
  assert {
    condition     = toset(keys(google_bigquery_table.raw)) == toset(["events", "orders", "customers"]) && google_bigquery_table.raw["events"].time_partitioning[0].field == "event_time" && google_bigquery_table.raw["orders"].time_partitioning[0].field == "updated_at" && google_bigquery_table.raw["customers"].time_partitioning[0].field == "_ingested_at"
    error_message = "one raw table per source, partitioned on its event time"
  }
  assert {
    condition     = alltrue([for t in google_bigquery_table.raw : t.deletion_protection])
    error_message = "raw tables are deletion-protected by default"
  }
  assert {
    condition     = contains([for f in jsondecode(google_bigquery_table.raw["events"].schema) : f.name], "_ingested_at")
    error_message = "raw tables carry the _ingested_at metadata column"
  }
  assert {
    condition     = { for k, t in google_pubsub_topic.source : k => t.name } == { events = "acmedev-events", customers = "acmedev-shop-customers" }
    error_message = "one topic per Pub/Sub source"
  }
  assert {
    condition     = toset(keys(module.source_trigger)) == toset(["events", "customers"]) && toset(keys(module.landing_trigger)) == toset(["landing"])
    error_message = "one trigger per Pub/Sub source and one for the landing bucket"
  }
  assert {
    condition     = module.ingest_function.name == "acmedev-ingest" && module.transform_function.name == "acmedev-transform" && module.mask_function.name == "acmedev-mask" && module.export_function.name == "acmedev-export"
    error_message = "function names"
  }
  assert {
    condition     = toset(keys(google_data_loss_prevention_deidentify_template.mask)) == toset(["events", "users", "customers"])
    error_message = "a DLP template per masked table with a DLP rule"
  }
  assert {
    condition     = length(google_cloud_scheduler_job.transform) == 1 && length(google_cloud_scheduler_job.export) == 1
    error_message = "scheduler jobs from pipeline.yaml schedules"
  }
  assert {
    condition     = length(google_kms_crypto_key_iam_member.cmek_gcs) == 0 && length(google_kms_crypto_key_iam_member.cmek_bigquery) == 0
    error_message = "no CMEK grants without kms_key_name"
  }
  assert {
    condition     = length(google_bigquery_dataset_iam_member.groups) == 0 && toset(keys(google_project_iam_member.bigquery_job_user)) == toset(["export", "ingest", "mask", "transform"])
    error_message = "no group grants without groups"
  }
}

# Function settings: ingest serves many requests per instance (with a whole
# vCPU, which Cloud Run requires for concurrency), transform one at a time on
# one instance, mask and export one request per instance.
run "function_settings" {
  command = plan

  assert {
    condition     = module.ingest_function.service_settings.max_instance_request_concurrency == 80 && tonumber(module.ingest_function.service_settings.available_cpu) >= 1
    error_message = "ingest: concurrency 80 with at least one vCPU; got ${jsonencode(module.ingest_function.service_settings)}"
  }
  assert {
    condition     = module.transform_function.service_settings.max_instance_request_concurrency == 1 && module.transform_function.service_settings.max_instance_count == 1
    error_message = "transform: one request on one instance (its run lock makes more pointless)"
  }
  assert {
    condition     = module.mask_function.service_settings.max_instance_request_concurrency == 1 && module.export_function.service_settings.max_instance_request_concurrency == 1
    error_message = "mask and export: one request per instance"
  }
  assert {
    condition     = alltrue([for m in [module.ingest_function, module.mask_function, module.export_function] : m.service_settings.timeout_seconds <= 540])
    error_message = "event-driven functions allow at most 540 seconds"
  }
}

run "concurrency_needs_a_whole_cpu" {
  command = plan
  variables {
    function_settings = { ingest = { cpu = "0.5" } }
  }
  expect_failures = [var.function_settings]
}

run "cmek_and_groups" {
  command = plan

  variables {
    kms_key_name        = "projects/sluice-test/locations/europe-west1/keyRings/data/cryptoKeys/pipeline"
    analyst_group       = "analysts@example.com"
    data_engineer_group = "engineers@example.com"
  }

  assert {
    condition     = alltrue([for b in google_storage_bucket.pipeline : b.encryption[0].default_kms_key_name == var.kms_key_name])
    error_message = "every bucket uses the customer-managed key"
  }
  assert {
    condition     = alltrue([for d in google_bigquery_dataset.pipeline : d.default_encryption_configuration[0].kms_key_name == var.kms_key_name])
    error_message = "every dataset uses the customer-managed key"
  }
  assert {
    condition     = google_kms_crypto_key_iam_member.cmek_gcs[0].crypto_key_id == var.kms_key_name && google_kms_crypto_key_iam_member.cmek_bigquery[0].crypto_key_id == var.kms_key_name
    error_message = "the Cloud Storage and BigQuery agents may use the key"
  }
  assert {
    condition = { for k, g in google_bigquery_dataset_iam_member.groups : k => "${g.member} ${g.role}" } == {
      "analysts/published"  = "group:analysts@example.com roles/bigquery.dataViewer"
      "engineers/raw"       = "group:engineers@example.com roles/bigquery.dataViewer"
      "engineers/curated"   = "group:engineers@example.com roles/bigquery.dataViewer"
      "engineers/published" = "group:engineers@example.com roles/bigquery.dataViewer"
      "engineers/ops"       = "group:engineers@example.com roles/bigquery.dataViewer"
    }
    error_message = "analysts read published only; engineers read every layer"
  }
  assert {
    condition     = google_project_iam_member.bigquery_job_user["analysts"].member == "group:analysts@example.com" && google_project_iam_member.bigquery_job_user["engineers"].member == "group:engineers@example.com"
    error_message = "both groups may run queries"
  }
}

run "environment_prefix" {
  command = plan

  variables {
    environment = "zz9prod"
  }

  assert {
    condition     = alltrue([for b in google_storage_bucket.pipeline : startswith(b.name, "zz9prod-")]) && alltrue([for d in google_bigquery_dataset.pipeline : startswith(d.dataset_id, "zz9prod_")])
    error_message = "every bucket and dataset carries the environment prefix"
  }
  assert {
    condition     = alltrue([for t in concat(values(google_pubsub_topic.source), values(google_pubsub_topic.stage)) : startswith(t.name, "zz9prod-")])
    error_message = "every topic carries the environment prefix"
  }
  assert {
    condition     = alltrue([for m in [module.ingest_function, module.transform_function, module.mask_function, module.export_function] : startswith(m.name, "zz9prod-") && startswith(m.service_account_id, "zz9prod-")])
    error_message = "every function and its service account carry the prefix"
  }
  assert {
    condition     = google_service_account.eventarc.account_id == "zz9prod-eventarc" && google_service_account.scheduler.account_id == "zz9prod-scheduler"
    error_message = "the Eventarc and Scheduler identities carry the prefix"
  }
  assert {
    condition     = output.function_environment.SLUICE_ENV == "zz9prod"
    error_message = "the functions compute the same names from SLUICE_ENV"
  }
}

run "environment_must_be_letters_and_digits" {
  command = plan
  variables {
    environment = "dev-1"
  }
  expect_failures = [var.environment]
}
