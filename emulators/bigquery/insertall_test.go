package bigquery

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"
	bq "google.golang.org/api/bigquery/v2"
)

// postInsertAll POSTs a raw insertAll body and returns the decoded response.
func postInsertAll(t *testing.T, e *env, table, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(e.hs.URL+"/projects/"+testProject+"/datasets/raw/tables/"+table+"/insertAll", "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("insertAll: %d %s", resp.StatusCode, b)
	}
	return out
}

// A RECORD value may omit sub-fields (at any depth, also inside REPEATED
// RECORDs); BigQuery stores them as NULL (or [] when REPEATED).
func TestInsertAllRecordMissingSubfields(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.IntegerFieldType},
		{Name: "r", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
			{Name: "n1", Type: bigquery.IntegerFieldType},
			{Name: "n2", Type: bigquery.StringFieldType},
			{Name: "n3", Type: bigquery.FloatFieldType},
			{Name: "tags", Type: bigquery.StringFieldType, Repeated: true},
			{Name: "inner", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
				{Name: "a", Type: bigquery.StringFieldType},
				{Name: "b", Type: bigquery.IntegerFieldType},
			}},
		}},
		{Name: "rs", Type: bigquery.RecordFieldType, Repeated: true, Schema: bigquery.Schema{
			{Name: "x", Type: bigquery.IntegerFieldType},
			{Name: "y", Type: bigquery.StringFieldType},
		}},
	}
	if err := ds.Table("rec").Create(e.ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	out := postInsertAll(t, e, "rec", `{"rows":[
		{"json":{"id":1,"r":{"n1":5},"rs":[{"x":1},{"y":"b"}]}},
		{"json":{"id":2,"r":{"n2":"s","inner":{"b":7}}}},
		{"json":{"id":3,"r":{}}}]}`)
	if out["insertErrors"] != nil {
		t.Fatalf("insertErrors: %v", out["insertErrors"])
	}
	got := query(t, e, `SELECT id, r.n1, r.n2, r.n3, ARRAY_LENGTH(r.tags), r.inner.a, r.inner.b, ARRAY_LENGTH(rs), rs[SAFE_OFFSET(0)].y, rs[SAFE_OFFSET(1)].x FROM raw.rec ORDER BY id`)
	want := [][]bigquery.Value{
		{int64(1), int64(5), nil, nil, int64(0), nil, nil, int64(2), nil, nil},
		{int64(2), nil, "s", nil, int64(0), nil, int64(7), int64(0), nil, nil},
		{int64(3), nil, nil, nil, int64(0), nil, nil, int64(0), nil, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// A REQUIRED sub-field is still required.
	if err := ds.Table("req").Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{
		{Name: "r", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
			{Name: "must", Type: bigquery.StringFieldType, Required: true},
			{Name: "may", Type: bigquery.StringFieldType},
		}},
	}}); err != nil {
		t.Fatal(err)
	}
	out = postInsertAll(t, e, "req", `{"skipInvalidRows":true,"rows":[{"json":{"r":{"may":"x"}}},{"json":{"r":{"must":"y"}}}]}`)
	errs, _ := out["insertErrors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["index"] != float64(0) {
		t.Fatalf("insertErrors: %v", out["insertErrors"])
	}
	if got := query(t, e, `SELECT r.must, r.may FROM raw.req`); !cmp.Equal(got, [][]bigquery.Value{{"y", nil}}) {
		t.Errorf("req rows: %v", got)
	}
}

