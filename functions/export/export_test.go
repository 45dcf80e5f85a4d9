package export_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/export"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

var st *stack.Stack

func TestMain(m *testing.M) {
	var err error
	st, err = stack.Start(context.Background(), stack.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

// seed writes published.<table> with n rows (id, name, amount, day).
func seed(t *testing.T, table string, n int) {
	t.Helper()
	ctx := context.Background()
	c := st.Clients
	if err := bq.EnsureDataset(ctx, c.BigQuery, c.Names.Published, ""); err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf(`SELECT x AS id, CONCAT('name-', CAST(x AS STRING)) AS name, x * 1.5 AS amount,
		DATE_ADD(DATE '2026-11-01', INTERVAL MOD(x, 3) DAY) AS day
		FROM UNNEST(GENERATE_ARRAY(1, %d)) AS x`, n)
	if _, err := bq.QueryToTable(ctx, c.BigQuery, fmt.Sprintf("seed_%s_%d_%d", table, n, time.Now().UnixNano()), q, c.Names.Published, table, nil); err != nil {
		t.Fatal(err)
	}
}

func exporter(e config.Export) *export.Exporter {
	p := *st.Pipeline
	p.Exports = []config.Export{e}
	c := st.Clients
	return &export.Exporter{BigQuery: c.BigQuery, Storage: c.Storage, PubSub: c.PubSub, Pipeline: &p,
		Names: c.Names, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func objects(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	it := st.Clients.Storage.Bucket(st.Clients.Names.Export).Objects(context.Background(), &storage.Query{Prefix: prefix})
	for {
		a, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	r, err := st.Clients.Storage.Bucket(st.Clients.Names.Export).Object(name).NewReader(context.Background())
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t *testing.T, q string) int64 {
	t.Helper()
	it, err := st.Clients.BigQuery.Query(q).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		t.Fatal(err)
	}
	return row[0].(int64)
}

func checkManifest(t *testing.T, m events.ExportManifest, name string, data []byte) {
	t.Helper()
	var stored events.ExportManifest
	if err := json.Unmarshal(read(t, name), &stored); err != nil {
		t.Fatalf("manifest %s: %v", name, err)
	}
	if stored.RunID != m.RunID || stored.Rows != m.Rows || len(stored.Files) != 1 {
		t.Errorf("stored manifest = %+v, event manifest = %+v", stored, m)
	}
	sum := sha256.Sum256(data)
	if f := stored.Files[0]; f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(data)) || f.CRC32C == "" {
		t.Errorf("manifest file = %+v; data has %d bytes, sha256 %x", f, len(data), sum)
	}
	dataName := strings.TrimPrefix(stored.Files[0].URI, "gs://"+st.Clients.Names.Export+"/")
	attrs, err := st.Clients.Storage.Bucket(st.Clients.Names.Export).Object(dataName).Attrs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	crc := binary.BigEndian.AppendUint32(nil, attrs.CRC32C)
	if got := base64.StdEncoding.EncodeToString(crc); got != stored.Files[0].CRC32C {
		t.Errorf("manifest crc32c = %s, Cloud Storage says %s", stored.Files[0].CRC32C, got)
	}
	if len(stored.Schema) == 0 || stored.Schema[0].Name != "id" {
		t.Errorf("manifest schema = %+v", stored.Schema)
	}
}

// TestRerunReplacesExactly runs each format twice for the same date: the
// data bytes are identical, there is one data file, a manifest whose row
// count equals a query on published, and a _SUCCESS marker; temp objects
// are gone.
func TestRerunReplacesExactly(t *testing.T) {
	seed(t, "rerun", 40)
	want := count(t, "SELECT COUNT(*) FROM published.rerun WHERE amount > 3")
	for _, tc := range []struct{ format, compression, dest string }{
		{"csv", "", "rr_csv/{date}.csv"},
		{"jsonl", "gzip", "rr_jsonl/{date}/part.jsonl"},
		{"parquet", "", "rr_parquet/{date}/part.parquet"},
		{"parquet", "gzip", "rr_parquet_gz/{date}.parquet"},
	} {
		t.Run(tc.format+"_"+tc.compression, func(t *testing.T) {
			e := config.Export{Name: "rr", Query: "SELECT id, name, amount, day FROM published.rerun WHERE amount > 3 ORDER BY id",
				Format: tc.format, Compression: tc.compression, Destination: tc.dest, Trigger: "test"}
			x := exporter(e)
			l := export.LayoutFor(e, "2026-11-08")
			var first []byte
			for i, run := range []string{"run_a", "run_b"} {
				out, err := x.Run(context.Background(), run, "2026-11-08", "test")
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Manifests) != 1 || out.Manifests[0].Rows != want {
					t.Fatalf("manifests = %+v, want one with %d rows", out.Manifests, want)
				}
				data := read(t, l.Data)
				if i == 0 {
					first = data
				} else if !bytes.Equal(first, data) {
					t.Errorf("second run wrote different bytes (%d vs %d)", len(first), len(data))
				}
				checkManifest(t, out.Manifests[0], l.Manifest, data)
			}
			top, _, _ := strings.Cut(tc.dest, "/")
			if got, want := objects(t, top+"/"), []string{l.Data, l.Manifest, l.Success}; !sameSet(got, want) {
				t.Errorf("objects = %v, want %v", got, want)
			}
			if tmp := objects(t, "_tmp/"); len(tmp) != 0 {
				t.Errorf("temp objects left: %v", tmp)
			}
			switch {
			case tc.format == "parquet":
				if !bytes.HasPrefix(first, []byte("PAR1")) {
					t.Errorf("not parquet: %q", first[:min(8, len(first))])
				}
			case tc.compression == "gzip":
				zr, err := gzip.NewReader(bytes.NewReader(first))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(zr)
				if n := int64(bytes.Count(b, []byte("\n"))); n != want {
					t.Errorf("gunzipped jsonl has %d lines, want %d", n, want)
				}
			default:
				if n := int64(bytes.Count(first, []byte("\n"))); n != want+1 {
					t.Errorf("csv has %d lines, want header + %d", n, want)
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestStalePartsRemoved: objects of the same run date that the new
// manifest does not list (an old part, a previous compression) are deleted;
// other dates are kept.
func TestStalePartsRemoved(t *testing.T) {
	seed(t, "stale", 5)
	ctx := context.Background()
	bkt := st.Clients.Storage.Bucket(st.Clients.Names.Export)
	for _, name := range []string{"stale/2026-11-08.csv.gz", "stale/2026-11-08-00001.csv", "stale/2026-11-07.csv"} {
		w := bkt.Object(name).NewWriter(ctx)
		w.Write([]byte("old"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	e := config.Export{Name: "stale", Query: "SELECT * FROM published.stale ORDER BY id", Format: "csv", Destination: "stale/{date}.csv", Trigger: "test"}
	if _, err := exporter(e).Run(ctx, "run_s", "2026-11-08", "test"); err != nil {
		t.Fatal(err)
	}
	want := []string{"stale/2026-11-07.csv", "stale/2026-11-08.csv", "stale/2026-11-08_MANIFEST.json", "stale/2026-11-08_SUCCESS"}
	if got := objects(t, "stale/"); !slices.Equal(got, want) {
		t.Errorf("objects = %v, want %v", got, want)
	}
}

// TestFailedWriteKeepsPreviousExport: a run whose write fails returns an
// error and leaves the previous file, manifest and marker as they were.
func TestFailedWriteKeepsPreviousExport(t *testing.T) {
	seed(t, "keep", 10)
	ctx := context.Background()
	e := config.Export{Name: "keep", Query: "SELECT * FROM published.keep ORDER BY id", Format: "csv", Destination: "keep/{date}/keep.csv", Trigger: "test"}
	if _, err := exporter(e).Run(ctx, "run_1", "2026-11-08", "test"); err != nil {
		t.Fatal(err)
	}
	l := export.LayoutFor(e, "2026-11-08")
	before := map[string][]byte{}
	for _, o := range objects(t, "keep/") {
		before[o] = read(t, o)
	}
	seed(t, "keep", 20)
	for _, method := range []string{"write", "copy"} {
		st.Storage.Faults().SetMethod(method, fault.Rule{FailRate: 1, Code: 403})
		_, err := exporter(e).Run(ctx, "run_2_"+method, "2026-11-08", "test")
		st.Storage.Faults().SetMethod(method, fault.Rule{})
		if err == nil {
			t.Fatalf("%s fault: no error", method)
		}
		got := objects(t, "keep/")
		if len(got) != len(before) {
			t.Fatalf("%s fault: objects = %v, want %d", method, got, len(before))
		}
		for _, o := range got {
			if !bytes.Equal(read(t, o), before[o]) {
				t.Errorf("%s fault: %s changed", method, o)
			}
		}
	}
	var m events.ExportManifest
	json.Unmarshal(before[l.Manifest], &m)
	if m.Rows != 10 || m.RunID != "run_1" {
		t.Errorf("manifest = %+v, want run_1 with 10 rows", m)
	}
}
