package bigquery

import (
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
)

// costRow is one row of the 30-day partitioned table of the cost tests.
type costRow struct {
	ID   string
	TS   time.Time
	N    bigquery.NullInt64
	Note bigquery.NullString
	Tags []string
	User struct {
		Name string
		OK   bool
	}
}

func (r costRow) Save() (map[string]bigquery.Value, string, error) {
	return map[string]bigquery.Value{"id": r.ID, "ts": r.TS, "n": r.N, "note": r.Note, "tags": r.Tags,
		"user": map[string]bigquery.Value{"name": r.User.Name, "ok": r.User.OK}}, r.ID, nil
}

// Sizes by BigQuery's data size calculation, written out per column so
// the expectations do not come from the code under test.
func (r costRow) size(col string) int64 {
	switch col {
	case "id":
		return 2 + int64(len(r.ID))
	case "ts":
		return 8
	case "n":
		if !r.N.Valid {
			return 0
		}
		return 8
	case "note":
		if !r.Note.Valid {
			return 0
		}
		return 2 + int64(len(r.Note.StringVal))
	case "tags":
		var n int64
		for _, t := range r.Tags {
			n += 2 + int64(len(t))
		}
		return n
	case "user":
		return 2 + int64(len(r.User.Name)) + 1
	}
	panic(col)
}

var costDays = 30

