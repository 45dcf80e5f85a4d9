# A second Pub/Sub source and a second file source, added to a test copy of
# pipeline.yaml (testdata/pipeline-more-sources.yaml; tfcheck keeps it equal
# to the real file plus those two), get their resources, and nothing that
# existed before changes. Mock providers: no credentials, no network.

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

run "baseline" {
  command = plan

  # Every Pub/Sub source is archived as received by a Cloud Storage
  # subscription on its topic (archive.tf): objects under <source>/YYYY/MM/DD/.
  assert {
    condition     = toset(keys(google_pubsub_subscription.archive)) == toset(keys(google_pubsub_topic.source))
    error_message = "every Pub/Sub source topic gets an archive subscription"
  }
}

# The CDC source (customers, format debezium with a cdc block): Debezium
# Server publishes to its topic, a trigger delivers to ingest with a dead
# letter, the topic is archived, and its raw table is the changelog with the
# columns the current-state MERGE reads. The current-state table itself is
# curated, built by the transform (like every curated table), and masked by
# its policy's DLP template.
run "cdc_source" {
  command = plan

  assert {
    condition     = google_pubsub_topic.source["customers"].name == "acmedev-shop-customers"
    error_message = "the CDC source gets the topic Debezium Server publishes to"
  }
  assert {
    condition     = module.source_trigger["customers"].event_type == "google.cloud.pubsub.topic.v1.messagePublished" && module.source_trigger["customers"].delivery_policy.dead_letter_topic == "projects/sluice-test/topics/acmedev-ingest-customers-dead-letter"
    error_message = "the CDC source's changes reach ingest through a trigger with its own dead letter"
  }
  assert {
    condition     = google_pubsub_subscription.archive["customers"].cloud_storage_config[0].filename_prefix == "customers/"
    error_message = "the CDC source's messages are archived as received"
  }
  assert {
    condition = google_bigquery_table.raw["customers"].time_partitioning[0].field == "_ingested_at" && alltrue([
      for c in ["id", "credit_limit", "_ingested_at", "_op", "_ts", "_before", "_pos", "_key"] : contains([for f in jsondecode(google_bigquery_table.raw["customers"].schema) : f.name], c)
    ])
    error_message = "raw.customers is the changelog: the declared columns plus _ingested_at, _op, _ts, _before, _pos and _key"
  }
  assert {
    condition     = !contains([for f in jsondecode(google_bigquery_table.raw["events"].schema) : f.name], "_pos")
    error_message = "only debezium sources get the changelog columns"
  }
  assert {
    condition     = contains(keys(google_data_loss_prevention_deidentify_template.mask), "customers")
    error_message = "the current state of customers is masked before it is published"
  }
}

