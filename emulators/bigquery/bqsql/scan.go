package bqsql

import (
	"fmt"
	"sort"
	"strings"
)

// TableScan is one base table a query reads, for BigQuery's cost rules: the
// columns it refers to (Reads) and the filters on its partitioning column
// that can be used for partition elimination.
type TableScan struct {
	TableRead
	// Filters holds one entry per place the query reads the table (a FROM
	// item). An entry is a DuckDB predicate over the partitioning column
	// (parameters inlined), written against the table under Alias; "" means
	// that read has no usable filter, so every partition is read.
	Filters []ScanFilter
}

// ScanFilter is the partition filter of one read of a table.
type ScanFilter struct {
	Alias string // the name the predicate qualifies the table by
	Where string // DuckDB predicate; "" when the read has no usable filter
}

// Filtered reports whether every read of the table has a usable partition
// filter (what requirePartitionFilter demands). A table with no read (only
// in a CTE nobody reads) is filtered.
func (s TableScan) Filtered() bool {
	for _, f := range s.Filters {
		if f.Where == "" {
			return false
		}
	}
	return true
}

// ScanOptions tells Scan what the catalog knows.
type ScanOptions struct {
	Options // parameters, default dataset and clock, as for Translate
	// Columns gives a table's columns in order (see Reads).
	Columns func(dataset, table string) ([]string, bool)
	// PartitionColumn gives a table's partitioning column, ok false for a
	// table that is not partitioned on a column.
	PartitionColumn func(dataset, table string) (string, bool)
}

// Scan parses one query (SELECT or WITH ... SELECT) and returns, per base
// table it reads, the columns it refers to and the filters on the table's
// partitioning column, sorted by dataset and table.
//
// A filter is usable for partition elimination when it is a conjunct (a
// term of the top-level AND) of the WHERE clause or a JOIN ... ON
// condition of the SELECT whose FROM names the table, and it refers to no
// column but the partitioning column of that table, through no subquery:
// `ts >= @start`, `DATE(ts) = '2026-11-01'`, `ts BETWEEN a AND b`,
// `DATE(ts) IN (...)`, an OR of such terms. A filter on one column of a
// subquery or CTE is pushed down into it, as BigQuery does, when that
// column passes a column on unchanged and the subquery has no grouping,
// DISTINCT, window, QUALIFY or LIMIT (below which a filter would change
// its rows) and is not a set operation. A CTE is scanned where it is read,
// once per read.
func Scan(sql string, opts ScanOptions) ([]TableScan, error) {
	reads, err := Reads(sql, opts.Columns)
	if err != nil {
		return nil, err
	}
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: sql}
	sc := &scanner{opts: opts, filters: map[string][]ScanFilter{}}
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				e, ok := r.(*Error)
				if !ok {
					t := p.peek()
					e = &Error{Msg: fmt.Sprintf("scan: internal error near %s: %v", t.describe(), r), Line: t.line, Column: t.col}
				}
				err = e
			}
		}()
		q := p.parseQuery()
		if p.peek().kind != tEOF && !p.isOp(";") {
			p.expected("end of query")
		}
		sc.query(q, nil, nil)
		return nil
	}()
	if err != nil {
		return nil, err
	}
	out := make([]TableScan, 0, len(reads))
	for _, r := range reads {
		out = append(out, TableScan{TableRead: r, Filters: sc.filters[r.Dataset+"."+r.Table]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dataset != out[j].Dataset {
			return out[i].Dataset < out[j].Dataset
		}
		return out[i].Table < out[j].Table
	})
	return out, nil
}

type scanner struct {
	opts    ScanOptions
	filters map[string][]ScanFilter // "dataset.table" → one per read
	steps   int
}

const maxScanSteps = 10000

// scanTable is a base table named in one FROM clause.
type scanTable struct {
	key, ds, name, alias, part string
}

// cteDef is a CTE and the CTEs visible to its body.
type cteDef struct {
	q     *query
	scope map[string]*cteDef
}

