package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Materialisations a model may declare.
const (
	MaterializedTable       = "table"       // rebuilt in full each run (WRITE_TRUNCATE)
	MaterializedView        = "view"        // CREATE OR REPLACE VIEW; nothing is stored
	MaterializedIncremental = "incremental" // only new time ranges, merged idempotently
)

// ModelOptions are the settings a model declares in the header of its SQL
// file (see ParseHeader).
type ModelOptions struct {
	// Materialized is table (the default), view or incremental.
	Materialized string
	// UniqueKey is the key an incremental model merges on. Without one, an
	// incremental model replaces the time range it processed instead.
	UniqueKey []string
	// TimeColumn is the output column an incremental model is tracked by:
	// its watermark is the column's maximum, and on a key collision the row
	// with the later value wins.
	TimeColumn string
	// PartitionBy is the table's partitioning: col, DATE(col) or
	// TIMESTAMP_TRUNC(col, HOUR|DAY|MONTH|YEAR).
	PartitionBy string
	// ClusterBy lists up to four clustering columns.
	ClusterBy []string
	// MaxBytesBilled caps what one build may bill (BigQuery's
	// maximum_bytes_billed); the dry run before the build checks it first.
	MaxBytesBilled int64
	// Columns documents the model's columns; each becomes the column
	// description of the built table.
	Columns map[string]string
}

// IsIncremental reports whether the model is incremental.
func (m ModelOptions) IsIncremental() bool { return m.Materialized == MaterializedIncremental }

// Materialization is the model's materialisation, defaulting to table.
func (m ModelOptions) Materialization() string {
	if m.Materialized == "" {
		return MaterializedTable
	}
	return m.Materialized
}

// Partition splits PartitionBy into its column and granularity (HOUR, DAY,
// MONTH or YEAR); ok is false when the model is not partitioned.
func (m ModelOptions) Partition() (column, granularity string, ok bool) {
	s := strings.TrimSpace(m.PartitionBy)
	if s == "" {
		return "", "", false
	}
	if g := partitionRE.FindStringSubmatch(s); g != nil {
		switch {
		case g[1] != "":
			return g[1], "DAY", true
		case g[2] != "":
			return g[2], "DAY", true
		default:
			return g[3], strings.ToUpper(g[4]), true
		}
	}
	return "", "", false
}

var partitionRE = regexp.MustCompile(`(?i)^(?:([A-Za-z_][A-Za-z0-9_]*)|DATE\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|TIMESTAMP_TRUNC\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*(HOUR|DAY|MONTH|YEAR)\s*\))$`)

// A model header is the block of comment lines at the top of a model's SQL
// file (it ends at the first line that is neither a comment nor blank):
//
//	-- sluice: materialized=incremental unique_key=order_id time_column=updated_at
//	-- sluice: partition_by=DATE(updated_at) cluster_by=user_id max_bytes_billed=1000000000
//	-- description: Current state per order; the latest updated_at wins.
//	-- column order_id: The order id from the order service.
//	-- assert not_null: order_id, status
//	-- assert unique: order_id
//	-- assert accepted_values(status): created, paid, shipped
//	-- assert row_count: min=1 max=1000000
//	-- assert relationships(user_id): users.user_id
//	-- assert freshness(updated_at): 2d
//
// relationships(col): every non-NULL value of col is a value of the other
// model's column (the other model then runs first). freshness(col): the
// newest value of col is within the bound (a Go duration, or days as "2d")
// of the end of the run date. Both become custom SQL assertions.
// Other comment lines are free text. Lists are comma-separated without
// spaces in "sluice:" lines. Header assertions are added to those in
// pipeline.yaml; a header description replaces pipeline.yaml's.
var (
	headerLineRE = regexp.MustCompile(`^--\s*(sluice|description|column\s+([A-Za-z_][A-Za-z0-9_]*)|assert\s+([a-z_]+)(?:\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))?)\s*:\s*(.*)$`)
	refTargetRE  = regexp.MustCompile(`^([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$`)
	headerKeys   = []string{"materialized", "unique_key", "time_column", "partition_by", "cluster_by", "max_bytes_billed"}
)

