package transform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
)

// WatermarksTable holds, per incremental model, how far it has processed.
const WatermarksTable = "watermarks"

// WatermarksSchema is the schema of <ops>.watermarks.
var WatermarksSchema = bigquery.Schema{
	{Name: "model", Type: bigquery.StringFieldType, Required: true},
	{Name: "watermark", Type: bigquery.TimestampFieldType, Description: "the largest time_column value in the model's table"},
	{Name: "updated_at", Type: bigquery.TimestampFieldType},
	{Name: "run_id", Type: bigquery.StringFieldType},
}

// Epoch is where an incremental model with no watermark starts: its first
// run (and a full refresh) processes [Epoch, end).
var Epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// built is what one model build did.
type built struct {
	rows, bytes int64 // rows in the table after the build; the dry run's estimate
}

// build builds one model as its materialisation says.
func (r *Runner) build(ctx context.Context, runID string, mp ModelPlan, runDate time.Time, opts RunOptions) (built, error) {
	var b built
	var err error
	switch {
	case mp.CDC != nil:
		b, err = r.buildCDC(ctx, runID, mp, opts)
	default:
		b, err = r.buildModel(ctx, runID, mp, runDate, opts)
	}
	if err != nil {
		return b, fmt.Errorf("model %s (%s): %w", mp.Model.Name, mp.Model.File, err)
	}
	if err := r.document(ctx, mp); err != nil {
		return b, fmt.Errorf("model %s (%s): %w", mp.Model.Name, mp.Model.File, err)
	}
	return b, nil
}

func (r *Runner) buildModel(ctx context.Context, runID string, mp ModelPlan, runDate time.Time, opts RunOptions) (built, error) {
	var b built
	var err error
	switch mp.Options.Materialization() {
	case config.MaterializedView:
		b, err = r.buildView(ctx, runID, mp, runDate)
	case config.MaterializedIncremental:
		b, err = r.buildIncremental(ctx, runID, mp, runDate, opts)
	default:
		b, err = r.buildTable(ctx, runID, mp, runDate)
	}
	return b, err
}

func (r *Runner) jobID(runID string, mp ModelPlan, step string) string {
	id := fmt.Sprintf("sluice_transform_%s_%s", runID, mp.Model.Name)
	if step != "" {
		id += "_" + step
	}
	return id
}

// preflight dry-runs the model's query: the schema it returns, the bytes it
// would process, and the max_bytes_billed check before anything runs.
func (r *Runner) preflight(ctx context.Context, mp ModelPlan, sql string, params []bigquery.QueryParameter) (bigquery.Schema, int64, error) {
	schema, bytes, err := r.dryRun(ctx, sql, params)
	if err != nil {
		return nil, 0, err
	}
	if max := mp.Options.MaxBytesBilled; max > 0 && bytes > max {
		return nil, bytes, fmt.Errorf("dry run: the query would process %d bytes, above max_bytes_billed=%d", bytes, max)
	}
	if err := checkColumns(mp, schema); err != nil {
		return nil, bytes, err
	}
	return schema, bytes, nil
}

// runJob runs q under a deterministic job id: an id that exists means an
// earlier attempt of the same run ran it, and that job is awaited instead.
func (r *Runner) runJob(ctx context.Context, q *bigquery.Query) (*bigquery.JobStatus, error) {
	job, err := q.Run(ctx)
	if bq.IsConflict(err) {
		job, err = r.BigQuery.JobFromID(ctx, q.JobID)
	}
	if err != nil {
		return nil, fmt.Errorf("bigquery.Query(%s).Run: %w", q.JobID, err)
	}
	st, err := job.Wait(ctx)
	if err != nil {
		return nil, fmt.Errorf("bigquery.Job(%s).Wait: %w", q.JobID, err)
	}
	if err := st.Err(); err != nil {
		return st, fmt.Errorf("job %s: %w", q.JobID, err)
	}
	return st, nil
}

func (r *Runner) query(sql, jobID string, mp ModelPlan, params []bigquery.QueryParameter) *bigquery.Query {
	q := r.BigQuery.Query(sql)
	q.JobID = jobID
	q.Parameters = params
	q.MaxBytesBilled = mp.Options.MaxBytesBilled
	return q
}

func (r *Runner) table(name string) *bigquery.Table {
	return r.BigQuery.Dataset(r.Names.Curated).Table(name)
}

