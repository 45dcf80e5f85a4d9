package bigquery

import (
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/iterator"
)

func TestInformationSchema(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "ds")
	if err := ds.Table("events").Create(e.ctx, &bigquery.TableMetadata{
		Schema:           eventSchema,
		TimePartitioning: &bigquery.TimePartitioning{Field: "ts"},
		Clustering:       &bigquery.Clustering{Fields: []string{"id", "n"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := ds.Table("v").Create(e.ctx, &bigquery.TableMetadata{ViewQuery: "SELECT id FROM ds.events"}); err != nil {
		t.Fatal(err)
	}
	got := query(t, e, "SELECT table_catalog, table_schema, table_name, table_type, is_insertable_into FROM ds.INFORMATION_SCHEMA.TABLES ORDER BY table_name")
	want := [][]bigquery.Value{
		{testProject, "ds", "events", "BASE TABLE", "YES"},
		{testProject, "ds", "v", "VIEW", "NO"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("TABLES (-want +got):\n%s", d)
	}
	got = query(t, e, "SELECT creation_time, ddl FROM `test-project.ds.INFORMATION_SCHEMA.TABLES` WHERE table_name = 'events'")
	if len(got) != 1 {
		t.Fatalf("creation_time/ddl: %v", got)
	}
	if ct, ok := got[0][0].(time.Time); !ok || time.Since(ct) > time.Minute || time.Since(ct) < 0 {
		t.Errorf("creation_time = %#v", got[0][0])
	}
	wantDDL := "CREATE TABLE `test-project.ds.events`\n(\n  id STRING NOT NULL,\n  n INT64,\n  ts TIMESTAMP,\n  d DATE,\n  amount NUMERIC,\n  tags ARRAY<STRING>,\n  user STRUCT<name STRING, scores ARRAY<FLOAT64>>\n)\nPARTITION BY TIMESTAMP_TRUNC(ts, DAY)\nCLUSTER BY id, n;"
	if got[0][1] != wantDDL {
		t.Errorf("ddl = %q\nwant %q", got[0][1], wantDDL)
	}

	got = query(t, e, "SELECT table_name, column_name, ordinal_position, is_nullable, data_type, is_partitioning_column, clustering_ordinal_position FROM test-project.ds.INFORMATION_SCHEMA.COLUMNS ORDER BY table_name, ordinal_position")
	want = [][]bigquery.Value{
		{"events", "id", int64(1), "NO", "STRING", "NO", int64(1)},
		{"events", "n", int64(2), "YES", "INT64", "NO", int64(2)},
		{"events", "ts", int64(3), "YES", "TIMESTAMP", "YES", nil},
		{"events", "d", int64(4), "YES", "DATE", "NO", nil},
		{"events", "amount", int64(5), "YES", "NUMERIC", "NO", nil},
		{"events", "tags", int64(6), "YES", "ARRAY<STRING>", "NO", nil},
		{"events", "user", int64(7), "YES", "STRUCT<name STRING, scores ARRAY<FLOAT64>>", "NO", nil},
		{"v", "id", int64(1), "YES", "STRING", "NO", nil},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("COLUMNS (-want +got):\n%s", d)
	}

	// The views follow changes: a table created by DDL appears, a dropped one goes.
	query(t, e, "CREATE TABLE ds.later (x BOOL NOT NULL)")
	if err := ds.Table("v").Delete(e.ctx); err != nil {
		t.Fatal(err)
	}
	got = query(t, e, "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM ds.INFORMATION_SCHEMA.COLUMNS c JOIN ds.INFORMATION_SCHEMA.TABLES t USING (table_name) WHERE c.table_name != 'events'")
	if d := cmp.Diff([][]bigquery.Value{{"later", "x", "BOOL", "NO"}}, got); d != "" {
		t.Errorf("after changes (-want +got):\n%s", d)
	}

	// They are not tables of the dataset.
	it := ds.Tables(e.ctx)
	var names []string
	for {
		tb, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tb.TableID)
	}
	if strings.Join(names, ",") != "events,later" {
		t.Errorf("tables.list = %v", names)
	}
	// A missing dataset is notFound.
	if _, err := e.client.Query("SELECT * FROM nods.INFORMATION_SCHEMA.TABLES").Read(e.ctx); apiCode(err) != 404 || !strings.Contains(err.Error(), "Not found: Dataset test-project:nods") {
		t.Errorf("missing dataset: %v", err)
	}
	// An empty dataset can be deleted without deleteContents even after its
	// INFORMATION_SCHEMA was queried.
	empty := e.dataset(t, "empty")
	if got := query(t, e, "SELECT count(*) FROM empty.INFORMATION_SCHEMA.TABLES"); got[0][0] != int64(0) {
		t.Errorf("empty dataset TABLES count = %v", got)
	}
	if err := empty.Delete(e.ctx); err != nil {
		t.Errorf("delete empty dataset: %v", err)
	}
}
