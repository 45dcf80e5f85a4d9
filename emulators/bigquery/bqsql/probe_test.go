package bqsql

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestProbe runs ad-hoc DuckDB SQL from BQSQL_PROBE (';;'-separated); skipped otherwise.
func TestProbe(t *testing.T) {
	q := os.Getenv("BQSQL_PROBE")
	db := openDuck(t)
	if bq := os.Getenv("BQSQL_BQ"); bq != "" {
		db.Exec("CREATE SCHEMA ds")
		stmts, err := Translate(bq, Options{DefaultDataset: "ds"})
		if err != nil {
			fmt.Println("TRANSLATE ERR", err)
			return
		}
		var parts []string
		for _, s := range stmts {
			fmt.Println("SQL:", s.SQL)
			parts = append(parts, s.SQL)
		}
		q = strings.Join(parts, ";;")
	}
	if q == "" {
		t.Skip()
	}
	for _, s := range strings.Split(q, ";;") {
		rows, err := db.Query(s)
		if err != nil {
			fmt.Println("ERR", s, "=>", err)
			continue
		}
		cols, _ := rows.Columns()
		ct, _ := rows.ColumnTypes()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			out := []string{}
			for i, v := range vals {
				out = append(out, fmt.Sprintf("%s(%s)=%#v", cols[i], ct[i].DatabaseTypeName(), v))
			}
			fmt.Println(s, "=>", strings.Join(out, " | "))
		}
		rows.Close()
	}
}
