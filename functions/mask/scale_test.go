package mask_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// The scale test runs only with SLUICE_MASK_SCALE_ROWS set (for example
// 1000000): it builds an events-shaped curated table of that many rows,
// masks it in full, changes 1% of the rows and masks again, each run in a
// child process of this test binary (the emulators stay in this one) so
// that the child's peak RSS (VmHWM) is the mask function's alone.
const (
	envScaleRows  = "SLUICE_MASK_SCALE_ROWS"
	envScaleChild = "SLUICE_MASK_SCALE_CHILD" // JSON childSpec: this process is a child
)

// childSpec is what a child mask run does.
type childSpec struct {
	Names    gcp.Names
	Policy   string
	RunID    string
	KeyFile  string
	FanOut   int64 // Masker.FanOutRows (0: never)
	Ranges   int
	PageRows int
	Task     *mask.Task // run this range task instead of a run
}

// childResult is what a child reports on its last stdout line.
type childResult struct {
	Seconds    float64
	PeakRSSMB  float64
	Tables     []mask.TableResult
	Error      string
	QuotaRetry int64
	Tasks      []mask.Task // range tasks the run published
	Completed  int         // mask.completed events it published
}

const eventsPolicy = `
- name: events
  key: event_id
  columns:
    event_id: keep
    user_id: keep
    event_type: keep
    event_time: keep
    email: token
    phone: mask_last4
    ip: drop
    country: keep
    channel: keep
    variant: keep
    amount: keep
    message: redact_infotypes
    _ingested_at: keep
`

func peakRSSMB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l[6:])
			kb, _ := strconv.ParseFloat(f[0], 64)
			return kb / 1024
		}
	}
	return 0
}

