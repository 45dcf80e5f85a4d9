package config

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// seedPipeline is a small valid pipeline.yaml (the example pipeline's files
// are added by the external tests' seeds through testdata/fuzz).
const seedPipeline = `
version: 1
datasets: {raw: raw, curated: curated, published: published, ops: ops}
buckets: {landing: l, archive: a, export: e}
topics: {transform_completed: t, mask_completed: m, export_completed: x}
sources:
  - name: events
    trigger: {pubsub_topic: events}
    format: json
    event_id_field: id
    schema: [{name: id, type: STRING}, {name: at, type: TIMESTAMP}]
models:
  - {name: users, file: models/users.sql, assertions: [{not_null: [id]}, {row_count: {min: 1}}]}
mask:
  tables:
    - name: users
      columns: {id: keep, email: {mask: {char: "*"}}, age: {generalise: {fixed: {lower: 0, upper: 100, size: 10}}}}
exports:
  - name: daily
    query: SELECT * FROM published.users
    format: csv
    destination: daily/{date}.csv
    trigger: mask.completed
schedules: {transform: "0 * * * *"}
`

// checkErrors asserts that a config error is one of the package's error
// types and names the file and the field, as the README promises.
func checkErrors(t *testing.T, err error) {
	t.Helper()
	var one *Error
	var many Errors
	switch {
	case errors.As(err, &many):
		if len(many) == 0 {
			t.Fatalf("empty Errors returned as an error")
		}
		for _, e := range many {
			if e == nil || e.File == "" || e.Field == "" || e.Msg == "" {
				t.Fatalf("error without file, field or message: %#v", e)
			}
		}
	case errors.As(err, &one):
		if one.File == "" || one.Field == "" || one.Msg == "" {
			t.Fatalf("error without file, field or message: %#v", one)
		}
	default:
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	}
}

// FuzzLoad feeds arbitrary pipeline.yaml text (and one model file) through
// Load: a config error, never a panic, and every error names its field.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(seedPipeline), "-- sluice: materialized=table\nSELECT 1 AS id")
	f.Add([]byte("version: 1\nsources: [{name: a, schema: [{name: x, type: RECORD, fields: [{name: y, type: STRING}]}]}]"), "")
	f.Add([]byte("a: &a [*a, *a]\nb: *a"), "")
	f.Add([]byte("version: !!binary AAAA"), "")
	f.Add([]byte("models: [{name: m, file: ../../etc/passwd}]"), "")
	f.Add([]byte("mask: {tables: [{name: users, columns: {x: {token: {}}}}]}"), "")
	f.Fuzz(func(t *testing.T, yamlText []byte, sql string) {
		fsys := fstest.MapFS{FileName: {Data: yamlText}, "models/users.sql": {Data: []byte(sql)}}
		p, err := Load(fsys)
		if err != nil {
			if p != nil {
				t.Fatalf("Load returned a pipeline and an error")
			}
			checkErrors(t, err)
			return
		}
		if p.Version != 1 {
			t.Fatalf("accepted version %d", p.Version)
		}
		for _, m := range p.Models {
			if _, ok := p.SQL[m.Name]; !ok && m.File != "" {
				t.Fatalf("model %s loaded without its SQL", m.Name)
			}
		}
	})
}

// FuzzParseHeader feeds arbitrary model SQL through the header parser:
// errors name the file and a line (or an option), never a panic.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{
		"-- sluice: materialized=incremental unique_key=order_id time_column=updated_at\n-- sluice: partition_by=DATE(updated_at) cluster_by=user_id max_bytes_billed=1000000000\n-- description: x\n-- column order_id: y\n-- assert not_null: order_id, status\n-- assert unique: order_id\n-- assert accepted_values(status): created, paid\n-- assert row_count: min=1 max=1000000\n-- assert relationships(user_id): users.user_id\n-- assert freshness(updated_at): 2d\nSELECT 1",
		"-- sluice: partition_by=TIMESTAMP_TRUNC(ts,HOUR)\n", "-- sluice:\n", "--sluice:a=b=c", "-- assert row_count: min=-1 max=x",
		"-- assert freshness(a): 9223372036854775807d", "-- assert freshness(a): -1h", "\r\n-- description: \x00\r\n",
		"-- sluice: max_bytes_billed=9_223_372_036_854_775_808", "-- column 𝒳: y", "-- assert accepted_values(a):,,,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		lines := strings.Count(sql, "\n") + 1
		base := Model{Name: "m", File: "models/m.sql", Assertions: []Assertion{{Unique: []string{"id"}}}}
		m, o, errs := ParseHeader(base, sql)
		if m.Name != "m" || m.File != "models/m.sql" {
			t.Fatalf("header changed the model's name or file: %+v", m)
		}
		if len(m.Assertions) < 1 || m.Assertions[0].Unique == nil {
			t.Fatalf("header dropped the pipeline.yaml assertions: %+v", m.Assertions)
		}
		for _, e := range errs {
			if e.File != "models/m.sql" || e.Field == "" || e.Msg == "" {
				t.Fatalf("error does not name the file and field: %#v", e)
			}
			if n, ok := strings.CutPrefix(e.Field, "line "); ok {
				if i, err := strconv.Atoi(n); err != nil || i < 1 || i > lines {
					t.Fatalf("error names line %q of a %d-line file", n, lines)
				}
			}
		}
		if len(errs) > 0 {
			return
		}
		if o.PartitionBy != "" {
			if _, _, ok := o.Partition(); !ok {
				t.Fatalf("accepted partition_by %q that Partition cannot read", o.PartitionBy)
			}
		}
		for _, a := range m.Assertions {
			if k := a.kinds(); k != 1 {
				t.Fatalf("header assertion with %d kinds: %+v", k, a)
			}
		}
	})
}

