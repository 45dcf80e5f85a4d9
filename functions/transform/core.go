package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"

	"github.com/sluice-data/sluice/functions/ingest"
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
	Pipeline *config.Pipeline
	Names    gcp.Names
	Now      func() time.Time
	Log      *slog.Logger
}

// Run rebuilds every curated model in dependency order, then publishes
// transform.completed. Each model replaces its table (WRITE_TRUNCATE) under a
// job id derived from the run id, so a retried run does not apply twice.
// Run parameters are query parameters: @run_date (DATE). No model reads the
// clock.
func (r *Runner) Run(ctx context.Context, runID string, runDate time.Time) (*events.TransformCompletedData, error) {
	plans, err := Plan(r.Pipeline, r.BigQuery.Project(), r.Names.Raw, r.Names.Curated)
	if err != nil {
		return nil, err
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
		if _, err := bq.EnsureTable(ctx, r.BigQuery, r.Names.Raw, src.Name, &bigquery.TableMetadata{
			Description: src.Description, Schema: ingest.RawSchema(src),
		}); err != nil {
			return nil, err
		}
	}
	params := []bigquery.QueryParameter{{Name: "run_date", Value: civilDate(runDate)}}
	out := &events.TransformCompletedData{RunID: runID, RunDate: runDate.Format("2006-01-02")}
	for _, mp := range plans {
		start := r.Now()
		jobID := fmt.Sprintf("sluice_transform_%s_%s", runID, mp.Model.Name)
		if _, err := bq.QueryToTable(ctx, r.BigQuery, jobID, mp.SQL, r.Names.Curated, mp.Model.Name, params); err != nil {
			return nil, fmt.Errorf("model %s (%s): %w", mp.Model.Name, mp.Model.File, err)
		}
		n, err := bq.NumRows(ctx, r.BigQuery, r.Names.Curated, mp.Model.Name)
		if err != nil {
			return nil, err
		}
		if mp.Model.Description != "" {
			if _, err := r.BigQuery.Dataset(r.Names.Curated).Table(mp.Model.Name).Update(ctx,
				bigquery.TableMetadataToUpdate{Description: mp.Model.Description}, ""); err != nil {
				return nil, fmt.Errorf("bigquery.Table(%s).Update: %w", mp.Model.Name, err)
			}
		}
		r.Log.Info("model built", "run_id", runID, "model", mp.Model.Name, "rows", n, "seconds", r.Now().Sub(start).Seconds())
		out.Tables = append(out.Tables, events.TableCount{Table: mp.Model.Name, Rows: n})
	}
	out.CompletedAt = r.Now().UTC()
	if err := Publish(ctx, r.PubSub, r.Names.TransformCompleted, events.TransformCompleted, runID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Publish sends a stage event as a Pub/Sub message with attributes "event"
// and "run_id", and waits until the service has it.
func Publish(ctx context.Context, c *pubsub.Client, topic, event, runID string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", event, err)
	}
	pub := c.Publisher(topic)
	defer pub.Stop()
	res := pub.Publish(ctx, &pubsub.Message{Data: b, Attributes: map[string]string{"event": event, "run_id": runID}})
	if _, err := res.Get(ctx); err != nil {
		return fmt.Errorf("pubsub.Publisher(%s).Publish(%s): %w", topic, event, err)
	}
	return nil
}
