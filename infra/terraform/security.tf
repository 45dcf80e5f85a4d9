# The tokenisation key: 32 random characters (the key is their bytes), wrapped
# by a KMS key for DLP (crypto_hash_config.kms_wrapped) and stored in Secret
# Manager (encrypted with the same KMS key) for the mask function, which gets
# it as a mounted file. Template and function therefore hash with the same
# key. The plaintext is in Terraform state, so the state bucket must be as
# locked down as the key.

resource "google_kms_key_ring" "sluice" {
  project  = var.project_id
  name     = "${local.prefix}-sluice"
  location = var.region

  depends_on = [google_project_service.apis]
}

resource "google_kms_crypto_key" "token_wrap" {
  name            = "${local.prefix}-token-wrap"
  key_ring        = google_kms_key_ring.sluice.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = "7776000s" # 90 days; old versions stay to unwrap old ciphertext
  labels          = local.labels

  lifecycle {
    prevent_destroy = true
  }
}

resource "random_password" "token_key" {
  length  = 32
  special = false
}

resource "google_kms_secret_ciphertext" "token_key" {
  crypto_key = google_kms_crypto_key.token_wrap.id
  plaintext  = random_password.token_key.result
}

# Secret Manager encrypts the secret with the key ring's key (CMEK).
resource "google_kms_crypto_key_iam_member" "secretmanager_agent" {
  crypto_key_id = google_kms_crypto_key.token_wrap.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${google_project_service_identity.agents["secretmanager.googleapis.com"].email}"
}

# DLP unwraps the key in kms_wrapped with its own service agent.
resource "google_kms_crypto_key_iam_member" "dlp_agent" {
  crypto_key_id = google_kms_crypto_key.token_wrap.id
  role          = "roles/cloudkms.cryptoKeyDecrypter"
  member        = "serviceAccount:${google_project_service_identity.agents["dlp.googleapis.com"].email}"
}

resource "google_secret_manager_secret" "token_key" {
  project   = var.project_id
  secret_id = "${local.prefix}-sluice-token-key"
  labels    = local.labels

  replication {
    user_managed {
      replicas {
        location = var.region
        customer_managed_encryption {
          kms_key_name = google_kms_crypto_key.token_wrap.id
        }
      }
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.secretmanager_agent]
}

# Payload: exactly the key bytes, no newline; the mask function reads it from
# SLUICE_TOKEN_KEY_FILE (the mounted secret).
resource "google_secret_manager_secret_version" "token_key" {
  secret      = google_secret_manager_secret.token_key.id
  secret_data = random_password.token_key.result
}

# Optional CMEK for buckets and datasets: the service agents must use the key.
resource "google_kms_crypto_key_iam_member" "cmek_gcs" {
  count = var.kms_key_name == null ? 0 : 1

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_kms_crypto_key_iam_member" "cmek_bigquery" {
  count = var.kms_key_name == null ? 0 : 1

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_bigquery_default_service_account.bq.email}"
}

# DLP de-identify templates, one per masked table that has a DLP rule, built
# from pipeline.yaml's mask policy. keep and drop need no DLP: the mask
# function selects kept columns and never reads dropped ones.
locals {
  mask_tables = {
    for t in try(local.config.mask.tables, []) : t.name => {
      token  = sort([for c, r in t.columns : c if r == "token"])
      last4  = sort([for c, r in t.columns : c if r == "mask_last4"])
      redact = sort([for c, r in t.columns : c if r == "redact_infotypes"])
    }
  }
  dlp_tables = { for name, t in local.mask_tables : name => t if length(t.token) + length(t.last4) + length(t.redact) > 0 }
}

