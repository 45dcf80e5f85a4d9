package bqsql

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestBytesFunctionsDocs: LENGTH, BYTE_LENGTH, LEFT, RIGHT, LPAD, RPAD and REVERSE take BYTES as well as
// STRING and count bytes (DuckDB had no BLOB overloads: "No function matches ... 'strlen(BLOB)'"). Values
// from the GoogleSQL reference's examples; a column, NULL and empty values too.
func TestBytesFunctionsDocs(t *testing.T) {
	b := func(s string) any { return base64.StdEncoding.EncodeToString([]byte(s)) }
	n := func(i int) any { return json.Number(strconv.Itoa(i)) }
	db := newDB(t)
	for _, c := range []struct {
		sql  string
		want []any
	}{
		{`SELECT LENGTH('абвгд'), LENGTH(b'абвгд'), BYTE_LENGTH('абвгд'), BYTE_LENGTH(b'абвгд')`, []any{n(5), n(10), n(10), n(10)}},
		{`SELECT LEFT(b'apple', 3), LEFT(b'\xab\xcd\xef\xaa\xbb', 3), LEFT('apple', 3), LEFT('абвгд', 3)`, []any{b("app"), b("\xab\xcd\xef"), "app", "абв"}},
		{`SELECT RIGHT(b'apple', 3), RIGHT(b'\xab\xcd\xef\xaa\xbb', 3), RIGHT('apple', 3), RIGHT('абвгд', 3)`, []any{b("ple"), b("\xef\xaa\xbb"), "ple", "вгд"}},
		{`SELECT REVERSE('foo'), REVERSE('абвгд'), REVERSE(b'bar'), REVERSE(b'123')`, []any{"oof", "дгвба", b("rab"), b("321")}},
		{`SELECT LPAD(b'abc', 5), LPAD(b'abc', 2), LPAD(b'\xab\xcd\xef', 4)`, []any{b("  abc"), b("ab"), b(" \xab\xcd\xef")}},
		{`SELECT LPAD(b'abc', 8, b'def'), LPAD(b'abc', 5, b'-'), LPAD(b'\xab\xcd\xef', 5, b'\x00')`, []any{b("defdeabc"), b("--abc"), b("\x00\x00\xab\xcd\xef")}},
		{`SELECT RPAD(b'abc', 5), RPAD(b'abc', 2), RPAD(b'\xab\xcd\xef', 4)`, []any{b("abc  "), b("ab"), b("\xab\xcd\xef ")}},
		{`SELECT RPAD(b'abc', 8, b'def'), RPAD(b'abc', 5, b'-'), RPAD(b'\xab\xcd\xef', 5, b'\x00')`, []any{b("abcdefde"), b("abc--"), b("\xab\xcd\xef\x00\x00")}},
		{`SELECT LPAD('abc', 5), LPAD('abc', 2), LPAD('例子', 4), LPAD('abc', 8, 'def'), RPAD('例子', 4)`, []any{"  abc", "ab", "  例子", "defdeabc", "例子  "}},
		// a column of each type, empty and NULL values
		{`SELECT ARRAY_AGG(STRUCT(LENGTH(x) AS l, BYTE_LENGTH(x) AS bl, LEFT(x, 1) AS le, RIGHT(x, 1) AS r, REVERSE(x) AS rv, LPAD(x, 3, b'.') AS lp) ORDER BY o)
			FROM UNNEST([b'\xab\xcd', b'', NULL]) AS x WITH OFFSET o`, []any{[]any{
			map[string]any{"l": n(2), "bl": n(2), "le": b("\xab"), "r": b("\xcd"), "rv": b("\xcd\xab"), "lp": b(".\xab\xcd")},
			map[string]any{"l": n(0), "bl": n(0), "le": b(""), "r": b(""), "rv": b(""), "lp": b("...")},
			map[string]any{"l": nil, "bl": nil, "le": nil, "r": nil, "rv": nil, "lp": nil}}}},
		{`SELECT ARRAY_AGG(STRUCT(LENGTH(x) AS l, BYTE_LENGTH(x) AS bl, LEFT(x, 1) AS le, REVERSE(x) AS rv, RPAD(x, 3) AS rp) ORDER BY o)
			FROM UNNEST(['аб', '', NULL]) AS x WITH OFFSET o`, []any{[]any{
			map[string]any{"l": n(2), "bl": n(4), "le": "а", "rv": "ба", "rp": "аб "},
			map[string]any{"l": n(0), "bl": n(0), "le": "", "rv": "", "rp": "   "},
			map[string]any{"l": nil, "bl": nil, "le": nil, "rv": nil, "rp": nil}}}},
	} {
		rows, err := runBQ(t, db, c.sql, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if len(rows) != 1 || !sameJSON(rows[0], c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, toJSON(rows), toJSON(c.want))
		}
	}
	// other argument types are BigQuery's signature error; SPLIT of BYTES is refused
	for _, c := range []struct{ sql, msg string }{
		{`SELECT LENGTH(x) FROM UNNEST([1]) AS x`, "No matching signature for function LENGTH for argument types: INT64"},
		{`SELECT LEFT(x, 1) FROM UNNEST([DATE '2020-01-01']) AS x`, "No matching signature for function LEFT for argument types: DATE, INT64"},
		{`SELECT REVERSE(1)`, "No matching signature for function REVERSE for argument types: INT64"},
		{`SELECT SPLIT(b'a,b', b',')`, "Unsupported feature: SPLIT of BYTES"},
		{`SELECT SPLIT(x, b',') FROM UNNEST([b'a,b']) AS x`, "Unsupported feature: SPLIT of BYTES"},
	} {
		_, err := runBQ(t, db, c.sql, Options{})
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %q", c.sql, err, c.msg)
		}
	}
}

