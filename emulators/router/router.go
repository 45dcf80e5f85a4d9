// Package router does locally what Eventarc and Cloud Scheduler do in the
// cloud: it pulls messages from Pub/Sub subscriptions, turns them into
// CloudEvents (Pub/Sub messagePublished, or Cloud Storage object finalized
// for bucket notifications), POSTs them to the functions over HTTP through
// the functions framework, retries failures with exponential backoff, moves
// a message to its dead-letter topic after MaxAttempts, and fires scheduled
// functions on their cron.
//
// Like Eventarc's push subscription it keeps many requests in flight per
// route (Concurrency, default DefaultConcurrency) and acknowledges a message
// only after the function answered 2xx. It pulls with synchronous Pull, not
// streaming pull: pstest's streaming pull delivers ~92 messages a second per
// stream (MEASURED.md), synchronous Pull ~20k.
//
// Fidelity limits: retries are driven by the router (modifyAckDeadline
// backoff, whole seconds), not by the subscription's retry policy; attempts
// are counted in memory, so a restart starts them again; the ack deadline is
// the subscription's (120 s) and is not extended, so a delivery slower than
// that is redelivered while it runs, as push does; delivery is one message
// per request, like Eventarc; the scheduler ticks once a minute in UTC.
package router

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

// Kind says how a route turns a message into a CloudEvent.
type Kind int

const (
	// PubSubEvent delivers the message as google.cloud.pubsub.topic.v1.messagePublished.
	PubSubEvent Kind = iota
	// StorageEvent delivers a bucket notification as google.cloud.storage.object.v1.finalized.
	StorageEvent
)

// Route connects a topic to a function entry point.
type Route struct {
	Topic        string // topic id
	Subscription string // subscription id the router pulls
	Entry        string // function path, e.g. "Ingest"
	Kind         Kind
	DeadLetter   string // dead-letter topic id
}

// Schedule fires an entry point on a cron.
type Schedule struct {
	Name  string
	Cron  *config.Cron
	Entry string
	// CloudEvent, if true, posts a dev.sluice.schedule.v1.fired CloudEvent
	// (as Cloud Scheduler does with ce-* headers); else a plain HTTP POST.
	CloudEvent bool
}

// Defaults for the Router's zero fields.
const (
	// DefaultConcurrency is how many deliveries a route keeps in flight. The
	// functions decode each request on its own (shared/cloudfn), so many
	// at once are safe, as they are behind Eventarc. The local stack is one
	// process standing for every instance, so its one ingest Coalescer sees
	// all of them: 256 gave 58-63 messages per insertAll in the demo, 128
	// gave 40 (BENCHMARKS.md). In the cloud a request carries at most one
	// instance's concurrency (Terraform: 80) deliveries' rows.
	DefaultConcurrency = 256
	DefaultMaxAttempts = 5
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 10 * time.Second
	// maxPull bounds one Pull request (the Pub/Sub API allows 1000).
	maxPull = 1000
)

// Router delivers messages to functions.
type Router struct {
	PubSub       *pubsub.Client
	Project      string
	FunctionsURL string // e.g. http://127.0.0.1:8080
	MaxAttempts  int    // deliveries before the dead letter, default DefaultMaxAttempts
	// Concurrency is the number of deliveries in flight per route, default
	// DefaultConcurrency.
	Concurrency int
	// MinBackoff and MaxBackoff bound the wait before a failed message is
	// delivered again: MinBackoff doubled per failed attempt, at most
	// MaxBackoff, rounded up to whole seconds (an ack deadline).
	MinBackoff, MaxBackoff time.Duration
	HTTP                   *http.Client // default: no timeout, connections kept for Concurrency
	// Redeliver, if set, says how many more times a message that was
	// delivered successfully is delivered again (for chaos runs: Pub/Sub
	// delivers at least once, so every stage must take a message twice).
	// Instead of the ack the message goes back to Pub/Sub with an ack
	// deadline of 0-2 s, so redeliveries come out of order.
	Redeliver func(subscription, messageID string) int
	Log       *slog.Logger
	Now       func() time.Time

	routes    []Route
	schedules []Schedule

	httpOnce     sync.Once
	inflight     atomic.Int64
	lastActivity atomic.Int64 // unix nanos

	mu       sync.Mutex
	attempts map[string]int // subscription/messageID → failed attempts
	again    map[string]int // subscription/messageID → redeliveries still to come
	stats    map[string]*Stats
}

