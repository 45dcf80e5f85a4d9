// Command transform is the transform function as an AWS Lambda function
// (runtime provided.al2023, binary named bootstrap): a thin decoder over the
// same core as the Cloud Function (functions/transform.Runner). An
// EventBridge schedule (Scheduler input, or a rule's "Scheduled Event") or a
// manual invoke with the HTTP function's request fields ({"run_id",
// "run_date", "full_refresh"}, all optional) rebuilds the curated models;
// transform.completed goes to the SNS topic
// <SLUICE_SNS_TOPIC_ARN_PREFIX><deployed transform_completed topic>. The
// response is the transform.completed payload, or {"run_id", "skipped"}
// when another run holds the lock. A failing model or assertion fails the
// invocation (Lambda retries an asynchronous invoke, then sends it to the
// on-failure destination). Google credentials come from workload identity
// federation, as for the ingest Lambda.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/logging"
)

func main() {
	lambda.Start(newHandler(&trigger.Env{}, logging.New(logging.Stdout, slog.LevelInfo)).Handle)
}

// Skipped is the response when another run holds the lock.
type Skipped struct {
	RunID   string `json:"run_id"`
	Skipped string `json:"skipped"`
}

func newHandler(env *trigger.Env, log *slog.Logger) *trigger.Handler {
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