// costTable creates raw.ev, partitioned by DAY on ts, with 30 days of 100
// rows each; every day has the same sizes. require sets
// requirePartitionFilter.
func costTable(t *testing.T, e *env, name string, require bool) []costRow {
	t.Helper()
	tbl := e.client.Dataset("raw").Table(name)
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.StringFieldType},
		{Name: "ts", Type: bigquery.TimestampFieldType},
		{Name: "n", Type: bigquery.IntegerFieldType},
		{Name: "note", Type: bigquery.StringFieldType},
		{Name: "tags", Type: bigquery.StringFieldType, Repeated: true},
		{Name: "user", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
			{Name: "name", Type: bigquery.StringFieldType},
			{Name: "ok", Type: bigquery.BooleanFieldType},
		}},
	}
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: schema,
		TimePartitioning:       &bigquery.TimePartitioning{Type: bigquery.DayPartitioningType, Field: "ts"},
		RequirePartitionFilter: require}); err != nil {
		t.Fatal(err)
	}
	var rows []costRow
	day0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for d := range costDays {
		for i := range 100 {
			r := costRow{ID: fmt.Sprintf("e%02d-%03d", d, i), TS: day0.AddDate(0, 0, d).Add(time.Duration(i) * time.Minute)}
			if i%4 != 0 {
				r.N = bigquery.NullInt64{Int64: int64(i), Valid: true}
			}
			if i%3 == 0 {
				r.Note = bigquery.NullString{StringVal: []string{"", "é", "wörld ünd", "plain"}[i%4], Valid: true}
			}
			r.Tags = []string{"a", "bb", "ccc"}[:i%4]
			r.User.Name = fmt.Sprintf("user%d", i%7)
			rows = append(rows, r)
		}
	}
	if err := tbl.Inserter().Put(e.ctx, rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func sizeOfRows(rows []costRow, keep func(costRow) bool, cols ...string) int64 {
	var n int64
	for _, r := range rows {
		if keep != nil && !keep(r) {
			continue
		}
		for _, c := range cols {
			n += r.size(c)
		}
	}
	return n
}

func dryRunBytes(t *testing.T, e *env, sql string, params ...bigquery.QueryParameter) int64 {
	t.Helper()
	q := e.client.Query(sql)
	q.DryRun = true
	q.Parameters = params
	job, err := q.Run(e.ctx)
	if err != nil {
		t.Fatalf("dry run %q: %v", sql, err)
	}
	return job.LastStatus().Statistics.TotalBytesProcessed
}

// TestDryRunPartitionAndColumnPruning: a dry run through the real Go client
// estimates the bytes BigQuery would: the referenced columns only, in the
// partitions the filter keeps. One day of a 30-day table is 1/30 of the
// full scan; a run reports what its dry run estimated.
func TestDryRunPartitionAndColumnPruning(t *testing.T) {
	e := newEnv(t, Options{})
	e.dataset(t, "raw")
	rows := costTable(t, e, "ev", false)
	nov15 := func(r costRow) bool { return r.TS.Day() == 15 }
	all := []string{"id", "ts", "n", "note", "tags", "user"}
	full := sizeOfRows(rows, nil, "id", "n", "ts")
	day := bigquery.QueryParameter{Name: "day", Value: civil.Date{Year: 2026, Month: 11, Day: 15}}
	start := bigquery.QueryParameter{Name: "start", Value: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name, sql string
		params    []bigquery.QueryParameter
		want      int64
	}{
		{"full scan of three columns", "SELECT id, n, ts FROM raw.ev", nil, full},
		{"one day by DATE(ts) = literal", "SELECT id, n FROM raw.ev WHERE DATE(ts) = '2026-11-15'", nil, sizeOfRows(rows, nov15, "id", "n", "ts")},
		{"one day by a half-open range", "SELECT id, n FROM `test-project.raw.ev` AS e WHERE e.ts >= TIMESTAMP '2026-11-15' AND e.ts < TIMESTAMP '2026-11-16'", nil, sizeOfRows(rows, nov15, "id", "n", "ts")},
		{"one day by a DATE parameter", "SELECT id, n FROM raw.ev WHERE DATE(ts) = @day", []bigquery.QueryParameter{day}, sizeOfRows(rows, nov15, "id", "n", "ts")},
		{"one day by a TIMESTAMP parameter range", "SELECT id, n FROM raw.ev WHERE ts >= @start AND ts < TIMESTAMP_ADD(@start, INTERVAL 1 DAY)", []bigquery.QueryParameter{start}, sizeOfRows(rows, nov15, "id", "n", "ts")},
		{"a filter on another column prunes no partition", "SELECT id, n, ts FROM raw.ev WHERE n > 50", nil, full},
		{"an unfiltered second read scans all partitions", "SELECT id FROM raw.ev WHERE DATE(ts) = '2026-11-15' UNION ALL SELECT id FROM raw.ev", nil, sizeOfRows(rows, nil, "id", "ts")},
		{"one column", "SELECT n FROM raw.ev", nil, sizeOfRows(rows, nil, "n")},
		{"COUNT(*) reads no column", "SELECT COUNT(*) FROM raw.ev", nil, 0},
		{"strings, NULLs, arrays and a struct", "SELECT * FROM raw.ev", nil, sizeOfRows(rows, nil, all...)},
		{"columns used only in WHERE and GROUP BY count", "SELECT COUNT(*) FROM raw.ev WHERE note IS NOT NULL GROUP BY user.name", nil, sizeOfRows(rows, nil, "note", "user")},
		{"a filter above a CTE is pushed down into it", "WITH s AS (SELECT * FROM raw.ev) SELECT id FROM s WHERE DATE(ts) = '2026-11-15'", nil, sizeOfRows(rows, nov15, "id", "ts")},
		{"a CTE nobody reads costs nothing", "WITH s AS (SELECT * FROM raw.ev) SELECT 1 AS x", nil, 0},
		{"a CTE passes on only what is read from it", "WITH s AS (SELECT * FROM raw.ev WHERE ts >= TIMESTAMP '2026-11-29') SELECT id FROM s", nil,
			sizeOfRows(rows, func(r costRow) bool { return r.TS.Day() >= 29 }, "id", "ts")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dryRunBytes(t, e, tc.sql, tc.params...); got != tc.want {
				t.Errorf("dry run totalBytesProcessed = %d, want %d", got, tc.want)
			}
		})
	}
	oneDay := dryRunBytes(t, e, "SELECT id, n FROM raw.ev WHERE DATE(ts) = '2026-11-15'")
	if oneDay == 0 || oneDay*int64(costDays) != full {
		t.Errorf("one day = %d bytes, full scan = %d: want exactly 1/%d", oneDay, full, costDays)
	}
	// The run bills what its dry run estimated.
	q := e.client.Query("SELECT id, n FROM raw.ev WHERE DATE(ts) = '2026-11-15'")
	job, err := q.Run(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := job.Wait(e.ctx)
	if err != nil || st.Err() != nil {
		t.Fatal(err, st.Err())
	}
	qs := st.Statistics.Details.(*bigquery.QueryStatistics)
	if st.Statistics.TotalBytesProcessed != oneDay || qs.TotalBytesBilled != minBilledBytes {
		t.Errorf("run: processed %d billed %d, want %d and the 10 MB minimum", st.Statistics.TotalBytesProcessed, qs.TotalBytesBilled, oneDay)
	}
}

// TestCostErrorShapes: maximumBytesBilled and requirePartitionFilter fail a
// query through the real Go client with BigQuery's reason and message.
func TestCostErrorShapes(t *testing.T) {
	e := newEnv(t, Options{})
	e.dataset(t, "raw")
	costTable(t, e, "strict", true)

	q := e.client.Query("SELECT id FROM raw.strict WHERE DATE(ts) = '2026-11-15'")
	q.MaxBytesBilled = minBilledBytes - 1
	_, err := q.Read(e.ctx)
	wantAPIError(t, err, 400, "INVALID_ARGUMENT", "bytesBilledLimitExceeded",
		fmt.Sprintf("Query exceeded limit for bytes billed: %d. %d or higher required.", minBilledBytes-1, minBilledBytes))
	q.MaxBytesBilled = minBilledBytes
	if _, err := q.Read(e.ctx); err != nil {
		t.Errorf("at maximumBytesBilled: %v", err)
	}

	msg := "Cannot query over table 'test-project.raw.strict' without a filter over column(s) 'ts' that can be used for partition elimination"
	for _, sql := range []string{
		"SELECT COUNT(*) FROM raw.strict",
		"SELECT id FROM raw.strict WHERE n > 3",
		"SELECT id FROM raw.strict WHERE DATE(ts) = '2026-11-15' OR n > 3",
		"SELECT id FROM (SELECT id, ts, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts) AS r FROM raw.strict) WHERE ts > TIMESTAMP '2026-11-15'",
	} {
		for _, dry := range []bool{false, true} {
			q := e.client.Query(sql)
			q.DryRun = dry
			var err error
			if dry {
				_, err = q.Run(e.ctx)
			} else {
				_, err = q.Read(e.ctx)
			}
			t.Run(fmt.Sprintf("%s dry=%v", sql, dry), func(t *testing.T) {
				wantAPIError(t, err, 400, "INVALID_ARGUMENT", "invalidQuery", msg)
			})
		}
	}
	for _, sql := range []string{
		"SELECT COUNT(*) FROM raw.strict WHERE ts >= TIMESTAMP '2026-11-15'",
		"SELECT s.id FROM raw.strict AS s WHERE DATE(s.ts) BETWEEN '2026-11-01' AND '2026-11-02' AND s.n > 3",
		"WITH w AS (SELECT * FROM raw.strict) SELECT id FROM w WHERE ts > TIMESTAMP '2026-11-15'",
	} {
		if got := query(t, e, sql); len(got) == 0 {
			t.Errorf("%s: no rows", sql)
		}
	}
}

// TestDDLPartitioningAndRequireFilter: CREATE TABLE's PARTITION BY and
// OPTIONS(require_partition_filter = true) reach the table's metadata, so
// the cost rules apply to tables made with DDL too.
func TestDDLPartitioningAndRequireFilter(t *testing.T) {
	e := newEnv(t, Options{})
	e.dataset(t, "raw")
	query(t, e, "CREATE TABLE raw.ddl (id STRING, ts TIMESTAMP) PARTITION BY DATE(ts) OPTIONS (require_partition_filter = true)")
	query(t, e, "CREATE TABLE raw.hourly (id STRING, ts TIMESTAMP) PARTITION BY TIMESTAMP_TRUNC(ts, HOUR)")
	query(t, e, "INSERT INTO raw.ddl (id, ts) VALUES ('a', TIMESTAMP '2026-11-01 10:00:00'), ('bb', TIMESTAMP '2026-11-02 10:00:00')")
	md, err := e.client.Dataset("raw").Table("ddl").Metadata(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tp := md.TimePartitioning; tp == nil || tp.Field != "ts" || tp.Type != bigquery.DayPartitioningType || !md.RequirePartitionFilter {
		t.Errorf("ddl metadata: partitioning %+v, requirePartitionFilter %v", md.TimePartitioning, md.RequirePartitionFilter)
	}
	if md, err := e.client.Dataset("raw").Table("hourly").Metadata(e.ctx); err != nil || md.TimePartitioning == nil || md.TimePartitioning.Type != bigquery.HourPartitioningType {
		t.Errorf("hourly metadata: %+v %v", md, err)
	}
	_, err = e.client.Query("SELECT id FROM raw.ddl").Read(e.ctx)
	wantAPIError(t, err, 400, "INVALID_ARGUMENT", "invalidQuery",
		"Cannot query over table 'test-project.raw.ddl' without a filter over column(s) 'ts' that can be used for partition elimination")
	if got, want := dryRunBytes(t, e, "SELECT id FROM raw.ddl WHERE DATE(ts) = '2026-11-01'"), int64(2+1+8); got != want {
		t.Errorf("one partition: %d bytes, want %d", got, want)
	}
}
