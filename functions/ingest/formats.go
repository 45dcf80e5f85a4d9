package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
)

// Source formats (config `format`).
const (
	FormatJSON     = "json"     // one object, an array of objects, or JSON Lines
	FormatJSONL    = "jsonl"    // JSON Lines
	FormatCSV      = "csv"      // CSV with a header row
	FormatDebezium = "debezium" // Debezium change events (Debezium Server's Pub/Sub envelope)
)

// Changelog columns of a debezium source.
const (
	colOp     = bq.ColOp     // c, u, d, r or t
	colTS     = bq.ColTS     // source.ts_ms: when the change happened in the database
	colBefore = bq.ColBefore // the before image, as JSON
	colPos    = bq.ColPos    // the source position, as text that sorts in change order
	colKey    = bq.ColKey    // the primary key, as a JSON object
)

var metaCols = map[string]bool{colEventID: true, colSource: true, colEventTime: true, colIngestedAt: true,
	colOrigin: true, colExtra: true, colOp: true, colTS: true, colBefore: true, colPos: true, colKey: true}

func sortStrings(s []string) { slices.Sort(s) }

// isTombstone reports whether a debezium message body is a tombstone: the
// empty or JSON null value Debezium sends after a delete so that Kafka's
// log compaction can drop the key. It carries no change (the delete event
// before it does), so ingest acknowledges it without landing anything.
func isTombstone(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) == 0 || string(b) == "null"
}

// debeziumImage takes a change event apart: the row image (after, or
// before for deletes; none for truncates) as members, and the changelog
// columns. cdc, when set, names the primary key that _key is built from.
func debeziumImage(ms []member, maxDepth int, cdc *config.CDC) ([]member, map[string]bigquery.Value, *recordError) {
	get := func(ms []member, k string) *member {
		for i := range ms {
			if ms[i].key == k {
				return &ms[i]
			}
		}
		return nil
	}
	var keyMember *member // the event's Debezium key, when it carries one
	if k := get(ms, "key"); k != nil && get(ms, "op") == nil {
		c := *k
		keyMember = &c
	}
	// Debezium with schemas enabled wraps the event in {"schema":…, "payload":…}.
	if p := get(ms, "payload"); p != nil && get(ms, "op") == nil {
		if _, ok := p.value().(map[string]any); !ok {
			return nil, nil, &recordError{ReasonInvalidCDC, "payload is not an object"}
		}
		inner, rerr := parseObject(p.raw, maxDepth, nil)
		if rerr != nil {
			return nil, nil, rerr
		}
		ms = inner
	} else if v := get(ms, "value"); v != nil && keyMember != nil {
		// {"key":…, "value":…}: both halves of the Kafka record.
		if _, ok := v.value().(map[string]any); !ok {
			return nil, nil, &recordError{ReasonInvalidCDC, "value is not an object"}
		}
		inner, rerr := parseObject(v.raw, maxDepth, nil)
		if rerr != nil {
			return nil, nil, rerr
		}
		if p := get(inner, "payload"); p != nil && get(inner, "op") == nil {
			if inner, rerr = parseObject(p.raw, maxDepth, nil); rerr != nil {
				return nil, nil, rerr
			}
		}
		ms = inner
	}
	opm := get(ms, "op")
	op, _ := func() (string, bool) {
		if opm == nil {
			return "", false
		}
		s, ok := opm.value().(string)
		return s, ok
	}()
	switch op {
	case "c", "u", "d", "r", "t":
	default:
		return nil, nil, &recordError{ReasonInvalidCDC, fmt.Sprintf("op must be one of c, u, d, r, t; got %q", op)}
	}
	cols := map[string]bigquery.Value{colOp: op}
	var source map[string]any
	if s := get(ms, "source"); s != nil {
		source, _ = s.value().(map[string]any)
	}
	var tsMS any
	if source != nil {
		tsMS = source["ts_ms"]
	}
	if tsMS == nil {
		if t := get(ms, "ts_ms"); t != nil {
			tsMS = t.value()
		}
	}
	var ts int64
	if n, ok := tsMS.(json.Number); ok {
		if ms, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			cols[colTS] = time.UnixMilli(ms).UTC()
			ts = ms
		}
	}
	if cols[colTS] == nil {
		return nil, nil, &recordError{ReasonInvalidCDC, "source.ts_ms is missing or not an integer"}
	}
	pos, rerr := sourcePosition(source, ts)
	if rerr != nil {
		return nil, nil, rerr
	}
	cols[colPos] = pos
	if op == "t" {
		// A truncate has no row image: every column but the changelog's is NULL.
		return nil, cols, nil
	}
	imgKey := "after"
	if op == "d" {
		imgKey = "before"
	}
	img := get(ms, imgKey)
	if img == nil || img.value() == nil {
		return nil, nil, &recordError{ReasonInvalidCDC, fmt.Sprintf("op %q without a %s image", op, imgKey)}
	}
	imgObj, ok := img.value().(map[string]any)
	if !ok {
		return nil, nil, &recordError{ReasonInvalidCDC, imgKey + " is not an object"}
	}
	image, rerr := parseObject(img.raw, maxDepth, nil)
	if rerr != nil {
		return nil, nil, rerr
	}
	if b := get(ms, "before"); b != nil && b.value() != nil {
		cols[colBefore] = string(b.raw)
	}
	if cdc != nil {
		key, rerr := changeKey(cdc, imgKey, imgObj, keyMember)
		if rerr != nil {
			return nil, nil, rerr
		}
		if key != "" {
			cols[colKey] = key
		}
	}
	return image, cols, nil
}

