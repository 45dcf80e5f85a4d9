variable "project_id" {
  type        = string
  description = "Project that hosts the function."
}

variable "region" {
  type        = string
  description = "Region of the function."
}

variable "name" {
  type        = string
  description = "Function name (also the Cloud Run service name and the service account id), already prefixed with the environment."
}

variable "description" {
  type        = string
  description = "What the function does, shown in the console."
}

variable "entry_point" {
  type        = string
  description = "Name the function registers with functions-framework-go (functions.CloudEvent or functions.HTTP) in the Go bundle."
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime id, e.g. go126."
}

variable "source_bucket" {
  type        = string
  description = "Bucket holding the source archive."
}

variable "source_object" {
  type        = string
  description = "Object name of the source archive; named by content hash so a change forces a rebuild."
}

variable "memory" {
  type        = string
  description = "Memory per instance, e.g. 512Mi."
}

variable "cpu" {
  type        = string
  description = "vCPUs per instance; request concurrency above 1 needs at least 1."
}

variable "timeout_seconds" {
  type        = number
  description = "Request timeout in seconds (event-driven functions allow at most 540)."
}

variable "concurrency" {
  type        = number
  description = "Concurrent requests one instance handles."
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm."
}

variable "max_instances" {
  type        = number
  description = "Upper bound on instances; caps cost and downstream load."
}

variable "ingress_settings" {
  type        = string
  description = "ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
}

variable "environment_variables" {
  type        = map(string)
  description = "Runtime environment variables (SLUICE_*)."
}

variable "secret_files" {
  type = list(object({
    mount_path = string
    secret     = string
    version    = string
    file       = string
  }))
  description = "Secret Manager versions mounted as files: secret (id) version at mount_path/file. The module grants its service account secretAccessor on each secret, and the function waits for that grant."
  default     = []
}

variable "labels" {
  type        = map(string)
  description = "Labels on the function."
}
