package ingest

import (
	"strconv"
	"strings"

	"cloud.google.com/go/bigquery"
)

// rowAlloc hands out the memory of one batch's rows, so that typing a
// record costs few allocations (see BENCHMARKS.md "## Ingest"):
//
//   - record text: records are copied into a string arena (a
//     strings.Builder that is only appended to, so every string taken from
//     it stays valid and immutable) instead of one string(b) each; all
//     strings of a record are substrings of its copy;
//   - rows and ValuesSavers are cut from slabs of rowSlab rows;
//   - repeated short strings of a column (enum-like values such as an
//     event type or a country) are boxed into bigquery.Value once per
//     batch; a column whose values do not repeat stops being interned.
//
// The staging path (reuse set) encodes each row before the next record is
// typed, so it reuses one row. A nil *rowAlloc allocates plainly.
type rowAlloc struct {
	reuse  bool
	arena  *strings.Builder
	vals   []bigquery.Value
	savers []bigquery.ValuesSaver
	rec    typed
	intern map[string]bigquery.Value
	stats  []internStat // per column
}

type internStat struct {
	hits, misses int32
	// the column's first few distinct values: compared before the map
	few [internFew]internEntry
	n   int
}

type internEntry struct {
	s string
	v bigquery.Value
}

const (
	rowSlab        = 64
	arenaChunk     = 256 << 10
	arenaMaxRecord = 32 << 10 // larger records get a string of their own
	internMaxLen   = 48
	internMaxSize  = 4096
	internProbe    = 256 // misses before a column's hit rate is judged
	internFew      = 4
)

// str returns b as a string, copied into the arena.
func (a *rowAlloc) str(b []byte) string {
	if a == nil || len(b) > arenaMaxRecord {
		return string(b)
	}
	if a.arena == nil || a.arena.Cap()-a.arena.Len() < len(b) {
		a.arena = new(strings.Builder)
		a.arena.Grow(arenaChunk)
	}
	start := a.arena.Len()
	a.arena.Write(b)
	return a.arena.String()[start:]
}

// typed returns a cleared record with a row of n columns.
func (a *rowAlloc) typed(schema bigquery.Schema) *typed {
	n := len(schema)
	if a == nil {
		return &typed{schema: schema, row: make([]bigquery.Value, n)}
	}
	a.rec = typed{schema: schema}
	if a.reuse {
		if cap(a.vals) < n {
			a.vals = make([]bigquery.Value, n)
		}
		a.rec.row = a.vals[:n:n]
		clear(a.rec.row)
		return &a.rec
	}
	if len(a.vals) < n {
		a.vals = make([]bigquery.Value, n*rowSlab)
	}
	a.rec.row = a.vals[:n:n]
	a.vals = a.vals[n:]
	return &a.rec
}

// saver returns a ValuesSaver from the slab.
func (a *rowAlloc) saver() *bigquery.ValuesSaver {
	if a == nil {
		return new(bigquery.ValuesSaver)
	}
	if len(a.savers) == 0 {
		a.savers = make([]bigquery.ValuesSaver, rowSlab)
	}
	s := &a.savers[0]
	a.savers = a.savers[1:]
	return s
}

// strValue boxes s, the value of column col, sharing the box of an equal
// earlier value of an enum-like column.
func (a *rowAlloc) strValue(col int, s string) bigquery.Value {
	if a == nil || len(s) > internMaxLen {
		return s
	}
	if col >= len(a.stats) {
		a.stats = append(a.stats, make([]internStat, col+1-len(a.stats))...)
	}
	st := &a.stats[col]
	if st.misses >= internProbe && st.misses > st.hits {
		return s // values of this column do not repeat enough
	}
	for i := range st.n {
		if e := &st.few[i]; len(e.s) == len(s) && e.s == s {
			st.hits++
			return e.v
		}
	}
	if v, ok := a.intern[s]; ok {
		st.hits++
		return v
	}
	st.misses++
	if a.intern == nil {
		a.intern = make(map[string]bigquery.Value)
	}
	if len(a.intern) >= internMaxSize {
		return s
	}
	// A copy: s may pin a large record.
	c := strings.Clone(s)
	var v bigquery.Value = c
	a.intern[c] = v
	if st.n < internFew {
		st.few[st.n] = internEntry{c, v}
		st.n++
	}
	return v
}

// lineOrigin returns base, sep and line (e.g. gs://b/o#1:42) from the arena.
func (a *rowAlloc) lineOrigin(base string, sep byte, line int) string {
	var num [24]byte
	n := strconv.AppendInt(append(num[:0], sep), int64(line), 10)
	if a == nil || len(base)+len(n) > arenaMaxRecord {
		return base + string(n)
	}
	if a.arena == nil || a.arena.Cap()-a.arena.Len() < len(base)+len(n) {
		a.arena = new(strings.Builder)
		a.arena.Grow(arenaChunk)
	}
	start := a.arena.Len()
	a.arena.WriteString(base)
	a.arena.Write(n)
	return a.arena.String()[start:]
}
