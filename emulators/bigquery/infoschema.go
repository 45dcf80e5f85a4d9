package bigquery

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	bq "google.golang.org/api/bigquery/v2"
)

// INFORMATION_SCHEMA.TABLES and INFORMATION_SCHEMA.COLUMNS per dataset.
//
// The translator turns dataset.INFORMATION_SCHEMA.TABLES (with or without a
// project, backticked or not) into "dataset"."INFORMATION_SCHEMA.TABLES".
// Before a query that mentions INFORMATION_SCHEMA runs, the server
// (re)materialises DuckDB tables of exactly those names from its metadata
// (BigQuery types, modes, partitioning and clustering, which DuckDB's own
// catalog does not know). A table id cannot contain a dot, so these never
// collide with user tables; they are not listed by tables.list and do not
// keep a dataset from being deleted.

const infoSchemaPrefix = "INFORMATION_SCHEMA."

var reInfoSchemaRef = regexp.MustCompile(`(?i)"((?:[^"]|"")+)"\."INFORMATION_SCHEMA\.(TABLES|COLUMNS)"`)

const infoTablesDDL = `(table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, table_type VARCHAR,
	is_insertable_into VARCHAR, is_typed VARCHAR, creation_time TIMESTAMPTZ, base_table_catalog VARCHAR,
	base_table_schema VARCHAR, base_table_name VARCHAR, snapshot_time_ms TIMESTAMPTZ, ddl VARCHAR,
	default_collation_name VARCHAR, upsert_stream_apply_watermark TIMESTAMPTZ)`

const infoColumnsDDL = `(table_catalog VARCHAR, table_schema VARCHAR, table_name VARCHAR, column_name VARCHAR,
	ordinal_position BIGINT, is_nullable VARCHAR, data_type VARCHAR, is_generated VARCHAR,
	generation_expression VARCHAR, is_stored VARCHAR, is_hidden VARCHAR, is_updatable VARCHAR,
	is_system_defined VARCHAR, is_partitioning_column VARCHAR, clustering_ordinal_position BIGINT,
	collation_name VARCHAR, column_default VARCHAR, rounding_mode VARCHAR)`

