package bigquery

import (
	"hash/maphash"
	"strconv"
	"unicode/utf8"

	bq "google.golang.org/api/bigquery/v2"
)

// The insertAll hot path: the request body is parsed straight into one
// slot per schema column (no map per row), and insertIds are kept only as
// 128-bit hashes. Anything unusual — a json key that is not exactly a
// column name (case differences, unknown fields), escaped keys, duplicate
// "rows" or "json" members, odd value kinds — makes parseInsertAllFast
// give up, and the request is decoded the general way (decodeInsertAll,
// decodeRow), so errors and edge cases are unchanged.

// idKey is an insertId's hash: two independent 64-bit maphashes, so two
// distinct ids collide with probability about 2^-128.
type idKey [2]uint64

var idSeed1, idSeed2 = maphash.MakeSeed(), maphash.MakeSeed()

func hashID(id string) idKey {
	return idKey{maphash.String(idSeed1, id), maphash.String(idSeed2, id)}
}

func hashIDBytes(id []byte) idKey {
	return idKey{maphash.Bytes(idSeed1, id), maphash.Bytes(idSeed2, id)}
}

// insertRow is one row of an insertAll request: either vals (raw JSON
// values in schema order, from the fast parser) or m (general path).
type insertRow struct {
	id    idKey
	hasID bool
	vals  []any
	m     map[string]any
	// done marks the vals already converted to appender values (typed
	// fast path); the others are raw JSON values for decodeValue.
	done uint64
}

type insertAllParsed struct {
	rows                []insertRow
	skipInvalidRows     bool
	ignoreUnknownValues bool
	templateSuffix      string
}

// rawKey reads an object key without escapes and returns its bytes.
func (p *jsonParser) rawKey() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		c := p.b[j]
		if c == '"' {
			p.i = j + 1
			return p.b[start:j], true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return nil, false
		}
	}
	return nil, false
}

// colon skips whitespace, a ':' and whitespace.
func (p *jsonParser) colon() bool {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		return false
	}
	p.i++
	p.ws()
	return true
}

// next skips whitespace and reports whether another member follows (','),
// or the container closed with end.
func (p *jsonParser) next(end byte) (more, ok bool) {
	p.ws()
	if p.i >= len(p.b) {
		return false, false
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		p.ws()
		return true, true
	case end:
		p.i++
		return false, true
	}
	return false, false
}

