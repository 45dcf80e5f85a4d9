package bigquery

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
)

// duckVocabulary is DuckDB's wording, which no error a user sees may contain (issue 20: refusals showed
// "No function matches the given name and argument types 'strlen(BLOB)'", "generate_series(STRING_LITERAL…)").
var duckVocabulary = regexp.MustCompile(`(?i:duckdb)|Binder Error|Catalog Error|Parser Error|Conversion Error|Invalid Input Error|` +
	`\bVARCHAR\b|DECIMAL\(|\bBLOB\b|\bBIGINT\b|\bDOUBLE\b|TIMESTAMPTZ|STRING_LITERAL|INTEGER_LITERAL|No function matches the given name|` +
	`\bstrlen\b|generate_series|list_transform|_jd\d|LINE \d+:|explicit cast is required|Out of Range Error|Not implemented Error|` +
	`Candidate functions|explicit type casts|Failed to parse format specifier|Overflow in|\bUBIGINT\b|\bHUGEINT\b|\bTINYINT\b|` +
	`\bSMALLINT\b|Could not choose a best candidate|Scalar Function with name|Table Function with name|(?i:struct_extract)`)

// refusalProbes are queries BigQuery answers or refuses that the emulator refuses; each refusal must be
// BigQuery-shaped.
var refusalProbes = []string{
	`SELECT JSON_QUERY(x, '$') FROM UNNEST([1.5]) AS x`,
	`SELECT JSON_VALUE(x) FROM UNNEST([true]) AS x`,
	`SELECT NO_SUCH_FUNCTION(1)`,
	`SELECT APPROX_TOP_SUM(x, 1, 2) FROM UNNEST([1]) AS x`,
	`SELECT HLL_COUNT.INIT(x) FROM UNNEST([1]) AS x`,
	`SELECT NORMALIZE('a')`,
	`SELECT REGEXP_INSTR('abc', 'b')`,
	`SELECT ERROR('x')`,
	`SELECT TO_CODE_POINTS('abc')`,
	`SELECT INSTR('abcabc', 'b', 1, 2)`,
	`SELECT REGEXP_EXTRACT('abcabc', 'b', 1, 2)`,
	`SELECT REGEXP_SUBSTR('abc', 'b')`,
	`SELECT APPROX_QUANTILES(x, 2 RESPECT NULLS) FROM UNNEST([1, NULL]) AS x`,
	`SELECT LENGTH(b'abc')`,
	`SELECT BYTE_LENGTH(b'abc')`,
	`SELECT LEFT(b'abc', 1)`,
	`SELECT RIGHT(b'abc', 1)`,
	`SELECT LPAD(b'abc', 5)`,
	`SELECT REVERSE(b'abc')`,
	`SELECT SPLIT(b'a,b', b',')`,
	`SELECT GENERATE_ARRAY('a', 'b')`,
	`SELECT 'a' + 1`,
	`SELECT CAST('x' AS INT64)`,
	`SELECT CAST(1.5 AS NUMERIC) + 'a'`,
	`SELECT FORMAT_DATE('%Q', DATE '2020-01-01')`,
	`SELECT PARSE_DATE('%m', '03')`,
	`SELECT CONCAT(1)`,
	`SELECT d - DATE '2020-01-01' FROM UNNEST([DATE '2020-01-02']) AS d`,
	`SELECT 1 FROM ds.missing`,
	`SELECT nope FROM UNNEST([1]) AS x`,
	`SELECT STARTS_WITH(x, 'a') FROM UNNEST([1]) AS x`,
	`SELECT UPPER(x) FROM UNNEST([b'a']) AS x`,
	`SELECT STRPOS(x, 1) FROM UNNEST([1]) AS x`,
	`SELECT JSON '{"a": {"b": "x"}}'.a.b`,
}

