package mask

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/metrics"
)

// RunsTable is the mask run history in the operations dataset: one row per
// table per run, with the rows masked, the bytes sent to DLP and the
// columns withheld because the policy does not classify them.
const RunsTable = "mask_runs"

// StateTablePrefix names the per-table watermark tables in the operations
// dataset: mask_state_<table> holds (key, row_hash) for every published
// row, so the next run masks only rows whose hash changed.
const StateTablePrefix = "mask_state_"

// RunsSchema is the schema of <ops>.mask_runs.
var RunsSchema = bigquery.Schema{
	{Name: "run_id", Type: bigquery.StringFieldType, Required: true},
	{Name: "table", Type: bigquery.StringFieldType, Required: true},
	{Name: "mode", Type: bigquery.StringFieldType},
	{Name: "rows", Type: bigquery.IntegerFieldType, Description: "rows in the published table after the run"},
	{Name: "changed", Type: bigquery.IntegerFieldType, Description: "rows masked and written by this run"},
	{Name: "deleted", Type: bigquery.IntegerFieldType},
	{Name: "dlp_bytes", Type: bigquery.IntegerFieldType, Description: "bytes of cell values sent to DLP"},
	{Name: "withheld", Type: bigquery.StringFieldType, Repeated: true, Description: "curated columns not published: not classified by the policy"},
	{Name: "status", Type: bigquery.StringFieldType},
	{Name: "error", Type: bigquery.StringFieldType},
	{Name: "started_at", Type: bigquery.TimestampFieldType},
	{Name: "ended_at", Type: bigquery.TimestampFieldType},
}

var stateSchema = bigquery.Schema{
	{Name: "key", Type: bigquery.StringFieldType, Required: true},
	{Name: "row_hash", Type: bigquery.StringFieldType, Required: true},
}

func (m *Masker) ensureOps(ctx context.Context) error {
	if err := bq.EnsureDataset(ctx, m.BigQuery, m.Names.Ops, "sluice operations: run history, watermarks, rejects."); err != nil {
		return err
	}
	_, err := bq.EnsureTable(ctx, m.BigQuery, m.Names.Ops, RunsTable, &bigquery.TableMetadata{
		Description: "One row per published table per mask run.", Schema: RunsSchema,
	})
	return err
}

func (m *Masker) record(ctx context.Context, runID string, start time.Time, r TableResult) error {
	withheld := make([]bigquery.Value, len(r.Withheld))
	for i, w := range r.Withheld {
		withheld[i] = w
	}
	var errText bigquery.Value
	if r.Error != "" {
		errText = r.Error
	}
	row := &bigquery.ValuesSaver{Schema: RunsSchema, InsertID: runID + ":" + r.Table + ":" + r.Status + ":" + r.Mode,
		Row: []bigquery.Value{runID, r.Table, r.Mode, r.Rows, r.Changed, r.Deleted, r.DLPBytes, withheld, r.Status, errText, start.UTC(), m.Now().UTC()}}
	if err := m.BigQuery.Dataset(m.Names.Ops).Table(RunsTable).Inserter().Put(ctx, row); err != nil {
		return fmt.Errorf("mask run history %s:%s: %w", runID, r.Table, err)
	}
	metrics.Emit(ctx, m.Log, metrics.RunDuration, m.Now().Sub(start).Seconds(), "stage", "mask", "table", r.Table, "status", r.Status)
	if r.DLPBytes > 0 {
		metrics.Emit(ctx, m.Log, metrics.DLPBytes, float64(r.DLPBytes), "table", r.Table)
	}
	return nil
}

