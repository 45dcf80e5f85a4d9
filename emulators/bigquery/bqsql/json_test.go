package bqsql

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// runJSON translates a one-statement query, runs it on DuckDB and returns each column's BigQuery type
// (STRING, JSON, ARRAY<STRING>, ARRAY<JSON>, other DuckDB names as they are) and the rows, a JSON value as
// its JSON text (the driver would hand it over parsed: the JSON string "a" as a, 12.50 as 12.5).
func runJSON(t *testing.T, db *sql.DB, q string, opts Options) ([]string, [][]any, error) {
	t.Helper()
	opts.DefaultDataset = "ds"
	stmts, err := Translate(q, opts)
	if err != nil {
		return nil, nil, err
	}
	s := stmts[len(stmts)-1].SQL
	d, err := db.Query("DESCRIBE " + s)
	if err != nil {
		return nil, nil, err
	}
	var types, cols []string
	for d.Next() {
		var name, typ string
		var a, b, c, e any
		if err := d.Scan(&name, &typ, &a, &b, &c, &e); err != nil {
			t.Fatal(err)
		}
		col := qid(name)
		switch typ {
		case "VARCHAR":
			typ = "STRING"
		case "VARCHAR[]":
			typ = "ARRAY<STRING>"
		case "JSON":
			col = "CAST(" + col + " AS VARCHAR)"
		case "JSON[]":
			typ, col = "ARRAY<JSON>", "CAST("+col+" AS VARCHAR[])"
		}
		types, cols = append(types, typ), append(cols, col)
	}
	d.Close()
	rows, err := db.Query("SELECT " + strings.Join(cols, ", ") + " FROM (" + s + ")")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return types, out, rows.Err()
}

type jsonCase struct {
	name, sql string
	types     []string // BigQuery result types, one per column
	rows      [][]any  // nil is NULL, []any an array; JSON values as JSON text
}

// a is shorthand for an array value.
func a(xs ...any) []any {
	if xs == nil {
		return []any{}
	}
	return xs
}

func runJSONCases(t *testing.T, cases []jsonCase) {
	db := newDB(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			types, rows, err := runJSON(t, db, c.sql, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(types, c.types) {
				t.Errorf("types %v, want %v (BigQuery)", types, c.types)
			}
			if !reflect.DeepEqual(rows, c.rows) {
				t.Errorf("rows %#v,\nwant %#v (BigQuery)", rows, c.rows)
			}
		})
	}
}

const students = `FROM UNNEST([
  '{"class" : {"students" : [{"name" : "Jane"}]}}',
  '{"class" : {"students" : []}}',
  '{"class" : {"students" : [{"name" : "John"}, {"name": "Jamie"}]}}'
  ]) AS json_text WITH OFFSET AS o ORDER BY o`

const students4 = `FROM UNNEST([
  '{"class" : {"students" : [{"name" : "Jane"}]}}',
  '{"class" : {"students" : []}}',
  '{"class" : {"students" : [{"name" : "John"}, {"name" : null}]}}',
  '{"class" : {"students" : [{"name" : "John"}, {"name": "Jamie"}]}}'
  ]) AS json_text WITH OFFSET AS o ORDER BY o`

