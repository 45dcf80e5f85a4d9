package bqsql

import (
	"fmt"
	"sort"
	"strings"
)

// TableRead is one table a query reads and the columns of it the query
// refers to (in any clause: select list, joins, filters, grouping, windows).
// Star is true when the query selects * from it, so every column flows on.
type TableRead struct {
	Dataset, Table string
	Columns        []string
	Star           bool
}

// Reads parses one BigQuery query (SELECT or WITH ... SELECT) and returns
// the tables it reads with their columns, sorted by dataset and table. It
// is the translator's parse, not a pattern over the text: CTEs, subqueries
// and aliases are resolved, and a column a CTE passes on is charged to the
// table it came from. columns, when set, gives a table's columns in order
// (for unqualified names in a join, and for *); without it an unqualified
// name is charged to the only table in scope, or to none.
func Reads(sql string, columns func(dataset, table string) ([]string, bool)) ([]TableRead, error) {
	reads, _, err := Lineage(sql, columns)
	return reads, err
}

// Lineage is Reads plus the names of the query's output columns in order
// (what a table built from it will have), for the next query's columns.
func Lineage(sql string, columns func(dataset, table string) ([]string, bool)) (reads []TableRead, output []string, err error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, nil, err
	}
	p := &parser{toks: toks, src: sql}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				t := p.peek()
				e = &Error{Msg: fmt.Sprintf("lineage: internal error near %s: %v", t.describe(), r), Line: t.line, Column: t.col}
			}
			reads, output, err = nil, nil, e
		}
	}()
	q := p.parseQuery()
	if p.peek().kind != tEOF && !p.isOp(";") {
		p.expected("end of query")
	}
	l := &lineage{columns: columns, reads: map[string]*TableRead{}, cols: map[string]map[string]bool{}}
	out := l.query(q, nil)
	// A * charges a column only where something reads it: here, the output.
	for _, n := range out.order {
		output = append(output, n)
		for _, c := range out.out[n] {
			l.use(c)
		}
	}
	for k, r := range l.reads {
		for c := range l.cols[k] {
			r.Columns = append(r.Columns, c)
		}
		sort.Strings(r.Columns)
		reads = append(reads, *r)
	}
	sort.Slice(reads, func(i, j int) bool {
		if reads[i].Dataset != reads[j].Dataset {
			return reads[i].Dataset < reads[j].Dataset
		}
		return reads[i].Table < reads[j].Table
	})
	return reads, output, nil
}

// colRef is one base-table column.
type colRef struct{ key, col string }

// relation is something a FROM clause names: a base table (key set) or a
// derived one (a CTE or subquery) whose output columns map to base columns.
type relation struct {
	key   string              // "dataset.table" of a base table
	known []string            // a base table's columns, when the caller knows them
	out   map[string][]colRef // a derived relation's columns (lower-cased name)
	order []string            // a derived relation's column names in order
}

func (r *relation) has(col string) bool {
	c := strings.ToLower(col)
	if r.key != "" {
		for _, k := range r.known {
			if strings.EqualFold(k, c) {
				return true
			}
		}
		return false
	}
	_, ok := r.out[c]
	return ok
}

type scope struct {
	parent *scope
	ctes   map[string]*relation // lower-cased CTE name
	rels   []*relation
	alias  map[string]*relation // lower-cased alias (or table name)
	outs   map[string]bool      // select-list aliases (ORDER BY, QUALIFY may name them)
}

type lineage struct {
	columns func(dataset, table string) ([]string, bool)
	reads   map[string]*TableRead
	cols    map[string]map[string]bool
}

func (l *lineage) use(c colRef) {
	if l.cols[c.key] == nil {
		l.cols[c.key] = map[string]bool{}
	}
	l.cols[c.key][c.col] = true
}

func (l *lineage) cte(s *scope, name string) *relation {
	for ; s != nil; s = s.parent {
		if r, ok := s.ctes[strings.ToLower(name)]; ok {
			return r
		}
	}
	return nil
}

// query walks q and returns its output as a derived relation.
func (l *lineage) query(q *query, parent *scope) *relation {
	s := &scope{parent: parent, ctes: map[string]*relation{}}
	for _, c := range q.with {
		s.ctes[strings.ToLower(c.name)] = l.query(c.q, s)
	}
	out := l.setExpr(q.body, s)
	// ORDER BY of a set operation names output columns only.
	return out
}