// sourcePosition is _pos: where the change sits in the source database's
// log, as text that sorts in change order. PostgreSQL: source.lsn;
// MySQL: source.file's sequence number, source.pos and source.row;
// otherwise source.ts_ms. Numbers are zero-padded to 20 digits so text
// order is numeric order. One source uses one form; changes at the same
// position are ordered by the tie-break of the current-state MERGE (see
// functions/transform/cdc.go).
func sourcePosition(source map[string]any, tsMS int64) (string, *recordError) {
	num := func(k string) (uint64, bool, *recordError) {
		v, ok := source[k]
		if !ok || v == nil {
			return 0, false, nil
		}
		n, isNum := v.(json.Number)
		u, err := strconv.ParseUint(string(n), 10, 64)
		if !isNum || err != nil {
			return 0, false, &recordError{ReasonInvalidCDC, fmt.Sprintf("source.%s must be a non-negative integer; got %s", k, describe(v))}
		}
		return u, true, nil
	}
	if lsn, ok, rerr := num("lsn"); rerr != nil || ok {
		return fmt.Sprintf("%020d", lsn), rerr
	}
	if pos, ok, rerr := num("pos"); rerr != nil || ok {
		if rerr != nil {
			return "", rerr
		}
		var fileSeq uint64
		if f, _ := source["file"].(string); f != "" {
			// mysql-bin.000003: the binlog file's sequence number.
			if i := bytes.LastIndexByte([]byte(f), '.'); i >= 0 {
				fileSeq, _ = strconv.ParseUint(f[i+1:], 10, 64)
			}
		}
		row, _, rerr := num("row")
		if rerr != nil {
			return "", rerr
		}
		return fmt.Sprintf("%020d:%020d:%020d", fileSeq, pos, row), nil
	}
	if tsMS < 0 {
		return "", &recordError{ReasonInvalidCDC, "ts_ms is negative"}
	}
	return fmt.Sprintf("%020d", tsMS), nil
}

// changeKey is _key: the primary key of the changed row as a JSON object
// with sorted members. The key columns come from cdc.primary_key (read
// from the row image), else from the event's Debezium key. "" means the
// event carries no key: the Pub/Sub ordering key may still supply one.
func changeKey(cdc *config.CDC, imgKey string, img map[string]any, key *member) (string, *recordError) {
	k := map[string]any{}
	if len(cdc.PrimaryKey) > 0 {
		for _, c := range cdc.PrimaryKey {
			v, ok := img[c]
			if !ok || v == nil {
				return "", &recordError{ReasonInvalidCDC, fmt.Sprintf("primary key column %s is missing or null in the %s image; every change needs its key (cdc.primary_key)", c, imgKey)}
			}
			k[c] = v
		}
	} else if key != nil {
		obj, rerr := keyObject(key.raw)
		if rerr != nil {
			return "", rerr
		}
		k = obj
	} else {
		return "", nil
	}
	b, err := json.Marshal(k)
	if err != nil {
		return "", &recordError{ReasonInvalidCDC, "primary key: " + err.Error()}
	}
	return string(b), nil
}

// cdcOrderingKey fills _key of a change that carried no key from the
// Pub/Sub ordering key; a change (other than a truncate) with no key at all
// is rejected.
func cdcOrderingKey(t *table, rec *typed, orderingKey string) *recordError {
	snap := t.snap.Load()
	ki, ok := snap.colIndexIn(rec.schema, colKey)
	if !ok || rec.row[ki] != nil {
		return nil
	}
	if oi, ok := snap.colIndexIn(rec.schema, colOp); ok && rec.row[oi] == "t" {
		return nil
	}
	if orderingKey == "" {
		return &recordError{ReasonInvalidCDC, "the change has no primary key: declare cdc.primary_key, or publish with the Debezium key (Debezium Server sets it as the ordering key)"}
	}
	obj, rerr := keyObject([]byte(orderingKey))
	if rerr != nil {
		return rerr
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return &recordError{ReasonInvalidCDC, "primary key: " + err.Error()}
	}
	rec.row[ki] = string(b)
	return nil
}

