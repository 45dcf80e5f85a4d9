// Package demo drives the example pipeline end to end on a running local
// stack: it generates data, publishes events, drops order files, waits until
// everything has landed, triggers the transform, waits for mask and export,
// and counts what each stage holds. The `sluice demo` command and the
// end-to-end test share it.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// Options configures a demo run.
type Options struct {
	Events   int    // events to publish (default 10,000)
	Seed     uint64 // data seed (default 1)
	RunDate  string // transform run date (default the last generated day)
	Progress func(stage string)
	// StageDone, if set, is called as each timed stage ends ("ingest",
	// "transform", "mask_and_export"), e.g. to stop a profile.
	StageDone func(stage string)
}

// Summary is what the demo prints; with --json it is the last line.
type Summary struct {
	EventsPublished int `json:"events_published"`
	// ChangesPublished is the Debezium messages of the customers table
	// (tombstones included) sent to its topic.
	ChangesPublished int                `json:"changes_published"`
	FilesDropped     int                `json:"files_dropped"`
	RawRows          map[string]int64   `json:"raw_rows"`
	Rejects          int64              `json:"rejects"`
	RejectsByReason  map[string]int64   `json:"rejects_by_reason"`
	CuratedRows      map[string]int64   `json:"curated_rows"`
	PublishedRows    map[string]int64   `json:"published_rows"`
	Withheld         []string           `json:"withheld_columns"`
	DLPBytes         int64              `json:"dlp_bytes"`
	Exports          []string           `json:"exports"`
	RunID            string             `json:"run_id"`
	Seconds          float64            `json:"seconds"`
	Stages           map[string]float64 `json:"stage_seconds"`
	// IngestWrites is the insertAll requests the in-process BigQuery
	// received while ingest landed the data (0 when BigQuery is external).
	IngestWrites int64 `json:"ingest_insertall_calls"`
	// Cloud is "aws" for RunAWS (for Text; not in the JSON, whose fields
	// are the same for both).
	Cloud string `json:"-"`
}