// stateUsable says whether the last run's state can find the changes:
// the published table still has the schema this run would write, the state
// table exists, and both hold as many rows (a published table emptied or
// rewritten by hand no longer matches the watermark: then the table is
// masked in full rather than trusting the state).
func (m *Masker) stateUsable(ctx context.Context, table string, schema bigquery.Schema) bool {
	md, err := m.BigQuery.Dataset(m.Names.Published).Table(table).Metadata(ctx)
	if err != nil || len(md.Schema) != len(schema) {
		return false
	}
	for i, f := range md.Schema {
		if f.Name != schema[i].Name || f.Type != schema[i].Type {
			return false
		}
	}
	if _, err := m.BigQuery.Dataset(m.Names.Ops).Table(StateTablePrefix + table).Metadata(ctx); err != nil {
		return false
	}
	rows, err := bq.ReadAll(ctx, m.BigQuery, fmt.Sprintf("SELECT (SELECT COUNT(*) FROM `%[1]s.%[2]s.%[3]s`), (SELECT COUNT(*) FROM `%[1]s.%[4]s.%[5]s%[3]s`)",
		m.Project, m.Names.Published, table, m.Names.Ops, StateTablePrefix))
	if err != nil || len(rows) != 1 || len(rows[0]) != 2 {
		m.Log.Warn("mask state unreadable; masking the whole table", "table", table, "error", fmt.Sprint(err))
		return false
	}
	if rows[0][0] != rows[0][1] {
		m.Log.Warn("published table and mask state disagree; masking the whole table", "table", table, "published_rows", rows[0][0], "state_rows", rows[0][1])
		return false
	}
	return true
}

// write loads the staged masked rows into a staging table in the
// operations dataset, then either replaces the published table with one
// WRITE_TRUNCATE query job (full) or merges them on the key (incremental),
// and records the row hashes for the next run. Job ids are deterministic,
// so a retried run does not apply a change twice; the watermark is written
// last, so a failure in between only makes the next run mask those rows
// again.
func (m *Masker) write(ctx context.Context, jobTag string, pol config.MaskPolicy, p *plan, uris []string) error {
	stage := "_mask_stage_" + jobTag
	st := m.BigQuery.Dataset(m.Names.Ops).Table(stage)
	if err := st.Create(ctx, &bigquery.TableMetadata{Schema: p.stage, ExpirationTime: m.Now().Add(24 * time.Hour)}); err != nil && !bq.IsConflict(err) {
		return fmt.Errorf("bigquery.Table(%s).Create: %w", stage, err)
	}
	defer st.Delete(context.WithoutCancel(ctx))
	t0 := m.Now()
	if len(uris) > 0 {
		// The load job id is per attempt: the files are.
		if err := m.load(ctx, fmt.Sprintf("sluice_mask_%s_load_%d", jobTag, m.Now().UnixNano()), st, p.stage, uris); err != nil {
			return err
		}
	}
	m.Log.Debug("mask: loaded", "table", pol.Name, "seconds", m.Now().Sub(t0).Seconds())
	defer func() { m.Log.Debug("mask: merged", "table", pol.Name, "seconds", m.Now().Sub(t0).Seconds()) }()
	return m.merge(ctx, "sluice_mask_"+jobTag, pol, p, fmt.Sprintf("`%s.%s.%s`", m.Project, m.Names.Ops, stage))
}

