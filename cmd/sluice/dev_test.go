package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	dlp "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/shared/logging"
)

// TestDevServesEndpointsToRealClients starts `sluice dev`, reads its export
// lines, and uses each endpoint with the real Google client library the way
// a user would after evaluating those lines.
func TestDevServesEndpointsToRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	logging.Output = io.Discard
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runDev(ctx, pw, devOptions{workdir: t.TempDir(), control: "127.0.0.1:0", status: "127.0.0.1:0",
			pubsub: "127.0.0.1:0", gcs: "127.0.0.1:0", bigquery: "127.0.0.1:0", dlp: "127.0.0.1:0", dlpREST: "127.0.0.1:0", kms: "127.0.0.1:0"})
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for env["SLUICE_CONTROL_TOKEN"] == "" && sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if ok {
			env[k] = v
		}
	}
	go io.Copy(io.Discard, pr)
	for _, k := range []string{"PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST", "BIGQUERY_EMULATOR_HOST", "DLP_EMULATOR_HOST", "DLP_EMULATOR_REST_URL", "KMS_EMULATOR_HOST", "SLUICE_PROJECT"} {
		if env[k] == "" {
			t.Fatalf("sluice dev printed no %s line; got %v", k, env)
		}
		os.Setenv(k, env[k])
	}
	project := env["SLUICE_PROJECT"]

	// Pub/Sub: publish an event to the source topic; ingest lands it.
	ps, err := pubsub.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	pub := ps.Publisher("events")
	if _, err := pub.Publish(ctx, &pubsub.Message{Data: []byte(`{"event_id":"dev-1","user_id":"u1","event_type":"page_view","event_time":"2026-11-02T10:00:00Z"}`)}).Get(ctx); err != nil {
		t.Fatal(err)
	}
	pub.Stop()

	// Cloud Storage: the buckets exist and objects round-trip.
	gcs, err := storage.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Close()
	w := gcs.Bucket("exports").Object("hello.txt").NewWriter(ctx)
	fmt.Fprint(w, "hello")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := gcs.Bucket("exports").Object("hello.txt").NewReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "hello" {
		t.Errorf("read back %q", b)
	}

	// BigQuery: the event published above is queryable in raw.events.
	bq, err := bigquery.NewClient(ctx, project, option.WithEndpoint("http://"+env["BIGQUERY_EMULATOR_HOST"]), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer bq.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := countRows(ctx, bq, "SELECT COUNT(*) FROM raw.events WHERE event_id = 'dev-1'")
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("event not in raw.events after 30s (last: %d, %v)", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A forced transform run through the control endpoint builds curated.
	// Without the token the control endpoint refuses, and runs nothing.
	hresp, err := http.Post("http://"+env["SLUICE_CONTROL"]+"/run/transform", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(hresp.Body)
	hresp.Body.Close()
	if hresp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(msg), "SLUICE_CONTROL_TOKEN") {
		t.Errorf("control request without a token: %s %q, want 401 naming SLUICE_CONTROL_TOKEN", hresp.Status, msg)
	}
	if err := runCmd([]string{"transform", "--control", env["SLUICE_CONTROL"], "--token", "wrong"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("run with a wrong token: %v, want 401", err)
	}
	if n, err := countRows(ctx, bq, "SELECT COUNT(*) FROM curated.events WHERE event_id = 'dev-1'"); err == nil && n != 0 {
		t.Errorf("a refused control request ran transform: curated.events has %d rows", n)
	}
	if env["SLUICE_CONTROL_TOKEN"] == "" {
		t.Fatalf("sluice dev printed no SLUICE_CONTROL_TOKEN line; got %v", env)
	}
	if err := runCmd([]string{"transform", "--control", env["SLUICE_CONTROL"], "--token", env["SLUICE_CONTROL_TOKEN"], "--run-date", "2026-11-02"}); err != nil {
		t.Fatal(err)
	}
	if n, err := countRows(ctx, bq, "SELECT COUNT(*) FROM curated.events WHERE event_id = 'dev-1'"); err != nil || n != 1 {
		t.Errorf("curated.events after `sluice run transform`: %d rows, %v", n, err)
	}
	if err := runCmd([]string{"nonsense", "--control", env["SLUICE_CONTROL"], "--token", env["SLUICE_CONTROL_TOKEN"]}); err == nil || !strings.Contains(err.Error(), "want transform, mask or export") {
		t.Errorf("run nonsense: %v", err)
	}

	// DLP: inspection finds an email address.
	dc, err := dlp.NewClient(ctx, option.WithEndpoint(env["DLP_EMULATOR_HOST"]), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	resp, err := dc.InspectContent(ctx, &dlppb.InspectContentRequest{
		Parent:        "projects/" + project + "/locations/global",
		InspectConfig: &dlppb.InspectConfig{InfoTypes: []*dlppb.InfoType{{Name: "EMAIL_ADDRESS"}}},
		Item:          &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: "write to ada@example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if f := resp.GetResult().GetFindings(); len(f) != 1 || f[0].GetInfoType().GetName() != "EMAIL_ADDRESS" {
		t.Errorf("findings = %v", f)
	}
	// The same through the REST endpoint sluice dev printed.
	rc, err := dlp.NewRESTClient(ctx, option.WithEndpoint(env["DLP_EMULATOR_REST_URL"]), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	resp, err = rc.InspectContent(ctx, &dlppb.InspectContentRequest{
		Parent:        "projects/" + project + "/locations/global",
		InspectConfig: &dlppb.InspectConfig{InfoTypes: []*dlppb.InfoType{{Name: "EMAIL_ADDRESS"}}},
		Item:          &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: "write to ada@example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if f := resp.GetResult().GetFindings(); len(f) != 1 || f[0].GetInfoType().GetName() != "EMAIL_ADDRESS" {
		t.Errorf("REST findings = %v", f)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runDev: %v", err)
	}
}

func countRows(ctx context.Context, c *bigquery.Client, sql string) (int64, error) {
	q := c.Query(sql)
	it, err := q.Read(ctx)
	if err != nil {
		return 0, err
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		if errors.Is(err, iterator.Done) {
			return 0, nil
		}
		return 0, err
	}
	return row[0].(int64), nil
}
