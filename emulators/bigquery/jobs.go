package bigquery

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
)

// jobEntry is a job and where its results are.
type jobEntry struct {
	job *bq.Job
}

// Query parameters are decoded separately from the bq types because those
// cannot tell a NULL value from an empty string.
type qpType struct {
	Type        string  `json:"type"`
	ArrayType   *qpType `json:"arrayType"`
	StructTypes []struct {
		Name string  `json:"name"`
		Type *qpType `json:"type"`
	} `json:"structTypes"`
}

type qpValue struct {
	Value        *string            `json:"value"`
	ArrayValues  []qpValue          `json:"arrayValues"`
	StructValues map[string]qpValue `json:"structValues"`
}

type qParam struct {
	Name           string   `json:"name"`
	ParameterType  *qpType  `json:"parameterType"`
	ParameterValue *qpValue `json:"parameterValue"`
}

func convertParam(name string, t *qpType, v *qpValue) (bqsql.Param, error) {
	if t == nil {
		return bqsql.Param{}, invalidQuery("Query parameter %q has no parameterType", name)
	}
	p := bqsql.Param{Name: name, Type: strings.ToUpper(t.Type)}
	switch p.Type {
	case "INTEGER":
		p.Type = "INT64"
	case "FLOAT":
		p.Type = "FLOAT64"
	case "BOOLEAN":
		p.Type = "BOOL"
	case "RECORD":
		p.Type = "STRUCT"
	}
	switch p.Type {
	case "ARRAY":
		if t.ArrayType == nil {
			return p, invalidQuery("Array query parameter %q has no arrayType", name)
		}
		et, err := convertParam("", t.ArrayType, nil)
		if err != nil {
			return p, err
		}
		p.ArrayType = &et
		if v != nil {
			p.ArrayValues = []bqsql.Param{}
			for i := range v.ArrayValues {
				ev, err := convertParam("", t.ArrayType, &v.ArrayValues[i])
				if err != nil {
					return p, err
				}
				p.ArrayValues = append(p.ArrayValues, ev)
			}
		}
	case "STRUCT":
		for _, st := range t.StructTypes {
			ft, err := convertParam(st.Name, st.Type, nil)
			if err != nil {
				return p, err
			}
			p.StructTypes = append(p.StructTypes, ft)
		}
		if v != nil && v.StructValues != nil {
			p.StructValues = map[string]bqsql.Param{}
			for _, st := range t.StructTypes {
				sv, ok := v.StructValues[st.Name]
				var fv *qpValue
				if ok {
					fv = &sv
				} else {
					fv = &qpValue{}
				}
				x, err := convertParam(st.Name, st.Type, fv)
				if err != nil {
					return p, err
				}
				p.StructValues[st.Name] = x
			}
		}
	default:
		if v != nil {
			p.Value = v.Value
		}
	}
	return p, nil
}

func convertParams(ps []qParam, mode string) ([]bqsql.Param, error) {
	out := make([]bqsql.Param, 0, len(ps))
	for _, q := range ps {
		name := q.Name
		if strings.EqualFold(mode, "POSITIONAL") {
			name = ""
		}
		p, err := convertParam(name, q.ParameterType, q.ParameterValue)
		if err != nil {
			return nil, err
		}
		if p.Type != "ARRAY" && p.Type != "STRUCT" && q.ParameterValue == nil {
			p.Value = nil
		}
		out = append(out, p)
	}
	return out, nil
}

var jobIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func newJobID() string {
	var b [12]byte
	rand.Read(b[:])
	return "job_" + hex.EncodeToString(b[:])
}

func (s *Server) decorateJob(j *bq.Job) {
	r := j.JobReference
	j.Kind = "bigquery#job"
	j.Id = fmt.Sprintf("%s:%s.%s", r.ProjectId, r.Location, r.JobId)
	j.SelfLink = fmt.Sprintf("/bigquery/v2/projects/%s/jobs/%s?location=%s", r.ProjectId, r.JobId, r.Location)
	j.UserEmail = "emulator@localhost"
	j.Etag = strconv.FormatInt(j.Statistics.CreationTime, 16)
}

type rawJob struct {
	Configuration struct {
		Query struct {
			QueryParameters []qParam `json:"queryParameters"`
		} `json:"query"`
	} `json:"configuration"`
}

func (s *Server) insertJob(w http.ResponseWriter, r *http.Request) (any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	return s.submitJob(r.Context(), r.PathValue("p"), body, nil)
}

