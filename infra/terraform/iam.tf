# Least privilege: one service account per function, roles granted on the
# dataset, bucket, topic or secret it touches. Project-level grants exist only
# where Google offers no narrower resource (BigQuery jobs, DLP content calls,
# Eventarc event receipt, the Cloud Storage agent publishing events).
# No basic roles (owner, editor, viewer) anywhere: tfcheck fails on them.

locals {
  function_members = {
    ingest    = module.ingest_function.service_account_member
    transform = module.transform_function.service_account_member
    mask      = module.mask_function.service_account_member
    export    = module.export_function.service_account_member
  }

  # Grants each function module makes to its own account (mounted secrets).
  function_secret_access = {
    ingest    = module.ingest_function.secret_access
    transform = module.transform_function.secret_access
    mask      = module.mask_function.secret_access
    export    = module.export_function.secret_access
  }

  # Which function may do what to which dataset.
  dataset_grants = [
    { fn = "ingest", dataset = "raw", role = "roles/bigquery.dataEditor" },
    { fn = "ingest", dataset = "ops", role = "roles/bigquery.dataEditor" },
    { fn = "transform", dataset = "raw", role = "roles/bigquery.dataViewer" },
    { fn = "transform", dataset = "curated", role = "roles/bigquery.dataEditor" },
    { fn = "transform", dataset = "ops", role = "roles/bigquery.dataEditor" },
    { fn = "mask", dataset = "curated", role = "roles/bigquery.dataViewer" },
    { fn = "mask", dataset = "published", role = "roles/bigquery.dataEditor" },
    { fn = "mask", dataset = "ops", role = "roles/bigquery.dataEditor" },
    # Export reads published only: an export query that names another dataset
    # fails on permissions even if it slipped past config validation.
    { fn = "export", dataset = "published", role = "roles/bigquery.dataViewer" },
    { fn = "export", dataset = "ops", role = "roles/bigquery.dataEditor" },
  ]

  bucket_grants = [
    { fn = "ingest", bucket = "landing", role = "roles/storage.objectViewer" },
    # objectUser, not objectCreator: an idempotent re-copy overwrites, which needs delete.
    { fn = "ingest", bucket = "archive", role = "roles/storage.objectUser" },
    # mask stages masked rows as NDJSON under mask-staging/ for a load job, and deletes them after.
    { fn = "mask", bucket = "archive", role = "roles/storage.objectUser" },
    { fn = "export", bucket = "export", role = "roles/storage.objectUser" },
  ]

  topic_grants = [
    { fn = "transform", topic = "transform_completed" },
    { fn = "mask", topic = "mask_completed" },
    { fn = "mask", topic = "mask_tasks" },
    { fn = "export", topic = "export_completed" },
  ]

  group_dataset_grants = concat(
    var.analyst_group == "" ? [] : [
      { who = "analysts", member = "group:${var.analyst_group}", dataset = "published" },
    ],
    var.data_engineer_group == "" ? [] : [
      for d in ["raw", "curated", "published", "ops"] : { who = "engineers", member = "group:${var.data_engineer_group}", dataset = d }
    ],
  )

  job_users = merge(
    local.function_members,
    var.analyst_group == "" ? {} : { analysts = "group:${var.analyst_group}" },
    var.data_engineer_group == "" ? {} : { engineers = "group:${var.data_engineer_group}" },
  )

  invokers = {
    eventarc_ingest  = { service = module.ingest_function.service_name, member = "serviceAccount:${google_service_account.eventarc.email}" }
    eventarc_mask    = { service = module.mask_function.service_name, member = "serviceAccount:${google_service_account.eventarc.email}" }
    eventarc_export  = { service = module.export_function.service_name, member = "serviceAccount:${google_service_account.eventarc.email}" }
    scheduler_trans  = { service = module.transform_function.service_name, member = "serviceAccount:${google_service_account.scheduler.email}" }
    scheduler_export = { service = module.export_function.service_name, member = "serviceAccount:${google_service_account.scheduler.email}" }
  }
}

