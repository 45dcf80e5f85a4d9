// Package handler is the mask Lambda's handler: the cmd/lambda/mask
// binary is lambda.Start(handler.New(...).Handle), and a local runner
// (sluice demo --cloud aws) starts the same loop in process.
package handler

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/shared/events"
)

// New is the mask stage's handler.
func New(env *trigger.Env, log *slog.Logger) *trigger.Handler {
	return &trigger.Handler{Stage: "mask", Log: log,
		Completion: func(ctx context.Context, tc trigger.Completion) (any, error) {
			var done events.TransformCompletedData
			if err := tc.Decode(events.TransformCompleted, &done); err != nil {
				return nil, fmt.Errorf("mask Lambda: %w", err)
			}
			c, pub, err := env.Get(ctx)
			if err != nil {
				return nil, fmt.Errorf("mask Lambda: %w", err)
			}
			key, wrapped, err := mask.Keys(c.Env)
			if err != nil {
				return nil, err
			}
			m := &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, Storage: c.Storage, Events: pub, Pipeline: c.Pipeline, Names: c.Names,
				Project: c.Env.Project, TokenKey: key, Wrapped: wrapped, Now: time.Now, Log: log}
			// The DLP tuning variables apply as on Google Cloud. Fan-out does
			// not: its range tasks go to a mask-tasks topic the mask function
			// consumes, and on AWS no such SNS topic and subscription exist, so
			// the tasks would be published to nobody and mask.completed never
			// sent. Refuse the variable instead of ignoring it.
			if err := m.Tune(os.Getenv); err != nil {
				return nil, fmt.Errorf("mask Lambda: %w", err)
			}
			if m.FanOutRows > 0 {
				return nil, fmt.Errorf("mask Lambda: %s=%d is set, but fan-out is built on Google Cloud only (the range tasks need the mask-tasks topic and its trigger); unset it: the Lambda masks every table in one invocation (up to 15 minutes)", mask.EnvFanOutRows, m.FanOutRows)
			}
			out, err := m.Run(ctx, done.RunID, done.RunDate)
			if err != nil {
				log.Error("mask failed", "run_id", done.RunID, "error", err.Error())
				return nil, err
			}
			log.Info("mask completed", "run_id", done.RunID, "tables", len(out.Tables), "dlp_bytes", out.DLPBytes, "withheld", out.Withheld)
			return out, nil
		},
	}
}
