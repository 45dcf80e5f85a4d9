package bqsql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// JSON extraction functions. Every one takes a JSON-formatted STRING or a JSON value, and the two differ
// (GoogleSQL reference, JSON functions, "Differences between the JSON and JSON-formatted STRING types"):
// JSON_QUERY/JSON_EXTRACT return STRING for a STRING and JSON for a JSON argument (a JSON null is SQL NULL
// from a STRING but JSON 'null' from JSON), JSON_QUERY_ARRAY/JSON_EXTRACT_ARRAY ARRAY<STRING> or
// ARRAY<JSON>. The translator has no types, so the SQL lets DuckDB pick: "CASE WHEN false THEN doc ..."
// unifies VARCHAR with VARCHAR and JSON with VARCHAR to JSON, so the result has the argument's type, and
// typeof(doc) (folded when DuckDB binds) picks the null rule. A STRING that is not valid JSON gives NULL.

// jsonDoc renders the document argument of a JSON function.
func (pr *printer) jsonDoc(f *funcExpr) string {
	if len(f.args) == 0 {
		pr.fail(f.at, "Number of arguments does not match for function %s", strings.Join(f.name, "."))
	}
	return pr.expr(f.args[0])
}

// jsonPathArg translates argument i (a JSONPath string literal or query parameter; "$" when absent) into
// a DuckDB JSON path literal. legacy selects the escaping of the JSON_EXTRACT family, ['a.b']; the
// standard functions (JSON_QUERY, JSON_VALUE, ...) write ."a.b".
func (pr *printer) jsonPathArg(f *funcExpr, i int, legacy bool) string {
	if i >= len(f.args) {
		return "'$'"
	}
	var path string
	a := f.at
	switch x := f.args[i].(type) {
	case *litExpr:
		if x.kind != "STRING" {
			pr.fail(x.at, "JSONPath must be a string literal or query parameter")
		}
		path, a = x.val, x.at
	case *paramExpr:
		p := pr.findParam(x)
		if !strings.EqualFold(p.Type, "STRING") || p.Value == nil {
			pr.fail(x.at, "JSONPath must be a string literal or query parameter")
		}
		path, a = *p.Value, x.at
	default:
		l, c := f.args[i].pos()
		pr.fail(at{l, c}, "JSONPath must be a string literal or query parameter")
	}
	toks, err := parseJSONPath(path, legacy)
	if err != "" {
		pr.fail(a, "%s", err)
	}
	var b strings.Builder
	b.WriteString("$")
	for _, t := range toks {
		if t.index {
			b.WriteString("[" + t.key + "]")
			continue
		}
		if strings.ContainsAny(t.key, "\\") {
			pr.unsupported(a, "JSONPath key with a backslash")
		}
		b.WriteString(`."` + strings.ReplaceAll(t.key, `"`, `\"`) + `"`)
	}
	return qstr(b.String())
}

type jsonPathTok struct {
	key   string // the key, or the decimal index when index is set
	index bool
}

func isJSONKeyRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' || r == '-' || r == ':' || unicode.IsSpace(r)
}

