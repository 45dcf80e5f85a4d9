package tfcheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/sluice-data/sluice/shared/metrics"
)

// TestLogMetricsMatchTheFunctions: every metric the functions emit
// (shared/metrics.Names) has a log-based metric in metrics.tf, and
// metrics.tf defines none the functions do not emit.
func TestLogMetricsMatchTheFunctions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "infra", "terraform", "metrics.tf"))
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(b, "metrics.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var names []string
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		if blk.Type != "locals" {
			continue
		}
		a, ok := blk.Body.Attributes["log_metrics"]
		if !ok {
			continue
		}
		obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			t.Fatalf("local.log_metrics is not an object literal")
		}
		for _, it := range obj.Items {
			names = append(names, hcl.ExprAsKeyword(it.KeyExpr))
		}
	}
	want := slices.Clone(metrics.Names)
	slices.Sort(want)
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("metrics.tf local.log_metrics = %v, shared/metrics.Names = %v", names, want)
	}
}
