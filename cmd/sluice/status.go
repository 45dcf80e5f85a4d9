package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/router"
	ingestfn "github.com/sluice-data/sluice/functions/ingest"
	maskfn "github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// defaultStatus is where `sluice dev` serves the status page: loopback, a
// port of its own (the control endpoint is separate and takes a bearer token).
const defaultStatus = "127.0.0.1:8690"

// Limits of what one page shows: hostile or huge rejects cannot blow it up.
const (
	statusRejectRows    = 50
	statusPayloadBytes  = 2048
	statusDetailBytes   = 1024
	statusRunRows       = 60
	statusBacklogSample = 1000
)

//go:embed status.html
var statusHTML string

var statusTmpl = template.Must(template.New("status").Funcs(template.FuncMap{
	"ago":   ago,
	"bytes": humanBytes,
	"dur":   func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"utc":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
}).Parse(statusHTML))

// statusServer is the page `sluice dev` serves. It reads only what the
// pipeline writes: the ops tables, the datasets, the export bucket and the
// dead-letter subscriptions of the Pub/Sub emulator.
type statusServer struct {
	Clients  *gcp.Clients
	Pipeline *config.Pipeline // the config replays land with (the stack's, or a fixed one)
	Routes   []router.Route
	// Token is asked of every replay POST: the page carries it, another
	// origin cannot read it. ControlToken, when set, is accepted too (as
	// "Authorization: Bearer"), so scripts can use the control token.
	Token, ControlToken string
	Now                 func() time.Time
	Log                 *slog.Logger

	replayMu sync.Mutex // one replay at a time: each lands once anyway, but two at once race on the marks
}

func newStatusToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusNode is a lineage node with what the pipeline last wrote about it.
type statusNode struct {
	graphNode
	Rows       int64
	HasRows    bool
	Newest     time.Time // newest data (raw: _ingested_at; models: as freshness_seconds measures it; published: last modified; export: newest file)
	LastStatus string
	LastError  string
	LastRun    time.Time
	DLPBytes   int64
	Files      int
	Problem    string // why the row count could not be read
}

type statusRun struct {
	Stage, RunID, Target, Status, Error string
	Started                             time.Time
	Duration                            time.Duration
	Rows, Bytes, DLPBytes               int64
	Withheld                            []string
}

type rejectGroup struct {
	Source, Reason  string
	Count, Replayed int64
	Last            time.Time
}

type rejectBucket struct {
	Hour           time.Time
	Source, Reason string
	Count          int64
}

type rejectRow struct {
	ID, Source, Reason, Detail, Origin string
	Payload                            string
	PayloadSize                        int64
	Truncated                          bool
	PayloadURI                         string
	Received                           time.Time
	Replayed                           bool
}

type backlog struct {
	Trigger, Topic, DeadLetter string
	Messages                   int
	More                       bool
	LastReason                 string
	Problem                    string
}

type statusPage struct {
	Now          time.Time
	Graph        template.HTML
	Nodes        []statusNode
	Runs         []statusRun
	Groups       []rejectGroup
	Buckets      []rejectBucket
	Rejects      []rejectRow
	Backlog      []backlog
	Token        string
	Result       *replayOutcome
	Problems     []string
	RejectFilter struct{ Source, Reason string }
}

type replayOutcome struct {
	Source, Reason string
	Res            ingestfn.ReplayResult
	Err            string
}

// Handler serves GET / (the page), GET /graph.svg and POST /replay.
func (s *statusServer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, nil)
	})
	mux.HandleFunc("GET /graph.svg", func(w http.ResponseWriter, r *http.Request) {
		g, err := buildLineage(s.Pipeline)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		io.WriteString(w, g.SVG())
	})
	mux.HandleFunc("POST /replay", s.replay)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return securityHeaders(mux)
}

// securityHeaders: no script but the page's own, no framing, no sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if r.URL.Path == "/status.js" {
			h.Set("Content-Type", "text/javascript; charset=utf-8")
			io.WriteString(w, statusJS)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusJS is the progressive enhancement: the page works without it.
