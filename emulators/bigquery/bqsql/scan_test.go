package bqsql

import (
	"fmt"
	"strings"
	"testing"
)

// TestScanPartitionFilters: which filters Scan takes as usable for partition
// elimination, per read of a partitioned table. The predicate is rendered
// through the translator, so the expectations are DuckDB text.
func TestScanPartitionFilters(t *testing.T) {
	schemas := map[string][]string{
		"raw.events": {"event_id", "user_id", "event_time", "amount"},
		"raw.users":  {"user_id", "country"},
	}
	opts := ScanOptions{
		Options: Options{Params: []Param{{Name: "start", Type: "TIMESTAMP", Value: ptr("2026-11-01 00:00:00+00")}}},
		Columns: func(ds, tb string) ([]string, bool) { c, ok := schemas[ds+"."+tb]; return c, ok },
		PartitionColumn: func(ds, tb string) (string, bool) {
			if ds+"."+tb == "raw.events" {
				return "event_time", true
			}
			return "", false
		},
	}
	for _, tc := range []struct {
		name, sql string
		want      []string // per read of raw.events: substrings of the filter, "" for none
	}{
		{"DATE(col) = literal", `SELECT user_id FROM raw.events WHERE DATE(event_time) = '2026-11-01' AND amount > 0`, []string{"2026-11-01"}},
		{"a range on the column, qualified", `SELECT e.user_id FROM raw.events AS e WHERE e.event_time >= TIMESTAMP '2026-11-01' AND e.event_time < TIMESTAMP '2026-11-02'`, []string{"< CAST('2026-11-02'"}},
		{"a parameter, in a CTE", `WITH s AS (SELECT * FROM raw.events WHERE event_time >= TIMESTAMP_SUB(@start, INTERVAL 1 DAY)) SELECT user_id FROM s`, []string{"2026-11-01"}},
		{"BETWEEN in a JOIN ON", `SELECT u.country FROM raw.users AS u JOIN raw.events AS e ON e.user_id = u.user_id AND e.event_time BETWEEN '2026-11-01' AND '2026-11-03'`, []string{"2026-11-03"}},
		{"no filter", `SELECT COUNT(*) FROM raw.events`, []string{""}},
		{"a filter on another column only", `SELECT COUNT(*) FROM raw.events WHERE amount > 0`, []string{""}},
		{"a filter that mixes columns is not usable", `SELECT COUNT(*) FROM raw.events WHERE event_time > TIMESTAMP '2026-11-01' OR amount > 0`, []string{""}},
		{"a filter through a subquery is not usable", `SELECT COUNT(*) FROM raw.events WHERE event_time > (SELECT MAX(event_time) FROM raw.events)`, []string{"", ""}},
		{"a filter above a subquery is pushed down", `SELECT COUNT(*) FROM (SELECT * FROM raw.events) WHERE event_time > TIMESTAMP '2026-11-01'`, []string{"2026-11-01"}},
		{"through a CTE, a renamed column and a nested subquery", `WITH s AS (SELECT e.event_time AS t, user_id FROM raw.events AS e) SELECT user_id FROM (SELECT * FROM s) AS x WHERE DATE(x.t) = '2026-11-04'`, []string{"2026-11-04"}},
		{"each read of a CTE has its own filter", `WITH s AS (SELECT * FROM raw.events) SELECT user_id FROM s WHERE event_time > TIMESTAMP '2026-11-07' UNION ALL SELECT user_id FROM s`, []string{"2026-11-07", ""}},
		{"not pushed through a window", `SELECT user_id FROM (SELECT user_id, event_time, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time) AS r FROM raw.events) WHERE event_time > TIMESTAMP '2026-11-01'`, []string{""}},
		{"not pushed through GROUP BY", `SELECT * FROM (SELECT event_time, COUNT(*) AS n FROM raw.events GROUP BY event_time) WHERE event_time > TIMESTAMP '2026-11-01'`, []string{""}},
		{"not pushed when the column is computed", `SELECT * FROM (SELECT TIMESTAMP_ADD(event_time, INTERVAL 1 DAY) AS event_time FROM raw.events) WHERE event_time > TIMESTAMP '2026-11-01'`, []string{""}},
		{"not pushed through LIMIT", `SELECT * FROM (SELECT event_time FROM raw.events LIMIT 5) WHERE event_time > TIMESTAMP '2026-11-01'`, []string{""}},
		{"two reads, one unfiltered", `SELECT user_id FROM raw.events WHERE DATE(event_time) = '2026-11-01' UNION ALL SELECT user_id FROM raw.events`, []string{"2026-11-01", ""}},
		{"TIMESTAMP_TRUNC with a date part, IN list", `SELECT 1 FROM raw.events WHERE TIMESTAMP_TRUNC(event_time, DAY) IN (TIMESTAMP '2026-11-01', TIMESTAMP '2026-11-05')`, []string{"2026-11-05"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scans, err := Scan(tc.sql, opts)
			if err != nil {
				t.Fatal(err)
			}
			var ev *TableScan
			for i := range scans {
				if scans[i].Table == "events" {
					ev = &scans[i]
				}
			}
			if ev == nil {
				t.Fatalf("no scan of raw.events in %+v", scans)
			}
			if len(ev.Filters) != len(tc.want) {
				t.Fatalf("filters = %+v, want %d", ev.Filters, len(tc.want))
			}
			for i, w := range tc.want {
				got := ev.Filters[i].Where
				if w == "" && got != "" || w != "" && (got == "" || !strings.Contains(got, w)) {
					t.Errorf("filter %d = %q, want one containing %q", i, got, w)
				}
			}
			if got, want := ev.Filtered(), !contains(tc.want, ""); got != want {
				t.Errorf("Filtered() = %v, want %v", got, want)
			}
		})
	}
}

// TestScanBudget: CTEs that each read the previous one twice would take
// 2^16 scans; Scan gives up with an error instead (the emulator then
// charges the full tables the text names).
func TestScanBudget(t *testing.T) {
	sql := "WITH c0 AS (SELECT event_time FROM raw.events)"
	for i := 1; i <= 16; i++ {
		sql += fmt.Sprintf(", c%d AS (SELECT event_time FROM c%d UNION ALL SELECT event_time FROM c%d)", i, i-1, i-1)
	}
	sql += " SELECT * FROM c16"
	if _, err := Scan(sql, ScanOptions{}); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("err = %v", err)
	}
}

func ptr(s string) *string { return &s }

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
