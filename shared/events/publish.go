package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"cloud.google.com/go/pubsub/v2"
)

// Publisher sends one stage event (transform.completed, mask.completed,
// export.completed) and returns once the service has it. The cores publish
// through it: Pub/Sub on Google Cloud (PubSub here), SNS on AWS
// (shared/aws.SNSPublisher).
type Publisher interface {
	PublishEvent(ctx context.Context, m Message) error
}

// Message is one stage event: Topic is the deployed topic name (gcp.Names),
// Event the stage event name, Data the JSON payload. Every publisher carries
// Event and RunID as the message attributes "event" and "run_id".
type Message struct {
	Topic, Event, RunID string
	Data                []byte
}

// Send encodes data as JSON and publishes it through p.
func Send(ctx context.Context, p Publisher, topic, event, runID string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", event, err)
	}
	return p.PublishEvent(ctx, Message{Topic: topic, Event: event, RunID: runID, Data: b})
}

// PubSub publishes stage events as Pub/Sub messages.
type PubSub struct{ Client *pubsub.Client }

// PublishEvent publishes m to the topic and waits for the server's ack.
func (p PubSub) PublishEvent(ctx context.Context, m Message) error {
	if p.Client == nil {
		return fmt.Errorf("publish %s to %s: no Pub/Sub client and no other publisher configured", m.Event, m.Topic)
	}
	pub := p.Client.Publisher(m.Topic)
	defer pub.Stop()
	res := pub.Publish(ctx, &pubsub.Message{Data: m.Data, Attributes: map[string]string{"event": m.Event, "run_id": m.RunID}})
	if _, err := res.Get(ctx); err != nil {
		return fmt.Errorf("pubsub.Publisher(%s).Publish(%s): %w", m.Topic, m.Event, err)
	}
	return nil
}

// PublisherOr is p, or Pub/Sub through c when p is nil: the cores keep a
// Pub/Sub client field for the Cloud Functions and take any Publisher.
func PublisherOr(p Publisher, c *pubsub.Client) Publisher {
	if p != nil {
		return p
	}
	return PubSub{Client: c}
}

// Publish sends a stage event as a Pub/Sub message with attributes "event"
// and "run_id", and waits until the service has it.
func Publish(ctx context.Context, c *pubsub.Client, topic, event, runID string, data any) error {
	return Send(ctx, PubSub{Client: c}, topic, event, runID, data)
}

// NewRunID returns a sortable, unique run id such as 20261127T231500_3f9a1c.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return now.UTC().Format("20060102T150405") + "_" + hex.EncodeToString(b)
}
