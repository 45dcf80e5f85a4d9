package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// backfillCmd re-processes one model over a range of days against the
// stack the environment names (the export lines `sluice dev` prints).
//
//	sluice backfill --model orders --from 2026-11-01 --to 2026-11-07 [--full-refresh]
func backfillCmd(args []string) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	model := fs.String("model", "", "model to backfill (required)")
	from := fs.String("from", "", "first day, YYYY-MM-DD (required, except for the current-state table of a cdc source, which is rebuilt from its whole changelog)")
	to := fs.String("to", "", "last day, YYYY-MM-DD, inclusive (default: --from)")
	full := fs.Bool("full-refresh", false, "drop the model's table and watermark first, so it holds exactly the range")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := transform.BackfillOptions{Model: *model, FullRefresh: *full}
	p, err := config.Load(pipeline.Files)
	if err != nil {
		return err
	}
	_, isCDC := p.CDCSourceForTable(o.Model)
	if o.Model == "" || *from == "" && !isCDC {
		return errors.New("backfill: want --model M --from YYYY-MM-DD [--to YYYY-MM-DD] [--full-refresh] (--from may be left out for the current-state table of a cdc source)")
	}
	o.From = time.Now().UTC()
	if *from != "" {
		if o.From, err = time.Parse(time.DateOnly, *from); err != nil {
			return fmt.Errorf("backfill: --from %q: want YYYY-MM-DD", *from)
		}
	}
	o.To = o.From
	if *to != "" {
		if o.To, err = time.Parse(time.DateOnly, *to); err != nil {
			return fmt.Errorf("backfill: --to %q: want YYYY-MM-DD", *to)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := gcp.EnvFromOS()
	if err != nil {
		return fmt.Errorf("backfill: %w (run `eval $(sluice dev)` in this shell first, or set the variables it prints)", err)
	}
	start := time.Now()
	err = backfill(ctx, os.Stderr, env, p, o, isTerminal(os.Stderr))
	if *asJSON {
		out := map[string]any{"model": o.Model, "from": o.From.Format(time.DateOnly), "to": o.To.Format(time.DateOnly), "full_refresh": o.FullRefresh,
			"seconds": time.Since(start).Seconds(), "ok": err == nil}
		if err != nil {
			out["error"] = err.Error()
		}
		if jerr := writeJSON(os.Stdout, out); jerr != nil {
			return jerr
		}
	}
	return err
}

// showProgress draws the bar (a terminal); otherwise only the result line.
func backfill(ctx context.Context, stderr io.Writer, env gcp.Env, p *config.Pipeline, o transform.BackfillOptions, showProgress bool) error {
	c, err := gcp.NewClients(ctx, env, p)
	if err != nil {
		return err
	}
	defer c.Close()
	r := &transform.Runner{BigQuery: c.BigQuery, PubSub: c.PubSub, Pipeline: p, Names: c.Names, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	start := time.Now()
	quiet := !showProgress
	o.Progress = func(d time.Time, done, total int) {
		if quiet {
			return
		}
		fmt.Fprintf(stderr, "\r%s", backfillBar(o.Model, d, done, total, time.Since(start)))
		if done == total {
			fmt.Fprintln(stderr)
		}
	}
	if err := r.Backfill(ctx, o); err != nil {
		if !quiet {
			fmt.Fprintln(stderr)
		}
		return err
	}
	fmt.Fprintf(stderr, "backfilled %s from %s to %s in %s; models downstream are rebuilt by the next transform run\n",
		o.Model, o.From.Format(time.DateOnly), o.To.Format(time.DateOnly), time.Since(start).Round(time.Millisecond))
	return nil
}

// backfillBar renders one line: model [#######.....] 7/12 2026-11-07 3.1s
func backfillBar(model string, d time.Time, done, total int, took time.Duration) string {
	const width = 30
	n := width * done / max(total, 1)
	return fmt.Sprintf("%s [%s%s] %d/%d %s %s", model, strings.Repeat("#", n), strings.Repeat(".", width-n),
		done, total, d.Format(time.DateOnly), took.Round(100*time.Millisecond))
}
