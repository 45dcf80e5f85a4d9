package dlp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the findings table name uses the Pacific date

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Inspection jobs (CreateDlpJob with an inspect_job over a BigQuery table).
//
// States follow DlpJob.JobState: a job is created PENDING ("The job has not
// yet started"), goes RUNNING, and ends DONE, FAILED ("The job had an error
// and did not complete") or CANCELED ("The job was canceled before it could
// be completed"). The job reads the table through the real BigQuery client
// at Options.BigQueryEndpoint, inspects every cell with the request's
// InspectConfig, then runs its actions: save_findings writes one row per
// finding to a BigQuery table (findings_schema.go) and pub_sub publishes a
// message whose attribute DlpJobName is the job's name, as Google's
// inspect-BigQuery samples wait for.

type dlpJob struct {
	pb     *dlppb.DlpJob
	cancel context.CancelFunc
	done   chan struct{}
	hybrid *hybridJob // nil unless the job inspects hybrid content (hybrid.go)
}

type jobStore struct {
	m     map[string]*dlpJob // by canonical name
	bq    map[string]*bigquery.Client
	ps    map[string]*pubsub.Client
	ctx   context.Context
	stop  context.CancelFunc
	order []string // canonical names in creation order
}

var jobIDRE = regexp.MustCompile(`^[a-zA-Z\d_-]+$`)

func (s *Server) jobsLocked() *jobStore {
	if s.jobs.m == nil {
		s.jobs.m = map[string]*dlpJob{}
		s.jobs.bq = map[string]*bigquery.Client{}
		s.jobs.ps = map[string]*pubsub.Client{}
		s.jobs.ctx, s.jobs.stop = context.WithCancel(context.Background())
	}
	return &s.jobs
}

// stopJobs cancels running jobs and closes the clients; called by Stop.
func (s *Server) stopJobs() {
	s.mu.Lock()
	js := s.jobs
	var waits []chan struct{}
	for _, j := range js.m {
		waits = append(waits, j.done)
	}
	s.mu.Unlock()
	if js.stop != nil {
		js.stop()
	}
	for _, w := range waits {
		<-w
	}
	for _, c := range js.bq {
		c.Close()
	}
	for _, c := range js.ps {
		c.Close()
	}
}

func jobNotFound(name string) error {
	return status.Errorf(codes.NotFound, "DlpJob %q not found.", name)
}

func newJobID() string {
	// Inspect job names end in i- and a number: the .NET sample's output
	// shows "projects/dlapi-test/dlpJobs/i-4395928244510149959".
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return "i-" + n.String()
}

// validateInspectJob checks an InspectJobConfig before the job is created,
// so a bad config is refused by CreateDlpJob rather than failing later.
func (s *Server) validateInspectJob(ij *dlppb.InspectJobConfig) (*dlppb.InspectConfig, error) {
	sc := ij.GetStorageConfig()
	switch {
	case sc == nil:
		return nil, invalid("inspect_job.storage_config is required.")
	case sc.GetCloudStorageOptions() != nil:
		return nil, unsupported("inspect_job.storage_config.cloud_storage_options", "only BigQuery tables (big_query_options) are inspected by jobs")
	case sc.GetDatastoreOptions() != nil:
		return nil, unsupported("inspect_job.storage_config.datastore_options", "only BigQuery tables (big_query_options) are inspected by jobs")
	case sc.GetHybridOptions() != nil:
		if err := validateHybridOptions(sc.GetHybridOptions()); err != nil {
			return nil, err
		}
	case sc.GetBigQueryOptions() == nil:
		return nil, invalid("inspect_job.storage_config must set big_query_options or hybrid_options.")
	}
	if sc.GetTimespanConfig() != nil {
		return nil, unsupported("inspect_job.storage_config.timespan_config", "every row of the table is read")
	}
	if bo := sc.GetBigQueryOptions(); bo != nil {
		if err := s.validateBigQueryOptions(bo); err != nil {
			return nil, err
		}
	}
	return s.validateJobActions(ij)
}

func (s *Server) validateBigQueryOptions(bo *dlppb.BigQueryOptions) error {
	tr := bo.GetTableReference()
	if tr.GetProjectId() == "" || tr.GetDatasetId() == "" || tr.GetTableId() == "" {
		return invalid("inspect_job.storage_config.big_query_options.table_reference needs project_id, dataset_id and table_id.")
	}
	// "Only one of rows_limit and rows_limit_percent can be specified."
	// "Must be between 0 and 100, inclusively." (BigQueryOptions reference)
	if bo.GetRowsLimit() != 0 && bo.GetRowsLimitPercent() != 0 {
		return invalid("big_query_options: only one of rows_limit and rows_limit_percent can be specified.")
	}
	if bo.GetRowsLimit() < 0 {
		return invalid("big_query_options.rows_limit must not be negative; got %d.", bo.GetRowsLimit())
	}
	if p := bo.GetRowsLimitPercent(); p < 0 || p > 100 {
		return invalid("big_query_options.rows_limit_percent must be between 0 and 100; got %d.", p)
	}
	if len(bo.GetIncludedFields()) > 0 && len(bo.GetExcludedFields()) > 0 {
		return invalid("big_query_options: set included_fields or excluded_fields, not both.")
	}
	if s.opts.BigQueryEndpoint == "" {
		return status.Error(codes.FailedPrecondition, "CreateDlpJob over a BigQuery table needs a BigQuery: the DLP emulator has none (set Options.BigQueryEndpoint, `sluice emulator dlp --bigquery-endpoint`, to the BigQuery emulator's URL).")
	}
	return nil
}