// TestJSONExtractDocs: the examples of the GoogleSQL reference (JSON functions page, JSON_EXTRACT,
// JSON_EXTRACT_SCALAR, JSON_QUERY, JSON_VALUE, and "Differences between the JSON and JSON-formatted STRING
// types"): a STRING argument gives STRING, a JSON argument JSON.
func TestJSONExtractDocs(t *testing.T) {
	s, j := []string{"STRING"}, []string{"JSON"}
	runJSONCases(t, []jsonCase{
		// JSON_EXTRACT: "JSON data is extracted and returned as JSON"
		{"extract_json_arg", `SELECT JSON_EXTRACT(JSON '{"class":{"students":[{"id":5},{"id":12}]}}', '$.class')`, j, [][]any{{`{"students":[{"id":5},{"id":12}]}`}}},
		{"query_json_arg", `SELECT JSON_QUERY(JSON '{"class":{"students":[{"id":5},{"id":12}]}}', '$.class')`, j, [][]any{{`{"students":[{"id":5},{"id":12}]}`}}},
		// "... extracted and returned as JSON-formatted strings"
		{"extract_root", `SELECT JSON_EXTRACT(json_text, '$') ` + students, s, [][]any{
			{`{"class":{"students":[{"name":"Jane"}]}}`}, {`{"class":{"students":[]}}`}, {`{"class":{"students":[{"name":"John"},{"name":"Jamie"}]}}`}}},
		{"query_root", `SELECT JSON_QUERY(json_text, '$') ` + students, s, [][]any{
			{`{"class":{"students":[{"name":"Jane"}]}}`}, {`{"class":{"students":[]}}`}, {`{"class":{"students":[{"name":"John"},{"name":"Jamie"}]}}`}}},
		{"extract_first_student", `SELECT JSON_EXTRACT(json_text, '$.class.students[0]') ` + students, s, [][]any{{`{"name":"Jane"}`}, {nil}, {`{"name":"John"}`}}},
		{"query_first_student", `SELECT JSON_QUERY(json_text, '$.class.students[0]') ` + students, s, [][]any{{`{"name":"Jane"}`}, {nil}, {`{"name":"John"}`}}},
		{"extract_second_name", `SELECT JSON_EXTRACT(json_text, '$.class.students[1].name') ` + students4, s, [][]any{{nil}, {nil}, {nil}, {`"Jamie"`}}},
		{"query_second_name", `SELECT JSON_QUERY(json_text, '$.class.students[1].name') ` + students4, s, [][]any{{nil}, {nil}, {nil}, {`"Jamie"`}}},
		// legacy escaping ['key'], standard ."key"
		{"extract_bracket_key", `SELECT JSON_EXTRACT(json_text, "$.class['students']") ` + students, s, [][]any{
			{`[{"name":"Jane"}]`}, {`[]`}, {`[{"name":"John"},{"name":"Jamie"}]`}}},
		{"query_quoted_key", `SELECT JSON_QUERY(json_text, '$.class."students"') ` + students, s, [][]any{
			{`[{"name":"Jane"}]`}, {`[]`}, {`[{"name":"John"},{"name":"Jamie"}]`}}},
		// JSON null: SQL NULL from a STRING, JSON 'null' from JSON; a missing key is SQL NULL for both
		{"extract_string_null", `SELECT JSON_EXTRACT('{"a":null}', "$.a"), JSON_EXTRACT('{"a":null}', "$.b"), JSON_EXTRACT("null", "$")`, []string{"STRING", "STRING", "STRING"}, [][]any{{nil, nil, nil}}},
		{"extract_json_null", `SELECT JSON_EXTRACT(JSON '{"a":null}', "$.a"), JSON_EXTRACT(JSON '{"a":null}', "$.b"), JSON_EXTRACT(JSON 'null', "$")`, []string{"JSON", "JSON", "JSON"}, [][]any{{`null`, nil, `null`}}},
		{"query_string_null", `SELECT JSON_QUERY('{"a":null}', "$.a"), JSON_QUERY('{"a":null}', "$.b"), JSON_QUERY("null", "$")`, []string{"STRING", "STRING", "STRING"}, [][]any{{nil, nil, nil}}},
		{"query_json_null", `SELECT JSON_QUERY(JSON '{"a":null}', "$.a"), JSON_QUERY(JSON '{"a":null}', "$.b"), JSON_QUERY(JSON 'null', "$")`, []string{"JSON", "JSON", "JSON"}, [][]any{{`null`, nil, `null`}}},
		{"differences_null", `WITH t AS (SELECT '{"name": null}' AS json_string, JSON '{"name": null}' AS json)
			SELECT JSON_QUERY(json_string, "$.name") AS name_string, JSON_QUERY(json_string, "$.name") IS NULL AS name_string_is_null,
			JSON_QUERY(json, "$.name") AS name_json, JSON_QUERY(json, "$.name") IS NULL AS name_json_is_null FROM t`,
			[]string{"STRING", "BOOLEAN", "JSON", "BOOLEAN"}, [][]any{{nil, true, `null`, false}}},
		// "No strict validation of extracted values": a STRING keeps duplicated keys
		{"string_keeps_duplicates", `SELECT JSON_QUERY('{"key": 1, "key": 2}', "$") AS string`, s, [][]any{{`{"key":1,"key":2}`}}},
		// JSON_EXTRACT vs JSON_EXTRACT_SCALAR, JSON_QUERY vs JSON_VALUE
		{"extract_vs_scalar", `SELECT JSON_EXTRACT('{ "name" : "Jakob", "age" : "6" }', '$.name') AS json_name,
			JSON_EXTRACT_SCALAR('{ "name" : "Jakob", "age" : "6" }', '$.name') AS scalar_name,
			JSON_EXTRACT('{ "name" : "Jakob", "age" : "6" }', '$.age') AS json_age,
			JSON_EXTRACT_SCALAR('{ "name" : "Jakob", "age" : "6" }', '$.age') AS scalar_age`,
			[]string{"STRING", "STRING", "STRING", "STRING"}, [][]any{{`"Jakob"`, "Jakob", `"6"`, "6"}}},
		{"query_vs_value", `SELECT JSON_QUERY('{ "name" : "Jakob", "age" : "6" }', '$.name') AS json_name,
			JSON_VALUE('{ "name" : "Jakob", "age" : "6" }', '$.name') AS scalar_name,
			JSON_QUERY('{ "name" : "Jakob", "age" : "6" }', '$.age') AS json_age,
			JSON_VALUE('{ "name" : "Jakob", "age" : "6" }', '$.age') AS scalar_age`,
			[]string{"STRING", "STRING", "STRING", "STRING"}, [][]any{{`"Jakob"`, "Jakob", `"6"`, "6"}}},
		{"scalar_json_arg", `SELECT JSON_EXTRACT_SCALAR(JSON '{ "name" : "Jakob", "age" : "6" }', '$.age'), JSON_VALUE(JSON '{ "name" : "Jakob", "age" : "6" }', '$.age')`,
			[]string{"STRING", "STRING"}, [][]any{{"6", "6"}}},
		{"extract_array_vs_scalar", `SELECT JSON_EXTRACT('{"fruits": ["apple", "banana"]}', '$.fruits') AS json_extract,
			JSON_EXTRACT_SCALAR('{"fruits": ["apple", "banana"]}', '$.fruits') AS json_extract_scalar`,
			[]string{"STRING", "STRING"}, [][]any{{`["apple","banana"]`, nil}}},
		{"query_array_vs_value", `SELECT JSON_QUERY('{"fruits": ["apple", "banana"]}', '$.fruits') AS json_query,
			JSON_VALUE('{"fruits": ["apple", "banana"]}', '$.fruits') AS json_value`,
			[]string{"STRING", "STRING"}, [][]any{{`["apple","banana"]`, nil}}},
		// keys with JSONPath characters: ['a.b'] in the legacy functions, ."a.b" in the standard ones
		{"scalar_bracket_quoted_key", `SELECT JSON_EXTRACT_SCALAR('{"a.b": {"c": "world"}}', "$['a.b'].c") AS hello`, s, [][]any{{"world"}}},
		{"value_quoted_key", `SELECT JSON_VALUE('{"a.b": {"c": "world"}}', '$."a.b".c') AS hello`, s, [][]any{{"world"}}},
		// JSON_VALUE_ARRAY: "If the JSON-formatted string is invalid, then NULL is returned"; the same for the others
		{"malformed_string_is_null", `SELECT JSON_QUERY('}}', '$'), JSON_EXTRACT('}}', '$'), JSON_VALUE('}}', '$'), JSON_EXTRACT_SCALAR('}}'),
			JSON_QUERY_ARRAY('}}'), JSON_EXTRACT_ARRAY('}}', '$'), JSON_VALUE_ARRAY('}}', '$'), JSON_EXTRACT_STRING_ARRAY('}}')`,
			[]string{"STRING", "STRING", "STRING", "STRING", "ARRAY<STRING>", "ARRAY<STRING>", "ARRAY<STRING>", "ARRAY<STRING>"},
			[][]any{{nil, nil, nil, nil, nil, nil, nil, nil}}},
		{"null_document", `SELECT JSON_QUERY(NULL, '$'), JSON_VALUE(NULL), JSON_VALUE_ARRAY(NULL, '$'), JSON_QUERY_ARRAY(CAST(NULL AS JSON))`,
			[]string{"STRING", "STRING", "ARRAY<STRING>", "ARRAY<JSON>"}, [][]any{{nil, nil, nil, nil}}},
	})
}

