package dlp

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
)

func hybridJobConfig(opts *dlppb.HybridOptions, cfg *dlppb.InspectConfig, actions ...*dlppb.Action) *dlppb.InspectJobConfig {
	return &dlppb.InspectJobConfig{
		StorageConfig: &dlppb.StorageConfig{Type: &dlppb.StorageConfig_HybridOptions{HybridOptions: opts}},
		InspectConfig: cfg,
		Actions:       actions,
	}
}

func hybridText(text string, labels map[string]string) *dlppb.HybridContentItem {
	return &dlppb.HybridContentItem{Item: textItem(text), FindingDetails: &dlppb.HybridFindingDetails{
		ContainerDetails: &dlppb.Container{Type: "logs", FullPath: "10.0.0.2:logs1:app1", RelativePath: "app1"},
		Labels:           labels,
	}}
}

// Google's hybrid flow (the "inspect hybrid content" how-to and the
// dlp_inspect_data_to_hybrid_job_trigger samples): a job over
// hybrid_options is ACTIVE, takes items through HybridInspectDlpJob, and
// FinishDlpJob saves the findings with SaveFindings, as an inspect job
// does, and notifies Pub/Sub.
func TestHybridJob(t *testing.T) {
	e := startJobEnv(t)
	e.subscribe(t, "hybrid-done", "hybrid-done-sub")
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL, PubSubAddr: e.psAddr})
	ctx := context.Background()
	opts := &dlppb.HybridOptions{Description: "app logs", RequiredFindingLabelKeys: []string{"appointment-bookings-comments"},
		Labels:       map[string]string{"env": "prod"},
		TableOptions: &dlppb.TableOptions{IdentifyingFields: []*dlppb.FieldId{{Name: "id"}}}}
	j, err := c.CreateDlpJob(ctx, &dlppb.CreateDlpJobRequest{Parent: "projects/p/locations/global", JobId: "hybrid-1",
		Job: &dlppb.CreateDlpJobRequest_InspectJob{InspectJob: hybridJobConfig(opts,
			&dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS", "PHONE_NUMBER"), IncludeQuote: true},
			saveAction("hybrid_findings"), pubSubAction("hybrid-done"))}})
	if err != nil {
		t.Fatal(err)
	}
	if j.GetState() != dlppb.DlpJob_ACTIVE || j.GetName() != "projects/p/locations/global/dlpJobs/hybrid-1" {
		t.Fatalf("created: %v", j)
	}
	label := map[string]string{"appointment-bookings-comments": "true"}
	if _, err := c.HybridInspectDlpJob(ctx, &dlppb.HybridInspectDlpJobRequest{Name: j.GetName(),
		HybridItem: hybridText("Mail ada@example.com or call (415) 555-0132.", label)}); err != nil {
		t.Fatal(err)
	}
	table := &dlppb.Table{Headers: []*dlppb.FieldId{{Name: "id"}, {Name: "email"}}, Rows: []*dlppb.Table_Row{
		{Values: []*dlppb.Value{{Type: &dlppb.Value_StringValue{StringValue: "u7"}}, {Type: &dlppb.Value_StringValue{StringValue: "grace@example.org"}}}}}}
	if _, err := c.HybridInspectDlpJob(ctx, &dlppb.HybridInspectDlpJobRequest{Name: j.GetName(), HybridItem: &dlppb.HybridContentItem{
		Item:           &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: table}},
		FindingDetails: &dlppb.HybridFindingDetails{RowOffset: 100, Labels: label}}}); err != nil {
		t.Fatal(err)
	}
	// Without the required label the item is rejected and counted.
	if _, err := c.HybridInspectDlpJob(ctx, &dlppb.HybridInspectDlpJobRequest{Name: j.GetName(),
		HybridItem: hybridText("bob@example.com", nil)}); codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "appointment-bookings-comments") {
		t.Errorf("missing required label: %v", err)
	}
	got, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	hs := got.GetInspectDetails().GetResult().GetHybridStats()
	if got.GetState() != dlppb.DlpJob_ACTIVE || hs.GetProcessedCount() != 2 || hs.GetAbortedCount() != 1 {
		t.Fatalf("active job: %v", got)
	}

	if err := c.FinishDlpJob(ctx, &dlppb.FinishDlpJobRequest{Name: j.GetName()}); err != nil {
		t.Fatal(err)
	}
	e.waitForJob(t, "hybrid-done-sub", j.GetName())
	got, _ = c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()})
	if got.GetState() != dlppb.DlpJob_DONE || got.GetEndTime() == nil || len(got.GetErrors()) != 0 {
		t.Fatalf("finished: %v", got)
	}
	stats := map[string]int64{}
	for _, s := range got.GetInspectDetails().GetResult().GetInfoTypeStats() {
		stats[s.GetInfoType().GetName()] = s.GetCount()
	}
	if stats["EMAIL_ADDRESS"] != 2 || stats["PHONE_NUMBER"] != 1 {
		t.Errorf("info_type_stats: %v", stats)
	}
	rows := query(t, e.bq, "SELECT info_type.name, quote, location.container.full_path, job_name FROM `p.hr.hybrid_findings` ORDER BY quote")
	if len(rows) != 3 || rows[0][1] != "(415) 555-0132" || rows[1][1] != "ada@example.com" || rows[1][2] != "10.0.0.2:logs1:app1" || rows[2][3] != j.GetName() {
		t.Fatalf("saved findings: %v", rows)
	}
	// Labels of the job and the item, row offset and identifying fields.
	lab := query(t, e.bq, "SELECT l.key, l.value FROM `p.hr.hybrid_findings`, UNNEST(labels) AS l WHERE quote = 'grace@example.org' ORDER BY l.key")
	if len(lab) != 2 || lab[0][0] != "appointment-bookings-comments" || lab[1][0] != "env" || lab[1][1] != "prod" {
		t.Errorf("labels: %v", lab)
	}
	loc := query(t, e.bq, "SELECT cl.record_location.table_location.row_index, cl.record_location.record_key.id_values FROM `p.hr.hybrid_findings`, UNNEST(location.content_locations) AS cl WHERE quote = 'grace@example.org'")
	if len(loc) != 1 || loc[0][0] != int64(100) {
		t.Errorf("row index with row_offset: %v", loc)
	} else if ids := fmt.Sprint(loc[0][1]); ids != "[u7]" {
		t.Errorf("identifying fields: %v", loc[0][1])
	}

	// An ended job takes no more items and cannot be finished again.
	if _, err := c.HybridInspectDlpJob(ctx, &dlppb.HybridInspectDlpJobRequest{Name: j.GetName(), HybridItem: hybridText("x@example.com", label)}); codeOf(err) != codes.FailedPrecondition {
		t.Errorf("inspect after finish: %v", err)
	}
	if err := c.FinishDlpJob(ctx, &dlppb.FinishDlpJobRequest{Name: j.GetName()}); codeOf(err) != codes.FailedPrecondition {
		t.Errorf("finish twice: %v", err)
	}
	// A job that is not hybrid: FAILED_PRECONDITION naming it.
	bj, err := c.CreateDlpJob(ctx, bqJob("people", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.FinishDlpJob(ctx, &dlppb.FinishDlpJobRequest{Name: bj.GetName()}); codeOf(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "not a hybrid job") {
		t.Errorf("finish a BigQuery job: %v", err)
	}
	// Cancel an ACTIVE job.
	cj, err := c.CreateDlpJob(ctx, &dlppb.CreateDlpJobRequest{Parent: parent, Job: &dlppb.CreateDlpJobRequest_InspectJob{InspectJob: hybridJobConfig(&dlppb.HybridOptions{}, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelDlpJob(ctx, &dlppb.CancelDlpJobRequest{Name: cj.GetName()}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: cj.GetName()}); got.GetState() != dlppb.DlpJob_CANCELED {
		t.Errorf("canceled hybrid job: %v", got.GetState())
	}
	if _, err := c.CreateDlpJob(ctx, &dlppb.CreateDlpJobRequest{Parent: parent, Job: &dlppb.CreateDlpJobRequest_InspectJob{InspectJob: hybridJobConfig(
		&dlppb.HybridOptions{RequiredFindingLabelKeys: []string{"Bad Key"}}, nil)}}); codeOf(err) != codes.InvalidArgument {
		t.Errorf("bad label key: %v", err)
	}
}

// HybridInspectJobTrigger on a trigger over hybrid_options (manual): the
// first item makes the trigger's ACTIVE job, later items join it, and
// FinishDlpJob ends it; the next item makes a new job.
func TestHybridInspectJobTrigger(t *testing.T) {
	e := startJobEnv(t)
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL})
	ctx := context.Background()
	tr, err := c.CreateJobTrigger(ctx, &dlppb.CreateJobTriggerRequest{Parent: "projects/p/locations/global", TriggerId: "hybrid-trigger",
		JobTrigger: &dlppb.JobTrigger{Status: dlppb.JobTrigger_HEALTHY,
			Triggers: []*dlppb.JobTrigger_Trigger{{Trigger: &dlppb.JobTrigger_Trigger_Manual{Manual: &dlppb.Manual{}}}},
			Job:      &dlppb.JobTrigger_InspectJob{InspectJob: hybridJobConfig(&dlppb.HybridOptions{}, &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}, saveAction("trigger_findings"))}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"ada@example.com", "grace@example.org and linus@example.net"} {
		if _, err := c.HybridInspectJobTrigger(ctx, &dlppb.HybridInspectJobTriggerRequest{Name: tr.GetName(), HybridItem: hybridText(text, nil)}); err != nil {
			t.Fatal(err)
		}
	}
	list := func() []*dlppb.DlpJob {
		var out []*dlppb.DlpJob
		it := c.ListDlpJobs(ctx, &dlppb.ListDlpJobsRequest{Parent: "projects/p/locations/global", Filter: `trigger_name = "` + tr.GetName() + `"`})
		for {
			j, err := it.Next()
			if err != nil {
				return out
			}
			out = append(out, j)
		}
	}
	jobs := list()
	if len(jobs) != 1 || jobs[0].GetState() != dlppb.DlpJob_ACTIVE || jobs[0].GetInspectDetails().GetResult().GetHybridStats().GetProcessedCount() != 2 {
		t.Fatalf("trigger's jobs: %v", jobs)
	}
	if err := c.FinishDlpJob(ctx, &dlppb.FinishDlpJobRequest{Name: jobs[0].GetName()}); err != nil {
		t.Fatal(err)
	}
	if n := query(t, e.bq, "SELECT COUNT(*) FROM `p.hr.trigger_findings`"); n[0][0] != int64(3) {
		t.Errorf("saved findings: %v", n)
	}
	if _, err := c.HybridInspectJobTrigger(ctx, &dlppb.HybridInspectJobTriggerRequest{Name: tr.GetName(), HybridItem: hybridText("x@example.com", nil)}); err != nil {
		t.Fatal(err)
	}
	if jobs := list(); len(jobs) != 2 {
		t.Errorf("after finish, a new job: %v", jobs)
	}
	// A trigger over a BigQuery table takes no hybrid items; a hybrid
	// trigger takes no schedule.
	bt, err := c.CreateJobTrigger(ctx, &dlppb.CreateJobTriggerRequest{Parent: "projects/p/locations/global",
		JobTrigger: &dlppb.JobTrigger{Status: dlppb.JobTrigger_HEALTHY,
			Triggers: []*dlppb.JobTrigger_Trigger{{Trigger: &dlppb.JobTrigger_Trigger_Manual{Manual: &dlppb.Manual{}}}},
			Job:      &dlppb.JobTrigger_InspectJob{InspectJob: bqJob("people", nil, nil).GetInspectJob()}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.HybridInspectJobTrigger(ctx, &dlppb.HybridInspectJobTriggerRequest{Name: bt.GetName(), HybridItem: hybridText("x@example.com", nil)}); codeOf(err) != codes.FailedPrecondition {
		t.Errorf("hybrid item to a BigQuery trigger: %v", err)
	}
	if _, err := c.HybridInspectJobTrigger(ctx, &dlppb.HybridInspectJobTriggerRequest{Name: "projects/p/locations/global/jobTriggers/nope", HybridItem: hybridText("x", nil)}); codeOf(err) != codes.NotFound {
		t.Errorf("unknown trigger: %v", err)
	}
}
