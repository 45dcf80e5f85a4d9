package ingest

// Fuzz targets for every parser ingest runs over untrusted bytes. None
// needs an emulator (the package's stack starts lazily), so `go test -fuzz`
// runs them at full speed. Crashers found are kept under testdata/fuzz/.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
)

var jsonSeeds = []string{`{}`, `{"a":1}`, `{"a":"\u00e9\ud83d\ude00","b":[1,2,{"c":null}],"d":-1.5e3}`, `{"a":1,"a":2}`,
	`{"a":{"b":{"c":{}}}}`, `[1]`, `"x"`, `{"a":tru}`, `{"a":"\x01"}`, `{"a":01}`, ` {"a" : [ ] } `, `{"a":"\q"}`,
	`{"a":`, `{"order_id": "x", "total": `, `{"a":"\ud83d"}`, `{"a":"\u12`, "{\"a\":\"x\x00\"}", "\xef\xbb\xbf{\"a\":1}"}

// FuzzParseObject: the record decoder never panics, its bytes path (the
// scanner over []byte, as splitPayload runs it) and string path (substrings
// of the record's copy, as prepare runs it) agree, and it agrees with
// encoding/json on validity (it is stricter only on duplicate keys and
// depth).
func FuzzParseObject(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, rerr := parseObject(b, 8, nil)
		msB, rerrB := parseObjectStr(b, "", 8, nil)
		if (rerr == nil) != (rerrB == nil) || (rerr != nil && *rerr != *rerrB) {
			t.Fatalf("%q: string path %v, bytes path %v", b, rerr, rerrB)
		}
		if len(ms) != len(msB) {
			t.Fatalf("%q: string path %d members, bytes path %d", b, len(ms), len(msB))
		}
		for i := range ms {
			if ms[i].key != msB[i].key || !reflect.DeepEqual(ms[i].value(), msB[i].value()) || !bytes.Equal(ms[i].raw, msB[i].raw) {
				t.Fatalf("%q: member %d: string path %q=%v, bytes path %q=%v", b, i, ms[i].key, ms[i].value(), msB[i].key, msB[i].value())
			}
		}
		if !utf8.Valid(b) {
			// prepare rejects these before decoding (invalid_utf8), and
			// encoding/json would compare U+FFFD-substituted keys.
			return
		}
		valid := json.Valid(b)
		if rerr == nil {
			if !valid {
				t.Fatalf("scanner accepted invalid JSON %q", b)
			}
			var m map[string]any
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatalf("%q: %v", b, err)
			}
			if len(m) != len(ms) {
				t.Fatalf("%q: %d members, encoding/json %d", b, len(ms), len(m))
			}
			for _, mm := range ms {
				want, _ := json.Marshal(m[mm.key])
				got, _ := json.Marshal(mm.value())
				if !bytes.Equal(want, got) {
					t.Fatalf("%q: key %q = %s, encoding/json %s", b, mm.key, got, want)
				}
				if !json.Valid(mm.raw) {
					t.Fatalf("%q: key %q raw bytes %q are not JSON", b, mm.key, mm.raw)
				}
			}
			return
		}
		switch rerr.reason {
		case ReasonInvalidJSON:
			if valid && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) {
				t.Fatalf("scanner rejected valid JSON %q: %s", b, rerr.detail)
			}
		case ReasonDuplicateKey, ReasonTooDeep:
		case ReasonNotAnObject:
			if !valid {
				t.Fatalf("not_an_object for invalid JSON %q", b)
			}
		default:
			t.Fatalf("unexpected reason %s", rerr.reason)
		}
	})
}

// FuzzSplitPayload: cutting a message into records never panics, every
// record is a piece of the message, and blank lines are not records.
func FuzzSplitPayload(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{"{\"a\":1}\n{\"b\":2}\n", "{\"a\":1}\r\n\r\n  \n{\"a\":", `[{"a":1},{"b":2}]`, `[{"a":1},`, `[]`, "[\n]", " \n\t", "{\"a\":1}\n\xff\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, blank, rerr := splitPayload(b, 8)
		if blank < 0 || blank > bytes.Count(b, []byte("\n")) {
			t.Fatalf("%q: %d blank lines", b, blank)
		}
		if rerr != nil {
			if rerr.reason == "" || rerr.detail == "" {
				t.Fatalf("%q: empty reject %+v", b, rerr)
			}
			return
		}
		for _, r := range recs {
			if len(bytes.TrimSpace(r.bytes)) == 0 {
				t.Fatalf("%q: blank record at line %d", b, r.line)
			}
			if !bytes.Contains(b, r.bytes) {
				t.Fatalf("%q: record %q is not part of the message", b, r.bytes)
			}
		}
	})
}

