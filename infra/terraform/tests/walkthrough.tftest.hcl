# The deploy walk-through in README.md, against a mock plan: every resource
# name its commands use exists, with the walk-through's own values
# (PROJECT=my-sluice-dev REGION=europe-west1 ENV=acmedev). The variable names
# and outputs it uses are checked through deploy/ in deploy/tests.

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
    trigger_id               = "projects/my-sluice-dev/locations/europe-west1/triggers/acmedev-ingest-landing"
    delivery_subscription    = "projects/my-sluice-dev/subscriptions/eventarc-europe-west1-acmedev-ingest-landing-sub-1"
    dead_letter_topic        = "projects/my-sluice-dev/topics/acmedev-ingest-landing-dead-letter"
    dead_letter_subscription = "acmedev-ingest-landing-dead-letter-inspect"
    delivery_policy          = { dead_letter_topic = "projects/my-sluice-dev/topics/acmedev-ingest-landing-dead-letter", max_delivery_attempts = 10, min_retry_delay = "10s", max_retry_delay = "600s" }
    event_type               = "google.cloud.storage.object.v1.finalized"
  }
}

variables {
  project_id  = "my-sluice-dev"
  region      = "europe-west1"
  environment = "acmedev"
}

run "walkthrough_names" {
  command = plan

  # 4. gcloud pubsub topics publish "$ENV-events"
  assert {
    condition     = google_pubsub_topic.source["events"].name == "acmedev-events"
    error_message = "step 4 publishes to $ENV-events"
  }
  # 4. gcloud storage cp ... "gs://$ENV-landing/orders/..."
  assert {
    condition     = google_storage_bucket.pipeline["landing"].name == "acmedev-landing" && local.gcs_sources["orders"].trigger.gcs_prefix == "orders/" && toset(keys(module.landing_trigger)) == toset(["landing"])
    error_message = "step 4 lands a file under orders/ in $ENV-landing, which has a trigger"
  }
  # 5. bq query ... $PROJECT.${ENV}_raw.events / .orders
  assert {
    condition     = google_bigquery_table.raw["events"].dataset_id == "acmedev_raw" && google_bigquery_table.raw["orders"].dataset_id == "acmedev_raw" && google_bigquery_table.raw["events"].project == "my-sluice-dev"
    error_message = "step 5 reads $${ENV}_raw.events and $${ENV}_raw.orders"
  }
  assert {
    condition     = alltrue([for c in ["event_id", "event_type", "_ingested_at"] : contains([for f in jsondecode(google_bigquery_table.raw["events"].schema) : f.name], c)]) && alltrue([for c in ["order_id", "status"] : contains([for f in jsondecode(google_bigquery_table.raw["orders"].schema) : f.name], c)])
    error_message = "step 5 selects columns the raw tables have"
  }
  # 6. gcloud scheduler jobs run "$ENV-transform" --location="$REGION"
  assert {
    condition     = google_cloud_scheduler_job.transform[0].name == "acmedev-transform" && google_cloud_scheduler_job.transform[0].region == "europe-west1"
    error_message = "step 6 runs the job $ENV-transform in $REGION"
  }
  # 6. bq query ... ${ENV}_published.users; gcloud storage ls "gs://$ENV-exports/"
  assert {
    condition     = google_bigquery_dataset.pipeline["published"].dataset_id == "acmedev_published" && contains(keys(google_data_loss_prevention_deidentify_template.mask), "users")
    error_message = "step 6 reads $${ENV}_published.users, which the mask policy publishes"
  }
  assert {
    condition     = google_storage_bucket.pipeline["export"].name == "acmedev-exports"
    error_message = "step 6 lists gs://$ENV-exports/"
  }
  # Operations: gcloud functions logs read $ENV-ingest --region=$REGION
  assert {
    condition     = module.ingest_function.name == "acmedev-ingest"
    error_message = "Operations reads the logs of $ENV-ingest"
  }
}