// parseJSONPath parses a GoogleSQL JSONPath: "$" then .key (letters, digits, _ - : and spaces), [n]
// and, legacy, [name] and ['quoted key'] (\' escapes a quote), standard ."quoted key" (\" escapes a
// quote); legacy paths may end in ".". The error text is BigQuery's.
func parseJSONPath(p string, legacy bool) ([]jsonPathTok, string) {
	if !strings.HasPrefix(p, "$") {
		return nil, "JSONPath must start with '$'"
	}
	s := p[1:]
	var toks []jsonPathTok
	for s != "" {
		if s[0] == '.' {
			n := 0
			for _, r := range s[1:] {
				if !isJSONKeyRune(r) {
					break
				}
				n += len(string(r))
			}
			if n > 0 {
				toks = append(toks, jsonPathTok{key: s[1 : 1+n]})
				s = s[1+n:]
				continue
			}
			if !legacy && strings.HasPrefix(s, `."`) {
				if k, rest, ok := quotedKey(s[2:], '"'); ok {
					toks = append(toks, jsonPathTok{key: k})
					s = rest
					continue
				}
			}
			if legacy && s == "." {
				break
			}
		}
		if s[0] == '[' {
			in := strings.TrimLeft(s[1:], " \t\n\r\f\v")
			n := 0
			for _, r := range in {
				if !(unicode.IsNumber(r) || r == '_' || r == '-' || legacy && unicode.IsLetter(r)) {
					break
				}
				n += len(string(r))
			}
			if n > 0 {
				rest := strings.TrimLeft(in[n:], " \t\n\r\f\v")
				if strings.HasPrefix(rest, "]") {
					tok := in[:n]
					s = rest[1:]
					if _, err := strconv.ParseUint(tok, 10, 31); err == nil {
						toks = append(toks, jsonPathTok{key: tok, index: true})
					} else if legacy && strings.IndexFunc(tok, unicode.IsLetter) >= 0 {
						toks = append(toks, jsonPathTok{key: tok})
					} else {
						return nil, "Unsupported feature: JSONPath array index " + tok
					}
					continue
				}
			}
			if legacy && strings.HasPrefix(in, "'") {
				if k, rest, ok := quotedKey(in[1:], '\''); ok {
					rest = strings.TrimLeft(rest, " \t\n\r\f\v")
					if strings.HasPrefix(rest, "]") {
						toks = append(toks, jsonPathTok{key: k})
						s = rest[1:]
						continue
					}
				}
			}
		}
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == '*' || s[i] == '@':
				return nil, "Unsupported operator in JSONPath: " + s[i:i+1]
			case strings.HasPrefix(s[i:], ".."):
				return nil, "Unsupported operator in JSONPath: .."
			}
		}
		return nil, "Invalid token in JSONPath at: " + s
	}
	return toks, ""
}

// quotedKey reads a key up to the closing quote q; a backslash before q escapes it (other backslashes stay).
func quotedKey(s string, q byte) (key, rest string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i++
		case s[i] == '\\' && i+1 < len(s):
			b.WriteByte(s[i])
			b.WriteByte(s[i+1])
			i++
		case s[i] == q:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}

// Number text. From a STRING BigQuery returns numbers as written (JSON_VALUE('{"a":12.50}', '$.a') is
// '12.50'); DuckDB re-prints them (12.5, 1e2 as 100.0). So a STRING document has every number turned into
// a marked JSON string first ("\u0001N12.50"; the regexp skips over string literals, whose match adds an
// empty marker that is then removed), and the marks are taken off the results.
const (
	jsonNumOrString = `'("(?:[^"\\]|\\.)*")|(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)'`
	jsonMarkNumber  = `'\1"\\u0001N\2"'`
)

// jsonUnmarkText takes the number marks off JSON text.
func jsonUnmarkText(s string) string {
	return `regexp_replace(` + s + `, '"\\u0001N([^"]*)"', '\1', 'g')`
}

// jsonUnmarkValue takes the number mark off a value of json_extract_string.
func jsonUnmarkValue(s string) string { return `regexp_replace(` + s + `, '^\x01N', '')` }

