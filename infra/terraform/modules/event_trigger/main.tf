# An Eventarc trigger to a 2nd-gen function, with a retry policy and a
# dead-letter topic plus a subscription to inspect what landed there.
#
# Eventarc delivers through a Pub/Sub subscription that it creates itself
# (eventarc-<region>-<trigger>-sub-<n>); retries and dead-lettering are
# properties of that subscription, which the Eventarc API does not expose
# (its Trigger.retry_policy only accepts max_attempts = 1, i.e. no retries).
# Google's documented way is to update the subscription, so after the trigger
# exists terraform_data.delivery_policy runs `gcloud pubsub subscriptions
# update` on it; it reruns whenever the subscription or the policy changes.

resource "google_eventarc_trigger" "this" {
  project         = var.project_id
  location        = var.region
  name            = var.name
  labels          = var.labels
  service_account = var.service_account_email

  matching_criteria {
    attribute = "type"
    value     = var.event_type
  }

  dynamic "matching_criteria" {
    for_each = var.bucket == null ? [] : [var.bucket]
    content {
      attribute = "bucket"
      value     = matching_criteria.value
    }
  }

  dynamic "transport" {
    for_each = var.pubsub_topic == null ? [] : [var.pubsub_topic]
    content {
      pubsub {
        topic = transport.value
      }
    }
  }

  destination {
    cloud_run_service {
      service = var.destination_service
      region  = var.region
    }
  }
}

resource "google_pubsub_topic" "dead_letter" {
  project = var.project_id
  name    = "${var.name}-dead-letter"
  labels  = var.labels

  message_retention_duration = var.dead_letter_retention
}

# Pull subscription for people: `gcloud pubsub subscriptions pull
# <name>-dead-letter-inspect` shows the failed events with their attributes;
# replay them by publishing the payload back to the source topic.
resource "google_pubsub_subscription" "dead_letter_inspect" {
  project = var.project_id
  name    = "${var.name}-dead-letter-inspect"
  topic   = google_pubsub_topic.dead_letter.id
  labels  = var.labels

  ack_deadline_seconds       = 60
  message_retention_duration = var.dead_letter_retention
  retain_acked_messages      = true

  expiration_policy {
    ttl = "" # never expires, however quiet it is
  }
}

locals {
  # Eventarc always fills transport.pubsub.subscription (for Cloud Storage
  # triggers too); the index fails loudly if that ever changes.
  delivery_subscription = google_eventarc_trigger.this.transport[0].pubsub[0].subscription

  # The topic id from configured values, so the policy is known at plan time
  # (and checked there by the tests), not only after the topic exists.
  dead_letter_topic_id = "projects/${var.project_id}/topics/${google_pubsub_topic.dead_letter.name}"

  # The retry and dead-letter policy set on the delivery subscription: each key
  # becomes a `gcloud pubsub subscriptions update` flag (underscores to
  # dashes). It is also the delivery_policy output the tests assert on.
  delivery_policy = {
    dead_letter_topic     = local.dead_letter_topic_id
    max_delivery_attempts = var.max_delivery_attempts
    min_retry_delay       = var.min_retry_delay
    max_retry_delay       = var.max_retry_delay
  }
}

# The Pub/Sub service agent forwards undeliverable events: it must publish to
# the dead-letter topic and subscribe to (acknowledge on) the source.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${var.pubsub_service_agent}"
}

resource "google_pubsub_subscription_iam_member" "delivery_subscriber" {
  project      = var.project_id
  subscription = local.delivery_subscription
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.pubsub_service_agent}"
}

resource "terraform_data" "delivery_policy" {
  triggers_replace = [local.delivery_subscription, local.delivery_policy]

  provisioner "local-exec" {
    command = join(" ", concat(
      ["gcloud pubsub subscriptions update", local.delivery_subscription, "--project", var.project_id],
      flatten([for k, v in local.delivery_policy : ["--${replace(k, "_", "-")}", tostring(v)]]),
    ))
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_pubsub_subscription_iam_member.delivery_subscriber,
  ]
}
