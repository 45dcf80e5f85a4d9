package ingest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A hand-rolled JSON reader for records. encoding/json cannot report
// duplicate keys or bound nesting, and decoding through it into map[string]any
// was the slowest step of ingest (see BENCHMARKS.md "## Ingest"). This reader
// validates the grammar, rejects duplicate keys at every level and nesting
// deeper than a limit, and returns the top-level members in order with the
// raw bytes of each value, so undeclared fields reach _extra unchanged.
//
// Values: string, json.Number, bool, nil, map[string]any, []any.

// member is one top-level key and its value.
type member struct {
	key string
	val any    // the value when kind is 0 (objects, arrays, CSV fields)
	raw []byte // the value's original bytes
	// Top-level scalars are kept unboxed: kind 's' string and 'n' number
	// (in str), 't' true, 'f' false, 'z' null.
	kind byte
	str  string
}

// value returns the member's value as any.
func (m *member) value() any {
	switch m.kind {
	case 's':
		return m.str
	case 'n':
		return json.Number(m.str)
	case 't':
		return true
	case 'f':
		return false
	case 'z':
		return nil
	}
	return m.val
}

type jsonError struct {
	reason RejectReason
	detail string
}

type scanner struct {
	b        []byte
	src      string // b as a string: unescaped strings are substrings of it
	i        int
	depth    int
	maxDepth int
	err      *jsonError
}

// dupMapAt: objects with more members than this check duplicate keys
// with a map.
const dupMapAt = 32

// parseObject reads one JSON object and nothing else (surrounding
// whitespace allowed). members is reused when it has capacity.
func parseObject(b []byte, maxDepth int, members []member) ([]member, *recordError) {
	return parseObjectStr(b, string(b), maxDepth, members)
}

// parseObjectStr is parseObject with b already copied to a string: the
// strings returned are substrings of src.
func parseObjectStr(b []byte, src string, maxDepth int, members []member) ([]member, *recordError) {
	s := scanner{b: b, maxDepth: maxDepth, src: src}
	s.ws()
	if s.i >= len(b) {
		return nil, &recordError{ReasonInvalidJSON, "no JSON value"}
	}
	if b[s.i] != '{' {
		v, ok := s.value()
		if !ok {
			return nil, s.recErr()
		}
		if s.ws(); s.i != len(b) {
			// "00", "1 2": not one JSON value at all (fuzzing found it).
			return nil, &recordError{ReasonInvalidJSON, fmt.Sprintf("trailing data after the JSON %s at offset %d", jsonKind(v), s.i)}
		}
		return nil, &recordError{ReasonNotAnObject, fmt.Sprintf("want a JSON object, got %s", jsonKind(v))}
	}
	s.i++
	s.depth = 1
	members = members[:0]
	var seen map[string]struct{}
	var keyBits uint64
	s.ws()
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
	} else {
		for {
			s.ws()
			key, ok := s.str()
			if !ok {
				return nil, s.recErr()
			}
			if len(members) < dupMapAt {
				// A 64-bit filter of (length, first, last byte) skips the
				// scan for keys that cannot have been seen.
				h := uint(len(key))
				if len(key) > 0 {
					h = h*31 + uint(key[0])*7 + uint(key[len(key)-1])
				}
				if bit := uint64(1) << (h & 63); keyBits&bit == 0 {
					keyBits |= bit
				} else {
					for j := range members {
						if k := members[j].key; len(k) == len(key) && k == key {
							return nil, &recordError{ReasonDuplicateKey, fmt.Sprintf("key %q appears more than once", key)}
						}
					}
				}
			} else {
				// Wide objects: a set, not a quadratic scan.
				if seen == nil {
					seen = make(map[string]struct{}, 2*dupMapAt)
					for j := range members {
						seen[members[j].key] = struct{}{}
					}
				}
				if _, dup := seen[key]; dup {
					return nil, &recordError{ReasonDuplicateKey, fmt.Sprintf("key %q appears more than once", key)}
				}
				seen[key] = struct{}{}
			}
			s.ws()
			if !s.expect(':') {
				return nil, s.recErr()
			}
			s.ws()
			start := s.i
			// Filled in place: copying a member into the slice would cost a
			// bulk write barrier while the GC runs.
			if len(members) < cap(members) {
				members = members[:len(members)+1]
			} else {
				members = append(members, member{})
			}
			m := &members[len(members)-1]
			m.key, m.kind = key, 0
			if m.val != nil {
				m.val = nil
			}
			if m.str != "" {
				m.str = ""
			}
			if !s.scalar(m) {
				if s.err != nil {
					// A broken string or number: scalar has read into it,
					// so value() must not start again from there (fuzzing
					// found `{"a":"\0""}` and `{"a":-"b"}` accepted).
					return nil, s.recErr()
				}
				v, ok := s.value()
				if !ok {
					return nil, s.recErr()
				}
				m.val = v
			}
			m.raw = b[start:s.i]
			s.ws()
			if s.i < len(b) && b[s.i] == ',' {
				s.i++
				continue
			}
			if !s.expect('}') {
				return nil, s.recErr()
			}
			break
		}
	}
	s.ws()
	if s.i != len(b) {
		return nil, &recordError{ReasonInvalidJSON, fmt.Sprintf("trailing data after the JSON object at offset %d", s.i)}
	}
	return members, nil
}