// Stats counts deliveries per entry point.
type Stats struct {
	Delivered, Failed, DeadLettered int64
	// InFlight is the number of deliveries running now, MaxInFlight the
	// most seen at once.
	InFlight, MaxInFlight int64
}

// AddRoute creates the topic, its dead-letter topic, the pull subscription
// and a subscription on the dead-letter topic (so dead letters can be
// inspected), if they do not exist.
func (r *Router) AddRoute(ctx context.Context, rt Route) error {
	for _, t := range []string{rt.Topic, rt.DeadLetter} {
		if err := r.EnsureTopic(ctx, t); err != nil {
			return err
		}
	}
	if err := r.EnsureSubscription(ctx, rt.Subscription, rt.Topic); err != nil {
		return err
	}
	if err := r.EnsureSubscription(ctx, rt.DeadLetter+"-inspect", rt.DeadLetter); err != nil {
		return err
	}
	r.routes = append(r.routes, rt)
	return nil
}

// AddSchedule registers a timer.
func (r *Router) AddSchedule(s Schedule) { r.schedules = append(r.schedules, s) }

// EnsureTopic creates a topic if it does not exist.
func (r *Router) EnsureTopic(ctx context.Context, id string) error {
	_, err := r.PubSub.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: r.topicName(id)})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("pubsub.CreateTopic(%s): %w", id, err)
	}
	return nil
}

// EnsureSubscription creates a pull subscription if it does not exist.
func (r *Router) EnsureSubscription(ctx context.Context, sub, topic string) error {
	_, err := r.PubSub.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name: r.subName(sub), Topic: r.topicName(topic), AckDeadlineSeconds: 120,
	})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("pubsub.CreateSubscription(%s): %w", sub, err)
	}
	return nil
}

func (r *Router) topicName(id string) string { return "projects/" + r.Project + "/topics/" + id }
func (r *Router) subName(id string) string   { return "projects/" + r.Project + "/subscriptions/" + id }

// Run pulls and delivers until ctx ends.
func (r *Router) Run(ctx context.Context) {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.Concurrency <= 0 {
		r.Concurrency = DefaultConcurrency
	}
	if r.MinBackoff <= 0 {
		r.MinBackoff = DefaultMinBackoff
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = max(DefaultMaxBackoff, r.MinBackoff)
	}
	r.MaxBackoff = max(r.MaxBackoff, r.MinBackoff)
	if r.Now == nil {
		r.Now = time.Now
	}
	r.client()
	r.mu.Lock()
	if r.attempts == nil {
		r.attempts = map[string]int{}
	}
	if r.stats == nil {
		r.stats = map[string]*Stats{}
	}
	r.mu.Unlock()
	r.touch()
	var wg sync.WaitGroup
	for _, rt := range r.routes {
		wg.Add(1)
		go func() { defer wg.Done(); r.pullLoop(ctx, rt) }()
	}
	if len(r.schedules) > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); r.scheduleLoop(ctx) }()
	}
	wg.Wait()
}

// client is r.HTTP, or the default made once: no timeout (functions run
// as long as they need), and a kept connection per delivery in flight
// instead of net/http's two per host.
func (r *Router) client() *http.Client {
	r.httpOnce.Do(func() {
		if r.HTTP == nil {
			n := max(r.Concurrency, DefaultConcurrency) * max(len(r.routes), 1)
			r.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, IdleConnTimeout: 90 * time.Second}}
		}
	})
	return r.HTTP
}

func (r *Router) touch() { r.lastActivity.Store(time.Now().UnixNano()) }

