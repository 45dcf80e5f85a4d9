package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

// withCoupon is the example pipeline with one more typed column on events:
// "coupon", which until now landed in _extra; the events model selects it.
func withCoupon(t *testing.T) *config.Pipeline {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(pipeline.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(pipeline.Files, p)
		if err != nil {
			return err
		}
		if p == "pipeline.yaml" {
			const anchor = "      - {name: message, type: STRING}\n"
			if !strings.Contains(string(b), anchor) {
				t.Fatalf("pipeline.yaml has no %q line to add the column after", anchor)
			}
			b = []byte(strings.Replace(string(b), anchor, anchor+"      - {name: coupon, type: STRING}\n", 1))
		}
		if p == "models/events.sql" {
			const anchor = "  message,\n"
			if !strings.Contains(string(b), anchor) {
				t.Fatalf("models/events.sql has no %q line to add the column after", anchor)
			}
			b = []byte(strings.Replace(string(b), anchor, anchor+"  coupon,\n", 1))
		}
		m[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRelandReplaceFillsNewColumn is issue 19's done-when: messages are
// published through the real stack (router → ingest, and the archive);
// the schema then gains a typed column for a field that was kept in
// _extra; `sluice reland --replace` rebuilds the day from the archive and
// the column is filled for the old rows, with no row duplicated or lost.
func TestRelandReplaceFillsNewColumn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	logging.Output = io.Discard
	ctx := context.Background()
	st, err := stack.Start(ctx, stack.Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	names := st.Clients.Names
	topic := names.Topic("events")
	day := time.Now().UTC().Truncate(24 * time.Hour)
	const n = 40
	pub := st.Clients.PubSub.Publisher(topic)
	var results []*pubsub.PublishResult
	for i := range n {
		b, _ := json.Marshal(map[string]any{"event_id": fmt.Sprintf("e%03d", i), "user_id": fmt.Sprintf("u%d", i%7),
			"event_type": "page_view", "event_time": day.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"coupon": fmt.Sprintf("C%03d", i)})
		results = append(results, pub.Publish(ctx, &pubsub.Message{Data: b}))
	}
	// One message twice (at-least-once publishing): one row, archived twice.
	b, _ := json.Marshal(map[string]any{"event_id": "e000", "user_id": "u0", "event_type": "page_view",
		"event_time": day.Format(time.RFC3339), "coupon": "C000"})
	results = append(results, pub.Publish(ctx, &pubsub.Message{Data: b}))
	for _, r := range results {
		if _, err := r.Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pub.Stop()

	bqc := st.Clients.BigQuery
	query := func(sql string) [][]bigquery.Value {
		t.Helper()
		it, err := bqc.Query(sql).Read(ctx)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		var out [][]bigquery.Value
		for {
			var row []bigquery.Value
			if err := it.Next(&row); err == iterator.Done {
				return out
			} else if err != nil {
				t.Fatal(err)
			}
			out = append(out, row)
		}
	}
	raw := "`" + names.Raw + ".events`"
	deadline := time.Now().Add(60 * time.Second)
	for {
		// The raw table exists once ingest has handled the first message.
		if it, err := bqc.Query("SELECT COUNT(DISTINCT event_id) FROM " + raw).Read(ctx); err == nil {
			var row []bigquery.Value
			if it.Next(&row) == nil && row[0].(int64) == n {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %d events did not land in %s within 60 s", n, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The coupon is kept, untyped, in _extra.
	if rows := query("SELECT COUNT(*) FROM " + raw + " WHERE _extra IS NOT NULL AND CAST(_extra AS STRING) LIKE '%C00%'"); rows[0][0].(int64) < 1 {
		t.Fatalf("before the schema change the coupon should be in _extra; rows with it: %v", rows)
	}
	if err := st.Archive.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	p2 := withCoupon(t)
	env, err := gcp.EnvFromOS()
	if err != nil {
		t.Fatal(err)
	}
	c, err := gcp.NewClients(ctx, env, p2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// --dry-run counts and lands nothing.
	o := relandOptions{Source: "events", From: day, To: day, DryRun: true}
	sum, err := reland(ctx, c, p2, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Messages != n+1 || sum.Objects == 0 {
		t.Fatalf("dry run: %d messages in %d objects, want %d messages archived", sum.Messages, sum.Objects, n+1)
	}

	// Without --replace everything is already there: all skipped.
	o.DryRun = false
	if sum, err = reland(ctx, c, p2, o); err != nil {
		t.Fatal(err)
	}
	if sum.Landed != 0 || sum.Skipped != n+1 || total(sum.Rejected) != 0 {
		t.Fatalf("re-land over landed rows: landed %d skipped %d rejected %v, want 0, %d, none", sum.Landed, sum.Skipped, sum.Rejected, n+1)
	}
	if rows := query("SELECT COUNT(*) FROM " + raw); rows[0][0].(int64) != n {
		t.Fatalf("after a plain re-land %s has %v rows, want %d", raw, rows[0][0], n)
	}

	// A row of the day that the archive does not hold (landed before the
	// archive existed): --replace must keep it.
	ins := fmt.Sprintf("INSERT INTO %s (event_id, event_type, event_time, _event_id, _source) VALUES ('x001', 'signup', TIMESTAMP '%s', 'x001', 'events')",
		raw, day.Add(time.Hour).Format("2006-01-02 15:04:05"))
	if job, err := bqc.Query(ins).Run(ctx); err != nil {
		t.Fatal(err)
	} else if js, err := job.Wait(ctx); err != nil || js.Err() != nil {
		t.Fatal(err, js.Err())
	}

	// --replace rebuilds the day with the new column.
	o.Replace = true
	if sum, err = reland(ctx, c, p2, o); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(sum.Partitions, ","), day.Format("20060102"); got != want {
		t.Fatalf("partitions rebuilt %q, want %q", got, want)
	}
	if len(sum.Backfill) == 0 || sum.Backfill[0] != "events" {
		t.Fatalf("models to backfill %v, want events first", sum.Backfill)
	}
	rows := query("SELECT COUNT(*), COUNT(DISTINCT event_id), COUNTIF(coupon = CONCAT('C', SUBSTR(event_id, 2))), COUNTIF(event_id = 'x001' AND coupon IS NULL) FROM " + raw)
	if got, want := fmt.Sprint(rows[0]), fmt.Sprintf("[%d %d %d 1]", n+1, n+1, n); got != want {
		t.Fatalf("after --replace: rows, distinct ids, rows with the coupon typed, the unarchived row = %s, want %s", got, want)
	}
	// The models downstream were backfilled over the range: the curated
	// events table carries the coupon for the old rows.
	if strings.Join(sum.Backfilled, ",") != strings.Join(sum.Backfill, ",") {
		t.Fatalf("backfilled %v, want every model downstream %v", sum.Backfilled, sum.Backfill)
	}
	curated := "`" + names.Curated + ".events`"
	rows = query("SELECT COUNT(*), COUNTIF(coupon = CONCAT('C', SUBSTR(event_id, 2))) FROM " + curated)
	if got, want := fmt.Sprint(rows[0]), fmt.Sprintf("[%d %d]", n+1, n); got != want {
		t.Fatalf("curated events after the backfill: rows, rows with the coupon = %s, want %s", got, want)
	}
	var out strings.Builder
	printRelandSummary(&out, o, sum)
	if !strings.Contains(out.String(), "backfilled "+day.Format(time.DateOnly)) || strings.Contains(out.String(), "sluice backfill --model") {
		t.Fatalf("summary should say what was backfilled and print no command left to run:\n%s", out.String())
	}
	// --no-backfill rebuilds the partitions and prints the commands instead.
	o.NoBackfill = true
	if sum, err = reland(ctx, c, p2, o); err != nil {
		t.Fatal(err)
	}
	if len(sum.Backfilled) != 0 {
		t.Fatalf("--no-backfill backfilled %v", sum.Backfilled)
	}
	out.Reset()
	printRelandSummary(&out, o, sum)
	if !strings.Contains(out.String(), "sluice backfill --model events --from "+day.Format(time.DateOnly)) {
		t.Fatalf("--no-backfill summary names no backfill command:\n%s", out.String())
	}
}

// TestRelandRefusesWhatItCannotDo: an unknown source, a file source and a
// reversed range are errors that say what to do, before anything is read.
func TestRelandRefusesWhatItCannotDo(t *testing.T) {
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	c := &gcp.Clients{Names: gcp.NamesFor("", p)}
	d := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		o    relandOptions
		want string
	}{
		{relandOptions{Source: "nope", From: d, To: d}, `--source "nope" is not a source in pipeline.yaml`},
		{relandOptions{Source: "orders", From: d, To: d}, "copy them back to the landing bucket"},
		{relandOptions{Source: "events", From: d, To: d.AddDate(0, 0, -1)}, "is before --from"},
	} {
		_, err := reland(context.Background(), c, p, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reland %+v: error %v, want one containing %q", tc.o, err, tc.want)
		}
	}
}
