package pubsub

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
)

// TestJournalRestoresOwedMessages: a server with a state directory is
// closed without its subscriber acking everything, a torn line is appended
// (a write cut by SIGKILL), and a new server on the same directory owes
// exactly the unacked messages; the journal is compacted on start.
func TestJournalRestoresOwedMessages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const topic, sub = "projects/p/topics/t", "projects/p/subscriptions/s"
	open := func() (*Server, *pubsub.Client) {
		t.Helper()
		s, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("PUBSUB_EMULATOR_HOST", s.Addr)
		c, err := pubsub.NewClient(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		return s, c
	}
	s, c := open()
	if _, err := c.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: topic}); err != nil {
		t.Fatal(err)
	}
	var msgs []*pubsubpb.PubsubMessage
	for _, d := range []string{"a", "b", "c", "d"} {
		msgs = append(msgs, &pubsubpb.PubsubMessage{Data: []byte(d)})
	}
	if _, err := c.TopicAdminClient.Publish(ctx, &pubsubpb.PublishRequest{Topic: topic, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	resp, err := c.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub, MaxMessages: 2})
	if err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	var ids []string
	for _, m := range resp.ReceivedMessages {
		acked[string(m.Message.Data)] = true
		ids = append(ids, m.AckId)
	}
	if err := c.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: sub, AckIds: ids}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, JournalFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"pub","name":"projects/p/top`)
	f.Close()

	s, c = open()
	defer s.Close()
	defer c.Close()
	got := map[string]bool{}
	for {
		resp, err := c.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub, MaxMessages: 10, ReturnImmediately: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.ReceivedMessages) == 0 {
			break
		}
		for _, m := range resp.ReceivedMessages {
			got[string(m.Message.Data)] = true
		}
	}
	for _, m := range msgs {
		if d := string(m.Data); got[d] == acked[d] {
			t.Errorf("message %s: acked before restart %v, delivered after %v", d, acked[d], got[d])
		}
	}
	st, err := readJournal(filepath.Join(dir, JournalFile))
	if err != nil {
		t.Fatalf("compacted journal: %v", err)
	}
	if got, want := len(st.msgs), 2; got != want {
		t.Errorf("compacted journal holds %d messages, want the %d owed", got, want)
	}
}
