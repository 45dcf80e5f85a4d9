package bigquery

import (
	"sort"
	"strings"
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

// TestJSONExtractTypesWire: through the Go client, the extraction functions answer STRING for a STRING
// argument and JSON for a JSON one (GoogleSQL reference, JSON_QUERY and JSON_QUERY_ARRAY return types).
func TestJSONExtractTypesWire(t *testing.T) {
	e := newEnv(t, Options{})
	it, err := e.client.Query(`SELECT JSON_QUERY('{"a":"x"}', '$.a') AS s, JSON_QUERY(JSON '{"a":"x"}', '$.a') AS j,
		JSON_QUERY_ARRAY('[1,"a"]') AS sa, JSON_QUERY_ARRAY(JSON '[1,"a"]') AS ja, (JSON '[10,20]')[1] AS sub`).Read(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, it)
	var types []string
	for _, f := range it.Schema {
		types = append(types, string(f.Type)+map[bool]string{true: " REPEATED"}[f.Repeated])
	}
	if d := cmp.Diff([]string{"STRING", "JSON", "STRING REPEATED", "JSON REPEATED", "JSON"}, types); d != "" {
		t.Errorf("result types (-want +got):\n%s", d)
	}
	want := [][]bigquery.Value{{`"x"`, `"x"`, []bigquery.Value{`1`, `"a"`}, []bigquery.Value{`1`, `"a"`}, `20`}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
}

// TestJSONSignatureError: a document that is neither STRING nor JSON gets BigQuery's signature error.
func TestJSONSignatureError(t *testing.T) {
	e := newEnv(t, Options{})
	for _, q := range []struct{ sql, msg string }{
		{`SELECT JSON_QUERY(x, '$') FROM UNNEST([1.5]) AS x`, "No matching signature for function JSON_QUERY for argument types: FLOAT64, STRING"},
		{`SELECT JSON_EXTRACT_ARRAY(x) FROM UNNEST([1]) AS x`, "No matching signature for function JSON_EXTRACT_ARRAY for argument types: INT64"},
		{`SELECT JSON_QUERY_ARRAY(x, '$.a') FROM UNNEST([STRUCT(1 AS a)]) AS x`, "No matching signature for function JSON_QUERY_ARRAY for argument types: STRUCT<a INT64>, STRING"},
		{`SELECT JSON_VALUE(x) FROM UNNEST([true]) AS x`, "No matching signature for function JSON_VALUE for argument types: BOOL"},
		{`SELECT JSON_VALUE(x, '$.a') FROM UNNEST([DATE '2020-01-01']) AS x`, "No matching signature for function JSON_VALUE for argument types: DATE, STRING"},
	} {
		_, err := e.client.Query(q.sql).Read(e.ctx)
		if err == nil || !strings.Contains(err.Error(), q.msg) {
			t.Errorf("%s: got %v, want %q", q.sql, err, q.msg)
		}
	}
}

// TestJSONColumnIngest: a JSON column filled through insertAll (the Go client's Inserter, which sends a
// JSON value as a string holding its JSON text) and through an NDJSON load job (the value as written in
// the line: object, array, number) reads back through the client as JSON text, by tabledata.list and by query.
func TestJSONColumnIngest(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	schema := bigquery.Schema{{Name: "id", Type: bigquery.IntegerFieldType}, {Name: "j", Type: bigquery.JSONFieldType}}
	if err := ds.Table("ins").Create(e.ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	rows := []*bigquery.ValuesSaver{
		{Schema: schema, Row: []bigquery.Value{1, `{"a": [1, 2.5], "b": "x"}`}},
		{Schema: schema, Row: []bigquery.Value{2, `"abc"`}},
		{Schema: schema, Row: []bigquery.Value{3, `null`}},
		{Schema: schema, Row: []bigquery.Value{4, nil}},
		{Schema: schema, Row: []bigquery.Value{5, `[true, false]`}},
	}
	if err := ds.Table("ins").Inserter().Put(e.ctx, rows); err != nil {
		t.Fatal(err)
	}
	src := bigquery.NewReaderSource(strings.NewReader(`{"id": 1, "j": {"a": [1, 2.5], "b": "x"}}
{"id": 2, "j": {}}
{"id": 3, "j": 7}
{"id": 4}
{"id": 5, "j": [true, false]}
`))
	src.SourceFormat = bigquery.JSON
	src.Schema = schema
	if err := runJob(t, e, ds.Table("load").LoaderFrom(src)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table string
		want  [][]bigquery.Value
	}{
		{"ins", [][]bigquery.Value{{int64(1), `{"a":[1,2.5],"b":"x"}`}, {int64(2), `"abc"`}, {int64(3), `null`}, {int64(4), nil}, {int64(5), `[true,false]`}}},
		{"load", [][]bigquery.Value{{int64(1), `{"a":[1,2.5],"b":"x"}`}, {int64(2), `{}`}, {int64(3), `7`}, {int64(4), nil}, {int64(5), `[true,false]`}}},
	} {
		got := readAll(t, ds.Table(c.table).Read(e.ctx))
		sortRows(got)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("tabledata.list of %s (-want +got):\n%s", c.table, d)
		}
		got = query(t, e, "SELECT id, j FROM raw."+c.table+" ORDER BY id")
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("query of %s (-want +got):\n%s", c.table, d)
		}
	}
	got := query(t, e, `SELECT JSON_VALUE(j, '$.b'), JSON_QUERY(j, '$.a[1]') FROM raw.load WHERE id = 1`)
	if d := cmp.Diff([][]bigquery.Value{{"x", `2.5`}}, got); d != "" {
		t.Errorf("extraction from a loaded JSON column (-want +got):\n%s", d)
	}
}
