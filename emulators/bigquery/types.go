package bigquery

import (
	"fmt"
	"strconv"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// BigQuery ↔ DuckDB type mapping.
//
//	STRING      VARCHAR
//	BYTES       BLOB
//	INTEGER     BIGINT
//	FLOAT       DOUBLE
//	NUMERIC     DECIMAL(38,9)
//	BIGNUMERIC  DECIMAL(38,9)  (DuckDB has no wider decimal: precision is NUMERIC's)
//	BOOLEAN     BOOLEAN
//	TIMESTAMP   TIMESTAMPTZ    (microseconds, UTC session time zone)
//	DATETIME    TIMESTAMP
//	DATE        DATE
//	TIME        TIME
//	JSON        JSON
//	GEOGRAPHY   VARCHAR        (WKT text; no spatial functions)
//	INTERVAL    INTERVAL
//	RECORD      STRUCT(...)
//	REPEATED x  x[]

// normType returns the canonical (legacy) BigQuery type name the REST API
// reports in table schemas.
func normType(t string) (string, error) {
	switch strings.ToUpper(t) {
	case "STRING":
		return "STRING", nil
	case "BYTES":
		return "BYTES", nil
	case "INTEGER", "INT64":
		return "INTEGER", nil
	case "FLOAT", "FLOAT64":
		return "FLOAT", nil
	case "NUMERIC":
		return "NUMERIC", nil
	case "BIGNUMERIC":
		return "BIGNUMERIC", nil
	case "BOOLEAN", "BOOL":
		return "BOOLEAN", nil
	case "TIMESTAMP":
		return "TIMESTAMP", nil
	case "DATETIME":
		return "DATETIME", nil
	case "DATE":
		return "DATE", nil
	case "TIME":
		return "TIME", nil
	case "JSON":
		return "JSON", nil
	case "GEOGRAPHY":
		return "GEOGRAPHY", nil
	case "INTERVAL":
		return "INTERVAL", nil
	case "RECORD", "STRUCT":
		return "RECORD", nil
	}
	return "", fmt.Errorf("unsupported type %q", t)
}

// normalizeSchema validates a schema in place: known types, modes, non-empty
// unique names, records with fields.
func normalizeSchema(fields []*bq.TableFieldSchema, path string) error {
	seen := map[string]bool{}
	for _, f := range fields {
		if f == nil {
			return invalid("Invalid schema: null field in %s", orTop(path))
		}
		name := path + f.Name
		if f.Name == "" || !validFieldName(f.Name) {
			return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Invalid field name %q. Fields must contain only letters, numbers, and underscores, start with a letter or underscore", f.Name)}
		}
		low := strings.ToLower(f.Name)
		if seen[low] {
			return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Field %s already exists in schema", name)}
		}
		seen[low] = true
		t, err := normType(f.Type)
		if err != nil {
			return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Invalid value for type: %s is not a valid value (field %s)", f.Type, name)}
		}
		f.Type = t
		switch strings.ToUpper(f.Mode) {
		case "":
			f.Mode = ""
		case "NULLABLE", "REQUIRED", "REPEATED":
			f.Mode = strings.ToUpper(f.Mode)
		default:
			return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Invalid value for mode: %s is not a valid value (field %s)", f.Mode, name)}
		}
		if t == "RECORD" {
			if len(f.Fields) == 0 {
				return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Field %s is type RECORD but has no schema", name)}
			}
			if err := normalizeSchema(f.Fields, name+"."); err != nil {
				return err
			}
		} else if len(f.Fields) > 0 {
			return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Field %s is type %s but has subfields", name, t)}
		}
	}
	return nil
}

func orTop(p string) string {
	if p == "" {
		return "schema"
	}
	return strings.TrimSuffix(p, ".")
}

func validFieldName(n string) bool {
	for i, r := range n {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return len(n) <= 300
}

// duckType is the DuckDB column type for a BigQuery field (mode included).
func duckType(f *bq.TableFieldSchema) string {
	var t string
	switch f.Type {
	case "STRING", "GEOGRAPHY":
		t = "VARCHAR"
	case "BYTES":
		t = "BLOB"
	case "INTEGER":
		t = "BIGINT"
	case "FLOAT":
		t = "DOUBLE"
	case "NUMERIC", "BIGNUMERIC":
		t = "DECIMAL(38,9)"
	case "BOOLEAN":
		t = "BOOLEAN"
	case "TIMESTAMP":
		t = "TIMESTAMPTZ"
	case "DATETIME":
		t = "TIMESTAMP"
	case "DATE":
		t = "DATE"
	case "TIME":
		t = "TIME"
	case "JSON":
		t = "JSON"
	case "INTERVAL":
		t = "INTERVAL"
	case "RECORD":
		parts := make([]string, len(f.Fields))
		for i, c := range f.Fields {
			parts[i] = quoteIdent(c.Name) + " " + duckType(c)
		}
		t = "STRUCT(" + strings.Join(parts, ", ") + ")"
	default:
		t = "VARCHAR"
	}
	if f.Mode == "REPEATED" {
		t += "[]"
	}
	return t
}

// hasJSON reports whether a field is or contains a JSON value.
func hasJSON(f *bq.TableFieldSchema) bool {
	if f.Type == "JSON" {
		return true
	}
	for _, c := range f.Fields {
		if hasJSON(c) {
			return true
		}
	}
	return false
}

// jsonAsText is duckType with every JSON replaced by VARCHAR, so that a cast reads JSON values as their text.
func jsonAsText(f *bq.TableFieldSchema) string {
	if f.Type == "JSON" {
		if f.Mode == "REPEATED" {
			return "VARCHAR[]"
		}
		return "VARCHAR"
	}
	if f.Type != "RECORD" {
		return duckType(f)
	}
	parts := make([]string, len(f.Fields))
	for i, c := range f.Fields {
		parts[i] = quoteIdent(c.Name) + " " + jsonAsText(c)
	}
	t := "STRUCT(" + strings.Join(parts, ", ") + ")"
	if f.Mode == "REPEATED" {
		t += "[]"
	}
	return t
}

// createTableSQL renders CREATE TABLE for a BigQuery schema. REQUIRED is
// not enforced by DuckDB (checked on insert instead), so that schema
// relaxation stays a metadata change.
func createTableSQL(dataset, table string, fields []*bq.TableFieldSchema, replace bool) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if replace {
		b.WriteString("OR REPLACE ")
	}
	b.WriteString("TABLE " + qualified(dataset, table) + " (")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(f.Name) + " " + duckType(f))
	}
	b.WriteString(")")
	return b.String()
}

