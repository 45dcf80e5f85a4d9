package tfcheck

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// The Terraform tests plan a copy of pipeline.yaml with two sources added
// (tests/sources.tftest.hcl). The copy must stay the real file plus exactly
// those sources, or the test would check a pipeline nobody deploys.
func TestMoreSourcesCopy(t *testing.T) {
	read := func(p string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return v
	}
	real := read(filepath.Join(repoRoot, "pipeline", "pipeline.yaml"))
	copyPath := filepath.Join(repoRoot, "infra", "terraform", "tests", "testdata", "pipeline-more-sources.yaml")
	cp := read(copyPath)

	added := []string{"clicks", "invoices"}
	var kept, found []any
	for _, s := range cp["sources"].([]any) {
		if name, _ := s.(map[string]any)["name"].(string); slices.Contains(added, name) {
			found = append(found, name)
			continue
		}
		kept = append(kept, s)
	}
	if len(found) != len(added) {
		t.Fatalf("%s adds %v, want %v", copyPath, found, added)
	}
	cp["sources"] = kept
	if !reflect.DeepEqual(real, cp) {
		t.Errorf("%s is not pipeline/pipeline.yaml plus the sources %v: copy pipeline.yaml again and re-add them", copyPath, added)
	}
}
