package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/storage"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// devChildEnv names the workdir of the `sluice dev` that
// TestDevCrashChild serves when the test binary is started as a child.
const devChildEnv = "SLUICE_DEV_CRASH_CHILD"

// TestDevCrashChild is not a test: started by TestDevStateSurvivesSIGKILL
// as a child process, it runs `sluice dev` until killed.
func TestDevCrashChild(t *testing.T) {
	dir := os.Getenv(devChildEnv)
	if dir == "" {
		t.Skip("helper process for TestDevStateSurvivesSIGKILL")
	}
	err := runDev(context.Background(), os.Stdout, devOptions{workdir: dir, control: "127.0.0.1:0",
		pubsub: "127.0.0.1:0", gcs: "127.0.0.1:0", bigquery: "127.0.0.1:0", dlp: "127.0.0.1:0", dlpREST: "127.0.0.1:0", kms: "127.0.0.1:0"})
	fmt.Fprintln(os.Stderr, "sluice dev:", err)
	os.Exit(3)
}

// TestDevStateSurvivesSIGKILL: `sluice dev` is killed with SIGKILL right
// after BigQuery acknowledged concurrent insertAll requests and Cloud
// Storage a write, then started again on the same workdir. Every
// acknowledged row and the object are there, and so are the topics and
// subscriptions the pipeline uses (the stack creates them at start). A
// topic a user created, and messages not yet delivered, are not kept:
// pstest holds them in memory (README, "What survives a crash").
func TestDevStateSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	ctx := context.Background()
	start := func() (map[string]string, *exec.Cmd) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDevCrashChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), devChildEnv+"="+dir)
		for _, k := range []string{"PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST", "BIGQUERY_EMULATOR_HOST", "DLP_EMULATOR_HOST", "KMS_EMULATOR_HOST"} {
			cmd.Env = append(cmd.Env, k+"=") // start its own emulators
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		env := map[string]string{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok {
				env[k] = v
			}
			if _, ok := env["SLUICE_CONTROL_TOKEN"]; ok {
				break
			}
		}
		if env["SLUICE_CONTROL_TOKEN"] == "" {
			t.Fatal("sluice dev did not print its endpoints")
		}
		go io.Copy(io.Discard, out)
		return env, cmd
	}
	kill := func(cmd *exec.Cmd) {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
	}
	clients := func(env map[string]string) (*bigquery.Client, *storage.Client, *pubsub.Client) {
		t.Helper()
		for _, k := range []string{"PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST"} {
			t.Setenv(k, env[k])
		}
		bc, err := bigquery.NewClient(ctx, env["SLUICE_PROJECT"], option.WithEndpoint("http://"+env["BIGQUERY_EMULATOR_HOST"]), option.WithoutAuthentication())
		if err != nil {
			t.Fatal(err)
		}
		sc, err := storage.NewClient(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := pubsub.NewClient(ctx, env["SLUICE_PROJECT"])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bc.Close(); sc.Close(); pc.Close() })
		return bc, sc, pc
	}

	env, cmd := start()
	bc, sc, pc := clients(env)
	project := env["SLUICE_PROJECT"]
	if err := bc.Dataset("crash").Create(ctx, &bigquery.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatal(err)
	}
	schema := bigquery.Schema{{Name: "id", Type: bigquery.StringFieldType}}
	if err := bc.Dataset("crash").Table("rows").Create(ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	if err := sc.Bucket("crash-objects").Create(ctx, project, nil); err != nil {
		t.Fatal(err)
	}
	userTopic := "projects/" + project + "/topics/crash-user-topic"
	if _, err := pc.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: userTopic}); err != nil {
		t.Fatal(err)
	}
	ins := bc.Dataset("crash").Table("rows").Inserter()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows := make([]*bigquery.ValuesSaver, 50)
			for i := range rows {
				id := fmt.Sprintf("q%d-%d", r, i)
				rows[i] = &bigquery.ValuesSaver{Schema: schema, InsertID: id, Row: []bigquery.Value{id}}
			}
			errs <- ins.Put(ctx, rows)
		}()
	}
	w := sc.Bucket("crash-objects").Object("kept.txt").NewWriter(ctx)
	w.Write([]byte("acknowledged bytes"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	kill(cmd) // at once: no flush, no Close
	close(errs)
	acked := 0
	for err := range errs {
		if err != nil {
			t.Fatalf("insertAll: %v", err)
		}
		acked += 50
	}

	env, _ = start()
	bc, sc, pc = clients(env)
	it, err := bc.Query("SELECT COUNT(DISTINCT id) FROM crash.rows").Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		t.Fatal(err)
	}
	if got := row[0].(int64); got != int64(acked) {
		t.Errorf("after SIGKILL and restart crash.rows has %d rows, %d were acknowledged", got, acked)
	}
	r, err := sc.Bucket("crash-objects").Object("kept.txt").NewReader(ctx)
	if err != nil {
		t.Fatalf("the acknowledged object after SIGKILL and restart: %v", err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "acknowledged bytes" {
		t.Errorf("object after restart: %q", b)
	}
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	names := gcp.NamesFor("", p)
	if _, err := pc.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: "projects/" + project + "/subscriptions/sluice-ingest-events"}); err != nil {
		t.Errorf("the ingest subscription after restart: %v", err)
	}
	if _, err := pc.TopicAdminClient.GetTopic(ctx, &pubsubpb.GetTopicRequest{Topic: "projects/" + project + "/topics/" + names.TransformCompleted}); err != nil {
		t.Errorf("topic %s after restart: %v", names.TransformCompleted, err)
	}
	// Documented as not kept; if this starts to pass, update the README.
	if _, err := pc.TopicAdminClient.GetTopic(ctx, &pubsubpb.GetTopicRequest{Topic: userTopic}); status.Code(err) != codes.NotFound {
		t.Errorf("a user's topic after restart: %v, want NotFound as the README says (pstest keeps no state)", err)
	}
}
