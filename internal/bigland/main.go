// Command bigland measures the peak memory of landing one large JSONL object
// through ingest's whole large-file path (read from Cloud Storage, type,
// stage as NDJSON in Cloud Storage, BigQuery load job, archive copy), with
// each emulator in a process of its own so that the measured process holds
// only the ingest function's own memory. See run.sh and BENCHMARKS.md
// "## Ingest".
//
//	bigland bq   --addr HOST:PORT --workdir DIR   BigQuery emulator whose load jobs read from STORAGE_EMULATOR_HOST
//	bigland put  --file F [--mb N] --object NAME  generate F (demo events) when missing and upload it to gs://landing/NAME
//	bigland land --object NAME                    LandObject(gs://landing/NAME): the measured process
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	bqemu "github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

const project = "sluice-local"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bigland bq|put|land [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "bq":
		err = serveBQ(os.Args[2:])
	case "put":
		err = put(os.Args[2:])
	case "land":
		err = land(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigland:", err)
		os.Exit(1)
	}
}

func pipeline() *config.Pipeline {
	return &config.Pipeline{Version: 1,
		Datasets: config.Datasets{Raw: "raw", Curated: "curated", Published: "published", Ops: "sluice_ops"},
		Buckets:  config.Buckets{Landing: "landing", Archive: "archive", Export: "exports"},
		Sources: []config.Source{{Name: "events", Trigger: config.Trigger{GCSPrefix: "events/"}, Format: "jsonl",
			EventIDField: "event_id", EventTimeField: "event_time",
			Schema: []config.Field{{Name: "event_id", Type: "STRING", Mode: "REQUIRED"}, {Name: "user_id", Type: "STRING"},
				{Name: "event_type", Type: "STRING"}, {Name: "event_time", Type: "TIMESTAMP"}, {Name: "email", Type: "STRING"},
				{Name: "phone", Type: "STRING"}, {Name: "ip", Type: "STRING"}, {Name: "country", Type: "STRING"},
				{Name: "channel", Type: "STRING"}, {Name: "variant", Type: "STRING"}, {Name: "amount", Type: "FLOAT64"},
				{Name: "message", Type: "STRING"}}}}}
}

