package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/metrics"
)

// Current state of a CDC source.
//
// A debezium source with a cdc block lands every change in raw.<source>
// (the changelog: the row image plus _op, _ts, _pos, _key, _before). The
// transform keeps curated.<cdc.table> as the source table is now, with no
// SQL to write:
//
//   - the latest change per _key wins, ordered by _pos (the source
//     position: lsn, binlog file:pos:row or ts_ms), then _ts, then a
//     streamed change over a snapshot read (op r), then _event_id, so
//     that the order is total and every run picks the same row;
//   - snapshot reads (r) are inserts; a delete (d) removes the row
//     (deletes: apply) or keeps its before image with _deleted = TRUE
//     (deletes: tombstone); a truncate (t) at position P deletes every
//     row whose latest change is before P;
//   - incremental: a run reads the keys whose changes landed since the
//     watermark (the changelog's largest _ingested_at at the last run,
//     less CDCLookback), recomputes their latest change from the whole
//     changelog, and MERGEs those keys only. Out-of-order and duplicated
//     deliveries converge, because a key's state is always recomputed
//     from all of its changes; a re-run is idempotent.
//   - schema: a column added to the changelog is added to the table, a
//     widened type (INT64 → NUMERIC, BIGNUMERIC or FLOAT64; NUMERIC →
//     BIGNUMERIC or FLOAT64) is widened in place (ALTER COLUMN SET DATA
//     TYPE). A narrowed or changed type, or a changed primary key, stops
//     the model with a *BreakingChangeError; `sluice backfill --model
//     <table>` rebuilds it from the whole changelog.

// CDCLookback is how far before the watermark a CDC run looks for
// changed keys: a change stamped with _ingested_at just before the last
// run's read, but committed after it, is still picked up. Re-reading keys
// is harmless: the merge is idempotent.
const CDCLookback = 10 * time.Minute

// Columns of a current-state table besides the row image.
const (
	ColDeleted = "_deleted" // deletes: tombstone only
)

// cdcMeta are the changelog columns that are not part of the row image.
var cdcMeta = map[string]bool{bq.ColEventID: true, bq.ColSource: true, bq.ColEventTime: true, bq.ColIngestedAt: true,
	bq.ColOrigin: true, bq.ColExtra: true, bq.ColOp: true, bq.ColTS: true, bq.ColBefore: true, bq.ColPos: true, bq.ColKey: true}

// cdcTrailer are the changelog columns a current-state table keeps after
// the row image, in this order.
var cdcTrailer = []string{bq.ColKey, bq.ColPos, bq.ColOp, bq.ColTS, bq.ColIngestedAt}

// BreakingChangeError stops a CDC model: its changelog changed in a way the
// current-state table cannot follow by itself.
type BreakingChangeError struct {
	Table, Source string
	Changes       []string
}

func (e *BreakingChangeError) Error() string {
	return fmt.Sprintf("current state %s of source %s: breaking change: %s; the table was left as it was. "+
		"Rebuild it from the whole changelog: sluice backfill --model %s",
		e.Table, e.Source, strings.Join(e.Changes, "; "), e.Table)
}

// cdcPlan is the plan of a CDC source's current-state table.
func cdcPlan(src *config.Source, project, rawDataset string) ModelPlan {
	table := src.CDCTable()
	m := config.Model{Name: table, File: fmt.Sprintf("pipeline.yaml (sources: %s, cdc)", src.Name),
		Description: cdcDescription(src)}
	mp := ModelPlan{Model: m, Sources: []string{src.Name}, CDC: src}
	// The SQL of the plan is the whole-changelog build over the declared
	// columns: what validate and graph read. A run builds from the raw
	// table's actual columns instead (cdcSQL).
	mp.SQL = cdcSQL(src, fmt.Sprintf("`%s.%s.%s`", project, rawDataset, src.Name), []string{"* EXCEPT(" + strings.Join(exceptCols(), ", ") + ")"}, false)
	return mp
}