resource "google_bigquery_dataset_iam_member" "functions" {
  for_each = { for g in local.dataset_grants : "${g.fn}/${g.dataset}/${g.role}" => g }

  project    = var.project_id
  dataset_id = google_bigquery_dataset.pipeline[each.value.dataset].dataset_id
  role       = each.value.role
  member     = local.function_members[each.value.fn]
}

# Analysts read published only; engineers read every layer. Writes stay with
# the pipeline's own identities.
resource "google_bigquery_dataset_iam_member" "groups" {
  for_each = { for g in local.group_dataset_grants : "${g.who}/${g.dataset}" => g }

  project    = var.project_id
  dataset_id = google_bigquery_dataset.pipeline[each.value.dataset].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value.member
}

# Running a query is a project-level permission in BigQuery; what the query
# may read is still limited by the dataset grants above.
resource "google_project_iam_member" "bigquery_job_user" {
  for_each = local.job_users

  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = each.value
}

resource "google_storage_bucket_iam_member" "functions" {
  for_each = { for g in local.bucket_grants : "${g.fn}/${g.bucket}" => g }

  bucket = google_storage_bucket.pipeline[each.value.bucket].name
  role   = each.value.role
  member = local.function_members[each.value.fn]
}

resource "google_pubsub_topic_iam_member" "functions" {
  for_each = { for g in local.topic_grants : "${g.fn}/${g.topic}" => g }

  project = var.project_id
  topic   = google_pubsub_topic.stage[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = local.function_members[each.value.fn]
}

# The mask function's secretAccessor on the tokenisation key is granted inside
# modules/function (secret_files), next to the function that mounts it.

# DLP content methods, template reads and jobs have no resource-level IAM.
# jobsEditor: mask inspects the columns it withholds with a DLP job and
# proposes rules for them in mask.completed (shared/classify).
resource "google_project_iam_member" "mask_dlp" {
  for_each = toset(["roles/dlp.user", "roles/dlp.deidentifyTemplatesReader", "roles/dlp.jobsEditor"])

  project = var.project_id
  role    = each.value
  member  = local.function_members["mask"]
}

resource "google_cloud_run_v2_service_iam_member" "eventarc_invoker" {
  for_each = { for k, v in local.invokers : k => v if startswith(k, "eventarc_") }

  project  = var.project_id
  location = var.region
  name     = each.value.service
  role     = "roles/run.invoker"
  member   = each.value.member
}

resource "google_cloud_run_v2_service_iam_member" "scheduler_invoker" {
  for_each = { for k, v in local.invokers : k => v if startswith(k, "scheduler_") }

  project  = var.project_id
  location = var.region
  name     = each.value.service
  role     = "roles/run.invoker"
  member   = each.value.member
}

resource "google_project_iam_member" "eventarc_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.eventarc.email}"
}

# Cloud Storage publishes object events to Eventarc's transport topic.
resource "google_project_iam_member" "gcs_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# Pub/Sub mints the OIDC token for authenticated push as the Eventarc identity.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.eventarc.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.agents["pubsub.googleapis.com"].email}"
}

# Data-access audit logs: who read or wrote pipeline data and keys.
resource "google_project_iam_audit_config" "data_access" {
  for_each = toset(["bigquery.googleapis.com", "storage.googleapis.com", "secretmanager.googleapis.com", "cloudkms.googleapis.com"])

  project = var.project_id
  service = each.value

  audit_log_config {
    log_type = "ADMIN_READ"
  }
  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

# A DLP inspection job reads the table as DLP's service agent and saves its
# findings the same way: it reads curated (the withheld columns mask and
# `sluice classify` inspect) and writes the findings table in ops. It is
# never given published or raw.
resource "google_bigquery_dataset_iam_member" "dlp_agent" {
  for_each = { curated = "roles/bigquery.dataViewer", ops = "roles/bigquery.dataEditor" }

  project    = var.project_id
  dataset_id = google_bigquery_dataset.pipeline[each.key].dataset_id
  role       = each.value
  member     = "serviceAccount:${google_project_service_identity.agents["dlp.googleapis.com"].email}"
}