// jsonFunc renders the JSON extraction functions; ok is false for other names.
func (pr *printer) jsonFunc(f *funcExpr, name string) (string, bool) {
	legacy := strings.HasPrefix(name, "JSON_EXTRACT")
	nargs := func(min int) {
		if len(f.args) < min || len(f.args) > 2 {
			pr.fail(f.at, "Number of arguments does not match for function %s", name)
		}
	}
	// bind evaluates the document once (v, as written; m, the text with numbers marked) for body.
	bind := func(body func(v, m, p string, id int) string) string {
		d := pr.jsonDoc(f)
		// BigQuery's signature error names each argument's type (the path is a STRING literal)
		sig := "No matching signature for function " + name + " for argument types: "
		rest := strings.Repeat(", STRING", len(f.args)-1)
		if lit, ok := f.args[0].(*litExpr); ok {
			switch lit.kind {
			case "NULL":
				d = "CAST(NULL AS VARCHAR)"
			case "STRING", "JSON":
			default:
				t := map[string]string{"INT": "INT64", "FLOAT": "FLOAT64"}[lit.kind]
				if t == "" {
					t = lit.kind
				}
				pr.fail(lit.at, "%s%s%s", sig, t, rest)
			}
		}
		p := pr.jsonPathArg(f, 1, legacy)
		id := pr.nextID()
		// The document's lambda variable carries the argument count and the function name
		// (_jd<id>_<n>_<NAME>): where the body's result type follows the document's (JSON_QUERY, the
		// array extractors), another type is a DuckDB bind error about mixing it in a CASE, and the
		// emulator words that error as BigQuery's signature error from the name. Elsewhere another type
		// raises the same error when a row is read (the text stays VARCHAR so that everything binds).
		v, m := fmt.Sprintf("_jd%d_%d_%s", id, len(f.args), name), fmt.Sprintf("_jm%d", id)
		txt := "CAST(" + v + " AS VARCHAR)"
		marked := "(CASE WHEN typeof(" + v + ") NOT IN ('VARCHAR', 'JSON') THEN " + pr.raise("'"+sig+"' || "+bqTypeOf(v)+" || '"+rest+"'") +
			" WHEN typeof(" + v + ") = 'JSON' THEN " + txt + " ELSE replace(regexp_replace(" + txt + ", " +
			jsonNumOrString + ", " + jsonMarkNumber + `, 'g'), '"\u0001N"', '') END)`
		return "list_transform([" + d + "], " + v + " -> list_transform([" + marked + "], " + m + " -> " + body(v, m, p, id) + ")[1])[1]"
	}
	switch name {
	case "JSON_QUERY", "JSON_EXTRACT":
		nargs(2)
		return bind(func(v, m, p string, _ int) string {
			// from a STRING a JSON null is SQL NULL; from JSON it stays JSON 'null'
			txt := jsonUnmarkText("CAST(json_extract(" + m + ", " + p + ") AS VARCHAR)")
			return "(CASE WHEN false THEN " + v + " WHEN json_valid(CAST(" + v + " AS VARCHAR)) THEN (CASE WHEN typeof(" + v + ") = 'JSON' THEN " + txt +
				" ELSE nullif(" + txt + ", 'null') END) END)"
		}), true
	case "JSON_VALUE", "JSON_EXTRACT_SCALAR":
		nargs(1)
		return bind(func(v, m, p string, _ int) string {
			return "(CASE WHEN json_valid(CAST(" + v + " AS VARCHAR)) AND json_type(" + m + ", " + p + ") NOT IN ('OBJECT', 'ARRAY') THEN " +
				jsonUnmarkValue("json_extract_string("+m+", "+p+")") + " END)"
		}), true
	case "JSON_QUERY_ARRAY", "JSON_EXTRACT_ARRAY":
		nargs(1)
		return bind(func(v, m, p string, id int) string {
			// elements one by one: CAST(... AS JSON[]) would turn a JSON null element into SQL NULL
			i := fmt.Sprintf("_ji%d", id)
			elem := "CASE WHEN false THEN " + v + " ELSE " + jsonUnmarkText("CAST(json_extract("+m+", "+p+")["+i+"] AS VARCHAR)") + " END"
			return "(CASE WHEN json_valid(CAST(" + v + " AS VARCHAR)) AND json_type(" + m + ", " + p + ") = 'ARRAY' THEN list_transform(range(CAST(json_array_length(" +
				m + ", " + p + ") AS BIGINT)), " + i + " -> " + elem + ") END)"
		}), true
	case "JSON_VALUE_ARRAY", "JSON_EXTRACT_STRING_ARRAY":
		nargs(1)
		return bind(func(v, m, p string, id int) string {
			e := fmt.Sprintf("_je%d", id)
			arr := "CAST(json_extract(" + m + ", " + p + ") AS JSON[])"
			return "(CASE WHEN json_valid(CAST(" + v + " AS VARCHAR)) AND json_type(" + m + ", " + p + ") = 'ARRAY' AND len(list_filter(" + arr +
				", " + e + " -> json_type(" + e + ") IN ('OBJECT', 'ARRAY'))) = 0 THEN list_transform(" + arr + ", " + e + " -> " +
				jsonUnmarkValue("json_extract_string("+e+", '$')") + ") END)"
		}), true
	}
	return "", false
}

