package mask

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
	"github.com/sluice-data/sluice/shared/events"
)

// Fan-out: when one invocation is not enough (more changed rows than
// Masker.FanOutRows), the run splits a keyed table into ranges by key hash
// and publishes one Task per range to the mask-tasks topic, which the mask
// function also consumes. Each range streams its rows through DLP into a
// staging table of its own and records itself in <ops>.mask_ranges; a range
// whose DLP call fails stages nothing and is retried alone by Pub/Sub. The
// range that completes the set merges every staged range into published
// (under deterministic job ids, so two ranges finishing together merge
// once), and the range that completes the last fanned-out table of the run
// claims <ops>.mask_fanout with one UPDATE and publishes mask.completed:
// exactly once, since only one UPDATE can change the row.
const (
	// MaskTasksTopic is the topic of range tasks (deployed with the
	// environment prefix, gcp.Names.Topic).
	MaskTasksTopic = "mask-tasks"
	// MaskTaskEvent is the "event" attribute of a range task message.
	MaskTaskEvent       = "mask.task"
	DefaultFanOutRanges = 8
	FanOutTable         = "mask_fanout"
	RangesTable         = "mask_ranges"
)

// ErrUnknownTable: a task names a table the mask policy does not (a task
// from another deploy); retrying cannot help.
var ErrUnknownTable = errors.New("mask: task names a table the mask policy does not have")

// Task is one range of a fanned-out table: the payload of a mask-tasks
// message.
type Task struct {
	RunID       string `json:"run_id"`
	RunDate     string `json:"run_date"`
	Table       string `json:"table"`
	Mode        string `json:"mode"` // full or incremental, decided once for every range
	Range       int    `json:"range"`
	Ranges      int    `json:"ranges"`
	CuratedRows int64  `json:"curated_rows"`
}

var fanOutSchema = bigquery.Schema{
	{Name: "run_id", Type: bigquery.StringFieldType, Required: true},
	{Name: "table", Type: bigquery.StringFieldType, Required: true},
	{Name: "mode", Type: bigquery.StringFieldType},
	{Name: "ranges", Type: bigquery.IntegerFieldType},
	{Name: "changed", Type: bigquery.IntegerFieldType, Description: "changed rows counted when the run fanned out"},
	{Name: "created_at", Type: bigquery.TimestampFieldType},
	{Name: "completed_at", Type: bigquery.TimestampFieldType, Description: "set by the range that published mask.completed"},
}

var rangesSchema = bigquery.Schema{
	{Name: "run_id", Type: bigquery.StringFieldType, Required: true},
	{Name: "table", Type: bigquery.StringFieldType, Required: true},
	{Name: "range", Type: bigquery.IntegerFieldType, Description: "-1: the table's merge"},
	{Name: "ranges", Type: bigquery.IntegerFieldType},
	{Name: "status", Type: bigquery.StringFieldType, Description: "staged or merged"},
	{Name: "changed", Type: bigquery.IntegerFieldType},
	{Name: "deleted", Type: bigquery.IntegerFieldType},
	{Name: "dlp_bytes", Type: bigquery.IntegerFieldType},
	{Name: "read_bytes", Type: bigquery.IntegerFieldType},
	{Name: "at", Type: bigquery.TimestampFieldType},
}

func (m *Masker) ensureFanOutTables(ctx context.Context) error {
	if _, err := bq.EnsureTable(ctx, m.BigQuery, m.Names.Ops, FanOutTable, &bigquery.TableMetadata{
		Description: "One row per fanned-out table per mask run.", Schema: fanOutSchema}); err != nil {
		return err
	}
	_, err := bq.EnsureTable(ctx, m.BigQuery, m.Names.Ops, RangesTable, &bigquery.TableMetadata{
		Description: "Ranges of fanned-out mask runs: one row when a range is staged, one when its table is merged.", Schema: rangesSchema})
	return err
}

func (m *Masker) ops(table string) string {
	return fmt.Sprintf("`%s.%s.%s`", m.Project, m.Names.Ops, table)
}

