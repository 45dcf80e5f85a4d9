package router_test

import (
	"context"
	"encoding/json"
	"fmt"
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

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is pstest with a real Pub/Sub client, a function endpoint and a
// router with one route "in" → Fn.
type fixture struct {
	ps     *pubsubemu.Server
	client *pubsub.Client
	rt     *router.Router
}

func newFixture(t testing.TB, ctx context.Context, fn http.HandlerFunc, configure func(*router.Router)) *fixture {
	t.Helper()
	ps, err := pubsubemu.New("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	client, err := pubsub.NewClient(ctx, "p", option.WithEndpoint(ps.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	srv := httptest.NewServer(fn)
	t.Cleanup(srv.Close)
	rt := &router.Router{PubSub: client, Project: "p", FunctionsURL: srv.URL, Log: quiet}
	if configure != nil {
		configure(rt)
	}
	if err := rt.AddRoute(ctx, router.Route{Topic: "in", Subscription: "in-sub", Entry: "Fn", Kind: router.PubSubEvent, DeadLetter: "in-dlq"}); err != nil {
		t.Fatal(err)
	}
	return &fixture{ps, client, rt}
}

// start runs the router until the test ends.
func (f *fixture) start(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (f *fixture) publish(t *testing.T, ctx context.Context, data ...string) []string {
	t.Helper()
	pub := f.client.Publisher("in")
	defer pub.Stop()
	var results []*pubsub.PublishResult
	for _, d := range data {
		results = append(results, pub.Publish(ctx, &pubsub.Message{Data: []byte(d), Attributes: map[string]string{"k": "v"}}))
	}
	ids := make([]string, len(results))
	for i, r := range results {
		id, err := r.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

func decode(r *http.Request) events.MessagePublishedData {
	body, _ := io.ReadAll(r.Body)
	var d events.MessagePublishedData
	json.Unmarshal(body, &d)
	return d
}

// waitFor polls cond; the deadline only bounds a broken router.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitIdle(rt *router.Router) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return rt.WaitIdle(ctx, 0)
}

// TestManyInFlight: the router keeps many deliveries of one route in flight
// at once, as Eventarc's push subscription does. Each call holds until 32
// calls are running together; with one delivery at a time that never
// happens and the test fails (checked: Concurrency 1 times out).
func TestManyInFlight(t *testing.T) {
	ctx := context.Background()
	const want, limit, total = 32, 64, 200
	var mu sync.Mutex
	running, maxRunning, calls := 0, 0, 0
	reached := make(chan struct{})
	var once sync.Once
	seen := map[string]int{}
	f := newFixture(t, ctx, func(w http.ResponseWriter, r *http.Request) {
		d := decode(r)
		mu.Lock()
		calls++
		seen[string(d.Message.Data)]++
		running++
		maxRunning = max(maxRunning, running)
		if maxRunning >= want {
			once.Do(func() { close(reached) })
		}
		mu.Unlock()
		select {
		case <-reached:
		case <-time.After(30 * time.Second):
			http.Error(w, "never saw 32 deliveries at once", http.StatusInternalServerError)
		}
		mu.Lock()
		running--
		mu.Unlock()
	}, func(rt *router.Router) { rt.Concurrency = limit })
	f.start(t)
	var data []string
	for i := range total {
		data = append(data, fmt.Sprintf("m%03d", i))
	}
	f.publish(t, ctx, data...)
	waitFor(t, "all delivered", func() bool { return f.rt.Stats()["Fn"].Delivered == total })
	if err := waitIdle(f.rt); err != nil {
		t.Error(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if maxRunning < want || maxRunning > limit {
		t.Errorf("at most %d deliveries ran at once; want %d..%d (Concurrency)", maxRunning, want, limit)
	}
	if calls != total || len(seen) != total {
		t.Errorf("%d calls for %d distinct messages, want %d each", calls, len(seen), total)
	}
	s := f.rt.Stats()["Fn"]
	if s.MaxInFlight < want || s.MaxInFlight > limit || s.InFlight != 0 || s.Failed != 0 {
		t.Errorf("stats = %+v", s)
	}
	for _, m := range f.ps.Messages() {
		if m.Topic == "projects/p/topics/in" && m.Acks != 1 {
			t.Errorf("message %s acked %d times, want 1", m.Data, m.Acks)
		}
	}
}

// TestRetryThenDeadLetter: a failing message is retried with growing
// backoff, then lands on the dead-letter topic with the reason; a healthy
// message is delivered once as a CloudEvent.
func TestRetryThenDeadLetter(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	calls := map[string][]time.Time{}
	var delivered []events.MessagePublishedData
	f := newFixture(t, ctx, func(w http.ResponseWriter, r *http.Request) {
		d := decode(r)
		mu.Lock()
		defer mu.Unlock()
		calls[string(d.Message.Data)] = append(calls[string(d.Message.Data)], time.Now())
		if r.Header.Get("ce-type") != events.TypePubSubPublished || r.Header.Get("ce-id") == "" {
			http.Error(w, "not a CloudEvent", http.StatusBadRequest)
			return
		}
		if string(d.Message.Data) == "poison" {
			http.Error(w, "always fails", http.StatusInternalServerError)
			return
		}
		delivered = append(delivered, d)
	}, func(rt *router.Router) {
		rt.MaxAttempts = 3
		rt.MinBackoff = time.Second
		rt.MaxBackoff = 4 * time.Second
	})
	f.start(t)
	f.publish(t, ctx, "good", "poison")
	waitFor(t, "delivery and dead letter", func() bool { s := f.rt.Stats()["Fn"]; return s.Delivered+s.DeadLettered == 2 })
	if err := waitIdle(f.rt); err != nil {
		t.Error(err)
	}

	mu.Lock()
	if len(calls["good"]) != 1 || len(delivered) != 1 || delivered[0].Message.Attributes["k"] != "v" {
		t.Errorf("good message: %d calls, delivered %+v", len(calls["good"]), delivered)
	}
	p := calls["poison"]
	if len(p) != 3 {
		t.Fatalf("poison message: %d calls, want 3 (MaxAttempts)", len(p))
	}
	// The message may not come back before its backoff: 1 s, then 2 s.
	for i, least := range []time.Duration{time.Second, 2 * time.Second} {
		if gap := p[i+1].Sub(p[i]); gap < least-50*time.Millisecond {
			t.Errorf("attempt %d came %v after the one before, want at least %v", i+2, gap, least)
		}
	}
	mu.Unlock()
	resp, err := f.client.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: "projects/p/subscriptions/in-dlq-inspect", MaxMessages: 10})
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
	if s := f.rt.Stats()["Fn"]; s.Delivered != 1 || s.DeadLettered != 1 || s.Failed != 3 {
		t.Errorf("stats = %+v", s)
	}
	for _, m := range f.ps.Messages() {
		if m.Topic == "projects/p/topics/in" && m.Acks != 1 {
			t.Errorf("message %s acked %d times, want 1 (after success or after the dead letter)", m.Data, m.Acks)
		}
	}
}

// TestNoAckBeforeSuccess: while the function is still working, and after it
// failed, the message is not acknowledged; it is acknowledged once, after
// the 2xx answer.
func TestNoAckBeforeSuccess(t *testing.T) {
	ctx := context.Background()
	entered := make(chan string, 10)
	release := make(chan int, 10) // status to answer with
	f := newFixture(t, ctx, func(w http.ResponseWriter, r *http.Request) {
		entered <- string(decode(r).Message.Data)
		if code := <-release; code != http.StatusOK {
			http.Error(w, "failing on purpose", code)
		}
	}, func(rt *router.Router) { rt.MinBackoff = time.Second })
	t.Cleanup(func() { close(release) }) // unblock the function if the test stops early
	f.start(t)
	id := f.publish(t, ctx, "slow")[0]
	acks := func() int {
		m := f.ps.Message(id)
		if m == nil {
			t.Fatalf("pstest lost message %s", id)
		}
		return m.Acks
	}

	<-entered
	if n := acks(); n != 0 {
		t.Fatalf("acked %d times while the function was running", n)
	}
	release <- http.StatusServiceUnavailable
	<-entered // the retry
	if n := acks(); n != 0 {
		t.Fatalf("acked %d times after a 503", n)
	}
	if s := f.rt.Stats()["Fn"]; s.Failed != 1 || s.Delivered != 0 {
		t.Errorf("stats after the failure = %+v", s)
	}
	release <- http.StatusOK
	waitFor(t, "the ack", func() bool { return acks() == 1 })
	if err := waitIdle(f.rt); err != nil {
		t.Error(err)
	}
	if s := f.rt.Stats()["Fn"]; s.Failed != 1 || s.Delivered != 1 || s.InFlight != 0 {
		t.Errorf("stats = %+v", s)
	}
	if m := f.ps.Message(id); m.Deliveries != 2 || m.Acks != 1 {
		t.Errorf("pstest: %d deliveries, %d acks; want 2 and 1", m.Deliveries, m.Acks)
	}
}

// TestRedeliver: a message the Redeliver hook asks for twice more reaches
// the function three times, through Pub/Sub, and WaitIdle waits for the
// redeliveries.
func TestRedeliver(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var order []string
	f := newFixture(t, ctx, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, string(decode(r).Message.Data))
		mu.Unlock()
	}, func(rt *router.Router) {
		rt.Redeliver = func(sub, id string) int { return 2 }
	})
	f.start(t)
	f.publish(t, ctx, "a", "b", "c")
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	time.Sleep(100 * time.Millisecond)
	if err := f.rt.WaitIdle(wctx, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	got := map[string]int{}
	for _, d := range order {
		got[d]++
	}
	for _, d := range []string{"a", "b", "c"} {
		if got[d] != 3 {
			t.Errorf("message %q delivered %d times, want 3 (%v)", d, got[d], order)
		}
	}
	if s := f.rt.Stats()["Fn"]; s.Delivered != 9 {
		t.Errorf("Delivered = %d, want 9", s.Delivered)
	}
}