// serveBQ runs the BigQuery emulator with its load jobs reading objects
// from the Cloud Storage emulator at STORAGE_EMULATOR_HOST.
func serveBQ(args []string) error {
	fs := flag.NewFlagSet("bq", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	workdir := fs.String("workdir", "", "DuckDB file directory; empty keeps tables in memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sc, err := storage.NewClient(ctx)
	if err != nil {
		return err
	}
	path := ""
	if *workdir != "" {
		if err := os.MkdirAll(*workdir, 0o755); err != nil {
			return err
		}
		path = filepath.Join(*workdir, "bigquery.duckdb")
	}
	s, err := bqemu.New(bqemu.Options{Path: path, Project: project}.WithStorage(sc))
	if err != nil {
		return err
	}
	defer s.Close()
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler()}
	go srv.Serve(lis)
	defer srv.Close()
	fmt.Printf("export BIGQUERY_EMULATOR_HOST=%s\n", lis.Addr())
	<-ctx.Done()
	return nil
}

// demoEvents writes events in the shape of the demo's events source (the
// same generator as the package benchmarks) until at least size bytes.
func demoEvents(w io.Writer, size int64) (int64, int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	types := []string{"page_view", "add_to_cart", "purchase", "signup"}
	var n int64
	i := 0
	for ; n < size; i++ {
		k, err := fmt.Fprintf(bw, `{"event_id":"evt-%08d","user_id":"user-%05d","event_type":"%s","event_time":"2026-03-%02dT%02d:%02d:%02d.%03dZ","email":"user%d@example.com","phone":"+47 %08d","ip":"10.%d.%d.%d","country":"NO","channel":"organic","variant":"B","amount":%d.%02d,"message":"Hello from the shop, item %d added"}`+"\n",
			i, i%5000, types[i%4], 1+i%28, i%24, i%60, i%60, i%1000, i%5000, 40000000+i, i%256, (i/256)%256, i%200, i%500, i%100, i)
		if err != nil {
			return n, i, err
		}
		n += int64(k)
	}
	return n, i, bw.Flush()
}

func put(args []string) error {
	fs := flag.NewFlagSet("put", flag.ContinueOnError)
	file := fs.String("file", "/tmp/sluice-big.jsonl", "JSONL file; generated when missing")
	mb := fs.Int64("mb", 1024, "size of a generated file in MiB")
	object := fs.String("object", "events/big.jsonl", "object name in the landing bucket")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*file); err != nil {
		f, err := os.Create(*file)
		if err != nil {
			return err
		}
		n, recs, err := demoEvents(f, *mb<<20)
		if err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("generated %s: %d bytes, %d records\n", *file, n, recs)
	}
	ctx := context.Background()
	sc, err := storage.NewClient(ctx)
	if err != nil {
		return err
	}
	for _, b := range []string{"landing", "archive"} {
		if err := sc.Bucket(b).Create(ctx, project, nil); err != nil && !strings.Contains(err.Error(), "409") &&
			!strings.Contains(strings.ToLower(err.Error()), "exist") {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	w := sc.Bucket("landing").Object(*object).NewWriter(ctx)
	w.ChunkSize = 8 << 20
	n, err := io.Copy(w, f)
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Printf("uploaded gs://landing/%s: %d bytes, generation %d\n", *object, n, w.Attrs().Generation)
	return nil
}

func land(args []string) error {
	fs := flag.NewFlagSet("land", flag.ContinueOnError)
	object := fs.String("object", "events/big.jsonl", "object name in the landing bucket")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	host := os.Getenv("BIGQUERY_EMULATOR_HOST")
	if host == "" || os.Getenv("STORAGE_EMULATOR_HOST") == "" {
		return errors.New("set BIGQUERY_EMULATOR_HOST and STORAGE_EMULATOR_HOST")
	}
	bqc, err := bigquery.NewClient(ctx, project, option.WithEndpoint("http://"+host), option.WithoutAuthentication())
	if err != nil {
		return err
	}
	sc, err := storage.NewClient(ctx)
	if err != nil {
		return err
	}
	p := pipeline()
	l := &ingest.Lander{BigQuery: bqc, Storage: sc, Pipeline: p, Names: gcp.NamesFor("", p), Now: time.Now,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	attrs, err := sc.Bucket("landing").Object(*object).Attrs(ctx)
	if err != nil {
		return err
	}
	obj := events.StorageObjectData{Bucket: "landing", Name: *object, Generation: events.Int64String(attrs.Generation),
		Size: events.Int64String(attrs.Size), TimeCreated: attrs.Created}
	start := time.Now()
	res, err := l.LandObject(ctx, obj)
	el := time.Since(start)
	if err != nil {
		return fmt.Errorf("LandObject: %w", err)
	}
	var n int64
	it, err := bqc.Query("SELECT COUNT(*) AS n FROM raw.events").Read(ctx)
	if err == nil {
		var row []bigquery.Value
		if err = it.Next(&row); err == nil {
			n, _ = row[0].(int64)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("landed %d, rejected %d in %v (%.1f MB/s wall); raw.events has %d rows (query err %v)\n",
		res.Landed, res.Rejected, el.Round(time.Millisecond), float64(attrs.Size)/1e6/el.Seconds(), n, err)
	fmt.Printf("Go heap: HeapSys %d MiB, Sys %d MiB, NumGC %d; %s\n", ms.HeapSys>>20, ms.Sys>>20, ms.NumGC, vmHWM())
	return nil
}

// vmHWM is the process's peak resident set, from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return "peak RSS (VmHWM) " + strings.Join(strings.Fields(line[6:]), " ")
		}
	}
	return ""
}
