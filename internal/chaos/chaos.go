// Package chaos runs the whole local pipeline under faults and then
// accounts for every record: `sluice chaos` and its tests.
//
// A run starts the stack (every emulator in this process, state on disk)
// with the four functions in a separate process, so that process can be
// killed with SIGKILL and started again on the same state. Every emulator
// fails a share of calls with the codes the real services return (HTTP
// 500, 503, 429 and reset connections; gRPC INTERNAL, UNAVAILABLE,
// RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED) and adds latency; the router
// delivers each message up to Redeliveries more times, out of order;
// BigQuery refuses every insertAll for WritesDown once ingest starts; DLP
// is down for DLPDown once mask starts; the function process is killed in
// the middle of ingest (an insertAll), of the transform (right after a
// MERGE reaches BigQuery), of mask (a DeidentifyContent) and of export (a
// write to the export bucket). The transform is fired again once it
// succeeded, as a scheduler repeating a run would.
//
// Then the same data (same seed, same tokenisation key) goes through a
// second stack with no faults: the reference. The accounting compares the
// two, table by table, and checks the chaos run against the generator:
// every record sent is in raw exactly once or in rejects with its reason;
// curated tables have no duplicate keys and equal the reference computed
// over the same raw rows; published tables hold none of the generated
// personal data and equal the reference (masked once); every export file
// equals the reference's and its query over published; no message sits in
// a dead-letter topic.
package chaos

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/stack"
	transformfn "github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/logging"
)

// Options configures a chaos run. Zero fields take the defaults below.
type Options struct {
	Seed         uint64        // data, faults, redeliveries and kill points (default 1)
	Events       int           // events generated (default 2,000)
	FailRate     float64       // share of emulator calls that fail (default 0.02; <0 for none)
	Latency      time.Duration // added to every emulator call (default 2 ms)
	Redeliveries int           // most extra deliveries of a message (default 3; <0 for none)
	DLPDown      time.Duration // DLP refuses every call this long once mask starts (default 60 s)
	WritesDown   time.Duration // BigQuery refuses every insertAll this long once ingest starts (default 30 s)
	NoKills      bool          // do not kill the function process
	// Workdir holds the two runs' state (chaos/ and reference/); default
	// a temporary directory, removed at the end.
	Workdir string
	// FunctionsCommand returns the command that serves the functions on
	// addr (host:port) until killed: `sluice chaos-functions --addr` for
	// the CLI, the test binary for tests. The command inherits this
	// process's environment, which names the emulators.
	FunctionsCommand func(addr string) *exec.Cmd
	// PlantedBug is passed to the function process as SLUICE_PLANTED_BUG
	// in the chaos run only, for example transform.BugMergeNotIdempotent.
	PlantedBug string
	Progress   io.Writer // progress lines (default none)
	Timeout    time.Duration
}

func (o *Options) defaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Events == 0 {
		o.Events = 2000
	}
	if o.FailRate == 0 {
		o.FailRate = 0.02
	}
	if o.FailRate < 0 {
		o.FailRate = 0
	}
	if o.Latency == 0 {
		o.Latency = 2 * time.Millisecond
	}
	if o.Redeliveries == 0 {
		o.Redeliveries = 3
	}
	if o.Redeliveries < 0 {
		o.Redeliveries = 0
	}
	if o.DLPDown == 0 {
		o.DLPDown = time.Minute
	}
	if o.WritesDown == 0 {
		o.WritesDown = 30 * time.Second
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Timeout == 0 {
		o.Timeout = 20 * time.Minute
	}
}

// Check is one line of the accounting.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Report is what a run found.
type Report struct {
	Seed    uint64         `json:"seed"`
	Events  int            `json:"events"`
	Checks  []Check        `json:"checks"`
	Chaos   map[string]int `json:"chaos"` // what was done to the run: kills, faults, redeliveries
	Seconds float64        `json:"seconds"`
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Failed returns the checks that failed.
func (r *Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// Text renders the report as a table.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sluice chaos: seed %d, %d events, %.0f s\n", r.Seed, r.Events, r.Seconds)
	keys := make([]string, 0, len(r.Chaos))
	for k := range r.Chaos {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var done []string
	for _, k := range keys {
		done = append(done, fmt.Sprintf("%s %d", k, r.Chaos[k]))
	}
	fmt.Fprintf(&b, "  done to it: %s\n", strings.Join(done, ", "))
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "  %s %-44s %s\n", mark, c.Name, c.Detail)
	}
	if r.OK() {
		fmt.Fprintf(&b, "sluice chaos: every record accounted for\n")
	} else {
		fmt.Fprintf(&b, "sluice chaos: %d of %d checks failed\n", len(r.Failed()), len(r.Checks))
	}
	return b.String()
}