// TestJSONArrayDocs: the JSON_QUERY_ARRAY and JSON_VALUE_ARRAY examples of the GoogleSQL reference.
func TestJSONArrayDocs(t *testing.T) {
	as, aj := []string{"ARRAY<STRING>"}, []string{"ARRAY<JSON>"}
	runJSONCases(t, []jsonCase{
		{"query_array_json_arg", `SELECT JSON_QUERY_ARRAY(JSON '{"fruits":["apples","oranges","grapes"]}','$.fruits') AS json_array`, aj, [][]any{{a(`"apples"`, `"oranges"`, `"grapes"`)}}},
		{"query_array_string", `SELECT JSON_QUERY_ARRAY('[1,2,3]') AS string_array`, as, [][]any{{a("1", "2", "3")}}},
		{"query_array_to_int", `SELECT ARRAY(SELECT CAST(integer_element AS INT64) FROM UNNEST(JSON_QUERY_ARRAY('[1,2,3]','$')) AS integer_element) AS integer_array`,
			[]string{"BIGINT[]"}, [][]any{{a(int64(1), int64(2), int64(3))}}},
		{"query_array_keeps_quotes", `SELECT JSON_QUERY_ARRAY('["apples","oranges","grapes"]', '$') AS string_array`, as, [][]any{{a(`"apples"`, `"oranges"`, `"grapes"`)}}},
		{"query_array_then_value", `SELECT ARRAY(SELECT JSON_VALUE(string_element, '$') FROM UNNEST(JSON_QUERY_ARRAY('["apples","oranges","grapes"]','$')) AS string_element) AS string_array`,
			as, [][]any{{a("apples", "oranges", "grapes")}}},
		{"query_array_objects", `SELECT JSON_QUERY_ARRAY('{"fruit":[{"apples":5,"oranges":10},{"apples":2,"oranges":4}],"vegetables":[{"lettuce":7,"kale": 8}]}', '$.fruit') AS string_array`,
			as, [][]any{{a(`{"apples":5,"oranges":10}`, `{"apples":2,"oranges":4}`)}}},
		{"query_array_equivalent_paths", `SELECT JSON_QUERY_ARRAY('{"fruits":["apples","oranges","grapes"]}','$.fruits'), JSON_QUERY_ARRAY('{"fruits":["apples","oranges","grapes"]}','$."fruits"')`,
			[]string{"ARRAY<STRING>", "ARRAY<STRING>"}, [][]any{{a(`"apples"`, `"oranges"`, `"grapes"`), a(`"apples"`, `"oranges"`, `"grapes"`)}}},
		{"query_array_quoted_key", `SELECT JSON_QUERY_ARRAY('{"a.b": {"c": ["world"]}}', '$."a.b".c') AS hello`, as, [][]any{{a(`"world"`)}}},
		{"extract_array_bracket_key", `SELECT JSON_EXTRACT_ARRAY('{"a.b": {"c": ["world"]}}', "$['a.b'].c") AS hello`, as, [][]any{{a(`"world"`)}}},
		{"query_array_not_array", `SELECT JSON_QUERY_ARRAY('{"a":"foo"}','$.a') AS result`, as, [][]any{{nil}}},
		{"query_array_missing", `SELECT JSON_QUERY_ARRAY('{"a":"foo"}','$.b') AS result`, as, [][]any{{nil}}},
		{"query_array_empty", `SELECT JSON_QUERY_ARRAY('{"a":"foo","b":[]}','$.b') AS result`, as, [][]any{{a()}}},
		{"value_array_json_arg", `SELECT JSON_VALUE_ARRAY(JSON '{"fruits":["apples","oranges","grapes"]}','$.fruits') AS string_array`, as, [][]any{{a("apples", "oranges", "grapes")}}},
		{"query_vs_value_array", `SELECT JSON_QUERY_ARRAY('["apples","oranges"]') AS json_array, JSON_VALUE_ARRAY('["apples","oranges"]') AS string_array`,
			[]string{"ARRAY<STRING>", "ARRAY<STRING>"}, [][]any{{a(`"apples"`, `"oranges"`), a("apples", "oranges")}}},
		{"value_array_strips_quotes", `SELECT JSON_VALUE_ARRAY('["foo","bar","baz"]','$') AS string_array`, as, [][]any{{a("foo", "bar", "baz")}}},
		{"value_array_to_int", `SELECT ARRAY(SELECT CAST(integer_element AS INT64) FROM UNNEST(JSON_VALUE_ARRAY('[1,2,3]','$')) AS integer_element) AS integer_array`,
			[]string{"BIGINT[]"}, [][]any{{a(int64(1), int64(2), int64(3))}}},
		{"value_array_equivalent_paths", `SELECT JSON_VALUE_ARRAY('{"fruits":["apples","oranges","grapes"]}','$.fruits'), JSON_VALUE_ARRAY('{"fruits":["apples","oranges","grapes"]}','$."fruits"')`,
			[]string{"ARRAY<STRING>", "ARRAY<STRING>"}, [][]any{{a("apples", "oranges", "grapes"), a("apples", "oranges", "grapes")}}},
		{"value_array_quoted_key", `SELECT JSON_VALUE_ARRAY('{"a.b": {"c": ["world"]}}', '$."a.b".c') AS hello`, as, [][]any{{a("world")}}},
		{"value_array_invalid_string", `SELECT JSON_VALUE_ARRAY('}}','$') AS result`, as, [][]any{{nil}}},
		{"value_array_null", `SELECT JSON_VALUE_ARRAY(NULL,'$') AS result`, as, [][]any{{nil}}},
		{"value_array_no_match", `SELECT JSON_VALUE_ARRAY('{"a":["foo","bar","baz"]}','$.b') AS result`, as, [][]any{{nil}}},
		{"value_array_not_array", `SELECT JSON_VALUE_ARRAY('{"a":"foo"}','$') AS result`, as, [][]any{{nil}}},
		{"value_array_of_objects", `SELECT JSON_VALUE_ARRAY('{"a":[{"b":"foo","c":1},{"b":"bar","c":2}],"d":"baz"}','$.a') AS result`, as, [][]any{{nil}}},
		{"value_array_mixed", `SELECT JSON_VALUE_ARRAY('{"a":[10, {"b": 20}]','$.a') AS result`, as, [][]any{{nil}}},
		{"value_array_empty", `SELECT JSON_VALUE_ARRAY('{"a":"foo","b":[]}','$.b') AS result`, as, [][]any{{a()}}},
		{"value_array_json_null_element", `SELECT JSON_VALUE_ARRAY('["world", null, 1]') AS result`, as, [][]any{{a("world", nil, "1")}}},
	})
}

