package bqsql

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func openDuck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET TimeZone='UTC'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDuckSmoke(t *testing.T) {
	db := openDuck(t)
	var s string
	if err := db.QueryRow("SELECT version()").Scan(&s); err != nil {
		t.Fatal(err)
	}
	t.Log(s)
}
