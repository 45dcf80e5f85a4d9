package bqsql

import (
	"fmt"
	"strconv"
	"strings"
)

// ---------- parameters ----------

func (pr *printer) param(x *paramExpr) string {
	return pr.paramLit(x.at, pr.findParam(x))
}

func (pr *printer) findParam(x *paramExpr) Param {
	if x.name != "" {
		for _, p := range pr.opts.Params {
			if strings.EqualFold(p.Name, x.name) {
				return p
			}
		}
		pr.fail(x.at, "Query parameter '%s' not found", x.name)
	}
	n := 0
	for _, p := range pr.opts.Params {
		if p.Name == "" {
			if n == x.idx {
				return p
			}
			n++
		}
	}
	pr.fail(x.at, "Query parameter number %d not found", x.idx+1)
	return Param{}
}

func (pr *printer) paramType(a at, p Param) string {
	switch strings.ToUpper(p.Type) {
	case "ARRAY":
		if p.ArrayType == nil {
			pr.fail(a, "Array parameter %s has no element type", p.Name)
		}
		return pr.paramType(a, *p.ArrayType) + "[]"
	case "STRUCT", "RECORD":
		var parts []string
		for _, f := range p.StructTypes {
			parts = append(parts, qid(f.Name)+" "+pr.paramType(a, f))
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return pr.typ(a, &typeSpec{name: strings.ToUpper(p.Type)})
}

func (pr *printer) paramLit(a at, p Param) string {
	t := strings.ToUpper(p.Type)
	switch t {
	case "ARRAY":
		var parts []string
		for _, v := range p.ArrayValues {
			if p.ArrayType != nil && v.Type == "" {
				v.Type, v.ArrayType, v.StructTypes = p.ArrayType.Type, p.ArrayType.ArrayType, p.ArrayType.StructTypes
			}
			parts = append(parts, pr.paramLit(a, v))
		}
		return "CAST([" + strings.Join(parts, ", ") + "] AS " + pr.paramType(a, p) + ")"
	case "STRUCT", "RECORD":
		if p.StructValues == nil && p.Value == nil {
			return "CAST(NULL AS " + pr.paramType(a, p) + ")"
		}
		var parts []string
		for _, f := range p.StructTypes {
			v, ok := p.StructValues[f.Name]
			if !ok {
				v = Param{Type: f.Type}
			}
			v.Type, v.ArrayType, v.StructTypes = f.Type, f.ArrayType, f.StructTypes
			parts = append(parts, qstr(f.Name)+": "+pr.paramLit(a, v))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	dt := pr.paramType(a, p)
	if p.Value == nil {
		return "CAST(NULL AS " + dt + ")"
	}
	v := *p.Value
	switch t {
	case "STRING":
		return qstr(v)
	case "INT64", "INTEGER":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			pr.fail(a, "Invalid INT64 value for query parameter %s: %s", p.Name, v)
		}
		return "CAST(" + v + " AS BIGINT)"
	case "BYTES":
		return "from_base64(" + qstr(v) + ")"
	case "JSON":
		return "json(" + qstr(v) + ")"
	}
	return "CAST(" + qstr(v) + " AS " + dt + ")"
}

// ---------- casts ----------

func (pr *printer) cast(x *castExpr) string {
	if x.format != nil {
		pr.unsupported(x.at, "CAST ... FORMAT")
	}
	fn := "CAST"
	if x.safe {
		fn = "TRY_CAST"
	}
	inner := pr.expr(x.x)
	switch x.typ.name {
	case "BYTES":
		if lit, ok := x.x.(*litExpr); ok && lit.kind == "STRING" {
			return qblob(lit.val)
		}
		return "encode(" + inner + ")"
	case "STRING":
		if lit, ok := x.x.(*litExpr); ok && (lit.kind == "STRING" || lit.kind == "INT" || lit.kind == "BOOL" || lit.kind == "NULL") {
			break
		}
		// BigQuery prints FLOAT64 10.0 as "10" and NUMERIC 10.500000000 as "10.5"; DuckDB keeps ".0" and the scale.
		// typeof() is folded at bind time, and every branch binds for any input type.
		s := fn + "(" + inner + " AS VARCHAR)"
		return "(CASE WHEN typeof(" + inner + ") IN ('DOUBLE', 'FLOAT') THEN regexp_replace(" + s + ", '\\.0$', '')" +
			" WHEN typeof(" + inner + ") LIKE 'DECIMAL%' AND contains(" + s + ", '.') THEN rtrim(rtrim(" + s + ", '0'), '.')" +
			" ELSE " + s + " END)"
	case "BOOL", "BOOLEAN":
		// only 'true' and 'false' (any case) convert; DuckDB also takes 'yes', 't', '1', ...
		if lit, ok := x.x.(*litExpr); ok && lit.kind != "STRING" {
			break
		}
		bad := "error('Bad bool value: ' || " + inner + ")"
		if x.safe {
			bad = "NULL"
		}
		return "(CASE WHEN typeof(" + inner + ") = 'VARCHAR' AND lower(CAST(" + inner + " AS VARCHAR)) NOT IN ('true', 'false') THEN " + bad +
			" ELSE " + fn + "(" + inner + " AS BOOLEAN) END)"
	case "INT64", "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT":
		// BigQuery rounds FLOAT64 halfway cases away from zero; DuckDB's DOUBLE->BIGINT rounds to even.
		if lit, ok := x.x.(*litExpr); !ok || lit.kind == "FLOAT" || lit.kind == "NUMERIC" {
			return fn + "(" + fn + "(" + inner + " AS DECIMAL(38,9)) AS BIGINT)"
		}
	}
	return fn + "(" + inner + " AS " + pr.typ(x.at, x.typ) + ")"
}

// ---------- date parts ----------

// partName extracts a date part keyword argument (DAY, WEEK(MONDAY), ...).
func (pr *printer) partName(x expr) (part, weekday string) {
	switch x := x.(type) {
	case *identExpr:
		if len(x.parts) == 1 {
			return strings.ToUpper(x.parts[0]), ""
		}
	case *funcExpr:
		if len(x.name) == 1 && x.name[0] == "WEEK" && len(x.args) == 1 {
			if id, ok := x.args[0].(*identExpr); ok && len(id.parts) == 1 {
				return "WEEK", strings.ToUpper(id.parts[0])
			}
		}
	}
	l, c := x.pos()
	panic(errAt(l, c, "A valid date part name is required"))
}

var weekdays = map[string]int{"SUNDAY": 0, "MONDAY": 1, "TUESDAY": 2, "WEDNESDAY": 3, "THURSDAY": 4, "FRIDAY": 5, "SATURDAY": 6}

// weekShift returns k such that date_trunc('week', x + k days) - k days starts weeks on the given day.
func (pr *printer) weekShift(a at, part, wd string) (int, bool) {
	switch part {
	case "WEEK":
		d := 0
		if wd != "" {
			var ok bool
			d, ok = weekdays[wd]
			if !ok {
				pr.fail(a, "Invalid weekday %s", wd)
			}
		}
		return ((1-d)%7 + 7) % 7, true
	case "ISOWEEK":
		return 0, true
	}
	return 0, false
}

var truncParts = map[string]string{"MICROSECOND": "microseconds", "MILLISECOND": "milliseconds", "SECOND": "second", "MINUTE": "minute",
	"HOUR": "hour", "DAY": "day", "MONTH": "month", "QUARTER": "quarter", "YEAR": "year", "ISOYEAR": "isoyear"}

// truncate renders date_trunc with BigQuery week semantics on a DuckDB (local) timestamp or date expression.
func (pr *printer) truncate(a at, x string, partExpr expr, allowed string) string {
	part, wd := pr.partName(partExpr)
	if !strings.Contains(" "+allowed+" ", " "+part+" ") {
		pr.fail(a, "Unsupported date part %s", part)
	}
	if k, ok := pr.weekShift(a, part, wd); ok {
		if k == 0 {
			return "date_trunc('week', " + x + ")"
		}
		return fmt.Sprintf("(date_trunc('week', %s + INTERVAL %d DAY) - INTERVAL %d DAY)", x, k, k)
	}
	if part == "ISOYEAR" {
		// first day of the ISO year: Monday of the week containing January 4th
		return "date_trunc('week', make_date(isoyear(" + x + "), 1, 4))"
	}
	return "date_trunc('" + truncParts[part] + "', " + x + ")"
}

func (pr *printer) intervalUnit(a at, n, unit string) string {
	switch unit {
	case "MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR":
		return "INTERVAL (" + n + ") " + unit
	case "WEEK":
		return "INTERVAL ((" + n + ") * 7) DAY"
	case "QUARTER":
		return "INTERVAL ((" + n + ") * 3) MONTH"
	}
	pr.fail(a, "Unsupported interval unit %s", unit)
	return ""
}

func (pr *printer) interval(x *intervalExpr) string {
	if x.unit2 != "" {
		pr.unsupported(x.at, "INTERVAL ... "+x.unit+" TO "+x.unit2)
	}
	if lit, ok := x.x.(*litExpr); ok && lit.kind == "STRING" {
		if _, err := strconv.ParseInt(strings.TrimSpace(lit.val), 10, 64); err != nil {
			pr.unsupported(x.at, "INTERVAL string literal")
		}
		return pr.intervalUnit(x.at, strings.TrimSpace(lit.val), x.unit)
	}
	return pr.intervalUnit(x.at, pr.expr(x.x), x.unit)
}

// intervalArg renders the INTERVAL argument of DATE_ADD and friends.
func (pr *printer) intervalArg(f *funcExpr, i int) string {
	if i >= len(f.args) {
		pr.fail(f.at, "%s requires an INTERVAL argument", strings.Join(f.name, "."))
	}
	iv, ok := f.args[i].(*intervalExpr)
	if !ok {
		pr.fail(f.at, "%s requires an INTERVAL argument", strings.Join(f.name, "."))
	}
	return pr.interval(iv)
}

func (pr *printer) extract(x *extractExpr) string {
	part, wd := pr.partName(x.part)
	v := pr.expr(x.x)
	if x.tz != nil {
		v = "timezone(" + pr.expr(x.tz) + ", " + v + ")"
	}
	switch part {
	case "DAYOFWEEK":
		return "(dayofweek(" + v + ") + 1)"
	case "DAYOFYEAR":
		return "dayofyear(" + v + ")"
	case "WEEK":
		switch wd {
		case "", "SUNDAY":
			return "CAST(strftime(" + v + ", '%U') AS BIGINT)"
		case "MONDAY":
			return "CAST(strftime(" + v + ", '%W') AS BIGINT)"
		}
		pr.unsupported(x.at, "EXTRACT(WEEK("+wd+"))")
	case "ISOWEEK":
		return "weekofyear(" + v + ")"
	case "ISOYEAR":
		return "isoyear(" + v + ")"
	case "DATE":
		return "CAST(" + v + " AS DATE)"
	case "TIME":
		return "CAST(CAST(" + v + " AS TIMESTAMP) AS TIME)"
	case "DATETIME":
		return "CAST(" + v + " AS TIMESTAMP)"
	case "MILLISECOND":
		return "(millisecond(" + v + ") % 1000)"
	case "MICROSECOND":
		return "(microsecond(" + v + ") % 1000000)"
	case "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "QUARTER":
		return "extract(" + strings.ToLower(part) + " FROM " + v + ")"
	}
	pr.unsupported(x.at, "EXTRACT("+part+")")
	return ""
}

// ---------- formats ----------

// fmtString translates a BigQuery format string literal to DuckDB strftime/strptime.
func (pr *printer) fmtString(a at, x expr) string {
	lit, ok := x.(*litExpr)
	if !ok || lit.kind != "STRING" {
		return pr.expr(x)
	}
	var b strings.Builder
	s := lit.val
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			pr.unsupported(a, "format string ending in %")
		}
		i++
		c := s[i]
		switch c {
		case 'Y', 'm', 'd', 'H', 'M', 'S', 'y', 'j', 'U', 'W', 'u', 'w', 'a', 'A', 'b', 'B', 'h', 'p', 'I', '%', 'f':
			if c == 'h' {
				b.WriteString("%b")
			} else {
				b.WriteByte('%')
				b.WriteByte(c)
			}
		case 'F':
			b.WriteString("%Y-%m-%d")
		case 'T', 'X':
			b.WriteString("%H:%M:%S")
		case 'x':
			b.WriteString("%m/%d/%y")
		case 'D':
			b.WriteString("%m/%d/%y")
		case 'R':
			b.WriteString("%H:%M")
		case 'n':
			b.WriteString("\n")
		case 't':
			b.WriteString("\t")
		case 'E':
			switch {
			case strings.HasPrefix(s[i:], "E3S"):
				b.WriteString("%S.%g")
				i += 2
			case strings.HasPrefix(s[i:], "E6S"):
				b.WriteString("%S.%f")
				i += 2
			case strings.HasPrefix(s[i:], "E4Y"):
				b.WriteString("%Y")
				i += 2
			default:
				end := i + 3
				if end > len(s) {
					end = len(s)
				}
				pr.unsupported(a, "format element %"+s[i:end])
			}
		default:
			pr.unsupported(a, "format element %"+string(c))
		}
	}
	return qstr(b.String())
}

// ---------- function calls ----------

func (pr *printer) args(f *funcExpr, min, max int) []string {
	if len(f.args) < min || (max >= 0 && len(f.args) > max) {
		pr.fail(f.at, "Number of arguments does not match for function %s", strings.Join(f.name, "."))
	}
	var out []string
	for _, a := range f.args {
		out = append(out, pr.arg(a))
	}
	return out
}

// arg renders a function argument; small integer literals stay untyped so that DuckDB
// overloads taking INTEGER (lpad, round, ...) bind.
func (pr *printer) arg(a expr) string {
	if lit, ok := a.(*litExpr); ok && lit.kind == "INT" {
		if n, err := strconv.ParseInt(lit.val, 10, 32); err == nil {
			return strconv.FormatInt(n, 10)
		}
	}
	return pr.expr(a)
}

// raise renders a BigQuery runtime error with the given SQL string expression as message; inside
// SAFE. calls, where DuckDB's try() cannot wrap error(), it is NULL instead.
func (pr *printer) raise(msg string) string {
	if pr.safe > 0 {
		return "NULL"
	}
	return "error(" + msg + ")"
}

// argsPart checks the argument count and renders the arguments before index part (a date part keyword).
func (pr *printer) argsPart(f *funcExpr, min, max, part int) []string {
	if len(f.args) < min || (max >= 0 && len(f.args) > max) {
		pr.fail(f.at, "Number of arguments does not match for function %s", strings.Join(f.name, "."))
	}
	var out []string
	for i, a := range f.args {
		if i == part {
			out = append(out, "")
			continue
		}
		out = append(out, pr.arg(a))
	}
	return out
}

func (pr *printer) over(f *funcExpr) string {
	if f.over == nil {
		return ""
	}
	return " OVER " + pr.windowSpec(f.at, f.over)
}

// agg renders an aggregate or analytic call with BigQuery's modifiers.
func (pr *printer) agg(f *funcExpr, name string, args []string, filter string) string {
	s := name + "("
	if f.distinct {
		s += "DISTINCT "
	}
	if f.star {
		s += "*"
	}
	s += strings.Join(args, ", ")
	if len(f.orderBy) > 0 {
		s += " ORDER BY " + pr.orderItems(f.orderBy, false)
	}
	if f.nulls == "IGNORE" && filter == "" {
		s += " IGNORE NULLS"
	}
	s += ")"
	if filter != "" {
		s += " FILTER (WHERE " + filter + ")"
	}
	return s + pr.over(f)
}

// nullIfAny renders expr as NULL when any of args is NULL (BigQuery NULL propagation).
func nullIfAny(args []string, expr string) string {
	var conds []string
	for _, a := range args {
		conds = append(conds, a+" IS NULL")
	}
	return "(CASE WHEN " + strings.Join(conds, " OR ") + " THEN NULL ELSE " + expr + " END)"
}

var passThrough = map[string]string{
	// math
	"ABS": "abs", "SIGN": "sign", "SQRT": "sqrt", "POW": "pow", "POWER": "pow", "EXP": "exp", "LN": "ln", "LOG10": "log10",
	"FLOOR": "floor", "CEIL": "ceil", "CEILING": "ceil", "SIN": "sin", "COS": "cos", "TAN": "tan", "ASIN": "asin",
	"ACOS": "acos", "ATAN": "atan", "ATAN2": "atan2", "RAND": "random", "IS_NAN": "isnan", "IS_INF": "isinf",
	// strings
	"LOWER": "lower", "UPPER": "upper", "STARTS_WITH": "starts_with", "ENDS_WITH": "ends_with", "STRPOS": "strpos",
	"REPLACE": "replace", "REPEAT": "repeat",
	"ASCII": "ascii", "TO_BASE64": "to_base64", "FROM_BASE64": "from_base64", "FROM_HEX": "unhex",
	"CONTAINS_SUBSTR": "contains",
	// arrays
	"ARRAY_REVERSE": "list_reverse",
	// windows
	"ROW_NUMBER": "row_number", "RANK": "rank", "DENSE_RANK": "dense_rank", "PERCENT_RANK": "percent_rank",
	"CUME_DIST": "cume_dist", "NTILE": "ntile",
	// aggregates
	"SUM": "sum", "AVG": "avg", "MIN": "min", "MAX": "max", "COUNT": "count", "ANY_VALUE": "any_value",
	"LOGICAL_OR": "bool_or", "LOGICAL_AND": "bool_and", "BIT_AND": "bit_and", "BIT_OR": "bit_or", "BIT_XOR": "bit_xor",
	"STDDEV": "stddev_samp", "STDDEV_SAMP": "stddev_samp", "STDDEV_POP": "stddev_pop", "VARIANCE": "var_samp",
	"VAR_SAMP": "var_samp", "VAR_POP": "var_pop", "CORR": "corr", "COVAR_POP": "covar_pop", "COVAR_SAMP": "covar_samp",
	"MAX_BY": "arg_max", "MIN_BY": "arg_min", "COUNTIF": "count_if",
}

var windowOnly = map[string]bool{"ROW_NUMBER": true, "RANK": true, "DENSE_RANK": true, "PERCENT_RANK": true, "CUME_DIST": true, "NTILE": true,
	"LAG": true, "LEAD": true, "FIRST_VALUE": true, "LAST_VALUE": true, "NTH_VALUE": true, "PERCENTILE_CONT": true, "PERCENTILE_DISC": true}

var aggregates = map[string]bool{"SUM": true, "AVG": true, "MIN": true, "MAX": true, "COUNT": true, "ANY_VALUE": true, "LOGICAL_OR": true,
	"LOGICAL_AND": true, "BIT_AND": true, "BIT_OR": true, "BIT_XOR": true, "STDDEV": true, "STDDEV_SAMP": true, "STDDEV_POP": true,
	"VARIANCE": true, "VAR_SAMP": true, "VAR_POP": true, "CORR": true, "COVAR_POP": true, "COVAR_SAMP": true, "MAX_BY": true,
	"MIN_BY": true, "COUNTIF": true, "APPROX_TOP_COUNT": true, "ARRAY_AGG": true, "STRING_AGG": true, "ARRAY_CONCAT_AGG": true, "APPROX_COUNT_DISTINCT": true, "APPROX_QUANTILES": true}

func (pr *printer) call(f *funcExpr) string {
	name := strings.Join(f.name, ".")
	if pr.udfs[strings.ToLower(name)] {
		return qid(strings.ToLower(name)) + "(" + strings.Join(pr.args(f, 0, -1), ", ") + ")"
	}
	if len(f.name) > 1 {
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)
	}
	if f.over != nil && !windowOnly[name] && !aggregates[name] {
		pr.unsupported(f.at, "OVER clause on "+name)
	}
	if f.over == nil && windowOnly[name] {
		pr.fail(f.at, "Analytic function %s cannot be called without an OVER clause", name)
	}
	if (f.distinct || len(f.orderBy) > 0 || f.limit != nil || f.having != nil) && !aggregates[name] {
		pr.fail(f.at, "Syntax error: DISTINCT, ORDER BY, LIMIT or HAVING is not allowed in %s", name)
	}
	if f.nulls != "" && !windowOnly[name] && name != "ARRAY_AGG" && name != "ANY_VALUE" && name != "APPROX_QUANTILES" {
		pr.fail(f.at, "IGNORE NULLS and RESPECT NULLS are not allowed for %s", name)
	}
	if f.limit != nil && name != "ARRAY_AGG" && name != "STRING_AGG" {
		pr.unsupported(f.at, "LIMIT in aggregate "+name)
	}
	if f.having != nil && name != "ANY_VALUE" {
		pr.unsupported(f.at, "HAVING MAX/MIN in aggregate "+name)
	}
	if f.safe {
		pr.safe++
	}
	s := pr.call1(f, name)
	if f.safe {
		pr.safe--
		switch name {
		case "PARSE_DATE", "PARSE_TIMESTAMP", "PARSE_DATETIME", "PARSE_TIME":
			return strings.Replace(s, "strptime(", "try_strptime(", 1)
		}
		if aggregates[name] || f.over != nil {
			pr.unsupported(f.at, "SAFE. prefix on aggregate "+name)
		}
		return "try(" + s + ")"
	}
	return s
}

