package bqsql

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReads(t *testing.T) {
	schemas := map[string][]string{
		"raw.events": {"event_id", "user_id", "event_type", "event_time", "amount", "email"},
		"raw.orders": {"order_id", "user_id", "total"},
	}
	cols := func(ds, tb string) ([]string, bool) { c, ok := schemas[ds+"."+tb]; return c, ok }
	for _, tc := range []struct {
		name, sql string
		want      []TableRead
	}{
		{"qualified through a CTE and a join: a * in a CTE charges only what is read from it", `
WITH e AS (SELECT * EXCEPT (email) FROM ` + "`p.raw.events`" + ` WHERE user_id IS NOT NULL)
SELECT e.user_id, COUNTIF(e.event_type = 'purchase') AS n, SUM(o.total) AS t
FROM e LEFT JOIN raw.orders AS o USING (user_id)
GROUP BY 1`, []TableRead{
			{Dataset: "raw", Table: "events", Columns: []string{"event_type", "user_id"}, Star: true},
			{Dataset: "raw", Table: "orders", Columns: []string{"total", "user_id"}},
		}},
		{"only the columns a narrow CTE passes on", `
WITH s AS (SELECT user_id, event_time AS t FROM raw.events)
SELECT user_id, MAX(t) AS last FROM s GROUP BY user_id ORDER BY last`, []TableRead{
			{Dataset: "raw", Table: "events", Columns: []string{"event_time", "user_id"}},
		}},
		{"a scalar subquery and a window", `
SELECT order_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY total DESC) AS r,
  (SELECT MAX(event_time) FROM raw.events AS e WHERE e.user_id = o.user_id) AS last_event
FROM raw.orders AS o QUALIFY r = 1`, []TableRead{
			{Dataset: "raw", Table: "events", Columns: []string{"event_time", "user_id"}},
			{Dataset: "raw", Table: "orders", Columns: []string{"order_id", "total", "user_id"}},
		}},
		{"unknown schema: the only table in scope", `SELECT a, DATE_TRUNC(b, MONTH) AS m FROM x.y`, []TableRead{
			{Dataset: "x", Table: "y", Columns: []string{"a", "b"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Reads(tc.sql, cols)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Reads (-want +got):\n%s", d)
			}
		})
	}
	if _, err := Reads("SELECT FROM", nil); err == nil {
		t.Error("Reads of a syntax error: no error")
	}
}