// ServeFunctions serves every registered function on addr until the
// process ends: the function process of a chaos run.
func ServeFunctions(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("chaos-functions --addr %q: %w", addr, err)
	}
	os.Unsetenv("FUNCTION_TARGET")
	return funcframework.StartHostPort(host, port)
}

// Run runs the chaos pipeline, then the reference, then the accounting.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.FunctionsCommand == nil {
		return nil, errors.New("chaos: Options.FunctionsCommand is required")
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	start := time.Now()
	dir := o.Workdir
	if dir == "" {
		d, err := os.MkdirTemp("", "sluice-chaos-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	dir, _ = filepath.Abs(dir)
	data := sample.Generate(o.Seed, o.Events)
	key := make([]byte, 32)
	kr := rand.New(rand.NewPCG(o.Seed, 7))
	for i := range key {
		key[i] = byte(kr.IntN(256))
	}
	rep := &Report{Seed: o.Seed, Events: len(data.Events), Chaos: map[string]int{}}

	o.Progress = &stamped{w: o.Progress, start: time.Now()}
	fmt.Fprintf(o.Progress, "chaos run (seed %d, %d events, fail rate %.3f, DLP down %s, BigQuery writes down %s)\n", o.Seed, len(data.Events), o.FailRate, o.DLPDown, o.WritesDown)
	got, err := runOnce(ctx, filepath.Join(dir, "chaos"), key, data, o, true, rep.Chaos)
	if err != nil {
		return nil, fmt.Errorf("chaos run: %w", err)
	}
	fmt.Fprintf(o.Progress, "reference run (no faults)\n")
	ref, err := runOnce(ctx, filepath.Join(dir, "reference"), key, data, o, false, nil)
	if err != nil {
		return nil, fmt.Errorf("reference run: %w", err)
	}
	rep.Checks = account(data, got, ref)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// snapshot is what a run left: every table's rows and every export file.
type snapshot struct {
	tables      map[string]*table // "dataset.table"
	exports     map[string]string // object name → content
	exportQuery map[string]string // export name → its query's rows over published, as CSV lines
	deadLetters map[string]int    // dead-letter subscription → messages
	runErrors   []string          // stages that did not complete
}

type table struct {
	cols []string
	rows [][]string // cells as text, NULL as "NULL"
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// functionProcess is the killable process serving the functions.
type functionProcess struct {
	mu      sync.Mutex
	cmd     *exec.Cmd
	addr    string
	newCmd  func(addr string) *exec.Cmd
	env     []string
	logPath string
	kills   atomic.Int64
}

func (f *functionProcess) start() error {
	lf, err := os.OpenFile(f.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := f.newCmd(f.addr)
	cmd.Env = append(cmd.Environ(), f.env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return fmt.Errorf("start the function process: %w", err)
	}
	go func() { cmd.Wait(); lf.Close() }()
	f.cmd = cmd
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + f.addr + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return fmt.Errorf("the function process did not listen on %s within 60 s (see %s)", f.addr, f.logPath)
}

// kill sends SIGKILL and starts the process again on the same address.
func (f *functionProcess) kill() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cmd != nil && f.cmd.Process != nil {
		f.cmd.Process.Signal(syscall.SIGKILL)
		for f.cmd.ProcessState == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	f.kills.Add(1)
	return f.start()
}

func (f *functionProcess) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cmd != nil && f.cmd.Process != nil {
		f.cmd.Process.Signal(syscall.SIGKILL)
	}
}

// runOnce drives the pipeline once in dir and returns what it left.
func runOnce(ctx context.Context, dir string, key []byte, data *sample.Data, o Options, chaos bool, done map[string]int) (*snapshot, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "token.key"), key, 0o600); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "stack.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	logging.Output = logf
	log := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	fp := &functionProcess{addr: addr, newCmd: o.FunctionsCommand, logPath: filepath.Join(dir, "functions.log")}
	if chaos && o.PlantedBug != "" {
		fp.env = append(fp.env, transformfn.EnvPlantedBug+"="+o.PlantedBug)
	}
	var (
		phase    atomic.Value // "ingest", "transform", "mask"
		redeliv  atomic.Int64
		killedAt sync.Map
	)
	phase.Store("ingest")
	kill := func(stage string) {
		if _, already := killedAt.LoadOrStore(stage, true); already || o.NoKills {
			return
		}
		go func() {
			fmt.Fprintf(o.Progress, "  SIGKILL the function process mid %s\n", stage)
			if err := fp.kill(); err != nil {
				fmt.Fprintf(o.Progress, "  restart after SIGKILL: %v\n", err)
			}
		}()
	}
	so := stack.Options{Workdir: dir, Persist: true, FunctionsURL: "http://" + addr, Log: log}
	rng := rand.New(rand.NewPCG(o.Seed, 99))
	if chaos {
		// Enough attempts to outlast the outages: a message must never be
		// dead-lettered because a service was down for a minute.
		so.MaxAttempts = 40
		so.MaxBackoff = 4 * time.Second
		so.Redeliver = func(sub, id string) int {
			if o.Redeliveries == 0 {
				return 0
			}
			h := sha256.Sum256([]byte(fmt.Sprintf("%d/%s/%s", o.Seed, sub, id)))
			n := int(binary.BigEndian.Uint64(h[:8]) % uint64(o.Redeliveries+1))
			redeliv.Add(int64(n))
			return n
		}
		mergeDelay := time.Duration(rng.IntN(40)) * time.Millisecond
		so.BigQueryHook = func(r *http.Request, body []byte) {
			if phase.Load() == "transform" && strings.Contains(string(body), "MERGE ") {
				go func() { time.Sleep(mergeDelay); kill("transform MERGE") }()
			}
		}
	}
	st, err := stack.Start(ctx, so)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := fp.start(); err != nil {
		return nil, err
	}
	defer fp.stop()

	var outages sync.WaitGroup
	defer outages.Wait()
	httpRule := fault.Rule{FailRate: o.FailRate, Latency: o.Latency, Codes: []int{500, 503, 429, fault.ConnReset}}
	grpcRule := fault.Rule{FailRate: o.FailRate, Latency: o.Latency, Codes: []int{int(codes.Internal), int(codes.Unavailable), int(codes.ResourceExhausted), int(codes.DeadlineExceeded)}}
	injectors := func() []*fault.Injector {
		return []*fault.Injector{st.BigQuery.Faults(), st.Storage.Faults(), st.DLP.Faults(), st.PubSub.Faults()}
	}
	if chaos {
		for i, in := range injectors() {
			in.Seed(o.Seed + uint64(i))
		}
		st.BigQuery.Faults().Set(httpRule)
		st.Storage.Faults().Set(httpRule)
		st.DLP.Faults().Set(grpcRule)
		st.PubSub.Faults().Set(grpcRule)
		done["fail_rate_per_mille"] = int(o.FailRate * 1000)

		var inserts atomic.Int64
		killAfter := int64(3 + rng.IntN(5))
		var writesBack atomic.Int64 // insertAll count when writes came back
		st.BigQuery.Faults().Watch(func(method string) {
			if method != "tabledata.insertAll" {
				return
			}
			n := inserts.Add(1)
			if n == 1 {
				outages.Add(1)
				go func() {
					defer outages.Done()
					fmt.Fprintf(o.Progress, "  BigQuery refuses writes for %s\n", o.WritesDown)
					st.BigQuery.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailRate: 1, Code: http.StatusServiceUnavailable})
					sleep(ctx, o.WritesDown)
					writesBack.Store(inserts.Load())
					st.BigQuery.Faults().ClearMethod("tabledata.insertAll")
					fmt.Fprintf(o.Progress, "  BigQuery takes writes again\n")
				}()
			}
			if b := writesBack.Load(); b > 0 && n >= b+killAfter {
				kill("ingest")
			}
		})
		var deids atomic.Int64
		var dlpBack atomic.Int64
		st.DLP.Faults().Watch(func(method string) {
			if method != "DeidentifyContent" || phase.Load() != "mask" {
				return
			}
			n := deids.Add(1)
			if n == 1 {
				outages.Add(1)
				go func() {
					defer outages.Done()
					fmt.Fprintf(o.Progress, "  DLP down for %s\n", o.DLPDown)
					st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Unavailable)})
					st.DLP.Faults().SetMethod("InspectContent", fault.Rule{FailRate: 1, Code: int(codes.Unavailable)})
					sleep(ctx, o.DLPDown)
					dlpBack.Store(deids.Load())
					st.DLP.Faults().ClearMethod("DeidentifyContent")
					st.DLP.Faults().ClearMethod("InspectContent")
					fmt.Fprintf(o.Progress, "  DLP back\n")
				}()
			}
			if b := dlpBack.Load(); b > 0 && n > b {
				kill("mask")
			}
		})
		st.Storage.Faults().Watch(func(method string) {
			if method == "write" && phase.Load() == "mask" {
				kill("export")
			}
		})
	}

	c := st.Clients
	names := c.Names
	watch := "chaos-export-completed"
	if err := st.Router.EnsureSubscription(ctx, watch, names.ExportCompleted); err != nil {
		return nil, err
	}

	fmt.Fprintf(o.Progress, "  publishing %d events, dropping %d files\n", len(data.Events), len(data.Files))
	pub := c.PubSub.Publisher(names.Topic("events"))
	pub.PublishSettings.CountThreshold = 200
	pending := make([]int, len(data.Events))
	for i := range pending {
		pending[i] = i
	}
	// A producer whose publish failed publishes again: ingest de-duplicates
	// on event_id.
	for try := 0; len(pending) > 0; try++ {
		if try == 20 {
			pub.Stop()
			return nil, fmt.Errorf("publish: %d events still refused after 20 tries", len(pending))
		}
		res := make([]*pubsub.PublishResult, len(pending))
		for j, i := range pending {
			res[j] = pub.Publish(ctx, &pubsub.Message{Data: data.Events[i]})
		}
		var again []int
		for j, r := range res {
			if _, err := r.Get(ctx); err != nil {
				again = append(again, pending[j])
			}
		}
		pending = again
	}
	pub.Stop()
	for _, f := range data.Files {
		if err := retry(ctx, 20, func() error {
			w := c.Storage.Bucket(names.Landing).Object(f.Name).NewWriter(ctx)
			if _, err := w.Write(f.Data); err != nil {
				w.Close()
				return err
			}
			return w.Close()
		}); err != nil {
			return nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}
	fmt.Fprintf(o.Progress, "  waiting for ingest\n")
	sent := len(data.Events)
	for _, f := range data.Files {
		sent += f.Lines
	}
	if err := waitLanded(ctx, st, sent); err != nil {
		return nil, err
	}
	outages.Wait() // the write outage is over before the transform starts

	phase.Store("transform")
	runID := "chaos_" + fmt.Sprint(o.Seed)
	runDate := sample.Base.AddDate(0, 0, 7).Format("2006-01-02")
	body, _ := json.Marshal(map[string]string{"run_id": runID, "run_date": runDate})
	fire := func() error {
		// Cloud Scheduler retries a failed run (retry_config in Terraform).
		return retry(ctx, 30, func() error { return st.Router.Fire(ctx, st.Schedule(stack.TransformSchedule), body) })
	}
	fmt.Fprintf(o.Progress, "  transform %s\n", runID)
	if err := fire(); err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	phase.Store("mask")
	fmt.Fprintf(o.Progress, "  waiting for mask and export\n")
	if err := waitEvent(ctx, c.PubSub, st.Opts.Project, watch, runID); err != nil {
		return nil, err
	}
	// The schedule fires again (a new run of the same day, as the hourly
	// timer does): nothing may change. A new run id means new job ids, so
	// the MERGE runs again rather than finding its job done.
	phase.Store("repeat")
	runID += "_again"
	body, _ = json.Marshal(map[string]string{"run_id": runID, "run_date": runDate})
	fmt.Fprintf(o.Progress, "  transform %s\n", runID)
	var runErrs []string
	if err := retry(ctx, 5, func() error { return st.Router.Fire(ctx, st.Schedule(stack.TransformSchedule), body) }); err != nil {
		// The accounting says so, and shows what the failed run left.
		runErrs = append(runErrs, fmt.Sprintf("transform %s: %v", runID, err))
	} else if err := waitEvent(ctx, c.PubSub, st.Opts.Project, watch, runID); err != nil {
		runErrs = append(runErrs, err.Error())
	}
	outages.Wait()
	if err := st.Router.WaitIdle(ctx, 2*time.Second); err != nil {
		return nil, err
	}
	for _, in := range injectors() {
		in.Watch(nil)
		in.Reset()
	}
	if chaos {
		done["sigkills"] = int(fp.kills.Load())
		done["redeliveries"] = int(redeliv.Load())
		done["dlp_down_s"] = int(o.DLPDown.Seconds())
		done["bigquery_writes_down_s"] = int(o.WritesDown.Seconds())
		for _, s := range []string{"ingest", "transform MERGE", "mask", "export"} {
			if _, ok := killedAt.Load(s); !ok && !o.NoKills {
				fmt.Fprintf(o.Progress, "  note: no kill mid %s (the stage ended before its kill point)\n", s)
			}
		}
	}
	snap, err := takeSnapshot(ctx, st)
	if err != nil {
		return nil, err
	}
	snap.runErrors = runErrs
	return snap, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// retry calls f until it succeeds, at most n times, 1 s apart.
func retry(ctx context.Context, n int, f func() error) error {
	var err error
	for i := 0; i < n; i++ {
		if err = f(); err == nil || ctx.Err() != nil {
			return err
		}
		sleep(ctx, time.Second)
	}
	return err
}

func query(ctx context.Context, c *bigquery.Client, sql string) (*table, error) {
	var t *table
	err := retry(ctx, 5, func() error {
		it, err := c.Query(sql).Read(ctx)
		if err != nil {
			return err
		}
		t = &table{}
		for {
			var row []bigquery.Value
			err := it.Next(&row)
			if err == iterator.Done {
				break
			}
			if err != nil {
				return err
			}
			if t.cols == nil {
				for _, f := range it.Schema {
					t.cols = append(t.cols, f.Name)
				}
			}
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = cell(v)
			}
			t.rows = append(t.rows, cells)
		}
		if t.cols == nil {
			for _, f := range it.Schema {
				t.cols = append(t.cols, f.Name)
			}
		}
		return nil
	})
	return t, err
}