// duckTypeNode is a parsed DuckDB type string.
type duckTypeNode struct {
	base   string // upper case name without arguments, e.g. DECIMAL, STRUCT, LIST
	args   []int  // DECIMAL(p,s)
	fields []duckField
	elem   *duckTypeNode // LIST element
}

type duckField struct {
	name string
	typ  *duckTypeNode
}

// parseDuckType parses the type names DuckDB reports (DatabaseTypeName,
// DESCRIBE): "BIGINT", "DECIMAL(38,9)", `STRUCT("a" BIGINT, b VARCHAR[])[]`,
// "TIMESTAMP WITH TIME ZONE", "MAP(VARCHAR, INTEGER)".
func parseDuckType(s string) (*duckTypeNode, error) {
	p := &typeParser{s: s}
	n, err := p.parse()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q in type %q", p.s[p.i:], s)
	}
	return n, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) ws() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) ident() string {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '"' {
		var b strings.Builder
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == '"' {
				if p.i+1 < len(p.s) && p.s[p.i+1] == '"' {
					b.WriteByte('"')
					p.i += 2
					continue
				}
				p.i++
				break
			}
			b.WriteByte(c)
			p.i++
		}
		return b.String()
	}
	st := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '(' || c == ')' || c == ',' || c == ' ' || c == '[' {
			break
		}
		p.i++
	}
	return p.s[st:p.i]
}

func (p *typeParser) parse() (*duckTypeNode, error) {
	name := strings.ToUpper(p.ident())
	if name == "" {
		return nil, fmt.Errorf("missing type name in %q", p.s)
	}
	// Multi-word names.
	for _, suffix := range []string{" WITH TIME ZONE"} {
		if strings.HasPrefix(strings.ToUpper(p.s[p.i:]), suffix) {
			p.i += len(suffix)
			name += suffix
		}
	}
	n := &duckTypeNode{base: name}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		switch name {
		case "STRUCT", "UNION":
			for {
				fname := p.ident()
				ft, err := p.parse()
				if err != nil {
					return nil, err
				}
				n.fields = append(n.fields, duckField{fname, ft})
				p.ws()
				if p.i < len(p.s) && p.s[p.i] == ',' {
					p.i++
					continue
				}
				break
			}
		case "MAP":
			k, err := p.parse()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
			}
			v, err := p.parse()
			if err != nil {
				return nil, err
			}
			n.fields = []duckField{{"key", k}, {"value", v}}
		default:
			for {
				p.ws()
				st := p.i
				for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ')' {
					p.i++
				}
				if v, err := strconv.Atoi(strings.TrimSpace(p.s[st:p.i])); err == nil {
					n.args = append(n.args, v)
				}
				if p.i < len(p.s) && p.s[p.i] == ',' {
					p.i++
					continue
				}
				break
			}
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, fmt.Errorf("unbalanced parentheses in type %q", p.s)
		}
		p.i++
	}
	for {
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '[' {
			j := strings.IndexByte(p.s[p.i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unbalanced brackets in type %q", p.s)
			}
			p.i += j + 1
			n = &duckTypeNode{base: "LIST", elem: n}
			continue
		}
		break
	}
	return n, nil
}

