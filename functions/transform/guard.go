package transform

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cloud.google.com/go/bigquery"
)

// RawPartitionColumn is the column every raw table is partitioned on (by
// day): ingest creates raw tables so, and the runner creates missing ones
// the same way.
const RawPartitionColumn = "_ingested_at"

var (
	lineCommentRE = regexp.MustCompile(`--[^\n]*`)
	startParamRE  = regexp.MustCompile(`@start\b`)
	endParamRE    = regexp.MustCompile(`@end\b`)
	// partitionFilterRE is a lower bound on the raw partition column that
	// depends on @start: "_ingested_at >= @start",
	// "_ingested_at >= TIMESTAMP_SUB(@start, INTERVAL 1 DAY)",
	// "_ingested_at BETWEEN @start AND …".
	partitionFilterRE = regexp.MustCompile(`(?is)\b` + RawPartitionColumn + `\s*(>=|>|between)\s*[^;]{0,60}?@start\b`)
)

// checkPartitionFilter is the partition guardrail. It is a check of the
// model's text, made before anything runs, and it is deliberately narrow:
//
//   - An incremental model must use @start and @end (it processes a time
//     range; without them it would re-read everything each run).
//   - An incremental model that reads a raw table (partitioned by day on
//     _ingested_at) must bound _ingested_at from below by an expression of
//     @start, so BigQuery prunes the partitions before the range.
//
// Table and view models rebuild from all of history by definition; their
// guard is the dry run and max_bytes_billed. The check reads text, not a
// parse tree: a filter inside a subquery that does not reach the source
// still passes. It returns "" when the model passes.
func checkPartitionFilter(mp *ModelPlan) string {
	if !mp.Options.IsIncremental() {
		return ""
	}
	body := lineCommentRE.ReplaceAllString(mp.SQL, "")
	if !startParamRE.MatchString(body) || !endParamRE.MatchString(body) {
		return "an incremental model must filter on its time range: use @start and @end (TIMESTAMP query parameters)"
	}
	if len(mp.Sources) > 0 && !partitionFilterRE.MatchString(body) {
		return fmt.Sprintf("an incremental model reading source('raw', '%s') must filter its partition column: add %s >= @start (or an expression of @start such as TIMESTAMP_SUB(@start, INTERVAL 1 DAY)) so BigQuery reads only the partitions of the range",
			mp.Sources[0], RawPartitionColumn)
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
