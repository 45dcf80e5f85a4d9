// Package e2e drives the ingest function through the whole local stack:
// Pub/Sub and the landing bucket → trigger router → functions framework →
// ingest → BigQuery emulator, with the router's retries and dead letters.
package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/stack"
)

var st *stack.Stack

func TestMain(m *testing.M) {
	var err error
	st, err = stack.Start(context.Background(), stack.Options{MaxAttempts: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

func count(t *testing.T, sql string) int64 {
	t.Helper()
	it, err := st.Clients.BigQuery.Query(sql).Read(context.Background())
	if err != nil {
		return -1 // the table is not there yet
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil && err != iterator.Done {
		t.Fatal(err)
	}
	return row[0].(int64)
}

// waitCount polls until sql counts want (or the deadline), then holds
// a moment to catch duplicates arriving late.
func waitCount(t *testing.T, sql string, want int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var n int64
	for time.Now().Before(deadline) {
		if n = count(t, sql); n >= want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if n = count(t, sql); n != want {
		t.Errorf("%s = %d, want %d", sql, n, want)
	}
}

func publish(t *testing.T, topic, data string, attrs map[string]string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Clients.PubSub.Publisher(st.Clients.Names.Topic(topic)).Publish(ctx, &pubsub.Message{Data: []byte(data), Attributes: attrs}).Get(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPubSubThroughTheStack(t *testing.T) {
	// The same batch published twice (two message ids, same event ids):
	// one row per event, one reject per bad record.
	batch := `[{"event_id":"e2e-1","event_type":"view"},{"event_id":"e2e-2","amount":"abc"},{"event_id":"e2e-3","event_type":"buy"}]`
	publish(t, "events", batch, nil)
	publish(t, "events", batch, nil)
	waitCount(t, "SELECT COUNT(*) FROM raw.events WHERE _event_id LIKE 'e2e-%'", 2)
	// Rejects are kept per message (their id derives from the origin):
	// the producer sent the bad record twice, so there are two, one per
	// message; a redelivery of the same message would add none.
	waitCount(t, "SELECT COUNT(DISTINCT origin) FROM sluice_ops.rejects WHERE source = 'events' AND payload = b'{\"event_id\":\"e2e-2\",\"amount\":\"abc\"}'", 2)

	// One transient insertAll failure: the delivery is retried and lands once.
	st.BigQuery.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailFirst: 1, Code: 503})
	publish(t, "events", `{"event_id":"e2e-retry"}`, nil)
	waitCount(t, "SELECT COUNT(*) FROM raw.events WHERE _event_id = 'e2e-retry'", 1)
	st.BigQuery.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
}

func TestObjectThroughTheStack(t *testing.T) {
	ctx := context.Background()
	var raw bytes.Buffer
	zw := gzip.NewWriter(&raw)
	fmt.Fprintln(zw, `{"order_id":"e2e-o1","total":12.5,"updated_at":"2026-01-01T00:00:00Z"}`)
	fmt.Fprintln(zw, `{"order_id":"e2e-o2","order_id":"dup"}`)
	fmt.Fprintln(zw, "{\"order_id\":\"e2e-o3\",\"status\":\"\xff\"}")
	zw.Close()
	w := st.Clients.Storage.Bucket(st.Clients.Names.Landing).Object("orders/e2e.jsonl.gz").NewWriter(ctx)
	w.Write(raw.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	waitCount(t, "SELECT COUNT(*) FROM raw.orders WHERE order_id = 'e2e-o1'", 1)
	waitCount(t, "SELECT COUNT(*) FROM sluice_ops.rejects WHERE origin LIKE 'gs://landing/orders/e2e.jsonl.gz%' AND reason IN ('duplicate_key','invalid_utf8')", 2)
}

// A fault that does not go away: after MaxAttempts deliveries the message
// is in the dead-letter topic, and nothing landed. (5xx and 429 are retried
// inside the BigQuery client until the function's deadline first.)
func TestPersistentFaultDeadLetters(t *testing.T) {
	ctx := context.Background()
	// 404 is not retried inside the client: each delivery fails fast.
	st.BigQuery.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailRate: 1, Code: 404})
	defer st.BigQuery.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
	publish(t, "events", `{"event_id":"e2e-dead"}`, map[string]string{"case": "dead"})
	sub := "projects/" + st.Clients.Env.Project + "/subscriptions/" + st.Clients.Names.Topic("events") + "-dead-letter-inspect"
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := st.Clients.PubSub.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub, MaxMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range resp.ReceivedMessages {
			if m.Message.Attributes["case"] == "dead" {
				st.BigQuery.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
				if n := count(t, "SELECT COUNT(*) FROM raw.events WHERE _event_id = 'e2e-dead'"); n != 0 {
					t.Errorf("dead-lettered message landed %d rows", n)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("message not dead-lettered within 60 s")
}
