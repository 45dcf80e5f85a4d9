package bigquery

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	bq "google.golang.org/api/bigquery/v2"
)

// Wire format of rows, as BigQuery sends them: every scalar is a JSON
// string, NULL is {"v":null}, records are {"f":[...]}, repeated fields are
// [{"v":...}]. TIMESTAMP is integer microseconds when the request asks for
// formatOptions.useInt64Timestamp (the Go client always does) and decimal
// seconds ("1700000000.123456") otherwise.

type cell struct {
	V any `json:"v"`
}

type row struct {
	F []cell `json:"f"`
}

type encoder struct {
	int64TS bool
}

func (e encoder) row(fields []*bq.TableFieldSchema, vals []any) row {
	r := row{F: make([]cell, len(fields))}
	for i, f := range fields {
		var v any
		if i < len(vals) {
			v = vals[i]
		}
		r.F[i] = cell{V: e.value(f, v)}
	}
	return r
}

func (e encoder) value(f *bq.TableFieldSchema, v any) any {
	if v == nil {
		if f.Mode == "REPEATED" {
			return []cell{}
		}
		return nil
	}
	if f.Mode == "REPEATED" {
		list, ok := v.([]any)
		if !ok {
			return []cell{{V: e.scalar(f, v)}}
		}
		out := make([]cell, len(list))
		for i, x := range list {
			out[i] = cell{V: e.scalar(f, x)}
		}
		return out
	}
	return e.scalar(f, v)
}

func (e encoder) scalar(f *bq.TableFieldSchema, v any) any {
	if v == nil {
		return nil
	}
	if f.Type == "RECORD" {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		r := row{F: make([]cell, len(f.Fields))}
		for i, c := range f.Fields {
			x, ok := m[c.Name]
			if !ok {
				for k, y := range m {
					if strings.EqualFold(k, c.Name) {
						x = y
						break
					}
				}
			}
			r.F[i] = cell{V: e.value(c, x)}
		}
		return r
	}
	switch f.Type {
	case "TIMESTAMP":
		if t, ok := v.(time.Time); ok {
			us := t.UnixMicro()
			if e.int64TS {
				return strconv.FormatInt(us, 10)
			}
			return formatSeconds(us)
		}
	case "DATETIME":
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format("2006-01-02T15:04:05") + fraction(t)
		}
	case "DATE":
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format("2006-01-02")
		}
	case "TIME":
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format("15:04:05") + fraction(t)
		}
	case "BYTES":
		if b, ok := v.([]byte); ok {
			return base64.StdEncoding.EncodeToString(b)
		}
		if s, ok := v.(string); ok {
			return base64.StdEncoding.EncodeToString([]byte(s))
		}
	case "FLOAT":
		switch x := v.(type) {
		case float64:
			return formatFloat(x)
		case float32:
			return formatFloat(float64(x))
		}
	case "NUMERIC", "BIGNUMERIC":
		if d, ok := v.(duckdb.Decimal); ok {
			return formatDecimal(d.Value, int(d.Scale))
		}
	case "BOOLEAN":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b)
		}
	case "INTERVAL":
		if iv, ok := v.(duckdb.Interval); ok {
			return formatInterval(iv)
		}
	case "JSON":
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		default:
			b, _ := json.Marshal(x)
			return string(b)
		}
	case "STRING":
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			if len(x) == 16 {
				return fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:])
			}
			return string(x)
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case *big.Int:
		return x.String()
	case float64:
		return formatFloat(x)
	case bool:
		return strconv.FormatBool(x)
	case duckdb.Decimal:
		return formatDecimal(x.Value, int(x.Scale))
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func fraction(t time.Time) string {
	us := t.Nanosecond() / 1000
	if us == 0 {
		return ""
	}
	return fmt.Sprintf(".%06d", us)
}

