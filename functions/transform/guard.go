package transform

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

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

// checkPartitionFilter is the static half of the partition guardrail, a
// check of the model's text made before anything runs: an incremental
// model must use @start and @end (it processes a time range; without them
// it would re-read everything each run). Whether it also bounds the
// partition column of the raw tables it reads, so BigQuery prunes their
// partitions, is checked by dry runs at build time (checkPrunes). Table
// and view models rebuild from all of history by definition; their guard
// is the dry run and max_bytes_billed. It returns "" when the model passes.
func checkPartitionFilter(p *config.Pipeline, mp *ModelPlan) string {
	if !mp.Options.IsIncremental() {
		return ""
	}
	body := lineCommentRE.ReplaceAllString(mp.SQL, "")
	if !startParamRE.MatchString(body) || !endParamRE.MatchString(body) {
		return "an incremental model must filter on its time range: use @start and @end (TIMESTAMP query parameters)"
	}
	return ""
}

// Probe windows of checkPrunes: all of history, and an empty range after
// any data (BigQuery TIMESTAMPs run from year 1 to 9999; these leave room
// for TIMESTAMP_SUB/ADD lookbacks).
var (
	probeFirst = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	probeLast  = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkPrunes is the partition guardrail of an incremental model that
// reads raw tables, made with BigQuery's dry run rather than by reading
// the SQL: the query (as the build runs it) is dry-run over all of history
// and over an empty range after any data. A model that bounds a raw
// table's partition column from below by @start (directly or through an
// expression such as TIMESTAMP_SUB(@start, INTERVAL 1 DAY)) reads fewer
// bytes over the empty range; one whose estimate does not move with its
// range reads every partition on every run. That is an error when one of
// its raw tables holds data (a dry run of the partition column alone), so
// an empty raw table never fails a build. The estimate moving with the
// range because of a filter on another table also passes.
func (r *Runner) checkPrunes(ctx context.Context, mp ModelPlan, sql string, runDate time.Time) error {
	if !mp.Options.IsIncremental() || len(mp.Sources) == 0 || r.Pipeline == nil {
		return nil
	}
	_, all, err := r.dryRun(ctx, sql, runParams(runDate, probeFirst, probeLast))
	if err != nil {
		return err
	}
	_, none, err := r.dryRun(ctx, sql, runParams(runDate, probeLast, probeLast))
	if err != nil {
		return err
	}
	if none < all {
		return nil
	}
	var bad []string
	for _, name := range mp.Sources {
		src, ok := r.Pipeline.Source(name)
		if !ok {
			continue
		}
		col := RawPartitionColumn(src)
		_, n, err := r.dryRun(ctx, fmt.Sprintf("SELECT %s FROM %s", col, r.qualified(r.Names.Raw, name)), nil)
		if err != nil {
			return err
		}
		if n > 0 {
			bad = append(bad, fmt.Sprintf("source('raw', '%s') (add %s >= @start, or an expression of @start such as TIMESTAMP_SUB(@start, INTERVAL 1 DAY))", name, col))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("dry run: the query would process %d bytes whatever its time range (@start, @end): an incremental model must filter the partition column of %s so BigQuery reads only the partitions of the range",
		all, strings.Join(bad, " and "))
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
