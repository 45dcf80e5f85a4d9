# The function bundle holds only what Cloud Functions builds: go.mod, go.sum,
# the root package and the non-test Go files of functions/, shared/ and
# pipeline/ (with the yaml and SQL it embeds). testdata/bundle-tree is a
# checkout with everything else a workspace may hold (a terraform binary
# staged in .tools/, tests, test data, emulators, the CLI, docs, local state).

mock_provider "google" {}
mock_provider "google-beta" {}
mock_provider "archive" {}
mock_provider "random" {}

# The landing (Cloud Storage) trigger reads google_eventarc_trigger's
# transport[0], an Optional+Computed block the real provider plans as unknown
# and a mock plans as an empty list; override_resource cannot fill a block at
# plan time, so only this module instance is overridden. Its dead-letter
# wiring is the same code as the Pub/Sub triggers' (checked below and in
# modules/event_trigger/tests).
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

variables {
  project_id  = "sluice-test"
  environment = "acmedev"
}

run "bundle_from_a_cluttered_checkout" {
  command = plan

  variables {
    source_dir = "./tests/testdata/bundle-tree"
  }

  assert {
    condition = local.bundle_files == tolist([
      "functions/ingest/ingest.go",
      "go.mod",
      "go.sum",
      "pipeline/embed.go",
      "pipeline/models/a.sql",
      "pipeline/pipeline.yaml",
      "shared/config/config.go",
      "sluice.go",
    ])
    error_message = "bundle files: ${jsonencode(local.bundle_files)}"
  }
  assert {
    condition     = toset([for s in data.archive_file.bundle.source : s.filename]) == toset(local.bundle_files)
    error_message = "the archive is built from exactly that list"
  }
  assert {
    condition     = one([for s in data.archive_file.bundle.source : s.content if s.filename == "go.mod"]) == file("./tests/testdata/bundle-tree/go.mod")
    error_message = "each entry carries the file's content"
  }
}

run "bundle_of_this_repository" {
  command = plan

  assert {
    condition     = contains(local.bundle_files, "sluice.go") && contains(local.bundle_files, "go.mod") && contains(local.bundle_files, "go.sum") && contains(local.bundle_files, "pipeline/pipeline.yaml")
    error_message = "the bundle holds the root package, go.mod, go.sum and pipeline.yaml"
  }
  assert {
    condition = alltrue([for f in local.bundle_files :
      contains(["go.mod", "go.sum"], f) || startswith(f, "pipeline/")
      || (endswith(f, ".go") && !endswith(f, "_test.go") && (length(split("/", f)) == 1 || startswith(f, "functions/") || startswith(f, "shared/")))
    ])
    error_message = "the bundle holds nothing but Go source, go.mod, go.sum and pipeline/"
  }
}
