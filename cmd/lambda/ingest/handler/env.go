// Package handler is the ingest Lambda's handler: the cmd/lambda/ingest
// binary is lambda.Start(handler.NewFromEnv().Handle), and a local runner
// (sluice demo --cloud aws) starts the same loop in process.
package handler

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sluice-data/sluice/functions/ingest"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

// NewFromEnv builds the handler whose clients are made on first use:
// a construction error fails that invocation (it is retried), it does not
// crash the runtime.
func NewFromEnv() *Handler {
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
