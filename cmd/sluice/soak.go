package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/logging"
)

// soakCmd runs the whole local stack at a fixed modest rate for a long
// time: events published at --rate, the order files dropped at the start,
// a transform (and through its events mask and export) every --every, and
// every --sample the process's RSS, goroutines, open files and DuckDB size
// written as a CSV line. At the end the CSV is drawn as an SVG.
func soakCmd(args []string) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	rate := fs.Float64("rate", 10, "events per second")
	duration := fs.Duration("duration", 30*time.Minute, "how long to run")
	every := fs.Duration("every", time.Minute, "how often a transform runs (mask and export follow it)")
	sampleEvery := fs.Duration("sample", 10*time.Second, "how often the process is sampled")
	workdir := fs.String("workdir", "", "state directory (default a temporary one, removed at the end)")
	out := fs.String("out", "soak.csv", "CSV of the samples")
	svg := fs.String("svg", "", "SVG plot of the samples (default: the CSV name with .svg)")
	seed := fs.Uint64("seed", 1, "data seed")
	distinct := fs.Int("distinct", 0, "publish only this many distinct events, over and over (same event ids: raw and every table stay the same size); 0 = every event new")
	duckLimit := fs.String("duckdb-memory-limit", "", "DuckDB memory_limit for the run, e.g. 128MB (default DuckDB's own: 80% of RAM)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object instead of the text summary")
	replot := fs.String("replot", "", "only draw the plot (--svg) of this CSV from an earlier run, with --title")
	title := fs.String("title", "sluice soak", "with --replot: the plot's title")
	heapDir := fs.String("heap-profiles", "", "write Go heap profiles here after warm-up and at the end (heap-warm.pb.gz, heap-end.pb.gz)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate <= 0 || *duration <= 0 || *every <= 0 || *sampleEvery <= 0 {
		return fmt.Errorf("soak: --rate, --duration, --every and --sample must be positive")
	}
	if *svg == "" {
		*svg = strings.TrimSuffix(*out, filepath.Ext(*out)) + ".svg"
	}
	if *replot != "" {
		samples, err := readSoakCSV(*replot)
		if err != nil {
			return err
		}
		if *svg == strings.TrimSuffix(*out, filepath.Ext(*out))+".svg" {
			*svg = strings.TrimSuffix(*replot, filepath.Ext(*replot)) + ".svg"
		}
		return os.WriteFile(*svg, []byte(soakSVG(samples, *title)), 0o644)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir := *workdir
	if dir == "" {
		d, err := os.MkdirTemp("", "sluice-soak-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	dir, _ = filepath.Abs(dir)
	lf, err := os.Create(filepath.Join(dir, "functions.log"))
	if err != nil {
		return err
	}
	defer lf.Close()
	logging.Output = lf
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := stack.Start(ctx, stack.Options{Workdir: dir, Persist: true, Log: log})
	if err != nil {
		return err
	}
	defer st.Close()
	if *duckLimit != "" && st.BigQuery != nil {
		if _, err := st.BigQuery.DB().ExecContext(ctx, "SET memory_limit = '"+strings.ReplaceAll(*duckLimit, "'", "")+"'"); err != nil {
			return fmt.Errorf("soak: --duckdb-memory-limit %q: %w", *duckLimit, err)
		}
	}
	res, err := runSoak(ctx, st, soakOptions{rate: *rate, duration: *duration, every: *every, sample: *sampleEvery, seed: *seed, dir: dir, heapDir: *heapDir, distinct: *distinct})
	if err != nil {
		return err
	}
	if err := writeSoakCSV(*out, res.Samples); err != nil {
		return err
	}
	if err := os.WriteFile(*svg, []byte(soakSVG(res.Samples, res.Title())), 0o644); err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
		return nil
	}
	fmt.Print(res.Text())
	fmt.Printf("samples in %s, plot in %s\n", *out, *svg)
	return nil
}

type soakOptions struct {
	rate                    float64
	duration, every, sample time.Duration
	seed                    uint64
	dir                     string
	heapDir                 string
	distinct                int
}

// SoakSample is one sample of the process.
type SoakSample struct {
	Seconds    float64 `json:"s"`
	RSSMB      float64 `json:"rss_mb"`
	GoHeapMB   float64 `json:"go_heap_mb"`           // Go heap in use (live + not yet swept)
	DuckMemMB  float64 `json:"duckdb_mem_mb"`        // DuckDB buffer manager, duckdb_memory()
	DuckBaseMB float64 `json:"duckdb_base_table_mb"` // of which BASE_TABLE: cached blocks of the database file, evictable
	Goroutines int     `json:"goroutines"`
	OpenFiles  int     `json:"open_files"`
	DuckDBMB   float64 `json:"duckdb_mb"`
	Published  int     `json:"published"`
	Transforms int     `json:"transforms"`
	Load1      float64 `json:"load1"`
}

// SoakResult is what `sluice soak` reports.
type SoakResult struct {
	Rate            float64            `json:"rate"`
	Seconds         float64            `json:"seconds"`
	Published       int                `json:"published"`
	RawEvents       int64              `json:"raw_events"`
	Transforms      int                `json:"transforms"`
	TransformErrors int                `json:"transform_errors"`
	Exports         int                `json:"exports_completed"`
	DuckDBMemory    map[string]float64 `json:"duckdb_memory_mb,omitempty"` // duckdb_memory() by tag at the end
	Samples         []SoakSample       `json:"-"`
}

func (r *SoakResult) Title() string {
	return fmt.Sprintf("sluice soak: %.0f events/s for %.0f min, a transform→mask→export every run; %d transforms, %d exports",
		r.Rate, r.Seconds/60, r.Transforms, r.Exports)
}

func (r *SoakResult) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sluice soak: %.0f s at %.1f events/s: published %d, raw.events %d, transforms %d (%d failed), exports completed %d\n",
		r.Seconds, r.Rate, r.Published, r.RawEvents, r.Transforms, r.TransformErrors, r.Exports)
	if n := len(r.Samples); n > 0 {
		w := warmIndex(r.Samples)
		first, last := r.Samples[w], r.Samples[n-1]
		fmt.Fprintf(&b, "  after warm-up (from %.0f s) to the end:\n", first.Seconds)
		fmt.Fprintf(&b, "  rss        %7.1f -> %7.1f MB (max %.1f)\n", first.RSSMB, last.RSSMB, maxOf(r.Samples[w:], func(s SoakSample) float64 { return s.RSSMB }))
		fmt.Fprintf(&b, "  goroutines %7d -> %7d (max %.0f)\n", first.Goroutines, last.Goroutines, maxOf(r.Samples[w:], func(s SoakSample) float64 { return float64(s.Goroutines) }))
		fmt.Fprintf(&b, "  open files %7d -> %7d (max %.0f)\n", first.OpenFiles, last.OpenFiles, maxOf(r.Samples[w:], func(s SoakSample) float64 { return float64(s.OpenFiles) }))
		fmt.Fprintf(&b, "  duckdb     %7.1f -> %7.1f MB\n", first.DuckDBMB, last.DuckDBMB)
	}
	return b.String()
}

