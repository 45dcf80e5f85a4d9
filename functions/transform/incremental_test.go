package transform_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/config"
)

// isolated returns a runner over its own datasets (prefix) running only the
// named models of the example pipeline, publishing to a topic nobody routes.
func isolated(t testing.TB, prefix string, models ...string) *transform.Runner {
	t.Helper()
	p := *st.Pipeline
	p.Models = nil
	// CDC sources keep their current-state table only when it is named.
	p.Sources = append([]config.Source{}, st.Pipeline.Sources...)
	for i := range p.Sources {
		if t := p.Sources[i].CDCTable(); t != "" && !slices.Contains(models, t) {
			p.Sources[i].CDC = nil
		}
	}
	for _, m := range st.Pipeline.Models {
		for _, n := range models {
			if m.Name == n {
				p.Models = append(p.Models, m)
			}
		}
	}
	r := runner(&p)
	r.Names.Raw, r.Names.Curated, r.Names.Ops = prefix+"_raw", prefix+"_curated", prefix+"_ops"
	topic := fmt.Sprintf("%s-%d", strings.ReplaceAll(prefix, "_", "-"), time.Now().UnixNano())
	if _, err := st.Clients.PubSub.TopicAdminClient.CreateTopic(context.Background(),
		&pubsubpb.Topic{Name: "projects/" + st.Opts.Project + "/topics/" + topic}); err != nil {
		t.Fatal(err)
	}
	r.Names.TransformCompleted = topic
	return r
}

type order struct {
	id, user, status string
	total            float64
	updated          time.Time
	ingested         time.Time
}

// land inserts order snapshots into the runner's raw orders table as ingest
// would have landed them.
func land(t testing.TB, r *transform.Runner, orders ...order) {
	t.Helper()
	var vals []string
	for i, o := range orders {
		user := "NULL"
		if o.user != "" {
			user = "'" + o.user + "'"
		}
		vals = append(vals, fmt.Sprintf("('%s', %s, '%s', %g, 'EUR', TIMESTAMP '%s', 'x@example.com', '%s#%d', 'orders', TIMESTAMP '%s', TIMESTAMP '%s')",
			o.id, user, o.status, o.total, o.updated.Format(time.RFC3339), o.id, i, o.updated.Format(time.RFC3339), o.ingested.Format(time.RFC3339)))
	}
	q := st.Clients.BigQuery.Query(fmt.Sprintf("INSERT INTO `%s.%s.orders` (order_id, user_id, status, total, currency, updated_at, email, _event_id, _source, _event_time, _ingested_at) VALUES %s",
		st.Clients.BigQuery.Project(), r.Names.Raw, strings.Join(vals, ", ")))
	exec(t, q)
}

func exec(t testing.TB, q *bigquery.Query) {
	t.Helper()
	job, err := q.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, err := job.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
}

// rows reads a query's rows as strings, in order.
func rows(t testing.TB, sql string) []string {
	t.Helper()
	// Through jobs.insert: see read in build.go.
	q := st.Clients.BigQuery.Query(sql)
	q.JobID, q.AddJobIDSuffix = "test_read", true
	it, err := q.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, v := range row {
			fmt.Fprint(&b, v, "|")
		}
		out = append(out, b.String())
	}
}

func table(t testing.TB, r *transform.Runner, name, order string) []string {
	t.Helper()
	return rows(t, fmt.Sprintf("SELECT * FROM `%s.%s.%s` ORDER BY %s", st.Clients.BigQuery.Project(), r.Names.Curated, name, order))
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) time.Time { return at(s + "T00:00:00Z") }

// Two days of order snapshots, landed the morning after.
var (
	batch1 = []order{
		{"o1", "u1", "created", 10, at("2026-11-01T09:00:00Z"), at("2026-11-02T01:00:00Z")},
		{"o2", "u2", "created", 20, at("2026-11-01T10:00:00Z"), at("2026-11-02T01:00:00Z")},
		{"o3", "u1", "created", 30, at("2026-11-01T23:59:59Z"), at("2026-11-02T01:00:00Z")},
		// A second landing of the same snapshot (at-least-once delivery).
		{"o3", "u1", "created", 30, at("2026-11-01T23:59:59Z"), at("2026-11-02T01:05:00Z")},
	}
	batch2 = []order{
		{"o1", "u1", "paid", 10, at("2026-11-02T08:00:00Z"), at("2026-11-03T01:00:00Z")},
		{"o1", "u1", "shipped", 10, at("2026-11-02T18:00:00Z"), at("2026-11-03T01:00:00Z")},
		{"o2", "u2", "paid", 20, at("2026-11-02T11:00:00Z"), at("2026-11-03T01:00:00Z")},
		{"o4", "", "created", 40, at("2026-11-02T12:00:00Z"), at("2026-11-03T01:00:00Z")},
	}
	wantOrders = []string{
		"o1|u1|shipped|10|EUR|2026-11-02 18:00:00 +0000 UTC|",
		"o2|u2|paid|20|EUR|2026-11-02 11:00:00 +0000 UTC|",
		"o3|u1|created|30|EUR|2026-11-01 23:59:59 +0000 UTC|",
		"o4|<nil>|created|40|EUR|2026-11-02 12:00:00 +0000 UTC|",
	}
)

