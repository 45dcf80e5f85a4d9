variable "project_id" {
  type        = string
  description = "Google Cloud project id that hosts the pipeline."
}

variable "region" {
  type        = string
  description = "Region for the functions, buckets, datasets, Eventarc triggers, KMS and secrets (a single region keeps storage triggers and buckets co-located, which Eventarc requires)."
  default     = "europe-west1"
}

variable "environment" {
  type        = string
  description = "Environment name prefixed to every resource name: buckets and topics \"<environment>-<name>\", datasets \"<environment>_<name>\". Bucket names are global, so pick something unlikely to be taken, such as \"acmedev\"."

  validation {
    # Letters and digits only: the same prefix must be valid in dataset ids
    # (no -) and in service account ids and bucket names (no _). 16 characters
    # keeps "<environment>-scheduler" within the 30-character account id limit.
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lower-case letters and digits, starting with a letter."
  }
}

variable "pipeline_file" {
  type        = string
  description = "Path to pipeline.yaml, the same file the functions embed. Empty means the repository's pipeline/pipeline.yaml."
  default     = ""
}

variable "source_dir" {
  type        = string
  description = "Repository root that is zipped into the function bundle. Empty means two levels above this module."
  default     = ""
}

variable "enable_apis" {
  type        = bool
  description = "Enable the Google APIs the pipeline needs. Turn off when a platform team manages APIs."
  default     = true
}

variable "go_runtime" {
  type        = string
  description = "Cloud Functions runtime id for the Go bundle; it must support the go directive in go.mod."
  default     = "go126"
}

variable "function_settings" {
  type = object({
    ingest = optional(object({
      memory          = optional(string, "512Mi")
      cpu             = optional(string, "1")
      timeout_seconds = optional(number, 300)
      concurrency     = optional(number, 80)
      min_instances   = optional(number, 0)
      max_instances   = optional(number, 20)
    }), {})
    transform = optional(object({
      memory          = optional(string, "512Mi")
      cpu             = optional(string, "1")
      timeout_seconds = optional(number, 1800)
      concurrency     = optional(number, 1)
      min_instances   = optional(number, 0)
      max_instances   = optional(number, 1)
    }), {})
    mask = optional(object({
      memory          = optional(string, "1Gi")
      cpu             = optional(string, "1")
      timeout_seconds = optional(number, 540)
      concurrency     = optional(number, 1)
      min_instances   = optional(number, 0)
      max_instances   = optional(number, 3)
    }), {})
    export = optional(object({
      memory          = optional(string, "512Mi")
      cpu             = optional(string, "1")
      timeout_seconds = optional(number, 540)
      concurrency     = optional(number, 1)
      min_instances   = optional(number, 0)
      max_instances   = optional(number, 3)
    }), {})
  })
  description = "Per-function memory, CPU, timeout (seconds), request concurrency per instance, and min/max instances. Omitted fields keep the defaults in the README. Ingest serves 80 requests per instance (each waits on BigQuery; concurrent deliveries share batched writes; CloudEvents are decoded per request, so concurrency is safe); transform, mask and export serve one (transform's run lock makes a second pointless, mask holds a run's DLP batches in memory, export runs a few times an hour). Transform also defaults to one instance. Concurrency above 1 needs cpu of at least 1. Event-driven functions (ingest, mask, export) allow at most 540 seconds."
  default     = {}

  validation {
    # Cloud Run serves concurrent requests only with at least one whole vCPU.
    condition     = alltrue([for name, f in var.function_settings : f.concurrency == 1 || try(tonumber(f.cpu) >= 1, false)])
    error_message = "function_settings: a function with concurrency above 1 needs cpu of at least 1 (for example cpu = \"1\")."
  }
}

variable "ingress_settings" {
  type = object({
    ingest    = optional(string, "ALLOW_INTERNAL_ONLY")
    transform = optional(string, "ALLOW_ALL")
    mask      = optional(string, "ALLOW_INTERNAL_ONLY")
    export    = optional(string, "ALLOW_ALL")
  })
  description = "Ingress per function. Event-only functions accept internal traffic (Eventarc); the ones Cloud Scheduler calls over their URL allow all ingress but still require an OIDC token from an invoker."
  default     = {}
}

variable "retry" {
  type = object({
    max_delivery_attempts = optional(number, 10)
    min_retry_delay       = optional(string, "10s")
    max_retry_delay       = optional(string, "600s")
  })
  description = "Retry policy for every event trigger: exponential backoff between min and max delay, then the event moves to the trigger's dead-letter topic after max_delivery_attempts (5-100)."
  default     = {}

  validation {
    condition     = var.retry.max_delivery_attempts >= 5 && var.retry.max_delivery_attempts <= 100
    error_message = "retry.max_delivery_attempts must be between 5 and 100 (Pub/Sub dead-letter limits)."
  }
}

variable "dead_letter_retention" {
  type        = string
  description = "How long dead-lettered events stay in the inspection subscription (Pub/Sub duration, max 31 days)."
  default     = "1209600s"
}

variable "scheduler_region" {
  type        = string
  description = "Region for Cloud Scheduler jobs. Empty means var.region; set it when Cloud Scheduler is not offered there."
  default     = ""
}

variable "schedule_time_zone" {
  type        = string
  description = "Time zone (tz database name) for the cron expressions in pipeline.yaml schedules."
  default     = "Etc/UTC"
}

