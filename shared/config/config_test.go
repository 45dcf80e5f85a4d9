package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
)

func TestExamplePipelineLoads(t *testing.T) {
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.Sources), 3; got != want {
		t.Errorf("sources = %d, want %d", got, want)
	}
	for _, m := range p.Models {
		if strings.TrimSpace(p.SQL[m.Name]) == "" {
			t.Errorf("model %s: no SQL loaded from %s", m.Name, m.File)
		}
	}
	if s, ok := p.SourceForObject("orders/orders-20261106.jsonl.gz"); !ok || s.Name != "orders" {
		t.Errorf("SourceForObject(orders/…) = %v, %v; want orders", s, ok)
	}
	if _, ok := p.SourceForObject("unknown/x.jsonl"); ok {
		t.Error("SourceForObject(unknown/…) matched a source")
	}
}

const valid = `
version: 1
datasets: {raw: raw, curated: curated, published: published, ops: ops}
buckets: {landing: l, archive: a, export: e}
topics: {transform_completed: t, mask_completed: m, export_completed: x}
sources:
  - name: events
    trigger: {pubsub_topic: events}
    format: json
    event_id_field: id
    schema: [{name: id, type: STRING}]
models:
  - {name: users, file: models/users.sql}
mask:
  tables:
    - name: users
      columns: {id: keep}
exports:
  - name: daily
    query: SELECT * FROM published.users
    format: csv
    destination: daily/{date}.csv
    trigger: mask.completed
schedules: {transform: "0 * * * *"}
`