func params(kv ...any) []bigquery.QueryParameter {
	var ps []bigquery.QueryParameter
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, bigquery.QueryParameter{Name: kv[i].(string), Value: kv[i+1]})
	}
	return ps
}

func (m *Masker) read(ctx context.Context, sql string, ps []bigquery.QueryParameter) ([][]bigquery.Value, error) {
	q := m.BigQuery.Query(sql)
	q.Parameters = ps
	it, err := q.Read(ctx)
	if err != nil {
		return nil, err
	}
	var rows [][]bigquery.Value
	for {
		var row []bigquery.Value
		if err := it.Next(&row); err != nil {
			if errors.Is(err, iterator.Done) {
				return rows, nil
			}
			return nil, err
		}
		rows = append(rows, row)
	}
}

func (m *Masker) count(ctx context.Context, sql string, ps ...bigquery.QueryParameter) (int64, error) {
	rows, err := m.read(ctx, sql, ps)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 || len(rows[0]) == 0 {
		return 0, fmt.Errorf("%s: got %v, want one count", sql, rows)
	}
	n, _ := rows[0][0].(int64)
	return n, nil
}

// countChanges counts the rows a run would mask, inside BigQuery.
func (m *Masker) countChanges(ctx context.Context, table string, p *plan) (int64, error) {
	n, err := m.count(ctx, "SELECT COUNT(*) FROM ("+m.changeQuery(table, p)+")")
	if err != nil {
		return 0, fmt.Errorf("count the changes of %s.%s: %w", m.Names.Curated, table, err)
	}
	return n, nil
}

// dmlAffected runs a DML statement (no fixed job id: it may run again) and
// returns the rows it changed.
func (m *Masker) dmlAffected(ctx context.Context, sql string, ps []bigquery.QueryParameter) (int64, error) {
	q := m.BigQuery.Query(sql)
	q.Parameters = ps
	job, err := q.Run(ctx)
	if err != nil {
		return 0, fmt.Errorf("bigquery.Query.Run: %w", err)
	}
	st, err := job.Wait(ctx)
	if err != nil {
		return 0, fmt.Errorf("bigquery.Job(%s).Wait: %w", job.ID(), err)
	}
	if err := st.Err(); err != nil {
		return 0, err
	}
	qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics)
	if !ok {
		return 0, fmt.Errorf("DML job %s: no query statistics", job.ID())
	}
	return qs.NumDMLAffectedRows, nil
}

// fanOut records the fanned-out table and publishes one task per range.
func (m *Masker) fanOut(ctx context.Context, runID, runDate string, pol config.MaskPolicy, p *plan, changed, curatedRows int64, res TableResult) (TableResult, error) {
	ranges := m.FanOutRanges
	if ranges <= 0 {
		ranges = DefaultFanOutRanges
	}
	if ranges > 256 {
		return res, fmt.Errorf("mask: FanOutRanges is %d; at most 256 (ranges are buckets of the key hash's first byte)", ranges)
	}
	if err := m.ensureFanOutTables(ctx); err != nil {
		return res, err
	}
	// A DML INSERT (not insertAll): the row is UPDATEd later, and BigQuery
	// refuses DML over rows still in the streaming buffer. The job id makes
	// a retried run insert it once.
	q := m.BigQuery.Query("INSERT INTO " + m.ops(FanOutTable) + " (run_id, `table`, mode, ranges, changed, created_at) VALUES (@run, @table, @mode, @ranges, @changed, CURRENT_TIMESTAMP())")
	q.Parameters = params("run", runID, "table", pol.Name, "mode", p.mode, "ranges", int64(ranges), "changed", changed)
	q.JobID = jobSafe("sluice_mask_fanout_" + runID + "_" + pol.Name)
	job, err := q.Run(ctx)
	if bq.IsConflict(err) {
		job, err = m.BigQuery.JobFromID(ctx, q.JobID)
	}
	if err == nil {
		var st *bigquery.JobStatus
		if st, err = job.Wait(ctx); err == nil {
			err = st.Err()
		}
	}
	if err != nil {
		return res, fmt.Errorf("record the fan-out of %s in %s.%s: %w", pol.Name, m.Names.Ops, FanOutTable, err)
	}
	pub := events.PublisherOr(m.Events, m.PubSub)
	for r := range ranges {
		t := Task{RunID: runID, RunDate: runDate, Table: pol.Name, Mode: p.mode, Range: r, Ranges: ranges, CuratedRows: curatedRows}
		if err := events.Send(ctx, pub, m.Names.Topic(MaskTasksTopic), MaskTaskEvent, runID, t); err != nil {
			return res, fmt.Errorf("publish mask task %d/%d of %s: %w", r, ranges, pol.Name, err)
		}
	}
	m.Log.Info("mask: table fanned out", "run_id", runID, "table", pol.Name, "changed", changed, "ranges", ranges, "mode", p.mode)
	res.Mode, res.Changed, res.Rows = ModeFanOut, changed, curatedRows
	return res, nil
}

