package bigquery

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/iterator"
)

// gcsEnv is an emulator wired to an in-process fake-gcs-server.
func gcsEnv(t *testing.T) (*env, *storage.Client) {
	t.Helper()
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "landing"})
	sc := gcs.Client()
	e := newEnv(t, Options{}.WithStorage(sc))
	return e, sc
}

func put(t *testing.T, sc *storage.Client, name string, data []byte) {
	t.Helper()
	w := sc.Bucket("landing").Object(name).NewWriter(context.Background())
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, sc *storage.Client, name string) []byte {
	t.Helper()
	r, err := sc.Bucket("landing").Object(name).NewReader(context.Background())
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func runJob(t *testing.T, e *env, j interface {
	Run(context.Context) (*bigquery.Job, error)
}) error {
	t.Helper()
	job, err := j.Run(e.ctx)
	if err != nil {
		return err
	}
	st, err := job.Wait(e.ctx)
	if err != nil {
		return err
	}
	return st.Err()
}

func TestLoadJobs(t *testing.T) {
	e, sc := gcsEnv(t)
	ds := e.dataset(t, "raw")
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.IntegerFieldType, Required: true},
		{Name: "name", Type: bigquery.StringFieldType},
		{Name: "day", Type: bigquery.DateFieldType},
	}
	put(t, sc, "in/a.json", []byte(`{"id": 1, "name": "ann", "day": "2026-11-01"}`+"\n"+`{"id": 2, "name": "bob", "day": "2026-11-02"}`+"\n"))
	put(t, sc, "in/b.json.gz", gz([]byte(`{"id": 3, "name": "cy", "day": "2026-11-01"}`+"\n")))
	put(t, sc, "in/c.csv", []byte("id,name,day\n4,dee,2026-11-03\n5,,2026-11-03\n"))
	put(t, sc, "in/bad.json", []byte(`{"id": 6, "name": "x"}`+"\n"+`{"id": "six"}`+"\n"+`{"name": "noid"}`+"\n"))
	put(t, sc, "in/extra.json", []byte(`{"id": 7, "name": "g", "day": "2026-11-04", "score": 1.5}`+"\n"))

	load := func(uri string, f func(*bigquery.GCSReference, *bigquery.Loader)) error {
		ref := bigquery.NewGCSReference(uri)
		ref.SourceFormat = bigquery.JSON
		ref.Schema = schema
		l := ds.Table("people").LoaderFrom(ref)
		if f != nil {
			f(ref, l)
		}
		return runJob(t, e, l)
	}
	ids := func() []int64 {
		var out []int64
		for _, r := range query(t, e, "SELECT id FROM raw.people ORDER BY id") {
			out = append(out, r[0].(int64))
		}
		return out
	}
	if err := load("gs://landing/in/*.json*", func(_ *bigquery.GCSReference, l *bigquery.Loader) {
		l.TimePartitioning = &bigquery.TimePartitioning{Field: "day"}
	}); err == nil {
		t.Fatal("wildcard load including bad.json should fail")
	} else if !strings.Contains(err.Error(), "id") {
		t.Errorf("bad record error should name the field: %v", err)
	}
	if err := load("gs://landing/in/a.json", func(_ *bigquery.GCSReference, l *bigquery.Loader) {
		l.TimePartitioning = &bigquery.TimePartitioning{Field: "day"}
	}); err != nil {
		t.Fatal(err)
	}
	if err := load("gs://landing/in/b.json.gz", nil); err != nil {
		t.Fatal(err)
	}
	if err := load("gs://landing/in/c.csv", func(r *bigquery.GCSReference, _ *bigquery.Loader) {
		r.SourceFormat = bigquery.CSV
		r.SkipLeadingRows = 1
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5}, ids()); diff != "" {
		t.Fatal(diff)
	}
	// maxBadRecords lets the two bad records through.
	if err := load("gs://landing/in/bad.json", func(r *bigquery.GCSReference, _ *bigquery.Loader) { r.MaxBadRecords = 2 }); err != nil {
		t.Fatal(err)
	}
	// A new field needs ALLOW_FIELD_ADDITION.
	withScore := append(append(bigquery.Schema{}, schema...), &bigquery.FieldSchema{Name: "score", Type: bigquery.FloatFieldType})
	if err := load("gs://landing/in/extra.json", func(r *bigquery.GCSReference, _ *bigquery.Loader) { r.Schema = withScore }); err == nil {
		t.Fatal("field addition without schemaUpdateOptions should fail")
	}
	if err := load("gs://landing/in/extra.json", func(r *bigquery.GCSReference, l *bigquery.Loader) {
		r.Schema = withScore
		l.SchemaUpdateOptions = []string{"ALLOW_FIELD_ADDITION"}
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6, 7}, ids()); diff != "" {
		t.Fatal(diff)
	}
	// Partition decorator replaces one day only.
	put(t, sc, "in/day1.json", []byte(`{"id": 10, "name": "new", "day": "2026-11-01"}`+"\n"))
	ref := bigquery.NewGCSReference("gs://landing/in/day1.json")
	ref.SourceFormat = bigquery.JSON
	l := ds.Table("people$20261101").LoaderFrom(ref)
	l.WriteDisposition = bigquery.WriteTruncate
	if err := runJob(t, e, l); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{2, 4, 5, 6, 7, 10}, ids()); diff != "" {
		t.Errorf("after partition replace (-want +got):\n%s", diff)
	}
	md, err := ds.Table("people").Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Schema) != 4 || !md.Schema[0].Required || md.TimePartitioning == nil {
		t.Errorf("metadata after loads: %+v", md)
	}
}