// ParseHeader reads the header of model m's SQL text. It returns m with the
// header's description and assertions merged in, and the model's options.
// Errors name the file and line.
func ParseHeader(model Model, sql string) (Model, ModelOptions, Errors) {
	m := &struct {
		*Model
		*ModelOptions
	}{&model, &ModelOptions{}}
	m.Assertions = append([]Assertion{}, model.Assertions...)
	var errs Errors
	add := func(line int, format string, a ...any) {
		errs = append(errs, &Error{m.File, fmt.Sprintf("line %d", line), fmt.Sprintf(format, a...)})
	}
	var desc []string
	for i, raw := range strings.Split(sql, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "--") {
			break
		}
		g := headerLineRE.FindStringSubmatch(line)
		if g == nil {
			if w := strings.Fields(strings.TrimPrefix(line, "--")); len(w) > 0 && strings.EqualFold(strings.TrimSuffix(w[0], ":"), "sluice") {
				add(n, "want \"-- sluice: key=value …\"")
			}
			continue // free text
		}
		val := strings.TrimSpace(g[5])
		switch {
		case g[1] == "sluice":
			for _, kv := range strings.Fields(val) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || v == "" {
					add(n, "%q: want key=value", kv)
					continue
				}
				switch k {
				case "materialized":
					m.Materialized = v
				case "unique_key":
					m.UniqueKey = strings.Split(v, ",")
				case "time_column":
					m.TimeColumn = v
				case "partition_by":
					m.PartitionBy = v
				case "cluster_by":
					m.ClusterBy = strings.Split(v, ",")
				case "max_bytes_billed":
					b, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 10, 64)
					if err != nil || b <= 0 {
						add(n, "max_bytes_billed=%s: want a positive number of bytes", v)
						continue
					}
					m.MaxBytesBilled = b
				default:
					add(n, "unknown key %q; want one of %s", k, strings.Join(headerKeys, ", "))
				}
			}
		case g[1] == "description":
			desc = append(desc, val)
		case g[2] != "":
			if m.Columns == nil {
				m.Columns = map[string]string{}
			}
			m.Columns[g[2]] = strings.TrimSpace(m.Columns[g[2]] + " " + val)
		case g[3] != "" && (g[4] != "") != (g[3] == "accepted_values" || g[3] == "relationships" || g[3] == "freshness"):
			add(n, "assert %s: want one of not_null, unique, row_count, accepted_values(col), relationships(col), freshness(col)", g[3])
		case g[3] == "not_null" || g[3] == "unique":
			cols := splitList(val)
			if len(cols) == 0 {
				add(n, "assert %s: list one or more columns", g[3])
				continue
			}
			if g[3] == "not_null" {
				m.Assertions = append(m.Assertions, Assertion{NotNull: cols})
			} else {
				m.Assertions = append(m.Assertions, Assertion{Unique: cols})
			}
		case g[3] == "relationships":
			t := refTargetRE.FindStringSubmatch(val)
			if t == nil {
				add(n, "assert relationships(%s): want model.column, got %q", g[4], val)
				continue
			}
			// Every non-NULL value must exist in the other model's column.
			m.Assertions = append(m.Assertions, Assertion{SQL: fmt.Sprintf(
				"/* relationships(%[1]s -> %[2]s.%[3]s) */ SELECT c.`%[1]s` FROM ref('%[4]s') AS c LEFT JOIN ref('%[2]s') AS p ON c.`%[1]s` = p.`%[3]s` WHERE c.`%[1]s` IS NOT NULL AND p.`%[3]s` IS NULL",
				g[4], t[1], t[2], model.Name)})
		case g[3] == "freshness":
			d, err := parseAge(val)
			if err != nil {
				add(n, "assert freshness(%s): %v", g[4], err)
				continue
			}
			// The newest value must be within d of the end of the run date.
			m.Assertions = append(m.Assertions, Assertion{SQL: fmt.Sprintf(
				"/* freshness(%[1]s, %[2]s) */ SELECT newest FROM (SELECT MAX(`%[1]s`) AS newest FROM ref('%[3]s')) WHERE newest IS NULL OR CAST(newest AS TIMESTAMP) < TIMESTAMP_SUB(TIMESTAMP(DATE_ADD(@run_date, INTERVAL 1 DAY)), INTERVAL %[4]d SECOND)",
				g[4], val, model.Name, int64(d.Seconds()))})
		case g[3] == "accepted_values":
			vals := splitList(val)
			if len(vals) == 0 {
				add(n, "assert accepted_values(%s): list the accepted values", g[4])
				continue
			}
			m.Assertions = append(m.Assertions, Assertion{AcceptedValues: &AcceptedValues{Column: g[4], Values: vals}})
		case g[3] == "row_count":
			rc := &RowCount{}
			for _, kv := range strings.Fields(val) {
				k, v, _ := strings.Cut(kv, "=")
				b, err := strconv.ParseInt(v, 10, 64)
				if err != nil || (k != "min" && k != "max") {
					add(n, "assert row_count: %q: want min=N and/or max=N", kv)
					continue
				}
				if k == "min" {
					rc.Min = &b
				} else {
					rc.Max = &b
				}
			}
			if rc.Min == nil && rc.Max == nil {
				add(n, "assert row_count: want min=N and/or max=N")
				continue
			}
			m.Assertions = append(m.Assertions, Assertion{RowCount: rc})
		default:
			add(n, "assert %s: want one of not_null, unique, row_count, accepted_values(col), relationships(col), freshness(col)", g[3])
		}
	}
	if len(desc) > 0 {
		m.Description = strings.Join(desc, " ")
	}
	return model, *m.ModelOptions, append(errs, m.ModelOptions.validate(model.File)...)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// validate checks the options of the model in file.
