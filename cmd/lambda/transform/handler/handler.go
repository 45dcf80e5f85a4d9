// Package handler is the transform Lambda's handler: the cmd/lambda/transform
// binary is lambda.Start(handler.New(...).Handle), and a local runner
// (sluice demo --cloud aws) starts the same loop in process.
package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/functions/transform"
)

// Skipped is the response when another run holds the lock.
type Skipped struct {
	RunID   string `json:"run_id"`
	Skipped string `json:"skipped"`
}

// New is the transform stage's handler.
func New(env *trigger.Env, log *slog.Logger) *trigger.Handler {
	return &trigger.Handler{Stage: "transform", Log: log,
		Schedule: func(ctx context.Context, s trigger.Schedule) (any, error) {
			var req transform.Request
			if err := s.Decode(&req); err != nil {
				return nil, fmt.Errorf("transform Lambda: request %s: want a JSON object with run_id, run_date (YYYY-MM-DD) or full_refresh, all optional: %w", s.Request, err)
			}
			call, err := req.Resolve(s.Time)
			if err != nil {
				return nil, err
			}
			c, pub, err := env.Get(ctx)
			if err != nil {
				return nil, fmt.Errorf("transform Lambda: %w", err)
			}
			r := &transform.Runner{BigQuery: c.BigQuery, Events: pub, Pipeline: c.Pipeline, Names: c.Names, Now: time.Now, Log: log}
			out, err := r.RunWith(ctx, call.RunID, call.RunDate, call.Options)
			if errors.Is(err, transform.ErrLocked) {
				// Another run is working: succeed, a retry would only queue up.
				log.Warn("transform skipped", "run_id", call.RunID, "reason", err.Error())
				return Skipped{RunID: call.RunID, Skipped: err.Error()}, nil
			}
			if err != nil {
				log.Error("transform failed", "run_id", call.RunID, "error", err.Error())
				return nil, err
			}
			return out, nil
		},
	}
}
