// Package transform is the transform function: an HTTP function that Cloud
// Scheduler calls (with an OIDC token) to rebuild the curated models in
// dependency order and announce transform.completed.
package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"cloud.google.com/go/civil"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

// EntryPoint is the name Cloud Functions and the local router call.
const EntryPoint = "Transform"

func init() {
	functions.HTTP(EntryPoint, Handle)
}

var (
	clients gcp.Cache
	log     = logging.New(logging.Stdout, slog.LevelInfo)
)

// Request is the optional JSON body of a transform call.
type Request struct {
	RunID   string `json:"run_id,omitempty"`   // default: time-based and unique
	RunDate string `json:"run_date,omitempty"` // YYYY-MM-DD, default: today (UTC)
	// FullRefresh rebuilds incremental models from all of history.
	FullRefresh bool `json:"full_refresh,omitempty"`
}

var runIDRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// Call is a Request made concrete: what one transform run does.
type Call struct {
	RunID   string
	RunDate time.Time
	Options RunOptions
}

// Resolve checks the request and fills its defaults from now (the run id
// from the time, the run date as now's UTC date). Its errors name the bad
// field and what it wants; the HTTP function answers them with 400 and the
// Lambda function fails the invocation with them.
func (req Request) Resolve(now time.Time) (Call, error) {
	now = now.UTC()
	c := Call{RunID: req.RunID, RunDate: now.Truncate(24 * time.Hour), Options: RunOptions{FullRefresh: req.FullRefresh}}
	if req.RunDate != "" {
		d, err := time.Parse("2006-01-02", req.RunDate)
		if err != nil {
			return Call{}, fmt.Errorf("transform: run_date %q: want YYYY-MM-DD", req.RunDate)
		}
		c.RunDate = d
	}
	if c.RunID == "" {
		c.RunID = events.NewRunID(now)
	} else if !runIDRE.MatchString(c.RunID) {
		return Call{}, fmt.Errorf("transform: run_id %q: want 1-64 letters, digits or _", c.RunID)
	}
	return c, nil
}

// Handle is the HTTP entry point. It answers 400 for a bad request body,
// 500 when a model fails (so the scheduler's retry and alerting see it), and
// 200 with the transform.completed payload otherwise.
func Handle(w http.ResponseWriter, r *http.Request) {
	var req Request
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "transform: request body: want JSON {\"run_id\": \"…\", \"run_date\": \"YYYY-MM-DD\"}: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	call, err := req.Resolve(time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := run(r.Context(), call.RunID, call.RunDate, call.Options)
	if errors.Is(err, ErrLocked) {
		// Another run is working: exit cleanly, a retry would only queue up.
		log.Warn("transform skipped", "run_id", call.RunID, "reason", err.Error())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"run_id": call.RunID, "skipped": err.Error()})
		return
	}
	if err != nil {
		log.Error("transform failed", "run_id", call.RunID, "error", err.Error())
		http.Error(w, "transform: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func run(ctx context.Context, runID string, runDate time.Time, opts RunOptions) (any, error) {
	c, err := clients.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	rn := &Runner{BigQuery: c.BigQuery, PubSub: c.PubSub, Pipeline: c.Pipeline, Names: c.Names, Now: time.Now, Log: log}
	return rn.RunWith(ctx, runID, runDate, opts)
}

func civilDate(t time.Time) civil.Date { return civil.DateOf(t) }
