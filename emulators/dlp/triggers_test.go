package dlp

import (
	"context"
	"strings"
	"testing"
	"time"

	dlpapi "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func bqTrigger(table string, period time.Duration, st dlppb.JobTrigger_Status) *dlppb.JobTrigger {
	ij := bqJob(table, &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}, nil,
		&dlppb.Action{Action: &dlppb.Action_SaveFindings_{SaveFindings: &dlppb.Action_SaveFindings{OutputConfig: &dlppb.OutputStorageConfig{
			Type: &dlppb.OutputStorageConfig_Table{Table: &dlppb.BigQueryTable{ProjectId: jobProject, DatasetId: "hr", TableId: "trigger_findings"}}}}}}).GetInspectJob()
	return &dlppb.JobTrigger{
		DisplayName: "people daily", Description: "inspect hr.people every day",
		Job:      &dlppb.JobTrigger_InspectJob{InspectJob: ij},
		Triggers: []*dlppb.JobTrigger_Trigger{{Trigger: &dlppb.JobTrigger_Trigger_Schedule{Schedule: &dlppb.Schedule{Option: &dlppb.Schedule_RecurrencePeriodDuration{RecurrencePeriodDuration: durationpb.New(period)}}}}},
		Status:   st,
	}
}

func waitJobEnd(t *testing.T, c *dlpapi.Client, name string) *dlppb.DlpJob {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		j, err := c.GetDlpJob(context.Background(), &dlppb.GetDlpJobRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if s := j.GetState(); s == dlppb.DlpJob_DONE || s == dlppb.DlpJob_FAILED || s == dlppb.DlpJob_CANCELED {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s did not end", name)
	return nil
}

func wantCode(t *testing.T, err error, code codes.Code, text string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), text) {
		t.Errorf("got %v, want %s containing %q", err, code, text)
	}
}

