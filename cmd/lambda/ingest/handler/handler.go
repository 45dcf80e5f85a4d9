package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/sluice-data/sluice/functions/ingest"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	sevents "github.com/sluice-data/sluice/shared/events"
)

// Objects is where S3 objects are read and archived.
type Objects struct {
	S3      sluiceaws.S3API
	Archive string // S3 archive bucket
}

// Handler decodes Lambda events and hands them to the ingest core.
type Handler struct {
	// Env returns the lander and the S3 side, built on first use.
	Env func(ctx context.Context) (*ingest.Lander, Objects, error)
	Log *slog.Logger
	// Parallel bounds the messages of one SQS batch handled at once
	// (standard queues; FIFO queues go in order); default 8.
	Parallel int
}

// ErrUnknownEvent: the function was wired to a trigger it does not serve.
// The invocation fails, so Lambda keeps the event (retries, then the
// on-failure destination or dead-letter queue).
var ErrUnknownEvent = errors.New("ingest Lambda: unrecognised event: wire it to S3 ObjectCreated notifications, an SQS queue, an SNS topic or EventBridge S3 \"Object Created\" events")

// envelope is just enough of every event shape to tell them apart.
type envelope struct {
	Records []struct {
		EventSource string `json:"eventSource"` // SNS spells it EventSource: the decoder ignores case
	} `json:"Records"`
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	// An S3 test event, sent when a notification is configured.
	Event string `json:"Event"`
	// An SNS envelope delivered to SQS without raw message delivery.
	Type     string `json:"Type"`
	TopicArn string `json:"TopicArn"`
}

// eventBridgeS3 is an EventBridge S3 "Object Created" event.
type eventBridgeS3 struct {
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Time       time.Time `json:"time"`
	Detail     struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      int64  `json:"size"`
			ETag      string `json:"etag"`
			VersionID string `json:"version-id"`
		} `json:"object"`
	} `json:"detail"`
}

// snsEnvelope is an SNS notification as SQS receives it without raw delivery.
type snsEnvelope struct {
	MessageID         string    `json:"MessageId"`
	TopicArn          string    `json:"TopicArn"`
	Message           string    `json:"Message"`
	Timestamp         time.Time `json:"Timestamp"`
	MessageAttributes map[string]struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	} `json:"MessageAttributes"`
}

// Summary is the response of invocations that are not SQS batches (S3 and
// SNS invoke asynchronously and ignore it; it helps a manual invoke).
type Summary struct {
	Objects  int `json:"objects"`
	Messages int `json:"messages"`
	Landed   int `json:"landed"`
	Rejected int `json:"rejected"`
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%w (not a JSON object: %v)", ErrUnknownEvent, err)
	}
	l, objs, err := h.Env(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case len(env.Records) > 0 && env.Records[0].EventSource == "aws:sqs":
		var e events.SQSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("SQS event: %w", err)
		}
		return h.sqs(ctx, l, objs, e), nil
	case len(env.Records) > 0 && env.Records[0].EventSource == "aws:sns":
		var e events.SNSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("SNS event: %w", err)
		}
		var sum Summary
		for _, r := range e.Records {
			s := r.SNS
			attrs := map[string]string{}
			for k, v := range s.MessageAttributes {
				if m, ok := v.(map[string]any); ok {
					if str, ok := m["Value"].(string); ok && m["Type"] == "String" {
						attrs[k] = str
					}
				}
			}
			if err := h.body(ctx, l, objs, "sns", arnName(s.TopicArn), s.MessageID, s.Message, attrs, s.Timestamp, &sum); err != nil {
				return sum, err
			}
		}
		return sum, nil
	case len(env.Records) > 0 && env.Records[0].EventSource == "aws:s3":
		var sum Summary
		return sum, h.s3Records(ctx, l, objs, raw, &sum)
	case env.DetailType == "Object Created" && env.Source == "aws.s3":
		var sum Summary
		return sum, h.eventBridge(ctx, l, objs, raw, &sum)
	}
	return nil, fmt.Errorf("%w (detail-type %q, source %q)", ErrUnknownEvent, env.DetailType, env.Source)
}