// TestJSONNumberText: from a JSON-formatted STRING, BigQuery extracts numbers as written (issue 20: the
// independent suite's JSON_VALUE('{"a":12.50}', '$.a') is '12.50'; the reference: STRING inputs are not
// re-validated, keys keep their order and duplicates). DuckDB re-prints them (12.5, 1e2 as 100.0).
func TestJSONNumberText(t *testing.T) {
	runJSONCases(t, []jsonCase{
		{"value_keeps_digits", `SELECT JSON_VALUE('{"a":12.50}', '$.a'), JSON_EXTRACT_SCALAR('{"a":1e2}', '$.a'), JSON_VALUE('-0')`,
			[]string{"STRING", "STRING", "STRING"}, [][]any{{"12.50", "1e2", "-0"}}},
		{"query_keeps_digits", `SELECT JSON_QUERY('{"a":{"b":1.50,"c":[1e2, 7]}}', '$.a'), JSON_EXTRACT('[12345678901234567890123]', '$[0]')`,
			[]string{"STRING", "STRING"}, [][]any{{`{"b":1.50,"c":[1e2,7]}`, "12345678901234567890123"}}},
		{"arrays_keep_digits", `SELECT JSON_QUERY_ARRAY('[1.50, {"x": 2.0}]'), JSON_VALUE_ARRAY('[1.50, "a"]')`,
			[]string{"ARRAY<STRING>", "ARRAY<STRING>"}, [][]any{{a("1.50", `{"x":2.0}`), a("1.50", "a")}}},
		// strings with digits and separators in them are left alone
		{"strings_untouched", `SELECT JSON_VALUE('{"s":"x: 1, y","n":2}', '$.s'), JSON_QUERY('{"s":"a\\"b: 3,","k 1":[1]}', '$')`,
			[]string{"STRING", "STRING"}, [][]any{{"x: 1, y", `{"s":"a\"b: 3,","k 1":[1]}`}}},
	})
}

