package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/bq"
)

// LockTable is the table in the operations dataset whose existence is the
// transform run lock: creating a table is atomic (a second create gets 409
// Conflict), so exactly one run holds it.
const LockTable = "_transform_lock"

// LockTTL is how long a lock is honoured: a holder that crashed without
// releasing it stops blocking runs after this.
const LockTTL = time.Hour

// ErrLocked means another run holds the transform lock; the run did
// nothing and should not be retried.
var ErrLocked = errors.New("another transform run holds the lock")

// lock takes the run lock for runID and returns its release. A retry of
// the holding run (same run id) re-enters it.
func (r *Runner) lock(ctx context.Context, runID string) (func(), error) {
	t := r.BigQuery.Dataset(r.Names.Ops).Table(LockTable)
	desc := func(id string) string { return "held by run " + id }
	release := func() {
		ctx := context.WithoutCancel(ctx)
		if md, err := t.Metadata(ctx); err == nil && md.Description == desc(runID) {
			t.Delete(ctx)
		}
	}
	for attempt := 0; attempt < 2; attempt++ {
		err := t.Create(ctx, &bigquery.TableMetadata{Description: desc(runID),
			Schema: bigquery.Schema{{Name: "run_id", Type: bigquery.StringFieldType}}})
		if err == nil {
			return release, nil
		}
		if !bq.IsConflict(err) {
			return nil, fmt.Errorf("take run lock: %w", err)
		}
		md, err := t.Metadata(ctx)
		if bq.IsNotFound(err) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read run lock: %w", err)
		}
		if md.Description == desc(runID) {
			return release, nil
		}
		if r.Now().Sub(md.CreationTime) < LockTTL {
			return nil, fmt.Errorf("%w (%s since %s)", ErrLocked, strings.TrimPrefix(md.Description, "held by "), md.CreationTime.UTC().Format(time.RFC3339))
		}
		r.Log.Warn("run lock expired; taking it over", "run_id", runID, "holder", md.Description)
		if err := t.Delete(ctx); err != nil && !bq.IsNotFound(err) {
			return nil, fmt.Errorf("remove expired run lock: %w", err)
		}
	}
	return nil, fmt.Errorf("%w: lost the race twice", ErrLocked)
}