// validateJobActions checks the actions and the inspect config; it returns
// the config the job inspects with.
func (s *Server) validateJobActions(ij *dlppb.InspectJobConfig) (*dlppb.InspectConfig, error) {
	for i, a := range ij.GetActions() {
		switch x := a.GetAction().(type) {
		case *dlppb.Action_SaveFindings_:
			if s.opts.BigQueryEndpoint == "" {
				return nil, status.Errorf(codes.FailedPrecondition, "inspect_job.actions[%d].save_findings needs a BigQuery: the DLP emulator has none (set Options.BigQueryEndpoint, `sluice emulator dlp --bigquery-endpoint`, to the BigQuery emulator's URL).", i)
			}
			oc := x.SaveFindings.GetOutputConfig()
			if oc.GetStoragePath() != nil {
				return nil, unsupported(fmt.Sprintf("inspect_job.actions[%d].save_findings.output_config.storage_path", i), "findings are saved to a BigQuery table (output_config.table)")
			}
			t := oc.GetTable()
			if t.GetProjectId() == "" || t.GetDatasetId() == "" {
				return nil, invalid("inspect_job.actions[%d].save_findings.output_config.table needs project_id and dataset_id (table_id may be left empty for a generated name).", i)
			}
			if sch := oc.GetOutputSchema(); sch != dlppb.OutputStorageConfig_OUTPUT_SCHEMA_UNSPECIFIED && sch != dlppb.OutputStorageConfig_ALL_COLUMNS {
				return nil, unsupported(fmt.Sprintf("inspect_job.actions[%d].save_findings.output_config.output_schema %s", i, sch), "findings are saved with all columns (ALL_COLUMNS or unspecified)")
			}
		case *dlppb.Action_PubSub:
			if parts := strings.Split(x.PubSub.GetTopic(), "/"); len(parts) != 4 || parts[0] != "projects" || parts[2] != "topics" || parts[1] == "" || parts[3] == "" {
				return nil, invalid("inspect_job.actions[%d].pub_sub.topic %q: want projects/PROJECT/topics/TOPIC.", i, x.PubSub.GetTopic())
			}
			if s.opts.PubSubAddr == "" {
				return nil, status.Errorf(codes.FailedPrecondition, "inspect_job.actions[%d].pub_sub needs Pub/Sub: the DLP emulator has none (set Options.PubSubAddr, `sluice emulator dlp --pubsub-addr`, to the Pub/Sub emulator).", i)
			}
		case nil:
			return nil, invalid("inspect_job.actions[%d] sets no action.", i)
		default:
			name := strings.TrimPrefix(fmt.Sprintf("%T", x), "*dlppb.Action_")
			return nil, unsupported(fmt.Sprintf("inspect_job.actions[%d] %s", i, name), "jobs support the save_findings and pub_sub actions")
		}
	}
	cfg, err := s.resolveInspectConfig(context.Background(), ij.GetInspectConfig(), ij.GetInspectTemplateName())
	if err != nil {
		return nil, err
	}
	jobCfg := proto.Clone(cfg).(*dlppb.InspectConfig)
	jobCfg.Limits = nil
	if _, err := newInspector(jobCfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// CreateDlpJob implements DlpService.CreateDlpJob for inspect jobs over a
// BigQuery table.
func (s *Server) CreateDlpJob(ctx context.Context, req *dlppb.CreateDlpJobRequest) (_ *dlppb.DlpJob, err error) {
	defer recoverInternal(&err)
	if err := s.check("CreateDlpJob"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q: want projects/PROJECT or projects/PROJECT/locations/LOCATION.", req.GetParent())
	}
	if req.GetRiskJob() != nil {
		return nil, unsupported("CreateDlpJob risk_job", "risk analysis jobs are not emulated; only inspect_job over a BigQuery table")
	}
	ij := req.GetInspectJob()
	if ij == nil {
		return nil, invalid("CreateDlpJob needs inspect_job (risk_job is not emulated).")
	}
	// "The job id can contain uppercase and lowercase letters, numbers, and
	// hyphens; that is, it must match the regular expression: [a-zA-Z\d-_]+.
	// The maximum length is 100 characters." (CreateDlpJobRequest.job_id)
	id := req.GetJobId()
	if id != "" && (len(id) > 100 || !jobIDRE.MatchString(id)) {
		return nil, invalid("job_id %q must match [a-zA-Z\\d-_]+ and be at most 100 characters.", id)
	}
	cfg, err := s.validateInspectJob(ij)
	if err != nil {
		return nil, err
	}
	return s.startInspectJob(req.GetParent(), id, ij, cfg, "")
}

// startInspectJob creates a PENDING inspect job and runs it; trigger, when
// set, is the job trigger that started it (DlpJob.job_trigger_name).
func (s *Server) startInspectJob(parent, id string, ij *dlppb.InspectJobConfig, cfg *dlppb.InspectConfig, trigger string) (*dlppb.DlpJob, error) {
	if id == "" {
		id = newJobID()
	}
	if !strings.Contains(parent, "/locations/") {
		parent += "/locations/global"
	}
	details := &dlppb.InspectDataSourceDetails{
		RequestedOptions: &dlppb.InspectDataSourceDetails_RequestedOptions{JobConfig: proto.Clone(ij).(*dlppb.InspectJobConfig)},
		Result:           &dlppb.InspectDataSourceDetails_Result{},
	}
	if n := ij.GetInspectTemplateName(); n != "" {
		s.mu.Lock()
		t := s.inspectT.m[canonical(n)]
		s.mu.Unlock()
		details.RequestedOptions.SnapshotInspectTemplate = proto.Clone(t).(*dlppb.InspectTemplate)
	}
	j := &dlpJob{pb: &dlppb.DlpJob{
		Name:           parent + "/dlpJobs/" + id,
		Type:           dlppb.DlpJobType_INSPECT_JOB,
		State:          dlppb.DlpJob_PENDING,
		Details:        &dlppb.DlpJob_InspectDetails{InspectDetails: details},
		JobTriggerName: trigger,
	}, done: make(chan struct{})}
	if isHybrid(ij) {
		// "ACTIVE: The job is currently accepting findings via
		// hybridInspect." Nothing runs until FinishDlpJob.
		h, err := newHybridJob(ij, cfg)
		if err != nil {
			return nil, err
		}
		j.hybrid = h
		j.pb.State = dlppb.DlpJob_ACTIVE
		j.pb.StartTime = timestamppb.Now()
		details.Result.HybridStats = &dlppb.HybridInspectStatistics{}
		close(j.done)
	}
	s.mu.Lock()
	js := s.jobsLocked()
	key := canonical(j.pb.Name)
	if _, ok := js.m[key]; ok {
		s.mu.Unlock()
		return nil, status.Errorf(codes.AlreadyExists, "DlpJob %q already exists.", j.pb.Name)
	}
	j.pb.CreateTime = s.stamp()
	var jctx context.Context
	jctx, j.cancel = context.WithCancel(js.ctx)
	js.m[key] = j
	js.order = append(js.order, key)
	out := proto.Clone(j.pb).(*dlppb.DlpJob)
	s.mu.Unlock()
	if j.hybrid == nil {
		go s.runJob(jctx, j, ij, cfg)
	}
	return out, nil
}

// setJob updates a job under the lock, unless it was canceled meanwhile.
func (s *Server) setJob(j *dlpJob, f func(*dlppb.DlpJob)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.pb.State == dlppb.DlpJob_CANCELED {
		return false
	}
	f(j.pb)
	return true
}

func jobError(err error) *dlppb.Error {
	return &dlppb.Error{Details: status.Convert(err).Proto(), Timestamps: []*timestamppb.Timestamp{timestamppb.Now()}}
}

func (s *Server) runJob(ctx context.Context, j *dlpJob, ij *dlppb.InspectJobConfig, cfg *dlppb.InspectConfig) {
	defer close(j.done)
	if d := s.opts.JobStartDelay; d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return
		}
	}
	if !s.setJob(j, func(pb *dlppb.DlpJob) { pb.State = dlppb.DlpJob_RUNNING; pb.StartTime = timestamppb.Now() }) {
		return
	}
	res, findings, err := s.inspectTable(ctx, j, ij, cfg)
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		err = s.saveFindings(ctx, j, ij, findings)
	}
	final := dlppb.DlpJob_DONE
	if err != nil {
		final = dlppb.DlpJob_FAILED
	}
	if !s.setJob(j, func(pb *dlppb.DlpJob) {
		if res != nil {
			pb.GetInspectDetails().Result = res
		}
		if err != nil {
			pb.Errors = append(pb.Errors, jobError(err))
		}
	}) {
		return
	}
	// "Publish a message into a given Pub/Sub topic when DlpJob has
	// completed." (Action.PublishToPubSub); the job is DONE or FAILED by
	// the time the message arrives.
	s.setJob(j, func(pb *dlppb.DlpJob) { pb.State = final; pb.EndTime = timestamppb.Now() })
	if err != nil && j.pb.GetJobTriggerName() != "" {
		s.triggerFailed(j.pb.GetJobTriggerName(), err)
	}
	for _, a := range ij.GetActions() {
		if p := a.GetPubSub(); p != nil {
			if perr := s.publishDone(ctx, p.GetTopic(), j); perr != nil {
				s.setJob(j, func(pb *dlppb.DlpJob) { pb.Errors = append(pb.Errors, jobError(perr)) })
			}
		}
	}
}

