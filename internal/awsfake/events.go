package awsfake

import (
	"encoding/json"

	"fmt"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Fixture reads one of aws-lambda-go's sample events (events/testdata in
// the module cache) as a generic tree, for tests to fill in.
func Fixture(name string) (map[string]any, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		return nil, fmt.Errorf("awsfake: locate aws-lambda-go: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "events", "testdata", name))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("awsfake: %s: %w", name, err)
	}
	return m, nil
}

// SNSEvent is events/testdata/sns-event.json carrying n, as SNS invokes a
// function subscribed to the topic.
func SNSEvent(n SNSNotification) ([]byte, error) {
	ev, err := Fixture("sns-event.json")
	if err != nil {
		return nil, err
	}
	rec := ev["Records"].([]any)[0].(map[string]any)
	rec["EventSubscriptionArn"] = n.TopicArn + ":00000000-0000-0000-0000-000000000000"
	s := rec["Sns"].(map[string]any)
	s["MessageId"], s["TopicArn"], s["Message"], s["Subject"] = n.MessageID, n.TopicArn, n.Message, n.Subject
	if n.Timestamp != "" {
		s["Timestamp"] = n.Timestamp
	}
	attrs := map[string]any{}
	for k, v := range n.MessageAttributes {
		attrs[k] = map[string]any{"Type": v.Type, "Value": v.Value}
	}
	s["MessageAttributes"] = attrs
	return json.Marshal(ev)
}

// SQSMessage is one message of an SQS batch.
type SQSMessage struct {
	ID         string
	Body       string
	Attributes map[string]string // String message attributes
}

// SQSEvent is events/testdata/sqs-event.json with one record per message,
// from the queue queueARN.
func SQSEvent(queueARN string, msgs ...SQSMessage) ([]byte, error) {
	ev, err := Fixture("sqs-event.json")
	if err != nil {
		return nil, err
	}
	tmpl := ev["Records"].([]any)[0].(map[string]any)
	var recs []any
	for _, m := range msgs {
		r := map[string]any{}
		for k, v := range tmpl {
			r[k] = v
		}
		r["messageId"], r["body"], r["eventSourceARN"] = m.ID, m.Body, queueARN
		ma := map[string]any{}
		for k, v := range m.Attributes {
			ma[k] = map[string]any{"stringValue": v, "stringListValues": []any{}, "binaryListValues": []any{}, "dataType": "String"}
		}
		r["messageAttributes"] = ma
		recs = append(recs, r)
	}
	ev["Records"] = recs
	return json.Marshal(ev)
}

// LambdaEnv is the environment a Lambda entry point under test needs to
// poll rt and publish to sns (AWS credentials are static and unchecked).
func LambdaEnv(rt *Runtime, sns *SNS) map[string]string {
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API": rt.Addr, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local-secret",
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	if sns != nil {
		env["AWS_ENDPOINT_URL_SNS"] = sns.URL
		env["SLUICE_SNS_TOPIC_ARN_PREFIX"] = sns.ARNPrefix
	}
	return env
}

// Config is an AWS config for the fakes: region us-east-1, static
// credentials (the fakes do not check them).
func Config() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")}
}
