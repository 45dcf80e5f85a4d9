# The Google side of running sluice on AWS Lambda: a workload identity pool
# with an AWS provider that trusts one AWS account, and for each stage a grant
# that lets that stage's Lambda execution role impersonate the stage's
# service account (roles/iam.workloadIdentityUser on that account only). The
# functions never hold a service-account key: they read the external-account
# credential configuration this module outputs, and the Google client
# libraries exchange the Lambda role's own AWS credentials (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION, which Lambda sets)
# for a Google token through the Security Token Service.
#
# The service accounts and their least-privilege grants are the Google
# deployment's (infra/terraform, `functions` output): a Lambda gets exactly
# what the Cloud Function of its stage has.

locals {
  # What Lambda's STS identity looks like: the assumed-role ARN of the
  # execution role (arn:aws:sts::<account>:assumed-role/<role>/<session>).
  role_arns = {
    for stage, s in var.stages : stage => "arn:${var.aws_partition}:sts::${var.aws_account_id}:assumed-role/${s.aws_role_name}"
  }

  apis = toset(["iam.googleapis.com", "iamcredentials.googleapis.com", "sts.googleapis.com"])
}

resource "google_project_service" "federation" {
  for_each = var.enable_apis ? local.apis : toset([])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

resource "google_iam_workload_identity_pool" "aws" {
  project                   = var.project_id
  workload_identity_pool_id = var.pool_id
  display_name              = substr("sluice AWS ${var.pool_id}", 0, 32)
  description               = "sluice Lambda functions in AWS account ${var.aws_account_id}."

  depends_on = [google_project_service.federation]
}

resource "google_iam_workload_identity_pool_provider" "aws" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.aws.workload_identity_pool_id
  workload_identity_pool_provider_id = var.provider_id
  display_name                       = "AWS ${var.aws_account_id}"
  description                        = "Lambda execution roles of sluice's stages."

  aws {
    account_id = var.aws_account_id
  }

  # Google's default AWS mapping: aws_role is the assumed-role ARN without
  # the session name, so a grant names a role, not one session of it.
  attribute_mapping = {
    "google.subject"        = "assertion.arn"
    "attribute.aws_account" = "assertion.account"
    "attribute.aws_role"    = "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn"
  }

  # Only the stages' roles may exchange credentials at all: any other role
  # of the account is refused by STS, before any IAM grant is consulted.
  attribute_condition = "attribute.aws_role in [${join(", ", [for stage in sort(keys(local.role_arns)) : "'${local.role_arns[stage]}'"])}]"
}

# Each stage's role may impersonate its own stage's service account, and no
# other. principalSet://…/attribute.aws_role/<role ARN> matches every session
# of that role.
resource "google_service_account_iam_member" "lambda" {
  for_each = var.stages

  service_account_id = "projects/${var.project_id}/serviceAccounts/${each.value.service_account_email}"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.aws.name}/attribute.aws_role/${local.role_arns[each.key]}"
}

locals {
  audience = "//iam.googleapis.com/${google_iam_workload_identity_pool_provider.aws.name}"

  # The external-account configuration gcloud iam workload-identity-pools
  # create-cred-config --aws writes. No url or region_url: in Lambda the
  # credentials and region come from the environment, and the libraries use
  # the metadata server only when they are missing.
  credential_configs = {
    for stage, s in var.stages : stage => jsonencode({
      universe_domain                   = "googleapis.com"
      type                              = "external_account"
      audience                          = local.audience
      subject_token_type                = "urn:ietf:params:aws:token-type:aws4_request"
      token_url                         = "https://sts.googleapis.com/v1/token"
      service_account_impersonation_url = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${s.service_account_email}:generateAccessToken"
      credential_source = {
        environment_id                 = "aws1"
        regional_cred_verification_url = "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
      }
    })
  }
}
