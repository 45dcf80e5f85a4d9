package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/shared/logging"
	"github.com/sluice-data/sluice/shared/metrics"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestFunctionsEmitMetrics runs the demo and reads the functions' log the
// way the log-based metrics of infra/terraform/metrics.tf do: the sums of
// rows_landed, rejects and dlp_bytes match what BigQuery holds, and every
// model and published table has a run_duration_seconds line.
func TestFunctionsEmitMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	var buf lockedBuffer
	logging.Output = &buf
	defer func() { logging.Output = nil }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := demo.Run(ctx, st, demo.Options{Events: 600, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{} // metric/label → sum
	seen := map[string]bool{}
	buf.mu.Lock()
	sc := bufio.NewScanner(bytes.NewReader(buf.b.Bytes()))
	buf.mu.Unlock()
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		name, _ := line[metrics.Field].(string)
		if name == "" {
			continue
		}
		v, _ := line[metrics.Value].(float64)
		switch name {
		case metrics.RowsLanded:
			sums[name+"/"+line["source"].(string)] += v
		case metrics.Rejects:
			sums[name+"/"+line["source"].(string)+"/"+line["reason"].(string)] += v
		case metrics.DLPBytes:
			sums[name] += v
		case metrics.RunDuration:
			seen[line["stage"].(string)+"/"+line["table"].(string)] = true
		}
	}
	for _, s := range st.Pipeline.Sources {
		want := bqCount(t, st, "SELECT COUNT(*) AS n FROM `raw."+s.Name+"`")
		if got := sums[metrics.RowsLanded+"/"+s.Name]; int64(got) != want || want == 0 {
			t.Errorf("rows_landed{source=%s} sums to %v, raw.%s has %d rows", s.Name, got, s.Name, want)
		}
	}
	byReason, err := demo.RejectsByReason(ctx, st.Clients)
	if err != nil {
		t.Fatal(err)
	}
	if len(byReason) == 0 {
		t.Fatal("the demo made no rejects: the check proves nothing")
	}
	for reason, n := range byReason {
		if got := sums[metrics.Rejects+"/"+reason]; int64(got) != n {
			t.Errorf("rejects{source/reason=%s} sums to %v, the rejects table has %d", reason, got, n)
		}
	}
	if want := bqCount(t, st, "SELECT CAST(SUM(dlp_bytes) AS INT64) AS n FROM `sluice_ops.mask_runs`"); int64(sums[metrics.DLPBytes]) != want || want == 0 {
		t.Errorf("dlp_bytes sums to %v, mask_runs says %d", sums[metrics.DLPBytes], want)
	}
	for _, m := range st.Pipeline.Models {
		if !seen["transform/"+m.Name] {
			t.Errorf("no run_duration_seconds line for transform of %s", m.Name)
		}
	}
	for _, m := range st.Pipeline.Mask.Tables {
		if !seen["mask/"+m.Name] {
			t.Errorf("no run_duration_seconds line for mask of %s", m.Name)
		}
	}
}