func (r *Runner) qualified(dataset, table string) string {
	return fmt.Sprintf("`%s.%s.%s`", r.BigQuery.Project(), dataset, table)
}

func partitioning(o config.ModelOptions) *bigquery.TimePartitioning {
	col, g, ok := o.Partition()
	if !ok {
		return nil
	}
	return &bigquery.TimePartitioning{Type: bigquery.TimePartitioningType(g), Field: col}
}

func clustering(o config.ModelOptions) *bigquery.Clustering {
	if len(o.ClusterBy) == 0 {
		return nil
	}
	return &bigquery.Clustering{Fields: o.ClusterBy}
}

// buildTable replaces the model's table with its query's result.
func (r *Runner) buildTable(ctx context.Context, runID string, mp ModelPlan, runDate time.Time) (built, error) {
	params := runParams(runDate, time.Time{}, time.Time{})
	_, bytes, err := r.preflight(ctx, mp, mp.SQL, params)
	if err != nil {
		return built{bytes: bytes}, err
	}
	if err := r.writeTruncate(ctx, r.jobID(runID, mp, ""), mp, mp.SQL, params); err != nil {
		return built{bytes: bytes}, err
	}
	n, err := r.numRows(ctx, mp.Model.Name)
	return built{rows: n, bytes: bytes}, err
}

func (r *Runner) writeTruncate(ctx context.Context, jobID string, mp ModelPlan, sql string, params []bigquery.QueryParameter) error {
	// BigQuery refuses to replace a table with one partitioned or clustered
	// differently: a changed header drops the old table first.
	t := r.table(mp.Model.Name)
	if md, err := t.Metadata(ctx); err == nil && !sameLayout(md, mp.Options) {
		r.Log.Warn("partitioning or clustering changed; dropping the table to rebuild it", "model", mp.Model.Name)
		if err := t.Delete(ctx); err != nil && !bq.IsNotFound(err) {
			return fmt.Errorf("drop %s to change its partitioning: %w", mp.Model.Name, err)
		}
	}
	q := r.query(sql, jobID, mp, params)
	q.Dst = r.table(mp.Model.Name)
	q.WriteDisposition = bigquery.WriteTruncate
	q.CreateDisposition = bigquery.CreateIfNeeded
	q.TimePartitioning = partitioning(mp.Options)
	q.Clustering = clustering(mp.Options)
	_, err := r.runJob(ctx, q)
	return err
}

// sameLayout reports whether a table is partitioned and clustered as the
// model's header says.
func sameLayout(md *bigquery.TableMetadata, o config.ModelOptions) bool {
	if md.Type == bigquery.ViewTable {
		return false
	}
	want, have := partitioning(o), md.TimePartitioning
	if (want == nil) != (have == nil) || want != nil && (!strings.EqualFold(want.Field, have.Field) || want.Type != have.Type) {
		return false
	}
	var wc, hc []string
	if c := clustering(o); c != nil {
		wc = c.Fields
	}
	if md.Clustering != nil {
		hc = md.Clustering.Fields
	}
	return strings.EqualFold(strings.Join(wc, ","), strings.Join(hc, ","))
}

// buildView replaces the model's view. A view takes no query parameters.
func (r *Runner) buildView(ctx context.Context, runID string, mp ModelPlan, runDate time.Time) (built, error) {
	_, bytes, err := r.preflight(ctx, mp, mp.SQL, nil)
	if err != nil {
		return built{bytes: bytes}, err
	}
	t := r.table(mp.Model.Name)
	if md, err := t.Metadata(ctx); err == nil && md.Type != bigquery.ViewTable {
		r.Log.Warn("model became a view; dropping its table", "model", mp.Model.Name)
		if err := t.Delete(ctx); err != nil && !bq.IsNotFound(err) {
			return built{bytes: bytes}, fmt.Errorf("drop table %s to make it a view: %w", mp.Model.Name, err)
		}
	}
	ddl := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS\n%s\n", r.qualified(r.Names.Curated, mp.Model.Name), mp.SQL)
	_, err = r.runJob(ctx, r.query(ddl, r.jobID(runID, mp, ""), mp, nil))
	// bytes is what one read of the whole view costs; building it costs nothing.
	return built{bytes: bytes}, err
}

