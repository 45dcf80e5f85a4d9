# token_key_kms_wrapped: the mask function gets the tokenisation key wrapped
# by a KMS key that only the DLP service agent may decrypt with, and no
# secret. Mock providers: no credentials, no network.

mock_provider "google" {}
mock_provider "google-beta" {}
mock_provider "archive" {}
mock_provider "random" {}

# See defaults.tftest.hcl: a mock cannot plan this trigger's transport block.
override_module {
  target = module.landing_trigger["landing"]
  outputs = {
    trigger_id               = "projects/sluice-test/locations/europe-west1/triggers/acmedev-ingest-landing"
    delivery_subscription    = "projects/sluice-test/subscriptions/eventarc-europe-west1-acmedev-ingest-landing-sub-1"
    dead_letter_topic        = "projects/sluice-test/topics/acmedev-ingest-landing-dead-letter"
    dead_letter_subscription = "acmedev-ingest-landing-dead-letter-inspect"
    delivery_policy          = { dead_letter_topic = "projects/sluice-test/topics/acmedev-ingest-landing-dead-letter", max_delivery_attempts = 10, min_retry_delay = "10s", max_retry_delay = "600s" }
    event_type               = "google.cloud.storage.object.v1.finalized"
  }
}

# The service agents' emails are computed; give them the documented shape
# (service-PROJECT_NUMBER@dlp-api.iam.gserviceaccount.com for DLP).
override_resource {
  target          = google_project_service_identity.agents["dlp.googleapis.com"]
  values          = { email = "service-123456789@dlp-api.iam.gserviceaccount.com" }
  override_during = plan
}
override_resource {
  target          = google_project_service_identity.agents["secretmanager.googleapis.com"]
  values          = { email = "service-123456789@gcp-sa-secretmanager.iam.gserviceaccount.com" }
  override_during = plan
}

override_resource {
  target          = google_kms_secret_ciphertext.token_key_dlp
  values          = { ciphertext = "CiQAwrapped-token-key" }
  override_during = plan
}
override_resource {
  target          = google_kms_secret_ciphertext.token_encryption_key_dlp
  values          = { ciphertext = "CiQAwrapped-encryption-key" }
  override_during = plan
}
override_resource {
  target          = google_kms_crypto_key.token_dlp
  values          = { id = "projects/sluice-test/locations/europe-west1/keyRings/acmedev-sluice/cryptoKeys/acmedev-token-dlp" }
  override_during = plan
}

variables {
  project_id  = "sluice-test"
  environment = "acmedev"
}

run "kms_wrapped" {
  command = plan

  variables {
    token_key_kms_wrapped = true
  }

  assert {
    condition     = google_kms_crypto_key.token_dlp[0].purpose == "ENCRYPT_DECRYPT" && google_kms_crypto_key.token_dlp[0].name == "acmedev-token-dlp"
    error_message = "a symmetric key of its own wraps the mask function's key"
  }

  # Only the DLP service agent decrypts with the key: the binding is
  # authoritative for the role, and no other grant names the key.
  assert {
    condition = (google_kms_crypto_key_iam_binding.token_dlp_decrypter[0].role == "roles/cloudkms.cryptoKeyDecrypter" &&
    google_kms_crypto_key_iam_binding.token_dlp_decrypter[0].members == toset(["serviceAccount:service-123456789@dlp-api.iam.gserviceaccount.com"]))
    error_message = "decrypter on token_dlp: ${jsonencode(google_kms_crypto_key_iam_binding.token_dlp_decrypter[0].members)}"
  }

  assert {
    condition = (
      local.mask_token_env.SLUICE_TOKEN_KMS_KEY == "projects/sluice-test/locations/europe-west1/keyRings/acmedev-sluice/cryptoKeys/acmedev-token-dlp" &&
      local.mask_token_env.SLUICE_TOKEN_WRAPPED_KEY == "CiQAwrapped-token-key" &&
      local.mask_token_env.SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY == "CiQAwrapped-encryption-key" &&
      length(local.mask_token_env) == 3 && length(local.mask_secret_files) == 0
    )
    error_message = "mask token environment: ${jsonencode(keys(local.mask_token_env))}"
  }

  # The function holds no plaintext key: no secret mounted, no secretAccessor.
  assert {
    condition     = length([for r in output.function_roles.mask : r if strcontains(r, "secretmanager")]) == 0
    error_message = "mask roles: ${jsonencode(output.function_roles.mask)}"
  }

  assert {
    condition     = output.token_dlp_kms_key == "projects/sluice-test/locations/europe-west1/keyRings/acmedev-sluice/cryptoKeys/acmedev-token-dlp"
    error_message = "token_dlp_kms_key output"
  }
}

run "default_is_the_mounted_secret" {
  command = plan

  assert {
    condition     = length(google_kms_crypto_key.token_dlp) == 0 && length(google_kms_crypto_key_iam_binding.token_dlp_decrypter) == 0 && output.token_dlp_kms_key == null
    error_message = "no token_dlp key unless token_key_kms_wrapped"
  }
  assert {
    condition     = toset(keys(local.mask_token_env)) == toset(["SLUICE_TOKEN_KEY_FILE", "SLUICE_TOKEN_SECRET"]) && local.mask_token_env.SLUICE_TOKEN_KEY_FILE == "/etc/sluice-token/key" && length(local.mask_secret_files) == 1
    error_message = "mask token environment: ${jsonencode(keys(local.mask_token_env))}"
  }
}