// query scans q. pushed are filters of an outer query on q's output
// columns that BigQuery would push down into it.
func (sc *scanner) query(q *query, ctes map[string]*cteDef, pushed []pushedFilter) {
	// CTEs are scanned once per read: a chain of CTEs each reading the
	// previous one several times grows exponentially, so the scan has a
	// budget (Scan then fails and the caller falls back).
	if sc.steps++; sc.steps > maxScanSteps {
		panic(errAt(q.line, q.col, "scan: query too complex to estimate (over %d subqueries and CTE reads)", maxScanSteps))
	}
	inner := ctes
	for _, c := range q.with {
		// a CTE sees the CTEs defined before it, not itself
		def := &cteDef{q: c.q, scope: inner}
		next := map[string]*cteDef{}
		for k, v := range inner {
			next[k] = v
		}
		next[strings.ToLower(c.name)] = def
		inner = next
	}
	if q.limit != nil || q.offset != nil {
		pushed = nil // a filter below a LIMIT changes the rows
	}
	sc.setExpr(q.body, inner, pushed)
	for _, o := range q.orderBy {
		sc.subqueries(o.x, inner)
	}
}

func (sc *scanner) setExpr(e setExpr, ctes map[string]*cteDef, pushed []pushedFilter) {
	switch e := e.(type) {
	case *selectStmt:
		sc.selectStmt(e, ctes, pushed)
	case *setOp:
		sc.setExpr(e.l, ctes, nil)
		sc.setExpr(e.r, ctes, nil)
	case *query:
		sc.query(e, ctes, pushed)
	}
}

// pushedFilter is a filter on one output column of a derived relation.
type pushedFilter struct {
	col string // lower-cased output column name
	c   expr   // the filter, its column references naming col
}

// derivedRef is a CTE or subquery in a FROM clause, scanned once the
// select's filters are known (some may be pushed into it).
type derivedRef struct {
	q     *query
	scope map[string]*cteDef
	alias string
}

func (sc *scanner) selectStmt(st *selectStmt, ctes map[string]*cteDef, pushed []pushedFilter) {
	var tables []scanTable
	var derived []derivedRef
	var conds []expr
	// Filters pushed from above name this select's output columns: put
	// them in terms of the select list.
	if simpleSelect(st) {
		for _, pf := range pushed {
			if x := outputExpr(st, pf.col); x != nil {
				if c, ok := subst(pf.c, x); ok {
					conds = append(conds, c)
				}
			}
		}
	}
	var from func(f fromItem)
	from = func(f fromItem) {
		switch f := f.(type) {
		case *tableRef:
			name := f.path[len(f.path)-1]
			if len(f.path) == 1 {
				if d := ctes[strings.ToLower(name)]; d != nil {
					alias := f.alias
					if alias == "" {
						alias = name
					}
					derived = append(derived, derivedRef{q: d.q, scope: d.scope, alias: alias})
					return
				}
			}
			ds := ""
			if len(f.path) >= 2 {
				ds = f.path[len(f.path)-2]
			}
			t := scanTable{key: ds + "." + name, ds: ds, name: name, alias: f.alias}
			if t.alias == "" {
				t.alias = name
			}
			if sc.opts.PartitionColumn != nil {
				t.part, _ = sc.opts.PartitionColumn(ds, name)
			}
			tables = append(tables, t)
		case *subqueryRef:
			derived = append(derived, derivedRef{q: f.q, scope: ctes, alias: f.alias})
		case *unnestRef:
			sc.subqueries(f.x, ctes)
		case *joinRef:
			from(f.l)
			from(f.r)
			if f.on != nil {
				conds = append(conds, conjuncts(f.on)...)
				sc.subqueries(f.on, ctes)
			}
		case *parenFrom:
			from(f.x)
		}
	}
	for _, f := range st.from {
		from(f)
	}
	if st.where != nil {
		conds = append(conds, conjuncts(st.where)...)
	}
	for _, it := range st.items {
		sc.subqueries(it.x, ctes)
	}
	for _, x := range append([]expr{st.where, st.having, st.qualify}, st.groupBy...) {
		sc.subqueries(x, ctes)
	}
	for _, d := range derived {
		var down []pushedFilter
		for _, c := range conds {
			if col, ok := sc.singleColumn(c, d.alias, len(tables)+len(derived) == 1); ok {
				down = append(down, pushedFilter{col: col, c: c})
			}
		}
		sc.query(d.q, d.scope, down)
	}
	for _, t := range tables {
		f := ScanFilter{Alias: t.alias}
		if t.part != "" {
			var usable []string
			for _, c := range conds {
				if sc.usable(c, t, tables) {
					if s, ok := sc.print(c); ok {
						usable = append(usable, "("+s+")")
					}
				}
			}
			f.Where = strings.Join(usable, " AND ")
		}
		sc.filters[t.key] = append(sc.filters[t.key], f)
	}
}

