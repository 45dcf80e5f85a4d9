package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	bqemu "github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/gcs"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// One BigQuery emulator and one Cloud Storage emulator for the package's
// tests, started by the first test that needs them (stack), so fuzz targets
// and pure tests do not pay for them; each test uses its own source names.
var (
	bqSrv *bqemu.Server
	bqc   *bigquery.Client
	gcsc  *storage.Client
	bqURL string // the BigQuery emulator's endpoint

	stackOnce  sync.Once
	stackClose []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(stackClose) - 1; i >= 0; i-- {
		stackClose[i]()
	}
	os.Exit(code)
}

// stack starts the emulators and clients on first use.
func stack() {
	stackOnce.Do(func() {
		ctx := context.Background()
		g, err := gcs.New(gcs.Options{Project: "p", Buckets: []string{"landing", "archive"}})
		if err != nil {
			panic(err)
		}
		stackClose = append(stackClose, func() { g.Close() })
		os.Setenv("STORAGE_EMULATOR_HOST", g.Addr)
		if gcsc, err = storage.NewClient(ctx); err != nil {
			panic(err)
		}
		sc := gcsc
		bqSrv, err = bqemu.New(bqemu.Options{Project: "p",
			ReadObject: func(ctx context.Context, b, o string) (io.ReadCloser, error) {
				return sc.Bucket(b).Object(o).NewReader(ctx)
			},
			WriteObject: func(ctx context.Context, b, o string) (io.WriteCloser, error) {
				return sc.Bucket(b).Object(o).NewWriter(ctx), nil
			},
			ListObjects: func(ctx context.Context, b, prefix string) ([]string, error) {
				var out []string
				it := sc.Bucket(b).Objects(ctx, &storage.Query{Prefix: prefix})
				for {
					a, err := it.Next()
					if err == iterator.Done {
						return out, nil
					}
					if err != nil {
						return nil, err
					}
					out = append(out, a.Name)
				}
			},
		})
		if err != nil {
			panic(err)
		}
		stackClose = append(stackClose, func() { bqSrv.Close() })
		hs := httptest.NewServer(bqSrv.Handler())
		stackClose = append(stackClose, hs.Close)
		bqURL = hs.URL
		if bqc, err = bigquery.NewClient(ctx, "p", option.WithEndpoint(hs.URL), option.WithoutAuthentication()); err != nil {
			panic(err)
		}
	})
}

func pipelineWith(srcs ...config.Source) *config.Pipeline {
	return &config.Pipeline{Version: 1,
		Datasets: config.Datasets{Raw: "raw", Curated: "curated", Published: "published", Ops: "sluice_ops"},
		Buckets:  config.Buckets{Landing: "landing", Archive: "archive", Export: "exports"},
		Sources:  srcs}
}

