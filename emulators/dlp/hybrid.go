package dlp

import (
	"context"
	"regexp"
	"sort"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Hybrid jobs: CreateDlpJob (or a job trigger) with storage_config
// hybrid_options makes a job that is ACTIVE at once ("The job is currently
// accepting findings via hybridInspect"); HybridInspectDlpJob inspects one
// item sent by the caller into it, HybridInspectJobTrigger into the
// trigger's ACTIVE job (made when there is none); FinishDlpJob runs the
// job's actions (save_findings, pub_sub) over every finding collected and
// ends it DONE (or FAILED). Choices where the reference does not say how
// the live service behaves are in the README's hybrid section.

type hybridJob struct {
	ij        *dlppb.InspectJobConfig
	cfg       *dlppb.InspectConfig
	ins       *inspector
	findings  []*dlppb.Finding
	counts    map[string]int64
	bytes     int64
	processed int64
	aborted   int64
	finishing bool
}

// labelKeyRE is the documented form of a label key: "[a-z]([-a-z0-9]*[a-z0-9])?",
// 1 to 63 characters (HybridOptions.labels).
var labelKeyRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

func checkLabels(field string, labels map[string]string) error {
	if len(labels) > 10 {
		return invalid("%s: at most 10 labels; got %d.", field, len(labels))
	}
	for k, v := range labels {
		if len(k) > 63 || !labelKeyRE.MatchString(k) {
			return invalid("%s: label key %q must match [a-z]([-a-z0-9]*[a-z0-9])? and be 1 to 63 characters.", field, k)
		}
		if len(v) > 63 || v != "" && !labelKeyRE.MatchString(v) {
			return invalid("%s: label value %q of %q must match [a-z]([-a-z0-9]*[a-z0-9])? and be at most 63 characters.", field, v, k)
		}
	}
	return nil
}

func validateHybridOptions(h *dlppb.HybridOptions) error {
	if len(h.GetDescription()) > 10000 {
		return invalid("hybrid_options.description is at most 10,000 characters.")
	}
	if len(h.GetRequiredFindingLabelKeys()) > 10 {
		return invalid("hybrid_options.required_finding_label_keys: at most 10 keys.")
	}
	for _, k := range h.GetRequiredFindingLabelKeys() {
		if len(k) > 63 || !labelKeyRE.MatchString(k) {
			return invalid("hybrid_options.required_finding_label_keys: %q must match [a-z]([-a-z0-9]*[a-z0-9])? and be 1 to 63 characters.", k)
		}
	}
	return checkLabels("hybrid_options.labels", h.GetLabels())
}

func isHybrid(ij *dlppb.InspectJobConfig) bool {
	return ij.GetStorageConfig().GetHybridOptions() != nil
}

// newHybridJob prepares the hybrid state of a job created ACTIVE.
func newHybridJob(ij *dlppb.InspectJobConfig, cfg *dlppb.InspectConfig) (*hybridJob, error) {
	ins, err := newInspector(cfg)
	if err != nil {
		return nil, err
	}
	return &hybridJob{ij: ij, cfg: cfg, ins: ins, counts: map[string]int64{}}, nil
}

// itemBytes is what a hybrid item adds to processed_bytes: the bytes of
// its text, as a BigQuery job counts the bytes of its cells.
func itemBytes(it *dlppb.ContentItem) int64 {
	switch {
	case it.GetTable() != nil:
		var n int64
		for _, r := range it.GetTable().GetRows() {
			for _, v := range r.GetValues() {
				n += int64(len(valueText(v)))
			}
		}
		return n
	case it.GetByteItem() != nil:
		return int64(len(it.GetByteItem().GetData()))
	}
	return int64(len(it.GetValue()))
}

// hybridInspect inspects one hybrid item into the ACTIVE hybrid job j.
func (s *Server) hybridInspect(j *dlpJob, hi *dlppb.HybridContentItem) error {
	if hi.GetItem() == nil {
		return invalid("hybrid_item.item is required.")
	}
	s.mu.Lock()
	h := j.hybrid
	name, state := j.pb.GetName(), j.pb.GetState()
	s.mu.Unlock()
	if h == nil {
		return status.Errorf(codes.FailedPrecondition, "DlpJob %q is not a hybrid job (its storage_config has no hybrid_options).", name)
	}
	if state != dlppb.DlpJob_ACTIVE || h.finishing {
		return status.Errorf(codes.FailedPrecondition, "DlpJob %q is %s: only an ACTIVE hybrid job accepts hybridInspect.", name, state)
	}
	fd := hi.GetFindingDetails()
	reject := func(err error) error {
		s.mu.Lock()
		h.aborted++
		s.updateHybridResult(j)
		s.mu.Unlock()
		return err
	}
	if err := checkLabels("hybrid_item.finding_details.labels", fd.GetLabels()); err != nil {
		return reject(err)
	}
	for _, k := range h.ij.GetStorageConfig().GetHybridOptions().GetRequiredFindingLabelKeys() {
		if _, ok := fd.GetLabels()[k]; !ok {
			// "If a hybrid item doesn't contain these labels, it's rejected."
			return reject(invalid("hybrid_item.finding_details.labels lacks the required label %q (hybrid_options.required_finding_label_keys).", k))
		}
	}
	if err := checkItem(hi.GetItem()); err != nil {
		return reject(err)
	}
	if proto.Size(hi) > maxRequestBytes {
		return reject(invalid("hybrid_item is %d bytes; the limit is %d.", proto.Size(hi), maxRequestBytes))
	}
	findings, _ := h.ins.inspectItem(hi.GetItem())

	idFields := fd.GetTableOptions().GetIdentifyingFields()
	if len(idFields) == 0 {
		idFields = h.ij.GetStorageConfig().GetHybridOptions().GetTableOptions().GetIdentifyingFields()
	}
	var idCols []int
	if tbl := hi.GetItem().GetTable(); tbl != nil {
		for _, f := range idFields {
			col := -1
			for i, hd := range tbl.GetHeaders() {
				if hd.GetName() == f.GetName() {
					col = i
				}
			}
			if col < 0 {
				return reject(invalid("table_options.identifying_fields: the table has no column %q.", f.GetName()))
			}
			idCols = append(idCols, col)
		}
	}
	labels := map[string]string{}
	for k, v := range h.ij.GetStorageConfig().GetHybridOptions().GetLabels() {
		labels[k] = v
	}
	for k, v := range fd.GetLabels() {
		labels[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := timestamppb.Now()
	for _, f := range findings {
		f.CreateTime = now
		f.JobName = j.pb.GetName()
		f.ResourceName = j.pb.GetName()
		f.JobCreateTime = j.pb.GetCreateTime()
		f.FindingId = randomID() + randomID()
		if len(labels) > 0 {
			f.Labels = labels
		}
		loc := f.GetLocation()
		if c := fd.GetContainerDetails(); c != nil {
			loc.Container = proto.Clone(c).(*dlppb.Container)
		}
		if off := fd.GetFileOffset(); off > 0 && loc.GetByteRange() != nil {
			loc.ByteRange.Start += off
			loc.ByteRange.End += off
		}
		for _, cl := range loc.GetContentLocations() {
			if c := fd.GetContainerDetails(); c.GetFullPath() != "" {
				cl.ContainerName = c.GetFullPath()
			}
			tl := cl.GetRecordLocation().GetTableLocation()
			if tl == nil {
				continue
			}
			row := tl.GetRowIndex()
			if len(idCols) > 0 && int(row) < len(hi.GetItem().GetTable().GetRows()) {
				vals := hi.GetItem().GetTable().GetRows()[row].GetValues()
				var ids []string
				for _, c := range idCols {
					if c < len(vals) {
						ids = append(ids, valueText(vals[c]))
					} else {
						ids = append(ids, "")
					}
				}
				cl.GetRecordLocation().RecordKey = &dlppb.RecordKey{IdValues: ids}
			}
			tl.RowIndex = row + fd.GetRowOffset()
		}
		if f.GetInfoType() != nil {
			h.counts[f.GetInfoType().GetName()]++
		}
	}
	h.findings = append(h.findings, findings...)
	h.bytes += itemBytes(hi.GetItem())
	h.processed++
	s.updateHybridResult(j)
	return nil
}

// updateHybridResult refreshes the job's result from its hybrid state. The
// caller holds s.mu.
func (s *Server) updateHybridResult(j *dlpJob) {
	h := j.hybrid
	res := &dlppb.InspectDataSourceDetails_Result{ProcessedBytes: h.bytes, TotalEstimatedBytes: h.bytes,
		HybridStats: &dlppb.HybridInspectStatistics{ProcessedCount: h.processed, AbortedCount: h.aborted}}
	names := make([]string, 0, len(h.counts))
	for n := range h.counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		res.InfoTypeStats = append(res.InfoTypeStats, &dlppb.InfoTypeStats{InfoType: &dlppb.InfoType{Name: n}, Count: h.counts[n]})
	}
	j.pb.GetInspectDetails().Result = res
}

// HybridInspectDlpJob implements DlpService.HybridInspectDlpJob.
func (s *Server) HybridInspectDlpJob(ctx context.Context, req *dlppb.HybridInspectDlpJobRequest) (_ *dlppb.HybridInspectResponse, err error) {
	defer recoverInternal(&err)
	if err := s.check("HybridInspectDlpJob"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	j, err := s.job(req.GetName())
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := s.hybridInspect(j, req.GetHybridItem()); err != nil {
		return nil, err
	}
	return &dlppb.HybridInspectResponse{}, nil
}

// FinishDlpJob implements DlpService.FinishDlpJob: "Finish a running
// hybrid DlpJob. Triggers the finalization steps and running of any enabled
// actions that have not yet run." Here the actions run before it answers.
func (s *Server) FinishDlpJob(ctx context.Context, req *dlppb.FinishDlpJobRequest) (_ *emptypb.Empty, err error) {
	defer recoverInternal(&err)
	if err := s.check("FinishDlpJob"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	j, err := s.job(req.GetName())
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	h := j.hybrid
	if h == nil {
		s.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "DlpJob %q is not a hybrid job; only hybrid jobs are finished with FinishDlpJob.", req.GetName())
	}
	if j.pb.GetState() != dlppb.DlpJob_ACTIVE || h.finishing {
		st := j.pb.GetState()
		s.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "DlpJob %q is %s; only an ACTIVE hybrid job can be finished.", req.GetName(), st)
	}
	h.finishing = true
	findings := h.findings
	s.mu.Unlock()

	actx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	aerr := s.saveFindings(actx, j, h.ij, findings)
	final := dlppb.DlpJob_DONE
	if aerr != nil {
		final = dlppb.DlpJob_FAILED
	}
	s.setJob(j, func(pb *dlppb.DlpJob) {
		if aerr != nil {
			pb.Errors = append(pb.Errors, jobError(aerr))
		}
		pb.State = final
		pb.EndTime = timestamppb.Now()
	})
	if aerr != nil && j.pb.GetJobTriggerName() != "" {
		s.triggerFailed(j.pb.GetJobTriggerName(), aerr)
	}
	for _, a := range h.ij.GetActions() {
		if p := a.GetPubSub(); p != nil {
			if perr := s.publishDone(actx, p.GetTopic(), j); perr != nil {
				s.setJob(j, func(pb *dlppb.DlpJob) { pb.Errors = append(pb.Errors, jobError(perr)) })
			}
		}
	}
	return &emptypb.Empty{}, nil
}

// HybridInspectJobTrigger implements DlpService.HybridInspectJobTrigger:
// "Inspect hybrid content and store findings to a trigger. The inspection
// will be processed asynchronously. To review the findings monitor the jobs
// within the trigger." The item goes to the trigger's ACTIVE job; a
// trigger with none gets one first, as ActivateJobTrigger would make.
func (s *Server) HybridInspectJobTrigger(ctx context.Context, req *dlppb.HybridInspectJobTriggerRequest) (_ *dlppb.HybridInspectResponse, err error) {
	defer recoverInternal(&err)
	if err := s.check("HybridInspectJobTrigger"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	t, ok := s.triggersLocked().m[canonical(req.GetName())]
	if !ok {
		s.mu.Unlock()
		return nil, triggerNotFound(req.GetName())
	}
	if !isHybrid(t.GetInspectJob()) {
		s.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "JobTrigger %q does not inspect hybrid content (its inspect_job.storage_config has no hybrid_options).", req.GetName())
	}
	full := t.GetName()
	var active *dlpJob
	js := s.jobsLocked()
	for _, k := range js.order {
		if j := js.m[k]; j.pb.GetJobTriggerName() == full && j.pb.GetState() == dlppb.DlpJob_ACTIVE && !j.hybrid.finishing {
			active = j
		}
	}
	s.mu.Unlock()
	if active == nil {
		pb, err := s.runTrigger(full, time.Now())
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		active, err = s.job(pb.GetName())
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	if err := s.hybridInspect(active, req.GetHybridItem()); err != nil {
		return nil, err
	}
	return &dlppb.HybridInspectResponse{}, nil
}
