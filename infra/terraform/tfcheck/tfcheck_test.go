package tfcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-data/sluice/shared/config"
	"github.com/zclconf/go-cty/cty"
)

// repoRoot is the module root, three levels above this package.
var repoRoot = filepath.Join("..", "..", "..")

func loadPipeline(t *testing.T) (*config.Pipeline, cty.Value) {
	t.Helper()
	p, err := config.Load(os.DirFS(filepath.Join(repoRoot, "pipeline")))
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "pipeline", config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	v, err := ConfigValue(b)
	if err != nil {
		t.Fatalf("ConfigValue: %v", err)
	}
	return p, v
}

func realTree(t *testing.T) *Tree {
	t.Helper()
	tree, err := LoadTree(filepath.Join(repoRoot, "infra", "terraform"))
	if err != nil {
		t.Fatalf("LoadTree: %v", err)
	}
	if n := len(tree.Root().Blocks); n < 20 {
		t.Fatalf("root module has %d blocks; the tree did not load", n)
	}
	return tree
}

func parse(t *testing.T, files map[string]string) *Tree {
	t.Helper()
	bs := map[string][]byte{}
	for n, s := range files {
		bs[n] = []byte(s)
	}
	tree, err := ParseFiles(bs)
	if err != nil {
		t.Fatalf("ParseFiles: %v", err)
	}
	return tree
}

func report(t *testing.T, fs []Finding) {
	t.Helper()
	for _, f := range fs {
		t.Error(f)
	}
}

// wantFinding asserts that fs has a finding whose text contains want.
func wantFinding(t *testing.T, fs []Finding, want string) {
	t.Helper()
	for _, f := range fs {
		if strings.Contains(f.String(), want) {
			return
		}
	}
	t.Errorf("no finding contains %q; got %d findings:", want, len(fs))
	for _, f := range fs {
		t.Logf("  %s", f)
	}
}

// ---- the real tree must pass ------------------------------------------------

func TestRealTreePasses(t *testing.T) {
	tree := realTree(t)
	p, cfg := loadPipeline(t)
	t.Run("buckets", func(t *testing.T) { report(t, CheckBuckets(tree)) })
	t.Run("variables", func(t *testing.T) { report(t, CheckVariables(tree)) })
	t.Run("iam", func(t *testing.T) { report(t, CheckIAM(tree)) })
	t.Run("token kms decrypters", func(t *testing.T) { report(t, CheckTokenDecrypters(tree)) })
	t.Run("sources", func(t *testing.T) { report(t, CheckSources(tree, p, cfg)) })
	t.Run("entry points declared", func(t *testing.T) {
		eps, fs := TerraformEntryPoints(tree)
		report(t, fs)
		for _, want := range []string{"Ingest", "Transform", "Mask", "Export"} {
			if len(eps[want]) != 1 {
				t.Errorf("entry point %s deployed %d times, want 1", want, len(eps[want]))
			}
		}
	})
}

// The bundle's registrations are read from functions/*/*.go; until the lead's
// function packages land there is nothing to compare with.
func TestRealTreeMatchesBundle(t *testing.T) {
	bundle, goFiles, err := BundleEntryPoints(repoRoot)
	if err != nil {
		t.Fatalf("BundleEntryPoints: %v", err)
	}
	if goFiles == 0 {
		t.Skip("functions/ has no Go files yet: nothing registers an entry point to compare with Terraform")
	}
	if len(bundle) == 0 {
		t.Fatalf("functions/ has %d Go files but none registers with functions.CloudEvent/functions.HTTP", goFiles)
	}
	report(t, CheckEntryPoints(realTree(t), bundle))
}

func TestRealCloudBuild(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "cloudbuild.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	report(t, CheckCloudBuild(b, repoRoot))
}

// ---- seeded mistakes must be caught ------------------------------------------

