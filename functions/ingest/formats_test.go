package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

func TestRedeliveryDoesNotDuplicate(t *testing.T) {
	files := config.Source{Name: "redeliv_files", Trigger: config.Trigger{GCSPrefix: "redeliv/"}, Format: "jsonl",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "n", Type: "INT64"}}}
	l := newLander(eventsSource("redeliv"), files)
	ctx := context.Background()
	m := msg("r1", `[{"event_id":"a"},{"event_id":"b"},{"event_id":"c","amount":"bad"}]`, nil)
	for i := 0; i < 2; i++ {
		if _, err := l.LandMessage(ctx, "redeliv", m); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.redeliv"); n != 2 {
		t.Errorf("message twice: %d rows, want 2", n)
	}
	if n := rejectsBy(t, "redeliv")["schema_mismatch"]; n != 1 {
		t.Errorf("message twice: %d rejects, want 1", n)
	}
	// A small object (insertAll) and a large one (load job), each finalized twice.
	var small, large strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&small, `{"id":"s%d","n":%d}`+"\n", i, i)
	}
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&large, `{"id":"L%d","n":%d}`+"\n", i, i)
	}
	large.WriteString(`{"id":"bad","n":"x"}` + "\n")
	l.Limits.LoadThreshold = 16 << 10
	so := put(t, "redeliv/small.jsonl", []byte(small.String()))
	lo := put(t, "redeliv/large.jsonl", []byte(large.String()))
	for i := 0; i < 2; i++ {
		if _, err := l.LandObject(ctx, so); err != nil {
			t.Fatal(err)
		}
		res, err := l.LandObject(ctx, lo)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && res.Landed != 3000 {
			t.Errorf("large object landed %d, want 3000", res.Landed)
		}
		if i == 1 && res.Landed != 0 {
			t.Errorf("second finalize of the large object landed %d, want 0", res.Landed)
		}
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.redeliv_files WHERE id LIKE 's%'"); n != 10 {
		t.Errorf("small object twice: %d rows, want 10", n)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.redeliv_files WHERE id LIKE 'L%'"); n != 3000 {
		t.Errorf("large object twice: %d rows, want 3000", n)
	}
	if n := rejectsBy(t, "redeliv_files")["schema_mismatch"]; n != 1 {
		t.Errorf("large object rejects = %d, want 1", n)
	}
	// The job id is derived from bucket/object/generation.
	if _, err := bqc.JobFromID(ctx, loadJobID(lo)); err != nil {
		t.Errorf("load job %s: %v", loadJobID(lo), err)
	}
	row := query(t, "SELECT _event_id, _origin, _event_time FROM raw.redeliv_files WHERE id = 'L5'")[0]
	if !strings.HasSuffix(row["_origin"].(string), ":6") || row["_event_time"] == nil {
		t.Errorf("load row metadata = %v", row)
	}
}

