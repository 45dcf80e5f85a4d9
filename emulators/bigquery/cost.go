package bigquery

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
)

// BigQuery's cost rules for a query, locally (see the README, "Cost"):
//
//   - bytes processed are the sizes of the columns the query refers to, in
//     the partitions it cannot eliminate, counted as BigQuery counts them
//     ("data size calculation"): 8 bytes per INT64, FLOAT64, DATE,
//     DATETIME, TIME or TIMESTAMP value, 1 per BOOL, 16 per NUMERIC or
//     INTERVAL, 32 per BIGNUMERIC, 2 + the UTF-8 length per STRING, 2 + the
//     length per BYTES, the UTF-8 length of the text per JSON, 16 + 24 per
//     vertex per GEOGRAPHY; NULL is 0; a STRUCT is the sum of its fields,
//     an ARRAY the sum of its elements;
//   - bytes billed round each table's bytes up to the MB, at least 10 MB
//     per table read;
//   - a table with requirePartitionFilter refuses a query that reads it
//     without a filter usable for partition elimination.
//
// The columns and filters come from the translator's parse (bqsql.Scan),
// which pushes a filter on a subquery's or CTE's column down into it where
// BigQuery can.
// A partition counts as read when a row of it matches the query's filters
// on the partitioning column; BigQuery reads every partition whose range
// the filter overlaps, so a partition whose matching range holds no row is
// free here and not there. Statements other than one query (DML, DDL,
// scripts) are charged the full size of every table their text names, and
// requirePartitionFilter is not checked for them.

// queryCost is what a query costs.
type queryCost struct{ processed, billed int64 }

const maxViewDepth = 16

// costOf computes the cost of a job's query. An error is BigQuery's answer
// to a query that must not run (requirePartitionFilter).
func (s *Server) costOf(ctx context.Context, p, defDS, sqlText string, stmts []bqsql.Statement, params []bqsql.Param) (queryCost, error) {
	if len(stmts) != 1 || stmts[0].Kind != bqsql.KindQuery {
		return billing(map[string]int64{"*": s.estimateBytes(ctx, sqlText)}), nil
	}
	per := map[string]int64{}
	if err := s.addScanCost(ctx, p, defDS, sqlText, params, per, 0); err != nil {
		return queryCost{}, err
	}
	return billing(per), nil
}

// billing applies BigQuery's rounding: each table's bytes up to the MB, at
// least 10 MB for a table that is read at all.
func billing(per map[string]int64) queryCost {
	var c queryCost
	for _, n := range per {
		if n <= 0 {
			continue
		}
		c.processed += n
		b := (n + (1<<20 - 1)) / (1 << 20) * (1 << 20)
		c.billed += max(b, minBilledBytes)
	}
	return c
}