// warmIndex is the first sample after the first fifth of the run.
func warmIndex(s []SoakSample) int {
	if len(s) == 0 {
		return 0
	}
	end := s[len(s)-1].Seconds
	for i, x := range s {
		if x.Seconds >= end/5 {
			return i
		}
	}
	return 0
}

func maxOf(s []SoakSample, f func(SoakSample) float64) float64 {
	m := math.Inf(-1)
	for _, x := range s {
		m = math.Max(m, f(x))
	}
	return m
}

func runSoak(ctx context.Context, st *stack.Stack, o soakOptions) (*SoakResult, error) {
	c := st.Clients
	names := c.Names
	total := int(o.rate*o.duration.Seconds()) + 1
	if o.distinct > 0 && o.distinct < total {
		total = o.distinct
	}
	data := sample.Generate(o.seed, total)
	res := &SoakResult{Rate: o.rate}

	watch := fmt.Sprintf("soak-export-completed-%d", time.Now().UnixNano())
	if err := st.Router.EnsureSubscription(ctx, watch, names.ExportCompleted); err != nil {
		return nil, err
	}
	exportsDone := make(chan int, 1)
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	go func() {
		n := 0
		st.Clients.PubSub.Subscriber(watch).Receive(wctx, func(_ context.Context, m *pubsub.Message) { n++; m.Ack() })
		exportsDone <- n
	}()

	for _, f := range data.Files {
		w := c.Storage.Bucket(names.Landing).Object(f.Name).NewWriter(ctx)
		if _, err := w.Write(f.Data); err != nil {
			return nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}
	pub := c.PubSub.Publisher(names.Topic("events"))
	defer pub.Stop()

	start := time.Now()
	runDate := sample.Base.AddDate(0, 0, 7).Format("2006-01-02")
	transformErr := make(chan error, 1)
	transformBusy := false
	sampleNow := func() {
		res.Samples = append(res.Samples, SoakSample{Seconds: time.Since(start).Seconds(), RSSMB: rssMB(), GoHeapMB: goHeapMB(),
			Goroutines: runtime.NumGoroutine(),
			OpenFiles:  openFiles(), DuckDBMB: fileMB(filepath.Join(o.dir, "bigquery.duckdb")) + fileMB(filepath.Join(o.dir, "bigquery.duckdb.wal")),
			Published: res.Published, Transforms: res.Transforms, Load1: load1()})
		x := &res.Samples[len(res.Samples)-1]
		x.DuckMemMB, x.DuckBaseMB = duckMemMB(ctx, st)
	}
	sampleNow()
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
	defer tick.Stop()
	sampleTick := time.NewTicker(o.sample)
	defer sampleTick.Stop()
	transformTick := time.NewTicker(o.every)
	defer transformTick.Stop()
	deadline := time.After(o.duration)
	warm := time.After(o.duration / 5)
	var results []*pubsub.PublishResult
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-deadline:
			break loop
		case <-warm:
			if err := writeHeapProfile(o.heapDir, "heap-warm.pb.gz"); err != nil {
				return nil, err
			}
		case <-tick.C:
			if res.Published < len(data.Events) || o.distinct > 0 {
				results = append(results, pub.Publish(ctx, &pubsub.Message{Data: data.Events[res.Published%len(data.Events)]}))
				res.Published++
			}
		case <-sampleTick.C:
			sampleNow()
			fmt.Fprintf(os.Stderr, "soak %4.0fs: rss %.0f MB (go heap %.0f, duckdb %.0f of which file cache %.0f), %d goroutines, %d files, duckdb %.1f MB, %d published, %d transforms\n",
				res.Samples[len(res.Samples)-1].Seconds, res.Samples[len(res.Samples)-1].RSSMB, res.Samples[len(res.Samples)-1].GoHeapMB, res.Samples[len(res.Samples)-1].DuckMemMB, res.Samples[len(res.Samples)-1].DuckBaseMB, res.Samples[len(res.Samples)-1].Goroutines,
				res.Samples[len(res.Samples)-1].OpenFiles, res.Samples[len(res.Samples)-1].DuckDBMB, res.Published, res.Transforms)
		case err := <-transformErr:
			transformBusy = false
			if err != nil {
				res.TransformErrors++
				fmt.Fprintln(os.Stderr, "soak: transform:", err)
			}
		case <-transformTick.C:
			if transformBusy {
				continue
			}
			transformBusy = true
			res.Transforms++
			body, _ := json.Marshal(map[string]string{"run_id": fmt.Sprintf("soak_%d", res.Transforms), "run_date": runDate})
			go func() { transformErr <- st.Router.Fire(ctx, st.Schedule(stack.TransformSchedule), body) }()
		}
	}
	for _, r := range results {
		if _, err := r.Get(ctx); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	if transformBusy {
		if err := <-transformErr; err != nil {
			res.TransformErrors++
		}
	}
	st.Router.WaitIdle(ctx, time.Second)
	sampleNow()
	if err := writeHeapProfile(o.heapDir, "heap-end.pb.gz"); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	wcancel()
	res.Exports = <-exportsDone
	q := c.BigQuery.Query(fmt.Sprintf("SELECT COUNT(DISTINCT event_id) FROM `%s.events`", names.Raw))
	it, err := q.Read(ctx)
	if err != nil {
		return nil, err
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		return nil, err
	}
	res.RawEvents, _ = row[0].(int64)
	res.DuckDBMemory = duckMemTags(ctx, st)
	return res, nil
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// goHeapMB is the Go heap's in-use bytes, to tell Go memory from C memory
// (DuckDB) in the RSS.
func goHeapMB() float64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64()) / (1 << 20)
}

