package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/internal/awsfake"
	"github.com/sluice-data/sluice/shared/events"
)

// The binary's own main (lambda.Start) polls the fake Runtime API; BigQuery
// is the local emulator (the stack), SNS is goaws, both reached through the
// real clients.
var (
	st     *stack.Stack
	rt     *awsfake.Runtime
	fakeNS *awsfake.SNS
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "setup:", err)
			os.Exit(2)
		}
	}
	var err error
	st, err = stack.Start(ctx, stack.Options{})
	must(err)
	defer st.Close()
	rt, err = awsfake.NewRuntime()
	must(err)
	fakeNS, err = awsfake.NewSNS(ctx, awsfake.Config(), st.Clients.Names.TransformCompleted)
	must(err)
	defer fakeNS.Close()
	for k, v := range awsfake.LambdaEnv(rt, fakeNS) {
		os.Setenv(k, v)
	}
	// Raw rows for the models to read, landed by the ingest core.
	l := &ingest.Lander{BigQuery: st.Clients.BigQuery, Storage: st.Clients.Storage, Pipeline: st.Pipeline, Names: st.Clients.Names,
		Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	body := `{"event_id":"lt-1","user_id":"u1","event_type":"signup","event_time":"2026-12-01T09:00:00Z","channel":"ads"}
{"event_id":"lt-2","user_id":"u1","event_type":"purchase","event_time":"2026-12-01T09:05:00Z","channel":"ads","amount":20}
{"event_id":"lt-3","user_id":"u2","event_type":"page_view","event_time":"2026-12-01T09:06:00Z","channel":"seo"}`
	res, err := l.LandMessage(ctx, "events", events.PubSubMessage{Data: []byte(body), MessageID: "seed-1", PublishTime: time.Now()})
	must(err)
	if res.Landed != 3 {
		must(fmt.Errorf("seed landed %d rows, want 3", res.Landed))
	}
	go main() // the real lambda.Start loop, polling rt
	return m.Run()
}

func invoke(t *testing.T, payload []byte) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return rt.Invoke(ctx, payload)
}

func count(t *testing.T, sql string) int64 {
	t.Helper()
	it, err := st.Clients.BigQuery.Query(sql).Read(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if err := it.Next(&row); err != iterator.Done {
		t.Fatalf("%s: more than one row", sql)
	}
	return row[0].(int64)
}

// notification returns the transform.completed notification of runID.
func notification(t *testing.T, runID string) (events.TransformCompletedData, bool) {
	t.Helper()
	for _, n := range fakeNS.Notifications(st.Clients.Names.TransformCompleted) {
		if n.MessageAttributes["run_id"].Value != runID {
			continue
		}
		if got := n.MessageAttributes["event"].Value; got != events.TransformCompleted {
			t.Errorf("event attribute = %q, want %q", got, events.TransformCompleted)
		}
		var d events.TransformCompletedData
		if err := json.Unmarshal([]byte(n.Message), &d); err != nil {
			t.Fatal(err)
		}
		return d, true
	}
	return events.TransformCompletedData{}, false
}

// TestScheduledEventRunsTheModelsAndPublishesToSNS: an EventBridge rule's
// scheduled event (the shape of the Lambda developer guide's "Scheduled
// Event" example; aws-lambda-go's testdata has none) rebuilds every model
// for the event's date and announces transform.completed on SNS.
func TestScheduledEventRunsTheModelsAndPublishesToSNS(t *testing.T) {
	ev := `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events",
	  "account":"123456789012","time":"2026-12-01T10:00:00Z","region":"us-east-1",
	  "resources":["arn:aws:events:us-east-1:123456789012:rule/sluice-transform"],"detail":{}}`
	out, err := invoke(t, []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	var got events.TransformCompletedData
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	if got.RunDate != "2026-12-01" || !strings.HasPrefix(got.RunID, "20261201T100000_") {
		t.Errorf("run date %q, run id %q: want the event's date and time", got.RunDate, got.RunID)
	}
	rows := map[string]int64{}
	for _, tc := range got.Tables {
		rows[tc.Table] = tc.Rows
	}
	if len(rows) != len(st.Pipeline.CuratedTables()) || rows["events"] != 3 {
		t.Errorf("tables = %v, want every curated table of pipeline.yaml and 3 events", got.Tables)
	}
	if n := count(t, "SELECT COUNT(*) FROM `curated.events` WHERE event_id LIKE 'lt-%'"); n != 3 {
		t.Errorf("curated.events rows = %d, want 3", n)
	}
	if n := count(t, "SELECT COUNT(*) FROM `sluice_ops.runs` WHERE run_id = '"+got.RunID+"' AND status = 'ok'"); n != int64(len(st.Pipeline.CuratedTables())) {
		t.Errorf("run history rows = %d, want %d", n, len(st.Pipeline.CuratedTables()))
	}
	pub, ok := notification(t, got.RunID)
	if !ok {
		t.Fatalf("no transform.completed for %s on SNS", got.RunID)
	}
	if pub.RunDate != got.RunDate || len(pub.Tables) != len(got.Tables) {
		t.Errorf("published %+v, want the response %+v", pub, got)
	}
}

// TestSchedulerInputCarriesTheRequest: EventBridge Scheduler sends its
// Input as is; Terraform's holds scheduled_time, a manual one the request.
func TestSchedulerInputCarriesTheRequest(t *testing.T) {
	out, err := invoke(t, []byte(`{"scheduled_time":"2026-12-02T06:00:00Z","run_id":"lambda_manual_1","run_date":"2026-11-30"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got events.TransformCompletedData
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.RunID != "lambda_manual_1" || got.RunDate != "2026-11-30" {
		t.Errorf("run %q on %q, want lambda_manual_1 on 2026-11-30", got.RunID, got.RunDate)
	}
	if _, ok := notification(t, "lambda_manual_1"); !ok {
		t.Error("no transform.completed on SNS")
	}
}

func TestBadInvocationsFailWithTheReason(t *testing.T) {
	sns, err := awsfake.SNSEvent(awsfake.SNSNotification{MessageID: "m1", TopicArn: fakeNS.ARNPrefix + "x", Message: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, payload, want string
	}{
		{"misspelt field", `{"run_dat":"2026-12-01"}`, `unknown field "run_dat"`},
		{"bad date", `{"run_date":"01/12/2026"}`, `run_date "01/12/2026": want YYYY-MM-DD`},
		{"bad run id", `{"run_id":"a b"}`, `run_id "a b"`},
		{"bad scheduled_time", `{"scheduled_time":"yesterday"}`, `scheduled_time "yesterday"`},
		{"SNS", string(sns), "it takes an EventBridge schedule"},
		{"other EventBridge event", `{"detail-type":"Object Created","source":"aws.s3","detail":{}}`, `detail-type "Object Created"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invoke(t, []byte(tc.payload))
			fe, ok := awsfake.IsFunctionError(err)
			if !ok || !strings.Contains(fe.Message, tc.want) {
				t.Errorf("err = %v, want a function error containing %q", err, tc.want)
			}
		})
	}
}
