# Every Pub/Sub source topic is archived as received, by date, with no
# function in the path: a Pub/Sub Cloud Storage subscription per source
# writes batches into the archive bucket under
#   <source>/YYYY/MM/DD/hh_mm_ssZ_<uuid>.avro
# (Pub/Sub names objects <prefix><UTC-date-time>_<uuid><suffix>, the date
# and time of the object's creation). Avro with write_metadata keeps
# message_id, publish_time and attributes beside the data bytes, in the
# schema shared/archive reads (the text format keeps only the data). Files
# dropped in the landing bucket are already archived under
# <source>/yyyy/mm/dd/ by ingest, so the archive is the source of truth for
# both kinds of source and `sluice reland` reads one layout.
#
# Locally emulators/archive does the same with the same object names and
# the same Avro records (see its package doc).

locals {
  archive_subscriptions = {
    for name, s in local.pubsub_sources : name => {
      name              = "${local.prefix}-archive-${replace(name, "_", "-")}"
      dead_letter_topic = "${local.prefix}-archive-${replace(name, "_", "-")}-dead-letter"
      filename_prefix   = "${name}/"
    }
  }

  # Pub/Sub's documented filename datetime tokens; "/" makes the day a
  # folder, which `sluice reland` lists (shared/archive.DatetimeFormat is
  # the same layout in Go).
  archive_datetime_format = "YYYY/MM/DD/hh_mm_ssZ"

  # The rules of https://cloud.google.com/pubsub/docs/create-cloudstorage-subscription
  # ("Filename prefix, suffix, and datetime"), checked here at plan time
  # because the provider does not: in hashicorp/google 7.45.0
  # filename_datetime_format is a plain optional string, so a bad format
  # fails only when the API refuses it at apply. Year (YYYY or YY), month
  # (MM), day (DD), hour (hh), minute (mm) and second (ss) exactly once
  # each; the separator T and the offset (Z or +00:00) at most once; "-",
  # "_", ":" and "/" as often as wanted; nothing else.
  archive_datetime_tokens = regexall("YYYY|YY|MM|DD|hh|mm|ss|T|Z|\\+00:00|[-_:/]", local.archive_datetime_format)
  archive_datetime_format_ok = (
    join("", local.archive_datetime_tokens) == local.archive_datetime_format &&
    alltrue([for g in [["YYYY", "YY"], ["MM"], ["DD"], ["hh"], ["mm"], ["ss"]] :
    length([for t in local.archive_datetime_tokens : t if contains(g, t)]) == 1]) &&
    alltrue([for g in [["T"], ["Z", "+00:00"]] :
    length([for t in local.archive_datetime_tokens : t if contains(g, t)]) <= 1]) &&
    startswith(local.archive_datetime_format, "YYYY/MM/DD/")
  )
}

resource "google_pubsub_topic" "archive_dead_letter" {
  for_each = local.archive_subscriptions

  project = var.project_id
  name    = each.value.dead_letter_topic
  labels  = merge(local.labels, { source = each.key })

  message_retention_duration = var.dead_letter_retention

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "archive_dead_letter_inspect" {
  for_each = local.archive_subscriptions

  project = var.project_id
  name    = "${each.value.dead_letter_topic}-inspect"
  topic   = google_pubsub_topic.archive_dead_letter[each.key].id
  labels  = merge(local.labels, { source = each.key })

  ack_deadline_seconds       = 60
  message_retention_duration = var.dead_letter_retention
  retain_acked_messages      = true

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "archive" {
  for_each = local.archive_subscriptions

  project = var.project_id
  name    = each.value.name
  # Ids built from names so they are known at plan time (and checked there).
  topic  = "projects/${var.project_id}/topics/${google_pubsub_topic.source[each.key].name}"
  labels = merge(local.labels, { source = each.key, purpose = "archive" })

  # max_duration may not exceed the acknowledgement deadline.
  ack_deadline_seconds       = 300
  message_retention_duration = "604800s"

  cloud_storage_config {
    bucket                   = google_storage_bucket.pipeline["archive"].name
    filename_prefix          = each.value.filename_prefix
    filename_datetime_format = local.archive_datetime_format
    filename_suffix          = ".avro"
    max_bytes                = var.archive_max_bytes
    max_duration             = var.archive_max_duration

    avro_config {
      write_metadata = true
    }
  }

  dead_letter_policy {
    dead_letter_topic     = "projects/${var.project_id}/topics/${google_pubsub_topic.archive_dead_letter[each.key].name}"
    max_delivery_attempts = var.retry.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = var.retry.min_retry_delay
    maximum_backoff = var.retry.max_retry_delay
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_storage_bucket_iam_member.archive_pubsub_agent,
    google_pubsub_topic_iam_member.archive_dead_letter_publisher,
  ]

  lifecycle {
    precondition {
      condition     = local.archive_datetime_format_ok
      error_message = "archive_datetime_format \"${local.archive_datetime_format}\" breaks Pub/Sub's filename datetime rules (YYYY or YY, MM, DD, hh, mm, ss once each; T and Z or +00:00 at most once; only - _ : / between) or does not start with YYYY/MM/DD/, the day folders sluice reland lists."
    }
  }
}

# The Pub/Sub service agent writes the objects: objectCreator to create
# them, legacyBucketReader for the bucket metadata it reads first (both
# required by the Cloud Storage subscription docs).
resource "google_storage_bucket_iam_member" "archive_pubsub_agent" {
  for_each = toset(["roles/storage.objectCreator", "roles/storage.legacyBucketReader"])

  bucket = google_storage_bucket.pipeline["archive"].name
  role   = each.value
  member = "serviceAccount:${google_project_service_identity.agents["pubsub.googleapis.com"].email}"
}

# Dead-lettering from the archive subscription: the agent publishes to the
# dead-letter topic and acknowledges on the archive subscription.
resource "google_pubsub_topic_iam_member" "archive_dead_letter_publisher" {
  for_each = local.archive_subscriptions

  project = var.project_id
  topic   = google_pubsub_topic.archive_dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_project_service_identity.agents["pubsub.googleapis.com"].email}"
}

resource "google_pubsub_subscription_iam_member" "archive_subscriber" {
  for_each = local.archive_subscriptions

  project      = var.project_id
  subscription = google_pubsub_subscription.archive[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_project_service_identity.agents["pubsub.googleapis.com"].email}"
}
