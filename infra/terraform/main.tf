# sluice: one root module that turns a project into the pipeline described by
# pipeline/pipeline.yaml. Everything per source or per table is for_each over
# that file, so a new source is a config change and one apply, not new HCL.
#
# Files: main.tf (config, names, APIs), storage.tf, bigquery.tf, functions.tf,
# triggers.tf, scheduler.tf, security.tf (KMS, Secret Manager, DLP), iam.tf,
# monitoring.tf, outputs.tf.

locals {
  # Variable defaults cannot use path.module, so an empty pipeline_file means
  # the file the functions embed.
  pipeline_file = var.pipeline_file != "" ? var.pipeline_file : "${path.module}/../../pipeline/pipeline.yaml"
  config        = yamldecode(file(local.pipeline_file))
  source_dir    = var.source_dir != "" ? var.source_dir : "${path.module}/../.."

  # Naming contract shared with the functions (shared/gcp.NamesFor reads
  # SLUICE_ENV and computes the same names): "<env>-<name>" for buckets and
  # topics, "<env>_<name>" for datasets.
  prefix         = var.environment
  dataset_prefix = var.environment

  labels = merge(var.labels, {
    app         = "sluice"
    environment = var.environment
  })

  datasets = {
    raw       = "${local.dataset_prefix}_${local.config.datasets.raw}"
    curated   = "${local.dataset_prefix}_${local.config.datasets.curated}"
    published = "${local.dataset_prefix}_${local.config.datasets.published}"
    ops       = "${local.dataset_prefix}_${local.config.datasets.ops}"
  }

  buckets = {
    landing = "${local.prefix}-${local.config.buckets.landing}"
    archive = "${local.prefix}-${local.config.buckets.archive}"
    export  = "${local.prefix}-${local.config.buckets.export}"
    source  = "${local.prefix}-function-source"
  }

  stage_topics = {
    transform_completed = "${local.prefix}-${local.config.topics.transform_completed}"
    mask_completed      = "${local.prefix}-${local.config.topics.mask_completed}"
    export_completed    = "${local.prefix}-${local.config.topics.export_completed}"
    # Range tasks of a fanned-out mask run; the mask function publishes and consumes them.
    mask_tasks = "${local.prefix}-mask-tasks"
  }

  # Sources keyed by name, split by how their data arrives.
  sources        = { for s in local.config.sources : s.name => s }
  pubsub_sources = { for name, s in local.sources : name => s if try(s.trigger.pubsub_topic, "") != "" }
  gcs_sources    = { for name, s in local.sources : name => s if try(s.trigger.gcs_prefix, "") != "" }

  # Eventarc cannot filter direct Cloud Storage events by object name (path
  # patterns apply only to Cloud Audit Logs resourceName and Firebase RTDB),
  # so there is one finalized trigger for the whole landing bucket whenever any
  # source lands files. The ingest function routes each object to its source
  # by prefix and quarantines objects under unknown prefixes. One trigger per
  # prefix would deliver every object once per file source.
  landing_triggers = { for k in(length(local.gcs_sources) > 0 ? ["landing"] : []) : k => sort(keys(local.gcs_sources)) }

  # Raw tables: the declared schema plus the ingest metadata column the SQL
  # models read. Partitioned on the event time when it is a time column, else
  # on the ingestion time.
  time_types = ["TIMESTAMP", "DATE", "DATETIME"]
  # A debezium source's raw table is its changelog: these are the columns the
  # transform's current-state MERGE reads (shared/bq/raw.go declares the same).
  changelog_columns = [
    { name = "_op", type = "STRING", mode = "NULLABLE", description = "change: c (create), u (update), d (delete), r (snapshot read), t (truncate)" },
    { name = "_ts", type = "TIMESTAMP", mode = "NULLABLE", description = "source.ts_ms: when the change happened in the source database" },
    { name = "_before", type = "STRING", mode = "NULLABLE", description = "the before image, as JSON (updates and deletes)" },
    { name = "_pos", type = "STRING", mode = "NULLABLE", description = "source position: source.lsn, or binlog file:pos:row, or ts_ms, zero-padded so text order is change order" },
    { name = "_key", type = "STRING", mode = "NULLABLE", description = "primary key of the changed row as a JSON object (NULL for truncates)" },
  ]
  raw_tables = {
    for name, s in local.sources : name => {
      description = try(s.description, "")
      schema = concat(try(s.schema, []), [{
        name        = "_ingested_at"
        type        = "TIMESTAMP"
        mode        = "NULLABLE"
        description = "When sluice landed the record."
      }], try(s.format, "") == "debezium" ? local.changelog_columns : [])
      partition_field = try(
        contains(local.time_types, upper([for f in s.schema : f.type if f.name == s.event_time_field][0])) ? s.event_time_field : "_ingested_at",
        "_ingested_at",
      )
    }
  }

  apis = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudscheduler.googleapis.com",
    "dlp.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "apis" {
  for_each = var.enable_apis ? local.apis : toset([])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

data "google_project" "this" {
  project_id = var.project_id
}

# Google-managed service agents that act on the pipeline's behalf. Creating
# the identities up front lets the IAM grants below apply on a fresh project.
resource "google_project_service_identity" "agents" {
  provider = google-beta
  for_each = toset(["pubsub.googleapis.com", "eventarc.googleapis.com", "secretmanager.googleapis.com", "dlp.googleapis.com"])

  project    = var.project_id
  service    = each.value
  depends_on = [google_project_service.apis]
}

data "google_storage_project_service_account" "gcs" {
  project    = var.project_id
  depends_on = [google_project_service.apis]
}

data "google_bigquery_default_service_account" "bq" {
  project    = var.project_id
  depends_on = [google_project_service.apis]
}
