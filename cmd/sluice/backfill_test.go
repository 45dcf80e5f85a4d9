package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	bqclient "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// TestBackfillCommand runs the backfill command's core against a BigQuery
// emulator holding three days of order snapshots: the table equals a full
// run over the same data, a second backfill changes nothing, and stderr
// shows the progress bar.
func TestBackfillCommand(t *testing.T) {
	ctx := context.Background()
	srv, err := bigquery.New(bigquery.Options{Project: "sluice-local"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	// Backfill publishes nothing; the other clients only need to construct.
	t.Setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:1")
	t.Setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:1")
	env := gcp.Env{Project: "sluice-local", BigQueryHost: strings.TrimPrefix(hs.URL, "http://"), DLPHost: "127.0.0.1:1"}
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	c, err := bqclient.NewClient(ctx, "sluice-local", option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	names := gcp.NamesFor("", p)
	// The first backfill creates the datasets and raw tables; then data lands.
	o := transform.BackfillOptions{Model: "orders", From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}
	if err := backfill(ctx, &bytes.Buffer{}, env, p, o, false); err != nil {
		t.Fatal(err)
	}
	var vals []string
	for i := range 30 {
		day := 1 + i%3
		vals = append(vals, fmt.Sprintf("('o%d', 'u%d', 'status%d', %d.5, 'EUR', TIMESTAMP '2026-11-0%dT%02d:00:00Z', 'e%d', 'orders', TIMESTAMP '2026-11-0%dT23:30:00Z')",
			i%12, i%5, day, i, day, i%24, i, day))
	}
	run := func(sql string) {
		t.Helper()
		job, err := c.Query(sql).Run(ctx)
		if err == nil {
			var st *bqclient.JobStatus
			if st, err = job.Wait(ctx); err == nil {
				err = st.Err()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	run(fmt.Sprintf("INSERT INTO `sluice-local.%s.orders` (order_id, user_id, status, total, currency, updated_at, _event_id, _source, _ingested_at) VALUES %s",
		names.Raw, strings.Join(vals, ", ")))
	read := func(table string) []string {
		t.Helper()
		it, err := c.Query(fmt.Sprintf("SELECT * FROM `sluice-local.%s.%s` ORDER BY order_id", names.Curated, table)).Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for {
			var row []bqclient.Value
			if err := it.Next(&row); errors.Is(err, iterator.Done) {
				return out
			} else if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(row))
		}
	}
	// The reference: a fresh full run of the model, kept aside.
	r := &transform.Runner{BigQuery: c, Pipeline: p, Names: names, Now: time.Now, Log: slog.New(slog.DiscardHandler)}
	if _, err := r.RunWith(ctx, "full", o.To, transform.RunOptions{Models: []string{"orders"}, FullRefresh: true, NoPublish: true}); err != nil {
		t.Fatal(err)
	}
	want := read("orders")
	if len(want) != 12 {
		t.Fatalf("full run: %d orders, want 12", len(want))
	}
	run(fmt.Sprintf("DROP TABLE `sluice-local.%s.orders`", names.Curated))
	for i, full := range []bool{true, false} {
		var stderr bytes.Buffer
		o.FullRefresh = full
		terminal := i == 0 // the second run is as in a pipe: no bar, only the result line
		if err := backfill(ctx, &stderr, env, p, o, terminal); err != nil {
			t.Fatal(err)
		}
		if got := read("orders"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("backfill %d:\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if bar := strings.Contains(stderr.String(), "orders [##############################] 3/3 2026-11-03"); bar != terminal {
			t.Errorf("stderr = %q, want a progress bar: %v", stderr.String(), terminal)
		}
		if !strings.Contains(stderr.String(), "backfilled orders from 2026-11-01 to 2026-11-03") {
			t.Errorf("stderr = %q, want the result line", stderr.String())
		}
	}
}

// TestValidateCommand dry-runs the example pipeline on an in-process
// emulator, and names the file of a model that does not compile.
func TestValidateCommand(t *testing.T) {
	ctx := context.Background()
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := validate(ctx, &out, p, "", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"in-process BigQuery emulator", "orders               incremental", "experiment_results"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	bad := *p
	bad.SQL = map[string]string{}
	for k, v := range p.SQL {
		bad.SQL[k] = v
	}
	bad.SQL["users"] = strings.Replace(p.SQL["users"], "a.revenue", "a.no_such_column", 1)
	err = validate(ctx, &out, &bad, "", time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC))
	if err == nil || !strings.Contains(err.Error(), "models/users.sql: dry run:") || !strings.Contains(err.Error(), "models/daily_metrics.sql: not checked: it reads model users") {
		t.Errorf("err = %v", err)
	}
}