// runParams are the query parameters of a run: @run_date always, @start and
// @end for incremental models.
func runParams(runDate, start, end time.Time) []bigquery.QueryParameter {
	ps := []bigquery.QueryParameter{{Name: "run_date", Value: civilDate(runDate)}}
	if !end.IsZero() {
		ps = append(ps, bigquery.QueryParameter{Name: "start", Value: start.UTC()},
			bigquery.QueryParameter{Name: "end", Value: end.UTC()})
	}
	return ps
}

// buildIncremental processes the model's time range [start, end):
// start is the watermark (Epoch before the first run), end is the end of
// the run date; RunOptions may set both. The query's rows, de-duplicated on
// the unique key (the row with the latest time_column wins), are merged on
// that key; without a unique key the range is replaced (MERGE ON FALSE).
// A full refresh replaces the table with the range [Epoch, end). The
// watermark then becomes the table's largest time_column value, so the
// next run starts there; rows at the watermark are processed again, which
// the merge makes harmless.
func (r *Runner) buildIncremental(ctx context.Context, runID string, mp ModelPlan, runDate time.Time, opts RunOptions) (built, error) {
	t := r.table(mp.Model.Name)
	md, err := t.Metadata(ctx)
	exists := err == nil && md.Type != bigquery.ViewTable // a view is replaced by a full write
	if err != nil && !bq.IsNotFound(err) {
		return built{}, fmt.Errorf("bigquery.Table(%s).Metadata: %w", mp.Model.Name, err)
	}
	start, end := opts.Start, opts.End
	if end.IsZero() {
		end = runDate.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	if start.IsZero() {
		start = Epoch
		if exists && !opts.FullRefresh {
			wm, ok, err := r.Watermark(ctx, mp.Model.Name)
			if err != nil {
				return built{}, err
			}
			if ok {
				start = wm
			}
		}
	}
	params := runParams(runDate, start, end)
	src := r.dedupe(mp, mp.SQL)
	schema, bytes, err := r.preflight(ctx, mp, src, params)
	if err != nil {
		return built{bytes: bytes}, err
	}
	if err := r.checkPrunes(ctx, mp, src, runDate); err != nil {
		return built{bytes: bytes}, err
	}
	b := built{bytes: bytes}
	if !start.Before(end) {
		r.Log.Info("incremental model up to date", "run_id", runID, "model", mp.Model.Name, "watermark", start)
		b.rows, err = r.numRows(ctx, mp.Model.Name)
		return b, err
	}
	merged := int64(-1) // a full write merges nothing
	if opts.FullRefresh || !exists {
		if err := r.writeTruncate(ctx, r.jobID(runID, mp, ""), mp, src, params); err != nil {
			return b, err
		}
	} else {
		if err := r.addColumns(ctx, t, md, schema); err != nil {
			return b, err
		}
		st, err := r.runJob(ctx, r.query(r.mergeSQL(mp, schema, src), r.jobID(runID, mp, ""), mp, params))
		if err != nil {
			return b, err
		}
		if qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics); ok {
			merged = qs.NumDMLAffectedRows
		}
	}
	if err := r.setWatermark(ctx, runID, mp); err != nil {
		return b, err
	}
	b.rows, err = r.numRows(ctx, mp.Model.Name)
	r.Log.Info("incremental model processed", "run_id", runID, "model", mp.Model.Name, "start", start, "end", end,
		"rows_merged", merged, "table_rows", b.rows)
	return b, err
}

func ident(c string) string { return "`" + c + "`" }

// dedupe wraps the model's query so each unique key appears once (the row
// with the latest time_column wins). A row with a NULL key cannot be
// merged, so it is left out both here and in a full refresh: give the key
// a not_null assertion on the source side to see such rows.
func (r *Runner) dedupe(mp ModelPlan, sql string) string {
	o := mp.Options
	if len(o.UniqueKey) == 0 {
		return sql
	}
	keys := make([]string, len(o.UniqueKey))
	var notNull []string
	for i, k := range o.UniqueKey {
		keys[i] = ident(k)
		notNull = append(notNull, ident(k)+" IS NOT NULL")
	}
	return fmt.Sprintf("SELECT * FROM (\n%s\n) WHERE %s\nQUALIFY ROW_NUMBER() OVER (PARTITION BY %s ORDER BY %s DESC) = 1",
		sql, strings.Join(notNull, " AND "), strings.Join(keys, ", "), ident(o.TimeColumn))
}

