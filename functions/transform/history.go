package transform

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/metrics"
)

// RunsTable is the run history table in the operations dataset.
const RunsTable = "runs"

// Run statuses in the history.
const (
	StatusOK              = "ok"
	StatusError           = "error"
	StatusAssertionFailed = "assertion_failed"
	StatusSkipped         = "skipped" // a model upstream failed
)

// RunsSchema is the schema of <ops>.runs.
var RunsSchema = bigquery.Schema{
	{Name: "run_id", Type: bigquery.StringFieldType, Required: true},
	{Name: "stage", Type: bigquery.StringFieldType, Required: true},
	{Name: "model", Type: bigquery.StringFieldType},
	{Name: "started_at", Type: bigquery.TimestampFieldType},
	{Name: "ended_at", Type: bigquery.TimestampFieldType},
	{Name: "rows", Type: bigquery.IntegerFieldType},
	{Name: "bytes_processed", Type: bigquery.IntegerFieldType, Description: "the dry run's estimate of the bytes the model's query reads"},
	{Name: "status", Type: bigquery.StringFieldType},
	{Name: "error", Type: bigquery.StringFieldType},
}

// RunRecord is one row of the run history: one model of one run.
type RunRecord struct {
	RunID     string
	Stage     string
	Model     string
	StartedAt time.Time
	EndedAt   time.Time
	Rows      int64
	// BytesProcessed is the dry run's estimate for the model's query.
	BytesProcessed int64
	Status         string
	Error          string
}

// Save implements bigquery.ValueSaver; the insert id run_id:model makes a
// retried run's rows collapse onto the first ones.
func (rr RunRecord) Save() (map[string]bigquery.Value, string, error) {
	m := map[string]bigquery.Value{
		"run_id": rr.RunID, "stage": rr.Stage, "model": rr.Model,
		"started_at": rr.StartedAt.UTC(), "ended_at": rr.EndedAt.UTC(),
		"rows": rr.Rows, "bytes_processed": rr.BytesProcessed, "status": rr.Status, "error": nil,
	}
	if rr.Error != "" {
		m["error"] = rr.Error
	}
	return m, rr.RunID + ":" + rr.Model, nil
}

func (r *Runner) ensureHistory(ctx context.Context) error {
	if err := bq.EnsureDataset(ctx, r.BigQuery, r.Names.Ops, "sluice operations: run history, watermarks, rejects."); err != nil {
		return err
	}
	md, err := bq.EnsureTable(ctx, r.BigQuery, r.Names.Ops, RunsTable, &bigquery.TableMetadata{
		Description: "One row per model per transform run.", Schema: RunsSchema,
	})
	if err != nil {
		return err
	}
	// A history table made before a column existed gets it (as NULLABLE).
	have := map[string]bool{}
	for _, f := range md.Schema {
		have[f.Name] = true
	}
	next := append(bigquery.Schema{}, md.Schema...)
	for _, f := range RunsSchema {
		if !have[f.Name] {
			c := *f
			c.Required = false
			next = append(next, &c)
		}
	}
	if len(next) > len(md.Schema) {
		if _, err := r.BigQuery.Dataset(r.Names.Ops).Table(RunsTable).Update(ctx, bigquery.TableMetadataToUpdate{Schema: next}, ""); err != nil {
			return fmt.Errorf("add columns to %s.%s: %w", r.Names.Ops, RunsTable, err)
		}
	}
	return nil
}

func (r *Runner) record(ctx context.Context, rec RunRecord) error {
	if err := r.BigQuery.Dataset(r.Names.Ops).Table(RunsTable).Inserter().Put(ctx, rec); err != nil {
		return fmt.Errorf("run history %s:%s: %w", rec.RunID, rec.Model, err)
	}
	metrics.Emit(ctx, r.Log, metrics.RunDuration, rec.EndedAt.Sub(rec.StartedAt).Seconds(), "stage", rec.Stage, "table", rec.Model, "status", rec.Status)
	if rec.Status == StatusAssertionFailed {
		metrics.Emit(ctx, r.Log, metrics.AssertionFailure, float64(max(1, strings.Count(rec.Error, "; ")+1)), "table", rec.Model)
	}
	return nil
}