// submitJob registers and runs a job; data is the uploaded media of a load
// job, if any.
func (s *Server) submitJob(ctx context.Context, p string, body []byte, data []byte) (any, error) {
	var job bq.Job
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&job); err != nil {
		return nil, invalid("Invalid JSON payload received: %v", err)
	}
	var raw rawJob
	json.Unmarshal(body, &raw)
	if job.Configuration == nil {
		return nil, invalid("Missing required field: configuration")
	}
	if job.JobReference == nil {
		job.JobReference = &bq.JobReference{}
	}
	ref := job.JobReference
	ref.ProjectId = p
	if ref.JobId == "" {
		ref.JobId = newJobID()
	}
	if !jobIDRe.MatchString(ref.JobId) || len(ref.JobId) > 1024 {
		return nil, invalid("Invalid job ID %q. Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.", ref.JobId)
	}
	if ref.Location == "" {
		ref.Location = s.opts.Location
	}
	now := nowMillis()
	job.Statistics = &bq.JobStatistics{CreationTime: now, StartTime: now}
	job.Status = &bq.JobStatus{State: "RUNNING"}
	cfg := job.Configuration
	dry := cfg.DryRun
	if cfg.Query != nil {
		// BigQuery refuses an over-long query in the jobs.insert answer
		// itself (HTTP 400), creating no job (see Limits.QueryChars).
		if err := s.limits.checkQueryLength(cfg.Query.Query); err != nil {
			return nil, err
		}
	}
	if !dry {
		s.mu.Lock()
		if _, exists := s.jobs[ref.JobId]; exists {
			s.mu.Unlock()
			return nil, errorf(409, "duplicate", "Already Exists: Job %s:%s.%s", p, ref.Location, ref.JobId)
		}
		s.jobs[ref.JobId] = &jobEntry{job: &job} // reserve the id
		s.mu.Unlock()
	}
	var runErr error
	switch {
	case cfg.Query != nil:
		params, err := convertParams(raw.Configuration.Query.QueryParameters, cfg.Query.ParameterMode)
		if err != nil {
			runErr = err
			break
		}
		runErr = s.runQueryJob(ctx, &job, params)
	case cfg.Load != nil:
		runErr = s.runLoadJob(ctx, &job, data)
	case cfg.Extract != nil:
		runErr = s.runExtractJob(ctx, &job)
	case cfg.Copy != nil:
		runErr = s.runCopyJob(ctx, &job)
	default:
		runErr = invalid("Job configuration must contain one of query, load, extract or copy")
	}
	if dry {
		if runErr != nil {
			return nil, runErr
		}
		job.Status = &bq.JobStatus{State: "DONE"}
		job.Statistics.EndTime = nowMillis()
		s.decorateJob(&job)
		return &job, nil
	}
	s.finishJob(ctx, &job, runErr)
	return &job, nil
}

// finishJob marks a job done (with its error, if any) and persists it.
func (s *Server) finishJob(ctx context.Context, job *bq.Job, runErr error) {
	job.Status = &bq.JobStatus{State: "DONE"}
	if runErr != nil {
		ae := toAPIError(runErr)
		ep := &bq.ErrorProto{Reason: ae.Reason, Message: ae.Message, Location: ae.Location}
		job.Status.ErrorResult = ep
		job.Status.Errors = []*bq.ErrorProto{ep}
		for _, x := range ae.Extra {
			job.Status.Errors = append(job.Status.Errors, &bq.ErrorProto{Reason: x.Reason, Message: x.Message, Location: x.Location})
		}
	}
	job.Statistics.EndTime = nowMillis()
	s.decorateJob(job)
	s.mu.Lock()
	s.jobs[job.JobReference.JobId] = &jobEntry{job: job}
	s.mu.Unlock()
	s.saveJob(context.WithoutCancel(ctx), job)
}

func (s *Server) jobByID(p, id string) (*bq.Job, error) {
	s.mu.RLock()
	e := s.jobs[id]
	s.mu.RUnlock()
	if e == nil {
		return nil, notFound("Job %s:%s.%s", p, s.opts.Location, id)
	}
	return e.job, nil
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.jobByID(r.PathValue("p"), r.PathValue("j"))
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) (any, error) {
	j, err := s.jobByID(r.PathValue("p"), r.PathValue("j"))
	if err != nil {
		return nil, err
	}
	return &bq.JobCancelResponse{Kind: "bigquery#jobCancelResponse", Job: j}, nil
}

