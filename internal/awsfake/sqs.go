package awsfake

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQS is an in-process stand-in for the SQS calls a producer makes
// (CreateQueue, GetQueueUrl, SendMessage, SendMessageBatch) in the AWS JSON
// 1.0 protocol the SDK v2 SQS client speaks, plus Lambda event source
// mappings: Map polls a queue and invokes a function with SQS events of up
// to BatchSize messages, reads the partial batch response
// (SQSEventResponse.BatchItemFailures, as with ReportBatchItemFailures on),
// makes the failed messages visible again and moves a message that reached
// its queue's maxReceiveCount to the dead-letter queue.
//
// Fidelity limits: no auth, no visibility timeout (a failed message is
// visible again at once), no delay queues, no FIFO ordering or
// deduplication, no long polling (consumers are the mappings), message
// attributes of type String and Number only, MD5OfMessageAttributes not
// computed, a batch of more than 10 entries is refused
// (TooManyEntriesInBatchRequest) but request sizes are not checked.
type SQS struct {
	URL    string
	Client *sqs.Client
	// ARNPrefix is "arn:aws:sqs:<region>:<account>:".
	ARNPrefix string

	srv *httptest.Server
	mu  sync.Mutex
	qs  map[string]*queue // by name
	seq atomic.Int64

	// Sent counts the messages producers sent; Batches the SendMessageBatch
	// calls; Invocations the function invocations of every mapping;
	// Deliveries the messages handed to functions (redeliveries included);
	// Failed the messages a function reported as failed; DeadLettered the
	// messages moved to a dead-letter queue.
	Sent, Batches, Invocations, Deliveries, Failed, DeadLettered atomic.Int64
}

type queue struct {
	name       string
	visible    []*sqsMessage
	inFlight   int
	deadLetter string // queue name, "" for none
	maxReceive int
	wake       chan struct{}
}

type sqsMessage struct {
	id, body string
	attrs    map[string]events.SQSMessageAttribute
	sent     time.Time
	first    time.Time
	receives int
}

// NewSQS starts the server; cfg is the AWS config the client is built from
// (credentials are not checked).
func NewSQS(cfg aws.Config) *SQS {
	s := &SQS{qs: map[string]*queue{}, ARNPrefix: "arn:aws:sqs:us-east-1:000000000000:"}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	s.Client = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(s.URL) })
	return s
}

// Close stops the server (mappings stop with their context).
func (s *SQS) Close() { s.srv.Close() }

// QueueURL is the URL of the queue named name.
func (s *SQS) QueueURL(name string) string { return s.URL + "/000000000000/" + name }

func (s *SQS) queueFromURL(u string) *queue {
	i := strings.LastIndexByte(u, '/')
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.qs[u[i+1:]]
}

type sqsError struct {
	status int
	code   string
	msg    string
}