func exceptCols() []string {
	var out []string
	for _, c := range []string{bq.ColEventID, bq.ColSource, bq.ColEventTime, bq.ColIngestedAt, bq.ColOrigin, bq.ColExtra,
		bq.ColOp, bq.ColTS, bq.ColBefore, bq.ColPos, bq.ColKey} {
		out = append(out, ident(c))
	}
	return out
}

// cdcKeyLine is the line of the table's description that records the
// primary key, so that a changed key is seen.
func cdcKeyLine(src *config.Source) string {
	if len(src.CDC.PrimaryKey) == 0 {
		return "primary key: the Debezium key"
	}
	return "primary key: " + strings.Join(src.CDC.PrimaryKey, ", ")
}

func cdcDescription(src *config.Source) string {
	d := fmt.Sprintf("Current state of source %s, kept by sluice from raw.%s (latest change per key by source position).", src.Name, src.Name)
	if src.CDC.Tombstones() {
		d += " Deleted rows stay with _deleted = TRUE."
	}
	return d + "\n" + cdcKeyLine(src)
}

// cdcSQL selects the current state: the latest change of each key (of the
// keys changed since @start when incremental) with _deleted. image lists
// the row image's select items. With incremental false and deletes
// applied, deleted keys are left out (a full build); incremental keeps
// them so the MERGE can delete them.
func cdcSQL(src *config.Source, raw string, image []string, incremental bool) string {
	changed := ""
	if incremental {
		changed = fmt.Sprintf("\n    AND _key IN (SELECT _key FROM %s WHERE _ingested_at >= @start AND _key IS NOT NULL)", raw)
	}
	items := append(append([]string{}, image...), cdcTrailerIdents()...)
	final := "SELECT * FROM state"
	if !incremental && !src.CDC.Tombstones() {
		final = "SELECT * EXCEPT(_deleted) FROM state WHERE NOT _deleted"
	}
	return fmt.Sprintf(`WITH latest AS (
  SELECT %s
  FROM %s
  WHERE _key IS NOT NULL AND _op IN ('c', 'u', 'd', 'r')%s
  QUALIFY ROW_NUMBER() OVER (PARTITION BY _key ORDER BY _pos DESC, _ts DESC, IF(_op = 'r', 0, 1) DESC, _event_id DESC) = 1
),
truncated AS (
  SELECT IFNULL(MAX(_pos), '') AS truncated_at FROM %s WHERE _op = 't'
),
state AS (
  SELECT latest.*, (latest._op = 'd' OR latest._pos < truncated.truncated_at) AS _deleted
  FROM latest CROSS JOIN truncated
)
%s`, strings.Join(items, ", "), raw, changed, raw, final)
}

func cdcTrailerIdents() []string {
	out := make([]string, len(cdcTrailer))
	for i, c := range cdcTrailer {
		out[i] = ident(c)
	}
	return out
}

