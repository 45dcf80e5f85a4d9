package dlp

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	dlpapi "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	bqemu "github.com/sluice-data/sluice/emulators/bigquery"
	psemu "github.com/sluice-data/sluice/emulators/pubsub"
)

const jobProject = "p"

type jobEnv struct {
	bq     *bigquery.Client
	ps     *pubsub.Client
	bqURL  string
	psAddr string
}

// startJobEnv serves the BigQuery and Pub/Sub emulators and fills
// p:hr.people with a small curated table.
func startJobEnv(t *testing.T) *jobEnv {
	t.Helper()
	ctx := context.Background()
	srv, err := bqemu.New(bqemu.Options{Project: jobProject})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	bq, err := bigquery.NewClient(ctx, jobProject, option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	pss, err := psemu.New("")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := pubsub.NewClient(ctx, jobProject, option.WithEndpoint(pss.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close(); pss.Close(); bq.Close(); hs.Close(); srv.Close() })

	ds := bq.Dataset("hr")
	if err := ds.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.IntegerFieldType},
		{Name: "email", Type: bigquery.StringFieldType},
		{Name: "note", Type: bigquery.StringFieldType},
		{Name: "contact", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{{Name: "phone", Type: bigquery.StringFieldType}}},
	}
	if err := ds.Table("people").Create(ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	rows := []*bigquery.ValuesSaver{
		{Schema: schema, Row: []bigquery.Value{1, "ada@example.com", "no personal data here", []bigquery.Value{"(415) 555-0132"}}},
		{Schema: schema, Row: []bigquery.Value{2, "grace@example.org", "cc ada@example.com please", []bigquery.Value{nil}}},
		{Schema: schema, Row: []bigquery.Value{3, "linus@example.net", "nothing", []bigquery.Value{"(212) 555-0199"}}},
		{Schema: schema, Row: []bigquery.Value{4, "", "plain text", []bigquery.Value{nil}}},
	}
	if err := ds.Table("people").Inserter().Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	return &jobEnv{bq: bq, ps: ps, bqURL: hs.URL, psAddr: pss.Addr}
}

func (e *jobEnv) subscribe(t *testing.T, topic, sub string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.ps.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: "projects/" + jobProject + "/topics/" + topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ps.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: "projects/" + jobProject + "/subscriptions/" + sub, Topic: "projects/" + jobProject + "/topics/" + topic}); err != nil {
		t.Fatal(err)
	}
}

// waitForJob waits for the job-done message the way Google's
// dlp_inspect_bigquery sample does: receive until a message's DlpJobName
// attribute is the job's name.
func (e *jobEnv) waitForJob(t *testing.T, sub, jobName string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := false
	err := e.ps.Subscriber(sub).Receive(ctx, func(_ context.Context, m *pubsub.Message) {
		if m.Attributes["DlpJobName"] != jobName {
			m.Nack()
			return
		}
		m.Ack()
		got = true
		cancel()
	})
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	if !got {
		t.Fatalf("no Pub/Sub message with DlpJobName %q", jobName)
	}
}

func bqJob(table string, cfg *dlppb.InspectConfig, opts func(*dlppb.BigQueryOptions), actions ...*dlppb.Action) *dlppb.CreateDlpJobRequest {
	bo := &dlppb.BigQueryOptions{TableReference: &dlppb.BigQueryTable{ProjectId: jobProject, DatasetId: "hr", TableId: table}}
	if opts != nil {
		opts(bo)
	}
	return &dlppb.CreateDlpJobRequest{Parent: "projects/" + jobProject + "/locations/global", Job: &dlppb.CreateDlpJobRequest_InspectJob{InspectJob: &dlppb.InspectJobConfig{
		StorageConfig: &dlppb.StorageConfig{Type: &dlppb.StorageConfig_BigQueryOptions{BigQueryOptions: bo}},
		InspectConfig: cfg,
		Actions:       actions,
	}}}
}

func pubSubAction(topic string) *dlppb.Action {
	return &dlppb.Action{Action: &dlppb.Action_PubSub{PubSub: &dlppb.Action_PublishToPubSub{Topic: "projects/" + jobProject + "/topics/" + topic}}}
}