func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) (any, error) {
	p, id := r.PathValue("p"), r.PathValue("j")
	if _, err := s.jobByID(p, id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.jobs, id)
	s.mu.Unlock()
	s.db.ExecContext(r.Context(), `DELETE FROM `+metaSchema+`.jobs WHERE job_id = ?`, id)
	s.db.ExecContext(r.Context(), `DROP TABLE IF EXISTS `+qualified(anonSchema, id))
	return nil, nil
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) (any, error) {
	p := r.PathValue("p")
	q := r.URL.Query()
	states := map[string]bool{}
	for _, st := range q["stateFilter"] {
		states[strings.ToUpper(st)] = true
	}
	s.mu.RLock()
	var js []*bq.Job
	for _, e := range s.jobs {
		if e.job.Status == nil || e.job.Statistics == nil {
			continue
		}
		if len(states) > 0 && !states[e.job.Status.State] {
			continue
		}
		js = append(js, e.job)
	}
	s.mu.RUnlock()
	sort.Slice(js, func(i, j int) bool {
		if js[i].Statistics.CreationTime != js[j].Statistics.CreationTime {
			return js[i].Statistics.CreationTime > js[j].Statistics.CreationTime
		}
		return js[i].JobReference.JobId > js[j].JobReference.JobId
	})
	items := make([]*bq.JobListJobs, 0, len(js))
	for _, j := range js {
		items = append(items, &bq.JobListJobs{
			Id: j.Id, Kind: "bigquery#job", JobReference: j.JobReference, State: j.Status.State,
			Configuration: j.Configuration, Status: j.Status, Statistics: j.Statistics,
			ErrorResult: j.Status.ErrorResult, UserEmail: j.UserEmail,
		})
	}
	page, next, err := page(items, r)
	if err != nil {
		return nil, err
	}
	_ = p
	return &bq.JobList{Kind: "bigquery#jobList", Jobs: page, NextPageToken: next}, nil
}

// ---- queries ----

type queryRequest struct {
	Query              string                   `json:"query"`
	DefaultDataset     *bq.DatasetReference     `json:"defaultDataset"`
	DryRun             bool                     `json:"dryRun"`
	MaxResults         *int64                   `json:"maxResults"`
	TimeoutMs          json.Number              `json:"timeoutMs"`
	UseLegacySQL       *bool                    `json:"useLegacySql"`
	ParameterMode      string                   `json:"parameterMode"`
	QueryParameters    []qParam                 `json:"queryParameters"`
	RequestID          string                   `json:"requestId"`
	Location           string                   `json:"location"`
	Labels             map[string]string        `json:"labels"`
	MaximumBytesBilled json.Number              `json:"maximumBytesBilled"`
	FormatOptions      *bq.DataFormatOptions    `json:"formatOptions"`
	ConnectionProps    []*bq.ConnectionProperty `json:"connectionProperties"`
	JobCreationMode    string                   `json:"jobCreationMode"`
}

type queryResponse struct {
	Kind                string            `json:"kind"`
	Schema              *bq.TableSchema   `json:"schema,omitempty"`
	JobReference        *bq.JobReference  `json:"jobReference,omitempty"`
	TotalRows           string            `json:"totalRows,omitempty"`
	PageToken           string            `json:"pageToken,omitempty"`
	Rows                []row             `json:"rows,omitempty"`
	TotalBytesProcessed string            `json:"totalBytesProcessed"`
	JobComplete         bool              `json:"jobComplete"`
	CacheHit            bool              `json:"cacheHit"`
	NumDmlAffectedRows  string            `json:"numDmlAffectedRows,omitempty"`
	DmlStats            *bq.DmlStatistics `json:"dmlStats,omitempty"`
	Errors              []*bq.ErrorProto  `json:"errors,omitempty"`
	Location            string            `json:"location,omitempty"`
	QueryID             string            `json:"queryId,omitempty"`
	Etag                string            `json:"etag,omitempty"`
	CreationTime        string            `json:"creationTime,omitempty"`
	StartTime           string            `json:"startTime,omitempty"`
	EndTime             string            `json:"endTime,omitempty"`
	TotalSlotMs         string            `json:"totalSlotMs,omitempty"`
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) (any, error) {
	p := r.PathValue("p")
	var req queryRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	cfg := &bq.JobConfigurationQuery{
		Query: req.Query, DefaultDataset: req.DefaultDataset, ParameterMode: req.ParameterMode,
		UseLegacySql: req.UseLegacySQL, ConnectionProperties: req.ConnectionProps,
	}
	if req.UseLegacySQL == nil {
		f := false
		cfg.UseLegacySql = &f
		cfg.ForceSendFields = []string{"UseLegacySql"}
	}
	if req.MaximumBytesBilled != "" {
		cfg.MaximumBytesBilled, _ = req.MaximumBytesBilled.Int64()
	}
	params, err := convertParams(req.QueryParameters, req.ParameterMode)
	if err != nil {
		return nil, err
	}
	now := nowMillis()
	job := &bq.Job{
		JobReference:  &bq.JobReference{ProjectId: p, JobId: newJobID(), Location: s.opts.Location},
		Configuration: &bq.JobConfiguration{Query: cfg, DryRun: req.DryRun, Labels: req.Labels, JobType: "QUERY"},
		Statistics:    &bq.JobStatistics{CreationTime: now, StartTime: now},
	}
	runErr := s.runQueryJob(r.Context(), job, params)
	if runErr != nil {
		if !req.DryRun {
			s.finishJob(r.Context(), job, runErr)
		}
		return nil, runErr
	}
	if req.DryRun {
		st := job.Statistics.Query
		return &queryResponse{Kind: "bigquery#queryResponse", Schema: st.Schema, JobComplete: true,
			TotalBytesProcessed: strconv.FormatInt(st.TotalBytesProcessed, 10), Location: s.opts.Location}, nil
	}
	s.finishJob(r.Context(), job, nil)
	max := int64(defaultPageRows)
	if req.MaxResults != nil {
		max = *req.MaxResults
	}
	int64TS := req.FormatOptions != nil && req.FormatOptions.UseInt64Timestamp
	return s.results(r.Context(), job, 0, max, int64TS, "bigquery#queryResponse")
}