func TestLoadAutodetectParquetAndExtract(t *testing.T) {
	e, sc := gcsEnv(t)
	ds := e.dataset(t, "raw")
	put(t, sc, "auto.csv", []byte("id,amount,when\n1,2.5,2026-11-01 10:00:00\n2,3.5,2026-11-02 11:00:00\n"))
	ref := bigquery.NewGCSReference("gs://landing/auto.csv")
	ref.AutoDetect = true
	if err := runJob(t, e, ds.Table("auto").LoaderFrom(ref)); err != nil {
		t.Fatal(err)
	}
	md, err := ds.Table("auto").Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range md.Schema {
		types = append(types, f.Name+":"+string(f.Type))
	}
	if diff := cmp.Diff([]string{"id:INTEGER", "amount:FLOAT", "when:DATETIME"}, types); diff != "" {
		t.Errorf("autodetected schema: %s", diff)
	}
	// Extract as Parquet, NDJSON (gzip) and CSV through a wildcard URI.
	for _, tc := range []struct {
		format bigquery.DataFormat
		gzip   bool
		uri    string
		obj    string
		check  func(b []byte) bool
	}{
		{bigquery.CSV, false, "gs://landing/out/csv-*.csv", "out/csv-000000000000.csv", func(b []byte) bool {
			return string(b) == "id,amount,when\n1,2.5,2026-11-01 10:00:00\n2,3.5,2026-11-02 11:00:00\n"
		}},
		{bigquery.JSON, true, "gs://landing/out/rows.json.gz", "out/rows.json.gz", func(b []byte) bool {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return false
			}
			x, _ := io.ReadAll(r)
			return strings.Count(string(x), "\n") == 2 && strings.Contains(string(x), `"id":"1"`)
		}},
		{bigquery.Parquet, false, "gs://landing/out/p-*.parquet", "out/p-000000000000.parquet", func(b []byte) bool {
			return bytes.HasPrefix(b, []byte("PAR1"))
		}},
	} {
		gref := bigquery.NewGCSReference(tc.uri)
		gref.DestinationFormat = tc.format
		if tc.gzip {
			gref.Compression = bigquery.Gzip
		}
		if err := runJob(t, e, ds.Table("auto").ExtractorTo(gref)); err != nil {
			t.Fatalf("extract %s: %v", tc.format, err)
		}
		if b := get(t, sc, tc.obj); !tc.check(b) {
			t.Errorf("extract %s wrote %q", tc.format, b)
		}
	}
	// Load the Parquet back (schema from the file).
	pref := bigquery.NewGCSReference("gs://landing/out/p-*.parquet")
	pref.SourceFormat = bigquery.Parquet
	if err := runJob(t, e, ds.Table("fromparquet").LoaderFrom(pref)); err != nil {
		t.Fatal(err)
	}
	got := query(t, e, "SELECT id, amount FROM raw.fromparquet ORDER BY id")
	if diff := cmp.Diff([][]bigquery.Value{{int64(1), 2.5}, {int64(2), 3.5}}, got); diff != "" {
		t.Error(diff)
	}
	// Copy with WRITE_TRUNCATE, then WRITE_APPEND.
	for i, wd := range []bigquery.TableWriteDisposition{bigquery.WriteTruncate, bigquery.WriteAppend} {
		c := ds.Table("copy").CopierFrom(ds.Table("fromparquet"))
		c.WriteDisposition = wd
		if err := runJob(t, e, c); err != nil {
			t.Fatal(err)
		}
		if got := query(t, e, "SELECT count(*) FROM raw.copy"); got[0][0] != int64(2*(i+1)) {
			t.Errorf("copy %s: %v rows", wd, got)
		}
	}
}

func TestLoadFromUpload(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "raw")
	src := bigquery.NewReaderSource(strings.NewReader("a,b\n1,x\n2,y\n"))
	src.SkipLeadingRows = 1
	src.Schema = bigquery.Schema{{Name: "a", Type: bigquery.IntegerFieldType}, {Name: "b", Type: bigquery.StringFieldType}}
	if err := runJob(t, e, ds.Table("up").LoaderFrom(src)); err != nil {
		t.Fatal(err)
	}
	got := query(t, e, "SELECT a, b FROM raw.up ORDER BY a")
	if diff := cmp.Diff([][]bigquery.Value{{int64(1), "x"}, {int64(2), "y"}}, got); diff != "" {
		t.Error(diff)
	}
	// jobs.list sees it, newest first.
	it := e.client.Jobs(e.ctx)
	var kinds []string
	for {
		j, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := j.Config()
		switch cfg.(type) {
		case *bigquery.LoadConfig:
			kinds = append(kinds, "load")
		case *bigquery.QueryConfig:
			kinds = append(kinds, "query")
		}
	}
	sort.Strings(kinds)
	if diff := cmp.Diff([]string{"load", "query"}, kinds); diff != "" {
		t.Errorf("jobs.list: %s", diff)
	}
	_ = time.Second
}
