package bigquery

import (
	"fmt"
	"testing"
)

// TestManyQueriesKeepTheirResults runs more queries than the emulator keeps
// anonymous result tables: each must still return its own rows. (Pruning
// once dropped the result being created, whose job was not registered yet.)
func TestManyQueriesKeepTheirResults(t *testing.T) {
	e := newEnv(t, Options{})
	for i := 0; i < maxAnonTables+40; i++ {
		rows := query(t, e, fmt.Sprintf("SELECT %d AS n", i))
		if len(rows) != 1 || rows[0][0] != int64(i) {
			t.Fatalf("query %d returned %v", i, rows)
		}
	}
}