// EnvPlantedBug names a deliberate bug, for `sluice chaos` to show that
// its accounting catches one; nothing else sets it. With
// BugMergeNotIdempotent the incremental MERGE inserts every source row,
// matched or not, so a repeated run duplicates keys.
const (
	EnvPlantedBug         = "SLUICE_PLANTED_BUG"
	BugMergeNotIdempotent = "merge-not-idempotent"
)

// mergeSQL is the idempotent write of one time range: MERGE on the unique
// key, or (without one) replace of the range.
func (r *Runner) mergeSQL(mp ModelPlan, schema bigquery.Schema, src string) string {
	o := mp.Options
	cols := make([]string, len(schema))
	vals := make([]string, len(schema))
	sets := make([]string, 0, len(schema))
	for i, f := range schema {
		cols[i], vals[i] = ident(f.Name), "S."+ident(f.Name)
		sets = append(sets, fmt.Sprintf("%s = S.%s", ident(f.Name), ident(f.Name)))
	}
	target := r.qualified(r.Names.Curated, mp.Model.Name)
	insert := fmt.Sprintf("WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)", strings.Join(cols, ", "), strings.Join(vals, ", "))
	tc := ident(o.TimeColumn)
	if len(o.UniqueKey) == 0 {
		return fmt.Sprintf("MERGE %s AS T\nUSING (\n%s\n) AS S\nON FALSE\n"+
			"WHEN NOT MATCHED BY SOURCE AND T.%s >= @start AND T.%s < @end THEN DELETE\n%s",
			target, src, tc, tc, insert)
	}
	if os.Getenv(EnvPlantedBug) == BugMergeNotIdempotent {
		return fmt.Sprintf("MERGE %s AS T\nUSING (\n%s\n) AS S\nON FALSE\n%s", target, src, insert)
	}
	on := make([]string, len(o.UniqueKey))
	for i, k := range o.UniqueKey {
		on[i] = fmt.Sprintf("T.%s = S.%s", ident(k), ident(k))
	}
	return fmt.Sprintf("MERGE %s AS T\nUSING (\n%s\n) AS S\nON %s\n"+
		"WHEN MATCHED AND (T.%s IS NULL OR S.%s >= T.%s) THEN UPDATE SET %s\n%s",
		target, src, strings.Join(on, " AND "), tc, tc, tc, strings.Join(sets, ", "), insert)
}

// addColumns adds to the table the columns the query returns and the table
// lacks (BigQuery's ALLOW_FIELD_ADDITION), so a model can grow a column
// without a full refresh. Columns the query no longer returns stay, NULL in
// new rows.
func (r *Runner) addColumns(ctx context.Context, t *bigquery.Table, md *bigquery.TableMetadata, schema bigquery.Schema) error {
	have := map[string]bool{}
	for _, f := range md.Schema {
		have[strings.ToLower(f.Name)] = true
	}
	next := append(bigquery.Schema{}, md.Schema...)
	for _, f := range schema {
		if !have[strings.ToLower(f.Name)] {
			c := *f
			c.Required = false
			next = append(next, &c)
		}
	}
	if len(next) == len(md.Schema) {
		return nil
	}
	if _, err := t.Update(ctx, bigquery.TableMetadataToUpdate{Schema: next}, md.ETag); err != nil {
		return fmt.Errorf("add columns to %s: %w", t.TableID, err)
	}
	return nil
}

// document sets the table's description and column descriptions from the
// model's header and pipeline.yaml.
func (r *Runner) document(ctx context.Context, mp ModelPlan) error {
	if mp.Model.Description == "" && len(mp.Options.Columns) == 0 {
		return nil
	}
	t := r.table(mp.Model.Name)
	md, err := t.Metadata(ctx)
	if err != nil {
		return fmt.Errorf("bigquery.Table(%s).Metadata: %w", mp.Model.Name, err)
	}
	upd := bigquery.TableMetadataToUpdate{Description: mp.Model.Description}
	if len(mp.Options.Columns) > 0 {
		schema := make(bigquery.Schema, len(md.Schema))
		for i, f := range md.Schema {
			c := *f
			if d, ok := mp.Options.Columns[f.Name]; ok {
				c.Description = d
			}
			schema[i] = &c
		}
		upd.Schema = schema
	}
	if _, err := t.Update(ctx, upd, ""); err != nil {
		return fmt.Errorf("bigquery.Table(%s).Update: %w", mp.Model.Name, err)
	}
	return nil
}