func saveAction(table string) *dlppb.Action {
	return &dlppb.Action{Action: &dlppb.Action_SaveFindings_{SaveFindings: &dlppb.Action_SaveFindings{OutputConfig: &dlppb.OutputStorageConfig{
		Type: &dlppb.OutputStorageConfig_Table{Table: &dlppb.BigQueryTable{ProjectId: jobProject, DatasetId: "hr", TableId: table}}}}}}
}

func query(t *testing.T, bq *bigquery.Client, sql string) [][]bigquery.Value {
	t.Helper()
	it, err := bq.Query(sql).Read(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out [][]bigquery.Value
	for {
		var r []bigquery.Value
		err := it.Next(&r)
		if err == iterator.Done {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
}

// TestInspectJobOverBigQuery runs Google's dlp_inspect_bigquery flow
// (CreateDlpJob with big_query_options and a pub_sub action, wait for the
// DlpJobName message, read inspect_details.result.info_type_stats) with a
// save_findings action, then runs the documented sample queries over the
// findings table ("Querying Sensitive Data Protection findings in
// BigQuery").
func TestInspectJobOverBigQuery(t *testing.T) {
	e := startJobEnv(t)
	e.subscribe(t, "dlp-done", "dlp-done-sub")
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL, PubSubAddr: e.psAddr})
	ctx := context.Background()
	req := bqJob("people", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS", "PHONE_NUMBER"), IncludeQuote: true},
		func(bo *dlppb.BigQueryOptions) { bo.IdentifyingFields = []*dlppb.FieldId{{Name: "id"}} },
		&dlppb.Action{Action: &dlppb.Action_SaveFindings_{SaveFindings: &dlppb.Action_SaveFindings{OutputConfig: &dlppb.OutputStorageConfig{
			Type: &dlppb.OutputStorageConfig_Table{Table: &dlppb.BigQueryTable{ProjectId: jobProject, DatasetId: "hr"}}}}}},
		pubSubAction("dlp-done"))
	j, err := c.CreateDlpJob(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// The .NET sample's recorded output: a new job is PENDING, of type
	// INSPECT_JOB, named .../dlpJobs/i-<number>, echoing its job config.
	if j.GetState() != dlppb.DlpJob_PENDING || j.GetType() != dlppb.DlpJobType_INSPECT_JOB ||
		!strings.HasPrefix(j.GetName(), "projects/p/locations/global/dlpJobs/i-") || j.GetCreateTime() == nil ||
		j.GetInspectDetails().GetRequestedOptions().GetJobConfig().GetStorageConfig().GetBigQueryOptions().GetTableReference().GetTableId() != "people" {
		t.Fatalf("created job: %v", j)
	}
	e.waitForJob(t, "dlp-done-sub", j.GetName())

	got, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState() != dlppb.DlpJob_DONE || got.GetStartTime() == nil || got.GetEndTime() == nil || len(got.GetErrors()) != 0 {
		t.Fatalf("finished job: %v", got)
	}
	res := got.GetInspectDetails().GetResult()
	stats := map[string]int64{}
	for _, s := range res.GetInfoTypeStats() {
		stats[s.GetInfoType().GetName()] = s.GetCount()
	}
	// The table holds four e-mail addresses (one in a note) and two phone
	// numbers (in the nested contact.phone).
	if stats["EMAIL_ADDRESS"] != 4 || stats["PHONE_NUMBER"] != 2 || res.GetNumRowsProcessed() != 4 || res.GetProcessedBytes() == 0 {
		t.Fatalf("result: %v", res)
	}

	// The generated findings table: dlp_googleapis_yyyy_mm_dd_[dlp_job_id].
	var table string
	tit := e.bq.Dataset("hr").Tables(ctx)
	for {
		tb, err := tit.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(tb.TableID, "dlp_googleapis_") {
			table = tb.TableID
		}
	}
	if want := findingsTableID(j.GetName(), time.Now()); table != want {
		t.Fatalf("findings table %q, want %q", table, want)
	}
	fq := "`p.hr." + table + "`"
	// "Select the count of each infoType".
	counts := query(t, e.bq, "SELECT info_type.name, COUNT(info_type.name) AS count FROM "+fq+" GROUP BY info_type.name ORDER BY count DESC")
	if len(counts) != 2 || counts[0][0] != "EMAIL_ADDRESS" || counts[0][1] != int64(4) || counts[1][0] != "PHONE_NUMBER" || counts[1][1] != int64(2) {
		t.Fatalf("count per infoType: %v", counts)
	}
	// "Select the count of each infoType, grouped by day".
	days := query(t, e.bq, "SELECT info_type.name, cast(TIMESTAMP_SECONDS(create_time.seconds) as date) as day, COUNT(locations.container_name) AS count FROM "+fq+", UNNEST(location.content_locations) AS locations GROUP BY info_type.name, day ORDER BY count DESC")
	if len(days) != 2 || days[0][2] != int64(4) {
		t.Fatalf("per day: %v", days)
	}
	// "Select the count of each infoType in each container".
	cont := query(t, e.bq, "SELECT info_type.name, locations.container_name, COUNT(locations.container_name) AS count FROM "+fq+", UNNEST(location.content_locations) AS locations GROUP BY locations.container_name, info_type.name ORDER BY count DESC")
	if len(cont) != 2 || cont[0][1] != "p:hr.people" {
		t.Fatalf("per container: %v", cont)
	}
	// identifying_fields land in record_key.id_values, so a finding links
	// back to its row; the field is the (nested) column's name.
	link := query(t, e.bq, "SELECT quote, locations.record_location.field_id.name, id FROM "+fq+", UNNEST(location.content_locations) AS locations, UNNEST(locations.record_location.record_key.id_values) AS id ORDER BY quote")
	want := [][]bigquery.Value{
		{"(212) 555-0199", "contact.phone", "3"},
		{"(415) 555-0132", "contact.phone", "1"},
		{"ada@example.com", "email", "1"},
		{"ada@example.com", "note", "2"},
		{"grace@example.org", "email", "2"},
		{"linus@example.net", "email", "3"},
	}
	if len(link) != len(want) {
		t.Fatalf("linked findings: %v", link)
	}
	for i := range want {
		for k := range want[i] {
			if link[i][k] != want[i][k] {
				t.Fatalf("linked findings row %d: %v, want %v", i, link[i], want[i])
			}
		}
	}
	if n := query(t, e.bq, "SELECT COUNT(*) FROM "+fq+" WHERE job_name = '"+j.GetName()+"' AND likelihood IS NOT NULL"); n[0][0] != int64(6) {
		t.Fatalf("job_name/likelihood columns: %v", n)
	}
}

func TestInspectJobSamplingAndLimits(t *testing.T) {
	e := startJobEnv(t)
	e.subscribe(t, "done", "done-sub")
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL, PubSubAddr: e.psAddr})
	ctx := context.Background()
	run := func(req *dlppb.CreateDlpJobRequest) *dlppb.InspectDataSourceDetails_Result {
		t.Helper()
		req.GetInspectJob().Actions = append(req.GetInspectJob().Actions, pubSubAction("done"))
		j, err := c.CreateDlpJob(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		e.waitForJob(t, "done-sub", j.GetName())
		got, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()})
		if err != nil || got.GetState() != dlppb.DlpJob_DONE {
			t.Fatalf("job: %v %v", got, err)
		}
		return got.GetInspectDetails().GetResult()
	}
	total := func(r *dlppb.InspectDataSourceDetails_Result) (n int64) {
		for _, s := range r.GetInfoTypeStats() {
			n += s.GetCount()
		}
		return n
	}
	email := &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}
	// rows_limit with the default TOP sampling reads the first rows.
	if r := run(bqJob("people", email, func(bo *dlppb.BigQueryOptions) { bo.RowsLimit = 2 })); r.GetNumRowsProcessed() != 2 || total(r) != 3 {
		t.Fatalf("rows_limit 2: %v", r)
	}
	// rows_limit_percent rounds down: 50% of 4 rows.
	if r := run(bqJob("people", email, func(bo *dlppb.BigQueryOptions) {
		bo.RowsLimitPercent = 50
		bo.SampleMethod = dlppb.BigQueryOptions_RANDOM_START
	})); r.GetNumRowsProcessed() != 2 {
		t.Fatalf("rows_limit_percent 50: %v", r)
	}
	// excluded_fields skips a column; included_fields scans only those.
	if r := run(bqJob("people", email, func(bo *dlppb.BigQueryOptions) { bo.ExcludedFields = []*dlppb.FieldId{{Name: "note"}} })); total(r) != 3 {
		t.Fatalf("excluded note: %v", r)
	}
	if r := run(bqJob("people", email, func(bo *dlppb.BigQueryOptions) { bo.IncludedFields = []*dlppb.FieldId{{Name: "note"}} })); total(r) != 1 {
		t.Fatalf("included note: %v", r)
	}
	// max_findings_per_request bounds the whole job ("Max number of
	// findings that are returned per request or job"); Google's sample sets 10.
	limited := &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), Limits: &dlppb.InspectConfig_FindingLimits{MaxFindingsPerRequest: 2}}
	if r := run(bqJob("people", limited, nil)); total(r) != 2 {
		t.Fatalf("max_findings_per_request 2: %v", r)
	}
	// Two jobs append to one named findings table.
	run(bqJob("people", email, nil, saveAction("findings")))
	run(bqJob("people", email, nil, saveAction("findings")))
	if n := query(t, e.bq, "SELECT COUNT(*) FROM `p.hr.findings`"); n[0][0] != int64(8) {
		t.Fatalf("appended findings: %v", n)
	}
}