// keyObject reads a Debezium key: {"id":1} or, with schemas,
// {"schema":…, "payload":{"id":1}}.
func keyObject(raw []byte) (map[string]any, *recordError) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil || obj == nil {
		return nil, &recordError{ReasonInvalidCDC, "the Debezium key is not a JSON object; declare cdc.primary_key instead"}
	}
	if p, ok := obj["payload"].(map[string]any); ok && obj["schema"] != nil {
		obj = p
	}
	if len(obj) == 0 {
		return nil, &recordError{ReasonInvalidCDC, "the Debezium key has no columns; declare cdc.primary_key instead"}
	}
	return obj, nil
}

// csvReader yields the rows of a CSV stream with a header row as members.
type csvReader struct {
	r      *csv.Reader
	header []string
	line   int
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	h, err := cr.Read()
	if err != nil {
		return nil, err
	}
	if len(h) > 0 {
		h[0] = string(bytes.TrimPrefix([]byte(h[0]), []byte("\xef\xbb\xbf")))
	}
	seen := map[string]bool{}
	for _, k := range h {
		if seen[k] {
			return nil, fmt.Errorf("header names column %q twice", k)
		}
		seen[k] = true
	}
	cr.FieldsPerRecord = len(h)
	return &csvReader{r: cr, header: h}, nil
}

// next returns the next row's members and original bytes; a row that
// cannot land comes back as a recordError and reading goes on.
func (c *csvReader) next(ms []member) ([]member, []byte, int, *recordError, error) {
	before := c.r.InputOffset()
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, nil, 0, nil, io.EOF
	}
	line := 0
	if len(rec) > 0 {
		// FieldPos panics when the read returned no fields (a parse error
		// on a row's first field): fuzzing found it.
		line, _ = c.r.FieldPos(0)
	}
	raw := encodeCSV(rec)
	if errors.Is(err, csv.ErrFieldCount) {
		return nil, raw, line, &recordError{ReasonRaggedCSV, fmt.Sprintf("line %d has %d fields; the header has %d", line, len(rec), len(c.header))}, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if c.r.InputOffset() == before {
			return nil, nil, 0, nil, io.EOF
		}
		return nil, raw, pe.StartLine, &recordError{ReasonInvalidCSV, pe.Error()}, nil
	}
	if err != nil {
		return nil, nil, 0, nil, err
	}
	ms = ms[:0]
	for i, v := range rec {
		var val any
		if v != "" {
			val = v
		}
		ms = append(ms, member{key: c.header[i], val: val})
	}
	return ms, raw, line, nil, nil
}

func encodeCSV(rec []string) []byte {
	if rec == nil {
		return nil
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(rec)
	w.Flush()
	return bytes.TrimRight(b.Bytes(), "\n")
}

// arrayReader yields the elements of a JSON array read from a stream, each
// at most max bytes, without holding the array.
type arrayReader struct {
	br    *bufio.Reader
	max   int
	begun bool
	done  bool
}

var errNotArray = errors.New("not a JSON array")

// arrayCut: the stream ended (cleanly) inside the array; a read error of
// the stream itself (a truncated gzip stream) is returned as it is.
func arrayCut(err error) error {
	if err == io.EOF {
		return errors.New("JSON array: the data ends before the array's closing ]")
	}
	return fmt.Errorf("JSON array: %w", err)
}

// next returns the next element's bytes; errLineTooLong when it is longer
// than max (it is skipped); io.EOF after the last.
func (a *arrayReader) next() ([]byte, error) {
	if a.done {
		return nil, io.EOF
	}
	skipWS := func() (byte, error) {
		for {
			c, err := a.br.ReadByte()
			if err != nil {
				return 0, err
			}
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return c, nil
			}
		}
	}
	if !a.begun {
		c, err := skipWS()
		if err != nil && err != io.EOF {
			return nil, arrayCut(err)
		}
		if err != nil || c != '[' {
			return nil, errNotArray
		}
		a.begun = true
		c, err = skipWS()
		if err != nil {
			return nil, arrayCut(err)
		}
		if c == ']' {
			a.done = true
			return nil, io.EOF
		}
		a.br.UnreadByte()
	}
	c, err := skipWS()
	if err != nil {
		return nil, arrayCut(err)
	}
	var buf []byte
	depth, inStr, esc := 0, false, false
	for {
		if len(buf) < keepLong {
			buf = append(buf, c)
		}
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
		c, err = a.br.ReadByte()
		if err != nil {
			return nil, arrayCut(err)
		}
		if depth == 0 && !inStr {
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				if c, err = skipWS(); err != nil {
					return nil, arrayCut(err)
				}
				if c != ',' && c != ']' {
					// `[{} ""]`: two values with no comma (fuzzing found
					// them glued into one record without their space).
					return nil, fmt.Errorf("JSON array: want ',' or ']' after element %q, got %q", buf[:min(len(buf), 40)], c)
				}
			}
			if c == ',' || c == ']' {
				if c == ']' {
					a.done = true
				}
				if len(buf) > a.max {
					return buf, errLineTooLong
				}
				return buf, nil
			}
		}
	}
}

