// Package mask is the mask function: on transform.completed it reads the
// curated tables the mask policy names, de-identifies them through the DLP
// API and writes the published dataset, then announces mask.completed.
// It fails closed: unclassified columns are withheld (and reported in
// mask.completed and <ops>.mask_runs), and a DLP error stops the run before
// anything is written.
//
// Each column's rule (keep, drop, token by crypto hash or deterministic
// encryption, partial mask, generalise by bucket or date part, redact
// infoTypes) becomes one DLP field transformation; only the columns that
// need DLP are sent, in table requests within DLP's limits, and the bytes
// sent are counted. A table whose policy declares a key is masked
// incrementally: a row hash per key, computed in SQL and compared with
// <ops>.mask_state_<table> in BigQuery, finds the rows changed since the
// last run, and only they leave BigQuery, are sent and merged. Rows are
// streamed (paged query results, a fixed number of DLP requests in flight,
// masked rows staged as NDJSON in the archive bucket and loaded), so memory
// does not grow with the table. Above FanOutRows changed rows a keyed
// table is split into key-hash ranges, one Task each on the mask-tasks
// topic, which this function also consumes (see fanout.go).
//
// The tokenisation key is read from the file SLUICE_TOKEN_KEY_FILE (32 or 64
// bytes). Locally it is a key file the stack writes; in the cloud it lives in
// Secret Manager and Terraform mounts the secret version as that file, so the
// function never calls Secret Manager itself. The same key keeps tokens
// stable across runs; encrypted tokens are reversed with Reidentify.
//
// Google's recommended form for tokenisation is a KMS-wrapped key instead
// (see Keys): SLUICE_TOKEN_KMS_KEY names the Cloud KMS key,
// SLUICE_TOKEN_WRAPPED_KEY holds the data key wrapped with it, and DLP
// unwraps it; the function never holds the data key. The same data key
// gives the same tokens either way.
package mask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/sluice-data/sluice/shared/cloudfn"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

// EntryPoint is the name Cloud Functions and the local router call.
const EntryPoint = "Mask"

func init() {
	cloudfn.Register(EntryPoint, Handle)
}

var (
	clients gcp.Cache
	log     = logging.New(logging.Stdout, slog.LevelInfo)
)

// Handle is the CloudEvent entry point (a Pub/Sub message on the
// transform-completed topic).
func Handle(ctx context.Context, e cloudevents.Event) error {
	var msg events.MessagePublishedData
	if err := json.Unmarshal(e.Data(), &msg); err != nil {
		return cloudfn.Permanent(fmt.Errorf("mask: event %s: data is not a Pub/Sub message: %w", e.ID(), err))
	}
	if msg.Message.Attributes["event"] == MaskTaskEvent {
		return handleTask(ctx, e, msg)
	}
	var done events.TransformCompletedData
	if err := json.Unmarshal(msg.Message.Data, &done); err != nil || done.RunID == "" {
		return cloudfn.Permanent(fmt.Errorf("mask: event %s, message %s: not a transform.completed payload (a JSON object with run_id)", e.ID(), msg.Message.MessageID))
	}
	m, err := masker(ctx)
	if err != nil {
		return err
	}
	out, err := m.Run(ctx, done.RunID, done.RunDate)
	if err != nil {
		log.Error("mask failed", "run_id", done.RunID, "error", err.Error())
		return err
	}
	log.Info("mask completed", "run_id", done.RunID, "tables", len(out.Tables), "dlp_bytes", out.DLPBytes, "withheld", out.Withheld)
	return nil
}