func (o *Options) defaults() {
	if o.Events == 0 {
		o.Events = 10000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.RunDate == "" {
		o.RunDate = sample.Base.AddDate(0, 0, 7).Format("2006-01-02")
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
}

// Run drives the pipeline once.
func Run(ctx context.Context, s *stack.Stack, o Options) (*Summary, *sample.Data, error) {
	o.defaults()
	progress := o.Progress
	start := time.Now()
	stages := map[string]float64{}
	mark := func(name string, since time.Time) {
		stages[name] = time.Since(since).Seconds()
		if o.StageDone != nil {
			o.StageDone(name)
		}
	}
	c := s.Clients
	names := c.Names

	progress(fmt.Sprintf("generating %d events", o.Events))
	data := sample.Generate(o.Seed, o.Events)

	// Watch export.completed before anything can publish it.
	watch := "demo-export-completed-" + fmt.Sprint(time.Now().UnixNano())
	if err := s.Router.EnsureSubscription(ctx, watch, names.ExportCompleted); err != nil {
		return nil, nil, err
	}
	if err := s.Router.EnsureSubscription(ctx, watch+"-mask", names.MaskCompleted); err != nil {
		return nil, nil, err
	}

	writes0 := s.BigQueryWrites()
	t := time.Now()
	progress(fmt.Sprintf("publishing %d events to topic %s", len(data.Events), names.Topic("events")))
	pub := c.PubSub.Publisher(names.Topic("events"))
	pub.PublishSettings.CountThreshold = 500
	results := make([]*pubsub.PublishResult, len(data.Events))
	for i, e := range data.Events {
		results[i] = pub.Publish(ctx, &pubsub.Message{Data: e})
	}
	for _, r := range results {
		if _, err := r.Get(ctx); err != nil {
			pub.Stop()
			return nil, nil, fmt.Errorf("publish: %w", err)
		}
	}
	pub.Stop()

	sent := map[string]int{"events": len(data.Events)}
	if src, ok := s.Pipeline.Source(cdcSource); ok && src.Trigger.PubSubTopic != "" {
		topic := names.Topic(src.Trigger.PubSubTopic)
		progress(fmt.Sprintf("publishing %d customer changes (Debezium) to topic %s", len(data.Customers.Messages), topic))
		if err := publishChanges(ctx, c.PubSub, topic, data.Customers.Messages); err != nil {
			return nil, nil, err
		}
		sent[cdcSource] = data.Customers.Changes
	}

	progress(fmt.Sprintf("dropping %d order files into gs://%s/orders/", len(data.Files), names.Landing))
	for _, f := range data.Files {
		w := c.Storage.Bucket(names.Landing).Object(f.Name).NewWriter(ctx)
		if _, err := w.Write(f.Data); err != nil {
			return nil, nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
		if err := w.Close(); err != nil {
			return nil, nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}

	progress("waiting for ingest")
	for _, f := range data.Files {
		sent["orders"] += f.Lines
	}
	idle := func(ctx context.Context) error { return s.Router.WaitIdle(ctx, 25*time.Millisecond) }
	if err := waitLanded(ctx, s, idle, sent, progress); err != nil {
		return nil, nil, err
	}
	mark("ingest", t)
	ingestWrites := s.BigQueryWrites() - writes0

	t = time.Now()
	runID := "demo_" + time.Now().UTC().Format("20060102T150405")
	progress("running transform " + runID)
	body, _ := json.Marshal(map[string]string{"run_id": runID, "run_date": o.RunDate})
	if err := s.Router.Fire(ctx, s.Schedule(stack.TransformSchedule), body); err != nil {
		return nil, nil, fmt.Errorf("transform: %w", err)
	}
	mark("transform", t)
	t = time.Now()
	progress("waiting for mask and export")
	var done events.ExportCompletedData
	if err := waitEvent(ctx, c.PubSub, s.Opts.Project, watch, runID, &done); err != nil {
		return nil, nil, err
	}
	var mask events.MaskCompletedData
	if err := waitEvent(ctx, c.PubSub, s.Opts.Project, watch+"-mask", runID, &mask); err != nil {
		return nil, nil, err
	}
	mark("mask_and_export", t)

	sum, err := summarize(ctx, s, data, runID, mask, done)
	if err != nil {
		return nil, nil, err
	}
	sum.Stages, sum.IngestWrites = stages, ingestWrites
	sum.Seconds = time.Since(start).Seconds()
	return sum, data, nil
}

// cdcSource is the example pipeline's CDC source, fed by the sample
// generator's customers changelog when the pipeline declares it.
const cdcSource = "customers"

// publishChanges publishes Debezium Server's messages in order, with the
// change key as the ordering key, as its Pub/Sub sink does with ordering
// enabled.
func publishChanges(ctx context.Context, ps *pubsub.Client, topic string, msgs []sample.ChangeMessage) error {
	pub := ps.Publisher(topic)
	pub.EnableMessageOrdering = true
	defer pub.Stop()
	results := make([]*pubsub.PublishResult, len(msgs))
	for i, m := range msgs {
		results[i] = pub.Publish(ctx, &pubsub.Message{Data: m.Data, OrderingKey: m.OrderingKey})
	}
	for _, r := range results {
		if _, err := r.Get(ctx); err != nil {
			return fmt.Errorf("publish to %s: %w", topic, err)
		}
	}
	return nil
}

// summarize counts what each stage holds after run runID: raw rows,
// rejects, curated and published rows, and downloads the exports.
func summarize(ctx context.Context, s *stack.Stack, data *sample.Data, runID string, mask events.MaskCompletedData, done events.ExportCompletedData) (*Summary, error) {
	c := s.Clients
	names := c.Names
	var err error
	sum := &Summary{EventsPublished: len(data.Events), FilesDropped: len(data.Files), RunID: runID,
		RawRows: map[string]int64{}, CuratedRows: map[string]int64{}, PublishedRows: map[string]int64{}, RejectsByReason: map[string]int64{}}
	for _, src := range s.Pipeline.Sources {
		if sum.RawRows[src.Name], err = count(ctx, c, names.Raw, src.Name); err != nil {
			return nil, err
		}
	}
	if _, ok := s.Pipeline.Source(cdcSource); ok {
		sum.ChangesPublished = len(data.Customers.Messages)
	}
	for _, table := range s.Pipeline.CuratedTables() {
		if sum.CuratedRows[table], err = count(ctx, c, names.Curated, table); err != nil {
			return nil, err
		}
	}
	for _, m := range s.Pipeline.Mask.Tables {
		if sum.PublishedRows[m.Name], err = count(ctx, c, names.Published, m.Name); err != nil {
			return nil, err
		}
	}
	if sum.RejectsByReason, err = RejectsByReason(ctx, c); err != nil {
		return nil, err
	}
	for _, n := range sum.RejectsByReason {
		sum.Rejects += n
	}
	sum.Withheld, sum.DLPBytes = append([]string{}, mask.Withheld...), mask.DLPBytes
	for _, f := range done.Files {
		p, err := download(ctx, c, f.URI, filepath.Join(s.Opts.Workdir, "exports"))
		if err != nil {
			return nil, err
		}
		sum.Exports = append(sum.Exports, p)
	}
	return sum, nil
}

// waitLanded waits until raw rows plus rejects account for every record
// sent; idle returns once deliveries are idle (or fails: nothing more can
// land).
func waitLanded(ctx context.Context, s *stack.Stack, idle func(context.Context) error, sent map[string]int, progress func(string)) error {
	deadline := time.Now().Add(10 * time.Minute)
	var lastReport time.Time
	var last string
	for {
		// Count only once the router is idle (counting during delivery
		// costs the emulator CPU), and look again soon: the stage time is
		// what it measures, and every poll interval is added to it.
		if err := idle(ctx); err != nil {
			return err
		}
		rej, err := rejectsBySource(ctx, s.Clients)
		if err != nil {
			return err
		}
		complete := true
		var status []string
		for src, n := range sent {
			var raw int64
			if _, err := s.Clients.BigQuery.Dataset(s.Clients.Names.Raw).Table(src).Metadata(ctx); err == nil {
				if raw, err = count(ctx, s.Clients, s.Clients.Names.Raw, src); err != nil {
					return err
				}
			} else if !bq.IsNotFound(err) {
				return err
			}
			if int(raw+rej[src]) < n {
				complete = false
			}
			status = append(status, fmt.Sprintf("%s: %d raw + %d rejected of %d", src, raw, rej[src], n))
		}
		sort.Strings(status)
		// events sent / landed as it goes, at most once a second
		if line := strings.Join(status, "; "); progress != nil && line != last && (complete || time.Since(lastReport) >= time.Second) {
			progress("landed " + line)
			last, lastReport = line, time.Now()
		}
		if complete {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ingest did not finish: %s", strings.Join(status, "; "))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitEvent pulls sub until a stage event of runID arrives and decodes it
// into out.
func waitEvent(ctx context.Context, ps *pubsub.Client, project, sub, runID string, out any) error {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := ps.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: "projects/" + project + "/subscriptions/" + sub, MaxMessages: 10})
		if err != nil {
			return fmt.Errorf("pull %s: %w", sub, err)
		}
		for _, m := range resp.ReceivedMessages {
			ps.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: "projects/" + project + "/subscriptions/" + sub, AckIds: []string{m.AckId}})
			if m.Message.Attributes["run_id"] == runID {
				return json.Unmarshal(m.Message.Data, out)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no event for run %s on %s within 10 minutes: see the mask and export dead-letter topics", runID, sub)
}

func count(ctx context.Context, c *gcp.Clients, dataset, table string) (int64, error) {
	return bq.NumRows(ctx, c.BigQuery, dataset, table)
}

// RejectsByReason counts rejects as "source/reason".
func RejectsByReason(ctx context.Context, c *gcp.Clients) (map[string]int64, error) {
	out := map[string]int64{}
	if _, err := c.BigQuery.Dataset(c.Names.Ops).Table(ingest.RejectsTable).Metadata(ctx); bq.IsNotFound(err) {
		return out, nil // nothing rejected yet
	}
	rows, err := bq.ReadAll(ctx, c.BigQuery, fmt.Sprintf("SELECT source, reason, COUNT(*) AS n FROM `%s.%s.%s` GROUP BY source, reason",
		c.Env.Project, c.Names.Ops, ingest.RejectsTable))
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		out[fmt.Sprintf("%v/%v", row[0], row[1])] = row[2].(int64)
	}
	return out, nil
}

func rejectsBySource(ctx context.Context, c *gcp.Clients) (map[string]int64, error) {
	by, err := RejectsByReason(ctx, c)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for k, n := range by {
		src, _, _ := strings.Cut(k, "/")
		out[src] += n
	}
	return out, nil
}

// download copies gs://bucket/object to dir/object and returns the path.
func download(ctx context.Context, c *gcp.Clients, uri, dir string) (string, error) {
	rest := strings.TrimPrefix(uri, "gs://")
	bucket, object, _ := strings.Cut(rest, "/")
	r, err := c.Storage.Bucket(bucket).Object(object).NewReader(ctx)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", uri, err)
	}
	defer r.Close()
	p := filepath.Join(dir, filepath.FromSlash(object))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return "", err
	}
	return p, f.Close()
}

// Text renders the summary for people.
func (s *Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sluice demo: run %s in %.1fs\n", s.RunID, s.Seconds)
	if s.Cloud == "aws" {
		fmt.Fprintf(&b, "  sent        %d events on SQS, %d order files to the S3 landing bucket (AWS Lambda handlers)\n", s.EventsPublished, s.FilesDropped)
	} else {
		fmt.Fprintf(&b, "  sent        %d events on Pub/Sub, %d order files to the landing bucket\n", s.EventsPublished, s.FilesDropped)
	}
	if s.ChangesPublished > 0 {
		fmt.Fprintf(&b, "  sent        %d Debezium messages of the customers table (changes and tombstones)\n", s.ChangesPublished)
	}
	section := func(title string, m map[string]int64) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			label := ""
			if i == 0 {
				label = title
			}
			fmt.Fprintf(&b, "  %-11s %-28s %8d rows\n", label, k, m[k])
		}
	}
	if s.IngestWrites > 0 {
		fmt.Fprintf(&b, "  ingest      %.1fs, %d BigQuery insertAll calls\n", s.Stages["ingest"], s.IngestWrites)
	}
	section("raw", s.RawRows)
	section("rejects", s.RejectsByReason)
	section("curated", s.CuratedRows)
	section("published", s.PublishedRows)
	for _, e := range s.Exports {
		fmt.Fprintf(&b, "  export      %s\n", e)
	}
	return b.String()
}
