package bqsql

import (
	"fmt"
	"strings"
)

// noop is the SQL of statements that only carry metadata (ALTER ... SET OPTIONS).
const noop = "SELECT 1 WHERE FALSE"

// Column describes a column of CREATE TABLE / ALTER TABLE ADD COLUMN in BigQuery terms.
type Column struct {
	Name        string
	Type        string // BigQuery type: STRING, INT64, ..., RECORD for STRUCT; element type for REPEATED
	Mode        string // NULLABLE, REQUIRED or REPEATED
	Fields      []Column
	Description string
}

func (p *parser) srcText(from, to int) string {
	return strings.TrimSpace(p.src[p.toks[from].off:p.toks[to-1].end])
}

func bqColumn(name string, t *typeSpec) Column {
	c := Column{Name: name, Mode: "NULLABLE"}
	if t.name == "ARRAY" {
		c = bqColumn(name, t.elem)
		c.Mode = "REPEATED"
		return c
	}
	switch t.name {
	case "STRUCT", "RECORD":
		c.Type = "RECORD"
		for i, f := range t.fields {
			n := f.name
			if n == "" {
				n = fmt.Sprintf("_field_%d", i+1)
			}
			c.Fields = append(c.Fields, bqColumn(n, f.typ))
		}
	case "INT", "INTEGER", "SMALLINT", "BIGINT", "TINYINT", "BYTEINT":
		c.Type = "INT64"
	case "FLOAT":
		c.Type = "FLOAT64"
	case "BOOLEAN":
		c.Type = "BOOL"
	case "DECIMAL":
		c.Type = "NUMERIC"
	case "BIGDECIMAL":
		c.Type = "BIGNUMERIC"
	default:
		c.Type = t.name
	}
	return c
}