func (s *Server) bigQuery(project string) (*bigquery.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	js := s.jobsLocked()
	if c, ok := js.bq[project]; ok {
		return c, nil
	}
	c, err := bigquery.NewClient(js.ctx, project, option.WithEndpoint(s.opts.BigQueryEndpoint), option.WithoutAuthentication())
	if err != nil {
		return nil, err
	}
	js.bq[project] = c
	return c, nil
}

func (s *Server) pubSub(project string) (*pubsub.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	js := s.jobsLocked()
	if c, ok := js.ps[project]; ok {
		return c, nil
	}
	c, err := pubsub.NewClient(js.ctx, project, option.WithEndpoint(s.opts.PubSubAddr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		return nil, err
	}
	js.ps[project] = c
	return c, nil
}

func (s *Server) publishDone(ctx context.Context, topic string, j *dlpJob) error {
	c, err := s.pubSub(strings.Split(topic, "/")[1])
	if err != nil {
		return status.Errorf(codes.Unavailable, "Pub/Sub client: %v", err)
	}
	s.mu.Lock()
	name := j.pb.Name
	s.mu.Unlock()
	p := c.Publisher(topic)
	defer p.Stop()
	if _, err := p.Publish(ctx, &pubsub.Message{Attributes: map[string]string{"DlpJobName": name}}).Get(ctx); err != nil {
		return status.Errorf(status.Code(err), "pub_sub action: publishing to %s: %v", topic, status.Convert(err).Message())
	}
	return nil
}

// bqColumn is one scanned leaf of the table schema: a top-level column or a
// field of a RECORD, named with dots (person.birthdate.year) as DLP names
// nested fields.
type bqColumn struct {
	name string
	path []int // indexes through nested records
}

func leafColumns(schema bigquery.Schema, prefix string, path []int, out []bqColumn) []bqColumn {
	for i, f := range schema {
		p := append(append([]int{}, path...), i)
		if f.Type == bigquery.RecordFieldType && !f.Repeated {
			out = leafColumns(f.Schema, prefix+f.Name+".", p, out)
			continue
		}
		out = append(out, bqColumn{name: prefix + f.Name, path: p})
	}
	return out
}

// cell returns the value at a column's path, or nil.
func cellAt(row []bigquery.Value, path []int) bigquery.Value {
	var v bigquery.Value = row
	for _, i := range path {
		r, ok := v.([]bigquery.Value)
		if !ok || i >= len(r) {
			return nil
		}
		v = r[i]
	}
	return v
}

// cellTexts renders a BigQuery value as the texts DLP inspects: one per
// element for a REPEATED column.
func cellTexts(v bigquery.Value) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []bigquery.Value:
		var out []string
		for _, e := range x {
			out = append(out, cellTexts(e)...)
		}
		return out
	case string:
		return []string{x}
	case []byte:
		return []string{string(x)}
	case int64:
		return []string{strconv.FormatInt(x, 10)}
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case bool:
		return []string{strconv.FormatBool(x)}
	case time.Time:
		return []string{x.UTC().Format(time.RFC3339Nano)}
	case civil.Date, civil.Time, civil.DateTime:
		return []string{fmt.Sprint(x)}
	}
	return []string{fmt.Sprint(v)}
}

