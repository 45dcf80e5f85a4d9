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

output "service_account_id" {
  description = "Account id of the runtime service account (the function name): one account per function."
  value       = google_service_account.this.account_id
}

output "service_settings" {
  description = "What the function runs with: available_cpu, available_memory, max_instance_request_concurrency, min/max_instance_count, timeout_seconds, ingress_settings."
  value = {
    available_cpu                    = google_cloudfunctions2_function.this.service_config[0].available_cpu
    available_memory                 = google_cloudfunctions2_function.this.service_config[0].available_memory
    max_instance_request_concurrency = google_cloudfunctions2_function.this.service_config[0].max_instance_request_concurrency
    min_instance_count               = google_cloudfunctions2_function.this.service_config[0].min_instance_count
    max_instance_count               = google_cloudfunctions2_function.this.service_config[0].max_instance_count
    timeout_seconds                  = google_cloudfunctions2_function.this.service_config[0].timeout_seconds
    ingress_settings                 = google_cloudfunctions2_function.this.service_config[0].ingress_settings
  }
}

output "secret_access" {
  description = "Grants the module makes to its own service account: \"<role> on secret <id>\", one per mounted secret."
  value       = [for k, g in google_secret_manager_secret_iam_member.mounted : "${g.role} on secret ${g.secret_id}"]
}
