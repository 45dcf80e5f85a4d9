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
// Storage a write, and Pub/Sub published messages to a user's topic with
// two subscriptions (one acked some of them, one some others, one delivery
// left unacked), then started again on the same workdir. Every acknowledged
// row and the object are there, so are the user's topic and subscriptions
// with their settings, and each subscription owes exactly the messages it
// had not acked (README, "What survives a crash").
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
	if _, err := pc.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: userTopic, Labels: map[string]string{"team": "crash"}}); err != nil {
		t.Fatal(err)
	}
	subA, subB := "projects/"+project+"/subscriptions/crash-a", "projects/"+project+"/subscriptions/crash-b"
	for _, s := range []string{subA, subB} {
		if _, err := pc.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: s, Topic: userTopic, AckDeadlineSeconds: 42}); err != nil {
			t.Fatal(err)
		}
	}
	const published = 20
	var msgs []*pubsubpb.PubsubMessage
	for i := range published {
		msgs = append(msgs, &pubsubpb.PubsubMessage{Data: []byte(fmt.Sprintf("msg-%02d", i)), Attributes: map[string]string{"i": fmt.Sprint(i)}})
	}
	if _, err := pc.TopicAdminClient.Publish(ctx, &pubsubpb.PublishRequest{Topic: userTopic, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	// pullAck pulls n messages from sub and acks them; it returns their data.
	pullAck := func(sub string, n int, ack bool) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		for len(got) < n {
			resp, err := pc.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub, MaxMessages: int32(n - len(got))})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range resp.ReceivedMessages {
				got[string(m.Message.Data)] = true
				ids = append(ids, m.AckId)
			}
			if ack && len(ids) > 0 {
				if err := pc.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: sub, AckIds: ids}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return got
	}
	ackedA := pullAck(subA, 5, true)
	pullAck(subA, 3, false) // delivered, not acked: still owed
	ackedB := pullAck(subB, 2, true)
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
	top, err := pc.TopicAdminClient.GetTopic(ctx, &pubsubpb.GetTopicRequest{Topic: userTopic})
	if err != nil {
		t.Fatalf("the user's topic after restart: %v", err)
	}
	if got := top.Labels["team"]; got != "crash" {
		t.Errorf("the user's topic after restart has label team=%q, want crash", got)
	}
	for _, c := range []struct {
		sub   string
		acked map[string]bool
	}{{subA, ackedA}, {subB, ackedB}} {
		s, err := pc.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: c.sub})
		if err != nil {
			t.Fatalf("subscription %s after restart: %v", c.sub, err)
		}
		if s.AckDeadlineSeconds != 42 || s.Topic != userTopic {
			t.Errorf("subscription %s after restart: topic %s, ack deadline %d; want %s, 42", c.sub, s.Topic, s.AckDeadlineSeconds, userTopic)
		}
		want := map[string]bool{}
		for _, m := range msgs {
			if !c.acked[string(m.Data)] {
				want[string(m.Data)] = true
			}
		}
		got := map[string]bool{}
		for {
			resp, err := pc.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: c.sub, MaxMessages: 100, ReturnImmediately: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.ReceivedMessages) == 0 {
				break
			}
			for _, m := range resp.ReceivedMessages {
				if got[string(m.Message.Data)] {
					t.Errorf("%s: %s delivered twice after restart", c.sub, m.Message.Data)
				}
				got[string(m.Message.Data)] = true
				if m.Message.Attributes["i"] == "" {
					t.Errorf("%s: %s lost its attributes", c.sub, m.Message.Data)
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s after SIGKILL and restart owes %d messages, want the %d it had not acked", c.sub, len(got), len(want))
		}
		for d := range want {
			if !got[d] {
				t.Errorf("%s: unacked message %s lost in the crash", c.sub, d)
			}
		}
		for d := range got {
			if !want[d] {
				t.Errorf("%s: acked message %s delivered again after restart", c.sub, d)
			}
		}
	}
}