// pullLoop keeps up to Concurrency deliveries of one route in flight.
// Concurrency workers take messages from a local queue of up to four times
// that (at most one Pull's worth); the puller refills the queue with one
// Pull as soon as half of it is free (or it ran dry). Big pulls matter:
// pstest walks its whole backlog on every Pull (a third of the CPU at 128
// messages a Pull), and answers a Pull that finds nothing only after 500 ms
// unless told to return at once. A queued message has been pulled but not delivered: it
// counts as in flight for WaitIdle, and its ack deadline (the
// subscription's, 120 s) runs from the pull.
func (r *Router) pullLoop(ctx context.Context, rt Route) {
	queue := make(chan *pubsubpb.ReceivedMessage, max(r.Concurrency, min(4*r.Concurrency, maxPull)))
	taken := make(chan struct{}, 1) // a worker took a message: room in the queue
	acks := make(chan ack, r.Concurrency)
	var ackerDone, workers sync.WaitGroup
	ackerDone.Add(1)
	go func() { defer ackerDone.Done(); r.acker(ctx, rt, acks) }()
	for range r.Concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for m := range queue {
				select {
				case taken <- struct{}{}:
				default:
				}
				r.handle(ctx, rt, m, acks)
			}
		}()
	}
	defer func() {
		// Queued messages are dropped unacknowledged (they come back after
		// their ack deadline); running deliveries end with ctx.
		close(queue)
		workers.Wait()
		close(acks)
		ackerDone.Wait()
	}()
	idle := 5 * time.Millisecond
	for ctx.Err() == nil {
		free := cap(queue) - len(queue)
		if free < max(1, cap(queue)/2) && len(queue) > 0 {
			select {
			case <-taken:
			case <-ctx.Done():
				return
			}
			continue
		}
		resp, err := r.PubSub.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{
			Subscription: r.subName(rt.Subscription), MaxMessages: int32(min(free, maxPull)),
			ReturnImmediately: true, // an idle route polls below; pstest would hold an empty Pull 500 ms
		})
		if err != nil {
			if ctx.Err() == nil {
				r.Log.Warn("router: pull failed", "subscription", rt.Subscription, "error", err.Error())
				sleep(ctx, 200*time.Millisecond)
			}
			continue
		}
		if len(resp.ReceivedMessages) == 0 {
			// Nothing waiting: poll less often the longer it stays quiet.
			sleep(ctx, idle)
			idle = min(2*idle, 100*time.Millisecond)
			continue
		}
		idle = 5 * time.Millisecond
		r.touch()
		for _, m := range resp.ReceivedMessages {
			r.inflight.Add(1)
			queue <- m // never blocks: at most free messages were pulled
		}
	}
}

func (r *Router) begin(entry string) {
	r.mu.Lock()
	s := r.stat(entry)
	s.InFlight++
	s.MaxInFlight = max(s.MaxInFlight, s.InFlight)
	r.mu.Unlock()
}

func (r *Router) end(entry string) {
	r.mu.Lock()
	r.stat(entry).InFlight--
	r.mu.Unlock()
}

// settled marks a pulled message done with: acknowledged, left for its
// retry, or dropped at shutdown.
func (r *Router) settled() {
	r.inflight.Add(-1)
	r.touch()
}

// ack is one acknowledgement to send; done runs once it was sent (or failed).
type ack struct {
	id   string
	done func()
}