// It refreshes the page every 15 s when asked and confirms a replay.
const statusJS = `"use strict";
(function () {
  var box = document.getElementById("autorefresh");
  if (box) {
    box.hidden = false;
    var key = "sluice-autorefresh";
    box.querySelector("input").checked = sessionStorage.getItem(key) === "1";
    box.querySelector("input").addEventListener("change", function (e) {
      sessionStorage.setItem(key, e.target.checked ? "1" : "0");
    });
    setInterval(function () {
      if (box.querySelector("input").checked) { location.reload(); }
    }, 15000);
  }
  document.querySelectorAll("form.replay").forEach(function (f) {
    f.addEventListener("submit", function () {
      f.querySelector("button").disabled = true;
      f.querySelector("button").textContent = "replaying…";
    });
  });
})();
`

// replay runs exactly what `sluice replay --source S --reason R` runs: the
// ingest Lander's Replay over the rejects not yet replayed.
func (s *statusServer) replay(w http.ResponseWriter, r *http.Request) {
	if err := s.allowed(r); err != nil {
		http.Error(w, "sluice status: replay refused: "+err.Error(), http.StatusForbidden)
		return
	}
	source, reason := r.PostFormValue("source"), r.PostFormValue("reason")
	if source == "" {
		http.Error(w, "sluice status: replay: the form has no source: reload the page and use a replay button", http.StatusBadRequest)
		return
	}
	s.replayMu.Lock()
	defer s.replayMu.Unlock()
	l := &ingestfn.Lander{BigQuery: s.Clients.BigQuery, Storage: s.Clients.Storage, Pipeline: s.Pipeline, Names: s.Clients.Names, Now: s.now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	res, err := l.Replay(r.Context(), ingestfn.RejectFilter{Source: source, Reason: reason}, nil)
	out := &replayOutcome{Source: source, Reason: reason, Res: res}
	if err != nil {
		out.Err = err.Error()
	}
	s.logf("status page: replay", "source", source, "reason", reason, "landed", res.Landed, "again", res.Again, "error", out.Err)
	s.render(w, r, out)
}

// allowed: a replay changes data, so it must come from this page: the
// per-process token the page carries (another origin cannot read it), and
// an Origin (or Referer) of this host when the browser sends one.
func (s *statusServer) allowed(r *http.Request) error {
	if s.ControlToken != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.ControlToken)) == 1 {
		return nil
	}
	for _, h := range []string{"Origin", "Referer"} {
		v := r.Header.Get(h)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Host != r.Host {
			return fmt.Errorf("%s %q is not this page (%s)", h, v, r.Host)
		}
		break
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(s.Token)) != 1 {
		return errors.New("missing or wrong page token: reload the status page and press the button again (or send Authorization: Bearer $SLUICE_CONTROL_TOKEN)")
	}
	return nil
}

func (s *statusServer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *statusServer) logf(msg string, args ...any) {
	if s.Log != nil {
		s.Log.Info(msg, args...)
	}
}