func formatSeconds(us int64) string {
	sign := ""
	if us < 0 {
		sign = "-"
		us = -us
	}
	return fmt.Sprintf("%s%d.%06d", sign, us/1e6, us%1e6)
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// formatDecimal renders value×10^-scale without trailing zeros, as BigQuery
// renders NUMERIC.
func formatDecimal(v *big.Int, scale int) string {
	if v == nil {
		return "0"
	}
	s := new(big.Int).Abs(v).String()
	neg := v.Sign() < 0
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// formatInterval renders BigQuery's canonical INTERVAL format Y-M D H:M:S[.F].
func formatInterval(iv duckdb.Interval) string {
	y, m := iv.Months/12, iv.Months%12
	us := iv.Micros
	sign := ""
	if us < 0 {
		sign = "-"
		us = -us
	}
	h := us / 3_600_000_000
	us -= h * 3_600_000_000
	mi := us / 60_000_000
	us -= mi * 60_000_000
	sec := us / 1_000_000
	us -= sec * 1_000_000
	frac := ""
	if us != 0 {
		frac = strings.TrimRight(fmt.Sprintf(".%06d", us), "0")
	}
	ym := fmt.Sprintf("%d-%d", y, m)
	if iv.Months < 0 {
		ym = fmt.Sprintf("-%d-%d", -y, -m)
	}
	return fmt.Sprintf("%s %d %s%d:%d:%d%s", ym, iv.Days, sign, h, mi, sec, frac)
}

// ---- decoding insertAll / load values into appender values ----

// fieldError is a per-row insert error.
type fieldError struct {
	location, message string
}

func (e *fieldError) Error() string { return e.message }

var numericScale = new(big.Int).Exp(big.NewInt(10), big.NewInt(9), nil)
var numericMax = new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil)

// decodeRow converts a JSON row to values in schema order for the DuckDB
// Appender.
func decodeRow(fields []*bq.TableFieldSchema, m map[string]any, ignoreUnknown bool, path string) ([]any, error) {
	out := make([]any, len(fields))
	used := 0
	for i, f := range fields {
		v, ok := m[f.Name]
		if !ok {
			for k, x := range m {
				if strings.EqualFold(k, f.Name) {
					v, ok = x, true
					break
				}
			}
		}
		if ok {
			used++
		}
		x, err := decodeValue(f, v, ignoreUnknown, path+f.Name)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	if used < len(m) && !ignoreUnknown {
		for k := range m {
			if findField(fields, k) == nil {
				return nil, &fieldError{path + k, "no such field: " + path + k + "."}
			}
		}
	}
	return out, nil
}

func decodeValue(f *bq.TableFieldSchema, v any, ignoreUnknown bool, loc string) (any, error) {
	if v == nil {
		switch f.Mode {
		case "REQUIRED":
			return nil, &fieldError{loc, "Missing required field: " + loc + "."}
		case "REPEATED":
			return []any{}, nil
		}
		return nil, nil
	}
	if f.Mode == "REPEATED" {
		list, ok := v.([]any)
		if !ok {
			return nil, &fieldError{loc, fmt.Sprintf("Array specified for non-repeated field: %s.", loc)}
		}
		out := make([]any, len(list))
		for i, x := range list {
			if x == nil {
				return nil, &fieldError{loc, fmt.Sprintf("Null value in repeated field %s at position %d.", loc, i)}
			}
			y, err := decodeScalar(f, x, ignoreUnknown, loc)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	}
	// a JSON column holds any JSON value, arrays included
	if _, isList := v.([]any); isList && f.Type != "JSON" {
		return nil, &fieldError{loc, fmt.Sprintf("Array specified for non-repeated field: %s.", loc)}
	}
	return decodeScalar(f, v, ignoreUnknown, loc)
}

func badValue(loc, typ string, v any) error {
	return &fieldError{loc, fmt.Sprintf("Cannot convert value to %s: %v (field %s).", strings.ToLower(typ), render(v), loc)}
}

func render(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func asText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

func decodeScalar(f *bq.TableFieldSchema, v any, ignoreUnknown bool, loc string) (any, error) {
	switch f.Type {
	case "RECORD":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &fieldError{loc, fmt.Sprintf("Cannot convert value to record: %s (field %s).", render(v), loc)}
		}
		vals, err := decodeRow(f.Fields, m, ignoreUnknown, loc+".")
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(f.Fields))
		for i, c := range f.Fields {
			out[c.Name] = vals[i]
		}
		return out, nil
	case "STRING", "GEOGRAPHY":
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case "INTEGER":
		if s, ok := asText(v); ok {
			s = strings.TrimSpace(s)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
			// 1e3 or 12.0 are integers too.
			if fv, err := strconv.ParseFloat(s, 64); err == nil && fv == math.Trunc(fv) && math.Abs(fv) < 9.2e18 {
				return int64(fv), nil
			}
		}
	case "FLOAT":
		if s, ok := asText(v); ok {
			switch strings.TrimSpace(s) {
			case "NaN":
				return math.NaN(), nil
			case "Infinity", "inf", "+inf":
				return math.Inf(1), nil
			case "-Infinity", "-inf":
				return math.Inf(-1), nil
			}
			if fv, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return fv, nil
			}
		}
	case "NUMERIC", "BIGNUMERIC":
		if s, ok := asText(v); ok {
			if r, ok := new(big.Rat).SetString(strings.TrimSpace(s)); ok {
				n := new(big.Rat).Mul(r, new(big.Rat).SetInt(numericScale))
				q := roundRat(n)
				if new(big.Int).Abs(q).Cmp(numericMax) < 0 {
					return q, nil
				}
			}
		}
	case "BOOLEAN":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		case json.Number:
			switch x.String() {
			case "1":
				return true, nil
			case "0":
				return false, nil
			}
		}
	case "TIMESTAMP":
		if s, ok := v.(string); ok {
			if t, ok := parseTimestamp(s); ok {
				return t, nil
			}
		} else if s, ok := asText(v); ok {
			// Numbers are seconds since the epoch.
			if fv, err := strconv.ParseFloat(s, 64); err == nil {
				return time.UnixMicro(int64(math.Round(fv * 1e6))).UTC(), nil
			}
		}
	case "DATETIME":
		if s, ok := v.(string); ok {
			if t, ok := parseDateTime(s); ok {
				return t, nil
			}
		}
	case "DATE":
		if s, ok := v.(string); ok {
			if t, err := time.Parse("2006-01-02", strings.TrimSpace(s)); err == nil {
				return t, nil
			}
		}
	case "TIME":
		if s, ok := v.(string); ok {
			if t, ok := parseTime(s); ok {
				return t, nil
			}
		}
	case "BYTES":
		if s, ok := v.(string); ok {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b, nil
			}
			if b, err := base64.URLEncoding.DecodeString(s); err == nil {
				return b, nil
			}
		}
	case "JSON":
		// json.RawMessage: the DuckDB appender json.Marshals the value of a JSON column, which would
		// store a string as a JSON string ("{\"a\":1}"); the raw text is stored as written (compacted,
		// with < > & escaped as \u003c etc.)
		if s, ok := v.(string); ok {
			if !json.Valid([]byte(s)) {
				return nil, &fieldError{loc, fmt.Sprintf("Invalid JSON value %s (field %s).", strconv.Quote(s), loc)}
			}
			return json.RawMessage(s), nil
		}
		b, err := json.Marshal(v)
		if err == nil {
			return json.RawMessage(b), nil
		}
	case "INTERVAL":
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return nil, badValue(loc, f.Type, v)
}

func roundRat(r *big.Rat) *big.Int {
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// Round half away from zero.
	m2 := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	if m2.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

var tsLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTimestamp accepts the canonical and common TIMESTAMP literal forms;
// values without a zone are UTC, a trailing " UTC" is accepted.
func parseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, " UTC")
	s = strings.TrimSuffix(s, " +00:00")
	for _, l := range tsLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

func parseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Truncate(time.Microsecond), true
		}
	}
	return time.Time{}, false
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.Parse(l, s); err == nil {
			return time.Date(1, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000*1000, time.UTC), true
		}
	}
	return time.Time{}, false
}
