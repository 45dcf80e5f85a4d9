package bqsql

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// testNow is CURRENT_TIMESTAMP in tests.
var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// runBQ translates a BigQuery script (dataset "ds" is the default and exists) and returns the rows of the
// last statement as JSON-like values.
func runBQ(t *testing.T, db *sql.DB, script string, opts Options) ([][]any, error) {
	t.Helper()
	if opts.DefaultDataset == "" {
		opts.DefaultDataset = "ds"
	}
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	stmts, err := Translate(script, opts)
	if err != nil {
		return nil, err
	}
	var out [][]any
	for i, st := range stmts {
		if i < len(stmts)-1 || st.Kind != KindQuery {
			if _, err := db.Exec(st.SQL); err != nil {
				return nil, fmt.Errorf("duckdb: %v\nSQL: %s", err, st.SQL)
			}
			continue
		}
		out, err = queryRows(db, st.SQL)
		if err != nil {
			return nil, fmt.Errorf("duckdb: %v\nSQL: %s", err, st.SQL)
		}
	}
	return out, nil
}

func newDB(t *testing.T) *sql.DB {
	db := openDuck(t)
	if _, err := db.Exec("CREATE SCHEMA ds"); err != nil {
		t.Fatal(err)
	}
	return db
}

func queryRows(db *sql.DB, q string) ([][]any, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := [][]any{}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = normalize(v, cts[i].DatabaseTypeName())
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// normalize turns a DuckDB value into the JSON-like form the corpus uses:
// numbers as json.Number, DATE "2006-01-02", TIMESTAMP "2006-01-02 15:04:05[.ffffff]+00",
// DATETIME "2006-01-02T15:04:05[.ffffff]", TIME "15:04:05", BYTES base64, JSON as compact text.
func normalize(v any, typ string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		return json.Number(fmt.Sprint(x))
	case *big.Int:
		return json.Number(x.String())
	case float32:
		return normFloat(float64(x))
	case float64:
		if typ == "JSON" {
			return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
		}
		return normFloat(x)
	case duckdb.Decimal:
		r := new(big.Rat).SetFrac(x.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil))
		s := r.FloatString(int(x.Scale))
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return json.Number(s)
	case bool, string:
		if typ == "JSON" {
			b, _ := json.Marshal(x)
			return string(b)
		}
		return x
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return normTime(x, typ)
	case []any:
		et := strings.TrimSuffix(typ, "[]")
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e, et)
		}
		return out
	case map[string]any:
		if typ == "JSON" {
			b, _ := json.Marshal(x)
			return string(b)
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e, fieldType(typ, k))
		}
		return out
	case duckdb.UUID:
		return x.String()
	}
	return fmt.Sprintf("%v", v)
}

func normFloat(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// fieldType finds the type of a struct field in a DuckDB STRUCT(...) type name, "" if unknown.
func fieldType(typ, field string) string {
	if !strings.HasPrefix(typ, "STRUCT(") {
		return ""
	}
	inner := typ[7 : len(typ)-1]
	depth, start := 0, 0
	for i := 0; i <= len(inner); i++ {
		if i == len(inner) || (inner[i] == ',' && depth == 0) {
			part := strings.TrimSpace(inner[start:i])
			sp := strings.IndexByte(part, ' ')
			if sp > 0 && strings.EqualFold(strings.Trim(part[:sp], `"`), field) {
				return strings.TrimSpace(part[sp+1:])
			}
			start = i + 1
			continue
		}
		switch inner[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
	}
	return ""
}

func normTime(x time.Time, typ string) any {
	x = x.UTC()
	frac := ""
	if x.Nanosecond() != 0 {
		frac = strings.TrimRight(fmt.Sprintf(".%06d", x.Nanosecond()/1000), "0")
	}
	switch {
	case typ == "DATE":
		return x.Format("2006-01-02")
	case typ == "TIME":
		return x.Format("15:04:05") + frac
	case typ == "TIMESTAMP":
		return x.Format("2006-01-02T15:04:05") + frac
	case strings.HasPrefix(typ, "TIMESTAMP"):
		return x.Format("2006-01-02 15:04:05") + frac + "+00"
	}
	// unknown (nested without type): date if midnight
	if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
		return x.Format("2006-01-02")
	}
	return x.Format("2006-01-02 15:04:05") + frac + "+00"
}

// sameJSON compares normalized values; numbers compare numerically.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, ok1 := new(big.Rat).SetString(string(x))
		ry, ok2 := new(big.Rat).SetString(string(y))
		if ok1 && ok2 && rx.Cmp(ry) == 0 {
			return true
		}
		fx, e1 := strconv.ParseFloat(string(x), 64)
		fy, e2 := strconv.ParseFloat(string(y), 64)
		if e1 != nil || e2 != nil {
			return false
		}
		return math.Abs(fx-fy) <= 1e-12*math.Max(1, math.Max(math.Abs(fx), math.Abs(fy)))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
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
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

func parseExpected(t *testing.T, s string) []any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v []any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad expected JSON %q: %v", s, err)
	}
	return v
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func rowsAsAny(rows [][]any) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out
}

