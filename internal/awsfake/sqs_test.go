package awsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestSQSBatchesRedeliversAndDeadLetters: the SDK client's SendMessageBatch
// reaches the mapping as SQS events of at most 10; a message the function
// reports failed is delivered again and, after maxReceiveCount, moved to
// the dead-letter queue; the others are delivered once.
func TestSQSBatchesRedeliversAndDeadLetters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := NewSQS(Config())
	defer s.Close()
	if _, err := s.Client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("in-dlq")}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("in"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + s.ARNPrefix + `in-dlq","maxReceiveCount":"3"}`}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")}); err == nil {
		t.Fatal("GetQueueUrl of a missing queue: no error")
	}
	var (
		mu       sync.Mutex
		got      = map[string]int{} // body -> deliveries
		maxBatch int
	)
	if err := s.Map(ctx, Mapping{Queue: "in", Concurrency: 2, Invoke: func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		resp := events.SQSEventResponse{}
		mu.Lock()
		defer mu.Unlock()
		maxBatch = max(maxBatch, len(ev.Records))
		for _, r := range ev.Records {
			if r.EventSource != "aws:sqs" || r.EventSourceARN != s.ARNPrefix+"in" || r.Attributes["ApproximateReceiveCount"] == "" {
				t.Errorf("record %+v", r)
			}
			got[r.Body]++
			if r.Body == "poison" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return json.Marshal(resp)
	}}); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 5; b++ {
		var entries []sqstypes.SendMessageBatchRequestEntry
		for i := 0; i < 10; i++ {
			body := fmt.Sprintf("m%d-%d", b, i)
			if b == 2 && i == 5 {
				body = "poison"
			}
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(body),
				MessageAttributes: map[string]sqstypes.MessageAttributeValue{"source": {DataType: aws.String("String"), StringValue: aws.String("events")}}})
		}
		res, err := s.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: out.QueueUrl, Entries: entries})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Successful) != 10 || len(res.Failed) != 0 {
			t.Fatalf("batch %d: %d successful, %d failed", b, len(res.Successful), len(res.Failed))
		}
	}
	eleven := make([]sqstypes.SendMessageBatchRequestEntry, 11)
	for i := range eleven {
		eleven[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String("x")}
	}
	if _, err := s.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: out.QueueUrl, Entries: eleven}); err == nil {
		t.Fatal("a batch of 11: no error")
	}
	for !s.Idle("in") {
		if ctx.Err() != nil {
			t.Fatal("queue never drained")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 50 || got["poison"] != 3 || got["m0-0"] != 1 {
		t.Errorf("deliveries: %d bodies, poison %d times (want 3), m0-0 %d times", len(got), got["poison"], got["m0-0"])
	}
	if maxBatch > 10 || maxBatch < 2 {
		t.Errorf("largest batch %d", maxBatch)
	}
	if dl := s.Messages("in-dlq"); len(dl) != 1 || dl[0] != "poison" {
		t.Errorf("dead-letter queue holds %q, want [poison]", dl)
	}
	if s.Sent.Load() != 50 || s.DeadLettered.Load() != 1 || s.Deliveries.Load() != 52 {
		t.Errorf("sent %d, dead-lettered %d, deliveries %d", s.Sent.Load(), s.DeadLettered.Load(), s.Deliveries.Load())
	}
}
