package bigquery

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
	"github.com/sluice-data/sluice/emulators/fault"
)

const testProject = "test-project"

type env struct {
	srv    *Server
	hs     *httptest.Server
	client *bigquery.Client
	ctx    context.Context
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	if opts.Project == "" {
		opts.Project = testProject
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	ctx := context.Background()
	c, err := bigquery.NewClient(ctx, testProject, option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		hs.Close()
		srv.Close()
	})
	return &env{srv: srv, hs: hs, client: c, ctx: ctx}
}

func (e *env) dataset(t testing.TB, id string) *bigquery.Dataset {
	t.Helper()
	ds := e.client.Dataset(id)
	if err := ds.Create(e.ctx, &bigquery.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatalf("create dataset %s: %v", id, err)
	}
	return ds
}

func readAll(t testing.TB, it *bigquery.RowIterator) [][]bigquery.Value {
	t.Helper()
	var out [][]bigquery.Value
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if err == iterator.Done {
			return out
		}
		if err != nil {
			t.Fatalf("read rows: %v", err)
		}
		out = append(out, row)
	}
}

func query(t testing.TB, e *env, sql string) [][]bigquery.Value {
	t.Helper()
	it, err := e.client.Query(sql).Read(e.ctx)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return readAll(t, it)
}

func apiCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

var eventSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.StringFieldType, Required: true, Description: "event id"},
	{Name: "n", Type: bigquery.IntegerFieldType},
	{Name: "ts", Type: bigquery.TimestampFieldType},
	{Name: "d", Type: bigquery.DateFieldType},
	{Name: "amount", Type: bigquery.NumericFieldType},
	{Name: "tags", Type: bigquery.StringFieldType, Repeated: true},
	{Name: "user", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
		{Name: "name", Type: bigquery.StringFieldType},
		{Name: "scores", Type: bigquery.FloatFieldType, Repeated: true},
	}},
}

func TestDatasetAndTableMetadata(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	if err := ds.Create(e.ctx, nil); apiCode(err) != 409 {
		t.Fatalf("second dataset create: got %v, want 409", err)
	}
	tbl := ds.Table("events")
	meta := &bigquery.TableMetadata{
		Schema:           eventSchema,
		Description:      "raw events",
		Labels:           map[string]string{"team": "data"},
		TimePartitioning: &bigquery.TimePartitioning{Type: bigquery.DayPartitioningType, Field: "ts"},
		Clustering:       &bigquery.Clustering{Fields: []string{"id"}},
	}
	if err := tbl.Create(e.ctx, meta); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Create(e.ctx, meta); apiCode(err) != 409 {
		t.Fatalf("second table create: got %v, want 409", err)
	}
	got, err := tbl.Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(eventSchema, got.Schema); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	if got.Description != "raw events" || got.Labels["team"] != "data" || got.TimePartitioning == nil ||
		got.TimePartitioning.Field != "ts" || got.Clustering == nil || got.Clustering.Fields[0] != "id" || got.Type != bigquery.RegularTable {
		t.Errorf("metadata not kept: %+v", got)
	}
	// list
	var names []string
	it := ds.Tables(e.ctx)
	for {
		tb, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tb.TableID)
	}
	if diff := cmp.Diff([]string{"events"}, names); diff != "" {
		t.Errorf("tables.list: %s", diff)
	}
	// partitioning field must exist and be a time type
	bad := &bigquery.TableMetadata{Schema: eventSchema, TimePartitioning: &bigquery.TimePartitioning{Field: "n"}}
	if err := ds.Table("bad").Create(e.ctx, bad); apiCode(err) != 400 {
		t.Errorf("partitioning on INTEGER: got %v, want 400", err)
	}
	// delete dataset with contents
	if err := ds.Delete(e.ctx); apiCode(err) != 400 {
		t.Errorf("delete non-empty dataset: got %v, want 400", err)
	}
	if err := ds.DeleteWithContents(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.Metadata(e.ctx); apiCode(err) != 404 {
		t.Errorf("table after dataset delete: got %v, want 404", err)
	}
}

type event struct {
	ID     string
	N      int64
	TS     time.Time
	D      civil.Date
	Amount *big.Rat
	Tags   []string
	User   user
}

type user struct {
	Name   string
	Scores []float64
}