func sortRows(rows []any) {
	sort.Slice(rows, func(i, j int) bool { return toJSON(rows[i]) < toJSON(rows[j]) })
}

// ---------- corpus ----------

type corpusCase struct {
	name      string
	line      int
	setup     string
	query     string
	expect    string
	err       string
	unordered bool
	ref       string // the reference page the case comes from ("-- ref:")
}

func loadCorpus(t *testing.T, path string) []corpusCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	var cur *corpusCase
	section := ""
	for i, line := range strings.Split(string(data), "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "-- name:"):
			cases = append(cases, corpusCase{name: strings.TrimSpace(strings.TrimPrefix(trim, "-- name:")), line: i + 1})
			cur = &cases[len(cases)-1]
			section = ""
			continue
		case cur == nil:
			continue
		case trim == "-- setup", trim == "-- query", trim == "-- expect":
			section = strings.TrimPrefix(trim, "-- ")
			continue
		case trim == "-- unordered":
			cur.unordered = true
			continue
		case strings.HasPrefix(trim, "-- ref:"):
			cur.ref = strings.TrimSpace(strings.TrimPrefix(trim, "-- ref:"))
			continue
		case strings.HasPrefix(trim, "-- error:"):
			cur.err = strings.TrimSpace(strings.TrimPrefix(trim, "-- error:"))
			continue
		}
		switch section {
		case "setup":
			cur.setup += line + "\n"
		case "query":
			cur.query += line + "\n"
		case "expect":
			cur.expect += line + "\n"
		}
	}
	return cases
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t, "testdata/corpus.sql")
	if len(cases) < 150 {
		t.Errorf("corpus has %d cases, want at least 150", len(cases))
	}
	seen := map[string]bool{}
	passed := 0
	for _, c := range cases {
		if seen[c.name] {
			t.Errorf("duplicate corpus case name %s", c.name)
		}
		seen[c.name] = true
		ok := t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			if strings.TrimSpace(c.setup) != "" {
				if _, err := runBQ(t, db, c.setup, Options{}); err != nil {
					t.Fatalf("corpus.sql:%d setup: %v", c.line, err)
				}
			}
			rows, err := runBQ(t, db, c.query, Options{})
			if c.err != "" {
				if err == nil {
					t.Fatalf("corpus.sql:%d: want error containing %q, got rows %s", c.line, c.err, toJSON(rows))
				}
				if !strings.Contains(err.Error(), c.err) {
					t.Fatalf("corpus.sql:%d: want error containing %q, got %v", c.line, c.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("corpus.sql:%d: %v", c.line, err)
			}
			got := rowsAsAny(rows)
			want := parseExpected(t, c.expect)
			if c.unordered {
				sortRows(got)
				sortRows(want)
			}
			if !sameJSON(got, want) {
				t.Fatalf("corpus.sql:%d:\n got %s\nwant %s", c.line, toJSON(got), toJSON(want))
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("corpus: %d/%d cases pass", passed, len(cases))
	// issue 20: at least 1,000 cases from the GoogleSQL reference; a refusal is a case the emulator refuses
	// cleanly where BigQuery answers
	refs, refusals := 0, 0
	for _, c := range cases {
		if c.ref == "" {
			continue
		}
		refs++
		if strings.Contains(c.err, "Unsupported feature") || strings.Contains(c.err, "unsupported by the local emulator") {
			refusals++
		}
	}
	if refs < 1000 {
		t.Errorf("corpus has %d reference cases, want at least 1,000", refs)
	}
	t.Logf("reference cases: %d, of which %d answer as the reference does and %d are clean refusals", refs, refs-refusals, refusals)
}