func newLander(srcs ...config.Source) *Lander {
	stack()
	p := pipelineWith(srcs...)
	l := &Lander{BigQuery: bqc, Storage: gcsc, Pipeline: p, Names: gcp.NamesFor("", p), Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := l.ensureRejects(context.Background()); err != nil {
		panic(err)
	}
	return l
}

// eventsSource is the demo's events source under another name.
func eventsSource(name string) config.Source {
	return config.Source{Name: name, Trigger: config.Trigger{PubSubTopic: name}, Format: "json",
		EventIDField: "event_id", EventTimeField: "event_time",
		Schema: []config.Field{{Name: "event_id", Type: "STRING", Mode: "REQUIRED"}, {Name: "user_id", Type: "STRING"},
			{Name: "event_type", Type: "STRING"}, {Name: "event_time", Type: "TIMESTAMP"}, {Name: "amount", Type: "FLOAT64"}}}
}

func query(t *testing.T, sql string) []map[string]bigquery.Value {
	t.Helper()
	stack()
	it, err := bqc.Query(sql).Read(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out []map[string]bigquery.Value
	for {
		row := map[string]bigquery.Value{}
		err := it.Next(&row)
		if err == iterator.Done {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
}

func count(t *testing.T, sql string) int64 {
	t.Helper()
	rows := query(t, sql)
	return rows[0]["n"].(int64)
}

// rejectsBy returns reason → count for a source.
func rejectsBy(t *testing.T, source string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range query(t, fmt.Sprintf("SELECT reason, COUNT(*) AS n FROM sluice_ops.rejects WHERE source = '%s' GROUP BY reason", source)) {
		out[r["reason"].(string)] = r["n"].(int64)
	}
	return out
}

func msg(id string, data string, attrs map[string]string) events.PubSubMessage {
	return events.PubSubMessage{MessageID: id, Data: []byte(data), Attributes: attrs, PublishTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func put(t *testing.T, name string, data []byte) events.StorageObjectData {
	t.Helper()
	stack()
	ctx := context.Background()
	w := gcsc.Bucket("landing").Object(name).NewWriter(ctx)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a := w.Attrs()
	return events.StorageObjectData{Bucket: "landing", Name: name, Generation: events.Int64String(a.Generation),
		Size: events.Int64String(a.Size), TimeCreated: a.Created}
}

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestMessageBadInputRejectedRestLands(t *testing.T) {
	l := newLander(eventsSource("bad_msg"))
	l.Limits.MaxRecordBytes = 2048
	l.Limits.MaxDepth = 5
	good := `{"event_id":"g%d","user_id":"u1","event_type":"view","event_time":"2026-01-01T00:00:00Z","amount":1.5}`
	lines := []string{
		fmt.Sprintf(good, 1),
		"{\"event_id\":\"u8\",\"user_id\":\"\xff\xfe\"}",
		`{"event_id":"dup","user_id":"a","user_id":"b"}`,
		`{"event_id":"deep","x":{"a":{"b":{"c":{"d":{"e":1}}}}}}`,
		`{"event_id":"big","message":"` + strings.Repeat("x", 3000) + `"}`,
		`{"event_id":"amt","amount":"abc"}`,
		`{"user_id":"noid"}`,
		`[1,2]`,
		`{"event_id":"broken"`,
		fmt.Sprintf(good, 2),
	}
	res, err := l.LandMessage(context.Background(), "bad_msg", msg("m1", strings.Join(lines, "\n"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Landed != 2 || res.Rejected != 8 {
		t.Errorf("result = %+v, want 2 landed, 8 rejected", res)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.bad_msg"); n != 2 {
		t.Errorf("raw rows = %d, want 2", n)
	}
	got := rejectsBy(t, "bad_msg")
	want := map[string]int64{"invalid_utf8": 1, "duplicate_key": 1, "too_deep": 1, "too_large": 1, "schema_mismatch": 1,
		"missing_event_id": 1, "not_an_object": 1, "invalid_json": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rejects = %v\nwant %v", got, want)
	}
	d := query(t, "SELECT detail, payload FROM sluice_ops.rejects WHERE source = 'bad_msg' AND reason = 'schema_mismatch'")
	if d[0]["detail"] != `field amount: want FLOAT64, got string "abc"` || string(d[0]["payload"].([]byte)) != lines[5] {
		t.Errorf("schema_mismatch reject = %v", d[0])
	}
	// A whole message over the limit is one reject.
	l.Limits.MaxMessageBytes = 100
	res, err = l.LandMessage(context.Background(), "bad_msg", msg("m2", strings.Repeat(" ", 200)+fmt.Sprintf(good, 3), nil))
	if err != nil || res.Rejected != 1 {
		t.Fatalf("oversized message: %+v %v", res, err)
	}
	if got := rejectsBy(t, "bad_msg")["too_large"]; got != 2 {
		t.Errorf("too_large rejects = %d, want 2", got)
	}
}

func TestUnknownSourceAndEmpty(t *testing.T) {
	l := newLander(eventsSource("unk"), config.Source{Name: "unkfiles", Trigger: config.Trigger{GCSPrefix: "unkfiles/"}, Format: "jsonl"})
	ctx := context.Background()
	if _, err := l.LandMessage(ctx, "unk", msg("u1", `{"event_id":"1"}`, map[string]string{"source": "nope"})); err != nil {
		t.Fatal(err)
	}
	if _, err := l.LandObject(ctx, put(t, "elsewhere/a.jsonl", []byte(`{"a":1}`))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM sluice_ops.rejects WHERE reason = 'unknown_source' AND (origin LIKE 'pubsub:unk/u1%' OR origin LIKE 'gs://landing/elsewhere/a.jsonl%')"); n != 2 {
		t.Errorf("unknown_source rejects = %d, want 2", n)
	}
	if _, err := l.LandMessage(ctx, "unk", msg("u2", "  \n", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.LandObject(ctx, put(t, "unkfiles/empty.jsonl", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.LandObject(ctx, put(t, "unkfiles/empty.jsonl.gz", gz(t, nil))); err != nil {
		t.Fatal(err)
	}
	if got := rejectsBy(t, "unk")["empty"] + rejectsBy(t, "unkfiles")["empty"]; got != 3 {
		t.Errorf("empty rejects = %d, want 3", got)
	}
}

func TestObjectBadInput(t *testing.T) {
	src := config.Source{Name: "badfiles", Trigger: config.Trigger{GCSPrefix: "badfiles/"}, Format: "jsonl",
		Schema: []config.Field{{Name: "id", Type: "STRING", Mode: "REQUIRED"}, {Name: "n", Type: "INT64"}}}
	csvSrc := config.Source{Name: "badcsv", Trigger: config.Trigger{GCSPrefix: "badcsv/"}, Format: "csv",
		Schema: []config.Field{{Name: "id", Type: "STRING", Mode: "REQUIRED"}, {Name: "n", Type: "INT64"}}}
	l := newLander(src, csvSrc)
	ctx := context.Background()
	// A gzip bomb: 64 MiB of zeros after two good lines.
	var raw bytes.Buffer
	raw.WriteString("{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n")
	raw.Write(make([]byte, 64<<20))
	res, err := l.LandObject(ctx, put(t, "badfiles/bomb.jsonl.gz", gz(t, raw.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	if res.Landed != 2 {
		t.Errorf("bomb: landed %d, want the 2 lines before the bomb", res.Landed)
	}
	// Not gzip at all, and a truncated gzip stream.
	if _, err := l.LandObject(ctx, put(t, "badfiles/notgz.jsonl.gz", []byte(`{"id":"x"}`))); err != nil {
		t.Fatal(err)
	}
	trunc := gz(t, []byte(strings.Repeat("{\"id\":\"t\",\"n\":3}\n", 1000)))
	if _, err := l.LandObject(ctx, put(t, "badfiles/trunc.jsonl.gz", trunc[:len(trunc)/2])); err != nil {
		t.Fatal(err)
	}
	got := rejectsBy(t, "badfiles")
	if got["gzip_bomb"] != 1 || got["invalid_gzip"] != 2 {
		t.Errorf("rejects = %v, want 1 gzip_bomb, 2 invalid_gzip", got)
	}
	// Ragged CSV rows are rejected; the rest lands.
	csv := "id,n\nr1,1\nr2,2,extra\nr3\nr4,4\n"
	res, err = l.LandObject(ctx, put(t, "badcsv/a.csv", []byte(csv)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Landed != 2 {
		t.Errorf("csv landed %d, want 2", res.Landed)
	}
	if got := rejectsBy(t, "badcsv"); got["ragged_csv_row"] != 2 {
		t.Errorf("csv rejects = %v", got)
	}
	ids := query(t, "SELECT id FROM raw.badcsv ORDER BY id")
	if len(ids) != 2 || ids[0]["id"] != "r1" || ids[1]["id"] != "r4" {
		t.Errorf("csv rows = %v", ids)
	}
}

func TestTransientFaultRetriedLandsOnce(t *testing.T) {
	l := newLander(eventsSource("faulty"))
	ctx := context.Background()
	m := msg("f1", `{"event_id":"e1","user_id":"u"}`+"\n"+`{"event_id":"e2","user_id":"u"}`, nil)
	if _, err := l.LandMessage(ctx, "faulty", msg("f0", `{"event_id":"e0"}`, nil)); err != nil {
		t.Fatal(err) // creates the tables
	}
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailFirst: 1, Code: 503})
	deliveries := 0
	for ; deliveries < 5; deliveries++ {
		if _, err := l.LandMessage(ctx, "faulty", m); err == nil {
			break
		}
	}
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.faulty WHERE _event_id IN ('e1','e2')"); n != 2 {
		t.Errorf("rows after %d deliveries = %d, want 2", deliveries+1, n)
	}
	// A fault that persists is returned (so the trigger retries), never acknowledged as a reject.
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailFirst: 1000, Code: 503})
	tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err := l.LandMessage(tctx, "faulty", msg("f2", `{"event_id":"e3"}`, nil))
	cancel()
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
	if err == nil {
		t.Error("persistent 503: LandMessage returned nil, want an error to retry")
	}
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailFirst: 1, Code: 429})
	if _, err := l.LandMessage(ctx, "faulty", msg("f3", `{"event_id":"e4"}`, nil)); err != nil {
		if _, err := l.LandMessage(ctx, "faulty", msg("f3", `{"event_id":"e4"}`, nil)); err != nil {
			t.Fatal(err)
		}
	}
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.faulty"); n != 4 {
		t.Errorf("rows = %d, want 4 (e0..e2, e4)", n)
	}
	if got := rejectsBy(t, "faulty"); len(got) != 0 {
		t.Errorf("transient faults made rejects: %v", got)
	}
}

var _ = sort.Strings

// A request BigQuery refuses as a whole (400) is not retried: the batch is
// halved until the refused row stands alone, and that row is kept.
func TestWholeRequestRefusalIsolatesTheRow(t *testing.T) {
	l := newLander(eventsSource("refused"))
	ctx := context.Background()
	if _, err := l.LandMessage(ctx, "refused", msg("r0", `{"event_id":"r0"}`, nil)); err != nil {
		t.Fatal(err)
	}
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailFirst: 1, Code: 400})
	res, err := l.LandMessage(ctx, "refused", msg("r1", `{"event_id":"a"}`+"\n"+`{"event_id":"b"}`+"\n"+`{"event_id":"c"}`+"\n"+`{"event_id":"d"}`, nil))
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
	if err != nil || res.Landed != 4 {
		t.Errorf("batch after one refusal: %+v %v, want 4 landed", res, err)
	}
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailFirst: 1, Code: 400})
	res, err = l.LandMessage(ctx, "refused", msg("r2", `{"event_id":"e"}`, nil))
	bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{})
	if err != nil || res.Rejected != 1 {
		t.Errorf("single refused row: %+v %v, want 1 rejected, nil error", res, err)
	}
	if got := rejectsBy(t, "refused"); got["insert_rejected"] != 1 {
		t.Errorf("rejects = %v", got)
	}
}