func TestInputFormats(t *testing.T) {
	csvSrc := config.Source{Name: "fmt_csv", Trigger: config.Trigger{GCSPrefix: "fmtcsv/", PubSubTopic: "fmtcsv"}, Format: "csv",
		EventTimeField: "at",
		Schema:         []config.Field{{Name: "id", Type: "STRING"}, {Name: "n", Type: "INT64"}, {Name: "ok", Type: "BOOL"}, {Name: "at", Type: "TIMESTAMP"}}}
	arr := config.Source{Name: "fmt_arr", Trigger: config.Trigger{GCSPrefix: "fmtarr/"}, Format: "json",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "tags", Type: "STRING", Mode: "REPEATED"},
			{Name: "addr", Type: "RECORD", Fields: []config.Field{{Name: "city", Type: "STRING"}}}}}
	cdc := config.Source{Name: "fmt_cdc", Trigger: config.Trigger{PubSubTopic: "dbz"}, Format: "debezium",
		Schema: []config.Field{{Name: "id", Type: "INT64"}, {Name: "email", Type: "STRING"}}}
	l := newLander(csvSrc, arr, cdc, eventsSource("fmt_events"))
	ctx := context.Background()
	res, err := l.LandObject(ctx, put(t, "fmtcsv/a.csv", []byte("id,n,ok,at\nx,1,true,2026-03-01T10:00:00Z\ny,,false,\n\"z,q\",3,,\n")))
	if err != nil || res.Landed != 3 {
		t.Fatalf("csv file: %+v %v", res, err)
	}
	res, err = l.LandMessage(ctx, "fmtcsv", msg("c1", "id,n\nm,7\n", nil))
	if err != nil || res.Landed != 1 {
		t.Fatalf("csv message: %+v %v", res, err)
	}
	rows := query(t, "SELECT id, n, ok, _event_time FROM raw.fmt_csv ORDER BY id")
	if len(rows) != 4 || rows[2]["id"] != "y" || rows[2]["n"] != nil || rows[3]["id"] != "z,q" || rows[0]["n"] != int64(7) {
		t.Errorf("csv rows = %v", rows)
	}
	res, err = l.LandObject(ctx, put(t, "fmtarr/a.json", []byte(`[
  {"id":"a1","tags":["x","y"],"addr":{"city":"Oslo","zip":"0150"}},
  {"id":"a2","tags":[]},
  {"id":"a3","tags":"notarray"}
]`)))
	if err != nil || res.Landed != 2 || res.Rejected != 1 {
		t.Fatalf("json array file: %+v %v", res, err)
	}
	a1 := query(t, "SELECT addr.city AS city, ARRAY_LENGTH(tags) AS nt, _extra FROM raw.fmt_arr WHERE id = 'a1'")[0]
	if a1["city"] != "Oslo" || a1["nt"] != int64(2) || a1["_extra"] != `{"addr.zip":"0150"}` {
		t.Errorf("json array row = %v", a1)
	}
	// Routing by the source attribute on a shared topic.
	if res, err := l.LandMessage(ctx, "shared-topic", msg("s1", `{"event_id":"via-attr"}`, map[string]string{"source": "fmt_events"})); err != nil || res.Landed != 1 {
		t.Fatalf("source attribute: %+v %v", res, err)
	}
	// Debezium: create, update, delete, snapshot read, and the schema-wrapped envelope.
	evs := []string{
		`{"op":"c","before":null,"after":{"id":1,"email":"a@x"},"source":{"ts_ms":1767225600000}}`,
		`{"op":"u","before":{"id":1,"email":"a@x"},"after":{"id":1,"email":"b@x"},"source":{"ts_ms":1767225601000}}`,
		`{"schema":{},"payload":{"op":"d","before":{"id":1,"email":"b@x"},"after":null,"source":{"ts_ms":1767225602000}}}`,
		`{"op":"r","after":{"id":2,"email":"c@x"},"ts_ms":1767225603000}`,
		`{"op":"x","after":{"id":3}}`,
	}
	for i, e := range evs {
		if _, err := l.LandMessage(ctx, "dbz", msg(fmt.Sprintf("d%d", i), e, nil)); err != nil {
			t.Fatal(err)
		}
	}
	cl := query(t, "SELECT id, email, _op, _ts, _before FROM raw.fmt_cdc ORDER BY _ts")
	if len(cl) != 4 {
		t.Fatalf("changelog rows = %v", cl)
	}
	if cl[1]["_op"] != "u" || cl[1]["email"] != "b@x" || cl[1]["_before"] != `{"id":1,"email":"a@x"}` || cl[2]["_op"] != "d" || cl[2]["email"] != "b@x" {
		t.Errorf("changelog = %v", cl)
	}
	if rejectsBy(t, "fmt_cdc")["invalid_change_event"] != 1 {
		t.Errorf("cdc rejects = %v", rejectsBy(t, "fmt_cdc"))
	}
}

