variable "aws_region" {
  type        = string
  description = "AWS region for the functions, queues, topics, buckets and schedules."
  default     = "eu-west-1"
}

variable "project_id" {
  type        = string
  description = "Google Cloud project of the Google deployment (infra/terraform/deploy): BigQuery, DLP and the stages' service accounts live there."
}

variable "environment" {
  type        = string
  description = "Environment name, the same as the Google deployment's: SLUICE_ENV of every function, and the prefix of every AWS name (\"<environment>-...\"). S3 bucket names are global, so pick something unlikely to be taken."

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,15}$", var.environment))
    error_message = "environment must be 1-16 lowercase letters and digits, starting with a letter (the Google deployment's rule)."
  }
}

variable "google_service_accounts" {
  type = object({
    ingest    = string
    transform = string
    mask      = string
    export    = string
  })
  description = "Email of each stage's Google service account: the service_account fields of the Google deployment's `functions` output. Each Lambda role may impersonate its own stage's account only."
}

variable "pipeline_file" {
  type        = string
  description = "Path to pipeline.yaml, the file the functions embed. Empty means the repository's pipeline/pipeline.yaml."
  default     = ""
}

variable "dist_dir" {
  type        = string
  description = "Directory holding the zips cmd/lambda/build.sh writes (<function>-<arm64|amd64>.zip). Empty means the repository's cmd/lambda/dist."
  default     = ""
}

variable "architecture" {
  type        = string
  description = "Lambda architecture of every function: arm64 (Graviton, the default) or x86_64 (the amd64 zips)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "function_settings" {
  type = object({
    ingest = optional(object({
      memory_mb       = optional(number, 1024)
      timeout_seconds = optional(number, 300)
    }), {})
    transform = optional(object({
      memory_mb       = optional(number, 1024)
      timeout_seconds = optional(number, 900)
    }), {})
    mask = optional(object({
      memory_mb       = optional(number, 1024)
      timeout_seconds = optional(number, 900)
    }), {})
    export = optional(object({
      memory_mb       = optional(number, 1024)
      timeout_seconds = optional(number, 900)
    }), {})
  })
  description = "Memory (MB) and timeout (seconds, at most 900) per function. A queue's visibility timeout is six times its function's timeout, as AWS advises."
  default     = {}

  validation {
    condition     = alltrue([for s in values(var.function_settings) : s.timeout_seconds >= 1 && s.timeout_seconds <= 900 && s.memory_mb >= 128 && s.memory_mb <= 10240])
    error_message = "timeout_seconds must be 1-900 and memory_mb 128-10240."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps each function's logs (one of the values CloudWatch accepts)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "max_receive_count" {
  type        = number
  description = "Deliveries of an SQS message before it moves to its queue's dead-letter queue."
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be 1-1000."
  }
}

variable "dead_letter_retention_seconds" {
  type        = number
  description = "How long dead-lettered messages stay in their dead-letter queue (at most 14 days)."
  default     = 1209600

  validation {
    condition     = var.dead_letter_retention_seconds >= 60 && var.dead_letter_retention_seconds <= 1209600
    error_message = "dead_letter_retention_seconds must be 60-1209600."
  }
}

variable "schedule_time_zone" {
  type        = string
  description = "Time zone (tz database name) of the pipeline.yaml schedules, as for the Google deployment."
  default     = "Etc/UTC"
}

variable "schedule_expressions" {
  type        = map(string)
  description = "EventBridge Scheduler expressions (cron(...) or rate(...)) that replace the ones converted from pipeline.yaml schedules, keyed transform or export. Needed when a schedule names a day of the week, which AWS cron numbers differently."
  default     = {}

  validation {
    condition     = alltrue([for k, e in var.schedule_expressions : contains(["transform", "export"], k) && can(regex("^(cron|rate|at)\\(.+\\)$", e))])
    error_message = "schedule_expressions keys must be transform or export, values cron(...), rate(...) or at(...)."
  }
}

variable "token_key" {
  type        = string
  description = "The mask function's tokenisation key, 32 or 64 characters (their bytes are the key). Use the Google deployment's key (its Secret Manager secret) so tokens match across clouds. It is in Terraform state and in the mask function's layer."
  sensitive   = true

  validation {
    condition     = length(var.token_key) == 32 || length(var.token_key) == 64
    error_message = "token_key must be exactly 32 or 64 characters (DLP accepts only those key sizes)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every AWS resource (app and environment are always set)."
  default     = {}
}
