package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/shared/logging"
)

// loadCmd publishes single-event messages at a steady rate through the
// local stack and measures, per message, the time from Publish until its row
// is visible to a query on raw.events.
func loadCmd(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	rate := fs.Float64("rate", 1000, "messages per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to publish")
	concurrency := fs.Int("concurrency", 0, "router deliveries in flight per route (0: the router's default)")
	drain := fs.Duration("drain", 30*time.Second, "how long to wait for the last rows after publishing stops")
	poll := fs.Duration("poll", 100*time.Millisecond, "how often raw.events is queried for new rows")
	fnURL := fs.String("functions-url", "", "deliver to functions served at this URL (a separate function process) instead of in this process")
	workdir := fs.String("workdir", "", "state directory (default a temporary one)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line")
	pubsubAddr := fs.String("pubsub-addr", "", "fixed Pub/Sub emulator address (for a separate function process)")
	gcsAddr := fs.String("gcs-addr", "", "fixed Cloud Storage emulator address")
	bqAddr := fs.String("bigquery-addr", "", "fixed BigQuery emulator address")
	dlpAddr := fs.String("dlp-addr", "", "fixed DLP emulator address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate <= 0 || *duration <= 0 {
		return fmt.Errorf("load: --rate %v and --duration %v must be positive", *rate, *duration)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir := *workdir
	if dir == "" {
		d, err := os.MkdirTemp("", "sluice-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	f, err := os.Create(filepath.Join(dir, "functions.log"))
	if err != nil {
		return err
	}
	defer f.Close()
	logging.Output = f
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := stack.Start(ctx, stack.Options{Workdir: dir, Log: log, External: true, FunctionsURL: *fnURL,
		Concurrency: *concurrency, PubSubAddr: *pubsubAddr, StorageAddr: *gcsAddr, BigQueryAddr: *bqAddr, DLPAddr: *dlpAddr})
	if err != nil {
		return err
	}
	defer st.Close()
	for _, env := range st.Reused {
		fmt.Fprintf(os.Stderr, "· using the emulator at %s=%s\n", env, os.Getenv(env))
	}
	res, err := runLoad(ctx, st, loadOptions{rate: *rate, duration: *duration, drain: *drain, poll: *poll})
	if err != nil {
		return err
	}
	fmt.Print(res.Text())
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	}
	return nil
}

type loadOptions struct {
	rate            float64
	duration, drain time.Duration
	poll            time.Duration
}

// LoadResult is what `sluice load` reports. Latencies are in seconds, from
// Publish to the first query that sees the row; they are upper bounds by up
// to one poll interval.
type LoadResult struct {
	Rate           float64 `json:"rate_requested"`
	Published      int     `json:"published"`
	PublishRate    float64 `json:"publish_rate"`
	Landed         int     `json:"landed"`
	Missing        int     `json:"missing"` // not landed when the drain ended: slow or lost, the run cannot tell which
	LandRate       float64 `json:"land_rate"`
	P50            float64 `json:"p50_s"`
	P90            float64 `json:"p90_s"`
	P99            float64 `json:"p99_s"`
	Max            float64 `json:"max_s"`
	PollSeconds    float64 `json:"poll_s"`
	BigQueryWrites int64   `json:"bigquery_insertall_calls"`
	MaxInFlight    int64   `json:"ingest_max_in_flight"` // the router's most Ingest deliveries at once
	Held           bool    `json:"held"`                 // every message landed, at the asked rate, p99 < 2 s
}

func runLoad(ctx context.Context, st *stack.Stack, o loadOptions) (*LoadResult, error) {
	c := st.Clients
	topic := c.Names.Topic("events")
	run := fmt.Sprintf("load%d", time.Now().UnixNano())
	pub := c.PubSub.Publisher(topic)
	defer pub.Stop()

	var mu sync.Mutex
	sent := map[string]time.Time{}
	seen := map[string]time.Time{}
	var pubErr error
	var results []*pubsub.PublishResult

	visible := rowSeer(st, c.Names.Raw, run)
	// Warm up first: the first delivery builds the clients and the raw
	// table; the measurement is of the steady state.
	warm := fmt.Sprintf("%s-warm", run)
	if _, err := pub.Publish(ctx, &pubsub.Message{Data: []byte(fmt.Sprintf(`{"event_id":%q,"event_type":"warmup"}`, warm))}).Get(ctx); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	for wdl := time.Now().Add(time.Minute); ; time.Sleep(o.poll) {
		ids, _ := visible(ctx, time.Now().Add(-time.Minute))
		if slices.Contains(ids, warm) {
			break
		}
		if time.Now().After(wdl) {
			return nil, errors.New("the warm-up message did not land within a minute")
		}
	}
	writes0 := st.BigQueryWrites()

	// The poller records when each row first shows in raw.events.
	pollCtx, stopPoll := context.WithCancel(ctx)
	pollDone := make(chan error, 1)
	go func() {
		t := time.NewTicker(o.poll)
		defer t.Stop()
		for {
			at := time.Now()
			ids, err := visible(pollCtx, at.Add(-5*time.Second))
			if err != nil && pollCtx.Err() == nil && !strings.Contains(err.Error(), "ot found") {
				pollDone <- err
				return
			}
			mu.Lock()
			for _, id := range ids {
				if _, ok := seen[id]; !ok && id != warm {
					seen[id] = at
				}
			}
			mu.Unlock()
			select {
			case <-pollCtx.Done():
				pollDone <- nil
				return
			case <-t.C:
			}
		}
	}()

	fmt.Fprintf(os.Stderr, "· publishing %.0f msg/s for %s to topic %s\n", o.rate, o.duration, topic)
	start := time.Now()
	end := start.Add(o.duration)
	n := 0
	tick := time.NewTicker(time.Millisecond)
	for now := start; now.Before(end); now = <-tick.C {
		due := int(math.Floor(now.Sub(start).Seconds() * o.rate))
		for ; n < due; n++ {
			id := fmt.Sprintf("%s-%d", run, n)
			body := fmt.Sprintf(`{"event_id":%q,"user_id":"u%d","event_type":"view","event_time":%q,"country":"DE","channel":"web","amount":1}`,
				id, n%1000, now.UTC().Format(time.RFC3339Nano))
			mu.Lock()
			sent[id] = time.Now()
			mu.Unlock()
			results = append(results, pub.Publish(ctx, &pubsub.Message{Data: []byte(body)}))
		}
	}
	tick.Stop()
	published := time.Since(start)
	for _, r := range results {
		if _, err := r.Get(ctx); err != nil && pubErr == nil {
			pubErr = err
		}
	}
	if pubErr != nil {
		stopPoll()
		return nil, fmt.Errorf("publish: %w", pubErr)
	}
	deadline := time.Now().Add(o.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		mu.Lock()
		done := len(seen) >= len(sent)
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(o.poll)
	}
	stopPoll()
	if err := <-pollDone; err != nil {
		return nil, err
	}

	res := &LoadResult{Rate: o.rate, Published: len(sent), PublishRate: float64(len(sent)) / published.Seconds(),
		PollSeconds: o.poll.Seconds(), BigQueryWrites: st.BigQueryWrites() - writes0,
		MaxInFlight: st.Router.Stats()["Ingest"].MaxInFlight}
	var lat []float64
	var last time.Time
	for id, t0 := range sent {
		t1, ok := seen[id]
		if !ok {
			res.Missing++
			continue
		}
		lat = append(lat, t1.Sub(t0).Seconds())
		if t1.After(last) {
			last = t1
		}
	}
	res.Landed = len(lat)
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) float64 { return lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)] }
		res.P50, res.P90, res.P99, res.Max = q(0.50), q(0.90), q(0.99), lat[len(lat)-1]
		res.LandRate = float64(len(lat)) / last.Sub(start).Seconds()
	}
	res.Held = len(res.Failed()) == 0
	return res, nil
}