// TestJSONSubscriptDocs: the JSON subscript operator of the GoogleSQL reference (operators page): 0-based,
// NULL when negative, out of range or not an array; a field name gives NULL when missing.
func TestJSONSubscriptDocs(t *testing.T) {
	j := []string{"JSON"}
	runJSONCases(t, []jsonCase{
		{"index", `SELECT (JSON '["apple", "orange", "pear"]')[1]`, j, [][]any{{`"orange"`}}},
		{"field", `SELECT (JSON '{"apple": "10", "pear": "5"}')['pear']`, j, [][]any{{`"5"`}}},
		{"index_then_field", `SELECT (JSON '[ {"fruit": "apple"}, {"fruit": "pear"}]')[0]['fruit'], (JSON '[ {"fruit": "apple"}, {"fruit": "pear"}]')[1]['fruit']`,
			[]string{"JSON", "JSON"}, [][]any{{`"apple"`, `"pear"`}}},
		{"out_of_range", `SELECT (JSON '["apple"]')[-1], (JSON '["apple"]')[1], (JSON '{"a": 1}')[0], (JSON '[1]')['a'], (JSON '{"a": 1}')['b']`,
			[]string{"JSON", "JSON", "JSON", "JSON", "JSON"}, [][]any{{nil, nil, nil, nil, nil}}},
		{"index_expression", `SELECT j[i] FROM UNNEST([0, 2, 3, -1]) AS i WITH OFFSET o, (SELECT JSON '[10, 20, 30]' AS j) ORDER BY o`, j, [][]any{{`10`}, {`30`}, {nil}, {nil}}},
		{"column", `WITH t AS (SELECT JSON '{"items": [{"sku": "a"}, {"sku": "b"}]}' AS j) SELECT j['items'][1]['sku'] FROM t`, j, [][]any{{`"b"`}}},
		// arrays keep their own rules: [n] is OFFSET(n)
		{"array_still_offset", `SELECT ['a', 'b'][1], [10, 20][SAFE_OFFSET(5)]`, []string{"STRING", "BIGINT"}, [][]any{{"b", nil}}},
	})
	db := newDB(t)
	if _, _, err := runJSON(t, db, `SELECT ['a', 'b'][5]`, Options{}); err == nil || !strings.Contains(err.Error(), "Array index 5 is out of bounds") {
		t.Fatalf("array [5] out of range: got %v, want BigQuery's error", err)
	}
	if _, _, err := runJSON(t, db, `SELECT ['a', 'b'][-1]`, Options{}); err == nil || !strings.Contains(err.Error(), "Array index -1 is out of bounds") {
		t.Fatalf("array [-1]: got %v, want BigQuery's error", err)
	}
}

