package bigquery

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseJSONFastMatchesEncodingJSON: whatever the fast parser accepts it
// decodes exactly as encoding/json with UseNumber; what it refuses, the
// caller hands to encoding/json.
func TestParseJSONFastMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		`{"rows":[{"insertId":"a","json":{"id":"1","n":2,"f":-1.5e3,"b":true,"z":null,"s":"h\u00e9\"llo\\","arr":[1,[],{}],"rec":{"x":{"y":[null]}}}}],"skipInvalidRows":true}`,
		` [ 1 , 2 ] `, `"x"`, `0`, `-0.0e+1`, `{"a":"\ud83d\ude00"}`, `{"a":"é"}`, `{}`, `[]`,
		`{"a":1,"a":2}`,
		// refused or invalid: the standard library decides
		`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `{"a":"\x"}`,
		"{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", `{"a":1} x`, `{"a":[1}`, ``,
	}
	for _, in := range inputs {
		got, err := parseJSONFast([]byte(in))
		var want any
		dec := json.NewDecoder(bytes.NewReader([]byte(in)))
		dec.UseNumber()
		werr := dec.Decode(&want)
		if werr == nil && dec.InputOffset() != int64(len(bytes.TrimRight([]byte(in), " "))) {
			werr = errFastJSON
		}
		if err != nil {
			continue // refused: encoding/json handles it
		}
		if werr != nil {
			t.Errorf("%q: fast parser accepted what encoding/json rejects (%v): %#v", in, werr, got)
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q (-encoding/json +fast):\n%s", in, d)
		}
	}
	// Key-case variants of the request fields take the standard path.
	req, err := decodeInsertAll([]byte(`{"Rows":[{"InsertId":"x","JSON":{"a":1}}],"SkipInvalidRows":true}`))
	if err != nil || len(req.Rows) != 1 || req.Rows[0].InsertID != "x" || !req.SkipInvalidRows || req.Rows[0].JSON["a"] != json.Number("1") {
		t.Errorf("case-insensitive request keys: %+v %v", req, err)
	}
}
