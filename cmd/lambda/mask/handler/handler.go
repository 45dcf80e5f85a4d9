// Package handler is the mask Lambda's handler: the cmd/lambda/mask
// binary is lambda.Start(handler.New(...).Handle), and a local runner
// (sluice demo --cloud aws) starts the same loop in process.
package handler

import (
	"context"
	"fmt"
	"log/slog"
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
