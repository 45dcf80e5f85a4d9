# Plans examples/minimal with mock providers: the module wiring through a caller,
# no credentials, no network.

mock_provider "google" {}
mock_provider "google-beta" {}
mock_provider "archive" {}
mock_provider "random" {}

# The landing (Cloud Storage) trigger reads google_eventarc_trigger's
# transport[0], an Optional+Computed block the real provider plans as unknown
# and a mock plans as an empty list; override_resource cannot fill a block at
# plan time, so only this module instance is overridden (as in ../tests). Its dead-letter
# wiring is the same code as the Pub/Sub triggers' (checked below and in
# modules/event_trigger/tests).
override_module {
  target = module.sluice.module.landing_trigger["landing"]
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

run "plans_the_pipeline" {
  command = plan

  assert {
    condition     = { for k, f in output.functions : k => f.name } == { ingest = "acmedev-ingest", transform = "acmedev-transform", mask = "acmedev-mask", export = "acmedev-export" }
    error_message = "the four functions"
  }
  assert {
    condition     = toset(keys(output.source_topics)) == toset(["events", "customers"])
    error_message = "a topic per Pub/Sub source in pipeline.yaml"
  }
}
