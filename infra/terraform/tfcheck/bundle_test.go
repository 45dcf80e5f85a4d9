package tfcheck

import (
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bundleDirs are the directories storage.tf zips into the function bundle
// (besides go.mod, go.sum and the root package): local.bundle_files.
var bundleDirs = []string{"functions/", "shared/", "pipeline/"}

// TestBundleHoldsEveryImport fails when the deployable root package imports a
// package of this module from outside the bundle's directories, or embeds a
// non-Go file outside pipeline/: Cloud Functions would then build from an
// archive that lacks it.
func TestBundleHoldsEveryImport(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,Module,EmbedFiles,Standard", ".")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	local := 0
	for {
		var p struct {
			ImportPath string
			Dir        string
			Standard   bool
			EmbedFiles []string
			Module     *struct{ Main bool }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Standard || p.Module == nil || !p.Module.Main {
			continue
		}
		local++
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		inBundle := rel == "."
		for _, d := range bundleDirs {
			inBundle = inBundle || strings.HasPrefix(rel+"/", d)
		}
		if !inBundle {
			t.Errorf("the bundle imports %s (%s), which storage.tf does not zip: add its directory to local.bundle_files", p.ImportPath, rel)
		}
		for _, f := range p.EmbedFiles {
			if !strings.HasPrefix(rel+"/", "pipeline/") {
				t.Errorf("%s embeds %s, but the bundle keeps non-Go files only under pipeline/", p.ImportPath, f)
			}
		}
	}
	if local < 5 {
		t.Fatalf("go list found %d packages of this module in the bundle; expected the root, four functions and shared/", local)
	}
}