func TestInferredSchemaEvolves(t *testing.T) {
	dyn := config.Source{Name: "dyn", Trigger: config.Trigger{PubSubTopic: "dyn"}, Format: "json"}
	l := newLander(dyn)
	ctx := context.Background()
	first := `{"a":1,"b":"x","my-field":true,"_source":"spoof","9lives":1,"nested":{"x":1},"list":[1,2],"when":"2026-01-01T00:00:00Z","nothing":null}`
	if res, err := l.LandMessage(ctx, "dyn", msg("i1", first, nil)); err != nil || res.Landed != 1 {
		t.Fatalf("first: %+v %v", res, err)
	}
	second := `{"a":1.5,"My_Field":3,"nested":{"y":"z"},"c":"new","nothing":false}`
	if res, err := l.LandMessage(ctx, "dyn", msg("i2", second, nil)); err != nil || res.Landed != 1 {
		t.Fatalf("second: %+v %v", res, err)
	}
	third := `{"a":"abc"}`
	if res, err := l.LandMessage(ctx, "dyn", msg("i3", third, nil)); err != nil || res.Rejected != 1 {
		t.Fatalf("third: %+v %v", res, err)
	}
	md, err := bqc.Dataset("raw").Table("dyn").Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range md.Schema {
		typ := string(f.Type)
		if f.Repeated {
			typ = "REPEATED " + typ
		}
		if f.Type == bigquery.RecordFieldType {
			var subs []string
			for _, s := range f.Schema {
				subs = append(subs, s.Name+":"+string(s.Type))
			}
			typ += "<" + strings.Join(subs, ",") + ">"
		}
		got[f.Name] = typ
	}
	want := map[string]string{"a": "FLOAT", "b": "STRING", "my_field": "BOOLEAN", "My_Field_2": "INTEGER", "f__source": "STRING",
		"f_9lives": "INTEGER", "nested": "RECORD<x:INTEGER,y:STRING>", "list": "REPEATED INTEGER", "when": "TIMESTAMP",
		"c": "STRING", "nothing": "BOOLEAN"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("column %s = %q, want %q", k, got[k], v)
		}
	}
	rows := query(t, "SELECT a, my_field, My_Field_2 AS m2, f__source, _source FROM raw.dyn ORDER BY a")
	if len(rows) != 2 || rows[0]["a"] != 1.0 || rows[1]["a"] != 1.5 || rows[1]["m2"] != int64(3) || rows[0]["f__source"] != "spoof" || rows[0]["_source"] != "dyn" {
		t.Errorf("rows = %v", rows)
	}
	d := query(t, "SELECT detail FROM sluice_ops.rejects WHERE source = 'dyn'")
	if len(d) != 1 || d[0]["detail"] != `field a: want FLOAT64, got string "abc"` {
		t.Errorf("reject = %v", d)
	}
	// A fresh Lander (a new instance) reads the mapping back from the table.
	l2 := newLander(dyn)
	if res, err := l2.LandMessage(ctx, "dyn", msg("i4", `{"My_Field":4,"my-field":false}`, nil)); err != nil || res.Landed != 1 {
		t.Fatalf("fourth: %+v %v", res, err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.dyn WHERE My_Field_2 = 4 AND my_field = false"); n != 1 {
		t.Errorf("mapping after restart: %d rows", n)
	}
}

func TestDeclaredSchemaKeepsUnknownFieldsInExtra(t *testing.T) {
	l := newLander(eventsSource("declared_extra"))
	if _, err := l.LandMessage(context.Background(), "declared_extra", msg("x1", `{"event_id":"e","surprise":{"k":[1,2]},"n":7}`, nil)); err != nil {
		t.Fatal(err)
	}
	r := query(t, "SELECT _extra FROM raw.declared_extra")
	if len(r) != 1 || r[0]["_extra"] != `{"surprise":{"k":[1,2]},"n":7}` {
		t.Errorf("_extra = %v", r)
	}
	md, _ := bqc.Dataset("raw").Table("declared_extra").Metadata(context.Background())
	if len(md.Schema) != len(RawSchema(&l.Pipeline.Sources[0])) {
		t.Errorf("declared table grew: %d columns", len(md.Schema))
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"uote\\back", "ctl\x01\n\t\r", "ünï ✓"} {
		got := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Errorf("%q → %s → %q (%v)", s, got, back, err)
		}
	}
}