func (pr *printer) call1(f *funcExpr, name string) string {
	if s, ok := pr.callSemantics(f, name); ok {
		return s
	}
	switch name {
	// ----- conditionals
	case "IF":
		a := pr.args(f, 3, 3)
		return "(CASE WHEN " + a[0] + " THEN " + a[1] + " ELSE " + a[2] + " END)"
	case "IFNULL":
		a := pr.args(f, 2, 2)
		return "coalesce(" + a[0] + ", " + a[1] + ")"
	case "COALESCE":
		return "coalesce(" + strings.Join(pr.args(f, 1, -1), ", ") + ")"
	case "NULLIF":
		a := pr.args(f, 2, 2)
		return "nullif(" + a[0] + ", " + a[1] + ")"
	case "GREATEST", "LEAST":
		a := pr.args(f, 1, -1)
		return nullIfAny(a, strings.ToLower(name)+"("+strings.Join(a, ", ")+")")
	case "SAFE_DIVIDE":
		a := pr.args(f, 2, 2)
		return "(CASE WHEN " + a[1] + " = 0 THEN NULL ELSE " + a[0] + " / " + a[1] + " END)"
	case "SAFE_MULTIPLY", "SAFE_ADD", "SAFE_SUBTRACT":
		a := pr.args(f, 2, 2)
		op := map[string]string{"SAFE_MULTIPLY": "*", "SAFE_ADD": "+", "SAFE_SUBTRACT": "-"}[name]
		return "try(" + a[0] + " " + op + " " + a[1] + ")"
	case "SAFE_NEGATE":
		a := pr.args(f, 1, 1)
		return "try(-(" + a[0] + "))"
	case "DIV":
		a := pr.args(f, 2, 2)
		return "CAST(trunc(" + a[0] + " / " + pr.nonZero(a[1]) + ") AS BIGINT)"
	case "MOD":
		a := pr.args(f, 2, 2)
		return "(" + a[0] + " % " + pr.nonZero(a[1]) + ")"
	case "ROUND":
		a := pr.args(f, 1, 3)
		if len(a) == 3 {
			pr.unsupported(f.at, "ROUND with rounding mode")
		}
		if len(a) == 1 {
			return "round(" + a[0] + ")"
		}
		return "round(" + a[0] + ", CAST(" + a[1] + " AS INTEGER))"
	case "TRUNC":
		a := pr.args(f, 1, 2)
		if len(a) == 1 {
			return "trunc(" + a[0] + ")"
		}
		return "(trunc(" + a[0] + " * pow(10, " + a[1] + ")) / pow(10, " + a[1] + "))"
	case "LOG":
		a := pr.args(f, 1, 2)
		if len(a) == 1 {
			return "ln(" + a[0] + ")"
		}
		return "(ln(" + a[0] + ") / ln(" + a[1] + "))"
	case "IEEE_DIVIDE":
		a := pr.args(f, 2, 2)
		return "(CAST(" + a[0] + " AS DOUBLE) / CAST(" + a[1] + " AS DOUBLE))"
	case "RANGE_BUCKET":
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)

	// ----- strings
	case "CONCAT":
		a := pr.args(f, 1, -1)
		if len(a) == 1 {
			// one argument alone would keep its type (CONCAT(1) is '1'); || '' gives STRING and propagates NULL
			if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "BYTES" {
				return a[0]
			}
			return "(CASE WHEN typeof(" + a[0] + ") = 'BLOB' THEN " + pr.raise("'Unsupported feature: CONCAT of one BYTES value'") +
				" ELSE (" + a[0] + " || '') END)"
		}
		return "(" + strings.Join(a, " || ") + ")"
	case "TRIM", "LTRIM", "RTRIM":
		a := pr.args(f, 1, 2)
		return strings.ToLower(name) + "(" + strings.Join(a, ", ") + ")"
	case "SUBSTR", "SUBSTRING":
		a := pr.args(f, 2, 3)
		return pr.substr(f, name, a)
	case "LENGTH", "CHAR_LENGTH", "CHARACTER_LENGTH", "BYTE_LENGTH", "OCTET_LENGTH":
		a := pr.args(f, 1, 1)
		str := "length"
		if name == "BYTE_LENGTH" || name == "OCTET_LENGTH" {
			str = "strlen"
		}
		return pr.stringOrBytes(f, name, a[0], false, func(s string) string { return str + "(" + s + ")" },
			func(h string) string { return "CAST(length(" + h + ") / 2 AS BIGINT)" })
	case "REVERSE":
		a := pr.args(f, 1, 1)
		return pr.stringOrBytes(f, name, a[0], true, func(s string) string { return "reverse(" + s + ")" },
			func(h string) string {
				return "unhex(array_to_string(list_reverse(regexp_extract_all(" + h + ", '..')), ''))"
			})
	case "LEFT", "RIGHT":
		a := pr.args(f, 2, 2)
		fn := strings.ToLower(name)
		n := "CASE WHEN " + a[1] + " < 0 THEN " + pr.raise("'"+name+"() length cannot be negative'") + " ELSE " + a[1] + " END"
		return pr.stringOrBytes(f, name, a[0], true, func(s string) string { return fn + "(" + s + ", " + n + ")" },
			func(h string) string { return "unhex(" + fn + "(" + h + ", 2 * (" + n + ")))" })
	case "LPAD", "RPAD":
		a := pr.args(f, 2, 3)
		fn := strings.ToLower(name)
		// a negative length and an empty pattern are errors in GoogleSQL (DuckDB: '' and its own error)
		a[1] = "(CASE WHEN " + a[1] + " < 0 THEN " + pr.raise("'"+name+"() requires a non-negative return length'") + " ELSE " + a[1] + " END)"
		if len(a) == 3 {
			a[2] = "(CASE WHEN CAST(" + a[2] + " AS VARCHAR) = '' THEN " + pr.raise("'"+name+"() requires a non-empty pattern'") + " ELSE " + a[2] + " END)"
		}
		if len(a) == 2 {
			// the default pattern is a blank, for BYTES too
			return pr.stringOrBytes(f, name, a[0], true, func(s string) string { return fn + "(" + s + ", CAST(" + a[1] + " AS INTEGER), ' ')" },
				func(h string) string { return "unhex(" + fn + "(" + h + ", CAST(2 * " + a[1] + " AS INTEGER), '20'))" })
		}
		return pr.stringOrBytes(f, name, a[0], true, func(s string) string {
			return fn + "(" + s + ", CAST(" + a[1] + " AS INTEGER), CAST(" + a[2] + " AS VARCHAR))"
		},
			func(h string) string {
				return "unhex(" + fn + "(" + h + ", CAST(2 * " + a[1] + " AS INTEGER), hex(" + a[2] + ")))"
			})
	case "SPLIT":
		a := pr.args(f, 1, 2)
		if len(a) == 1 {
			a = append(a, "','")
		}
		if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "BYTES" {
			// a hex split could match across byte boundaries
			pr.fail(f.at, "Unsupported feature: SPLIT of BYTES")
		}
		return "(CASE WHEN typeof(" + a[0] + ") = 'BLOB' THEN " + pr.raise("'Unsupported feature: SPLIT of BYTES'") + " WHEN " + a[0] + " = '' THEN [''] ELSE str_split(CAST(" + a[0] + " AS VARCHAR), CAST(" + a[1] + " AS VARCHAR)) END)"
	case "FORMAT":
		if len(f.args) == 0 {
			pr.fail(f.at, "FORMAT requires a format string")
		}
		if lit, ok := f.args[0].(*litExpr); ok && lit.kind == "STRING" {
			for i := 0; i < len(lit.val)-1; i++ {
				if lit.val[i] == '%' {
					c := lit.val[i+1]
					if c == 't' || c == 'T' || c == 'P' || c == '\'' {
						pr.unsupported(f.at, "FORMAT element %"+string(c))
					}
					i++
				}
			}
		}
		return "printf(" + strings.Join(pr.args(f, 1, -1), ", ") + ")"
	case "INSTR":
		a := pr.args(f, 2, 4)
		if len(a) == 2 {
			return "strpos(" + a[0] + ", " + a[1] + ")"
		}
		pos, occ := a[2], "1"
		if len(a) == 4 {
			occ = a[3]
		}
		// every (overlapping) match's 1-based start; a negative position searches backwards from
		// len + position + 1; the occurrence-th match, else 0
		id := pr.nextID()
		sv, tv, i := fmt.Sprintf("_is%d", id), fmt.Sprintf("_it%d", id), fmt.Sprintf("_ii%d", id)
		starts := "list_filter(range(1, length(" + sv + ") + 1), " + i + " -> substr(" + sv + ", " + i + ", length(" + tv + ")) = " + tv + ")"
		body := "coalesce((CASE WHEN " + pos + " > 0 THEN list_filter(" + starts + ", " + i + " -> " + i + " >= " + pos + ")" +
			" ELSE list_reverse(list_filter(" + starts + ", " + i + " -> " + i + " <= length(" + sv + ") + " + pos + " + 1)) END)[" + occ + "], 0)"
		check := "CASE WHEN " + pos + " = 0 THEN " + pr.raise("'The position argument of INSTR must not be 0'") +
			" WHEN " + occ + " <= 0 THEN " + pr.raise("'The occurrence argument of INSTR must be positive'") + " END"
		return "(CASE WHEN " + a[0] + " IS NULL OR " + a[1] + " IS NULL OR " + pos + " IS NULL OR " + occ + " IS NULL THEN NULL ELSE coalesce(" + check + ", " +
			"list_transform([" + a[0] + "], " + sv + " -> list_transform([" + a[1] + "], " + tv + " -> " + body + ")[1])[1]) END)"
	case "TO_HEX":
		if len(f.args) != 1 {
			pr.fail(f.at, "Number of arguments does not match for function TO_HEX")
		}
		if inner, ok := f.args[0].(*funcExpr); ok && len(inner.name) == 1 && !inner.safe &&
			(inner.name[0] == "SHA256" || inner.name[0] == "MD5" || inner.name[0] == "SHA1") && len(inner.args) == 1 {
			return strings.ToLower(inner.name[0]) + "(" + pr.expr(inner.args[0]) + ")"
		}
		a := pr.args(f, 1, 1)
		return "lower(hex(" + a[0] + "))"
	case "SHA256", "MD5", "SHA1":
		a := pr.args(f, 1, 1)
		return "unhex(" + strings.ToLower(name) + "(" + a[0] + "))"
	case "SHA512":
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)
	case "REGEXP_CONTAINS":
		a := pr.args(f, 2, 2)
		return "regexp_matches(" + a[0] + ", " + a[1] + ")"
	case "REGEXP_INSTR":
		if len(f.args) > 2 {
			pr.unsupported(f.at, "REGEXP_INSTR with position, occurrence or occurrence_position")
		}
		a := pr.args(f, 2, 2)
		lit, ok := f.args[1].(*litExpr)
		if !ok || lit.kind != "STRING" {
			pr.unsupported(f.at, name+" with a non-literal pattern")
		}
		// the leftmost match starts after the shortest prefix that a match follows (RE2 semantics)
		prefix := qstr("^((?s:.*?))(?:" + lit.val + ")")
		return "(CASE WHEN regexp_matches(" + a[0] + ", " + a[1] + ") THEN length(regexp_extract(" + a[0] + ", " + prefix + ", 1)) + 1 " +
			"WHEN " + a[0] + " IS NOT NULL THEN 0 END)"
	case "REGEXP_EXTRACT", "REGEXP_SUBSTR", "REGEXP_EXTRACT_ALL":
		max := 2
		if name != "REGEXP_EXTRACT_ALL" {
			max = 4
		}
		a := pr.args(f, 2, max)
		lit, ok := f.args[1].(*litExpr)
		if !ok || lit.kind != "STRING" {
			pr.unsupported(f.at, name+" with a non-literal pattern")
		}
		g := captureGroups(lit.val)
		if g > 1 {
			pr.fail(f.at, "Regular expressions passed into extraction functions must not have more than 1 capturing group")
		}
		gs := strconv.Itoa(g)
		if name == "REGEXP_EXTRACT_ALL" {
			return "regexp_extract_all(" + a[0] + ", " + a[1] + ", " + gs + ")"
		}
		if len(a) > 2 {
			// the occurrence-th non-overlapping match in the value from position on
			occ := "1"
			if len(a) == 4 {
				occ = a[3]
			}
			check := "CASE WHEN " + a[2] + " <= 0 THEN " + pr.raise("'The position argument of "+name+" must be positive'") +
				" WHEN " + occ + " <= 0 THEN " + pr.raise("'The occurrence argument of "+name+" must be positive'") + " END"
			return "coalesce(" + check + ", regexp_extract_all(substr(" + a[0] + ", " + a[2] + "), " + a[1] + ", " + gs + ")[" + occ + "])"
		}
		return "(CASE WHEN regexp_matches(" + a[0] + ", " + a[1] + ") THEN regexp_extract(" + a[0] + ", " + a[1] + ", " + gs + ") END)"
	case "REGEXP_REPLACE":
		a := pr.args(f, 3, 3)
		return "regexp_replace(" + a[0] + ", " + a[1] + ", " + a[2] + ", 'g')"
	case "GENERATE_UUID":
		pr.args(f, 0, 0)
		return "CAST(uuid() AS VARCHAR)"
	case "NORMALIZE":
		// DuckDB has NFC only
		if len(f.args) == 2 {
			if m, ok := f.args[1].(*identExpr); !ok || len(m.parts) != 1 || !strings.EqualFold(m.parts[0], "NFC") {
				pr.unsupported(f.at, "NORMALIZE modes other than NFC")
			}
		}
		if len(f.args) < 1 || len(f.args) > 2 {
			pr.fail(f.at, "Number of arguments does not match for function NORMALIZE")
		}
		return "nfc_normalize(" + pr.expr(f.args[0]) + ")"
	case "NORMALIZE_AND_CASEFOLD":
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)
	case "UNICODE":
		// the code point of the first character; 0 for '' (DuckDB: -1)
		a := pr.args(f, 1, 1)
		return "(CASE WHEN " + a[0] + " = '' THEN 0 ELSE unicode(" + a[0] + ") END)"
	case "CHR":
		// CHR(0) is '' (DuckDB: the NUL character)
		a := pr.args(f, 1, 1)
		return "(CASE WHEN " + a[0] + " = 0 THEN '' ELSE chr(CAST(" + a[0] + " AS INTEGER)) END)"

	// ----- JSON
	case "JSON_VALUE", "JSON_EXTRACT_SCALAR", "JSON_QUERY", "JSON_EXTRACT", "JSON_QUERY_ARRAY", "JSON_EXTRACT_ARRAY",
		"JSON_VALUE_ARRAY", "JSON_EXTRACT_STRING_ARRAY":
		s, _ := pr.jsonFunc(f, name)
		return s
	case "TO_JSON_STRING":
		a := pr.args(f, 1, 2)
		if len(a) == 2 {
			pr.unsupported(f.at, "TO_JSON_STRING pretty printing")
		}
		return pr.toJSONString(f, a[0])
	case "TO_JSON":
		a := pr.args(f, 1, 1)
		return "to_json(" + a[0] + ")"
	case "PARSE_JSON":
		a := pr.args(f, 1, 1)
		return "json(" + a[0] + ")"

	// ----- arrays
	case "ARRAY_LENGTH":
		a := pr.args(f, 1, 1)
		return "len(" + a[0] + ")"
	case "ARRAY_TO_STRING":
		a := pr.args(f, 2, 3)
		if len(a) == 3 {
			return nullIfAny(a[:2], "array_to_string(list_transform("+a[0]+", _e -> coalesce(_e, "+a[2]+")), "+a[1]+")")
		}
		return nullIfAny(a, "array_to_string("+a[0]+", "+a[1]+")")
	case "ARRAY_CONCAT":
		a := pr.args(f, 1, -1)
		s := a[0]
		for _, x := range a[1:] {
			s = "list_concat(" + s + ", " + x + ")"
		}
		return nullIfAny(a, s)
	case "GENERATE_ARRAY":
		a := pr.args(f, 2, 3)
		if len(a) == 2 {
			a = append(a, "1")
		}
		return nullIfAny(a, "(CASE WHEN "+a[2]+" = 0 THEN "+pr.raise("'Sequence step cannot be 0.'")+" ELSE generate_series("+a[0]+", "+a[1]+", "+a[2]+") END)")
	case "GENERATE_DATE_ARRAY":
		a := pr.args(f, 2, 3)
		step := "INTERVAL 1 DAY"
		if len(f.args) == 3 {
			// a zero step is an error in GoogleSQL (DuckDB: an empty array)
			step = pr.nonZeroStep(pr.intervalArg(f, 2), name)
		}
		return nullIfAny(a[:2], "CAST(generate_series(CAST("+a[0]+" AS TIMESTAMP), CAST("+a[1]+" AS TIMESTAMP), "+step+") AS DATE[])")
	case "GENERATE_TIMESTAMP_ARRAY":
		if len(f.args) != 3 {
			pr.fail(f.at, "Number of arguments does not match for function GENERATE_TIMESTAMP_ARRAY")
		}
		a := pr.args(f, 3, 3)
		// string literals are TIMESTAMPs (DuckDB cannot choose between its two overloads)
		return nullIfAny(a[:2], "generate_series(CAST("+a[0]+" AS TIMESTAMPTZ), CAST("+a[1]+" AS TIMESTAMPTZ), "+pr.nonZeroStep(pr.intervalArg(f, 2), name)+")")

	// ----- aggregates
	case "ARRAY_AGG":
		a := pr.args(f, 1, 1)
		if f.having != nil {
			pr.unsupported(f.at, "HAVING in ARRAY_AGG")
		}
		var s string
		if f.nulls == "IGNORE" {
			s = pr.agg(f, "array_agg", a, a[0]+" IS NOT NULL")
		} else {
			// BigQuery refuses NULL array elements in results
			plain := pr.agg(f, "array_agg", a, "")
			nulls := "count(*) FILTER (WHERE " + a[0] + " IS NULL)" + pr.over(f)
			s = "(CASE WHEN " + nulls + " > 0 THEN error('Array cannot have a null element; error in writing field') ELSE " + plain + " END)"
		}
		if f.limit != nil {
			s = "list_slice(" + s + ", 1, " + pr.expr(f.limit) + ")"
		}
		return s
	case "ARRAY_CONCAT_AGG":
		a := pr.args(f, 1, 1)
		s := "flatten(" + pr.agg(f, "array_agg", a, a[0]+" IS NOT NULL") + ")"
		if f.limit != nil {
			pr.unsupported(f.at, "LIMIT in ARRAY_CONCAT_AGG")
		}
		return s
	case "STRING_AGG":
		a := pr.args(f, 1, 2)
		if len(a) == 1 {
			a = append(a, "','")
		}
		if f.limit != nil {
			if f.distinct {
				pr.unsupported(f.at, "STRING_AGG with DISTINCT and LIMIT")
			}
			// STRING_AGG(x, sep ORDER BY y LIMIT n): first n non-NULL values, joined
			list := pr.agg(f, "array_agg", a[:1], a[0]+" IS NOT NULL")
			return "array_to_string(list_slice(" + list + ", 1, " + pr.expr(f.limit) + "), " + a[1] + ")"
		}
		return pr.agg(f, "string_agg", a, "")
	case "APPROX_COUNT_DISTINCT":
		a := pr.args(f, 1, 1)
		f2 := *f
		f2.distinct = true
		return pr.agg(&f2, "count", a, "")
	case "ANY_VALUE":
		a := pr.args(f, 1, 1)
		if f.having != nil {
			fn := "arg_min_null"
			if f.having.max {
				fn = "arg_max_null"
			}
			return pr.agg(f, fn, []string{a[0], pr.expr(f.having.x)}, "")
		}
		return pr.agg(f, "any_value", a, "")
	case "COUNT":
		if f.star {
			return pr.agg(f, "count", nil, "")
		}
		return pr.agg(f, "count", pr.args(f, 1, 1), "")
	case "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE":
		a := pr.args(f, 1, 3)
		return pr.agg(f, strings.ToLower(name), a, "")
	case "PERCENTILE_CONT", "PERCENTILE_DISC":
		a := pr.args(f, 2, 2)
		fn := "quantile_cont"
		if name == "PERCENTILE_DISC" {
			fn = "quantile_disc"
		}
		if f.over != nil && (len(f.over.orderBy) > 0 || f.over.frameUnit != "") {
			pr.fail(f.at, "%s does not support ORDER BY or a window frame in OVER", name)
		}
		if f.nulls == "RESPECT" {
			return pr.percentileRespectNulls(f, name, a)
		}
		return pr.agg(f, fn, a, "")

	// ----- hashing / misc refused
	case "APPROX_QUANTILES":
		// exact: the number+1 boundaries as discrete quantiles, NULLs ignored (BigQuery's default)
		if len(f.args) != 2 {
			pr.fail(f.at, "Number of arguments does not match for function APPROX_QUANTILES")
		}
		lit, ok := f.args[1].(*litExpr)
		n, err := strconv.Atoi(litVal(lit, ok))
		if !ok || lit.kind != "INT" || err != nil || n <= 0 || n > 100000 {
			pr.unsupported(f.at, "APPROX_QUANTILES without a positive integer literal number")
		}
		if f.over != nil || len(f.orderBy) > 0 || f.limit != nil || f.having != nil {
			pr.unsupported(f.at, "APPROX_QUANTILES with OVER, ORDER BY, LIMIT or HAVING")
		}
		if f.nulls == "RESPECT" {
			return pr.approxQuantilesRespectNulls(pr.expr(f.args[0]), f.distinct, n)
		}
		qs := make([]string, n+1)
		for i := range qs {
			qs[i] = strconv.FormatFloat(float64(i)/float64(n), 'g', -1, 64)
		}
		x := pr.expr(f.args[0])
		if f.distinct {
			return "quantile_disc(DISTINCT " + x + ", [" + strings.Join(qs, ", ") + "])"
		}
		return "quantile_disc(" + x + ", [" + strings.Join(qs, ", ") + "])"
	case "TO_CODE_POINTS":
		a := pr.args(f, 1, 1)
		c := fmt.Sprintf("_cp%d", pr.nextID())
		return pr.stringOrBytes(f, name, a[0], false, func(s string) string {
			return "(CASE WHEN " + s + " = '' THEN CAST([] AS BIGINT[]) ELSE list_transform(string_split(" + s + ", ''), " + c + " -> CAST(unicode(" + c + ") AS BIGINT)) END)"
		}, func(h string) string {
			return "list_transform(regexp_extract_all(" + h + ", '..'), " + c + " -> CAST('0x' || " + c + " AS BIGINT))"
		})
	case "CODE_POINTS_TO_STRING":
		a := pr.args(f, 1, 1)
		c := fmt.Sprintf("_cp%d", pr.nextID())
		// NULL if the array or an element is NULL
		return "(CASE WHEN list_count(" + a[0] + ") = len(" + a[0] + ") THEN array_to_string(list_transform(" + a[0] + ", " + c +
			" -> chr(CAST(" + c + " AS INTEGER))), '') END)"
	case "ERROR":
		a := pr.args(f, 1, 1)
		return pr.raise("CAST(" + a[0] + " AS VARCHAR)")
	case "FARM_FINGERPRINT", "FINGERPRINT", "SESSION_USER", "HLL_COUNT",
		"APPROX_TOP_SUM", "ML", "KEYS", "AEAD", "DETERMINISTIC_ENCRYPT", "DETERMINISTIC_DECRYPT_STRING",
		"LAX_BOOL", "LAX_INT64", "LAX_FLOAT64", "LAX_STRING",
		"COLLATE", "CURRENT_TIME":
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)
	}
	if strings.HasPrefix(name, "ST_") {
		pr.fail(f.at, "Function not found: %s (unsupported by the local emulator)", name)
	}
	if s, ok := pr.dateCall(f, name); ok {
		return s
	}
	if name == "COUNTIF" && !f.distinct {
		// DuckDB's count_if is NULL over no rows; BigQuery's COUNTIF is 0.
		a := pr.args(f, 1, 1)
		return pr.agg(f, "count", []string{"CASE WHEN " + a[0] + " THEN 1 END"}, "")
	}
	if fn, ok := passThrough[name]; ok {
		if aggregates[name] || windowOnly[name] {
			return pr.agg(f, fn, pr.args(f, 0, -1), "")
		}
		return fn + "(" + strings.Join(pr.args(f, 0, -1), ", ") + ")"
	}
	pr.fail(f.at, "Function not found: %s", name)
	return ""
}