func bqNotFound(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == 404
}

// inspectTable reads the job's table and inspects it.
func (s *Server) inspectTable(ctx context.Context, j *dlpJob, ij *dlppb.InspectJobConfig, cfg *dlppb.InspectConfig) (*dlppb.InspectDataSourceDetails_Result, []*dlppb.Finding, error) {
	bo := ij.GetStorageConfig().GetBigQueryOptions()
	tr := bo.GetTableReference()
	c, err := s.bigQuery(tr.GetProjectId())
	if err != nil {
		return nil, nil, status.Errorf(codes.Unavailable, "BigQuery client: %v", err)
	}
	tableName := fmt.Sprintf("%s:%s.%s", tr.GetProjectId(), tr.GetDatasetId(), tr.GetTableId())
	t := c.DatasetInProject(tr.GetProjectId(), tr.GetDatasetId()).Table(tr.GetTableId())
	md, err := t.Metadata(ctx)
	if err != nil {
		if bqNotFound(err) {
			return nil, nil, status.Errorf(codes.NotFound, "BigQuery table %s not found.", tableName)
		}
		return nil, nil, status.Errorf(codes.Unavailable, "reading BigQuery table %s: %v", tableName, err)
	}
	cols := leafColumns(md.Schema, "", nil, nil)
	byName := map[string]bqColumn{}
	for _, col := range cols {
		byName[col.name] = col
	}
	pick := func(what string, ids []*dlppb.FieldId) ([]bqColumn, error) {
		var out []bqColumn
		for _, f := range ids {
			col, ok := byName[f.GetName()]
			if !ok {
				return nil, status.Errorf(codes.InvalidArgument, "big_query_options.%s: table %s has no column %q.", what, tableName, f.GetName())
			}
			out = append(out, col)
		}
		return out, nil
	}
	idCols, err := pick("identifying_fields", bo.GetIdentifyingFields())
	if err != nil {
		return nil, nil, err
	}
	scan := cols
	if len(bo.GetIncludedFields()) > 0 {
		if scan, err = pick("included_fields", bo.GetIncludedFields()); err != nil {
			return nil, nil, err
		}
	}
	if len(bo.GetExcludedFields()) > 0 {
		ex, err := pick("excluded_fields", bo.GetExcludedFields())
		if err != nil {
			return nil, nil, err
		}
		skip := map[string]bool{}
		for _, e := range ex {
			skip[e.name] = true
		}
		var keep []bqColumn
		for _, col := range cols {
			if !skip[col.name] {
				keep = append(keep, col)
			}
		}
		scan = keep
	}

	var rows [][]bigquery.Value
	it := t.Read(ctx)
	for {
		var r []bigquery.Value
		err := it.Next(&r)
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, nil, status.Errorf(codes.Unavailable, "reading BigQuery table %s: %v", tableName, err)
		}
		rows = append(rows, r)
	}
	// Sampling: rows_limit or rows_limit_percent rows ("The number of rows
	// scanned is rounded down"), from the first row (TOP, the default) or
	// from a random row (RANDOM_START), wrapping round.
	n := len(rows)
	if l := bo.GetRowsLimit(); l > 0 && int(l) < n {
		n = int(l)
	}
	if p := bo.GetRowsLimitPercent(); p > 0 && p < 100 {
		n = len(rows) * int(p) / 100
	}
	start := 0
	if bo.GetSampleMethod() == dlppb.BigQueryOptions_RANDOM_START && len(rows) > 0 {
		start = mrand.IntN(len(rows))
	}

	jobCfg := proto.Clone(cfg).(*dlppb.InspectConfig)
	jobCfg.Limits = nil
	ins, err := newInspector(jobCfg)
	if err != nil {
		return nil, nil, err
	}
	// Limits over the whole job: max_findings_per_request is "Max number of
	// findings that are returned per request or job"; the table is the one
	// item, so max_findings_per_item bounds it too; per-infoType limits as
	// in InspectContent. No 3,000 cap: that is InspectContent's.
	maxAll := int(cfg.GetLimits().GetMaxFindingsPerRequest())
	if m := int(cfg.GetLimits().GetMaxFindingsPerItem()); m > 0 && (maxAll == 0 || m < maxAll) {
		maxAll = m
	}
	perTypeMax := map[string]int{}
	for _, l := range cfg.GetLimits().GetMaxFindingsPerInfoType() {
		perTypeMax[l.GetInfoType().GetName()] = int(l.GetMaxFindings())
	}
	s.mu.Lock()
	jobName, jobCreate := j.pb.Name, j.pb.CreateTime
	s.mu.Unlock()
	bqTable := &dlppb.BigQueryTable{ProjectId: tr.GetProjectId(), DatasetId: tr.GetDatasetId(), TableId: tr.GetTableId()}
	var findings []*dlppb.Finding
	counts := map[string]int64{}
	var processed int64
	full := false
	for k := 0; k < n && !full; k++ {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		ri := (start + k) % len(rows)
		row := rows[ri]
		var idVals []string
		for _, col := range idCols {
			idVals = append(idVals, strings.Join(cellTexts(cellAt(row, col.path)), ","))
		}
		for _, col := range scan {
			for _, text := range cellTexts(cellAt(row, col.path)) {
				processed += int64(len(text))
				for _, sp := range ins.scanCell(col.name, text) {
					if maxAll > 0 && len(findings) >= maxAll {
						full = true
						break
					}
					if lim, ok := perTypeMax[sp.it]; ok && lim > 0 && counts[sp.it] >= int64(lim) {
						continue
					}
					f := &dlppb.Finding{
						InfoType:   &dlppb.InfoType{Name: sp.it},
						Likelihood: sp.lik,
						Location: &dlppb.Location{
							ByteRange:      &dlppb.Range{Start: int64(sp.start), End: int64(sp.end)},
							CodepointRange: &dlppb.Range{Start: int64(len([]rune(text[:sp.start]))), End: int64(len([]rune(text[:sp.end])))},
							ContentLocations: []*dlppb.ContentLocation{{
								// "BigQuery tables: {project_id}:{dataset_id}.{table_id}"
								// (ContentLocation.container_name reference).
								ContainerName: tableName,
								Location: &dlppb.ContentLocation_RecordLocation{RecordLocation: &dlppb.RecordLocation{
									RecordKey: &dlppb.RecordKey{
										Type:     &dlppb.RecordKey_BigQueryKey{BigQueryKey: &dlppb.BigQueryKey{TableReference: bqTable, RowNumber: int64(ri)}},
										IdValues: idVals,
									},
									FieldId: &dlppb.FieldId{Name: col.name},
								}},
							}},
						},
						CreateTime:    timestamppb.Now(),
						JobName:       jobName,
						ResourceName:  jobName, // "The job that stored the finding." (Finding reference)
						JobCreateTime: jobCreate,
						FindingId:     randomID() + randomID(),
					}
					// "Provided if include_quote is true and the finding is
					// less than or equal to 4096 bytes long." (Finding.quote)
					if cfg.GetIncludeQuote() && sp.end-sp.start <= 4096 {
						f.Quote = text[sp.start:sp.end]
					}
					if cfg.GetExcludeInfoTypes() {
						f.InfoType = nil
					}
					findings = append(findings, f)
					counts[sp.it]++
				}
				if full {
					break
				}
			}
			if full {
				break
			}
		}
	}
	res := &dlppb.InspectDataSourceDetails_Result{ProcessedBytes: processed, TotalEstimatedBytes: processed, NumRowsProcessed: int64(n)}
	names := make([]string, 0, len(counts))
	for it := range counts {
		names = append(names, it)
	}
	sort.Strings(names)
	for _, it := range names {
		res.InfoTypeStats = append(res.InfoTypeStats, &dlppb.InfoTypeStats{InfoType: &dlppb.InfoType{Name: it}, Count: counts[it]})
	}
	return res, findings, nil
}

