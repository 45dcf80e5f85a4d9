package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/shared/config"
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
// rows_landed, rejects and dlp_bytes match what BigQuery holds, every
// model and published table has a run_duration_seconds line, and every
// model a freshness_seconds line that matches its newest data, which the
// status page shows on the model's node.
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
	type freshLine struct {
		v  float64
		at time.Time
	}
	fresh := map[string]freshLine{} // model → its last freshness_seconds line
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
		case metrics.Freshness:
			at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(line["timestamp"]))
			fresh[line["table"].(string)] = freshLine{v, at}
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
	// freshness_seconds for every model: the line's time minus the newest
	// data the model holds (incremental: its watermark; table: the newest
	// row its raw sources landed, all before the transform here).
	plans, err := transform.Plan(st.Pipeline, st.Clients.BigQuery.Project(), st.Clients.Names.Raw, st.Clients.Names.Curated)
	if err != nil {
		t.Fatal(err)
	}
	// The status page shows the same newest data on each model's node.
	page, err := (&statusServer{Clients: st.Clients, Pipeline: st.Pipeline, Routes: st.Router.Routes()}).collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	onPage := map[string]statusNode{}
	for _, n := range page.Nodes {
		if n.Kind == kindModel {
			onPage[n.Name] = n
		}
	}
	for _, mp := range plans {
		if n := onPage[mp.Model.Name]; n.Problem != "" {
			t.Errorf("status page node %s: %s", mp.Model.Name, n.Problem)
		}
		f, ok := fresh[mp.Model.Name]
		if !ok {
			t.Errorf("no freshness_seconds line for model %s", mp.Model.Name)
			continue
		}
		var q string
		if mp.Options.TimeColumn != "" && mp.Options.Materialization() == config.MaterializedIncremental {
			q = "SELECT MAX(watermark) AS t FROM `sluice_ops." + transform.WatermarksTable + "` WHERE model = '" + mp.Model.Name + "'"
		} else {
			var parts []string
			for _, s := range transform.UpstreamSources(plans, mp.Model.Name) {
				parts = append(parts, "SELECT MAX(_ingested_at) AS t FROM `raw."+s+"`")
			}
			q = "SELECT MAX(t) AS t FROM (" + strings.Join(parts, " UNION ALL ") + ")"
		}
		it, err := st.Clients.BigQuery.Query(q).Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var row struct{ T bigquery.NullTimestamp }
		if err := it.Next(&row); err != nil || !row.T.Valid {
			t.Fatalf("%s: newest data: %v %v", mp.Model.Name, row.T, err)
		}
		if got := onPage[mp.Model.Name].Newest; !got.Equal(row.T.Timestamp) {
			t.Errorf("status page: model %s newest data %s, want %s", mp.Model.Name, got, row.T.Timestamp)
		}
		want := f.at.Sub(row.T.Timestamp).Seconds()
		if d := f.v - want; d < -1 || d > 1 || f.v <= 0 {
			t.Errorf("freshness_seconds{table=%s} = %.1f, want %.1f (line time %s minus newest data %s)", mp.Model.Name, f.v, want, f.at, row.T.Timestamp)
		}
	}
	for _, m := range st.Pipeline.Mask.Tables {
		if !seen["mask/"+m.Name] {
			t.Errorf("no run_duration_seconds line for mask of %s", m.Name)
		}
	}
}
