package ingest

// The record decoder written on github.com/go-json-experiment/json/jsontext
// (json/v2 of the standard library, fuzzed upstream), measured side by side
// with jsonscan.go in BenchmarkDecode and BenchmarkIngestCore (see
// BENCHMARKS.md "Decoder decision"). It produces the same members, so the
// rest of the core is unchanged; FuzzJSONTextAgrees holds it to the scanner.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// jsontextDecoder reuses one Decoder and reader across records.
type jsontextDecoder struct {
	r   bytes.Reader
	dec *jsontext.Decoder
}

// str reads a string token as a substring of src when it has no escapes
// (the same trick the scanner uses), else unquoted.
func (j *jsontextDecoder) str(b []byte, src string) (string, error) {
	v, err := j.dec.ReadValue()
	if err != nil {
		return "", err
	}
	end := int(j.dec.InputOffset())
	start := end - len(v)
	if bytes.IndexByte(v, '\\') < 0 {
		if src != "" {
			return src[start+1 : end-1], nil
		}
		return string(b[start+1 : end-1]), nil
	}
	u, err := jsontext.AppendUnquote(nil, v)
	return string(u), err
}

func (j *jsontextDecoder) parse(b []byte, src string, maxDepth int, members []member) ([]member, *recordError) {
	j.r.Reset(b)
	if j.dec == nil {
		j.dec = jsontext.NewDecoder(&j.r)
	} else {
		j.dec.Reset(&j.r)
	}
	d := j.dec
	fail := func(err error) *recordError {
		var se *jsontext.SyntacticError
		if errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName) {
			return &recordError{ReasonDuplicateKey, err.Error()}
		}
		return &recordError{ReasonInvalidJSON, err.Error()}
	}
	if d.PeekKind() != '{' {
		if !jsontext.Value(b).IsValid() {
			_, err := d.ReadValue()
			if err == nil {
				err = errors.New("invalid JSON")
			}
			return nil, fail(err)
		}
		return nil, &recordError{ReasonNotAnObject, "want a JSON object"}
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, fail(err)
	}
	members = members[:0]
	for d.PeekKind() != '}' {
		key, err := j.str(b, src)
		if err != nil {
			return nil, fail(err)
		}
		start := d.InputOffset()
		if len(members) < cap(members) {
			members = members[:len(members)+1]
		} else {
			members = append(members, member{})
		}
		m := &members[len(members)-1]
		*m = member{key: key}
		switch k := d.PeekKind(); k {
		case '{', '[':
			v, err := j.value(maxDepth)
			if err != nil {
				return nil, err
			}
			m.val = v
		case '"':
			if m.str, err = j.str(b, src); err != nil {
				return nil, fail(err)
			}
			m.kind = 's'
		case '0':
			v, err := d.ReadValue()
			if err != nil {
				return nil, fail(err)
			}
			end := int(d.InputOffset())
			m.kind = 'n'
			if src != "" {
				m.str = src[end-len(v) : end]
			} else {
				m.str = string(v)
			}
		default:
			t, err := d.ReadToken()
			if err != nil {
				return nil, fail(err)
			}
			switch k {
			case '"':
				m.kind, m.str = 's', t.String()
			case '0':
				m.kind, m.str = 'n', t.String()
			case 't':
				m.kind = 't'
			case 'f':
				m.kind = 'f'
			case 'n':
				m.kind = 'z'
			default:
				return nil, fail(fmt.Errorf("unexpected %v", k))
			}
		}
		m.raw = bytes.TrimLeft(b[start:d.InputOffset()], " \t\r\n:")
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, fail(err)
	}
	if _, err := d.ReadToken(); err == nil {
		return nil, &recordError{ReasonInvalidJSON, "trailing data after the JSON object"}
	} else if !errors.Is(err, errEOF) {
		return nil, fail(err)
	}
	return members, nil
}

var errEOF = func() error { _, err := jsontext.NewDecoder(bytes.NewReader(nil)).ReadToken(); return err }()

// value reads a nested object or array as map[string]any / []any.
func (j *jsontextDecoder) value(maxDepth int) (any, *recordError) {
	d := j.dec
	t, err := d.ReadToken()
	if err != nil {
		return nil, &recordError{ReasonInvalidJSON, err.Error()}
	}
	if d.StackDepth() > maxDepth {
		return nil, &recordError{ReasonTooDeep, fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	switch t.Kind() {
	case '{':
		m := map[string]any{}
		for d.PeekKind() != '}' {
			kt, err := d.ReadToken()
			if err != nil {
				return nil, j.err(err)
			}
			key := kt.String() // a Token is void after the next read
			v, rerr := j.value(maxDepth)
			if rerr != nil {
				return nil, rerr
			}
			m[key] = v
		}
		if _, err := d.ReadToken(); err != nil {
			return nil, j.err(err)
		}
		return m, nil
	case '[':
		a := []any{}
		for d.PeekKind() != ']' {
			v, rerr := j.value(maxDepth)
			if rerr != nil {
				return nil, rerr
			}
			a = append(a, v)
		}
		if _, err := d.ReadToken(); err != nil {
			return nil, j.err(err)
		}
		return a, nil
	case '"':
		return t.String(), nil
	case '0':
		return json.Number(t.String()), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return nil, &recordError{ReasonInvalidJSON, "unexpected token"}
}

func (j *jsontextDecoder) err(err error) *recordError {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName) {
		return &recordError{ReasonDuplicateKey, err.Error()}
	}
	return &recordError{ReasonInvalidJSON, err.Error()}
}

// FuzzJSONTextAgrees: the jsontext decoder and the scanner accept the same
// records (valid UTF-8, as prepare checks first) with the same members.
func FuzzJSONTextAgrees(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	var j jsontextDecoder
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkRecord(b, Limits{}.withDefaults()) != nil || bytes.Contains(b, []byte(`\u`)) {
			return // both reject bad UTF-8; they differ on lone surrogates by design
		}
		a, ra := parseObject(b, 8, nil)
		c, rc := j.parse(b, "", 8, nil)
		// Invalid JSON: both reject, maybe for different reasons (jsontext
		// may see a duplicate name before the syntax error).
		if (ra == nil) != (rc == nil) || (ra != nil && ra.reason != rc.reason && json.Valid(b)) {
			t.Fatalf("%q: scanner %v, jsontext %v", b, ra, rc)
		}
		if ra != nil {
			return
		}
		for i := range a {
			ja, _ := json.Marshal(a[i].value())
			jc, _ := json.Marshal(c[i].value())
			if a[i].key != c[i].key || !bytes.Equal(ja, jc) || !bytes.Equal(a[i].raw, c[i].raw) {
				t.Fatalf("%q member %d: scanner %q=%s raw %q, jsontext %q=%s raw %q", b, i, a[i].key, ja, a[i].raw, c[i].key, jc, c[i].raw)
			}
		}
	})
}
