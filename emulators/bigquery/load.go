package bigquery

import (
	"context"
	"net/http"

	bq "google.golang.org/api/bigquery/v2"
)

func (s *Server) runLoadJob(ctx context.Context, job *bq.Job, data []byte) error {
	return invalid("load jobs are not implemented yet")
}

func (s *Server) runExtractJob(ctx context.Context, job *bq.Job) error {
	return invalid("extract jobs are not implemented yet")
}

func (s *Server) runCopyJob(ctx context.Context, job *bq.Job) error {
	return invalid("copy jobs are not implemented yet")
}

func (s *Server) uploadJob(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, invalid("uploads are not implemented yet")
}