// merge applies a loaded staging table (src) to published and the state.
func (m *Masker) merge(ctx context.Context, job string, pol config.MaskPolicy, p *plan, src string) error {
	dst := fmt.Sprintf("`%s.%s.%s`", m.Project, m.Names.Published, pol.Name)
	state := fmt.Sprintf("`%s.%s.%s%s`", m.Project, m.Names.Ops, StateTablePrefix, pol.Name)
	names := make([]string, len(p.schema))
	for i, f := range p.schema {
		names[i] = "`" + f.Name + "`"
	}
	if p.mode == ModeFull {
		sql := fmt.Sprintf("SELECT %s FROM %s WHERE NOT %s", strings.Join(names, ", "), src, colDeleted)
		if _, err := bq.QueryToTable(ctx, m.BigQuery, job, sql, m.Names.Published, pol.Name, nil); err != nil {
			return err
		}
		if p.keyIdx < 0 {
			return nil
		}
		sql = fmt.Sprintf("SELECT %s AS key, %s AS row_hash FROM %s WHERE NOT %s", colKey, colHash, src, colDeleted)
		_, err := bq.QueryToTable(ctx, m.BigQuery, job+"_state", sql, m.Names.Ops, StateTablePrefix+pol.Name, nil)
		return err
	}
	set := make([]string, len(names))
	vals := make([]string, len(names))
	for i, n := range names {
		set[i] = n + " = S." + n
		vals[i] = "S." + n
	}
	key := "`" + pol.Key + "`"
	merge := fmt.Sprintf(`MERGE %s AS T USING %s AS S ON T.%s = S.%s
WHEN MATCHED AND S.%s THEN DELETE
WHEN MATCHED THEN UPDATE SET %s
WHEN NOT MATCHED AND NOT S.%s THEN INSERT (%s) VALUES (%s)`,
		dst, src, key, key, colDeleted, strings.Join(set, ", "), colDeleted, strings.Join(names, ", "), strings.Join(vals, ", "))
	if err := m.dml(ctx, job, merge); err != nil {
		return err
	}
	merge = fmt.Sprintf(`MERGE %s AS T USING %s AS S ON T.key = S.%s
WHEN MATCHED AND S.%s THEN DELETE
WHEN MATCHED THEN UPDATE SET row_hash = S.%s
WHEN NOT MATCHED AND NOT S.%s THEN INSERT (key, row_hash) VALUES (S.%s, S.%s)`,
		state, src, colKey, colDeleted, colHash, colDeleted, colKey, colHash)
	return m.dml(ctx, job+"_state", merge)
}

// dml runs a statement under a deterministic job id; an id that exists
// means an earlier attempt ran it, and it is awaited.
func (m *Masker) dml(ctx context.Context, jobID, sql string) error {
	q := m.BigQuery.Query(sql)
	q.JobID = jobID
	job, err := q.Run(ctx)
	if bq.IsConflict(err) {
		job, err = m.BigQuery.JobFromID(ctx, jobID)
	}
	if err != nil {
		return fmt.Errorf("bigquery.Query(%s).Run: %w", jobID, err)
	}
	st, err := job.Wait(ctx)
	if err != nil {
		return fmt.Errorf("bigquery.Job(%s).Wait: %w", jobID, err)
	}
	if err := st.Err(); err != nil {
		return fmt.Errorf("%s: %w", jobID, err)
	}
	return nil
}

// describe sets the published table's description and column
// descriptions: each names the masking applied, and the table names the
// columns not published.
func (m *Masker) describe(ctx context.Context, pol config.MaskPolicy, schema bigquery.Schema, withheld []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Published from curated.%s after masking through DLP (sluice mask).", pol.Name)
	var masked, dropped []string
	for _, c := range sortedColumns(pol) {
		r := pol.Columns[c]
		switch {
		case r.Kind == config.RuleDrop:
			dropped = append(dropped, c)
		case r.NeedsDLP():
			masked = append(masked, c+": "+r.String())
		}
	}
	if len(masked) > 0 {
		fmt.Fprintf(&b, " Masked: %s.", strings.Join(masked, "; "))
	}
	if len(dropped) > 0 {
		fmt.Fprintf(&b, " Dropped: %s.", strings.Join(dropped, ", "))
	}
	if len(withheld) > 0 {
		fmt.Fprintf(&b, " Withheld (not classified by the policy): %s.", strings.Join(withheld, ", "))
	}
	if pol.Key != "" {
		fmt.Fprintf(&b, " Incremental on key %s.", pol.Key)
	}
	if _, err := m.BigQuery.Dataset(m.Names.Published).Table(pol.Name).Update(ctx, bigquery.TableMetadataToUpdate{Description: b.String(), Schema: schema}, ""); err != nil {
		return fmt.Errorf("bigquery.Table(%s.%s).Update: %w", m.Names.Published, pol.Name, err)
	}
	return nil
}

func sortedColumns(pol config.MaskPolicy) []string {
	cs := make([]string, 0, len(pol.Columns))
	for c := range pol.Columns {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return cs
}
