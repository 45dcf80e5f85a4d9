package bigquery

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
)

// These targets run the request decoders alone (no DuckDB, no server), so
// `go test -fuzz` runs thousands of inputs a second.

var fuzzInsertFields = []*bq.TableFieldSchema{
	{Name: "s", Type: "STRING"},
	{Name: "i", Type: "INTEGER"},
	{Name: "f", Type: "FLOAT"},
	{Name: "b", Type: "BOOLEAN"},
	{Name: "ts", Type: "TIMESTAMP"},
	{Name: "req", Type: "STRING", Mode: "REQUIRED"},
	{Name: "n", Type: "NUMERIC"},
	{Name: "tags", Type: "STRING", Mode: "REPEATED"},
	{Name: "r", Type: "RECORD", Fields: []*bq.TableFieldSchema{{Name: "a", Type: "INTEGER"}, {Name: "b", Type: "STRING"}}},
	{Name: "d", Type: "DATE"},
	{Name: "dt", Type: "DATETIME"},
	{Name: "t", Type: "TIME"},
	{Name: "by", Type: "BYTES"},
	{Name: "j", Type: "JSON"},
	{Name: "bn", Type: "BIGNUMERIC"},
}

// FuzzInsertAllDecode checks the insertAll body decoders: the general
// decoder (decodeInsertAll + decodeRow) answers every body with rows or a
// 400 invalid error, and whenever the fast path (parseInsertAllFast +
// decodeSlots) takes a body, it yields exactly the general path's values,
// per-row errors and error locations.
func FuzzInsertAllDecode(f *testing.F) {
	for _, s := range []string{
		`{"rows":[{"insertId":"a","json":{"req":"r","s":"x","i":1,"f":1.5,"b":true,"ts":"2026-11-01T12:00:00.000123Z"}}]}`,
		`{"rows":[{"json":{"req":"r","i":"007","f":"NaN","b":"0","ts":1700000000.5,"n":"1.5","tags":["a","b"],"r":{"a":"2","b":"x"}}}]}`,
		`{"rows":[{"json":{"req":"r","d":"2026-11-01","dt":"2026-11-01T12:00:00","t":"12:00:00.5","by":"AAE=","j":"{\"a\":1}","bn":"1e3"}}]}`,
		`{"rows":[{"json":{"req":"r","i":1,"i":"2"}}]}`,
		`{"rows":[{"json":{"req":"r","S":"case"}}]}`,
		`{"rows":[{"json":{"req":"r","zz":1}}],"ignoreUnknownValues":true}`,
		`{"rows":[{"json":{"s":"a","req":"r"},"insertId":"x\u00e9"},{"json":null},{"insertId":null}],"skipInvalidRows":true}`,
		`{"rows":[],"kind":"k"}`, `{"rows":null}`, `{}`, `[]`, `{"Rows":[{"JSON":{"req":"r"}}]}`, `{"rows":[{"json":{"req":"r","tags":[null]}}]}`,
		`{"rows":[{"json":{"req":"r","i":99999999999999999999,"f":1e400,"n":"1e38","j":{"x":[1,2]}}}]}`,
		`{"rows":[{"json":{"req":"r","r":{"a":{"b":1}}}}],"templateSuffix":"_x"}`, `{"rows":[{"json":{"req":"r"}}]} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		gen, err := decodeInsertAll(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code != 400 || ae.Reason != "invalid" {
				t.Fatalf("decodeInsertAll error %T %v: want a 400 invalid apiError", err, err)
			}
			if _, ok := parseInsertAllFast(body, fuzzInsertFields); ok {
				t.Fatalf("fast path accepted a body the general decoder refuses (%v): %q", err, body)
			}
			return
		}
		want := make([][]any, len(gen.Rows))
		wantErr := make([]error, len(gen.Rows))
		for i, rw := range gen.Rows {
			want[i], wantErr[i] = decodeRow(fuzzInsertFields, rw.JSON, gen.IgnoreUnknownValues, "")
			if wantErr[i] != nil {
				var fe *fieldError
				if !errors.As(wantErr[i], &fe) || fe.message == "" {
					t.Fatalf("row %d: error %T %v: want a *fieldError", i, wantErr[i], wantErr[i])
				}
			}
		}
		fp, ok := parseInsertAllFast(body, fuzzInsertFields)
		if !ok {
			return
		}
		if len(fp.rows) != len(gen.Rows) || fp.skipInvalidRows != gen.SkipInvalidRows ||
			fp.ignoreUnknownValues != gen.IgnoreUnknownValues || fp.templateSuffix != gen.TemplateSuffix {
			t.Fatalf("fast %+v, general %+v", fp, gen)
		}
		for i, rw := range fp.rows {
			g := gen.Rows[i]
			if rw.hasID != (g.InsertID != "") || rw.hasID && rw.id != hashID(g.InsertID) {
				t.Fatalf("row %d: insertId differs (general %q)", i, g.InsertID)
			}
			got := make([]driver.Value, len(fuzzInsertFields))
			gotErr := decodeSlots(fuzzInsertFields, rw.vals, rw.done, fp.ignoreUnknownValues, got)
			if fmt.Sprint(wantErr[i]) != fmt.Sprint(gotErr) {
				t.Fatalf("row %d: fast error %v, general %v", i, gotErr, wantErr[i])
			}
			if gotErr != nil {
				if a, b := wantErr[i].(*fieldError).location, gotErr.(*fieldError).location; a != b {
					t.Fatalf("row %d: fast error location %q, general %q", i, b, a)
				}
				continue
			}
			for j := range got {
				if a, b := fmt.Sprintf("%T %#v", want[i][j], want[i][j]), fmt.Sprintf("%T %#v", got[j], got[j]); a != b {
					t.Fatalf("row %d column %s: fast %s, general %s", i, fuzzInsertFields[j].Name, b, a)
				}
			}
		}
	})
}

// FuzzParseJSONFast checks the hot-path JSON parser against encoding/json
// with UseNumber: when it succeeds it returns the same value, and it never
// accepts what encoding/json refuses.
func FuzzParseJSONFast(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"x\u00e9",true,false,null,{}]}`, `"\ud83d\ude00"`, `01`, `-`, `1.`, `{"a":1,"a":2}`,
		`{"a" : [ ] }`, "\"\xff\"", `[1,]`, `{"a":1,}`, `"\"`, `[[[[[[[[[[]]]]]]]]]]`, ` 7 `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseJSONFast(b)
		if err != nil {
			return // handed to encoding/json by every caller
		}
		var want any
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if derr := dec.Decode(&want); derr != nil || !json.Valid(b) {
			t.Fatalf("parseJSONFast accepted %q; encoding/json: %v", b, derr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("parseJSONFast(%q) = %#v, encoding/json %#v", b, got, want)
		}
	})
}

