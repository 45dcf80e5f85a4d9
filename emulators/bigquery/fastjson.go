package bigquery

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// A small JSON parser for request bodies on the hot path (insertAll). It
// produces what encoding/json with UseNumber produces for an `any`
// (map[string]any, []any, string, json.Number, bool, nil) several times
// faster, and interns object keys. Anything it does not accept is handed
// to encoding/json, so error messages and edge cases stay the standard
// library's.

var errFastJSON = errors.New("fastjson: not handled")

type jsonParser struct {
	b     []byte
	i     int
	keys  map[string]string
	depth int // open containers; see maxJSONDepth
}

// maxJSONDepth bounds nesting as encoding/json does (it refuses deeper
// input): without it a 10 MB body of '[' recursed past Go's stack limit,
// a fatal error that takes the whole emulator down.
const maxJSONDepth = 10000

func parseJSONFast(b []byte) (any, error) {
	p := &jsonParser{b: b, keys: map[string]string{}}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, errFastJSON
	}
	return v, nil
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, error) {
	if p.i >= len(p.b) {
		return nil, errFastJSON
	}
	if c := p.b[p.i]; c == '{' || c == '[' {
		if p.depth++; p.depth > maxJSONDepth {
			return nil, errFastJSON // encoding/json answers it: "exceeded max depth"
		}
		defer func() { p.depth-- }()
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		m := make(map[string]any, 8)
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return m, nil
		}
		for {
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return nil, errFastJSON
			}
			k, err := p.str(true)
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, errFastJSON
			}
			p.i++
			p.ws()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			m[k] = v
			p.ws()
			if p.i >= len(p.b) {
				return nil, errFastJSON
			}
			if p.b[p.i] == ',' {
				p.i++
				continue
			}
			if p.b[p.i] == '}' {
				p.i++
				return m, nil
			}
			return nil, errFastJSON
		}
	case c == '[':
		p.i++
		var out []any
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return []any{}, nil
		}
		for {
			p.ws()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			p.ws()
			if p.i >= len(p.b) {
				return nil, errFastJSON
			}
			if p.b[p.i] == ',' {
				p.i++
				continue
			}
			if p.b[p.i] == ']' {
				p.i++
				return out, nil
			}
			return nil, errFastJSON
		}
	case c == '"':
		return p.str(false)
	case c == 't':
		if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "true" {
			p.i += 4
			return true, nil
		}
	case c == 'f':
		if len(p.b)-p.i >= 5 && string(p.b[p.i:p.i+5]) == "false" {
			p.i += 5
			return false, nil
		}
	case c == 'n':
		if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
			p.i += 4
			return nil, nil
		}
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for p.i < len(p.b) {
			d := p.b[p.i]
			if d >= '0' && d <= '9' || d == '.' || d == 'e' || d == 'E' || d == '+' || d == '-' {
				p.i++
				continue
			}
			break
		}
		s := string(p.b[start:p.i])
		if !validNumber(s) {
			return nil, errFastJSON
		}
		return json.Number(s), nil
	}
	return nil, errFastJSON
}

// str parses a string token; strings with escapes or invalid UTF-8 go
// through encoding/json.
func (p *jsonParser) str(intern bool) (string, error) {
	start := p.i + 1
	j := start
	for j < len(p.b) {
		c := p.b[j]
		if c == '"' {
			raw := p.b[start:j]
			p.i = j + 1
			if intern {
				if k, ok := p.keys[string(raw)]; ok {
					return k, nil
				}
			}
			if !utf8.Valid(raw) {
				return "", errFastJSON
			}
			s := string(raw)
			if intern && len(p.keys) < 1024 {
				p.keys[s] = s
			}
			return s, nil
		}
		if c == '\\' {
			// Find the end of the token, then let encoding/json unescape it.
			k := j
			for k < len(p.b) {
				if p.b[k] == '\\' {
					k += 2
					continue
				}
				if p.b[k] == '"' {
					break
				}
				k++
			}
			if k >= len(p.b) {
				return "", errFastJSON
			}
			var s string
			if err := json.Unmarshal(p.b[p.i:k+1], &s); err != nil {
				return "", errFastJSON
			}
			p.i = k + 1
			return s, nil
		}
		if c < 0x20 {
			return "", errFastJSON
		}
		j++
	}
	return "", errFastJSON
}

// validNumber checks JSON number syntax.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}