// buildCDC brings a CDC source's current-state table up to date.
func (r *Runner) buildCDC(ctx context.Context, runID string, mp ModelPlan, opts RunOptions) (built, error) {
	src := mp.CDC
	rawT := r.BigQuery.Dataset(r.Names.Raw).Table(src.Name)
	rawMD, err := rawT.Metadata(ctx)
	if err != nil {
		return built{}, fmt.Errorf("bigquery.Table(%s.%s).Metadata: %w", r.Names.Raw, src.Name, err)
	}
	// A changelog no change has reached yet may lack the metadata columns
	// (Terraform seeds raw tables with the declared schema): add them, as
	// ingest would on its first change, so the build reads an empty
	// changelog instead of failing.
	if rawMD, err = r.completeChangelog(ctx, rawT, rawMD, src); err != nil {
		return built{}, err
	}
	var image bigquery.Schema
	for _, f := range rawMD.Schema {
		if !cdcMeta[f.Name] {
			image = append(image, f)
		}
	}
	raw := r.qualified(r.Names.Raw, src.Name)
	cols := make([]string, len(image))
	for i, f := range image {
		cols[i] = ident(f.Name)
	}
	t := r.table(mp.Model.Name)
	md, err := t.Metadata(ctx)
	exists := err == nil
	if err != nil && !bq.IsNotFound(err) {
		return built{}, fmt.Errorf("bigquery.Table(%s).Metadata: %w", mp.Model.Name, err)
	}
	// The watermark this run will record: read before the merge, so that a
	// change landing during the run is read again by the next one.
	hi, err := r.maxIngested(ctx, raw)
	if err != nil {
		return built{}, err
	}
	start := Epoch
	if exists && !opts.FullRefresh {
		if err := r.checkCDCSchema(ctx, mp, t, md, image); err != nil {
			return built{}, err
		}
		wm, ok, err := r.Watermark(ctx, mp.Model.Name)
		if err != nil {
			return built{}, err
		}
		if ok {
			start = wm.Add(-CDCLookback)
		} else {
			exists = false // no watermark: rebuild from the whole changelog
		}
	}
	var b built
	merged := int64(-1)
	if !exists || opts.FullRefresh {
		sql := cdcSQL(src, raw, cols, false)
		_, bytes, err := r.preflight(ctx, mp, sql, nil)
		b.bytes = bytes
		if err != nil {
			return b, err
		}
		if err := r.writeTruncate(ctx, r.jobID(runID, mp, ""), mp, sql, nil); err != nil {
			return b, err
		}
	} else {
		sql := cdcSQL(src, raw, cols, true)
		params := []bigquery.QueryParameter{{Name: "start", Value: start.UTC()}}
		_, bytes, err := r.preflight(ctx, mp, sql, params)
		b.bytes = bytes
		if err != nil {
			return b, err
		}
		st, err := r.runJob(ctx, r.query(r.cdcMergeSQL(mp, cols, sql), r.jobID(runID, mp, ""), mp, params))
		if err != nil {
			return b, err
		}
		if qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics); ok {
			merged = qs.NumDMLAffectedRows
		}
		// A truncate deletes the keys that did not change after it, which
		// the merge (changed keys only) does not see.
		if _, err := r.runJob(ctx, r.query(r.cdcTruncateSQL(mp, raw), r.jobID(runID, mp, "truncate"), mp, nil)); err != nil {
			return b, err
		}
	}
	if err := r.setCDCWatermark(ctx, runID, mp, hi); err != nil {
		return b, err
	}
	b.rows, err = r.numRows(ctx, mp.Model.Name)
	r.Log.Info("current state merged", "run_id", runID, "model", mp.Model.Name, "source", src.Name, "since", start,
		"rows_merged", merged, "table_rows", b.rows)
	if !hi.IsZero() {
		metrics.Emit(ctx, r.Log, metrics.Freshness, r.Now().Sub(hi).Seconds(), "table", mp.Model.Name)
	}
	return b, err
}

func (r *Runner) completeChangelog(ctx context.Context, t *bigquery.Table, md *bigquery.TableMetadata, src *config.Source) (*bigquery.TableMetadata, error) {
	have := map[string]bool{}
	for _, f := range md.Schema {
		have[strings.ToLower(f.Name)] = true
	}
	next := append(bigquery.Schema{}, md.Schema...)
	for _, f := range bq.RawSchema(src) {
		if cdcMeta[f.Name] && !have[strings.ToLower(f.Name)] {
			c := *f
			c.Required = false // BigQuery adds only NULLABLE columns
			next = append(next, &c)
		}
	}
	if len(next) == len(md.Schema) {
		return md, nil
	}
	md, err := t.Update(ctx, bigquery.TableMetadataToUpdate{Schema: next}, md.ETag)
	if err != nil {
		return nil, fmt.Errorf("add the changelog columns to raw.%s: %w", src.Name, err)
	}
	return md, nil
}