variable "kms_key_name" {
  type        = string
  description = "Optional customer-managed key (projects/.../cryptoKeys/...) for the buckets and datasets. Null uses Google-managed encryption. The key must be in var.region."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Protect BigQuery tables and the function bucket contents from terraform destroy. Keep true outside throwaway environments."
  default     = true
}

variable "landing_retention_days" {
  type        = number
  description = "Days before a landed file is deleted from the landing bucket; the original is already copied to the archive bucket."
  default     = 14
}

variable "archive_nearline_days" {
  type        = number
  description = "Days before archived originals move to NEARLINE storage."
  default     = 30
}

variable "archive_coldline_days" {
  type        = number
  description = "Days before archived originals move to COLDLINE storage."
  default     = 90
}

variable "archive_archive_days" {
  type        = number
  description = "Days before archived originals move to ARCHIVE storage."
  default     = 365
}

variable "export_retention_days" {
  type        = number
  description = "Days export files and manifests are kept in the export bucket."
  default     = 90
}

variable "function_source_retention_days" {
  type        = number
  description = "Days old function source archives are kept; a deployed function does not need its archive after the build."
  default     = 30
}

variable "analyst_group" {
  type        = string
  description = "Google group (email) of analysts and BI tools: read access to the published dataset only. Empty grants nothing."
  default     = ""
}

variable "data_engineer_group" {
  type        = string
  description = "Google group (email) of data engineers: read access to raw, curated, published and ops. Empty grants nothing."
  default     = ""
}

variable "notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids (projects/.../notificationChannels/...) that receive every alert."
  default     = []
}

variable "freshness_window" {
  type        = string
  description = "Alert when the ingest function has handled no event successfully for this long (a duration in seconds such as \"7200s\", at most 84600s)."
  default     = "7200s"
}

variable "labels" {
  type        = map(string)
  description = "Extra labels put on every resource that supports labels."
  default     = {}
}

variable "archive_max_bytes" {
  type        = number
  description = "Pub/Sub source archive: bytes per Cloud Storage object before a new one starts (1 KB to 10 GiB)."
  default     = 104857600

  validation {
    condition     = var.archive_max_bytes >= 1000 && var.archive_max_bytes <= 10737418240
    error_message = "archive_max_bytes must be between 1000 and 10737418240 (Cloud Storage subscription limits)."
  }
}

variable "archive_max_duration" {
  type        = string
  description = "Pub/Sub source archive: longest an object stays open before a new one starts (60s to 300s: Pub/Sub allows up to 600s but not beyond the subscription's 300s ack deadline)."
  default     = "300s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.archive_max_duration)) && try(tonumber(trimsuffix(var.archive_max_duration, "s")) >= 60 && tonumber(trimsuffix(var.archive_max_duration, "s")) <= 300, false)
    error_message = "archive_max_duration must be whole seconds like \"300s\", between 60s and 300s (the archive subscription's ack deadline)."
  }
}

variable "token_key_kms_wrapped" {
  type        = bool
  description = "Give the mask function the tokenisation key KMS-wrapped, as Google recommends for tokenisation: a dedicated Cloud KMS key (token_dlp) that only the DLP service agent may decrypt with, and the function's SLUICE_TOKEN_KMS_KEY and SLUICE_TOKEN_WRAPPED_KEY (plus SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY for token: {method: encrypt}); DLP unwraps the key and the function never holds it. False (the default) mounts the unwrapped key from Secret Manager as SLUICE_TOKEN_KEY_FILE. Crypto-hash tokens are the same either way (the same data key); encrypted tokens are not (a separate encryption key is wrapped)."
  default     = false
}

variable "rejects_spike_threshold" {
  type        = number
  description = "Alert when more rejects than this land for one source and reason within 10 minutes."
  default     = 100
  validation {
    condition     = var.rejects_spike_threshold >= 0
    error_message = "rejects_spike_threshold must be 0 or more."
  }
}

variable "freshness_max_seconds" {
  type        = number
  description = "Alert when a model's newest data (freshness_seconds) is older than this."
  default     = 10800
  validation {
    condition     = var.freshness_max_seconds > 0
    error_message = "freshness_max_seconds must be positive."
  }
}

variable "mask_fanout" {
  description = "Mask at scale: a keyed table with more changed rows than rows is split into ranges key-hash ranges, one task each on the mask-tasks topic (rows 0: never); dlp_requests_per_minute is the mask function's client-side DLP limit (DLP's default quota is 600); dlp_timeout_seconds the deadline of each DLP call, so a DLP that stops answering fails the run closed instead of hanging it."
  type = object({
    rows                    = optional(number, 200000)
    ranges                  = optional(number, 8)
    dlp_requests_per_minute = optional(number, 600)
    dlp_timeout_seconds     = optional(number, 60)
  })
  default = {}
  validation {
    condition     = var.mask_fanout.rows >= 0 && var.mask_fanout.ranges >= 1 && var.mask_fanout.ranges <= 256 && var.mask_fanout.dlp_requests_per_minute >= 1 && var.mask_fanout.dlp_timeout_seconds >= 1
    error_message = "mask_fanout: rows >= 0, 1 <= ranges <= 256 (buckets of the key hash's first byte), dlp_requests_per_minute >= 1, dlp_timeout_seconds >= 1."
  }
}
