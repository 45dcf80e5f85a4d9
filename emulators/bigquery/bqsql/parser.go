package bqsql

import (
	"strings"
)

type parser struct {
	src      string
	mergeSrc []string // column expressions of a MERGE source (INSERT ROW)
	toks     []token
	p        int
	npos     int // positional parameter counter
	params   []Param
	// depth counts the nested parse calls open (nest); noQuery marks token
	// positions where parseQuery is known to fail, so the speculative
	// "( query )" parses do not retry them at every level of
	// "((((...": without it that took O(n²) time (8,000 parentheses: 55 s).
	depth   int
	noQuery map[int]bool
}

// maxNesting bounds how deeply expressions and queries nest. Recursion that
// deep would otherwise exhaust Go's stack on a query within BigQuery's 1 MB
// text limit (a million "(": a fatal error, not a recoverable panic). This
// is the emulator's own bound; BigQuery documents none for parentheses.
const maxNesting = 1000

// nest enters one level of nesting at t; the caller defers p.depth--.
func (p *parser) nest(t token) {
	if p.depth++; p.depth > maxNesting {
		p.depth = -1 << 30 // the error is final: try must not swallow it
		p.fail(t, "Syntax error: Query is nested more than %d levels deep", maxNesting)
	}
}

// tooDeep reports whether the nesting error above was raised.
func (p *parser) tooDeep() bool { return p.depth < 0 }

