variable "project_id" {
  type        = string
  description = "Project that hosts the trigger."
}

variable "region" {
  type        = string
  description = "Trigger location; for Cloud Storage events it must be the bucket's location."
}

variable "name" {
  type        = string
  description = "Trigger name, already prefixed with the environment; also names the dead-letter topic and its subscription."
}

variable "event_type" {
  type        = string
  description = "CloudEvent type to match: google.cloud.pubsub.topic.v1.messagePublished or google.cloud.storage.object.v1.finalized."

  validation {
    condition     = contains(["google.cloud.pubsub.topic.v1.messagePublished", "google.cloud.storage.object.v1.finalized"], var.event_type)
    error_message = "event_type must be messagePublished (Pub/Sub) or object finalized (Cloud Storage)."
  }
}

variable "pubsub_topic" {
  type        = string
  description = "Topic id (projects/.../topics/...) to listen on, for messagePublished triggers; null otherwise."
  default     = null
}

variable "bucket" {
  type        = string
  description = "Bucket name to listen on, for object finalized triggers; null otherwise."
  default     = null
}

variable "destination_service" {
  type        = string
  description = "Cloud Run service (the 2nd-gen function) that receives the events."
}

variable "service_account_email" {
  type        = string
  description = "Identity Eventarc uses to invoke the destination; needs run.invoker on it and eventarc.eventReceiver."
}

variable "pubsub_service_agent" {
  type        = string
  description = "Email of the project's Pub/Sub service agent, which moves failed events to the dead-letter topic."
}

variable "max_delivery_attempts" {
  type        = number
  description = "Delivery attempts before an event is dead-lettered (5-100)."

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub dead-letter limits)."
  }
}

variable "min_retry_delay" {
  type        = string
  description = "Minimum exponential backoff between attempts, e.g. 10s."
}

variable "max_retry_delay" {
  type        = string
  description = "Maximum exponential backoff between attempts, e.g. 600s."
}

variable "dead_letter_retention" {
  type        = string
  description = "How long dead-lettered events stay in the inspection subscription."
}

variable "labels" {
  type        = map(string)
  description = "Labels on the trigger, topic and subscription."
}