// cdcMergeSQL merges the latest change of each changed key: a deleted key
// leaves the table (or is updated to _deleted = TRUE), others are updated
// or inserted.
func (r *Runner) cdcMergeSQL(mp ModelPlan, image []string, src string) string {
	cols := append(append([]string{}, image...), cdcTrailerIdents()...)
	tomb := mp.CDC.CDC.Tombstones()
	if tomb {
		cols = append(cols, ident(ColDeleted))
	}
	sets := make([]string, len(cols))
	vals := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = fmt.Sprintf("%s = S.%s", c, c)
		vals[i] = "S." + c
	}
	target := r.qualified(r.Names.Curated, mp.Model.Name)
	update := "WHEN MATCHED THEN UPDATE SET " + strings.Join(sets, ", ")
	insert := fmt.Sprintf("WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)", strings.Join(cols, ", "), strings.Join(vals, ", "))
	if !tomb {
		update = "WHEN MATCHED AND S._deleted THEN DELETE\n" + update
		insert = strings.Replace(insert, "WHEN NOT MATCHED THEN", "WHEN NOT MATCHED AND NOT S._deleted THEN", 1)
	}
	return fmt.Sprintf("MERGE %s AS T\nUSING (\n%s\n) AS S\nON T._key = S._key\n%s\n%s", target, src, update, insert)
}

// cdcTruncateSQL applies the latest truncate to rows whose latest change
// is before it.
func (r *Runner) cdcTruncateSQL(mp ModelPlan, raw string) string {
	target := r.qualified(r.Names.Curated, mp.Model.Name)
	at := fmt.Sprintf("(SELECT IFNULL(MAX(_pos), '') FROM %s WHERE _op = 't')", raw)
	if mp.CDC.CDC.Tombstones() {
		return fmt.Sprintf("UPDATE %s SET _deleted = TRUE WHERE NOT _deleted AND _pos < %s", target, at)
	}
	return fmt.Sprintf("DELETE FROM %s WHERE _pos < %s", target, at)
}

// checkCDCSchema follows the changelog's schema: columns it gained are
// added, widened types widened; a narrowed or changed type, or a changed
// primary key, is a *BreakingChangeError.
func (r *Runner) checkCDCSchema(ctx context.Context, mp ModelPlan, t *bigquery.Table, md *bigquery.TableMetadata, image bigquery.Schema) error {
	src := mp.CDC
	var changes []string
	// The key is recorded in the description after the build; a run that
	// stopped in between left none, and the build it did used this key.
	had := ""
	for _, l := range strings.Split(md.Description, "\n") {
		if strings.HasPrefix(l, "primary key: ") {
			had = strings.TrimPrefix(l, "primary key: ")
		}
	}
	if want := strings.TrimPrefix(cdcKeyLine(src), "primary key: "); had != "" && had != want {
		changes = append(changes, fmt.Sprintf("the primary key changed from %s to %s", had, want))
	}
	have := map[string]*bigquery.FieldSchema{}
	for _, f := range md.Schema {
		have[strings.ToLower(f.Name)] = f
	}
	var widen []*bigquery.FieldSchema
	for _, f := range image {
		h, ok := have[strings.ToLower(f.Name)]
		if !ok {
			continue // added below
		}
		switch {
		case h.Type == f.Type && h.Repeated == f.Repeated:
		case !h.Repeated && !f.Repeated && widens(h.Type, f.Type):
			widen = append(widen, f)
		case !h.Repeated && !f.Repeated && widens(f.Type, h.Type):
			// The table's type is wider than the changelog's: the
			// changelog narrowed; merged rows would not be the
			// source's values.
			changes = append(changes, fmt.Sprintf("column %s narrowed from %s to %s in raw.%s", f.Name, sqlType(h.Type), sqlType(f.Type), src.Name))
		default:
			changes = append(changes, fmt.Sprintf("column %s changed type from %s to %s in raw.%s", f.Name, typeName(h), typeName(f), src.Name))
		}
	}
	if len(changes) > 0 {
		return &BreakingChangeError{Table: mp.Model.Name, Source: src.Name, Changes: changes}
	}
	for _, f := range widen {
		ddl := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DATA TYPE %s", r.qualified(r.Names.Curated, mp.Model.Name), ident(f.Name), sqlType(f.Type))
		q := r.BigQuery.Query(ddl)
		if _, err := r.runJob(ctx, q); err != nil {
			return fmt.Errorf("widen %s.%s to %s: %w", mp.Model.Name, f.Name, sqlType(f.Type), err)
		}
		r.Log.Info("current state column widened", "model", mp.Model.Name, "column", f.Name, "type", sqlType(f.Type))
	}
	if len(widen) > 0 {
		var err error
		if md, err = t.Metadata(ctx); err != nil {
			return fmt.Errorf("bigquery.Table(%s).Metadata: %w", mp.Model.Name, err)
		}
	}
	return r.addColumns(ctx, t, md, image)
}