// open consumes c and reports whether the container is empty.
func (p *jsonParser) open(c, end byte) (empty, ok bool) {
	if p.i >= len(p.b) || p.b[p.i] != c {
		return false, false
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == end {
		p.i++
		return true, true
	}
	return false, true
}

func (p *jsonParser) null() bool {
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// parseInsertAllFast parses an insertAll body for a table with fields, or
// reports false (decode it the general way).
func parseInsertAllFast(b []byte, fields []*bq.TableFieldSchema) (*insertAllParsed, bool) {
	p := &jsonParser{b: b, keys: map[string]string{}}
	req := &insertAllParsed{}
	p.ws()
	empty, ok := p.open('{', '}')
	if !ok {
		return nil, false
	}
	seenRows := false
	for more := !empty; more; {
		k, ok := p.rawKey()
		if !ok || !p.colon() {
			return nil, false
		}
		switch string(k) {
		case "rows":
			if seenRows {
				return nil, false
			}
			seenRows = true
			if p.null() {
				break
			}
			if !p.rows(req, fields) {
				return nil, false
			}
		case "skipInvalidRows", "ignoreUnknownValues":
			v, err := p.value()
			if err != nil {
				return nil, false
			}
			if v == nil {
				break
			}
			bv, ok := v.(bool)
			if !ok {
				return nil, false
			}
			if string(k) == "skipInvalidRows" {
				req.skipInvalidRows = bv
			} else {
				req.ignoreUnknownValues = bv
			}
		case "templateSuffix":
			v, err := p.value()
			if err != nil {
				return nil, false
			}
			if v == nil {
				break
			}
			sv, ok := v.(string)
			if !ok {
				return nil, false
			}
			req.templateSuffix = sv
		default:
			if !isCanonicalKey(string(k), "rows", "skipInvalidRows", "ignoreUnknownValues", "templateSuffix") {
				return nil, false
			}
			if _, err := p.value(); err != nil {
				return nil, false
			}
		}
		if more, ok = p.next('}'); !ok {
			return nil, false
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, false
	}
	return req, true
}

// rows parses the rows array.
func (p *jsonParser) rows(req *insertAllParsed, fields []*bq.TableFieldSchema) bool {
	empty, ok := p.open('[', ']')
	if !ok {
		return false
	}
	if empty {
		req.rows = []insertRow{}
		return true
	}
	kinds := insertKinds(fields)
	// Estimate the row count to size the slot slab.
	est := 16
	var slab []any
	for more := true; more; {
		if len(slab) < len(fields) {
			slab = make([]any, est*len(fields))
			if est < 1024 {
				est *= 2
			}
		}
		var rw insertRow
		empty, ok := p.open('{', '}')
		if !ok {
			return false
		}
		seenJSON := false
		for m := !empty; m; {
			k, ok := p.rawKey()
			if !ok || !p.colon() {
				return false
			}
			switch string(k) {
			case "insertId":
				if p.null() {
					rw.hasID = false
					break
				}
				if p.i >= len(p.b) || p.b[p.i] != '"' {
					return false
				}
				raw, ok := p.rawKey()
				if !ok {
					// Escapes or non-ASCII: decode the string properly.
					s, err := p.str(false)
					if err != nil {
						return false
					}
					rw.id, rw.hasID = hashID(s), s != ""
					break
				}
				rw.id, rw.hasID = hashIDBytes(raw), len(raw) > 0
			case "json":
				if seenJSON {
					return false
				}
				seenJSON = true
				if p.null() {
					break
				}
				rw.vals = slab[:len(fields):len(fields)]
				slab = slab[len(fields):]
				if !p.rowObject(&rw, fields, kinds) {
					return false
				}
			default:
				if !isCanonicalKey(string(k), "insertId", "json") {
					return false
				}
				if _, err := p.value(); err != nil {
					return false
				}
			}
			if m, ok = p.next('}'); !ok {
				return false
			}
		}
		if rw.vals == nil {
			rw.vals = make([]any, len(fields))
		}
		req.rows = append(req.rows, rw)
		if more, ok = p.next(']'); !ok {
			return false
		}
	}
	return true
}

// rowObject parses a row's json object into rw.vals (schema order).
func (p *jsonParser) rowObject(rw *insertRow, fields []*bq.TableFieldSchema, kinds []uint8) bool {
	empty, ok := p.open('{', '}')
	if !ok {
		return false
	}
	vals := rw.vals
	for more := !empty; more; {
		k, ok := p.rawKey()
		if !ok || !p.colon() {
			return false
		}
		idx := -1
		for i, f := range fields {
			if f.Name == string(k) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return false
		}
		if kinds != nil {
			if v, ok := p.scalarFast(kinds[idx]); ok {
				vals[idx] = v
				rw.done |= 1 << idx
				if more, ok = p.next('}'); !ok {
					return false
				}
				continue
			}
			rw.done &^= 1 << idx
		}
		v, err := p.value()
		if err != nil {
			return false
		}
		vals[idx] = v
		if more, ok = p.next('}'); !ok {
			return false
		}
	}
	return true
}

// Column kinds with a typed fast path in scalarFast.
const (
	fastOther uint8 = iota
	fastString
	fastInteger
	fastFloat
	fastBool
	fastTimestamp
)

// insertKinds classifies the columns for scalarFast, or returns nil when the
// table has more columns than insertRow.done can mark.
func insertKinds(fields []*bq.TableFieldSchema) []uint8 {
	if len(fields) > 64 {
		return nil
	}
	kinds := make([]uint8, len(fields))
	for i, f := range fields {
		if f.Mode == "REPEATED" {
			continue
		}
		switch f.Type {
		case "STRING", "GEOGRAPHY":
			kinds[i] = fastString
		case "INTEGER":
			kinds[i] = fastInteger
		case "FLOAT":
			kinds[i] = fastFloat
		case "BOOLEAN":
			kinds[i] = fastBool
		case "TIMESTAMP":
			kinds[i] = fastTimestamp
		}
	}
	return kinds
}

// plainString returns the contents of a string token without escapes or
// control characters, leaving p.i after it.
func (p *jsonParser) plainString() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.b); j++ {
		c := p.b[j]
		switch {
		case c == '"':
			raw := p.b[start:j]
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			p.i = j + 1
			return raw, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// numberToken returns a number token, leaving p.i after it.
func (p *jsonParser) numberToken() ([]byte, bool) {
	start, j := p.i, p.i
	for j < len(p.b) {
		d := p.b[j]
		if d >= '0' && d <= '9' || d == '.' || d == 'e' || d == 'E' || d == '+' || d == '-' {
			j++
			continue
		}
		break
	}
	if j == start {
		return nil, false
	}
	p.i = j
	return p.b[start:j], true
}

// smallInt parses -?[0-9]{1,18}; leadingZero allows "007" (a string, which
// strconv.ParseInt accepts) or not (a JSON number).
func smallInt(b []byte, leadingZero bool) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 || !leadingZero && len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// scalarFast converts the next value for a column of kind to the
// appender value decodeScalar would produce, when it is of the common,
// valid shape; otherwise it reports false and leaves p.i unchanged (the
// value then goes through p.value and decodeValue, errors included).
func (p *jsonParser) scalarFast(kind uint8) (any, bool) {
	if kind == fastOther || p.i >= len(p.b) {
		return nil, false
	}
	save := p.i
	c := p.b[p.i]
	switch kind {
	case fastString:
		if raw, ok := p.plainString(); ok {
			return string(raw), true
		}
	case fastInteger:
		if c == '"' {
			if raw, ok := p.plainString(); ok {
				if n, ok := smallInt(raw, true); ok {
					return n, true
				}
			}
		} else if raw, ok := p.numberToken(); ok {
			if n, ok := smallInt(raw, false); ok {
				return n, true
			}
		}
	case fastFloat:
		if c == '-' || c >= '0' && c <= '9' {
			if raw, ok := p.numberToken(); ok {
				s := string(raw)
				if validNumber(s) {
					if f, err := strconv.ParseFloat(s, 64); err == nil {
						return f, true
					}
				}
			}
		}
	case fastBool:
		if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "true" {
			p.i += 4
			return true, true
		}
		if len(p.b)-p.i >= 5 && string(p.b[p.i:p.i+5]) == "false" {
			p.i += 5
			return false, true
		}
	case fastTimestamp:
		if raw, ok := p.plainString(); ok {
			if t, ok := parseTimestamp(string(raw)); ok {
				return t, true
			}
		}
	}
	p.i = save
	return nil, false
}
