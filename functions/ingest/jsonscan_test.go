package ingest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseObject: the scanner never panics, and agrees with encoding/json
// on validity (it is stricter only on duplicate keys and depth).
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":"\u00e9\ud83d\ude00","b":[1,2,{"c":null}],"d":-1.5e3}`, `{"a":1,"a":2}`,
		`{"a":{"b":{"c":{}}}}`, `[1]`, `"x"`, `{"a":tru}`, `{"a":"\x01"}`, `{"a":01}`, ` {"a" : [ ] } `, `{"a":"\q"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, rerr := parseObject(b, 8, nil)
		valid := json.Valid(b)
		if rerr == nil {
			if !valid {
				t.Fatalf("scanner accepted invalid JSON %q", b)
			}
			var m map[string]any
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatalf("%q: %v", b, err)
			}
			if len(m) != len(ms) {
				t.Fatalf("%q: %d members, encoding/json %d", b, len(ms), len(m))
			}
			for _, mm := range ms {
				want, _ := json.Marshal(m[mm.key])
				got, _ := json.Marshal(mm.value())
				if !bytes.Equal(want, got) {
					t.Fatalf("%q: key %q = %s, encoding/json %s", b, mm.key, got, want)
				}
			}
			return
		}
		switch rerr.reason {
		case ReasonInvalidJSON:
			if valid && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) {
				t.Fatalf("scanner rejected valid JSON %q: %s", b, rerr.detail)
			}
		case ReasonDuplicateKey, ReasonTooDeep:
		case ReasonNotAnObject:
			if !valid {
				t.Fatalf("not_an_object for invalid JSON %q", b)
			}
		default:
			t.Fatalf("unexpected reason %s", rerr.reason)
		}
	})
}

func TestParseObjectReasons(t *testing.T) {
	for in, want := range map[string]RejectReason{
		`{"a":1,"a":2}`:                          ReasonDuplicateKey,
		`{"a":{"b":1,"b":2}}`:                    ReasonDuplicateKey,
		`{"a":[[[[[[[[[1]]]]]]]]]}`:              ReasonTooDeep,
		`[{"a":1}]`:                              ReasonNotAnObject,
		`{"a":1} {"b":2}`:                        ReasonInvalidJSON,
		`{"a":1`:                                 ReasonInvalidJSON,
		`{"a":`:                                  ReasonInvalidJSON,
		`{"a": `:                                 ReasonInvalidJSON,
		`{"order_id": "x", "total": `:            ReasonInvalidJSON,
		`{"a":-`:                                 ReasonInvalidJSON,
		`{"a":1,`:                                ReasonInvalidJSON,
		`{"a":[`:                                 ReasonInvalidJSON,
		`{"a":"\u12`:                             ReasonInvalidJSON,
		`{"a":"\`:                                ReasonInvalidJSON,
		`{"a":"` + strings.Repeat("x", 10) + `}`: ReasonInvalidJSON,
	} {
		_, rerr := parseObject([]byte(in), 8, nil)
		if rerr == nil || rerr.reason != want {
			t.Errorf("%s: got %v, want %s", in, rerr, want)
		}
	}
}