// TestScaleChild is the child's body; it does nothing in a normal run.
func TestScaleChild(t *testing.T) {
	raw := os.Getenv(envScaleChild)
	if raw == "" {
		t.Skip("runs only as a child of TestMaskAtScale")
	}
	var spec childSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env, err := gcp.EnvFromOS()
	if err != nil {
		t.Fatal(err)
	}
	var ps []config.MaskPolicy
	if err := yaml.Unmarshal([]byte(spec.Policy), &ps); err != nil {
		t.Fatal(err)
	}
	p := &config.Pipeline{Mask: config.Mask{InfoTypes: []string{"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD_NUMBER", "PERSON_NAME"}, Tables: ps}}
	c, err := gcp.NewClients(ctx, env, p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k, err := os.ReadFile(spec.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	m := &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, PubSub: c.PubSub, Storage: c.Storage, Pipeline: p, Names: spec.Names,
		Project: env.Project, TokenKey: k, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		NoClassify: true, PageRows: spec.PageRows, FanOutRows: spec.FanOut, FanOutRanges: spec.Ranges}
	rec := &recorder{}
	m.Events = rec
	if os.Getenv("SLUICE_MASK_SCALE_DEBUG") != "" {
		m.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	start := time.Now()
	var res []mask.TableResult
	if spec.Task != nil {
		err = m.RunTask(ctx, *spec.Task)
	} else {
		_, res, err = m.RunTables(ctx, spec.RunID, "d")
	}
	out := childResult{Seconds: time.Since(start).Seconds(), PeakRSSMB: peakRSSMB(), Tables: res, QuotaRetry: m.QuotaRetries(),
		Tasks: tasksOf(t, rec.byEvent(mask.MaskTaskEvent, spec.RunID)), Completed: len(rec.byEvent(events.MaskCompleted, spec.RunID))}
	if err != nil {
		out.Error = err.Error()
	}
	b, _ := json.Marshal(out)
	fmt.Printf("\nSCALE-RESULT %s\n", b)
}

// runChild runs one mask run in a child process and returns its report.
func runChild(t *testing.T, spec childSpec) childResult {
	t.Helper()
	b, _ := json.Marshal(spec)
	cmd := exec.Command(os.Args[0], "-test.run=^TestScaleChild$", "-test.v")
	cmd.Env = append(os.Environ(), envScaleChild+"="+string(b))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if os.Getenv("SLUICE_MASK_SCALE_DEBUG") != "" {
		cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	}
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, outb, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if r, ok := strings.CutPrefix(sc.Text(), "SCALE-RESULT "); ok {
			var res childResult
			if err := json.Unmarshal([]byte(r), &res); err != nil {
				t.Fatal(err)
			}
			if res.Error != "" {
				t.Fatalf("child run %s: %s", spec.RunID, res.Error)
			}
			return res
		}
	}
	t.Fatalf("child printed no result:\n%s", outb)
	return childResult{}
}

// scaleEvents fills curated.events with n events-shaped rows in one query.
func (e *env) scaleEvents(n int) {
	e.t.Helper()
	ctx := context.Background()
	if err := st.Clients.BigQuery.Dataset(e.names.Curated).Create(ctx, nil); err != nil && !strings.Contains(err.Error(), "lready") {
		e.t.Fatal(err)
	}
	e.exec(fmt.Sprintf(`CREATE TABLE %s AS
SELECT CONCAT('e-', CAST(i AS STRING)) AS event_id, CONCAT('u-', CAST(MOD(i, 50000) AS STRING)) AS user_id,
  ['view', 'click', 'purchase'][OFFSET(MOD(i, 3))] AS event_type,
  TIMESTAMP_ADD(TIMESTAMP '2026-11-01 00:00:00 UTC', INTERVAL i SECOND) AS event_time,
  CONCAT('user', CAST(MOD(i, 50000) AS STRING), '@example.com') AS email,
  CONCAT('+1 415-555-', LPAD(CAST(MOD(i, 10000) AS STRING), 4, '0')) AS phone,
  CONCAT('10.0.', CAST(MOD(i, 250) AS STRING), '.1') AS ip,
  ['DE', 'US', 'FR', 'IN'][OFFSET(MOD(i, 4))] AS country, ['ads', 'organic'][OFFSET(MOD(i, 2))] AS channel,
  ['A', 'B'][OFFSET(MOD(i, 2))] AS variant, CAST(MOD(i, 1000) AS FLOAT64) / 10 AS amount,
  IF(MOD(i, 10) = 0, CONCAT('call me on +1 415-555-0101 or user', CAST(i AS STRING), '@example.com'), 'thanks, all good') AS message,
  TIMESTAMP '2026-11-02 00:00:00 UTC' AS _ingested_at
FROM UNNEST(GENERATE_ARRAY(1, %d)) AS i`, e.tbl(e.names.Curated, "events"), n))
}

// TestMaskAtScale: the figures in BENCHMARKS.md (issue 15).
func TestMaskAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(envScaleRows))
	if n <= 0 {
		t.Skip("set SLUICE_MASK_SCALE_ROWS (for example 1000000) to run the scale test")
	}
	e := newEnv(t)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, key("scale"), 0o600); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	e.scaleEvents(n)
	t.Logf("curated.events: %d rows built in %.1f s", n, time.Since(t0).Seconds())
	spec := childSpec{Names: e.names, Policy: eventsPolicy, RunID: "full", KeyFile: keyFile}

	full := runChild(t, spec)
	f := full.Tables[0]
	t.Logf("full: %d rows in %.1f s (%.0f rows/s), peak RSS %.0f MB, read %d B, DLP %d B in %d requests, mode %s",
		f.Rows, full.Seconds, float64(f.Rows)/full.Seconds, full.PeakRSSMB, f.ReadBytes, f.DLPBytes, f.DLPRequests, f.Mode)
	if f.Mode != mask.ModeFull || f.Rows != int64(n) {
		t.Fatalf("full run = %+v", f)
	}
	if got := e.query("SELECT COUNT(*) AS n, COUNTIF(email LIKE '%@%') AS raw FROM " + e.tbl(e.names.Published, "events")); got[0]["n"] != int64(n) || got[0]["raw"] != int64(0) {
		t.Fatalf("published after the full run: %v", got)
	}

	e.exec("UPDATE " + e.tbl(e.names.Curated, "events") + " SET message = CONCAT(message, ' (edited)') WHERE MOD(CAST(SUBSTR(event_id, 3) AS INT64), 100) = 7")
	spec.RunID = "incr"
	incr := runChild(t, spec)
	r := incr.Tables[0]
	t.Logf("1%% changed: %d changed in %.1f s, peak RSS %.0f MB, read %d B, DLP %d B in %d requests, mode %s",
		r.Changed, incr.Seconds, incr.PeakRSSMB, r.ReadBytes, r.DLPBytes, r.DLPRequests, r.Mode)
	t.Logf("ratios (1%% run / full run): time %.4f, bytes read %.4f, DLP bytes %.4f",
		incr.Seconds/full.Seconds, float64(r.ReadBytes)/float64(f.ReadBytes), float64(r.DLPBytes)/float64(f.DLPBytes))
	if r.Mode != mask.ModeIncremental || r.Changed != int64(n/100) {
		t.Fatalf("1%% run = %+v, want %d changed", r, n/100)
	}
	if got := e.query("SELECT COUNTIF(message LIKE '%(edited)') AS edited, COUNT(*) AS n FROM " + e.tbl(e.names.Published, "events")); got[0]["edited"] != int64(n/100) || got[0]["n"] != int64(n) {
		t.Fatalf("published after the 1%% run: %v", got)
	}

	// The same table in full again, fanned out over 8 ranges: one
	// coordinator process, then the 8 range tasks in 8 processes at once
	// (8 function instances), against the single full run above.
	e.exec("DROP TABLE " + e.tbl(e.names.Ops, mask.StateTablePrefix+"events"))
	spec = childSpec{Names: e.names, Policy: eventsPolicy, RunID: "fan", KeyFile: keyFile, FanOut: 1, Ranges: 8}
	t0 = time.Now()
	coord := runChild(t, spec)
	if len(coord.Tasks) != 8 || coord.Tables[0].Mode != mask.ModeFanOut {
		t.Fatalf("coordinator: %+v", coord)
	}
	results := make([]childResult, len(coord.Tasks))
	var wg sync.WaitGroup
	for i, task := range coord.Tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := spec
			s.Task = &task
			results[i] = runChild(t, s)
		}()
	}
	wg.Wait()
	wall := time.Since(t0).Seconds()
	completed, maxRSS, maxRange := 0, 0.0, 0.0
	for _, r := range results {
		completed += r.Completed
		maxRSS, maxRange = max(maxRSS, r.PeakRSSMB), max(maxRange, r.Seconds)
	}
	t.Logf("fan-out over 8 ranges: wall %.1f s (coordinator %.1f s, slowest range %.1f s), max range peak RSS %.0f MB; single invocation %.1f s; ratio %.2f",
		wall, coord.Seconds, maxRange, maxRSS, full.Seconds, wall/full.Seconds)
	if completed != 1 {
		t.Errorf("%d mask.completed from the ranges, want 1", completed)
	}
	if got := e.query("SELECT COUNT(*) AS n, COUNTIF(email LIKE '%@%') AS raw FROM " + e.tbl(e.names.Published, "events")); got[0]["n"] != int64(n) || got[0]["raw"] != int64(0) {
		t.Fatalf("published after the fan-out: %v", got)
	}
}