// findingsTableID is the generated output table name: "If tableid is not
// set a new one will be generated for you with the following format:
// dlp_googleapis_yyyy_mm_dd_[dlp_job_id]. Pacific timezone will be used for
// generating the date details." (OutputStorageConfig.table reference).
func findingsTableID(jobName string, now time.Time) string {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err == nil {
		now = now.In(loc)
	}
	id := jobName[strings.LastIndex(jobName, "/")+1:]
	return "dlp_googleapis_" + now.Format("2006_01_02") + "_" + strings.ReplaceAll(id, "-", "_")
}

func (s *Server) saveFindings(ctx context.Context, j *dlpJob, ij *dlppb.InspectJobConfig, findings []*dlppb.Finding) error {
	for _, a := range ij.GetActions() {
		sf := a.GetSaveFindings()
		if sf == nil {
			continue
		}
		ot := sf.GetOutputConfig().GetTable()
		c, err := s.bigQuery(ot.GetProjectId())
		if err != nil {
			return status.Errorf(codes.Unavailable, "BigQuery client: %v", err)
		}
		tableID := ot.GetTableId()
		if tableID == "" {
			s.mu.Lock()
			tableID = findingsTableID(j.pb.Name, time.Now())
			s.mu.Unlock()
		}
		where := fmt.Sprintf("%s:%s.%s", ot.GetProjectId(), ot.GetDatasetId(), tableID)
		ds := c.DatasetInProject(ot.GetProjectId(), ot.GetDatasetId())
		if _, err := ds.Metadata(ctx); err != nil {
			if bqNotFound(err) {
				return status.Errorf(codes.NotFound, "save_findings: dataset %s:%s not found; findings go to an existing table or a new table in an existing dataset.", ot.GetProjectId(), ot.GetDatasetId())
			}
			return status.Errorf(codes.Unavailable, "save_findings: %v", err)
		}
		t := ds.Table(tableID)
		want := findingsSchema()
		md, err := t.Metadata(ctx)
		switch {
		case bqNotFound(err):
			if err := t.Create(ctx, &bigquery.TableMetadata{Schema: want}); err != nil {
				return status.Errorf(codes.Unavailable, "save_findings: creating %s: %v", where, err)
			}
		case err != nil:
			return status.Errorf(codes.Unavailable, "save_findings: %s: %v", where, err)
		default:
			merged, err := mergeFindingsSchema(where, md.Schema, want)
			if err != nil {
				return err
			}
			if len(merged) != len(md.Schema) {
				if _, err := t.Update(ctx, bigquery.TableMetadataToUpdate{Schema: merged}, md.ETag); err != nil {
					return status.Errorf(codes.Unavailable, "save_findings: adding the findings columns to %s: %v", where, err)
				}
			}
		}
		rows := make([]findingRow, len(findings))
		for i, f := range findings {
			rows[i] = findingRow{f: f, id: f.GetFindingId()}
		}
		for i := 0; i < len(rows); i += 500 {
			end := min(i+500, len(rows))
			if err := t.Inserter().Put(ctx, rows[i:end]); err != nil {
				return status.Errorf(codes.Unavailable, "save_findings: writing findings to %s: %v", where, err)
			}
		}
	}
	return nil
}