// duckMemMB is what DuckDB's buffer manager holds (duckdb_memory()) and
// the part of it that caches the database file (BASE_TABLE); 0 when the
// BigQuery emulator is external.
func duckMemMB(ctx context.Context, st *stack.Stack) (total, base float64) {
	if st.BigQuery == nil {
		return 0, 0
	}
	var t, b sql.NullInt64
	if err := st.BigQuery.DB().QueryRowContext(ctx, "SELECT SUM(memory_usage_bytes), SUM(memory_usage_bytes) FILTER (WHERE tag = 'BASE_TABLE') FROM duckdb_memory()").Scan(&t, &b); err != nil {
		return 0, 0
	}
	return float64(t.Int64) / (1 << 20), float64(b.Int64) / (1 << 20)
}

// duckMemTags is duckdb_memory() by tag (MB), the tags that hold memory.
func duckMemTags(ctx context.Context, st *stack.Stack) map[string]float64 {
	if st.BigQuery == nil {
		return nil
	}
	rows, err := st.BigQuery.DB().QueryContext(ctx, "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0")
	if err != nil {
		return nil
	}
	defer rows.Close()
	m := map[string]float64{}
	for rows.Next() {
		var tag string
		var b int64
		if rows.Scan(&tag, &b) == nil {
			m[tag] = float64(b) / (1 << 20)
		}
	}
	return m
}

