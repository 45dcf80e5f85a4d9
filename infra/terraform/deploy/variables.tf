# The inputs a deployment usually sets; the module (../variables.tf) has more,
# with defaults. To set another one, add it here and pass it to module.sluice.

variable "project_id" {
  type        = string
  description = "Google Cloud project id that hosts the pipeline."
}

variable "region" {
  type        = string
  description = "Region for everything the pipeline creates."
  default     = "europe-west1"
}

variable "environment" {
  type        = string
  description = "Name prefix (2-16 lower-case letters and digits). Bucket names are global: pick one nobody else uses, such as \"acmedev\", never \"dev\"."
}

variable "analyst_group" {
  type        = string
  description = "Google group (email) that reads the published dataset only. Empty grants nothing."
  default     = ""
}

variable "data_engineer_group" {
  type        = string
  description = "Google group (email) that reads raw, curated, published and ops. Empty grants nothing."
  default     = ""
}

variable "kms_key_name" {
  type        = string
  description = "Optional customer-managed key (projects/.../cryptoKeys/...) for the buckets and datasets, in var.region. Null uses Google-managed encryption."
  default     = null
}

variable "notification_channels" {
  type        = list(string)
  description = "Monitoring notification channel ids that receive every alert."
  default     = []
}

variable "deletion_protection" {
  type        = bool
  description = "Protect BigQuery tables and bucket contents from terraform destroy. Keep true outside throwaway environments."
  default     = true
}

variable "function_settings" {
  type        = any
  description = "Per-function overrides passed to the module's function_settings (same shape, see ../README.md); {} keeps the defaults."
  default     = {}
}
