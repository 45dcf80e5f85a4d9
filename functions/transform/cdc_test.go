package transform_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/config"
)

// cdcRunner is a runner over its own datasets whose pipeline has one CDC
// source, "people" (id, name, credit), and no models.
func cdcRunner(t *testing.T, prefix string, cdc config.CDC) *transform.Runner {
	t.Helper()
	p := *st.Pipeline
	p.Models, p.Mask = nil, config.Mask{}
	p.Sources = []config.Source{{Name: "people", Trigger: config.Trigger{PubSubTopic: prefix + "-people"}, Format: "debezium",
		Schema: []config.Field{{Name: "id", Type: "INT64"}, {Name: "name", Type: "STRING"}, {Name: "credit", Type: "INT64"}},
		CDC:    &cdc}}
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

type change struct {
	op     string
	id     int
	name   string
	credit string // SQL literal
	pos    int
}

var eventSeq int

// changes lands changelog rows into raw.people as ingest would.
func changes(t *testing.T, r *transform.Runner, extraCols string, cs ...change) {
	t.Helper()
	var vals []string
	for _, c := range cs {
		eventSeq++
		key, id, name := fmt.Sprintf(`'{"id":%d}'`, c.id), fmt.Sprint(c.id), "'"+c.name+"'"
		if c.op == "t" {
			key, id, name = "NULL", "NULL", "NULL"
		}
		credit := c.credit
		if credit == "" {
			credit = "NULL"
		}
		extra := ""
		if extraCols != "" {
			extra = ", NULL"
			if c.op != "t" {
				extra = ", 'gold'"
			}
		}
		vals = append(vals, fmt.Sprintf("(%s, %s, %s%s, 'e%d', 'people', CURRENT_TIMESTAMP(), '%s', TIMESTAMP_MILLIS(%d), '%020d', %s)",
			id, name, credit, extra, eventSeq, c.op, 1767225600000+int64(c.pos), c.pos, key))
	}
	cols := "id, name, credit"
	if extraCols != "" {
		cols += ", " + extraCols
	}
	exec(t, st.Clients.BigQuery.Query(fmt.Sprintf("INSERT INTO `%s.%s.people` (%s, _event_id, _source, _ingested_at, _op, _ts, _pos, _key) VALUES %s",
		st.Clients.BigQuery.Project(), r.Names.Raw, cols, strings.Join(vals, ", "))))
}

func people(t *testing.T, r *transform.Runner, cols string) []string {
	t.Helper()
	return rows(t, fmt.Sprintf("SELECT %s FROM `%s.%s.people` ORDER BY id", cols, st.Clients.BigQuery.Project(), r.Names.Curated))
}

func runCDC(t *testing.T, r *transform.Runner, id string) {
	t.Helper()
	if _, err := r.Run(context.Background(), id, date("2026-12-01")); err != nil {
		t.Fatal(err)
	}
}

// TestCDCCurrentState keeps people's current state through a snapshot,
// updates, deletes, an out-of-order and a duplicated change, a truncate, a
// column added and a type widened; each state is checked after a run and
// after a re-run, and equals a rebuild from the whole changelog.
func TestCDCCurrentState(t *testing.T) {
	ctx := context.Background()
	r := cdcRunner(t, "t_cdc", config.CDC{PrimaryKey: []string{"id"}})
	runCDC(t, r, "cdc_0") // datasets, raw table, an empty current state
	step := func(name string, want []string, cols string) {
		t.Helper()
		for i := range 2 { // a re-run changes nothing
			runCDC(t, r, fmt.Sprintf("cdc_%s_%d", name, i))
			if got := people(t, r, cols); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s (run %d):\n%s\nwant\n%s", name, i, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	changes(t, r, "", change{"r", 1, "ann", "10", 100}, change{"r", 2, "bob", "20", 100}, change{"r", 3, "cy", "30", 100})
	step("snapshot", []string{"1|ann|10|r|", "2|bob|20|r|", "3|cy|30|r|"}, "id, name, credit, _op")

	// id 1 updated twice, the older update landing last; id 2 deleted (the
	// delete delivered twice); id 4 created; a snapshot read of id 3 at
	// the same position as a streamed update loses to it.
	changes(t, r, "", change{"u", 1, "ann2", "11", 300}, change{"d", 2, "bob", "20", 210}, change{"d", 2, "bob", "20", 210},
		change{"c", 4, "dee", "40", 220}, change{"u", 3, "cy2", "31", 230}, change{"r", 3, "cy-snap", "30", 230})
	changes(t, r, "", change{"u", 1, "ann-old", "10", 200})
	step("changes", []string{"1|ann2|11|", "3|cy2|31|", "4|dee|40|"}, "id, name, credit")

	// A truncate removes every row changed before it; a create after it stays.
	changes(t, r, "", change{"t", 0, "", "", 400}, change{"c", 5, "eve", "50", 410})
	step("truncate", []string{"5|eve|50|"}, "id, name, credit")

	// The source gains a column and widens credit to FLOAT64 (as ingest
	// evolves an inferred raw table).
	exec(t, st.Clients.BigQuery.Query(fmt.Sprintf("ALTER TABLE `%s.%s.people` ADD COLUMN tier STRING", st.Clients.BigQuery.Project(), r.Names.Raw)))
	exec(t, st.Clients.BigQuery.Query(fmt.Sprintf("ALTER TABLE `%s.%s.people` ALTER COLUMN credit SET DATA TYPE FLOAT64", st.Clients.BigQuery.Project(), r.Names.Raw)))
	changes(t, r, "tier", change{"c", 6, "fay", "60.5", 500}, change{"u", 5, "eve", "50.25", 510})
	step("widened", []string{"5|eve|50.25|gold|", "6|fay|60.5|gold|"}, "id, name, credit, tier")
	md, err := st.Clients.BigQuery.Dataset(r.Names.Curated).Table("people").Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(md.Schema[2].Name, " ", md.Schema[2].Type); got != "credit FLOAT" {
		t.Errorf("current state credit column = %s, want credit FLOAT (widened in place)", got)
	}

	// A rebuild from the whole changelog gives the same table.
	all := "id, name, credit, tier, _key, _pos, _op, _ts, _ingested_at"
	incremental := people(t, r, all)
	if err := r.Backfill(ctx, transform.BackfillOptions{Model: "people", From: date("2026-12-01"), To: date("2026-12-01"), RunID: "cdc_backfill"}); err != nil {
		t.Fatal(err)
	}
	if got := people(t, r, all); !reflect.DeepEqual(got, incremental) {
		t.Errorf("rebuilt from the changelog:\n%s\nincremental:\n%s", strings.Join(got, "\n"), strings.Join(incremental, "\n"))
	}

	// A narrowed type stops the model with what changed and the backfill to run.
	exec(t, st.Clients.BigQuery.Query(fmt.Sprintf("DROP TABLE `%s.%s.people`", st.Clients.BigQuery.Project(), r.Names.Raw)))
	// The next run recreates raw.people as declared: credit INT64 again.
	_, err = r.Run(ctx, "cdc_narrowed", date("2026-12-01"))
	var bce *transform.BreakingChangeError
	if !errors.As(err, &bce) || !strings.Contains(err.Error(), "column credit narrowed from FLOAT64 to INT64 in raw.people") ||
		!strings.Contains(err.Error(), "sluice backfill --model people") {
		t.Fatalf("narrowed type: err = %v, want a BreakingChangeError naming the column and the backfill", err)
	}
	if got := people(t, r, "id"); len(got) != 2 {
		t.Errorf("the stopped model's table changed: %v", got)
	}
	// A changed primary key stops it too.
	r.Pipeline.Sources[0].CDC.PrimaryKey = []string{"name"}
	if _, err = r.Run(ctx, "cdc_rekeyed", date("2026-12-01")); !errors.As(err, &bce) || !strings.Contains(err.Error(), "the primary key changed from id to name") {
		t.Fatalf("changed key: err = %v", err)
	}
	// The backfill takes the change in: rebuilt from the (now empty) changelog.
	if err := r.Backfill(ctx, transform.BackfillOptions{Model: "people", RunID: "cdc_backfill2"}); err != nil {
		t.Fatal(err)
	}
	if got := people(t, r, "id"); len(got) != 0 {
		t.Errorf("after the backfill: %v, want the empty changelog's state", got)
	}
	runCDC(t, r, "cdc_after_backfill")
}

// TestCDCTombstones keeps deleted rows with _deleted = TRUE, a truncate
// included.
func TestCDCTombstones(t *testing.T) {
	r := cdcRunner(t, "t_cdct", config.CDC{PrimaryKey: []string{"id"}, Deletes: config.DeletesTombstone})
	runCDC(t, r, "cdct_0")
	changes(t, r, "", change{"c", 1, "ann", "10", 100}, change{"c", 2, "bob", "20", 110}, change{"d", 1, "ann", "10", 120})
	runCDC(t, r, "cdct_1")
	if got, want := people(t, r, "id, name, _deleted"), []string{"1|ann|true|", "2|bob|false|"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tombstones:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	changes(t, r, "", change{"t", 0, "", "", 200}, change{"c", 3, "cy", "30", 210})
	runCDC(t, r, "cdct_2")
	if got, want := people(t, r, "id, _deleted"), []string{"1|true|", "2|true|", "3|false|"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after a truncate:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCDCBeforeAnyChange: a raw table seeded as Terraform seeds it (the
// declared columns and _ingested_at only) builds an empty current state,
// and the first change then merges.
func TestCDCBeforeAnyChange(t *testing.T) {
	ctx := context.Background()
	r := cdcRunner(t, "t_cdcf", config.CDC{PrimaryKey: []string{"id"}})
	c := st.Clients.BigQuery
	if err := c.Dataset(r.Names.Raw).Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Dataset(r.Names.Raw).Table("people").Create(ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{
		{Name: "id", Type: bigquery.IntegerFieldType}, {Name: "name", Type: bigquery.StringFieldType},
		{Name: "credit", Type: bigquery.IntegerFieldType}, {Name: "_ingested_at", Type: bigquery.TimestampFieldType}}}); err != nil {
		t.Fatal(err)
	}
	runCDC(t, r, "cdcf_0")
	if got := people(t, r, "id"); len(got) != 0 {
		t.Errorf("empty changelog: %v", got)
	}
	changes(t, r, "", change{"c", 1, "ann", "10", 100})
	runCDC(t, r, "cdcf_1")
	if got, want := people(t, r, "id, name"), []string{"1|ann|"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the first change: %v, want %v", got, want)
	}
}