func (s *Server) addScanCost(ctx context.Context, p, defDS, sqlText string, params []bqsql.Param, per map[string]int64, depth int) error {
	lookup := func(ds, name string) *bq.Table {
		if ds == "" {
			ds = defDS
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.tables[tableKey{ds, name}]
	}
	scans, err := bqsql.Scan(sqlText, bqsql.ScanOptions{
		Options: bqsql.Options{DefaultProject: p, DefaultDataset: defDS, Params: params},
		Columns: func(ds, name string) ([]string, bool) {
			t := lookup(ds, name)
			if t == nil || t.Schema == nil {
				return nil, false
			}
			cols := make([]string, len(t.Schema.Fields))
			for i, f := range t.Schema.Fields {
				cols[i] = f.Name
			}
			return cols, true
		},
		PartitionColumn: func(ds, name string) (string, bool) {
			if t := lookup(ds, name); t != nil {
				if col := partitionField(t); col != "" {
					return col, true
				}
			}
			return "", false
		},
	})
	if err != nil {
		// Not a query the parse follows: charge what the text names.
		per["*"] += s.estimateBytes(ctx, sqlText)
		return nil
	}
	for _, sc := range scans {
		t := lookup(sc.Dataset, sc.Table)
		if t == nil {
			continue // the query itself answers notFound
		}
		ref := t.TableReference
		if t.Type == "VIEW" {
			if t.View != nil && depth < maxViewDepth {
				if err := s.addScanCost(ctx, p, ref.DatasetId, t.View.Query, nil, per, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		col := partitionField(t)
		if col != "" && requiresPartitionFilter(t) && !sc.Filtered() {
			return invalidQuery("Cannot query over table '%s.%s.%s' without a filter over column(s) '%s' that can be used for partition elimination",
				p, ref.DatasetId, ref.TableId, col)
		}
		per[ref.DatasetId+"."+ref.TableId] += s.scanBytes(ctx, t, sc)
	}
	return nil
}

// partitionField is the column a table is partitioned on, or "".
func partitionField(t *bq.Table) string {
	if tp := t.TimePartitioning; tp != nil {
		return tp.Field
	}
	if rp := t.RangePartitioning; rp != nil {
		return rp.Field
	}
	return ""
}

func requiresPartitionFilter(t *bq.Table) bool {
	return t.RequirePartitionFilter || t.TimePartitioning != nil && t.TimePartitioning.RequirePartitionFilter
}

// partitionKey is the DuckDB expression of a row's partition, over col.
func partitionKey(t *bq.Table, col string) string {
	if rp := t.RangePartitioning; rp != nil && rp.Range != nil && rp.Range.Interval > 0 {
		return fmt.Sprintf("floor((%s - %d) / %d)", col, rp.Range.Start, rp.Range.Interval)
	}
	unit := "day"
	if tp := t.TimePartitioning; tp != nil && tp.Type != "" {
		unit = strings.ToLower(tp.Type)
	}
	return fmt.Sprintf("date_trunc('%s', %s)", unit, col)
}

// scanBytes is the size of the columns sc refers to in the partitions its
// filters keep. A filter DuckDB cannot run charges the whole column.
func (s *Server) scanBytes(ctx context.Context, t *bq.Table, sc bqsql.TableScan) int64 {
	if t.Schema == nil || len(sc.Columns) == 0 || len(sc.Filters) == 0 {
		return 0 // no column, or only in a CTE nobody reads
	}
	var terms []string
	for _, c := range sc.Columns {
		if f := findField(t.Schema.Fields, c); f != nil {
			terms = append(terms, "coalesce("+sizeAgg(quoteIdent(f.Name), f)+", 0)")
		}
	}
	if len(terms) == 0 {
		return 0
	}
	ref := t.TableReference
	from := qualified(ref.DatasetId, ref.TableId)
	q := "SELECT " + strings.Join(terms, " + ") + " FROM " + from
	if col := partitionField(t); col != "" && sc.Filtered() {
		var keep []string
		for _, f := range sc.Filters {
			keep = append(keep, "SELECT "+partitionKey(t, quoteIdent(f.Alias)+"."+quoteIdent(col))+
				" FROM "+from+" AS "+quoteIdent(f.Alias)+" WHERE "+f.Where)
		}
		filtered := q + " WHERE " + partitionKey(t, quoteIdent(col)) + " IN (" + strings.Join(keep, " UNION ") + ")"
		var n int64
		if err := s.db.QueryRowContext(ctx, filtered).Scan(&n); err == nil {
			return n
		}
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0
	}
	return n
}

// sizeAgg is the DuckDB aggregate of a column's BigQuery data size.
func sizeAgg(col string, f *bq.TableFieldSchema) string {
	if f.Mode != "REPEATED" {
		if w := fixedWidth(f.Type); w > 0 {
			return fmt.Sprintf("%d * count(%s)", w, col)
		}
	}
	return "sum(" + sizeOf(col, f, 0) + ")"
}

// fixedWidth is the size of a value of a fixed-size type, 0 for the others.
func fixedWidth(typ string) int64 {
	switch typ {
	case "BOOLEAN", "BOOL":
		return 1
	case "INTEGER", "INT64", "FLOAT", "FLOAT64", "TIMESTAMP", "DATE", "DATETIME", "TIME":
		return 8
	case "NUMERIC", "INTERVAL":
		return 16
	case "BIGNUMERIC":
		return 32
	}
	return 0
}

// sizeOf is the DuckDB expression of one value's data size (0 for NULL).
func sizeOf(x string, f *bq.TableFieldSchema, depth int) string {
	if f.Mode == "REPEATED" {
		e := fmt.Sprintf("e%d", depth)
		elem := *f
		elem.Mode = "NULLABLE"
		return fmt.Sprintf("coalesce(list_sum(list_transform(%s, lambda %s: %s)), 0)", x, e, sizeOf(e, &elem, depth+1))
	}
	if w := fixedWidth(f.Type); w > 0 {
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN 0 ELSE %d END", x, w)
	}
	switch f.Type {
	case "BYTES":
		return fmt.Sprintf("coalesce(2 + octet_length(%s), 0)", x)
	case "JSON":
		return fmt.Sprintf("coalesce(strlen(CAST(%s AS VARCHAR)), 0)", x)
	case "GEOGRAPHY":
		// WKT: one vertex per coordinate pair, pairs separated by commas.
		return fmt.Sprintf("coalesce(16 + 24 * (1 + strlen(%[1]s) - strlen(replace(%[1]s, ',', ''))), 0)", x)
	case "RECORD", "STRUCT":
		if len(f.Fields) == 0 {
			return "0"
		}
		parts := make([]string, len(f.Fields))
		for i, c := range f.Fields {
			parts[i] = sizeOf("("+x+")."+quoteIdent(c.Name), c, depth+1)
		}
		return "(" + strings.Join(parts, " + ") + ")"
	}
	return fmt.Sprintf("coalesce(2 + strlen(%s), 0)", x) // STRING and anything stored as text
}

// ddlPartitionRe reads the PARTITION BY of CREATE TABLE as written: col,
// DATE(col), or TIMESTAMP_TRUNC/DATE_TRUNC/DATETIME_TRUNC(col, UNIT).
var ddlPartitionRe = regexp.MustCompile("(?i)^\\s*(?:(DATE)\\s*\\(\\s*`?(\\w+)`?\\s*\\)|(?:TIMESTAMP|DATE|DATETIME)_TRUNC\\s*\\(\\s*`?(\\w+)`?\\s*,\\s*(HOUR|DAY|MONTH|YEAR)\\s*\\)|`?(\\w+)`?)\\s*$")

// applyDDLPartitioning carries CREATE TABLE's PARTITION BY (time-unit
// forms) and OPTIONS(require_partition_filter = true) into the table's
// metadata, so the cost rules see them. Other PARTITION BY forms
// (RANGE_BUCKET, ingestion time) stay metadata-free, as before.
func (s *Server) applyDDLPartitioning(ctx context.Context, conn execer, t *bq.Table, st bqsql.Statement) error {
	if t == nil || !strings.HasPrefix(st.DDLOp, "CREATE_TABLE") {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock() // t is the table the catalog serves
	changed := false
	if m := ddlPartitionRe.FindStringSubmatch(st.PartitionBy); st.PartitionBy != "" && m != nil {
		col, unit := m[2], "DAY"
		if m[3] != "" {
			col, unit = m[3], strings.ToUpper(m[4])
		} else if m[5] != "" {
			col = m[5]
		}
		if f := findField(t.Schema.Fields, col); f != nil && (f.Type == "TIMESTAMP" || f.Type == "DATE" || f.Type == "DATETIME") {
			t.TimePartitioning = &bq.TimePartitioning{Type: unit, Field: f.Name}
			changed = true
		}
	}
	if v, ok := st.Options["require_partition_filter"]; ok {
		t.RequirePartitionFilter = strings.EqualFold(strings.TrimSpace(v), "true")
		changed = true
	}
	if !changed {
		return nil
	}
	return s.saveTable(ctx, conn, t)
}