// TestJobTriggerLifecycle: create, get, list, activate (a job that carries
// the trigger's name and saves findings), scheduled runs a day apart, pause,
// the cancelled state that cannot be resumed, delete; through the real
// client.
func TestJobTriggerLifecycle(t *testing.T) {
	e := startJobEnv(t)
	s, c := start(t, Options{BigQueryEndpoint: e.bqURL})
	ctx := context.Background()
	parent := "projects/" + jobProject + "/locations/global"
	tr, err := c.CreateJobTrigger(ctx, &dlppb.CreateJobTriggerRequest{Parent: parent, TriggerId: "people-daily",
		JobTrigger: bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY)})
	if err != nil {
		t.Fatal(err)
	}
	if tr.GetName() != parent+"/jobTriggers/people-daily" || tr.GetCreateTime() == nil || tr.GetStatus() != dlppb.JobTrigger_HEALTHY || tr.GetLastRunTime() != nil {
		t.Fatalf("created %v", tr)
	}
	_, err = c.CreateJobTrigger(ctx, &dlppb.CreateJobTriggerRequest{Parent: parent, TriggerId: "people-daily",
		JobTrigger: bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY)})
	wantCode(t, err, codes.AlreadyExists, "people-daily")
	// The name without a location finds the same trigger.
	got, err := c.GetJobTrigger(ctx, &dlppb.GetJobTriggerRequest{Name: "projects/" + jobProject + "/jobTriggers/people-daily"})
	if err != nil || got.GetDisplayName() != "people daily" {
		t.Fatalf("get: %v %v", got, err)
	}

	j, err := c.ActivateJobTrigger(ctx, &dlppb.ActivateJobTriggerRequest{Name: tr.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if j.GetJobTriggerName() != tr.GetName() {
		t.Errorf("job trigger name %q", j.GetJobTriggerName())
	}
	if done := waitJobEnd(t, c, j.GetName()); done.GetState() != dlppb.DlpJob_DONE || len(done.GetInspectDetails().GetResult().GetInfoTypeStats()) == 0 {
		t.Fatalf("activated job: %v", done)
	}
	it := c.ListDlpJobs(ctx, &dlppb.ListDlpJobsRequest{Parent: parent, Filter: `trigger_name = "` + tr.GetName() + `"`})
	n := 0
	for {
		_, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("ListDlpJobs trigger_name: %d jobs, want 1", n)
	}
	got, _ = c.GetJobTrigger(ctx, &dlppb.GetJobTriggerRequest{Name: tr.GetName()})
	last := got.GetLastRunTime().AsTime()
	if got.GetLastRunTime() == nil {
		t.Fatal("no last_run_time after activation")
	}

	// Scheduled: nothing before a day has passed since the last run, one job
	// after, then nothing again until the next day.
	if started := s.RunDueTriggers(last.Add(23 * time.Hour)); len(started) != 0 {
		t.Errorf("due after 23 h: %v", started)
	}
	started := s.RunDueTriggers(last.Add(25 * time.Hour))
	if len(started) != 1 {
		t.Fatalf("due after 25 h: %v", started)
	}
	waitJobEnd(t, c, started[0])
	if again := s.RunDueTriggers(last.Add(26 * time.Hour)); len(again) != 0 {
		t.Errorf("due again an hour after the scheduled run: %v", again)
	}

	// Paused: no job, by hand or by schedule.
	if _, err := c.UpdateJobTrigger(ctx, &dlppb.UpdateJobTriggerRequest{Name: tr.GetName(),
		JobTrigger: &dlppb.JobTrigger{Status: dlppb.JobTrigger_PAUSED}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ActivateJobTrigger(ctx, &dlppb.ActivateJobTriggerRequest{Name: tr.GetName()})
	wantCode(t, err, codes.FailedPrecondition, "PAUSED")
	if started := s.RunDueTriggers(last.Add(30 * 24 * time.Hour)); len(started) != 0 {
		t.Errorf("a paused trigger ran: %v", started)
	}
	got, _ = c.GetJobTrigger(ctx, &dlppb.GetJobTriggerRequest{Name: tr.GetName()})
	if got.GetDisplayName() != "people daily" || got.GetStatus() != dlppb.JobTrigger_PAUSED {
		t.Errorf("update with a mask changed other fields: %v", got)
	}

	// Cancelled "can not be resumed".
	for _, st := range []dlppb.JobTrigger_Status{dlppb.JobTrigger_CANCELLED, dlppb.JobTrigger_HEALTHY} {
		_, err = c.UpdateJobTrigger(ctx, &dlppb.UpdateJobTriggerRequest{Name: tr.GetName(),
			JobTrigger: &dlppb.JobTrigger{Status: st}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}})
	}
	wantCode(t, err, codes.FailedPrecondition, "can not be resumed")

	lt := c.ListJobTriggers(ctx, &dlppb.ListJobTriggersRequest{Parent: parent, Filter: "status = CANCELLED", OrderBy: "create_time desc"})
	if x, err := lt.Next(); err != nil || x.GetName() != tr.GetName() {
		t.Errorf("list status = CANCELLED: %v %v", x, err)
	}
	lt = c.ListJobTriggers(ctx, &dlppb.ListJobTriggersRequest{Parent: parent, Filter: "status = HEALTHY"})
	if x, err := lt.Next(); err != iterator.Done {
		t.Errorf("list status = HEALTHY: %v %v", x, err)
	}

	if err := c.DeleteJobTrigger(ctx, &dlppb.DeleteJobTriggerRequest{Name: tr.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetJobTrigger(ctx, &dlppb.GetJobTriggerRequest{Name: tr.GetName()})
	wantCode(t, err, codes.NotFound, "people-daily")
	if _, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()}); err != nil {
		t.Errorf("the trigger's job went with it: %v", err)
	}
}

// TestJobTriggerValidation: the reference's rules for a trigger, each
// refused with the field named.
func TestJobTriggerValidation(t *testing.T) {
	e := startJobEnv(t)
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL})
	ctx := context.Background()
	parent := "projects/" + jobProject
	create := func(tr *dlppb.JobTrigger, id string) error {
		_, err := c.CreateJobTrigger(ctx, &dlppb.CreateJobTriggerRequest{Parent: parent, TriggerId: id, JobTrigger: tr})
		return err
	}
	wantCode(t, create(bqTrigger("people", time.Hour, dlppb.JobTrigger_HEALTHY), ""), codes.InvalidArgument, "between 1 day and 60 days")
	wantCode(t, create(bqTrigger("people", 61*24*time.Hour, dlppb.JobTrigger_HEALTHY), ""), codes.InvalidArgument, "between 1 day and 60 days")
	two := bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY)
	two.Triggers = append(two.Triggers, two.Triggers[0])
	wantCode(t, create(two, ""), codes.InvalidArgument, "only a single Schedule")
	none := bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY)
	none.Triggers = nil
	wantCode(t, create(none, ""), codes.InvalidArgument, "at least one trigger")
	wantCode(t, create(bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_STATUS_UNSPECIFIED), ""), codes.InvalidArgument, "status is required")
	wantCode(t, create(bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY), "bad id!"), codes.InvalidArgument, "trigger_id")
	gcs := bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY)
	gcs.GetInspectJob().StorageConfig = &dlppb.StorageConfig{Type: &dlppb.StorageConfig_CloudStorageOptions{CloudStorageOptions: &dlppb.CloudStorageOptions{
		FileSet: &dlppb.CloudStorageOptions_FileSet{Url: "gs://bucket/*"}}}}
	wantCode(t, create(gcs, ""), codes.Unimplemented, "cloud_storage_options")
	manual := bqTrigger("people", 24*time.Hour, dlppb.JobTrigger_HEALTHY)
	manual.Triggers = []*dlppb.JobTrigger_Trigger{{Trigger: &dlppb.JobTrigger_Trigger_Manual{Manual: &dlppb.Manual{}}}}
	if err := create(manual, ""); err != nil {
		t.Errorf("a manual trigger: %v", err)
	}
	_, err := c.ListJobTriggers(ctx, &dlppb.ListJobTriggersRequest{Parent: parent, Filter: "colour = red"}).Next()
	wantCode(t, err, codes.InvalidArgument, `unknown field "colour"`)
	_, err = c.HybridInspectJobTrigger(ctx, &dlppb.HybridInspectJobTriggerRequest{Name: parent + "/jobTriggers/x"})
	wantCode(t, err, codes.NotFound, "jobTriggers/x")
}