// TestBytesFunctionsNested: nested calls bind their argument once (the SQL stays small) and keep the type.
func TestBytesFunctionsNested(t *testing.T) {
	q := `SELECT LENGTH(REVERSE(LEFT(RIGHT(LPAD(REVERSE(x), 6, b'.'), 5), 4))), REVERSE(LEFT(RIGHT(LPAD(REVERSE(y), 6, '.'), 5), 4)) FROM UNNEST([b'abc']) AS x, UNNEST(['abc']) AS y`
	stmts, err := Translate(q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(stmts[0].SQL); n > 20000 {
		t.Errorf("translated SQL is %d bytes", n)
	}
	rows, err := runBQ(t, newDB(t), q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// LPAD(b'cba', 6, b'.') = b'...cba'; RIGHT 5 = b'..cba'; LEFT 4 = b'..cb'; REVERSE = b'bc..'
	if want := []any{json.Number("4"), "bc.."}; !sameJSON(rows[0], want) {
		t.Errorf("got %s, want %s", toJSON(rows), toJSON(want))
	}
}

// TestCodePointsDocs: TO_CODE_POINTS and CODE_POINTS_TO_STRING, the reference's examples.
func TestCodePointsDocs(t *testing.T) {
	db := newDB(t)
	for _, c := range []struct{ sql, want string }{
		{`SELECT ARRAY_AGG(STRUCT(word, TO_CODE_POINTS(word) AS code_points) ORDER BY o) FROM UNNEST(['foo', 'bar', '']) AS word WITH OFFSET o`,
			`[[{"word": "foo", "code_points": [102, 111, 111]}, {"word": "bar", "code_points": [98, 97, 114]}, {"word": "", "code_points": []}]]`},
		{`SELECT TO_CODE_POINTS(b'\xc4\x80'), TO_CODE_POINTS('Ā'), TO_CODE_POINTS(CAST(NULL AS STRING))`, `[[196, 128], [256], null]`},
		{`SELECT TO_CODE_POINTS(x) FROM UNNEST([b'\x66\x6f\xff', b'']) AS x WITH OFFSET o ORDER BY o`, `[[102, 111, 255]]`},
		{`SELECT CODE_POINTS_TO_STRING([65, 255, 513, 1024]), CODE_POINTS_TO_STRING([65, 255, NULL, 1024]), CODE_POINTS_TO_STRING([]), CODE_POINTS_TO_STRING(NULL)`,
			`["AÿȁЀ", null, "", null]`},
	} {
		rows, err := runBQ(t, db, c.sql, Options{})
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if want := parseExpected(t, c.want); !sameJSON(rowsAsAny(rows)[0], want) {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, toJSON(rows), toJSON(want))
		}
	}
}