// TestRefusalsHaveNoDuckDBWording runs every case of the translator corpus (setup and query) and the
// refusal probes through the Go client, and fails on any error text in DuckDB's vocabulary.
func TestRefusalsHaveNoDuckDBWording(t *testing.T) {
	data, err := os.ReadFile("bqsql/testdata/corpus.sql")
	if err != nil {
		t.Fatal(err)
	}
	type script struct{ name, setup, query string }
	var scripts []script
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "-- name:"):
			scripts = append(scripts, script{name: strings.TrimSpace(strings.TrimPrefix(trim, "-- name:"))})
			section = ""
			continue
		case len(scripts) == 0:
			continue
		case trim == "-- setup", trim == "-- query", trim == "-- expect":
			section = strings.TrimPrefix(trim, "-- ")
			continue
		}
		cur := &scripts[len(scripts)-1]
		switch section {
		case "setup":
			cur.setup += line + "\n"
		case "query":
			cur.query += line + "\n"
		}
	}
	if len(scripts) < 150 {
		t.Fatalf("read %d corpus cases", len(scripts))
	}
	for _, q := range refusalProbes {
		scripts = append(scripts, script{name: q, query: q})
	}
	e := newEnv(t, Options{})
	e.dataset(t, "ds")
	run := func(sql string) error {
		q := e.client.Query(sql)
		q.DefaultDatasetID = "ds"
		it, err := q.Read(e.ctx)
		if err != nil {
			return err
		}
		var row []bigquery.Value
		for {
			if err := it.Next(&row); err != nil {
				if err.Error() == "no more items in iterator" {
					return nil
				}
				return err
			}
		}
	}
	refusals := 0
	for _, s := range scripts {
		for _, sql := range []string{s.setup, s.query} {
			if strings.TrimSpace(sql) == "" {
				continue
			}
			err := run(sql)
			if err == nil {
				continue
			}
			refusals++
			// everything the user sees: err.Error() (the Go client prints every errors[] entry
			// under "More details"), the message and each errors[] entry with its location
			for _, msg := range errorTexts(err) {
				if m := duckVocabulary.FindString(msg); m != "" {
					t.Errorf("%s: error shows DuckDB's %q: %s", s.name, m, msg)
				}
			}
		}
		// the cases share the server: drop what a setup created
		for _, d := range []string{"ds", "curated", "raw", "staging"} {
			_ = e.client.Dataset(d).DeleteWithContents(e.ctx)
		}
		e.dataset(t, "ds")
	}
	t.Logf("%d scripts, %d errors scanned", len(scripts), refusals)
	for _, c := range []struct{ sql, msg string }{
		{`SELECT NO_SUCH_FUNCTION(1)`, "Function not found: NO_SUCH_FUNCTION"},
		{`SELECT NORMALIZE_AND_CASEFOLD('a')`, "Function not found: NORMALIZE_AND_CASEFOLD (unsupported by the local emulator)"},
		{`SELECT STARTS_WITH(x, 'a') FROM UNNEST([1]) AS x`, "No matching signature for function STARTS_WITH for argument types: INT64, STRING"},
		{`SELECT LENGTH(x) FROM UNNEST([1.5]) AS x`, "No matching signature for function LENGTH for argument types: FLOAT64"},
		{`SELECT d + x FROM UNNEST([DATE '2020-01-01']) AS d, UNNEST([1]) AS x`, "No matching signature for operator + for argument types: DATE, INT64"},
		{`SELECT d - e FROM UNNEST([DATE '2021-05-20']) AS d, UNNEST([DATE '2020-04-19']) AS e`, "Unsupported feature: DATE - DATE"},
		{`SELECT 9223372036854775807 + 1`, "int64 overflow: 9223372036854775807 + 1"},
		{`SELECT JSON '{"a": {"b": "x"}}'.a.b`, "Unsupported feature: field access on a JSON value"},
		{`SELECT PARSE_DATE('%Y-%m-%d', '2008-13-25')`, "Failed to parse input string \"2008-13-25\""},
		{`SELECT SOUNDEX('a')`, "Function not found: SOUNDEX (unsupported by the local emulator)"},
		{`SELECT CONTAINS_SUBSTR('\u2168', 'IX')`, "Unsupported feature: CONTAINS_SUBSTR on text that NFKC normalization changes"},
	} {
		err := run(c.sql)
		var ge *googleapi.Error
		if !errors.As(err, &ge) || !strings.Contains(ge.Message, c.msg) || ge.Errors[0].Reason != "invalidQuery" {
			t.Errorf("%s: got %v, want invalidQuery %q", c.sql, err, c.msg)
			continue
		}
		for _, msg := range errorTexts(err) {
			if m := duckVocabulary.FindString(msg); m != "" {
				t.Errorf("%s: error shows DuckDB's %q: %s", c.sql, m, msg)
			}
		}
	}
}

// errorTexts is every text of a Go client error a user can see: err.Error(), and for a
// googleapi.Error its message, raw body (with every errors[] entry and its location) and each entry (a
// bigquery.Error, a failed job's status, likewise).
func errorTexts(err error) []string {
	out := []string{err.Error()}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		out = append(out, ge.Message, ge.Body)
		for _, it := range ge.Errors {
			out = append(out, it.Message, it.Reason)
		}
	}
	var be *bigquery.Error
	if errors.As(err, &be) {
		out = append(out, be.Message, be.Reason+" "+be.Location)
	}
	return out
}
