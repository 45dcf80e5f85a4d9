package bigquery

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
)

type blobRow struct {
	ID   string
	Blob string
}

func (b blobRow) Save() (map[string]bigquery.Value, string, error) {
	return map[string]bigquery.Value{"id": b.ID, "blob": b.Blob}, "", nil
}

var blobSchema = bigquery.Schema{{Name: "id", Type: bigquery.StringFieldType}, {Name: "blob", Type: bigquery.StringFieldType}}

func blobRows(prefix string, n, size int) []blobRow {
	out := make([]blobRow, n)
	for i := range out {
		out[i] = blobRow{ID: fmt.Sprintf("%s%03d", prefix, i), Blob: strings.Repeat(string(rune('a'+i%26)), size)}
	}
	return out
}

// wantAPIError checks err is BigQuery's error shape: the HTTP status, the
// first errors[] reason and a message containing msg.
func wantAPIError(t *testing.T, err error, code int, reason, msg string) {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %T %v: want a googleapi.Error", err, err)
	}
	if ge.Code != code || len(ge.Errors) == 0 || ge.Errors[0].Reason != reason || !strings.Contains(ge.Message, msg) {
		t.Fatalf("error %d %+v %q: want %d, reason %s, message containing %q", ge.Code, ge.Errors, ge.Message, code, reason, msg)
	}
}

func countRows(t *testing.T, e *env, table string) int64 {
	t.Helper()
	return query(t, e, "SELECT COUNT(*) FROM lim."+table)[0][0].(int64)
}

// An 11 MB insertAll is refused as BigQuery refuses it (400, badRequest,
// "Request payload size exceeds the limit: 10485760 bytes."), nothing of it
// lands, and a 9 MB request still goes through.
func TestInsertAllRequestSizeLimit(t *testing.T) {
	e := newEnv(t, Options{})
	tbl := e.dataset(t, "lim").Table("blobs")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: blobSchema}); err != nil {
		t.Fatal(err)
	}
	err := tbl.Inserter().Put(e.ctx, blobRows("big", 11, 1<<20))
	wantAPIError(t, err, 400, "badRequest", "Request payload size exceeds the limit: 10485760 bytes.")
	if n := countRows(t, e, "blobs"); n != 0 {
		t.Fatalf("%d rows of the refused request landed", n)
	}
	if err := tbl.Inserter().Put(e.ctx, blobRows("ok", 9, 1<<20)); err != nil {
		t.Fatalf("9 MB request: %v", err)
	}
	if n := countRows(t, e, "blobs"); n != 9 {
		t.Fatalf("rows = %d, want 9", n)
	}
	// Chunked (no Content-Length) bodies are held to the same limit.
	body := `{"rows":[{"json":{"id":"x","blob":"` + strings.Repeat("z", 11<<20) + `"}}]}`
	req, _ := http.NewRequest("POST", e.hs.URL+"/projects/"+testProject+"/datasets/lim/tables/blobs/insertAll", io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb struct {
		Error struct {
			Code   int
			Errors []struct{ Reason string }
		}
	}
	if json.NewDecoder(resp.Body).Decode(&eb); resp.StatusCode != 400 || len(eb.Error.Errors) == 0 || eb.Error.Errors[0].Reason != "badRequest" {
		t.Fatalf("chunked 11 MB body: status %d, %+v", resp.StatusCode, eb)
	}
}

// 50,001 rows in one request are refused (400 invalid); 50,000 land.
func TestInsertAllRowCountLimit(t *testing.T) {
	e := newEnv(t, Options{})
	tbl := e.dataset(t, "lim").Table("many")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: blobSchema}); err != nil {
		t.Fatal(err)
	}
	err := tbl.Inserter().Put(e.ctx, blobRows("r", 50001, 1))
	wantAPIError(t, err, 400, "invalid", "too many rows present in the request, limit: 50000 row count: 50001.")
	if err := tbl.Inserter().Put(e.ctx, blobRows("r", 50000, 1)); err != nil {
		t.Fatalf("50,000 rows: %v", err)
	}
	if n := countRows(t, e, "many"); n != 50000 {
		t.Fatalf("rows = %d, want 50000", n)
	}
}