run "two_more_sources" {
  command = plan

  variables {
    pipeline_file = "./tests/testdata/pipeline-more-sources.yaml"
  }

  # The Pub/Sub source: its topic, its trigger with a dead-letter topic,
  # retry policy and inspection subscription, its raw table.
  assert {
    condition     = google_pubsub_topic.source["clicks"].name == "acmedev-clicks"
    error_message = "the new Pub/Sub source gets its topic"
  }
  assert {
    condition     = module.source_trigger["clicks"].event_type == "google.cloud.pubsub.topic.v1.messagePublished" && module.source_trigger["clicks"].delivery_policy.dead_letter_topic == "projects/sluice-test/topics/acmedev-ingest-clicks-dead-letter"
    error_message = "the new Pub/Sub source gets a trigger whose delivery subscription dead-letters to its own topic"
  }
  assert {
    condition     = module.source_trigger["clicks"].delivery_policy.max_delivery_attempts == 10 && module.source_trigger["clicks"].delivery_policy.min_retry_delay == "10s"
    error_message = "the new trigger gets the retry policy"
  }
  assert {
    condition     = output.dead_letter_subscriptions["source/clicks"] == "acmedev-ingest-clicks-dead-letter-inspect"
    error_message = "the new trigger's dead letters can be inspected"
  }
  assert {
    condition     = google_bigquery_table.raw["clicks"].dataset_id == "acmedev_raw" && google_bigquery_table.raw["clicks"].time_partitioning[0].field == "clicked_at"
    error_message = "the new Pub/Sub source gets its raw table, partitioned on its event time"
  }

  # Both Pub/Sub sources are archived by date: a Cloud Storage subscription
  # on their own topic writing Avro with metadata into the archive bucket
  # under <source>/YYYY/MM/DD/, batched by bytes and duration, with a dead
  # letter the Pub/Sub service agent may publish to.
  assert {
    condition     = toset(keys(google_pubsub_subscription.archive)) == toset(["events", "customers", "clicks"])
    error_message = "every Pub/Sub source, the new one included, gets an archive subscription; file sources do not"
  }
  assert {
    condition = alltrue([for k, s in google_pubsub_subscription.archive :
      s.topic == "projects/sluice-test/topics/${google_pubsub_topic.source[k].name}" &&
      s.cloud_storage_config[0].bucket == "acmedev-archive" &&
      s.cloud_storage_config[0].filename_prefix == "${k}/" &&
      startswith(s.cloud_storage_config[0].filename_datetime_format, "YYYY/MM/DD/")
    ])
    error_message = "each archive subscription reads its source's topic and writes <source>/YYYY/MM/DD/ objects into the archive bucket"
  }
  assert {
    condition = alltrue([for k, s in google_pubsub_subscription.archive :
      s.cloud_storage_config[0].max_bytes == 104857600 && s.cloud_storage_config[0].max_duration == "300s" && s.ack_deadline_seconds >= 300 &&
      length(s.cloud_storage_config[0].avro_config) == 1 && s.cloud_storage_config[0].avro_config[0].write_metadata
    ])
    error_message = "archive objects are batched by bytes and duration (within the ack deadline), Avro with message id, publish time and attributes"
  }
  assert {
    condition = alltrue([for k, s in google_pubsub_subscription.archive :
      s.dead_letter_policy[0].dead_letter_topic == "projects/sluice-test/topics/acmedev-archive-${k}-dead-letter" &&
      s.dead_letter_policy[0].max_delivery_attempts == 10 &&
      google_pubsub_topic_iam_member.archive_dead_letter_publisher[k].role == "roles/pubsub.publisher"
    ])
    error_message = "each archive subscription dead-letters to its own topic, which the Pub/Sub service agent may publish to"
  }
  assert {
    condition     = output.archive_subscriptions["clicks"].filename_prefix == "clicks/" && output.archive_subscriptions["clicks"].name == "acmedev-archive-clicks"
    error_message = "the new source's archive subscription is in the archive_subscriptions output"
  }
  assert {
    condition = toset(keys(google_storage_bucket_iam_member.archive_pubsub_agent)) == toset(["roles/storage.objectCreator", "roles/storage.legacyBucketReader"]) && alltrue([
      for g in google_storage_bucket_iam_member.archive_pubsub_agent : g.bucket == "acmedev-archive" && startswith(g.member, "serviceAccount:")
    ])
    error_message = "the Pub/Sub service agent may create objects in (and read the metadata of) the archive bucket, nothing more"
  }
  assert {
    condition     = output.archive_subscriptions["events"] == run.baseline.archive_subscriptions["events"]
    error_message = "the existing source's archive subscription does not change"
  }

  # The file source: its raw table (partitioned on _ingested_at: it has no
  # event time), routed by the one landing trigger (see main.tf for why there
  # is one trigger per bucket, not per prefix).
  assert {
    condition     = google_bigquery_table.raw["invoices"].dataset_id == "acmedev_raw" && google_bigquery_table.raw["invoices"].time_partitioning[0].field == "_ingested_at"
    error_message = "the new file source gets its raw table"
  }
  assert {
    condition     = toset(keys(module.landing_trigger)) == toset(["landing"])
    error_message = "file sources share the landing bucket's trigger"
  }

  # IAM: ingest writes every raw table through its grant on the raw dataset;
  # the Pub/Sub service agent's dead-letter grants are inside the trigger
  # module (modules/event_trigger/tests).
  assert {
    condition     = google_bigquery_dataset_iam_member.functions["ingest/raw/roles/bigquery.dataEditor"].dataset_id == "acmedev_raw"
    error_message = "ingest may write the raw dataset, so the new tables"
  }

  # Exactly these are new; everything else is what the baseline plans.
  assert {
    condition     = toset(keys(google_pubsub_topic.source)) == toset(["events", "customers", "clicks"]) && toset(keys(module.source_trigger)) == toset(["events", "customers", "clicks"])
    error_message = "only the new Pub/Sub source is added to topics and triggers"
  }
  assert {
    condition     = toset(keys(google_bigquery_table.raw)) == toset(["events", "orders", "customers", "clicks", "invoices"])
    error_message = "only the two new raw tables are added"
  }
  assert {
    condition     = output.buckets == run.baseline.buckets && output.datasets == run.baseline.datasets && output.function_environment == run.baseline.function_environment
    error_message = "buckets, datasets and the function environment do not change"
  }
  assert {
    condition     = { for k, v in output.dead_letter_subscriptions : k => v if k != "source/clicks" } == run.baseline.dead_letter_subscriptions
    error_message = "the existing triggers and their dead-letter subscriptions do not change"
  }
  assert {
    condition     = output.function_roles == run.baseline.function_roles
    error_message = "no function gains or loses a role"
  }
  assert {
    condition     = google_bigquery_table.raw["events"].schema == jsonencode(concat(yamldecode(file("../../pipeline/pipeline.yaml")).sources[0].schema, [{ name = "_ingested_at", type = "TIMESTAMP", mode = "NULLABLE", description = "When sluice landed the record." }]))
    error_message = "the existing raw table keeps its schema"
  }
  assert {
    condition     = toset(keys(google_data_loss_prevention_deidentify_template.mask)) == toset(["events", "users", "customers"]) && length(google_cloud_scheduler_job.transform) == 1
    error_message = "masking and schedules do not change"
  }
}
