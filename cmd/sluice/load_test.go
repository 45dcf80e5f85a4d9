package main

import (
	"strings"
	"testing"
)

// The verdict line names every criterion the run missed, with its figure,
// so "NOT held" never reads as if all had landed.
func TestLoadVerdictNamesWhatFailed(t *testing.T) {
	held := LoadResult{Rate: 1000, Published: 15000, PublishRate: 995, Landed: 15000, P99: 0.12}
	if f := held.Failed(); len(f) != 0 {
		t.Fatalf("a run inside every criterion failed %q", f)
	}
	if txt := held.Text(); !strings.Contains(txt, "held (every message landed") {
		t.Fatalf("held run reads:\n%s", txt)
	}
	slow := LoadResult{Rate: 8000, Published: 119992, PublishRate: 7990, Landed: 80448, Missing: 39544, P99: 39.6}
	txt := slow.Text()
	for _, want := range []string{"NOT held", "39544 of 119992 messages not landed when the drain ended", "p99 39.600 s, not under 2 s", "(39544 not landed when the drain ended)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("verdict lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "under 98%") {
		t.Errorf("publisher kept the rate, yet the verdict blames it:\n%s", txt)
	}
	if strings.Contains(txt, "all landed") {
		t.Errorf("verdict says all landed:\n%s", txt)
	}
}