// conjuncts splits x on its top-level ANDs.
func conjuncts(x expr) []expr {
	switch e := x.(type) {
	case *binExpr:
		if strings.EqualFold(e.op, "AND") {
			return append(conjuncts(e.l), conjuncts(e.r)...)
		}
	case *parenExpr:
		return conjuncts(e.x)
	}
	return []expr{x}
}

// usable reports whether c refers to t's partitioning column and to
// nothing else that varies by row, and holds no subquery.
func (sc *scanner) usable(c expr, t scanTable, tables []scanTable) bool {
	ok, refs := true, 0
	var walk func(x expr)
	walk = func(x expr) {
		if x == nil || !ok {
			return
		}
		switch x := x.(type) {
		case *identExpr:
			if len(x.parts) == 1 && isNullaryKeyword(x.parts[0]) {
				return
			}
			col := x.parts[0]
			if len(x.parts) >= 2 {
				for _, o := range tables {
					if strings.EqualFold(o.alias, x.parts[0]) {
						if o.key != t.key || !strings.EqualFold(o.alias, t.alias) {
							ok = false
							return
						}
						col = x.parts[1]
						break
					}
				}
			}
			if !strings.EqualFold(col, t.part) {
				ok = false
				return
			}
			refs++
		case *funcExpr:
			if x.over != nil || len(x.orderBy) > 0 {
				ok = false
				return
			}
			for _, a := range x.args {
				if id, isID := a.(*identExpr); isID && len(id.parts) == 1 && len(x.args) > 1 && datePart[strings.ToUpper(id.parts[0])] {
					continue // TIMESTAMP_TRUNC(ts, DAY): a date part
				}
				if f, isF := a.(*funcExpr); isF && len(f.name) == 1 && datePart[f.name[0]] {
					continue // WEEK(MONDAY)
				}
				walk(a)
			}
		case *existsExpr, *subqueryExpr, *arraySubqueryExpr, *starExpr:
			ok = false
		case *inExpr:
			if x.query != nil || x.unnest != nil && !constant(x.unnest) {
				ok = false
				return
			}
			walk(x.x)
			for _, y := range x.list {
				walk(y)
			}
		default:
			for _, y := range children(x) {
				walk(y)
			}
		}
	}
	walk(c)
	return ok && refs > 0
}

// constant reports whether x names no column.
func constant(x expr) bool {
	c := true
	var walk func(x expr)
	walk = func(x expr) {
		switch x := x.(type) {
		case nil:
		case *identExpr:
			if !(len(x.parts) == 1 && isNullaryKeyword(x.parts[0])) {
				c = false
			}
		case *existsExpr, *subqueryExpr, *arraySubqueryExpr:
			c = false
		default:
			for _, y := range children(x) {
				walk(y)
			}
		}
	}
	walk(x)
	return c
}

func isNullaryKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "CURRENT_DATE", "CURRENT_TIMESTAMP", "CURRENT_DATETIME", "CURRENT_TIME":
		return true
	}
	return false
}