// mergeFindingsSchema checks an existing output table: "each column in an
// existing output table must have the same name, type, and mode of a field
// in the Finding object", and "any columns from the predefined schema that
// are missing will be added. No columns in the existing table will be
// deleted." (OutputStorageConfig reference).
func mergeFindingsSchema(where string, have, want bigquery.Schema) (bigquery.Schema, error) {
	byName := map[string]*bigquery.FieldSchema{}
	for _, f := range want {
		byName[f.Name] = f
	}
	seen := map[string]bool{}
	for _, f := range have {
		w, ok := byName[f.Name]
		if !ok || w.Type != f.Type || w.Repeated != f.Repeated || f.Required {
			return nil, status.Errorf(codes.InvalidArgument, "save_findings: column %q of the existing table %s is not a field of the Finding object with the same name, type and mode; use a new table or one written by a previous job.", f.Name, where)
		}
		seen[f.Name] = true
	}
	out := append(bigquery.Schema{}, have...)
	for _, f := range want {
		if !seen[f.Name] {
			out = append(out, f)
		}
	}
	return out, nil
}

func (s *Server) job(name string) (*dlpJob, error) {
	js := s.jobsLocked()
	j, ok := js.m[canonical(name)]
	if !ok {
		return nil, jobNotFound(name)
	}
	return j, nil
}

