// Command ingest is the ingest function as an AWS Lambda function (runtime
// provided.al2023, binary named bootstrap): a thin decoder over the same
// core as the Cloud Function (functions/ingest.Lander). It takes
//
//   - S3 ObjectCreated notifications, direct, through SQS, through SNS, or
//     as EventBridge "Object Created" events: the object is read with the
//     AWS SDK S3 client and routed by key prefix (gcs_prefix in
//     pipeline.yaml), exactly as a Cloud Storage object is;
//   - SQS messages whose bodies are records (the formats a Pub/Sub message
//     carries), routed by the "source" message attribute, else by the queue
//     name as the topic; failures are reported per message
//     (SQSEventResponse.BatchItemFailures), so one message that cannot be
//     handled retries alone and reaches the dead-letter queue alone;
//   - SNS notifications, routed the same way by attribute or topic name.
//
// Bad data lands in the rejects table and is acknowledged; only faults
// worth retrying fail an invocation or a message. It reaches BigQuery with
// the same environment as the Cloud Functions (SLUICE_PROJECT, SLUICE_ENV,
// and Google credentials: on AWS an external-account configuration for
// workload identity federation named by GOOGLE_APPLICATION_CREDENTIALS).
// SLUICE_S3_ARCHIVE_BUCKET names the S3 bucket objects are archived to
// (default: the archive bucket name of pipeline.yaml).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/functions/ingest"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

func main() {
	lambda.Start(newFromEnv().Handle)
}

// newFromEnv builds the handler whose clients are made on first use:
// a construction error fails that invocation (it is retried), it does not
// crash the runtime.
func newFromEnv() *Handler {
	log := logging.New(logging.Stdout, slog.LevelInfo)
	var (
		cache   gcp.Cache
		mu      sync.Mutex
		landers = map[*gcp.Clients]*ingest.Lander{}
		s3c     sluiceaws.S3API
	)
	return &Handler{
		Log: log,
		Env: func(ctx context.Context) (*ingest.Lander, Objects, error) {
			c, err := cache.Get(ctx)
			if err != nil {
				return nil, Objects{}, fmt.Errorf("ingest: clients: %w", err)
			}
			mu.Lock()
			defer mu.Unlock()
			l, ok := landers[c]
			if !ok {
				l = &ingest.Lander{BigQuery: c.BigQuery, Storage: c.Storage, Pipeline: c.Pipeline, Names: c.Names,
					Now: time.Now, Log: log, Coalesce: &ingest.Coalescer{}}
				landers[c] = l
			}
			if s3c == nil {
				cl, err := sluiceaws.NewS3Client(ctx, sluiceaws.S3Options{})
				if err != nil {
					return nil, Objects{}, err
				}
				s3c = cl
			}
			archive := os.Getenv("SLUICE_S3_ARCHIVE_BUCKET")
			if archive == "" {
				archive = c.Names.Archive
			}
			return l, Objects{S3: s3c, Archive: archive}, nil
		},
	}
}
