# The four functions, all built from the same source archive; each picks its
# entry point by the name it registers with functions-framework-go.

locals {
  # What every function reads at startup (shared/gcp.EnvFromOS). Datasets
  # are SLUICE_ENV + "_" + name; buckets and topics SLUICE_ENV + "-" + name.
  function_env = {
    SLUICE_PROJECT = var.project_id
    SLUICE_ENV     = var.environment
    SLUICE_REGION  = var.region
  }

  # The mask function reads the tokenisation key from a file: the secret is
  # mounted there (the key never appears in an environment variable).
  token_mount_dir = "/etc/sluice-token"
  token_key_file  = "${local.token_mount_dir}/key"

  # With var.token_key_kms_wrapped the mask function gets the key wrapped
  # (ciphertext only; DLP unwraps it) and no secret is mounted.
  mask_token_env = var.token_key_kms_wrapped ? {
    SLUICE_TOKEN_KMS_KEY                = google_kms_crypto_key.token_dlp[0].id
    SLUICE_TOKEN_WRAPPED_KEY            = google_kms_secret_ciphertext.token_key_dlp[0].ciphertext
    SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY = google_kms_secret_ciphertext.token_encryption_key_dlp[0].ciphertext
    } : {
    SLUICE_TOKEN_KEY_FILE = local.token_key_file
    SLUICE_TOKEN_SECRET   = google_secret_manager_secret_version.token_key.name
  }
  mask_secret_files = var.token_key_kms_wrapped ? [] : [{
    mount_path = local.token_mount_dir
    secret     = google_secret_manager_secret.token_key.secret_id
    version    = google_secret_manager_secret_version.token_key.version
    file       = "key"
  }]

  bundle = {
    bucket = google_storage_bucket.pipeline["source"].name
    object = google_storage_bucket_object.bundle.name
  }
}

module "ingest_function" {
  source = "./modules/function"

  project_id       = var.project_id
  region           = var.region
  name             = "${local.prefix}-ingest"
  description      = "sluice ingest: Pub/Sub messages and landed files into raw tables; rejects quarantined."
  entry_point      = "Ingest"
  runtime          = var.go_runtime
  source_bucket    = local.bundle.bucket
  source_object    = local.bundle.object
  memory           = var.function_settings.ingest.memory
  cpu              = var.function_settings.ingest.cpu
  timeout_seconds  = var.function_settings.ingest.timeout_seconds
  concurrency      = var.function_settings.ingest.concurrency
  min_instances    = var.function_settings.ingest.min_instances
  max_instances    = var.function_settings.ingest.max_instances
  ingress_settings = var.ingress_settings.ingest
  labels           = local.labels

  environment_variables = local.function_env

  depends_on = [google_project_service.apis]
}

module "transform_function" {
  source = "./modules/function"

  project_id       = var.project_id
  region           = var.region
  name             = "${local.prefix}-transform"
  description      = "sluice transform: runs the SQL models into curated, called by Cloud Scheduler."
  entry_point      = "Transform"
  runtime          = var.go_runtime
  source_bucket    = local.bundle.bucket
  source_object    = local.bundle.object
  memory           = var.function_settings.transform.memory
  cpu              = var.function_settings.transform.cpu
  timeout_seconds  = var.function_settings.transform.timeout_seconds
  concurrency      = var.function_settings.transform.concurrency
  min_instances    = var.function_settings.transform.min_instances
  max_instances    = var.function_settings.transform.max_instances
  ingress_settings = var.ingress_settings.transform
  labels           = local.labels

  environment_variables = local.function_env

  depends_on = [google_project_service.apis]
}

module "mask_function" {
  source = "./modules/function"

  project_id       = var.project_id
  region           = var.region
  name             = "${local.prefix}-mask"
  description      = "sluice mask: DLP de-identification of curated tables into published; fails closed."
  entry_point      = "Mask"
  runtime          = var.go_runtime
  source_bucket    = local.bundle.bucket
  source_object    = local.bundle.object
  memory           = var.function_settings.mask.memory
  cpu              = var.function_settings.mask.cpu
  timeout_seconds  = var.function_settings.mask.timeout_seconds
  concurrency      = var.function_settings.mask.concurrency
  min_instances    = var.function_settings.mask.min_instances
  max_instances    = var.function_settings.mask.max_instances
  ingress_settings = var.ingress_settings.mask
  labels           = local.labels

  environment_variables = merge(local.function_env, local.mask_token_env, {
    SLUICE_MASK_FANOUT_ROWS        = tostring(var.mask_fanout.rows)
    SLUICE_MASK_FANOUT_RANGES      = tostring(var.mask_fanout.ranges)
    SLUICE_DLP_REQUESTS_PER_MINUTE = tostring(var.mask_fanout.dlp_requests_per_minute)
    SLUICE_DLP_TIMEOUT             = "${var.mask_fanout.dlp_timeout_seconds}s"
  })
  secret_files = local.mask_secret_files

  depends_on = [google_project_service.apis]
}

module "export_function" {
  source = "./modules/function"

  project_id       = var.project_id
  region           = var.region
  name             = "${local.prefix}-export"
  description      = "sluice export: aggregates from published into the export bucket, with a manifest."
  entry_point      = "Export"
  runtime          = var.go_runtime
  source_bucket    = local.bundle.bucket
  source_object    = local.bundle.object
  memory           = var.function_settings.export.memory
  cpu              = var.function_settings.export.cpu
  timeout_seconds  = var.function_settings.export.timeout_seconds
  concurrency      = var.function_settings.export.concurrency
  min_instances    = var.function_settings.export.min_instances
  max_instances    = var.function_settings.export.max_instances
  ingress_settings = var.ingress_settings.export
  labels           = local.labels

  environment_variables = local.function_env

  depends_on = [google_project_service.apis]
}
