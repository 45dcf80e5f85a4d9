package transform_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/config"
)

var st *stack.Stack

func TestMain(m *testing.M) {
	var err error
	st, err = stack.Start(context.Background(), stack.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

func runner(p *config.Pipeline) *transform.Runner {
	c := st.Clients
	return &transform.Runner{BigQuery: c.BigQuery, PubSub: c.PubSub, Pipeline: p, Names: c.Names, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// pipelineWith returns the example pipeline with the given assertions added
// to model name.
func pipelineWith(name string, as ...config.Assertion) *config.Pipeline {
	p := *st.Pipeline
	p.Models = append([]config.Model{}, p.Models...)
	for i := range p.Models {
		if p.Models[i].Name == name {
			p.Models[i].Assertions = append(append([]config.Assertion{}, p.Models[i].Assertions...), as...)
		}
	}
	return &p
}

func i64(n int64) *int64 { return &n }

type histRow struct {
	Model, Status string
	Rows          int64
}

func history(t *testing.T, runID string) map[string]histRow {
	t.Helper()
	c := st.Clients
	q := c.BigQuery.Query(fmt.Sprintf("SELECT model, status, `rows` FROM `%s.%s.runs` WHERE run_id = @r ORDER BY model", c.BigQuery.Project(), c.Names.Ops))
	q.Parameters = []bigquery.QueryParameter{{Name: "r", Value: runID}}
	it, err := q.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]histRow{}
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		m := row[0].(string)
		if _, dup := out[m]; dup {
			t.Errorf("run %s: model %s has two history rows", runID, m)
		}
		out[m] = histRow{Model: m, Status: row[1].(string), Rows: row[2].(int64)}
	}
	return out
}

// published reports whether transform.completed for runID arrives on sub
// within wait.
func published(t *testing.T, sub, runID string, wait time.Duration) bool {
	t.Helper()
	ctx := context.Background()
	ps := st.Clients.PubSub
	name := "projects/" + st.Opts.Project + "/subscriptions/" + sub
	for end := time.Now().Add(wait); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		resp, err := ps.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: name, MaxMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range resp.ReceivedMessages {
			ps.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: name, AckIds: []string{m.AckId}})
			if m.Message.Attributes["run_id"] == runID {
				return true
			}
		}
	}
	return false
}

// TestFailingAssertionBlocksPublication seeds a failing assertion on the
// events model: the run returns an AssertionError, models downstream of
// events are skipped, the independent orders model is built, the history
// says so, and transform.completed is not published.
func TestFailingAssertionBlocksPublication(t *testing.T) {
	ctx := context.Background()
	sub := fmt.Sprintf("test-transform-completed-%d", time.Now().UnixNano())
	if err := st.Router.EnsureSubscription(ctx, sub, st.Clients.Names.TransformCompleted); err != nil {
		t.Fatal(err)
	}
	p := pipelineWith("events", config.Assertion{RowCount: &config.RowCount{Min: i64(1_000_000)}})
	_, err := runner(p).Run(ctx, "run_assert_fail", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC))
	var ae *transform.AssertionError
	if !errors.As(err, &ae) || len(ae.Failures) != 1 {
		t.Fatalf("err = %v, want an AssertionError with one failure", err)
	}
	h := history(t, "run_assert_fail")
	want := map[string]string{"events": transform.StatusAssertionFailed, "orders": transform.StatusOK,
		"users": transform.StatusSkipped, "daily_metrics": transform.StatusSkipped}
	for m, s := range want {
		if h[m].Status != s {
			t.Errorf("history %s = %q, want %q", m, h[m].Status, s)
		}
	}
	if published(t, sub, "run_assert_fail", 1500*time.Millisecond) {
		t.Error("transform.completed was published despite a failing assertion")
	}

	// The same pipeline without the seeded failure publishes.
	if _, err := runner(st.Pipeline).Run(ctx, "run_assert_ok", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if !published(t, sub, "run_assert_ok", 5*time.Second) {
		t.Error("transform.completed not published for a passing run")
	}
}

