package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"time"

	"github.com/sluice-data/sluice/internal/chaos"
)

// chaosCmd runs the pipeline under faults, then a fault-free reference,
// and prints the accounting; it fails on any difference.
func chaosCmd(args []string) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed of the data, the faults, the redeliveries and the kill points")
	nEvents := fs.Int("events", 2000, "events to generate")
	failRate := fs.Float64("fail-rate", 0.02, "share of calls every emulator fails (0 for none)")
	latency := fs.Duration("latency", 2*time.Millisecond, "latency added to every emulator call")
	redeliveries := fs.Int("redeliveries", 3, "most extra deliveries of each message")
	dlpDown := fs.Duration("dlp-down", time.Minute, "how long DLP refuses every call once mask starts")
	writesDown := fs.Duration("writes-down", 30*time.Second, "how long BigQuery refuses every insertAll once ingest starts")
	noKills := fs.Bool("no-kills", false, "do not SIGKILL the function process")
	workdir := fs.String("workdir", "", "state of both runs (chaos/, reference/); default a temporary directory, removed")
	planted := fs.String("planted-bug", "", "plant a bug in the chaos run's functions to see the accounting fail: merge-not-idempotent")
	timeout := fs.Duration("timeout", 20*time.Minute, "give up after this long")
	asJSON := fs.Bool("json", false, "print the report as one JSON object on the last line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *failRate == 0 {
		*failRate = -1 // Options: 0 is the default
	}
	if *failRate > 1 || *redeliveries < 0 || *nEvents <= 0 {
		return fmt.Errorf("chaos: --fail-rate must be 0..1, --redeliveries >= 0 and --events > 0")
	}
	if *redeliveries == 0 {
		*redeliveries = -1
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := chaos.Run(ctx, chaos.Options{Seed: *seed, Events: *nEvents, FailRate: *failRate, Latency: *latency,
		Redeliveries: *redeliveries, DLPDown: *dlpDown, WritesDown: *writesDown, NoKills: *noKills, Workdir: *workdir,
		PlantedBug: *planted, Progress: os.Stderr, Timeout: *timeout,
		FunctionsCommand: func(addr string) *exec.Cmd { return exec.Command(self, "chaos-functions", "--addr", addr) }})
	if err != nil {
		return err
	}
	fmt.Print(rep.Text())
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Println(string(b))
	}
	if !rep.OK() {
		return fmt.Errorf("chaos: %d checks failed (seed %d): %s", len(rep.Failed()), *seed, rep.Failed()[0].Name)
	}
	return nil
}

// chaosFunctionsCmd serves the four functions until killed: the process
// `sluice chaos` kills with SIGKILL and starts again.
func chaosFunctionsCmd(args []string) error {
	fs := flag.NewFlagSet("chaos-functions", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "host:port to serve the functions on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return chaos.ServeFunctions(*addr)
}
