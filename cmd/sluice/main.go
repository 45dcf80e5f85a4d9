// Command sluice runs the local stack and operates a pipeline.
//
//	sluice demo [--cloud gcp|aws] [--events N] [--workdir DIR] [--json]
//	sluice dev [--workdir DIR] [--json]
//	sluice run transform|mask|export [--control HOST:PORT] [--token T]
//	sluice emulator pubsub|gcs|bigquery|dlp|kms --addr HOST:PORT [--json]
//	sluice validate [--json]
//	sluice rejects | replay | backfill | reland | load | classify   (see the usage text; every command has --json)
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

const usage = `sluice: a serverless data pipeline on Google Cloud, runnable on one machine.

Usage:
  sluice demo [--cloud gcp|aws] [--events N] [--seed S] [--workdir DIR] [--json]
        start the whole stack in process, send sample data through every stage, print a summary;
        --cloud aws runs the AWS Lambda handlers (cmd/lambda) instead of the Cloud Functions,
        with SQS, S3 and SNS in process (no AWS account); the same seed gives the same counts
  sluice dev [--workdir DIR] [--control HOST:PORT] [--status HOST:PORT] [--json]
        run the stack until interrupted; prints export NAME=host:port per endpoint, and
        SLUICE_STATUS: the status page (flow, runs, rejects with replay, dead letters)
  sluice run transform|mask|export [--control HOST:PORT] [--token T] [--run-date YYYY-MM-DD] [--json]
        force a run on a running dev stack (as Cloud Scheduler's "force run"); mask is
        started by publishing transform.completed; the token is $SLUICE_CONTROL_TOKEN
        or read from .sluice/dev/control.token
  sluice emulator pubsub|gcs|bigquery|dlp|kms [--addr HOST:PORT] [--workdir DIR] [--kms-addr HOST:PORT] [--bigquery-endpoint URL] [--pubsub-addr HOST:PORT] [--storage-addr HOST:PORT] [--json]
        start one emulator alone; prints export NAME=host:port per endpoint (--json: one object);
        --workdir keeps bigquery, gcs and pubsub state
  sluice validate [--json]
        check pipeline.yaml and the model DAG, and dry-run every model on an in-process BigQuery
  sluice rejects [--source S] [--reason R] [--since T] [--list N] [--json]
        count (or list) the records that could not land, by source and reason
  sluice replay --source S [--reason R] [--since T] [--json]
        re-submit rejects after the config or schema was fixed; each lands once
  sluice backfill --model M --from YYYY-MM-DD --to YYYY-MM-DD [--full-refresh] [--json]
        rebuild a model over a date range on a running dev stack
  sluice reland --source S --from YYYY-MM-DD [--to YYYY-MM-DD] [--dry-run] [--replace [--no-backfill]] [--dir D] [--json]
        re-land a Pub/Sub source's archived messages through the current config; with
        --replace rebuild its raw partitions of the range from the archive
  sluice classify [--table T] [--rows N] [--infotypes A,B] [--token-share F] [--json]
        inspect the curated columns the mask policy does not name (withheld today) with a DLP
        job over BigQuery, and propose a rule for each (keep, token, redact_infotypes) with
        the evidence: infoType, likelihood, share of rows
  sluice graph [--format svg|dot|mermaid] [--pipeline DIR] [--json]
        the lineage of pipeline.yaml and the model SQL: sources, raw tables, models, published
        tables and exports, with the columns each model and export reads (from the translator's parse)
  sluice load [--rate R] [--duration D] [--concurrency N] [--json]
        publish single-event messages at a steady rate through the local stack; print
        publish-to-visible latency percentiles and the rate achieved
  sluice soak [--rate R] [--duration D] [--every D] [--sample D] [--out soak.csv] [--svg soak.svg] [--duckdb-memory-limit M] [--heap-profiles DIR] [--replot CSV] [--json]
        run every stage at a fixed rate for a long time (a transform, then mask and export,
        every --every); sample RSS, Go heap, DuckDB memory, goroutines, open files and DuckDB size;
        write a CSV and a plot (--replot: only redraw the plot of an earlier CSV)
  sluice chaos [--seed S] [--events N] [--fail-rate F] [--dlp-down D] [--writes-down D] [--no-kills] [--json]
        run the pipeline under faults, redeliveries, outages and SIGKILLs of the function process,
        then a fault-free reference; print the accounting of every record; exit 1 on any difference
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	tuneGC()
	name := os.Args[1]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Print(usage)
		return
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "sluice: unknown command %q\n\n%s", name, usage)
		os.Exit(2)
	}
	err := c.run(os.Args[2:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(1)
	}
}

// command is one sluice subcommand.
type command struct {
	name string
	run  func(args []string) error
	// helpArgs come before -h to reach the command's flags (the emulator
	// kind, the stage to run).
	helpArgs []string
	// internal: started by sluice itself, not by a person (no --json).
	internal bool
}

// commands is every subcommand; TestEveryCommandHasJSON walks it.
var commands = []command{
	{name: "demo", run: demoCmd},
	{name: "dev", run: devCmd},
	{name: "run", run: runCmd, helpArgs: []string{"transform"}},
	{name: "emulator", run: emulatorCmd, helpArgs: []string{"pubsub"}},
	{name: "validate", run: validateCmd},
	{name: "rejects", run: rejectsCmd},
	{name: "replay", run: replayCmd},
	{name: "backfill", run: backfillCmd},
	{name: "reland", run: relandCmd},
	{name: "classify", run: classifyCmd},
	{name: "load", run: loadCmd},
	{name: "graph", run: graphCmd},
	{name: "soak", run: soakCmd},
	{name: "chaos", run: chaosCmd},
	{name: "chaos-functions", run: chaosFunctionsCmd, internal: true},
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// tuneGC: one sluice process hosts every emulator and function at once and
// allocates briskly (protobuf, JSON, HTTP), so at Go's default GOGC=100 the
// collector took about a quarter of the demo's CPU. Unless GOGC or
// GOMEMLIMIT is set, collect at 4x the live heap but never let the heap grow
// past 2 GiB before collecting harder (the memory limit wins over GOGC).
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(2 << 30)
}
