package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
)

// Schema handling.
//
// Declared schema (pipeline.yaml lists fields): the raw table has exactly
// those columns plus the metadata columns; a field the schema does not
// declare is kept, as JSON, in _extra (top level, or "a.b" for a nested
// key). Nothing evolves: the schema is the contract.
//
// Inferred schema (no fields declared): the first records decide the
// columns, and later records evolve the table additively:
//   - a new key adds a NULLABLE column (tables.patch) before the insert;
//   - a new key inside an object adds a NULLABLE sub-field of the RECORD;
//   - types: string → STRING (TIMESTAMP when it is RFC 3339), integral
//     number → INT64, other number → FLOAT64, bool → BOOL, object → RECORD,
//     array → REPEATED of the first non-null element's type; null, {} and
//     [] add nothing until a typed value arrives; arrays of arrays are kept
//     as JSON text in a STRING column;
//   - widening: a non-integral number for a top-level INT64 column changes
//     the column to FLOAT64 (ALTER COLUMN SET DATA TYPE); an integer always
//     fits a FLOAT64 column; any scalar fits a STRING column as its text;
//     anything else that does not fit is rejected (schema_mismatch, e.g.
//     `field amount: want INT64, got string "abc"`).
//   - CSV sources have no types: inferred CSV columns are STRING.
//
// Field names are sanitised to BigQuery's rules: every character outside
// [A-Za-z0-9_] becomes "_"; a name starting with a digit, or (top level)
// with "_" (the metadata namespace) or a reserved prefix (_TABLE_, _FILE_,
// _PARTITION, _ROW_TIMESTAMP, __ROOT__, _COLPH_) gets the prefix "f_"; names
// are cut at 300 bytes. Column names are case-insensitive, so when two keys
// map to the same name the later one gets "_2", "_3", …. The original key
// is kept in the column description ("source field: <key>"), which is where
// the mapping is read back from, so it survives restarts.

const descPrefix = "source field: "

// level is one object level of a table schema: its fields and how source
// keys map onto them.
type level struct {
	fields bigquery.Schema
	byKey  map[string]int // source key → field index
	keys   []string       // field index → source key ("" for none)
	used   map[string]bool
	sub    []*level // per field: the RECORD's level, else nil
}

func newLevel(fields bigquery.Schema, inferred bool) *level {
	lv := &level{fields: fields, byKey: make(map[string]int, len(fields)), used: make(map[string]bool, len(fields)), sub: make([]*level, len(fields)), keys: make([]string, len(fields))}
	for i, f := range fields {
		lv.used[strings.ToLower(f.Name)] = true
		key := f.Name
		if inferred && strings.HasPrefix(f.Description, descPrefix) {
			key = strings.TrimPrefix(f.Description, descPrefix)
		} else if metaCols[f.Name] {
			continue // metadata columns are ingest's, never a source key's
		}
		lv.byKey[key] = i
		lv.keys[i] = key
		if f.Type == bigquery.RecordFieldType {
			lv.sub[i] = newLevel(f.Schema, inferred)
		}
	}
	return lv
}

var reservedPrefixes = []string{"_table_", "_file_", "_partition", "_row_timestamp", "__root__", "_colph_"}

// sanitize maps a source key to a valid BigQuery column name.
func sanitize(key string, top bool) string {
	b := make([]byte, 0, len(key)+2)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b = append(b, c)
		} else {
			b = append(b, '_')
			// one "_" per multi-byte rune
			if c >= 0x80 {
				for i+1 < len(key) && key[i+1]&0xC0 == 0x80 {
					i++
				}
			}
		}
	}
	name := string(b)
	if name == "" {
		name = "f_"
	}
	lower := strings.ToLower(name)
	prefix := name[0] >= '0' && name[0] <= '9'
	if top && name[0] == '_' {
		prefix = true
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lower, p) {
			prefix = true
		}
	}
	if prefix {
		name = "f_" + name
	}
	if len(name) > 300 {
		name = name[:300]
	}
	return name
}

