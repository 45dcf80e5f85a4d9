// Package ingest is the ingest function: it receives Pub/Sub messages and
// Cloud Storage object-finalized events as CloudEvents, lands their records
// in raw.<source>, and keeps every record that cannot land in the rejects
// table with its reason and original bytes. Bad data is acknowledged (the
// function returns nil); only faults worth retrying return an error.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/sluice-data/sluice/shared/cloudfn"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/logging"
)

// EntryPoint is the name Cloud Functions and the local router call.
const EntryPoint = "Ingest"

func init() {
	cloudfn.Register(EntryPoint, Handle)
}

var (
	mu      sync.Mutex
	clients gcp.Cache
	log     = logging.New(logging.Stdout, slog.LevelInfo)
	landers = map[*gcp.Clients]*Lander{}
)

func lander(c *gcp.Clients) *Lander {
	if l, ok := landers[c]; ok {
		return l
	}
	l := &Lander{BigQuery: c.BigQuery, Storage: c.Storage, Pipeline: c.Pipeline, Names: c.Names, Now: time.Now, Log: log,
		Coalesce: &Coalescer{}}
	landers[c] = l
	return l
}

// Handle is the CloudEvent entry point.
func Handle(ctx context.Context, e cloudevents.Event) (err error) {
	c, err := clients.Get(ctx)
	if err != nil {
		return fmt.Errorf("ingest: clients: %w", err)
	}
	mu.Lock()
	l := lander(c)
	mu.Unlock()
	// A bug tripped by one event must not crash the instance or retry
	// forever: keep the event whole as a reject (it can be replayed once
	// fixed) and acknowledge it.
	defer func() {
		if p := recover(); p != nil {
			log.Error("ingest panicked", "id", e.ID(), "panic", fmt.Sprint(p))
			err = l.writeRejects(ctx, []reject{{"", ReasonInternal, panicDetail("CloudEvent "+eventOrigin(e.Source(), e.Subject(), e.ID()), p), e.Data(), eventOrigin(e.Source(), e.Subject(), e.ID())}})
		}
	}()
	switch e.Type() {
	case events.TypePubSubPublished:
		var d events.MessagePublishedData
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			// The envelope itself is broken: nothing to land, nothing to retry.
			log.Error("undecodable Pub/Sub event", "id", e.ID(), "error", err)
			return l.writeRejects(ctx, []reject{{"", ReasonInvalidJSON, "Pub/Sub CloudEvent data: " + err.Error(), e.Data(), eventOrigin(e.Source(), e.Subject(), e.ID())}})
		}
		topic := topicFromSource(e.Source())
		res, err := l.LandMessage(ctx, topic, d.Message)
		if err != nil {
			return err
		}
		log.Debug("message landed", "topic", topic, "message_id", d.Message.MessageID, "landed", res.Landed, "rejected", res.Rejected)
		return nil
	case events.TypeObjectFinalized:
		var d events.StorageObjectData
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			log.Error("undecodable storage event", "id", e.ID(), "error", err)
			return l.writeRejects(ctx, []reject{{"", ReasonInvalidJSON, "storage CloudEvent data: " + err.Error(), e.Data(), eventOrigin(e.Source(), e.Subject(), e.ID())}})
		}
		res, err := l.LandObject(ctx, d)
		if err != nil {
			return err
		}
		log.Info("object landed", "bucket", d.Bucket, "object", d.Name, "generation", int64(d.Generation), "landed", res.Landed, "rejected", res.Rejected)
		return nil
	}
	log.Error("unexpected event type", "type", e.Type(), "id", e.ID())
	return l.writeRejects(ctx, []reject{{"", ReasonUnknownSource, "unexpected CloudEvent type " + e.Type(), e.Data(), eventOrigin(e.Source(), e.Subject(), e.ID())}})
}

// topicFromSource takes the topic id out of
// //pubsub.googleapis.com/projects/P/topics/T.
func topicFromSource(s string) string {
	if i := strings.LastIndex(s, "/topics/"); i >= 0 {
		return s[i+len("/topics/"):]
	}
	return s
}
