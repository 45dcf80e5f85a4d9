package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-data/sluice/shared/config"
)

// orderLines returns n order lines, ids <prefix>1…<prefix>n, each ending in eol.
func orderLines(prefix string, n int, eol string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"order_id":"%s%d","total":%d.5}%s`, prefix, i+1, i, eol)
	}
	return out
}

// gzFlushed gzips lines, flushing the compressor after line `at`; it
// returns the stream and the offset where the data after line `at` starts.
func gzFlushed(t *testing.T, lines []string, at int) ([]byte, int) {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	off := 0
	for i, l := range lines {
		w.Write([]byte(l))
		if i+1 == at {
			w.Flush()
			off = buf.Len()
		}
	}
	w.Close()
	return buf.Bytes(), off
}

// The inputs real producers send, each through the storage and BigQuery
// clients: every good line lands, every bad one is rejected with its own
// reason, and nothing else happens.
func TestInputsRealProducersSend(t *testing.T) {
	src := config.Source{Name: "adv", Trigger: config.Trigger{GCSPrefix: "adv/"}, Format: "jsonl", EventIDField: "order_id",
		Schema: []config.Field{{Name: "order_id", Type: "STRING", Mode: "REQUIRED"}, {Name: "total", Type: "FLOAT64"}, {Name: "note", Type: "STRING"}}}
	csvSrc := config.Source{Name: "adv_csv", Trigger: config.Trigger{GCSPrefix: "advcsv/"}, Format: "csv",
		Schema: []config.Field{{Name: "order_id", Type: "STRING", Mode: "REQUIRED"}, {Name: "total", Type: "FLOAT64"}}}
	l := newLander(src, csvSrc)
	ctx := context.Background()
	join := func(ls []string) []byte { return []byte(strings.Join(ls, "")) }

	cut := `{"order_id": "x", "total": `
	truncated := orderLines("tr", 10, "\n")
	truncated[3], truncated[7] = cut+"\n", `{"order_id":"tr8","to`+"\n"
	gz100 := orderLines("gz", 100, "\n")
	gz100[41] = cut + "\n"
	blank := orderLines("bl", 4, "\n")
	blank = append(blank[:2], append([]string{"\n", "   \t \r\n", "\n"}, blank[2:]...)...)
	big := orderLines("big", 3, "\n")
	big[1] = fmt.Sprintf(`{"order_id":"big2","total":1,"note":"%s"}`+"\n", strings.Repeat("n", 200<<10))
	nul := orderLines("nul", 5, "\n")
	nul[1] = "{\"order_id\":\"nul2\",\"note\":\"a\x00b\"}\n"
	nul[3] = "\x00\x00\x00\x00\n"
	truncGz, flushAt := gzFlushed(t, orderLines("tg", 200, "\n"), 60)
	corruptGz, corruptAt := gzFlushed(t, orderLines("cg", 200, "\n"), 50)
	corruptGz = bytes.Clone(corruptGz)
	for i := corruptAt + 4; i < corruptAt+40; i++ {
		corruptGz[i] ^= 0x5a
	}

	for _, c := range []struct {
		name    string
		data    []byte
		landed  int
		rejects map[string]int64
		blank   int
		atLeast bool // landed is a floor (the bytes after the damage may decode to something)
	}{
		{name: "crlf.jsonl", data: join(orderLines("crlf", 5, "\r\n")), landed: 5},
		{name: "bom.jsonl", data: append([]byte("\xef\xbb\xbf"), join(orderLines("bom", 5, "\n"))...), landed: 5},
		{name: "nofinal.jsonl", data: bytes.TrimSuffix(join(orderLines("nf", 5, "\n")), []byte("\n")), landed: 5},
		{name: "blank.jsonl", data: join(blank), landed: 4, blank: 3},
		{name: "big.jsonl", data: join(big), landed: 3},
		{name: "truncated.jsonl", data: join(truncated), landed: 8, rejects: map[string]int64{"invalid_json": 2}},
		{name: "truncated.jsonl.gz", data: gz(t, join(gz100)), landed: 99, rejects: map[string]int64{"invalid_json": 1}},
		{name: "cutlast.jsonl", data: append(join(orderLines("cl", 5, "\n")), cut...), landed: 5, rejects: map[string]int64{"invalid_json": 1}},
		{name: "truncstream.jsonl.gz", data: truncGz[:flushAt+5], landed: 60, rejects: map[string]int64{"invalid_gzip": 1}},
		{name: "corrupt.jsonl.gz", data: corruptGz, landed: 50, atLeast: true, rejects: map[string]int64{"invalid_gzip": 1}},
		{name: "nul.jsonl", data: join(nul), landed: 3, rejects: map[string]int64{"invalid_json": 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			obj := put(t, "adv/"+c.name, c.data)
			res, err := l.LandObject(ctx, obj)
			if err != nil {
				t.Fatal(err)
			}
			origin := fmt.Sprintf("gs://landing/adv/%s#%d", c.name, obj.Generation)
			n := int(count(t, fmt.Sprintf("SELECT COUNT(*) AS n FROM raw.adv WHERE STARTS_WITH(_origin, '%s:')", origin)))
			if n != res.Landed || (c.atLeast && n < c.landed) || (!c.atLeast && n != c.landed) {
				t.Errorf("landed %d rows (result %+v), want %d", n, res, c.landed)
			}
			got := map[string]int64{}
			for _, r := range query(t, fmt.Sprintf("SELECT reason, COUNT(*) AS n FROM sluice_ops.rejects WHERE STARTS_WITH(origin, '%s') GROUP BY reason", origin)) {
				got[r["reason"].(string)] = r["n"].(int64)
			}
			if c.atLeast {
				delete(got, "invalid_json") // garbage decoded before the damage was detected
				delete(got, "invalid_utf8")
			}
			if fmt.Sprint(got) != fmt.Sprint(c.rejects) && !(len(got) == 0 && len(c.rejects) == 0) {
				t.Errorf("rejects %v, want %v", got, c.rejects)
			}
			if res.Blank != c.blank {
				t.Errorf("blank lines %d, want %d", res.Blank, c.blank)
			}
		})
	}
	// The stream cut after line 60 is rejected from line 61 on, by line.
	r := query(t, "SELECT origin, detail FROM sluice_ops.rejects WHERE reason = 'invalid_gzip' AND STARTS_WITH(origin, 'gs://landing/adv/truncstream.jsonl.gz')")
	if len(r) != 1 || !strings.HasSuffix(r[0]["origin"].(string), ":61") || !strings.Contains(r[0]["detail"].(string), "line 61 onward") {
		t.Errorf("truncated stream reject = %v, want origin …:61 and 'line 61 onward'", r)
	}
	// The BOM is not part of the first record: bom1 landed with its id.
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.adv WHERE order_id = 'bom1'"); n != 1 {
		t.Errorf("bom1 rows = %d, want 1", n)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.adv WHERE order_id = 'big2' AND LENGTH(note) = 204800"); n != 1 {
		t.Errorf("200 KB line rows = %d, want 1", n)
	}

	// CSV with a BOM (and a quoted first header) and CRLF, as a file and as a message.
	res, err := l.LandObject(ctx, put(t, "advcsv/bom.csv", []byte("\xef\xbb\xbf\"order_id\",total\r\nc1,1.5\r\nc2,2\r\n")))
	if err != nil || res.Landed != 2 || res.Rejected != 0 {
		t.Errorf("BOM CSV object: %+v %v, want 2 landed", res, err)
	}
	csvSrc.Trigger.PubSubTopic = "advcsv"
	l2 := newLander(csvSrc)
	res, err = l2.LandPayload(ctx, &csvSrc, []byte("\xef\xbb\xbforder_id,total\nm1,1\n"), Origin{Name: "pubsub:advcsv/b1", ID: "b1"})
	if err != nil || res.Landed != 1 || res.Rejected != 0 {
		t.Errorf("BOM CSV message: %+v %v, want 1 landed", res, err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.adv_csv WHERE order_id IN ('c1','c2','m1')"); n != 3 {
		t.Errorf("BOM CSV rows = %d, want 3", n)
	}
	// A JSON message with a BOM, CRLF and blank lines.
	ev := eventsSource("adv_msg")
	l3 := newLander(ev)
	res, err = l3.LandMessage(ctx, "adv_msg", msg("am1", "\xef\xbb\xbf{\"event_id\":\"a1\"}\r\n\r\n  \r\n{\"event_id\":\"a2\"}\r\n", nil))
	if err != nil || res.Landed != 2 || res.Rejected != 0 || res.Blank != 2 {
		t.Errorf("BOM JSON message: %+v %v, want 2 landed, 2 blank", res, err)
	}
}

// A line longer than insertAll takes is rejected naming the limit when the
// object goes through insertAll, and lands when it goes through a load job.
func TestLinesOverTheInsertAllLimit(t *testing.T) {
	src := config.Source{Name: "adv_long", Trigger: config.Trigger{GCSPrefix: "advlong/"}, Format: "jsonl",
		Schema: []config.Field{{Name: "order_id", Type: "STRING"}, {Name: "note", Type: "STRING"}}}
	l := newLander(src)
	l.Limits.MaxInsertRowBytes = 4 << 10
	ctx := context.Background()
	data := []byte(`{"order_id":"s1"}` + "\n" + fmt.Sprintf(`{"order_id":"long","note":"%s"}`, strings.Repeat("x", 8<<10)) + "\n" + `{"order_id":"s2"}` + "\n")
	res, err := l.LandObject(ctx, put(t, "advlong/a.jsonl", data))
	if err != nil || res.Landed != 2 || res.Rejected != 1 {
		t.Fatalf("insertAll path: %+v %v, want 2 landed, 1 rejected", res, err)
	}
	r := query(t, "SELECT reason, detail FROM sluice_ops.rejects WHERE source = 'adv_long'")
	if len(r) != 1 || r[0]["reason"] != "too_large" || !strings.Contains(r[0]["detail"].(string), "4096 bytes, the largest row insertAll takes") {
		t.Errorf("reject = %v, want too_large naming the 4096-byte insertAll limit", r)
	}
	l.Limits.LoadThreshold = 1 << 10
	res, err = l.LandObject(ctx, put(t, "advlong/b.jsonl", data))
	if err != nil || res.Landed != 3 || res.Rejected != 0 {
		t.Fatalf("load path: %+v %v, want 3 landed", res, err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.adv_long WHERE order_id = 'long' AND LENGTH(note) = 8192"); n != 1 {
		t.Errorf("long row landed %d times, want 1", n)
	}
	// A message record over the limit is rejected the same way.
	msgSrc := eventsSource("adv_long_msg")
	lm := newLander(msgSrc)
	lm.Limits.MaxInsertRowBytes = 4 << 10
	res, err = lm.LandMessage(ctx, "adv_long_msg", msg("lm1", `{"event_id":"a"}`+"\n"+fmt.Sprintf(`{"event_id":"b","user_id":"%s"}`, strings.Repeat("u", 8<<10)), nil))
	if err != nil || res.Landed != 1 || res.Rejected != 1 {
		t.Fatalf("message: %+v %v, want 1 landed, 1 rejected", res, err)
	}
}

// Damage is named for what it is: broken CSV is invalid_csv, a JSON array
// cut short is invalid_json, and a gzip stream cut short is invalid_gzip,
// whatever the format inside.
func TestDamageReasons(t *testing.T) {
	csvSrc := config.Source{Name: "dmg_csv", Trigger: config.Trigger{GCSPrefix: "dmgcsv/"}, Format: "csv",
		Schema: []config.Field{{Name: "id", Type: "STRING"}}}
	arr := config.Source{Name: "dmg_arr", Trigger: config.Trigger{GCSPrefix: "dmgarr/"}, Format: "json",
		Schema: []config.Field{{Name: "id", Type: "STRING"}}}
	l := newLander(csvSrc, arr)
	ctx := context.Background()
	var rows strings.Builder
	rows.WriteString("id\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&rows, "c%d\n", i)
	}
	csvGz, csvAt := gzFlushed(t, strings.SplitAfter(rows.String(), "\n"), 101) // header + 100 rows
	var elems []string
	elems = append(elems, "[")
	for i := 0; i < 300; i++ {
		elems = append(elems, fmt.Sprintf(`{"id":"a%d"},`+"\n", i))
	}
	elems = append(elems, `{"id":"last"}]`)
	arrGz, arrAt := gzFlushed(t, elems, 101) // "[" + 100 elements
	for _, c := range []struct {
		name   string
		data   []byte
		landed int
		reason string
	}{
		{"dmgcsv/dup.csv", []byte("id,id\na,b\n"), 0, "invalid_csv"},
		{"dmgcsv/cut.csv.gz", csvGz[:csvAt+5], 100, "invalid_gzip"},
		{"dmgarr/cut.json", []byte(`[{"id":"x1"},{"id":"x2"},{"id":`), 2, "invalid_json"},
		{"dmgarr/cut.json.gz", arrGz[:arrAt+5], 100, "invalid_gzip"},
	} {
		obj := put(t, c.name, c.data)
		res, err := l.LandObject(ctx, obj)
		if err != nil || res.Landed != c.landed || res.Rejected != 1 {
			t.Errorf("%s: %+v %v, want %d landed and 1 reject", c.name, res, err, c.landed)
		}
		r := query(t, fmt.Sprintf("SELECT reason, detail FROM sluice_ops.rejects WHERE STARTS_WITH(origin, 'gs://landing/%s#%d')", c.name, obj.Generation))
		if len(r) != 1 || r[0]["reason"] != c.reason {
			t.Errorf("%s: rejects %v, want one %s", c.name, r, c.reason)
		}
	}
}
