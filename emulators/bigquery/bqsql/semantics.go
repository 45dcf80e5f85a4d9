package bqsql

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds GoogleSQL semantics DuckDB lacks (issue 20): the format elements strftime has no
// element for, SUBSTR's position rules on STRING and BYTES, and RESPECT NULLS in the percentile
// functions and APPROX_QUANTILES.

// formatValue renders FORMAT_DATE/DATETIME/TIME/TIMESTAMP of x (a DuckDB TIMESTAMP holding the wall
// clock) with a format literal. tsz is the TIMESTAMPTZ and tz the zone for FORMAT_TIMESTAMP ("" for the
// others): %z and %Ez need the offset. Elements strftime has are left to it; %e %k %l %C %G %g %V %Q %P
// %c %E*S %E<n>S %z %Ez are computed here.
func (pr *printer) formatValue(a at, x string, fmtArg expr, tsz, tz string) string {
	lit, ok := fmtArg.(*litExpr)
	if !ok || lit.kind != "STRING" || !hasSpecialElement(lit.val) {
		return "strftime(" + x + ", " + pr.fmtString(a, fmtArg) + ")"
	}
	v := fmt.Sprintf("_fv%d", pr.nextID())
	var pieces []string
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			pieces = append(pieces, "strftime("+v+", "+pr.fmtString(a, &litExpr{at: lit.at, kind: "STRING", val: plain.String()})+")")
			plain.Reset()
		}
	}
	special := func(s string) { flush(); pieces = append(pieces, s) }
	lp := func(e string, n int, c string) string {
		return "lpad(CAST(" + e + " AS VARCHAR), " + strconv.Itoa(n) + ", '" + c + "')"
	}
	micros := "(microsecond(" + v + ") % 1000000)"
	// the UTC offset in seconds, for FORMAT_TIMESTAMP
	off := "CAST(epoch(" + v + ") - epoch(" + v + "_tz) AS BIGINT)"
	offset := func(sep string) string {
		if tsz == "" {
			pr.unsupported(a, "format element %z for a value other than TIMESTAMP")
		}
		return "(CASE WHEN " + off + " < 0 THEN '-' ELSE '+' END || " + lp("abs("+off+") // 3600", 2, "0") + " || '" + sep + "' || " +
			lp("abs("+off+") % 3600 // 60", 2, "0") + ")"
	}
	s := strings.ReplaceAll(lit.val, "%%", "\x00")
	s = strings.ReplaceAll(s, "%c", "%a %b %e %H:%M:%S %Y")
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			plain.WriteString("%%")
			continue
		}
		if s[i] != '%' || i+1 >= len(s) {
			plain.WriteByte(s[i])
			continue
		}
		c := s[i+1]
		switch c {
		case 'e':
			special(lp("day("+v+")", 2, " "))
		case 'k':
			special(lp("hour("+v+")", 2, " "))
		case 'l':
			special(lp("(hour("+v+") + 11) % 12 + 1", 2, " "))
		case 'C':
			special(lp("year("+v+") // 100", 2, "0"))
		case 'G':
			special("CAST(isoyear(" + v + ") AS VARCHAR)")
		case 'g':
			special(lp("isoyear("+v+") % 100", 2, "0"))
		case 'V':
			special(lp("week("+v+")", 2, "0"))
		case 'Q':
			special("CAST(quarter(" + v + ") AS VARCHAR)")
		case 'P':
			special("lower(strftime(" + v + ", '%p'))")
		case 'z':
			special(offset(""))
		case 'E':
			rest := s[i+2:]
			switch {
			case strings.HasPrefix(rest, "*S"):
				special("strftime(" + v + ", '%S') || (CASE WHEN " + micros + " = 0 THEN '' ELSE '.' || rtrim(" + lp(micros, 6, "0") + ", '0') END)")
				i += 2
			case len(rest) >= 2 && rest[0] >= '0' && rest[0] <= '9' && rest[0] != '3' && rest[0] != '6' && rest[1] == 'S':
				n := int(rest[0] - '0')
				if n == 0 {
					special("strftime(" + v + ", '%S')")
				} else {
					special("strftime(" + v + ", '%S') || '.' || rpad(substr(" + lp(micros, 6, "0") + ", 1, " + strconv.Itoa(n) + "), " + strconv.Itoa(n) + ", '0')")
				}
				i += 2
			case strings.HasPrefix(rest, "z"):
				special(offset(":"))
				i++
			default:
				plain.WriteString("%E")
			}
		default:
			plain.WriteByte('%')
			plain.WriteByte(c)
		}
		i++
	}
	flush()
	if len(pieces) == 0 {
		return "''"
	}
	body := strings.Join(pieces, " || ")
	if tsz != "" {
		// the outer lambda takes the instant (for the offset), the inner one its wall clock in tz
		return "list_transform([" + tsz + "], " + v + "_tz -> list_transform([timezone(" + tz + ", " + v + "_tz)], " + v + " -> " + body + ")[1])[1]"
	}
	return "list_transform([" + x + "], " + v + " -> " + body + ")[1]"
}

