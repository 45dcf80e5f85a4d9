package bigquery

import (
	"log/slog"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// DuckDB's messages name DuckDB's catalog and quote the translated SQL
// ("LINE 1: SELECT ..."); users must see BigQuery's messages instead. The
// original first line is logged at debug level (log/slog), never sent: no
// errors[] entry of a refusal carries DuckDB's wording.

var (
	reMissingTable  = regexp.MustCompile(`^(?:Table|View) with name (.+?) does not exist`)
	reMissingSchema = regexp.MustCompile(`because schema "([^"]+)" does not exist`)
	reSchemaName    = regexp.MustCompile(`^Schema with name "?([^"!]+?)"? does not exist`)
	reDuckPrefix    = regexp.MustCompile(`^[A-Z][A-Za-z ]* Error: `)
	reUnknownColumn = regexp.MustCompile(`^(?:Referenced column "?([^"]+?)"? not found in FROM clause|Column "([^"]+)" referenced that exists in the SELECT clause - but this column cannot be referenced before it is defined)`)
	reUnknownFunc   = regexp.MustCompile(`^(?:Scalar |Aggregate |Table )?Function with name "?([^"\s!]+?)"? does not exist`)
	reDuckConvert   = regexp.MustCompile(`^Could not convert string '(.*)' to (\w+)`)
	reParseFail     = regexp.MustCompile(`^Could not parse string "(.*?)" according to format specifier`)
	reOverflow      = regexp.MustCompile(`^Overflow (?:in (?:addition|subtraction|multiplication) of INT64 \((.+)\)|on (abs\(.+\)))`)
	// a JSON_QUERY-like call on a document that is neither STRING nor JSON: bqsql names the document
	// _jd<id>_<argument count>_<FUNCTION> and mixes it with VARCHAR in a CASE
	reJSONMix = regexp.MustCompile(`^Cannot mix values of type (.+?) and (.+?) in CASE expression`)
	reJSONDoc = regexp.MustCompile(`THEN _jd\d+_(\d)_([A-Z_]+)`)
	// a DuckDB function that has no overload for the argument types bqsql gave it
	reNoOverload = regexp.MustCompile(`^(?:No function matches the given name and argument types '|Could not choose a best candidate function for the function call ")([^\s(']+)\((.*)\)['"]`)
)

var duckTypeNames = map[string]string{
	"INT8": "int64", "INT16": "int64", "INT32": "int64", "INT64": "int64", "BIGINT": "int64", "INTEGER": "int64",
	"DOUBLE": "double", "FLOAT": "double", "DATE": "date", "TIMESTAMP": "timestamp",
	"TIMESTAMP WITH TIME ZONE": "timestamp", "BOOL": "bool", "BOOLEAN": "bool", "TIME": "time",
}

// duckError turns a DuckDB error into BigQuery's answer. project and sqlText
// (the translated statements that ran, may be empty) let a missing table be
// named project:dataset.table.
func (s *Server) duckError(de *duckdb.Error, project, sqlText string) *apiError {
	orig := de.Msg
	first := orig
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	slog.Debug("bigquery emulator: DuckDB error", "message", first)
	body := reDuckPrefix.ReplaceAllString(first, "")
	if project == "" {
		project = s.opts.Project
	}
	loc := s.opts.Location
	if de.Type == duckdb.ErrorTypeCatalog {
		if m := reMissingSchema.FindStringSubmatch(body); m != nil {
			return &apiError{Code: 404, Reason: "notFound", Message: "Not found: Dataset " + project + ":" + m[1] + " was not found in location " + loc}
		}
		if m := reSchemaName.FindStringSubmatch(body); m != nil {
			return &apiError{Code: 404, Reason: "notFound", Message: "Not found: Dataset " + project + ":" + m[1] + " was not found in location " + loc}
		}
		if m := reMissingTable.FindStringSubmatch(body); m != nil {
			name := strings.Trim(m[1], `"`)
			ds := ""
			if sqlText != "" {
				re := regexp.MustCompile(`"((?:[^"]|"")+)"\."` + regexp.QuoteMeta(strings.ReplaceAll(name, `"`, `""`)) + `"`)
				if mm := re.FindStringSubmatch(sqlText); mm != nil {
					ds = strings.ReplaceAll(mm[1], `""`, `"`)
				}
			}
			full := project + ":" + name
			if ds != "" {
				full = project + ":" + ds + "." + name
			}
			return &apiError{Code: 404, Reason: "notFound", Message: "Not found: Table " + full + " was not found in location " + loc}
		}
		if m := reUnknownFunc.FindStringSubmatch(body); m != nil {
			return &apiError{Code: 400, Reason: "invalidQuery", Message: "Function not found: " + m[1]}
		}
	}
	if m := reUnknownColumn.FindStringSubmatch(body); m != nil {
		return &apiError{Code: 400, Reason: "invalidQuery", Message: "Unrecognized name: " + m[1] + m[2]}
	}
	if m := reParseFail.FindStringSubmatch(body); m != nil {
		// BigQuery: Failed to parse input string "2008-13-25"
		return &apiError{Code: 400, Reason: "invalidQuery", Message: "Failed to parse input string \"" + m[1] + "\""}
	}
	if m := reOverflow.FindStringSubmatch(body); m != nil {
		// BigQuery: "int64 overflow: 9223372036854775807 + 1"
		return &apiError{Code: 400, Reason: "invalidQuery", Message: "int64 overflow: " + m[1] + m[2]}
	}
	if m := reDuckConvert.FindStringSubmatch(body); m != nil {
		if t, ok := duckTypeNames[strings.ToUpper(m[2])]; ok {
			return &apiError{Code: 400, Reason: "invalidQuery", Message: "Bad " + t + " value: " + m[1]}
		}
	}
	if m := reJSONMix.FindStringSubmatch(body); m != nil {
		if f := reJSONDoc.FindStringSubmatch(orig); f != nil {
			t := m[1]
			if t == "VARCHAR" || t == "JSON" {
				t = m[2]
			}
			n := int(f[1][0] - '0')
			args := duckTypeName(t) + strings.Repeat(", STRING", max(n-1, 0))
			return &apiError{Code: 400, Reason: "invalidQuery", Message: "No matching signature for function " + f[2] + " for argument types: " + args}
		}
	}
	if m := reNoOverload.FindStringSubmatch(body); m != nil {
		name := strings.ToUpper(m[1])
		if n, ok := duckFuncNames[m[1]]; ok {
			name = n
		}
		var args []string
		for _, a := range splitTypes(m[2]) {
			args = append(args, duckTypeName(strings.TrimSuffix(a, "_LITERAL")))
		}
		if m[1] == "struct_extract" && len(args) > 0 && args[0] == "JSON" {
			// bqsql prints field access (x.a) as struct_extract: on JSON, BigQuery's x.a is a JSON field
			return &apiError{Code: 400, Reason: "invalidQuery", Message: "Unsupported feature: field access on a JSON value (the local emulator serves JSON_QUERY(x, '$.a') and x['a'])"}
		}
		what := "function " + name
		if !regexp.MustCompile(`^[A-Z_0-9]+$`).MatchString(name) {
			what = "operator " + m[1]
		}
		return &apiError{Code: 400, Reason: "invalidQuery", Message: "No matching signature for " + what + " for argument types: " + strings.Join(args, ", ")}
	}
	body = strings.TrimSuffix(strings.TrimSpace(body), "!")
	if body == "" {
		body = "Query error"
	}
	return &apiError{Code: 400, Reason: "invalidQuery", Message: body}
}

// duckTypeName is GoogleSQL's name for a type DuckDB reports (BIGINT INT64, DOUBLE FLOAT64,
// STRUCT(a BIGINT)[] ARRAY<STRUCT<a INT64>>), for error messages.
func duckTypeName(duck string) string {
	n, err := parseDuckType(duck)
	if err != nil {
		return duck
	}
	return sqlTypeName(bqField("", n))
}

// duckFuncNames are the GoogleSQL names of DuckDB functions bqsql renders under another name.
var duckFuncNames = map[string]string{
	"str_split": "SPLIT", "string_split": "SPLIT", "generate_series": "GENERATE_ARRAY", "range": "GENERATE_ARRAY",
	"strlen": "BYTE_LENGTH", "strpos": "STRPOS", "list_reverse": "ARRAY_REVERSE", "len": "ARRAY_LENGTH",
	"array_length": "ARRAY_LENGTH", "list_concat": "ARRAY_CONCAT", "regexp_full_match": "REGEXP_CONTAINS",
	"regexp_matches": "REGEXP_CONTAINS", "count_if": "COUNTIF", "arg_max": "MAX_BY", "arg_min": "MIN_BY",
	"bool_or": "LOGICAL_OR", "bool_and": "LOGICAL_AND", "random": "RAND", "stddev_samp": "STDDEV",
	"var_samp": "VARIANCE", "unhex": "FROM_HEX", "contains": "CONTAINS_SUBSTR", "strftime": "FORMAT_TIMESTAMP",
	"strptime": "PARSE_TIMESTAMP", "date_diff": "DATE_DIFF", "date_trunc": "DATE_TRUNC",
}

// splitTypes splits DuckDB's argument type list at top-level commas ("STRUCT(a INTEGER, b VARCHAR), BLOB").
func splitTypes(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}