func (ev event) Save() (map[string]bigquery.Value, string, error) {
	return map[string]bigquery.Value{
		"id": ev.ID, "n": ev.N, "ts": ev.TS, "d": ev.D, "amount": bigquery.NumericString(ev.Amount),
		"tags": ev.Tags, "user": map[string]bigquery.Value{"name": ev.User.Name, "scores": ev.User.Scores},
	}, "ins-" + ev.ID, nil
}

func TestInsertAllDedupAndTypedRoundTrip(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	tbl := ds.Table("events")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: eventSchema}); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 1, 12, 34, 56, 123456000, time.UTC)
	rows := []event{
		{ID: "a", N: 1, TS: ts, D: civil.Date{Year: 2026, Month: 11, Day: 1}, Amount: big.NewRat(123456789, 1000), Tags: []string{"x", "y"}, User: user{"ann", []float64{1.5, 2}}},
		{ID: "b", N: -9007199254740993, TS: ts.Add(time.Hour), D: civil.Date{Year: 1999, Month: 12, Day: 31}, Amount: big.NewRat(-1, 4), User: user{Name: "bob"}},
	}
	ins := tbl.Inserter()
	for i := 0; i < 3; i++ { // redelivery must not duplicate
		if err := ins.Put(e.ctx, rows); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	got := query(t, e, "SELECT id, n, ts, d, amount, tags, user FROM raw.events ORDER BY id")
	want := [][]bigquery.Value{
		{"a", int64(1), ts, civil.Date{Year: 2026, Month: 11, Day: 1}, big.NewRat(123456789, 1000), []bigquery.Value{"x", "y"}, []bigquery.Value{"ann", []bigquery.Value{1.5, 2.0}}},
		{"b", int64(-9007199254740993), ts.Add(time.Hour), civil.Date{Year: 1999, Month: 12, Day: 31}, big.NewRat(-1, 4), []bigquery.Value{}, []bigquery.Value{"bob", []bigquery.Value{}}},
	}
	ratCmp := cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })
	if diff := cmp.Diff(want, got, ratCmp, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// The same through tabledata.list.
	listed := readAll(t, tbl.Read(e.ctx))
	sort.Slice(listed, func(i, j int) bool { return listed[i][0].(string) < listed[j][0].(string) })
	if diff := cmp.Diff(want, listed, ratCmp, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("tabledata.list (-want +got):\n%s", diff)
	}
}