// hasSpecialElement reports whether a format string uses an element formatValue computes itself.
func hasSpecialElement(f string) bool {
	for i := 0; i+1 < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		switch f[i] {
		case 'e', 'k', 'l', 'C', 'G', 'g', 'V', 'Q', 'P', 'c', 'z':
			return true
		case 'E':
			if r := f[i+1:]; strings.HasPrefix(r, "*S") || strings.HasPrefix(r, "z") ||
				(len(r) >= 2 && r[0] >= '0' && r[0] <= '9' && r[0] != '3' && r[0] != '6' && r[1] == 'S') {
				return true
			}
		}
	}
	return false
}

// substr renders SUBSTR(value, position[, length]) for STRING or BYTES with GoogleSQL's rules: a
// position of 0, or left of the start (position < -LENGTH), starts at 1; a negative one counts from
// the end (DuckDB's substr gives 'a' for SUBSTR('apple', 0, 2) and ” for SUBSTR('apple', -10, 3)).
func (pr *printer) substr(f *funcExpr, name string, a []string) string {
	start := func(l string) string {
		p := a[1]
		return "(CASE WHEN " + p + " > 0 THEN " + p + " WHEN " + p + " = 0 OR " + p + " < -" + l + " THEN 1 ELSE " + l + " + " + p + " + 1 END)"
	}
	n := ""
	if len(a) == 3 {
		n = "CASE WHEN " + a[2] + " < 0 THEN " + pr.raise("'Third argument in SUBSTR() cannot be negative'") + " ELSE " + a[2] + " END"
	}
	return pr.stringOrBytes(f, name, a[0], true, func(s string) string {
		out := "substr(" + s + ", " + start("length("+s+")")
		if n != "" {
			out += ", " + n
		}
		return out + ")"
	}, func(h string) string {
		out := "unhex(substr(" + h + ", 2 * " + start("(length("+h+") // 2)") + " - 1"
		if n != "" {
			out += ", 2 * (" + n + ")"
		}
		return out + "))"
	})
}

// percentileRespectNulls renders PERCENTILE_CONT/DISC(x, p RESPECT NULLS) OVER (...): NULLs sort
// first and take part (DuckDB's quantile functions drop them). DISC is the first value whose cumulative
// distribution reaches p; CONT interpolates at p * (n - 1), and a NULL below a value gives the value,
// as in the reference's example (PERCENTILE_CONT(x, 0.01 RESPECT NULLS) over [0, 3, NULL, 1, 2] is 0).
func (pr *printer) percentileRespectNulls(f *funcExpr, name string, a []string) string {
	l := fmt.Sprintf("_pl%d", pr.nextID())
	list := "list_sort(list(" + a[0] + ")" + pr.over(f) + ", 'ASC', 'NULLS FIRST')"
	p := "CAST(" + a[1] + " AS DOUBLE)"
	var body string
	if name == "PERCENTILE_DISC" {
		body = l + "[greatest(1, CAST(ceil(round(" + p + " * len(" + l + "), 9)) AS BIGINT))]"
	} else {
		pos := "round(" + p + " * (len(" + l + ") - 1), 9)"
		lo := l + "[CAST(floor(" + pos + ") AS BIGINT) + 1]"
		hi := l + "[CAST(ceil(" + pos + ") AS BIGINT) + 1]"
		frac := "(" + pos + " - floor(" + pos + "))"
		body = "(CASE WHEN " + frac + " = 0 THEN CAST(" + lo + " AS DOUBLE) WHEN " + lo + " IS NULL THEN CAST(" + hi + " AS DOUBLE) ELSE CAST(" +
			lo + " AS DOUBLE) + " + frac + " * (CAST(" + hi + " AS DOUBLE) - CAST(" + lo + " AS DOUBLE)) END)"
	}
	return "list_transform([" + list + "], " + l + " -> " + body + ")[1]"
}

