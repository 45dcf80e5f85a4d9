# The AWS federation module alone, with a mock provider. The pool's and the
# provider's names are computed (they hold the project number), so the runs
# apply with those two resources overridden and follow the names into the
# grants and the credential configurations.

mock_provider "google" {
  override_resource {
    target = google_iam_workload_identity_pool.aws
    values = { name = "projects/123456789012/locations/global/workloadIdentityPools/acmedev-aws" }
  }
  override_resource {
    target = google_iam_workload_identity_pool_provider.aws
    values = { name = "projects/123456789012/locations/global/workloadIdentityPools/acmedev-aws/providers/aws-lambda" }
  }
}

variables {
  project_id     = "sluice-test"
  pool_id        = "acmedev-aws"
  aws_account_id = "111122223333"
  stages = {
    ingest    = { service_account_email = "acmedev-ingest@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice-ingest" }
    transform = { service_account_email = "acmedev-transform@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice-transform" }
    mask      = { service_account_email = "acmedev-mask@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice-mask" }
    export    = { service_account_email = "acmedev-export@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice-export" }
  }
}

run "each_role_impersonates_its_own_stage_only" {
  assert {
    condition     = length(google_service_account_iam_member.lambda) == 4
    error_message = "one grant per stage"
  }
  assert {
    condition = alltrue([for stage, g in google_service_account_iam_member.lambda :
      g.role == "roles/iam.workloadIdentityUser" &&
      g.service_account_id == "projects/sluice-test/serviceAccounts/acmedev-${stage}@sluice-test.iam.gserviceaccount.com" &&
      g.member == "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acmedev-aws/attribute.aws_role/arn:aws:sts::111122223333:assumed-role/acmedev-sluice-${stage}"
    ])
    error_message = "each stage's role gets workloadIdentityUser on its own stage's service account: ${jsonencode({ for k, g in google_service_account_iam_member.lambda : k => [g.service_account_id, g.role, g.member] })}"
  }
}

run "the_provider_trusts_one_account_and_the_stage_roles" {
  assert {
    condition     = google_iam_workload_identity_pool_provider.aws.aws[0].account_id == "111122223333"
    error_message = "the provider trusts the configured AWS account"
  }
  assert {
    condition     = google_iam_workload_identity_pool_provider.aws.attribute_condition == "attribute.aws_role in ['arn:aws:sts::111122223333:assumed-role/acmedev-sluice-export', 'arn:aws:sts::111122223333:assumed-role/acmedev-sluice-ingest', 'arn:aws:sts::111122223333:assumed-role/acmedev-sluice-mask', 'arn:aws:sts::111122223333:assumed-role/acmedev-sluice-transform']"
    error_message = "only the four stage roles may exchange credentials; got ${google_iam_workload_identity_pool_provider.aws.attribute_condition}"
  }
  assert {
    condition     = google_iam_workload_identity_pool_provider.aws.attribute_mapping["google.subject"] == "assertion.arn" && strcontains(google_iam_workload_identity_pool_provider.aws.attribute_mapping["attribute.aws_role"], "assumed-role/{role_name}/")
    error_message = "aws_role maps the assumed-role ARN without its session"
  }
  assert {
    condition     = output.role_arns.mask == "arn:aws:sts::111122223333:assumed-role/acmedev-sluice-mask"
    error_message = "role_arns output"
  }
}

run "credential_config_is_an_aws_external_account" {
  assert {
    condition = alltrue([for stage, c in output.credential_configs :
      jsondecode(c).type == "external_account" &&
      jsondecode(c).audience == "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acmedev-aws/providers/aws-lambda" &&
      jsondecode(c).subject_token_type == "urn:ietf:params:aws:token-type:aws4_request" &&
      jsondecode(c).token_url == "https://sts.googleapis.com/v1/token" &&
      jsondecode(c).service_account_impersonation_url == "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/acmedev-${stage}@sluice-test.iam.gserviceaccount.com:generateAccessToken" &&
      jsondecode(c).credential_source.environment_id == "aws1" &&
      strcontains(jsondecode(c).credential_source.regional_cred_verification_url, "sts.{region}.amazonaws.com")
    ])
    error_message = "each stage's configuration exchanges AWS credentials and impersonates its own stage's account: ${jsonencode(output.credential_configs)}"
  }
  assert {
    condition     = alltrue([for c in values(output.credential_configs) : !strcontains(c, "private_key")])
    error_message = "no key in a credential configuration"
  }
  assert {
    condition     = output.environment.ingest.GOOGLE_APPLICATION_CREDENTIALS == "/opt/sluice/google-credentials.json"
    error_message = "the functions read the configuration from the layer path"
  }
}

run "federation_apis" {
  assert {
    condition     = toset([for s in google_project_service.federation : s.service]) == toset(["iam.googleapis.com", "iamcredentials.googleapis.com", "sts.googleapis.com"])
    error_message = "STS and IAM Credentials must be enabled for the exchange and the impersonation"
  }
}

run "a_subset_of_stages" {
  variables {
    stages = {
      ingest = { service_account_email = "acmedev-ingest@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice-ingest" }
    }
  }
  assert {
    condition     = keys(google_service_account_iam_member.lambda) == ["ingest"] && google_iam_workload_identity_pool_provider.aws.attribute_condition == "attribute.aws_role in ['arn:aws:sts::111122223333:assumed-role/acmedev-sluice-ingest']"
    error_message = "only the listed stages are trusted and granted"
  }
}

run "refuses_a_shared_role" {
  command = plan
  variables {
    stages = {
      ingest = { service_account_email = "acmedev-ingest@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice" }
      mask   = { service_account_email = "acmedev-mask@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice" }
    }
  }
  expect_failures = [var.stages]
}

run "refuses_an_unknown_stage" {
  command = plan
  variables {
    stages = {
      reingest = { service_account_email = "acmedev-ingest@sluice-test.iam.gserviceaccount.com", aws_role_name = "acmedev-sluice-reingest" }
    }
  }
  expect_failures = [var.stages]
}

run "refuses_a_role_arn_for_a_name" {
  command = plan
  variables {
    stages = {
      ingest = { service_account_email = "acmedev-ingest@sluice-test.iam.gserviceaccount.com", aws_role_name = "arn:aws:iam::111122223333:role/acmedev-sluice-ingest" }
    }
  }
  expect_failures = [var.stages]
}

run "refuses_a_bad_account" {
  command = plan
  variables {
    aws_account_id = "11112222333"
  }
  expect_failures = [var.aws_account_id]
}
