// Package trigger decodes the invocations of the batch stages on AWS Lambda
// (cmd/lambda/transform, mask and export) and builds their clients. A stage
// is a Handler with up to two callbacks:
//
//   - Schedule, for a timer: an EventBridge Scheduler schedule (its Input is
//     a JSON object of the stage's request fields plus "scheduled_time",
//     which Terraform fills with <aws.scheduler.scheduled-time>), an
//     EventBridge rule's "Scheduled Event", or a manual invoke with the
//     stage's request fields;
//   - Completion, for a stage event published to SNS by the stage before:
//     an SNS notification (the function subscribed to the topic), or SQS
//     messages from a queue subscribed to the topic, with or without raw
//     message delivery. An SQS batch reports each failed message
//     (SQSEventResponse.BatchItemFailures), as the ingest function does.
//
// Anything else fails the invocation with an error that names what the
// stage takes, so Lambda keeps the event (retries, then the on-failure
// destination or dead-letter queue). It holds no stage logic.
package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	sevents "github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// Schedule is one timer firing.
type Schedule struct {
	// Time is when it was scheduled: the Scheduler's scheduled_time, the
	// rule event's time, else the time of the invocation.
	Time time.Time
	// Request is the stage's request fields ({} when there are none),
	// without scheduled_time.
	Request json.RawMessage
}

// Decode decodes the request into v, refusing fields v does not have: a
// misspelt field or an unrelated event is an error, not a default run.
func (s Schedule) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(s.Request))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Completion is one stage event as a topic delivered it.
type Completion struct {
	Event     string // the "event" attribute; "" when the message has none
	RunID     string // the "run_id" attribute
	Data      []byte // the payload (the stage event's JSON)
	MessageID string
	Topic     string // the topic (or queue) name
}

// Handler serves one stage.
type Handler struct {
	Stage string // "transform", "mask" or "export", for messages
	// Schedule runs a timer firing; nil when the stage has no timer.
	Schedule func(ctx context.Context, s Schedule) (any, error)
	// Completion runs a stage event; nil when the stage takes none.
	Completion func(ctx context.Context, c Completion) (any, error)
	Log        *slog.Logger
	// Now is the clock for schedules without a time (default time.Now).
	Now func() time.Time
}

// ErrUnknownEvent: the function got an invocation it does not serve.
var ErrUnknownEvent = errors.New("unrecognised invocation")

func (h *Handler) unknown(detail string) error {
	var takes []string
	if h.Schedule != nil {
		takes = append(takes, "an EventBridge schedule (Scheduler input or a \"Scheduled Event\") or a JSON object of its request fields")
	}
	if h.Completion != nil {
		takes = append(takes, "SNS notifications of its trigger topic, directly or through SQS")
	}
	return fmt.Errorf("%s Lambda: %w (%s): it takes %s", h.Stage, ErrUnknownEvent, detail, strings.Join(takes, ", or "))
}

