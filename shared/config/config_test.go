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
	if got, want := len(p.Sources), 2; got != want {
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
		{"bad source name", "name: events", "name: Events", `sources[0].name: got "Events"`},
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