// acker sends acknowledgements in batches: whatever is queued when one
// request returns goes in the next, so under load one Acknowledge carries
// many messages and at rest each goes out at once.
func (r *Router) acker(ctx context.Context, rt Route, in <-chan ack) {
	for first := range in {
		batch := []ack{first}
	drain:
		for len(batch) < maxPull {
			select {
			case a, ok := <-in:
				if !ok {
					break drain
				}
				batch = append(batch, a)
			default:
				break drain
			}
		}
		ids := make([]string, len(batch))
		for i, a := range batch {
			ids[i] = a.id
		}
		// Sent even when ctx has ended: the deliveries succeeded.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if err := r.PubSub.SubscriptionAdminClient.Acknowledge(actx, &pubsubpb.AcknowledgeRequest{
			Subscription: r.subName(rt.Subscription), AckIds: ids,
		}); err != nil {
			r.Log.Warn("router: ack failed; the messages will be redelivered", "subscription", rt.Subscription, "messages", len(ids), "error", err.Error())
		}
		cancel()
		for _, a := range batch {
			a.done()
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (r *Router) stat(entry string) *Stats {
	s, ok := r.stats[entry]
	if !ok {
		s = &Stats{}
		r.stats[entry] = s
	}
	return s
}

// backoff is the wait after the n-th failed attempt, in whole seconds.
func (r *Router) backoff(n int) int32 {
	d := r.MinBackoff
	for i := 1; i < n && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	return int32((d + time.Second - 1) / time.Second)
}

// handle delivers one message and settles it: acknowledged after a 2xx
// answer (and only then), dead-lettered after MaxAttempts failures, else
// left to come back after the backoff. It returns once the message is
// settled (an ack has gone out, or the retry is scheduled).
func (r *Router) handle(ctx context.Context, rt Route, m *pubsubpb.ReceivedMessage, acks chan<- ack) {
	defer r.settled()
	if ctx.Err() != nil {
		return // shutting down: it comes back after its ack deadline
	}
	key := rt.Subscription + "/" + m.Message.MessageId
	r.begin(rt.Entry)
	err := r.deliver(ctx, rt, m.Message)
	r.end(rt.Entry)
	if err == nil {
		r.mu.Lock()
		delete(r.attempts, key)
		r.stat(rt.Entry).Delivered++
		if r.Redeliver != nil {
			if r.again == nil {
				r.again = map[string]int{}
			}
			n, seen := r.again[key]
			if !seen {
				n = r.Redeliver(rt.Subscription, m.Message.MessageId)
			}
			if n > 0 {
				r.again[key] = n - 1
				r.mu.Unlock()
				if err := r.modifyAckDeadline(ctx, rt, m.AckId, int32(rand.IntN(3))); err == nil {
					return
				}
				r.mu.Lock()
			}
			delete(r.again, key)
		}
		r.mu.Unlock()
		r.sendAck(acks, m.AckId)
		return
	}
	if ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	r.attempts[key]++
	n := r.attempts[key]
	r.stat(rt.Entry).Failed++
	r.mu.Unlock()
	if n >= r.MaxAttempts {
		if r.deadLetter(ctx, rt, m, n, err) {
			r.sendAck(acks, m.AckId)
		}
		return
	}
	// Exponential backoff through the ack deadline: the message comes back
	// when it expires, exactly as a nack with a retry policy.
	backoff := r.backoff(n)
	r.Log.Warn("router: delivery failed; will retry", "entry", rt.Entry, "message_id", m.Message.MessageId, "attempt", n, "retry_in_s", backoff, "error", err.Error())
	if err := r.modifyAckDeadline(ctx, rt, m.AckId, backoff); err != nil {
		r.Log.Warn("router: modifyAckDeadline failed; the message comes back after its ack deadline", "error", err.Error())
	}
}

// modifyAckDeadline sets a message's ack deadline, trying three times: a
// failed call leaves the message away for the whole subscription deadline.
func (r *Router) modifyAckDeadline(ctx context.Context, rt Route, ackID string, seconds int32) error {
	var err error
	for try := range 3 {
		if try > 0 {
			sleep(ctx, 100*time.Millisecond)
		}
		if err = r.PubSub.SubscriptionAdminClient.ModifyAckDeadline(ctx, &pubsubpb.ModifyAckDeadlineRequest{
			Subscription: r.subName(rt.Subscription), AckIds: []string{ackID}, AckDeadlineSeconds: seconds,
		}); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// sendAck queues an acknowledgement and waits until it has gone out, so a
// message counts as in flight until then.
func (r *Router) sendAck(acks chan<- ack, id string) {
	sent := make(chan struct{})
	acks <- ack{id, func() { close(sent) }}
	<-sent
}

// deadLetter publishes m to the route's dead-letter topic and reports
// whether it did (then the caller acknowledges m).
func (r *Router) deadLetter(ctx context.Context, rt Route, m *pubsubpb.ReceivedMessage, attempts int, cause error) bool {
	attrs := map[string]string{}
	for k, v := range m.Message.Attributes {
		attrs[k] = v
	}
	attrs["sluice_dead_letter_reason"] = truncate(cause.Error(), 1000)
	attrs["sluice_delivery_attempts"] = strconv.Itoa(attempts)
	attrs["sluice_source_subscription"] = rt.Subscription
	attrs["sluice_original_message_id"] = m.Message.MessageId
	_, err := r.PubSub.TopicAdminClient.Publish(ctx, &pubsubpb.PublishRequest{
		Topic: r.topicName(rt.DeadLetter), Messages: []*pubsubpb.PubsubMessage{{Data: m.Message.Data, Attributes: attrs}},
	})
	if err != nil {
		// Keep the message: better retried forever than lost.
		r.Log.Error("router: dead-letter publish failed; message kept", "topic", rt.DeadLetter, "error", err.Error())
		return false
	}
	r.mu.Lock()
	delete(r.attempts, rt.Subscription+"/"+m.Message.MessageId)
	r.stat(rt.Entry).DeadLettered++
	r.mu.Unlock()
	r.Log.Error("router: message dead-lettered", "entry", rt.Entry, "message_id", m.Message.MessageId, "attempts", attempts, "topic", rt.DeadLetter)
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// deliver POSTs one message as a binary-mode CloudEvent.
func (r *Router) deliver(ctx context.Context, rt Route, msg *pubsubpb.PubsubMessage) error {
	var (
		body              []byte
		ceType, ceSource  string
		ceSubject, ceTime string
		err               error
	)
	publish := msg.PublishTime.AsTime()
	ceTime = publish.UTC().Format(time.RFC3339Nano)
	switch rt.Kind {
	case PubSubEvent:
		ceType = events.TypePubSubPublished
		ceSource = "//pubsub.googleapis.com/projects/" + r.Project + "/topics/" + rt.Topic
		body, err = json.Marshal(events.MessagePublishedData{
			Message: events.PubSubMessage{Data: msg.Data, Attributes: msg.Attributes, MessageID: msg.MessageId,
				PublishTime: publish, OrderingKey: msg.OrderingKey},
			Subscription: r.subName(rt.Subscription),
		})
	case StorageEvent:
		if t := msg.Attributes["eventType"]; t != "OBJECT_FINALIZE" {
			return nil // only finalize is routed; other notifications are acknowledged
		}
		ceType = events.TypeObjectFinalized
		ceSource = "//storage.googleapis.com/projects/_/buckets/" + msg.Attributes["bucketId"]
		ceSubject = "objects/" + msg.Attributes["objectId"]
		body = msg.Data
	}
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.FunctionsURL+"/"+rt.Entry, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ce-specversion", "1.0")
	req.Header.Set("ce-id", msg.MessageId)
	req.Header.Set("ce-type", ceType)
	req.Header.Set("ce-source", ceSource)
	req.Header.Set("ce-time", ceTime)
	if ceSubject != "" {
		req.Header.Set("ce-subject", ceSubject)
	}
	return r.do(req)
}

func (r *Router) do(req *http.Request) error {
	resp, err := r.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s: %s", req.URL.Path, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// Fire calls a schedule's entry point now, as Cloud Scheduler's "force run"
// does. body is sent as is (nil for an empty JSON object).
func (r *Router) Fire(ctx context.Context, s Schedule, body []byte) error {
	if body == nil {
		body = []byte("{}")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.FunctionsURL+"/"+s.Entry, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.CloudEvent {
		req.Header.Set("ce-specversion", "1.0")
		req.Header.Set("ce-id", fmt.Sprintf("schedule-%s-%d", s.Name, time.Now().UnixNano()))
		req.Header.Set("ce-type", events.TypeScheduleFired)
		req.Header.Set("ce-source", "//cloudscheduler.googleapis.com/projects/"+r.Project+"/locations/local/jobs/"+s.Name)
	}
	r.inflight.Add(1)
	defer func() { r.inflight.Add(-1); r.touch() }()
	return r.do(req)
}

// Schedules returns the registered timers.
func (r *Router) Schedules() []Schedule { return r.schedules }

func (r *Router) scheduleLoop(ctx context.Context) {
	next := make([]time.Time, len(r.schedules))
	for i, s := range r.schedules {
		next[i] = s.Cron.Next(r.Now().UTC())
	}
	for ctx.Err() == nil {
		sleep(ctx, time.Second)
		now := r.Now().UTC()
		for i, s := range r.schedules {
			if now.Before(next[i]) {
				continue
			}
			next[i] = s.Cron.Next(now)
			go func() {
				if err := r.Fire(ctx, s, nil); err != nil && ctx.Err() == nil {
					r.Log.Error("router: scheduled run failed", "schedule", s.Name, "error", err.Error())
				}
			}()
		}
	}
}

// Stats returns a copy of the delivery counters per entry point.
func (r *Router) Stats() map[string]Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]Stats{}
	for k, v := range r.stats {
		out[k] = *v
	}
	return out
}

// ErrNotIdle is returned by WaitIdle when ctx ends first.
var ErrNotIdle = errors.New("router: still delivering")

// WaitIdle returns once nothing is in flight, no message is waiting for a
// retry, and no pull has returned a message for quiet.
func (r *Router) WaitIdle(ctx context.Context, quiet time.Duration) error {
	for {
		r.mu.Lock()
		pending := len(r.attempts) + len(r.again)
		r.mu.Unlock()
		last := time.Unix(0, r.lastActivity.Load())
		if r.inflight.Load() == 0 && pending == 0 && time.Since(last) >= quiet {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %d in flight, %d waiting for retry", ErrNotIdle, r.inflight.Load(), pending)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Routes returns the routes added so far (topic, subscription, dead-letter
// topic per trigger), for the status page's dead-letter backlog.
func (r *Router) Routes() []Route { return append([]Route(nil), r.routes...) }