func TestDlpJobStates(t *testing.T) {
	e := startJobEnv(t)
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL, JobStartDelay: time.Minute})
	ctx := context.Background()
	cfg := &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}
	j, err := c.CreateDlpJob(ctx, bqJob("people", cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	list := func(filter string) []string {
		t.Helper()
		var names []string
		it := c.ListDlpJobs(ctx, &dlppb.ListDlpJobsRequest{Parent: "projects/p", Filter: filter})
		for {
			x, err := it.Next()
			if err == iterator.Done {
				return names
			}
			if err != nil {
				t.Fatalf("filter %q: %v", filter, err)
			}
			names = append(names, x.GetName())
		}
	}
	if got := list("state = PENDING"); len(got) != 1 || got[0] != j.GetName() {
		t.Fatalf("pending jobs: %v", got)
	}
	if err := c.CancelDlpJob(ctx, &dlppb.CancelDlpJobRequest{Name: j.GetName()}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()})
	if err != nil || got.GetState() != dlppb.DlpJob_CANCELED || got.GetEndTime() == nil {
		t.Fatalf("canceled job: %v %v", got, err)
	}
	if err := c.CancelDlpJob(ctx, &dlppb.CancelDlpJobRequest{Name: j.GetName()}); codeOf(err) != codes.FailedPrecondition {
		t.Fatalf("cancel twice: %v", err)
	}
	// The reference's filter examples.
	if got := list("inspected_storage = bigquery AND (state = done OR state = canceled)"); len(got) != 1 {
		t.Fatalf("documented filter: %v", got)
	}
	if got := list("state = RUNNING"); len(got) != 0 {
		t.Fatalf("running: %v", got)
	}
	if _, err := c.ListDlpJobs(ctx, &dlppb.ListDlpJobsRequest{Parent: "projects/p", Filter: "colour = red"}).Next(); codeOf(err) != codes.InvalidArgument {
		t.Fatalf("bad filter: %v", err)
	}
	if err := c.DeleteDlpJob(ctx, &dlppb.DeleteDlpJobRequest{Name: j.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: j.GetName()}); codeOf(err) != codes.NotFound {
		t.Fatalf("deleted job: %v", err)
	}

	// A job over a missing table ends FAILED with the error recorded.
	_, c2 := start(t, Options{BigQueryEndpoint: e.bqURL})
	j2, err := c2.CreateDlpJob(ctx, bqJob("nope", cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	got = waitEnded(t, c2, j2.GetName())
	if got.GetState() != dlppb.DlpJob_FAILED || len(got.GetErrors()) != 1 || got.GetErrors()[0].GetDetails().GetCode() != int32(codes.NotFound) ||
		!strings.Contains(got.GetErrors()[0].GetDetails().GetMessage(), "p:hr.nope") {
		t.Fatalf("failed job: %v", got)
	}
	// Saving into a table whose columns are not fields of the Finding
	// object fails the job ("each column in an existing output table must
	// have the same name, type, and mode of a field in the Finding object").
	j3, err := c2.CreateDlpJob(ctx, bqJob("people", cfg, nil, saveAction("people")))
	if err != nil {
		t.Fatal(err)
	}
	got = waitEnded(t, c2, j3.GetName())
	if got.GetState() != dlppb.DlpJob_FAILED || len(got.GetErrors()) != 1 || !strings.Contains(got.GetErrors()[0].GetDetails().GetMessage(), `column "id"`) {
		t.Fatalf("save into a non-findings table: %v", got)
	}
}

// waitEnded polls GetDlpJob until the job is no longer PENDING or RUNNING.
func waitEnded(t *testing.T, c *dlpapi.Client, name string) *dlppb.DlpJob {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := c.GetDlpJob(context.Background(), &dlppb.GetDlpJobRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if s := got.GetState(); s != dlppb.DlpJob_PENDING && s != dlppb.DlpJob_RUNNING || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCreateDlpJobRefusals(t *testing.T) {
	_, noBQ := start(t, Options{})
	ctx := context.Background()
	cfg := &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}
	if _, err := noBQ.CreateDlpJob(ctx, bqJob("people", cfg, nil)); codeOf(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "BigQueryEndpoint") {
		t.Fatalf("no BigQuery: %v", err)
	}
	_, c := start(t, Options{BigQueryEndpoint: "http://127.0.0.1:1"})
	gcs := bqJob("people", cfg, nil)
	gcs.GetInspectJob().StorageConfig = &dlppb.StorageConfig{Type: &dlppb.StorageConfig_CloudStorageOptions{CloudStorageOptions: &dlppb.CloudStorageOptions{}}}
	for name, tc := range map[string]struct {
		req  *dlppb.CreateDlpJobRequest
		code codes.Code
		text string
	}{
		"cloud storage": {gcs, codes.Unimplemented, "cloud_storage_options"},
		"both limits":   {bqJob("people", cfg, func(bo *dlppb.BigQueryOptions) { bo.RowsLimit = 1; bo.RowsLimitPercent = 1 }), codes.InvalidArgument, "only one of rows_limit and rows_limit_percent"},
		"percent":       {bqJob("people", cfg, func(bo *dlppb.BigQueryOptions) { bo.RowsLimitPercent = 101 }), codes.InvalidArgument, "between 0 and 100"},
		"no pubsub":     {bqJob("people", cfg, nil, pubSubAction("t")), codes.FailedPrecondition, "PubSubAddr"},
		"bad topic":     {bqJob("people", cfg, nil, &dlppb.Action{Action: &dlppb.Action_PubSub{PubSub: &dlppb.Action_PublishToPubSub{Topic: "t"}}}), codes.InvalidArgument, "projects/PROJECT/topics/TOPIC"},
		"other action":  {bqJob("people", cfg, nil, &dlppb.Action{Action: &dlppb.Action_PublishSummaryToCscc_{PublishSummaryToCscc: &dlppb.Action_PublishSummaryToCscc{}}}), codes.Unimplemented, "PublishSummaryToCscc"},
		"bad info type": {bqJob("people", &dlppb.InspectConfig{InfoTypes: its("NOT_A_TYPE")}, nil), codes.InvalidArgument, "NOT_A_TYPE"},
		"bad job id":    {func() *dlppb.CreateDlpJobRequest { r := bqJob("people", cfg, nil); r.JobId = "a b"; return r }(), codes.InvalidArgument, "job_id"},
	} {
		if _, err := c.CreateDlpJob(ctx, tc.req); codeOf(err) != tc.code || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: %v, want %v containing %q", name, err, tc.code, tc.text)
		}
	}
}