// A row over 10 MB gets its own insert error. With BigQuery's request limit
// such a row can never arrive (the request limit answers first, above), so
// this test raises the request limit to reach the row check.
func TestInsertAllRowSizeLimit(t *testing.T) {
	e := newEnv(t, Options{Limits: Limits{InsertAllRequestBytes: 32 << 20}})
	tbl := e.dataset(t, "lim").Table("rows")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: blobSchema}); err != nil {
		t.Fatal(err)
	}
	rows := []blobRow{{ID: "huge", Blob: strings.Repeat("h", 11<<20)}, {ID: "small", Blob: "s"}}
	err := tbl.Inserter().Put(e.ctx, rows)
	var pm bigquery.PutMultiError
	if !errors.As(err, &pm) || len(pm) != 2 {
		t.Fatalf("error %T %v: want a PutMultiError for both rows", err, err)
	}
	for _, re := range pm {
		var be *bigquery.Error
		if len(re.Errors) != 1 || !errors.As(re.Errors[0], &be) {
			t.Fatalf("row %d: %v", re.RowIndex, re.Errors)
		}
		switch re.RowIndex {
		case 0:
			if be.Reason != "invalid" || !strings.Contains(be.Message, "Maximum allowed row size exceeded. Allowed: 10485760 Row size: ") {
				t.Errorf("row 0: %+v", be)
			}
		case 1:
			if be.Reason != "stopped" {
				t.Errorf("row 1: %+v, want stopped", be)
			}
		}
	}
	if n := countRows(t, e, "rows"); n != 0 {
		t.Fatalf("%d rows landed", n)
	}
}

// A query of 1,024K characters runs; one character more is refused with
// BigQuery's message, through jobs.query and jobs.insert alike.
func TestQueryLengthLimit(t *testing.T) {
	e := newEnv(t, Options{})
	const head = "SELECT 'é' AS x -- "
	ok := head + strings.Repeat("é", 1024<<10-len([]rune(head))) // multi-byte: the limit counts characters
	if got := query(t, e, ok); len(got) != 1 || got[0][0] != "é" {
		t.Fatalf("1,024K-character query: %v", got)
	}
	long := ok + " "
	_, err := e.client.Query(long).Read(e.ctx)
	const msg = "The query is too large. The maximum standard SQL query length is 1024.00K characters, including comments and white space characters."
	wantAPIError(t, err, 400, "invalid", msg)
	j, err := e.client.Query(long).Run(e.ctx) // jobs.insert
	if err == nil {
		var st *bigquery.JobStatus
		if st, err = j.Wait(e.ctx); err == nil {
			err = st.Err()
		}
	}
	if err == nil || !strings.Contains(err.Error(), "The query is too large") {
		t.Fatalf("jobs.insert of a long query: %v", err)
	}
}

// Pages of tabledata.list and query results stay under 10 MB: 12 rows of
// 2 MB come back over several pages, every row once, through the client.
func TestResponsePagesStayUnder10MB(t *testing.T) {
	e := newEnv(t, Options{})
	tbl := e.dataset(t, "lim").Table("pages")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: blobSchema}); err != nil {
		t.Fatal(err)
	}
	all := blobRows("p", 12, 2<<20)
	for i := 0; i < len(all); i += 3 {
		if err := tbl.Inserter().Put(e.ctx, all[i:i+3]); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get(e.hs.URL + "/projects/" + testProject + "/datasets/lim/tables/pages/data")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tl struct {
		Rows      []json.RawMessage
		PageToken string
	}
	if err := json.Unmarshal(page, &tl); err != nil {
		t.Fatal(err)
	}
	if len(page) > 10<<20 || len(tl.Rows) == 0 || len(tl.Rows) >= 12 || tl.PageToken != fmt.Sprint(len(tl.Rows)) {
		t.Fatalf("first page: %d bytes, %d rows, token %q: want under 10 MB with a token to the next row", len(page), len(tl.Rows), tl.PageToken)
	}
	check := func(what string, it *bigquery.RowIterator) {
		got := map[string]string{}
		for _, r := range readAll(t, it) {
			got[r[0].(string)] = r[1].(string)
		}
		if len(got) != len(all) {
			t.Fatalf("%s: %d distinct rows, want %d", what, len(got), len(all))
		}
		for _, r := range all {
			if got[r.ID] != r.Blob {
				t.Fatalf("%s: row %s differs", what, r.ID)
			}
		}
	}
	check("tabledata.list", tbl.Read(e.ctx))
	it, err := e.client.Query("SELECT id, blob FROM lim.pages").Read(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("query", it)
}
