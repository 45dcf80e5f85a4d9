package bigquery

import (
	"sort"
	"testing"

	"cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"
)

// TestJSONWire reads JSON values through the Go client: BigQuery sends a JSON value as its JSON text, so a
// JSON string keeps its quotes and numbers keep their digits (the DuckDB driver hands JSON over parsed).
func TestJSONWire(t *testing.T) {
	e := newEnv(t, Options{})
	got := query(t, e, `SELECT JSON '"abc"' AS s, JSON '{"a" : [1, 2.5]}' AS o, JSON 'null' AS jnull,
		CAST(NULL AS JSON) AS sqlnull, JSON '12.5' AS num, [JSON '1', JSON '"x"'] AS arr, STRUCT(JSON '"y"' AS j, 1 AS n) AS st`)
	want := [][]bigquery.Value{{`"abc"`, `{"a":[1,2.5]}`, `null`, nil, `12.5`, []bigquery.Value{`1`, `"x"`}, []bigquery.Value{`"y"`, int64(1)}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("JSON over the wire (-want +got):\n%s", d)
	}
}

// TestJSONWireTableData reads a stored JSON column through tabledata.list.
func TestJSONWireTableData(t *testing.T) {
	e := newEnv(t, Options{})
	e.dataset(t, "ds")
	query(t, e, `CREATE TABLE ds.j (id INT64, j JSON)`)
	query(t, e, `INSERT ds.j (id, j) VALUES (1, JSON '"abc"'), (2, JSON '{"n":12.5}'), (3, NULL)`)
	got := readAll(t, e.client.Dataset("ds").Table("j").Read(e.ctx))
	sortRows(got)
	want := [][]bigquery.Value{{int64(1), `"abc"`}, {int64(2), `{"n":12.5}`}, {int64(3), nil}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("tabledata.list of a JSON column (-want +got):\n%s", d)
	}
}

func sortRows(rows [][]bigquery.Value) {
	sort.Slice(rows, func(i, j int) bool { return rows[i][0].(int64) < rows[j][0].(int64) })
}
