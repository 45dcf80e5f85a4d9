output "pool_name" {
  description = "Full resource name of the workload identity pool (projects/<number>/locations/global/workloadIdentityPools/<id>)."
  value       = google_iam_workload_identity_pool.aws.name
}

output "provider_name" {
  description = "Full resource name of the AWS provider in the pool."
  value       = google_iam_workload_identity_pool_provider.aws.name
}

output "audience" {
  description = "Audience of the credential configurations: //iam.googleapis.com/<provider_name>."
  value       = local.audience
}

output "role_arns" {
  description = "Per stage, the assumed-role ARN (without session) the pool maps to attribute.aws_role."
  value       = local.role_arns
}

output "principals" {
  description = "Per stage, the IAM member granted roles/iam.workloadIdentityUser on the stage's service account."
  value       = { for stage, m in google_service_account_iam_member.lambda : stage => m.member }
}

output "credential_configs" {
  description = "Per stage, the external-account credential configuration (JSON) the function reads from GOOGLE_APPLICATION_CREDENTIALS. It holds no secret."
  value       = local.credential_configs
}

output "environment" {
  description = "Per stage, the environment variable that points the Google client libraries at the configuration."
  value       = { for stage, _ in var.stages : stage => { GOOGLE_APPLICATION_CREDENTIALS = var.credentials_file } }
}
