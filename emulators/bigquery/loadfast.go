package bigquery

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"os"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// Fast path for NDJSON loads: DuckDB's read_json with an explicit columns
// spec reads the staged files in C++, far faster than decoding each line
// into a map in Go. DuckDB is laxer than BigQuery in places (it ignores
// unknown keys, matches keys case-sensitively, rounds 12.5 into a BIGINT,
// turns objects into strings and "yes" into true), so a byte-level scan in
// Go first checks, without decoding, that every key is a field of the schema
// and every value has a JSON kind BigQuery accepts for its column without
// the conversions that differ. Anything else (a failed check, a DuckDB read
// error, RECORD/REPEATED/NUMERIC/... columns) goes through the row-by-row
// path, which counts bad records and names fields exactly as before.

// JSON value kinds seen by the scan.
const (
	kindString = 1 << iota
	kindInt
	kindFloat
	kindBool
	kindNull
)

var fastKinds = map[string]int{
	"STRING":    kindString | kindInt | kindFloat | kindBool,
	"INTEGER":   kindInt | kindString, // "12" is fine; "12.5" makes DuckDB fail, then the row path rejects it
	"FLOAT":     kindInt | kindFloat,
	"BOOLEAN":   kindBool,
	"TIMESTAMP": kindString,
	"DATE":      kindString,
}

var fastDuckTypes = map[string]string{
	"STRING": "VARCHAR", "INTEGER": "BIGINT", "FLOAT": "DOUBLE", "BOOLEAN": "BOOLEAN",
	"TIMESTAMP": "TIMESTAMPTZ", "DATE": "DATE",
}

// stageNDJSONFast reads the files into a temporary table with the table's
// columns, or reports ok=false when the row-by-row path must be used. It
// runs outside the load's transaction so that a DuckDB error costs nothing.
func stageNDJSONFast(ctx context.Context, conn *sql.Conn, paths []string, fields []*bq.TableFieldSchema, stage string) (ok bool) {
	if len(fields) == 0 || len(fields) > 64 || len(paths) == 0 {
		return false
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		if f.Mode == "REPEATED" || fastKinds[f.Type] == 0 || strings.ContainsAny(f.Name, `"'\`) {
			return false
		}
		cols[i] = quoteString(f.Name) + ": " + quoteString(fastDuckTypes[f.Type])
	}
	for _, p := range paths {
		if !scanNDJSON(p, fields) {
			return false
		}
	}
	q := `CREATE OR REPLACE TEMP TABLE ` + quoteIdent(stage) + ` AS SELECT * FROM read_json(` + sqlList(paths) +
		`, format='newline_delimited', columns={` + strings.Join(cols, ", ") + `})`
	if _, err := conn.ExecContext(ctx, q); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.`+quoteIdent(stage))
		return false
	}
	return true
}

// scanNDJSON reports whether every line of the file is a flat JSON object
// whose keys are exactly field names and whose values have allowed kinds.
func scanNDJSON(path string, fields []*bq.TableFieldSchema) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	index := make(map[string]int, len(fields))
	var required uint64
	for i, fd := range fields {
		index[fd.Name] = i
		if fd.Mode == "REQUIRED" {
			required |= 1 << i
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 100<<20)
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var seen uint64
		if !scanObject(b, fields, index, &seen) || seen&required != required {
			return false
		}
	}
	return sc.Err() == nil
}

func scanObject(b []byte, fields []*bq.TableFieldSchema, index map[string]int, seen *uint64) bool {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++
		}
	}
	str := func() (start, end int, esc, ok bool) {
		i++ // opening quote
		start = i
		for i < len(b) {
			switch b[i] {
			case '\\':
				esc = true
				i += 2
				continue
			case '"':
				end = i
				i++
				return start, end, esc, true
			}
			i++
		}
		return 0, 0, false, false
	}
	ws()
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	ws()
	if i < len(b) && b[i] == '}' {
		i++
		ws()
		return i == len(b)
	}
	for {
		ws()
		if i >= len(b) || b[i] != '"' {
			return false
		}
		ks, ke, esc, ok := str()
		if !ok || esc {
			return false
		}
		fi, known := index[string(b[ks:ke])]
		if !known {
			return false
		}
		ws()
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i++
		ws()
		if i >= len(b) {
			return false
		}
		kind := 0
		switch c := b[i]; {
		case c == '"':
			vs, ve, _, ok := str()
			if !ok {
				return false
			}
			if fields[fi].Type == "DATE" && ve-vs != 10 {
				return false
			}
			kind = kindString
		case c == 't' && bytes.HasPrefix(b[i:], []byte("true")), c == 'f' && bytes.HasPrefix(b[i:], []byte("false")):
			kind = kindBool
			if c == 't' {
				i += 4
			} else {
				i += 5
			}
		case c == 'n' && bytes.HasPrefix(b[i:], []byte("null")):
			kind = kindNull
			i += 4
		case c == '-' || c >= '0' && c <= '9':
			kind = kindInt
			i++
			for i < len(b) {
				d := b[i]
				if d >= '0' && d <= '9' {
					i++
					continue
				}
				if d == '.' || d == 'e' || d == 'E' || d == '+' || d == '-' {
					kind = kindFloat
					i++
					continue
				}
				break
			}
		default:
			return false // objects, arrays, garbage: the row path decides
		}
		if kind == kindNull {
			if fields[fi].Mode == "REQUIRED" {
				return false
			}
		} else {
			if fastKinds[fields[fi].Type]&kind == 0 {
				return false
			}
			*seen |= 1 << fi
		}
		ws()
		if i >= len(b) {
			return false
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '}' {
			return false
		}
		i++
		ws()
		return i == len(b)
	}
}