func TestBucketsCatch(t *testing.T) {
	tests := []struct {
		name, tf, want string
	}{
		{"no public access prevention", `resource "google_storage_bucket" "b" {
  name = "x"
  uniform_bucket_level_access = true
}`, "public_access_prevention"},
		{"public access inherited", `resource "google_storage_bucket" "b" {
  public_access_prevention    = "inherited"
  uniform_bucket_level_access = true
}`, "public_access_prevention"},
		{"fine-grained ACLs", `resource "google_storage_bucket" "b" {
  public_access_prevention    = "enforced"
  uniform_bucket_level_access = false
}`, "uniform_bucket_level_access"},
		{"in a module, from a variable", `resource "google_storage_bucket" "b" {
  public_access_prevention    = var.pap
  uniform_bucket_level_access = true
}`, "public_access_prevention"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckBuckets(parse(t, map[string]string{"modules/x/main.tf": tt.tf})), tt.want)
		})
	}
	t.Run("a good bucket passes", func(t *testing.T) {
		report(t, CheckBuckets(parse(t, map[string]string{"main.tf": `resource "google_storage_bucket" "b" {
  public_access_prevention    = "enforced"
  uniform_bucket_level_access = true
}`})))
	})
}

func TestTokenDecryptersCatch(t *testing.T) {
	const key = `resource "google_kms_crypto_key" "token_dlp" {
  name     = "k"
  key_ring = "r"
}
`
	const good = `resource "google_kms_crypto_key_iam_binding" "d" {
  crypto_key_id = google_kms_crypto_key.token_dlp[0].id
  role          = "roles/cloudkms.cryptoKeyDecrypter"
  members       = ["serviceAccount:${google_project_service_identity.agents["dlp.googleapis.com"].email}"]
}
`
	tests := []struct{ name, tf, want string }{
		{"no binding", key, "0 decrypter bindings"},
		{"a member grant besides", key + good + `resource "google_kms_crypto_key_iam_member" "m" {
  crypto_key_id = google_kms_crypto_key.token_dlp[0].id
  role          = "roles/cloudkms.cryptoKeyDecrypter"
  member        = "serviceAccount:fn@p.iam.gserviceaccount.com"
}`, "must be one google_kms_crypto_key_iam_binding"},
		{"encrypterDecrypter", key + strings.Replace(good, "cryptoKeyDecrypter", "cryptoKeyEncrypterDecrypter", 1), "literal roles/cloudkms.cryptoKeyDecrypter"},
		{"another agent", key + strings.Replace(good, "dlp.googleapis.com", "secretmanager.googleapis.com", 1), "members must be exactly"},
		{"two members", key + strings.Replace(good, `.email}"]`, `.email}", "user:a@example.com"]`, 1), "members must be exactly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckTokenDecrypters(parse(t, map[string]string{"security.tf": tt.tf})), tt.want)
		})
	}
	t.Run("the DLP agent alone passes", func(t *testing.T) {
		report(t, CheckTokenDecrypters(parse(t, map[string]string{"security.tf": key + good})))
	})
}

func TestIAMCatches(t *testing.T) {
	tests := []struct {
		name, tf, want string
	}{
		{"viewer binding", `resource "google_project_iam_member" "m" {
  project = "p"
  role    = "roles/viewer"
  member  = "group:a@example.com"
}`, "roles/viewer"},
		{"owner on a bucket", `resource "google_storage_bucket_iam_binding" "b" {
  bucket  = "b"
  role    = "roles/owner"
  members = ["user:a@example.com"]
}`, "roles/owner"},
		{"editor through a local and for_each", `locals {
  roles = ["roles/bigquery.jobUser", "roles/editor"]
}
resource "google_project_iam_member" "m" {
  for_each = toset(local.roles)
  role     = each.value
  member   = "serviceAccount:x@p.iam.gserviceaccount.com"
}`, "roles/editor"},
		{"allUsers on a bucket", `resource "google_storage_bucket_iam_member" "b" {
  bucket = "b"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}`, "public principal allUsers"},
		{"allAuthenticatedUsers through a local", `locals {
  readers = ["group:a@example.com", "allAuthenticatedUsers"]
}`, "public principal allAuthenticatedUsers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckIAM(parse(t, map[string]string{"main.tf": tt.tf})), tt.want)
		})
	}
	t.Run("predefined roles pass", func(t *testing.T) {
		report(t, CheckIAM(parse(t, map[string]string{"main.tf": `resource "google_project_iam_member" "m" {
  role   = "roles/bigquery.dataViewer"
  member = "group:a@example.com"
}`})))
	})
}