func (m *ModelOptions) validate(file string) Errors {
	var errs Errors
	add := func(field, format string, a ...any) {
		errs = append(errs, &Error{file, field, fmt.Sprintf(format, a...)})
	}
	switch m.Materialized {
	case "", MaterializedTable, MaterializedView, MaterializedIncremental:
	default:
		add("materialized", "got %q; want table, view or incremental", m.Materialized)
	}
	cols := func(field string, cs []string) {
		for _, c := range cs {
			if !columnRE.MatchString(c) {
				add(field, "got %q; want a column name", c)
			}
		}
	}
	cols("unique_key", m.UniqueKey)
	cols("cluster_by", m.ClusterBy)
	if m.TimeColumn != "" {
		cols("time_column", []string{m.TimeColumn})
	}
	if len(m.ClusterBy) > 4 {
		add("cluster_by", "got %d columns; BigQuery clusters by at most 4", len(m.ClusterBy))
	}
	if m.PartitionBy != "" {
		if _, _, ok := m.Partition(); !ok {
			add("partition_by", "got %q; want col, DATE(col) or TIMESTAMP_TRUNC(col, HOUR|DAY|MONTH|YEAR)", m.PartitionBy)
		}
	}
	if m.MaxBytesBilled < 0 {
		add("max_bytes_billed", "got %d; want a positive number of bytes", m.MaxBytesBilled)
	}
	switch m.Materialization() {
	case MaterializedIncremental:
		if m.TimeColumn == "" {
			add("time_column", "an incremental model needs time_column: the column its watermark tracks")
		}
	case MaterializedView:
		if len(m.UniqueKey) > 0 || m.TimeColumn != "" || m.PartitionBy != "" || len(m.ClusterBy) > 0 {
			add("materialized", "a view stores nothing: unique_key, time_column, partition_by and cluster_by do not apply")
		}
	default:
		if len(m.UniqueKey) > 0 || m.TimeColumn != "" {
			add("materialized", "unique_key and time_column apply only to materialized=incremental")
		}
	}
	for c := range m.Columns {
		cols("columns", []string{c})
	}
	return errs
}

// parseAge reads a freshness bound: a Go duration ("36h", "90m") or whole
// days ("2d").
func parseAge(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q: want a duration such as 36h or 2d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a duration such as 36h or 2d", s)
	}
	return d, nil
}
