package bigquery

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"
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