func TestInsertAllRowErrors(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	tbl := ds.Table("events")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: eventSchema}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		row      map[string]bigquery.Value
		location string
	}{
		{"bad integer", map[string]bigquery.Value{"id": "x", "n": "not-a-number"}, "n"},
		{"missing required", map[string]bigquery.Value{"n": 1}, "id"},
		{"unknown field", map[string]bigquery.Value{"id": "x", "nope": 1}, "nope"},
		{"bad nested", map[string]bigquery.Value{"id": "x", "user": map[string]any{"scores": []any{"high"}}}, "user.scores"},
		{"bad timestamp", map[string]bigquery.Value{"id": "x", "ts": "yesterday"}, "ts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good := &bigquery.ValuesSaver{Schema: eventSchema, InsertID: "good-" + tc.name, Row: []bigquery.Value{"ok", 1, nil, nil, nil, nil, nil}}
			err := tbl.Inserter().Put(e.ctx, []bigquery.ValueSaver{good, mapSaver(tc.row)})
			var pme bigquery.PutMultiError
			if !errors.As(err, &pme) {
				t.Fatalf("got %v, want PutMultiError", err)
			}
			var locs []string
			for _, re := range pme {
				for _, fe := range re.Errors {
					var be *bigquery.Error
					if errors.As(fe, &be) && be.Reason == "invalid" {
						locs = append(locs, be.Location)
					}
				}
			}
			if diff := cmp.Diff([]string{tc.location}, locs); diff != "" {
				t.Errorf("invalid locations (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
	// Without skipInvalidRows nothing was written.
	if got := query(t, e, "SELECT count(*) FROM raw.events"); got[0][0] != int64(0) {
		t.Errorf("rows written despite errors: %v", got)
	}
	// With skipInvalidRows the good row lands.
	ins := tbl.Inserter()
	ins.SkipInvalidRows = true
	err := ins.Put(e.ctx, []bigquery.ValueSaver{mapSaver{"id": "good"}, mapSaver{"id": "bad", "n": "x"}})
	var pme bigquery.PutMultiError
	if !errors.As(err, &pme) || len(pme) != 1 || pme[0].RowIndex != 1 {
		t.Fatalf("skipInvalidRows: got %v", err)
	}
	if got := query(t, e, "SELECT id FROM raw.events"); !cmp.Equal(got, [][]bigquery.Value{{"good"}}) {
		t.Errorf("skipInvalidRows rows: %v", got)
	}
	// ignoreUnknownValues accepts unknown fields.
	ins = tbl.Inserter()
	ins.IgnoreUnknownValues = true
	if err := ins.Put(e.ctx, mapSaver{"id": "extra", "nope": 1}); err != nil {
		t.Errorf("ignoreUnknownValues: %v", err)
	}
}

type mapSaver map[string]bigquery.Value

func (m mapSaver) Save() (map[string]bigquery.Value, string, error) { return m, "", nil }

func TestQueryParameters(t *testing.T) {
	if st, err := bqsql.Translate("SELECT @x", bqsql.Options{Params: []bqsql.Param{{Name: "x", Type: "INT64", Value: strp("1")}}}); err != nil || strings.Contains(st[0].SQL, "@x") {
		t.Skip("bqsql translator does not inline parameters yet (placeholder translator)")
	}
	e := newEnv(t, Options{})
	ts := time.Date(2026, 11, 1, 1, 2, 3, 456000, time.UTC)
	q := e.client.Query("SELECT @ts AS ts, @d AS d, @n AS n, @s AS s, @arr AS arr, @str AS str, ? IS NULL AS isnull")
	q.Parameters = []bigquery.QueryParameter{
		{Name: "ts", Value: ts},
		{Name: "d", Value: civil.Date{Year: 2026, Month: 2, Day: 28}},
		{Name: "n", Value: big.NewRat(31, 10)},
		{Name: "s", Value: struct {
			A int64
			B []string
		}{7, []string{"p", "q"}}},
		{Name: "arr", Value: []int64{3, 1, 2}},
		{Name: "str", Value: "it's"},
	}
	q.Parameters = q.Parameters[:6]
	q.Q = strings.Replace(q.Q, ", ? IS NULL AS isnull", "", 1)
	it, err := q.Read(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, it)
	want := [][]bigquery.Value{{ts, civil.Date{Year: 2026, Month: 2, Day: 28}, big.NewRat(31, 10),
		[]bigquery.Value{int64(7), []bigquery.Value{"p", "q"}}, []bigquery.Value{int64(3), int64(1), int64(2)}, "it's"}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func strp(s string) *string { return &s }

func TestQueryDestinationDispositions(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "curated")
	dst := ds.Table("out")
	run := func(sql string, wd bigquery.TableWriteDisposition) error {
		q := e.client.Query(sql)
		q.Dst = dst
		q.WriteDisposition = wd
		job, err := q.Run(e.ctx)
		if err != nil {
			return err
		}
		st, err := job.Wait(e.ctx)
		if err != nil {
			return err
		}
		return st.Err()
	}
	steps := []struct {
		sql    string
		wd     bigquery.TableWriteDisposition
		want   [][]bigquery.Value
		reason string
	}{
		{"SELECT 1 AS x, 'a' AS y", bigquery.WriteTruncate, [][]bigquery.Value{{int64(1), "a"}}, ""},
		{"SELECT 2 AS x, 'b' AS y", bigquery.WriteTruncate, [][]bigquery.Value{{int64(2), "b"}}, ""},
		{"SELECT 3 AS x, 'c' AS y", bigquery.WriteAppend, [][]bigquery.Value{{int64(2), "b"}, {int64(3), "c"}}, ""},
		{"SELECT 4 AS x, 'd' AS y", bigquery.WriteEmpty, nil, "duplicate"},
	}
	for i, st := range steps {
		err := run(st.sql, st.wd)
		if st.reason != "" {
			if err == nil || !strings.Contains(err.Error(), st.reason) {
				t.Errorf("step %d: got %v, want error %s", i, err, st.reason)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := query(t, e, "SELECT x, y FROM curated.out ORDER BY x"); !cmp.Equal(st.want, got) {
			t.Errorf("step %d: got %v, want %v", i, got, st.want)
		}
	}
	md, err := dst.Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.NumRows != 2 || len(md.Schema) != 2 || md.Schema[0].Type != bigquery.IntegerFieldType {
		t.Errorf("destination metadata: rows %d schema %+v", md.NumRows, md.Schema)
	}
}

func TestDuplicateJobID(t *testing.T) {
	e := newEnv(t, Options{})
	q := e.client.Query("SELECT 1")
	q.JobID = "deterministic-job-1"
	if _, err := q.Run(e.ctx); err != nil {
		t.Fatal(err)
	}
	_, err := q.Run(e.ctx)
	if apiCode(err) != 409 {
		t.Fatalf("repeated job id: got %v, want 409", err)
	}
	job, err := e.client.JobFromID(e.ctx, "deterministic-job-1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := job.Status(e.ctx)
	if err != nil || st.State != bigquery.Done || st.Err() != nil {
		t.Fatalf("job status: %+v %v", st, err)
	}
	it, err := job.Read(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, it); !cmp.Equal(got, [][]bigquery.Value{{int64(1)}}) {
		t.Errorf("job results: %v", got)
	}
}

func TestSchemaUpdateAddsColumn(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	tbl := ds.Table("t")
	schema := bigquery.Schema{{Name: "a", Type: bigquery.IntegerFieldType, Required: true}}
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Inserter().Put(e.ctx, mapSaver{"a": 1}); err != nil {
		t.Fatal(err)
	}
	md, err := tbl.Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := append(md.Schema, &bigquery.FieldSchema{Name: "b", Type: bigquery.StringFieldType, Description: "added"})
	if _, err := tbl.Update(e.ctx, bigquery.TableMetadataToUpdate{Schema: next}, md.ETag); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Inserter().Put(e.ctx, mapSaver{"a": 2, "b": "two"}); err != nil {
		t.Fatal(err)
	}
	got := query(t, e, "SELECT a, b FROM raw.t ORDER BY a")
	if diff := cmp.Diff([][]bigquery.Value{{int64(1), nil}, {int64(2), "two"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	md, _ = tbl.Metadata(e.ctx)
	if len(md.Schema) != 2 || md.Schema[1].Description != "added" || !md.Schema[0].Required {
		t.Errorf("schema after update: %+v %+v", md.Schema[0], md.Schema[1])
	}
	// Removing or retyping a column is refused.
	bad := bigquery.Schema{{Name: "a", Type: bigquery.StringFieldType}}
	if _, err := tbl.Update(e.ctx, bigquery.TableMetadataToUpdate{Schema: bad}, ""); apiCode(err) != 400 {
		t.Errorf("incompatible schema change: got %v, want 400", err)
	}
}

func TestDMLAndScripts(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	if err := ds.Table("t").Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "a", Type: bigquery.IntegerFieldType}}}); err != nil {
		t.Fatal(err)
	}
	job, err := e.client.Query("INSERT INTO raw.t (a) VALUES (1), (2), (3)").Run(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := job.Wait(e.ctx)
	if err != nil || st.Err() != nil {
		t.Fatal(err, st.Err())
	}
	qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics)
	if !ok || qs.NumDMLAffectedRows != 3 || qs.StatementType != "INSERT" {
		t.Errorf("dml stats: %+v", st.Statistics.Details)
	}
	// A broken query fails the job with invalidQuery.
	_, err = e.client.Query("SELECT nope FROM raw.t").Read(e.ctx)
	if apiCode(err) != 400 || !strings.Contains(err.Error(), "nope") {
		t.Errorf("bad query: got %v", err)
	}
}

func TestDryRunAndBytesBilled(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	tbl := ds.Table("t")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "a", Type: bigquery.IntegerFieldType}}}); err != nil {
		t.Fatal(err)
	}
	rows := make([]mapSaver, 1000)
	for i := range rows {
		rows[i] = mapSaver{"a": i}
	}
	if err := tbl.Inserter().Put(e.ctx, rows); err != nil {
		t.Fatal(err)
	}
	q := e.client.Query("SELECT sum(a) FROM raw.t")
	q.DryRun = true
	job, err := q.Run(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := job.LastStatus().Statistics.TotalBytesProcessed; got != 8000 {
		t.Errorf("dry run totalBytesProcessed = %d, want 8000", got)
	}
	q = e.client.Query("SELECT sum(a) FROM raw.t")
	q.MaxBytesBilled = 1 << 20
	_, err = q.Read(e.ctx)
	if apiCode(err) != 400 || !strings.Contains(err.Error(), "bytesBilledLimitExceeded") {
		t.Errorf("maximumBytesBilled: got %v", err)
	}
	q.MaxBytesBilled = 10 << 20
	if _, err := q.Read(e.ctx); err != nil {
		t.Errorf("within maximumBytesBilled: %v", err)
	}
}

func TestTableDataPaging(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	tbl := ds.Table("t")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{{Name: "a", Type: bigquery.IntegerFieldType}}}); err != nil {
		t.Fatal(err)
	}
	var rows []mapSaver
	for i := 0; i < 10; i++ {
		rows = append(rows, mapSaver{"a": i})
	}
	if err := tbl.Inserter().Put(e.ctx, rows); err != nil {
		t.Fatal(err)
	}
	it := tbl.Read(e.ctx)
	it.PageInfo().MaxSize = 3
	var got []int64
	pages := 0
	for {
		var r []bigquery.Value
		err := it.Next(&r)
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.PageInfo().Remaining() == 0 {
			pages++
		}
		got = append(got, r[0].(int64))
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if diff := cmp.Diff([]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got); diff != "" {
		t.Error(diff)
	}
	if pages != 4 {
		t.Errorf("pages = %d, want 4", pages)
	}
	// Query results page too.
	q := e.client.Query("SELECT a FROM raw.t ORDER BY a")
	qit, err := q.Read(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	qit.PageInfo().MaxSize = 4
	if n := len(readAll(t, qit)); n != 10 {
		t.Errorf("query rows = %d", n)
	}
}

func TestErrorShapeAndFaults(t *testing.T) {
	e := newEnv(t, Options{})
	for _, path := range []string{"/projects/p/datasets/missing", "/bigquery/v2/projects/p/datasets/missing"} {
		resp, err := http.Get(e.hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: status %d type %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var eb struct {
			Error struct {
				Code    int
				Message string
				Status  string
				Errors  []struct{ Reason, Message string }
			}
		}
		if err := json.Unmarshal(body, &eb); err != nil {
			t.Fatal(err)
		}
		if eb.Error.Code != 404 || eb.Error.Status != "NOT_FOUND" || len(eb.Error.Errors) != 1 || eb.Error.Errors[0].Reason != "notFound" || !strings.Contains(eb.Error.Message, "missing") {
			t.Errorf("error body: %s", body)
		}
	}
	e.srv.Faults().SetMethod("datasets.insert", fault.Rule{FailFirst: 1, Code: 503})
	if err := e.client.Dataset("d").Create(e.ctx, nil); apiCode(err) != 503 {
		t.Fatalf("injected 503 on datasets.insert: got %v", err)
	}
	if err := e.client.Dataset("d").Create(e.ctx, nil); err != nil {
		t.Fatal(err)
	}
	e.srv.Faults().SetMethod("datasets.get", fault.Rule{FailFirst: 2, Code: 503})
	if _, err := e.client.Dataset("d").Metadata(e.ctx); err != nil { // the client retries 503 on reads
		t.Fatalf("after two injected 503s the retried get should succeed: %v", err)
	}
	e.srv.Faults().SetMethod("tables.get", fault.Rule{FailFirst: 1, Code: 400})
	if _, err := e.client.Dataset("d").Table("x").Metadata(e.ctx); apiCode(err) != 400 {
		t.Errorf("injected 400: got %v", err)
	}
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bq.duckdb")
	e := newEnv(t, Options{Path: path})
	ds := e.dataset(t, "raw")
	if err := ds.Table("events").Create(e.ctx, &bigquery.TableMetadata{Schema: eventSchema, Description: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := ds.Table("events").Inserter().Put(e.ctx, mapSaver{"id": "a"}); err != nil {
		t.Fatal(err)
	}
	q := e.client.Query("SELECT 1")
	q.JobID = "kept-job"
	if _, err := q.Run(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.client.Close()
	e.hs.Close()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, Options{Path: path})
	md, err := e2.client.Dataset("raw").Table("events").Metadata(e2.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.Description != "kept" || md.NumRows != 1 || !cmp.Equal(eventSchema, md.Schema) {
		t.Errorf("after reopen: %+v", md)
	}
	q = e2.client.Query("SELECT 1")
	q.JobID = "kept-job"
	if _, err := q.Run(e2.ctx); apiCode(err) != 409 {
		t.Errorf("job id after reopen: got %v, want 409", err)
	}
}
