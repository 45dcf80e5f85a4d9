// Package archive does locally what a Pub/Sub Cloud Storage subscription
// does in the cloud (infra/terraform/archive.tf): it keeps every message of
// every Pub/Sub source topic, as received, in the archive bucket by day, so
// raw tables can be rebuilt from it (`sluice reland`).
//
// Each source gets its own subscription (sluice-archive-<topic>), pulled
// with synchronous Pull (pstest's streaming pull is ~92 msg/s, MEASURED.md).
// Messages are batched and written as one object per batch and day:
//
//	<source>/YYYY/MM/DD/hh_mm_ssZ_<uuid>.avro
//
// the names the cloud subscription writes with filename_prefix "<source>/",
// filename_datetime_format "YYYY/MM/DD/hh_mm_ssZ" and filename_suffix
// ".avro" (Pub/Sub puts "_" between the datetime and the uuid; see
// shared/archive). A batch is written when it holds MaxBytes of data or its
// oldest message is MaxDuration old, and on Flush or shutdown; messages are
// acknowledged only after their object is written, so a crash archives a
// message twice, never zero times (re-landing skips the duplicate by its
// insertId).
//
// Record format: by default the cloud's, an Avro object container file
// with the schema Pub/Sub documents for write_metadata (shared/archive.Schema),
// codec Codec (null unless set: the documentation names none). With
// Format FormatJSONL it writes the JSON lines of earlier versions instead
// (.jsonl; data in base64, publish_time RFC 3339); reland reads both.
// The day in the name is the UTC day of the messages' publish time (a batch
// that spans midnight becomes two objects); in the cloud it is the day the
// file was started, which can differ by one file's duration at midnight.
//
// Fidelity limits: attempts are not counted and nothing is dead-lettered
// locally (a write that fails is retried on the next flush); there is no
// minimum of 1 KB / 1 minute as in the cloud (defaults here are small so
// `sluice dev` shows objects within seconds); the uuid is 32 hex digits
// (the cloud's is a random string of its own form).
package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/storage"
	"github.com/hamba/avro/v2/ocf"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	shared "github.com/sluice-data/sluice/shared/archive"
)

// Record is one archived message (shared/archive.Record).
type Record = shared.Record

// Format is the record format of the objects written.
type Format string

const (
	FormatAvro  Format = "avro"  // the cloud's: Avro object container files (the default)
	FormatJSONL Format = "jsonl" // JSON lines, as earlier versions wrote
)

// Defaults for zero fields.
const (
	DefaultMaxBytes    = 1 << 20
	DefaultMaxDuration = 2 * time.Second
	maxPull            = 1000
)

// Source is one Pub/Sub source to archive.
type Source struct {
	Name  string // source name: the object prefix
	Topic string // topic id
}

// Archiver archives Pub/Sub source topics into a bucket.
type Archiver struct {
	PubSub      *pubsub.Client
	Storage     *storage.Client
	Project     string
	Bucket      string
	MaxBytes    int           // data bytes per object (0: DefaultMaxBytes)
	MaxDuration time.Duration // age of the oldest message before a write (0: DefaultMaxDuration)
	Format      Format        // "" is FormatAvro
	Codec       ocf.CodecName // Avro codec ("" is null)
	Log         *slog.Logger

	mu      sync.Mutex
	sources []*stream
}

type stream struct {
	src   Source
	sub   string
	mu    sync.Mutex
	recs  []Record
	acks  []string
	bytes int
	first time.Time // when the oldest buffered message was pulled
}

// Subscription is the local subscription id for a topic.
func Subscription(topic string) string { return "sluice-archive-" + topic }

// Add creates the topic (if missing) and the source's archive subscription.
func (a *Archiver) Add(ctx context.Context, s Source) error {
	topic := "projects/" + a.Project + "/topics/" + s.Topic
	if _, err := a.PubSub.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("archive: pubsub.CreateTopic(%s): %w", s.Topic, err)
	}
	sub := "projects/" + a.Project + "/subscriptions/" + Subscription(s.Topic)
	if _, err := a.PubSub.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{
		Name: sub, Topic: topic, AckDeadlineSeconds: 300,
	}); err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("archive: pubsub.CreateSubscription(%s): %w", Subscription(s.Topic), err)
	}
	a.mu.Lock()
	a.sources = append(a.sources, &stream{src: s, sub: sub})
	a.mu.Unlock()
	return nil
}

// Run pulls and archives until ctx ends, then writes what it holds.
func (a *Archiver) Run(ctx context.Context) {
	if a.Log == nil {
		a.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a.mu.Lock()
	ss := append([]*stream(nil), a.sources...)
	a.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() { defer wg.Done(); a.loop(ctx, s) }()
	}
	wg.Wait()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, s := range ss {
		if err := a.write(fctx, s); err != nil {
			a.Log.Warn("archive: final write failed", "source", s.src.Name, "error", err.Error())
		}
	}
}

func (a *Archiver) maxBytes() int {
	if a.MaxBytes > 0 {
		return a.MaxBytes
	}
	return DefaultMaxBytes
}

func (a *Archiver) maxDuration() time.Duration {
	if a.MaxDuration > 0 {
		return a.MaxDuration
	}
	return DefaultMaxDuration
}

