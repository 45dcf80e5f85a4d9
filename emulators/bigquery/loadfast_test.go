package bigquery

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
)

// TestLoadNDJSONFastPathFidelity checks that the DuckDB fast path for
// NDJSON loads gives the same answers as the row-by-row path: clean input
// loads with BigQuery's conversions, and every input where DuckDB would be
// laxer than BigQuery (unknown or differently cased keys, fractional
// integers, objects for strings, "yes" for booleans, missing REQUIRED
// values) falls back and is rejected or accepted exactly as before.
func TestLoadNDJSONFastPathFidelity(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.IntegerFieldType, Required: true},
		{Name: "k", Type: bigquery.StringFieldType},
		{Name: "v", Type: bigquery.FloatFieldType},
		{Name: "ts", Type: bigquery.TimestampFieldType},
		{Name: "b", Type: bigquery.BooleanFieldType},
		{Name: "d", Type: bigquery.DateFieldType},
	}
	n := 0
	load := func(data string, ignoreUnknown bool) error {
		n++
		src := bigquery.NewReaderSource(strings.NewReader(data))
		src.SourceFormat = bigquery.JSON
		src.Schema = schema
		src.IgnoreUnknownValues = ignoreUnknown
		l := ds.Table(fmt.Sprint("t", n)).LoaderFrom(src)
		return runJob(t, e, l)
	}
	clean := `{"id":1,"k":"a","v":1.5,"ts":"2026-11-01 12:00:00.000123 UTC","b":true,"d":"2026-11-01"}
{"id":"2","k":7,"v":2,"ts":"2026-11-01T12:00:00Z","b":false}

{"id":3,"k":null,"ts":"2026-11-01T14:00:00+02:00"}
`
	if err := load(clean, false); err != nil {
		t.Fatal(err)
	}
	got := query(t, e, "SELECT id, k, v, ts, b, d FROM raw.t1 ORDER BY id")
	ts := func(s string) time.Time { x, _ := time.Parse(time.RFC3339Nano, s); return x }
	want := [][]bigquery.Value{
		{int64(1), "a", 1.5, ts("2026-11-01T12:00:00.000123Z"), true, mustDate("2026-11-01")},
		{int64(2), "7", 2.0, ts("2026-11-01T12:00:00Z"), false, nil},
		{int64(3), nil, nil, ts("2026-11-01T12:00:00Z"), nil, nil},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("clean load (-want +got):\n%s", d)
	}
	// Differently cased keys are matched by name, as BigQuery does.
	if err := load(`{"ID":7,"K":"x"}`+"\n", false); err != nil {
		t.Fatal(err)
	}
	if got := query(t, e, "SELECT id, k FROM raw.t2"); cmp.Diff([][]bigquery.Value{{int64(7), "x"}}, got) != "" {
		t.Errorf("cased keys: %v", got)
	}
	// Unknown keys are dropped only with ignoreUnknownValues.
	if err := load(`{"id":8,"extra":1}`+"\n", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ data, want string }{
		{`{"id":9,"extra":1}`, "extra"},
		{`{"id":12.5}`, "id"},
		{`{"id":"12.5"}`, "id"},
		{`{"id":1,"k":{"a":1}}`, "k"},
		{`{"id":1,"b":"yes"}`, "b"},
		{`{"id":null}`, "id"},
		{`{"k":"no id"}`, "id"},
		{`{"id":1,"v":"abc"}`, "v"},
		{`{"id":1,"ts":"not a time"}`, "ts"},
		{`{"id":1} trailing`, "JSON"},
	} {
		err := load(`{"id":100}`+"\n"+c.data+"\n", false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %q", c.data, err, c.want)
		}
	}
}

func mustDate(s string) bigquery.Value {
	d, err := civil.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