func TestVariablesCatch(t *testing.T) {
	tests := []struct {
		name, tf, want string
	}{
		{"untyped", `variable "x" {
  description = "An x."
}`, "has no type"},
		{"undescribed", `variable "x" {
  type = string
}`, "has no description"},
		{"empty description", `variable "x" {
  type        = string
  description = " "
}`, "has no description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckVariables(parse(t, map[string]string{"modules/m/variables.tf": tt.tf})), tt.want)
		})
	}
}

const functionModule = `resource "google_cloudfunctions2_function" "this" {
  name = var.name
  build_config {
    runtime     = "go126"
    entry_point = var.entry_point
  }
}
`

func TestEntryPointsCatch(t *testing.T) {
	bundle := []string{"Export", "Ingest", "Mask", "Transform"}
	call := func(name, ep string) string {
		return `module "` + name + `" {
  source      = "./modules/function"
  name        = "` + name + `"
  entry_point = "` + ep + `"
}
`
	}
	all := call("ingest", "Ingest") + call("transform", "Transform") + call("mask", "Mask") + call("export", "Export")
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing entry point", map[string]string{
			"modules/function/main.tf": functionModule,
			"functions.tf":             call("ingest", "Ingest") + call("transform", "Transform") + call("mask", "Mask"),
		}, `Export: registered by the Go bundle but no google_cloudfunctions2_function deploys it`},
		{"misspelt entry point", map[string]string{
			"modules/function/main.tf": functionModule,
			"functions.tf":             call("ingest", "ingest") + call("transform", "Transform") + call("mask", "Mask") + call("export", "Export"),
		}, `deploys entry point "ingest", which the Go bundle does not register`},
		{"entry point from a non-constant", map[string]string{
			"modules/function/main.tf": functionModule,
			"functions.tf": all + `module "extra" {
  source      = "./modules/function"
  entry_point = local.ep
}
`,
		}, "must be a constant entry point name"},
		{"direct resource with unknown entry point", map[string]string{
			"functions.tf": `resource "google_cloudfunctions2_function" "f" {
  build_config {
    entry_point = "Reingest"
  }
}
` + all,
			"modules/function/main.tf": functionModule,
		}, `deploys entry point "Reingest"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckEntryPoints(parse(t, tt.files), bundle), tt.want)
		})
	}
	t.Run("all four deployed passes", func(t *testing.T) {
		report(t, CheckEntryPoints(parse(t, map[string]string{"modules/function/main.tf": functionModule, "functions.tf": all}), bundle))
	})
}

// A small but complete per-source layout, the shape of the real tree; each
// seeded mistake below edits one piece of it.
const srcLocals = `locals {
  config         = yamldecode(file(var.pipeline_file))
  sources        = { for s in local.config.sources : s.name => s }
  pubsub_sources = { for n, s in local.sources : n => s if try(s.trigger.pubsub_topic, "") != "" }
  gcs_sources    = { for n, s in local.sources : n => s if try(s.trigger.gcs_prefix, "") != "" }
  landing        = length(local.gcs_sources) > 0 ? { landing = keys(local.gcs_sources) } : {}
}
variable "pipeline_file" {
  type        = string
  description = "yaml"
}
`

const srcTopic = `resource "google_pubsub_topic" "source" {
  for_each = local.pubsub_sources
  name     = each.value.trigger.pubsub_topic
}
`

const srcTriggers = `module "source_trigger" {
  source       = "./modules/event_trigger"
  for_each     = local.pubsub_sources
  event_type   = "google.cloud.pubsub.topic.v1.messagePublished"
  pubsub_topic = google_pubsub_topic.source[each.key].id
}
module "landing_trigger" {
  source     = "./modules/event_trigger"
  for_each   = local.landing
  event_type = "google.cloud.storage.object.v1.finalized"
  bucket     = google_storage_bucket.pipeline["landing"].name
}
`

const triggerModule = `resource "google_eventarc_trigger" "this" {
  matching_criteria {
    attribute = "type"
    value     = var.event_type
  }
}
resource "google_pubsub_topic" "dead_letter" {
  name = "dl"
}
resource "google_pubsub_subscription" "inspect" {
  topic = google_pubsub_topic.dead_letter.id
}
resource "terraform_data" "policy" {
  provisioner "local-exec" {
    command = "gcloud pubsub subscriptions update ${google_eventarc_trigger.this.id} --dead-letter-topic ${google_pubsub_topic.dead_letter.id} --min-retry-delay 10s"
  }
}
`

// policyModule is triggerModule in the shape modules/event_trigger has: the
// flags come from a local object whose keys become gcloud flags.
const policyModule = `resource "google_eventarc_trigger" "this" {
  matching_criteria {
    attribute = "type"
    value     = var.event_type
  }
}
resource "google_pubsub_topic" "dead_letter" {
  name = "dl"
}
resource "google_pubsub_subscription" "inspect" {
  topic = google_pubsub_topic.dead_letter.id
}
locals {
  dead_letter_topic_id = "projects/p/topics/${google_pubsub_topic.dead_letter.name}"
  delivery_policy = {
    dead_letter_topic = local.dead_letter_topic_id
    min_retry_delay   = "10s"
  }
}
resource "terraform_data" "policy" {
  provisioner "local-exec" {
    command = join(" ", concat(["gcloud pubsub subscriptions update x"], flatten([for k, v in local.delivery_policy : ["--${k}", v]])))
  }
}
`

func TestSourcesCatch(t *testing.T) {
	p, cfg := loadPipeline(t)
	if _, ok := p.Source("events"); !ok {
		t.Fatal("the seeded tests expect the example source events (Pub/Sub)")
	}
	if _, ok := p.Source("orders"); !ok {
		t.Fatal("the seeded tests expect the example source orders (files)")
	}
	base := map[string]string{
		"main.tf":                       srcLocals,
		"topics.tf":                     srcTopic,
		"triggers.tf":                   srcTriggers,
		"modules/event_trigger/main.tf": triggerModule,
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	t.Run("the complete layout passes", func(t *testing.T) {
		report(t, CheckSources(parse(t, base), p, cfg))
	})
	t.Run("the policy-local layout passes", func(t *testing.T) {
		report(t, CheckSources(parse(t, with("modules/event_trigger/main.tf", policyModule)), p, cfg))
	})
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no topic for a Pub/Sub source", with("topics.tf", ""), `source events: no google_pubsub_topic for_each has the key "events"`},
		{"topic for_each filters the wrong sources", with("topics.tf", strings.Replace(srcTopic, "local.pubsub_sources", "local.gcs_sources", 1)),
			`no google_pubsub_topic for_each has the key "events"`},
		{"no trigger for a Pub/Sub source", with("triggers.tf", srcTriggers[strings.Index(srcTriggers, `module "landing_trigger"`):]),
			"source events: no Eventarc trigger"},
		{"trigger with the wrong event type", with("triggers.tf", strings.Replace(srcTriggers, `"google.cloud.pubsub.topic.v1.messagePublished"`, `"google.cloud.pubsub.topic.v1.published"`, 1)),
			"source events: no Eventarc trigger"},
		{"no storage trigger for a file source", with("triggers.tf", srcTriggers[:strings.Index(srcTriggers, `module "landing_trigger"`)]),
			`source orders: prefix "orders/": no instance of an Eventarc trigger`},
		{"storage trigger never instantiated", with("main.tf", strings.Replace(srcLocals, "length(local.gcs_sources) > 0", "length(local.gcs_sources) > 5", 1)),
			`source orders: prefix "orders/": no instance`},
		{"no dead-letter topic", with("modules/event_trigger/main.tf", triggerModule[:strings.Index(triggerModule, `resource "google_pubsub_topic"`)]),
			"no dead-letter topic next to the trigger"},
		{"dead-letter topic never wired", with("modules/event_trigger/main.tf", triggerModule[:strings.Index(triggerModule, `resource "terraform_data"`)]),
			"is never set as the dead-letter topic"},
		{"dead-letter topic without inspection subscription", with("modules/event_trigger/main.tf", strings.Replace(triggerModule, "topic = google_pubsub_topic.dead_letter.id", `topic = "elsewhere"`, 1)),
			"has no subscription to inspect it"},
		{"no retry policy", with("modules/event_trigger/main.tf", strings.Replace(triggerModule, " --min-retry-delay 10s", "", 1)),
			"has no retry policy"},
		{"policy local without a dead-letter topic", with("modules/event_trigger/main.tf", strings.Replace(policyModule, "dead_letter_topic = local.dead_letter_topic_id", `dead_letter_topic = "elsewhere"`, 1)),
			"is never set as the dead-letter topic"},
		{"policy local without a retry delay", with("modules/event_trigger/main.tf", strings.Replace(policyModule, `min_retry_delay   = "10s"`, "", 1)),
			"has no retry policy"},
		{"terraform does not read pipeline.yaml", with("main.tf", strings.Replace(srcLocals, "yamldecode(file(var.pipeline_file))", "{ sources = [] }", 1)),
			"no local reads pipeline.yaml with yamldecode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckSources(parse(t, tt.files), p, cfg), tt.want)
		})
	}
}

func TestBundleEntryPointsParsesRegistrations(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("functions/ingest/ingest.go", `package ingest
import "github.com/GoogleCloudPlatform/functions-framework-go/functions"
func init() { functions.CloudEvent("Ingest", handle) }
`)
	write("functions/transform/transform.go", `package transform
import ff "github.com/GoogleCloudPlatform/functions-framework-go/functions"
func init() { ff.HTTP(EntryPoint, handle) }
`)
	write("functions/mask/mask.go", `package mask
import "github.com/sluice-data/sluice/shared/cloudfn"
const EntryPoint = "Mask"
func init() { cloudfn.Register(EntryPoint, handle) }
`)
	write("functions/transform/names.go", `package transform
const EntryPoint = "Transform"
`)
	write("functions/export/export.go", `package export
import "github.com/sluice-data/sluice/shared/logging"
func init() { logging.Register("NotAnEntryPoint", nil) }
`)
	write("functions/transform/transform_test.go", `package transform
import "github.com/GoogleCloudPlatform/functions-framework-go/functions"
func init() { functions.HTTP("TestOnly", nil) }
`)
	got, n, err := BundleEntryPoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 || strings.Join(got, ",") != "Ingest,Mask,Transform" {
		t.Errorf("BundleEntryPoints = %v from %d files, want [Ingest Mask Transform] from 5", got, n)
	}
}

func TestCloudBuildCatches(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "infra", "terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	const subs = "substitutions:\n  _ENVIRONMENT: \"\"\n  _REGION: europe-west1\n"
	gated := `  - id: apply
    name: t
    entrypoint: bash
    args: ["-c", "if [[ -n \"${_PR_NUMBER}\" ]]; then echo pr; elif [[ \"$BRANCH_NAME\" == \"main\" ]]; then terraform -chdir=infra/terraform apply tfplan; fi"]
`
	tests := []struct {
		name, yaml, want string
	}{
		{"apply not gated", subs + "steps:\n" + `  - id: apply
    name: t
    args: ["terraform", "-chdir=infra/terraform", "apply", "tfplan"]
`, "not gated"},
		{"missing script", subs + "steps:\n" + gated + `  - id: seed
    name: t
    args: ["bash", "scripts/seed.sh"]
`, `"scripts/seed.sh", which does not exist`},
		{"missing dir", subs + "steps:\n" + gated + `  - id: plan
    name: t
    dir: infra/terraform/envs/prod
    args: ["terraform", "plan"]
`, `dir "infra/terraform/envs/prod" does not exist`},
		{"no region default", "substitutions:\n  _ENVIRONMENT: \"\"\nsteps:\n" + gated, "_REGION has no default"},
		{"shared environment default", "substitutions:\n  _ENVIRONMENT: dev\n  _REGION: europe-west1\nsteps:\n" + gated, `_ENVIRONMENT defaults to "dev"`},
		{"apply on a pull request from a branch called main", subs + "steps:\n" + `  - id: apply
    name: t
    entrypoint: bash
    args: ["-c", "if [[ \"$BRANCH_NAME\" == \"main\" ]]; then terraform -chdir=infra/terraform apply tfplan; fi"]
`, "can run on a pull request"},
		{"no apply at all", subs + "steps:\n  - id: x\n    name: t\n    args: [\"true\"]\n", "has no terraform apply step"},
		{"not yaml", "steps: [", "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckCloudBuild([]byte(tt.yaml), dir), tt.want)
		})
	}
	t.Run("gated apply passes", func(t *testing.T) {
		report(t, CheckCloudBuild([]byte(subs+"steps:\n"+gated), dir))
	})
}
