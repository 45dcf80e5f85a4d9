package bigquery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/fsouza/fake-gcs-server/fakestorage"
)

var benchSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType},
	{Name: "k", Type: bigquery.StringFieldType},
	{Name: "v", Type: bigquery.FloatFieldType},
	{Name: "ts", Type: bigquery.TimestampFieldType},
}

type benchRow struct {
	id int
	k  string
	v  float64
	ts time.Time
}

func (r benchRow) Save() (map[string]bigquery.Value, string, error) {
	return map[string]bigquery.Value{"id": r.id, "k": r.k, "v": r.v, "ts": r.ts}, fmt.Sprint("i", r.id), nil
}

func fill(b *testing.B, e *env, table string, n, keys int) {
	b.Helper()
	tbl := e.client.Dataset("bench").Table(table)
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: benchSchema}); err != nil {
		b.Fatal(err)
	}
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 10000 {
		rows := make([]benchRow, 0, 10000)
		for i := start; i < start+10000 && i < n; i++ {
			rows = append(rows, benchRow{i, fmt.Sprint("k", i%keys), float64(i), ts})
		}
		if err := tbl.Inserter().Put(e.ctx, rows); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertAll measures tabledata.insertAll through the Go client in
// batches of 10,000 rows.
func BenchmarkInsertAll(b *testing.B) {
	e := newEnv(b, Options{})
	e.dataset(b, "bench")
	tbl := e.client.Dataset("bench").Table("t")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: benchSchema}); err != nil {
		b.Fatal(err)
	}
	ts := time.Now()
	const batch = 10000
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		rows := make([]benchRow, batch)
		for i := range rows {
			rows[i] = benchRow{n*batch + i, fmt.Sprint("k", i%100), float64(i), ts}
		}
		if err := tbl.Inserter().Put(e.ctx, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGroupBy50k is a GROUP BY over 50,000 rows, read back through
// jobs.query.
func BenchmarkGroupBy50k(b *testing.B) {
	e := newEnv(b, Options{})
	e.dataset(b, "bench")
	fill(b, e, "t", 50000, 1000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		rows := query(b, e, "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM bench.t GROUP BY k")
		if len(rows) != 1000 {
			b.Fatalf("%d groups", len(rows))
		}
	}
}

// BenchmarkJoin5kx50k is the equi-join of a 5,000-row with a 50,000-row
// table that took goccy/bigquery-emulator about 5 minutes.
func BenchmarkJoin5kx50k(b *testing.B) {
	e := newEnv(b, Options{})
	e.dataset(b, "bench")
	fill(b, e, "small", 5000, 5000)
	fill(b, e, "big", 50000, 5000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		rows := query(b, e, "SELECT s.k, COUNT(*) AS c, SUM(g.v) AS total FROM bench.small s JOIN bench.big g ON s.k = g.k GROUP BY s.k")
		if len(rows) != 5000 {
			b.Fatalf("%d rows", len(rows))
		}
	}
}

// BenchmarkLoadNDJSON1M loads 1,000,000 NDJSON rows from the Cloud Storage
// fake.
func BenchmarkLoadNDJSON1M(b *testing.B) {
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		b.Fatal(err)
	}
	defer gcs.Stop()
	var buf bytes.Buffer
	for i := 0; i < 1000000; i++ {
		fmt.Fprintf(&buf, `{"id":%d,"k":"k%d","v":%d.5,"ts":"2026-11-01 12:00:00.%06d UTC"}`+"\n", i, i%1000, i, i%1000000)
	}
	gcs.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: "landing", Name: "big.json"}, Content: buf.Bytes()})
	sc := gcs.Client()
	e := newEnv(b, Options{ReadObject: func(ctx context.Context, bk, o string) (io.ReadCloser, error) {
		return sc.Bucket(bk).Object(o).NewReader(ctx)
	}})
	e.dataset(b, "bench")
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		ref := bigquery.NewGCSReference("gs://landing/big.json")
		ref.SourceFormat = bigquery.JSON
		ref.Schema = benchSchema
		l := e.client.Dataset("bench").Table("loaded").LoaderFrom(ref)
		l.WriteDisposition = bigquery.WriteTruncate
		job, err := l.Run(e.ctx)
		if err != nil {
			b.Fatal(err)
		}
		st, err := job.Wait(e.ctx)
		if err != nil || st.Err() != nil {
			b.Fatal(err, st.Err())
		}
	}
	b.StopTimer()
	if got := query(b, e, "SELECT COUNT(*) FROM bench.loaded"); got[0][0] != int64(1000000) {
		b.Fatalf("loaded %v rows", got)
	}
}

// BenchmarkInsertAllHTTP measures the server side of tabledata.insertAll
// alone: pre-encoded request bodies of 500 rows (4 columns, insertIds) are
// POSTed with net/http, so the Go client's own encoding is not counted.
func BenchmarkInsertAllHTTP(b *testing.B) {
	e := newEnv(b, Options{})
	e.dataset(b, "bench")
	if err := e.client.Dataset("bench").Table("t").Create(e.ctx, &bigquery.TableMetadata{Schema: benchSchema}); err != nil {
		b.Fatal(err)
	}
	const batch = 500
	bodies := make([][]byte, b.N)
	for n := range bodies {
		var buf bytes.Buffer
		buf.WriteString(`{"kind":"bigquery#tableDataInsertAllRequest","rows":[`)
		for i := 0; i < batch; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			id := n*batch + i
			fmt.Fprintf(&buf, `{"insertId":"i%d","json":{"id":"%d","k":"k%d","v":%d.25,"ts":"2026-11-01T12:00:00.%06dZ"}}`, id, id, id%100, id, id%1000000)
		}
		buf.WriteString(`]}`)
		bodies[n] = buf.Bytes()
	}
	url := e.hs.URL + "/projects/" + testProject + "/datasets/bench/tables/t/insertAll"
	client := e.hs.Client()
	cpu0 := processCPU()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[n]))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(body, []byte(`{"kind":"bigquery#tableDataInsertAllResponse"}`+"\n")) {
			b.Fatalf("insertAll: %d %s", resp.StatusCode, body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
	// CPU time of the whole process (server, benchmark client, GC), so the
	// figure holds on a machine shared with other jobs.
	b.ReportMetric(float64(b.N*batch)/(processCPU()-cpu0).Seconds(), "rows/cpu-s")
	var cnt int
	if err := e.srv.DB().QueryRow(`SELECT count(*) FROM bench.t`).Scan(&cnt); err != nil || cnt != b.N*batch {
		b.Fatalf("count %d (%v), want %d", cnt, err, b.N*batch)
	}
}

// processCPU is the user+system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
