# Buckets: landing (files to ingest), archive (originals, the source of truth),
# export (files for the outside) and the function source bucket. None can be
# public: uniform bucket-level access and public access prevention everywhere.

locals {
  bucket_lifecycle = {
    landing = [
      # Staging cleanup: a landed file is copied to the archive on ingest.
      { action = "Delete", storage_class = null, age = var.landing_retention_days, matches = [] },
      { action = "AbortIncompleteMultipartUpload", storage_class = null, age = 1, matches = [] },
    ]
    archive = [
      { action = "SetStorageClass", storage_class = "NEARLINE", age = var.archive_nearline_days, matches = ["STANDARD"] },
      { action = "SetStorageClass", storage_class = "COLDLINE", age = var.archive_coldline_days, matches = ["NEARLINE"] },
      { action = "SetStorageClass", storage_class = "ARCHIVE", age = var.archive_archive_days, matches = ["COLDLINE"] },
    ]
    export = [
      { action = "Delete", storage_class = null, age = var.export_retention_days, matches = [] },
    ]
    source = [
      { action = "Delete", storage_class = null, age = var.function_source_retention_days, matches = [] },
    ]
  }
}

resource "google_storage_bucket" "pipeline" {
  for_each = local.buckets

  project  = var.project_id
  name     = each.value
  location = var.region
  labels   = merge(local.labels, { purpose = each.key })

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Destroying a bucket that still holds data needs a deliberate change.
  force_destroy = !var.deletion_protection

  versioning {
    # Archived originals are the source of truth: keep overwritten generations.
    enabled = each.key == "archive"
  }

  dynamic "lifecycle_rule" {
    for_each = local.bucket_lifecycle[each.key]
    content {
      action {
        type          = lifecycle_rule.value.action
        storage_class = lifecycle_rule.value.storage_class
      }
      condition {
        age                   = lifecycle_rule.value.age
        matches_storage_class = lifecycle_rule.value.matches
      }
    }
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_project_service.apis, google_kms_crypto_key_iam_member.cmek_gcs]
}

# The function bundle holds only what Cloud Functions needs to build it:
# go.mod, go.sum, the root package and the non-test Go files of the packages
# it imports (functions/, shared/, pipeline/ with the pipeline.yaml and SQL
# it embeds). It is built from that list, not from the repository minus
# excludes, so whatever else sits in the checkout (a terraform binary staged
# by Cloud Build, emulators, local data) never reaches it and never changes
# its hash. The object is named by the archive's hash, so a code or config
# change forces a redeploy and an unchanged tree does not.
locals {
  bundle_files = sort(concat(
    ["go.mod", "go.sum"],
    [for f in fileset(local.source_dir, "*.go") : f if !endswith(f, "_test.go")],
    [
      for f in fileset(local.source_dir, "{functions,shared}/**/*.go") : f
      if !endswith(f, "_test.go") && !strcontains(f, "/testdata/")
    ],
    [
      for f in fileset(local.source_dir, "pipeline/**") : f
      if !endswith(f, "_test.go") && !strcontains(f, "/testdata/")
    ],
  ))
}

data "archive_file" "bundle" {
  type        = "zip"
  output_path = "${path.module}/.build/sluice-bundle.zip"

  dynamic "source" {
    for_each = local.bundle_files
    content {
      filename = source.value
      content  = file("${local.source_dir}/${source.value}")
    }
  }
}

resource "google_storage_bucket_object" "bundle" {
  bucket = google_storage_bucket.pipeline["source"].name
  name   = "sluice-${data.archive_file.bundle.output_md5}.zip"
  source = data.archive_file.bundle.output_path
}
