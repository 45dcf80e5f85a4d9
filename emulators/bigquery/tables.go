package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
)

func validTableID(id string) bool {
	if id == "" || len(id) > 1024 {
		return false
	}
	for _, r := range id {
		if r == '"' || r == '`' || r == '.' || r == '$' || r == '/' || r < ' ' {
			return false
		}
	}
	return true
}

// splitDecorator splits "table$20261101" into table and partition id.
func splitDecorator(id string) (string, string) {
	t, dec, _ := strings.Cut(id, "$")
	return t, dec
}

func (s *Server) insertTable(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	var t bq.Table
	if err := decodeBody(r, &t); err != nil {
		return nil, err
	}
	if t.TableReference == nil || t.TableReference.TableId == "" {
		return nil, invalid("Missing required field: tableReference.tableId")
	}
	t.TableReference.ProjectId, t.TableReference.DatasetId = p, ds
	s.wmu.Lock()
	defer s.wmu.Unlock()
	out, err := s.createTable(r.Context(), p, &t)
	if err != nil {
		return nil, err
	}
	return s.withStats(r.Context(), out), nil
}

// createTable creates a table or view from a Table resource. Callers hold wmu.
func (s *Server) createTable(ctx context.Context, p string, t *bq.Table) (*bq.Table, error) {
	ds, id := t.TableReference.DatasetId, t.TableReference.TableId
	if _, err := s.dataset(p, ds); err != nil {
		return nil, err
	}
	if !validTableID(id) {
		return nil, invalid("Invalid table ID %q.", id)
	}
	s.mu.RLock()
	_, exists := s.tables[tableKey{ds, id}]
	s.mu.RUnlock()
	if exists {
		return nil, errorf(409, "duplicate", "Already Exists: Table %s:%s.%s", p, ds, id)
	}
	if typ, err := tableType(ctx, s.db, ds, id); err != nil {
		return nil, err
	} else if typ != "" {
		return nil, errorf(409, "duplicate", "Already Exists: Table %s:%s.%s", p, ds, id)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var ddl string
	switch {
	case t.View != nil && t.View.Query != "":
		if t.View.UseLegacySql {
			return nil, invalid("Legacy SQL views are not supported by this emulator (view %s)", id)
		}
		stmts, err := bqsql.Translate(t.View.Query, bqsql.Options{DefaultProject: p, DefaultDataset: ds})
		if err != nil {
			return nil, err
		}
		if len(stmts) != 1 || stmts[0].Kind != bqsql.KindQuery {
			return nil, invalidQuery("View %s must be defined by a single query", id)
		}
		ddl = `CREATE VIEW ` + qualified(ds, id) + ` AS ` + stmts[0].SQL
		t.Type = "VIEW"
	case t.MaterializedView != nil || t.ExternalDataConfiguration != nil:
		return nil, invalid("Table %s: materialized views and external tables are not supported by this emulator", id)
	default:
		var fields []*bq.TableFieldSchema
		if t.Schema != nil {
			fields = t.Schema.Fields
		}
		if err := normalizeSchema(fields, ""); err != nil {
			return nil, err
		}
		if len(fields) == 0 {
			// BigQuery allows schemaless tables; DuckDB needs a column. The
			// placeholder is hidden from the schema and dropped when the
			// first column is added.
			ddl = `CREATE TABLE ` + qualified(ds, id) + ` ("_bq_placeholder" BOOLEAN)`
		} else {
			ddl = createTableSQL(ds, id, fields, false)
		}
		if err := checkPartitioning(t); err != nil {
			return nil, err
		}
		t.Type = "TABLE"
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return nil, toAPIError(err)
	}
	now := nowMillis()
	t.CreationTime = now
	t.LastModifiedTime = uint64(now)
	if t.Type == "VIEW" {
		cols, _, err := duckColumns(ctx, tx, ds, id)
		if err != nil {
			return nil, err
		}
		t.Schema = &bq.TableSchema{Fields: schemaFromColumns(cols)}
	}
	if t.Schema == nil {
		t.Schema = &bq.TableSchema{}
	}
	s.decorateTable(t)
	if err := s.saveTable(ctx, tx, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.tables[tableKey{ds, id}] = t
	s.mu.Unlock()
	return t, nil
}

func findField(fields []*bq.TableFieldSchema, name string) *bq.TableFieldSchema {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

func checkPartitioning(t *bq.Table) error {
	var fields []*bq.TableFieldSchema
	if t.Schema != nil {
		fields = t.Schema.Fields
	}
	if tp := t.TimePartitioning; tp != nil {
		switch tp.Type {
		case "", "DAY", "HOUR", "MONTH", "YEAR":
			if tp.Type == "" {
				tp.Type = "DAY"
			}
		default:
			return invalid("Invalid timePartitioning.type %q", tp.Type)
		}
		if tp.Field != "" {
			f := findField(fields, tp.Field)
			if f == nil {
				return &apiError{Code: 400, Reason: "invalid", Location: tp.Field, Message: fmt.Sprintf("The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: missing field %s", tp.Field)}
			}
			if f.Type != "TIMESTAMP" && f.Type != "DATE" && f.Type != "DATETIME" {
				return &apiError{Code: 400, Reason: "invalid", Location: tp.Field, Message: fmt.Sprintf("The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: %s", f.Type)}
			}
		}
	}
	if rp := t.RangePartitioning; rp != nil {
		f := findField(fields, rp.Field)
		if f == nil || f.Type != "INTEGER" {
			return &apiError{Code: 400, Reason: "invalid", Location: rp.Field, Message: fmt.Sprintf("Range partitioning field %q must be a top-level INTEGER column", rp.Field)}
		}
	}
	if c := t.Clustering; c != nil {
		if len(c.Fields) > 4 {
			return invalid("Too many clustering fields: %d, only 4 are allowed", len(c.Fields))
		}
		for _, name := range c.Fields {
			if findField(fields, name) == nil {
				return &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("The field specified for clustering cannot be found in the schema: %s", name)}
			}
		}
	}
	return nil
}

// withStats copies t and fills numRows/numBytes from DuckDB.
func (s *Server) withStats(ctx context.Context, t *bq.Table) *bq.Table {
	cp := *t
	if cp.Type == "TABLE" || cp.Type == "" {
		var n int64
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+qualified(t.TableReference.DatasetId, t.TableReference.TableId)).Scan(&n); err == nil {
			cp.NumRows = uint64(n)
			cp.NumBytes = n * rowWidth(t.Schema.Fields)
			cp.ForceSendFields = append(cp.ForceSendFields, "NumRows", "NumBytes")
		}
	}
	return &cp
}

// rowWidth estimates the bytes of one row (BigQuery's data size rules, with
// 16 bytes assumed per string, bytes and JSON value).
func rowWidth(fields []*bq.TableFieldSchema) int64 {
	var n int64
	for _, f := range fields {
		var w int64
		switch f.Type {
		case "BOOLEAN":
			w = 1
		case "INTEGER", "FLOAT", "TIMESTAMP", "DATE", "DATETIME", "TIME":
			w = 8
		case "NUMERIC", "INTERVAL":
			w = 16
		case "BIGNUMERIC":
			w = 32
		case "RECORD":
			w = rowWidth(f.Fields)
		default:
			w = 16
		}
		if f.Mode == "REPEATED" {
			w *= 2
		}
		n += w
	}
	if n == 0 {
		n = 1
	}
	return n
}

func (s *Server) getTable(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	id, _ := splitDecorator(r.PathValue("t"))
	if _, err := s.dataset(p, ds); err != nil {
		return nil, err
	}
	s.mu.RLock()
	t := s.tables[tableKey{ds, id}]
	s.mu.RUnlock()
	if t == nil {
		return nil, notFound("Table %s:%s.%s", p, ds, id)
	}
	out := s.withStats(r.Context(), t)
	if sel := r.URL.Query().Get("selectedFields"); sel != "" && out.Schema != nil {
		var keep []*bq.TableFieldSchema
		for _, name := range strings.Split(sel, ",") {
			if f := findField(out.Schema.Fields, strings.TrimSpace(name)); f != nil {
				keep = append(keep, f)
			}
		}
		out.Schema = &bq.TableSchema{Fields: keep}
	}
	return out, nil
}

func (s *Server) listTables(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	if _, err := s.dataset(p, ds); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var ts []*bq.Table
	for k, t := range s.tables {
		if k.dataset == ds {
			ts = append(ts, t)
		}
	}
	s.mu.RUnlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i].TableReference.TableId < ts[j].TableReference.TableId })
	items := make([]*bq.TableListTables, 0, len(ts))
	for _, t := range ts {
		items = append(items, &bq.TableListTables{
			Kind: "bigquery#table", Id: t.Id, Type: t.Type, Labels: t.Labels, FriendlyName: t.FriendlyName,
			CreationTime: t.CreationTime, ExpirationTime: t.ExpirationTime, TimePartitioning: t.TimePartitioning,
			RangePartitioning: t.RangePartitioning, Clustering: t.Clustering,
			TableReference: &bq.TableReference{ProjectId: p, DatasetId: ds, TableId: t.TableReference.TableId},
		})
	}
	page, next, err := page(items, r)
	if err != nil {
		return nil, err
	}
	return &bq.TableList{Kind: "bigquery#tableList", Tables: page, NextPageToken: next, TotalItems: int64(len(items))}, nil
}

