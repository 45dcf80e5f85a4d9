package transform

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-data/sluice/shared/events"
)

// BackfillOptions say what a backfill does.
type BackfillOptions struct {
	Model    string
	From, To time.Time // days, inclusive
	// FullRefresh drops the model's table and watermark first, so the
	// table holds exactly the range afterwards.
	FullRefresh bool
	// RunID prefixes the run id of each stage (one stage per day).
	RunID string
	// Progress, if set, is called after each stage.
	Progress func(day time.Time, done, total int)
}

// Backfill re-processes one model over a range of days, one day per stage:
// stage D runs the model alone with run date D and time range
// [D, D+1 day), through RunWith (so the lock, the dry run, assertions and
// the run history apply). Every stage is an idempotent merge, so a
// backfill may be repeated or resumed. The current-state table of a CDC
// source is dropped with its watermark and rebuilt from the whole
// changelog, whatever the days (this is how a breaking change in the
// source is taken in). A table or view model is not
// time-ranged: it is rebuilt once, with run date To. Models downstream
// are not rebuilt and nothing is published; the next scheduled run does
// both.
func (r *Runner) Backfill(ctx context.Context, o BackfillOptions) error {
	plans, err := Plan(r.Pipeline, r.BigQuery.Project(), r.Names.Raw, r.Names.Curated)
	if err != nil {
		return err
	}
	var mp *ModelPlan
	for i := range plans {
		if plans[i].Model.Name == o.Model {
			mp = &plans[i]
		}
	}
	if mp == nil {
		return fmt.Errorf("backfill: no model %q in pipeline.yaml", o.Model)
	}
	from, to := day(o.From), day(o.To)
	if to.Before(from) {
		return fmt.Errorf("backfill: --to %s is before --from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if o.RunID == "" {
		o.RunID = events.NewRunID(r.Now())
	}
	stage := func(d time.Time, opts RunOptions) error {
		opts.Models, opts.NoPublish = []string{o.Model}, true
		_, err := r.RunWith(ctx, fmt.Sprintf("%s_%s", o.RunID, d.Format("20060102")), d, opts)
		return err
	}
	if mp.CDC != nil {
		if err := r.ensureHistory(ctx); err != nil {
			return err
		}
		if err := r.ensureWatermarks(ctx); err != nil {
			return err
		}
		if err := r.resetIncremental(ctx, o.Model); err != nil {
			return err
		}
		if err := stage(to, RunOptions{FullRefresh: true}); err != nil {
			return fmt.Errorf("backfill %s from the whole changelog of raw.%s: %w", o.Model, mp.CDC.Name, err)
		}
		if o.Progress != nil {
			o.Progress(to, 1, 1)
		}
		return nil
	}
	if !mp.Options.IsIncremental() {
		if err := stage(to, RunOptions{}); err != nil {
			return err
		}
		if o.Progress != nil {
			o.Progress(to, 1, 1)
		}
		return nil
	}
	if o.FullRefresh {
		if err := r.ensureHistory(ctx); err != nil {
			return err
		}
		if err := r.ensureWatermarks(ctx); err != nil {
			return err
		}
		if err := r.resetIncremental(ctx, o.Model); err != nil {
			return err
		}
	}
	total := int(to.Sub(from)/(24*time.Hour)) + 1
	for i, d := 0, from; !d.After(to); i, d = i+1, d.AddDate(0, 0, 1) {
		if err := stage(d, RunOptions{Start: d, End: d.AddDate(0, 0, 1)}); err != nil {
			return fmt.Errorf("backfill %s day %s: %w", o.Model, d.Format(time.DateOnly), err)
		}
		if o.Progress != nil {
			o.Progress(d, i+1, total)
		}
	}
	return nil
}

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
