package config

import (
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	sql := `-- Orders, current state.
-- sluice: materialized=incremental unique_key=order_id time_column=updated_at
-- sluice: partition_by=TIMESTAMP_TRUNC(updated_at,HOUR) cluster_by=user_id,status max_bytes_billed=1_000_000_000
-- description: Current state
-- description: per order.
-- column order_id: The id.
-- assert not_null: order_id, status
-- assert accepted_values(status): created, paid
-- assert row_count: min=1

SELECT 1 -- sluice: materialized=view (not the header any more)
`
	m, o, errs := ParseHeader(Model{Name: "orders", File: "models/orders.sql", Description: "from yaml",
		Assertions: []Assertion{{Unique: []string{"order_id"}}}}, sql)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if o.Materialization() != MaterializedIncremental || o.UniqueKey[0] != "order_id" || o.TimeColumn != "updated_at" ||
		o.MaxBytesBilled != 1_000_000_000 || len(o.ClusterBy) != 2 || o.Columns["order_id"] != "The id." {
		t.Errorf("options = %+v", o)
	}
	if c, g, ok := o.Partition(); c != "updated_at" || g != "HOUR" || !ok {
		t.Errorf("partition = %s %s %v", c, g, ok)
	}
	if m.Description != "Current state per order." || len(m.Assertions) != 4 || m.Assertions[3].RowCount == nil {
		t.Errorf("model = %+v", m)
	}
	for _, tt := range []struct{ sql, want string }{
		{"-- sluice: materialized=snapshot\nSELECT 1", "models/x.sql: materialized: got \"snapshot\""},
		{"\n-- sluice: unique_key\nSELECT 1", "models/x.sql: line 2: \"unique_key\": want key=value"},
		{"-- sluice: materialized=incremental\nSELECT 1", "models/x.sql: time_column: an incremental model needs time_column"},
		{"-- sluice: partition_by=MONTH(x)\nSELECT 1", "models/x.sql: partition_by: got \"MONTH(x)\""},
		{"-- sluice: materialized=view unique_key=a\nSELECT 1", "a view stores nothing"},
		{"-- sluice: max_bytes_billed=lots\nSELECT 1", "models/x.sql: line 1: max_bytes_billed=lots"},
		{"-- assert row_count: many\nSELECT 1", "models/x.sql: line 1: assert row_count"},
		{"-- Sluice materialized=view\nSELECT 1", "models/x.sql: line 1: want \"-- sluice: key=value …\""},
		{"-- assert fresh(a): 1d\nSELECT 1", "models/x.sql: line 1: assert fresh: want one of"},
		{"-- assert relationships: users.id\nSELECT 1", "models/x.sql: line 1: assert relationships: want one of"},
		{"-- assert relationships(a): users\nSELECT 1", "models/x.sql: line 1: assert relationships(a): want model.column"},
		{"-- assert freshness(a): soon\nSELECT 1", "models/x.sql: line 1: assert freshness(a): \"soon\""},
	} {
		_, _, errs := ParseHeader(Model{Name: "x", File: "models/x.sql"}, tt.sql)
		if !strings.Contains(errs.Error(), tt.want) {
			t.Errorf("%q: errors %q, want %q", tt.sql, errs.Error(), tt.want)
		}
	}
}