// GetDlpJob implements DlpService.GetDlpJob.
func (s *Server) GetDlpJob(ctx context.Context, req *dlppb.GetDlpJobRequest) (*dlppb.DlpJob, error) {
	if err := s.check("GetDlpJob"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(req.GetName())
	if err != nil {
		return nil, err
	}
	return proto.Clone(j.pb).(*dlppb.DlpJob), nil
}

// CancelDlpJob implements DlpService.CancelDlpJob: a PENDING or RUNNING
// job becomes CANCELED and runs no actions. A job that has ended answers
// FAILED_PRECONDITION (the emulator's choice: the reference says only that
// cancellation is best effort).
func (s *Server) CancelDlpJob(ctx context.Context, req *dlppb.CancelDlpJobRequest) (*emptypb.Empty, error) {
	if err := s.check("CancelDlpJob"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	j, err := s.job(req.GetName())
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	switch j.pb.State {
	case dlppb.DlpJob_PENDING, dlppb.DlpJob_RUNNING, dlppb.DlpJob_ACTIVE:
		j.pb.State = dlppb.DlpJob_CANCELED
		j.pb.EndTime = timestamppb.Now()
		j.cancel()
	default:
		st := j.pb.State
		s.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "DlpJob %q is %s; only a PENDING, RUNNING or ACTIVE job can be canceled.", req.GetName(), st)
	}
	done := j.done
	s.mu.Unlock()
	<-done
	return &emptypb.Empty{}, nil
}

// DeleteDlpJob implements DlpService.DeleteDlpJob: "The job will be
// canceled if possible." (reference), then it is gone.
func (s *Server) DeleteDlpJob(ctx context.Context, req *dlppb.DeleteDlpJobRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteDlpJob"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	j, err := s.job(req.GetName())
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if j.pb.State == dlppb.DlpJob_PENDING || j.pb.State == dlppb.DlpJob_RUNNING || j.pb.State == dlppb.DlpJob_ACTIVE {
		j.pb.State = dlppb.DlpJob_CANCELED
		j.cancel()
	}
	js := s.jobsLocked()
	key := canonical(req.GetName())
	delete(js.m, key)
	for i, k := range js.order {
		if k == key {
			js.order = append(js.order[:i], js.order[i+1:]...)
			break
		}
	}
	done := j.done
	s.mu.Unlock()
	<-done
	return &emptypb.Empty{}, nil
}

// ListDlpJobs implements DlpService.ListDlpJobs: jobs under the parent of
// the requested type (INSPECT_JOB by default: "Defaults to
// DlpJobType.INSPECT"), filtered and ordered as the reference describes.
func (s *Server) ListDlpJobs(ctx context.Context, req *dlppb.ListDlpJobsRequest) (*dlppb.ListDlpJobsResponse, error) {
	if err := s.check("ListDlpJobs"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q: want projects/PROJECT or projects/PROJECT/locations/LOCATION.", req.GetParent())
	}
	if len(req.GetFilter()) > 500 {
		return nil, invalid("filter must be at most 500 characters; got %d.", len(req.GetFilter()))
	}
	match, err := parseJobFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	less, err := jobOrder(req.GetOrderBy())
	if err != nil {
		return nil, err
	}
	typ := req.GetType()
	if typ == dlppb.DlpJobType_DLP_JOB_TYPE_UNSPECIFIED {
		typ = dlppb.DlpJobType_INSPECT_JOB
	}
	prefix := canonical(req.GetParent() + "/dlpJobs/x")
	prefix = prefix[:len(prefix)-1]
	s.mu.Lock()
	js := s.jobsLocked()
	var all []*dlppb.DlpJob
	for _, k := range js.order {
		j := js.m[k]
		if strings.HasPrefix(k, prefix) && j.pb.Type == typ && match(j.pb) {
			all = append(all, proto.Clone(j.pb).(*dlppb.DlpJob))
		}
	}
	s.mu.Unlock()
	if less != nil {
		sort.SliceStable(all, func(a, b int) bool { return less(all[a], all[b]) })
	}
	page, next, err := pageOf(all, req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	out := &dlppb.ListDlpJobsResponse{Jobs: page, NextPageToken: next}
	return out, nil
}

// jobStateName is a state as the list filter names it: the reference lists
// "PENDING|RUNNING|CANCELED|FINISHED|FAILED" and its examples write
// "state = done", so DONE answers to both.
func jobStateMatches(st dlppb.DlpJob_JobState, v string) bool {
	v = strings.ToUpper(v)
	if v == "FINISHED" {
		v = "DONE"
	}
	return st.String() == v
}

var filterTokenRE = regexp.MustCompile(`\s*(\(|\)|!=|=|"[^"]*"|[^\s()!=]+)`)

// parseJobFilter parses the documented filter syntax: restrictions
// `field = value` or `field != value` on state, inspected_storage and
// trigger_name, combined with AND, OR (AND binds tighter; a sequence of
// restrictions is an AND) and parentheses. end_time and start_time
// comparisons are refused with UNIMPLEMENTED.
func parseJobFilter(f string) (func(*dlppb.DlpJob) bool, error) {
	if strings.TrimSpace(f) == "" {
		return func(*dlppb.DlpJob) bool { return true }, nil
	}
	var toks []string
	rest := f
	for strings.TrimSpace(rest) != "" {
		m := filterTokenRE.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 {
			return nil, invalid("filter %q: cannot read %q.", f, strings.TrimSpace(rest))
		}
		toks = append(toks, rest[m[2]:m[3]])
		rest = rest[m[1]:]
	}
	p := &filterParser{toks: toks, src: f}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, invalid("filter %q: unexpected %q.", f, p.toks[p.i])
	}
	return e, nil
}

type filterParser struct {
	toks []string
	i    int
	src  string
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) or() (func(*dlppb.DlpJob) bool, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "OR") {
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(j *dlppb.DlpJob) bool { return a(j) || b(j) }
	}
	return l, nil
}

