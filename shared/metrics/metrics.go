// Package metrics names the signals the functions emit and writes them as
// structured log lines, which log-based metrics in Cloud Monitoring count
// (infra/terraform/metrics.tf). The names are the same everywhere: the log
// field sluice_metric, the Terraform metric sluice/<name>, and the status page
// of `sluice dev`. It holds no state and talks to no service: a line on the
// function's log is the whole mechanism, so it costs nothing when unused and
// works the same on every runtime that forwards stdout to Cloud Logging.
package metrics

import (
	"context"
	"log/slog"
)

// The metric names. Each line carries the name in the field Field, the
// number in Value, and the labels below as fields of their own.
const (
	RowsLanded       = "rows_landed"          // rows written to raw.<source>; labels source
	Rejects          = "rejects"              // one line per record written to the rejects table (ingest's "record rejected" WARNING); labels source, reason
	RunDuration      = "run_duration_seconds" // one stage's work on one table; labels stage, table, status
	AssertionFailure = "assertion_failures"   // failed assertions of one model; labels table
	DLPBytes         = "dlp_bytes"            // bytes of cell values sent to DLP; labels table
	Freshness        = "freshness_seconds"    // age of a model's newest data at the end of its run (incremental: its watermark; table, view: the newest row its raw sources had landed when it was built); labels table
)

// Field is the log field holding the metric name; Value holds the number.
const (
	Field = "sluice_metric"
	Value = "value"
)

// Names lists every metric, for Terraform's tests and the docs.
var Names = []string{RowsLanded, Rejects, RunDuration, AssertionFailure, DLPBytes, Freshness}

// Emit writes one metric line at INFO. labels are key, value pairs. A nil
// logger emits nothing.
func Emit(ctx context.Context, log *slog.Logger, name string, value float64, labels ...string) {
	if log == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 2+len(labels)/2)
	attrs = append(attrs, slog.String(Field, name), slog.Float64(Value, value))
	for i := 0; i+1 < len(labels); i += 2 {
		attrs = append(attrs, slog.String(labels[i], labels[i+1]))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "metric "+name, attrs...)
}
