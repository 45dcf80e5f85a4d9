package archive

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2/ocf"
)

// zigzag appends n as an Avro long (zig-zag varint, Avro specification,
// "Binary Encoding").
func zigzag(b []byte, n int64) []byte {
	u := uint64(n<<1) ^ uint64(n>>63)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

func avroString(b []byte, s string) []byte { return append(zigzag(b, int64(len(s))), s...) }

// handMadeAvro builds an object container file byte by byte from the Avro
// specification ("Object Container Files"), with the codec "null", holding
// one record of the documented schema: so the reader is checked against
// the format, not only against the library that writes it.
func handMadeAvro(micros int64) []byte {
	var f []byte
	f = append(f, 'O', 'b', 'j', 1)
	// File metadata: a map with one block of two entries, then the end.
	f = zigzag(f, 2)
	f = avroString(f, "avro.schema")
	f = avroString(f, SchemaJSON)
	f = avroString(f, "avro.codec")
	f = avroString(f, "null")
	f = zigzag(f, 0)
	sync := []byte("0123456789abcdef")
	f = append(f, sync...)
	var rec []byte
	rec = avroString(rec, "projects/p/subscriptions/s")
	rec = avroString(rec, "11")
	rec = zigzag(rec, micros)
	rec = zigzag(rec, 1) // attributes: one entry, then the end
	rec = avroString(rec, "k")
	rec = avroString(rec, "v")
	rec = zigzag(rec, 0)
	rec = avroString(rec, `{"a":1}`) // bytes are encoded as strings are
	f = zigzag(f, 1)
	f = zigzag(f, int64(len(rec)))
	f = append(f, rec...)
	return append(f, sync...)
}

func TestReadHandMadeAvro(t *testing.T) {
	// 1764670210123456 µs since the epoch is 2025-12-02T10:10:10.123456Z
	// (timestamp-micros: microseconds from the Unix epoch, UTC).
	got, err := ReadRecords(bytes.NewReader(handMadeAvro(1764670210123456)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{SubscriptionName: "projects/p/subscriptions/s", MessageID: "11",
		PublishTime: time.Date(2025, 12, 2, 10, 10, 10, 123456000, time.UTC),
		Attributes:  map[string]string{"k": "v"}, Data: []byte(`{"a":1}`)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
}

func sample() []Record {
	var recs []Record
	for i := range 50 {
		recs = append(recs, Record{SubscriptionName: "projects/p/subscriptions/s", MessageID: string(rune('a'+i%26)) + strings.Repeat("x", i),
			PublishTime: time.Date(2026, 11, 2, 3, 4, 5, i*1000, time.UTC), Attributes: map[string]string{"n": strings.Repeat("y", i)},
			Data: bytes.Repeat([]byte(`{"event_id":"e"}`), 1+i%5)})
	}
	recs[0].Attributes = map[string]string{}
	return recs
}

func TestRoundTripEveryCodec(t *testing.T) {
	// The Pub/Sub documentation does not say which codec the subscription
	// writes; the header names it, and every codec of the specification
	// (null, deflate, snappy; zstandard since 1.11) must read.
	for _, codec := range []ocf.CodecName{ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard} {
		t.Run(string(codec), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteAvro(&buf, sample(), codec); err != nil {
				t.Fatal(err)
			}
			dec, err := ocf.NewDecoder(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(dec.Metadata()["avro.codec"]); got != string(codec) {
				t.Fatalf("the header names the codec %q, want %q", got, codec)
			}
			got, err := ReadRecords(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sample(), got); diff != "" {
				t.Fatalf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONLinesStillRead(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecords(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sample(), got); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
}

func TestDamagedAvroIsAnError(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAvro(&buf, sample(), ocf.Deflate); err != nil {
		t.Fatal(err)
	}
	whole := buf.Bytes()
	noMeta := func() []byte {
		var b bytes.Buffer
		enc, err := ocf.NewEncoder(`{"type":"record","namespace":"com.google.pubsub","name":"PubsubMessage","fields":[{"name":"data","type":"bytes"}]}`, &b)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(struct {
			Data []byte `avro:"data"`
		}{[]byte("x")}); err != nil {
			t.Fatal(err)
		}
		enc.Close()
		return b.Bytes()
	}()
	flipped := bytes.Clone(whole)
	flipped[len(flipped)-3] ^= 0xff // inside the last sync marker
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated in the data", whole[:len(whole)-40], "truncated or corrupt"},
		{"truncated in the header", whole[:30], "avro: header"},
		{"sync marker damaged", flipped, "truncated or corrupt"},
		{"written without write_metadata", noMeta, "write_metadata"},
		{"raw payloads (a text-format subscription)", []byte("{\"event_id\":\"e1\"}\n"), "unknown field"},
		{"records without ids", []byte("{\"data\":\"eA==\"}\n"), "no message_id"},
		{"container version 2", append([]byte("Obj\x02"), whole[4:]...), "unsupported container version 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRecords(bytes.NewReader(tc.b))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := ReadRecords(bytes.NewReader(noMeta)); !errors.Is(err, ErrNoMetadata) {
		t.Errorf("no metadata: %v, want ErrNoMetadata", err)
	}
}

func TestObjectName(t *testing.T) {
	// The documented example: datetime format YYYY-MM-DD/hh_mm_ssZ gives
	// 2023-09-25/04_10_00Z_uNiQuE for 2023-09-25 04:10:00 UTC; with "/"
	// for "-" that is our layout.
	got := ObjectName("events", time.Date(2023, 9, 25, 4, 10, 0, 0, time.UTC), "uNiQuE", ".avro")
	if want := "events/2023/09/25/04_10_00Z_uNiQuE.avro"; got != want {
		t.Fatalf("ObjectName = %q, want %q", got, want)
	}
}

// TestDatetimeFormatMatchesTerraform: DatetimeFormat is the Go layout of
// the filename_datetime_format archive.tf gives the cloud subscriptions,
// token for token (YYYY year, MM month, DD day, hh hour, mm minute, ss
// second, Z the UTC offset; the Pub/Sub documentation's matchers), so the
// local archive and reland use the cloud's layout.
func TestDatetimeFormatMatchesTerraform(t *testing.T) {
	b, err := os.ReadFile("../../infra/terraform/archive.tf")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*archive_datetime_format\s*=\s*"([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("archive.tf sets no archive_datetime_format")
	}
	goLayout := strings.NewReplacer("YYYY", "2006", "MM", "01", "DD", "02", "hh", "15", "mm", "04", "ss", "05").Replace(string(m[1]))
	if goLayout != DatetimeFormat {
		t.Fatalf("archive.tf's %q is the Go layout %q; DatetimeFormat is %q", m[1], goLayout, DatetimeFormat)
	}
}
