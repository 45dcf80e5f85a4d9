package transform

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
)

// ValidatedModel is one model that passed its dry run.
type ValidatedModel struct {
	Plan  ModelPlan
	Bytes int64 // the dry run's estimate
	Cols  int
}

// Validate checks every model of p without running it: it creates the raw
// tables from the declared schemas in dataset raw, then dry-runs each model
// in dependency order and creates its (empty) table in dataset curated from
// the dry run's schema, so the models downstream can be dry-run too. The
// datasets should be scratch datasets: Validate writes tables into them.
// Errors name the model's file; a model downstream of a failing one is
// reported as not checked.
func Validate(ctx context.Context, c *bigquery.Client, p *config.Pipeline, raw, curated string, runDate time.Time) ([]ValidatedModel, error) {
	plans, err := Plan(p, c.Project(), raw, curated)
	if err != nil {
		return nil, err
	}
	for _, ds := range []string{raw, curated} {
		if err := bq.EnsureDataset(ctx, c, ds, "sluice validate scratch dataset"); err != nil {
			return nil, err
		}
	}
	for i := range p.Sources {
		src := &p.Sources[i]
		if _, err := bq.EnsureTable(ctx, c, raw, src.Name, bq.RawTableMetadata(src)); err != nil {
			return nil, err
		}
	}
	r := &Runner{BigQuery: c}
	end := day(runDate).AddDate(0, 0, 1)
	var out []ValidatedModel
	var errs []string
	failed := map[string]bool{}
	for _, mp := range plans {
		if dep := firstBlocked(mp.Deps, failed); dep != "" {
			failed[mp.Model.Name] = true
			errs = append(errs, fmt.Sprintf("%s: not checked: it reads model %s, which failed", mp.Model.File, dep))
			continue
		}
		sql, params := mp.SQL, runParams(runDate, time.Time{}, time.Time{})
		switch mp.Options.Materialization() {
		case config.MaterializedView:
			params = nil
		case config.MaterializedIncremental:
			sql, params = r.dedupe(mp, mp.SQL), runParams(runDate, Epoch, end)
		}
		schema, bytes, err := dryRun(ctx, c, sql, params)
		if err == nil {
			err = checkColumns(mp, schema)
		}
		if err == nil && mp.Options.MaxBytesBilled > 0 && bytes > mp.Options.MaxBytesBilled {
			err = fmt.Errorf("dry run: %d bytes, above max_bytes_billed=%d", bytes, mp.Options.MaxBytesBilled)
		}
		if err == nil {
			t := c.Dataset(curated).Table(mp.Model.Name)
			if derr := t.Delete(ctx); derr != nil && !bq.IsNotFound(derr) {
				err = derr
			} else {
				err = t.Create(ctx, &bigquery.TableMetadata{Schema: schema,
					TimePartitioning: partitioning(mp.Options), Clustering: clustering(mp.Options)})
			}
		}
		if err != nil {
			failed[mp.Model.Name] = true
			errs = append(errs, fmt.Sprintf("%s: %v", mp.Model.File, firstLine(err)))
			continue
		}
		out = append(out, ValidatedModel{Plan: mp, Bytes: bytes, Cols: len(schema)})
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("models:\n  %s", strings.Join(errs, "\n  "))
	}
	return out, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
