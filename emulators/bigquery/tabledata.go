package bigquery

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
	bq "google.golang.org/api/bigquery/v2"
)

// idSet remembers the most recent insertIds of a table (best-effort
// de-duplication, as BigQuery documents it), as 128-bit hashes. An
// insertAll request claims its ids (one map operation per row) before it
// appends, and then commits them to the window or releases them if the
// append failed.
type idSet struct {
	seen map[idKey]struct{}
	ring []idKey
	next int
}

const dedupWindow = 1 << 20

// claim adds id and reports false if it was already there.
func (s *idSet) claim(id idKey) bool {
	n := len(s.seen)
	s.seen[id] = struct{}{}
	return len(s.seen) != n
}

// release forgets ids claimed by a request that was not written.
func (s *idSet) release(ids []idKey) {
	for _, id := range ids {
		delete(s.seen, id)
	}
}

// commit records claimed ids in the window, forgetting the oldest.
func (s *idSet) commit(ids []idKey) {
	for _, id := range ids {
		if len(s.ring) < dedupWindow {
			s.ring = append(s.ring, id)
			continue
		}
		delete(s.seen, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % dedupWindow
	}
}

type insertAllRequest struct {
	Rows                []insertAllRow `json:"rows"`
	SkipInvalidRows     bool           `json:"skipInvalidRows"`
	IgnoreUnknownValues bool           `json:"ignoreUnknownValues"`
	TemplateSuffix      string         `json:"templateSuffix"`
}

type insertAllRow = struct {
	InsertID string         `json:"insertId"`
	JSON     map[string]any `json:"json"`
}

// decodeInsertAll decodes an insertAll body with the fast parser, falling
// back to encoding/json (and its error messages) for anything unusual.
func decodeInsertAll(body []byte) (*insertAllRequest, error) {
	if v, err := parseJSONFast(body); err == nil {
		if req, ok := insertAllFromAny(v); ok {
			return req, nil
		}
	}
	var req insertAllRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil && err != io.EOF {
		return nil, invalid("Invalid JSON payload received: %v", err)
	}
	return &req, nil
}

func insertAllFromAny(v any) (*insertAllRequest, bool) {
	top, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	req := &insertAllRequest{}
	for k, x := range top {
		switch k {
		case "rows":
			list, ok := x.([]any)
			if !ok && x != nil {
				return nil, false
			}
			req.Rows = make([]insertAllRow, len(list))
			for i, it := range list {
				rm, ok := it.(map[string]any)
				if !ok {
					return nil, false
				}
				for rk, rv := range rm {
					switch rk {
					case "insertId":
						if rv == nil {
							continue
						}
						s, ok := rv.(string)
						if !ok {
							return nil, false
						}
						req.Rows[i].InsertID = s
					case "json":
						if rv == nil {
							continue
						}
						m, ok := rv.(map[string]any)
						if !ok {
							return nil, false
						}
						req.Rows[i].JSON = m
					default:
						if !isCanonicalKey(rk, "insertId", "json") {
							return nil, false
						}
					}
				}
			}
		case "skipInvalidRows", "ignoreUnknownValues":
			if x == nil {
				continue
			}
			b, ok := x.(bool)
			if !ok {
				return nil, false
			}
			if k == "skipInvalidRows" {
				req.SkipInvalidRows = b
			} else {
				req.IgnoreUnknownValues = b
			}
		case "templateSuffix":
			if x == nil {
				continue
			}
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			req.TemplateSuffix = s
		default:
			// encoding/json matches struct fields case-insensitively: let
			// it handle keys that differ from the canonical ones only in case.
			if !isCanonicalKey(k, "rows", "skipInvalidRows", "ignoreUnknownValues", "templateSuffix") {
				return nil, false
			}
		}
	}
	return req, true
}

// isCanonicalKey reports false when k matches one of names only
// case-insensitively (encoding/json would bind it); unrelated keys are fine.
func isCanonicalKey(k string, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(k, n) {
			return false
		}
	}
	return true
}

type insertErrorItem struct {
	Reason   string `json:"reason"`
	Location string `json:"location"`
	Message  string `json:"message"`
}

type insertError struct {
	Index  int               `json:"index"`
	Errors []insertErrorItem `json:"errors"`
}

type insertAllResponse struct {
	Kind         string        `json:"kind"`
	InsertErrors []insertError `json:"insertErrors,omitempty"`
}