// approxQuantilesRespectNulls renders APPROX_QUANTILES(x, n RESPECT NULLS) exactly: NULLs sort first and
// count as values, so a quantile may be NULL (the reference: [NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]
// with 2 gives [NULL, 4, 10]).
func (pr *printer) approxQuantilesRespectNulls(x string, distinct bool, n int) string {
	l := fmt.Sprintf("_aq%d", pr.nextID())
	agg := "list(" + x + ")"
	if distinct {
		agg = "list(DISTINCT " + x + ")"
	}
	var picks []string
	for i := 0; i <= n; i++ {
		// the discrete quantile i/n: the element at ceil(i/n * count), at least the first
		picks = append(picks, l+"[greatest(1, CAST(ceil(round("+strconv.Itoa(i)+" * len("+l+") / "+strconv.Itoa(n)+", 9)) AS BIGINT))]")
	}
	return "list_transform([list_sort(" + agg + ", 'ASC', 'NULLS FIRST')], " + l + " -> CASE WHEN len(" + l + ") = 0 THEN NULL ELSE [" +
		strings.Join(picks, ", ") + "] END)[1]"
}

// nfkcChanges matches characters that NFKC normalization or case folding maps differently from
// DuckDB's lower(): compatibility forms (ligatures, full-width, superscripts, letterlike symbols,
// spaces) and the letters whose fold is not their lowercase (ß, ſ, ς, İ).
const nfkcChanges = `[\x{00A0}\x{00A8}-\x{00BE}\x{00DF}\x{0130}\x{0132}\x{0133}\x{013F}\x{0140}\x{0149}\x{017F}\x{01C4}-\x{01CC}` +
	`\x{01F1}-\x{01F3}\x{02B0}-\x{02FF}\x{03C2}\x{1D00}-\x{1DBF}\x{1E9E}\x{2000}-\x{2BFF}\x{3000}-\x{33FF}\x{F900}-\x{FFEF}]`