// children lists the sub-expressions of x (no subqueries).
func children(x expr) []expr {
	var out []expr
	add := func(xs ...expr) {
		for _, y := range xs {
			if y != nil {
				out = append(out, y)
			}
		}
	}
	switch x := x.(type) {
	case *unaryExpr:
		add(x.x)
	case *binExpr:
		add(x.l, x.r)
	case *funcExpr:
		add(x.args...)
	case *caseExpr:
		add(x.operand, x.els)
		for _, w := range x.whens {
			add(w.cond, w.then)
		}
	case *castExpr:
		add(x.x, x.format)
	case *extractExpr:
		add(x.x, x.tz)
	case *intervalExpr:
		add(x.x)
	case *inExpr:
		add(x.x, x.unnest)
		add(x.list...)
	case *betweenExpr:
		add(x.x, x.lo, x.hi)
	case *likeExpr:
		add(x.x, x.p)
		add(x.list...)
	case *isExpr:
		add(x.x)
	case *distinctFromExpr:
		add(x.l, x.r)
	case *arrayLit:
		add(x.elems...)
	case *structLit:
		add(x.fields...)
	case *indexExpr:
		add(x.x, x.idx)
	case *fieldExpr:
		add(x.x)
	case *parenExpr:
		add(x.x)
	case *tupleExpr:
		add(x.xs...)
	}
	return out
}

// subqueries scans the queries nested in x.
func (sc *scanner) subqueries(x expr, ctes map[string]*cteDef) {
	switch x := x.(type) {
	case nil:
		return
	case *existsExpr:
		sc.query(x.q, ctes, nil)
	case *subqueryExpr:
		sc.query(x.q, ctes, nil)
	case *arraySubqueryExpr:
		sc.query(x.q, ctes, nil)
	case *inExpr:
		if x.query != nil {
			sc.query(x.query, ctes, nil)
		}
	case *funcExpr:
		if x.over != nil {
			for _, y := range x.over.partitionBy {
				sc.subqueries(y, ctes)
			}
		}
	}
	for _, y := range children(x) {
		sc.subqueries(y, ctes)
	}
}

// print renders a filter as DuckDB SQL; a filter the translator cannot
// render is not used.
func (sc *scanner) print(c expr) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	pr := &printer{opts: sc.opts.Options, temps: map[string]bool{}, udfs: map[string]bool{}}
	return pr.expr(c), true
}

// singleColumn reports the one column c refers to when that column can
// only be alias's (qualified by it, or unqualified when alias is the only
// FROM item) and c holds no subquery: a filter BigQuery can push down.
func (sc *scanner) singleColumn(c expr, alias string, only bool) (string, bool) {
	col, ok := "", true
	var walk func(x expr)
	walk = func(x expr) {
		if x == nil || !ok {
			return
		}
		switch x := x.(type) {
		case *identExpr:
			if len(x.parts) == 1 && isNullaryKeyword(x.parts[0]) {
				return
			}
			var n string
			switch {
			case len(x.parts) == 2 && strings.EqualFold(x.parts[0], alias):
				n = x.parts[1]
			case len(x.parts) == 1 && only:
				n = x.parts[0]
			default:
				ok = false
				return
			}
			if col != "" && !strings.EqualFold(col, n) {
				ok = false
				return
			}
			col = strings.ToLower(n)
		case *funcExpr:
			if x.over != nil || len(x.orderBy) > 0 {
				ok = false
				return
			}
			for _, a := range x.args {
				if isDatePartArg(x, a) {
					continue
				}
				walk(a)
			}
		case *existsExpr, *subqueryExpr, *arraySubqueryExpr, *starExpr:
			ok = false
		case *inExpr:
			if x.query != nil || x.unnest != nil {
				ok = false
				return
			}
			walk(x.x)
			for _, y := range x.list {
				walk(y)
			}
		default:
			for _, y := range children(x) {
				walk(y)
			}
		}
	}
	walk(c)
	return col, ok && col != ""
}

// isDatePartArg reports whether a is a date part argument of f
// (TIMESTAMP_TRUNC(ts, DAY), DATE_TRUNC(d, WEEK(MONDAY))), not a column.
func isDatePartArg(f *funcExpr, a expr) bool {
	if id, ok := a.(*identExpr); ok && len(id.parts) == 1 && len(f.args) > 1 && datePart[strings.ToUpper(id.parts[0])] {
		return true
	}
	g, ok := a.(*funcExpr)
	return ok && len(g.name) == 1 && datePart[g.name[0]]
}

