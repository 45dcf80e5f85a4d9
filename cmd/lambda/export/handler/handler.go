// Package handler is the export Lambda's handler: the cmd/lambda/export
// binary is lambda.Start(handler.New(...).Handle), and a local runner
// (sluice demo --cloud aws) starts the same loop in process.
package handler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/functions/export"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/blob"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

// New serves the export stage; pipeline, when not nil, replaces the
// embedded pipeline.yaml (tests).
func New(env *trigger.Env, log *slog.Logger, pipeline *config.Pipeline) *trigger.Handler {
	run := func(ctx context.Context, runID, runDate, trig string) (any, error) {
		c, pub, err := env.Get(ctx)
		if err != nil {
			return nil, fmt.Errorf("export Lambda: %w", err)
		}
		s3c, err := env.S3(ctx)
		if err != nil {
			return nil, fmt.Errorf("export Lambda: %w", err)
		}
		p := c.Pipeline
		if pipeline != nil {
			p = pipeline
		}
		x := &export.Exporter{BigQuery: c.BigQuery, Storage: c.Storage, Events: pub, Pipeline: p, Names: c.Names, Now: time.Now, Log: log,
			S3: func(bucket string) blob.Bucket { return sluiceaws.S3Bucket{Client: s3c, Name: bucket} }}
		out, err := x.Run(ctx, runID, runDate, trig)
		if err != nil {
			log.Error("export failed", "run_id", runID, "error", err.Error())
			return nil, err
		}
		return out, nil
	}
	return &trigger.Handler{Stage: "export", Log: log,
		Schedule: func(ctx context.Context, s trigger.Schedule) (any, error) {
			var req events.ScheduleFiredData
			if err := s.Decode(&req); err != nil {
				return nil, fmt.Errorf("export Lambda: request %s: want a JSON object with run_date (YYYY-MM-DD), optional: %w", s.Request, err)
			}
			runDate := s.Time.Format("2006-01-02")
			if req.RunDate != "" {
				if _, err := time.Parse("2006-01-02", req.RunDate); err != nil {
					return nil, fmt.Errorf("export Lambda: run_date %q: want YYYY-MM-DD", req.RunDate)
				}
				runDate = req.RunDate
			}
			return run(ctx, events.NewRunID(s.Time), runDate, "schedule")
		},
		Completion: func(ctx context.Context, tc trigger.Completion) (any, error) {
			var done events.MaskCompletedData
			if err := tc.Decode(events.MaskCompleted, &done); err != nil {
				return nil, fmt.Errorf("export Lambda: %w", err)
			}
			return run(ctx, done.RunID, done.RunDate, "mask.completed")
		},
	}
}
