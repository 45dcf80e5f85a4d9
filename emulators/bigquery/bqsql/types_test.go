package bqsql

import (
	"fmt"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestTypesAndDatesDocs: golden cases for issue 20's type and date findings, from the GoogleSQL
// reference (CONCAT, date arithmetic operators, PARSE_DATE's "Any unspecified field is initialized
// from 1970-01-01").
func TestTypesAndDatesDocs(t *testing.T) {
	db := newDB(t)
	for _, c := range []struct {
		sql, want string // want: the one row as JSON
	}{
		// CONCAT returns STRING (or BYTES) and is NULL when an argument is NULL; one argument too
		{`SELECT CONCAT('T.P.', ' ', 'Bar'), CONCAT('Summer', ' ', 1923), CONCAT(1), CONCAT('a'), CONCAT(NULL), CONCAT('a', NULL)`,
			`["T.P. Bar", "Summer 1923", "1", "a", null, null]`},
		{`SELECT CONCAT(b'a'), CONCAT(b'a', b'bc')`, `["YQ==", "YWJj"]`},
		// DATE + / - INT64
		{`SELECT DATE '2020-09-22' + 1, DATE '2020-09-22' - 7, 1 + DATE '2020-09-22'`, `["2020-09-23", "2020-09-15", "2020-09-23"]`},
		{`SELECT d + 1, d - 7 FROM UNNEST([DATE '2020-09-22']) AS d`, `["2020-09-23", "2020-09-15"]`},
		// unspecified fields start at 1970-01-01
		{`SELECT PARSE_DATE('%m/%d/%y', '12/25/08'), PARSE_DATE('%d%m%Y', '25122008'), PARSE_DATE('%m', '03'), PARSE_DATE('%d', '05'), PARSE_DATE('%b %d', 'Dec 25')`,
			`["2008-12-25", "2008-12-25", "1970-03-01", "1970-01-05", "1970-12-25"]`},
		{`SELECT PARSE_DATETIME('%H', '05'), PARSE_TIMESTAMP('%M', '05'), PARSE_TIME('%H', '05'), PARSE_DATE('%Y', '2008'), SAFE.PARSE_DATE('%m', 'x')`,
			`["1970-01-01T05:00:00", "1970-01-01 00:05:00+00", "05:00:00", "2008-01-01", null]`},
		// %x (MM/DD/YY) and %X (HH:MM:SS) format elements
		{`SELECT FORMAT_DATE('%x', DATE '2008-12-25'), FORMAT_TIME('%X', TIME '15:30:00'), PARSE_DATE('%x', '12/25/08')`, `["12/25/08", "15:30:00", "2008-12-25"]`},
		// ERROR only when reached
		{`SELECT IF(1 > 0, 'ok', ERROR('never'))`, `["ok"]`},
	} {
		rows, err := runBQ(t, db, c.sql, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		want := parseExpected(t, c.want)
		if len(rows) != 1 || !sameJSON(rowsAsAny(rows)[0], want) {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, toJSON(rows), toJSON(want))
		}
	}
	// CONCAT(1) is STRING
	stmts, _ := Translate(`SELECT CONCAT(1) AS c`, Options{})
	var typ string
	if err := db.QueryRow(`SELECT typeof(c) FROM (` + stmts[0].SQL + `)`).Scan(&typ); err != nil || typ != "VARCHAR" {
		t.Errorf("CONCAT(1): DuckDB type %s (%v), want VARCHAR (STRING)", typ, err)
	}
	if _, err := runBQ(t, db, `SELECT CONCAT(x) FROM UNNEST([b'a']) AS x`, Options{}); err == nil || !strings.Contains(err.Error(), "Unsupported feature: CONCAT of one BYTES value") {
		t.Errorf("CONCAT of a BYTES column: got %v, want a refusal", err)
	}
	// ERROR: the reference's example
	_, err := runBQ(t, db, `SELECT CASE WHEN value = 'foo' THEN 'Value is foo.' WHEN value = 'bar' THEN 'Value is bar.'
		ELSE ERROR(CONCAT('Found unexpected value: ', value)) END AS new_value
		FROM (SELECT 'foo' AS value UNION ALL SELECT 'bar' AS value UNION ALL SELECT 'baz' AS value)`, Options{})
	if err == nil || !strings.Contains(err.Error(), "Found unexpected value: baz") {
		t.Errorf("ERROR: got %v", err)
	}
	// DATE - DATE is an INTERVAL in BigQuery (the reference's example: DATE "2021-05-20" - DATE
	// "2020-04-19" is 0-0 396 0:0:0). Where both sides are DATEs by their form it is one; on columns,
	// whose types the translator does not know, refused, not a silent INT64.
	for q, days := range map[string]int32{
		`SELECT DATE '2021-05-20' - DATE '2020-04-19'`:                           396,
		`SELECT DATE '2024-01-01' - DATE '2024-03-01'`:                           -60,
		`SELECT DATE(2024, 3, 1) - (DATE '2024-01-01')`:                          60,
		`SELECT CAST('2024-03-01' AS DATE) - PARSE_DATE('%Y%m%d', '20240101')`:   60,
		`SELECT DATE_ADD(DATE '2024-01-01', INTERVAL 1 DAY) - DATE '2024-01-01'`: 1,
		`SELECT CURRENT_DATE - DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY)`:         7,
	} {
		rows, err := runBQ(t, db, q, Options{})
		if err != nil || len(rows) != 1 || len(rows[0]) != 1 {
			t.Errorf("%s: got %v %v", q, rows, err)
			continue
		}
		if got, want := fmt.Sprint(rows[0][0]), fmt.Sprint(duckdb.Interval{Days: days}); got != want {
			t.Errorf("%s: got %#v, want INTERVAL %d DAY", q, rows[0][0], days)
		}
	}
	for _, q := range []string{`SELECT d - e FROM UNNEST([DATE '2021-05-20']) AS d, UNNEST([DATE '2020-04-19']) AS e`, `SELECT d - DATE '2020-04-19' FROM UNNEST([DATE '2021-05-20']) AS d`} {
		if _, err := runBQ(t, db, q, Options{}); err == nil || !strings.Contains(err.Error(), "Unsupported feature: DATE - DATE") {
			t.Errorf("%s: got %v, want the DATE - DATE refusal", q, err)
		}
	}
}

// TestInstrDocs: INSTR with position and occurrence, the reference's example table.
func TestInstrDocs(t *testing.T) {
	db := newDB(t)
	rows, err := runBQ(t, db, `SELECT ARRAY_AGG(INSTR(r.source_value, r.search_value, r.position, r.occurrence) ORDER BY o) FROM UNNEST([
		STRUCT('banana' AS source_value, 'an' AS search_value, 1 AS position, 1 AS occurrence),
		('banana', 'an', 1, 2), ('banana', 'an', 1, 3), ('banana', 'an', 3, 1), ('banana', 'an', -1, 1),
		('banana', 'an', -3, 1), ('banana', 'ann', 1, 1), ('helloooo', 'oo', 1, 1), ('helloooo', 'oo', 1, 2)]) AS r WITH OFFSET o`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := parseExpected(t, `[[2, 4, 0, 4, 4, 4, 0, 5, 6]]`); !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	rows, err = runBQ(t, db, `SELECT INSTR('banana', 'an', 3), INSTR('banana', NULL, 1, 1), INSTR('banana', 'an'), INSTR('banana', 'an', -1, 2)`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := parseExpected(t, `[4, null, 2, 2]`); !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	if _, err := runBQ(t, db, `SELECT INSTR('banana', 'an', 0, 1)`, Options{}); err == nil {
		t.Error("position 0: want an error")
	}
}

// TestRegexpInstrDocs: REGEXP_INSTR(source, regexp), the reference's examples; the start of the
// leftmost match, 0 without one.
func TestRegexpInstrDocs(t *testing.T) {
	db := newDB(t)
	rows, err := runBQ(t, db, `SELECT ARRAY_AGG(REGEXP_INSTR(x, '@[^-]*') ORDER BY o) FROM UNNEST(['ab@cd-ef', 'ab@d-ef', 'abc@cd-ef', 'abc-ef']) AS x WITH OFFSET o`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := parseExpected(t, `[[3, 3, 4, 0]]`); !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	// the same text earlier than the match does not count; newlines before it do
	rows, err = runBQ(t, db, "SELECT REGEXP_INSTR('bab', 'b$'), REGEXP_INSTR('a\\nb', 'b'), REGEXP_INSTR(NULL, 'b')", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := parseExpected(t, `[3, 3, null]`); !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	if _, err := runBQ(t, db, `SELECT REGEXP_INSTR('a', 'a', 1, 1)`, Options{}); err == nil || !strings.Contains(err.Error(), "Unsupported feature") {
		t.Errorf("4 arguments: got %v, want a refusal", err)
	}
}

// TestRegexpExtractPositionDocs: REGEXP_EXTRACT with position and occurrence, the reference's example.
func TestRegexpExtractPositionDocs(t *testing.T) {
	db := newDB(t)
	rows, err := runBQ(t, db, `SELECT ARRAY_AGG(STRUCT(REGEXP_EXTRACT('Hello Helloo and Hellooo', 'H?ello+', r.p, r.o) AS v) ORDER BY off) FROM UNNEST([
		STRUCT(1 AS p, 1 AS o), (1, 2), (1, 3), (1, 4), (2, 1), (3, 1), (3, 2), (3, 3), (20, 1)]) AS r WITH OFFSET off`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := parseExpected(t, `[[{"v": "Hello"}, {"v": "Helloo"}, {"v": "Hellooo"}, {"v": null}, {"v": "ello"}, {"v": "Helloo"}, {"v": "Hellooo"}, {"v": null}, {"v": null}]]`)
	if !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	rows, err = runBQ(t, db, `SELECT REGEXP_SUBSTR('Hello Helloo', 'H?ello+', 2), REGEXP_EXTRACT('a1b22', '([0-9]+)', 1, 2), REGEXP_EXTRACT(NULL, 'a', 1, 1)`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := parseExpected(t, `["ello", "22", null]`); !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	if _, err := runBQ(t, db, `SELECT REGEXP_EXTRACT('a', 'a', 0)`, Options{}); err == nil {
		t.Error("position 0: want an error")
	}
}

// TestNormalizeUnicodeChr: NORMALIZE (NFC, the default), UNICODE and CHR at their edges.
func TestNormalizeUnicodeChr(t *testing.T) {
	db := newDB(t)
	rows, err := runBQ(t, db, `SELECT NORMALIZE('\u00ea') = NORMALIZE('\u0065\u0302'), NORMALIZE('\u0065\u0302', NFC) = '\u00ea', '\u00ea' = '\u0065\u0302',
		UNICODE('âbcd'), UNICODE('â'), UNICODE(''), UNICODE(NULL), CHR(65), CHR(255), CHR(513), CHR(1024), CHR(97), CHR(0xF9B5), CHR(0), CHR(NULL)`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := parseExpected(t, `[true, true, false, 226, 226, 0, null, "A", "ÿ", "ȁ", "Ѐ", "a", "\uf9b5", "", null]`)
	if !sameJSON(rowsAsAny(rows)[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
	if _, err := runBQ(t, db, `SELECT NORMALIZE('a', NFKC)`, Options{}); err == nil || !strings.Contains(err.Error(), "Unsupported feature") {
		t.Errorf("NFKC: got %v, want a refusal", err)
	}
}

// TestApproxQuantilesDocs: APPROX_QUANTILES computed exactly (discrete quantiles, NULLs ignored), the
// reference's examples, RESPECT NULLS included (NULLs sort first and count).
func TestApproxQuantilesDocs(t *testing.T) {
	db := newDB(t)
	for _, c := range []struct{ sql, want string }{
		{`SELECT APPROX_QUANTILES(x, 2) AS approx_quantiles FROM UNNEST([1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x`, `[[1, 5, 10]]`},
		{`SELECT APPROX_QUANTILES(DISTINCT x, 2) AS approx_quantiles FROM UNNEST([1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x`, `[[1, 6, 10]]`},
		{`SELECT APPROX_QUANTILES(x, 2) AS approx_quantiles FROM UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x`, `[[1, 5, 10]]`},
		{`SELECT APPROX_QUANTILES(x, 4) FROM UNNEST([1, 2, 3, 4, 5]) AS x`, `[[1, 2, 3, 4, 5]]`},
		{`SELECT APPROX_QUANTILES(x, 2 RESPECT NULLS) AS approx_quantiles FROM UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x`, `[[null, 4, 10]]`},
		{`SELECT APPROX_QUANTILES(DISTINCT x, 2 RESPECT NULLS) AS approx_quantiles FROM UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x`, `[[null, 6, 10]]`},
	} {
		rows, err := runBQ(t, db, c.sql, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if want := parseExpected(t, c.want); !sameJSON(rowsAsAny(rows)[0], want) {
			t.Errorf("%s: got %s, want %s", c.sql, toJSON(rows), toJSON(want))
		}
	}
	for _, q := range []string{`SELECT APPROX_QUANTILES(x, n) FROM UNNEST([1]) AS x, UNNEST([2]) AS n`} {
		if _, err := runBQ(t, db, q, Options{}); err == nil {
			t.Errorf("%s: want a refusal", q)
		}
	}
}

// TestSelectStarUsingOrder: SELECT * over a USING join puts the USING column first (the reference's
// Roster/TeamMascot example: SchoolID, LastName, Mascot).
func TestSelectStarUsingOrder(t *testing.T) {
	db := newDB(t)
	for _, c := range []struct {
		sql  string
		cols []string
	}{
		{`SELECT * FROM ds.Roster INNER JOIN ds.TeamMascot USING (SchoolID)`, []string{"SchoolID", "LastName", "Mascot"}},
		{`SELECT * FROM ds.Roster FULL JOIN ds.TeamMascot USING (SchoolID)`, []string{"SchoolID", "LastName", "Mascot"}},
		{`SELECT * EXCEPT (Mascot) FROM ds.Roster JOIN ds.TeamMascot USING (SchoolID)`, []string{"SchoolID", "LastName"}},
		{`SELECT Roster.* FROM ds.Roster JOIN ds.TeamMascot USING (SchoolID)`, []string{"LastName", "SchoolID"}},
		{`SELECT * FROM ds.Roster JOIN ds.TeamMascot ON Roster.SchoolID = TeamMascot.SchoolID`, []string{"LastName", "SchoolID", "SchoolID", "Mascot"}},
	} {
		stmts, err := Translate(`CREATE TABLE ds.Roster (LastName STRING, SchoolID INT64); CREATE TABLE ds.TeamMascot (SchoolID INT64, Mascot STRING);
			INSERT ds.Roster VALUES ('Adams', 50), ('Buchanan', 52); INSERT ds.TeamMascot VALUES (50, 'Jaguars'), (53, 'Mustangs');`+c.sql, Options{DefaultDataset: "ds"})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts[:len(stmts)-1] {
			if _, err := db.Exec(st.SQL); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.Query(stmts[len(stmts)-1].SQL)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		if strings.Join(cols, ",") != strings.Join(c.cols, ",") {
			t.Errorf("%s: columns %v, want %v", c.sql, cols, c.cols)
		}
		db.Exec(`DROP TABLE ds.Roster`)
		db.Exec(`DROP TABLE ds.TeamMascot`)
	}
}

// TestSelectStarUsingFullJoinValues: the leading USING column of a FULL JOIN is the coalesced key.
func TestSelectStarUsingFullJoinValues(t *testing.T) {
	rows, err := runBQ(t, newDB(t), `CREATE TABLE ds.Roster (LastName STRING, SchoolID INT64); CREATE TABLE ds.TeamMascot (SchoolID INT64, Mascot STRING);
		INSERT ds.Roster VALUES ('Adams', 50), ('Buchanan', 52); INSERT ds.TeamMascot VALUES (50, 'Jaguars'), (53, 'Mustangs');
		SELECT * FROM ds.Roster FULL JOIN ds.TeamMascot USING (SchoolID) ORDER BY SchoolID`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := parseExpected(t, `[[50, "Adams", "Jaguars"], [52, "Buchanan", null], [53, null, "Mustangs"]]`); !sameJSON(rowsAsAny(rows), want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
}
