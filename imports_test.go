package sluice

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDeployableImports holds the house rules on the source: no function
// package imports another (what two stages share lives in shared/), and the
// deployable tree (functions/, shared/, this package) imports nothing
// local-only (emulators, internal tools, cmd).
func TestDeployableImports(t *testing.T) {
	const mod = "github.com/sluice-data/sluice/"
	// No exceptions: the benchmark tool that was one now lives in internal/bigland.
	known := map[string]bool{}
	checked := 0
	for _, root := range []string{"functions", "shared", "."} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if root == "." && path != "." {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			checked++
			own := ""
			if parts := strings.Split(filepath.ToSlash(path), "/"); parts[0] == "functions" && len(parts) > 2 {
				own = parts[1]
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if !strings.HasPrefix(p, mod) {
					continue
				}
				rel := strings.TrimPrefix(p, mod)
				switch {
				case known[filepath.ToSlash(path)]:
				case strings.HasPrefix(rel, "emulators/"), strings.HasPrefix(rel, "internal/"), strings.HasPrefix(rel, "cmd/"):
					t.Errorf("%s imports %s: the deployable tree must not import local-only code", path, p)
				case own != "" && strings.HasPrefix(rel, "functions/") && !strings.HasPrefix(rel, "functions/"+own+"/") && rel != "functions/"+own:
					t.Errorf("%s imports %s: function packages must not import each other; move what they share to shared/", path, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: is the walk rooted at the module?", checked)
	}
}
