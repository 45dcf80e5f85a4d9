package ingest

import (
	"testing"
	"time"
)

func TestAppendTimestamp(t *testing.T) {
	for _, s := range []string{"2026-03-01T00:00:00Z", "2026-12-31T23:59:59.5Z", "1999-01-02T03:04:05.000001Z",
		"2026-03-01T10:11:12.123456789+02:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2026-06-15T08:30:00.120Z"} {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		want := tm.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
		if got := string(appendTimestamp(nil, tm)); got != want {
			t.Errorf("%s: got %s, want %s", s, got, want)
		}
	}
	far := time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, want := string(appendTimestamp(nil, far)), far.Format("2006-01-02T15:04:05.999999Z07:00"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRowAlloc(t *testing.T) {
	var a rowAlloc
	// Arena strings stay intact while later records are appended, across chunks.
	var got []string
	var want []string
	for i := 0; i < 3000; i++ {
		b := []byte(time.Duration(i).String() + "-record-with-some-length-to-fill-chunks-" + string(rune('a'+i%26)))
		got = append(got, a.str(b))
		want = append(want, string(b))
		b[0] = 'X' // the caller's buffer is reused
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("arena string %d: %q, want %q", i, got[i], want[i])
		}
	}
	// Enum-like columns share one box; a column of unique values stops being interned.
	if a.strValue(0, "page_view") != a.strValue(0, "page_view") {
		t.Fatal("interned values differ")
	}
	for i := 0; i < 2*internProbe; i++ {
		v := a.strValue(1, time.Duration(i).String())
		if v.(string) != time.Duration(i).String() {
			t.Fatalf("value %d: %v", i, v)
		}
	}
	if st := a.stats[1]; st.misses != internProbe {
		t.Fatalf("column 1: %d misses, want interning off after %d", st.misses, internProbe)
	}
	if len(a.intern) > internProbe+1 {
		t.Fatalf("intern table has %d entries", len(a.intern))
	}
	if got := a.lineOrigin("gs://b/o#7", ':', 1234567); got != "gs://b/o#7:1234567" {
		t.Fatal(got)
	}
	// Rows from the slab do not overlap.
	src := benchSource()
	schema := RawSchema(&src)
	r1 := a.typed(schema).row
	r1[0] = "one"
	r2 := a.typed(schema).row
	if r2[0] != nil || len(r1) != len(schema) || cap(r1) != len(schema) {
		t.Fatalf("rows overlap: %v %v", r1[0], r2[0])
	}
}

func TestParseRFC3339UTC(t *testing.T) {
	for _, s := range []string{"2026-03-01T00:00:00Z", "2026-12-31T23:59:59.5Z", "1999-01-02T03:04:05.000001Z",
		"2026-03-01T10:11:12.123456789Z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-03-01T24:00:00Z", "2026-03-01T10:11:12.Z", "2026-03-01T10:11:12.1234567890Z", "2026-03-01T10:11:60Z",
		"2026-03-01 10:11:12Z", "2026-03-01T10:11:12+02:00", "2026-03-01T1a:11:12Z", "0000-01-01T00:00:00Z"} {
		want, werr := time.Parse(time.RFC3339Nano, s)
		got, ok := parseRFC3339UTC(s)
		if ok && (werr != nil || !got.Equal(want)) {
			t.Errorf("%s: fast path %v, time.Parse %v %v", s, got, want, werr)
		}
		if p, err := parseTime(s); (err == nil) != (werr == nil && s[10] == 'T') && s[10] == 'T' || err == nil && werr == nil && !p.Equal(want) {
			t.Errorf("%s: parseTime %v %v, time.Parse %v %v", s, p, err, want, werr)
		}
	}
}
