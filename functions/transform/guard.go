package transform

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
)

// RawPartitionColumn is the column a raw table is partitioned on.
func RawPartitionColumn(src *config.Source) string { return src.RawPartitionColumn() }

var (
	lineCommentRE = regexp.MustCompile(`--[^\n]*`)
	startParamRE  = regexp.MustCompile(`@start\b`)
	endParamRE    = regexp.MustCompile(`@end\b`)
)

// lowerBoundRE matches a lower bound on col that depends on @start:
// "col >= @start", "col >= TIMESTAMP_SUB(@start, INTERVAL 1 DAY)",
// "col BETWEEN @start AND …".
func lowerBoundRE(col string) *regexp.Regexp {
	return regexp.MustCompile(`(?is)\b` + regexp.QuoteMeta(col) + `\s*(>=|>|between)\s*[^;]{0,60}?@start\b`)
}

// checkPartitionFilter is the partition guardrail. It is a check of the
// model's text, made before anything runs, and it is deliberately narrow:
//
//   - An incremental model must use @start and @end (it processes a time
//     range; without them it would re-read everything each run).
//   - An incremental model that reads a raw table must bound the table's
//     partition column (RawPartitionColumn) from below by an expression of
//     @start, so BigQuery prunes the partitions before the range.
//
// Table and view models rebuild from all of history by definition; their
// guard is the dry run and max_bytes_billed. The check reads text, not a
// parse tree: a filter inside a subquery that does not reach the source
// still passes. It returns "" when the model passes.
func checkPartitionFilter(p *config.Pipeline, mp *ModelPlan) string {
	if !mp.Options.IsIncremental() {
		return ""
	}
	body := lineCommentRE.ReplaceAllString(mp.SQL, "")
	if !startParamRE.MatchString(body) || !endParamRE.MatchString(body) {
		return "an incremental model must filter on its time range: use @start and @end (TIMESTAMP query parameters)"
	}
	for _, name := range mp.Sources {
		src, ok := p.Source(name)
		if !ok {
			continue
		}
		if col := RawPartitionColumn(src); !lowerBoundRE(col).MatchString(body) {
			return fmt.Sprintf("an incremental model reading source('raw', '%s') must filter its partition column: add %s >= @start (or an expression of @start such as TIMESTAMP_SUB(@start, INTERVAL 1 DAY)) so BigQuery reads only the partitions of the range",
				name, col)
		}
	}
	return ""
}

// dryRun checks a query without running it and returns its schema and the
// bytes it would process.
func (r *Runner) dryRun(ctx context.Context, sql string, params []bigquery.QueryParameter) (bigquery.Schema, int64, error) {
	return dryRun(ctx, r.BigQuery, sql, params)
}

func dryRun(ctx context.Context, c *bigquery.Client, sql string, params []bigquery.QueryParameter) (bigquery.Schema, int64, error) {
	q := c.Query(sql)
	q.Parameters = params
	q.DryRun = true
	job, err := q.Run(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("dry run: %w", err)
	}
	st := job.LastStatus()
	if st == nil || st.Statistics == nil {
		return nil, 0, fmt.Errorf("dry run: no statistics")
	}
	if err := st.Err(); err != nil {
		return nil, 0, fmt.Errorf("dry run: %w", err)
	}
	var schema bigquery.Schema
	if qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics); ok {
		schema = qs.Schema
	}
	return schema, st.Statistics.TotalBytesProcessed, nil
}

// checkColumns checks that the columns the model's options name are
// columns of its result.
func checkColumns(mp ModelPlan, schema bigquery.Schema) error {
	have := make([]string, len(schema))
	for i, f := range schema {
		have[i] = f.Name
	}
	var bad []string
	check := func(what string, cols ...string) {
		for _, c := range cols {
			if c != "" && !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, c) }) {
				bad = append(bad, fmt.Sprintf("%s %q", what, c))
			}
		}
	}
	o := mp.Options
	check("unique_key", o.UniqueKey...)
	check("time_column", o.TimeColumn)
	check("cluster_by", o.ClusterBy...)
	if c, _, ok := o.Partition(); ok {
		check("partition_by", c)
	}
	for c := range o.Columns {
		check("column doc", c)
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("%s: %s: not a column of the model (columns: %s)", mp.Model.File, strings.Join(bad, ", "), strings.Join(have, ", "))
	}
	return nil
}
