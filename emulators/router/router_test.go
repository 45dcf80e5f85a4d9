package router_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pubsubemu "github.com/sluice-data/sluice/emulators/pubsub"
	"github.com/sluice-data/sluice/emulators/router"
	"github.com/sluice-data/sluice/shared/events"
)

// TestRetryThenDeadLetter runs the router against a real Pub/Sub emulator
// and a real HTTP endpoint that fails: the message is retried, then lands on
// the dead-letter topic with the reason, and a healthy message is delivered
// once as a CloudEvent.
func TestRetryThenDeadLetter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ps, err := pubsubemu.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	client, err := pubsub.NewClient(ctx, "p", option.WithEndpoint(ps.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	var mu sync.Mutex
	calls := map[string]int{}
	var delivered []events.MessagePublishedData
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var d events.MessagePublishedData
		json.Unmarshal(body, &d)
		mu.Lock()
		defer mu.Unlock()
		calls[string(d.Message.Data)]++
		if r.Header.Get("ce-type") != events.TypePubSubPublished || r.Header.Get("ce-id") == "" {
			http.Error(w, "not a CloudEvent", http.StatusBadRequest)
			return
		}
		if string(d.Message.Data) == "poison" {
			http.Error(w, "always fails", http.StatusInternalServerError)
			return
		}
		delivered = append(delivered, d)
	}))
	defer fn.Close()

	rt := &router.Router{PubSub: client, Project: "p", FunctionsURL: fn.URL, MaxAttempts: 3,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := rt.AddRoute(ctx, router.Route{Topic: "in", Subscription: "in-sub", Entry: "Fn", Kind: router.PubSubEvent, DeadLetter: "in-dlq"}); err != nil {
		t.Fatal(err)
	}
	go rt.Run(ctx)
	pub := client.Publisher("in")
	for _, m := range []string{"good", "poison"} {
		if _, err := pub.Publish(ctx, &pubsub.Message{Data: []byte(m), Attributes: map[string]string{"k": "v"}}).Get(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pub.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for s := rt.Stats()["Fn"]; s.Delivered+s.DeadLettered < 2; s = rt.Stats()["Fn"] {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered within 30s: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	if calls["good"] != 1 || len(delivered) != 1 || delivered[0].Message.Attributes["k"] != "v" {
		t.Errorf("good message: %d calls, delivered %+v", calls["good"], delivered)
	}
	if calls["poison"] != 3 {
		t.Errorf("poison message: %d calls, want 3 (MaxAttempts)", calls["poison"])
	}
	mu.Unlock()
	resp, err := client.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: "projects/p/subscriptions/in-dlq-inspect", MaxMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.ReceivedMessages) != 1 {
		t.Fatalf("dead-letter topic holds %d messages, want 1", len(resp.ReceivedMessages))
	}
	m := resp.ReceivedMessages[0].Message
	if string(m.Data) != "poison" || m.Attributes["sluice_delivery_attempts"] != "3" || m.Attributes["k"] != "v" || m.Attributes["sluice_dead_letter_reason"] == "" {
		t.Errorf("dead letter = %q %v", m.Data, m.Attributes)
	}
	if s := rt.Stats()["Fn"]; s.Delivered != 1 || s.DeadLettered != 1 || s.Failed != 3 {
		t.Errorf("stats = %+v", s)
	}
}
