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

// Publish sends a stage event as a Pub/Sub message with attributes "event"
// and "run_id", and waits until the service has it.
func Publish(ctx context.Context, c *pubsub.Client, topic, event, runID string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", event, err)
	}
	pub := c.Publisher(topic)
	defer pub.Stop()
	res := pub.Publish(ctx, &pubsub.Message{Data: b, Attributes: map[string]string{"event": event, "run_id": runID}})
	if _, err := res.Get(ctx); err != nil {
		return fmt.Errorf("pubsub.Publisher(%s).Publish(%s): %w", topic, event, err)
	}
	return nil
}

// NewRunID returns a sortable, unique run id such as 20261127T231500_3f9a1c.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return now.UTC().Format("20060102T150405") + "_" + hex.EncodeToString(b)
}
