package bigquery

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"google.golang.org/api/iterator"
)

// TestReferenceCorpusThroughClient runs the translator corpus's reference cases (those with a "-- ref:"
// line and expected rows) through the real Go client against the emulator and compares the rows the
// client decodes with the expected ones, so the wire format (JSON text, TIMESTAMP/DATETIME/TIME,
// NUMERIC, BYTES, STRUCT and ARRAY) is checked as well as the translation.
func TestReferenceCorpusThroughClient(t *testing.T) {
	data, err := os.ReadFile("bqsql/testdata/corpus.sql")
	if err != nil {
		t.Fatal(err)
	}
	type refCase struct{ name, ref, query, expect string }
	var cases []refCase
	var cur *refCase
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "-- name:"):
			cases = append(cases, refCase{name: strings.TrimSpace(strings.TrimPrefix(trim, "-- name:"))})
			cur = &cases[len(cases)-1]
			section = ""
			continue
		case cur == nil:
			continue
		case strings.HasPrefix(trim, "-- ref:"):
			cur.ref = strings.TrimSpace(strings.TrimPrefix(trim, "-- ref:"))
			continue
		case trim == "-- unordered", strings.HasPrefix(trim, "-- error:"), trim == "-- setup":
			// order-free and error cases are checked by TestCorpus and the DuckDB-wording scan
			cur.ref = ""
			section = ""
			continue
		case trim == "-- query", trim == "-- expect":
			section = strings.TrimPrefix(trim, "-- ")
			continue
		}
		switch section {
		case "query":
			cur.query += line + "\n"
		case "expect":
			cur.expect += line + "\n"
		}
	}
	e := newEnv(t, Options{})
	e.dataset(t, "ds")
	ran, failed := 0, 0
	for _, c := range cases {
		if c.ref == "" || strings.TrimSpace(c.expect) == "" {
			continue
		}
		ran++
		q := e.client.Query(c.query)
		q.DefaultDatasetID = "ds"
		it, err := q.Read(e.ctx)
		var got []any
		for err == nil {
			var row []bigquery.Value
			if err = it.Next(&row); err != nil {
				break
			}
			vals := make([]any, len(row))
			for i, v := range row {
				vals[i] = wireValue(v, it.Schema[i])
			}
			got = append(got, vals)
		}
		if err != nil && err != iterator.Done {
			failed++
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got == nil {
			got = []any{}
		}
		d := json.NewDecoder(strings.NewReader(c.expect))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil {
			t.Fatalf("%s: bad expectation: %v", c.name, err)
		}
		// a NULL ARRAY reaches a query's result as an empty one in BigQuery
		if rows, ok := want.([]any); ok && it != nil {
			for _, r := range rows {
				if vals, ok := r.([]any); ok {
					for i := range vals {
						if vals[i] == nil && i < len(it.Schema) && it.Schema[i].Repeated {
							vals[i] = []any{}
						}
					}
				}
			}
		}
		if !sameValue(got, want) {
			failed++
			gj, _ := json.Marshal(got)
			t.Errorf("%s (%s):\n got %s\nwant %s", c.name, c.ref, gj, strings.TrimSpace(c.expect))
		}
	}
	if ran < 800 {
		t.Errorf("ran %d reference cases through the client, want at least 800", ran)
	}
	t.Logf("%d reference cases through the Go client, %d differ", ran, failed)
}

// wireValue puts a value the Go client decoded in the corpus's notation.
func wireValue(v bigquery.Value, f *bigquery.FieldSchema) any {
	if v == nil {
		return nil
	}
	if f.Repeated {
		if xs, ok := v.([]bigquery.Value); ok {
			elem := *f
			elem.Repeated = false
			out := make([]any, len(xs))
			for i, x := range xs {
				out[i] = wireValue(x, &elem)
			}
			return out
		}
	}
	switch x := v.(type) {
	case []bigquery.Value: // RECORD
		out := map[string]any{}
		for i, sub := range f.Schema {
			if i < len(x) {
				out[sub.Name] = wireValue(x[i], sub)
			}
		}
		return out
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case *big.Rat:
		s := x.FloatString(9)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return json.Number(s)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05") + frac(x.Nanosecond()) + "+00"
	case civil.Date:
		return x.String()
	case civil.DateTime:
		return x.Date.String() + "T" + hms(x.Time) + frac(x.Time.Nanosecond)
	case civil.Time:
		return hms(x) + frac(x.Nanosecond)
	case string:
		if f.Type == bigquery.JSONFieldType {
			d := json.NewDecoder(strings.NewReader(x))
			d.UseNumber()
			var j any
			if d.Decode(&j) == nil {
				switch j.(type) {
				case json.Number:
					return j
				case map[string]any, []any:
					var b bytes.Buffer
					enc := json.NewEncoder(&b)
					enc.SetEscapeHTML(false)
					enc.Encode(j)
					return strings.TrimSpace(b.String())
				}
			}
		}
		return x
	}
	return v
}

func hms(t civil.Time) string { return fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second) }

func frac(ns int) string {
	if ns == 0 {
		return ""
	}
	return strings.TrimRight("."+strconv.Itoa(1000000000 + ns)[1:7], "0")
}

// sameValue compares values in the corpus's notation; numbers compare by value.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, ok1 := new(big.Rat).SetString(string(x))
		ry, ok2 := new(big.Rat).SetString(string(y))
		if ok1 && ok2 && rx.Cmp(ry) == 0 {
			return true
		}
		fx, e1 := strconv.ParseFloat(string(x), 64)
		fy, e2 := strconv.ParseFloat(string(y), 64)
		return e1 == nil && e2 == nil && math.Abs(fx-fy) <= 1e-12*math.Max(1, math.Max(math.Abs(fx), math.Abs(fy)))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}