// captureGroups counts capturing groups in an RE2 pattern.
func captureGroups(re string) int {
	n := 0
	inClass := false
	for i := 0; i < len(re); i++ {
		switch re[i] {
		case '\\':
			i++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '(':
			if inClass {
				continue
			}
			if i+1 < len(re) && re[i+1] == '?' {
				if i+2 < len(re) && (re[i+2] == 'P' || re[i+2] == '<') {
					n++
				}
				continue
			}
			n++
		}
	}
	return n
}

// stringOrBytes renders a function of STRING and BYTES: str on the text, or blob on the bytes' hex digits
// (two per byte). Which one runs follows x's type, and DuckDB folds the typeof() tests when it plans, so
// a STRING column pays nothing; with same, the result has x's type. Another type is BigQuery's
// signature error, raised when a row is read.
func (pr *printer) stringOrBytes(f *funcExpr, name, x string, same bool, str, blob func(string) string) string {
	if lit, ok := f.args[0].(*litExpr); ok {
		switch lit.kind {
		case "STRING", "NULL":
			return str(x)
		case "BYTES":
			return blob("hex(" + x + ")")
		}
	}
	if len(x) > 200 {
		// x appears several times below: a long one (a nested call) is bound once through a lambda, so that
		// nesting does not multiply the SQL
		v := fmt.Sprintf("_sb%d", pr.nextID())
		return "list_transform([" + x + "], " + v + " -> " + pr.stringOrBytes(f, name, v, same, str, blob) + ")[1]"
	}
	// every branch must bind whatever x's type: the bytes are reached through VARCHAR (BLOB to VARCHAR
	// escapes and back is exact), and a BYTES result goes back to x's type the same way
	s, b := str("CAST("+x+" AS VARCHAR)"), blob("hex(CAST(CAST("+x+" AS VARCHAR) AS BLOB))")
	if same {
		s, b = "cast_to_type("+s+", "+x+")", "cast_to_type(CAST("+b+" AS VARCHAR), "+x+")"
	}
	bad := pr.raise("'No matching signature for function " + name + " for argument types: ' || " + bqTypeOf(x) +
		strings.Repeat(" || ', INT64'", len(f.args)-1))
	return "(CASE WHEN typeof(" + x + ") NOT IN ('VARCHAR', 'BLOB', '\"NULL\"') THEN " + bad + " WHEN typeof(" + x + ") = 'BLOB' THEN " + b + " ELSE " + s + " END)"
}

func litVal(l *litExpr, ok bool) string {
	if !ok {
		return ""
	}
	return l.val
}