func (r *Runner) ensureWatermarks(ctx context.Context) error {
	_, err := bq.EnsureTable(ctx, r.BigQuery, r.Names.Ops, WatermarksTable, &bigquery.TableMetadata{
		Description: "How far each incremental model has processed.", Schema: WatermarksSchema,
	})
	return err
}

// Watermark returns a model's watermark; ok is false when it has none.
func (r *Runner) Watermark(ctx context.Context, model string) (time.Time, bool, error) {
	q := r.BigQuery.Query(fmt.Sprintf("SELECT watermark FROM %s WHERE model = @model AND watermark IS NOT NULL", r.qualified(r.Names.Ops, WatermarksTable)))
	q.Parameters = []bigquery.QueryParameter{{Name: "model", Value: model}}
	it, err := read(ctx, q)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read watermark of %s: %w", model, err)
	}
	var row []bigquery.Value
	switch err := it.Next(&row); {
	case errors.Is(err, iterator.Done):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("read watermark of %s: %w", model, err)
	}
	t, ok := row[0].(time.Time)
	return t, ok, nil
}

// setWatermark records the model table's largest time_column value.
func (r *Runner) setWatermark(ctx context.Context, runID string, mp ModelPlan) error {
	sql := fmt.Sprintf(`MERGE %s AS T
USING (SELECT @model AS model, (SELECT CAST(MAX(%s) AS TIMESTAMP) FROM %s) AS watermark, @now AS updated_at, @run_id AS run_id) AS S
ON T.model = S.model
WHEN MATCHED THEN UPDATE SET watermark = S.watermark, updated_at = S.updated_at, run_id = S.run_id
WHEN NOT MATCHED THEN INSERT (model, watermark, updated_at, run_id) VALUES (S.model, S.watermark, S.updated_at, S.run_id)`,
		r.qualified(r.Names.Ops, WatermarksTable), ident(mp.Options.TimeColumn), r.qualified(r.Names.Curated, mp.Model.Name))
	q := r.BigQuery.Query(sql)
	q.JobID = r.jobID(runID, mp, "watermark")
	q.Parameters = []bigquery.QueryParameter{{Name: "model", Value: mp.Model.Name}, {Name: "now", Value: r.Now().UTC()}, {Name: "run_id", Value: runID}}
	if _, err := r.runJob(ctx, q); err != nil {
		return fmt.Errorf("set watermark of %s: %w", mp.Model.Name, err)
	}
	return nil
}

// resetIncremental forgets an incremental model: its table and watermark.
func (r *Runner) resetIncremental(ctx context.Context, model string) error {
	if err := r.table(model).Delete(ctx); err != nil && !bq.IsNotFound(err) {
		return fmt.Errorf("delete %s: %w", model, err)
	}
	q := r.BigQuery.Query(fmt.Sprintf("DELETE FROM %s WHERE model = @model", r.qualified(r.Names.Ops, WatermarksTable)))
	q.Parameters = []bigquery.QueryParameter{{Name: "model", Value: model}}
	job, err := q.Run(ctx)
	if err == nil {
		var st *bigquery.JobStatus
		if st, err = job.Wait(ctx); err == nil {
			err = st.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("delete watermark of %s: %w", model, err)
	}
	return nil
}

// read runs a query and returns its rows. It goes through jobs.insert (a
// job id with a random suffix) rather than the client's jobs.query fast
// path: the BigQuery emulator may prune a jobs.query result table before
// the client reads it once it holds more than 256 results.
func read(ctx context.Context, q *bigquery.Query) (*bigquery.RowIterator, error) {
	q.JobID = "sluice_read"
	q.AddJobIDSuffix = true
	return q.Read(ctx)
}

// numRows counts the rows of a curated table.
func (r *Runner) numRows(ctx context.Context, table string) (int64, error) {
	it, err := read(ctx, r.BigQuery.Query("SELECT COUNT(*) FROM "+r.qualified(r.Names.Curated, table)))
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	n, _ := row[0].(int64)
	return n, nil
}
