package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/ingest"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/internal/awsfake"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/events"
)

// The binary's own main (lambda.Start) polls the fake Runtime API;
// BigQuery and DLP are the local emulators (the stack), SNS is goaws. The
// transform core runs first with the SNS publisher, and the mask function
// is invoked with the notification SNS delivered for it.
var (
	st     *stack.Stack
	rt     *awsfake.Runtime
	fakeNS *awsfake.SNS
	done   awsfake.SNSNotification // transform.completed as SNS delivered it
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
	names := st.Clients.Names
	fakeNS, err = awsfake.NewSNS(ctx, awsfake.Config(), names.TransformCompleted, names.MaskCompleted)
	must(err)
	defer fakeNS.Close()
	for k, v := range awsfake.LambdaEnv(rt, fakeNS) {
		os.Setenv(k, v)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	l := &ingest.Lander{BigQuery: st.Clients.BigQuery, Storage: st.Clients.Storage, Pipeline: st.Pipeline, Names: names, Now: time.Now, Log: log}
	body := `{"event_id":"lm-1","user_id":"u1","event_type":"signup","event_time":"2026-12-01T09:00:00Z","email":"ada@example.com","phone":"+44 20 7946 0958","ip":"192.0.2.1","channel":"ads"}
{"event_id":"lm-2","user_id":"u2","event_type":"signup","event_time":"2026-12-01T09:05:00Z","email":"bob@example.com","ip":"192.0.2.2","channel":"seo"}`
	_, err = l.LandMessage(ctx, "events", events.PubSubMessage{Data: []byte(body), MessageID: "seed-1", PublishTime: time.Now()})
	must(err)
	cfg := awsfake.Config()
	pub, err := sluiceaws.NewSNSPublisher(ctx, sluiceaws.SNSOptions{Endpoint: fakeNS.URL, TopicARNPrefix: fakeNS.ARNPrefix, Config: &cfg})
	must(err)
	r := &transform.Runner{BigQuery: st.Clients.BigQuery, Events: pub, Pipeline: st.Pipeline, Names: names, Now: time.Now, Log: log}
	_, err = r.Run(ctx, "lm_run_1", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	must(err)
	got := fakeNS.Notifications(names.TransformCompleted)
	if len(got) != 1 {
		must(fmt.Errorf("transform.completed notifications = %d, want 1", len(got)))
	}
	done = got[0]
	go main() // the real lambda.Start loop, polling rt
	return m.Run()
}

func invoke(t *testing.T, payload []byte) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return rt.Invoke(ctx, payload)
}

func query(t *testing.T, sql string) [][]bigquery.Value {
	t.Helper()
	it, err := st.Clients.BigQuery.Query(sql).Read(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var rows [][]bigquery.Value
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if err == iterator.Done {
			return rows
		}
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		rows = append(rows, row)
	}
}

func maskNotifications(runID string) int {
	n := 0
	for _, m := range fakeNS.Notifications(st.Clients.Names.MaskCompleted) {
		if m.MessageAttributes["run_id"].Value == runID && m.MessageAttributes["event"].Value == events.MaskCompleted {
			n++
		}
	}
	return n
}

// TestSNSTransformCompletedMasksAndPublishes: the SNS invocation masks
// every table of the policy into published and announces mask.completed.
func TestSNSTransformCompletedMasksAndPublishes(t *testing.T) {
	ev, err := awsfake.SNSEvent(done)
	if err != nil {
		t.Fatal(err)
	}
	before := maskNotifications("lm_run_1")
	out, err := invoke(t, ev)
	if err != nil {
		t.Fatal(err)
	}
	var got events.MaskCompletedData
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	if got.RunID != "lm_run_1" || len(got.Tables) != len(st.Pipeline.Mask.Tables) {
		t.Errorf("response = %+v, want run lm_run_1 with every table of the mask policy", got)
	}
	rows := query(t, "SELECT event_id, email, phone FROM `published.events` WHERE event_id LIKE 'lm-%' ORDER BY event_id")
	if len(rows) != 2 {
		t.Fatalf("published.events rows = %d, want 2", len(rows))
	}
	// email is tokenised, phone keeps its last four characters only
	// (pipeline.yaml's policy), ip is not published at all.
	if e := rows[0][1].(string); e == "" || strings.Contains(e, "ada") {
		t.Errorf("published email = %q, want a token", e)
	}
	if p, _ := rows[0][2].(string); !strings.HasSuffix(p, "0958") || strings.Contains(p, "7946") {
		t.Errorf("published phone = %q, want only the last four kept", p)
	}
	if cols := query(t, "SELECT column_name FROM `published.INFORMATION_SCHEMA.COLUMNS` WHERE table_name = 'events' AND column_name = 'ip'"); len(cols) != 0 {
		t.Error("published.events has the ip column; the policy drops it")
	}
	if n := maskNotifications("lm_run_1"); n != before+1 {
		t.Errorf("mask.completed notifications for lm_run_1 = %d, want %d", n, before+1)
	}
}

// TestSQSBatchReportsOnlyTheBadMessages: a queue subscribed to the topic
// (no raw delivery: bodies are SNS envelopes) delivers a batch with one
// good message, one that is not JSON and one of another event: exactly the
// two bad ones are reported.
func TestSQSBatchReportsOnlyTheBadMessages(t *testing.T) {
	good, _ := json.Marshal(done)
	other := done
	other.MessageAttributes = map[string]struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	}{"event": {Type: "String", Value: events.ExportCompleted}, "run_id": {Type: "String", Value: "lm_run_1"}}
	otherBody, _ := json.Marshal(other)
	ev, err := awsfake.SQSEvent("arn:aws:sqs:us-east-1:000000000000:sluice-mask",
		awsfake.SQSMessage{ID: "m-good", Body: string(good)},
		awsfake.SQSMessage{ID: "m-poison", Body: "not json"},
		awsfake.SQSMessage{ID: "m-other", Body: string(otherBody)})
	if err != nil {
		t.Fatal(err)
	}
	before := maskNotifications("lm_run_1")
	out, err := invoke(t, ev)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	slices.Sort(failed)
	if want := []string{"m-other", "m-poison"}; !slices.Equal(failed, want) {
		t.Errorf("batch item failures = %v, want %v", failed, want)
	}
	if n := maskNotifications("lm_run_1"); n != before+1 {
		t.Errorf("mask.completed notifications = %d, want %d (the good message ran once)", n, before+1)
	}
}

