package bqsql

import (
	"strings"
)

func (p *parser) parseExpr() expr {
	p.nest(p.peek())
	defer func() { p.depth-- }()
	return p.parseOr()
}

func (p *parser) parseOr() expr {
	l := p.parseAnd()
	for p.isKw("OR") {
		t := p.next()
		l = &binExpr{at: atOf(t), op: "OR", l: l, r: p.parseAnd()}
	}
	return l
}

func (p *parser) parseAnd() expr {
	l := p.parseNot()
	for p.isKw("AND") {
		t := p.next()
		l = &binExpr{at: atOf(t), op: "AND", l: l, r: p.parseNot()}
	}
	return l
}

func (p *parser) parseNot() expr {
	if p.isKw("NOT") {
		t := p.next()
		p.nest(t)
		defer func() { p.depth-- }()
		return &unaryExpr{at: atOf(t), op: "NOT", x: p.parseNot()}
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() expr {
	l := p.parseBitOr()
	for {
		t := p.peek()
		if t.kind == tOp {
			switch t.val {
			case "=", "<>", "!=", "<", ">", "<=", ">=":
				p.next()
				op := t.val
				if op == "!=" {
					op = "<>"
				}
				l = &binExpr{at: atOf(t), op: op, l: l, r: p.parseBitOr()}
				continue
			}
			return l
		}
		not := false
		if p.isKw("NOT") && (p.isKwN(1, "LIKE") || p.isKwN(1, "BETWEEN") || p.isKwN(1, "IN")) {
			p.next()
			not = true
		}
		switch {
		case p.isKw("LIKE"):
			p.next()
			le := &likeExpr{at: atOf(t), not: not, x: l}
			if p.isKw("ANY") || p.isKw("SOME") || p.isKw("ALL") {
				le.any = strings.ToUpper(p.next().val)
				p.expectOp("(")
				le.list = p.exprList()
				p.expectOp(")")
			} else {
				le.p = p.parseBitOr()
			}
			l = le
		case p.isKw("BETWEEN"):
			p.next()
			lo := p.parseBitOr()
			p.expectKw("AND")
			hi := p.parseBitOr()
			l = &betweenExpr{at: atOf(t), not: not, x: l, lo: lo, hi: hi}
		case p.isKw("IN"):
			p.next()
			ie := &inExpr{at: atOf(t), not: not, x: l}
			if p.isKw("UNNEST") {
				p.next()
				p.expectOp("(")
				ie.unnest = p.parseExpr()
				p.expectOp(")")
			} else {
				p.expectOp("(")
				if p.isKw("SELECT") || p.isKw("WITH") {
					ie.query = p.parseQuery()
				} else {
					ie.list = p.exprList()
				}
				p.expectOp(")")
			}
			l = ie
		case p.isKw("IS"):
			p.next()
			n := p.acceptKw("NOT")
			switch {
			case p.acceptKw("NULL"):
				l = &isExpr{at: atOf(t), not: n, x: l, what: "NULL"}
			case p.acceptKw("TRUE"):
				l = &isExpr{at: atOf(t), not: n, x: l, what: "TRUE"}
			case p.acceptKw("FALSE"):
				l = &isExpr{at: atOf(t), not: n, x: l, what: "FALSE"}
			case p.acceptKw("DISTINCT"):
				p.expectKw("FROM")
				l = &distinctFromExpr{at: atOf(t), not: n, l: l, r: p.parseBitOr()}
			default:
				p.expected("keyword NULL, TRUE, FALSE or DISTINCT")
			}
		default:
			if not {
				p.expected("keyword LIKE, BETWEEN or IN")
			}
			return l
		}
	}
}

func (p *parser) binLevel(ops []string, sub func() expr) expr {
	l := sub()
	for {
		t := p.peek()
		if t.kind != tOp {
			return l
		}
		found := false
		for _, o := range ops {
			if t.val == o {
				found = true
			}
		}
		if !found {
			return l
		}
		p.next()
		l = &binExpr{at: atOf(t), op: t.val, l: l, r: sub()}
	}
}

func (p *parser) parseBitOr() expr  { return p.binLevel([]string{"|"}, p.parseBitXor) }
func (p *parser) parseBitXor() expr { return p.binLevel([]string{"^"}, p.parseBitAnd) }
func (p *parser) parseBitAnd() expr { return p.binLevel([]string{"&"}, p.parseShift) }
func (p *parser) parseShift() expr  { return p.binLevel([]string{"<<", ">>"}, p.parseAdd) }
func (p *parser) parseAdd() expr    { return p.binLevel([]string{"+", "-"}, p.parseMul) }
func (p *parser) parseMul() expr    { return p.binLevel([]string{"*", "/", "||"}, p.parseUnary) }

func (p *parser) parseUnary() expr {
	t := p.peek()
	if t.kind == tOp && (t.val == "-" || t.val == "+" || t.val == "~") {
		p.next()
		p.nest(t)
		defer func() { p.depth-- }()
		x := p.parseUnary()
		if lit, ok := x.(*litExpr); ok && t.val == "-" && (lit.kind == "INT" || lit.kind == "FLOAT") {
			// - -1 is 1: a literal "--1" would be a comment in DuckDB SQL.
			if v, neg := strings.CutPrefix(lit.val, "-"); neg {
				return &litExpr{at: atOf(t), kind: lit.kind, val: v}
			}
			return &litExpr{at: atOf(t), kind: lit.kind, val: "-" + lit.val}
		}
		return &unaryExpr{at: atOf(t), op: t.val, x: x}
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() expr {
	x := p.parsePrimary()
	for {
		t := p.peek()
		if p.isOp(".") {
			n := p.peekN(1)
			if n.kind == tOp && n.val == "*" {
				return x // x.* handled by select item
			}
			p.next()
			var name string
			if n.kind == tKeyword {
				name = p.next().val
			} else {
				name = p.identifier()
			}
			if id, ok := x.(*identExpr); ok {
				id.parts = append(id.parts, name)
				continue
			}
			x = &fieldExpr{at: atOf(t), x: x, name: name}
			continue
		}
		if p.isOp("[") {
			p.next()
			ie := &indexExpr{at: atOf(t), x: x}
			k := p.peek()
			if k.kind == tIdent && p.peekN(1).kind == tOp && p.peekN(1).val == "(" {
				switch strings.ToUpper(k.val) {
				case "OFFSET", "SAFE_OFFSET", "ORDINAL", "SAFE_ORDINAL":
					ie.mode = strings.ToUpper(k.val)
					p.next()
					p.next()
					ie.idx = p.parseExpr()
					p.expectOp(")")
				}
			}
			if ie.mode == "" {
				ie.idx = p.parseExpr()
			}
			p.expectOp("]")
			x = ie
			continue
		}
		return x
	}
}

var typedLiteralKw = map[string]bool{"DATE": true, "TIMESTAMP": true, "DATETIME": true, "TIME": true, "NUMERIC": true, "BIGNUMERIC": true, "JSON": true, "BIGDECIMAL": true, "DECIMAL": true}

func (p *parser) parsePrimary() expr {
	t := p.peek()
	a := atOf(t)
	switch t.kind {
	case tString:
		p.next()
		return &litExpr{at: a, kind: "STRING", val: t.val}
	case tBytes:
		p.next()
		return &litExpr{at: a, kind: "BYTES", val: t.val}
	case tInt:
		p.next()
		return &litExpr{at: a, kind: "INT", val: t.val}
	case tFloat:
		p.next()
		return &litExpr{at: a, kind: "FLOAT", val: t.val}
	case tParam:
		p.next()
		return &paramExpr{at: a, name: t.val}
	case tPosParam:
		p.next()
		p.npos++
		return &paramExpr{at: a, idx: p.npos - 1}
	case tSysVar:
		p.fail(t, "Unsupported feature: system variable @@%s", t.val)
	case tOp:
		switch t.val {
		case "(":
			p.next()
			if p.isKw("SELECT") || p.isKw("WITH") {
				q := p.parseQuery()
				p.expectOp(")")
				return &subqueryExpr{at: a, q: q}
			}
			if p.isOp("(") && !p.noQuery[p.p] {
				var q *query
				save := p.p
				if p.try(func() { q = p.parseQuery(); p.expectOp(")") }) {
					return &subqueryExpr{at: a, q: q}
				}
				p.p = save
			}
			x := p.parseExpr()
			if p.isOp(",") {
				xs := []expr{x}
				for p.acceptOp(",") {
					xs = append(xs, p.parseExpr())
				}
				p.expectOp(")")
				return &tupleExpr{at: a, xs: xs}
			}
			p.expectOp(")")
			return &parenExpr{at: a, x: x}
		case "[":
			p.next()
			al := &arrayLit{at: a}
			if !p.isOp("]") {
				al.elems = p.exprList()
			}
			p.expectOp("]")
			return al
		}
	case tKeyword:
		switch t.val {
		case "NULL":
			p.next()
			return &litExpr{at: a, kind: "NULL"}
		case "TRUE", "FALSE":
			p.next()
			return &litExpr{at: a, kind: "BOOL", val: t.val}
		case "CASE":
			return p.parseCase()
		case "CAST":
			p.next()
			return p.parseCastBody(a, false)
		case "EXTRACT":
			p.next()
			p.expectOp("(")
			e := &extractExpr{at: a}
			e.part = p.parsePostfix()
			p.expectKw("FROM")
			e.x = p.parseExpr()
			if p.acceptKw("AT") {
				p.expectKw("TIME")
				p.expectKw("ZONE")
				e.tz = p.parseExpr()
			}
			p.expectOp(")")
			return e
		case "INTERVAL":
			p.next()
			ie := &intervalExpr{at: a}
			ie.x = p.parseAdd()
			ie.unit = strings.ToUpper(p.identifier())
			if p.acceptKw("TO") {
				ie.unit2 = strings.ToUpper(p.identifier())
			}
			return ie
		case "EXISTS":
			p.next()
			p.expectOp("(")
			q := p.parseQuery()
			p.expectOp(")")
			return &existsExpr{at: a, q: q}
		case "ARRAY":
			p.next()
			if p.isOp("(") {
				p.next()
				q := p.parseQuery()
				p.expectOp(")")
				return &arraySubqueryExpr{at: a, q: q}
			}
			al := &arrayLit{at: a}
			if p.isOp("<") {
				p.next()
				al.elem = p.parseType()
				p.closeAngle()
			}
			p.expectOp("[")
			if !p.isOp("]") {
				al.elems = p.exprList()
			}
			p.expectOp("]")
			return al
		case "STRUCT":
			p.next()
			sl := &structLit{at: a}
			if p.isOp("<") {
				p.next()
				sl.typ = &typeSpec{name: "STRUCT", fields: p.structFields()}
			}
			p.expectOp("(")
			if !p.isOp(")") {
				for {
					x := p.parseExpr()
					name := ""
					if p.acceptKw("AS") {
						name = p.identifier()
					}
					sl.fields = append(sl.fields, x)
					sl.names = append(sl.names, name)
					if !p.acceptOp(",") {
						break
					}
				}
			}
			p.expectOp(")")
			return sl
		case "IF", "LEFT", "RIGHT", "GROUPING", "RANGE", "COLLATE", "HASH":
			if p.peekN(1).kind == tOp && p.peekN(1).val == "(" {
				p.next()
				return p.parseCall(a, []string{t.val})
			}
		case "CURRENT":
		}
	case tIdent, tQIdent:
		up := strings.ToUpper(t.val)
		if t.kind == tIdent && typedLiteralKw[up] && p.peekN(1).kind == tString {
			p.next()
			s := p.next()
			k := up
			if k == "BIGDECIMAL" {
				k = "BIGNUMERIC"
			}
			if k == "DECIMAL" {
				k = "NUMERIC"
			}
			return &litExpr{at: a, kind: k, val: s.val}
		}
		if t.kind == tIdent && up == "SAFE_CAST" && p.peekN(1).kind == tOp && p.peekN(1).val == "(" {
			p.next()
			return p.parseCastBody(a, true)
		}
		if t.kind == tIdent && (up == "RANGE") {
			p.fail(t, "Unsupported feature: RANGE")
		}
		parts := []string{}
		p.next()
		parts = append(parts, strings.Split(t.val, ".")...)
		for p.isOp(".") && (p.peekN(1).kind == tIdent || p.peekN(1).kind == tQIdent || p.peekN(1).kind == tKeyword) && p.peekN(2).kind == tOp && p.peekN(2).val == "(" {
			p.next()
			parts = append(parts, p.next().val)
		}
		if p.isOp("(") && t.kind == tIdent {
			return p.parseCall(a, parts)
		}
		return &identExpr{at: a, parts: parts}
	}
	if t.kind == tEOF {
		p.fail(t, "Syntax error: Unexpected end of script")
	}
	p.fail(t, "Syntax error: Unexpected %s", t.describe())
	return nil
}

func (p *parser) closeAngle() {
	t := p.peek()
	if t.kind == tOp && t.val == ">>" {
		p.toks[p.p].val = ">"
		p.toks[p.p].col++
		return
	}
	p.expectOp(">")
}

func (p *parser) structFields() []structField {
	var fs []structField
	for !p.isOp(">") && !p.isOp(">>") {
		f := structField{}
		// field name is optional: STRUCT<INT64, STRING>
		if (p.peek().kind == tIdent || p.peek().kind == tQIdent) && !(p.peekN(1).kind == tOp && (p.peekN(1).val == "," || p.peekN(1).val == ">" || p.peekN(1).val == ">>" || p.peekN(1).val == "<" || p.peekN(1).val == "(")) {
			f.name = p.identifier()
		}
		f.typ = p.parseType()
		fs = append(fs, f)
		if !p.acceptOp(",") {
			break
		}
	}
	p.closeAngle()
	return fs
}

func (p *parser) parseType() *typeSpec {
	t := p.peek()
	var name string
	if t.kind == tIdent || t.kind == tKeyword {
		name = strings.ToUpper(p.next().val)
	} else {
		p.expected("type")
	}
	ts := &typeSpec{name: name}
	switch name {
	case "ARRAY":
		p.expectOp("<")
		ts.elem = p.parseType()
		p.closeAngle()
		return ts
	case "STRUCT":
		p.expectOp("<")
		ts.fields = p.structFields()
		return ts
	case "RANGE", "INTERVAL", "GEOGRAPHY":
		p.fail(t, "Unsupported type: %s", name)
	}
	if p.isOp("(") {
		p.next()
		for !p.isOp(")") {
			if p.peek().kind == tEOF {
				p.expected("\")\"") // next() stays on EOF: this looped forever (FuzzTranslate)
			}
			ts.params = append(ts.params, p.next().val)
			p.acceptOp(",")
		}
		p.expectOp(")")
	}
	if p.isKw("COLLATE") {
		p.fail(p.peek(), "Unsupported feature: COLLATE")
	}
	return ts
}

func (p *parser) parseCastBody(a at, safe bool) expr {
	p.expectOp("(")
	c := &castExpr{at: a, safe: safe}
	c.x = p.parseExpr()
	p.expectKw("AS")
	c.typ = p.parseType()
	if p.isKw("FORMAT") {
		p.next()
		c.format = p.parseExpr()
	}
	p.expectOp(")")
	return c
}

func (p *parser) parseCase() expr {
	t := p.expectKw("CASE")
	c := &caseExpr{at: atOf(t)}
	if !p.isKw("WHEN") {
		c.operand = p.parseExpr()
	}
	for p.acceptKw("WHEN") {
		w := whenClause{cond: p.parseExpr()}
		p.expectKw("THEN")
		w.then = p.parseExpr()
		c.whens = append(c.whens, w)
	}
	if len(c.whens) == 0 {
		p.expected("keyword WHEN")
	}
	if p.acceptKw("ELSE") {
		c.els = p.parseExpr()
	}
	p.expectKw("END")
	return c
}

func (p *parser) parseCall(a at, name []string) expr {
	p.expectOp("(")
	f := &funcExpr{at: a}
	for _, n := range name {
		f.name = append(f.name, strings.ToUpper(n))
	}
	if len(f.name) > 1 && f.name[0] == "SAFE" {
		f.safe = true
		f.name = f.name[1:]
	}
	if p.acceptKw("DISTINCT") {
		f.distinct = true
	}
	if p.isOp("*") && p.peekN(1).kind == tOp && p.peekN(1).val == ")" {
		p.next()
		f.star = true
	} else if !p.isOp(")") {
		for {
			if (p.peek().kind == tIdent) && p.peekN(1).kind == tOp && p.peekN(1).val == "=>" {
				p.fail(p.peek(), "Unsupported feature: named argument %s", p.peek().val)
			}
			f.args = append(f.args, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.isKw("IGNORE") || p.isKw("RESPECT") {
		f.nulls = strings.ToUpper(p.next().val)
		p.expectKw("NULLS")
	}
	if p.isKw("HAVING") {
		p.next()
		h := &havingMax{}
		if p.acceptKw("MAX") {
			h.max = true
		} else {
			p.expectKw("MIN")
		}
		h.x = p.parseExpr()
		f.having = h
	}
	if p.isKw("ORDER") {
		p.next()
		p.expectKw("BY")
		f.orderBy = p.orderList()
	}
	if p.acceptKw("LIMIT") {
		f.limit = p.parseExpr()
	}
	p.expectOp(")")
	if p.acceptKw("OVER") {
		if p.isOp("(") {
			p.next()
			f.over = p.windowBody()
		} else {
			f.over = &windowSpec{name: p.identifier()}
		}
	}
	return f
}

// windowBody parses after "(" up to and including ")".
func (p *parser) windowBody() *windowSpec {
	w := &windowSpec{}
	if t := p.peek(); (t.kind == tIdent || t.kind == tQIdent) && !p.isKw("ROWS") {
		w.name = p.identifier()
	}
	if p.isKw("PARTITION") {
		p.next()
		p.expectKw("BY")
		w.partitionBy = p.exprList()
	}
	if p.isKw("ORDER") {
		p.next()
		p.expectKw("BY")
		w.orderBy = p.orderList()
	}
	if p.isKw("ROWS") || p.isKw("RANGE") {
		w.frameUnit = strings.ToUpper(p.next().val)
		if p.acceptKw("BETWEEN") {
			w.frameStart = p.frameBound()
			p.expectKw("AND")
			w.frameEnd = p.frameBound()
		} else {
			w.frameStart = p.frameBound()
		}
	}
	p.expectOp(")")
	return w
}

func (p *parser) frameBound() *frameBound {
	if p.acceptKw("UNBOUNDED") {
		if p.acceptKw("PRECEDING") {
			return &frameBound{kind: "UNBOUNDED PRECEDING"}
		}
		p.expectKw("FOLLOWING")
		return &frameBound{kind: "UNBOUNDED FOLLOWING"}
	}
	if p.acceptKw("CURRENT") {
		p.expectKw("ROW")
		return &frameBound{kind: "CURRENT ROW"}
	}
	x := p.parseAdd()
	if p.acceptKw("PRECEDING") {
		return &frameBound{kind: "PRECEDING", x: x}
	}
	p.expectKw("FOLLOWING")
	return &frameBound{kind: "FOLLOWING", x: x}
}