// FuzzQueryParams decodes a jobs.query body as the server does, converts its
// queryParameters and binds them into a query through the translator: an
// invalidQuery error or a statement, never a panic or an internal error.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{
		`{"query":"SELECT @x","queryParameters":[{"name":"x","parameterType":{"type":"STRING"},"parameterValue":{"value":"it's"}}]}`,
		`{"parameterMode":"POSITIONAL","queryParameters":[{"parameterType":{"type":"INT64"},"parameterValue":{"value":"42"}}]}`,
		`{"queryParameters":[{"name":"a","parameterType":{"type":"ARRAY","arrayType":{"type":"TIMESTAMP"}},"parameterValue":{"arrayValues":[{"value":"2026-01-01 00:00:00"},{}]}}]}`,
		`{"queryParameters":[{"name":"s","parameterType":{"type":"STRUCT","structTypes":[{"name":"a","type":{"type":"INT64"}},{"name":"b","type":{"type":"ARRAY","arrayType":{"type":"STRING"}}}]},"parameterValue":{"structValues":{"a":{"value":"1"},"b":{"arrayValues":[{"value":"x"}]}}}}]}`,
		`{"queryParameters":[{"name":"n","parameterType":{"type":"NUMERIC"}}]}`,
		`{"queryParameters":[{"name":"n","parameterType":{"type":"ARRAY"}}]}`,
		`{"queryParameters":[{"name":"n"}]}`,
		`{"queryParameters":[{"name":"b","parameterType":{"type":"BYTES"},"parameterValue":{"value":"AAE="}},{"name":"j","parameterType":{"type":"JSON"},"parameterValue":{"value":"{}"}}]}`,
		`{"queryParameters":[{"name":"x","parameterType":{"type":"INT64"},"parameterValue":{"value":"1; DROP TABLE t"}}]}`,
		`{"queryParameters":[{"name":"s","parameterType":{"type":"STRUCT","structTypes":[{"name":"a\"b","type":{"type":"RECORD"}}]},"parameterValue":{}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req queryRequest
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			return // decodeBody answers it as "Invalid JSON payload received"
		}
		params, err := convertParams(req.QueryParameters, req.ParameterMode)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code != 400 || ae.Reason != "invalidQuery" || !strings.Contains(ae.Message, "parameter") {
				t.Fatalf("convertParams error %T %v: want a 400 invalidQuery naming the parameter", err, err)
			}
			return
		}
		var sel []string
		pos := 0
		for _, p := range params {
			if p.Name == "" {
				sel = append(sel, "?")
				pos++
			} else if validParamName(p.Name) {
				sel = append(sel, "@"+p.Name)
			}
		}
		if len(sel) == 0 {
			return
		}
		q := "SELECT " + strings.Join(sel, ", ")
		stmts, err := bqsql.Translate(q, bqsql.Options{DefaultDataset: "ds", Params: params})
		if err != nil {
			var te *bqsql.Error
			if !errors.As(err, &te) {
				t.Fatalf("Translate(%q) error %T %v", q, err, err)
			}
			if strings.Contains(te.Msg, "internal translation error") {
				t.Fatalf("translator panic binding %s: %v", body, te)
			}
			return
		}
		if len(stmts) != 1 || stmts[0].Kind != bqsql.KindQuery {
			t.Fatalf("%q with parameters %s: %d statements %+v", q, body, len(stmts), stmts)
		}
	})
}

// validParamName is the lexer's @name: a letter or _ then letters, digits, _.
func validParamName(n string) bool {
	for i, c := range n {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return n != "" && !strings.ContainsAny(n[:1], "0123456789") && strconv.IsPrint(rune(n[0]))
}
