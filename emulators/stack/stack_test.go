package stack

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/iterator"

	bigqueryemu "github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/emulators/dlp"
	"github.com/sluice-data/sluice/emulators/gcs"
	psemu "github.com/sluice-data/sluice/emulators/pubsub"
	"github.com/sluice-data/sluice/shared/logging"
)

func init() { logging.Output = &bytes.Buffer{} }

// TestExternalEmulatorsAreUsed starts all four emulators as a user would
// outside the stack, names them in the environment, and checks the stack
// starts none of its own and moves a message and a file through them.
func TestExternalEmulatorsAreUsed(t *testing.T) {
	ctx := context.Background()
	ps, err := psemu.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	t.Setenv(PubSubEnv, ps.Addr)
	// No buckets and no notification: the stack must make them.
	g, err := gcs.New(gcs.Options{Project: "ext-project"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	t.Setenv(StorageEnv, g.Addr)
	bqs, err := bigqueryemu.New(bigqueryemu.Options{Project: "ext-project"})
	if err != nil {
		t.Fatal(err)
	}
	defer bqs.Close()
	bqLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bqHTTP := &http.Server{Handler: bqs.Handler()}
	go bqHTTP.Serve(bqLis)
	defer bqHTTP.Close()
	t.Setenv(BigQueryEnv, bqLis.Addr().String())
	d := dlp.NewServer(dlp.Options{})
	dlpLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go d.Serve(dlpLis)
	defer d.Stop()
	t.Setenv(DLPEnv, dlpLis.Addr().String())

	s, err := Start(ctx, Options{External: true, Project: "ext-project"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.PubSub != nil || s.Storage != nil || s.BigQuery != nil || s.DLP != nil {
		t.Fatal("the stack started an emulator of its own although the environment named one")
	}
	if got, want := strings.Join([]string{s.PubSubAddr, s.StorageAddr, s.BigQueryAddr, s.DLPAddr}, " "),
		strings.Join([]string{ps.Addr, g.Addr, bqLis.Addr().String(), dlpLis.Addr().String()}, " "); got != want {
		t.Errorf("stack addresses = %s, want the external ones %s", got, want)
	}
	if len(s.Reused) != 4 {
		t.Errorf("Reused = %v, want all four variables", s.Reused)
	}

	pub := s.Clients.PubSub.Publisher("events")
	ev := `{"event_id":"ext-1","user_id":"u1","event_type":"view","event_time":"2026-11-01T00:00:00Z"}`
	if _, err := pub.Publish(ctx, &pubsub.Message{Data: []byte(ev)}).Get(ctx); err != nil {
		t.Fatal(err)
	}
	pub.Stop()
	w := s.Clients.Storage.Bucket("landing").Object("orders/ext.jsonl").NewWriter(ctx)
	fmt.Fprintln(w, `{"order_id":"o-ext","user_id":"u1","status":"paid","total":3.5,"currency":"EUR","updated_at":"2026-11-01T00:00:00Z"}`)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Both land in the external BigQuery, which the test reads directly.
	for _, q := range []string{"SELECT COUNT(*) FROM raw.events WHERE event_id = 'ext-1'", "SELECT COUNT(*) FROM raw.orders WHERE order_id = 'o-ext'"} {
		waitRow(t, bqs, q)
	}
	found := false
	for _, m := range ps.Messages() {
		if string(m.Data) == ev {
			found = true
		}
	}
	if !found {
		t.Error("the event was not published through the external Pub/Sub emulator")
	}
	if n := s.BigQueryWrites(); n != 0 {
		t.Errorf("BigQueryWrites = %d, want 0 for an external BigQuery", n)
	}
}

func waitRow(t *testing.T, bqs *bigqueryemu.Server, q string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int64
		if err := bqs.DB().QueryRow(strings.ReplaceAll(q, "raw.", "\"raw\".")).Scan(&n); err == nil && n == 1 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", q)
}

// TestBusyAddressIsAClearError asks for emulator addresses something
// already listens on: Start fails with an error that names the address and
// the variable to set, and does not panic.
func TestBusyAddressIsAClearError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	t.Setenv(PubSubEnv, "")
	for _, c := range []struct {
		opts Options
		env  string
		flag string
	}{
		{Options{PubSubAddr: addr}, PubSubEnv, "--pubsub-addr"},
		{Options{StorageAddr: addr}, StorageEnv, "--gcs-addr"},
		{Options{BigQueryAddr: addr}, BigQueryEnv, "--bigquery-addr"},
		{Options{DLPAddr: addr}, DLPEnv, "--dlp-addr"},
	} {
		t.Run(c.env, func(t *testing.T) {
			s, err := Start(context.Background(), c.opts)
			if err == nil {
				s.Close()
				t.Fatal("Start on a busy address succeeded")
			}
			for _, want := range []string{"address already in use", c.env + "=" + addr, c.flag} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
	// Nothing the failed starts set is left behind.
	if v := os.Getenv(PubSubEnv); v != "" {
		t.Errorf("%s = %q after failed starts, want it restored to empty", PubSubEnv, v)
	}
}

// TestWithoutExternalTheStackStartsItsOwn: tests keep their in-process
// emulators (and fault injectors) even when the shell names others, and the
// variables are put back on Close.
func TestWithoutExternalTheStackStartsItsOwn(t *testing.T) {
	t.Setenv(PubSubEnv, "127.0.0.1:1")
	t.Setenv(BigQueryEnv, "127.0.0.1:1")
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.PubSub == nil || s.BigQuery == nil || len(s.Reused) != 0 {
		t.Errorf("PubSub %v, BigQuery %v, Reused %v: want in-process emulators", s.PubSub, s.BigQuery, s.Reused)
	}
	if got := os.Getenv(PubSubEnv); got != s.PubSubAddr {
		t.Errorf("%s = %q while running, want %q", PubSubEnv, got, s.PubSubAddr)
	}
	// insertAll requests are counted.
	ctx := context.Background()
	tbl := s.Clients.BigQuery.Dataset("sluice_ops").Table("count_me")
	if err := s.Clients.BigQuery.Dataset("sluice_ops").Create(ctx, nil); err != nil && !strings.Contains(err.Error(), "lready") {
		t.Fatal(err)
	}
	if err := tbl.Create(ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "x", Type: bigquery.IntegerFieldType}}}); err != nil {
		t.Fatal(err)
	}
	before := s.BigQueryWrites()
	for i := 0; i < 3; i++ {
		if err := tbl.Inserter().Put(ctx, []*bigquery.ValuesSaver{{Schema: bigquery.Schema{{Name: "x", Type: bigquery.IntegerFieldType}}, Row: []bigquery.Value{int64(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.BigQueryWrites() - before; got != 3 {
		t.Errorf("BigQueryWrites counted %d insertAll calls, want 3", got)
	}
	it := tbl.Read(ctx)
	n := 0
	for {
		var row []bigquery.Value
		if err := it.Next(&row); err == iterator.Done {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("rows = %d, want 3", n)
	}
	s.Close()
	if got := os.Getenv(PubSubEnv); got != "127.0.0.1:1" {
		t.Errorf("%s = %q after Close, want the value before Start", PubSubEnv, got)
	}
}
