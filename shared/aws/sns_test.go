package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sluice-data/sluice/internal/awsfake"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/events"
)

// TestSNSPublisherDeliversTheStageEvent publishes through the real SDK v2
// SNS client to goaws and reads the notification an HTTP subscriber got.
func TestSNSPublisherDeliversTheStageEvent(t *testing.T) {
	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")}
	fake, err := awsfake.NewSNS(ctx, cfg, "dev-sluice-transform-completed")
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	pub, err := sluiceaws.NewSNSPublisher(ctx, sluiceaws.SNSOptions{Endpoint: fake.URL, TopicARNPrefix: fake.ARNPrefix, Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	done := events.TransformCompletedData{RunID: "20261201T100000_abcdef", RunDate: "2026-12-01", Tables: []events.TableCount{{Table: "users", Rows: 3}}}
	if err := events.Send(ctx, pub, "dev-sluice-transform-completed", events.TransformCompleted, done.RunID, done); err != nil {
		t.Fatal(err)
	}
	got := fake.Notifications("dev-sluice-transform-completed")
	if len(got) != 1 {
		t.Fatalf("notifications = %d, want 1", len(got))
	}
	n := got[0]
	if want := fake.ARNPrefix + "dev-sluice-transform-completed"; n.TopicArn != want {
		t.Errorf("TopicArn = %q, want %q", n.TopicArn, want)
	}
	var back events.TransformCompletedData
	if err := json.Unmarshal([]byte(n.Message), &back); err != nil {
		t.Fatalf("message %q: %v", n.Message, err)
	}
	if back.RunID != done.RunID || len(back.Tables) != 1 || back.Tables[0] != done.Tables[0] {
		t.Errorf("payload = %+v, want %+v", back, done)
	}
	for k, want := range map[string]string{"event": events.TransformCompleted, "run_id": done.RunID} {
		if a := n.MessageAttributes[k]; a.Type != "String" || a.Value != want {
			t.Errorf("attribute %s = %+v, want String %q", k, a, want)
		}
	}

	// A topic that does not exist is an error that names it.
	err = events.Send(ctx, pub, "no-such-topic", events.TransformCompleted, done.RunID, done)
	if err == nil || !strings.Contains(err.Error(), fake.ARNPrefix+"no-such-topic") {
		t.Errorf("publish to a missing topic: err = %v, want one naming the topic ARN", err)
	}
}

func TestNewSNSPublisherNeedsTheARNPrefix(t *testing.T) {
	t.Setenv("SLUICE_SNS_TOPIC_ARN_PREFIX", "")
	cfg := aws.Config{Region: "us-east-1"}
	if _, err := sluiceaws.NewSNSPublisher(context.Background(), sluiceaws.SNSOptions{Config: &cfg}); !errors.Is(err, sluiceaws.ErrNoTopicARNPrefix) {
		t.Errorf("no prefix: err = %v, want ErrNoTopicARNPrefix", err)
	}
	for _, bad := range []string{"sluice-", "arn:aws:sns:us-east-1:123456789012", "arn:aws:sns:us-east-1:123456789012:topic:"} {
		_, err := sluiceaws.NewSNSPublisher(context.Background(), sluiceaws.SNSOptions{Config: &cfg, TopicARNPrefix: bad})
		if err == nil || !strings.Contains(err.Error(), "SLUICE_SNS_TOPIC_ARN_PREFIX") {
			t.Errorf("prefix %q: err = %v, want one naming SLUICE_SNS_TOPIC_ARN_PREFIX", bad, err)
		}
	}
}