func (s *statusServer) render(w http.ResponseWriter, r *http.Request, res *replayOutcome) {
	page, err := s.collect(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	page.Result = res
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := statusTmpl.Execute(w, page); err != nil {
		s.logf("status page: template", "error", err.Error())
	}
}

// collect reads everything the page shows. A part that cannot be read (a
// table not made yet) is named in Problems; the rest still shows.
func (s *statusServer) collect(ctx context.Context) (*statusPage, error) {
	g, err := buildLineage(s.Pipeline)
	if err != nil {
		return nil, err
	}
	page := &statusPage{Now: s.now(), Token: s.Token}
	problem := func(what string, err error) {
		page.Problems = append(page.Problems, fmt.Sprintf("%s: %v", what, err))
	}
	runs, err := s.runs(ctx)
	if err != nil {
		problem("run history ("+s.Clients.Names.Ops+"."+transform.RunsTable+")", err)
	}
	page.Runs = runs
	latest := map[string]statusRun{}
	for _, r := range runs { // newest first
		k := r.Stage + ":" + r.Target
		if _, ok := latest[k]; !ok {
			latest[k] = r
		}
	}
	plans, err := transform.Plan(s.Pipeline, s.Clients.BigQuery.Project(), s.Clients.Names.Raw, s.Clients.Names.Curated)
	if err != nil {
		problem("model plan", err)
	}
	lastOK := map[string]time.Time{} // model -> start of its newest successful build
	for _, r := range runs {
		if r.Stage == "transform" && r.Status == transform.StatusOK && lastOK[r.Target].IsZero() {
			lastOK[r.Target] = r.Started
		}
	}
	for _, n := range g.Nodes {
		sn := statusNode{graphNode: n}
		s.fillNode(ctx, &sn, latest)
		if sn.Kind == kindModel && sn.HasRows {
			s.modelNewest(ctx, &sn, plans, lastOK[sn.Name])
		}
		page.Nodes = append(page.Nodes, sn)
	}
	byID := map[string]statusNode{}
	for _, n := range page.Nodes {
		byID[n.ID] = n
	}
	page.Graph = template.HTML(g.svg(func(n graphNode) ([]string, string) { // svg escapes every text
		sn := byID[n.ID]
		var lines []string
		if sn.HasRows {
			lines = append(lines, fmt.Sprintf("%d rows", sn.Rows))
		} else if n.Kind == kindExport {
			lines = append(lines, fmt.Sprintf("%d files", sn.Files))
		}
		if !sn.Newest.IsZero() {
			lines = append(lines, "newest "+ago(page.Now, sn.Newest))
		}
		class := ""
		if sn.LastStatus != "" {
			st := "last run " + sn.LastStatus
			if sn.LastError != "" {
				st += ": " + sn.LastError
			}
			lines = append(lines, st)
			class = "ok"
			if sn.LastStatus != transform.StatusOK {
				class = "failed"
			}
		}
		return lines, class
	}))
	if page.Groups, err = s.rejectGroups(ctx); err != nil {
		problem("rejects", err)
	}
	if page.Buckets, err = s.rejectBuckets(ctx); err != nil {
		problem("rejects by hour", err)
	}
	if page.Rejects, err = s.rejectRows(ctx); err != nil {
		problem("reject rows", err)
	}
	page.Backlog = s.backlogs(ctx)
	return page, nil
}

func (s *statusServer) dataset(n graphNode) string {
	names := s.Clients.Names
	switch n.Kind {
	case kindRaw:
		if n.Dataset == s.Pipeline.Datasets.Raw {
			return names.Raw
		}
	case kindModel:
		return names.Curated
	case kindPublished:
		return names.Published
	}
	return n.Dataset
}

func (s *statusServer) fillNode(ctx context.Context, sn *statusNode, latest map[string]statusRun) {
	bqc := s.Clients.BigQuery
	switch sn.Kind {
	case kindSource:
		return
	case kindExport:
		s.fillExport(ctx, sn)
		return
	}
	ds := s.dataset(sn.graphNode)
	q := fmt.Sprintf("SELECT COUNT(*) AS n FROM `%s.%s`", ds, sn.Name)
	if sn.Kind == kindRaw {
		q = fmt.Sprintf("SELECT COUNT(*) AS n, MAX(_ingested_at) AS newest FROM `%s.%s`", ds, sn.Name)
	}
	var row struct {
		N      int64
		Newest bigquery.NullTimestamp
	}
	if err := readOne(ctx, bqc.Query(q), &row); err != nil {
		sn.Problem = shortErr(err)
	} else {
		sn.Rows, sn.HasRows = row.N, true
		sn.Newest = row.Newest.Timestamp
	}
	if sn.Kind != kindRaw && sn.HasRows {
		if md, err := bqc.Dataset(ds).Table(sn.Name).Metadata(ctx); err == nil {
			sn.Newest = md.LastModifiedTime
		}
	}
	var run statusRun
	var ok bool
	switch sn.Kind {
	case kindModel:
		run, ok = latest["transform:"+sn.Name]
	case kindPublished:
		run, ok = latest["mask:"+sn.Name]
		sn.DLPBytes = run.DLPBytes
		if ok && len(run.Withheld) > 0 {
			sn.Withheld = run.Withheld // what the last run actually withheld
		}
	}
	if ok {
		sn.LastStatus, sn.LastError, sn.LastRun = run.Status, truncate(run.Error, 200), run.Started.Add(run.Duration)
	}
}

// modelNewest sets a model node's newest data the way the transform's
// freshness_seconds metric measures it (transform.Runner.ModelNewest): an
// incremental model's watermark; for a table or view, the newest row its
// raw sources had landed when its last successful build started (the
// table's last-modified time when the run history no longer shows it).
func (s *statusServer) modelNewest(ctx context.Context, sn *statusNode, plans []transform.ModelPlan, builtAt time.Time) {
	for _, mp := range plans {
		if mp.Model.Name != sn.Name {
			continue
		}
		if builtAt.IsZero() {
			builtAt = sn.Newest
		}
		r := &transform.Runner{BigQuery: s.Clients.BigQuery, Names: s.Clients.Names}
		newest, ok, err := r.ModelNewest(ctx, plans, mp, builtAt)
		switch {
		case err != nil:
			sn.Problem = shortErr(err)
		case ok:
			sn.Newest = newest
		}
	}
}

func (s *statusServer) fillExport(ctx context.Context, sn *statusNode) {
	var e *config.Export
	for i := range s.Pipeline.Exports {
		if s.Pipeline.Exports[i].Name == sn.Name {
			e = &s.Pipeline.Exports[i]
		}
	}
	if e == nil || s.Clients.Storage == nil {
		return
	}
	scheme, bucket, path := e.Target()
	if scheme != "" && scheme != "gs" {
		return
	}
	if bucket == "" {
		bucket = s.Clients.Names.Export
	}
	prefix := path
	if i := strings.Index(prefix, "{"); i >= 0 {
		prefix = prefix[:i]
	}
	it := s.Clients.Storage.Bucket(bucket).Objects(ctx, &storage.Query{Prefix: prefix})
	for {
		a, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			sn.Problem = shortErr(err)
			return
		}
		sn.Files++
		if a.Updated.After(sn.Newest) {
			sn.Newest = a.Updated
		}
	}
}