// sqs handles one batch, reporting exactly the messages that failed.
func (h *Handler) sqs(ctx context.Context, l *ingest.Lander, objs Objects, e events.SQSEvent) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	one := func(m events.SQSMessage) (err error) {
		defer func() {
			// A bug tripped by one message fails that message only (it is
			// retried, then kept in the dead-letter queue), not the batch.
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		attrs := map[string]string{}
		for k, v := range m.MessageAttributes {
			if v.StringValue != nil {
				attrs[k] = *v.StringValue
			}
		}
		var sent time.Time
		if ms, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
			sent = time.UnixMilli(ms).UTC()
		}
		var sum Summary
		return h.body(ctx, l, objs, "sqs", arnName(m.EventSourceARN), m.MessageId, m.Body, attrs, sent, &sum)
	}
	fail := func(m events.SQSMessage, err error) {
		h.Log.Error("SQS message failed: it will be retried, then moved to the dead-letter queue", "message_id", m.MessageId, "queue", arnName(m.EventSourceARN), "error", err)
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
	}
	if len(e.Records) > 0 && strings.HasSuffix(e.Records[0].EventSourceARN, ".fifo") {
		// FIFO: after a failure the rest of the batch must not be handled
		// ahead of it; report it and everything after it.
		for i, m := range e.Records {
			if err := one(m); err != nil {
				fail(m, err)
				for _, rest := range e.Records[i+1:] {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rest.MessageId})
				}
				break
			}
		}
		return resp
	}
	par := h.Parallel
	if par <= 0 {
		par = 8
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sema = make(chan struct{}, par)
		errs = make([]error, len(e.Records))
	)
	// Concurrent messages share insertAll requests (Lander.Coalesce).
	for i, m := range e.Records {
		wg.Add(1)
		sema <- struct{}{}
		go func() {
			defer func() { <-sema; wg.Done() }()
			err := one(m)
			mu.Lock()
			errs[i] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i, m := range e.Records {
		if errs[i] != nil {
			fail(m, errs[i])
		}
	}
	return resp
}

// body lands one message body from SQS or SNS: an S3 notification (or an
// EventBridge S3 event, or an SNS envelope) is followed to its objects; any
// other body is records, as in a Pub/Sub message.
func (h *Handler) body(ctx context.Context, l *ingest.Lander, objs Objects, scheme, topic, id, body string, attrs map[string]string, at time.Time, sum *Summary) error {
	var env envelope
	if json.Unmarshal([]byte(body), &env) == nil {
		switch {
		case len(env.Records) > 0 && env.Records[0].EventSource == "aws:s3":
			return h.s3Records(ctx, l, objs, []byte(body), sum)
		case env.DetailType == "Object Created" && env.Source == "aws.s3":
			return h.eventBridge(ctx, l, objs, []byte(body), sum)
		case env.Event == "s3:TestEvent":
			h.Log.Info("S3 test event ignored", "message_id", id)
			return nil
		case env.Type == "Notification" && env.TopicArn != "" && scheme == "sqs":
			var s snsEnvelope
			if err := json.Unmarshal([]byte(body), &s); err == nil {
				inner := map[string]string{}
				for k, v := range s.MessageAttributes {
					if v.Type == "String" {
						inner[k] = v.Value
					}
				}
				return h.body(ctx, l, objs, "sns", arnName(s.TopicArn), s.MessageID, s.Message, inner, s.Timestamp, sum)
			}
		}
	}
	res, err := l.LandMessageFrom(ctx, scheme, topic, sevents.PubSubMessage{
		Data: []byte(body), Attributes: attrs, MessageID: id, PublishTime: at,
	})
	sum.Messages++
	sum.Landed += res.Landed
	sum.Rejected += res.Rejected
	if err != nil {
		return err
	}
	h.Log.Debug("message landed", "scheme", scheme, "topic", topic, "message_id", id, "landed", res.Landed, "rejected", res.Rejected)
	return nil
}

// s3Records lands the objects of an S3 event notification.
func (h *Handler) s3Records(ctx context.Context, l *ingest.Lander, objs Objects, raw []byte, sum *Summary) error {
	var e events.S3Event
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("S3 event notification: %w", err)
	}
	for _, r := range e.Records {
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			h.Log.Info("S3 event ignored (not ObjectCreated)", "event", r.EventName, "bucket", r.S3.Bucket.Name, "key", r.S3.Object.URLDecodedKey)
			continue
		}
		o := r.S3.Object
		// S3 notifications carry the key URL-encoded; aws-lambda-go decodes it.
		if err := h.object(ctx, l, objs, r.S3.Bucket.Name, o.URLDecodedKey, o.VersionID, o.ETag, o.Size, r.EventTime, sum); err != nil {
			return err
		}
	}
	return nil
}

// eventBridge lands the object of an EventBridge S3 "Object Created" event.
func (h *Handler) eventBridge(ctx context.Context, l *ingest.Lander, objs Objects, raw []byte, sum *Summary) error {
	var e eventBridgeS3
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("EventBridge S3 event: %w", err)
	}
	o := e.Detail.Object
	return h.object(ctx, l, objs, e.Detail.Bucket.Name, o.Key, o.VersionID, o.ETag, o.Size, e.Time, sum)
}

// object lands one S3 object version through the same core as a Cloud
// Storage object: routing by prefix, formats, gzip, rejects, archive. Ids
// derive from bucket, key and versionId (else ETag), so a redelivered
// notification lands nothing new.
func (h *Handler) object(ctx context.Context, l *ingest.Lander, objs Objects, bucket, key, versionID, etag string, size int64, created time.Time, sum *Summary) error {
	v := sluiceaws.S3Version{Client: objs.S3, Bucket: bucket, Key: key, VersionID: versionID, ETag: etag, Archive: objs.Archive}
	obj := sevents.StorageObjectData{Bucket: bucket, Name: key, Generation: sevents.Int64String(v.Generation()),
		Size: sevents.Int64String(size), TimeCreated: created.UTC()}
	res, err := l.LandObjectVersion(ctx, obj, v)
	sum.Objects++
	sum.Landed += res.Landed
	sum.Rejected += res.Rejected
	if err != nil {
		return err
	}
	rid := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		rid = lc.AwsRequestID
	}
	h.Log.Info("object landed", "object", v.URI(), "landed", res.Landed, "rejected", res.Rejected, "request_id", rid)
	return nil
}

// arnName is the last segment of an ARN (a queue or topic name).
func arnName(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
