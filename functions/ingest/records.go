package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"
)

// RejectReason is the short, stable code of why a record did not land. The
// detail next to it says exactly what was wrong.
type RejectReason string

// The reject reasons.
const (
	ReasonInvalidJSON    RejectReason = "invalid_json"
	ReasonNotAnObject    RejectReason = "not_an_object"
	ReasonSchemaMismatch RejectReason = "schema_mismatch"
	ReasonMissingEventID RejectReason = "missing_event_id"
	ReasonUnknownSource  RejectReason = "unknown_source"
	ReasonTooLarge       RejectReason = "too_large"
	ReasonInvalidUTF8    RejectReason = "invalid_utf8"
	ReasonInsertRejected RejectReason = "insert_rejected"
	ReasonEmpty          RejectReason = "empty"
	ReasonTooDeep        RejectReason = "too_deep"
	ReasonDuplicateKey   RejectReason = "duplicate_key"
	ReasonGzipBomb       RejectReason = "gzip_bomb"
	ReasonInvalidGzip    RejectReason = "invalid_gzip"
	ReasonRaggedCSV      RejectReason = "ragged_csv_row"
	ReasonInvalidCSV     RejectReason = "invalid_csv"
	ReasonInvalidCDC     RejectReason = "invalid_change_event"
	ReasonInternal       RejectReason = "internal_error" // a bug: the whole event is kept
)

// MaxRecordBytes bounds one record or line (Pub/Sub's message limit is
// 10 MB; BigQuery load jobs take JSON rows up to 100 MB).
const MaxRecordBytes = 10 << 20

// DefaultMaxInsertRowBytes bounds a record sent through insertAll: BigQuery
// refuses a streamed row over 10 MB and a request over 10 MB, and the row
// grows by its metadata columns and JSON escaping on the way.
const DefaultMaxInsertRowBytes = 8 << 20

// Limits bound what one message, record or object may cost. Zero fields
// take the defaults.
type Limits struct {
	MaxMessageBytes int // one Pub/Sub message; default 10 MiB (Pub/Sub's own limit)
	MaxRecordBytes  int // one record or line; default MaxRecordBytes
	// MaxInsertRowBytes: records sent through insertAll (messages, objects
	// under LoadThreshold) are at most this long; default
	// DefaultMaxInsertRowBytes.
	MaxInsertRowBytes int
	MaxDepth          int   // nesting of objects and arrays; default 32
	MaxGzipRatio      int64 // decompressed bytes per compressed byte; default 100
	MaxGzipBytes      int64 // decompressed bytes of one object; default 8 GiB
	// LoadThreshold: objects of at least this many (compressed) bytes land
	// through a staging file and a load job; smaller ones use insertAll.
	// Default 8 MiB; negative never loads.
	LoadThreshold int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxMessageBytes == 0 {
		l.MaxMessageBytes = 10 << 20
	}
	if l.MaxRecordBytes == 0 {
		l.MaxRecordBytes = MaxRecordBytes
	}
	if l.MaxInsertRowBytes == 0 {
		l.MaxInsertRowBytes = DefaultMaxInsertRowBytes
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = 32
	}
	if l.MaxGzipRatio == 0 {
		l.MaxGzipRatio = 100
	}
	if l.MaxGzipBytes == 0 {
		l.MaxGzipBytes = 8 << 30
	}
	if l.LoadThreshold == 0 {
		l.LoadThreshold = 8 << 20
	}
	return l
}

// rawRecord is one record cut out of a payload, before it is typed.
type rawRecord struct {
	bytes []byte // the original bytes of this record
	str   string // or the same, as a string
	line  int    // 1-based line (or array index + 1) within the payload
}

func (r rawRecord) payload() []byte {
	if r.bytes == nil && r.str != "" {
		return []byte(r.str)
	}
	return r.bytes
}

// splitPayload cuts a message payload into records: one JSON object, a JSON
// array of objects, or JSON Lines. A line that is not valid JSON becomes its
// own record so that it is rejected alone.
func splitPayload(data []byte, maxDepth int) ([]rawRecord, int, *recordError) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, 0, nil
	}
	if trimmed[0] == '[' {
		var out []rawRecord
		err := splitArray(trimmed, maxDepth, func(b []byte) { out = append(out, rawRecord{bytes: b, line: len(out) + 1}) })
		return out, 0, err
	}
	// One (possibly pretty-printed) object, or several objects one after
	// another (JSON Lines).
	s := scanner{b: trimmed, maxDepth: maxDepth}
	var out []rawRecord
	blank := 0
	for {
		end := s.i
		s.ws()
		if s.i >= len(trimmed) {
			return out, blank, nil
		}
		// Whitespace holding k line breaks between two records is k-1
		// blank lines.
		if n := bytes.Count(trimmed[end:s.i], []byte("\n")); n > 1 {
			blank += n - 1
		}
		start := s.i
		if _, ok := s.value(); !ok {
			break
		}
		out = append(out, rawRecord{bytes: trimmed[start:s.i], line: len(out) + 1})
	}
	// Something is broken: fall back to lines, so only bad lines are rejected.
	out = out[:0]
	blank = 0
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			if i < len(lines)-1 || len(line) > 0 { // not the end of the last line
				blank++
			}
			continue
		}
		out = append(out, rawRecord{bytes: bytes.TrimRight(line, "\r"), line: i + 1})
	}
	return out, blank, nil
}