func cell(v bigquery.Value) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case []bigquery.Value, map[string]bigquery.Value:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// waitLanded waits until raw rows (distinct event ids for events) and
// rejects account for sent records.
func waitLanded(ctx context.Context, st *stack.Stack, sent int) error {
	names := st.Clients.Names
	p := st.Opts.Project
	for {
		if err := st.Router.WaitIdle(ctx, 500*time.Millisecond); err != nil {
			return fmt.Errorf("ingest did not finish: %w", err)
		}
		n := 0
		for _, sql := range []string{
			fmt.Sprintf("SELECT COUNT(DISTINCT event_id) FROM `%s.%s.events`", p, names.Raw),
			fmt.Sprintf("SELECT COUNT(*) FROM `%s.%s.orders`", p, names.Raw),
			fmt.Sprintf("SELECT COUNT(*) FROM `%s.%s.rejects`", p, names.Ops),
		} {
			t, err := query(ctx, st.Clients.BigQuery, sql)
			if err == nil && len(t.rows) == 1 {
				var k int
				fmt.Sscan(t.rows[0][0], &k)
				n += k
			}
		}
		if n >= sent {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ingest did not finish: %d of %d records in raw or rejects", n, sent)
		}
		sleep(ctx, 500*time.Millisecond)
	}
}