type envelope struct {
	Records []struct {
		EventSource string `json:"eventSource"` // SNS spells it EventSource: the decoder ignores case
	} `json:"Records"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Time       time.Time `json:"time"`
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, h.unknown("not a JSON object: " + err.Error())
	}
	src := ""
	if len(env.Records) > 0 {
		src = env.Records[0].EventSource
	}
	switch {
	case src == "aws:sns":
		if h.Completion == nil {
			return nil, h.unknown("an SNS notification")
		}
		var e events.SNSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%s Lambda: SNS event: %w", h.Stage, err)
		}
		var outs []any
		for _, r := range e.Records {
			// SNS delivers one record per invocation; more run in order.
			out, err := h.Completion(ctx, snsCompletion(r.SNS))
			if err != nil {
				return outs, err
			}
			outs = append(outs, out)
		}
		if len(outs) == 1 {
			return outs[0], nil
		}
		return outs, nil
	case src == "aws:sqs":
		if h.Completion == nil {
			return nil, h.unknown("an SQS batch")
		}
		var e events.SQSEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%s Lambda: SQS event: %w", h.Stage, err)
		}
		return h.sqs(ctx, e), nil
	case src != "":
		return nil, h.unknown("records from " + src)
	case env.DetailType == "Scheduled Event" && (env.Source == "aws.events" || env.Source == "aws.scheduler"):
		if h.Schedule == nil {
			return nil, h.unknown("a scheduled event")
		}
		t := env.Time
		if t.IsZero() {
			t = h.now()
		}
		return h.Schedule(ctx, Schedule{Time: t.UTC(), Request: json.RawMessage("{}")})
	case env.DetailType != "" || env.Source != "":
		return nil, h.unknown(fmt.Sprintf("EventBridge detail-type %q, source %q", env.DetailType, env.Source))
	}
	if h.Schedule == nil {
		return nil, h.unknown("a JSON object that is neither SNS nor SQS")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, h.unknown("not a JSON object")
	}
	s := Schedule{Time: h.now().UTC()}
	if st, ok := fields["scheduled_time"]; ok {
		var ts string
		if err := json.Unmarshal(st, &ts); err != nil {
			return nil, fmt.Errorf("%s Lambda: scheduled_time %s: want an RFC 3339 time such as 2026-12-01T06:30:00Z", h.Stage, st)
		}
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return nil, fmt.Errorf("%s Lambda: scheduled_time %q: want an RFC 3339 time such as 2026-12-01T06:30:00Z (the Scheduler fills <aws.scheduler.scheduled-time>)", h.Stage, ts)
		}
		s.Time = t.UTC()
		delete(fields, "scheduled_time")
	}
	s.Request, _ = json.Marshal(fields)
	return h.Schedule(ctx, s)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func snsCompletion(s events.SNSEntity) Completion {
	c := Completion{Data: []byte(s.Message), MessageID: s.MessageID, Topic: arnName(s.TopicArn)}
	// Lambda's SNS records carry attributes as {"Type": …, "Value": …}.
	attr := func(k string) string {
		if m, ok := s.MessageAttributes[k].(map[string]any); ok {
			if v, ok := m["Value"].(string); ok {
				return v
			}
		}
		return ""
	}
	c.Event, c.RunID = attr("event"), attr("run_id")
	return c
}

// snsEnvelope is an SNS notification as SQS receives it without raw
// message delivery.
type snsEnvelope struct {
	Type              string `json:"Type"`
	MessageID         string `json:"MessageId"`
	TopicArn          string `json:"TopicArn"`
	Message           string `json:"Message"`
	MessageAttributes map[string]struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	} `json:"MessageAttributes"`
}

func sqsCompletion(m events.SQSMessage) Completion {
	var env snsEnvelope
	if json.Unmarshal([]byte(m.Body), &env) == nil && env.Type == "Notification" && env.TopicArn != "" {
		return Completion{Data: []byte(env.Message), MessageID: env.MessageID, Topic: arnName(env.TopicArn),
			Event: env.MessageAttributes["event"].Value, RunID: env.MessageAttributes["run_id"].Value}
	}
	// Raw message delivery: the body is the payload, the SNS attributes
	// are SQS message attributes.
	c := Completion{Data: []byte(m.Body), MessageID: m.MessageId, Topic: arnName(m.EventSourceARN)}
	if a, ok := m.MessageAttributes["event"]; ok && a.StringValue != nil {
		c.Event = *a.StringValue
	}
	if a, ok := m.MessageAttributes["run_id"]; ok && a.StringValue != nil {
		c.RunID = *a.StringValue
	}
	return c
}

// sqs runs the batch's messages in order (stage runs are heavy and take a
// lock: running them side by side gains nothing) and reports each failure.
func (h *Handler) sqs(ctx context.Context, e events.SQSEvent) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, m := range e.Records {
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				}
			}()
			_, err = h.Completion(ctx, sqsCompletion(m))
			return err
		}()
		if err != nil {
			h.Log.Error("SQS message failed: it will be retried, then moved to the dead-letter queue", "stage", h.Stage, "message_id", m.MessageId, "queue", arnName(m.EventSourceARN), "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp
}

// Decode decodes a completion's payload into v and checks that it is the
// event the stage wants (the attribute, when the message carries one) with
// a run id.
func (c Completion) Decode(want string, v any) error {
	if c.Event != "" && c.Event != want {
		return fmt.Errorf("message %s on %s: event %q, want %q: is the function subscribed to the right topic?", c.MessageID, c.Topic, c.Event, want)
	}
	var id struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(c.Data, &id); err != nil || id.RunID == "" || json.Unmarshal(c.Data, v) != nil {
		return fmt.Errorf("message %s on %s: not a %s payload (a JSON object with run_id)", c.MessageID, c.Topic, want)
	}
	return nil
}

func arnName(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// Env builds the Google clients (the same environment as the Cloud
// Functions: SLUICE_PROJECT, SLUICE_ENV, workload identity federation
// credentials) and the SNS publisher (SLUICE_SNS_TOPIC_ARN_PREFIX) on first
// use. A construction error fails that invocation; it is not cached.
type Env struct {
	cache gcp.Cache
	mu    sync.Mutex
	sns   *sluiceaws.SNSPublisher
	s3    *s3.Client
}

// S3 returns the S3 client (the execution role's credentials;
// AWS_ENDPOINT_URL_S3 points it elsewhere, path style).
func (e *Env) S3(ctx context.Context) (*s3.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.s3 == nil {
		c, err := sluiceaws.NewS3Client(context.WithoutCancel(ctx), sluiceaws.S3Options{})
		if err != nil {
			return nil, err
		}
		e.s3 = c
	}
	return e.s3, nil
}

// Get returns the clients and the publisher.
func (e *Env) Get(ctx context.Context) (*gcp.Clients, sevents.Publisher, error) {
	c, err := e.cache.Get(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("clients: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sns == nil {
		p, err := sluiceaws.NewSNSPublisher(context.WithoutCancel(ctx), sluiceaws.SNSOptions{})
		if err != nil {
			return nil, nil, err
		}
		e.sns = p
	}
	return c, e.sns, nil
}