func (s *SQS) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSQS.")
	if r.Method != http.MethodPost || !ok {
		writeSQSError(w, sqsError{http.StatusBadRequest, "InvalidAction", fmt.Sprintf("awsfake SQS speaks the AWS JSON 1.0 protocol only (X-Amz-Target AmazonSQS.<Action>), got %s %q", r.Method, target)})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeSQSError(w, sqsError{http.StatusBadRequest, "InvalidParameterValue", err.Error()})
		return
	}
	var out any
	var serr *sqsError
	switch op {
	case "CreateQueue":
		out, serr = s.createQueue(body)
	case "GetQueueUrl":
		out, serr = s.getQueueURL(body)
	case "SendMessage":
		out, serr = s.sendMessage(body)
	case "SendMessageBatch":
		out, serr = s.sendMessageBatch(body)
	default:
		serr = &sqsError{http.StatusBadRequest, "UnsupportedOperation", "awsfake SQS does not implement " + op}
	}
	if serr != nil {
		writeSQSError(w, *serr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(out)
}

func writeSQSError(w http.ResponseWriter, e sqsError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", e.code+";Sender")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.code, "message": e.msg})
}

func badRequest(code, format string, args ...any) *sqsError {
	return &sqsError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

// redrivePolicy is the RedrivePolicy queue attribute.
type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     any    `json:"maxReceiveCount"` // SQS takes a number or a string
}

func (s *SQS) createQueue(body []byte) (any, *sqsError) {
	var in struct {
		QueueName  string
		Attributes map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil || in.QueueName == "" {
		return nil, badRequest("InvalidParameterValue", "CreateQueue: want a QueueName")
	}
	q := &queue{name: in.QueueName, wake: make(chan struct{}, 1)}
	if rp := in.Attributes["RedrivePolicy"]; rp != "" {
		var p redrivePolicy
		if err := json.Unmarshal([]byte(rp), &p); err != nil {
			return nil, badRequest("InvalidAttributeValue", "RedrivePolicy %q: %v", rp, err)
		}
		n, err := strconv.Atoi(fmt.Sprint(p.MaxReceiveCount))
		if err != nil || n < 1 || n > 1000 {
			return nil, badRequest("InvalidAttributeValue", "RedrivePolicy maxReceiveCount %v: want 1 to 1000", p.MaxReceiveCount)
		}
		dl, ok := strings.CutPrefix(p.DeadLetterTargetArn, s.ARNPrefix)
		s.mu.Lock()
		_, exists := s.qs[dl]
		s.mu.Unlock()
		if !ok || !exists {
			return nil, badRequest("InvalidAttributeValue", "RedrivePolicy deadLetterTargetArn %q: no such queue", p.DeadLetterTargetArn)
		}
		q.deadLetter, q.maxReceive = dl, n
	}
	s.mu.Lock()
	if _, ok := s.qs[q.name]; !ok {
		s.qs[q.name] = q
	}
	s.mu.Unlock()
	return map[string]string{"QueueUrl": s.QueueURL(in.QueueName)}, nil
}

func (s *SQS) getQueueURL(body []byte) (any, *sqsError) {
	var in struct{ QueueName string }
	json.Unmarshal(body, &in)
	s.mu.Lock()
	_, ok := s.qs[in.QueueName]
	s.mu.Unlock()
	if !ok {
		return nil, badRequest("QueueDoesNotExist", "The specified queue does not exist.")
	}
	return map[string]string{"QueueUrl": s.QueueURL(in.QueueName)}, nil
}

type sendEntry struct {
	ID                string `json:"Id"`
	MessageBody       string
	MessageAttributes map[string]struct {
		DataType    string
		StringValue *string
	}
}

func (s *SQS) enqueue(q *queue, e sendEntry) (string, *sqsError) {
	if e.MessageBody == "" {
		return "", badRequest("MissingParameter", "The request must contain the parameter MessageBody.")
	}
	attrs := map[string]events.SQSMessageAttribute{}
	for k, v := range e.MessageAttributes {
		if v.StringValue == nil || !(strings.HasPrefix(v.DataType, "String") || strings.HasPrefix(v.DataType, "Number")) {
			return "", badRequest("InvalidParameterValue", "message attribute %s: awsfake SQS takes String and Number attributes only", k)
		}
		attrs[k] = events.SQSMessageAttribute{StringValue: v.StringValue, DataType: v.DataType, StringListValues: []string{}, BinaryListValues: [][]byte{}}
	}
	n := s.seq.Add(1)
	m := &sqsMessage{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), body: e.MessageBody, attrs: attrs, sent: time.Now()}
	s.mu.Lock()
	q.visible = append(q.visible, m)
	s.mu.Unlock()
	q.signal()
	s.Sent.Add(1)
	return m.id, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (s *SQS) sendMessage(body []byte) (any, *sqsError) {
	var in struct {
		QueueUrl string
		sendEntry
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest("InvalidParameterValue", "SendMessage: %v", err)
	}
	q := s.queueFromURL(in.QueueUrl)
	if q == nil {
		return nil, badRequest("QueueDoesNotExist", "The specified queue does not exist.")
	}
	id, err := s.enqueue(q, in.sendEntry)
	if err != nil {
		return nil, err
	}
	return map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(in.MessageBody)}, nil
}

func (s *SQS) sendMessageBatch(body []byte) (any, *sqsError) {
	var in struct {
		QueueUrl string
		Entries  []sendEntry
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest("InvalidParameterValue", "SendMessageBatch: %v", err)
	}
	q := s.queueFromURL(in.QueueUrl)
	if q == nil {
		return nil, badRequest("QueueDoesNotExist", "The specified queue does not exist.")
	}
	switch {
	case len(in.Entries) == 0:
		return nil, badRequest("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.")
	case len(in.Entries) > 10:
		return nil, badRequest("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent %d.", len(in.Entries))
	}
	seen := map[string]bool{}
	for _, e := range in.Entries {
		if seen[e.ID] {
			return nil, badRequest("BatchEntryIdsNotDistinct", "Id %s repeated.", e.ID)
		}
		seen[e.ID] = true
	}
	s.Batches.Add(1)
	type ok struct {
		ID               string `json:"Id"`
		MessageID        string `json:"MessageId"`
		MD5OfMessageBody string
	}
	type failed struct {
		ID          string `json:"Id"`
		SenderFault bool
		Code        string
		Message     string
	}
	out := struct {
		Successful []ok
		Failed     []failed
	}{Successful: []ok{}, Failed: []failed{}}
	for _, e := range in.Entries {
		id, err := s.enqueue(q, e)
		if err != nil {
			out.Failed = append(out.Failed, failed{ID: e.ID, SenderFault: true, Code: err.code, Message: err.msg})
			continue
		}
		out.Successful = append(out.Successful, ok{ID: e.ID, MessageID: id, MD5OfMessageBody: md5Hex(e.MessageBody)})
	}
	return out, nil
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Invoker invokes a function synchronously with payload and returns its
// response, or its error (as the event source mapping sees a function error).
type Invoker func(ctx context.Context, payload []byte) ([]byte, error)

// Mapping configures an event source mapping.
type Mapping struct {
	Queue string
	// BatchSize is the most messages per invocation (default and at most 10).
	BatchSize int
	// Concurrency is the invocations in flight at once (default 1).
	Concurrency int
	Invoke      Invoker
}

// Map polls m.Queue until ctx ends, as a Lambda event source mapping with
// ReportBatchItemFailures does. It returns at once.
func (s *SQS) Map(ctx context.Context, m Mapping) error {
	s.mu.Lock()
	q := s.qs[m.Queue]
	s.mu.Unlock()
	if q == nil {
		return fmt.Errorf("awsfake: SQS mapping: no queue %s", m.Queue)
	}
	if m.BatchSize <= 0 || m.BatchSize > 10 {
		m.BatchSize = 10
	}
	if m.Concurrency <= 0 {
		m.Concurrency = 1
	}
	for range m.Concurrency {
		go s.poll(ctx, q, m)
	}
	return nil
}

func (s *SQS) poll(ctx context.Context, q *queue, m Mapping) {
	for ctx.Err() == nil {
		s.mu.Lock()
		n := min(len(q.visible), m.BatchSize)
		batch := append([]*sqsMessage(nil), q.visible[:n]...)
		q.visible = q.visible[n:]
		q.inFlight += n
		more := len(q.visible) > 0
		s.mu.Unlock()
		if more {
			q.signal() // another poller can take the rest
		}
		if n == 0 {
			select {
			case <-q.wake:
			case <-ctx.Done():
				return
			}
			continue
		}
		s.deliver(ctx, q, m, batch)
	}
}

// deliver invokes the function with one batch and settles each message.
func (s *SQS) deliver(ctx context.Context, q *queue, m Mapping, batch []*sqsMessage) {
	now := time.Now()
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, msg := range batch {
		msg.receives++
		if msg.first.IsZero() {
			msg.first = now
		}
		ev.Records[i] = events.SQSMessage{
			MessageId:     msg.id,
			ReceiptHandle: fmt.Sprintf("%s#%d", msg.id, msg.receives),
			Body:          msg.body,
			Md5OfBody:     md5Hex(msg.body),
			Attributes: map[string]string{
				"ApproximateReceiveCount":          strconv.Itoa(msg.receives),
				"SentTimestamp":                    strconv.FormatInt(msg.sent.UnixMilli(), 10),
				"SenderId":                         "AIDAIENQZJOLO23YVJ4VO",
				"ApproximateFirstReceiveTimestamp": strconv.FormatInt(msg.first.UnixMilli(), 10),
			},
			MessageAttributes: msg.attrs,
			EventSourceARN:    s.ARNPrefix + q.name,
			EventSource:       "aws:sqs",
			AWSRegion:         "us-east-1",
		}
	}
	payload, _ := json.Marshal(ev)
	s.Invocations.Add(1)
	s.Deliveries.Add(int64(len(batch)))
	out, err := m.Invoke(ctx, payload)
	failed := map[string]bool{}
	if err != nil {
		// A function error (or a response that is not a batch response)
		// fails the whole batch.
		for _, msg := range batch {
			failed[msg.id] = true
		}
	} else {
		var resp events.SQSEventResponse
		if json.Unmarshal(out, &resp) != nil {
			for _, msg := range batch {
				failed[msg.id] = true
			}
		}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
	}
	s.mu.Lock()
	var dead []*sqsMessage
	for _, msg := range batch {
		if !failed[msg.id] {
			continue
		}
		s.Failed.Add(1)
		if q.deadLetter != "" && msg.receives >= q.maxReceive {
			dead = append(dead, msg)
			continue
		}
		q.visible = append(q.visible, msg)
	}
	if dl := s.qs[q.deadLetter]; dl != nil && len(dead) > 0 {
		for _, msg := range dead {
			// The message keeps its id, body and attributes.
			dl.visible = append(dl.visible, &sqsMessage{id: msg.id, body: msg.body, attrs: msg.attrs, sent: msg.sent})
		}
		s.DeadLettered.Add(int64(len(dead)))
	}
	q.inFlight -= len(batch)
	s.mu.Unlock()
	q.signal()
}

// Idle reports whether the named queues hold no message, visible or in
// flight (a dead-letter queue's messages count: name it to wait for it).
func (s *SQS) Idle(queues ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range queues {
		if q := s.qs[n]; q != nil && (len(q.visible) > 0 || q.inFlight > 0) {
			return false
		}
	}
	return true
}

// Depth is the messages the named queue holds (visible and in flight).
func (s *SQS) Depth(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.qs[name]; q != nil {
		return len(q.visible) + q.inFlight
	}
	return 0
}

// Messages returns the bodies the named queue holds (for a dead-letter
// queue with no mapping: what reached it).
func (s *SQS) Messages(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if q := s.qs[name]; q != nil {
		for _, m := range q.visible {
			out = append(out, m.body)
		}
	}
	return out
}
