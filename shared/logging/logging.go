// Package logging sets up log/slog to write one JSON object per line in the
// shape Cloud Logging reads from a function's stdout: "severity" instead of
// "level", "message" instead of "msg", and the trace when one is known.
package logging

import (
	"io"
	"log/slog"
	"os"
)

// New returns a logger writing structured lines to w.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.LevelKey:
				a.Key = "severity"
				if l, ok := a.Value.Any().(slog.Level); ok {
					a.Value = slog.StringValue(severity(l))
				}
			case slog.MessageKey:
				a.Key = "message"
			case slog.TimeKey:
				a.Key = "timestamp"
			}
			return a
		},
	}))
}

func severity(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

// TraceAttr is the attribute Cloud Logging joins to a request trace.
func TraceAttr(project, traceID string) slog.Attr {
	return slog.String("logging.googleapis.com/trace", "projects/"+project+"/traces/"+traceID)
}

// Output is where Stdout writes. Functions log to Stdout; a local runner may
// point Output elsewhere (a log file) before it starts the functions.
var Output io.Writer = os.Stdout

// Stdout is the writer functions log to: os.Stdout in the cloud.
var Stdout io.Writer = outputWriter{}

type outputWriter struct{}

func (outputWriter) Write(p []byte) (int, error) { return Output.Write(p) }
