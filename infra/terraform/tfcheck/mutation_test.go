package tfcheck

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mutation is one way the Terraform could break. The test applies it to a
// copy of infra/terraform and requires `terraform test` (the named test file)
// to fail there; the unmutated copy must pass the same file.
type mutation struct {
	name, file, old, new, testFile string
}

var mutations = []mutation{
	{
		name:     "a trigger loses its dead letter",
		file:     "modules/event_trigger/main.tf",
		old:      "dead_letter_topic     = local.dead_letter_topic_id\n",
		new:      "",
		testFile: "tests/security.tftest.hcl",
	},
	{
		name:     "every trigger dead-letters to one shared topic",
		file:     "modules/event_trigger/main.tf",
		old:      `dead_letter_topic_id = "projects/${var.project_id}/topics/${google_pubsub_topic.dead_letter.name}"`,
		new:      `dead_letter_topic_id = "projects/${var.project_id}/topics/shared-dead-letter"`,
		testFile: "tests/security.tftest.hcl",
	},
	{
		name:     "query rights become a basic role",
		file:     "iam.tf",
		old:      `role    = "roles/bigquery.jobUser"`,
		new:      `role    = "roles/editor"`,
		testFile: "tests/security.tftest.hcl",
	},
	{
		name:     "export reads published with a basic role",
		file:     "iam.tf",
		old:      `{ fn = "export", dataset = "published", role = "roles/bigquery.dataViewer" }`,
		new:      `{ fn = "export", dataset = "published", role = "roles/viewer" }`,
		testFile: "tests/security.tftest.hcl",
	},
	{
		name:     "a new Pub/Sub source gets no trigger",
		file:     "triggers.tf",
		old:      "for_each = local.pubsub_sources\n\n  name                = \"${local.prefix}-ingest-",
		new:      "for_each = { for k, v in local.pubsub_sources : k => v if k == \"events\" }\n\n  name                = \"${local.prefix}-ingest-",
		testFile: "tests/sources.tftest.hcl",
	},
	{
		name:     "a new source gets no raw table",
		file:     "bigquery.tf",
		old:      "for_each = local.raw_tables",
		new:      `for_each = { for k, v in local.raw_tables : k => v if contains(["events", "orders"], k) }`,
		testFile: "tests/sources.tftest.hcl",
	},
	{
		name:     "a new Pub/Sub source is not archived",
		file:     "archive.tf",
		old:      "filename_prefix   = \"${name}/\"\n    }\n  }",
		new:      "filename_prefix   = \"${name}/\"\n    } if name == \"events\"\n  }",
		testFile: "tests/sources.tftest.hcl",
	},
	{
		name:     "the archive loses its date layout",
		file:     "archive.tf",
		old:      `archive_datetime_format = "YYYY/MM/DD/hh_mm_ssZ"`,
		new:      `archive_datetime_format = "YYYY-MM-DD/hh_mm_ssZ"`,
		testFile: "tests/sources.tftest.hcl",
	},
	// The provider takes any string for filename_datetime_format; the
	// precondition in archive.tf holds Pub/Sub's documented rules.
	{
		name:     "the archive datetime format drops the seconds",
		file:     "archive.tf",
		old:      `archive_datetime_format = "YYYY/MM/DD/hh_mm_ssZ"`,
		new:      `archive_datetime_format = "YYYY/MM/DD/hh_mm"`,
		testFile: "tests/sources.tftest.hcl",
	},
	{
		name:     "the archive datetime format has a character Pub/Sub refuses",
		file:     "archive.tf",
		old:      `archive_datetime_format = "YYYY/MM/DD/hh_mm_ssZ"`,
		new:      `archive_datetime_format = "YYYY/MM/DD/hh.mm.ssZ"`,
		testFile: "tests/sources.tftest.hcl",
	},
}

// mirrorDir is the offline provider mirror: $SLUICE_TF_MIRROR, else
// ../shared/terraform-mirror beside the repository root; "" if neither.
func mirrorDir(t *testing.T) string {
	if d := os.Getenv("SLUICE_TF_MIRROR"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join(repoRoot, "..", "shared", "terraform-mirror"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "install.sh")); err != nil {
		return ""
	}
	return d
}