func (p *parser) peek() token { return p.toks[p.p] }
func (p *parser) peekN(n int) token {
	if p.p+n < len(p.toks) {
		return p.toks[p.p+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

func (p *parser) fail(t token, format string, args ...any) {
	panic(errAt(t.line, t.col, format, args...))
}

func (p *parser) expected(what string) {
	t := p.peek()
	p.fail(t, "Syntax error: Expected %s but got %s", what, t.describe())
}

// isKw reports whether the next token is keyword or (non-reserved) word w.
func (p *parser) isKw(w string) bool {
	t := p.peek()
	return (t.kind == tKeyword || t.kind == tIdent) && strings.EqualFold(t.val, w)
}
func (p *parser) isKwN(n int, w string) bool {
	t := p.peekN(n)
	return (t.kind == tKeyword || t.kind == tIdent) && strings.EqualFold(t.val, w)
}
func (p *parser) acceptKw(ws ...string) bool {
	for k, w := range ws {
		if !p.isKwN(k, w) {
			return false
		}
	}
	for range ws {
		p.next()
	}
	return true
}
func (p *parser) expectKw(w string) token {
	if !p.isKw(w) {
		p.expected("keyword " + w)
	}
	return p.next()
}
func (p *parser) isOp(o string) bool {
	t := p.peek()
	return t.kind == tOp && t.val == o
}
func (p *parser) acceptOp(o string) bool {
	if p.isOp(o) {
		p.next()
		return true
	}
	return false
}
func (p *parser) expectOp(o string) token {
	if !p.isOp(o) {
		p.expected("\"" + o + "\"")
	}
	return p.next()
}

func atOf(t token) at { return at{t.line, t.col} }

// identifier parses one name part (bare or quoted; non-reserved words).
func (p *parser) identifier() string {
	t := p.peek()
	if t.kind == tIdent || t.kind == tQIdent {
		p.next()
		return t.val
	}
	p.expected("identifier")
	return ""
}

// path parses a possibly dotted and backticked name, splitting `a.b.c`.
func (p *parser) path() []string {
	var parts []string
	for {
		t := p.peek()
		switch {
		case t.kind == tQIdent:
			p.next()
			parts = append(parts, strings.Split(t.val, ".")...)
		case t.kind == tIdent:
			p.next()
			parts = append(parts, t.val)
		case t.kind == tKeyword && len(parts) > 0:
			p.next()
			parts = append(parts, t.val)
		case t.kind == tInt && len(parts) > 0: // project names like my-proj-123 are not lexed this way; tolerate digits
			p.next()
			parts[len(parts)-1] += t.val
		default:
			p.expected("identifier")
		}
		// dashed project names: my-project.ds.t
		for p.isOp("-") && len(parts) == 1 && (p.peekN(1).kind == tIdent || p.peekN(1).kind == tInt) && p.peekN(1).line == t.line {
			p.next()
			parts[0] += "-" + p.next().val
		}
		if !p.isOp(".") {
			return parts
		}
		p.next()
	}
}

// ---------- queries ----------

func (p *parser) parseQuery() *query {
	t := p.peek()
	start, done := p.p, false
	p.nest(t)
	defer func() {
		p.depth--
		if !done {
			if p.noQuery == nil {
				p.noQuery = map[int]bool{}
			}
			p.noQuery[start] = true
		}
	}()
	q := &query{at: atOf(t)}
	if p.isKw("WITH") {
		p.next()
		if p.acceptKw("RECURSIVE") {
			p.fail(t, "Unsupported feature: WITH RECURSIVE")
		}
		for {
			name := p.identifier()
			p.expectKw("AS")
			p.expectOp("(")
			sub := p.parseQuery()
			p.expectOp(")")
			q.with = append(q.with, cte{name: name, q: sub})
			if !p.acceptOp(",") {
				break
			}
		}
	}
	q.body = p.parseSetExpr()
	p.parseOrderLimit(q)
	done = true
	return q
}

func (p *parser) parseOrderLimit(q *query) {
	if p.isKw("ORDER") {
		p.next()
		p.expectKw("BY")
		q.orderBy = p.orderList()
	}
	if p.acceptKw("LIMIT") {
		q.limit = p.parseExpr()
		if p.acceptKw("OFFSET") {
			q.offset = p.parseExpr()
		}
	}
}

func (p *parser) orderList() []orderItem {
	var out []orderItem
	for {
		it := orderItem{x: p.parseExpr()}
		if p.acceptKw("DESC") {
			it.desc = true
		} else {
			p.acceptKw("ASC")
		}
		if p.acceptKw("NULLS") {
			if p.acceptKw("FIRST") {
				it.nulls = "FIRST"
			} else {
				p.expectKw("LAST")
				it.nulls = "LAST"
			}
		}
		out = append(out, it)
		if !p.acceptOp(",") {
			return out
		}
	}
}

func (p *parser) parseSetExpr() setExpr {
	l := p.parseSetPrimary()
	for {
		t := p.peek()
		var op string
		switch {
		case p.isKw("UNION"):
			op = "UNION"
		case p.isKw("INTERSECT"):
			op = "INTERSECT"
		case p.isKw("EXCEPT"):
			op = "EXCEPT"
		default:
			return l
		}
		p.next()
		d := false
		if p.acceptKw("ALL") {
		} else if p.acceptKw("DISTINCT") {
			d = true
		} else {
			p.fail(p.peek(), "Syntax error: Expected keyword ALL or keyword DISTINCT but got %s", p.peek().describe())
		}
		if op != "UNION" && !d {
			p.fail(t, "Unsupported feature: %s ALL", op)
		}
		r := p.parseSetPrimary()
		l = &setOp{op: op, distinct: d, l: l, r: r}
	}
}

func (p *parser) parseSetPrimary() setExpr {
	if p.isOp("(") {
		p.next()
		q := p.parseQuery()
		p.expectOp(")")
		return q
	}
	if p.isKw("SELECT") {
		return p.parseSelect()
	}
	p.expected("keyword SELECT")
	return nil
}

func (p *parser) parseSelect() *selectStmt {
	t := p.expectKw("SELECT")
	s := &selectStmt{at: atOf(t)}
	if p.acceptKw("DISTINCT") {
		s.distinct = true
	} else {
		p.acceptKw("ALL")
	}
	if p.isKw("AS") {
		p.next()
		if p.acceptKw("STRUCT") {
			s.asStruct = true
		} else if p.acceptKw("VALUE") {
			s.asValue = true
		} else {
			p.expected("keyword STRUCT or keyword VALUE")
		}
	}
	for {
		s.items = append(s.items, p.selItem())
		if !p.acceptOp(",") {
			break
		}
		// trailing comma before FROM is allowed in BigQuery
		if p.isKw("FROM") {
			break
		}
	}
	if p.acceptKw("FROM") {
		s.from = p.fromList()
	}
	if p.acceptKw("WHERE") {
		s.where = p.parseExpr()
	}
	if p.isKw("GROUP") {
		p.next()
		p.expectKw("BY")
		if p.acceptKw("ALL") {
			s.groupByAll = true
		} else if p.acceptKw("ROLLUP") {
			s.rollup = true
			p.expectOp("(")
			s.groupBy = p.exprList()
			p.expectOp(")")
		} else {
			if p.isKw("CUBE") || p.isKw("GROUPING") {
				p.fail(p.peek(), "Unsupported feature: GROUP BY %s", p.peek().val)
			}
			s.groupBy = p.exprList()
		}
	}
	if p.acceptKw("HAVING") {
		s.having = p.parseExpr()
	}
	if p.acceptKw("QUALIFY") {
		s.qualify = p.parseExpr()
	}
	if p.acceptKw("WINDOW") {
		s.windows = map[string]*windowSpec{}
		for {
			name := p.identifier()
			p.expectKw("AS")
			p.expectOp("(")
			s.windows[strings.ToLower(name)] = p.windowBody()
			if !p.acceptOp(",") {
				break
			}
		}
	}
	return s
}

func (p *parser) exprList() []expr {
	var out []expr
	for {
		out = append(out, p.parseExpr())
		if !p.acceptOp(",") {
			return out
		}
	}
}

func (p *parser) selItem() selItem {
	t := p.peek()
	if p.isOp("*") {
		p.next()
		st := &starExpr{at: atOf(t)}
		p.starModifiers(st)
		return selItem{x: st}
	}
	x := p.parseExpr()
	// qualified star: x.*
	if p.isOp(".") && p.peekN(1).kind == tOp && p.peekN(1).val == "*" {
		p.next()
		p.next()
		st := &starExpr{at: atOf(t), qual: x}
		p.starModifiers(st)
		return selItem{x: st}
	}
	it := selItem{x: x}
	if p.acceptKw("AS") {
		it.alias = p.identifier()
	} else if p.peek().kind == tIdent || p.peek().kind == tQIdent {
		it.alias = p.identifier()
	}
	return it
}

func (p *parser) starModifiers(st *starExpr) {
	if p.acceptKw("EXCEPT") {
		p.expectOp("(")
		for {
			st.except = append(st.except, p.identifier())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	if p.isKw("REPLACE") {
		p.next()
		p.expectOp("(")
		for {
			x := p.parseExpr()
			p.acceptKw("AS")
			st.replace = append(st.replace, selItem{x: x, alias: p.identifier()})
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
}

func (p *parser) fromList() []fromItem {
	var out []fromItem
	for {
		out = append(out, p.joinExpr())
		if !p.acceptOp(",") {
			return out
		}
	}
}

func (p *parser) joinExpr() fromItem {
	l := p.fromPrimary()
	for {
		t := p.peek()
		kind := ""
		switch {
		case p.isKw("JOIN"):
			kind = "INNER"
		case p.isKw("INNER"):
			p.next()
			kind = "INNER"
		case p.isKw("CROSS"):
			p.next()
			kind = "CROSS"
		case p.isKw("LEFT"), p.isKw("RIGHT"), p.isKw("FULL"):
			kind = strings.ToUpper(p.next().val)
			p.acceptKw("OUTER")
		case p.isKw("NATURAL"):
			p.fail(t, "Unsupported feature: NATURAL JOIN")
		default:
			return l
		}
		p.expectKw("JOIN")
		r := p.fromPrimary()
		j := &joinRef{at: atOf(t), kind: kind, l: l, r: r}
		if kind != "CROSS" {
			if p.acceptKw("ON") {
				j.on = p.parseExpr()
			} else if p.acceptKw("USING") {
				p.expectOp("(")
				for {
					j.using = append(j.using, p.identifier())
					if !p.acceptOp(",") {
						break
					}
				}
				p.expectOp(")")
			} else if _, isUn := r.(*unnestRef); !isUn || kind != "INNER" && kind != "LEFT" {
				if !isUn {
					p.expected("keyword ON or keyword USING")
				}
			}
		}
		l = j
	}
}

func (p *parser) alias() string {
	if p.acceptKw("AS") {
		return p.identifier()
	}
	if t := p.peek(); t.kind == tIdent || t.kind == tQIdent {
		// words that start clauses are not aliases
		switch strings.ToUpper(t.val) {
		case "QUALIFY", "WINDOW", "PIVOT", "UNPIVOT", "TABLESAMPLE":
			if strings.ToUpper(t.val) == "PIVOT" || strings.ToUpper(t.val) == "UNPIVOT" {
				p.fail(t, "Unsupported feature: %s", strings.ToUpper(t.val))
			}
			return ""
		}
		return p.identifier()
	}
	return ""
}

func (p *parser) fromPrimary() fromItem {
	t := p.peek()
	if p.isOp("(") {
		k := p.peekN(1)
		if k.kind == tKeyword && (k.val == "SELECT" || k.val == "WITH") {
			p.next()
			q := p.parseQuery()
			p.expectOp(")")
			return &subqueryRef{at: atOf(t), q: q, alias: p.alias()}
		}
		save := p.p
		if k.kind == tOp && k.val == "(" && !p.noQuery[p.p+1] {
			var q *query
			if p.try(func() { p.next(); q = p.parseQuery(); p.expectOp(")") }) {
				return &subqueryRef{at: atOf(t), q: q, alias: p.alias()}
			}
			p.p = save
		}
		p.next()
		j := p.joinExpr()
		p.expectOp(")")
		return &parenFrom{x: j}
	}
	if p.isKw("UNNEST") {
		p.next()
		p.expectOp("(")
		x := p.parseExpr()
		p.expectOp(")")
		u := &unnestRef{at: atOf(t), x: x}
		u.alias = p.alias()
		if p.isKw("WITH") && p.isKwN(1, "OFFSET") {
			p.next()
			p.next()
			u.offset = true
			u.offAlias = p.alias()
			if u.offAlias == "" {
				u.offAlias = "offset"
			}
		}
		return u
	}
	if t.kind == tIdent && p.peekN(1).kind == tOp && p.peekN(1).val == "(" {
		p.fail(t, "Unsupported feature: table-valued function %s", t.val)
	}
	path := p.path()
	tr := &tableRef{at: atOf(t), path: path}
	if p.isKw("FOR") {
		p.fail(p.peek(), "Unsupported feature: FOR SYSTEM_TIME AS OF")
	}
	tr.alias = p.alias()
	if p.isKw("TABLESAMPLE") {
		p.fail(p.peek(), "Unsupported feature: TABLESAMPLE")
	}
	return tr
}

// try runs f and reports whether it parsed without error; on error the position is restored.
func (p *parser) try(f func()) (ok bool) {
	save := p.p
	defer func() {
		if p.tooDeep() {
			return // not recovered: the nesting error goes on up
		}
		if r := recover(); r != nil {
			if _, isErr := r.(*Error); !isErr {
				panic(r)
			}
			p.p = save
			ok = false
		}
	}()
	f()
	return true
}
