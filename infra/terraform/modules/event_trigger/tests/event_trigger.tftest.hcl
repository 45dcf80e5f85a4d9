# Plans the module alone with a mock provider (no credentials, no network).
#
# Only the Pub/Sub form is planned here: for a Cloud Storage trigger the module
# reads transport[0] (Optional+Computed, filled by Eventarc), which the real
# provider plans as unknown but a mock plans as an empty list, and neither
# override_resource nor mock_resource defaults replace a block at plan time.
# The dead-letter wiring does not depend on the event type, so this covers it;
# the root tests override the landing trigger module for the same reason.

mock_provider "google" {}

variables {
  project_id            = "sluice-test"
  region                = "europe-west1"
  name                  = "acmedev-mask"
  event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
  pubsub_topic          = "projects/sluice-test/topics/acmedev-sluice-transform-completed"
  destination_service   = "acmedev-mask"
  service_account_email = "acmedev-eventarc@sluice-test.iam.gserviceaccount.com"
  pubsub_service_agent  = "service-123@gcp-sa-pubsub.iam.gserviceaccount.com"
  max_delivery_attempts = 10
  min_retry_delay       = "10s"
  max_retry_delay       = "600s"
  dead_letter_retention = "1209600s"
  labels                = { app = "sluice" }
}

run "pubsub_trigger_has_a_dead_letter_policy" {
  command = plan

  assert {
    condition = output.delivery_policy == {
      dead_letter_topic     = "projects/sluice-test/topics/acmedev-mask-dead-letter"
      max_delivery_attempts = 10
      min_retry_delay       = "10s"
      max_retry_delay       = "600s"
    }
    error_message = "delivery policy: got ${jsonencode(output.delivery_policy)}"
  }
  assert {
    condition     = google_pubsub_topic.dead_letter.name == "acmedev-mask-dead-letter" && output.dead_letter_topic == "projects/sluice-test/topics/${google_pubsub_topic.dead_letter.name}"
    error_message = "the dead-letter topic is <name>-dead-letter and the policy names it"
  }
  assert {
    condition     = google_pubsub_subscription.dead_letter_inspect.name == "acmedev-mask-dead-letter-inspect" && google_pubsub_subscription.dead_letter_inspect.retain_acked_messages
    error_message = "dead letters need an inspection subscription that keeps acknowledged messages"
  }
  assert {
    condition     = google_pubsub_subscription.dead_letter_inspect.expiration_policy[0].ttl == ""
    error_message = "the inspection subscription must never expire"
  }
  assert {
    condition     = google_pubsub_topic_iam_member.dead_letter_publisher.member == "serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com" && google_pubsub_topic_iam_member.dead_letter_publisher.role == "roles/pubsub.publisher"
    error_message = "the Pub/Sub service agent must publish to the dead-letter topic"
  }
  assert {
    condition     = google_pubsub_subscription_iam_member.delivery_subscriber.role == "roles/pubsub.subscriber"
    error_message = "the Pub/Sub service agent must acknowledge on the delivery subscription"
  }
  assert {
    condition     = one(google_eventarc_trigger.this.transport[0].pubsub).topic == var.pubsub_topic
    error_message = "a Pub/Sub trigger listens on the given topic"
  }
  assert {
    condition     = google_eventarc_trigger.this.service_account == var.service_account_email && google_eventarc_trigger.this.destination[0].cloud_run_service[0].service == "acmedev-mask"
    error_message = "the trigger invokes the destination as the Eventarc identity"
  }
}

run "too_few_delivery_attempts" {
  command = plan
  variables {
    max_delivery_attempts = 3
  }
  expect_failures = [var.max_delivery_attempts]
}

run "unknown_event_type" {
  command = plan
  variables {
    event_type = "google.cloud.audit.log.v1.written"
  }
  expect_failures = [var.event_type]
}