func (p *filterParser) and() (func(*dlppb.DlpJob) bool, error) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t == "" || t == ")" || strings.EqualFold(t, "OR") {
			return l, nil
		}
		if strings.EqualFold(t, "AND") {
			p.i++
		}
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(j *dlppb.DlpJob) bool { return a(j) && b(j) }
	}
}

func (p *filterParser) term() (func(*dlppb.DlpJob) bool, error) {
	if p.peek() == "(" {
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, invalid("filter %q: missing ).", p.src)
		}
		p.i++
		return e, nil
	}
	if p.i+3 > len(p.toks) {
		return nil, invalid("filter %q: want restrictions of the form {field} {operator} {value}.", p.src)
	}
	field, op, val := strings.ToLower(p.toks[p.i]), p.toks[p.i+1], strings.Trim(p.toks[p.i+2], `"`)
	p.i += 3
	if op != "=" && op != "!=" {
		if field == "end_time" || field == "start_time" {
			return nil, unsupported("ListDlpJobs filter on "+field, "filter on state, inspected_storage or trigger_name")
		}
		return nil, invalid("filter %q: the operator must be = or !=; got %q.", p.src, op)
	}
	var test func(*dlppb.DlpJob) bool
	switch field {
	case "state":
		test = func(j *dlppb.DlpJob) bool { return jobStateMatches(j.GetState(), val) }
	case "inspected_storage":
		v := strings.ToUpper(val)
		if v != "BIGQUERY" && v != "CLOUD_STORAGE" && v != "DATASTORE" {
			return nil, invalid("filter %q: inspected_storage is DATASTORE, CLOUD_STORAGE or BIGQUERY; got %q.", p.src, val)
		}
		test = func(j *dlppb.DlpJob) bool {
			return v == "BIGQUERY" && j.GetInspectDetails().GetRequestedOptions().GetJobConfig().GetStorageConfig().GetBigQueryOptions() != nil
		}
	case "trigger_name":
		test = func(j *dlppb.DlpJob) bool { return j.GetJobTriggerName() == val }
	case "end_time", "start_time":
		return nil, unsupported("ListDlpJobs filter on "+field, "filter on state, inspected_storage or trigger_name")
	default:
		return nil, invalid("filter %q: unknown field %q (supported: state, inspected_storage, trigger_name, end_time, start_time).", p.src, field)
	}
	if op == "!=" {
		t := test
		test = func(j *dlppb.DlpJob) bool { return !t(j) }
	}
	return test, nil
}

// jobOrder parses order_by: "Comma separated list of fields to order by,
// followed by asc or desc postfix ... Supported fields are: create_time,
// end_time, name, state" (ListDlpJobsRequest.order_by reference).
func jobOrder(spec string) (func(a, b *dlppb.DlpJob) bool, error) {
	return parseOrderBy(spec, map[string]func(a, b *dlppb.DlpJob) int{
		"create_time": func(a, b *dlppb.DlpJob) int { return a.GetCreateTime().AsTime().Compare(b.GetCreateTime().AsTime()) },
		"end_time":    func(a, b *dlppb.DlpJob) int { return a.GetEndTime().AsTime().Compare(b.GetEndTime().AsTime()) },
		"name":        func(a, b *dlppb.DlpJob) int { return strings.Compare(a.GetName(), b.GetName()) },
		"state":       func(a, b *dlppb.DlpJob) int { return strings.Compare(a.GetState().String(), b.GetState().String()) },
	}, "create_time, end_time, name and state")
}
