package bqsql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

type printer struct {
	opts    Options
	ctes    []map[string]bool
	temps   map[string]bool // temp tables created in this script
	udfs    map[string]bool // temp functions created in this script
	windows []map[string]*windowSpec
	uid     int
	safe    int // depth of SAFE. calls being rendered
	// positional is set while rendering values assigned to columns (INSERT VALUES, UPDATE SET,
	// MERGE): BigQuery coerces STRUCT values by position, DuckDB by field name, so structs become ROW(...).
	positional bool
	// insertSelect is the SELECT whose items feed INSERT columns (structs coerce by position there too).
	insertSelect *selectStmt
	aliases      []map[string]string // FROM aliases per select: table aliases map to "", UNNEST value aliases to their qualified name
}

func (pr *printer) fail(a at, format string, args ...any) {
	panic(errAt(a.line, a.col, format, args...))
}

func (pr *printer) unsupported(a at, what string) {
	pr.fail(a, "Unsupported feature: %s", what)
}

func qid(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func qstr(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func qblob(s string) string {
	var b strings.Builder
	b.WriteString("'")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '\\' && c != '\'' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\x%02X", c)
		}
	}
	b.WriteString("'::BLOB")
	return b.String()
}

func (pr *printer) nextID() int { pr.uid++; return pr.uid }

// ---------- names ----------

func (pr *printer) isCTE(name string) bool {
	for i := len(pr.ctes) - 1; i >= 0; i-- {
		if pr.ctes[i][strings.ToLower(name)] {
			return true
		}
	}
	return false
}

// tableName maps a BigQuery table path to a DuckDB "schema"."table" name.
func (pr *printer) tableName(a at, path []string) (string, string, string) {
	for _, p := range path {
		if strings.Contains(p, "*") {
			pr.unsupported(a, "wildcard table "+strings.Join(path, "."))
		}
	}
	for i, p := range path {
		if strings.EqualFold(p, "INFORMATION_SCHEMA") && i >= 1 && i == len(path)-2 {
			ds := path[i-1]
			tbl := "INFORMATION_SCHEMA." + strings.ToUpper(path[i+1])
			return qid(ds) + "." + qid(tbl), ds, tbl
		}
	}
	switch len(path) {
	case 1:
		if pr.isCTE(path[0]) || pr.temps[strings.ToLower(path[0])] {
			return qid(path[0]), "", path[0]
		}
		if pr.opts.DefaultDataset == "" {
			pr.fail(a, "Table name \"%s\" missing dataset while no default dataset is set in the request.", path[0])
		}
		return qid(pr.opts.DefaultDataset) + "." + qid(path[0]), pr.opts.DefaultDataset, path[0]
	case 2:
		return qid(path[0]) + "." + qid(path[1]), path[0], path[1]
	case 3:
		return qid(path[1]) + "." + qid(path[2]), path[1], path[2]
	}
	pr.fail(a, "Invalid table name: %s", strings.Join(path, "."))
	return "", "", ""
}

// ---------- types ----------

