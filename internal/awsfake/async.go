package awsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Async invokes a function asynchronously, as S3 and SNS invoke Lambda:
// each event in its own goroutine; a function error is retried (Lambda's
// default for asynchronous invocation is two retries), then the event is
// kept in Failures, as an on-failure destination would keep it. Fidelity
// limits: retries follow at once (Lambda waits a minute, then two), no
// event age limit, no throttling.
type Async struct {
	Invoke Invoker
	// Retries after the first attempt (default 2; negative: none).
	Retries int

	mu       sync.Mutex
	failures []AsyncFailure
	wg       sync.WaitGroup
	pending  atomic.Int64
	// Events counts the events sent, Attempts the invocations made.
	Events, Attempts atomic.Int64
}

// AsyncFailure is an event that failed every attempt.
type AsyncFailure struct {
	Payload []byte
	Err     error
}

// Send queues payload for the function and returns at once.
func (a *Async) Send(ctx context.Context, payload []byte) {
	a.Events.Add(1)
	a.pending.Add(1)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer a.pending.Add(-1)
		retries := a.Retries
		if retries == 0 {
			retries = 2
		}
		var err error
		for i := 0; i <= max(retries, 0); i++ {
			a.Attempts.Add(1)
			if _, err = a.Invoke(ctx, payload); err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			a.mu.Lock()
			a.failures = append(a.failures, AsyncFailure{Payload: payload, Err: err})
			a.mu.Unlock()
		}
	}()
}

// Pending is the events not yet settled (handled or failed for good).
func (a *Async) Pending() int64 { return a.pending.Load() }

// Wait waits until every event sent so far is settled.
func (a *Async) Wait() { a.wg.Wait() }

// Failures returns the events that failed every attempt.
func (a *Async) Failures() []AsyncFailure {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AsyncFailure(nil), a.failures...)
}

// SNSLambdaEvent is the event SNS invokes a subscribed function with for
// n: aws-lambda-go's events.SNSEvent, one record, attributes as
// {"Type", "Value"}. Unlike SNSEvent it needs no module cache.
func SNSLambdaEvent(n SNSNotification) ([]byte, error) {
	ts, err := time.Parse(time.RFC3339Nano, n.Timestamp)
	if err != nil && n.Timestamp != "" {
		return nil, fmt.Errorf("awsfake: SNS timestamp %q: %w", n.Timestamp, err)
	}
	if n.Timestamp == "" {
		ts = time.Now().UTC()
	}
	attrs := map[string]any{}
	for k, v := range n.MessageAttributes {
		attrs[k] = map[string]any{"Type": v.Type, "Value": v.Value}
	}
	ev := events.SNSEvent{Records: []events.SNSEventRecord{{
		EventVersion: "1.0", EventSource: "aws:sns",
		EventSubscriptionArn: n.TopicArn + ":00000000-0000-0000-0000-000000000000",
		SNS: events.SNSEntity{
			Type: "Notification", MessageID: n.MessageID, TopicArn: n.TopicArn, Subject: n.Subject, Message: n.Message,
			Timestamp: ts, MessageAttributes: attrs, SignatureVersion: "1", Signature: "awsfake",
			SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-awsfake.pem",
			UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
		},
	}}}
	return json.Marshal(ev)
}
