package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	ingestfn "github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/archive"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// relandOptions: sluice reland --source S --from DATE --to DATE [--dry-run] [--replace]
type relandOptions struct {
	Source   string
	From, To time.Time // UTC days, inclusive
	DryRun   bool
	Replace  bool
	// NoBackfill: with Replace, list the models downstream but do not
	// backfill them (the summary prints the commands instead).
	NoBackfill bool
	Progress   func(done, total int)
	// Log receives the backfill's progress lines and warnings (nil: discarded).
	Log io.Writer
}

// relandSummary is what a re-land did.
type relandSummary struct {
	Objects, Messages int
	Landed, Skipped   int // rows new in raw; rows whose insertId had already landed
	Rejected          map[string]int
	Partitions        []string // --replace: partitions rebuilt (YYYYMMDD)
	Backfill          []string // --replace: models downstream of the source, in run order
	Backfilled        []string // of those, the ones backfilled over the range (all unless --no-backfill or an error)
}

// relandCmd re-lands a source's archived Pub/Sub messages for a date range
// through the current config, against the stack the environment names.
func relandCmd(args []string) error {
	fs := flag.NewFlagSet("reland", flag.ContinueOnError)
	source := fs.String("source", "", "Pub/Sub source to re-land (required)")
	from := fs.String("from", "", "first archive day, YYYY-MM-DD (required)")
	to := fs.String("to", "", "last archive day, YYYY-MM-DD, inclusive (default: --from)")
	dry := fs.Bool("dry-run", false, "count the archived messages per day; land nothing")
	replace := fs.Bool("replace", false, "rebuild the raw partitions of the range from the archive (one WRITE_TRUNCATE job per day) instead of adding the missing rows, then backfill the models downstream over the range")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	noBackfill := fs.Bool("no-backfill", false, "with --replace: rebuild the raw partitions only and print the backfill commands instead of running them")
	dir := fs.String("dir", "", "pipeline directory with the changed config (default: the embedded pipeline)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := relandOptions{Source: *source, DryRun: *dry, Replace: *replace, NoBackfill: *noBackfill, Log: os.Stderr}
	if o.Source == "" || *from == "" {
		return errors.New("reland: want --source S --from YYYY-MM-DD [--to YYYY-MM-DD] [--dry-run] [--replace [--no-backfill]]")
	}
	if o.NoBackfill && !o.Replace {
		return errors.New("reland: --no-backfill goes with --replace (without --replace nothing is rebuilt, so nothing is backfilled)")
	}
	var err error
	if o.From, err = time.Parse(time.DateOnly, *from); err != nil {
		return fmt.Errorf("reland: --from %q: want YYYY-MM-DD", *from)
	}
	o.To = o.From
	if *to != "" {
		if o.To, err = time.Parse(time.DateOnly, *to); err != nil {
			return fmt.Errorf("reland: --to %q: want YYYY-MM-DD", *to)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := gcp.EnvFromOS()
	if err != nil {
		return fmt.Errorf("reland: %w (run `eval $(sluice dev)` in this shell first, or set the variables it prints)", err)
	}
	p, err := loadPipeline(*dir)
	if err != nil {
		return err
	}
	c, err := gcp.NewClients(ctx, env, p)
	if err != nil {
		return err
	}
	defer c.Close()
	o.Progress = progressBar(os.Stderr)
	sum, err := reland(ctx, c, p, o)
	if o.Progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	if *asJSON {
		if jerr := writeJSON(os.Stdout, sum); jerr != nil {
			return jerr
		}
		return err
	}
	printRelandSummary(os.Stdout, o, sum)
	return err
}

func printRelandSummary(w io.Writer, o relandOptions, s relandSummary) {
	verb := "re-landed"
	if o.DryRun {
		verb = "would re-land"
	}
	fmt.Fprintf(w, "%s %s %s..%s: %d archived messages in %d objects\n", verb, o.Source,
		o.From.Format(time.DateOnly), o.To.Format(time.DateOnly), s.Messages, s.Objects)
	if o.DryRun {
		return
	}
	fmt.Fprintf(w, "landed %d, skipped %d (already landed), rejected %d\n", s.Landed, s.Skipped, total(s.Rejected))
	reasons := make([]string, 0, len(s.Rejected))
	for r := range s.Rejected {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "  rejected %-24s %d\n", r, s.Rejected[r])
	}
	if o.Replace {
		fmt.Fprintf(w, "partitions rebuilt: %s\n", strings.Join(s.Partitions, " "))
		if len(s.Backfilled) > 0 {
			fmt.Fprintf(w, "backfilled %s..%s: %s\n", o.From.Format(time.DateOnly), o.To.Format(time.DateOnly), strings.Join(s.Backfilled, " "))
		}
		for _, m := range s.Backfill[len(s.Backfilled):] {
			fmt.Fprintf(w, "backfill: sluice backfill --model %s --from %s --to %s\n", m, o.From.Format(time.DateOnly), o.To.Format(time.DateOnly))
		}
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// archived is one archived message with the day its object is under.
type archived struct {
	rec archive.Record
	day time.Time
}

// readArchive lists <source>/YYYY/MM/DD/ for every day from..to and decodes
// every object: the Avro files of the cloud's Cloud Storage subscription
// (and of emulators/archive), or the JSON lines of older local archives,
// told apart by their first bytes (shared/archive.ReadRecords). An object
// that does not decode whole is an error naming it, before anything lands.
func readArchive(ctx context.Context, sc *storage.Client, bucket, source string, from, to time.Time) ([]archived, int, error) {
	var out []archived
	objects := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		it := sc.Bucket(bucket).Objects(ctx, &storage.Query{Prefix: archive.DayPrefix(source, d)})
		var names []string
		for {
			a, err := it.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				return nil, objects, fmt.Errorf("storage: list gs://%s/%s: %w", bucket, archive.DayPrefix(source, d), err)
			}
			names = append(names, a.Name)
		}
		sort.Strings(names)
		for _, n := range names {
			r, err := sc.Bucket(bucket).Object(n).NewReader(ctx)
			if err != nil {
				return nil, objects, fmt.Errorf("storage: read gs://%s/%s: %w", bucket, n, err)
			}
			recs, err := archive.ReadRecords(r)
			r.Close()
			if err != nil {
				return nil, objects, fmt.Errorf("reland: archived object gs://%s/%s does not decode: %w; nothing was landed: move the object out of %s (or restore it) and run reland again", bucket, n, err, archive.DayPrefix(source, d))
			}
			objects++
			for _, rec := range recs {
				out = append(out, archived{rec, d})
			}
		}
	}
	return out, objects, nil
}

func reland(ctx context.Context, c *gcp.Clients, p *config.Pipeline, o relandOptions) (relandSummary, error) {
	sum := relandSummary{Rejected: map[string]int{}}
	src, ok := p.Source(o.Source)
	if !ok {
		return sum, fmt.Errorf("reland: --source %q is not a source in pipeline.yaml", o.Source)
	}
	if src.Trigger.PubSubTopic == "" {
		return sum, fmt.Errorf("reland: source %q lands files; its originals are under gs://%s/%s/YYYY/MM/DD/: copy them back to the landing bucket to land them again (re-landing file sources is not part of reland yet)", o.Source, c.Names.Archive, o.Source)
	}
	if o.To.Before(o.From) {
		return sum, fmt.Errorf("reland: --to %s is before --from %s", o.To.Format(time.DateOnly), o.From.Format(time.DateOnly))
	}
	// --replace rebuilds partitions by event time: read one archive day
	// more on each side, for rows published just after (or before)
	// midnight of their event's day.
	from, to := o.From, o.To
	if o.Replace {
		from, to = from.AddDate(0, 0, -1), to.AddDate(0, 0, 1)
	}
	recs, objects, err := readArchive(ctx, c.Storage, c.Names.Archive, src.Name, from, to)
	sum.Objects, sum.Messages = objects, len(recs)
	if err != nil || o.DryRun {
		return sum, err
	}
	started := time.Now()
	names := c.Names
	if o.Replace {
		names.Raw = c.Names.Raw + "_reland"
		if err := freshStaging(ctx, c.BigQuery, names.Raw, src.Name); err != nil {
			return sum, err
		}
	}
	l := &ingestfn.Lander{BigQuery: c.BigQuery, Storage: c.Storage, Pipeline: p, Names: names, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	before, err := rawRowCount(ctx, c.BigQuery, names.Raw, src.Name)
	if err != nil {
		return sum, err
	}
	topic := c.Names.Topic(src.Trigger.PubSubTopic)
	offered := 0
	for i, a := range recs {
		res, err := l.LandMessage(ctx, topic, events.PubSubMessage{Data: a.rec.Data, Attributes: a.rec.Attributes,
			MessageID: a.rec.MessageID, PublishTime: a.rec.PublishTime})
		if err != nil {
			return sum, fmt.Errorf("reland: message %s: %w (re-run: rows already landed are skipped)", a.rec.MessageID, err)
		}
		offered += res.Landed
		if o.Progress != nil {
			o.Progress(i+1, len(recs))
		}
	}
	after, err := rawRowCount(ctx, c.BigQuery, names.Raw, src.Name)
	if err != nil {
		return sum, err
	}
	sum.Landed = int(after - before)
	sum.Skipped = offered - sum.Landed
	counts, err := l.CountRejects(ctx, ingestfn.RejectFilter{Source: src.Name, Since: started})
	if err != nil {
		return sum, err
	}
	for _, rc := range counts {
		sum.Rejected[rc.Reason] += int(rc.Count)
	}
	if !o.Replace {
		return sum, nil
	}
	if err := replacePartitions(ctx, c, src, names.Raw, o, &sum); err != nil {
		return sum, err
	}
	if sum.Backfill, err = downstream(p, c, src.Name); err != nil || o.NoBackfill {
		return sum, err
	}
	return sum, backfillDownstream(ctx, c, p, o, &sum)
}

// backfillDownstream backfills each model of sum.Backfill over the range,
// in run order, so a model reads its upstream models already rebuilt. On an
// error it stops; the summary then prints the commands for the rest.
func backfillDownstream(ctx context.Context, c *gcp.Clients, p *config.Pipeline, o relandOptions, sum *relandSummary) error {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	r := &transform.Runner{BigQuery: c.BigQuery, PubSub: c.PubSub, Pipeline: p, Names: c.Names, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	start := time.Now()
	for _, m := range sum.Backfill {
		bo := transform.BackfillOptions{Model: m, From: o.From, To: o.To,
			Progress: func(d time.Time, done, total int) {
				fmt.Fprintf(log, "\r%s", backfillBar(m, d, done, total, time.Since(start)))
				if done == total {
					fmt.Fprintln(log)
				}
			}}
		if err := r.Backfill(ctx, bo); err != nil {
			return fmt.Errorf("reland: partitions rebuilt, but backfilling model %s failed: %w (fix it, then run the backfill lines below)", m, err)
		}
		sum.Backfilled = append(sum.Backfilled, m)
	}
	return nil
}

// freshStaging creates the staging dataset if needed and drops the
// source's staging table, so the re-land starts empty.
func freshStaging(ctx context.Context, bqc *bigquery.Client, dataset, table string) error {
	if err := bqc.Dataset(dataset).Create(ctx, &bigquery.DatasetMetadata{Description: "sluice reland --replace staging"}); err != nil && !isCode(err, http.StatusConflict) {
		return fmt.Errorf("bigquery: create dataset %s: %w", dataset, err)
	}
	if err := bqc.Dataset(dataset).Table(table).Delete(ctx); err != nil && !isCode(err, http.StatusNotFound) {
		return fmt.Errorf("bigquery: delete %s.%s: %w", dataset, table, err)
	}
	return nil
}

func isCode(err error, code int) bool {
	var g *googleapi.Error
	return errors.As(err, &g) && g.Code == code
}

func rawRowCount(ctx context.Context, bqc *bigquery.Client, dataset, table string) (int64, error) {
	it, err := bqc.Query(fmt.Sprintf("SELECT COUNT(*) FROM `%s.%s`", dataset, table)).Read(ctx)
	if err != nil {
		if isCode(err, http.StatusNotFound) {
			return 0, nil
		}
		return 0, fmt.Errorf("bigquery: count %s.%s: %w", dataset, table, err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		return 0, fmt.Errorf("bigquery: count %s.%s: %w", dataset, table, err)
	}
	return row[0].(int64), nil
}

// replacePartitions brings raw.<source>'s schema up to the current config
// (new columns only, as ingest does) and replaces each day's partition with
// the staging rows of that day: one query job per day writing
// raw.<source>$YYYYMMDD with WRITE_TRUNCATE, atomic per partition.
func replacePartitions(ctx context.Context, c *gcp.Clients, src *config.Source, staging string, o relandOptions, sum *relandSummary) error {
	raw := c.BigQuery.Dataset(c.Names.Raw).Table(src.Name)
	md, err := raw.Metadata(ctx)
	if err != nil {
		return fmt.Errorf("bigquery: %s.%s: %w (nothing to replace: land without --replace)", c.Names.Raw, src.Name, err)
	}
	want := ingestfn.RawSchema(src)
	have := map[string]bool{}
	for _, f := range md.Schema {
		have[f.Name] = true
	}
	schema := append(bigquery.Schema(nil), md.Schema...)
	for _, f := range want {
		if !have[f.Name] {
			cp := *f
			cp.Required = false // a new column cannot be REQUIRED for the rows already there
			schema = append(schema, &cp)
		}
	}
	if len(schema) != len(md.Schema) {
		if _, err := raw.Update(ctx, bigquery.TableMetadataToUpdate{Schema: schema}, md.ETag); err != nil {
			return fmt.Errorf("bigquery: add the new columns to %s.%s: %w", c.Names.Raw, src.Name, err)
		}
	}
	col := src.RawPartitionColumn()
	if md.TimePartitioning != nil && md.TimePartitioning.Field != "" {
		col = md.TimePartitioning.Field
	}
	// Rows of the range that are in raw but not in the archive read (an
	// event published days after its event time, or landed before the
	// archive existed) are copied into staging first, so replacing a
	// partition never loses a row: their new columns stay NULL.
	cols := make([]string, len(want))
	for i, f := range want {
		cols[i] = "`" + f.Name + "`"
	}
	list := strings.Join(cols, ", ")
	keep := c.BigQuery.Query(fmt.Sprintf("INSERT INTO `%[1]s.%[2]s` (%[3]s) SELECT %[3]s FROM `%[4]s.%[2]s` WHERE DATE(`%[5]s`) BETWEEN @from AND @to AND `%[6]s` NOT IN (SELECT `%[6]s` FROM `%[1]s.%[2]s`)",
		staging, src.Name, list, c.Names.Raw, col, bqEventID))
	keep.Parameters = []bigquery.QueryParameter{{Name: "from", Value: civil.DateOf(o.From)}, {Name: "to", Value: civil.DateOf(o.To)}}
	if err := runJob(ctx, keep); err != nil {
		return fmt.Errorf("bigquery: keep the rows of %s.%s the archive does not hold: %w", c.Names.Raw, src.Name, err)
	}
	for d := o.From; !d.After(o.To); d = d.AddDate(0, 0, 1) {
		part := d.Format("20060102")
		q := c.BigQuery.Query(fmt.Sprintf("SELECT * FROM `%s.%s` WHERE DATE(`%s`) = @day", staging, src.Name, col))
		q.Parameters = []bigquery.QueryParameter{{Name: "day", Value: civil.DateOf(d)}}
		q.Dst = c.BigQuery.Dataset(c.Names.Raw).Table(src.Name + "$" + part)
		q.WriteDisposition = bigquery.WriteTruncate
		q.CreateDisposition = bigquery.CreateNever
		if err := runJob(ctx, q); err != nil {
			return fmt.Errorf("bigquery: replace %s.%s$%s: %w", c.Names.Raw, src.Name, part, err)
		}
		sum.Partitions = append(sum.Partitions, part)
	}
	return nil
}

// bqEventID is the metadata column with the record's event id (its insertId
// is <source>:<event id>).
const bqEventID = "_event_id"

func runJob(ctx context.Context, q *bigquery.Query) error {
	job, err := q.Run(ctx)
	if err != nil {
		return err
	}
	st, err := job.Wait(ctx)
	if err != nil {
		return err
	}
	return st.Err()
}

// downstream lists the models that read the source, and the models that
// read those, in run order.
func downstream(p *config.Pipeline, c *gcp.Clients, source string) ([]string, error) {
	plans, err := transform.Plan(p, c.Env.Project, c.Names.Raw, c.Names.Curated)
	if err != nil {
		return nil, err
	}
	hit := map[string]bool{}
	var out []string
	for _, mp := range plans {
		h := false
		for _, s := range mp.Sources {
			if s == source || strings.HasSuffix(s, "."+source) {
				h = true
			}
		}
		for _, d := range mp.Deps {
			h = h || hit[d]
		}
		if h {
			hit[mp.Model.Name] = true
			out = append(out, mp.Model.Name)
		}
	}
	return out, nil
}