// bqField derives the BigQuery field for a DuckDB column type.
func bqField(name string, t *duckTypeNode) *bq.TableFieldSchema {
	f := &bq.TableFieldSchema{Name: name, Mode: "NULLABLE"}
	if t.base == "LIST" || t.base == "ARRAY" {
		inner := t.elem
		if inner == nil {
			inner = &duckTypeNode{base: "VARCHAR"}
		}
		if inner.base == "LIST" {
			// BigQuery has no arrays of arrays; such values are served as JSON text.
			f.Type = "JSON"
			f.Mode = "REPEATED"
			return f
		}
		g := bqField(name, inner)
		g.Mode = "REPEATED"
		return g
	}
	switch t.base {
	case "VARCHAR", "TEXT", "STRING", "UUID", "ENUM", "CHAR", "BPCHAR":
		f.Type = "STRING"
	case "BLOB", "BYTEA", "BIT":
		f.Type = "BYTES"
	case "BIGINT", "INTEGER", "INT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "UHUGEINT", "INT8", "INT4", "INT2", "INT1", "BIGNUM", "VARINT":
		f.Type = "INTEGER"
	case "DOUBLE", "FLOAT", "REAL", "FLOAT8", "FLOAT4":
		f.Type = "FLOAT"
	case "DECIMAL", "NUMERIC":
		f.Type = "NUMERIC"
		if len(t.args) == 2 && (t.args[1] > 9 || t.args[0]-t.args[1] > 29) {
			f.Type = "BIGNUMERIC"
		}
	case "BOOLEAN", "BOOL":
		f.Type = "BOOLEAN"
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		f.Type = "TIMESTAMP"
	case "TIMESTAMP", "DATETIME", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S":
		f.Type = "DATETIME"
	case "DATE":
		f.Type = "DATE"
	case "TIME", "TIMETZ", "TIME WITH TIME ZONE":
		f.Type = "TIME"
	case "JSON", "MAP", "UNION":
		f.Type = "JSON"
	case "INTERVAL":
		f.Type = "INTERVAL"
	case "NULL", `"NULL"`:
		f.Type = "INTEGER"
	case "STRUCT":
		f.Type = "RECORD"
		for _, c := range t.fields {
			f.Fields = append(f.Fields, bqField(c.name, c.typ))
		}
	default:
		f.Type = "STRING"
	}
	return f
}

// mergeSchema keeps modes and descriptions of fields from old that survive
// (by name, case-insensitively) in the derived schema.
func mergeSchema(derived, old []*bq.TableFieldSchema) []*bq.TableFieldSchema {
	byName := map[string]*bq.TableFieldSchema{}
	for _, f := range old {
		byName[strings.ToLower(f.Name)] = f
	}
	for _, f := range derived {
		o, ok := byName[strings.ToLower(f.Name)]
		if !ok || o.Type != f.Type && !(o.Type == "BIGNUMERIC" && f.Type == "NUMERIC") {
			continue
		}
		f.Type = o.Type
		f.Description = o.Description
		f.Name = o.Name
		if o.Mode != "" && (o.Mode == "REPEATED") == (f.Mode == "REPEATED") {
			f.Mode = o.Mode
		}
		f.PolicyTags = o.PolicyTags
		f.MaxLength = o.MaxLength
		f.DefaultValueExpression = o.DefaultValueExpression
		if f.Type == "RECORD" {
			f.Fields = mergeSchema(f.Fields, o.Fields)
		}
	}
	return derived
}

func isNullable(f *bq.TableFieldSchema) bool { return f.Mode == "" || f.Mode == "NULLABLE" }