func (pr *printer) typ(a at, t *typeSpec) string {
	switch t.name {
	case "STRING":
		return "VARCHAR"
	case "BYTES":
		return "BLOB"
	case "INT64", "INT", "INTEGER", "SMALLINT", "BIGINT", "TINYINT", "BYTEINT":
		return "BIGINT"
	case "FLOAT64", "FLOAT":
		return "DOUBLE"
	case "NUMERIC", "DECIMAL", "BIGNUMERIC", "BIGDECIMAL":
		if len(t.params) == 2 {
			return "DECIMAL(" + t.params[0] + "," + t.params[1] + ")"
		}
		if len(t.params) == 1 {
			return "DECIMAL(" + t.params[0] + ",0)"
		}
		return "DECIMAL(38,9)"
	case "BOOL", "BOOLEAN":
		return "BOOLEAN"
	case "TIMESTAMP":
		return "TIMESTAMPTZ"
	case "DATETIME":
		return "TIMESTAMP"
	case "DATE":
		return "DATE"
	case "TIME":
		return "TIME"
	case "JSON":
		return "JSON"
	case "ARRAY":
		return pr.typ(a, t.elem) + "[]"
	case "STRUCT":
		var parts []string
		for i, f := range t.fields {
			n := f.name
			if n == "" {
				n = fmt.Sprintf("_field_%d", i+1)
			}
			parts = append(parts, qid(n)+" "+pr.typ(a, f.typ))
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	pr.unsupported(a, "type "+t.name)
	return ""
}

// ---------- queries ----------

func (pr *printer) query(q *query) string {
	saved := pr.positional
	pr.positional = false
	defer func() { pr.positional = saved }()
	var b strings.Builder
	scope := map[string]bool{}
	pr.ctes = append(pr.ctes, scope)
	defer func() { pr.ctes = pr.ctes[:len(pr.ctes)-1] }()
	if len(q.with) > 0 {
		b.WriteString("WITH ")
		for i, c := range q.with {
			if i > 0 {
				b.WriteString(", ")
			}
			// a CTE may refer to earlier ones (BigQuery allows only earlier ones in non-recursive WITH)
			sub := pr.query(c.q)
			scope[strings.ToLower(c.name)] = true
			b.WriteString(qid(c.name) + " AS (" + sub + ")")
		}
		b.WriteString(" ")
	}
	b.WriteString(pr.setExpr(q.body))
	if len(q.orderBy) > 0 {
		b.WriteString(" ORDER BY " + pr.orderItems(q.orderBy, true))
	}
	if q.limit != nil {
		b.WriteString(" LIMIT " + pr.expr(q.limit))
		if q.offset != nil {
			b.WriteString(" OFFSET " + pr.expr(q.offset))
		}
	}
	return b.String()
}

func (pr *printer) setExpr(s setExpr) string {
	switch s := s.(type) {
	case *query:
		if len(s.with) == 0 && len(s.orderBy) == 0 && s.limit == nil {
			return pr.setExpr(s.body)
		}
		return "(" + pr.query(s) + ")"
	case *selectStmt:
		return pr.selectStmt(s)
	case *setOp:
		op := s.op
		if s.distinct {
			if s.op == "UNION" {
				op += " DISTINCT"
			}
		} else {
			op += " ALL"
		}
		l := pr.setExpr(s.l)
		r := pr.setExpr(s.r)
		if _, ok := s.r.(*setOp); ok {
			r = "(" + r + ")"
		}
		// BigQuery matches set operation columns by position, as DuckDB's default does.
		return l + " " + op + " " + r
	}
	panic("unknown set expression")
}

func (pr *printer) orderItems(items []orderItem, positional bool) string {
	var parts []string
	for _, it := range items {
		var s string
		if lit, ok := it.x.(*litExpr); ok && lit.kind == "INT" && positional {
			s = lit.val
		} else {
			s = pr.expr(it.x)
		}
		if it.desc {
			s += " DESC"
		} else {
			s += " ASC"
		}
		// BigQuery: NULLs first in ASC, last in DESC.
		switch {
		case it.nulls != "":
			s += " NULLS " + it.nulls
		case it.desc:
			s += " NULLS LAST"
		default:
			s += " NULLS FIRST"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// itemName is the implicit column name BigQuery gives a select item.
func itemName(x expr) string {
	switch x := x.(type) {
	case *identExpr:
		return x.parts[len(x.parts)-1]
	case *fieldExpr:
		return x.name
	case *parenExpr:
		return itemName(x.x)
	}
	return ""
}

func (pr *printer) selectStmt(s *selectStmt) string {
	var b strings.Builder
	if s.windows != nil {
		pr.windows = append(pr.windows, s.windows)
		defer func() { pr.windows = pr.windows[:len(pr.windows)-1] }()
	}
	pr.aliases = append(pr.aliases, map[string]string{})
	defer func() { pr.aliases = pr.aliases[:len(pr.aliases)-1] }()
	// FROM first so aliases are known
	from := ""
	if len(s.from) > 0 {
		from = " FROM " + pr.fromList(s.from)
	}
	b.WriteString("SELECT ")
	if s.distinct {
		b.WriteString("DISTINCT ")
	}
	anon := 0
	if s.asStruct {
		var parts []string
		for _, it := range s.items {
			if _, ok := it.x.(*starExpr); ok {
				pr.unsupported(s.at, "SELECT AS STRUCT *")
			}
			n := it.alias
			if n == "" {
				n = itemName(it.x)
			}
			if n == "" {
				n = fmt.Sprintf("_field_%d", len(parts)+1)
			}
			parts = append(parts, qstr(n)+": "+pr.expr(it.x))
		}
		b.WriteString("{" + strings.Join(parts, ", ") + "} AS " + qid("$struct"))
	} else {
		for i, it := range s.items {
			if i > 0 {
				b.WriteString(", ")
			}
			if st, ok := it.x.(*starExpr); ok {
				b.WriteString(pr.usingFirst(st, s.from))
				continue
			}
			if s == pr.insertSelect {
				b.WriteString(pr.valueExpr(it.x))
			} else {
				b.WriteString(pr.expr(it.x))
			}
			if it.alias != "" {
				b.WriteString(" AS " + qid(it.alias))
			} else if itemName(it.x) == "" && !s.asValue {
				b.WriteString(" AS " + qid(fmt.Sprintf("f%d_", anon)))
				anon++
			} else if itemName(it.x) != "" {
				b.WriteString(" AS " + qid(itemName(it.x)))
			}
		}
	}
	b.WriteString(from)
	if s.where != nil {
		b.WriteString(" WHERE " + pr.expr(s.where))
	}
	if s.groupByAll {
		b.WriteString(" GROUP BY ALL")
	}
	if len(s.groupBy) > 0 {
		var parts []string
		for _, g := range s.groupBy {
			if lit, ok := g.(*litExpr); ok && lit.kind == "INT" {
				parts = append(parts, lit.val)
			} else {
				parts = append(parts, pr.expr(g))
			}
		}
		if s.rollup {
			b.WriteString(" GROUP BY ROLLUP (" + strings.Join(parts, ", ") + ")")
		} else {
			b.WriteString(" GROUP BY " + strings.Join(parts, ", "))
		}
	}
	if s.having != nil {
		b.WriteString(" HAVING " + pr.expr(s.having))
	}
	if s.qualify != nil {
		b.WriteString(" QUALIFY " + pr.expr(s.qualify))
	}
	return b.String()
}

func (pr *printer) star(st *starExpr) string {
	s := "*"
	if st.qual != nil {
		s = pr.expr(st.qual) + ".*"
	}
	if len(st.except) > 0 {
		var parts []string
		for _, e := range st.except {
			parts = append(parts, qid(e))
		}
		s += " EXCLUDE (" + strings.Join(parts, ", ") + ")"
	}
	if len(st.replace) > 0 {
		var parts []string
		for _, r := range st.replace {
			parts = append(parts, pr.expr(r.x)+" AS "+qid(r.alias))
		}
		s += " REPLACE (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func (pr *printer) addAlias(n string) {
	if n != "" {
		pr.aliases[len(pr.aliases)-1][strings.ToLower(n)] = ""
	}
}

// addValueAlias registers an UNNEST element/offset alias; references print qualified so that a
// table column of the same name does not capture them (BigQuery binds the range variable).
func (pr *printer) addValueAlias(n, qual string) {
	pr.aliases[len(pr.aliases)-1][strings.ToLower(n)] = qual
}

func (pr *printer) isAlias(n string) bool {
	for i := len(pr.aliases) - 1; i >= 0; i-- {
		if _, ok := pr.aliases[i][strings.ToLower(n)]; ok {
			return true
		}
	}
	return false
}

// valueAlias returns the qualified name of an UNNEST alias of the innermost SELECT. Outer aliases are
// left unqualified: a column of the inner FROM with that name must win (BigQuery scoping), and DuckDB
// resolves the correlated reference otherwise.
func (pr *printer) valueAlias(n string) string {
	if len(pr.aliases) == 0 {
		return ""
	}
	return pr.aliases[len(pr.aliases)-1][strings.ToLower(n)]
}

func (pr *printer) fromList(items []fromItem) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			if pr.isArrayRef(it) {
				b.WriteString(" CROSS JOIN ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(pr.fromItem(it))
	}
	return b.String()
}

// isArrayRef reports whether a FROM item unnests an array (UNNEST or a correlated path).
func (pr *printer) isArrayRef(it fromItem) bool {
	switch t := it.(type) {
	case *unnestRef:
		return true
	case *tableRef:
		return len(t.path) >= 2 && pr.isAlias(t.path[0])
	}
	return false
}

func (pr *printer) fromItem(it fromItem) string {
	switch t := it.(type) {
	case *tableRef:
		if len(t.path) >= 2 && pr.isAlias(t.path[0]) {
			// correlated array path: FROM t, t.arr AS x
			alias := t.alias
			if alias == "" {
				alias = t.path[len(t.path)-1]
			}
			return pr.fromItem(&unnestRef{at: t.at, x: &identExpr{at: t.at, parts: t.path}, alias: alias})
		}
		name, _, tbl := pr.tableName(t.at, t.path)
		if t.alias != "" {
			pr.addAlias(t.alias)
			return name + " AS " + qid(t.alias)
		}
		pr.addAlias(tbl)
		return name
	case *subqueryRef:
		s := "(" + pr.query(t.q) + ")"
		if t.alias != "" {
			pr.addAlias(t.alias)
			s += " AS " + qid(t.alias)
		}
		return s
	case *unnestRef:
		arr := pr.expr(t.x)
		id := pr.nextID()
		alias := t.alias
		if alias == "" {
			// BigQuery: an unaliased UNNEST of structs exposes the fields; of scalars, no usable name
			if t.offset {
				pr.unsupported(t.at, "UNNEST WITH OFFSET without an alias for the element")
			}
			return fmt.Sprintf("(SELECT UNNEST(%s, max_depth := 2)) AS _u%d", arr, id)
		}
		pr.addValueAlias(alias, fmt.Sprintf("_u%d.%s", id, qid(alias)))
		if t.offset {
			pr.addValueAlias(t.offAlias, fmt.Sprintf("_u%d.%s", id, qid(t.offAlias)))
			return fmt.Sprintf("(SELECT _v AS %s, _o - 1 AS %s FROM UNNEST(%s) WITH ORDINALITY AS _w%d(_v, _o)) AS _u%d",
				qid(alias), qid(t.offAlias), arr, id, id)
		}
		return fmt.Sprintf("UNNEST(%s) AS _u%d(%s)", arr, id, qid(alias))
	case *joinRef:
		l := pr.fromItem(t.l)
		r := pr.fromItem(t.r)
		switch {
		case t.kind == "CROSS":
			return l + " CROSS JOIN " + r
		case t.on != nil:
			return l + " " + t.kind + " JOIN " + r + " ON " + pr.expr(t.on)
		case len(t.using) > 0:
			var parts []string
			for _, u := range t.using {
				parts = append(parts, qid(u))
			}
			return l + " " + t.kind + " JOIN " + r + " USING (" + strings.Join(parts, ", ") + ")"
		default:
			if t.kind == "INNER" {
				return l + " CROSS JOIN " + r
			}
			return l + " " + t.kind + " JOIN " + r + " ON TRUE"
		}
	case *parenFrom:
		return "(" + pr.fromItem(t.x) + ")"
	}
	panic("unknown from item")
}

// ---------- expressions ----------

func (pr *printer) exprs(xs []expr) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, pr.expr(x))
	}
	return strings.Join(parts, ", ")
}

func (pr *printer) expr(x expr) string {
	switch x := x.(type) {
	case *rawExpr:
		return x.sql
	case *litExpr:
		return pr.literal(x)
	case *paramExpr:
		return pr.param(x)
	case *identExpr:
		if len(x.parts) == 1 {
			switch strings.ToUpper(x.parts[0]) {
			case "CURRENT_DATE", "CURRENT_TIMESTAMP", "CURRENT_DATETIME", "CURRENT_TIME":
				return pr.call(&funcExpr{at: x.at, name: []string{strings.ToUpper(x.parts[0])}})
			case "_TABLE_SUFFIX", "_PARTITIONTIME", "_PARTITIONDATE":
				pr.unsupported(x.at, "pseudo-column "+strings.ToUpper(x.parts[0]))
			}
		}
		var parts []string
		for i, p := range x.parts {
			if i == 0 && len(pr.aliases) > 0 {
				if q := pr.valueAlias(p); q != "" {
					parts = append(parts, q)
					continue
				}
			}
			parts = append(parts, qid(p))
		}
		return strings.Join(parts, ".")
	case *parenExpr:
		return "(" + pr.expr(x.x) + ")"
	case *unaryExpr:
		if x.op == "NOT" {
			return "(NOT " + pr.expr(x.x) + ")"
		}
		return "(" + x.op + pr.expr(x.x) + ")"
	case *binExpr:
		l, r := pr.expr(x.l), pr.expr(x.r)
		switch x.op {
		case "^":
			return "xor(" + l + ", " + r + ")"
		case "<<", ">>":
			return pr.shift(x.op, l, r)
		case "/":
			// BigQuery: division by zero is an error
			return "(" + l + " / " + pr.nonZero(r) + ")"
		case "+", "-":
			// DuckDB adds days to a DATE as INTEGER, not BIGINT (DATE '2020-01-03' - 1): a small integer literal
			// next to something that is not a number literal goes as INTEGER (BIGINT + INTEGER is still BIGINT)
			if isSmallIntLit(x.r) && !isNumLit(x.l) {
				r = "CAST(" + x.r.(*litExpr).val + " AS INTEGER)"
			} else if isSmallIntLit(x.l) && !isNumLit(x.r) && x.op == "+" {
				l = "CAST(" + x.l.(*litExpr).val + " AS INTEGER)"
			}
			if x.op == "+" {
				break
			}
			// DATE - DATE is an INTERVAL in BigQuery and a number of days in DuckDB. When both sides are
			// DATEs by their form (literal, DATE(), CURRENT_DATE, PARSE_DATE, CAST AS DATE, ...) it is
			// the INTERVAL of that many days; otherwise refused at run time (typeof() is folded when
			// DuckDB plans, so other types pay nothing; a CASE cannot mix INTERVAL and a number).
			// Literal numbers cannot be dates.
			if isDateExpr(x.l) && isDateExpr(x.r) {
				return "to_days(CAST(" + l + " - " + r + " AS INTEGER))"
			}
			if isNumLit(x.l) || isNumLit(x.r) || len(l)+len(r) > 400 {
				break
			}
			return "(CASE WHEN typeof(" + l + ") = 'DATE' AND typeof(" + r + ") = 'DATE' THEN " +
				pr.raise("'Unsupported feature: DATE - DATE (an INTERVAL in BigQuery); use DATE_DIFF'") + " ELSE (" + l + " - " + r + ") END)"
		}
		return "(" + l + " " + x.op + " " + r + ")"
	case *funcExpr:
		return pr.call(x)
	case *caseExpr:
		var b strings.Builder
		b.WriteString("CASE")
		if x.operand != nil {
			b.WriteString(" " + pr.expr(x.operand))
		}
		for _, w := range x.whens {
			b.WriteString(" WHEN " + pr.expr(w.cond) + " THEN " + pr.expr(w.then))
		}
		if x.els != nil {
			b.WriteString(" ELSE " + pr.expr(x.els))
		}
		b.WriteString(" END")
		return b.String()
	case *castExpr:
		return pr.cast(x)
	case *extractExpr:
		return pr.extract(x)
	case *intervalExpr:
		return pr.interval(x)
	case *inExpr:
		op := " IN "
		if x.not {
			op = " NOT IN "
		}
		switch {
		case x.unnest != nil:
			return "(" + pr.expr(x.x) + op + "(SELECT UNNEST(" + pr.expr(x.unnest) + ")))"
		case x.query != nil:
			return "(" + pr.expr(x.x) + op + "(" + pr.query(x.query) + "))"
		}
		return "(" + pr.expr(x.x) + op + "(" + pr.exprs(x.list) + "))"
	case *betweenExpr:
		op := " BETWEEN "
		if x.not {
			op = " NOT BETWEEN "
		}
		return "(" + pr.expr(x.x) + op + pr.expr(x.lo) + " AND " + pr.expr(x.hi) + ")"
	case *likeExpr:
		op := " LIKE "
		if x.not {
			op = " NOT LIKE "
		}
		if x.any != "" {
			j := " OR "
			if x.any == "ALL" {
				j = " AND "
			}
			var parts []string
			for _, p := range x.list {
				parts = append(parts, pr.expr(x.x)+op+pr.expr(p)+" ESCAPE '\\'")
			}
			return "(" + strings.Join(parts, j) + ")"
		}
		return "(" + pr.expr(x.x) + op + pr.expr(x.p) + " ESCAPE '\\')"
	case *isExpr:
		n := ""
		if x.not {
			n = "NOT "
		}
		return "(" + pr.expr(x.x) + " IS " + n + x.what + ")"
	case *distinctFromExpr:
		n := ""
		if x.not {
			n = "NOT "
		}
		return "(" + pr.expr(x.l) + " IS " + n + "DISTINCT FROM " + pr.expr(x.r) + ")"
	case *existsExpr:
		return "EXISTS (" + pr.query(x.q) + ")"
	case *subqueryExpr:
		return "(" + pr.query(x.q) + ")"
	case *arraySubqueryExpr:
		return "ARRAY(" + pr.query(x.q) + ")"
	case *arrayLit:
		// BigQuery coerces struct elements to the first element's field names (by position)
		if len(x.elems) > 1 {
			if first, ok := x.elems[0].(*structLit); ok && first.typ == nil {
				names := make([]string, len(first.fields))
				for i := range first.fields {
					names[i] = first.names[i]
					if names[i] == "" {
						names[i] = itemName(first.fields[i])
					}
				}
				for _, e := range x.elems[1:] {
					if sl, ok := e.(*structLit); ok && sl.typ == nil && len(sl.fields) == len(names) {
						copy(sl.names, names)
					}
				}
			}
		}
		s := "[" + pr.exprs(x.elems) + "]"
		if x.elem != nil {
			return "CAST(" + s + " AS " + pr.typ(x.at, x.elem) + "[])"
		}
		return s
	case *structLit:
		if pr.positional && len(x.fields) > 0 {
			if x.typ != nil && len(x.typ.fields) == len(x.fields) {
				var parts []string
				for i, f := range x.fields {
					parts = append(parts, "CAST("+pr.expr(f)+" AS "+pr.typ(x.at, x.typ.fields[i].typ)+")")
				}
				return "ROW(" + strings.Join(parts, ", ") + ")"
			}
			if x.typ == nil {
				return "ROW(" + pr.exprs(x.fields) + ")"
			}
		}
		if x.typ != nil {
			if len(x.typ.fields) != len(x.fields) {
				pr.fail(x.at, "STRUCT type has %d fields but constructor call has %d fields", len(x.typ.fields), len(x.fields))
			}
			var parts []string
			for i, f := range x.fields {
				n := x.typ.fields[i].name
				if n == "" {
					n = fmt.Sprintf("_field_%d", i+1)
				}
				parts = append(parts, qstr(n)+": CAST("+pr.expr(f)+" AS "+pr.typ(x.at, x.typ.fields[i].typ)+")")
			}
			return "{" + strings.Join(parts, ", ") + "}"
		}
		if len(x.fields) == 0 {
			pr.unsupported(x.at, "empty STRUCT()")
		}
		anyName := false
		for i, f := range x.fields {
			if x.names[i] != "" || itemName(f) != "" {
				anyName = true
			}
		}
		if !anyName {
			// anonymous fields: an unnamed DuckDB struct coerces by position, as BigQuery does
			return "ROW(" + pr.exprs(x.fields) + ")"
		}
		var parts []string
		for i, f := range x.fields {
			n := x.names[i]
			if n == "" {
				n = itemName(f)
			}
			if n == "" {
				n = fmt.Sprintf("_field_%d", i+1)
			}
			parts = append(parts, qstr(n)+": "+pr.expr(f))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *tupleExpr:
		return "ROW(" + pr.exprs(x.xs) + ")"
	case *indexExpr:
		return pr.index(x)
	case *fieldExpr:
		return "struct_extract(" + pr.expr(x.x) + ", " + qstr(x.name) + ")"
	case *starExpr:
		pr.unsupported(x.at, "* in this position")
	}
	panic(fmt.Sprintf("unknown expression %T", x))
}

// nonZero wraps a divisor so that division by zero raises BigQuery's error.
func (pr *printer) nonZero(r string) string {
	if strings.HasPrefix(r, "CAST(") && strings.HasSuffix(r, " AS BIGINT)") {
		if n, err := strconv.ParseInt(r[5:len(r)-11], 10, 64); err == nil && n != 0 {
			return r
		}
	}
	return "(CASE WHEN " + r + " = 0 THEN " + pr.raise("'division by zero'") + " ELSE " + r + " END)"
}

func (pr *printer) literal(x *litExpr) string {
	switch x.kind {
	case "STRING":
		return qstr(x.val)
	case "BYTES":
		return qblob(x.val)
	case "INT":
		if _, err := strconv.ParseInt(x.val, 10, 64); err != nil {
			pr.fail(x.at, "Invalid integer literal: %s", x.val)
		}
		return "CAST(" + x.val + " AS BIGINT)"
	case "FLOAT":
		return "CAST('" + x.val + "' AS DOUBLE)"
	case "BOOL":
		return x.val
	case "NULL":
		return "NULL"
	case "DATE":
		return "CAST(" + qstr(x.val) + " AS DATE)"
	case "TIMESTAMP":
		return "CAST(" + qstr(x.val) + " AS TIMESTAMPTZ)"
	case "DATETIME":
		return "CAST(" + qstr(x.val) + " AS TIMESTAMP)"
	case "TIME":
		return "CAST(" + qstr(x.val) + " AS TIME)"
	case "NUMERIC", "BIGNUMERIC":
		return "CAST(" + qstr(x.val) + " AS DECIMAL(38,9))"
	case "JSON":
		return "json(" + qstr(x.val) + ")"
	}
	pr.unsupported(x.at, "literal "+x.kind)
	return ""
}

func (pr *printer) windowSpec(a at, w *windowSpec) string {
	if w.name != "" {
		var base *windowSpec
		for i := len(pr.windows) - 1; i >= 0 && base == nil; i-- {
			base = pr.windows[i][strings.ToLower(w.name)]
		}
		if base == nil {
			pr.fail(a, "Unrecognized window alias %s", w.name)
		}
		m := *base
		if len(w.partitionBy) > 0 {
			m.partitionBy = w.partitionBy
		}
		if len(w.orderBy) > 0 {
			m.orderBy = w.orderBy
		}
		if w.frameUnit != "" {
			m.frameUnit, m.frameStart, m.frameEnd = w.frameUnit, w.frameStart, w.frameEnd
		}
		m.name = ""
		w = &m
	}
	var parts []string
	if len(w.partitionBy) > 0 {
		parts = append(parts, "PARTITION BY "+pr.exprs(w.partitionBy))
	}
	if len(w.orderBy) > 0 {
		parts = append(parts, "ORDER BY "+pr.orderItems(w.orderBy, false))
	}
	if w.frameUnit != "" {
		f := w.frameUnit + " "
		bound := func(b *frameBound) string {
			if b.x != nil {
				return pr.expr(b.x) + " " + b.kind
			}
			return b.kind
		}
		if w.frameEnd != nil {
			f += "BETWEEN " + bound(w.frameStart) + " AND " + bound(w.frameEnd)
		} else {
			f += bound(w.frameStart)
		}
		parts = append(parts, f)
	}
	return "(" + strings.Join(parts, " ") + ")"
}

func (pr *printer) index(x *indexExpr) string {
	arr := pr.expr(x.x)
	idx := pr.expr(x.idx)
	if lit, ok := x.idx.(*litExpr); ok && lit.kind == "STRING" && x.mode == "" {
		// JSON field subscript: a key, never a DuckDB path ('$.a' is a key here)
		if strings.Contains(lit.val, "\\") {
			pr.unsupported(x.at, "JSON field name with a backslash")
		}
		return "json_extract(" + arr + ", " + qstr(`$."`+strings.ReplaceAll(lit.val, `"`, `\"`)+`"`) + ")"
	}
	// A plain [n] is also the JSON subscript, 0-based (DuckDB's JSON [n] is 0-based too, its lists 1-based),
	// NULL when negative or out of range; typeof is folded when DuckDB binds, and both branches bind for
	// lists and JSON.
	jsonIdx := ""
	if x.mode == "" {
		jsonIdx = fmt.Sprintf(" WHEN typeof(%s) = 'JSON' THEN (CASE WHEN %s >= 0 THEN %s[%s] END)", arr, idx, arr, idx)
	}
	base, safe := 0, false
	switch x.mode {
	case "SAFE_OFFSET":
		safe = true
	case "ORDINAL":
		base = 1
	case "SAFE_ORDINAL":
		base, safe = 1, true
	}
	i := idx
	if base == 1 {
		i = "(" + idx + " - 1)"
	}
	// BigQuery: out-of-range OFFSET/ORDINAL is an error, SAFE_ variants give NULL; negative indexes never count from the end.
	outOfRange := "NULL"
	if !safe {
		outOfRange = pr.raise("'Array index ' || " + idx + " || ' is out of bounds'")
	}
	if lit, ok := x.idx.(*litExpr); ok && lit.kind == "INT" {
		n, _ := strconv.ParseInt(lit.val, 10, 64)
		n -= int64(base)
		if n < 0 {
			if safe {
				return "NULL"
			}
			if x.mode != "" {
				pr.fail(x.at, "Array index %s is out of bounds", lit.val)
			}
			// "WHEN false THEN arr[1]" gives the result the element type (lists) or JSON
			return fmt.Sprintf("(CASE WHEN %s IS NULL OR typeof(%s) = 'JSON' THEN NULL WHEN false THEN %s[1] ELSE %s END)", arr, arr, arr, outOfRange)
		}
		return fmt.Sprintf("(CASE WHEN %s IS NULL THEN NULL%s WHEN %d < len(%s) THEN %s[%d] ELSE %s END)", arr, jsonIdx, n, arr, arr, n+1, outOfRange)
	}
	return fmt.Sprintf("(CASE WHEN %s IS NULL OR %s IS NULL THEN NULL%s WHEN %s >= 0 AND %s < len(%s) THEN %s[%s + 1] ELSE %s END)",
		arr, idx, jsonIdx, i, i, arr, arr, i, outOfRange)
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// isDateExpr reports an expression that is a DATE by its form alone, without column types:
// a DATE literal, CURRENT_DATE, DATE(...), PARSE_DATE, DATE_FROM_UNIX_DATE, CAST(... AS DATE),
// and DATE_ADD/DATE_SUB of such a DATE.
func isDateExpr(x expr) bool {
	switch x := x.(type) {
	case *litExpr:
		return x.kind == "DATE"
	case *parenExpr:
		return isDateExpr(x.x)
	case *identExpr:
		return len(x.parts) == 1 && strings.EqualFold(x.parts[0], "CURRENT_DATE")
	case *castExpr:
		return x.typ != nil && x.typ.name == "DATE"
	case *funcExpr:
		if len(x.name) == 0 || x.over != nil {
			return false
		}
		switch x.name[len(x.name)-1] {
		case "DATE", "CURRENT_DATE", "PARSE_DATE", "DATE_FROM_UNIX_DATE":
			return true
		case "DATE_ADD", "DATE_SUB":
			return len(x.args) > 0 && isDateExpr(x.args[0])
		}
	}
	return false
}

func isNumLit(x expr) bool {
	lit, ok := x.(*litExpr)
	return ok && (lit.kind == "INT" || lit.kind == "FLOAT")
}

// isSmallIntLit reports an integer literal that fits DuckDB's INTEGER.
func isSmallIntLit(x expr) bool {
	lit, ok := x.(*litExpr)
	if !ok || lit.kind != "INT" {
		return false
	}
	n, err := strconv.ParseInt(lit.val, 10, 32)
	return err == nil && n == int64(int32(n))
}

// usingFirst renders a bare * over joins with USING: BigQuery puts the USING columns first (the
// outermost join's first), then the other columns in order; DuckDB leaves them where the left table
// has them.
func (pr *printer) usingFirst(st *starExpr, from []fromItem) string {
	var cols []string
	seen := map[string]bool{}
	var walk func(it fromItem)
	walk = func(it fromItem) {
		switch x := it.(type) {
		case *joinRef:
			for _, c := range x.using {
				if k := strings.ToLower(c); !seen[k] {
					seen[k] = true
					cols = append(cols, c)
				}
			}
			walk(x.l)
			walk(x.r)
		case *parenFrom:
			walk(x.x)
		}
	}
	for _, it := range from {
		walk(it)
	}
	if st.qual != nil || len(cols) == 0 {
		return pr.star(st)
	}
	for _, r := range st.replace {
		if seen[strings.ToLower(r.alias)] {
			return pr.star(st)
		}
	}
	var first []string
	rest := *st
	rest.except = append([]string(nil), st.except...)
	for _, c := range cols {
		excepted := false
		for _, e := range st.except {
			excepted = excepted || strings.EqualFold(e, c)
		}
		if !excepted {
			first = append(first, qid(c))
			rest.except = append(rest.except, c)
		}
	}
	if len(first) == 0 {
		return pr.star(st)
	}
	return strings.Join(first, ", ") + ", " + pr.star(&rest)
}