func fuzzTable(format string, inferred bool) (*Lander, *table) {
	src := &config.Source{Name: "fz", Format: format, EventIDField: "id", EventTimeField: "at",
		Schema: []config.Field{{Name: "id", Type: "STRING", Mode: "REQUIRED"}, {Name: "n", Type: "INT64"}, {Name: "x", Type: "FLOAT64"},
			{Name: "at", Type: "TIMESTAMP"}, {Name: "ok", Type: "BOOL"}, {Name: "d", Type: "DATE"}, {Name: "tags", Type: "STRING", Mode: "REPEATED"},
			{Name: "addr", Type: "RECORD", Fields: []config.Field{{Name: "city", Type: "STRING"}, {Name: "zip", Type: "INT64"}}}}}
	if inferred {
		src.Schema = nil
		src.EventIDField = ""
	}
	t := &table{src: src, dataset: "raw", inferred: inferred}
	t.store(&bigquery.TableMetadata{Schema: RawSchema(src)})
	return &Lander{Limits: Limits{MaxDepth: 8}}, t
}

// FuzzPrepare: decoding and typing one record against a declared schema
// (JSON and Debezium), and inferring a schema from it, never panics; a
// record either types to a row of the table's width or is rejected with a
// reason and a detail.
func FuzzPrepare(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s), false)
	}
	for _, s := range []string{`{"id":"a","n":3.0,"x":1e3,"at":"2026-01-01T00:00:00Z","ok":true,"d":"2026-01-02","tags":["a"],"addr":{"city":"Oslo","zip":150,"extra":1}}`,
		`{"id":"a","n":"12","tags":[null]}`, `{"id":"","n":1e400}`, `{"id":"a","at":"2026-02-31T00:00:00Z"}`, `{"id":"a","addr":{"zip":"x"}}`,
		`{"id":"a","q":{"r":[1,{"s":2}]},"z":[[1],[2]]}`} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, inferred bool) {
		l, tb := fuzzTable(FormatJSON, inferred)
		ctx := context.Background()
		for _, a := range []*rowAlloc{nil, {}} {
			if inferred {
				ms, rerr := parseObject(b, 8, nil)
				if rerr == nil {
					extend(tb.snap.Load().top, ms, false)
				}
				continue
			}
			rec, _, rerr, err := l.prepare(ctx, tb, b, nil, a)
			checkTyped(t, b, tb, rec, rerr, err)
		}
	})
}

func checkTyped(t *testing.T, b []byte, tb *table, rec *typed, rerr *recordError, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%q: error %v (a declared table never needs BigQuery)", b, err)
	}
	if (rec == nil) == (rerr == nil) {
		t.Fatalf("%q: typed %v and reject %v", b, rec, rerr)
	}
	if rerr != nil && (rerr.reason == "" || rerr.detail == "") {
		t.Fatalf("%q: empty reject %+v", b, rerr)
	}
	if rec != nil && len(rec.row) != len(tb.snap.Load().schema) {
		t.Fatalf("%q: row of %d values for %d columns", b, len(rec.row), len(tb.snap.Load().schema))
	}
	// The large-file path writes the row as NDJSON for a load job.
	if rec != nil {
		if j := appendRowJSON(nil, rec.schema, rec.row); !json.Valid(j) {
			t.Fatalf("%q: staging row %s is not JSON", b, j)
		}
	}
}

