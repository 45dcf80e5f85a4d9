package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	bqclient "cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/config"
)

// Scratch datasets of `sluice validate` on an external BigQuery endpoint;
// they are deleted afterwards.
const (
	validateRaw     = "sluice_validate_raw"
	validateCurated = "sluice_validate_curated"
)

func validateCmd(args []string) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	dir := fs.String("pipeline", "", "pipeline directory holding pipeline.yaml (default: the embedded example)")
	runDate := fs.String("run-date", "", "run date YYYY-MM-DD for @run_date, @start and @end (default today)")
	asJSON := fs.Bool("json", false, "print the models checked as one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rd := time.Now().UTC()
	if *runDate != "" {
		var err error
		if rd, err = time.Parse(time.DateOnly, *runDate); err != nil {
			return fmt.Errorf("validate: --run-date %q: want YYYY-MM-DD", *runDate)
		}
	}
	p, err := loadPipeline(*dir)
	if err != nil {
		return err
	}
	if *asJSON {
		validateJSON = true
	}
	return validate(context.Background(), os.Stdout, p, os.Getenv("BIGQUERY_EMULATOR_HOST"), rd)
}

// validateJSON makes validate print JSON (set by --json).
var validateJSON bool

// validate checks the config, the DAG and every model by a dry run on the
// BigQuery at host, or on an in-memory emulator started here when host is
// empty.
func validate(ctx context.Context, out io.Writer, p *config.Pipeline, host string, runDate time.Time) error {
	project := os.Getenv("SLUICE_PROJECT")
	if project == "" {
		project = "sluice-local"
	}
	where := "BigQuery emulator at " + host
	if host == "" {
		srv, err := bigquery.New(bigquery.Options{Project: project})
		if err != nil {
			return fmt.Errorf("validate: start the BigQuery emulator: %w", err)
		}
		defer srv.Close()
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		host, where = strings.TrimPrefix(hs.URL, "http://"), "in-process BigQuery emulator"
	}
	c, err := bqclient.NewClient(ctx, project, option.WithEndpoint("http://"+strings.TrimPrefix(host, "http://")), option.WithoutAuthentication())
	if err != nil {
		return fmt.Errorf("validate: bigquery.NewClient: %w", err)
	}
	defer c.Close()
	defer func() {
		for _, ds := range []string{validateRaw, validateCurated} {
			c.Dataset(ds).DeleteWithContents(context.WithoutCancel(ctx))
		}
	}()
	models, err := transform.Validate(ctx, c, p, validateRaw, validateCurated, runDate)
	if err != nil {
		return err
	}
	if validateJSON {
		type model struct {
			Name            string   `json:"name"`
			File            string   `json:"file"`
			Materialization string   `json:"materialization"`
			Columns         int      `json:"columns"`
			UniqueKey       []string `json:"unique_key,omitempty"`
			TimeColumn      string   `json:"time_column,omitempty"`
		}
		var ms []model
		for _, m := range models {
			o := m.Plan.Options
			ms = append(ms, model{m.Plan.Model.Name, m.Plan.Model.File, o.Materialization(), m.Cols, o.UniqueKey, o.TimeColumn})
		}
		return writeJSON(out, map[string]any{"valid": true, "where": where, "sources": len(p.Sources), "models": ms,
			"published_tables": len(p.Mask.Tables), "exports": len(p.Exports)})
	}
	fmt.Fprintf(out, "pipeline.yaml is valid: %d sources, %d models dry-run on the %s:\n", len(p.Sources), len(models), where)
	for _, m := range models {
		o := m.Plan.Options
		extra := ""
		if o.IsIncremental() {
			extra = fmt.Sprintf(" unique_key=%s time_column=%s", strings.Join(o.UniqueKey, ","), o.TimeColumn)
		}
		fmt.Fprintf(out, "  %-20s %-12s %3d columns%s  (%s)\n", m.Plan.Model.Name, o.Materialization(), m.Cols, extra, m.Plan.Model.File)
	}
	fmt.Fprintf(out, "%d published tables, %d exports\n", len(p.Mask.Tables), len(p.Exports))
	return nil
}