// splitArray calls fn with the raw bytes of each element of a JSON array.
func splitArray(b []byte, maxDepth int, fn func([]byte)) *recordError {
	s := scanner{b: b, maxDepth: maxDepth + 1, depth: 1}
	s.i = 1
	s.ws()
	if s.i < len(b) && b[s.i] == ']' {
		return nil
	}
	for {
		s.ws()
		start := s.i
		if _, ok := s.value(); !ok {
			return s.recErr()
		}
		fn(b[start:s.i])
		s.ws()
		if s.i < len(b) && b[s.i] == ',' {
			s.i++
			continue
		}
		if !s.expect(']') {
			return s.recErr()
		}
		s.ws()
		if s.i != len(b) {
			return &recordError{ReasonInvalidJSON, "trailing data after the JSON array"}
		}
		return nil
	}
}

// typed is one record ready to write.
type typed struct {
	src       string // the record's bytes as a string (JSON formats)
	schema    bigquery.Schema
	row       []bigquery.Value
	eventID   string
	eventTime time.Time
	// the boxed values of the event id and time fields, when they came
	// from the record: the metadata columns share them
	eventIDVal, eventTimeVal bigquery.Value
	snap                     *tableSnap // what schema is from
}

// recordError is why one record cannot land.
type recordError struct {
	reason RejectReason
	detail string
}

func (e *recordError) Error() string { return string(e.reason) + ": " + e.detail }

// checkRecord applies the byte-level limits to one record.
func checkRecord(b []byte, lim Limits) *recordError {
	if len(b) > lim.MaxRecordBytes {
		return &recordError{ReasonTooLarge, fmt.Sprintf("record is %d bytes; the limit is %d", len(b), lim.MaxRecordBytes)}
	}
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return &recordError{ReasonInvalidUTF8, fmt.Sprintf("record is not valid UTF-8 (first bad byte at offset %d)", i)}
	}
	return nil
}

// typeMembers types one record's members against a table snapshot.
// members may be reordered by the caller; extra members go to _extra.
func (t *table) typeMembers(snap *tableSnap, ms []member, a *rowAlloc) (*typed, *recordError) {
	schema := snap.schema
	top := snap.top
	rec := a.typed(schema)
	rec.snap = snap
	var extra []byte
	src := t.src
	for mi := range ms {
		m := &ms[mi]
		// Records usually list their fields in schema order: try the
		// position first, then the map.
		i, ok := mi, mi < len(top.keys) && top.keys[mi] == m.key
		if !ok {
			i, ok = top.byKey[m.key]
		}
		if !ok {
			if m.value() == nil && t.inferred {
				continue
			}
			extra = appendExtra(extra, m.key, m.raw, m.value())
			continue
		}
		f := schema[i]
		var v bigquery.Value
		switch {
		case m.kind == 's' && f.Type == bigquery.StringFieldType && !f.Repeated:
			v = a.strValue(i, m.str) // the common case, without a detour through any
		case m.kind == 's' && (f.Type == bigquery.TimestampFieldType || f.Type == bigquery.DateTimeFieldType) && !f.Repeated:
			tm, err := parseTime(m.str)
			if err != nil {
				return nil, &recordError{ReasonSchemaMismatch, fmt.Sprintf("field %s: want %s (RFC 3339), got string %q", m.key, canonicalType(string(f.Type)), m.str)}
			}
			v = tm
		case m.kind == 'n' && f.Type == bigquery.FloatFieldType && !f.Repeated:
			x, err := strconv.ParseFloat(m.str, 64)
			if err != nil || math.IsInf(x, 0) {
				return nil, &recordError{ReasonSchemaMismatch, fmt.Sprintf("field %s: want FLOAT64, got number %s", m.key, m.str)}
			}
			v = x
		default:
			var err error
			if v, err = typeValue(f, top.sub[i], m.value(), m.key, &extra, t.inferred); err != nil {
				return nil, &recordError{ReasonSchemaMismatch, err.Error()}
			}
		}
		rec.row[i] = v
		if i == snap.eventTimeCol && m.key == src.EventTimeField {
			if tm, ok := v.(time.Time); ok {
				rec.eventTime, rec.eventTimeVal = tm, v
			}
		}
		if i == snap.eventIDCol && m.key == src.EventIDField {
			if m.kind == 's' || m.kind == 'n' {
				rec.eventID = m.str
				if s, ok := v.(string); ok && s == m.str {
					rec.eventIDVal = v
				}
			} else {
				rec.eventID = idString(m.value())
			}
		}
	}
	if src.EventIDField != "" && rec.eventID == "" {
		for _, m := range ms {
			if m.key == src.EventIDField {
				rec.eventID = idString(m.value())
			}
		}
		if strings.TrimSpace(rec.eventID) == "" {
			return nil, &recordError{ReasonMissingEventID, fmt.Sprintf("field %s (the event id) is missing or empty", src.EventIDField)}
		}
	}
	if !t.inferred {
		for _, i := range snap.required {
			if rec.row[i] == nil {
				return nil, &recordError{ReasonSchemaMismatch, fmt.Sprintf("field %s: required, but missing or null", schema[i].Name)}
			}
		}
	}
	if extra != nil {
		extra = append(extra, '}')
		if i, ok := snap.colIndex(colExtra); ok {
			rec.row[i] = string(extra)
		}
	}
	return rec, nil
}