func TestScheduleIsNotAMaskTrigger(t *testing.T) {
	_, err := invoke(t, []byte(`{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","time":"2026-12-01T10:00:00Z","detail":{}}`))
	if fe, ok := awsfake.IsFunctionError(err); !ok || !strings.Contains(fe.Message, "SNS notifications") {
		t.Errorf("err = %v, want a function error saying the mask function takes SNS notifications", err)
	}
}

// TestFanOutIsRefusedOnLambda: fan-out needs the mask-tasks topic and its
// trigger, which exist on Google Cloud only; SLUICE_MASK_FANOUT_ROWS on
// the Lambda fails the invocation with an error naming it, and nothing is
// masked or announced. The DLP variables are read as on Google Cloud: a
// malformed SLUICE_DLP_TIMEOUT is named too.
func TestFanOutIsRefusedOnLambda(t *testing.T) {
	ev, err := awsfake.SNSEvent(done)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, value, want string }{
		{mask.EnvFanOutRows, "10", "Google Cloud only"},
		{mask.EnvDLPTimeout, "soon", "positive duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.name, tc.value)
			before := maskNotifications("lm_run_1")
			_, err := invoke(t, ev)
			fe, ok := awsfake.IsFunctionError(err)
			if !ok || !strings.Contains(fe.Message, tc.name) || !strings.Contains(fe.Message, tc.want) {
				t.Fatalf("err = %v, want a function error naming %s (%q)", err, tc.name, tc.want)
			}
			if n := maskNotifications("lm_run_1"); n != before {
				t.Errorf("mask.completed sent although the invocation was refused")
			}
		})
	}
}