func (s *Server) getQueryResults(w http.ResponseWriter, r *http.Request) (any, error) {
	p := r.PathValue("p")
	job, err := s.jobByID(p, r.PathValue("j"))
	if err != nil {
		return nil, err
	}
	if job.Configuration.Query == nil {
		return nil, invalid("Job %s is not a query job", job.JobReference.JobId)
	}
	if job.Status.ErrorResult != nil {
		e := job.Status.ErrorResult
		code := reasonCode(e.Reason)
		return nil, &apiError{Code: code, Reason: e.Reason, Message: e.Message, Location: e.Location}
	}
	q := r.URL.Query()
	start, max, err := pageArgs(q.Get("startIndex"), q.Get("pageToken"), q.Get("maxResults"))
	if err != nil {
		return nil, err
	}
	return s.results(r.Context(), job, start, max, q.Get("formatOptions.useInt64Timestamp") == "true", "bigquery#getQueryResultsResponse")
}

// results renders one page of a finished query job.
func (s *Server) results(ctx context.Context, job *bq.Job, start, max int64, int64TS bool, kind string) (*queryResponse, error) {
	st := job.Statistics.Query
	out := &queryResponse{
		Kind: kind, JobReference: job.JobReference, JobComplete: true, Schema: st.Schema,
		TotalBytesProcessed: strconv.FormatInt(st.TotalBytesProcessed, 10), Location: job.JobReference.Location,
		Etag: job.Etag, CreationTime: strconv.FormatInt(job.Statistics.CreationTime, 10),
		StartTime: strconv.FormatInt(job.Statistics.StartTime, 10), EndTime: strconv.FormatInt(job.Statistics.EndTime, 10),
		DmlStats: st.DmlStats,
	}
	if st.StatementType != "SELECT" && st.StatementType != "SCRIPT" {
		out.TotalRows = "0"
		if st.DmlStats != nil || isDML(st.StatementType) {
			out.NumDmlAffectedRows = strconv.FormatInt(st.NumDmlAffectedRows, 10)
		}
		if st.Schema == nil {
			out.Schema = &bq.TableSchema{}
			return out, nil
		}
	}
	dst := job.Configuration.Query.DestinationTable
	if dst == nil || st.Schema == nil {
		out.TotalRows = "0"
		return out, nil
	}
	tbl, _ := splitDecorator(dst.TableId)
	rows, total, err := s.readRows(ctx, s.db, dst.DatasetId, tbl, st.Schema.Fields, start, max, encoder{int64TS: int64TS})
	if err != nil {
		if typ, _ := tableType(ctx, s.db, dst.DatasetId, tbl); typ == "" {
			return nil, notFound("Table %s:%s.%s (query results of job %s are no longer available)", dst.ProjectId, dst.DatasetId, tbl, job.JobReference.JobId)
		}
		return nil, err
	}
	out.Rows = rows
	out.TotalRows = strconv.FormatInt(total, 10)
	if next := start + int64(len(rows)); next < total && len(rows) > 0 {
		out.PageToken = strconv.FormatInt(next, 10)
	}
	return out, nil
}

func isDML(t string) bool {
	switch t {
	case "INSERT", "UPDATE", "DELETE", "MERGE":
		return true
	}
	return false
}

