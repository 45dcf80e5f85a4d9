package trigger

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployedBinariesImportNothingLocal: every zip holds production code
// only (no emulator, fake or test tool), whatever the tests import, as
// listed for linux with CGO_ENABLED=0 on both architectures.
func TestDeployedBinariesImportNothingLocal(t *testing.T) {
	mains, err := filepath.Glob("../*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(mains) < 4 {
		t.Fatalf("found %d Lambda entry points under cmd/lambda, want ingest, transform, mask and export", len(mains))
	}
	const mod = "github.com/sluice-data/sluice/"
	bad := []string{mod + "emulators/", mod + "internal/", "github.com/johannesboyne/gofakes3", "github.com/Admiral-Piett/goaws",
		"github.com/duckdb/", "github.com/fsouza/fake-gcs-server", "/pstest"}
	for _, m := range mains {
		dir := filepath.Dir(m)
		for _, arch := range []string{"arm64", "amd64"} {
			t.Run(filepath.Base(dir)+"/"+arch, func(t *testing.T) {
				cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".")
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("go list: %v\n%s", err, out)
				}
				n := 0
				for _, p := range strings.Fields(string(out)) {
					n++
					for _, b := range bad {
						if strings.HasPrefix(p, b) || strings.Contains(p, b) {
							t.Errorf("the %s Lambda binary imports %s", filepath.Base(dir), p)
						}
					}
				}
				if n < 50 {
					t.Fatalf("only %d packages listed: is go list looking at the package?", n)
				}
			})
		}
	}
}