// TestValidationNamesTheField breaks one thing at a time and checks the
// error names the field and what is allowed.
func TestValidationNamesTheField(t *testing.T) {
	if _, err := config.Parse([]byte(valid)); err != nil {
		t.Fatalf("the base config is invalid: %v", err)
	}
	tests := []struct {
		name, from, to, want string
	}{
		{"bad version", "version: 1", "version: 2", "version: got 2; the only supported version is 1"},
		{"two triggers", "trigger: {pubsub_topic: events}", "trigger: {pubsub_topic: events, gcs_prefix: events/}", "sources[0].trigger: set exactly one"},
		{"no trigger", "trigger: {pubsub_topic: events}", "trigger: {}", "sources[0].trigger: set exactly one"},
		{"bad format", "format: json", "format: xml", `sources[0].format: got "xml"; allowed: json, jsonl, csv`},
		{"bad type", "type: STRING}]", "type: TEXT}]", `sources[0].schema[0].type: got "TEXT"`},
		{"event id not in schema", "event_id_field: id", "event_id_field: nope", `sources[0].event_id_field: "nope" is not a column`},
		{"bad prefix", "trigger: {pubsub_topic: events}", "trigger: {gcs_prefix: events}", `sources[0].trigger.gcs_prefix: got "events"; want a folder`},
		{"unknown rule", "columns: {id: keep}", "columns: {id: hide}", `mask.tables[0].columns.id: got "hide"; allowed: keep, drop`},
		{"policy for no model", "    - name: users\n      columns", "    - name: people\n      columns", `mask.tables[0].name: "people" is not a model`},
		{"export reads raw", "FROM published.users", "FROM raw.events", `exports[0].query: reads dataset "raw"; exports may read only "published"`},
		{"export reads curated", "FROM published.users", "FROM `curated.users`", `reads dataset "curated"`},
		{"bad export format", "format: csv", "format: xlsx", `exports[0].format: got "xlsx"`},
		{"bad cron", `transform: "0 * * * *"`, `transform: "61 * * * *"`, "schedules.transform: cron"},
		{"misspelt key", "event_id_field: id", "event_id_feild: id", "field event_id_feild not found"},
		{"bad compression", "format: csv", "format: csv\n    compression: zip", `exports[0].compression: got "zip"; allowed: none, gzip`},
		{"two assertion kinds", "file: models/users.sql}", "file: models/users.sql, assertions: [{not_null: [id], unique: [id]}]}", "models[0].assertions[0]: set exactly one of not_null"},
		{"no assertion kind", "file: models/users.sql}", "file: models/users.sql, assertions: [{}]}", "models[0].assertions[0]: set exactly one"},
		{"bad not_null column", "file: models/users.sql}", "file: models/users.sql, assertions: [{not_null: [id, 'a b']}]}", `models[0].assertions[0].not_null[1]: got "a b"`},
		{"empty unique", "file: models/users.sql}", "file: models/users.sql, assertions: [{unique: []}]}", "models[0].assertions[0].unique: is empty"},
		{"accepted values without values", "file: models/users.sql}", "file: models/users.sql, assertions: [{accepted_values: {column: id}}]}", "models[0].assertions[0].accepted_values.values: is empty"},
		{"row_count max below min", "file: models/users.sql}", "file: models/users.sql, assertions: [{row_count: {min: 5, max: 1}}]}", "models[0].assertions[0].row_count.max: got 1"},
		{"sql not a select", "file: models/users.sql}", "file: models/users.sql, assertions: [{sql: 'DELETE FROM x'}]}", "models[0].assertions[0].sql: want a SELECT"},
		{"misspelt assertion", "file: models/users.sql}", "file: models/users.sql, assertions: [{not_nul: [id]}]}", "field not_nul not found"},
		{"bad source name", "name: events", "name: Events", `sources[0].name: got "Events"`},
		{"absolute export path", "destination: daily/{date}.csv", "destination: /daily/{date}.csv", `exports[0].destination: got "/daily/{date}.csv"; want an object path`},
		{"export to an unknown scheme", "destination: daily/{date}.csv", "destination: ftp://host/daily.csv", `exports[0].destination: got "ftp://host/daily.csv"; want an object path in the export bucket`},
		{"export to S3 without a bucket", "destination: daily/{date}.csv", "destination: s3:///daily.csv", `exports[0].destination: got "s3:///daily.csv"; the bucket "" is not a bucket name`},
		{"export to a bad bucket", "destination: daily/{date}.csv", "destination: gs://My_Bucket/daily.csv", `the bucket "My_Bucket" is not a bucket name`},
		{"export to S3 without a path", "destination: daily/{date}.csv", "destination: s3://finance-drop/", `exports[0].destination: got "s3://finance-drop/"; want an object path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.from) {
				t.Fatalf("test setup: %q not in base config", tt.from)
			}
			_, err := config.Parse([]byte(strings.Replace(valid, tt.from, tt.to, 1)))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "pipeline.yaml") {
				t.Errorf("error = %q\nwant it to name pipeline.yaml and contain %q", err, tt.want)
			}
		})
	}
}

func TestExportTarget(t *testing.T) {
	for _, tc := range []struct{ dest, scheme, bucket, path string }{
		{"daily/{date}.csv", "", "", "daily/{date}.csv"},
		{"s3://finance-drop/daily/{date}.csv", "s3", "finance-drop", "daily/{date}.csv"},
		{"gs://partner-bucket/x/{date}/part.jsonl", "gs", "partner-bucket", "x/{date}/part.jsonl"},
	} {
		sc, b, p := config.Export{Destination: tc.dest}.Target()
		if sc != tc.scheme || b != tc.bucket || p != tc.path {
			t.Errorf("Target(%q) = %q, %q, %q; want %q, %q, %q", tc.dest, sc, b, p, tc.scheme, tc.bucket, tc.path)
		}
	}
	// A destination in another bucket is valid config.
	for _, d := range []string{"s3://finance-drop/daily/{date}.csv", "gs://partner-bucket/daily/{date}.csv"} {
		if _, err := config.Parse([]byte(strings.Replace(valid, "destination: daily/{date}.csv", "destination: "+d, 1))); err != nil {
			t.Errorf("destination %s: %v", d, err)
		}
	}
}

func TestExportAndAssertionFieldsParse(t *testing.T) {
	y := strings.Replace(valid, "format: csv", "format: parquet\n    compression: gzip", 1)
	y = strings.Replace(y, "file: models/users.sql}", `file: models/users.sql, assertions: [{not_null: [id]}, {unique: [id]}, {accepted_values: {column: c, values: [a, b]}}, {row_count: {min: 1}}, {sql: "SELECT 1 FROM ref('users') WHERE false"}]}`, 1)
	p, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if e := p.Exports[0]; e.Format != "parquet" || e.Compression != "gzip" {
		t.Errorf("export = %+v", e)
	}
	var kinds []string
	for _, a := range p.Models[0].Assertions {
		kinds = append(kinds, a.Kind())
	}
	if got := strings.Join(kinds, ","); got != "not_null,unique,accepted_values,row_count,sql" {
		t.Errorf("kinds = %s", got)
	}
	if rc := p.Models[0].Assertions[3].RowCount; rc.Min == nil || *rc.Min != 1 || rc.Max != nil {
		t.Errorf("row_count = %+v", rc)
	}
}

func TestCronNext(t *testing.T) {
	base := time.Date(2026, 11, 27, 23, 10, 30, 0, time.UTC) // a Friday
	tests := []struct{ expr, want string }{
		{"0 * * * *", "2026-11-28T00:00:00Z"},
		{"30 6 * * *", "2026-11-28T06:30:00Z"},
		{"*/15 * * * *", "2026-11-27T23:15:00Z"},
		{"0 9 * * 1", "2026-11-30T09:00:00Z"}, // next Monday
		{"0 0 1 * *", "2026-12-01T00:00:00Z"},
		{"0 12 * * 0,6", "2026-11-28T12:00:00Z"},
		{"0 0 * * 7", "2026-11-29T00:00:00Z"}, // 7 is Sunday
	}
	for _, tt := range tests {
		c, err := config.ParseCron(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if got := c.Next(base).Format(time.RFC3339); got != tt.want {
			t.Errorf("%s: Next = %s, want %s", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{"* * * *", "60 * * * *", "* 24 * * *", "a * * * *", "*/0 * * * *", "5-1 * * * *"} {
		if _, err := config.ParseCron(bad); err == nil {
			t.Errorf("ParseCron(%q): no error", bad)
		}
	}
}

func TestRawPartitionColumn(t *testing.T) {
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{"events": "event_time", "orders": "updated_at"} {
		s, _ := p.Source(src)
		if got := s.RawPartitionColumn(); got != want {
			t.Errorf("%s: RawPartitionColumn = %q, want %q", src, got, want)
		}
	}
	for _, s := range []config.Source{
		{EventTimeField: "ts", Schema: []config.Field{{Name: "ts", Type: "STRING"}}},
		{EventTimeField: "ts"}, // inferred schema
		{Schema: []config.Field{{Name: "ts", Type: "TIMESTAMP"}}},
	} {
		if got := s.RawPartitionColumn(); got != "_ingested_at" {
			t.Errorf("%+v: RawPartitionColumn = %q, want _ingested_at", s, got)
		}
	}
}
