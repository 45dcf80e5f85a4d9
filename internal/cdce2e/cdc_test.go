// Package cdce2e drives generated changes of the shop's customers table
// through Pub/Sub (the real client against the in-process emulator, the
// trigger router and the ingest function) into raw.customers, keeps the
// current state with the transform, and checks it equals the generator's
// final state exactly.
package cdce2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/logging"
)

// EnvChanges sets how many changes TestCDCThroughPubSub generates
// (default 10,000; -short: 2,000).
const EnvChanges = "SLUICE_CDC_CHANGES"

var st *stack.Stack

func TestMain(m *testing.M) {
	logging.Output = &bytes.Buffer{} // keep function logs out of test output
	var err error
	st, err = stack.Start(context.Background(), stack.Options{MaxAttempts: 8})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

func changes(t *testing.T) int {
	if s := os.Getenv(EnvChanges); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			t.Fatalf("%s=%q: want a number of changes, at least 10", EnvChanges, s)
		}
		return n
	}
	if testing.Short() {
		return 2000
	}
	return 10000
}

// TestCDCThroughPubSub publishes the changes, 5% of the messages twice and
// 5% moved later, in two halves with a transform run after each, and
// checks curated.customers equals the generator's final state after the
// runs, after a re-run and after a backfill from the whole changelog.
func TestCDCThroughPubSub(t *testing.T) {
	ctx := context.Background()
	n := changes(t)
	cc := sample.Customers(42, n, n/5)
	msgs := cc.Deliver(42, 5, 5)
	landing := 0 // messages that land a row: every delivered change (duplicates too), no tombstone
	for _, m := range msgs {
		if !m.Tombstone {
			landing++
		}
	}
	src, ok := st.Pipeline.Source("customers")
	if !ok {
		t.Fatal("the example pipeline has no customers source")
	}
	topic := st.Clients.Names.Topic(src.Trigger.PubSubTopic)
	r := &transform.Runner{BigQuery: st.Clients.BigQuery, PubSub: st.Clients.PubSub, Pipeline: st.Pipeline, Names: st.Clients.Names,
		Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	run := func(id string) {
		t.Helper()
		if _, err := r.RunWith(ctx, id, sample.Base, transform.RunOptions{Models: []string{"customers"}, NoPublish: true}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	half := len(msgs) * 6 / 10
	publish(t, topic, msgs[:half])
	waitRows(t, countLanding(msgs[:half]))
	run("cdc_e2e_1")
	publish(t, topic, msgs[half:])
	waitRows(t, landing)
	t.Logf("%d changes (%d messages delivered, %d landed rows) through Pub/Sub in %.1fs; ops %v",
		cc.Changes, len(msgs), landing, time.Since(start).Seconds(), cc.Ops)
	check := func(when string) {
		t.Helper()
		d, err := demo.CustomersDiff(ctx, st.Clients, "customers", cc)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if d != "" {
			t.Fatalf("%s: %s", when, d)
		}
	}
	t0 := time.Now()
	run("cdc_e2e_2")
	t.Logf("incremental merge of the second half: %.2fs", time.Since(t0).Seconds())
	check("after the incremental runs")
	run("cdc_e2e_3")
	check("after a re-run")
	t0 = time.Now()
	if err := r.Backfill(ctx, transform.BackfillOptions{Model: "customers", From: sample.Base, To: sample.Base, RunID: "cdc_e2e_backfill"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("backfill from the whole changelog: %.2fs", time.Since(t0).Seconds())
	check("after a backfill")
	if cc.Ops["r"] == 0 || cc.Ops["d"] == 0 || cc.Ops["u"] == 0 || cc.Ops["c"] == 0 {
		t.Errorf("the generator missed an op: %v", cc.Ops)
	}
	// The schema change reached the table: loyalty_tier added, credit_limit widened.
	md, err := st.Clients.BigQuery.Dataset(st.Clients.Names.Curated).Table("customers").Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bigquery.FieldType{}
	for _, f := range md.Schema {
		types[f.Name] = f.Type
	}
	if types["credit_limit"] != bigquery.FloatFieldType || types["loyalty_tier"] != bigquery.StringFieldType {
		t.Errorf("curated.customers credit_limit %s, loyalty_tier %q; want FLOAT and STRING after the schema change", types["credit_limit"], types["loyalty_tier"])
	}
}

func countLanding(msgs []sample.ChangeMessage) int {
	n := 0
	for _, m := range msgs {
		if !m.Tombstone {
			n++
		}
	}
	return n
}

// publish sends the messages in the given order without ordering keys:
// the order the transport delivers in is the test's to choose.
func publish(t *testing.T, topic string, msgs []sample.ChangeMessage) {
	t.Helper()
	ctx := context.Background()
	pub := st.Clients.PubSub.Publisher(topic)
	defer pub.Stop()
	pub.PublishSettings.CountThreshold = 500
	rs := make([]*pubsub.PublishResult, len(msgs))
	for i, m := range msgs {
		rs[i] = pub.Publish(ctx, &pubsub.Message{Data: m.Data})
	}
	for _, r := range rs {
		if _, err := r.Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// waitRows waits until raw.customers holds want rows, then checks nothing
// more arrives and nothing was rejected.
func waitRows(t *testing.T, want int) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	count := func() int64 {
		q := st.Clients.BigQuery.Query(fmt.Sprintf("SELECT COUNT(*) FROM `%s.%s.customers`", st.Clients.Env.Project, st.Clients.Names.Raw))
		q.JobID, q.AddJobIDSuffix = "cdc_e2e_count", true
		it, err := q.Read(ctx)
		if err != nil {
			return -1
		}
		var row []bigquery.Value
		if err := it.Next(&row); err != nil {
			return -1
		}
		return row[0].(int64)
	}
	var n int64
	for time.Now().Before(deadline) {
		if err := st.Router.WaitIdle(ctx, 25*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if n = count(); n >= int64(want) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n != int64(want) {
		t.Fatalf("raw.customers = %d rows, want %d", n, want)
	}
}
