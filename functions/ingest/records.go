package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
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
)

// MaxRecordBytes bounds one record (BigQuery's streaming row limit is 10 MB).
const MaxRecordBytes = 10 << 20

// rawRecord is one record cut out of a payload, before it is typed.
type rawRecord struct {
	bytes []byte // the original bytes of this record
	line  int    // 1-based line (or array index + 1) within the payload
}

// splitPayload cuts a message payload into records: one JSON object, a JSON
// array of objects, or JSON Lines. A line that is not valid JSON becomes its
// own record so that it is rejected alone.
func splitPayload(data []byte) []rawRecord {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil
	}
	if trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err == nil {
			out := make([]rawRecord, len(arr))
			for i, r := range arr {
				out[i] = rawRecord{bytes: r, line: i + 1}
			}
			return out
		}
		return []rawRecord{{bytes: data, line: 1}}
	}
	// A single (possibly pretty-printed) object or a clean JSONL stream.
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var out []rawRecord
	for {
		var r json.RawMessage
		err := dec.Decode(&r)
		if err == io.EOF {
			return out
		}
		if err != nil {
			break
		}
		out = append(out, rawRecord{bytes: r, line: len(out) + 1})
	}
	// Something in the stream is broken: fall back to lines, so that only
	// the bad lines are rejected.
	out = out[:0]
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		out = append(out, rawRecord{bytes: line, line: i + 1})
	}
	return out
}

// typedRecord is a record ready to insert.
type typedRecord struct {
	values    map[string]bigquery.Value
	eventID   string
	eventTime time.Time
}

// recordError is why one record cannot land.
type recordError struct {
	reason RejectReason
	detail string
}

func (e *recordError) Error() string { return string(e.reason) + ": " + e.detail }

// typeRecord decodes one JSON object and coerces it to the source schema.
// Fields the schema does not declare are kept, as JSON, in _extra: nothing is
// dropped.
func typeRecord(src *config.Source, b []byte) (*typedRecord, *recordError) {
	if len(b) > MaxRecordBytes {
		return nil, &recordError{ReasonTooLarge, fmt.Sprintf("record is %d bytes; the limit is %d", len(b), MaxRecordBytes)}
	}
	if !utf8.Valid(b) {
		return nil, &recordError{ReasonInvalidUTF8, "record is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &recordError{ReasonInvalidJSON, err.Error()}
	}
	if dec.More() {
		return nil, &recordError{ReasonInvalidJSON, "trailing data after the JSON value"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &recordError{ReasonNotAnObject, fmt.Sprintf("want a JSON object, got %s", jsonKind(v))}
	}
	rec := &typedRecord{values: make(map[string]bigquery.Value, len(src.Schema)+4)}
	// The event id first: without it a record cannot be de-duplicated, and
	// that is the more useful reason to report.
	if src.EventIDField != "" {
		id, _ := obj[src.EventIDField].(string)
		if n, ok := obj[src.EventIDField].(json.Number); ok {
			id = n.String()
		}
		if strings.TrimSpace(id) == "" {
			return nil, &recordError{ReasonMissingEventID, fmt.Sprintf("field %s (the event id) is missing or empty", src.EventIDField)}
		}
		rec.eventID = id
	}
	declared := make(map[string]bool, len(src.Schema))
	for _, f := range src.Schema {
		declared[f.Name] = true
		raw, present := obj[f.Name]
		if !present || raw == nil {
			if strings.EqualFold(f.Mode, "REQUIRED") {
				return nil, &recordError{ReasonSchemaMismatch, fmt.Sprintf("field %s: required, but missing or null", f.Name)}
			}
			rec.values[f.Name] = nil
			continue
		}
		val, err := coerce(f, raw)
		if err != nil {
			return nil, &recordError{ReasonSchemaMismatch, fmt.Sprintf("field %s: %v", f.Name, err)}
		}
		rec.values[f.Name] = val
	}
	extra := map[string]any{}
	for k, v := range obj {
		if !declared[k] {
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		eb, _ := json.Marshal(extra)
		rec.values[colExtra] = string(eb)
	} else {
		rec.values[colExtra] = nil
	}
	if src.EventTimeField != "" {
		if t, ok := rec.values[src.EventTimeField].(time.Time); ok {
			rec.eventTime = t
		}
	}
	return rec, nil
}

func coerce(f config.Field, v any) (bigquery.Value, error) {
	typ := strings.ToUpper(f.Type)
	want := func() error { return fmt.Errorf("want %s, got %s", canonicalType(typ), describe(v)) }
	switch typ {
	case "STRING":
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		return nil, want()
	case "INT64", "INTEGER":
		var s string
		switch x := v.(type) {
		case json.Number:
			s = x.String()
		case string:
			s = strings.TrimSpace(x)
		default:
			return nil, want()
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, want()
		}
		return n, nil
	case "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC":
		var s string
		switch x := v.(type) {
		case json.Number:
			s = x.String()
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
	case "BOOL", "BOOLEAN":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, want()
	case "TIMESTAMP", "DATETIME":
		s, ok := v.(string)
		if !ok {
			return nil, want()
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		return nil, fmt.Errorf("want %s (RFC 3339), got string %q", canonicalType(typ), s)
	case "DATE":
		s, ok := v.(string)
		if !ok {
			return nil, want()
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, fmt.Errorf("want DATE (YYYY-MM-DD), got string %q", s)
		}
		return s, nil
	case "JSON":
		b, _ := json.Marshal(v)
		return string(b), nil
	}
	return nil, fmt.Errorf("type %s is not supported for ingestion yet", typ)
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