// TestTerraformTestsCatchMutations shows that the Terraform tests fail when a
// trigger loses its dead letter, a role becomes basic, or a source added to
// pipeline.yaml does not get its resources. It runs terraform, so it is
// opt-in: .ci/terraform sets SLUICE_TF_MUTATIONS=1 when terraform and the
// provider mirror are present (several minutes on two cores).
func TestTerraformTestsCatchMutations(t *testing.T) {
	if os.Getenv("SLUICE_TF_MUTATIONS") != "1" {
		t.Skip("set SLUICE_TF_MUTATIONS=1 to run terraform test on mutated copies (.ci/terraform does)")
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH")
	}
	mirror := mirrorDir(t)
	if mirror == "" {
		t.Skip("no provider mirror ($SLUICE_TF_MIRROR or ../shared/terraform-mirror): terraform init would need the registry")
	}
	env := providerEnv(t, mirror)

	for _, tf := range []string{"tests/security.tftest.hcl", "tests/sources.tftest.hcl"} {
		t.Run("unmutated/"+tf, func(t *testing.T) {
			dir := copyTree(t)
			if out, err := terraformTest(t, dir, env, tf); err != nil {
				t.Fatalf("the unmutated copy fails %s: %v\n%s", tf, err, out)
			}
		})
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			dir := copyTree(t)
			p := filepath.Join(dir, "infra", "terraform", filepath.FromSlash(m.file))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte(m.old)); n != 1 {
				t.Fatalf("%s: the text to mutate occurs %d times, want 1 (update the mutation): %q", m.file, n, m.old)
			}
			if err := os.WriteFile(p, bytes.Replace(b, []byte(m.old), []byte(m.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := terraformTest(t, dir, env, m.testFile)
			if err == nil {
				t.Fatalf("terraform test %s passes with the mutation %q in %s:\n%s", m.testFile, m.name, m.file, out)
			}
			if !strings.Contains(out, "fail") {
				t.Fatalf("terraform test did not run its assertions (%v):\n%s", err, out)
			}
			t.Logf("fails as it should:\n%s", lastLines(out, 12))
		})
	}
}

// providerEnv runs the mirror's install.sh and returns the environment with
// its TF_CLI_CONFIG_FILE.
func providerEnv(t *testing.T, mirror string) []string {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(mirror, "install.sh")).Output()
	if err != nil {
		t.Fatalf("%s/install.sh: %v", mirror, err)
	}
	line := strings.TrimSpace(string(out))
	cfg, ok := strings.CutPrefix(line, "export TF_CLI_CONFIG_FILE=")
	if !ok {
		t.Fatalf("install.sh printed %q, want export TF_CLI_CONFIG_FILE=...", line)
	}
	return append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
}

// copyTree copies what the root module's tests read into a temporary
// directory with the repository's layout: infra/terraform (without working
// data), pipeline/, go.mod and go.sum.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	skip := map[string]bool{".terraform": true, ".build": true, "tfcheck": true}
	for _, top := range []string{"infra/terraform", "pipeline", "go.mod", "go.sum"} {
		src := filepath.Join(repoRoot, filepath.FromSlash(top))
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && skip[d.Name()] {
				return filepath.SkipDir
			}
			rel, err := filepath.Rel(repoRoot, p)
			if err != nil {
				return err
			}
			out := filepath.Join(dst, rel)
			if d.IsDir() {
				return os.MkdirAll(out, 0o755)
			}
			if d.Name() == ".terraform.lock.hcl" {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(out, b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// terraformTest runs init and then `terraform test -filter=<file>` in the
// copy's infra/terraform; the error is non-nil when the tests fail.
func terraformTest(t *testing.T, root string, env []string, file string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir := filepath.Join(root, "infra", "terraform")
	env = append(env, "TF_DATA_DIR="+filepath.Join(root, ".tfdata"))
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "terraform", args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("init", "-backend=false", "-input=false", "-no-color"); err != nil {
		t.Fatalf("terraform init in the copy: %v\n%s", err, out)
	}
	return run("test", "-no-color", "-filter="+file)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