const minBilledBytes = 10 << 20

var wordRe = regexp.MustCompile("[A-Za-z_][A-Za-z0-9_]*")

// estimateBytes estimates the bytes a statement reads when its parse is
// not followed (DML, DDL, scripts; see cost.go): the full size (rows × the
// schema's per-row width) of every table whose name appears in the text.
func (s *Server) estimateBytes(ctx context.Context, sqlText string) int64 {
	words := map[string]bool{}
	for _, w := range wordRe.FindAllString(sqlText, -1) {
		words[strings.ToLower(w)] = true
	}
	s.mu.RLock()
	var hit []*bq.Table
	for k, t := range s.tables {
		if t.Type != "VIEW" && words[strings.ToLower(k.table)] && words[strings.ToLower(k.dataset)] || t.Type != "VIEW" && words[strings.ToLower(k.table)] {
			hit = append(hit, t)
		}
	}
	s.mu.RUnlock()
	var total int64
	for _, t := range hit {
		var n int64
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+qualified(t.TableReference.DatasetId, t.TableReference.TableId)).Scan(&n); err == nil {
			total += n * rowWidth(t.Schema.Fields)
		}
	}
	return total
}

var anonSeq = make(chan struct{}, 1)

// runQueryJob translates and runs the script of a query job, filling the
// job's statistics and its destination table.
func (s *Server) runQueryJob(ctx context.Context, job *bq.Job, params []bqsql.Param) (err error) {
	var translated strings.Builder
	defer func() {
		if err != nil {
			err = s.apiErrorFor(err, job.JobReference.ProjectId, translated.String())
		}
	}()
	cfg := job.Configuration.Query
	dry := job.Configuration.DryRun
	p := job.JobReference.ProjectId
	job.Configuration.JobType = "QUERY"
	if cfg.UseLegacySql != nil && *cfg.UseLegacySql {
		return invalidQuery("Legacy SQL is not supported by this emulator: set useLegacySql to false (bq: --nouse_legacy_sql)")
	}
	if strings.TrimSpace(cfg.Query) == "" {
		return invalid("Missing required field: query")
	}
	if err := s.limits.checkQueryLength(cfg.Query); err != nil {
		return err
	}
	defDS := ""
	if cfg.DefaultDataset != nil {
		defDS = cfg.DefaultDataset.DatasetId
	}
	stmts, err := bqsql.Translate(cfg.Query, bqsql.Options{DefaultProject: p, DefaultDataset: defDS, Params: params})
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return invalidQuery("Query %q contains no statement", cfg.Query)
	}
	for _, st := range stmts {
		translated.WriteString(st.SQL)
		translated.WriteByte('\n')
	}
	if strings.Contains(strings.ToUpper(cfg.Query), "INFORMATION_SCHEMA") {
		if err := s.refreshInfoSchema(ctx, p, translated.String()); err != nil {
			return err
		}
	}
	stats := &bq.JobStatistics2{}
	job.Statistics.Query = stats
	cost, err := s.costOf(ctx, p, defDS, cfg.Query, stmts, params)
	if err != nil {
		return err
	}
	processed, billed := cost.processed, cost.billed
	stats.TotalBytesProcessed, stats.TotalBytesBilled = processed, billed
	job.Statistics.TotalBytesProcessed = processed
	stats.ForceSendFields = []string{"TotalBytesProcessed"}
	if cfg.MaximumBytesBilled > 0 && billed > cfg.MaximumBytesBilled {
		return errorf(400, "bytesBilledLimitExceeded", "Query exceeded limit for bytes billed: %d. %d or higher required.", cfg.MaximumBytesBilled, billed)
	}
	last := -1
	for i, st := range stmts {
		if st.Kind == bqsql.KindQuery {
			last = i
		}
	}
	stats.StatementType = statementType(stmts)
	if dry {
		if last >= 0 && len(stmts) == 1 {
			if cols, err := s.describe(ctx, stmts[last].SQL); err == nil {
				stats.Schema = &bq.TableSchema{Fields: schemaFromColumns(cols)}
			} else {
				return err
			}
		}
		return nil
	}
	readOnly := cfg.DestinationTable == nil
	for _, st := range stmts {
		if st.Kind != bqsql.KindQuery {
			readOnly = false
		}
	}
	if !readOnly {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var dmlRows int64
	for i, st := range stmts {
		switch {
		case st.Kind == bqsql.KindQuery && i == last:
			dst, err := s.writeQueryResult(ctx, conn, job, st.SQL)
			if err != nil {
				return err
			}
			t, err := s.lookupTableConn(ctx, conn, p, dst.DatasetId, dst.TableId)
			if err != nil {
				return err
			}
			stats.Schema = t.Schema
		case st.Kind == bqsql.KindQuery:
			rs, err := conn.QueryContext(ctx, st.SQL)
			if err != nil {
				return err
			}
			for rs.Next() {
			}
			err = rs.Err()
			rs.Close()
			if err != nil {
				return err
			}
		default:
			res, err := conn.ExecContext(ctx, st.SQL)
			if err != nil {
				return err
			}
			if st.Kind == bqsql.KindDML {
				n, _ := res.RowsAffected()
				dmlRows = n
				stats.NumDmlAffectedRows = n
				stats.ForceSendFields = append(stats.ForceSendFields, "NumDmlAffectedRows")
				switch statementType([]bqsql.Statement{st}) {
				case "INSERT":
					stats.DmlStats = &bq.DmlStatistics{InsertedRowCount: n}
				case "UPDATE":
					stats.DmlStats = &bq.DmlStatistics{UpdatedRowCount: n}
				case "DELETE":
					stats.DmlStats = &bq.DmlStatistics{DeletedRowCount: n}
				default:
					stats.DmlStats = &bq.DmlStatistics{}
				}
			}
			if st.Kind == bqsql.KindDDL && st.TargetTable != "" {
				ds := st.TargetDataset
				if ds == "" {
					ds = defDS
				}
				t, err := s.syncTable(ctx, conn, p, ds, st.TargetTable, true)
				if err != nil {
					return err
				}
				if err := s.applyDDLPartitioning(ctx, conn, t, st); err != nil {
					return err
				}
				stats.DdlTargetTable = &bq.TableReference{ProjectId: p, DatasetId: ds, TableId: st.TargetTable}
				stats.DdlOperationPerformed = ddlOperation(st.DDLOp)
			}
		}
	}
	_ = dmlRows
	return nil
}