// refreshInfoSchema materialises the INFORMATION_SCHEMA views that the
// translated SQL references, for the datasets that exist.
func (s *Server) refreshInfoSchema(ctx context.Context, project, translated string) error {
	type ref struct{ ds, view string }
	seen := map[ref]bool{}
	var refs []ref
	for _, m := range reInfoSchemaRef.FindAllStringSubmatch(translated, -1) {
		r := ref{strings.ReplaceAll(m[1], `""`, `"`), strings.ToUpper(m[2])}
		if !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, r := range refs {
		s.mu.RLock()
		_, ok := s.datasets[r.ds]
		var ts []*bq.Table
		for k, t := range s.tables {
			if k.dataset == r.ds {
				ts = append(ts, t)
			}
		}
		s.mu.RUnlock()
		if !ok {
			continue // the query fails with notFound for the dataset
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i].TableReference.TableId < ts[j].TableReference.TableId })
		var cols string
		var rows [][]any
		switch r.view {
		case "TABLES":
			cols = infoTablesDDL
			for _, t := range ts {
				typ, insertable := "BASE TABLE", "YES"
				switch t.Type {
				case "VIEW":
					typ, insertable = "VIEW", "NO"
				case "MATERIALIZED_VIEW":
					typ, insertable = "MATERIALIZED VIEW", "NO"
				case "EXTERNAL":
					typ, insertable = "EXTERNAL", "NO"
				}
				rows = append(rows, []any{project, r.ds, t.TableReference.TableId, typ, insertable, "NO",
					time.UnixMilli(t.CreationTime).UTC(), nil, nil, nil, nil, tableDDL(project, r.ds, t), nil, nil})
			}
		case "COLUMNS":
			cols = infoColumnsDDL
			for _, t := range ts {
				if t.Schema == nil {
					continue
				}
				part := ""
				if t.TimePartitioning != nil {
					part = t.TimePartitioning.Field
				}
				if t.RangePartitioning != nil {
					part = t.RangePartitioning.Field
				}
				cluster := map[string]int64{}
				if t.Clustering != nil {
					for i, f := range t.Clustering.Fields {
						cluster[strings.ToLower(f)] = int64(i + 1)
					}
				}
				for i, f := range t.Schema.Fields {
					nullable := "YES"
					if f.Mode == "REQUIRED" {
						nullable = "NO"
					}
					isPart := "NO"
					if part != "" && strings.EqualFold(part, f.Name) {
						isPart = "YES"
					}
					var clus any
					if n, ok := cluster[strings.ToLower(f.Name)]; ok {
						clus = n
					}
					rows = append(rows, []any{project, r.ds, t.TableReference.TableId, f.Name, int64(i + 1), nullable,
						sqlTypeName(f), "NEVER", nil, nil, "NO", nil, "NO", isPart, clus, nil, nil, nil})
				}
			}
		}
		name := qualified(r.ds, infoSchemaPrefix+r.view)
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE `+name+` `+cols); err != nil {
			return err
		}
		const batch = 100
		for i := 0; i < len(rows); i += batch {
			j := min(i+batch, len(rows))
			var sb strings.Builder
			var args []any
			sb.WriteString(`INSERT INTO ` + name + ` VALUES `)
			for k, row := range rows[i:j] {
				if k > 0 {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for c := range row {
					if c > 0 {
						sb.WriteByte(',')
					}
					sb.WriteByte('?')
				}
				sb.WriteByte(')')
				args = append(args, row...)
			}
			if _, err := conn.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// sqlTypeName is the GoogleSQL type name INFORMATION_SCHEMA.COLUMNS reports.
func sqlTypeName(f *bq.TableFieldSchema) string {
	var base string
	switch n, _ := normType(f.Type); n {
	case "INTEGER":
		base = "INT64"
	case "FLOAT":
		base = "FLOAT64"
	case "BOOLEAN":
		base = "BOOL"
	case "RECORD":
		parts := make([]string, len(f.Fields))
		for i, sf := range f.Fields {
			parts[i] = sf.Name + " " + sqlTypeName(sf)
		}
		base = "STRUCT<" + strings.Join(parts, ", ") + ">"
	case "":
		base = strings.ToUpper(f.Type)
	default:
		base = n
	}
	if f.Mode == "REPEATED" {
		return "ARRAY<" + base + ">"
	}
	return base
}

// tableDDL renders the CREATE statement INFORMATION_SCHEMA.TABLES shows.
func tableDDL(project, ds string, t *bq.Table) string {
	name := "`" + project + "." + ds + "." + t.TableReference.TableId + "`"
	if t.Type == "VIEW" && t.View != nil {
		return "CREATE VIEW " + name + "\nAS " + t.View.Query + ";"
	}
	var sb strings.Builder
	sb.WriteString("CREATE TABLE " + name)
	if t.Schema != nil && len(t.Schema.Fields) > 0 {
		sb.WriteString("\n(\n")
		for i, f := range t.Schema.Fields {
			sb.WriteString("  " + f.Name + " " + sqlTypeName(f))
			if f.Mode == "REQUIRED" {
				sb.WriteString(" NOT NULL")
			}
			if i < len(t.Schema.Fields)-1 {
				sb.WriteByte(',')
			}
			sb.WriteByte('\n')
		}
		sb.WriteString(")")
	}
	if tp := t.TimePartitioning; tp != nil {
		if tp.Field != "" {
			sb.WriteString("\nPARTITION BY " + partitionExpr(t, tp))
		}
	}
	if t.Clustering != nil && len(t.Clustering.Fields) > 0 {
		sb.WriteString("\nCLUSTER BY " + strings.Join(t.Clustering.Fields, ", "))
	}
	sb.WriteString(";")
	return sb.String()
}

func partitionExpr(t *bq.Table, tp *bq.TimePartitioning) string {
	typ := "DATE"
	if t.Schema != nil {
		for _, f := range t.Schema.Fields {
			if strings.EqualFold(f.Name, tp.Field) {
				typ, _ = normType(f.Type)
			}
		}
	}
	unit := tp.Type
	if unit == "" {
		unit = "DAY"
	}
	if typ == "DATE" && unit == "DAY" {
		return tp.Field
	}
	fn := map[string]string{"TIMESTAMP": "TIMESTAMP_TRUNC", "DATETIME": "DATETIME_TRUNC", "DATE": "DATE_TRUNC"}[typ]
	if fn == "" {
		return tp.Field
	}
	return fn + "(" + tp.Field + ", " + unit + ")"
}