// toJSONString renders TO_JSON_STRING with BigQuery's encodings (GoogleSQL reference, "JSON encodings"):
// NULL is null; INT64 outside [-2^53, 2^53] and NUMERIC with a fraction or outside it are quoted strings;
// FLOAT64 prints like CAST(x AS STRING) (1.0 is 1), +/-inf and NaN as "Infinity", "-Infinity", "NaN";
// TIMESTAMP "2017-03-06T12:34:56.789012Z", DATETIME with a T; BYTES base64. typeof(v) is folded when
// DuckDB binds, and every branch binds for any type (they work on CAST(v AS VARCHAR)). Inside a STRUCT or
// ARRAY, FLOAT64 loses its ".0"; TIMESTAMP, DATETIME, NUMERIC or BYTES there are refused.
func (pr *printer) toJSONString(f *funcExpr, x string) string {
	if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "NULL" {
		return "'null'"
	}
	v := fmt.Sprintf("_tj%d", pr.nextID())
	s := "CAST(" + v + " AS VARCHAR)"
	q := func(e string) string { return `'"' || ` + e + ` || '"'` }
	const maxExact = "9007199254740992"
	dec := "(CASE WHEN contains(" + s + ", '.') THEN rtrim(rtrim(" + s + ", '0'), '.') ELSE " + s + " END)"
	body := "(CASE WHEN " + v + " IS NULL THEN 'null'" +
		" WHEN typeof(" + v + ") = 'TIMESTAMP WITH TIME ZONE' THEN " + q("replace(regexp_replace("+s+", '\\+00$', 'Z'), ' ', 'T')") +
		" WHEN typeof(" + v + ") = 'TIMESTAMP' THEN " + q("replace("+s+", ' ', 'T')") +
		" WHEN typeof(" + v + ") IN ('DOUBLE', 'FLOAT') THEN (CASE " + s + " WHEN 'inf' THEN '\"Infinity\"' WHEN '-inf' THEN '\"-Infinity\"'" +
		" WHEN 'nan' THEN '\"NaN\"' ELSE regexp_replace(" + s + ", '\\.0$', '') END)" +
		" WHEN typeof(" + v + ") LIKE 'DECIMAL%' THEN (CASE WHEN NOT contains(" + dec + ", '.') AND abs(TRY_CAST(" + dec + " AS HUGEINT)) <= " + maxExact +
		" THEN " + dec + " ELSE " + q(dec) + " END)" +
		" WHEN typeof(" + v + ") IN ('BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER') THEN (CASE WHEN abs(TRY_CAST(" + s +
		" AS HUGEINT)) <= " + maxExact + " THEN " + s + " ELSE " + q(s) + " END)" +
		" WHEN typeof(" + v + ") = 'BLOB' THEN " + q("to_base64(CAST("+s+" AS BLOB))") +
		" WHEN (typeof(" + v + ") LIKE 'STRUCT%' OR typeof(" + v + ") LIKE '%[]') AND regexp_matches(typeof(" + v + "), 'TIMESTAMP|DECIMAL|BLOB') THEN " +
		pr.raise("'Unsupported feature: TO_JSON_STRING of a STRUCT or ARRAY holding TIMESTAMP, DATETIME, NUMERIC or BYTES values'") +
		" WHEN typeof(" + v + ") LIKE '%DOUBLE%' THEN regexp_replace(CAST(to_json(" + v + `) AS VARCHAR), '("(?:[^"\\]|\\.)*")|(-?[0-9]+)\.0([,}\]])', '\1\2\3', 'g')` +
		" ELSE CAST(to_json(" + v + ") AS VARCHAR) END)"
	return "list_transform([" + x + "], " + v + " -> " + body + ")[1]"
}

// bqTypeOf renders BigQuery's name of the type of a DuckDB value, for error messages.
func bqTypeOf(v string) string {
	return "(CASE typeof(" + v + ") WHEN 'BIGINT' THEN 'INT64' WHEN 'INTEGER' THEN 'INT64' WHEN 'DOUBLE' THEN 'FLOAT64' WHEN 'BOOLEAN' THEN 'BOOL'" +
		" WHEN 'BLOB' THEN 'BYTES' WHEN 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP' WHEN 'TIMESTAMP' THEN 'DATETIME'" +
		" ELSE (CASE WHEN typeof(" + v + ") LIKE 'DECIMAL%' THEN 'NUMERIC' WHEN typeof(" + v + ") LIKE 'STRUCT%' THEN 'STRUCT' WHEN typeof(" + v +
		") LIKE '%[]' THEN 'ARRAY' ELSE typeof(" + v + ") END) END)"
}
