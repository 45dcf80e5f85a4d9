package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-data/sluice/cmd/lambda/export/handler"
	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/awsfake"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

// The real lambda.Start loop polls the fake Runtime API with the export
// handler over the example pipeline plus one scheduled export to S3;
// BigQuery and Cloud Storage are the local emulators (the stack), S3 is
// gofakes3 and SNS is goaws, all reached through the real clients.
var (
	st     *stack.Stack
	rt     *awsfake.Runtime
	fakeNS *awsfake.SNS
	fakeS3 *awsfake.S3
)

const s3Dest = "s3://finance-drop/revenue/{date}.csv"

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
	fakeNS, err = awsfake.NewSNS(ctx, awsfake.Config(), names.MaskCompleted, names.ExportCompleted)
	must(err)
	defer fakeNS.Close()
	fakeS3, err = awsfake.NewS3(ctx, "finance-drop")
	must(err)
	defer fakeS3.Close()
	env := awsfake.LambdaEnv(rt, fakeNS)
	env["AWS_ENDPOINT_URL_S3"] = fakeS3.URL
	for k, v := range env {
		os.Setenv(k, v)
	}
	c := st.Clients
	must(bq.EnsureDataset(ctx, c.BigQuery, names.Published, ""))
	_, err = bq.QueryToTable(ctx, c.BigQuery, "seed_daily_metrics", `SELECT DATE '2026-12-01' AS day, 'ads' AS channel, 2 AS purchases, 30.5 AS revenue
		UNION ALL SELECT DATE '2026-12-01', 'seo', 1, 9.5`, names.Published, "daily_metrics", nil)
	must(err)
	p := *st.Pipeline
	p.Exports = append(append([]config.Export{}, p.Exports...), config.Export{Name: "finance_s3",
		Query: "SELECT day, channel, revenue FROM published.daily_metrics ORDER BY day, channel", Format: "csv", Destination: s3Dest, Trigger: "schedule"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go lambda.Start(handler.New(&trigger.Env{}, log, &p).Handle)
	return m.Run()
}

func invoke(t *testing.T, payload []byte) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return rt.Invoke(ctx, payload)
}

// snsEvent publishes data as event through the SNS publisher to topic and
// returns the Lambda SNS event of the notification goaws delivered.
func snsEvent(t *testing.T, topic, event, runID string, data any) []byte {
	t.Helper()
	ctx := context.Background()
	cfg := awsfake.Config()
	pub, err := sluiceaws.NewSNSPublisher(ctx, sluiceaws.SNSOptions{Endpoint: fakeNS.URL, TopicARNPrefix: fakeNS.ARNPrefix, Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := events.Send(ctx, pub, topic, event, runID, data); err != nil {
		t.Fatal(err)
	}
	got := fakeNS.Notifications(topic)
	ev, err := awsfake.SNSEvent(got[len(got)-1])
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func exportCompleted(runID string) (events.ExportCompletedData, bool) {
	for _, n := range fakeNS.Notifications(st.Clients.Names.ExportCompleted) {
		if n.MessageAttributes["run_id"].Value == runID && n.MessageAttributes["event"].Value == events.ExportCompleted {
			var d events.ExportCompletedData
			json.Unmarshal([]byte(n.Message), &d)
			return d, true
		}
	}
	return events.ExportCompletedData{}, false
}

// TestMaskCompletedOnSNSWritesTheExports: mask.completed runs the
// mask.completed exports (the example pipeline's, to the export bucket in
// Cloud Storage) and announces export.completed on SNS.
func TestMaskCompletedOnSNSWritesTheExports(t *testing.T) {
	ev := snsEvent(t, st.Clients.Names.MaskCompleted, events.MaskCompleted, "lx_run_1",
		events.MaskCompletedData{RunID: "lx_run_1", RunDate: "2026-12-01"})
	out, err := invoke(t, ev)
	if err != nil {
		t.Fatal(err)
	}
	var got events.ExportCompletedData
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	want := "gs://" + st.Clients.Names.Export + "/daily_revenue_by_channel/2026-12-01.csv"
	if len(got.Files) != 1 || got.Files[0].URI != want || got.Files[0].Rows != 2 {
		t.Fatalf("files = %+v, want one: %s with 2 rows", got.Files, want)
	}
	r, err := st.Clients.Storage.Bucket(st.Clients.Names.Export).Object("daily_revenue_by_channel/2026-12-01.csv").NewReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if !bytes.HasPrefix(b, []byte("day,channel,purchases,revenue\n2026-12-01,ads,2,30.5\n")) {
		t.Errorf("export file = %q", b)
	}
	if pub, ok := exportCompleted("lx_run_1"); !ok || len(pub.Files) != 1 {
		t.Errorf("export.completed on SNS = %+v, %v; want the response", pub, ok)
	}
}

// TestScheduleWritesTheS3Export: the Scheduler input runs the scheduled
// exports for the scheduled date: finance_s3 lands in S3.
func TestScheduleWritesTheS3Export(t *testing.T) {
	out, err := invoke(t, []byte(`{"scheduled_time":"2026-12-02T06:30:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got events.ExportCompletedData
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	if len(got.Files) != 1 || got.Files[0].URI != "s3://finance-drop/revenue/2026-12-02.csv" || got.RunDate != "2026-12-02" {
		t.Fatalf("export.completed = %+v, want one file s3://finance-drop/revenue/2026-12-02.csv", got)
	}
	o, err := fakeS3.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("finance-drop"), Key: aws.String("revenue/2026-12-02.csv")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(o.Body)
	o.Body.Close()
	if want := "day,channel,revenue\n2026-12-01,ads,30.5\n2026-12-01,seo,9.5\n"; string(b) != want {
		t.Errorf("S3 export = %q, want %q", b, want)
	}
	for _, k := range []string{"revenue/2026-12-02_MANIFEST.json", "revenue/2026-12-02_SUCCESS"} {
		if _, err := fakeS3.Client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("finance-drop"), Key: aws.String(k)}); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, ok := exportCompleted(got.RunID); !ok {
		t.Error("no export.completed on SNS")
	}
}

func TestWrongEventFailsTheInvocation(t *testing.T) {
	ev := snsEvent(t, st.Clients.Names.MaskCompleted, events.TransformCompleted, "lx_wrong",
		events.TransformCompletedData{RunID: "lx_wrong", RunDate: "2026-12-01"})
	_, err := invoke(t, ev)
	if fe, ok := awsfake.IsFunctionError(err); !ok || !strings.Contains(fe.Message, `event "transform.completed", want "mask.completed"`) {
		t.Errorf("err = %v, want a function error naming the wrong event", err)
	}
	if _, err := invoke(t, []byte(`{"run_date":"2 Dec"}`)); err == nil || !strings.Contains(err.Error(), `run_date "2 Dec"`) {
		t.Errorf("bad run_date: err = %v", err)
	}
}
