package bigquery

import (
	"hash/maphash"

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
				if !p.rowObject(rw.vals, fields) {
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

// rowObject parses a row's json object into vals (schema order).
func (p *jsonParser) rowObject(vals []any, fields []*bq.TableFieldSchema) bool {
	empty, ok := p.open('{', '}')
	if !ok {
		return false
	}
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
