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
// filter (what requirePartitionFilter demands).
func (s TableScan) Filtered() bool {
	if len(s.Filters) == 0 {
		return false
	}
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
// `DATE(ts) IN (...)`, an OR of such terms. A filter written in an outer
// query over a subquery or CTE is not pushed down to it (BigQuery pushes
// simple ones), so such a read counts as unfiltered.
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
		sc.query(q, nil)
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
}

// scanTable is a base table named in one FROM clause.
type scanTable struct {
	key, ds, name, alias, part string
}

func (sc *scanner) query(q *query, ctes map[string]bool) {
	inner := map[string]bool{}
	for k := range ctes {
		inner[k] = true
	}
	for _, c := range q.with {
		sc.query(c.q, inner)
		inner[strings.ToLower(c.name)] = true
	}
	sc.setExpr(q.body, inner)
	for _, o := range q.orderBy {
		sc.subqueries(o.x, inner)
	}
}

func (sc *scanner) setExpr(e setExpr, ctes map[string]bool) {
	switch e := e.(type) {
	case *selectStmt:
		sc.selectStmt(e, ctes)
	case *setOp:
		sc.setExpr(e.l, ctes)
		sc.setExpr(e.r, ctes)
	case *query:
		sc.query(e, ctes)
	}
}

func (sc *scanner) selectStmt(st *selectStmt, ctes map[string]bool) {
	var tables []scanTable
	var conds []expr
	var from func(f fromItem)
	from = func(f fromItem) {
		switch f := f.(type) {
		case *tableRef:
			name := f.path[len(f.path)-1]
			if len(f.path) == 1 && ctes[strings.ToLower(name)] {
				return
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
			sc.query(f.q, ctes)
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
func (sc *scanner) subqueries(x expr, ctes map[string]bool) {
	switch x := x.(type) {
	case nil:
		return
	case *existsExpr:
		sc.query(x.q, ctes)
	case *subqueryExpr:
		sc.query(x.q, ctes)
	case *arraySubqueryExpr:
		sc.query(x.q, ctes)
	case *inExpr:
		if x.query != nil {
			sc.query(x.query, ctes)
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