// FuzzDebezium: taking a change event apart never panics; an event that
// types has a valid op and a change time.
func FuzzDebezium(f *testing.F) {
	for _, s := range []string{
		`{"op":"c","before":null,"after":{"id":"1","n":1},"source":{"ts_ms":1767225600000}}`,
		`{"op":"u","before":{"id":"1"},"after":{"id":"1","n":2},"source":{"ts_ms":1767225601000}}`,
		`{"schema":{},"payload":{"op":"d","before":{"id":"1"},"after":null,"source":{"ts_ms":1767225602000}}}`,
		`{"op":"r","after":{"id":"2"},"ts_ms":1767225603000}`, `{"op":"x","after":{"id":"3"}}`, `{"payload":1}`,
		`{"op":"c","after":[1],"ts_ms":1}`, `{"op":"c","after":{"id":"1","id":"2"},"ts_ms":1}`, `{"op":"c","after":{"id":"1"},"ts_ms":1.5}`,
		`{"op":"c","after":{"id":"1"},"source":{"ts_ms":"1"}}`, `{"schema":{},"payload":{"op":"c","after":{"id":"1"},"ts_ms":99999999999999999999}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, tb := fuzzTable(FormatDebezium, false)
		tb.src.Schema = append(tb.src.Schema[:0:0], tb.src.Schema...)
		tb.store(&bigquery.TableMetadata{Schema: RawSchema(tb.src)})
		rec, _, rerr, err := l.prepare(context.Background(), tb, b, nil, nil)
		checkTyped(t, b, tb, rec, rerr, err)
		if ms, perr := parseObject(b, 8, nil); perr == nil {
			img, cols, derr := debeziumImage(ms, 8, nil)
			if derr == nil {
				if op, _ := cols[colOp].(string); !strings.Contains("cudr", op) || len(op) != 1 {
					t.Fatalf("%q: op %q", b, op)
				}
				if cols[colTS] == nil {
					t.Fatalf("%q: no change time", b)
				}
				for _, m := range img {
					if m.key == "" && m.raw == nil {
						t.Fatalf("%q: empty image member", b)
					}
				}
			}
		}
	})
}

// FuzzCSV: reading a CSV object or message never panics or loops; each row
// either has one member per header column or is rejected with a reason.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{"id,n\na,1\n", "id,n\r\na,1\r\nb,2,3\r\n", "\xef\xbb\xbfid,n\na,1", "\xef\xbb\xbf\"id\",n\n\"a\nb\",1\n",
		"id,id\na,b\n", "id\n\"unterminated\n", "id,n\na,\"b\"c\n", "", "\n\n", "a,b\n\x00,\xff\n", "id\n\"\"\"\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(b), 16)
		skipBOM(br)
		c, err := newCSVReader(br)
		if err != nil {
			return
		}
		var ms []member
		for i := 0; ; i++ {
			if i > len(b)+1 {
				t.Fatalf("%q: more rows than bytes", b)
			}
			row, _, line, rerr, err := c.next(ms)
			if err == io.EOF {
				return
			}
			if err != nil {
				return // a read error: the object's own (not here: bytes.Reader)
			}
			if rerr != nil {
				if rerr.reason != ReasonRaggedCSV && rerr.reason != ReasonInvalidCSV {
					t.Fatalf("%q: reason %s", b, rerr.reason)
				}
				continue
			}
			if len(row) != len(c.header) || line < 1 {
				t.Fatalf("%q: row of %d members at line %d, header %d", b, len(row), line, len(c.header))
			}
			ms = row
		}
	})
}

// FuzzReadLine: line splitting agrees with splitting on '\n' (line endings
// trimmed, a missing final newline allowed) and reports lines over the limit,
// through a reader buffer much smaller than the lines.
func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"a\nb\n", "a\r\nb", "\n\n\r\n", "", "x", strings.Repeat("y", 100) + "\nz\n", "a\r\r\n\rb\n"} {
		f.Add([]byte(s), uint8(8))
	}
	f.Fuzz(func(t *testing.T, b []byte, max uint8) {
		br := bufio.NewReaderSize(bytes.NewReader(b), 16)
		var want [][]byte
		for _, l := range bytes.SplitAfter(b, []byte("\n")) {
			if len(l) > 0 {
				want = append(want, bytes.TrimRight(l, "\r\n"))
			}
		}
		for i := 0; ; i++ {
			got, err := readLine(br, int(max))
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%q: %d lines, want %d", b, i, len(want))
				}
				return
			}
			if i >= len(want) {
				t.Fatalf("%q: more than %d lines", b, len(want))
			}
			if errors.Is(err, errLineTooLong) {
				if len(want[i]) <= int(max) || !bytes.Equal(got, want[i]) {
					t.Fatalf("%q line %d: too long with %q, want %q (max %d)", b, i+1, got, want[i], max)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%q: %v", b, err)
			}
			if !bytes.Equal(got, want[i]) {
				t.Fatalf("%q line %d: %q, want %q", b, i+1, got, want[i])
			}
		}
	})
}

// FuzzArrayReader: streaming the elements of a JSON array never panics or
// loops, and every element it returns is a piece of the input.
func FuzzArrayReader(f *testing.F) {
	for _, s := range []string{`[{"a":1},{"b":"]"}]`, `[`, `[]`, ` [ {"a":[1,2]} , "x\"]" ]`, `[{"a":1}`, `{}`, `[1,,2]`, `["\\"]`} {
		f.Add([]byte(s), uint8(16))
	}
	f.Fuzz(func(t *testing.T, b []byte, max uint8) {
		ar := &arrayReader{br: bufio.NewReaderSize(bytes.NewReader(b), 16), max: int(max)}
		for i := 0; ; i++ {
			if i > len(b) {
				t.Fatalf("%q: more elements than bytes", b)
			}
			el, err := ar.next()
			if err == io.EOF || (err != nil && !errors.Is(err, errLineTooLong)) {
				return
			}
			if !bytes.Contains(b, el) {
				t.Fatalf("%q: element %q is not part of the input", b, el)
			}
		}
	})
}

// FuzzGzipFraming: an object's bytes as LandObject frames them (gzip under
// the bomb guard, byte order mark, lines) never panic; and a gzip stream of
// some lines cut anywhere yields only complete, unchanged lines from the
// start, then an error (or all of them).
func FuzzGzipFraming(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n{\"a\":2}\n", "\xef\xbb\xbfx\ny", "", "\n", strings.Repeat("z", 300) + "\n"} {
		f.Add([]byte(s), uint16(10), false)
		f.Add([]byte(s), uint16(10), true)
	}
	f.Fuzz(func(t *testing.T, content []byte, cut uint16, raw bool) {
		stream := content
		if !raw {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			w.Write(content)
			w.Close()
			stream = buf.Bytes()
			if int(cut) < len(stream) {
				stream = stream[:cut]
			}
		}
		cr := &countReader{r: bytes.NewReader(stream)}
		gz, err := gzip.NewReader(cr)
		if err != nil {
			return
		}
		guard := &bombGuard{r: gz, in: cr, ratio: 100, max: 1 << 20}
		br := bufio.NewReaderSize(guard, 16)
		skipBOM(br)
		var got [][]byte
		var readErr error
		for {
			l, err := readLine(br, 64)
			if err == io.EOF {
				break
			}
			if err != nil && !errors.Is(err, errLineTooLong) {
				readErr = err
				break
			}
			got = append(got, bytes.Clone(l))
		}
		if raw {
			return
		}
		var want [][]byte
		for _, l := range bytes.SplitAfter(bytes.TrimPrefix(content, utf8BOM), []byte("\n")) {
			if len(l) > 0 {
				want = append(want, bytes.TrimRight(l, "\r\n"))
			}
		}
		if len(got) > len(want) {
			t.Fatalf("%q cut at %d: %d lines, the content has %d", content, cut, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%q cut at %d: line %d = %q, want %q", content, cut, i+1, got[i], want[i])
			}
		}
		if readErr == nil && len(got) != len(want) {
			t.Fatalf("%q cut at %d: %d of %d lines and no error", content, cut, len(got), len(want))
		}
	})
}

// FuzzParseTime: the fast RFC 3339 reader agrees with time.Parse on every
// string it accepts, and parseTime never panics.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-01-01T00:00:00Z", "2026-02-31T00:00:00Z", "2026-01-01T00:00:00.123456789Z", "2026-01-01T00:00:00.Z",
		"2026-01-01 00:00:00Z", "2026-01-01T24:00:00Z", "0000-01-01T00:00:00Z", "2026-01-01T00:00:00+01:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseTime(s)
		got, ok := parseRFC3339UTC(s)
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !got.Equal(want) {
			t.Fatalf("%q: fast %v, time.Parse %v %v", s, got, want, err)
		}
	})
}

// FuzzAppendJSONString: strings written into staging NDJSON read back
// unchanged.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\\n\r\t\x00\x1f", "é😀", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // records are checked for UTF-8 before they are typed
		}
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil || got != s {
			t.Fatalf("%q → %s → %q %v", s, b, got, err)
		}
	})
}