// callSemantics renders the functions whose GoogleSQL meaning DuckDB's function of the same name does
// not have; ok is false for every other function.
func (pr *printer) callSemantics(f *funcExpr, name string) (string, bool) {
	switch name {
	case "CONTAINS_SUBSTR":
		// case-insensitive after NFKC normalization (DuckDB's contains is case-sensitive); text that
		// NFKC or case folding would change is refused rather than compared differently
		a := pr.args(f, 2, 2)
		x, y := a[0], a[1]
		if len(x) > 200 {
			v := fmt.Sprintf("_cs%d", pr.nextID())
			return "list_transform([" + x + "], " + v + " -> " + pr.containsSubstr(v, y) + ")[1]", true
		}
		return pr.containsSubstr(x, y), true
	case "STARTS_WITH", "ENDS_WITH":
		a := pr.args(f, 2, 2)
		fn := strings.ToLower(name)
		body := pr.stringOrBytes(f, name, a[0], false, func(s string) string { return fn + "(" + s + ", CAST(" + a[1] + " AS VARCHAR))" },
			func(h string) string { return fn + "(" + h + ", hex(CAST(CAST(" + a[1] + " AS VARCHAR) AS BLOB)))" })
		if lit, ok := f.args[0].(*litExpr); ok && (lit.kind == "STRING" || lit.kind == "BYTES") {
			return body, true
		}
		// BigQuery names both argument types
		return "(CASE WHEN typeof(" + a[0] + ") NOT IN ('VARCHAR', 'BLOB', '\"NULL\"') THEN " + pr.raise("'No matching signature for function "+name+
			" for argument types: ' || "+bqTypeOf(a[0])+" || ', ' || (CASE typeof("+a[1]+") WHEN 'VARCHAR' THEN 'STRING' ELSE "+bqTypeOf(a[1])+" END)") + " ELSE " + body + " END)", true
	case "LOWER", "UPPER":
		a := pr.args(f, 1, 1)
		fn := strings.ToLower(name)
		lo, hi, delta := "'41'", "'5A'", "+ 32"
		if name == "UPPER" {
			lo, hi, delta = "'61'", "'7A'", "- 32"
		}
		c := fmt.Sprintf("_ub%d", pr.nextID())
		// BYTES: ASCII letters only, bytes above 127 kept (hex() gives upper-case digit pairs)
		return pr.stringOrBytes(f, name, a[0], true, func(s string) string { return fn + "(" + s + ")" },
			func(h string) string {
				return "unhex(array_to_string(list_transform(regexp_extract_all(" + h + ", '..'), " + c + " -> CASE WHEN " + c + " BETWEEN " + lo +
					" AND " + hi + " THEN printf('%02X', CAST('0x' || " + c + " AS INTEGER) " + delta + ") ELSE " + c + " END), ''))"
			}), true
	case "REPEAT":
		a := pr.args(f, 2, 2)
		return "repeat(" + a[0] + ", CASE WHEN " + a[1] + " < 0 THEN " + pr.raise("'Second argument in REPEAT() cannot be negative'") + " ELSE " + a[1] + " END)", true
	case "TRIM", "LTRIM", "RTRIM", "REPLACE":
		if len(f.args) == 0 {
			return "", false // the signature check of the generic path names the arity
		}
		if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "BYTES" {
			pr.fail(f.at, "Unsupported feature: %s of BYTES", name)
		}
		return "", false
	case "CODE_POINTS_TO_BYTES":
		a := pr.args(f, 1, 1)
		c := fmt.Sprintf("_cb%d", pr.nextID())
		return "(CASE WHEN list_count(" + a[0] + ") <> len(" + a[0] + ") THEN NULL ELSE unhex(array_to_string(list_transform(" + a[0] + ", " + c +
			" -> CASE WHEN " + c + " < 0 OR " + c + " > 255 THEN " + pr.raise("'Invalid code point for CODE_POINTS_TO_BYTES: ' || "+c) +
			" ELSE printf('%02x', " + c + ") END), '')) END)", true
	case "TRANSLATE":
		a := pr.args(f, 3, 3)
		// a character named twice in source_characters is an error in GoogleSQL
		return "(CASE WHEN length(" + a[1] + ") <> len(list_distinct(string_split(" + a[1] + ", ''))) THEN " +
			pr.raise("'Duplicate character in TRANSLATE source characters'") + " ELSE translate(" + a[0] + ", " + a[1] + ", " + a[2] + ") END)", true
	case "INITCAP":
		a := pr.args(f, 1, 2)
		delims := `' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || '[](){}/|\<>!?@"^#$&~_,.:;*%+-'`
		if len(a) == 2 {
			delims = a[1]
		}
		x := a[0]
		i := fmt.Sprintf("_ic%d", pr.nextID())
		return "(CASE WHEN " + x + " IS NULL OR " + delims + " IS NULL THEN NULL ELSE array_to_string(list_transform(range(1, length(" + x + ") + 1), " + i +
			" -> CASE WHEN " + i + " = 1 OR contains(" + delims + ", substr(" + x + ", " + i + " - 1, 1)) THEN upper(substr(" + x + ", " + i +
			", 1)) ELSE lower(substr(" + x + ", " + i + ", 1)) END), '') END)", true
	case "SIGN":
		a := pr.args(f, 1, 1)
		// SIGN(NaN) is NaN (DuckDB: 0)
		return "(CASE WHEN isnan(" + a[0] + ") THEN " + a[0] + " ELSE sign(" + a[0] + ") END)", true
	case "POW", "POWER":
		a := pr.args(f, 2, 2)
		x, y := a[0], a[1]
		return "(CASE WHEN " + x + " < 0 AND " + y + " <> floor(" + y + ") AND NOT isinf(" + y + ") THEN " + pr.raise("'Floating point error in function: POW('||"+x+"||', '||"+y+"||')'") +
			" WHEN " + x + " = 0 AND " + y + " < 0 THEN " + pr.raise("'Floating point error in function: POW('||"+x+"||', '||"+y+"||')'") + " ELSE pow(" + x + ", " + y + ") END)", true
	case "SQRT":
		a := pr.args(f, 1, 1)
		return "(CASE WHEN " + a[0] + " < 0 THEN " + pr.raise("'Argument to SQRT cannot be negative: ' || "+a[0]) + " ELSE sqrt(" + a[0] + ") END)", true
	case "LN", "LOG10":
		a := pr.args(f, 1, 1)
		return "(CASE WHEN " + a[0] + " <= 0 THEN " + pr.raise("'Argument to "+name+" must be positive: ' || "+a[0]) + " ELSE " + strings.ToLower(name) + "(" + a[0] + ") END)", true
	case "LOG":
		a := pr.args(f, 1, 2)
		if len(a) == 1 {
			return "(CASE WHEN " + a[0] + " <= 0 THEN " + pr.raise("'Argument to LOG must be positive: ' || "+a[0]) + " ELSE ln(" + a[0] + ") END)", true
		}
		return "(CASE WHEN " + a[0] + " <= 0 OR " + a[1] + " <= 0 OR " + a[1] + " = 1 THEN " + pr.raise("'Floating point error in function: LOG('||"+a[0]+"||', '||"+a[1]+"||')'") +
			" ELSE ln(" + a[0] + ") / ln(" + a[1] + ") END)", true
	case "SIN", "COS", "TAN":
		a := pr.args(f, 1, 1)
		// of an infinity NaN (DuckDB raises an error)
		return "(CASE WHEN isinf(" + a[0] + ") THEN CAST('NaN' AS DOUBLE) ELSE " + strings.ToLower(name) + "(" + a[0] + ") END)", true
	case "COSH", "SINH", "TANH", "COT", "CSC", "SEC", "COTH", "CSCH", "SECH", "ACOSH", "ASINH", "ATANH", "CBRT":
		a := pr.args(f, 1, 1)
		x := "CAST(" + a[0] + " AS DOUBLE)"
		switch name {
		case "COSH":
			return "((exp(" + x + ") + exp(-" + x + ")) / 2)", true
		case "SINH":
			return "((exp(" + x + ") - exp(-" + x + ")) / 2)", true
		case "TANH":
			return "(CASE WHEN isinf(" + x + ") THEN sign(" + x + ") ELSE (exp(2 * " + x + ") - 1) / (exp(2 * " + x + ") + 1) END)", true
		case "ACOSH":
			return "(CASE WHEN " + x + " < 1 THEN " + pr.raise("'Floating point error in function: ACOSH('||"+x+"||')'") + " ELSE ln(" + x + " + sqrt(" + x + " * " + x + " - 1)) END)", true
		case "ASINH":
			return "(CASE WHEN " + x + " < 0 THEN -ln(-" + x + " + sqrt(" + x + " * " + x + " + 1)) ELSE ln(" + x + " + sqrt(" + x + " * " + x + " + 1)) END)", true
		case "ATANH":
			return "(CASE WHEN abs(" + x + ") >= 1 THEN " + pr.raise("'Floating point error in function: ATANH('||"+x+"||')'") + " ELSE 0.5 * ln((1 + " + x + ") / (1 - " + x + ")) END)", true
		case "CBRT":
			return "cbrt(" + x + ")", true
		}
		fn := map[string]string{"COT": "tan", "CSC": "sin", "SEC": "cos", "COTH": "TANH", "CSCH": "SINH", "SECH": "COSH"}[name]
		var den string
		if fn == strings.ToLower(fn) {
			den = fn + "(" + x + ")"
		} else {
			den, _ = pr.callSemantics(&funcExpr{at: f.at, name: []string{fn}, args: f.args}, fn)
		}
		return "(CASE WHEN " + den + " = 0 THEN " + pr.raise("'Floating point error in function: "+name+"('||"+x+"||')'") + " ELSE 1 / " + den + " END)", true
	case "BIT_COUNT":
		a := pr.args(f, 1, 1)
		c := fmt.Sprintf("_bc%d", pr.nextID())
		if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "BYTES" {
			return "list_sum(list_transform(regexp_extract_all(hex(" + a[0] + "), '..'), " + c + " -> bit_count(CAST(CAST('0x' || " + c + " AS INTEGER) AS TINYINT))))", true
		}
		return "CAST(bit_count(CAST(" + a[0] + " AS BIGINT)) AS BIGINT)", true
	case "RANGE_BUCKET":
		a := pr.args(f, 2, 2)
		e := fmt.Sprintf("_rb%d", pr.nextID())
		return "(CASE WHEN " + a[0] + " IS NULL THEN NULL WHEN list_count(" + a[1] + ") <> len(" + a[1] + ") THEN " +
			pr.raise("'Elements in the second argument of RANGE_BUCKET cannot be NULL'") + " WHEN list_sort(" + a[1] + ") <> " + a[1] + " THEN " +
			pr.raise("'The second argument of RANGE_BUCKET must be sorted in ascending order'") + " ELSE CAST(len(list_filter(" + a[1] + ", " + e +
			" -> " + e + " <= " + a[0] + ")) AS BIGINT) END)", true
	case "ZEROIFNULL":
		a := pr.args(f, 1, 1)
		return "coalesce(" + a[0] + ", 0)", true
	case "NULLIFZERO":
		a := pr.args(f, 1, 1)
		return "nullif(" + a[0] + ", 0)", true
	case "APPROX_TOP_COUNT":
		// exact: every value's count, the highest first (ties by value); NULL values refused
		if f.over != nil || f.distinct || len(f.orderBy) > 0 || f.limit != nil || len(f.args) != 2 {
			pr.unsupported(f.at, "APPROX_TOP_COUNT with OVER, DISTINCT, ORDER BY or LIMIT")
		}
		lit, ok := f.args[1].(*litExpr)
		if !ok || lit.kind != "INT" {
			pr.unsupported(f.at, "APPROX_TOP_COUNT without an integer literal number")
		}
		x := pr.expr(f.args[0])
		e := fmt.Sprintf("_tc%d", pr.nextID())
		return "(CASE WHEN count(*) > count(" + x + ") THEN " + pr.raise("'Unsupported feature: APPROX_TOP_COUNT over NULL values'") +
			" ELSE list_transform(list_slice(list_sort(list_transform(map_entries(histogram(" + x + ")), " + e + " -> {'k': -CAST(" + e +
			".value AS BIGINT), 'v': " + e + ".key})), 1, " + lit.val + "), " + e + " -> {'value': " + e + ".v, 'count': -" + e + ".k}) END)", true
	case "CORR":
		// fewer than two non-NULL pairs give NULL (DuckDB: NaN)
		if f.over != nil || f.distinct || len(f.args) != 2 {
			return "", false
		}
		a := pr.args(f, 2, 2)
		return "(CASE WHEN regr_count(" + a[0] + ", " + a[1] + ") < 2 THEN NULL ELSE corr(" + a[0] + ", " + a[1] + ") END)", true
	case "GENERATE_ARRAY":
		for _, x := range f.args {
			if lit, ok := x.(*litExpr); ok && lit.kind != "INT" && lit.kind != "NULL" {
				pr.fail(f.at, "Unsupported feature: GENERATE_ARRAY of values other than INT64")
			}
		}
		return "", false
	case "STRING_AGG", "ARRAY_TO_STRING":
		for _, x := range f.args {
			if lit, ok := x.(*litExpr); ok && lit.kind == "BYTES" {
				pr.fail(f.at, "Unsupported feature: %s of BYTES", name)
			}
		}
		return "", false
	case "BOOL", "INT64", "FLOAT64", "STRING":
		// the JSON conversion functions; anything but a JSON argument is refused
		a := pr.args(f, 1, 1)
		conv := map[string]string{"BOOL": "CAST(%s AS BOOLEAN)", "INT64": "CAST(%s AS BIGINT)", "FLOAT64": "CAST(%s AS DOUBLE)",
			"STRING": "json_extract_string(%s, '$')"}[name]
		return "(CASE WHEN typeof(" + a[0] + ") <> 'JSON' THEN " + pr.raise("'Unsupported feature: "+name+"() of a value other than JSON'") +
			" WHEN json_type(CAST(" + a[0] + " AS JSON)) NOT IN (" + map[string]string{"BOOL": "'BOOLEAN'", "INT64": "'BIGINT', 'UBIGINT'",
			"FLOAT64": "'DOUBLE', 'BIGINT', 'UBIGINT'", "STRING": "'VARCHAR'"}[name] + ") THEN " +
			pr.raise("'The provided JSON input is not of the type "+name+"'") + " ELSE " + fmt.Sprintf(conv, "CAST("+a[0]+" AS JSON)") + " END)", true
	case "JSON_OBJECT":
		return strings.ToLower(name) + "(" + strings.Join(pr.args(f, 0, -1), ", ") + ")", true
	case "JSON_TYPE":
		a := pr.args(f, 1, 1)
		return "(CASE json_type(CAST(" + a[0] + " AS JSON)) WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' WHEN 'VARCHAR' THEN 'string'" +
			" WHEN 'BIGINT' THEN 'number' WHEN 'UBIGINT' THEN 'number' WHEN 'DOUBLE' THEN 'number' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' END)", true
	case "JSON_ARRAY", "PARSE_NUMERIC", "PARSE_BIGNUMERIC", "MAKE_INTERVAL", "JUSTIFY_HOURS", "JUSTIFY_DAYS", "JUSTIFY_INTERVAL", "SOUNDEX", "TO_BASE32", "FROM_BASE32", "SAFE_CONVERT_BYTES_TO_STRING", "NORMALIZE_AND_CASEFOLD", "EDIT_DISTANCE":
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)
	}
	return "", false
}