// simpleSelect reports whether a filter on st's output can be moved below
// it without changing its rows: no grouping, DISTINCT, windows or QUALIFY.
func simpleSelect(st *selectStmt) bool {
	if st.distinct || len(st.groupBy) > 0 || st.having != nil || st.qualify != nil || len(st.windows) > 0 {
		return false
	}
	for _, it := range st.items {
		if hasWindow(it.x) {
			return false
		}
	}
	return true
}

func hasWindow(x expr) bool {
	if f, ok := x.(*funcExpr); ok && f.over != nil {
		return true
	}
	for _, y := range children(x) {
		if hasWindow(y) {
			return true
		}
	}
	return false
}

// outputExpr is the expression of st's output column col when it passes a
// column on unchanged (a column reference, or * / t.*), else nil.
func outputExpr(st *selectStmt, col string) expr {
	for _, it := range st.items {
		switch x := it.x.(type) {
		case *identExpr:
			name := it.alias
			if name == "" {
				name = x.parts[len(x.parts)-1]
			}
			if strings.EqualFold(name, col) {
				return x
			}
		case *starExpr:
			if it.alias != "" {
				continue
			}
			skip := false
			for _, e := range x.except {
				skip = skip || strings.EqualFold(e, col)
			}
			for _, r := range x.replace {
				skip = skip || strings.EqualFold(r.alias, col)
			}
			if skip {
				continue
			}
			if x.qual == nil {
				return &identExpr{at: x.at, parts: []string{col}}
			}
			if q, ok := x.qual.(*identExpr); ok && len(q.parts) == 1 {
				return &identExpr{at: x.at, parts: []string{q.parts[0], col}}
			}
		default:
			if it.alias != "" && strings.EqualFold(it.alias, col) {
				return nil // computed: not pushed
			}
		}
	}
	return nil
}

// subst copies filter c with every column reference replaced by col; ok
// is false for a shape it does not copy.
func subst(c expr, col expr) (out expr, ok bool) {
	ok = true
	var cp func(x expr) expr
	cp = func(x expr) expr {
		if x == nil || !ok {
			return x
		}
		switch x := x.(type) {
		case *identExpr:
			if len(x.parts) == 1 && isNullaryKeyword(x.parts[0]) {
				return x
			}
			return col
		case *litExpr, *paramExpr:
			return x
		case *parenExpr:
			return &parenExpr{at: x.at, x: cp(x.x)}
		case *unaryExpr:
			return &unaryExpr{at: x.at, op: x.op, x: cp(x.x)}
		case *binExpr:
			return &binExpr{at: x.at, op: x.op, l: cp(x.l), r: cp(x.r)}
		case *betweenExpr:
			return &betweenExpr{at: x.at, not: x.not, x: cp(x.x), lo: cp(x.lo), hi: cp(x.hi)}
		case *isExpr:
			return &isExpr{at: x.at, not: x.not, x: cp(x.x), what: x.what}
		case *castExpr:
			return &castExpr{at: x.at, safe: x.safe, x: cp(x.x), typ: x.typ, format: cp(x.format)}
		case *intervalExpr:
			return &intervalExpr{at: x.at, x: cp(x.x), unit: x.unit, unit2: x.unit2}
		case *inExpr:
			if x.query != nil || x.unnest != nil {
				ok = false
				return x
			}
			n := &inExpr{at: x.at, not: x.not, x: cp(x.x)}
			for _, y := range x.list {
				n.list = append(n.list, cp(y))
			}
			return n
		case *funcExpr:
			if x.over != nil || len(x.orderBy) > 0 || x.limit != nil || x.having != nil {
				ok = false
				return x
			}
			n := *x
			n.args = nil
			for _, a := range x.args {
				if isDatePartArg(x, a) {
					n.args = append(n.args, a)
					continue
				}
				n.args = append(n.args, cp(a))
			}
			return &n
		}
		ok = false
		return x
	}
	out = cp(c)
	return out, ok
}