// TestJSONPathErrors: JSONPaths BigQuery rejects, with its messages (GoogleSQL's JSONPath grammar: the
// legacy functions escape keys as ['a.b'], the standard ones as ."a.b").
func TestJSONPathErrors(t *testing.T) {
	cases := []struct{ name, sql, msg string }{
		// JSON_QUERY_ARRAY / JSON_VALUE_ARRAY reference: "An error is returned if you provide an invalid JSONPath."
		{"query_array_invalid", `SELECT JSON_QUERY_ARRAY('["foo","bar","baz"]','INVALID_JSONPath')`, "JSONPath must start with '$'"},
		{"value_array_invalid", `SELECT JSON_VALUE_ARRAY('["foo","bar","baz"]','INVALID_JSONPath')`, "JSONPath must start with '$'"},
		{"legacy_double_quoted_bracket", `SELECT JSON_EXTRACT_SCALAR('{"First Name": 1}', '$["First Name"]')`, `Invalid token in JSONPath at: ["First Name"]`},
		{"standard_rejects_bracket_quote", `SELECT JSON_VALUE('{"a.b": 1}', "$['a.b']")`, `Invalid token in JSONPath at: ['a.b']`},
		{"wildcard", `SELECT JSON_QUERY('[1]', '$[*]')`, "Unsupported operator in JSONPath: *"},
		{"recursive_descent", `SELECT JSON_QUERY('{}', '$..a')`, "Unsupported operator in JSONPath: .."},
		{"non_literal_path", `SELECT JSON_VALUE('{}', CONCAT('$', '.a'))`, "JSONPath must be a string literal or query parameter"},
		{"query_needs_path", `SELECT JSON_QUERY('{}')`, "Number of arguments does not match for function JSON_QUERY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Translate(c.sql, Options{})
			var te *Error
			if !errors.As(err, &te) || !strings.Contains(te.Msg, c.msg) {
				t.Fatalf("got %v, want %q", err, c.msg)
			}
		})
	}
	// a query parameter is a path too
	db := newDB(t)
	_, rows, err := runJSON(t, db, `SELECT JSON_VALUE('{"a.b": {"c": "world"}}', @p)`, Options{Params: []Param{{Name: "p", Type: "STRING", Value: strp(`$."a.b".c`)}}})
	if err != nil || !reflect.DeepEqual(rows, [][]any{{"world"}}) {
		t.Fatalf("path parameter: %v %v", rows, err)
	}
}

