package bqsql

import (
	"fmt"
	"time"
)

// Param is a query parameter as BigQuery's REST API sends it, already
// reduced to a type and a value. Arrays and structs use the nested fields.
type Param struct {
	Name         string  // empty for positional parameters
	Type         string  // BigQuery type: STRING, INT64, FLOAT64, NUMERIC, BOOL, TIMESTAMP, DATE, DATETIME, TIME, BYTES, JSON, ARRAY, STRUCT
	Value        *string // nil means NULL
	ArrayType    *Param  // element type for ARRAY
	ArrayValues  []Param
	StructTypes  []Param // field names and types for STRUCT
	StructValues map[string]Param
}

// Options tells the translator how names resolve.
type Options struct {
	DefaultProject string
	DefaultDataset string // may be empty
	Params         []Param
	// Now, when set, is the value of CURRENT_TIMESTAMP/CURRENT_DATE/CURRENT_DATETIME
	// (BigQuery evaluates them once per query); zero means DuckDB's clock.
	Now time.Time
	// TableColumns, when set, returns the column names of a table in order; MERGE ... INSERT ROW uses it.
	TableColumns func(dataset, table string) ([]string, bool)
}

// Kind classifies a translated statement.
type Kind int

const (
	KindQuery Kind = iota // returns rows
	KindDDL               // CREATE/DROP/ALTER
	KindDML               // INSERT/UPDATE/DELETE/MERGE
	KindOther             // CREATE TEMP FUNCTION and similar: run, no result
)

// Statement is one translated statement of a script.
type Statement struct {
	Kind Kind
	SQL  string // DuckDB SQL, parameters inlined as typed literals; a no-op SELECT when only metadata changes (SET OPTIONS)
	// Target is the table a DDL/DML statement writes, as dataset and table.
	TargetDataset, TargetTable string
	// DDLOp is CREATE_TABLE, CREATE_TABLE_AS_SELECT, CREATE_VIEW, CREATE_MATERIALIZED_VIEW, CREATE_SCHEMA,
	// DROP_TABLE, DROP_VIEW, DROP_SCHEMA, ALTER_TABLE, CREATE_FUNCTION, DROP_FUNCTION for DDL and
	// INSERT, UPDATE, DELETE, MERGE, TRUNCATE_TABLE for DML.
	DDLOp string
	// Columns is the declared schema of CREATE TABLE (column list) or the added column of ALTER TABLE ADD COLUMN.
	Columns []Column
	// PartitionBy is the PARTITION BY expression as written (BigQuery SQL), e.g. "DATE(ts)".
	PartitionBy string
	// ClusterBy lists the CLUSTER BY columns.
	ClusterBy []string
	// Options holds OPTIONS(...) of CREATE TABLE/VIEW/SCHEMA and ALTER ... SET OPTIONS, keys lower-cased;
	// string literal values unquoted, other values as written.
	Options map[string]string
	// Temp is true for CREATE TEMP TABLE (script-scoped; the DuckDB table is unqualified).
	Temp bool
	// NewName is the new table name of ALTER TABLE ... RENAME TO.
	NewName string
}

// Error is a translation error; the emulator answers it as invalidQuery.
type Error struct {
	Msg          string
	Line, Column int // 1-based position of the offending construct
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s at [%d:%d]", e.Msg, e.Line, e.Column)
}

// Translate turns a BigQuery script into DuckDB statements. Table names are
// mapped as dataset → DuckDB schema: `p.ds.t` and ds.t become "ds"."t".
// Errors are *Error values naming the construct and its position.
func Translate(sql string, opts Options) (stmts []Statement, err error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: sql}
	pr := &printer{opts: opts, temps: map[string]bool{}, udfs: map[string]bool{}}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				// a translator bug must not take the server down: answer it as an invalid query
				t := p.peek()
				e = &Error{Msg: fmt.Sprintf("Unsupported feature: internal translation error near %s: %v", t.describe(), r), Line: t.line, Column: t.col}
			}
			stmts, err = nil, e
		}
	}()
	for {
		for p.acceptOp(";") {
		}
		if p.peek().kind == tEOF {
			break
		}
		stmts = append(stmts, p.parseStatement(pr)...)
		if p.peek().kind != tEOF && !p.isOp(";") {
			p.expected("end of statement")
		}
	}
	if len(stmts) == 0 {
		return nil, &Error{Msg: "Syntax error: Unexpected end of script", Line: 1, Column: 1}
	}
	return stmts, nil
}