func TestGzipByContentEncodingAndArrayLimits(t *testing.T) {
	src := config.Source{Name: "ce", Trigger: config.Trigger{GCSPrefix: "ce/"}, Format: "json",
		Schema: []config.Field{{Name: "id", Type: "STRING"}}}
	l := newLander(src)
	l.Limits.MaxRecordBytes = 100
	ctx := context.Background()
	w := gcsc.Bucket("landing").Object("ce/a.jsonl").NewWriter(ctx)
	w.ContentEncoding = "gzip"
	w.Write(gz(t, []byte(`{"id":"g1"}`+"\n"+`{"id":"g2"}`+"\n")))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a := w.Attrs()
	obj := events.StorageObjectData{Bucket: "landing", Name: a.Name, Generation: events.Int64String(a.Generation), Size: events.Int64String(a.Size), ContentEncoding: "gzip"}
	if res, err := l.LandObject(ctx, obj); err != nil || res.Landed != 2 {
		t.Fatalf("content-encoding gzip: %+v %v", res, err)
	}
	// A streamed JSON array: an element over the record limit is rejected alone.
	arr := `[{"id":"x1"}, {"id":"` + strings.Repeat("y", 200) + `"} ,{"id":"x3","s":"a]b\"}"}]`
	res, err := l.LandObject(ctx, put(t, "ce/arr.json", []byte(arr)))
	if err != nil || res.Landed != 2 || res.Rejected != 1 {
		t.Fatalf("array: %+v %v", res, err)
	}
	if got := rejectsBy(t, "ce"); got["too_large"] != 1 {
		t.Errorf("rejects = %v", got)
	}
}

// Concurrent deliveries to an inferred source, each bringing new keys: every
// record lands and the table ends up with every column.
func TestInferredSchemaConcurrentEvolution(t *testing.T) {
	dyn := config.Source{Name: "dyn_conc", Trigger: config.Trigger{PubSubTopic: "dyn_conc"}, Format: "json"}
	l := newLander(dyn)
	ctx := context.Background()
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			_, err := l.LandMessage(ctx, "dyn_conc", msg(fmt.Sprintf("c%d", g), fmt.Sprintf(`{"common":%d,"k%d":"v","nest":{"n%d":%d}}`, g, g, g, g), nil))
			errs <- err
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := rejectsBy(t, "dyn_conc"); len(got) > 0 {
		t.Errorf("rejects: %v %v", got, query(t, "SELECT detail FROM sluice_ops.rejects WHERE source = 'dyn_conc'"))
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.dyn_conc"); n != 8 {
		t.Errorf("rows = %d, want 8", n)
	}
	md, _ := bqc.Dataset("raw").Table("dyn_conc").Metadata(ctx)
	cols := map[string]int{}
	for _, f := range md.Schema {
		cols[f.Name] = len(f.Schema)
	}
	for g := 0; g < 8; g++ {
		if _, ok := cols[fmt.Sprintf("k%d", g)]; !ok {
			t.Errorf("column k%d missing: %v", g, cols)
		}
	}
	if cols["nest"] != 8 {
		t.Errorf("nest has %d sub-fields, want 8", cols["nest"])
	}
	for g := 0; g < 8; g++ {
		if n := count(t, fmt.Sprintf("SELECT COUNT(*) AS n FROM raw.dyn_conc WHERE k%d = 'v' AND nest.n%d = %d", g, g, g)); n != 1 {
			t.Errorf("record %d: %d rows with its own columns filled", g, n)
		}
	}
}
