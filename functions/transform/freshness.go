package transform

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/metrics"
)

// UpstreamSources is every raw table the model reads, directly or through
// the models it reads, sorted.
func UpstreamSources(plans []ModelPlan, model string) []string {
	by := map[string]*ModelPlan{}
	for i := range plans {
		by[plans[i].Model.Name] = &plans[i]
	}
	seen := map[string]bool{}
	var out []string
	var walk func(string)
	walk = func(n string) {
		mp := by[n]
		if mp == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, s := range mp.Sources {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		for _, d := range mp.Deps {
			walk(d)
		}
	}
	walk(model)
	sort.Strings(out)
	return out
}

// NewestIngested is the newest _ingested_at in the given raw tables that is
// not after asOf: the newest data a model built at asOf could have read.
// ok is false when those tables held nothing then.
func NewestIngested(ctx context.Context, c *bigquery.Client, rawDataset string, sources []string, asOf time.Time) (newest time.Time, ok bool, err error) {
	if len(sources) == 0 {
		return time.Time{}, false, nil
	}
	var parts []string
	for _, s := range sources {
		parts = append(parts, fmt.Sprintf("SELECT MAX(`%s`) AS t FROM `%s.%s` WHERE `%s` <= @as_of", bq.ColIngestedAt, rawDataset, s, bq.ColIngestedAt))
	}
	q := c.Query("SELECT MAX(t) AS newest FROM (" + strings.Join(parts, " UNION ALL ") + ")")
	q.Parameters = []bigquery.QueryParameter{{Name: "as_of", Value: asOf}}
	it, err := q.Read(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("newest data of %s: %w", strings.Join(sources, ", "), err)
	}
	var row struct{ Newest bigquery.NullTimestamp }
	if err := it.Next(&row); err != nil && err != iterator.Done {
		return time.Time{}, false, fmt.Errorf("newest data of %s: %w", strings.Join(sources, ", "), err)
	}
	return row.Newest.Timestamp, row.Newest.Valid, nil
}

// ModelNewest is the newest data a model holds after a build that started
// at builtAt: an incremental model's watermark (the newest time_column
// value it has processed); for a table or view, the newest row its raw
// sources had landed when the build started.
func (r *Runner) ModelNewest(ctx context.Context, plans []ModelPlan, mp ModelPlan, builtAt time.Time) (time.Time, bool, error) {
	if mp.Options.Materialization() == config.MaterializedIncremental {
		return r.Watermark(ctx, mp.Model.Name)
	}
	return NewestIngested(ctx, r.BigQuery, r.Names.Raw, UpstreamSources(plans, mp.Model.Name), builtAt)
}

// emitFreshness writes freshness_seconds for a model just built: how old
// its newest data is now. A failure to read it is logged, not returned:
// the model was built.
func (r *Runner) emitFreshness(ctx context.Context, plans []ModelPlan, mp ModelPlan, builtAt time.Time) {
	newest, ok, err := r.ModelNewest(ctx, plans, mp, builtAt)
	if err != nil {
		r.Log.Warn("freshness", "model", mp.Model.Name, "error", err.Error())
		return
	}
	if ok {
		metrics.Emit(ctx, r.Log, metrics.Freshness, r.Now().Sub(newest).Seconds(), "table", mp.Model.Name)
	}
}
