package bqsql

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzTranslate checks that arbitrary input yields statements or an *Error, never a panic.
func FuzzTranslate(f *testing.F) {
	data, _ := os.ReadFile("testdata/corpus.sql")
	for _, chunk := range strings.Split(string(data), "-- name:") {
		f.Add(chunk)
	}
	for _, s := range []string{"SELECT", "SELECT (", "SELECT [1][", "SELECT DATE_ADD(d, 1)", "SELECT TO_HEX()", "MERGE t", "CREATE TEMP FUNCTION f(", "SELECT STRUCT<a INT64>(", "SELECT 'x", "SELECT `x", "SELECT /* x", "SELECT EXTRACT(FROM x)", "SELECT CAST(x AS)", "INSERT INTO t VALUES (", "SELECT x FROM UNNEST(", "SELECT * FROM t WINDOW w AS ("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Translate(sql, Options{DefaultDataset: "ds"})
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("non-*Error %T: %v", err, err)
			}
			if strings.Contains(te.Msg, "internal translation error") {
				t.Fatalf("translator panic on %q: %v", sql, te)
			}
			return
		}
		if len(stmts) == 0 {
			t.Fatalf("no statements and no error for %q", sql)
		}
	})
}
