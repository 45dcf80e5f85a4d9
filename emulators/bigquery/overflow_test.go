package bigquery

import (
	"errors"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
)

// DuckDB's SUM of BIGINT is a HUGEINT: past 2^63 it used to go over the wire and the Go client
// failed with strconv.ParseInt's "value out of range". BigQuery answers "Error in SUM aggregation:
// integer overflow" (400 invalidQuery).
func TestSumInt64OverflowIsBigQueryError(t *testing.T) {
	e := newEnv(t, Options{})
	e.dataset(t, "ds")
	read := func(sql string) ([][]bigquery.Value, error) {
		q := e.client.Query(sql)
		q.DefaultDatasetID = "ds"
		it, err := q.Read(e.ctx)
		if err != nil {
			return nil, err
		}
		var out [][]bigquery.Value
		for {
			var row []bigquery.Value
			err := it.Next(&row)
			if err == iterator.Done {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			out = append(out, row)
		}
	}
	for _, sql := range []string{
		`SELECT SUM(x) FROM UNNEST([9223372036854775807, 1]) AS x`,
		`SELECT SUM(x) AS s FROM UNNEST([-9223372036854775807, -1, -1]) AS x`,
		`SELECT g, SUM(x) FROM UNNEST([STRUCT(1 AS g, 9223372036854775807 AS x), (1, 5), (2, 1)]) GROUP BY g`,
	} {
		_, err := read(sql)
		var ge *googleapi.Error
		if !errors.As(err, &ge) || ge.Code != 400 || ge.Message != "Error in SUM aggregation: integer overflow" || len(ge.Errors) != 1 || ge.Errors[0].Reason != "invalidQuery" {
			t.Errorf("%s: got %v, want 400 invalidQuery \"Error in SUM aggregation: integer overflow\"", sql, err)
		}
	}
	// the same into a new destination table: refused, and the table is not left behind
	q := e.client.Query(`SELECT SUM(x) AS s FROM UNNEST([9223372036854775807, 1]) AS x`)
	q.Dst = e.client.Dataset("ds").Table("sums")
	if _, err := q.Read(e.ctx); err == nil || !strings.Contains(err.Error(), "integer overflow") {
		t.Errorf("destination table: got %v, want the overflow error", err)
	}
	if _, err := e.client.Dataset("ds").Table("sums").Metadata(e.ctx); err == nil {
		t.Errorf("the refused result's destination table exists")
	}
	// in range: the edges still sum
	for sql, want := range map[string]int64{
		`SELECT SUM(x) FROM UNNEST([9223372036854775806, 1]) AS x`:                                         9223372036854775807,
		`SELECT SUM(x) FROM UNNEST([-9223372036854775807, -1]) AS x`:                                       -9223372036854775808,
		`SELECT SUM(x) FROM UNNEST([9223372036854775807, 9223372036854775807, -9223372036854775807]) AS x`: 9223372036854775807,
	} {
		rows, err := read(sql)
		if err != nil || len(rows) != 1 || rows[0][0] != want {
			t.Errorf("%s: got %v %v, want %d", sql, rows, err, want)
		}
	}
}