// scalar reads a top-level scalar into m without boxing it; false when
// the value is an object or array or a broken literal (s.err nil: value()
// reports it), or a broken string or number (s.err set).
func (s *scanner) scalar(m *member) bool {
	if s.i >= len(s.b) {
		// A record that ends after a colon: value() reports it.
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		st, ok := s.str()
		if ok {
			m.kind, m.str = 's', st
		}
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.i
		if !s.skipNumber() {
			return false
		}
		if s.src != "" {
			m.kind, m.str = 'n', s.src[start:s.i]
		} else {
			m.kind, m.str = 'n', string(s.b[start:s.i])
		}
		return true
	case c == 't' && s.lit("true"):
		m.kind = 't'
		return true
	case c == 'f' && s.lit("false"):
		m.kind = 'f'
		return true
	case c == 'n' && s.lit("null"):
		m.kind = 'z'
		return true
	}
	s.err = nil
	return false
}

func (s *scanner) recErr() *recordError {
	if s.err == nil {
		s.fail("unexpected end of input")
	}
	return &recordError{s.err.reason, s.err.detail}
}

func (s *scanner) fail(format string, a ...any) bool {
	if s.err == nil {
		s.err = &jsonError{ReasonInvalidJSON, fmt.Sprintf("offset %d: ", s.i) + fmt.Sprintf(format, a...)}
	}
	return false
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) expect(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	if s.i >= len(s.b) {
		return s.fail("unexpected end of input, want %q", c)
	}
	return s.fail("want %q, got %q", c, s.b[s.i])
}

func (s *scanner) value() (any, bool) {
	if s.i >= len(s.b) {
		return nil, s.fail("unexpected end of input")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == 't':
		return true, s.lit("true")
	case c == 'f':
		return false, s.lit("false")
	case c == 'n':
		return nil, s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return nil, s.fail("unexpected %q", c)
	}
}

func (s *scanner) lit(w string) bool {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return s.fail("invalid literal")
}

func (s *scanner) enter() bool {
	s.depth++
	if s.depth > s.maxDepth {
		s.err = &jsonError{ReasonTooDeep, fmt.Sprintf("nesting deeper than %d levels", s.maxDepth)}
		return false
	}
	return true
}

func (s *scanner) object() (any, bool) {
	if !s.enter() {
		return nil, false
	}
	s.i++
	m := map[string]any{}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return m, true
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return nil, false
		}
		if _, dup := m[key]; dup {
			s.err = &jsonError{ReasonDuplicateKey, fmt.Sprintf("key %q appears more than once", key)}
			return nil, false
		}
		s.ws()
		if !s.expect(':') {
			return nil, false
		}
		s.ws()
		v, ok := s.value()
		if !ok {
			return nil, false
		}
		m[key] = v
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
			continue
		}
		if !s.expect('}') {
			return nil, false
		}
		s.depth--
		return m, true
	}
}

func (s *scanner) array() (any, bool) {
	if !s.enter() {
		return nil, false
	}
	s.i++
	a := []any{}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return a, true
	}
	for {
		s.ws()
		v, ok := s.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
			continue
		}
		if !s.expect(']') {
			return nil, false
		}
		s.depth--
		return a, true
	}
}

func (s *scanner) number() (any, bool) {
	start := s.i
	if !s.skipNumber() {
		return nil, false
	}
	return json.Number(s.b[start:s.i]), true
}

// skipNumber reads a number without converting it.
func (s *scanner) skipNumber() bool {
	b := s.b
	if b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(b) && b[s.i] >= '0' && b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(b) && b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return s.fail("invalid number")
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.fail("invalid number")
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.fail("invalid number")
		}
	}
	return true
}

// strPlain: bytes that a string holds as they are (not '"', '\\' or a
// control character).
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string; the caller has skipped whitespace. UTF-8 validity is
// checked once for the whole record before parsing.
func (s *scanner) str() (string, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		if s.i >= len(s.b) {
			return "", s.fail("unexpected end of input, want a string")
		}
		return "", s.fail("want a string, got %q", s.b[s.i])
	}
	s.i++
	start := s.i
	b := s.b
	// Eight bytes at a time while none is '"', '\\' or a control character.
	for s.i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[s.i:])
		const ones, highs = 0x0101010101010101, 0x8080808080808080
		q, bs := x^(ones*'"'), x^(ones*'\\')
		if ((x-ones*0x20)|(q-ones)|(bs-ones))&^x&highs != 0 {
			break
		}
		s.i += 8
	}
	for s.i < len(b) && strPlain[b[s.i]] {
		s.i++
	}
	for s.i < len(b) {
		c := b[s.i]
		if c == '"' {
			var str string
			if s.src != "" {
				str = s.src[start:s.i]
			} else {
				str = string(b[start:s.i])
			}
			s.i++
			return str, true
		}
		if c == '\\' {
			return s.strSlow(start)
		}
		if c < 0x20 {
			return "", s.fail("control character in string")
		}
		s.i++
	}
	return "", s.fail("unterminated string")
}

func (s *scanner) strSlow(start int) (string, bool) {
	b := s.b
	out := make([]byte, 0, s.i-start+16)
	out = append(out, b[start:s.i]...)
	for s.i < len(b) {
		c := b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), true
		case c < 0x20:
			return "", s.fail("control character in string")
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		s.i++
		if s.i >= len(b) {
			break
		}
		e := b[s.i]
		s.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if s.i+1 < len(b) && b[s.i] == '\\' && b[s.i+1] == 'u' {
					at := s.i
					s.i += 2
					lo, ok := s.hex4()
					if !ok {
						return "", false
					}
					if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
						r2 = pair
					} else {
						// Not a high half then a low half: the second
						// escape is a character of its own (fuzzing found
						// "\ud800\u0000" and "\udc00\udc00" losing it).
						s.i = at
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", s.fail("invalid escape \\%c", e)
		}
	}
	return "", s.fail("unterminated string")
}

func (s *scanner) hex4() (rune, bool) {
	if len(s.b)-s.i < 4 {
		return 0, s.fail("short \\u escape")
	}
	n, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, s.fail("invalid \\u escape")
	}
	s.i += 4
	return rune(n), true
}
