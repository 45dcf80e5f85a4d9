# Datasets raw, curated, published and ops, and one raw table per source.
# Curated and published tables are created by the transform and mask functions
# from the SQL models and mask policy; their schemas are derived, not declared.

locals {
  dataset_descriptions = {
    raw       = "sluice: events and files landed as received, plus metadata columns."
    curated   = "sluice: clean entity tables built by the SQL models."
    published = "sluice: curated tables after DLP masking; the only dataset analysts read."
    ops       = "sluice: run history, watermarks and rejects."
  }
}

resource "google_bigquery_dataset" "pipeline" {
  for_each = local.datasets

  project     = var.project_id
  dataset_id  = each.value
  location    = var.region
  description = local.dataset_descriptions[each.key]
  labels      = merge(local.labels, { layer = each.key })

  delete_contents_on_destroy = !var.deletion_protection

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }

  depends_on = [google_project_service.apis, google_kms_crypto_key_iam_member.cmek_bigquery]
}

resource "google_bigquery_table" "raw" {
  for_each = local.raw_tables

  project             = var.project_id
  dataset_id          = google_bigquery_dataset.pipeline["raw"].dataset_id
  table_id            = each.key
  description         = each.value.description
  labels              = local.labels
  deletion_protection = var.deletion_protection

  # pipeline.yaml's schema entries use BigQuery's own JSON schema keys (name,
  # type, mode, description, fields), so they pass through unchanged.
  schema = jsonencode(each.value.schema)

  time_partitioning {
    type  = "DAY"
    field = each.value.partition_field
  }

  lifecycle {
    # The ingest function owns schema evolution: it adds columns it meets
    # (ALLOW_FIELD_ADDITION) and relaxes modes. Terraform sees such a table as
    # drifted from the yaml and, for changes it cannot patch in place, plans a
    # destroy-and-create that would drop every landed row. Ignoring schema
    # keeps the table; the declared schema only seeds it on creation.
    ignore_changes = [schema]
  }
}