// TestJobTriggerKeepsJobErrors: a trigger over a table that does not exist
// starts a job that fails; the trigger keeps the error until it is
// modified.
func TestJobTriggerKeepsJobErrors(t *testing.T) {
	e := startJobEnv(t)
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL})
	ctx := context.Background()
	tr, err := c.CreateJobTrigger(ctx, &dlppb.CreateJobTriggerRequest{Parent: "projects/" + jobProject,
		JobTrigger: bqTrigger("missing", 24*time.Hour, dlppb.JobTrigger_HEALTHY)})
	if err != nil {
		t.Fatal(err)
	}
	j, err := c.ActivateJobTrigger(ctx, &dlppb.ActivateJobTriggerRequest{Name: tr.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if done := waitJobEnd(t, c, j.GetName()); done.GetState() != dlppb.DlpJob_FAILED {
		t.Fatalf("job over a missing table: %v", done.GetState())
	}
	got, _ := c.GetJobTrigger(ctx, &dlppb.GetJobTriggerRequest{Name: tr.GetName()})
	if len(got.GetErrors()) != 1 || !strings.Contains(got.GetErrors()[0].GetDetails().GetMessage(), "missing") {
		t.Fatalf("trigger errors: %v", got.GetErrors())
	}
	got, err = c.UpdateJobTrigger(ctx, &dlppb.UpdateJobTriggerRequest{Name: tr.GetName(), JobTrigger: &dlppb.JobTrigger{DisplayName: "renamed"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil || len(got.GetErrors()) != 0 || got.GetDisplayName() != "renamed" {
		t.Errorf("after an update: %v %v", got, err)
	}
}