// TokenKey reads the tokenisation key from SLUICE_TOKEN_KEY_FILE: a local
// file in dev, the Secret Manager secret mounted as a file in the cloud.
// Reading the secret through the API (SLUICE_TOKEN_SECRET alone) is not
// built and says so.
func TokenKey(env gcp.Env) ([]byte, error) {
	switch {
	case env.TokenKeyFile != "":
		b, err := os.ReadFile(env.TokenKeyFile)
		if err != nil {
			return nil, fmt.Errorf("mask: SLUICE_TOKEN_KEY_FILE: %w", err)
		}
		if len(b) != 32 && len(b) != 64 {
			return nil, fmt.Errorf("mask: SLUICE_TOKEN_KEY_FILE %s holds %d bytes; DLP needs exactly 32 or 64 (no trailing newline)", env.TokenKeyFile, len(b))
		}
		return b, nil
	case env.TokenSecret != "":
		return nil, fmt.Errorf("mask: SLUICE_TOKEN_SECRET is set, but reading the key from Secret Manager is not implemented yet; mount the secret as a file and set SLUICE_TOKEN_KEY_FILE")
	}
	return nil, fmt.Errorf("mask: no tokenisation key: set SLUICE_TOKEN_KEY_FILE to a file of 32 random bytes")
}

// handleTask runs one range of a fanned-out table (a mask-tasks message).
func handleTask(ctx context.Context, e cloudevents.Event, msg events.MessagePublishedData) error {
	var t Task
	if err := json.Unmarshal(msg.Message.Data, &t); err != nil || t.RunID == "" || t.Table == "" {
		return cloudfn.Permanent(fmt.Errorf("mask: event %s, message %s: not a mask task (a JSON object with run_id, table, range, ranges)", e.ID(), msg.Message.MessageID))
	}
	m, err := masker(ctx)
	if err != nil {
		return err
	}
	if err := m.RunTask(ctx, t); err != nil {
		log.Error("mask task failed", "run_id", t.RunID, "table", t.Table, "range", t.Range, "error", err.Error())
		if errors.Is(err, ErrUnknownTable) {
			return cloudfn.Permanent(err)
		}
		return err
	}
	return nil
}

// The mask function's tuning variables; Terraform sets them.
const (
	EnvFanOutRows        = "SLUICE_MASK_FANOUT_ROWS"        // changed rows above which a keyed table fans out (0: never)
	EnvFanOutRanges      = "SLUICE_MASK_FANOUT_RANGES"      // ranges per fanned-out table (default 8)
	EnvDLPRequestsPerMin = "SLUICE_DLP_REQUESTS_PER_MINUTE" // client-side DLP limit (default 600)
	EnvDLPTimeout        = "SLUICE_DLP_TIMEOUT"             // deadline of each DLP call, a Go duration (default 1m)
)

func masker(ctx context.Context) (*Masker, error) {
	c, err := clients.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("mask: clients: %w", err)
	}
	key, wrapped, err := Keys(c.Env)
	if err != nil {
		return nil, err
	}
	m := &Masker{BigQuery: c.BigQuery, DLP: c.DLP, PubSub: c.PubSub, Storage: c.Storage, Pipeline: c.Pipeline, Names: c.Names,
		Project: c.Env.Project, TokenKey: key, Wrapped: wrapped, Now: time.Now, Log: log}
	if err := m.Tune(os.Getenv); err != nil {
		return nil, err
	}
	return m, nil
}

// Tune sets the Masker's tuning fields from the variables above (getenv is
// os.Getenv in a function); an unset variable keeps the field's default.
func (m *Masker) Tune(getenv func(string) string) error {
	for _, v := range []struct {
		name string
		set  func(int64)
	}{
		{EnvFanOutRows, func(n int64) { m.FanOutRows = n }},
		{EnvFanOutRanges, func(n int64) { m.FanOutRanges = int(n) }},
		{EnvDLPRequestsPerMin, func(n int64) { m.DLPRequestsPerMinute = int(n) }},
	} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("mask: %s = %q is not a whole number", v.name, s)
			}
			v.set(n)
		}
	}
	if s := getenv(EnvDLPTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("mask: %s = %q is not a positive duration; write it as Go does, for example 60s or 2m", EnvDLPTimeout, s)
		}
		m.DLPTimeout = d
	}
	return nil
}
