output "name" {
  description = "Function name."
  value       = google_cloudfunctions2_function.this.name
}

output "uri" {
  description = "HTTPS URL of the function (its Cloud Run service)."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "service_name" {
  description = "Name of the Cloud Run service behind the function; Eventarc and IAM target it."
  value       = google_cloudfunctions2_function.this.name
}

output "service_account_email" {
  description = "Runtime service account of the function."
  value       = google_service_account.this.email
}

output "service_account_member" {
  description = "IAM member string of the runtime service account."
  value       = "serviceAccount:${google_service_account.this.email}"
}