// TestToJSONStringDocs: TO_JSON_STRING examples and the "JSON encodings" table of the GoogleSQL reference.
func TestToJSONStringDocs(t *testing.T) {
	s := []string{"STRING"}
	runJSONCases(t, []jsonCase{
		{"rows", `With CoordinatesTable AS (
			(SELECT 1 AS id, [10,20] AS coordinates) UNION ALL
			(SELECT 2 AS id, [30,40] AS coordinates) UNION ALL
			(SELECT 3 AS id, [50,60] AS coordinates))
			SELECT TO_JSON_STRING(t) AS json_data FROM CoordinatesTable AS t ORDER BY id`,
			s, [][]any{{`{"id":1,"coordinates":[10,20]}`}, {`{"id":2,"coordinates":[30,40]}`}, {`{"id":3,"coordinates":[50,60]}`}}},
		{"rows_nested", `WITH Input AS (
			SELECT [1, 2] AS x, 'foo' AS y, STRUCT(true AS a, DATE '2017-04-05' AS b) AS s UNION ALL
			SELECT NULL AS x, '' AS y, STRUCT(false AS a, DATE '0001-01-01' AS b) AS s UNION ALL
			SELECT [3] AS x, 'bar' AS y, STRUCT(NULL AS a, DATE '2016-12-05' AS b) AS s)
			SELECT TO_JSON_STRING(t) AS json_row FROM Input AS t ORDER BY y`,
			s, [][]any{{`{"x":null,"y":"","s":{"a":false,"b":"0001-01-01"}}`}, {`{"x":[3],"y":"bar","s":{"a":null,"b":"2016-12-05"}}`},
				{`{"x":[1,2],"y":"foo","s":{"a":true,"b":"2017-04-05"}}`}}},
		{"encodings_scalars", `SELECT TO_JSON_STRING(NULL), TO_JSON_STRING(TRUE), TO_JSON_STRING(FALSE), TO_JSON_STRING(-1), TO_JSON_STRING(0),
			TO_JSON_STRING(12345678901), TO_JSON_STRING(9007199254740992), TO_JSON_STRING(9007199254740993)`,
			[]string{"STRING", "STRING", "STRING", "STRING", "STRING", "STRING", "STRING", "STRING"},
			[][]any{{"null", "true", "false", "-1", "0", "12345678901", "9007199254740992", `"9007199254740993"`}}},
		{"encodings_numeric", `SELECT TO_JSON_STRING(NUMERIC '-1'), TO_JSON_STRING(NUMERIC '0'), TO_JSON_STRING(NUMERIC '9007199254740993'), TO_JSON_STRING(NUMERIC '123.56')`,
			[]string{"STRING", "STRING", "STRING", "STRING"}, [][]any{{"-1", "0", `"9007199254740993"`, `"123.56"`}}},
		{"encodings_float", `SELECT TO_JSON_STRING(1.0), TO_JSON_STRING(CAST('+inf' AS FLOAT64)), TO_JSON_STRING(CAST('-inf' AS FLOAT64)), TO_JSON_STRING(CAST('NaN' AS FLOAT64))`,
			[]string{"STRING", "STRING", "STRING", "STRING"}, [][]any{{"1", `"Infinity"`, `"-Infinity"`, `"NaN"`}}},
		{"encodings_strings", `SELECT TO_JSON_STRING("abc"), TO_JSON_STRING("\"abc\""), TO_JSON_STRING(b"Google")`,
			[]string{"STRING", "STRING", "STRING"}, [][]any{{`"abc"`, `"\"abc\""`, `"R29vZ2xl"`}}},
		{"encodings_dates", `SELECT TO_JSON_STRING(DATE '2017-03-06'), TO_JSON_STRING(TIMESTAMP '2017-03-06 12:34:56.789012'),
			TO_JSON_STRING(DATETIME '2017-03-06 12:34:56.789012'), TO_JSON_STRING(TIME '12:34:56.789012')`,
			[]string{"STRING", "STRING", "STRING", "STRING"}, [][]any{{`"2017-03-06"`, `"2017-03-06T12:34:56.789012Z"`, `"2017-03-06T12:34:56.789012"`, `"12:34:56.789012"`}}},
		{"encodings_arrays", `SELECT TO_JSON_STRING(["red", "blue", "green"]), TO_JSON_STRING([1, 2, 3])`,
			[]string{"STRING", "STRING"}, [][]any{{`["red","blue","green"]`, `[1,2,3]`}}},
		// FLOAT64 inside a STRUCT or ARRAY prints like CAST(x AS STRING) too (strings are left alone)
		{"float_in_struct", `SELECT TO_JSON_STRING(STRUCT(1.0 AS x, [2.0, 2.5] AS y, '1.0,' AS z))`, s, [][]any{{`{"x":1,"y":[2,2.5],"z":"1.0,"}`}}},
	})
	db := newDB(t)
	if _, _, err := runJSON(t, db, `SELECT TO_JSON_STRING(STRUCT(TIMESTAMP '2017-03-06 12:34:56' AS t))`, Options{}); err == nil || !strings.Contains(err.Error(), "Unsupported feature: TO_JSON_STRING") {
		t.Fatalf("TIMESTAMP inside a STRUCT: got %v, want a refusal", err)
	}
}

