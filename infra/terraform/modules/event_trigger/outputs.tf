output "trigger_id" {
  description = "Eventarc trigger id."
  value       = google_eventarc_trigger.this.id
}

output "delivery_subscription" {
  description = "Pub/Sub subscription Eventarc created to deliver events; carries the retry and dead-letter policy."
  value       = local.delivery_subscription
}

output "dead_letter_topic" {
  description = "Topic that receives events after max_delivery_attempts failures."
  value       = local.dead_letter_topic_id
}

output "delivery_policy" {
  description = "Retry and dead-letter policy applied to the delivery subscription: dead_letter_topic, max_delivery_attempts, min_retry_delay, max_retry_delay."
  value       = local.delivery_policy
}

output "event_type" {
  description = "CloudEvent type the trigger matches."
  value       = var.event_type
}

output "dead_letter_subscription" {
  description = "Subscription to inspect (pull) dead-lettered events."
  value       = google_pubsub_subscription.dead_letter_inspect.name
}