// rowSeer returns a function listing the event ids of this run that are
// visible in raw.events among rows ingested since a time. With the
// in-process BigQuery it reads DuckDB directly (what a query sees, without
// the REST round trip perturbing the measurement); else it queries through
// the client.
func rowSeer(st *stack.Stack, rawDataset, run string) func(context.Context, time.Time) ([]string, error) {
	if st.BigQuery != nil {
		db := st.BigQuery.DB
		q := fmt.Sprintf(`SELECT event_id FROM "%s"."events" WHERE _ingested_at >= ? AND event_id LIKE '%s-%%'`, rawDataset, run)
		return func(ctx context.Context, since time.Time) ([]string, error) {
			rows, err := db().QueryContext(ctx, q, since.UTC())
			if err != nil {
				if strings.Contains(err.Error(), "does not exist") {
					return nil, nil // no row landed yet
				}
				return nil, err
			}
			defer rows.Close()
			var ids []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
			return ids, rows.Err()
		}
	}
	c := st.Clients
	return func(ctx context.Context, since time.Time) ([]string, error) {
		q := c.BigQuery.Query(fmt.Sprintf("SELECT event_id FROM `%s.%s.events` WHERE _ingested_at >= TIMESTAMP_MICROS(%d) AND event_id LIKE '%s-%%'",
			c.Env.Project, rawDataset, since.UnixMicro(), run))
		it, err := q.Read(ctx)
		if err != nil {
			return nil, err
		}
		var ids []string
		for {
			var row []bigquery.Value
			err := it.Next(&row)
			if errors.Is(err, iterator.Done) {
				return ids, nil
			}
			if err != nil {
				return nil, err
			}
			ids = append(ids, fmt.Sprint(row[0]))
		}
	}
}