func (l *lineage) setExpr(e setExpr, s *scope) *relation {
	switch e := e.(type) {
	case *selectStmt:
		return l.selectStmt(e, s)
	case *setOp:
		a, b := l.setExpr(e.l, s), l.setExpr(e.r, s)
		// the left side names the columns; positions pair them
		for i, n := range a.order {
			if i < len(b.order) {
				a.out[n] = append(a.out[n], b.out[b.order[i]]...)
			}
		}
		return a
	case *query:
		return l.query(e, s)
	}
	return &relation{out: map[string][]colRef{}}
}

func (l *lineage) selectStmt(st *selectStmt, parent *scope) *relation {
	s := &scope{parent: parent, alias: map[string]*relation{}, outs: map[string]bool{}}
	for _, f := range st.from {
		l.from(f, s)
	}
	for _, it := range st.items {
		if it.alias != "" {
			s.outs[strings.ToLower(it.alias)] = true
		}
	}
	out := &relation{out: map[string][]colRef{}}
	for i, it := range st.items {
		if star, ok := it.x.(*starExpr); ok {
			l.star(star, s, out)
			continue
		}
		refs := l.expr(it.x, s)
		name := it.alias
		if name == "" {
			if id, ok := it.x.(*identExpr); ok {
				name = id.parts[len(id.parts)-1]
			} else {
				name = fmt.Sprintf("f%d_", i)
			}
		}
		n := strings.ToLower(name)
		if _, ok := out.out[n]; !ok {
			out.order = append(out.order, n)
		}
		out.out[n] = append(out.out[n], refs...)
	}
	for _, x := range []expr{st.where, st.having, st.qualify} {
		l.expr(x, s)
	}
	for _, x := range st.groupBy {
		l.expr(x, s)
	}
	for _, w := range st.windows {
		l.window(w, s)
	}
	return out
}

// star adds the columns * (or t.*) passes on to out; they are charged
// when a query above reads them (or they reach the final output).
func (l *lineage) star(st *starExpr, s *scope, out *relation) {
	except := map[string]bool{}
	for _, e := range st.except {
		except[strings.ToLower(e)] = true
	}
	rels := s.rels
	if st.qual != nil {
		if id, ok := st.qual.(*identExpr); ok && len(id.parts) == 1 {
			if r := s.alias[strings.ToLower(id.parts[0])]; r != nil {
				rels = []*relation{r}
			}
		}
	}
	add := func(n string, refs []colRef) {
		if except[n] {
			return
		}
		if _, ok := out.out[n]; !ok {
			out.order = append(out.order, n)
		}
		out.out[n] = append(out.out[n], refs...)
	}
	for _, r := range rels {
		if r.key != "" {
			l.reads[r.key].Star = true
			for _, c := range r.known {
				add(strings.ToLower(c), []colRef{{r.key, c}})
			}
			continue
		}
		for _, n := range r.order {
			add(n, r.out[n])
		}
	}
	for _, it := range st.replace {
		l.expr(it.x, s)
	}
}

func (l *lineage) from(f fromItem, s *scope) {
	switch f := f.(type) {
	case *tableRef:
		var r *relation
		name := f.path[len(f.path)-1]
		if len(f.path) == 1 {
			r = l.cte(s, name)
		}
		if r == nil {
			ds := ""
			if len(f.path) >= 2 {
				ds = f.path[len(f.path)-2]
			}
			key := ds + "." + name
			r = &relation{key: key}
			if l.columns != nil {
				r.known, _ = l.columns(ds, name)
			}
			if l.reads[key] == nil {
				l.reads[key] = &TableRead{Dataset: ds, Table: name}
			}
		}
		l.bind(s, r, f.alias, name)
	case *subqueryRef:
		l.bind(s, l.query(f.q, s), f.alias, "")
	case *unnestRef:
		l.expr(f.x, s)
	case *joinRef:
		l.from(f.l, s)
		l.from(f.r, s)
		l.expr(f.on, s)
		for _, u := range f.using {
			l.resolve([]string{u}, s, true)
		}
	case *parenFrom:
		l.from(f.x, s)
	}
}

func (l *lineage) bind(s *scope, r *relation, alias, name string) {
	s.rels = append(s.rels, r)
	if alias == "" {
		alias = name
	}
	if alias != "" {
		s.alias[strings.ToLower(alias)] = r
	}
}

