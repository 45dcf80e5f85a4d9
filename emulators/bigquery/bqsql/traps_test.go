package bqsql

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSilentTraps has one golden case per silent trap listed in BIGQUERY_ON_DUCKDB.md: each runs the
// translation on DuckDB and must give BigQuery's documented answer (the untranslated text gives another).
func TestSilentTraps(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		// 1. UNNEST ... WITH OFFSET is 0-based in BigQuery (DuckDB ordinality is 1-based).
		{"unnest_offset_0_based", `SELECT ARRAY_AGG(o ORDER BY o) FROM UNNEST(['a','b','c']) AS x WITH OFFSET AS o`, `[[[0,1,2]]]`},
		// 2. DAYOFWEEK: Sunday = 1 (2024-03-13 is a Wednesday = 4).
		{"dayofweek_sunday_1", `SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-03-13'), EXTRACT(DAYOFWEEK FROM DATE '2024-03-10')`, `[[4,1]]`},
		// 3. WEEK is Sunday-based (10 for 2024-03-13; ISO week would be 11).
		{"week_sunday_based", `SELECT EXTRACT(WEEK FROM DATE '2024-03-13'), EXTRACT(ISOWEEK FROM DATE '2024-03-13')`, `[[10,11]]`},
		// 4. TIMESTAMP_DIFF counts whole intervals: 23:00 -> 00:00 is 0 days.
		{"timestamp_diff_whole", `SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-01 23:00:00', DAY), TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)`, `[[0,0]]`},
		// 5. FORMAT_TIMESTAMP honours its time zone argument.
		{"format_timestamp_tz", `SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2024-03-13 03:00:00+00', 'America/Los_Angeles')`, `[["2024-03-12 20:00"]]`},
		// 6. FORMAT is printf-style.
		{"format_printf", `SELECT FORMAT('%d-%s', 7, 'x')`, `[["7-x"]]`},
		// 7. NUMERIC keeps 9 decimal digits (DuckDB DECIMAL default is (18,3)).
		{"numeric_scale_9", `SELECT CAST(1.23456789 AS NUMERIC)`, `[[1.23456789]]`},
		// 8. DATE_TRUNC on a DATE returns a DATE.
		{"date_trunc_date", `SELECT DATE_TRUNC(DATE '2024-03-13', MONTH), DATE_TRUNC(DATE '2024-03-13', WEEK)`, `[["2024-03-01","2024-03-10"]]`},
		// 9. Time zones: TIMESTAMP_TRUNC and DATE with a zone use that zone's boundaries.
		{"timestamp_trunc_tz", `SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 03:00:00+00', DAY, 'America/Los_Angeles')`, `[["2024-03-12 07:00:00+00"]]`},
		{"date_tz", `SELECT DATE(TIMESTAMP '2024-03-13 03:00:00+00', 'America/Los_Angeles')`, `[["2024-03-12"]]`},
		// Untranslated differences: GREATEST/CONCAT NULL, ARRAY_AGG NULL elements, SPLIT(''), TO_HEX(SHA256), UNNEST alias binding.
		{"greatest_null", `SELECT GREATEST(1, NULL), LEAST(2, NULL)`, `[[null,null]]`},
		{"concat_null", `SELECT CONCAT('a', NULL)`, `[[null]]`},
		{"array_agg_ignore_nulls", `SELECT ARRAY_AGG(x IGNORE NULLS) FROM UNNEST([1, NULL]) AS x`, `[[[1]]]`},
		{"split_empty", `SELECT SPLIT('', ',')`, `[[[""]]]`},
		{"to_hex_sha256", `SELECT TO_HEX(SHA256('abc'))`, `[["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"]]`},
		{"unnest_alias_binds_element", `WITH t AS (SELECT 'col' AS x, ['e'] AS arr) SELECT x FROM t, UNNEST(arr) AS x`, `[["e"]]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newDB(t)
			rows, err := runBQ(t, db, c.sql, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, want := rowsAsAny(rows), parseExpected(t, c.want)
			if !sameJSON(got, want) {
				t.Fatalf("got %s, want %s (BigQuery)", toJSON(got), c.want)
			}
		})
	}
	t.Run("array_agg_null_element_is_an_error", func(t *testing.T) {
		db := newDB(t)
		_, err := runBQ(t, db, `SELECT ARRAY_AGG(x) FROM UNNEST([1, NULL]) AS x`, Options{})
		if err == nil || !strings.Contains(err.Error(), "Array cannot have a null element") {
			t.Fatalf("want BigQuery's NULL element error, got %v", err)
		}
	})
}

func strp(s string) *string { return &s }

func TestParameters(t *testing.T) {
	params := []Param{
		{Name: "day", Type: "DATE", Value: strp("2026-11-01")},
		{Name: "ts", Type: "TIMESTAMP", Value: strp("2026-11-01 10:00:00")},
		{Name: "n", Type: "INT64", Value: strp("3")},
		{Name: "s", Type: "STRING", Value: strp("it's")},
		{Name: "nothing", Type: "STRING"},
		{Name: "price", Type: "NUMERIC", Value: strp("1.123456789")},
		{Name: "flag", Type: "BOOL", Value: strp("true")},
		{Name: "ids", Type: "ARRAY", ArrayType: &Param{Type: "INT64"}, ArrayValues: []Param{{Value: strp("1")}, {Value: strp("2")}}},
		{Name: "rec", Type: "STRUCT", StructTypes: []Param{{Name: "a", Type: "INT64"}, {Name: "b", Type: "STRING"}},
			StructValues: map[string]Param{"a": {Value: strp("5")}, "b": {Value: strp("x")}}},
		{Type: "INT64", Value: strp("10")},
		{Type: "STRING", Value: strp("pos2")},
	}
	db := newDB(t)
	rows, err := runBQ(t, db, `SELECT @day, DATE_ADD(@day, INTERVAL @n DAY), @ts, @s, @nothing IS NULL, @price, @flag, 2 IN UNNEST(@ids), @rec.b, ? + 1, ?, @DAY`, Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	want := parseExpected(t, `[["2026-11-01","2026-11-04","2026-11-01 10:00:00+00","it's",true,1.123456789,true,true,"x",11,"pos2","2026-11-01"]]`)
	if got := rowsAsAny(rows); !sameJSON(got, want) {
		t.Fatalf("got %s want %s", toJSON(got), toJSON(want))
	}
	stmts, err := Translate(`SELECT @day, @ts, @nothing`, Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{"CAST('2026-11-01' AS DATE)", "CAST('2026-11-01 10:00:00' AS TIMESTAMPTZ)", "CAST(NULL AS VARCHAR)"} {
		if !strings.Contains(stmts[0].SQL, frag) {
			t.Errorf("SQL %s lacks %s", stmts[0].SQL, frag)
		}
	}
	_, err = Translate("SELECT 1,\n  @missing", Options{Params: params})
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(te.Msg, "missing") || te.Line != 2 || te.Column != 3 {
		t.Fatalf("unknown parameter: got %#v", err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, sql, msg string
		line, col      int
	}{
		{"syntax_expected_paren", "SELECT COUNT(x\nFROM t", `Syntax error: Expected ")" but got keyword FROM`, 2, 1},
		{"syntax_unexpected_end", "SELECT 1 +", "Syntax error: Unexpected end of script", 1, 11},
		{"missing_dataset", "SELECT * FROM x", `Table name "x" missing dataset while no default dataset is set in the request.`, 1, 15},
		{"farm_fingerprint", "SELECT FARM_FINGERPRINT('a')", "Function not found: FARM_FINGERPRINT (unsupported by the local emulator)", 1, 8},
		{"table_suffix", "SELECT * FROM `p.ds.events_*` WHERE _TABLE_SUFFIX > '2024'", "Unsupported feature: wildcard table", 1, 15},
		{"declare", "DECLARE x INT64 DEFAULT 1;", "Unsupported statement: DECLARE", 1, 1},
		{"net_function", "SELECT NET.HOST('http://a.b/c')", "Function not found: NET.HOST (unsupported by the local emulator)", 1, 8},
		{"st_function", "SELECT ST_GEOGPOINT(1, 2)", "Function not found: ST_GEOGPOINT (unsupported by the local emulator)", 1, 8},
		{"hll", "SELECT HLL_COUNT.MERGE(x) FROM ds.t", "Function not found: HLL_COUNT.MERGE (unsupported by the local emulator)", 1, 8},
		{"js_udf", "CREATE TEMP FUNCTION f(x INT64) RETURNS INT64 LANGUAGE js AS 'return x;'; SELECT 1", "Unsupported feature: JavaScript", 1, 1},
		{"unknown_function", "SELECT NO_SUCH_FN(1)", "Function not found: NO_SUCH_FN", 1, 8},
		{"format_element", "SELECT FORMAT_TIMESTAMP('%J', CURRENT_TIMESTAMP())", "Unsupported feature: format element %J", 1, 8},
		{"pivot", "SELECT * FROM ds.t PIVOT(SUM(x) FOR y IN ('a'))", "Unsupported feature: PIVOT", 1, 20},
		{"merge_insert_row_unknown", "MERGE ds.t T USING ds.s S ON T.id = S.id WHEN NOT MATCHED THEN INSERT ROW", "INSERT ROW", 1, 64},
		{"recursive", "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "Unsupported feature: WITH RECURSIVE", 1, 1},
		{"offset_negative_literal", "SELECT [1][OFFSET(-1)]", "Array index -1 is out of bounds", 1, 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Translate(c.sql, Options{})
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("want *Error, got %v", err)
			}
			if !strings.Contains(te.Msg, c.msg) || te.Line != c.line || te.Column != c.col {
				t.Fatalf("got %q at [%d:%d], want %q at [%d:%d]", te.Msg, te.Line, te.Column, c.msg, c.line, c.col)
			}
		})
	}
}

func TestStatementMetadata(t *testing.T) {
	stmts, err := Translate(`
CREATE OR REPLACE TABLE `+"`proj.curated.orders`"+` (
  id INT64 NOT NULL OPTIONS(description = 'order id'),
  tags ARRAY<STRING>,
  addr STRUCT<city STRING, geo STRUCT<lat FLOAT64, lon FLOAT64>>,
  ts TIMESTAMP
)
PARTITION BY DATE(ts)
CLUSTER BY id, ts
OPTIONS (description = 'orders', labels = [('team', 'data')]);
ALTER TABLE curated.orders ADD COLUMN IF NOT EXISTS note STRING;
INSERT INTO curated.orders (id) VALUES (1);
MERGE curated.orders T USING (SELECT 1 AS id) S ON T.id = S.id WHEN MATCHED THEN DELETE;
DROP VIEW IF EXISTS curated.v;
CREATE TEMP FUNCTION f(x INT64) AS (x + 1);
SELECT f(1)`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 7 {
		t.Fatalf("got %d statements", len(stmts))
	}
	c := stmts[0]
	if c.Kind != KindDDL || c.DDLOp != "CREATE_TABLE" || c.TargetDataset != "curated" || c.TargetTable != "orders" ||
		c.PartitionBy != "DATE(ts)" || !reflect.DeepEqual(c.ClusterBy, []string{"id", "ts"}) || c.Options["description"] != "orders" {
		t.Fatalf("create: %+v", c)
	}
	wantCols := []Column{
		{Name: "id", Type: "INT64", Mode: "REQUIRED", Description: "order id"},
		{Name: "tags", Type: "STRING", Mode: "REPEATED"},
		{Name: "addr", Type: "RECORD", Mode: "NULLABLE", Fields: []Column{{Name: "city", Type: "STRING", Mode: "NULLABLE"},
			{Name: "geo", Type: "RECORD", Mode: "NULLABLE", Fields: []Column{{Name: "lat", Type: "FLOAT64", Mode: "NULLABLE"}, {Name: "lon", Type: "FLOAT64", Mode: "NULLABLE"}}}}},
		{Name: "ts", Type: "TIMESTAMP", Mode: "NULLABLE"},
	}
	if !reflect.DeepEqual(c.Columns, wantCols) {
		t.Fatalf("columns: %+v", c.Columns)
	}
	if a := stmts[1]; a.DDLOp != "ALTER_TABLE" || len(a.Columns) != 1 || a.Columns[0].Name != "note" {
		t.Fatalf("alter: %+v", a)
	}
	if s := stmts[2]; s.Kind != KindDML || s.DDLOp != "INSERT" || s.TargetTable != "orders" {
		t.Fatalf("insert: %+v", s)
	}
	if s := stmts[3]; s.Kind != KindDML || s.DDLOp != "MERGE" {
		t.Fatalf("merge: %+v", s)
	}
	if s := stmts[4]; s.Kind != KindDDL || s.DDLOp != "DROP_VIEW" || s.TargetTable != "v" {
		t.Fatalf("drop: %+v", s)
	}
	if s := stmts[5]; s.Kind != KindOther || !strings.Contains(s.SQL, "TEMP MACRO") {
		t.Fatalf("function: %+v", s)
	}
	if s := stmts[6]; s.Kind != KindQuery {
		t.Fatalf("query: %+v", s)
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden renders testdata/golden/*.bq.sql and compares with the .duckdb.sql next to it.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.bq.sql")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bq.sql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := Translate(string(src), Options{DefaultDataset: "ds", Params: []Param{{Name: "run_date", Type: "DATE", Value: strp("2026-11-01")}}})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, s := range stmts {
				b.WriteString(s.SQL + ";\n")
			}
			out := strings.TrimSuffix(f, ".bq.sql") + ".duckdb.sql"
			if *update {
				os.WriteFile(out, []byte(b.String()), 0o644)
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Fatalf("rendered SQL differs from %s (run with -update after checking):\n%s", out, b.String())
			}
		})
	}
}

func TestTableNames(t *testing.T) {
	cases := map[string]string{
		"SELECT * FROM `p.d.t`":                          `FROM "d"."t"`,
		"SELECT * FROM `p`.`d`.`t`":                      `FROM "d"."t"`,
		"SELECT * FROM `d.t`":                            `FROM "d"."t"`,
		"SELECT * FROM d.t":                              `FROM "d"."t"`,
		"SELECT * FROM my-proj.d.t":                      `FROM "d"."t"`,
		"SELECT * FROM t":                                `FROM "def"."t"`,
		"SELECT * FROM d.INFORMATION_SCHEMA.TABLES":      `FROM "d"."INFORMATION_SCHEMA.TABLES"`,
		"SELECT * FROM `p.d.INFORMATION_SCHEMA.COLUMNS`": `FROM "d"."INFORMATION_SCHEMA.COLUMNS"`,
		"WITH t AS (SELECT 1 AS x) SELECT * FROM t":      `FROM "t"`,
	}
	for in, want := range cases {
		st, err := Translate(in, Options{DefaultDataset: "def"})
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !strings.Contains(st[0].SQL, want) {
			t.Errorf("%s: got %s, want %s", in, st[0].SQL, want)
		}
	}
}
