package dlp

import (
	"context"
	"crypto/rand"
	"math/big"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Job triggers (CreateJobTrigger and the trigger RPCs) over BigQuery
// inspect jobs.
//
// Behaviour follows the JobTrigger and Schedule references: a trigger holds
// an inspect_job and a list of triggers "OR'ed together" that "may contain
// only a single Schedule trigger and must have at least one object"; a
// schedule's recurrence_period_duration is "greater than or equal to 1 day
// and can be no longer than 60 days"; "If PAUSED or CANCELLED, no jobs will
// be created"; a CANCELLED trigger "can not be resumed"; "A scheduled start
// time will be skipped if the previous execution has not ended"; errors of
// the jobs it started are kept (the last 100) and "Whenever the JobTrigger
// is modified this list will be cleared". ActivateJobTrigger starts a job at
// once. Jobs started by a trigger carry its name in job_trigger_name, so
// ListDlpJobs' trigger_name filter finds them.
//
// Scheduled runs: a HEALTHY trigger with a schedule is due period after its
// last run (or its creation). The emulator checks once a minute
// (Options.TriggerTick) on the wall clock; RunDueTriggers runs the check for
// a given time, so a test can see a day pass without waiting for it.
// HybridInspectJobTrigger stays UNIMPLEMENTED (hybrid inspection is not
// emulated).

type triggerStore struct {
	m       map[string]*dlppb.JobTrigger // by canonical name
	order   []string
	started bool
}

const (
	minTriggerPeriod = 24 * time.Hour
	maxTriggerPeriod = 60 * 24 * time.Hour
	maxTriggerErrors = 100
)

func triggerNotFound(name string) error {
	return status.Errorf(codes.NotFound, "JobTrigger %q not found.", name)
}

func newTriggerID() string {
	// The reference's example name: projects/dlp-test-project/jobTriggers/53234423.
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n.String()
}

// validateTrigger checks a trigger's user fields; it returns the inspect
// config its jobs use.
func (s *Server) validateTrigger(t *dlppb.JobTrigger, field string) (*dlppb.InspectConfig, error) {
	if len(t.GetDisplayName()) > 100 {
		return nil, invalid("%s.display_name is at most 100 characters; got %d.", field, len(t.GetDisplayName()))
	}
	if len(t.GetDescription()) > 256 {
		return nil, invalid("%s.description is at most 256 characters; got %d.", field, len(t.GetDescription()))
	}
	ij := t.GetInspectJob()
	if ij == nil {
		return nil, invalid("%s.inspect_job is required (the job trigger's job).", field)
	}
	cfg, err := s.validateInspectJob(ij)
	if err != nil {
		return nil, err
	}
	if len(t.GetTriggers()) == 0 {
		return nil, invalid("%s.triggers must have at least one trigger (a schedule or manual).", field)
	}
	schedules := 0
	for i, tr := range t.GetTriggers() {
		switch {
		case tr.GetSchedule() != nil && isHybrid(ij):
			// Manual: "For use with hybrid jobs. Jobs must be manually
			// created and finished."
			return nil, invalid("%s.triggers[%d]: a trigger over hybrid_options takes a manual trigger, not a schedule (hybrid jobs are created by HybridInspectJobTrigger or ActivateJobTrigger and ended by FinishDlpJob).", field, i)
		case tr.GetSchedule() != nil:
			schedules++
			d := tr.GetSchedule().GetRecurrencePeriodDuration()
			if d == nil {
				return nil, invalid("%s.triggers[%d].schedule.recurrence_period_duration is required.", field, i)
			}
			if p := d.AsDuration(); p < minTriggerPeriod || p > maxTriggerPeriod {
				return nil, invalid("%s.triggers[%d].schedule.recurrence_period_duration must be between 1 day and 60 days; got %s.", field, i, p)
			}
		case tr.GetManual() != nil:
		default:
			return nil, invalid("%s.triggers[%d] must set schedule or manual.", field, i)
		}
	}
	if schedules > 1 {
		return nil, invalid("%s.triggers may contain only a single Schedule trigger; got %d.", field, schedules)
	}
	if t.GetStatus() == dlppb.JobTrigger_STATUS_UNSPECIFIED {
		return nil, invalid("%s.status is required (HEALTHY, PAUSED or CANCELLED).", field)
	}
	return cfg, nil
}

// CreateJobTrigger implements DlpService.CreateJobTrigger.
func (s *Server) CreateJobTrigger(ctx context.Context, req *dlppb.CreateJobTriggerRequest) (_ *dlppb.JobTrigger, err error) {
	defer recoverInternal(&err)
	if err := s.check("CreateJobTrigger"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q: want projects/PROJECT or projects/PROJECT/locations/LOCATION.", req.GetParent())
	}
	t := req.GetJobTrigger()
	if t == nil {
		return nil, invalid("job_trigger is required.")
	}
	// "The trigger id can contain uppercase and lowercase letters, numbers,
	// and hyphens; that is, it must match the regular expression:
	// [a-zA-Z\d-_]+. The maximum length is 100 characters."
	id := req.GetTriggerId()
	if id != "" && (len(id) > 100 || !jobIDRE.MatchString(id)) {
		return nil, invalid("trigger_id %q must match [a-zA-Z\\d-_]+ and be at most 100 characters.", id)
	}
	if _, err := s.validateTrigger(t, "job_trigger"); err != nil {
		return nil, err
	}
	if id == "" {
		id = newTriggerID()
	}
	parent := req.GetParent()
	if !strings.Contains(parent, "/locations/") {
		parent += "/locations/global"
	}
	out := proto.Clone(t).(*dlppb.JobTrigger)
	out.Name = parent + "/jobTriggers/" + id
	out.Errors, out.LastRunTime = nil, nil
	s.mu.Lock()
	ts := s.triggersLocked()
	key := canonical(out.Name)
	if _, ok := ts.m[key]; ok {
		s.mu.Unlock()
		return nil, status.Errorf(codes.AlreadyExists, "JobTrigger %q already exists.", out.Name)
	}
	out.CreateTime = s.stamp()
	out.UpdateTime = out.CreateTime
	ts.m[key] = out
	ts.order = append(ts.order, key)
	if !ts.started {
		ts.started = true
		go s.tickTriggers(s.jobsLocked().ctx)
	}
	res := proto.Clone(out).(*dlppb.JobTrigger)
	s.mu.Unlock()
	return res, nil
}

func (s *Server) triggersLocked() *triggerStore {
	if s.triggers.m == nil {
		s.triggers.m = map[string]*dlppb.JobTrigger{}
	}
	return &s.triggers
}

// GetJobTrigger implements DlpService.GetJobTrigger.
func (s *Server) GetJobTrigger(ctx context.Context, req *dlppb.GetJobTriggerRequest) (*dlppb.JobTrigger, error) {
	if err := s.check("GetJobTrigger"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.triggersLocked().m[canonical(req.GetName())]
	if !ok {
		return nil, triggerNotFound(req.GetName())
	}
	return proto.Clone(t).(*dlppb.JobTrigger), nil
}

// ListJobTriggers implements DlpService.ListJobTriggers: order_by
// create_time, update_time, name, display_name or status (asc or desc);
// filter status and inspected_storage with = or !=, joined by AND or OR;
// page_size and page_token.
func (s *Server) ListJobTriggers(ctx context.Context, req *dlppb.ListJobTriggersRequest) (*dlppb.ListJobTriggersResponse, error) {
	if err := s.check("ListJobTriggers"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q: want projects/PROJECT or projects/PROJECT/locations/LOCATION.", req.GetParent())
	}
	match, err := parseTriggerFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	less, err := triggerOrder(req.GetOrderBy())
	if err != nil {
		return nil, err
	}
	if req.GetType() == dlppb.DlpJobType_RISK_ANALYSIS_JOB {
		return &dlppb.ListJobTriggersResponse{}, nil // risk analysis triggers cannot be created here
	}
	prefix := canonical(req.GetParent() + "/jobTriggers/x")
	prefix = prefix[:len(prefix)-1]
	s.mu.Lock()
	ts := s.triggersLocked()
	var all []*dlppb.JobTrigger
	for _, k := range ts.order {
		if t := ts.m[k]; t != nil && strings.HasPrefix(k, prefix) && match(t) {
			all = append(all, proto.Clone(t).(*dlppb.JobTrigger))
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
	out := &dlppb.ListJobTriggersResponse{JobTriggers: page, NextPageToken: next}
	return out, nil
}

func parseTriggerFilter(src string) (func(*dlppb.JobTrigger) bool, error) {
	if strings.TrimSpace(src) == "" {
		return func(*dlppb.JobTrigger) bool { return true }, nil
	}
	if len(src) > 500 {
		return nil, invalid("filter must be at most 500 characters; got %d.", len(src))
	}
	// Conjunctions (AND) of disjunctions (OR) of field op value, as the
	// ListJobTriggers reference describes; no parentheses.
	var ors []func(*dlppb.JobTrigger) bool
	for _, disj := range splitWord(src, "OR") {
		var ands []func(*dlppb.JobTrigger) bool
		for _, term := range splitWord(disj, "AND") {
			f, err := triggerTerm(src, term)
			if err != nil {
				return nil, err
			}
			ands = append(ands, f)
		}
		ors = append(ors, func(t *dlppb.JobTrigger) bool {
			for _, f := range ands {
				if !f(t) {
					return false
				}
			}
			return true
		})
	}
	return func(t *dlppb.JobTrigger) bool {
		for _, f := range ors {
			if f(t) {
				return true
			}
		}
		return false
	}, nil
}

// splitWord splits s on the whole word w (case-insensitive).
func splitWord(s, w string) []string {
	var out, cur []string
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, w) {
			out = append(out, strings.Join(cur, " "))
			cur = nil
			continue
		}
		cur = append(cur, f)
	}
	return append(out, strings.Join(cur, " "))
}

func triggerTerm(src, term string) (func(*dlppb.JobTrigger) bool, error) {
	op := "="
	if strings.Contains(term, "!=") {
		op = "!="
	}
	field, val, ok := strings.Cut(term, op)
	if !ok {
		return nil, invalid("filter %q: want restrictions of the form {field} {operator} {value}; got %q.", src, term)
	}
	field, val = strings.ToLower(strings.TrimSpace(field)), strings.ToUpper(strings.Trim(strings.TrimSpace(val), `"`))
	var test func(*dlppb.JobTrigger) bool
	switch field {
	case "status":
		if _, ok := dlppb.JobTrigger_Status_value[val]; !ok || val == "STATUS_UNSPECIFIED" {
			return nil, invalid("filter %q: status is HEALTHY, PAUSED or CANCELLED; got %q.", src, val)
		}
		test = func(t *dlppb.JobTrigger) bool { return t.GetStatus().String() == val }
	case "inspected_storage":
		if val != "BIGQUERY" && val != "CLOUD_STORAGE" && val != "DATASTORE" {
			return nil, invalid("filter %q: inspected_storage is DATASTORE, CLOUD_STORAGE or BIGQUERY; got %q.", src, val)
		}
		test = func(t *dlppb.JobTrigger) bool {
			return val == "BIGQUERY" && t.GetInspectJob().GetStorageConfig().GetBigQueryOptions() != nil
		}
	case "last_run_time", "update_time", "create_time", "error_count":
		return nil, unsupported("ListJobTriggers filter on "+field, "filter on status or inspected_storage")
	default:
		return nil, invalid("filter %q: unknown field %q (supported: status, inspected_storage).", src, field)
	}
	if op == "!=" {
		t := test
		test = func(x *dlppb.JobTrigger) bool { return !t(x) }
	}
	return test, nil
}

// triggerOrder parses order_by: create_time, update_time, name,
// display_name, status, each optionally asc or desc.
func triggerOrder(spec string) (func(a, b *dlppb.JobTrigger) bool, error) {
	return parseOrderBy(spec, map[string]func(a, b *dlppb.JobTrigger) int{
		"create_time": func(a, b *dlppb.JobTrigger) int {
			return a.GetCreateTime().AsTime().Compare(b.GetCreateTime().AsTime())
		},
		"update_time": func(a, b *dlppb.JobTrigger) int {
			return a.GetUpdateTime().AsTime().Compare(b.GetUpdateTime().AsTime())
		},
		"name":         func(a, b *dlppb.JobTrigger) int { return strings.Compare(a.GetName(), b.GetName()) },
		"display_name": func(a, b *dlppb.JobTrigger) int { return strings.Compare(a.GetDisplayName(), b.GetDisplayName()) },
		"status": func(a, b *dlppb.JobTrigger) int {
			return strings.Compare(a.GetStatus().String(), b.GetStatus().String())
		},
	}, "create_time, update_time, name, display_name and status")
}

// UpdateJobTrigger implements DlpService.UpdateJobTrigger. update_mask
// names the fields replaced (display_name, description, inspect_job,
// triggers, status); without one, all of them are.
func (s *Server) UpdateJobTrigger(ctx context.Context, req *dlppb.UpdateJobTriggerRequest) (_ *dlppb.JobTrigger, err error) {
	defer recoverInternal(&err)
	if err := s.check("UpdateJobTrigger"); err != nil {
		return nil, err
	}
	in := req.GetJobTrigger()
	if in == nil {
		return nil, invalid("job_trigger is required.")
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = []string{"display_name", "description", "inspect_job", "triggers", "status"}
	}
	s.mu.Lock()
	cur, ok := s.triggersLocked().m[canonical(req.GetName())]
	var next *dlppb.JobTrigger
	if ok {
		next = proto.Clone(cur).(*dlppb.JobTrigger)
	}
	s.mu.Unlock()
	if !ok {
		return nil, triggerNotFound(req.GetName())
	}
	for _, p := range paths {
		switch p {
		case "display_name":
			next.DisplayName = in.GetDisplayName()
		case "description":
			next.Description = in.GetDescription()
		case "inspect_job":
			next.Job = &dlppb.JobTrigger_InspectJob{InspectJob: in.GetInspectJob()}
		case "triggers":
			next.Triggers = in.GetTriggers()
		case "status":
			next.Status = in.GetStatus()
		default:
			return nil, invalid("update_mask path %q cannot be updated (supported: display_name, description, inspect_job, triggers, status).", p)
		}
	}
	if cur.GetStatus() == dlppb.JobTrigger_CANCELLED && next.GetStatus() != dlppb.JobTrigger_CANCELLED {
		return nil, status.Errorf(codes.FailedPrecondition, "JobTrigger %q is CANCELLED and can not be resumed; create a new trigger.", req.GetName())
	}
	if _, err := s.validateTrigger(next, "job_trigger"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.triggersLocked()
	key := canonical(req.GetName())
	if _, ok := ts.m[key]; !ok {
		return nil, triggerNotFound(req.GetName())
	}
	next.Errors = nil // "Whenever the JobTrigger is modified this list will be cleared."
	next.UpdateTime = s.stamp()
	ts.m[key] = next
	return proto.Clone(next).(*dlppb.JobTrigger), nil
}

// DeleteJobTrigger implements DlpService.DeleteJobTrigger. Jobs it started
// are kept.
func (s *Server) DeleteJobTrigger(ctx context.Context, req *dlppb.DeleteJobTriggerRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteJobTrigger"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.triggersLocked()
	key := canonical(req.GetName())
	if _, ok := ts.m[key]; !ok {
		return nil, triggerNotFound(req.GetName())
	}
	delete(ts.m, key)
	for i, k := range ts.order {
		if k == key {
			ts.order = append(ts.order[:i], ts.order[i+1:]...)
			break
		}
	}
	return &emptypb.Empty{}, nil
}

// ActivateJobTrigger implements DlpService.ActivateJobTrigger: a job now,
// "instead of waiting on the trigger event to occur". A PAUSED or
// CANCELLED trigger creates no job.
func (s *Server) ActivateJobTrigger(ctx context.Context, req *dlppb.ActivateJobTriggerRequest) (_ *dlppb.DlpJob, err error) {
	defer recoverInternal(&err)
	if err := s.check("ActivateJobTrigger"); err != nil {
		return nil, err
	}
	return s.runTrigger(req.GetName(), time.Now())
}

// runTrigger starts a job from the trigger and records the run.
func (s *Server) runTrigger(name string, now time.Time) (*dlppb.DlpJob, error) {
	s.mu.Lock()
	t, ok := s.triggersLocked().m[canonical(name)]
	if !ok {
		s.mu.Unlock()
		return nil, triggerNotFound(name)
	}
	if t.GetStatus() != dlppb.JobTrigger_HEALTHY {
		s.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "JobTrigger %q is %s: no jobs are created; set its status to HEALTHY with UpdateJobTrigger.", name, t.GetStatus())
	}
	ij := proto.Clone(t.GetInspectJob()).(*dlppb.InspectJobConfig)
	full := t.GetName()
	t.LastRunTime = timestamppb.New(now)
	s.mu.Unlock()
	cfg, err := s.validateInspectJob(ij)
	if err != nil {
		return nil, err
	}
	parent := full[:strings.Index(full, "/jobTriggers/")]
	return s.startInspectJob(parent, "", ij, cfg, full)
}

// triggerFailed keeps a failed job's error on its trigger (the last 100).
func (s *Server) triggerFailed(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.triggersLocked().m[canonical(name)]; ok {
		t.Errors = append(t.Errors, jobError(err))
		if n := len(t.Errors); n > maxTriggerErrors {
			t.Errors = t.Errors[n-maxTriggerErrors:]
		}
	}
}

// RunDueTriggers starts a job for every HEALTHY scheduled trigger whose
// period has passed by now since its last run (or its creation), skipping
// one whose previous job has not ended. It returns the names of the jobs
// started. The emulator calls it every Options.TriggerTick; tests call it
// with a later now.
func (s *Server) RunDueTriggers(now time.Time) []string {
	s.mu.Lock()
	ts := s.triggersLocked()
	running := map[string]bool{}
	for _, j := range s.jobsLocked().m {
		if tn := j.pb.GetJobTriggerName(); tn != "" && (j.pb.State == dlppb.DlpJob_PENDING || j.pb.State == dlppb.DlpJob_RUNNING) {
			running[canonical(tn)] = true
		}
	}
	var due []string
	for _, k := range ts.order {
		t := ts.m[k]
		if t.GetStatus() != dlppb.JobTrigger_HEALTHY || running[k] {
			continue
		}
		for _, tr := range t.GetTriggers() {
			d := tr.GetSchedule().GetRecurrencePeriodDuration()
			if d == nil {
				continue
			}
			last := t.GetCreateTime().AsTime()
			if t.GetLastRunTime() != nil {
				last = t.GetLastRunTime().AsTime()
			}
			if !now.Before(last.Add(d.AsDuration())) {
				due = append(due, t.GetName())
			}
		}
	}
	s.mu.Unlock()
	var started []string
	for _, name := range due {
		j, err := s.runTrigger(name, now)
		if err != nil {
			s.triggerFailed(name, err)
			continue
		}
		started = append(started, j.GetName())
	}
	return started
}

func (s *Server) tickTriggers(ctx context.Context) {
	tick := s.opts.TriggerTick
	if tick <= 0 {
		tick = time.Minute
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.RunDueTriggers(now)
		}
	}
}