// jobSafe keeps the characters a BigQuery job id allows.
func jobSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

func (m *Masker) rangeTable(t Task, r int) string {
	return jobSafe(fmt.Sprintf("_mask_range_%s_%s_%d", t.RunID, t.Table, r))
}

// RunTask masks one range of a fanned-out table and, if it completes the
// set, merges the table and perhaps publishes mask.completed. It is
// idempotent: a range already staged is not masked again, and the merge
// and the completion run once however often tasks are delivered. On a DLP
// error it stages nothing and returns the error (the trigger retries it).
func (m *Masker) RunTask(ctx context.Context, t Task) error {
	var pol config.MaskPolicy
	found := false
	for _, p := range m.Pipeline.Mask.Tables {
		if p.Name == t.Table {
			pol, found = p, true
		}
	}
	if !found || t.Ranges <= 0 || t.Range < 0 || t.Range >= t.Ranges || (t.Mode != ModeFull && t.Mode != ModeIncremental) {
		return fmt.Errorf("%w: %+v", ErrUnknownTable, t)
	}
	if err := m.checkKeys(ctx); err != nil {
		return err
	}
	if err := m.ensureFanOutTables(ctx); err != nil {
		return err
	}
	staged, err := m.count(ctx, "SELECT COUNT(*) FROM "+m.ops(RangesTable)+" WHERE run_id = @run AND `table` = @table AND `range` = @range AND status = 'staged'",
		params("run", t.RunID, "table", t.Table, "range", int64(t.Range))...)
	if err != nil {
		return fmt.Errorf("mask task %s/%s/%d: %w", t.RunID, t.Table, t.Range, err)
	}
	if staged == 0 {
		if err := m.stageRange(ctx, t, pol); err != nil {
			return fmt.Errorf("mask %s range %d/%d: %w", t.Table, t.Range, t.Ranges, err)
		}
	}
	return m.completeTable(ctx, t, pol)
}

func (m *Masker) stageRange(ctx context.Context, t Task, pol config.MaskPolicy) error {
	p, _, err := m.planFor(ctx, pol)
	if err != nil {
		return err
	}
	p.mode, p.ranges, p.rng = t.Mode, t.Ranges, t.Range
	sink, err := m.newStager(ctx, t.RunID, pol.Name, fmt.Sprintf("r%d", t.Range))
	if err != nil {
		return err
	}
	defer sink.cleanup(context.WithoutCancel(ctx))
	stats, err := m.stream(ctx, m.changeQuery(pol.Name, p), p, sink)
	if err != nil {
		sink.abort()
		return err // nothing staged: fail closed, this range retries alone
	}
	if err := sink.closePart(); err != nil {
		return err
	}
	// A fresh table every attempt, so a retried range never adds to an
	// earlier attempt's rows.
	name := m.rangeTable(t, t.Range)
	tb := m.BigQuery.Dataset(m.Names.Ops).Table(name)
	if err := tb.Delete(ctx); err != nil && !bq.IsNotFound(err) {
		return fmt.Errorf("bigquery.Table(%s).Delete: %w", name, err)
	}
	if err := tb.Create(ctx, &bigquery.TableMetadata{Schema: p.stage, ExpirationTime: m.Now().Add(24 * time.Hour)}); err != nil && !bq.IsConflict(err) {
		return fmt.Errorf("bigquery.Table(%s).Create: %w", name, err)
	}
	if uris := sink.uris(); len(uris) > 0 {
		if err := m.load(ctx, jobSafe(fmt.Sprintf("sluice_mask_%s_load_%d", name, m.Now().UnixNano())), tb, p.stage, uris); err != nil {
			return err
		}
	}
	row := &bigquery.ValuesSaver{Schema: rangesSchema, InsertID: fmt.Sprintf("%s:%s:%d:staged", t.RunID, t.Table, t.Range),
		Row: []bigquery.Value{t.RunID, t.Table, int64(t.Range), int64(t.Ranges), "staged", stats.changed, stats.deleted, stats.dlpBytes, stats.readBytes, m.Now().UTC()}}
	if err := m.BigQuery.Dataset(m.Names.Ops).Table(RangesTable).Inserter().Put(ctx, row); err != nil {
		return fmt.Errorf("record range %d of %s in %s.%s: %w", t.Range, t.Table, m.Names.Ops, RangesTable, err)
	}
	m.Log.Info("mask: range staged", "run_id", t.RunID, "table", t.Table, "range", t.Range, "ranges", t.Ranges, "changed", stats.changed, "deleted", stats.deleted)
	return nil
}

