package transform

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// Runner runs the curated models. It is the pure core of the transform
// function: clients, config and clock come in as fields.
type Runner struct {
	BigQuery *bigquery.Client
	PubSub   *pubsub.Client
	// Events is where transform.completed goes; nil: Pub/Sub through PubSub.
	Events   events.Publisher
	Pipeline *config.Pipeline
	Names    gcp.Names
	Now      func() time.Time
	Log      *slog.Logger
}

// RunOptions narrow or steer a run. The zero value is a scheduled run.
type RunOptions struct {
	// Models limits the run to these models (in dependency order); the
	// models they read are not rebuilt (a CDC current-state table they
	// read that does not exist yet is built first). Empty means every
	// model.
	Models []string
	// Start and End, when set, are the time range incremental models
	// process instead of [watermark, end of the run date).
	Start, End time.Time
	// FullRefresh rebuilds incremental models from all of history.
	FullRefresh bool
	// NoPublish leaves transform.completed unpublished (backfill stages).
	NoPublish bool
}

// Run rebuilds every curated model in dependency order, checks each
// model's assertions after building it, records one history row per model
// in <ops>.runs, then publishes transform.completed. A failing assertion
// skips the models downstream and returns an *AssertionError without
// publishing. A run that finds another run holding the lock returns
// ErrLocked having done nothing. Each model is dry-run first, then built as
// its header says (see build): a table is replaced (WRITE_TRUNCATE), a view
// re-created, an incremental model MERGEs its new time range. Every job
// has an id derived from the run id, so a retried run does not apply twice.
// Run parameters are query parameters: @run_date (DATE), and @start and
// @end (TIMESTAMP) for incremental models. No model reads the clock.
func (r *Runner) Run(ctx context.Context, runID string, runDate time.Time) (*events.TransformCompletedData, error) {
	return r.RunWith(ctx, runID, runDate, RunOptions{})
}

// RunWith is Run narrowed or steered by opts.
func (r *Runner) RunWith(ctx context.Context, runID string, runDate time.Time, opts RunOptions) (*events.TransformCompletedData, error) {
	plans, err := Plan(r.Pipeline, r.BigQuery.Project(), r.Names.Raw, r.Names.Curated)
	if err != nil {
		return nil, err
	}
	if len(opts.Models) > 0 {
		var sel []ModelPlan
		for _, mp := range plans {
			if slices.Contains(opts.Models, mp.Model.Name) {
				sel = append(sel, mp)
			}
		}
		if len(sel) != len(opts.Models) {
			return nil, fmt.Errorf("run: models %v: some name no model in pipeline.yaml", opts.Models)
		}
		// A CDC current-state table that a selected model reads, and that
		// no run has built yet, is built first: it reads only its
		// changelog, and without it the model cannot run.
		var missing []ModelPlan
		for _, mp := range plans {
			if mp.CDC == nil || slices.Contains(opts.Models, mp.Model.Name) || !readBy(mp.Model.Name, sel) {
				continue
			}
			if _, err := r.table(mp.Model.Name).Metadata(ctx); bq.IsNotFound(err) {
				missing = append(missing, mp)
			}
		}
		plans = append(missing, sel...)
	}
	if err := bq.EnsureDataset(ctx, r.BigQuery, r.Names.Curated, "Clean entity tables built by the sluice models."); err != nil {
		return nil, err
	}
	// A source that has not received data yet still has a (empty) raw
	// table, so models that read it run instead of failing.
	if err := bq.EnsureDataset(ctx, r.BigQuery, r.Names.Raw, "Landed as received, plus metadata columns."); err != nil {
		return nil, err
	}
	for i := range r.Pipeline.Sources {
		src := &r.Pipeline.Sources[i]
		if _, err := bq.EnsureTable(ctx, r.BigQuery, r.Names.Raw, src.Name, bq.RawTableMetadata(src)); err != nil {
			return nil, err
		}
	}
	if err := r.ensureHistory(ctx); err != nil {
		return nil, err
	}
	if err := r.ensureWatermarks(ctx); err != nil {
		return nil, err
	}
	unlock, err := r.lock(ctx, runID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	params := []bigquery.QueryParameter{{Name: "run_date", Value: civilDate(runDate)}}
	out := &events.TransformCompletedData{RunID: runID, RunDate: runDate.Format("2006-01-02")}
	blocked := map[string]bool{} // models that failed an assertion or were skipped
	var failures []string
	for _, mp := range plans {
		start := r.Now()
		rec := RunRecord{RunID: runID, Stage: "transform", Model: mp.Model.Name, StartedAt: start}
		if dep := firstBlocked(mp.Deps, blocked); dep != "" {
			blocked[mp.Model.Name] = true
			rec.EndedAt, rec.Status, rec.Error = r.Now(), StatusSkipped, "upstream model "+dep+" failed"
			r.Log.Warn("model skipped", "run_id", runID, "model", mp.Model.Name, "upstream", dep)
			if err := r.record(ctx, rec); err != nil {
				return nil, err
			}
			continue
		}
		b, err := r.build(ctx, runID, mp, runDate, opts)
		n := b.rows
		rec.BytesProcessed = b.bytes
		if err == nil {
			var fails []string
			fails, err = r.assert(ctx, mp.Model, params)
			if err == nil && len(fails) > 0 {
				blocked[mp.Model.Name] = true
				failures = append(failures, fails...)
				rec.EndedAt, rec.Rows, rec.Status, rec.Error = r.Now(), n, StatusAssertionFailed, strings.Join(fails, "; ")
				r.Log.Error("assertion failed", "run_id", runID, "model", mp.Model.Name, "failures", rec.Error)
				if err := r.record(ctx, rec); err != nil {
					return nil, err
				}
				continue
			}
		}
		if err != nil {
			rec.EndedAt, rec.Status, rec.Error = r.Now(), StatusError, err.Error()
			if herr := r.record(ctx, rec); herr != nil {
				r.Log.Error("run history", "error", herr.Error())
			}
			return nil, err
		}
		rec.EndedAt, rec.Rows, rec.Status = r.Now(), n, StatusOK
		if err := r.record(ctx, rec); err != nil {
			return nil, err
		}
		r.Log.Info("model built", "run_id", runID, "model", mp.Model.Name, "rows", n, "seconds", r.Now().Sub(start).Seconds())
		r.emitFreshness(ctx, plans, mp, start)
		out.Tables = append(out.Tables, events.TableCount{Table: mp.Model.Name, Rows: n})
	}
	if len(failures) > 0 {
		return nil, &AssertionError{Failures: failures}
	}
	out.CompletedAt = r.Now().UTC()
	if opts.NoPublish {
		return out, nil
	}
	if err := events.Send(ctx, events.PublisherOr(r.Events, r.PubSub), r.Names.TransformCompleted, events.TransformCompleted, runID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// AssertionError is returned when a model fails an assertion: the models
// downstream of it were skipped and transform.completed was not published.
type AssertionError struct {
	Failures []string
}

func (e *AssertionError) Error() string {
	return "assertions failed; models downstream skipped and transform.completed not published:\n  " + strings.Join(e.Failures, "\n  ")
}

func readBy(table string, plans []ModelPlan) bool {
	for _, mp := range plans {
		if slices.Contains(mp.Deps, table) {
			return true
		}
	}
	return false
}

func firstBlocked(deps []string, blocked map[string]bool) string {
	for _, d := range deps {
		if blocked[d] {
			return d
		}
	}
	return ""
}