func ddlOperation(op string) string {
	switch {
	case strings.HasPrefix(op, "CREATE"):
		return "CREATE"
	case strings.HasPrefix(op, "DROP"):
		return "DROP"
	case strings.HasPrefix(op, "ALTER"):
		return "ALTER"
	}
	return op
}

func statementType(stmts []bqsql.Statement) string {
	if len(stmts) > 1 {
		return "SCRIPT"
	}
	st := stmts[0]
	switch st.Kind {
	case bqsql.KindQuery:
		return "SELECT"
	case bqsql.KindDDL:
		if st.DDLOp != "" {
			return st.DDLOp
		}
	}
	w := strings.ToUpper(strings.TrimSpace(st.SQL))
	for _, k := range []string{"INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER"} {
		if strings.HasPrefix(w, k) {
			if k == "CREATE" || k == "DROP" || k == "ALTER" {
				return k + "_TABLE"
			}
			return k
		}
	}
	return "SCRIPT"
}

func (s *Server) describe(ctx context.Context, q string) ([]duckField, error) {
	rows, err := s.db.QueryContext(ctx, `DESCRIBE `+q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []duckField
	for rows.Next() {
		var name, typ string
		var a, b, c, d any
		if err := rows.Scan(&name, &typ, &a, &b, &c, &d); err != nil {
			return nil, err
		}
		n, err := parseDuckType(typ)
		if err != nil {
			return nil, err
		}
		cols = append(cols, duckField{name, n})
	}
	return cols, rows.Err()
}

func (s *Server) lookupTableConn(ctx context.Context, conn *sql.Conn, p, ds, tbl string) (*bq.Table, error) {
	s.mu.RLock()
	t := s.tables[tableKey{ds, tbl}]
	s.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	cols, ok, err := duckColumns(ctx, conn, ds, tbl)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("Table %s:%s.%s", p, ds, tbl)
	}
	return &bq.Table{TableReference: &bq.TableReference{ProjectId: p, DatasetId: ds, TableId: tbl}, Schema: &bq.TableSchema{Fields: schemaFromColumns(cols)}}, nil
}

const maxAnonTables = 256

