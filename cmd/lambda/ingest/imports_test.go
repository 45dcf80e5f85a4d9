package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeployedBinaryImportsNothingLocal: the zip holds production code only
// (no emulator, fake or test tool), whatever the tests import.
func TestDeployedBinaryImportsNothingLocal(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const mod = "github.com/sluice-data/sluice/"
	n := 0
	for _, p := range strings.Fields(string(out)) {
		n++
		for _, bad := range []string{mod + "emulators/", mod + "internal/", "github.com/johannesboyne/gofakes3", "github.com/duckdb/", "github.com/fsouza/fake-gcs-server", "/pstest"} {
			if strings.HasPrefix(p, bad) || strings.Contains(p, bad) {
				t.Errorf("the Lambda binary imports %s", p)
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d packages listed: is go list looking at this package?", n)
	}
}