// Failed lists the criteria of "held" that the run missed, each with its
// figure; it is empty when the run held.
func (r *LoadResult) Failed() []string {
	var f []string
	if r.Missing > 0 {
		f = append(f, fmt.Sprintf("%d of %d messages not landed when the drain ended (raise --drain to tell slow from lost)", r.Missing, r.Published))
	}
	if r.PublishRate < 0.98*r.Rate {
		f = append(f, fmt.Sprintf("published at %.0f msg/s, under 98%% of the asked rate", r.PublishRate))
	}
	if r.P99 >= 2 {
		f = append(f, fmt.Sprintf("p99 %.3f s, not under 2 s", r.P99))
	}
	return f
}

// Text renders the result for people.
func (r *LoadResult) Text() string {
	var b strings.Builder
	if len(r.Failed()) == 0 {
		fmt.Fprintf(&b, "sluice load: %.0f msg/s asked, held (every message landed, published at >= 98%% of the rate, p99 < 2 s)\n", r.Rate)
	} else {
		fmt.Fprintf(&b, "sluice load: %.0f msg/s asked, NOT held: %s\n", r.Rate, strings.Join(r.Failed(), "; "))
	}
	fmt.Fprintf(&b, "  published   %d messages at %.0f msg/s\n", r.Published, r.PublishRate)
	fmt.Fprintf(&b, "  landed      %d (%d not landed when the drain ended) at %.0f msg/s\n", r.Landed, r.Missing, r.LandRate)
	fmt.Fprintf(&b, "  latency     p50 %.3fs  p90 %.3fs  p99 %.3fs  max %.3fs  (publish → visible in raw, poll %.0f ms)\n",
		r.P50, r.P90, r.P99, r.Max, r.PollSeconds*1000)
	fmt.Fprintf(&b, "  in flight   at most %d Ingest deliveries at once\n", r.MaxInFlight)
	if r.BigQueryWrites > 0 {
		fmt.Fprintf(&b, "  insertAll   %d calls, %.1f messages per call\n", r.BigQueryWrites, float64(r.Landed)/float64(r.BigQueryWrites))
	}
	return b.String()
}
