package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/shared/logging"
)

func demoCmd(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	events := fs.Int("events", 10000, "number of events to publish")
	cloud := fs.String("cloud", "gcp", "gcp: Cloud Functions on the local emulators; aws: the AWS Lambda handlers (cmd/lambda) in their lambda.Start loops, with S3, SQS and SNS in process")
	seed := fs.Uint64("seed", 1, "seed of the sample data")
	workdir := fs.String("workdir", ".sluice/demo", "directory for state and export files")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on the last line of stdout")
	tokenKMS := fs.Bool("kms", true, "give the mask stage the tokenisation key KMS-wrapped, as Google recommends (the local KMS emulator wraps it; DLP unwraps it); --kms=false uses the unwrapped key file. The tokens are the same")
	verbose := fs.Bool("v", false, "log every function decision to stderr")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (after the emulators started) to this file, for go tool pprof")
	profileStage := fs.String("cpuprofile-until", "", "with --cpuprofile: stop profiling when this stage ends (ingest, transform, mask_and_export)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cloud != "gcp" && *cloud != "aws" {
		return fmt.Errorf("--cloud %q: want gcp or aws", *cloud)
	}
	if *events < 1 {
		return fmt.Errorf("--events %d: want at least 1", *events)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	abs, err := filepath.Abs(*workdir)
	if err != nil {
		return err
	}
	// A demo starts from nothing: clear earlier state in its own workdir.
	os.RemoveAll(filepath.Join(abs, "exports"))
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	if !*verbose {
		// The functions' structured logs (one JSON line per decision, the
		// shape Cloud Logging reads) go to a file instead of the terminal.
		f, err := os.Create(filepath.Join(abs, "functions.log"))
		if err != nil {
			return err
		}
		defer f.Close()
		logging.Output = f
	}
	lvl := slog.LevelWarn
	if *verbose {
		lvl = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	// Progress (stages, events sent / landed) for a person at a terminal;
	// in a pipe only the summary is printed, unless --verbose.
	showProgress := *verbose || isTerminal(os.Stderr)
	progress := func(s string) {
		if showProgress {
			fmt.Fprintln(os.Stderr, "·", s)
		}
	}
	kmsOn := *tokenKMS
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "kms" })
	if kmsOn && !explicit && os.Getenv(stack.DLPEnv) != "" && os.Getenv(stack.KMSEnv) == "" {
		// An external DLP emulator unwraps with its own KMS, which the
		// stack does not know: fall back to the key file, unless asked.
		progress(fmt.Sprintf("%s names an external DLP emulator and %s is unset: the mask stage uses the unwrapped key file (--kms needs the KMS emulator that DLP unwraps with)", stack.DLPEnv, stack.KMSEnv))
		kmsOn = false
	}
	if *cloud == "aws" {
		progress("starting emulators (Pub/Sub, Cloud Storage, BigQuery on DuckDB, Cloud KMS, DLP), no Cloud Functions")
	} else {
		progress("starting emulators (Pub/Sub, Cloud Storage, BigQuery on DuckDB, Cloud KMS, DLP) and functions")
	}
	// An emulator already named by its variable is used instead.
	st, err := stack.Start(ctx, stack.Options{Workdir: abs, Log: log, External: true, EmulatorsOnly: *cloud == "aws", TokenKMS: kmsOn})
	if err != nil {
		return err
	}
	defer st.Close()
	progress(fmt.Sprintf("BigQuery emulator at %s: REST, and the Storage Read/Write API over gRPC on the same port", st.BigQueryAddr))
	for _, env := range st.Reused {
		progress(fmt.Sprintf("using the emulator at %s=%s", env, os.Getenv(env)))
	}
	if st.TokenKMSKey != "" {
		progress("tokenisation key wrapped with Cloud KMS key " + st.TokenKMSKey + "; DLP unwraps it")
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	stageDone := func(stage string) {
		if *cpuprofile != "" && stage == *profileStage {
			pprof.StopCPUProfile()
		}
	}
	opts := demo.Options{Events: *events, Seed: *seed, Progress: progress, StageDone: stageDone}
	var sum *demo.Summary
	var aws *demo.AWSStats
	if *cloud == "aws" {
		sum, aws, err = demo.RunAWS(ctx, st, opts)
	} else {
		sum, _, err = demo.Run(ctx, st, opts)
	}
	if err != nil {
		return err
	}
	fmt.Print(sum.Text())
	if aws != nil {
		fmt.Print(aws.Text())
	}
	if *asJSON {
		b, _ := json.Marshal(sum)
		fmt.Println(string(b))
	}
	return nil
}