// widens reports whether BigQuery widens column type from to to in place
// (ALTER COLUMN SET DATA TYPE's coercions among numbers).
func widens(from, to bigquery.FieldType) bool {
	switch from {
	case bigquery.IntegerFieldType:
		return to == bigquery.NumericFieldType || to == bigquery.BigNumericFieldType || to == bigquery.FloatFieldType
	case bigquery.NumericFieldType:
		return to == bigquery.BigNumericFieldType || to == bigquery.FloatFieldType
	}
	return false
}

func sqlType(t bigquery.FieldType) string {
	switch t {
	case bigquery.IntegerFieldType:
		return "INT64"
	case bigquery.FloatFieldType:
		return "FLOAT64"
	case bigquery.BooleanFieldType:
		return "BOOL"
	case bigquery.RecordFieldType:
		return "STRUCT"
	}
	return string(t)
}

func typeName(f *bigquery.FieldSchema) string {
	if f.Repeated {
		return "ARRAY<" + sqlType(f.Type) + ">"
	}
	return sqlType(f.Type)
}

// maxIngested is the changelog's largest _ingested_at (zero when empty).
func (r *Runner) maxIngested(ctx context.Context, raw string) (time.Time, error) {
	it, err := read(ctx, r.BigQuery.Query("SELECT MAX(_ingested_at) FROM "+raw))
	if err != nil {
		return time.Time{}, fmt.Errorf("read the changelog's watermark: %w", err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil && !errors.Is(err, iterator.Done) {
		return time.Time{}, fmt.Errorf("read the changelog's watermark: %w", err)
	}
	if len(row) == 0 {
		return time.Time{}, nil
	}
	ts, _ := row[0].(time.Time)
	return ts, nil
}

// setCDCWatermark records how far the changelog has been merged.
func (r *Runner) setCDCWatermark(ctx context.Context, runID string, mp ModelPlan, hi time.Time) error {
	var wm any = hi.UTC()
	if hi.IsZero() {
		wm = bigquery.NullTimestamp{}
	}
	sql := fmt.Sprintf(`MERGE %s AS T
USING (SELECT @model AS model, @watermark AS watermark, @now AS updated_at, @run_id AS run_id) AS S
ON T.model = S.model
WHEN MATCHED THEN UPDATE SET watermark = S.watermark, updated_at = S.updated_at, run_id = S.run_id
WHEN NOT MATCHED THEN INSERT (model, watermark, updated_at, run_id) VALUES (S.model, S.watermark, S.updated_at, S.run_id)`,
		r.qualified(r.Names.Ops, WatermarksTable))
	q := r.BigQuery.Query(sql)
	q.JobID = r.jobID(runID, mp, "watermark")
	q.Parameters = []bigquery.QueryParameter{{Name: "model", Value: mp.Model.Name}, {Name: "watermark", Value: wm},
		{Name: "now", Value: r.Now().UTC()}, {Name: "run_id", Value: runID}}
	if _, err := r.runJob(ctx, q); err != nil {
		return fmt.Errorf("set watermark of %s: %w", mp.Model.Name, err)
	}
	return nil
}