// writeQueryResult runs the final query of a job into its destination (the
// configured table, honouring write and create dispositions, or an anonymous
// table) and returns the destination.
func (s *Server) writeQueryResult(ctx context.Context, conn *sql.Conn, job *bq.Job, q string) (*bq.TableReference, error) {
	cfg := job.Configuration.Query
	p := job.JobReference.ProjectId
	if cfg.DestinationTable == nil {
		id := job.JobReference.JobId
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE `+qualified(anonSchema, id)+` AS `+q); err != nil {
			return nil, err
		}
		if err := checkInt64Range(ctx, conn, anonSchema, id, q); err != nil {
			return nil, err
		}
		s.pruneAnon(ctx)
		ref := &bq.TableReference{ProjectId: p, DatasetId: anonSchema, TableId: id}
		cfg.DestinationTable = ref
		return ref, nil
	}
	dst := cfg.DestinationTable
	if dst.ProjectId == "" {
		dst.ProjectId = p
	}
	if _, err := s.dataset(p, dst.DatasetId); err != nil {
		return nil, err
	}
	tbl, dec := splitDecorator(dst.TableId)
	s.mu.RLock()
	meta := s.tables[tableKey{dst.DatasetId, tbl}]
	s.mu.RUnlock()
	name := qualified(dst.DatasetId, tbl)
	write := cfg.WriteDisposition
	if write == "" {
		write = "WRITE_EMPTY"
	}
	if meta == nil {
		if cfg.CreateDisposition == "CREATE_NEVER" {
			return nil, notFound("Table %s:%s.%s", p, dst.DatasetId, tbl)
		}
		if dec != "" {
			return nil, notFound("Table %s:%s.%s (a partition decorator needs an existing partitioned table)", p, dst.DatasetId, tbl)
		}
		if _, err := conn.ExecContext(ctx, `CREATE TABLE `+name+` AS `+q); err != nil {
			return nil, err
		}
		if err := checkInt64Range(ctx, conn, dst.DatasetId, tbl, q); err != nil {
			return nil, err
		}
		t, err := s.syncTable(ctx, conn, p, dst.DatasetId, tbl, false)
		if err != nil {
			return nil, err
		}
		if cfg.TimePartitioning != nil || cfg.Clustering != nil || cfg.RangePartitioning != nil {
			cp := *t
			cp.TimePartitioning, cp.Clustering, cp.RangePartitioning = cfg.TimePartitioning, cfg.Clustering, cfg.RangePartitioning
			if err := checkPartitioning(&cp); err != nil {
				return nil, err
			}
			if err := s.saveTable(ctx, conn, &cp); err != nil {
				return nil, err
			}
			s.mu.Lock()
			s.tables[tableKey{dst.DatasetId, tbl}] = &cp
			s.mu.Unlock()
		}
		return &bq.TableReference{ProjectId: p, DatasetId: dst.DatasetId, TableId: tbl}, nil
	}
	if meta.Type == "VIEW" {
		return nil, invalid("Cannot write query results to view %s:%s.%s", p, dst.DatasetId, tbl)
	}
	insert := `INSERT INTO ` + name + ` BY NAME ` + q
	switch write {
	case "WRITE_TRUNCATE":
		if dec != "" {
			cond, err := partitionCondition(meta, dec)
			if err != nil {
				return nil, err
			}
			if _, err := conn.ExecContext(ctx, `DELETE FROM `+name+` WHERE `+cond); err != nil {
				return nil, err
			}
			if _, err := conn.ExecContext(ctx, insert); err != nil {
				return nil, err
			}
		} else {
			if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE `+name+` AS `+q); err != nil {
				return nil, err
			}
			if _, err := s.syncTable(ctx, conn, p, dst.DatasetId, tbl, true); err != nil {
				return nil, err
			}
			s.mu.Lock()
			delete(s.dedup, tableKey{dst.DatasetId, tbl})
			s.mu.Unlock()
		}
	case "WRITE_APPEND", "WRITE_EMPTY":
		if write == "WRITE_EMPTY" {
			var n int64
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, errorf(409, "duplicate", "Already Exists: Table %s:%s.%s (writeDisposition WRITE_EMPTY and the table has %d rows)", p, dst.DatasetId, tbl, n)
			}
		}
		if err := s.allowFieldChanges(ctx, conn, meta, q, cfg.SchemaUpdateOptions); err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, insert); err != nil {
			return nil, invalidQuery("Cannot append query results to %s:%s.%s: %v", p, dst.DatasetId, tbl, s.apiErrorFor(err, p, "").Message)
		}
	default:
		return nil, invalid("Invalid writeDisposition %q", write)
	}
	return &bq.TableReference{ProjectId: p, DatasetId: dst.DatasetId, TableId: tbl}, nil
}