// completeTable merges the table once every range is staged.
func (m *Masker) completeTable(ctx context.Context, t Task, pol config.MaskPolicy) error {
	ps := params("run", t.RunID, "table", t.Table)
	rows, err := m.read(ctx, "SELECT COUNT(*), IFNULL(SUM(changed), 0), IFNULL(SUM(deleted), 0), IFNULL(SUM(dlp_bytes), 0), IFNULL(SUM(read_bytes), 0) FROM "+
		"(SELECT `range`, ANY_VALUE(changed) AS changed, ANY_VALUE(deleted) AS deleted, ANY_VALUE(dlp_bytes) AS dlp_bytes, ANY_VALUE(read_bytes) AS read_bytes FROM "+
		m.ops(RangesTable)+" WHERE run_id = @run AND `table` = @table AND status = 'staged' GROUP BY `range`)", ps)
	if err != nil || len(rows) != 1 {
		return fmt.Errorf("mask task %s/%s: count staged ranges: %v %w", t.RunID, t.Table, rows, err)
	}
	n, _ := rows[0][0].(int64)
	if n < int64(t.Ranges) {
		return nil // others still to come; the last one merges
	}
	p, withheld, err := m.planFor(ctx, pol)
	if err != nil {
		return err
	}
	p.mode = t.Mode
	parts := make([]string, t.Ranges)
	for r := range t.Ranges {
		parts[r] = "SELECT * FROM " + m.ops(m.rangeTable(t, r))
	}
	start := m.Now()
	src := "(" + strings.Join(parts, " UNION ALL ") + ")"
	if err := m.merge(ctx, jobSafe(fmt.Sprintf("sluice_mask_%s_%s_%s_fanout", t.RunID, t.Table, t.Mode)), pol, p, src); err != nil {
		return err
	}
	if err := m.describe(ctx, pol, p.schema, withheld); err != nil {
		return err
	}
	res := TableResult{Table: t.Table, Mode: t.Mode, Rows: t.CuratedRows, Status: "ok", Withheld: withheld}
	res.Changed, _ = rows[0][1].(int64)
	res.Deleted, _ = rows[0][2].(int64)
	res.DLPBytes, _ = rows[0][3].(int64)
	res.ReadBytes, _ = rows[0][4].(int64)
	if err := m.record(ctx, t.RunID, start, res); err != nil {
		return err
	}
	row := &bigquery.ValuesSaver{Schema: rangesSchema, InsertID: fmt.Sprintf("%s:%s:merged", t.RunID, t.Table),
		Row: []bigquery.Value{t.RunID, t.Table, int64(-1), int64(t.Ranges), "merged", res.Changed, res.Deleted, res.DLPBytes, res.ReadBytes, m.Now().UTC()}}
	if err := m.BigQuery.Dataset(m.Names.Ops).Table(RangesTable).Inserter().Put(ctx, row); err != nil {
		return fmt.Errorf("record the merge of %s in %s.%s: %w", t.Table, m.Names.Ops, RangesTable, err)
	}
	return m.completeRun(ctx, t)
}

