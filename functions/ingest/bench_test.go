package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
)

// demoEvents returns n JSONL events in the shape of the demo's events source.
func demoEvents(n int) []byte {
	var b bytes.Buffer
	types := []string{"page_view", "add_to_cart", "purchase", "signup"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"event_id":"evt-%08d","user_id":"user-%05d","event_type":"%s","event_time":"2026-03-%02dT%02d:%02d:%02d.%03dZ","email":"user%d@example.com","phone":"+47 %08d","ip":"10.%d.%d.%d","country":"NO","channel":"organic","variant":"B","amount":%d.%02d,"message":"Hello from the shop, item %d added"}`+"\n",
			i, i%5000, types[i%4], 1+i%28, i%24, i%60, i%60, i%1000, i%5000, 40000000+i, i%256, (i/256)%256, i%200, i%500, i%100, i)
	}
	return b.Bytes()
}

// benchSource is the demo events source.
func benchSource() config.Source {
	return config.Source{Name: "events", Trigger: config.Trigger{PubSubTopic: "events"}, Format: "json",
		EventIDField: "event_id", EventTimeField: "event_time",
		Schema: []config.Field{{Name: "event_id", Type: "STRING", Mode: "REQUIRED"}, {Name: "user_id", Type: "STRING"},
			{Name: "event_type", Type: "STRING"}, {Name: "event_time", Type: "TIMESTAMP"}, {Name: "email", Type: "STRING"},
			{Name: "phone", Type: "STRING"}, {Name: "ip", Type: "STRING"}, {Name: "country", Type: "STRING"},
			{Name: "channel", Type: "STRING"}, {Name: "variant", Type: "STRING"}, {Name: "amount", Type: "FLOAT64"},
			{Name: "message", Type: "STRING"}}}
}

// coreRows is the ingest core without the network: bytes in (a JSONL
// stream) → rows ready for insertAll, the way LandObject's line loop does
// it (per-line origin, batches of insertBatch rows with their InsertIDs);
// emit receives each full batch where flush would call insertAll. With
// stage set, rows are encoded as NDJSON into it instead (the large-file
// path).
func coreRows(l *Lander, t *table, r io.Reader, stage io.Writer, emit func([]*bigquery.ValuesSaver)) (int, int, error) {
	ctx := context.Background()
	lim := l.Limits.withDefaults()
	br := bufio.NewReaderSize(r, 1<<16)
	b := &batch{l: l, t: t, now: time.Now()}
	if stage != nil {
		b.stage, b.a.reuse = stage, true
	}
	const origin = "gs://landing/events/2026/03/01/events.jsonl#1764806400000000"
	var ms []member
	rows, rejects := 0, 0
	for line := 1; ; line++ {
		raw, err := readLine(br, lim.MaxRecordBytes)
		if err == io.EOF {
			break
		}
		if err != nil {
			return rows, rejects, err
		}
		rec, m2, rerr, err := l.prepare(ctx, t, raw, ms, &b.a)
		ms = m2
		if err != nil {
			return rows, rejects, err
		}
		if rerr != nil {
			rejects++
			continue
		}
		if rec.eventID == "" {
			rec.eventID = fmt.Sprint(line)
		}
		if err := b.add(ctx, rec, b.a.lineOrigin(origin, ':', line), raw, line); err != nil {
			return rows, rejects, err
		}
		rows++
		if len(b.rows) == insertBatch-1 { // where add would flush (insertAll) next
			b.ready()
			emit(b.rows)
			b.rows, b.recs, b.prefixed = b.rows[:0], b.recs[:0], 0
		}
	}
	if len(b.rows) > 0 {
		b.ready()
		emit(b.rows)
	}
	return rows, rejects, nil
}

func benchTable(src *config.Source) *table {
	t := &table{src: src, dataset: "raw"}
	t.store(&bigquery.TableMetadata{Schema: RawSchema(src)})
	return t
}

func TestCoreRows(t *testing.T) {
	src := benchSource()
	l := &Lander{}
	var got []*bigquery.ValuesSaver
	n, rej, err := coreRows(l, benchTable(&src), bytes.NewReader(demoEvents(1200)), nil, func(rows []*bigquery.ValuesSaver) {
		got = append(got, rows...)
	})
	if err != nil || n != 1200 || rej != 0 || len(got) != 1200 {
		t.Fatalf("rows %d (%d emitted) rejects %d err %v", n, len(got), rej, err)
	}
	// Rows from the slabs, the arena and the intern table are distinct and
	// keep their values after later batches.
	want := bytes.Split(bytes.TrimSpace(demoEvents(1200)), []byte("\n"))
	for i, r := range got {
		var m map[string]any
		if err := json.Unmarshal(want[i], &m); err != nil {
			t.Fatal(err)
		}
		if r.InsertID != "events:"+m["event_id"].(string) {
			t.Fatalf("row %d: InsertID %q", i, r.InsertID)
		}
		row, _, _ := r.Save()
		for _, k := range []string{"event_id", "user_id", "event_type", "email", "country", "message"} {
			if row[k] != m[k] {
				t.Fatalf("row %d: %s = %v, want %v", i, k, row[k], m[k])
			}
		}
		if row["amount"] != m["amount"] || row["_event_id"] != m["event_id"] || row["_source"] != "events" ||
			row["_origin"] != fmt.Sprintf("gs://landing/events/2026/03/01/events.jsonl#1764806400000000:%d", i+1) {
			t.Fatalf("row %d: %v", i, row)
		}
		if tm, _ := time.Parse(time.RFC3339Nano, m["event_time"].(string)); !row["event_time"].(time.Time).Equal(tm) || row["_event_time"] != row["event_time"] {
			t.Fatalf("row %d: event time %v / %v, want %v", i, row["event_time"], row["_event_time"], tm)
		}
	}
	// The staging path writes the same rows as NDJSON.
	var buf bytes.Buffer
	n, _, err = coreRows(l, benchTable(&src), bytes.NewReader(demoEvents(1200)), &buf, nil)
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if err != nil || n != 1200 || len(lines) != 1200 {
		t.Fatalf("staging: rows %d lines %d err %v", n, len(lines), err)
	}
	for i, line := range lines {
		var m, w map[string]any
		json.Unmarshal(line, &m)
		json.Unmarshal(want[i], &w)
		if m["event_id"] != w["event_id"] || m["event_type"] != w["event_type"] || m["_event_id"] != w["event_id"] ||
			m["message"] != w["message"] || m["_origin"] != fmt.Sprintf("gs://landing/events/2026/03/01/events.jsonl#1764806400000000:%d", i+1) {
			t.Fatalf("staging line %d: %s", i, line)
		}
	}
}

// BenchmarkIngestCore: bytes in → rows ready to write, demo event shape,
// with each record decoder (BENCHMARKS.md "Decoder decision").
func BenchmarkIngestCore(b *testing.B) {
	for _, d := range decoders() {
		b.Run(d.name, func(b *testing.B) {
			defer func(p func([]byte, string, int, []member) ([]member, *recordError)) { parseRecord = p }(parseRecord)
			parseRecord = d.parse
			benchIngestCore(b)
		})
	}
}

func decoders() []struct {
	name  string
	parse func([]byte, string, int, []member) ([]member, *recordError)
} {
	var j jsontextDecoder
	return []struct {
		name  string
		parse func([]byte, string, int, []member) ([]member, *recordError)
	}{{"scanner", parseObjectStr}, {"jsontext", j.parse}}
}

func benchIngestCore(b *testing.B) {
	src := benchSource()
	data := demoEvents(20000)
	l := &Lander{}
	tb := benchTable(&src)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	recs := 0
	for i := 0; i < b.N; i++ {
		n, _, err := coreRows(l, tb, bytes.NewReader(data), nil, func([]*bigquery.ValuesSaver) {})
		if err != nil {
			b.Fatal(err)
		}
		recs += n
	}
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
	// The machine is shared: also report throughput per CPU-second used.
	cpu := (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(len(data))*float64(b.N)/cpu/1e6, "MB/cpu-s")
	b.ReportMetric(float64(recs)/cpu, "records/cpu-s")
}

// BenchmarkIngestStaging: the same, for the large-file path: rows encoded
// as NDJSON for the staging object (here discarded).
func BenchmarkIngestStaging(b *testing.B) {
	src := benchSource()
	data := demoEvents(20000)
	l := &Lander{}
	tb := benchTable(&src)
	w := bufio.NewWriterSize(io.Discard, 4<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	recs := 0
	for i := 0; i < b.N; i++ {
		n, _, err := coreRows(l, tb, bytes.NewReader(data), w, nil)
		if err != nil {
			b.Fatal(err)
		}
		recs += n
	}
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
	cpu := (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(len(data))*float64(b.N)/cpu/1e6, "MB/cpu-s")
	b.ReportMetric(float64(recs)/cpu, "records/cpu-s")
}

// BenchmarkDecode compares the JSON decoders on the decode step alone.
func BenchmarkDecode(b *testing.B) {
	lines := bytes.Split(bytes.TrimSpace(demoEvents(5000)), []byte("\n"))
	size := 0
	srcs := make([]string, len(lines)) // the record copies the core makes (arena)
	for i, l := range lines {
		size += len(l)
		srcs[i] = string(l)
	}
	for _, d := range decoders() {
		b.Run(d.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var ms []member
			for i := 0; i < b.N; i++ {
				for k, l := range lines {
					var rerr *recordError
					if ms, rerr = d.parse(l, srcs[k], 32, ms); rerr != nil {
						b.Fatal(rerr)
					}
				}
			}
		})
	}
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, l := range lines {
				dec := json.NewDecoder(bytes.NewReader(l))
				dec.UseNumber()
				var v any
				if err := dec.Decode(&v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLargeFileStreams runs the core over a large JSONL file the way
// LandObject does for files above the load threshold (rows encoded as
// NDJSON for the staging object, here discarded), for measuring peak RSS:
//
//	SLUICE_INGEST_BIG_FILE=/tmp/big.jsonl SLUICE_INGEST_BIG_MB=1024 \
//	  /usr/bin/time -v go test -run TestLargeFileStreams ./functions/ingest/
func TestLargeFileStreams(t *testing.T) {
	path := os.Getenv("SLUICE_INGEST_BIG_FILE")
	if path == "" {
		t.Skip("set SLUICE_INGEST_BIG_FILE")
	}
	if _, err := os.Stat(path); err != nil {
		mb, _ := strconv.Atoi(os.Getenv("SLUICE_INGEST_BIG_MB"))
		if mb == 0 {
			mb = 1024
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		chunk := demoEvents(10000)
		for n := 0; n < mb<<20; n += len(chunk) {
			f.Write(chunk)
		}
		f.Close()
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := benchSource()
	l := &Lander{}
	tb := benchTable(&src)
	ctx := context.Background()
	br := bufio.NewReaderSize(f, 1<<16)
	b := &batch{l: l, t: tb, now: time.Now(), stage: bufio.NewWriterSize(io.Discard, 4<<20)}
	b.a.reuse = true
	var ms []member
	start := time.Now()
	rows := 0
	for line := 1; ; line++ {
		raw, err := readLine(br, MaxRecordBytes)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, m2, rerr, err := l.prepare(ctx, tb, raw, ms, &b.a)
		ms = m2
		if err != nil || rerr != nil {
			t.Fatal(err, rerr)
		}
		if err := b.add(ctx, rec, "gs://b/o#1:1", raw, line); err != nil {
			t.Fatal(err)
		}
		rows++
	}
	st, _ := f.Stat()
	el := time.Since(start)
	t.Logf("%d rows, %d MB in %v: %.1f MB/s", rows, st.Size()>>20, el, float64(st.Size())/1e6/el.Seconds())
}
