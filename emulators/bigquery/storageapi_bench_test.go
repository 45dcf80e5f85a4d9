package bigquery

import (
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/bigquery/storage/managedwriter"
	"google.golang.org/api/iterator"
)

// peakRSS is the process's peak resident set (VmHWM) in MB; the emulator and
// the client share the process.
func peakRSS() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb float64
			for _, f := range strings.Fields(l[6:]) {
				if f != "kB" {
					for _, c := range f {
						kb = kb*10 + float64(c-'0')
					}
				}
			}
			return kb / 1024
		}
	}
	return 0
}

const storageBenchRows = 1000000

// BenchmarkStorageRead1M reads a 1M-row, 10-column table through the Go
// client's Storage Read API (Arrow).
func BenchmarkStorageRead1M(b *testing.B) {
	e := newStorageEnv(b)
	fillStorageTable(b, e, "br", "t", storageBenchRows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		it := e.client.Dataset("br").Table("t").Read(e.ctx)
		n := 0
		for {
			var r []bigquery.Value
			err := it.Next(&r)
			if err == iterator.Done {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != storageBenchRows || !it.IsAccelerated() {
			b.Fatalf("read %d rows, accelerated %v", n, it.IsAccelerated())
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	}
	b.ReportMetric(peakRSS(), "peakRSS-MB")
}

// BenchmarkStorageWrite1M writes 1M rows through managedwriter, on the
// _default stream and on a COMMITTED stream with offsets, in 10,000-row
// appends.
func BenchmarkStorageWrite1M(b *testing.B) {
	for _, typ := range []managedwriter.StreamType{managedwriter.DefaultStream, managedwriter.CommittedStream} {
		b.Run(string(typ), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := newStorageEnv(b)
				parent := newWriteTable(b, e, "bw")
				md, dp := writeTestDescriptor(b, writeSchema)
				var batches [][][]byte
				for from := 1; from <= storageBenchRows; from += 10000 {
					batches = append(batches, writeRows(b, md, from, 10000))
				}
				ms, err := e.writer.NewManagedStream(e.ctx, managedwriter.WithDestinationTable(parent),
					managedwriter.WithType(typ), managedwriter.WithSchemaDescriptor(dp))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				var results []*managedwriter.AppendResult
				for j, rows := range batches {
					var opts []managedwriter.AppendOption
					if typ == managedwriter.CommittedStream {
						opts = append(opts, managedwriter.WithOffset(int64(j*10000)))
					}
					r, err := ms.AppendRows(e.ctx, rows, opts...)
					if err != nil {
						b.Fatal(err)
					}
					results = append(results, r)
				}
				for _, r := range results {
					if _, err := r.GetResult(e.ctx); err != nil {
						b.Fatal(err)
					}
				}
				el := time.Since(start)
				b.StopTimer()
				ms.Close()
				if got := query(b, e.env, "SELECT COUNT(*) FROM bw.w")[0][0]; got != int64(storageBenchRows) {
					b.Fatalf("%d rows written", got)
				}
				b.ReportMetric(float64(storageBenchRows)/el.Seconds(), "rows/s")
			}
			b.ReportMetric(peakRSS(), "peakRSS-MB")
		})
	}
}