func (s *Server) insertAll(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	id, dec := splitDecorator(r.PathValue("t"))
	body, err := s.readInsertAllBody(w, r)
	if err != nil {
		return nil, err
	}
	defer putBody(body)
	key := tableKey{ds, id}
	s.mu.RLock()
	t := s.tables[key]
	s.mu.RUnlock()
	var req *insertAllParsed
	if t != nil && t.Type != "VIEW" && dec == "" {
		req, _ = parseInsertAllFast(body, t.Schema.Fields)
	}
	if req == nil {
		gen, err := decodeInsertAll(body)
		if err != nil {
			return nil, err
		}
		req = &insertAllParsed{
			rows:                make([]insertRow, len(gen.Rows)),
			skipInvalidRows:     gen.SkipInvalidRows,
			ignoreUnknownValues: gen.IgnoreUnknownValues,
			templateSuffix:      gen.TemplateSuffix,
		}
		for i, rw := range gen.Rows {
			req.rows[i] = insertRow{m: rw.JSON}
			if rw.InsertID != "" {
				req.rows[i].id, req.rows[i].hasID = hashID(rw.InsertID), true
			}
		}
	}
	if req.templateSuffix != "" {
		return nil, invalid("templateSuffix is not supported by this emulator (table %s)", id)
	}
	if dec != "" {
		return nil, invalid("Streaming to a partition decorator (%s$%s) is not supported by this emulator", id, dec)
	}
	if _, err := s.dataset(p, ds); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, notFound("Table %s:%s.%s", p, ds, id)
	}
	if t.Type == "VIEW" {
		return nil, invalid("Cannot insert rows into view %s:%s.%s", p, ds, id)
	}
	if len(req.rows) == 0 {
		return nil, invalid("No rows present in the request.")
	}
	if err := s.limits.checkInsertAllRows(len(req.rows)); err != nil {
		return nil, err
	}
	fields := t.Schema.Fields
	nf := len(fields)
	names := make([]string, nf)
	for i, f := range fields {
		names[i] = f.Name
	}
	oversized := s.limits.oversizedRows(len(body), req.rows, names)
	slab := make([]driver.Value, len(req.rows)*nf)
	vals := make([][]driver.Value, len(req.rows))
	var errs []insertError
	for i, rw := range req.rows {
		out := slab[i*nf : (i+1)*nf : (i+1)*nf]
		if e, ok := oversized[i]; ok {
			errs = append(errs, e)
			continue
		}
		var err error
		if rw.m == nil && rw.vals != nil {
			err = decodeSlots(fields, rw.vals, rw.done, req.ignoreUnknownValues, out)
		} else {
			var v []any
			if v, err = decodeRow(fields, rw.m, req.ignoreUnknownValues, ""); err == nil {
				for j, x := range v {
					out[j] = x
				}
			}
		}
		if err != nil {
			fe, _ := err.(*fieldError)
			item := insertErrorItem{Reason: "invalid", Message: err.Error()}
			if fe != nil {
				item.Location = fe.location
			}
			errs = append(errs, insertError{Index: i, Errors: []insertErrorItem{item}})
			continue
		}
		vals[i] = out
	}
	resp := &insertAllResponse{Kind: "bigquery#tableDataInsertAllResponse"}
	if len(errs) > 0 && !req.skipInvalidRows {
		bad := map[int]bool{}
		for _, e := range errs {
			bad[e.Index] = true
		}
		for i := range req.rows {
			if !bad[i] {
				errs = append(errs, insertError{Index: i, Errors: []insertErrorItem{{Reason: "stopped"}}})
			}
		}
		resp.InsertErrors = errs
		return resp, nil
	}
	resp.InsertErrors = errs
	s.wmu.Lock()
	s.mu.Lock()
	set := s.dedup[key]
	if set == nil {
		set = &idSet{seen: map[idKey]struct{}{}}
		s.dedup[key] = set
	}
	s.mu.Unlock()
	batch := vals[:0]
	var ids []idKey
	for i, v := range vals {
		if v == nil {
			continue
		}
		if rw := &req.rows[i]; rw.hasID {
			if !set.claim(rw.id) {
				continue // seen before, or earlier in this request
			}
			if ids == nil {
				ids = make([]idKey, 0, len(vals))
			}
			ids = append(ids, rw.id)
		}
		batch = append(batch, v)
	}
	if err := s.appendInsertRows(key, fields, batch); err != nil {
		set.release(ids)
		s.wmu.Unlock()
		return nil, err
	}
	set.commit(ids)
	g := s.openGenLocked()
	s.wmu.Unlock()
	// Answer only once the rows are committed (see appendcache.go): the
	// caller acknowledges its input on this answer.
	if err := s.awaitCommit(g); err != nil {
		s.wmu.Lock()
		set.release(ids) // not written: a retry must land them
		s.wmu.Unlock()
		return nil, errorf(503, "backendError", "Rows of %s:%s.%s could not be committed; retry the request: %v", p, ds, id, err)
	}
	return resp, nil
}

var bodyPool sync.Pool