// completeRun publishes mask.completed once every fanned-out table of the
// run is merged, claiming the run with one UPDATE so that exactly one
// range publishes.
func (m *Masker) completeRun(ctx context.Context, t Task) error {
	ps := params("run", t.RunID)
	rows, err := m.read(ctx, "SELECT (SELECT COUNT(DISTINCT `table`) FROM "+m.ops(FanOutTable)+" WHERE run_id = @run), "+
		"(SELECT COUNT(DISTINCT `table`) FROM "+m.ops(RangesTable)+" WHERE run_id = @run AND status = 'merged')", ps)
	if err != nil || len(rows) != 1 || len(rows[0]) != 2 {
		return fmt.Errorf("mask run %s: count merged tables: %v %w", t.RunID, rows, err)
	}
	fanned, _ := rows[0][0].(int64)
	merged, _ := rows[0][1].(int64)
	if merged < fanned {
		return nil
	}
	won, err := m.dmlAffected(ctx, "UPDATE "+m.ops(FanOutTable)+" SET completed_at = CURRENT_TIMESTAMP() WHERE run_id = @run AND completed_at IS NULL", ps)
	if err != nil {
		return fmt.Errorf("mask run %s: claim the completion: %w", t.RunID, err)
	}
	if won == 0 {
		return nil // another range published mask.completed
	}
	if err := m.publishCompleted(ctx, t); err != nil {
		// Give the claim back, so the retry of this task publishes.
		if _, uerr := m.dmlAffected(context.WithoutCancel(ctx), "UPDATE "+m.ops(FanOutTable)+" SET completed_at = NULL WHERE run_id = @run", ps); uerr != nil {
			err = errors.Join(err, uerr)
		}
		return err
	}
	return nil
}

// publishCompleted builds mask.completed from the run's history: every
// table's last successful result.
func (m *Masker) publishCompleted(ctx context.Context, t Task) error {
	rows, err := m.read(ctx, "SELECT `table`, mode, `rows`, dlp_bytes, withheld FROM "+m.ops(RunsTable)+
		" WHERE run_id = @run AND status = 'ok' AND mode != 'fanout' ORDER BY ended_at", params("run", t.RunID))
	if err != nil {
		return fmt.Errorf("mask run %s: read the run history: %w", t.RunID, err)
	}
	byTable := map[string]TableResult{}
	for _, r := range rows {
		res := TableResult{Table: fmt.Sprint(r[0]), Mode: fmt.Sprint(r[1])}
		res.Rows, _ = r[2].(int64)
		res.DLPBytes, _ = r[3].(int64)
		if ws, ok := r[4].([]bigquery.Value); ok {
			for _, w := range ws {
				res.Withheld = append(res.Withheld, fmt.Sprint(w))
			}
		}
		byTable[res.Table] = res
	}
	out := &events.MaskCompletedData{RunID: t.RunID, RunDate: t.RunDate}
	var results []TableResult
	for _, pol := range m.Pipeline.Mask.Tables {
		res, ok := byTable[pol.Name]
		if !ok {
			return fmt.Errorf("mask run %s: no successful result for table %s in %s.%s", t.RunID, pol.Name, m.Names.Ops, RunsTable)
		}
		results = append(results, res)
		out.Tables = append(out.Tables, events.TableCount{Table: pol.Name, Rows: res.Rows})
		out.Withheld = append(out.Withheld, res.Withheld...)
		out.DLPBytes += res.DLPBytes
	}
	if len(out.Withheld) > 0 && !m.NoClassify {
		out.Proposals, out.ClassifyError = m.classifyWithheld(ctx, results)
	}
	out.CompletedAt = m.Now().UTC()
	return events.Send(ctx, events.PublisherOr(m.Events, m.PubSub), m.Names.MaskCompleted, events.MaskCompleted, t.RunID, out)
}
