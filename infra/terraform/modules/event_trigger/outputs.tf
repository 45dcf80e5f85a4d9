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
  value       = google_pubsub_topic.dead_letter.id
}

output "dead_letter_subscription" {
  description = "Subscription to inspect (pull) dead-lettered events."
  value       = google_pubsub_subscription.dead_letter_inspect.name
}