func (s *Server) deleteTable(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	id, dec := splitDecorator(r.PathValue("t"))
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.dataset(p, ds); err != nil {
		return nil, err
	}
	s.mu.RLock()
	t := s.tables[tableKey{ds, id}]
	s.mu.RUnlock()
	if t == nil {
		return nil, notFound("Table %s:%s.%s", p, ds, id)
	}
	ctx := r.Context()
	if dec != "" {
		cond, err := partitionCondition(t, dec)
		if err != nil {
			return nil, err
		}
		_, err = s.db.ExecContext(ctx, `DELETE FROM `+qualified(ds, id)+` WHERE `+cond)
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	kind := "TABLE"
	if t.Type == "VIEW" {
		kind = "VIEW"
	}
	if _, err := tx.ExecContext(ctx, `DROP `+kind+` IF EXISTS `+qualified(ds, id)); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+metaSchema+`.tables WHERE dataset = ? AND tbl = ?`, ds, id); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.tables, tableKey{ds, id})
	delete(s.dedup, tableKey{ds, id})
	s.mu.Unlock()
	return nil, nil
}

// partitionCondition is the SQL predicate selecting one partition of a
// partitioned table, from a decorator such as 20261101, 2026110112 (HOUR),
// 202611 (MONTH), 2026 (YEAR), __NULL__, or an integer-range start.
func partitionCondition(t *bq.Table, dec string) (string, error) {
	if tp := t.TimePartitioning; tp != nil {
		col := `"_PARTITIONTIME"`
		if tp.Field == "" {
			return "", invalid("Partition decorator %s: ingestion-time partitioned tables (no partitioning field) are not supported by this emulator", dec)
		}
		col = quoteIdent(tp.Field)
		if dec == "__NULL__" {
			return col + " IS NULL", nil
		}
		layouts := map[string]struct {
			n    int
			unit string
			fmt  string
		}{
			"DAY": {8, "day", "%Y%m%d"}, "HOUR": {10, "hour", "%Y%m%d%H"}, "MONTH": {6, "month", "%Y%m"}, "YEAR": {4, "year", "%Y"},
		}
		typ := tp.Type
		if typ == "" {
			typ = "DAY"
		}
		l := layouts[typ]
		if len(dec) != l.n {
			return "", invalid("Invalid partition decorator %q for %s partitioning of table %s", dec, typ, t.TableReference.TableId)
		}
		if _, err := strconv.Atoi(dec); err != nil {
			return "", invalid("Invalid partition decorator %q", dec)
		}
		return fmt.Sprintf("strftime(date_trunc('%s', %s), '%s') = '%s'", l.unit, col, l.fmt, dec), nil
	}
	if rp := t.RangePartitioning; rp != nil && rp.Range != nil {
		start, err := strconv.ParseInt(dec, 10, 64)
		if err != nil {
			return "", invalid("Invalid partition decorator %q", dec)
		}
		return fmt.Sprintf("%s >= %d AND %s < %d", quoteIdent(rp.Field), start, quoteIdent(rp.Field), start+rp.Range.Interval), nil
	}
	return "", invalid("Cannot use partition decorator %q on non-partitioned table %s", dec, t.TableReference.TableId)
}