// assign picks the column name for a new key at this level.
func (lv *level) assign(key string, top bool) string {
	base := sanitize(key, top)
	name := base
	for n := 2; lv.used[strings.ToLower(name)]; n++ {
		sfx := "_" + strconv.Itoa(n)
		if len(base)+len(sfx) > 300 {
			base = base[:300-len(sfx)]
		}
		name = base + sfx
	}
	return name
}

// inferField returns the schema of a value, or nil when the value says
// nothing about its type yet (null, {}, []).
func inferField(name, key string, v any, csv bool) *bigquery.FieldSchema {
	fs := &bigquery.FieldSchema{Name: name, Description: descPrefix + key}
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		fs.Type = bigquery.StringFieldType
		if !csv && looksLikeTimestamp(x) {
			fs.Type = bigquery.TimestampFieldType
		}
	case json.Number:
		fs.Type = bigquery.FloatFieldType
		if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			fs.Type = bigquery.IntegerFieldType
		}
	case bool:
		fs.Type = bigquery.BooleanFieldType
	case map[string]any:
		lv := newLevel(nil, true)
		for _, k := range sortedKeys(x) {
			col := lv.assign(k, false)
			if sub := inferField(col, k, x[k], csv); sub != nil {
				lv.add(sub, k)
			}
		}
		if len(lv.fields) == 0 {
			return nil
		}
		fs.Type = bigquery.RecordFieldType
		fs.Schema = lv.fields
	case []any:
		for _, e := range x {
			if _, nested := e.([]any); nested {
				fs.Type = bigquery.StringFieldType
				return fs
			}
			if el := inferField(name, key, e, csv); el != nil {
				el.Repeated = true
				return el
			}
		}
		return nil
	default:
		return nil
	}
	return fs
}

func (lv *level) add(f *bigquery.FieldSchema, key string) {
	lv.fields = append(lv.fields, f)
	lv.byKey[key] = len(lv.fields) - 1
	lv.used[strings.ToLower(f.Name)] = true
	var sub *level
	if f.Type == bigquery.RecordFieldType {
		sub = newLevel(f.Schema, true)
	}
	lv.sub = append(lv.sub, sub)
}

