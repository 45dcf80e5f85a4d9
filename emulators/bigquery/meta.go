package bigquery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// Metadata lives in DuckDB itself, schema _bq_meta, as JSON documents of the
// REST resources, so a file-backed database keeps datasets, table schemas
// (modes, descriptions, nesting), partitioning, clustering, labels and jobs
// across restarts. Query results without a destination table are written to
// schema _bq_anon.
const metaSchema = "_bq_meta"
const anonSchema = "_bq_anon"

func (s *Server) loadMeta(ctx context.Context) error {
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + metaSchema,
		`CREATE SCHEMA IF NOT EXISTS ` + anonSchema,
		`CREATE TABLE IF NOT EXISTS ` + metaSchema + `.datasets (dataset VARCHAR PRIMARY KEY, body VARCHAR)`,
		`CREATE TABLE IF NOT EXISTS ` + metaSchema + `.tables (dataset VARCHAR, tbl VARCHAR, body VARCHAR, PRIMARY KEY (dataset, tbl))`,
		`CREATE TABLE IF NOT EXISTS ` + metaSchema + `.jobs (job_id VARCHAR PRIMARY KEY, created BIGINT, body VARCHAR)`,
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bigquery emulator: init metadata: %w", err)
		}
	}
	load := func(q string, fn func(key []string, body string) error) error {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("bigquery emulator: load metadata: %w", err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]string, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			if err := fn(vals[:len(vals)-1], vals[len(vals)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if err := load(`SELECT dataset, body FROM `+metaSchema+`.datasets`, func(k []string, body string) error {
		var d bq.Dataset
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			return err
		}
		s.datasets[k[0]] = &d
		return nil
	}); err != nil {
		return err
	}
	if err := load(`SELECT dataset, tbl, body FROM `+metaSchema+`.tables`, func(k []string, body string) error {
		var t bq.Table
		if err := json.Unmarshal([]byte(body), &t); err != nil {
			return err
		}
		s.tables[tableKey{k[0], k[1]}] = &t
		return nil
	}); err != nil {
		return err
	}
	return load(`SELECT job_id, body FROM `+metaSchema+`.jobs ORDER BY created`, func(k []string, body string) error {
		var j bq.Job
		if err := json.Unmarshal([]byte(body), &j); err != nil {
			return err
		}
		s.jobs[k[0]] = &jobEntry{job: &j}
		return nil
	})
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Server) saveDataset(ctx context.Context, ex execer, d *bq.Dataset) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, `INSERT OR REPLACE INTO `+metaSchema+`.datasets VALUES (?, ?)`, d.DatasetReference.DatasetId, string(b))
	return err
}

func (s *Server) saveTable(ctx context.Context, ex execer, t *bq.Table) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, `INSERT OR REPLACE INTO `+metaSchema+`.tables VALUES (?, ?, ?)`, t.TableReference.DatasetId, t.TableReference.TableId, string(b))
	return err
}

func (s *Server) saveJob(ctx context.Context, j *bq.Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT OR REPLACE INTO `+metaSchema+`.jobs VALUES (?, ?, ?)`, j.JobReference.JobId, j.Statistics.CreationTime, string(b))
	return err
}

// duckColumns returns the columns of a DuckDB table or view in order, or
// ok=false when it does not exist.
func duckColumns(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, dataset, table string) (cols []duckField, ok bool, err error) {
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND database_name = current_database() ORDER BY column_index`, dataset, table)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, false, err
		}
		n, err := parseDuckType(typ)
		if err != nil {
			return nil, false, err
		}
		cols = append(cols, duckField{name, n})
	}
	return cols, len(cols) > 0, rows.Err()
}

func schemaFromColumns(cols []duckField) []*bq.TableFieldSchema {
	out := make([]*bq.TableFieldSchema, len(cols))
	for i, c := range cols {
		out[i] = bqField(c.name, c.typ)
	}
	return out
}

// tableType reports "TABLE", "VIEW" or "" (missing) for a DuckDB relation.
func tableType(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, dataset, table string) (string, error) {
	var t string
	err := q.QueryRowContext(ctx, `SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database()`, dataset, table).Scan(&t)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if strings.Contains(t, "VIEW") {
		return "VIEW", nil
	}
	return "TABLE", nil
}