func (s *statusServer) runs(ctx context.Context) ([]statusRun, error) {
	ops := s.Clients.Names.Ops
	q := fmt.Sprintf("SELECT stage, run_id, model AS target, status, IFNULL(error, '') AS error, started_at, ended_at, IFNULL(`rows`, 0) AS nrows, "+
		"IFNULL(bytes_processed, 0) AS bytes, 0 AS dlp_bytes, ARRAY<STRING>[] AS withheld FROM `%s.%s` ORDER BY started_at DESC LIMIT %d", ops, transform.RunsTable, statusRunRows)
	out, err := s.readRuns(ctx, q)
	if err != nil {
		return nil, err
	}
	q = fmt.Sprintf("SELECT 'mask' AS stage, run_id, `table` AS target, status, IFNULL(error, '') AS error, started_at, ended_at, IFNULL(changed, 0) AS nrows, "+
		"0 AS bytes, IFNULL(dlp_bytes, 0) AS dlp_bytes, withheld FROM `%s.%s` ORDER BY started_at DESC LIMIT %d", ops, maskfn.RunsTable, statusRunRows)
	mask, err := s.readRuns(ctx, q)
	if err != nil {
		return out, err
	}
	out = append(out, mask...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return out, nil
}

func (s *statusServer) readRuns(ctx context.Context, q string) ([]statusRun, error) {
	it, err := s.Clients.BigQuery.Query(q).Read(ctx)
	if err != nil {
		return nil, err
	}
	var out []statusRun
	for {
		var row struct {
			Stage     string
			RunID     string `bigquery:"run_id"`
			Target    string
			Status    string
			Error     string
			StartedAt bigquery.NullTimestamp `bigquery:"started_at"`
			EndedAt   bigquery.NullTimestamp `bigquery:"ended_at"`
			Nrows     int64
			Bytes     int64
			DLPBytes  int64 `bigquery:"dlp_bytes"`
			Withheld  []string
		}
		err := it.Next(&row)
		if err == iterator.Done {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		r := statusRun{Stage: row.Stage, RunID: row.RunID, Target: row.Target, Status: row.Status, Error: row.Error,
			Started: row.StartedAt.Timestamp, Rows: row.Nrows, Bytes: row.Bytes, DLPBytes: row.DLPBytes, Withheld: row.Withheld}
		if row.EndedAt.Valid && row.StartedAt.Valid {
			r.Duration = row.EndedAt.Timestamp.Sub(row.StartedAt.Timestamp)
		}
		out = append(out, r)
	}
}

func (s *statusServer) rejectsTable() string {
	return "`" + s.Clients.Names.Ops + "." + ingestfn.RejectsTable + "`"
}

func (s *statusServer) rejectGroups(ctx context.Context) ([]rejectGroup, error) {
	q := "SELECT IFNULL(source, '') AS source, reason, COUNT(*) AS count, COUNTIF(replayed_at IS NOT NULL) AS replayed, MAX(received_at) AS last FROM " +
		s.rejectsTable() + " GROUP BY 1, 2 ORDER BY 1, 2"
	return readAll[rejectGroup](ctx, s.Clients.BigQuery.Query(q))
}

func (s *statusServer) rejectBuckets(ctx context.Context) ([]rejectBucket, error) {
	q := "SELECT TIMESTAMP_TRUNC(received_at, HOUR) AS hour, IFNULL(source, '') AS source, reason, COUNT(*) AS count FROM " +
		s.rejectsTable() + " GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3 LIMIT 200"
	return readAll[rejectBucket](ctx, s.Clients.BigQuery.Query(q))
}

func (s *statusServer) rejectRows(ctx context.Context) ([]rejectRow, error) {
	q := fmt.Sprintf("SELECT reject_id, IFNULL(source, '') AS source, reason, IFNULL(detail, '') AS detail, IFNULL(origin, '') AS origin, "+
		"LEFT(payload, %d) AS payload, IFNULL(payload_size, 0) AS payload_size, IFNULL(payload_uri, '') AS payload_uri, received_at, "+
		"replayed_at IS NOT NULL AS replayed FROM %s ORDER BY received_at DESC LIMIT %d", statusPayloadBytes, s.rejectsTable(), statusRejectRows)
	it, err := s.Clients.BigQuery.Query(q).Read(ctx)
	if err != nil {
		return nil, err
	}
	var out []rejectRow
	for {
		var row struct {
			RejectID    string `bigquery:"reject_id"`
			Source      string
			Reason      string
			Detail      string
			Origin      string
			Payload     []byte
			PayloadSize int64     `bigquery:"payload_size"`
			PayloadURI  string    `bigquery:"payload_uri"`
			ReceivedAt  time.Time `bigquery:"received_at"`
			Replayed    bool
		}
		err := it.Next(&row)
		if err == iterator.Done {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rejectRow{ID: row.RejectID, Source: row.Source, Reason: row.Reason, Detail: truncate(row.Detail, statusDetailBytes),
			Origin: row.Origin, Payload: strings.ToValidUTF8(string(row.Payload), "\uFFFD"), PayloadSize: row.PayloadSize,
			Truncated: row.PayloadSize > int64(len(row.Payload)), PayloadURI: row.PayloadURI, Received: row.ReceivedAt, Replayed: row.Replayed})
	}
}

// backlogs counts what waits on each trigger's dead-letter inspection
// subscription: pulled without acknowledging, then handed straight back.
func (s *statusServer) backlogs(ctx context.Context) []backlog {
	var out []backlog
	ps := s.Clients.PubSub
	project := s.Clients.Env.Project
	for _, rt := range s.Routes {
		b := backlog{Trigger: rt.Entry + " ← " + rt.Topic, Topic: rt.Topic, DeadLetter: rt.DeadLetter}
		n, last, more, err := peekBacklog(ctx, ps, "projects/"+project+"/subscriptions/"+rt.DeadLetter+"-inspect")
		if err != nil {
			b.Problem = shortErr(err)
		}
		b.Messages, b.LastReason, b.More = n, last, more
		out = append(out, b)
	}
	return out
}

func peekBacklog(ctx context.Context, ps *pubsub.Client, sub string) (n int, lastReason string, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	resp, err := ps.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub, MaxMessages: statusBacklogSample, ReturnImmediately: true})
	if err != nil {
		return 0, "", false, err
	}
	var ids []string
	for _, m := range resp.ReceivedMessages {
		ids = append(ids, m.AckId)
		if r := m.Message.Attributes["sluice_dead_letter_reason"]; r != "" {
			lastReason = r
		}
	}
	if len(ids) > 0 {
		// deadline 0: back on the subscription at once, for `sluice` or a person to inspect
		err = ps.SubscriptionAdminClient.ModifyAckDeadline(ctx, &pubsubpb.ModifyAckDeadlineRequest{Subscription: sub, AckIds: ids, AckDeadlineSeconds: 0})
	}
	return len(ids), truncate(lastReason, 300), len(ids) == statusBacklogSample, err
}

func readOne(ctx context.Context, q *bigquery.Query, dst any) error {
	it, err := q.Read(ctx)
	if err != nil {
		return err
	}
	return it.Next(dst)
}

func readAll[T any](ctx context.Context, q *bigquery.Query) ([]T, error) {
	it, err := q.Read(ctx)
	if err != nil {
		return nil, err
	}
	var out []T
	for {
		var v T
		err := it.Next(&v)
		if err == iterator.Done {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

func shortErr(err error) string { return truncate(err.Error(), 200) }

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// serveStatus listens on addr (loopback unless the user names another).
func serveStatus(addr string, s *statusServer) (net.Listener, *http.Server, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("status page: %w", err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(lis)
	return lis, srv, nil
}