// options parses OPTIONS(k = v, ...) into strings (string literal values unquoted, others as written).
func (p *parser) options() map[string]string {
	p.expectOp("(")
	m := map[string]string{}
	for !p.isOp(")") {
		k := p.identifier()
		p.expectOp("=")
		start := p.p
		x := p.parseExpr()
		if lit, ok := x.(*litExpr); ok && lit.kind == "STRING" {
			m[strings.ToLower(k)] = lit.val
		} else {
			m[strings.ToLower(k)] = p.srcText(start, p.p)
		}
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return m
}

// parseStatement parses one statement into a Statement, translating it with pr.
func (p *parser) parseStatement(pr *printer) []Statement {
	t := p.peek()
	a := atOf(t)
	w := strings.ToUpper(t.val)
	if t.kind == tOp && t.val == "(" || t.kind == tKeyword && (w == "SELECT" || w == "WITH") {
		q := p.parseQuery()
		return []Statement{{Kind: KindQuery, SQL: pr.query(q)}}
	}
	if t.kind != tIdent && t.kind != tKeyword {
		p.fail(t, "Syntax error: Unexpected %s", t.describe())
	}
	switch w {
	case "CREATE":
		return p.parseCreate(pr)
	case "DROP":
		p.next()
		kind := strings.ToUpper(p.next().val)
		if kind == "MATERIALIZED" {
			p.expectKw("VIEW")
			kind = "VIEW"
		}
		if kind == "TEMP" || kind == "TEMPORARY" {
			kind = strings.ToUpper(p.next().val)
		}
		ifExists := p.acceptKw("IF", "EXISTS")
		switch kind {
		case "TABLE", "VIEW", "SCHEMA", "FUNCTION":
		default:
			p.fail(t, "Unsupported statement: DROP %s", kind)
		}
		nt := p.peek()
		path := p.path()
		s := Statement{Kind: KindDDL, DDLOp: "DROP_" + kind}
		ie := ""
		if ifExists {
			ie = "IF EXISTS "
		}
		switch kind {
		case "SCHEMA":
			ds := path[len(path)-1]
			s.TargetDataset = ds
			cascade := p.acceptKw("CASCADE")
			p.acceptKw("RESTRICT")
			s.SQL = "DROP SCHEMA " + ie + qid(ds)
			if cascade {
				s.SQL += " CASCADE"
			}
		case "FUNCTION":
			if len(path) != 1 {
				p.fail(nt, "Unsupported statement: DROP FUNCTION for persistent functions")
			}
			s.Kind = KindOther
			s.SQL = "DROP MACRO " + ie + qid(strings.ToLower(path[0]))
			delete(pr.udfs, strings.ToLower(path[0]))
		default:
			name, ds, tbl := pr.tableName(atOf(nt), path)
			s.TargetDataset, s.TargetTable = ds, tbl
			s.SQL = "DROP " + kind + " " + ie + name
			delete(pr.temps, strings.ToLower(tbl))
		}
		return []Statement{s}
	case "ALTER":
		return p.parseAlter(pr)
	case "INSERT":
		p.next()
		p.acceptKw("INTO")
		nt := p.peek()
		name, ds, tbl := pr.tableName(atOf(nt), p.path())
		s := Statement{Kind: KindDML, TargetDataset: ds, TargetTable: tbl, DDLOp: "INSERT"}
		sql := "INSERT INTO " + name
		if p.isOp("(") && !(p.peekN(1).kind == tKeyword && (p.peekN(1).val == "SELECT" || p.peekN(1).val == "WITH")) {
			p.next()
			var cols []string
			for {
				cols = append(cols, qid(p.identifier()))
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectOp(")")
			sql += " (" + strings.Join(cols, ", ") + ")"
		}
		if p.isKw("VALUES") {
			p.next()
			var rows []string
			for {
				p.expectOp("(")
				var vals []string
				for {
					if p.isKw("DEFAULT") {
						p.next()
						vals = append(vals, "DEFAULT")
					} else {
						vals = append(vals, pr.valueExpr(p.parseExpr()))
					}
					if !p.acceptOp(",") {
						break
					}
				}
				p.expectOp(")")
				rows = append(rows, "("+strings.Join(vals, ", ")+")")
				if !p.acceptOp(",") {
					break
				}
			}
			sql += " VALUES " + strings.Join(rows, ", ")
		} else {
			q := p.parseQuery()
			if sel, ok := q.body.(*selectStmt); ok {
				pr.insertSelect = sel
			}
			sql += " " + pr.query(q)
			pr.insertSelect = nil
		}
		s.SQL = sql
		return []Statement{s}
	case "UPDATE":
		p.next()
		nt := p.peek()
		name, ds, tbl := pr.tableName(atOf(nt), p.path())
		alias := p.alias()
		s := Statement{Kind: KindDML, TargetDataset: ds, TargetTable: tbl, DDLOp: "UPDATE"}
		pr.aliases = append(pr.aliases, map[string]string{})
		defer func() { pr.aliases = pr.aliases[:len(pr.aliases)-1] }()
		sql := "UPDATE " + name
		if alias != "" {
			sql += " AS " + qid(alias)
		}
		p.expectKw("SET")
		sets := p.setList(pr, alias, tbl)
		var from string
		if p.acceptKw("FROM") {
			from = " FROM " + pr.fromList(p.fromList())
		}
		sql += " SET " + sets + from
		if p.acceptKw("WHERE") {
			sql += " WHERE " + pr.expr(p.parseExpr())
		} else {
			p.fail(p.peek(), "UPDATE must have a WHERE clause")
		}
		s.SQL = sql
		return []Statement{s}
	case "DELETE":
		p.next()
		p.acceptKw("FROM")
		nt := p.peek()
		name, ds, tbl := pr.tableName(atOf(nt), p.path())
		alias := p.alias()
		s := Statement{Kind: KindDML, TargetDataset: ds, TargetTable: tbl, DDLOp: "DELETE"}
		sql := "DELETE FROM " + name
		if alias != "" {
			sql += " AS " + qid(alias)
		}
		if p.acceptKw("WHERE") {
			sql += " WHERE " + pr.expr(p.parseExpr())
		} else {
			p.fail(p.peek(), "DELETE must have a WHERE clause")
		}
		s.SQL = sql
		return []Statement{s}
	case "TRUNCATE":
		p.next()
		p.expectKw("TABLE")
		nt := p.peek()
		name, ds, tbl := pr.tableName(atOf(nt), p.path())
		return []Statement{{Kind: KindDML, SQL: "DELETE FROM " + name, TargetDataset: ds, TargetTable: tbl, DDLOp: "TRUNCATE_TABLE"}}
	case "MERGE":
		return []Statement{p.parseMerge(pr)}
	case "BEGIN", "COMMIT", "ROLLBACK":
		if w == "BEGIN" && !p.isKwN(1, "TRANSACTION") {
			p.fail(t, "Unsupported statement: BEGIN ... END block")
		}
		p.next()
		p.acceptKw("TRANSACTION")
		op := map[string]string{"BEGIN": "BEGIN TRANSACTION", "COMMIT": "COMMIT", "ROLLBACK": "ROLLBACK"}[w]
		return []Statement{{Kind: KindOther, SQL: op, DDLOp: strings.ReplaceAll(op, " ", "_")}}
	case "DECLARE", "SET", "IF", "LOOP", "WHILE", "REPEAT", "FOR", "CALL", "EXECUTE", "ASSERT", "RAISE",
		"RETURN", "BREAK", "CONTINUE", "LEAVE", "EXPORT", "LOAD", "GRANT", "REVOKE", "UNDROP":
		p.fail(t, "Unsupported statement: %s", w)
	}
	p.fail(t, "Syntax error: Unexpected %s", t.describe())
	_ = a
	return nil
}

func (p *parser) setList(pr *printer, alias, tbl string) string {
	var sets []string
	for {
		path := p.path()
		if len(path) > 1 && (strings.EqualFold(path[0], alias) || strings.EqualFold(path[0], tbl)) {
			path = path[1:]
		}
		if len(path) > 1 {
			p.fail(p.peek(), "Unsupported feature: UPDATE of a nested field %s", strings.Join(path, "."))
		}
		p.expectOp("=")
		var v string
		if p.isKw("DEFAULT") {
			p.next()
			v = "DEFAULT"
		} else {
			v = pr.valueExpr(p.parseExpr())
		}
		sets = append(sets, qid(path[0])+" = "+v)
		if !p.acceptOp(",") {
			return strings.Join(sets, ", ")
		}
	}
}

func (p *parser) parseMerge(pr *printer) Statement {
	p.expectKw("MERGE")
	p.acceptKw("INTO")
	nt := p.peek()
	name, ds, tbl := pr.tableName(atOf(nt), p.path())
	alias := p.alias()
	s := Statement{Kind: KindDML, TargetDataset: ds, TargetTable: tbl, DDLOp: "MERGE"}
	pr.aliases = append(pr.aliases, map[string]string{})
	defer func() { pr.aliases = pr.aliases[:len(pr.aliases)-1] }()
	sql := "MERGE INTO " + name
	if alias != "" {
		sql += " AS " + qid(alias)
	}
	p.expectKw("USING")
	srcItem := p.fromPrimary()
	p.mergeSrc = pr.mergeSourceColumns(srcItem)
	src := pr.fromItem(srcItem)
	sql += " USING " + src
	p.expectKw("ON")
	sql += " ON " + pr.expr(p.parseExpr())
	for p.acceptKw("WHEN") {
		wt := p.peek()
		clause := " WHEN "
		not := p.acceptKw("NOT")
		p.expectKw("MATCHED")
		bySource := false
		if p.acceptKw("BY") {
			if p.acceptKw("SOURCE") {
				bySource = true
			} else {
				p.expectKw("TARGET")
			}
		}
		switch {
		case !not:
			clause += "MATCHED"
		case bySource:
			clause += "NOT MATCHED BY SOURCE"
		default:
			clause += "NOT MATCHED BY TARGET"
		}
		if p.acceptKw("AND") {
			clause += " AND " + pr.expr(p.parseExpr())
		}
		p.expectKw("THEN")
		actTok := p.peek()
		switch {
		case p.acceptKw("DELETE"):
			clause += " THEN DELETE"
		case p.acceptKw("UPDATE"):
			p.expectKw("SET")
			clause += " THEN UPDATE SET " + p.setList(pr, alias, tbl)
		case p.acceptKw("INSERT"):
			if not && bySource || !not {
				p.fail(wt, "INSERT is only allowed in WHEN NOT MATCHED [BY TARGET]")
			}
			var cols []string
			if p.acceptKw("ROW") {
				// INSERT ROW inserts all source columns, by position, into the target's columns.
				if p.mergeSrc == nil {
					p.fail(actTok, "Unsupported feature: MERGE ... INSERT ROW with a source whose columns are unknown (use INSERT (cols) VALUES (...))")
				}
				clause += " THEN INSERT VALUES (" + strings.Join(p.mergeSrc, ", ") + ")"
				break
			}
			if p.isOp("(") {
				p.next()
				for {
					cols = append(cols, qid(p.identifier()))
					if !p.acceptOp(",") {
						break
					}
				}
				p.expectOp(")")
			}
			p.expectKw("VALUES")
			p.expectOp("(")
			var vals []string
			for {
				if p.isKw("DEFAULT") {
					p.next()
					vals = append(vals, "DEFAULT")
				} else {
					vals = append(vals, pr.valueExpr(p.parseExpr()))
				}
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectOp(")")
			clause += " THEN INSERT "
			if len(cols) > 0 {
				clause += "(" + strings.Join(cols, ", ") + ") "
			}
			clause += "VALUES (" + strings.Join(vals, ", ") + ")"
		default:
			p.expected("keyword DELETE, UPDATE or INSERT")
		}
		sql += clause
	}
	s.SQL = sql
	return s
}

func (p *parser) parseAlter(pr *printer) []Statement {
	t := p.next()
	if p.acceptKw("SCHEMA") {
		p.fail(t, "Unsupported statement: ALTER SCHEMA")
	}
	if !p.acceptKw("TABLE") {
		if p.isKw("VIEW") {
			p.fail(t, "Unsupported statement: ALTER VIEW")
		}
		p.expectKw("TABLE")
	}
	ifExists := p.acceptKw("IF", "EXISTS")
	nt := p.peek()
	name, ds, tbl := pr.tableName(atOf(nt), p.path())
	var out []Statement
	for {
		s := Statement{Kind: KindDDL, TargetDataset: ds, TargetTable: tbl, DDLOp: "ALTER_TABLE"}
		at := p.peek()
		prefix := "ALTER TABLE "
		if ifExists {
			prefix += "IF EXISTS "
		}
		prefix += name
		switch {
		case p.acceptKw("ADD", "COLUMN"):
			ine := p.acceptKw("IF", "NOT", "EXISTS")
			cn := p.identifier()
			ty := p.parseType()
			col := bqColumn(cn, ty)
			if p.acceptKw("NOT", "NULL") {
				col.Mode = "REQUIRED"
			}
			if p.isKw("OPTIONS") {
				p.next()
				col.Description = p.options()["description"]
			}
			s.Columns = []Column{col}
			s.SQL = prefix + " ADD COLUMN "
			if ine {
				s.SQL += "IF NOT EXISTS "
			}
			s.SQL += qid(cn) + " " + pr.typ(atOf(at), ty)
		case p.acceptKw("DROP", "COLUMN"):
			ie := p.acceptKw("IF", "EXISTS")
			cn := p.identifier()
			s.SQL = prefix + " DROP COLUMN "
			if ie {
				s.SQL += "IF EXISTS "
			}
			s.SQL += qid(cn)
		case p.acceptKw("RENAME", "COLUMN"):
			ie := p.acceptKw("IF", "EXISTS")
			if ie {
				p.fail(at, "Unsupported feature: RENAME COLUMN IF EXISTS")
			}
			from := p.identifier()
			p.expectKw("TO")
			s.SQL = prefix + " RENAME COLUMN " + qid(from) + " TO " + qid(p.identifier())
		case p.acceptKw("RENAME", "TO"):
			np := p.path()
			s.SQL = prefix + " RENAME TO " + qid(np[len(np)-1])
			s.NewName = np[len(np)-1]
		case p.acceptKw("SET", "OPTIONS"):
			s.Options = p.options()
			s.SQL = noop
		case p.acceptKw("ALTER", "COLUMN"):
			ie := p.acceptKw("IF", "EXISTS")
			_ = ie
			cn := p.identifier()
			switch {
			case p.acceptKw("DROP", "NOT", "NULL"):
				s.SQL = prefix + " ALTER COLUMN " + qid(cn) + " DROP NOT NULL"
			case p.acceptKw("SET", "DATA", "TYPE"):
				ty := p.parseType()
				s.SQL = prefix + " ALTER COLUMN " + qid(cn) + " SET DATA TYPE " + pr.typ(atOf(at), ty)
			case p.acceptKw("SET", "OPTIONS"):
				s.Options = p.options()
				s.SQL = noop
			case p.acceptKw("DROP", "DEFAULT"):
				s.SQL = prefix + " ALTER COLUMN " + qid(cn) + " DROP DEFAULT"
			default:
				p.fail(p.peek(), "Unsupported feature: ALTER COLUMN %s", p.peek().val)
			}
		default:
			p.fail(at, "Unsupported feature: ALTER TABLE %s", at.val)
		}
		out = append(out, s)
		if !p.acceptOp(",") {
			return out
		}
	}
}

func (p *parser) parseCreate(pr *printer) []Statement {
	t := p.expectKw("CREATE")
	orReplace := p.acceptKw("OR", "REPLACE")
	temp := p.acceptKw("TEMP") || p.acceptKw("TEMPORARY")
	switch {
	case p.acceptKw("TABLE"):
		if p.isKw("FUNCTION") {
			p.fail(t, "Unsupported statement: CREATE TABLE FUNCTION")
		}
	case p.acceptKw("VIEW"):
		return []Statement{p.parseCreateView(pr, orReplace, false)}
	case p.acceptKw("MATERIALIZED", "VIEW"):
		return []Statement{p.parseCreateView(pr, orReplace, true)}
	case p.acceptKw("SCHEMA"):
		ine := p.acceptKw("IF", "NOT", "EXISTS")
		path := p.path()
		ds := path[len(path)-1]
		s := Statement{Kind: KindDDL, DDLOp: "CREATE_SCHEMA", TargetDataset: ds}
		if p.isKw("OPTIONS") {
			p.next()
			s.Options = p.options()
		}
		s.SQL = "CREATE SCHEMA "
		if ine {
			s.SQL += "IF NOT EXISTS "
		}
		s.SQL += qid(ds)
		return []Statement{s}
	case p.acceptKw("FUNCTION"):
		if !temp {
			p.fail(t, "Unsupported statement: CREATE FUNCTION (persistent user-defined functions); use CREATE TEMP FUNCTION")
		}
		return []Statement{p.parseCreateFunction(pr, t)}
	case p.isKw("AGGREGATE"), p.isKw("PROCEDURE"), p.isKw("SNAPSHOT"), p.isKw("EXTERNAL"), p.isKw("SEARCH"), p.isKw("ROW"), p.isKw("VECTOR"), p.isKw("MODEL"):
		p.fail(t, "Unsupported statement: CREATE %s", strings.ToUpper(p.peek().val))
	default:
		p.expected("keyword TABLE, VIEW, SCHEMA or FUNCTION")
	}
	ine := p.acceptKw("IF", "NOT", "EXISTS")
	nt := p.peek()
	path := p.path()
	var name, ds, tbl string
	if temp {
		if len(path) != 1 {
			p.fail(nt, "Temporary table name must not be qualified: %s", strings.Join(path, "."))
		}
		name, tbl = qid(path[0]), path[0]
	} else {
		name, ds, tbl = pr.tableName(atOf(nt), path)
	}
	s := Statement{Kind: KindDDL, DDLOp: "CREATE_TABLE", TargetDataset: ds, TargetTable: tbl, Temp: temp}
	if p.isKw("LIKE") || p.isKw("COPY") || p.isKw("CLONE") {
		// LIKE copies the schema, COPY and CLONE the data too (a snapshot, not a zero-copy clone)
		how := strings.ToUpper(p.next().val)
		st := p.peek()
		src, _, _ := pr.tableName(atOf(st), p.path())
		if p.isKw("FOR") {
			p.fail(p.peek(), "Unsupported feature: FOR SYSTEM_TIME AS OF")
		}
		p.tableClauses(&s)
		if p.isKw("AS") {
			p.fail(p.peek(), "Unsupported feature: CREATE TABLE %s ... AS SELECT", how)
		}
		s.DDLOp = "CREATE_TABLE"
		sql := "CREATE "
		if orReplace {
			sql += "OR REPLACE "
		}
		if temp {
			sql += "TEMP "
			pr.temps[strings.ToLower(tbl)] = true
		}
		sql += "TABLE "
		if ine {
			sql += "IF NOT EXISTS "
		}
		sql += name + " AS SELECT * FROM " + src
		if how == "LIKE" {
			sql += " LIMIT 0"
		}
		s.SQL = sql
		return []Statement{s}
	}
	var colSQL []string
	if p.isOp("(") {
		p.next()
		for {
			cn := p.identifier()
			ty := p.parseType()
			col := bqColumn(cn, ty)
			cs := qid(cn) + " " + pr.typ(atOf(nt), ty)
			for {
				if p.acceptKw("NOT", "NULL") {
					col.Mode = "REQUIRED"
					cs += " NOT NULL"
				} else if p.isKw("OPTIONS") {
					p.next()
					col.Description = p.options()["description"]
				} else if p.acceptKw("DEFAULT") {
					cs += " DEFAULT " + pr.expr(p.parseExpr())
				} else if p.isKw("PRIMARY") || p.isKw("REFERENCES") {
					p.fail(p.peek(), "Unsupported feature: constraints")
				} else {
					break
				}
			}
			s.Columns = append(s.Columns, col)
			colSQL = append(colSQL, cs)
			if !p.acceptOp(",") {
				break
			}
			if p.isKw("PRIMARY") || p.isKw("FOREIGN") || p.isKw("CONSTRAINT") {
				p.fail(p.peek(), "Unsupported feature: table constraints")
			}
		}
		p.expectOp(")")
	}
	p.tableClauses(&s)
	sql := "CREATE "
	if temp {
		// DuckDB temp tables outlive the script on a pooled connection: always replace, so that a later
		// script never reads a stale table of the same name.
		if !(ine && pr.temps[strings.ToLower(tbl)]) {
			orReplace, ine = true, false
		}
	}
	if orReplace {
		sql += "OR REPLACE "
	}
	if temp {
		sql += "TEMP "
	}
	sql += "TABLE "
	if ine {
		sql += "IF NOT EXISTS "
	}
	sql += name
	if p.acceptKw("AS") {
		if len(colSQL) > 0 {
			p.fail(t, "Unsupported feature: CREATE TABLE with both a column list and AS SELECT")
		}
		s.DDLOp = "CREATE_TABLE_AS_SELECT"
		sql += " AS " + pr.query(p.parseQuery())
	} else if len(colSQL) > 0 {
		sql += " (" + strings.Join(colSQL, ", ") + ")"
	} else {
		p.fail(p.peek(), "Syntax error: CREATE TABLE needs a column list or AS SELECT")
	}
	if temp {
		pr.temps[strings.ToLower(tbl)] = true
	}
	s.SQL = sql
	return []Statement{s}
}

func (p *parser) tableClauses(s *Statement) {
	for {
		switch {
		case p.isKw("DEFAULT") && p.isKwN(1, "COLLATE"):
			p.fail(p.peek(), "Unsupported feature: DEFAULT COLLATE")
		case p.isKw("PARTITION"):
			p.next()
			p.expectKw("BY")
			start := p.p
			p.parseExpr()
			s.PartitionBy = p.srcText(start, p.p)
		case p.isKw("CLUSTER"):
			p.next()
			p.expectKw("BY")
			for {
				s.ClusterBy = append(s.ClusterBy, p.identifier())
				if !p.acceptOp(",") {
					break
				}
			}
		case p.isKw("OPTIONS"):
			p.next()
			s.Options = p.options()
		default:
			return
		}
	}
}

func (p *parser) parseCreateView(pr *printer, orReplace, materialized bool) Statement {
	ine := p.acceptKw("IF", "NOT", "EXISTS")
	nt := p.peek()
	name, ds, tbl := pr.tableName(atOf(nt), p.path())
	s := Statement{Kind: KindDDL, DDLOp: "CREATE_VIEW", TargetDataset: ds, TargetTable: tbl}
	if materialized {
		s.DDLOp = "CREATE_MATERIALIZED_VIEW"
	}
	var cols []string
	if p.isOp("(") {
		p.next()
		for {
			cols = append(cols, qid(p.identifier()))
			if p.isKw("OPTIONS") {
				p.next()
				p.options()
			}
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	p.tableClauses(&s)
	p.expectKw("AS")
	sql := "CREATE "
	if orReplace {
		sql += "OR REPLACE "
	}
	sql += "VIEW "
	if ine {
		sql += "IF NOT EXISTS "
	}
	sql += name
	if len(cols) > 0 {
		sql += " (" + strings.Join(cols, ", ") + ")"
	}
	s.SQL = sql + " AS " + pr.query(p.parseQuery())
	return s
}

func (p *parser) parseCreateFunction(pr *printer, t token) Statement {
	p.acceptKw("IF", "NOT", "EXISTS")
	path := p.path()
	if len(path) != 1 {
		p.fail(t, "Unsupported statement: CREATE TEMP FUNCTION with a qualified name")
	}
	fn := strings.ToLower(path[0])
	p.expectOp("(")
	var params []string
	var types []*typeSpec
	for !p.isOp(")") {
		params = append(params, p.identifier())
		if p.acceptKw("ANY", "TYPE") {
			types = append(types, nil)
		} else {
			types = append(types, p.parseType())
		}
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	var ret *typeSpec
	if p.acceptKw("RETURNS") {
		ret = p.parseType()
	}
	if p.isKw("LANGUAGE") || p.isKw("DETERMINISTIC") || p.isKw("NOT") {
		p.fail(t, "Unsupported feature: JavaScript user-defined functions (LANGUAGE js)")
	}
	p.expectKw("AS")
	if p.peek().kind == tString {
		p.fail(t, "Unsupported feature: JavaScript user-defined functions")
	}
	p.expectOp("(")
	body := p.parseExpr()
	p.expectOp(")")
	if p.isKw("OPTIONS") {
		p.next()
		p.options()
	}
	pr.udfs[fn] = true // allow recursion-free self reference checks and later calls
	b := pr.expr(body)
	// typed parameters: cast arguments as BigQuery coerces them
	var qparams []string
	for _, n := range params {
		qparams = append(qparams, qid(n))
	}
	if ret != nil {
		b = "CAST(" + b + " AS " + pr.typ(atOf(t), ret) + ")"
	}
	_ = types
	return Statement{Kind: KindOther, DDLOp: "CREATE_FUNCTION", SQL: "CREATE OR REPLACE TEMP MACRO " + qid(fn) + "(" + strings.Join(qparams, ", ") + ") AS (" + b + ")"}
}

// mergeSourceColumns lists the source columns of a MERGE, qualified by the source alias, when known.
func (pr *printer) mergeSourceColumns(it fromItem) []string {
	var names []string
	alias := ""
	switch t := it.(type) {
	case *tableRef:
		if pr.opts.TableColumns == nil {
			return nil
		}
		_, ds, tbl := func() (string, string, string) {
			defer func() { recover() }()
			return pr.tableName(t.at, t.path)
		}()
		cols, ok := pr.opts.TableColumns(ds, tbl)
		if !ok {
			return nil
		}
		names = cols
		alias = t.alias
		if alias == "" {
			alias = tbl
		}
	case *subqueryRef:
		sel, ok := t.q.body.(*selectStmt)
		if !ok {
			return nil
		}
		anon := 0
		for _, it := range sel.items {
			if _, isStar := it.x.(*starExpr); isStar {
				return nil
			}
			n := it.alias
			if n == "" {
				n = itemName(it.x)
			}
			if n == "" {
				n = fmt.Sprintf("f%d_", anon)
				anon++
			}
			names = append(names, n)
		}
		alias = t.alias
	default:
		return nil
	}
	var out []string
	for _, n := range names {
		if alias != "" {
			out = append(out, qid(alias)+"."+qid(n))
		} else {
			out = append(out, qid(n))
		}
	}
	return out
}

// valueExpr renders a value assigned to a column, with structs coerced by position.
func (pr *printer) valueExpr(x expr) string {
	saved := pr.positional
	pr.positional = true
	defer func() { pr.positional = saved }()
	return pr.expr(x)
}