// waitEvent pulls sub until an event of runID arrives.
func waitEvent(ctx context.Context, ps *pubsub.Client, project, sub, runID string) error {
	name := "projects/" + project + "/subscriptions/" + sub
	for ctx.Err() == nil {
		resp, err := ps.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: name, MaxMessages: 10, ReturnImmediately: true})
		if err == nil {
			for _, m := range resp.ReceivedMessages {
				ps.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: name, AckIds: []string{m.AckId}})
				if m.Message.Attributes["run_id"] == runID {
					return nil
				}
			}
		}
		sleep(ctx, 100*time.Millisecond)
	}
	return fmt.Errorf("no %s event for run %s: see the mask and export dead-letter topics (%w)", events.ExportCompleted, runID, ctx.Err())
}

func takeSnapshot(ctx context.Context, st *stack.Stack) (*snapshot, error) {
	c := st.Clients
	names := c.Names
	p := st.Opts.Project
	s := &snapshot{tables: map[string]*table{}, exports: map[string]string{}, exportQuery: map[string]string{}, deadLetters: map[string]int{}}
	for _, ds := range []string{names.Raw, names.Curated, names.Published, names.Ops} {
		it := c.BigQuery.Dataset(ds).Tables(ctx)
		for {
			tb, err := it.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", ds, err)
			}
			if ds == names.Ops && tb.TableID != "rejects" {
				continue
			}
			t, err := query(ctx, c.BigQuery, fmt.Sprintf("SELECT * FROM `%s.%s.%s`", p, ds, tb.TableID))
			if err != nil {
				return nil, fmt.Errorf("read %s.%s: %w", ds, tb.TableID, err)
			}
			s.tables[ds+"."+tb.TableID] = t
		}
	}
	oit := c.Storage.Bucket(names.Export).Objects(ctx, nil)
	for {
		a, err := oit.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list gs://%s: %w", names.Export, err)
		}
		r, err := c.Storage.Bucket(names.Export).Object(a.Name).NewReader(ctx)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(a.Name, "_MANIFEST.json") {
			// When it was written differs between two correct runs.
			var m events.ExportManifest
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("gs://%s/%s: %w", names.Export, a.Name, err)
			}
			m.WrittenAt = time.Time{}
			// Which of the two runs of the day named the manifest is not
			// a difference either: delivery is at least once and out of
			// order, so a redelivered mask.completed of the first run may
			// export after the repeat run did. Both export the same
			// published rows, and the data files are compared byte for
			// byte below.
			m.RunID = strings.TrimSuffix(m.RunID, "_again")
			b, _ = json.Marshal(m)
		}
		s.exports[a.Name] = string(b)
	}
	for _, e := range st.Pipeline.Exports {
		t, err := query(ctx, c.BigQuery, e.Query)
		if err != nil {
			return nil, fmt.Errorf("export %s query: %w", e.Name, err)
		}
		var lines []string
		for _, r := range t.rows {
			lines = append(lines, strings.Join(r, ","))
		}
		s.exportQuery[e.Name] = strings.Join(lines, "\n")
	}
	sit := c.PubSub.SubscriptionAdminClient.ListSubscriptions(ctx, &pubsubpb.ListSubscriptionsRequest{Project: "projects/" + p})
	for {
		sub, err := sit.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		if !strings.HasSuffix(sub.Name, "-dead-letter-inspect") {
			continue
		}
		resp, err := c.PubSub.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub.Name, MaxMessages: 1000, ReturnImmediately: true})
		if err != nil {
			return nil, fmt.Errorf("pull %s: %w", sub.Name, err)
		}
		s.deadLetters[sub.Name[strings.LastIndex(sub.Name, "/")+1:]] = len(resp.ReceivedMessages)
	}
	return s, nil
}

