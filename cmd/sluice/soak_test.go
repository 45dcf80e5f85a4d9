package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSoakCSVRoundTrip: what `sluice soak` writes, `sluice soak --replot`
// reads back unchanged, and the plot draws a line per series.
func TestSoakCSVRoundTrip(t *testing.T) {
	in := []SoakSample{
		{Seconds: 0, RSSMB: 120.5, GoHeapMB: 30.1, DuckMemMB: 4.2, DuckBaseMB: 1.1, Goroutines: 1150, OpenFiles: 46, DuckDBMB: 0.01, Published: 0, Transforms: 0, Load1: 0.5},
		{Seconds: 15, RSSMB: 220.5, GoHeapMB: 61.5, DuckMemMB: 9.9, DuckBaseMB: 2.5, Goroutines: 1200, OpenFiles: 60, DuckDBMB: 1.25, Published: 150, Transforms: 1, Load1: 1.25},
	}
	p := filepath.Join(t.TempDir(), "soak.csv")
	if err := writeSoakCSV(p, in); err != nil {
		t.Fatal(err)
	}
	out, err := readSoakCSV(p)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Errorf("CSV round trip (-wrote +read):\n%s", d)
	}
	if got, want := strings.Count(soakSVG(out, "t"), "<polyline"), 6; got != want {
		t.Errorf("plot has %d lines, want %d (RSS, Go heap, DuckDB memory, goroutines, open files, DuckDB file)", got, want)
	}
}
