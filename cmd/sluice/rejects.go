package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	ingestfn "github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// rejectsLander builds a Lander from the environment a `sluice dev` stack
// prints (SLUICE_PROJECT, BIGQUERY_EMULATOR_HOST, STORAGE_EMULATOR_HOST, …)
// or the cloud's. dir, when set, reads pipeline.yaml from there instead of
// the embedded one (a fixed config not yet built in).
func rejectsLander(ctx context.Context, dir string) (*ingestfn.Lander, func(), error) {
	env, err := gcp.EnvFromOS()
	if err != nil {
		return nil, nil, err
	}
	p, err := loadPipeline(dir)
	if err != nil {
		return nil, nil, err
	}
	c, err := gcp.NewClients(ctx, env, p)
	if err != nil {
		return nil, nil, err
	}
	l := &ingestfn.Lander{BigQuery: c.BigQuery, Storage: c.Storage, Pipeline: p, Names: c.Names, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return l, func() { c.Close() }, nil
}

// loadPipeline reads pipeline.yaml and the models from dir, or the
// embedded pipeline when dir is empty (the --dir flag of the commands).
func loadPipeline(dir string) (*config.Pipeline, error) {
	if dir != "" {
		return config.Load(os.DirFS(dir))
	}
	return config.Load(pipeline.Files)
}

func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (24h), a date (2006-01-02) or RFC 3339", s)
}

// rejectsCmd: sluice rejects [--source S] [--reason R] [--since T] [--list N]
func rejectsCmd(args []string) error {
	fs := flag.NewFlagSet("rejects", flag.ContinueOnError)
	source := fs.String("source", "", "only this source")
	reason := fs.String("reason", "", "only this reason")
	since := fs.String("since", "", "received since: a duration (24h), a date or RFC 3339")
	list := fs.Int("list", 0, "also list up to N rejects not yet replayed, oldest first")
	asJSON := fs.Bool("json", false, "print the counts (and the listed rejects) as one JSON object")
	dir := fs.String("dir", "", "pipeline directory (default: the embedded pipeline)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, err := parseSince(*since)
	if err != nil {
		return err
	}
	ctx := context.Background()
	l, closeFn, err := rejectsLander(ctx, *dir)
	if err != nil {
		return err
	}
	defer closeFn()
	f := ingestfn.RejectFilter{Source: *source, Reason: *reason, Since: t}
	counts, err := l.CountRejects(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]any{"counts": counts}
		if *list > 0 {
			rs, err := l.ListRejects(ctx, f, *list)
			if err != nil {
				return err
			}
			out["rejects"] = rs
		}
		return writeJSON(os.Stdout, out)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tREASON\tREJECTS\tREPLAYED\tLAST")
	var total int64
	for _, c := range counts {
		src := c.Source
		if src == "" {
			src = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", src, c.Reason, c.Count, c.Replayed, c.Last.UTC().Format(time.RFC3339))
		total += c.Count
	}
	fmt.Fprintf(tw, "total\t\t%d\t\t\n", total)
	tw.Flush()
	if *list > 0 {
		rs, err := l.ListRejects(ctx, f, *list)
		if err != nil {
			return err
		}
		fmt.Println()
		for _, r := range rs {
			p := string(r.Payload)
			if len(p) > 120 {
				p = p[:120] + "…"
			}
			if r.PayloadURI != "" {
				p += fmt.Sprintf("  (%d bytes in all: %s)", r.PayloadSize, r.PayloadURI)
			}
			fmt.Printf("%s  %s  %s  %s\n    %s\n    %s\n", r.ReceivedAt.UTC().Format(time.RFC3339), r.Source, r.Reason, r.Origin, r.Detail, p)
		}
	}
	return nil
}

// replayCmd: sluice replay --source S [--reason R] [--since T]
func replayCmd(args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	source := fs.String("source", "", "source whose rejects to re-submit (required)")
	reason := fs.String("reason", "", "only rejects with this reason")
	since := fs.String("since", "", "received since: a duration (24h), a date or RFC 3339")
	dir := fs.String("dir", "", "pipeline directory with the fixed config (default: the embedded pipeline)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *source == "" {
		return errors.New("replay: --source is required")
	}
	t, err := parseSince(*since)
	if err != nil {
		return err
	}
	ctx := context.Background()
	l, closeFn, err := rejectsLander(ctx, *dir)
	if err != nil {
		return err
	}
	defer closeFn()
	bar := progressBar(os.Stderr)
	res, err := l.Replay(ctx, ingestfn.RejectFilter{Source: *source, Reason: *reason, Since: t}, bar)
	if bar != nil {
		fmt.Fprintln(os.Stderr)
	}
	if *asJSON {
		out := map[string]any{"source": *source, "reason": *reason, "rejects": res.Rejects, "replayed": res.Replayed, "landed": res.Landed, "rejected_again": res.Again, "skipped": res.Skipped}
		if err != nil {
			out["error"] = err.Error()
		}
		if jerr := writeJSON(os.Stdout, out); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Printf("rejects %d, replayed %d, landed %d, rejected again %d, skipped %d\n", res.Rejects, res.Replayed, res.Landed, res.Again, res.Skipped)
	return err
}

// progressBar draws "[#####     ] 50/100" on w, redrawn in place; nil
// (no progress) when w is not a terminal.
func progressBar(w io.Writer) func(done, total int) {
	if !isTerminal(w) {
		return nil
	}
	last := -1
	return func(done, total int) {
		if total == 0 {
			return
		}
		const width = 40
		n := done * width / total
		if n == last && done != total {
			return
		}
		last = n
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
	}
}
