// Package bqsql translates BigQuery Standard SQL into DuckDB SQL for the local
// BigQuery emulator. PLACEHOLDER: this first version passes text through
// almost unchanged; the real parser replaces it.
package bqsql

import (
	"fmt"
	"strings"
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
	SQL  string // DuckDB SQL, parameters inlined as typed literals
	// Target is the table a DDL/DML statement writes, as dataset and table.
	TargetDataset, TargetTable string
	// DDLOp is CREATE_TABLE, CREATE_VIEW, DROP_TABLE, ALTER_TABLE, ... for KindDDL.
	DDLOp string
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
func Translate(sql string, opts Options) ([]Statement, error) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(sql), ";"))
	up := strings.ToUpper(s)
	k := KindQuery
	switch {
	case strings.HasPrefix(up, "INSERT"), strings.HasPrefix(up, "UPDATE"), strings.HasPrefix(up, "DELETE"), strings.HasPrefix(up, "MERGE"):
		k = KindDML
	case strings.HasPrefix(up, "CREATE"), strings.HasPrefix(up, "DROP"), strings.HasPrefix(up, "ALTER"):
		k = KindDDL
	}
	s = strings.ReplaceAll(s, "`", "")
	return []Statement{{Kind: k, SQL: s}}, nil
}
