// Command mask is the mask function as an AWS Lambda function (runtime
// provided.al2023, binary named bootstrap): a thin decoder over the same
// core as the Cloud Function (functions/mask.Masker). It takes
// transform.completed from SNS (subscribed to the topic, or through an SQS
// queue subscribed to it, with per-message failure reporting), masks the
// curated tables through DLP into published and publishes mask.completed to
// SNS. It fails closed as on Google Cloud: a DLP error fails the invocation
// before anything unmasked is written. The tokenisation key is the file
// SLUICE_TOKEN_KEY_FILE (32 or 64 bytes), as for the Cloud Function.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/logging"
)

func main() {
	lambda.Start(newHandler(&trigger.Env{}, logging.New(logging.Stdout, slog.LevelInfo)).Handle)
}

func newHandler(env *trigger.Env, log *slog.Logger) *trigger.Handler {
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
			m := &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, Events: pub, Pipeline: c.Pipeline, Names: c.Names,
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