func (pr *printer) containsSubstr(x, y string) string {
	guard := "regexp_matches(" + x + ", '" + nfkcChanges + "') OR regexp_matches(" + y + ", '" + nfkcChanges + "')"
	return "(CASE WHEN typeof(" + x + ") NOT IN ('VARCHAR', '\"NULL\"') THEN " +
		pr.raise("'Unsupported feature: CONTAINS_SUBSTR on a value other than STRING (the local emulator searches STRING only)'") +
		" WHEN " + guard + " THEN " + pr.raise("'Unsupported feature: CONTAINS_SUBSTR on text that NFKC normalization changes'") +
		" ELSE contains(lower(CAST(" + x + " AS VARCHAR)), lower(" + y + ")) END)"
}

// shift renders a << b and a >> b on INT64: a shift by 64 or more gives 0, a negative one is an error,
// and >> fills with zeros, not the sign bit (DuckDB: an error, and an arithmetic shift).
func (pr *printer) shift(op, l, r string) string {
	if len(l)+len(r) > 400 {
		return "(" + l + " " + op + " " + r + ")"
	}
	neg := pr.raise("'Bit shift by a negative offset: ' || " + r)
	if op == "<<" {
		return "(CASE WHEN " + r + " < 0 THEN " + neg + " WHEN " + r + " >= 64 THEN 0 ELSE " + l + " << " + r + " END)"
	}
	return "(CASE WHEN " + r + " < 0 THEN " + neg + " WHEN " + r + " >= 64 THEN 0 WHEN " + l + " >= 0 OR " + r + " = 0 THEN " + l + " >> " + r +
		" ELSE (" + l + " >> " + r + ") & (9223372036854775807 >> (" + r + " - 1)) END)"
}

// nonZeroStep raises GoogleSQL's error for a zero INTERVAL step of the GENERATE_*_ARRAY functions.
func (pr *printer) nonZeroStep(step, name string) string {
	return "(CASE WHEN " + step + " = INTERVAL 0 SECOND THEN " + pr.raise("'"+name+" does not allow a step of zero'") + " ELSE " + step + " END)"
}