func (a *Archiver) loop(ctx context.Context, s *stream) {
	idle := 5 * time.Millisecond
	for ctx.Err() == nil {
		resp, err := a.PubSub.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{
			Subscription: s.sub, MaxMessages: maxPull, ReturnImmediately: true,
		})
		if err != nil {
			if ctx.Err() == nil {
				a.Log.Warn("archive: pull failed", "subscription", s.sub, "error", err.Error())
				sleep(ctx, 200*time.Millisecond)
			}
			continue
		}
		s.mu.Lock()
		for _, m := range resp.ReceivedMessages {
			if len(s.recs) == 0 {
				s.first = time.Now()
			}
			msg := m.GetMessage()
			s.recs = append(s.recs, Record{SubscriptionName: s.sub, MessageID: msg.GetMessageId(),
				PublishTime: msg.GetPublishTime().AsTime().UTC(), Attributes: msg.GetAttributes(), Data: msg.GetData()})
			s.acks = append(s.acks, m.GetAckId())
			s.bytes += len(msg.GetData())
		}
		due := len(s.recs) > 0 && (s.bytes >= a.maxBytes() || time.Since(s.first) >= a.maxDuration())
		s.mu.Unlock()
		if due {
			if err := a.write(ctx, s); err != nil && ctx.Err() == nil {
				a.Log.Warn("archive: write failed; retried on the next flush", "source", s.src.Name, "error", err.Error())
			}
		}
		if len(resp.ReceivedMessages) == 0 {
			sleep(ctx, idle)
			idle = min(2*idle, 100*time.Millisecond)
			continue
		}
		idle = 5 * time.Millisecond
	}
}

// Flush pulls what is waiting on every archive subscription and writes
// everything held, now, whatever the batch limits.
func (a *Archiver) Flush(ctx context.Context) error {
	a.mu.Lock()
	ss := append([]*stream(nil), a.sources...)
	a.mu.Unlock()
	for _, s := range ss {
		for {
			resp, err := a.PubSub.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: s.sub, MaxMessages: maxPull, ReturnImmediately: true})
			if err != nil {
				return fmt.Errorf("archive: pull %s: %w", s.sub, err)
			}
			if len(resp.ReceivedMessages) == 0 {
				break
			}
			s.mu.Lock()
			for _, m := range resp.ReceivedMessages {
				msg := m.GetMessage()
				s.recs = append(s.recs, Record{SubscriptionName: s.sub, MessageID: msg.GetMessageId(),
					PublishTime: msg.GetPublishTime().AsTime().UTC(), Attributes: msg.GetAttributes(), Data: msg.GetData()})
				s.acks = append(s.acks, m.GetAckId())
				s.bytes += len(msg.GetData())
			}
			s.mu.Unlock()
		}
		if err := a.write(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// write writes the held records, one object per publish day, then
// acknowledges them. On failure the records stay held.
func (a *Archiver) write(ctx context.Context, s *stream) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recs) == 0 {
		return nil
	}
	byDay := map[string][]Record{}
	for _, r := range s.recs {
		d := r.PublishTime.Format("2006/01/02")
		byDay[d] = append(byDay[d], r)
	}
	days := make([]string, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		recs := byDay[d]
		var buf bytes.Buffer
		name, ctype := "", ""
		if a.Format == FormatJSONL {
			if err := shared.WriteJSONL(&buf, recs); err != nil {
				return fmt.Errorf("archive: %w", err)
			}
			name, ctype = objectName(s.src.Name, recs[0].PublishTime, shared.JSONLSuffix), "application/x-ndjson"
		} else {
			codec := a.Codec
			if codec == "" {
				codec = ocf.Null
			}
			if err := shared.WriteAvro(&buf, recs, codec); err != nil {
				return fmt.Errorf("archive: %w", err)
			}
			name, ctype = objectName(s.src.Name, recs[0].PublishTime, shared.AvroSuffix), "application/avro"
		}
		w := a.Storage.Bucket(a.Bucket).Object(name).NewWriter(ctx)
		w.ContentType = ctype
		if _, err := w.Write(buf.Bytes()); err != nil {
			w.Close()
			return fmt.Errorf("archive: write gs://%s/%s: %w", a.Bucket, name, err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("archive: write gs://%s/%s: %w", a.Bucket, name, err)
		}
	}
	for i := 0; i < len(s.acks); i += maxPull {
		ids := s.acks[i:min(i+maxPull, len(s.acks))]
		if err := a.PubSub.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: s.sub, AckIds: ids}); err != nil {
			// The objects exist: a redelivery archives these again, which
			// re-landing tolerates (insertIds).
			a.Log.Warn("archive: ack failed", "subscription", s.sub, "error", err.Error())
		}
	}
	s.recs, s.acks, s.bytes = s.recs[:0], s.acks[:0], 0
	return nil
}

// objectName is <source>/YYYY/MM/DD/hh_mm_ssZ_<uuid><suffix> for time t.
func objectName(source string, t time.Time, suffix string) string {
	var b [16]byte
	rand.Read(b[:])
	return shared.ObjectName(source, t, hex.EncodeToString(b[:]), suffix)
}

// ReadRecords decodes an archived object, Avro or JSON lines
// (shared/archive.ReadRecords).
func ReadRecords(r io.Reader) ([]Record, error) { return shared.ReadRecords(r) }

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