// readBody reads a request body into a pooled buffer (insertAll keeps no
// reference to it: every string it keeps is a copy).
func readBody(r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n <= 0 || n > 64<<20 {
		return io.ReadAll(r.Body)
	}
	var buf []byte
	if bp, _ := bodyPool.Get().(*[]byte); bp != nil && int64(cap(*bp)) >= n {
		buf = (*bp)[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(r.Body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func putBody(b []byte) {
	if cap(b) > 0 && cap(b) <= 64<<20 {
		bodyPool.Put(&b)
	}
}

// decodeSlots is decodeRow for a row whose keys were all exactly column
// names (vals holds the raw JSON values in schema order).
func decodeSlots(fields []*bq.TableFieldSchema, vals []any, done uint64, ignoreUnknown bool, out []driver.Value) error {
	for i, f := range fields {
		if done&(1<<i) != 0 {
			out[i] = vals[i]
			continue
		}
		x, err := decodeValue(f, vals[i], ignoreUnknown, f.Name)
		if err != nil {
			return err
		}
		out[i] = x
	}
	return nil
}

// appendOnConn writes decoded rows through a new DuckDB Appender (load
// jobs; insertAll uses the cached appenders of appendcache.go).
func appendOnConn(conn *sql.Conn, ds, table string, fields []*bq.TableFieldSchema, rows [][]any) error {
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.Name
	}
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderWithColumns(dc.(driver.Conn), "", ds, table, cols)
		if err != nil {
			return fmt.Errorf("append to %s.%s: %w", ds, table, err)
		}
		for _, rw := range rows {
			if err := a.AppendRow(toDriverValues(rw)...); err != nil {
				a.Close()
				return invalid("Cannot write row to %s.%s: %v", ds, table, err)
			}
		}
		return a.Close()
	})
}

func toDriverValues(v []any) []driver.Value {
	out := make([]driver.Value, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

// tableDataList is tabledata.list's response.
type tableDataList struct {
	Kind      string `json:"kind"`
	Etag      string `json:"etag,omitempty"`
	TotalRows string `json:"totalRows"`
	PageToken string `json:"pageToken,omitempty"`
	Rows      []row  `json:"rows,omitempty"`
}

func (s *Server) listTableData(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	id, dec := splitDecorator(r.PathValue("t"))
	if dec != "" {
		return nil, invalid("tabledata.list on a partition decorator (%s$%s) is not supported by this emulator", id, dec)
	}
	t, err := s.lookupTable(r.Context(), p, ds, id)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	fields := t.Schema.Fields
	if sel := q.Get("selectedFields"); sel != "" {
		var keep []*bq.TableFieldSchema
		for _, name := range strings.Split(sel, ",") {
			f := findField(fields, strings.TrimSpace(name))
			if f == nil {
				return nil, invalid("selectedFields: no such field %q in table %s", name, id)
			}
			keep = append(keep, f)
		}
		fields = keep
	}
	start, max, err := pageArgs(q.Get("startIndex"), q.Get("pageToken"), q.Get("maxResults"))
	if err != nil {
		return nil, err
	}
	enc := encoder{int64TS: q.Get("formatOptions.useInt64Timestamp") == "true"}
	rows, total, err := s.readRows(r.Context(), s.db, ds, id, fields, start, max, enc)
	if err != nil {
		return nil, err
	}
	out := &tableDataList{Kind: "bigquery#tableDataList", TotalRows: strconv.FormatInt(total, 10), Rows: rows}
	if next := start + int64(len(rows)); next < total && len(rows) > 0 {
		out.PageToken = strconv.FormatInt(next, 10)
	}
	return out, nil
}

const defaultPageRows = 100000

func pageArgs(startIndex, pageToken, maxResults string) (start, max int64, err error) {
	max = defaultPageRows
	if startIndex != "" {
		if start, err = strconv.ParseInt(startIndex, 10, 64); err != nil || start < 0 {
			return 0, 0, invalid("Invalid startIndex %q", startIndex)
		}
	}
	if pageToken != "" {
		if start, err = strconv.ParseInt(pageToken, 10, 64); err != nil || start < 0 {
			return 0, 0, invalid("Invalid page token %q", pageToken)
		}
	}
	if maxResults != "" {
		if max, err = strconv.ParseInt(maxResults, 10, 64); err != nil || max < 0 {
			return 0, 0, invalid("Invalid maxResults %q", maxResults)
		}
	}
	return start, max, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readRows reads one page of a table in the wire format.
func (s *Server) readRows(ctx context.Context, q queryer, ds, table string, fields []*bq.TableFieldSchema, start, max int64, enc encoder) ([]row, int64, error) {
	var total int64
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+qualified(ds, table)).Scan(&total); err != nil {
		return nil, 0, err
	}
	if max == 0 || start >= total || len(fields) == 0 {
		return nil, total, nil
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = quoteIdent(f.Name)
		if hasJSON(f) {
			// the driver hands JSON values over parsed (a JSON string "abc" arrives as abc, 12.50 as 12.5,
			// object keys re-ordered): read the JSON text as DuckDB holds it instead.
			cols[i] = "CAST(" + cols[i] + " AS " + jsonAsText(f) + ")"
		}
	}
	rs, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM %s LIMIT %d OFFSET %d`, strings.Join(cols, ", "), qualified(ds, table), max, start))
	if err != nil {
		return nil, 0, err
	}
	defer rs.Close()
	var out []row
	size := 0 // estimated bytes of the page's rows, kept under the response limit
	vals := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		r := enc.row(fields, vals)
		if size += rowWireSize(r); size > s.limits.ResponseBytes && len(out) > 0 {
			break // the page token (start + len(out)) resumes at this row
		}
		out = append(out, r)
	}
	return out, total, rs.Err()
}
