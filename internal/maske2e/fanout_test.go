// Package maske2e drives a fanned-out mask run end to end: transform.completed
// on Pub/Sub, the trigger router delivering it and the range tasks to the
// mask function (served through the functions framework, reading
// SLUICE_MASK_FANOUT_ROWS as in the cloud), DLP failing for a while in the
// middle, and mask.completed published once.
package maske2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/logging"
)

var (
	st  *stack.Stack
	seq atomic.Int64 // each run lands new keys, so -count=N fans out every time
	// onBigQuery sees every BigQuery request body (the stack's hook).
	onBigQuery atomic.Pointer[func(body []byte)]
)

func TestMain(m *testing.M) {
	logging.Output = &bytes.Buffer{} // keep function logs out of test output
	var err error
	st, err = stack.Start(context.Background(), stack.Options{MaxAttempts: 50, MaxBackoff: 300 * time.Millisecond,
		BigQueryHook: func(_ *http.Request, body []byte) {
			if f := onBigQuery.Load(); f != nil {
				(*f)(body)
			}
		}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

type discard struct{}

func (discard) PublishEvent(context.Context, events.Message) error { return nil }

const (
	nEvents   = 240
	fanOutAt  = 50 // SLUICE_MASK_FANOUT_ROWS: events (240 keys) fans out, users (12) does not
	nRanges   = 4
	deadFor   = 3 * time.Second
	published = "events"
)

// TestFanOutThroughRouterFailsClosedAndPublishesOnce: the curated tables
// are built once; the same tables masked in one invocation (fan-out off,
// into other datasets) are the reference. Then transform.completed is
// published to Pub/Sub with SLUICE_MASK_FANOUT_ROWS=50 and
// SLUICE_MASK_FANOUT_RANGES=4: the router delivers it to Mask, which
// splits events into 4 ranges; the moment the fan-out is recorded DLP
// starts answering INTERNAL for 3 s, so range tasks fail and the router
// redelivers them. While DLP is dead nothing of events reaches published
// and no mask.completed is sent; afterwards exactly one mask.completed
// arrives, and published.events equals the single invocation's result
// row for row, with no email address in it.
func TestFanOutThroughRouterFailsClosedAndPublishesOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := seq.Add(1)
	runID, prefix := fmt.Sprintf("fan_e2e_%d", n), fmt.Sprintf("fe%d-", n)
	c := st.Clients
	names := c.Names
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	var body strings.Builder
	for i := range nEvents {
		fmt.Fprintf(&body, `{"event_id":"%s%03d","user_id":"u%d","event_type":"signup","event_time":"2026-12-01T09:%02d:00Z","email":"user%d@example.com","phone":"+44 20 7946 %04d","ip":"192.0.2.%d","channel":"ads"}`+"\n",
			prefix, i, i%12, i%60, i, i, i%250)
	}
	l := &ingest.Lander{BigQuery: c.BigQuery, Storage: c.Storage, Pipeline: st.Pipeline, Names: names, Now: time.Now, Log: log}
	if _, err := l.LandMessage(ctx, "events", events.PubSubMessage{Data: []byte(body.String()), MessageID: prefix + "seed", PublishTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	runDate := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := &transform.Runner{BigQuery: c.BigQuery, Events: discard{}, Pipeline: st.Pipeline, Names: names, Now: time.Now, Log: log}
	if _, err := r.Run(ctx, runID, runDate); err != nil {
		t.Fatal(err)
	}

	// The reference: one invocation, no fan-out, its own published and ops.
	key, wrapped, err := mask.Keys(c.Env)
	if err != nil {
		t.Fatal(err)
	}
	refNames := names
	refNames.Published, refNames.Ops = "fe_ref_published", "fe_ref_ops"
	ref := &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, Storage: c.Storage, Events: discard{}, Pipeline: st.Pipeline, Names: refNames,
		Project: c.Env.Project, TokenKey: key, Wrapped: wrapped, Now: time.Now, Log: log, NoClassify: true}
	if _, res, err := ref.RunTables(ctx, "ref_"+runID, "2026-12-01"); err != nil {
		t.Fatal(err)
	} else {
		for _, x := range res {
			if x.Mode == mask.ModeFanOut {
				t.Fatalf("reference run fanned out %s", x.Table)
			}
		}
	}
	want := rows(t, ctx, refNames.Published, published, prefix)
	if len(want) != nEvents {
		t.Fatalf("reference published.events has %d rows, want %d", len(want), nEvents)
	}

	// Watch mask.completed before anything can publish it.
	sub := "fe-mask-completed"
	if err := st.Router.EnsureSubscription(ctx, sub, names.MaskCompleted); err != nil {
		t.Fatal(err)
	}
	t.Setenv(mask.EnvFanOutRows, fmt.Sprint(fanOutAt))
	t.Setenv(mask.EnvFanOutRanges, fmt.Sprint(nRanges))

	// DLP dies for deadFor when the fan-out is recorded (the INSERT into
	// ops.mask_fanout), before any range task is published.
	var dead, revived atomic.Bool
	var failedCalls atomic.Int64
	hook := func(b []byte) {
		if bytes.Contains(b, []byte("INSERT INTO")) && bytes.Contains(b, []byte(mask.FanOutTable)) && !dead.Load() && !revived.Load() {
			st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Internal)})
			dead.Store(true)
			time.AfterFunc(deadFor, func() {
				revived.Store(true)
				dead.Store(false)
				st.DLP.Faults().Reset()
			})
		}
	}
	onBigQuery.Store(&hook)
	defer onBigQuery.Store(nil)
	st.DLP.Faults().Watch(func(method string) {
		if method == "DeidentifyContent" && dead.Load() {
			failedCalls.Add(1)
		}
	})
	defer st.DLP.Faults().Watch(nil)
	defer st.DLP.Faults().Reset()

	start := time.Now()
	done := events.TransformCompletedData{RunID: runID, RunDate: "2026-12-01", CompletedAt: time.Now().UTC()}
	if err := events.Send(ctx, events.PublisherOr(nil, c.PubSub), names.TransformCompleted, events.TransformCompleted, runID, done); err != nil {
		t.Fatal(err)
	}

	// Until DLP is back and every range is staged: no events rows in
	// published, no mask.completed.
	var completed []events.MaskCompletedData
	for len(completed) == 0 {
		if ctx.Err() != nil {
			t.Fatalf("no mask.completed within 60 s (DLP failures seen: %d); see the mask-tasks dead letter", failedCalls.Load())
		}
		wasDead := dead.Load()
		completed = append(completed, pull(t, ctx, sub, runID)...)
		n := 0
		if _, err := c.BigQuery.Dataset(names.Published).Table(published).Metadata(ctx); err == nil {
			n = len(rows(t, ctx, names.Published, published, prefix))
		} else if !bq.IsNotFound(err) {
			t.Fatal(err)
		}
		if wasDead && dead.Load() && (n > 0 || len(completed) > 0) {
			t.Fatalf("while DLP was failing: published.events has %d rows, %d mask.completed", n, len(completed))
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(start)
	if !revived.Load() || failedCalls.Load() == 0 {
		t.Fatalf("mask.completed after %v with DLP revived=%v and %d failed DLP calls: the fault never hit a range", took, revived.Load(), failedCalls.Load())
	}
	// Redeliveries settle; still exactly one mask.completed.
	if err := st.Router.WaitIdle(ctx, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	completed = append(completed, pull(t, ctx, sub, runID)...)
	if len(completed) != 1 {
		t.Fatalf("%d mask.completed for %s, want exactly 1", len(completed), runID)
	}
	t.Logf("fanned-out run through the router: mask.completed after %v, %d DLP calls failed while DLP was dead", took.Round(time.Millisecond), failedCalls.Load())
	if len(completed[0].Tables) != len(st.Pipeline.Mask.Tables) {
		t.Errorf("mask.completed tables = %+v, want every table of the policy", completed[0].Tables)
	}

	ranges := query(t, ctx, fmt.Sprintf("SELECT COUNT(DISTINCT `range`) AS n FROM `%s.%s.%s` WHERE run_id = '%s' AND `table` = '%s' AND status = 'staged'",
		c.Env.Project, names.Ops, mask.RangesTable, runID, published))
	if ranges[0]["n"] != int64(nRanges) {
		t.Errorf("staged ranges = %v, want %d: the run did not fan out", ranges[0]["n"], nRanges)
	}
	got := rows(t, ctx, names.Published, published, prefix)
	if len(got) != len(want) {
		t.Fatalf("published.events has %d rows, the single invocation %d", len(got), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s missing from the fanned-out published.events", id)
			continue
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: fanned out %v, single invocation %v", id, g, w)
		}
		for col, v := range g {
			if s := fmt.Sprint(v); strings.Contains(s, "@example.com") || strings.Contains(s, "7946") {
				t.Errorf("%s.%s published with personal data: %s", id, col, s)
			}
		}
	}
}

// pull takes the mask.completed messages of runID waiting on sub.
func pull(t *testing.T, ctx context.Context, sub, runID string) []events.MaskCompletedData {
	t.Helper()
	ps := st.Clients.PubSub.SubscriptionAdminClient
	name := "projects/" + st.Opts.Project + "/subscriptions/" + sub
	resp, err := ps.Pull(ctx, &pubsubpb.PullRequest{Subscription: name, MaxMessages: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []events.MaskCompletedData
	for _, m := range resp.ReceivedMessages {
		if err := ps.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: name, AckIds: []string{m.AckId}}); err != nil {
			t.Fatal(err)
		}
		if m.Message.Attributes["run_id"] != runID {
			continue
		}
		var d events.MaskCompletedData
		if err := json.Unmarshal(m.Message.Data, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func query(t *testing.T, ctx context.Context, sql string) []map[string]bigquery.Value {
	t.Helper()
	it, err := st.Clients.BigQuery.Query(sql).Read(ctx)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out []map[string]bigquery.Value
	for {
		row := map[string]bigquery.Value{}
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, row)
	}
}

// rows are a published table's rows by event_id.
func rows(t *testing.T, ctx context.Context, dataset, table, prefix string) map[string]map[string]bigquery.Value {
	t.Helper()
	out := map[string]map[string]bigquery.Value{}
	for _, r := range query(t, ctx, fmt.Sprintf("SELECT * FROM `%s.%s.%s` WHERE STARTS_WITH(event_id, '%s')", st.Clients.Env.Project, dataset, table, prefix)) {
		out[fmt.Sprint(r["event_id"])] = r
	}
	return out
}