func (s *Server) patchTable(w http.ResponseWriter, r *http.Request) (any, error) {
	p, ds := r.PathValue("p"), r.PathValue("d")
	id, _ := splitDecorator(r.PathValue("t"))
	var raw map[string]json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		return nil, err
	}
	var upd bq.Table
	body, _ := json.Marshal(raw)
	if err := json.Unmarshal(body, &upd); err != nil {
		return nil, invalid("Invalid table resource: %v", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.dataset(p, ds); err != nil {
		return nil, err
	}
	s.mu.RLock()
	old := s.tables[tableKey{ds, id}]
	s.mu.RUnlock()
	if old == nil {
		return nil, notFound("Table %s:%s.%s", p, ds, id)
	}
	if et := r.Header.Get("If-Match"); et != "" && et != old.Etag {
		return nil, errorf(412, "conditionNotMet", "Precondition check failed.")
	}
	t := *old
	put := r.Method == http.MethodPut
	has := func(k string) bool { _, ok := raw[k]; return ok }
	if has("description") || put {
		t.Description = upd.Description
	}
	if has("friendlyName") || put {
		t.FriendlyName = upd.FriendlyName
	}
	if has("expirationTime") || put {
		t.ExpirationTime = upd.ExpirationTime
	}
	if has("labels") || put {
		var l map[string]*string
		json.Unmarshal(raw["labels"], &l)
		m := map[string]string{}
		if !put {
			for a, b := range old.Labels {
				m[a] = b
			}
		}
		for a, b := range l {
			if b == nil {
				delete(m, a)
			} else {
				m[a] = *b
			}
		}
		t.Labels = m
	}
	if has("clustering") {
		t.Clustering = upd.Clustering
	}
	if has("requirePartitionFilter") {
		t.RequirePartitionFilter = upd.RequirePartitionFilter
	}
	if has("timePartitioning") && upd.TimePartitioning != nil {
		t.TimePartitioning = upd.TimePartitioning
	}
	ctx := r.Context()
	var ddl []string
	if has("schema") && upd.Schema != nil && t.Type != "VIEW" {
		if err := normalizeSchema(upd.Schema.Fields, ""); err != nil {
			return nil, err
		}
		var err error
		ddl, err = schemaChange(ds, id, old.Schema.Fields, upd.Schema.Fields, "")
		if err != nil {
			return nil, err
		}
		if len(old.Schema.Fields) == 0 && len(upd.Schema.Fields) > 0 {
			ddl = append(ddl, `ALTER TABLE `+qualified(ds, id)+` DROP COLUMN "_bq_placeholder"`)
		}
		t.Schema = upd.Schema
	}
	if has("view") && upd.View != nil && t.Type == "VIEW" {
		stmts, err := bqsql.Translate(upd.View.Query, bqsql.Options{DefaultProject: p, DefaultDataset: ds})
		if err != nil {
			return nil, err
		}
		if len(stmts) != 1 || stmts[0].Kind != bqsql.KindQuery {
			return nil, invalidQuery("View %s must be defined by a single query", id)
		}
		ddl = append(ddl, `CREATE OR REPLACE VIEW `+qualified(ds, id)+` AS `+stmts[0].SQL)
		t.View = upd.View
	}
	if err := checkPartitioning(&t); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, q := range ddl {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, invalid("Schema update of %s failed: %v", id, err)
		}
	}
	if t.Type == "VIEW" && len(ddl) > 0 {
		cols, _, err := duckColumns(ctx, tx, ds, id)
		if err != nil {
			return nil, err
		}
		t.Schema = &bq.TableSchema{Fields: schemaFromColumns(cols)}
	}
	t.LastModifiedTime = uint64(nowMillis())
	s.decorateTable(&t)
	if err := s.saveTable(ctx, tx, &t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.tables[tableKey{ds, id}] = &t
	s.mu.Unlock()
	return s.withStats(ctx, &t), nil
}

// schemaChange checks that next only adds NULLABLE/REPEATED fields (at any
// depth) or relaxes REQUIRED to NULLABLE, and returns the DDL doing it.
func schemaChange(ds, id string, old, next []*bq.TableFieldSchema, path string) ([]string, error) {
	var ddl []string
	for _, o := range old {
		n := findField(next, o.Name)
		name := path + o.Name
		if n == nil {
			return nil, &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Provided Schema does not match Table %s. Field %s is missing in new schema", id, name)}
		}
		if n.Type != o.Type && !(o.Type == "NUMERIC" && n.Type == "BIGNUMERIC") {
			return nil, &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Provided Schema does not match Table %s. Field %s has changed type from %s to %s", id, name, o.Type, n.Type)}
		}
		om, nm := modeOf(o), modeOf(n)
		if om != nm && !(om == "REQUIRED" && nm == "NULLABLE") {
			return nil, &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Provided Schema does not match Table %s. Field %s has changed mode from %s to %s", id, name, om, nm)}
		}
		if o.Type == "RECORD" {
			if om == "REPEATED" && len(n.Fields) != len(o.Fields) {
				return nil, &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Adding fields to repeated record %s is not supported by this emulator", name)}
			}
			sub, err := schemaChange(ds, id, o.Fields, n.Fields, name+".")
			if err != nil {
				return nil, err
			}
			ddl = append(ddl, sub...)
		}
	}
	for _, n := range next {
		if findField(old, n.Name) != nil {
			continue
		}
		name := path + n.Name
		if modeOf(n) == "REQUIRED" {
			return nil, &apiError{Code: 400, Reason: "invalid", Location: name, Message: fmt.Sprintf("Provided Schema does not match Table %s. Cannot add required field %s", id, name)}
		}
		col := ""
		for i, part := range strings.Split(name, ".") {
			if i > 0 {
				col += "."
			}
			col += quoteIdent(part)
		}
		ddl = append(ddl, `ALTER TABLE `+qualified(ds, id)+` ADD COLUMN `+col+` `+duckType(n))
	}
	return ddl, nil
}

func modeOf(f *bq.TableFieldSchema) string {
	if f.Mode == "" {
		return "NULLABLE"
	}
	return f.Mode
}
