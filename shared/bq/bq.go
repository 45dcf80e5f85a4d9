// Package bq holds the BigQuery calls more than one function makes: creating
// datasets and tables idempotently, classifying errors into "retry" and
// "bad data", and running a query into a table with a deterministic job id.
package bq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
)

// EnsureDataset creates a dataset if it does not exist.
func EnsureDataset(ctx context.Context, c *bigquery.Client, id, description string) error {
	err := c.Dataset(id).Create(ctx, &bigquery.DatasetMetadata{Description: description})
	if err != nil && !IsConflict(err) {
		return fmt.Errorf("bigquery.Dataset(%s).Create: %w", id, err)
	}
	return nil
}

// EnsureTable returns the table's metadata, creating it from md if it does
// not exist yet.
func EnsureTable(ctx context.Context, c *bigquery.Client, dataset, table string, md *bigquery.TableMetadata) (*bigquery.TableMetadata, error) {
	t := c.Dataset(dataset).Table(table)
	got, err := t.Metadata(ctx)
	if err == nil {
		return got, nil
	}
	if !IsNotFound(err) {
		return nil, fmt.Errorf("bigquery.Table(%s.%s).Metadata: %w", dataset, table, err)
	}
	if err := t.Create(ctx, md); err != nil && !IsConflict(err) {
		return nil, fmt.Errorf("bigquery.Table(%s.%s).Create: %w", dataset, table, err)
	}
	got, err = t.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("bigquery.Table(%s.%s).Metadata: %w", dataset, table, err)
	}
	return got, nil
}

// QueryToTable runs sql into dataset.table, replacing its contents, under a
// deterministic job id so that a retried call does not run twice. A job id
// that already exists means an earlier attempt ran it: the job is awaited.
func QueryToTable(ctx context.Context, c *bigquery.Client, jobID, sql, dataset, table string, params []bigquery.QueryParameter) (*bigquery.JobStatus, error) {
	q := c.Query(sql)
	q.JobID = jobID
	q.Parameters = params
	q.Dst = c.Dataset(dataset).Table(table)
	q.WriteDisposition = bigquery.WriteTruncate
	q.CreateDisposition = bigquery.CreateIfNeeded
	job, err := q.Run(ctx)
	if IsConflict(err) {
		job, err = c.JobFromID(ctx, jobID)
	}
	if err != nil {
		return nil, fmt.Errorf("bigquery.Query(%s).Run: %w", jobID, err)
	}
	st, err := job.Wait(ctx)
	if err != nil {
		return nil, fmt.Errorf("bigquery.Job(%s).Wait: %w", jobID, err)
	}
	if err := st.Err(); err != nil {
		return st, fmt.Errorf("query %s into %s.%s: %w", jobID, dataset, table, err)
	}
	return st, nil
}

// ReadAll runs a query and returns every row. It is for small results:
// counts, summaries, test assertions.
func ReadAll(ctx context.Context, c *bigquery.Client, sql string) ([][]bigquery.Value, error) {
	it, err := c.Query(sql).Read(ctx)
	if err != nil {
		return nil, err
	}
	var rows [][]bigquery.Value
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// NumRows returns the row count of a table.
func NumRows(ctx context.Context, c *bigquery.Client, dataset, table string) (int64, error) {
	rows, err := ReadAll(ctx, c, fmt.Sprintf("SELECT COUNT(*) FROM `%s.%s.%s`", c.Project(), dataset, table))
	if err != nil {
		return 0, fmt.Errorf("count %s.%s: %w", dataset, table, err)
	}
	if len(rows) == 0 || len(rows[0]) == 0 {
		return 0, nil
	}
	n, _ := rows[0][0].(int64)
	return n, nil
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return httpCode(err) == http.StatusNotFound }

// IsConflict reports a 409 (already exists).
func IsConflict(err error) bool { return httpCode(err) == http.StatusConflict }

// IsRetryable reports a fault worth retrying: 429, 5xx, network errors and
// timeouts. A 400 (bad request, invalid data) is not.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	code := httpCode(err)
	return code == http.StatusTooManyRequests || code >= 500
}

func httpCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}