// resolve charges a column path to the tables it comes from. all: a USING
// column is read from every side that has it.
func (l *lineage) resolve(parts []string, s *scope, all bool) []colRef {
	for sc := s; sc != nil; sc = sc.parent {
		if sc.alias == nil {
			continue
		}
		if len(parts) >= 2 {
			if r := sc.alias[strings.ToLower(parts[0])]; r != nil {
				return l.charge(r, parts[1])
			}
		}
		var hits []*relation
		for _, r := range sc.rels {
			if r.has(parts[0]) {
				hits = append(hits, r)
			}
		}
		if len(hits) == 0 && len(sc.rels) == 1 && sc.rels[0].key != "" && sc.rels[0].known == nil {
			hits = sc.rels // schema unknown: the only table in scope
		}
		if len(hits) > 0 {
			if !all {
				hits = hits[:1]
			}
			var refs []colRef
			for _, r := range hits {
				refs = append(refs, l.charge(r, parts[0])...)
			}
			return refs
		}
		if sc.outs[strings.ToLower(parts[0])] {
			return nil // a select-list alias
		}
	}
	return nil // a date part, struct field of a param, or unknown name
}

func (l *lineage) charge(r *relation, col string) []colRef {
	if r.key != "" {
		name := col
		for _, k := range r.known {
			if strings.EqualFold(k, col) {
				name = k
			}
		}
		c := colRef{r.key, name}
		l.use(c)
		return []colRef{c}
	}
	refs := r.out[strings.ToLower(col)]
	for _, c := range refs {
		l.use(c)
	}
	return refs
}

func (l *lineage) window(w *windowSpec, s *scope) []colRef {
	if w == nil {
		return nil
	}
	var refs []colRef
	for _, x := range w.partitionBy {
		refs = append(refs, l.expr(x, s)...)
	}
	for _, o := range w.orderBy {
		refs = append(refs, l.expr(o.x, s)...)
	}
	for _, b := range []*frameBound{w.frameStart, w.frameEnd} {
		if b != nil {
			refs = append(refs, l.expr(b.x, s)...)
		}
	}
	return refs
}

// expr walks x, charging every column it names, and returns the columns
// its value is computed from.
func (l *lineage) expr(x expr, s *scope) []colRef {
	var refs []colRef
	each := func(xs ...expr) {
		for _, y := range xs {
			if y != nil {
				refs = append(refs, l.expr(y, s)...)
			}
		}
	}
	sub := func(q *query) {
		if q != nil {
			r := l.query(q, s)
			for _, n := range r.order {
				refs = append(refs, r.out[n]...)
			}
		}
	}
	switch x := x.(type) {
	case nil:
	case *identExpr:
		refs = l.resolve(x.parts, s, false)
	case *unaryExpr:
		each(x.x)
	case *binExpr:
		each(x.l, x.r)
	case *funcExpr:
		for _, a := range x.args {
			if id, ok := a.(*identExpr); ok && len(id.parts) == 1 && datePart[strings.ToUpper(id.parts[0])] && len(x.args) > 1 {
				continue // DATE_TRUNC(d, MONTH): a date part, not a column
			}
			each(a)
		}
		each(x.limit)
		for _, o := range x.orderBy {
			each(o.x)
		}
		if x.having != nil {
			each(x.having.x)
		}
		refs = append(refs, l.window(x.over, s)...)
	case *caseExpr:
		each(x.operand, x.els)
		for _, w := range x.whens {
			each(w.cond, w.then)
		}
	case *castExpr:
		each(x.x, x.format)
	case *extractExpr:
		each(x.x, x.tz)
	case *intervalExpr:
		each(x.x)
	case *inExpr:
		each(x.x, x.unnest)
		each(x.list...)
		sub(x.query)
	case *betweenExpr:
		each(x.x, x.lo, x.hi)
	case *likeExpr:
		each(x.x, x.p)
		each(x.list...)
	case *isExpr:
		each(x.x)
	case *distinctFromExpr:
		each(x.l, x.r)
	case *existsExpr:
		sub(x.q)
	case *subqueryExpr:
		sub(x.q)
	case *arraySubqueryExpr:
		sub(x.q)
	case *arrayLit:
		each(x.elems...)
	case *structLit:
		each(x.fields...)
	case *indexExpr:
		each(x.x, x.idx)
	case *fieldExpr:
		each(x.x)
	case *parenExpr:
		each(x.x)
	case *tupleExpr:
		each(x.xs...)
	}
	return refs
}

var datePart = map[string]bool{"MICROSECOND": true, "MILLISECOND": true, "SECOND": true, "MINUTE": true, "HOUR": true,
	"DAY": true, "DAYOFWEEK": true, "DAYOFYEAR": true, "WEEK": true, "ISOWEEK": true, "MONTH": true, "QUARTER": true,
	"YEAR": true, "ISOYEAR": true, "DATE": true}