func looksLikeTimestamp(s string) bool {
	if len(s) < 20 || len(s) > 40 || s[4] != '-' || s[10] != 'T' {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// extend returns the fields grown to hold obj (nil when nothing changes)
// and the top-level columns that must widen to FLOAT64.
func extend(lv *level, kvs []member, csv bool) (bigquery.Schema, []string) {
	var grown bigquery.Schema
	var widen []string
	cp := func() {
		if grown == nil {
			grown = append(bigquery.Schema{}, lv.fields...)
		}
	}
	work := &level{fields: lv.fields, byKey: lv.byKey, used: lv.used, sub: lv.sub}
	for _, m := range kvs {
		i, ok := work.byKey[m.key]
		if !ok {
			if f := inferField(work.assign(m.key, true), m.key, m.value(), csv); f != nil {
				cp()
				work.byKey = cloneMap(work.byKey)
				work.used = cloneMap(work.used)
				grown = append(grown, f)
				work.fields = grown
				work.byKey[m.key] = len(grown) - 1
				work.used[strings.ToLower(f.Name)] = true
				work.sub = append(append([]*level{}, work.sub...), nil)
			}
			continue
		}
		f := work.fields[i]
		switch {
		case f.Type == bigquery.IntegerFieldType && !f.Repeated && isFraction(m.value()):
			widen = append(widen, f.Name)
			cp()
			nf := *f
			nf.Type = bigquery.FloatFieldType
			grown[i] = &nf
		case f.Type == bigquery.RecordFieldType && work.sub[i] != nil:
			if sub := extendValue(work.sub[i], f, m.value(), csv); sub != nil {
				cp()
				nf := *f
				nf.Schema = sub
				grown[i] = &nf
			}
		}
	}
	return grown, widen
}

// extendValue grows a RECORD's sub-fields for the keys of v (an object or
// an array of objects).
func extendValue(lv *level, f *bigquery.FieldSchema, v any, csv bool) bigquery.Schema {
	var objs []map[string]any
	switch x := v.(type) {
	case map[string]any:
		objs = append(objs, x)
	case []any:
		for _, e := range x {
			if o, ok := e.(map[string]any); ok {
				objs = append(objs, o)
			}
		}
	}
	var out bigquery.Schema
	cur := lv
	for _, o := range objs {
		kvs := make([]member, 0, len(o))
		for _, k := range sortedKeys(o) {
			kvs = append(kvs, member{key: k, val: o[k]})
		}
		// nested: sanitise as a nested level (no "_" prefix rule)
		grown := extendNested(cur, kvs, csv)
		if grown != nil {
			out = grown
			cur = newLevel(grown, true)
		}
	}
	return out
}

func extendNested(lv *level, kvs []member, csv bool) bigquery.Schema {
	var grown bigquery.Schema
	work := newLevel(lv.fields, true)
	for _, m := range kvs {
		i, ok := work.byKey[m.key]
		if !ok {
			if f := inferField(work.assign(m.key, false), m.key, m.value(), csv); f != nil {
				work.add(f, m.key)
				grown = work.fields
			}
			continue
		}
		f := work.fields[i]
		if f.Type == bigquery.RecordFieldType && work.sub[i] != nil {
			if sub := extendValue(work.sub[i], f, m.value(), csv); sub != nil {
				nf := *f
				nf.Schema = sub
				work.fields = append(bigquery.Schema{}, work.fields...)
				work.fields[i] = &nf
				grown = work.fields
			}
		}
	}
	return grown
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func isFraction(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := strconv.ParseInt(string(n), 10, 64)
	return err != nil
}

// table is what the Lander knows about one raw table.
type table struct {
	src      *config.Source
	dataset  string
	inferred bool
	snap     atomic.Pointer[tableSnap]
	mu       sync.Mutex   // serialises schema changes
	rw       sync.RWMutex // inserts (read) against schema changes (write)
}

type tableSnap struct {
	schema bigquery.Schema
	top    *level
	etag   string
	// required: the REQUIRED columns a record must fill (not metadata)
	required []int
	// meta: the index of each of metaOrder's columns, -1 when missing
	meta [len(metaOrder)]int
	// eventIDCol, eventTimeCol: the columns of the source's event id and
	// event time fields, -1 when none
	eventIDCol, eventTimeCol int
}

var metaOrder = [...]string{colEventID, colSource, colEventTime, colIngestedAt, colOrigin}

func (t *table) store(md *bigquery.TableMetadata) {
	snap := &tableSnap{schema: md.Schema, top: newLevel(md.Schema, t.inferred), etag: md.ETag}
	for i, f := range md.Schema {
		if f.Required && !metaCols[f.Name] {
			snap.required = append(snap.required, i)
		}
	}
	for k, name := range metaOrder {
		snap.meta[k] = -1
		for i := len(md.Schema) - 1; i >= 0; i-- {
			if md.Schema[i].Name == name {
				snap.meta[k] = i
				break
			}
		}
	}
	snap.eventIDCol, snap.eventTimeCol = -1, -1
	if i, ok := snap.top.byKey[t.src.EventIDField]; ok && t.src.EventIDField != "" {
		snap.eventIDCol = i
	}
	if i, ok := snap.top.byKey[t.src.EventTimeField]; ok && t.src.EventTimeField != "" {
		snap.eventTimeCol = i
	}
	t.snap.Store(snap)
}

// evolve grows the table for a record's members: under the table's lock
// it works out the change against the current snapshot (another delivery
// may have grown it meanwhile) and applies it.
func (l *Lander) evolve(ctx context.Context, t *table, ms []member, csv bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	grown, widen := extend(t.snap.Load().top, ms, csv)
	if grown == nil && len(widen) == 0 {
		return nil
	}
	t.rw.Lock()
	defer t.rw.Unlock()
	tbl := l.BigQuery.Dataset(t.dataset).Table(t.src.Name)
	for _, col := range widen {
		q := l.BigQuery.Query(fmt.Sprintf("ALTER TABLE `%s.%s` ALTER COLUMN `%s` SET DATA TYPE FLOAT64", t.dataset, t.src.Name, col))
		job, err := q.Run(ctx)
		if err == nil {
			var st *bigquery.JobStatus
			if st, err = job.Wait(ctx); err == nil {
				err = st.Err()
			}
		}
		if err != nil {
			return fmt.Errorf("widen %s.%s.%s to FLOAT64: %w", t.dataset, t.src.Name, col, err)
		}
	}
	md, err := tbl.Metadata(ctx)
	if err != nil {
		return fmt.Errorf("bigquery.Table(%s).Metadata: %w", t.src.Name, err)
	}
	// Keep the widened types, add the new columns.
	merged := mergeSchema(md.Schema, grown)
	if len(merged) != len(md.Schema) || schemaChanged(md.Schema, merged) {
		md, err = tbl.Update(ctx, bigquery.TableMetadataToUpdate{Schema: merged}, md.ETag)
		if err != nil {
			return fmt.Errorf("bigquery.Table(%s.%s).Update (add columns): %w", t.dataset, t.src.Name, err)
		}
	}
	t.store(md)
	return nil
}

// mergeSchema adds to have every field of want it lacks (recursively).
func mergeSchema(have, want bigquery.Schema) bigquery.Schema {
	out := append(bigquery.Schema{}, have...)
	idx := map[string]int{}
	for i, f := range out {
		idx[strings.ToLower(f.Name)] = i
	}
	for _, w := range want {
		i, ok := idx[strings.ToLower(w.Name)]
		if !ok {
			nf := *w
			nf.Required = false
			out = append(out, &nf)
			continue
		}
		if out[i].Type == bigquery.RecordFieldType && w.Type == bigquery.RecordFieldType {
			sub := mergeSchema(out[i].Schema, w.Schema)
			if len(sub) != len(out[i].Schema) || schemaChanged(out[i].Schema, sub) {
				nf := *out[i]
				nf.Schema = sub
				out[i] = &nf
			}
		}
	}
	return out
}

func schemaChanged(a, b bigquery.Schema) bool {
	if len(a) != len(b) {
		return true
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type || schemaChanged(a[i].Schema, b[i].Schema) {
			return true
		}
	}
	return false
}

func sameSchema(a, b bigquery.Schema) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// conform moves a row typed against schema from onto schema to, by name;
// fields to has and from lacks are NULL.
func conform(row []bigquery.Value, from, to bigquery.Schema) []bigquery.Value {
	idx := make(map[string]int, len(from))
	for i, f := range from {
		idx[strings.ToLower(f.Name)] = i
	}
	out := make([]bigquery.Value, len(to))
	for i, f := range to {
		j, ok := idx[strings.ToLower(f.Name)]
		if !ok || j >= len(row) || row[j] == nil {
			continue
		}
		v := row[j]
		if f.Type == bigquery.RecordFieldType && from[j].Type == bigquery.RecordFieldType {
			if f.Repeated {
				if arr, ok := v.([]bigquery.Value); ok {
					na := make([]bigquery.Value, len(arr))
					for k, e := range arr {
						if r, ok := e.([]bigquery.Value); ok {
							na[k] = conform(r, from[j].Schema, f.Schema)
						}
					}
					v = na
				}
			} else if r, ok := v.([]bigquery.Value); ok {
				v = conform(r, from[j].Schema, f.Schema)
			}
		}
		out[i] = v
	}
	return out
}