// expandCronField is the reference reading of one cron field (a comma list
// of *, N, N-M, with an optional /step), in wide arithmetic; ok false when
// the field is malformed or out of range.
func expandCronField(p string, lo, hi int) (set uint64, ok bool) {
	for _, item := range strings.Split(p, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := int64(1)
		if hasStep {
			n, err := strconv.ParseInt(stepText, 10, 64)
			if err != nil || n <= 0 {
				return 0, false
			}
			step = n
		}
		a, b := int64(lo), int64(hi)
		if rng != "*" {
			x, y, isRange := strings.Cut(rng, "-")
			xa, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return 0, false
			}
			a, b = xa, xa
			if isRange {
				if b, err = strconv.ParseInt(y, 10, 64); err != nil {
					return 0, false
				}
			} else if hasStep && step > 1 {
				b = int64(hi)
			}
		}
		if a < int64(lo) || b > int64(hi) || a > b {
			return 0, false
		}
		for v := a; v <= b; v += step {
			set |= 1 << uint(v)
			if b-v < step {
				break
			}
		}
	}
	return set, true
}

// FuzzCron checks ParseCron against the reference expansion above and that
// Next returns a later minute that matches.
func FuzzCron(f *testing.F) {
	for _, s := range []string{"0 * * * *", "*/15 2-4 1,15 */2 1-5", "0 0 29 2 *", "0 0 31 2 *", "59/7 * * * 7", "0-59/59 0 1 1 0-7",
		"5 4 * * 0,7", "1-7/2 * * * *", "* * * * 5-7", "0 0 * * 7/2"} {
		f.Add(s)
	}
	from := time.Date(2026, 12, 2, 13, 37, 11, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCron(expr)
		parts := strings.Fields(expr)
		var want [5]uint64
		wantOK := len(parts) == 5
		for i := 0; wantOK && i < 5; i++ {
			hi := cronFields[i].max
			if i == 4 {
				hi = 7
			}
			want[i], wantOK = expandCronField(parts[i], cronFields[i].min, hi)
			if i == 4 && want[i]&(1<<7) != 0 {
				want[i] = want[i]&^(1<<7) | 1 // 7 is Sunday
			}
		}
		if err != nil {
			if !strings.Contains(err.Error(), "cron") {
				t.Fatalf("error does not say cron: %v", err)
			}
			if wantOK {
				t.Fatalf("ParseCron(%q) refused a valid expression: %v", expr, err)
			}
			return
		}
		if !wantOK {
			t.Fatalf("ParseCron(%q) accepted an invalid expression: %+v", expr, c)
		}
		if got := [5]uint64{c.min, c.hour, c.dom, c.month, c.dow}; got != want {
			t.Fatalf("ParseCron(%q) sets %b, want %b", expr, got, want)
		}
		if c.String() != expr {
			t.Fatalf("String() = %q", c.String())
		}
		n := c.Next(from)
		if n.IsZero() {
			return // e.g. 31 February: no match within a year
		}
		if !n.After(from) || n.Second() != 0 || n.Nanosecond() != 0 {
			t.Fatalf("Next(%v) = %v: not a later whole minute", from, n)
		}
		if c.min&(1<<uint(n.Minute())) == 0 || c.hour&(1<<uint(n.Hour())) == 0 || c.month&(1<<uint(n.Month())) == 0 || !c.dayMatches(n) {
			t.Fatalf("Next(%v) = %v does not match %q", from, n, expr)
		}
	})
}