// allowFieldChanges applies schemaUpdateOptions ALLOW_FIELD_ADDITION for an
// append: columns of the query missing from the table are added.
func (s *Server) allowFieldChanges(ctx context.Context, conn *sql.Conn, meta *bq.Table, q string, opts []string) error {
	add := false
	for _, o := range opts {
		if o == "ALLOW_FIELD_ADDITION" {
			add = true
		}
	}
	if !add {
		return nil
	}
	cols, err := s.describe(ctx, q)
	if err != nil {
		return toAPIError(err)
	}
	ds, tbl := meta.TableReference.DatasetId, meta.TableReference.TableId
	changed := false
	for _, c := range cols {
		if findField(meta.Schema.Fields, c.name) == nil {
			f := bqField(c.name, c.typ)
			if _, err := conn.ExecContext(ctx, `ALTER TABLE `+qualified(ds, tbl)+` ADD COLUMN `+quoteIdent(c.name)+` `+duckType(f)); err != nil {
				return toAPIError(err)
			}
			changed = true
		}
	}
	if changed {
		_, err := s.syncTable(ctx, conn, meta.TableReference.ProjectId, ds, tbl, true)
		return err
	}
	return nil
}

// pruneAnon drops the oldest anonymous result tables beyond maxAnonTables.
func (s *Server) pruneAnon(ctx context.Context) {
	select {
	case anonSeq <- struct{}{}:
	default:
		return
	}
	defer func() { <-anonSeq }()
	rows, err := s.db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND database_name = current_database() ORDER BY estimated_size`, anonSchema)
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if len(names) <= maxAnonTables {
		return
	}
	s.mu.RLock()
	type aged struct {
		name string
		at   int64
	}
	var list []aged
	for _, n := range names {
		// A result whose job is not registered yet is the one being made
		// right now: it is the newest, never the oldest.
		at := int64(math.MaxInt64)
		if e := s.jobs[n]; e != nil && e.job.Statistics != nil {
			at = e.job.Statistics.CreationTime
		}
		list = append(list, aged{n, at})
	}
	s.mu.RUnlock()
	sort.Slice(list, func(i, j int) bool { return list[i].at < list[j].at })
	for _, a := range list[:len(list)-maxAnonTables] {
		s.db.ExecContext(ctx, `DROP TABLE IF EXISTS `+qualified(anonSchema, a.name))
	}
}

// timeNow is replaceable in tests.
var timeNow = time.Now

// reasonCode is the HTTP status BigQuery answers with for an error reason.
func reasonCode(reason string) int {
	switch reason {
	case "notFound":
		return 404
	case "duplicate":
		return 409
	case "backendError", "internalError":
		return 500
	case "rateLimitExceeded", "quotaExceeded":
		return 403
	case "accessDenied":
		return 403
	}
	return 400
}

// checkInt64Range refuses a query result whose DuckDB HUGEINT column (what DuckDB's SUM of
// integers returns; the schema calls it INT64) holds a value outside INT64, with BigQuery's
// overflow error, and drops the result table. Without it the value goes over the wire and the
// Go client fails to parse it. Nested HUGEINT (inside a STRUCT or ARRAY) is not checked.
func checkInt64Range(ctx context.Context, conn *sql.Conn, dataset, table, q string) error {
	cols, _, err := duckColumns(ctx, conn, dataset, table)
	if err != nil {
		return err
	}
	var conds []string
	var names []string
	for _, c := range cols {
		if t := c.typ.base; t == "HUGEINT" || t == "UHUGEINT" || t == "UBIGINT" || t == "BIGNUM" || t == "VARINT" {
			conds = append(conds, "NOT ("+quoteIdent(c.name)+" BETWEEN -9223372036854775808 AND 9223372036854775807)")
			names = append(names, c.name)
		}
	}
	if len(conds) == 0 {
		return nil
	}
	var bad string
	err = conn.QueryRowContext(ctx, `SELECT CAST(COALESCE(`+overflowPick(names)+`) AS VARCHAR) FROM `+qualified(dataset, table)+` WHERE `+strings.Join(conds, " OR ")+` LIMIT 1`).Scan(&bad)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, _ = conn.ExecContext(ctx, `DROP TABLE IF EXISTS `+qualified(dataset, table))
	if strings.Contains(strings.ToLower(q), "sum(") {
		// BigQuery's answer to SUM of INT64 past 2^63
		return invalidQuery("Error in SUM aggregation: integer overflow")
	}
	return invalidQuery("int64 overflow: %s is outside the INT64 range", bad)
}

// overflowPick is the COALESCE arguments naming the first out-of-range value of the columns.
func overflowPick(names []string) string {
	var out []string
	for _, n := range names {
		c := quoteIdent(n)
		out = append(out, "CASE WHEN NOT ("+c+" BETWEEN -9223372036854775808 AND 9223372036854775807) THEN "+c+" END")
	}
	return strings.Join(out, ", ")
}