// TestJSONArgumentTypes: only STRING and JSON documents have a signature (GoogleSQL reference: each
// extraction function takes json_string_expr or json_expr).
func TestJSONArgumentTypes(t *testing.T) {
	if _, err := Translate(`SELECT JSON_VALUE(1, '$')`, Options{}); err == nil || !strings.Contains(err.Error(), "No matching signature for function JSON_VALUE for argument types: INT64, STRING") {
		t.Fatalf("literal INT64 document: got %v", err)
	}
	db := newDB(t)
	_, _, err := runJSON(t, db, `SELECT JSON_VALUE(x, '$') FROM UNNEST([1.5]) AS x`, Options{})
	if err == nil || !strings.Contains(err.Error(), "No matching signature for function JSON_VALUE for argument types: FLOAT64, STRING") {
		t.Fatalf("FLOAT64 column document: got %v", err)
	}
	// JSON_QUERY fails when DuckDB binds; the emulator words that error (TestJSONSignatureError there)
	_, _, err = runJSON(t, db, `SELECT JSON_QUERY(x, '$') FROM UNNEST([1.5]) AS x`, Options{})
	if err == nil || !strings.Contains(err.Error(), "_JSON_QUERY") {
		t.Fatalf("FLOAT64 column document to JSON_QUERY: got %v", err)
	}
}