// The typed fast path of insertAll (parseInsertAllFast, scalarFast,
// decodeSlots) gives the values and errors of the general decoder.
func TestInsertAllFastPathMatchesGeneral(t *testing.T) {
	fields := []*bq.TableFieldSchema{
		{Name: "s", Type: "STRING"},
		{Name: "i", Type: "INTEGER"},
		{Name: "f", Type: "FLOAT"},
		{Name: "b", Type: "BOOLEAN"},
		{Name: "ts", Type: "TIMESTAMP"},
		{Name: "req", Type: "STRING", Mode: "REQUIRED"},
		{Name: "n", Type: "NUMERIC"},
		{Name: "tags", Type: "STRING", Mode: "REPEATED"},
		{Name: "r", Type: "RECORD", Fields: []*bq.TableFieldSchema{{Name: "a", Type: "INTEGER"}, {Name: "b", Type: "STRING"}}},
	}
	values := map[string][]string{
		"s":    {`"x"`, `""`, `"h\u00e9"`, `"hé"`, `"a\"b"`, `12`, `1.5e3`, `true`, `null`, `{"a":1}`, `[1]`},
		"i":    {`1`, `-7`, `0`, `"007"`, `"-"`, `""`, `" 5"`, `"+5"`, `12.0`, `1e3`, `1.5`, `"1.5"`, `9223372036854775807`, `99999999999999999999`, `123456789012345678`, `-0`, `"x"`, `true`, `null`, `[1]`},
		"f":    {`1.25`, `-0.5`, `1e-3`, `7`, `"2.5"`, `"NaN"`, `"Infinity"`, `"-inf"`, `"x"`, `true`, `null`, `1E+2`},
		"b":    {`true`, `false`, `"true"`, `"0"`, `1`, `0`, `2`, `"yes"`, `null`},
		"ts":   {`"2026-11-01T12:00:00.000123Z"`, `"2026-11-01 12:00:00 UTC"`, `"2026-11-01T12:00:00+02:00"`, `"2026-11-01"`, `" 2026-11-01 12:00"`, `1700000000.5`, `"1700000000"`, `"yesterday"`, `"2026-11-01T12:00:00.1234567891Z"`, `null`},
		"req":  {`"r"`, `null`},
		"n":    {`"1.5"`, `3`},
		"tags": {`["a","b"]`, `[]`, `null`, `"a"`},
		"r":    {`{"a":1}`, `{}`, `{"b":"x","a":"2"}`, `null`},
	}
	names := []string{"s", "i", "f", "b", "ts", "req", "n", "tags", "r"}
	var bodies []string
	for _, name := range names {
		for _, v := range values[name] {
			row := `{"req":"r",` + strconv.Quote(name) + `:` + v + `}`
			if name == "req" {
				row = `{"req":` + v + `}`
			}
			bodies = append(bodies, `{"rows":[{"insertId":"a","json":`+row+`}]}`)
		}
	}
	bodies = append(bodies,
		`{"rows":[{"json":{"req":"r","i":1,"i":"2"}}]}`,
		`{"rows":[{"json":{"req":"r","i":"x","i":3}}]}`,
		`{"rows":[{"json":{"req":"r","S":"case"}}]}`,
		`{"rows":[{"json":{"req":"r","zz":1}}],"ignoreUnknownValues":true}`,
		`{"rows":[{"json":{"s":"a","req":"r"},"insertId":"x\u00e9"},{"json":null},{"insertId":null}],"skipInvalidRows":true}`,
		`{"rows":[],"kind":"k"}`,
		`{"rows":[{"json":{"req":"r","ts":"2026-11-01T12:00:00Z","f":1.5,"b":false,"i":"42","s":"v"}}]}`,
	)
	fast := 0
	for _, body := range bodies {
		gen, err := decodeInsertAll([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		fp, ok := parseInsertAllFast([]byte(body), fields)
		if !ok {
			continue
		}
		fast++
		if len(fp.rows) != len(gen.Rows) || fp.skipInvalidRows != gen.SkipInvalidRows || fp.ignoreUnknownValues != gen.IgnoreUnknownValues {
			t.Fatalf("%s: fast %+v, general %+v", body, fp, gen)
		}
		for i, rw := range fp.rows {
			g := gen.Rows[i]
			if rw.hasID != (g.InsertID != "") || rw.hasID && rw.id != hashID(g.InsertID) {
				t.Errorf("%s: row %d insertId differs", body, i)
			}
			want, wantErr := decodeRow(fields, g.JSON, gen.IgnoreUnknownValues, "")
			got := make([]driver.Value, len(fields))
			gotErr := decodeSlots(fields, rw.vals, rw.done, fp.ignoreUnknownValues, got)
			if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
				t.Errorf("%s: error %v, want %v", body, gotErr, wantErr)
				continue
			}
			if wantErr != nil {
				if wantErr.(*fieldError).location != gotErr.(*fieldError).location {
					t.Errorf("%s: error location %v, want %v", body, gotErr, wantErr)
				}
				continue
			}
			for j := range want {
				if fmt.Sprintf("%T %#v", want[j], want[j]) != fmt.Sprintf("%T %#v", got[j], got[j]) {
					t.Errorf("%s: column %s = %T %#v, want %T %#v", body, fields[j].Name, got[j], got[j], want[j], want[j])
				}
			}
		}
	}
	t.Logf("fast path took %d of %d bodies", fast, len(bodies))
	if fast < len(bodies)/2 {
		t.Errorf("fast path took only %d of %d bodies", fast, len(bodies))
	}
}

// Rows accepted by insertAll are visible to a query at once, to DB, and to
// a direct reader of the database after the flush timer.
func TestInsertAllVisibility(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	if err := ds.Table("v").Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "x", Type: bigquery.IntegerFieldType}}}); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		var n int64
		if err := e.srv.db.QueryRow(`SELECT count(*) FROM raw.v`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	postInsertAll(t, e, "v", `{"rows":[{"insertId":"1","json":{"x":1}},{"insertId":"2","json":{"x":2}}]}`)
	if got := query(t, e, `SELECT count(*) FROM raw.v`); got[0][0] != int64(2) {
		t.Errorf("query after insertAll: %v", got)
	}
	postInsertAll(t, e, "v", `{"rows":[{"insertId":"1","json":{"x":1}},{"insertId":"3","json":{"x":3}}]}`)
	var n int64
	if err := e.srv.DB().QueryRow(`SELECT count(*) FROM raw.v`).Scan(&n); err != nil || n != 3 {
		t.Errorf("DB after insertAll: %d %v", n, err)
	}
	postInsertAll(t, e, "v", `{"rows":[{"json":{"x":4}}]}`)
	deadline := time.Now().Add(2 * time.Second)
	for count() != 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := count(); got != 4 {
		t.Errorf("direct reader after the flush timer: %d rows", got)
	}
}

// DB sees every accepted row even while the flush timer is flushing.
func TestInsertAllVisibleDuringTimerFlush(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	if err := ds.Table("v").Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "x", Type: bigquery.IntegerFieldType}, {Name: "s", Type: bigquery.StringFieldType}}}); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.WriteString(`{"rows":[`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"json":{"x":%d,"s":"some text %d"}}`, i, i)
	}
	body.WriteString(`]}`)
	want := 0
	for i := 0; i < 30; i++ {
		postInsertAll(t, e, "v", body.String())
		want += 5000
		done := make(chan struct{})
		go func() { e.srv.flushAppenders(); close(done) }()
		var n int
		if err := e.srv.DB().QueryRow(`SELECT count(*) FROM raw.v`).Scan(&n); err != nil || n != want {
			t.Fatalf("round %d: DB sees %d rows (%v), want %d", i, n, err, want)
		}
		<-done
	}
}