resource "google_data_loss_prevention_deidentify_template" "mask" {
  for_each = local.dlp_tables

  parent       = "projects/${var.project_id}/locations/${var.region}"
  template_id  = "${local.dataset_prefix}_mask_${each.key}"
  display_name = "sluice ${var.environment} mask ${each.key}"
  description  = "De-identification of curated.${each.key} into published.${each.key}, from pipeline.yaml."

  deidentify_config {
    record_transformations {
      dynamic "field_transformations" {
        for_each = length(each.value.token) > 0 ? [each.value.token] : []
        content {
          dynamic "fields" {
            for_each = field_transformations.value
            content {
              name = fields.value
            }
          }
          primitive_transformation {
            crypto_hash_config {
              crypto_key {
                kms_wrapped {
                  wrapped_key     = google_kms_secret_ciphertext.token_key.ciphertext
                  crypto_key_name = google_kms_crypto_key.token_wrap.id
                }
              }
            }
          }
        }
      }

      dynamic "field_transformations" {
        for_each = length(each.value.last4) > 0 ? [each.value.last4] : []
        content {
          dynamic "fields" {
            for_each = field_transformations.value
            content {
              name = fields.value
            }
          }
          primitive_transformation {
            character_mask_config {
              masking_character = "*"
              number_to_mask    = -4 # negative: mask all but the last four
            }
          }
        }
      }

      dynamic "field_transformations" {
        for_each = length(each.value.redact) > 0 ? [each.value.redact] : []
        content {
          dynamic "fields" {
            for_each = field_transformations.value
            content {
              name = fields.value
            }
          }
          info_type_transformations {
            transformations {
              dynamic "info_types" {
                for_each = try(local.config.mask.infotypes, [])
                content {
                  name = info_types.value
                }
              }
              primitive_transformation {
                # An empty block, not a bool, in this nesting (record
                # transformations); the provider schema says so and validate
                # cannot see it because for_each is unknown there.
                replace_with_info_type_config {}
              }
            }
          }
        }
      }
    }
  }

  depends_on = [google_project_service.apis, google_kms_crypto_key_iam_member.dlp_agent]
}

# KMS-wrapped tokenisation key for the mask function (var.token_key_kms_wrapped).
# A key of its own: token_wrap above is also Secret Manager's CMEK key, so its
# agent may decrypt with it; on token_dlp the decrypter role is bound
# authoritatively to the DLP service agent alone
# (service-PROJECT_NUMBER@dlp-api.iam.gserviceaccount.com). The function
# gets only ciphertext; it cannot read the secret either (no mount, so no
# secretAccessor).
resource "google_kms_crypto_key" "token_dlp" {
  count = var.token_key_kms_wrapped ? 1 : 0

  name            = "${local.prefix}-token-dlp"
  key_ring        = google_kms_key_ring.sluice.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = "7776000s" # 90 days; old versions stay to unwrap old ciphertext
  labels          = local.labels

  lifecycle {
    prevent_destroy = true
  }
}

# The same data key as the secret: crypto-hash tokens do not change when the
# variable is switched on.
resource "google_kms_secret_ciphertext" "token_key_dlp" {
  count = var.token_key_kms_wrapped ? 1 : 0

  crypto_key = google_kms_crypto_key.token_dlp[0].id
  plaintext  = random_password.token_key.result
}

# The AES-SIV key of token: {method: encrypt}. The unwrapped option derives
# it from the tokenisation key with HMAC-SHA-256, which Terraform cannot
# compute, so it is a key of its own (and encrypted tokens differ between
# the two options).
resource "random_password" "token_encryption_key" {
  count = var.token_key_kms_wrapped ? 1 : 0

  length  = 32
  special = false
}

resource "google_kms_secret_ciphertext" "token_encryption_key_dlp" {
  count = var.token_key_kms_wrapped ? 1 : 0

  crypto_key = google_kms_crypto_key.token_dlp[0].id
  plaintext  = random_password.token_encryption_key[0].result
}

# Authoritative for the role on this key: only the DLP service agent.
resource "google_kms_crypto_key_iam_binding" "token_dlp_decrypter" {
  count = var.token_key_kms_wrapped ? 1 : 0

  crypto_key_id = google_kms_crypto_key.token_dlp[0].id
  role          = "roles/cloudkms.cryptoKeyDecrypter"
  members       = ["serviceAccount:${google_project_service_identity.agents["dlp.googleapis.com"].email}"]
}