// TestIncrementalEqualsFullRefresh lands two days of order snapshots, runs
// the incremental orders model after each, and checks the table equals a
// full refresh; that a second run of each stage changes nothing; and that
// the watermark follows the data.
func TestIncrementalEqualsFullRefresh(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_incr", "orders")
	if _, err := r.Run(ctx, "incr_0", date("2026-10-31")); err != nil {
		t.Fatal(err) // creates the datasets and the (empty) raw table
	}
	land(t, r, batch1...)
	for i := range 2 {
		if _, err := r.Run(ctx, fmt.Sprintf("incr_1_%d", i), date("2026-11-01")); err != nil {
			t.Fatal(err)
		}
	}
	if wm, ok, err := r.Watermark(ctx, "orders"); err != nil || !ok || !wm.Equal(at("2026-11-01T23:59:59Z")) {
		t.Errorf("watermark after day 1 = %v %v %v, want 2026-11-01T23:59:59Z", wm, ok, err)
	}
	land(t, r, batch2...)
	for i := range 2 {
		if _, err := r.Run(ctx, fmt.Sprintf("incr_2_%d", i), date("2026-11-02")); err != nil {
			t.Fatal(err)
		}
		if got := table(t, r, "orders", "order_id"); !reflect.DeepEqual(got, wantOrders) {
			t.Fatalf("incremental after two batches (run %d):\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(wantOrders, "\n"))
		}
	}
	if wm, _, _ := r.Watermark(ctx, "orders"); !wm.Equal(at("2026-11-02T18:00:00Z")) {
		t.Errorf("watermark after day 2 = %v", wm)
	}
	if _, err := r.RunWith(ctx, "incr_full", date("2026-11-02"), transform.RunOptions{FullRefresh: true}); err != nil {
		t.Fatal(err)
	}
	if got := table(t, r, "orders", "order_id"); !reflect.DeepEqual(got, wantOrders) {
		t.Errorf("full refresh:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantOrders, "\n"))
	}
	// The table carries the header's partitioning, clustering and docs.
	md, err := st.Clients.BigQuery.Dataset(r.Names.Curated).Table("orders").Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.TimePartitioning == nil || md.TimePartitioning.Field != "updated_at" || md.Clustering == nil || md.Clustering.Fields[0] != "user_id" {
		t.Errorf("partitioning %+v clustering %+v", md.TimePartitioning, md.Clustering)
	}
	if !strings.HasPrefix(md.Description, "Current state of each order") || md.Schema[0].Description != "The order id from the order service." {
		t.Errorf("description %q, order_id doc %q", md.Description, md.Schema[0].Description)
	}
	// A run after the watermark with no new data changes nothing.
	if _, err := r.Run(ctx, "incr_3", date("2026-11-03")); err != nil {
		t.Fatal(err)
	}
	if got := table(t, r, "orders", "order_id"); !reflect.DeepEqual(got, wantOrders) {
		t.Errorf("after an empty day:\n%s", strings.Join(got, "\n"))
	}
}

// TestBackfillEqualsFullRun: a backfill of the range, with and without
// --full-refresh and run twice, leaves the same table as a fresh full run
// over the same data.
func TestBackfillEqualsFullRun(t *testing.T) {
	ctx := context.Background()
	full := isolated(t, "t_bf_full", "orders")
	bf := isolated(t, "t_bf", "orders")
	for _, r := range []*transform.Runner{full, bf} {
		if _, err := r.Run(ctx, "bf_init_"+r.Names.Raw, date("2026-10-01")); err != nil {
			t.Fatal(err)
		}
		land(t, r, append(append([]order{}, batch1...), batch2...)...)
	}
	if _, err := full.Run(ctx, "bf_full", date("2026-11-05")); err != nil {
		t.Fatal(err)
	}
	want := table(t, full, "orders", "order_id")
	if !reflect.DeepEqual(want, wantOrders) {
		t.Fatalf("full run:\n%s", strings.Join(want, "\n"))
	}
	var progress []int
	for i, fr := range []bool{true, false, true} {
		err := bf.Backfill(ctx, transform.BackfillOptions{Model: "orders", From: date("2026-10-31"), To: date("2026-11-03"),
			FullRefresh: fr, RunID: fmt.Sprintf("bf_%d", i), Progress: func(_ time.Time, done, total int) { progress = append(progress, done*10+total) }})
		if err != nil {
			t.Fatal(err)
		}
		if got := table(t, bf, "orders", "order_id"); !reflect.DeepEqual(got, want) {
			t.Errorf("backfill %d (full refresh %v):\n%s\nwant\n%s", i, fr, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if !reflect.DeepEqual(progress[:4], []int{14, 24, 34, 44}) {
		t.Errorf("progress = %v", progress)
	}
	// A backfill of an older range does not undo newer state.
	if err := bf.Backfill(ctx, transform.BackfillOptions{Model: "orders", From: date("2026-11-01"), To: date("2026-11-01"), RunID: "bf_old"}); err != nil {
		t.Fatal(err)
	}
	if got := table(t, bf, "orders", "order_id"); !reflect.DeepEqual(got, want) {
		t.Errorf("after backfilling day 1 again:\n%s", strings.Join(got, "\n"))
	}
	if wm, _, _ := bf.Watermark(ctx, "orders"); !wm.Equal(at("2026-11-02T18:00:00Z")) {
		t.Errorf("watermark = %v", wm)
	}
}

// TestModelHeaderErrorsNameFileAndLine: a bad header fails the plan with
// the file and line.
func TestModelHeaderErrorsNameFileAndLine(t *testing.T) {
	p := *st.Pipeline
	p.Models = []config.Model{{Name: "bad", File: "models/bad.sql"}}
	p.SQL = map[string]string{"bad": "-- a model\n-- sluice: materialized=incremental colour=blue\nSELECT 1 AS x"}
	_, err := transform.Plan(&p, "p", "raw", "curated")
	if err == nil || !strings.Contains(err.Error(), "models/bad.sql: line 2: unknown key \"colour\"") ||
		!strings.Contains(err.Error(), "models/bad.sql: time_column") {
		t.Errorf("err = %v", err)
	}
	p.SQL = map[string]string{"bad": "-- sluice: materialized=incremental time_column=updated_at\nSELECT * FROM source('raw', 'orders')"}
	if _, err := transform.Plan(&p, "p", "raw", "curated"); err == nil || !strings.Contains(err.Error(), "models/bad.sql: an incremental model must filter on its time range: use @start and @end") {
		t.Errorf("time range guard: err = %v", err)
	}
}

// TestPartitionGuardUsesDryRun: an incremental model that filters its raw
// table on a column other than the partition column passes the plan (the
// text names @start and @end) and fails its build on the dry runs, naming
// the source and the column, before anything is written; while the raw
// table is empty it builds, and the example model, which filters
// updated_at, builds with data.
func TestPartitionGuardUsesDryRun(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_prune", "orders")
	p := *r.Pipeline
	p.SQL = map[string]string{"orders": "-- sluice: materialized=incremental time_column=updated_at unique_key=order_id\n" +
		"SELECT order_id, status, updated_at FROM source('raw', 'orders') WHERE _ingested_at >= @start AND _ingested_at < @end"}
	r.Pipeline = &p
	if _, err := transform.Plan(&p, "p", "raw", "curated"); err != nil {
		t.Fatalf("plan: %v", err)
	}
	if _, err := r.Run(ctx, "prune_0", date("2026-10-31")); err != nil {
		t.Fatalf("empty raw table: %v", err)
	}
	land(t, r, batch1...)
	_, err := r.Run(ctx, "prune_1", date("2026-11-01"))
	if err == nil || !strings.Contains(err.Error(), "model orders (models/orders.sql): dry run: the query would process") ||
		!strings.Contains(err.Error(), "must filter the partition column of source('raw', 'orders') (add updated_at >= @start") {
		t.Fatalf("err = %v", err)
	}
	if got := table(t, r, "orders", "order_id"); len(got) != 0 {
		t.Errorf("the unpruned model wrote rows: %v", got)
	}
	p.SQL = map[string]string{"orders": st.Pipeline.SQL["orders"]}
	if _, err := r.Run(ctx, "prune_2", date("2026-11-01")); err != nil {
		t.Fatalf("the example model: %v", err)
	}
}

// TestIncrementalSchemaChange: a column the incremental model gains is
// added to its table and filled for the rows processed from then on (o3
// sits at the watermark, so it is processed again).
func TestIncrementalSchemaChange(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_schema", "orders")
	if _, err := r.Run(ctx, "schema_0", date("2026-10-31")); err != nil {
		t.Fatal(err)
	}
	land(t, r, batch1...)
	if _, err := r.Run(ctx, "schema_1", date("2026-11-01")); err != nil {
		t.Fatal(err)
	}
	p := *r.Pipeline
	p.SQL = map[string]string{"orders": strings.Replace(st.Pipeline.SQL["orders"], "  currency,\n", "  currency,\n  UPPER(status) AS status_code,\n", 1)}
	r.Pipeline = &p
	land(t, r, batch2...)
	if _, err := r.Run(ctx, "schema_2", date("2026-11-02")); err != nil {
		t.Fatal(err)
	}
	got := rows(t, fmt.Sprintf("SELECT order_id, status_code FROM `%s.%s.orders` ORDER BY order_id", st.Clients.BigQuery.Project(), r.Names.Curated))
	want := []string{"o1|SHIPPED|", "o2|PAID|", "o3|CREATED|", "o4|CREATED|"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after adding a column: %v, want %v", got, want)
	}
}