// volatile columns differ between two correct runs: when a row was
// landed, by which message or run, how long something took.
func volatile(col string) bool {
	switch strings.ToLower(col) {
	case "_ingested_at", "_message_id", "_run_id", "_masked_at", "ingested_at", "received_at", "_insert_id", "_publish_time", "_source_uri", "_source_id", "_event_id_source":
		return true
	}
	return false
}

var generation = regexp.MustCompile(`#[0-9]{10,}\b`)

// canon returns the rows of t without volatile columns, each as one
// string, sorted: a multiset to compare.
func canon(t *table) ([]string, []string) {
	var keep []int
	var cols []string
	for i, c := range t.cols {
		if !volatile(c) {
			keep = append(keep, i)
			cols = append(cols, c)
		}
	}
	out := make([]string, len(t.rows))
	for i, r := range t.rows {
		parts := make([]string, len(keep))
		for j, k := range keep {
			// A record id from a file names the object's generation, a
			// time: "orders/x.jsonl#1796309368496717#1", and so does its origin.
			parts[j] = generation.ReplaceAllString(r[k], "#<generation>")
		}
		out[i] = strings.Join(parts, "\x1f")
	}
	sort.Strings(out)
	return cols, out
}

// diff describes how two sorted multisets differ, with an example.
func diff(got, want []string) string {
	var missing, extra []string
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || i < len(got) && got[i] < want[j]:
			extra = append(extra, got[i])
			i++
		case i == len(got) || got[i] > want[j]:
			missing = append(missing, want[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	ex := func(s []string) string {
		if len(s) == 0 {
			return ""
		}
		return fmt.Sprintf(" (e.g. %q)", strings.ReplaceAll(trunc(s[0], 600), "\x1f", " | "))
	}
	return fmt.Sprintf("%d rows missing%s, %d rows extra%s", len(missing), ex(missing), len(extra), ex(extra))
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// tableKeys are the columns that must be unique in each curated table.
var tableKeys = map[string][]string{
	"events": {"event_id"}, "orders": {"order_id"}, "users": {"user_id"},
	"daily_metrics": {"day", "channel"}, "experiment_results": {"variant"},
}

func account(data *sample.Data, got, ref *snapshot) []Check {
	var checks []Check
	add := func(name string, ok bool, format string, a ...any) {
		checks = append(checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, a...)})
	}

	add("every run completed", len(got.runErrors) == 0 && len(ref.runErrors) == 0, "%s", trunc(strings.Join(append(got.runErrors, ref.runErrors...), "; "), 400))
	// Every event sent is in raw exactly once, or in rejects with its reason.
	malformed := map[string]string{}
	for _, m := range data.Malformed {
		malformed[string(m.Payload)] = m.Reason
	}
	want := map[string]bool{}
	for _, e := range data.Events {
		if _, bad := malformed[string(e)]; bad {
			continue
		}
		var ev struct {
			EventID string `json:"event_id"`
		}
		json.Unmarshal(e, &ev)
		want[ev.EventID] = true
	}
	if t := got.tables["raw.events"]; t == nil {
		add("raw.events: every good event exactly once", false, "no table raw.events")
	} else {
		idx := slices.Index(t.cols, "event_id")
		seen := map[string]int{}
		for _, r := range t.rows {
			seen[r[idx]]++
		}
		var missing, twice, unknown []string
		for id := range want {
			switch n := seen[id]; {
			case n == 0:
				missing = append(missing, id)
			case n > 1:
				twice = append(twice, id)
			}
		}
		for id := range seen {
			if !want[id] {
				unknown = append(unknown, id)
			}
		}
		sort.Strings(missing)
		sort.Strings(twice)
		ok := len(missing) == 0 && len(twice) == 0 && len(unknown) == 0
		add("raw.events: every good event exactly once", ok, "%d of %d sent; %d missing%s, %d more than once%s, %d unknown",
			len(want)-len(missing), len(want), len(missing), first(missing), len(twice), first(twice), len(unknown))
	}
	if t := got.tables["raw.orders"]; t == nil {
		add("raw.orders: every good order line exactly once", false, "no table raw.orders")
	} else {
		_, g := canon(t)
		_, w := canon(ref.tables["raw.orders"])
		d := diff(g, w)
		add("raw.orders: every good order line exactly once", d == "" && len(g) == data.Good["orders"], "%d rows, %d good lines sent%s", len(g), data.Good["orders"], semi(d))
	}
	// Rejects: every malformed record, with its reason, and nothing else.
	if t := got.tables["sluice_ops.rejects"]; t == nil {
		add("rejects: every bad record with its reason", len(data.Malformed) == 0, "no rejects table")
	} else {
		si, ri := slices.Index(t.cols, "source"), slices.Index(t.cols, "reason")
		gotR := map[string]int{}
		var noReason int
		for _, r := range t.rows {
			if r[ri] == "" || r[ri] == "NULL" {
				noReason++
			}
			gotR[r[si]+"/"+r[ri]]++
		}
		wantR := map[string]int{}
		for _, m := range data.Malformed {
			wantR[m.Source+"/"+m.Reason]++
		}
		_, rg := canon(ref.tables["sluice_ops.rejects"])
		for k, n := range countBy(ref.tables["sluice_ops.rejects"], "source", "reason") {
			if _, ok := wantR[k]; !ok && strings.HasPrefix(k, "orders/") {
				wantR[k] = n // the order files' broken lines, as the reference rejected them
			}
		}
		ok := noReason == 0 && fmt.Sprint(sortedMap(gotR)) == fmt.Sprint(sortedMap(wantR))
		add("rejects: every bad record with its reason", ok, "got %v, want %v (%d reference rows), %d without a reason", sortedMap(gotR), sortedMap(wantR), len(rg), noReason)
	}
	// Curated: no duplicate keys, and equal to the reference over the same raw rows.
	for _, name := range sortedKeys(ref.tables) {
		ds, tb, _ := strings.Cut(name, ".")
		if ds != "curated" {
			continue
		}
		t := got.tables[name]
		if t == nil {
			add(name+": present", false, "missing")
			continue
		}
		if key := tableKeys[tb]; key != nil {
			dups := duplicateKeys(t, key)
			add(name+": no duplicate "+strings.Join(key, ","), len(dups) == 0, "%d rows, %d keys more than once%s", len(t.rows), len(dups), first(dups))
		}
		_, g := canon(t)
		_, w := canon(ref.tables[name])
		d := diff(g, w)
		add(name+": equals the reference", d == "", "%d rows, reference %d%s", len(g), len(w), semi(d))
	}
	// Published: no personal data, and equal to the reference (masked once).
	for _, name := range sortedKeys(ref.tables) {
		ds, _, _ := strings.Cut(name, ".")
		if ds != "published" {
			continue
		}
		t := got.tables[name]
		if t == nil {
			add(name+": present", false, "missing")
			continue
		}
		leak := ""
		leaks := 0
		for _, r := range t.rows {
			for ci, v := range r {
				for _, p := range append(data.Personal, data.Names...) {
					if strings.Contains(v, p) {
						leaks++
						if leak == "" {
							leak = fmt.Sprintf(" (e.g. %q in column %s)", p, t.cols[ci])
						}
					}
				}
			}
		}
		add(name+": no generated personal data", leaks == 0, "%d rows, %d cells with personal data%s", len(t.rows), leaks, leak)
		_, g := canon(t)
		_, w := canon(ref.tables[name])
		d := diff(g, w)
		add(name+": equals masking curated once", d == "", "%d rows, reference %d%s", len(g), len(w), semi(d))
	}
	// Exports: the same files as the reference, each equal to its query.
	gn, wn := sortedKeys(got.exports), sortedKeys(ref.exports)
	add("exports: the reference's files", fmt.Sprint(gn) == fmt.Sprint(wn), "%v, reference %v", gn, wn)
	for _, n := range wn {
		g, w := got.exports[n], ref.exports[n]
		add("export "+n+": equals the reference", g == w, "%d bytes, reference %d", len(g), len(w))
	}
	for _, n := range sortedKeys(got.exportQuery) {
		g, w := got.exportQuery[n], ref.exportQuery[n]
		add("export "+n+": query over published equals reference", g == w, "%d lines", strings.Count(g, "\n")+1)
	}
	var dl []string
	for _, s := range sortedKeys(got.deadLetters) {
		if n := got.deadLetters[s]; n > 0 {
			dl = append(dl, fmt.Sprintf("%s: %d", s, n))
		}
	}
	add("dead letters: none", len(dl) == 0, "%s", strings.Join(append(dl, fmt.Sprintf("%d dead-letter subscriptions", len(got.deadLetters))), "; "))
	return checks
}

func countBy(t *table, a, b string) map[string]int {
	out := map[string]int{}
	if t == nil {
		return out
	}
	ai, bi := slices.Index(t.cols, a), slices.Index(t.cols, b)
	for _, r := range t.rows {
		out[r[ai]+"/"+r[bi]]++
	}
	return out
}

func duplicateKeys(t *table, key []string) []string {
	var idx []int
	for _, k := range key {
		idx = append(idx, slices.Index(t.cols, k))
	}
	seen := map[string]int{}
	for _, r := range t.rows {
		parts := make([]string, len(idx))
		for i, j := range idx {
			if j >= 0 {
				parts[i] = r[j]
			}
		}
		seen[strings.Join(parts, ",")]++
	}
	var out []string
	for k, n := range seen {
		if n > 1 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf(" (e.g. %s)", s[0])
}

func semi(d string) string {
	if d == "" {
		return ""
	}
	return "; " + d
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedMap(m map[string]int) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return out
}

// stamped prefixes each write with the seconds since start.
type stamped struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
}

func (s *stamped) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "%6.1fs %s", time.Since(s.start).Seconds(), b)
	return len(b), nil
}