// syncTable refreshes the metadata of one table after SQL (DDL, a query
// with a destination) changed it behind the REST API: the schema is derived
// from DuckDB and merged with what was known; a dropped table loses its
// metadata.
func (s *Server) syncTable(ctx context.Context, conn *sql.Conn, project, dataset, table string, keepOptions bool) (*bq.Table, error) {
	typ, err := tableType(ctx, conn, dataset, table)
	if err != nil {
		return nil, err
	}
	key := tableKey{dataset, table}
	s.mu.Lock()
	old := s.tables[key]
	s.mu.Unlock()
	if typ == "" {
		if old != nil {
			if _, err := conn.ExecContext(ctx, `DELETE FROM `+metaSchema+`.tables WHERE dataset = ? AND tbl = ?`, dataset, table); err != nil {
				return nil, err
			}
			s.mu.Lock()
			delete(s.tables, key)
			delete(s.dedup, key)
			s.mu.Unlock()
		}
		return nil, nil
	}
	cols, _, err := duckColumns(ctx, conn, dataset, table)
	if err != nil {
		return nil, err
	}
	schema := schemaFromColumns(cols)
	if old == nil {
		// CREATE TABLE ... (x T NOT NULL): DuckDB's NOT NULL is BigQuery's REQUIRED.
		if rows, err := conn.QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND database_name = current_database() AND NOT is_nullable`, dataset, table); err == nil {
			for rows.Next() {
				var n string
				if rows.Scan(&n) == nil {
					for _, f := range schema {
						if f.Name == n && f.Mode != "REPEATED" {
							f.Mode = "REQUIRED"
						}
					}
				}
			}
			rows.Close()
		}
	}
	now := nowMillis()
	var t *bq.Table
	if old != nil && keepOptions {
		cp := *old
		t = &cp
		schema = mergeSchema(schema, old.Schema.Fields)
	} else {
		t = &bq.Table{
			Kind:           "bigquery#table",
			TableReference: &bq.TableReference{ProjectId: project, DatasetId: dataset, TableId: table},
			CreationTime:   now,
		}
		if old != nil {
			schema = mergeSchema(schema, old.Schema.Fields)
		}
	}
	t.Type = typ
	t.Schema = &bq.TableSchema{Fields: schema}
	t.LastModifiedTime = uint64(now)
	if typ == "VIEW" && t.View == nil {
		t.View = &bq.ViewDefinition{}
	}
	s.decorateTable(t)
	if err := s.saveTable(ctx, conn, t); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.tables[key] = t
	s.mu.Unlock()
	return t, nil
}

func (s *Server) decorateTable(t *bq.Table) {
	r := t.TableReference
	t.Kind = "bigquery#table"
	t.Id = fmt.Sprintf("%s:%s.%s", r.ProjectId, r.DatasetId, r.TableId)
	t.SelfLink = fmt.Sprintf("/bigquery/v2/projects/%s/datasets/%s/tables/%s", r.ProjectId, r.DatasetId, r.TableId)
	t.Location = s.opts.Location
	if t.Type == "" {
		t.Type = "TABLE"
	}
	t.Etag = fmt.Sprintf("%x", t.LastModifiedTime)
}

// lookupTable returns the metadata of a table, deriving it from DuckDB for
// relations created outside the REST API (anonymous query results).
func (s *Server) lookupTable(ctx context.Context, project, dataset, table string) (*bq.Table, error) {
	s.mu.RLock()
	t := s.tables[tableKey{dataset, table}]
	_, dsOK := s.datasets[dataset]
	s.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	if !dsOK && dataset != anonSchema {
		return nil, notFound("Dataset %s:%s", project, dataset)
	}
	cols, ok, err := duckColumns(ctx, s.db, dataset, table)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("Table %s:%s.%s", project, dataset, table)
	}
	t = &bq.Table{TableReference: &bq.TableReference{ProjectId: project, DatasetId: dataset, TableId: table},
		Schema: &bq.TableSchema{Fields: schemaFromColumns(cols)}, CreationTime: nowMillis()}
	s.decorateTable(t)
	return t, nil
}
