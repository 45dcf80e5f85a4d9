// Command sluice runs the local stack and operates a pipeline.
//
//	sluice demo [--cloud gcp|aws] [--events N] [--workdir DIR] [--json]
//	sluice dev [--workdir DIR]
//	sluice run transform|mask|export [--control HOST:PORT] [--token T]
//	sluice emulator pubsub|gcs|bigquery|dlp|kms --addr HOST:PORT
//	sluice validate
//	sluice rejects | replay | backfill | reland | load | classify   (see the usage text)
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
  sluice emulator pubsub|gcs|bigquery|dlp|kms [--addr HOST:PORT] [--workdir DIR] [--kms-addr HOST:PORT] [--bigquery-endpoint URL] [--pubsub-addr HOST:PORT] [--storage-addr HOST:PORT]
        start one emulator alone
  sluice validate [--json]
        check pipeline.yaml and the model DAG, and dry-run every model on an in-process BigQuery
  sluice rejects [--source S] [--reason R] [--since T] [--list N] [--json]
        count (or list) the records that could not land, by source and reason
  sluice replay --source S [--reason R] [--since T] [--json]
        re-submit rejects after the config or schema was fixed; each lands once
  sluice backfill --model M --from YYYY-MM-DD --to YYYY-MM-DD [--full-refresh] [--json]
        rebuild a model over a date range on a running dev stack
  sluice reland --source S --from YYYY-MM-DD [--to YYYY-MM-DD] [--dry-run] [--replace [--no-backfill]] [--dir D]
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
  sluice soak [--rate R] [--duration D] [--every D] [--sample D] [--out soak.csv] [--svg soak.svg]
        run every stage at a fixed rate for a long time (a transform, then mask and export,
        every --every); sample RSS, goroutines, open files and DuckDB size; write a CSV and a plot
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
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "demo":
		err = demoCmd(args)
	case "dev":
		err = devCmd(args)
	case "run":
		err = runCmd(args)
	case "emulator":
		err = emulatorCmd(args)
	case "validate":
		err = validateCmd(args)
	case "rejects":
		err = rejectsCmd(args)
	case "replay":
		err = replayCmd(args)
	case "backfill":
		err = backfillCmd(args)
	case "reland":
		err = relandCmd(args)
	case "classify":
		err = classifyCmd(args)
	case "load":
		err = loadCmd(args)
	case "graph":
		err = graphCmd(args)
	case "soak":
		err = soakCmd(args)
	case "chaos":
		err = chaosCmd(args)
	case "chaos-functions":
		err = chaosFunctionsCmd(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "sluice: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sluice:", err)
		os.Exit(1)
	}
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
