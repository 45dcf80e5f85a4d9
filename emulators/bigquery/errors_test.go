package bigquery

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
)

// leaksDuckDB reports whether a user-facing message shows DuckDB internals.
func leaksDuckDB(msg string) bool {
	for _, s := range []string{"LINE 1", "Catalog Error", "Binder Error", "Conversion Error", "Did you mean", `"."`, "pg_catalog"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func TestQueryErrorsAreBigQueryErrors(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "ds")
	if err := ds.Table("t").Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "a", Type: bigquery.IntegerFieldType}}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sql    string
		code   int
		reason string
		msg    string
	}{
		{"SELECT * FROM ds.nope", 404, "notFound", "Not found: Table test-project:ds.nope was not found in location US"},
		{"SELECT * FROM `test-project.ds.nope` WHERE 1=1", 404, "notFound", "Not found: Table test-project:ds.nope was not found in location US"},
		{"SELECT * FROM nods.t", 404, "notFound", "Not found: Dataset test-project:nods was not found in location US"},
		{"INSERT INTO ds.gone (a) VALUES (1)", 404, "notFound", "Not found: Table test-project:ds.gone was not found in location US"},
		{"SELECT nocol FROM ds.t", 400, "invalidQuery", "Unrecognized name: nocol"},
		{"SELECT CAST('x' AS INT64)", 400, "invalidQuery", "Bad int64 value: x"},
	}
	for _, c := range cases {
		// jobs.query
		_, err := e.client.Query(c.sql).Read(e.ctx)
		var ge *googleapi.Error
		if !errors.As(err, &ge) {
			t.Errorf("%s: jobs.query error %v is not a googleapi.Error", c.sql, err)
			continue
		}
		if ge.Code != c.code || len(ge.Errors) == 0 || ge.Errors[0].Reason != c.reason || ge.Message != c.msg {
			t.Errorf("%s: jobs.query got %d %+v %q, want %d %s %q", c.sql, ge.Code, ge.Errors, ge.Message, c.code, c.reason, c.msg)
		}
		if leaksDuckDB(ge.Message) || leaksDuckDB(ge.Errors[0].Message) {
			t.Errorf("%s: message leaks DuckDB: %q", c.sql, ge.Message)
		}
		// jobs.insert: the job finishes with errorResult; getQueryResults answers the error.
		q := e.client.Query(c.sql)
		job, err := q.Run(e.ctx)
		if err != nil {
			t.Fatalf("%s: jobs.insert: %v", c.sql, err)
		}
		// As with BigQuery, waiting on a failed query job answers the error
		// (getQueryResults); jobs.get carries it in status.errorResult.
		if _, err := job.Wait(e.ctx); apiCode(err) != c.code {
			t.Errorf("%s: wait: got %v, want HTTP %d", c.sql, err, c.code)
		}
		st, err := job.Status(e.ctx)
		if err != nil {
			t.Fatalf("%s: jobs.get: %v", c.sql, err)
		}
		if st.Err() == nil {
			t.Errorf("%s: job succeeded", c.sql)
			continue
		}
		var be *bigquery.Error
		if !errors.As(st.Err(), &be) || be.Reason != c.reason || be.Message != c.msg {
			t.Errorf("%s: job errorResult %#v, want %s %q", c.sql, st.Err(), c.reason, c.msg)
		}
		resp, err := http.Get(e.hs.URL + "/projects/" + testProject + "/queries/" + job.ID())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var eb struct {
			Error struct {
				Code    int
				Message string
				Errors  []struct{ Reason, Message, Location string }
			}
		}
		json.Unmarshal(body, &eb)
		if resp.StatusCode != c.code || eb.Error.Code != c.code || len(eb.Error.Errors) < 1 || eb.Error.Errors[0].Reason != c.reason || eb.Error.Message != c.msg {
			t.Errorf("%s: getQueryResults %d %s", c.sql, resp.StatusCode, body)
		}
		// DuckDB's own message is logged, never sent: one errors[] entry, BigQuery's
		if len(eb.Error.Errors) != 1 || eb.Error.Errors[0].Message != c.msg || eb.Error.Errors[0].Location == "duckdb" {
			t.Errorf("%s: want BigQuery's message as the only errors[] entry: %s", c.sql, body)
		}
	}
}