func (s *tableSnap) colIndex(name string) (int, bool) {
	for i := len(s.schema) - 1; i >= 0; i-- {
		if s.schema[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

func idString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func appendExtra(extra []byte, key string, raw []byte, val any) []byte {
	if extra == nil {
		extra = append(extra, '{')
	} else {
		extra = append(extra, ',')
	}
	kb, _ := json.Marshal(key)
	extra = append(extra, kb...)
	extra = append(extra, ':')
	if raw == nil {
		raw, _ = json.Marshal(val)
	}
	return append(extra, raw...)
}

// typeValue coerces one JSON value to a column.
func typeValue(f *bigquery.FieldSchema, lv *level, v any, path string, extra *[]byte, inferred bool) (bigquery.Value, error) {
	if v == nil {
		return nil, nil
	}
	if f.Repeated {
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("field %s: want ARRAY of %s, got %s", path, canonicalType(string(f.Type)), describe(v))
		}
		one := *f
		one.Repeated = false
		out := make([]bigquery.Value, 0, len(arr))
		for i, e := range arr {
			if e == nil {
				return nil, fmt.Errorf("field %s[%d]: null in an array (BigQuery arrays cannot hold NULL)", path, i)
			}
			x, err := typeValue(&one, lv, e, fmt.Sprintf("%s[%d]", path, i), extra, inferred)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	if f.Type == bigquery.RecordFieldType {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("field %s: want RECORD, got %s", path, describe(v))
		}
		out := make([]bigquery.Value, len(f.Schema))
		for _, k := range sortedKeys(obj) {
			sv := obj[k]
			i, ok := -1, false
			if lv != nil {
				i, ok = lv.byKey[k]
			}
			if !ok {
				if sv == nil && inferred {
					continue
				}
				*extra = appendExtra(*extra, path+"."+k, nil, sv)
				continue
			}
			var sub *level
			if lv != nil {
				sub = lv.sub[i]
			}
			x, err := typeValue(f.Schema[i], sub, sv, path+"."+k, extra, inferred)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	if inferred && f.Type == bigquery.StringFieldType {
		switch v.(type) {
		case map[string]any, []any:
			b, _ := json.Marshal(v)
			return string(b), nil
		}
	}
	x, err := coerce(f.Type, v)
	if err != nil {
		return nil, fmt.Errorf("field %s: %v", path, err)
	}
	return x, nil
}

func coerce(typ bigquery.FieldType, v any) (bigquery.Value, error) {
	want := func() error { return fmt.Errorf("want %s, got %s", canonicalType(string(typ)), describe(v)) }
	switch typ {
	case bigquery.StringFieldType:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		return nil, want()
	case bigquery.IntegerFieldType:
		var s string
		switch x := v.(type) {
		case json.Number:
			s = string(x)
		case string:
			s = strings.TrimSpace(x)
		default:
			return nil, want()
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			// 3.0 and 1e3 are integers too.
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return nil, want()
			}
			n = int64(f)
		}
		return n, nil
	case bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		var s string
		switch x := v.(type) {
		case json.Number:
			s = string(x)
		case string:
			s = strings.TrimSpace(x)
		default:
			return nil, want()
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, want()
		}
		return n, nil
	case bigquery.BooleanFieldType:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, want()
	case bigquery.TimestampFieldType, bigquery.DateTimeFieldType:
		s, ok := v.(string)
		if !ok {
			return nil, want()
		}
		if t, err := parseTime(s); err == nil {
			return t, nil
		}
		return nil, fmt.Errorf("want %s (RFC 3339), got string %q", canonicalType(string(typ)), s)
	case bigquery.DateFieldType:
		s, ok := v.(string)
		if !ok {
			return nil, want()
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, fmt.Errorf("want DATE (YYYY-MM-DD), got string %q", s)
		}
		return s, nil
	case bigquery.JSONFieldType:
		b, _ := json.Marshal(v)
		return string(b), nil
	case bigquery.BytesFieldType:
		s, ok := v.(string)
		if !ok {
			return nil, want()
		}
		return []byte(s), nil
	}
	return nil, fmt.Errorf("type %s is not supported for ingestion yet", typ)
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

func parseTime(s string) (time.Time, error) {
	if t, ok := parseRFC3339UTC(s); ok {
		return t, nil
	}
	var err error
	for _, layout := range timeLayouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// parseRFC3339UTC reads the common form YYYY-MM-DDTHH:MM:SS[.fraction]Z
// without time.Parse; false for anything else (parseTime then tries the
// layouts).
func parseRFC3339UTC(s string) (time.Time, bool) {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		f := num(20, len(s)-1)
		if f < 0 {
			return time.Time{}, false
		}
		for i := len(rest) - 1; i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d { // 31 February and the like: time.Parse rejects them
		return time.Time{}, false
	}
	return t, true
}

func canonicalType(t string) string {
	switch t {
	case "INTEGER":
		return "INT64"
	case "FLOAT":
		return "FLOAT64"
	case "BOOLEAN":
		return "BOOL"
	}
	return t
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return "boolean " + strconv.FormatBool(x)
	}
	return jsonKind(v)
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	if len(ks) > 1 {
		sortStrings(ks)
	}
	return ks
}

// parseRecord is the record decoder (benchmarks swap in the jsontext one).
var parseRecord = parseObjectStr

// prepare turns one record's bytes into a typed row for the table,
// evolving an inferred schema first when the record needs it.
func (l *Lander) prepare(ctx context.Context, t *table, b []byte, ms []member, a *rowAlloc) (*typed, []member, *recordError, error) {
	lim := l.Limits.withDefaults()
	if rerr := checkRecord(b, lim); rerr != nil {
		return nil, ms, rerr, nil
	}
	src := a.str(b)
	ms, rerr := parseRecord(b, src, lim.MaxDepth, ms)
	if rerr != nil {
		return nil, ms, rerr, nil
	}
	var extraCols map[string]bigquery.Value
	if t.src.Format == FormatDebezium {
		var img []member
		img, extraCols, rerr = debeziumImage(ms, lim.MaxDepth, t.src.CDC)
		if rerr != nil {
			return nil, ms, rerr, nil
		}
		ms = img
	}
	rec, rerr, err := l.typeWithEvolution(ctx, t, ms, false, a)
	if rec != nil {
		rec.src = src
		for k, v := range extraCols {
			if i, ok := t.snap.Load().colIndexIn(rec.schema, k); ok {
				rec.row[i] = v
			}
		}
		if t.src.Format == FormatDebezium {
			if ts, ok := extraCols[colTS].(time.Time); ok && rec.eventTime.IsZero() {
				rec.eventTime = ts
			}
		}
	}
	return rec, ms, rerr, err
}

func (s *tableSnap) colIndexIn(schema bigquery.Schema, name string) (int, bool) {
	for i := len(schema) - 1; i >= 0; i-- {
		if schema[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

func (l *Lander) typeWithEvolution(ctx context.Context, t *table, ms []member, csv bool, a *rowAlloc) (*typed, *recordError, error) {
	for attempt := 0; ; attempt++ {
		snap := t.snap.Load()
		if t.inferred {
			if grown, widen := extend(snap.top, ms, csv); grown != nil || len(widen) > 0 {
				if attempt == 5 {
					// The table would not take the change: retry the delivery
					// rather than land the new fields in _extra.
					return nil, nil, fmt.Errorf("raw.%s: schema did not converge after %d updates", t.src.Name, attempt)
				}
				if err := l.evolve(ctx, t, ms, csv); err != nil {
					return nil, nil, err
				}
				continue
			}
		}
		rec, rerr := t.typeMembers(snap, ms, a)
		return rec, rerr, nil
	}
}