// TestAssertionKinds checks each kind against a model with known data.
func TestAssertionKinds(t *testing.T) {
	ctx := context.Background()
	base := *st.Pipeline
	base.Models = []config.Model{{Name: "kinds", File: "models/kinds.sql"}}
	base.SQL = map[string]string{"kinds": `SELECT * FROM UNNEST([
		STRUCT(1 AS id, 'a' AS k, 'x' AS v), STRUCT(2, 'b', 'y'), STRUCT(2, CAST(NULL AS STRING), 'z')])`}
	tests := []struct {
		name string
		a    config.Assertion
		fail bool
	}{
		{"not_null passes", config.Assertion{NotNull: []string{"id", "v"}}, false},
		{"not_null fails", config.Assertion{NotNull: []string{"k"}}, true},
		{"unique passes", config.Assertion{Unique: []string{"id", "v"}}, false},
		{"unique fails", config.Assertion{Unique: []string{"id"}}, true},
		{"accepted passes", config.Assertion{AcceptedValues: &config.AcceptedValues{Column: "k", Values: []string{"a", "b"}}}, false},
		{"accepted fails", config.Assertion{AcceptedValues: &config.AcceptedValues{Column: "v", Values: []string{"x", "y", "it's"}}}, true},
		{"row_count passes", config.Assertion{RowCount: &config.RowCount{Min: i64(3), Max: i64(3)}}, false},
		{"row_count fails", config.Assertion{RowCount: &config.RowCount{Max: i64(2)}}, true},
		{"sql passes", config.Assertion{SQL: "SELECT * FROM ref('kinds') WHERE id > 5"}, false},
		{"sql fails", config.Assertion{SQL: "SELECT * FROM ref('kinds') WHERE id = 2"}, true},
	}
	// A topic nobody routes: these runs must not start the mask stage.
	topic := fmt.Sprintf("test-kinds-%d", time.Now().UnixNano())
	if _, err := st.Clients.PubSub.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: "projects/" + st.Opts.Project + "/topics/" + topic}); err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			p.Models = []config.Model{{Name: "kinds", File: "models/kinds.sql", Assertions: []config.Assertion{tt.a}}}
			r := runner(&p)
			r.Names.TransformCompleted = topic
			_, err := r.Run(ctx, fmt.Sprintf("run_kinds_%d", i), time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC))
			var ae *transform.AssertionError
			if tt.fail != errors.As(err, &ae) || (!tt.fail && err != nil) {
				t.Errorf("fail = %v, err = %v", tt.fail, err)
			}
		})
	}
}

// TestRunHistoryOneRowPerModel: a retried run (same run id) does not
// duplicate its history rows.
func TestRunHistoryOneRowPerModel(t *testing.T) {
	ctx := context.Background()
	for range 2 {
		if _, err := runner(st.Pipeline).Run(ctx, "run_hist", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	h := history(t, "run_hist")
	if len(h) != len(st.Pipeline.CuratedTables()) {
		t.Errorf("history = %v, want one row per curated table (models and the current state of cdc sources)", h)
	}
	for m, r := range h {
		if r.Status != transform.StatusOK {
			t.Errorf("%s: status %q", m, r.Status)
		}
	}
}

// TestRunLock: a run that finds the lock held by another run exits with
// ErrLocked having built nothing; a retry of the holder re-enters; after
// release a run proceeds. Two concurrent runs never both fail.
func TestRunLock(t *testing.T) {
	ctx := context.Background()
	c := st.Clients
	lock := c.BigQuery.Dataset(c.Names.Ops).Table(transform.LockTable)
	if _, err := runner(st.Pipeline).Run(ctx, "run_lock_0", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err) // creates the ops dataset
	}
	if err := lock.Create(ctx, &bigquery.TableMetadata{Description: "held by run other",
		Schema: bigquery.Schema{{Name: "run_id", Type: bigquery.StringFieldType}}}); err != nil {
		t.Fatal(err)
	}
	_, err := runner(st.Pipeline).Run(ctx, "run_lock_1", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC))
	if !errors.Is(err, transform.ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if h := history(t, "run_lock_1"); len(h) != 0 {
		t.Errorf("a locked-out run wrote history: %v", h)
	}
	if _, err := runner(st.Pipeline).Run(ctx, "other", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("the holder's retry: %v", err)
	}
	if _, err := lock.Metadata(ctx); err == nil {
		t.Error("lock not released after the holder's run")
	}
	errs := make(chan error, 2)
	for _, id := range []string{"run_lock_a", "run_lock_b"} {
		go func() {
			_, err := runner(st.Pipeline).Run(ctx, id, time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC))
			errs <- err
		}()
	}
	ok := 0
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case !errors.Is(err, transform.ErrLocked):
			t.Errorf("concurrent run: %v", err)
		}
	}
	if ok == 0 {
		t.Error("both concurrent runs were locked out")
	}
}