var errLineTooLong = errors.New("line too long")

// keepLong: a record over the limits is still kept, in its reject (and in
// full in the archive bucket), up to this many bytes; beyond, its first
// keepLong bytes.
const keepLong = 64 << 20

// readLine returns the next line without its line ending (possibly in br's
// buffer: valid until the next read); a line over max bytes is consumed and
// reported with errLineTooLong and its first keepLong bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	chunk, err := br.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(chunk) > 0) {
		line := bytes.TrimRight(chunk, "\r\n")
		if len(line) > max {
			return bytes.Clone(line), errLineTooLong
		}
		// The reader's own buffer, valid until the next read: callers copy
		// what they keep.
		return line, nil
	}
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != bufio.ErrBufferFull {
		return nil, err
	}
	buf := bytes.Clone(chunk)
	for {
		chunk, err = br.ReadSlice('\n')
		if len(buf) < keepLong {
			buf = append(buf, chunk[:min(len(chunk), keepLong-len(buf))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		break
	}
	buf = bytes.TrimRight(buf, "\r\n")
	if len(buf) > max {
		return buf, errLineTooLong
	}
	return buf, nil
}

// rowKeys returns `"name":` for each top-level column, encoded once per
// schema.
func (b *batch) rowKeys(schema bigquery.Schema) []string {
	if len(schema) > 0 && len(b.keys) == len(schema) && b.keysFor == schema[0] {
		return b.keys
	}
	b.keys = make([]string, len(schema))
	for i, f := range schema {
		b.keys[i] = string(append(appendJSONString(nil, f.Name), ':'))
	}
	if len(schema) > 0 {
		b.keysFor = schema[0]
	}
	return b.keys
}

// appendRowJSONKeys is appendRowJSON with the keys encoded beforehand.
func appendRowJSONKeys(b []byte, schema bigquery.Schema, keys []string, row []bigquery.Value) []byte {
	b = append(b, '{')
	first := true
	for i, f := range schema {
		if i >= len(row) || row[i] == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, keys[i]...)
		b = appendValueJSON(b, f, row[i])
	}
	return append(b, '}')
}

// appendRowJSON writes a row as one NDJSON object for a load job.
func appendRowJSON(b []byte, schema bigquery.Schema, row []bigquery.Value) []byte {
	b = append(b, '{')
	first := true
	for i, f := range schema {
		if i >= len(row) || row[i] == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		b = appendValueJSON(b, f, row[i])
	}
	return append(b, '}')
}

func appendValueJSON(b []byte, f *bigquery.FieldSchema, v bigquery.Value) []byte {
	if f.Repeated {
		if arr, ok := v.([]bigquery.Value); ok {
			one := *f
			one.Repeated = false
			b = append(b, '[')
			for i, e := range arr {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendValueJSON(b, &one, e)
			}
			return append(b, ']')
		}
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case []bigquery.Value:
		return appendRowJSON(b, f.Schema, x)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return append(appendTimestamp(append(b, '"'), x), '"')
	}
	j, _ := json.Marshal(v)
	return append(b, j...)
}

// appendTimestamp writes t in UTC as 2006-01-02T15:04:05.999999Z (what
// time.Format does with that layout, without parsing the layout each time).
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.999999Z07:00")
	}
	h, mi, s := t.Clock()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	if us := t.Nanosecond() / 1000; us != 0 {
		var frac [7]byte
		frac[0] = '.'
		for i := 6; i >= 1; i-- {
			frac[i] = byte('0' + us%10)
			us /= 10
		}
		n := 7
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}

// appendJSONString quotes s as a JSON string (s is valid UTF-8: records
// are checked before they are typed).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	i := 0
	for i < len(s) && strPlain[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