func writeHeapProfile(dir, name string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	runtime.GC()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

func openFiles() int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(es)
}

func fileMB(p string) float64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func writeSoakCSV(path string, s []SoakSample) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"seconds", "rss_mb", "go_heap_mb", "duckdb_mem_mb", "duckdb_base_table_mb", "goroutines", "open_files", "duckdb_mb", "published", "transforms", "load1"})
	for _, x := range s {
		w.Write([]string{strconv.FormatFloat(x.Seconds, 'f', 1, 64), strconv.FormatFloat(x.RSSMB, 'f', 1, 64),
			strconv.FormatFloat(x.GoHeapMB, 'f', 1, 64), strconv.FormatFloat(x.DuckMemMB, 'f', 1, 64), strconv.FormatFloat(x.DuckBaseMB, 'f', 1, 64), strconv.Itoa(x.Goroutines),
			strconv.Itoa(x.OpenFiles), strconv.FormatFloat(x.DuckDBMB, 'f', 2, 64), strconv.Itoa(x.Published), strconv.Itoa(x.Transforms),
			strconv.FormatFloat(x.Load1, 'f', 2, 64)})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

// soakSVG draws four panels against minutes, each scaled from 0 to its
// maximum: memory (RSS, the Go heap in use, DuckDB's buffer manager),
// goroutines, open files, and the DuckDB file size.
func soakSVG(s []SoakSample, title string) string {
	const W, H, ph, left, top = 760, 580, 110, 70, 40
	type series struct {
		name, color string
		f           func(SoakSample) float64
	}
	panels := []struct {
		name   string
		series []series
	}{
		{"memory (MB)", []series{
			{"RSS", "#1f77b4", func(x SoakSample) float64 { return x.RSSMB }},
			{"Go heap in use", "#ff7f0e", func(x SoakSample) float64 { return x.GoHeapMB }},
			{"DuckDB buffer manager", "#2ca02c", func(x SoakSample) float64 { return x.DuckMemMB }},
		}},
		{"goroutines", []series{{"", "#1f77b4", func(x SoakSample) float64 { return float64(x.Goroutines) }}}},
		{"open files", []series{{"", "#1f77b4", func(x SoakSample) float64 { return float64(x.OpenFiles) }}}},
		{"DuckDB file (MB)", []series{{"", "#1f77b4", func(x SoakSample) float64 { return x.DuckDBMB }}}},
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="12">%s</text>`+"\n", left, xmlEscape(title))
	endS := 1.0
	if len(s) > 0 {
		endS = math.Max(1, s[len(s)-1].Seconds)
	}
	pw := float64(W - left - 20)
	for i, p := range panels {
		y0 := float64(top + i*(ph+20))
		mx := 0.0
		for _, sr := range p.series {
			for _, x := range s {
				mx = math.Max(mx, sr.f(x))
			}
		}
		if mx == 0 {
			mx = 1
		}
		mx *= 1.1
		fmt.Fprintf(&b, `<rect x="%d" y="%.0f" width="%.0f" height="%d" fill="none" stroke="#999"/>`+"\n", left, y0, pw, ph)
		fmt.Fprintf(&b, `<text x="5" y="%.0f">%s</text>`+"\n", y0+12, xmlEscape(p.name))
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left-4, y0+10, mx)
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" text-anchor="end">0</text>`+"\n", left-4, y0+float64(ph))
		for k, sr := range p.series {
			var pts []string
			for _, x := range s {
				px := float64(left) + x.Seconds/endS*pw
				py := y0 + float64(ph) - sr.f(x)/mx*float64(ph)
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", sr.color, strings.Join(pts, " "))
			if sr.name != "" {
				fmt.Fprintf(&b, `<text x="%d" y="%.0f" fill="%s">%s</text>`+"\n", left+8+k*170, y0+14, sr.color, xmlEscape(sr.name))
			}
		}
	}
	yAxis := top + len(panels)*(ph+20) - 5
	for m := 0.0; m <= endS/60+0.001; m += math.Max(1, math.Round(endS/60/6)) {
		px := float64(left) + m*60/endS*pw
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">%.0f</text>`+"\n", px, yAxis+12, m)
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">minutes</text>`+"\n", float64(left)+pw/2, yAxis+28)
	b.WriteString("</svg>\n")
	return b.String()
}

// readSoakCSV reads what writeSoakCSV wrote, by column name (older CSVs
// without the memory columns read as 0 there).
func readSoakCSV(path string) ([]SoakSample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var out []SoakSample
	for _, r := range recs[1:] {
		num := func(name string) float64 {
			i, ok := col[name]
			if !ok || i >= len(r) {
				return 0
			}
			v, _ := strconv.ParseFloat(r[i], 64)
			return v
		}
		out = append(out, SoakSample{Seconds: num("seconds"), RSSMB: num("rss_mb"), GoHeapMB: num("go_heap_mb"), DuckMemMB: num("duckdb_mem_mb"),
			DuckBaseMB: num("duckdb_base_table_mb"), Goroutines: int(num("goroutines")), OpenFiles: int(num("open_files")), DuckDBMB: num("duckdb_mb"),
			Published: int(num("published")), Transforms: int(num("transforms")), Load1: num("load1")})
	}
	return out, nil
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
