package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	exporthandler "github.com/sluice-data/sluice/cmd/lambda/export/handler"
	ingesthandler "github.com/sluice-data/sluice/cmd/lambda/ingest/handler"
	maskhandler "github.com/sluice-data/sluice/cmd/lambda/mask/handler"
	transformhandler "github.com/sluice-data/sluice/cmd/lambda/transform/handler"
	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/awsfake"
	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/logging"
)

// AWSStats is what went through the AWS side of an AWS demo run.
type AWSStats struct {
	SQSMessagesSent  int64          `json:"sqs_messages_sent"`   // received by SendMessageBatch
	SQSBatchesSent   int64          `json:"sqs_send_batches"`    // SendMessageBatch calls
	SQSInvocations   int64          `json:"sqs_invocations"`     // ingest invocations with an SQS event
	SQSDeliveries    int64          `json:"sqs_deliveries"`      // messages in those events (redeliveries included)
	SQSFailed        int64          `json:"sqs_failed_messages"` // reported in BatchItemFailures
	SQSDeadLettered  int64          `json:"sqs_dead_lettered"`
	S3Puts           int64          `json:"s3_puts"`          // PutObject calls into the landing bucket
	S3Notifications  int64          `json:"s3_notifications"` // ObjectCreated notifications sent to ingest
	S3Invocations    int64          `json:"s3_invocations"`   // ingest invocations with an S3 event (retries included)
	SNSNotifications map[string]int `json:"sns_notifications"`
	// Invocations is each function's invocations through its Runtime API.
	Invocations map[string]int64 `json:"lambda_invocations"`
}

// Lambda execution environments of the ingest function (each its own
// lambda.Start loop with its own clients), and the SQS event source
// mapping's concurrent invocations.
const awsIngestEnvironments = 4

// The lambda.Start loops are process-global and never end (the loop exits
// the process when its Runtime API goes away), and goaws keeps global
// state: one AWS demo per process.
var awsRan atomic.Bool

// RunAWS drives the pipeline once on AWS Lambda's side, with no AWS
// account: s must be a stack started with EmulatorsOnly (BigQuery, Cloud
// Storage, DLP emulators). The four Lambda handlers of cmd/lambda run in
// their real aws-lambda-go lambda.Start loops, each against its own
// Runtime API server (internal/awsfake). Events are sent with the SDK v2
// SQS client to an SQS fake whose event source mapping invokes ingest with
// SQS events; order files are put with the SDK v2 S3 client into gofakes3,
// whose ObjectCreated notifications invoke ingest; transform is invoked with
// the Scheduler's input; transform.completed and mask.completed go through
// SNS (goaws) to mask and export, and export.completed is read from SNS.
// The summary has the GCP demo's fields.
func RunAWS(ctx context.Context, s *stack.Stack, o Options) (*Summary, *AWSStats, error) {
	if !awsRan.CompareAndSwap(false, true) {
		return nil, nil, errors.New("demo: one AWS demo per process (the Lambda loops and goaws are process-global)")
	}
	if s.Router != nil {
		return nil, nil, errors.New("demo: the AWS demo needs a stack started with EmulatorsOnly (no Cloud Functions)")
	}
	o.defaults()
	progress := o.Progress
	start := time.Now()
	stages := map[string]float64{}
	mark := func(name string, since time.Time) {
		stages[name] = time.Since(since).Seconds()
		if o.StageDone != nil {
			o.StageDone(name)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the SQS mappings and asynchronous deliveries
	names := s.Clients.Names

	progress(fmt.Sprintf("generating %d events", o.Events))
	data := sample.Generate(o.Seed, o.Events)

	progress("starting the AWS side in process: S3 (gofakes3), SQS and SNS fakes, Lambda Runtime API servers")
	cfg := awsfake.Config()
	fs3, err := awsfake.NewS3(ctx, names.Landing, names.Archive)
	if err != nil {
		return nil, nil, err
	}
	defer fs3.Close()
	fsns, err := awsfake.NewSNS(ctx, cfg, names.TransformCompleted, names.MaskCompleted, names.ExportCompleted)
	if err != nil {
		return nil, nil, err
	}
	defer fsns.Close()
	fsqs := awsfake.NewSQS(cfg)
	defer fsqs.Close()
	// One queue per Pub/Sub-triggered source, named as its topic (the
	// ingest function routes a message by queue name), with a dead-letter
	// queue after 5 receives.
	var queues []string
	for _, src := range s.Pipeline.Sources {
		t := src.Trigger.PubSubTopic
		if t == "" {
			continue
		}
		q := names.Topic(t)
		if _, err := fsqs.Client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q + "-dead-letter")}); err != nil {
			return nil, nil, fmt.Errorf("sqs.CreateQueue: %w", err)
		}
		if _, err := fsqs.Client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q), Attributes: map[string]string{
			"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s%s-dead-letter","maxReceiveCount":"5"}`, fsqs.ARNPrefix, q)}}); err != nil {
			return nil, nil, fmt.Errorf("sqs.CreateQueue: %w", err)
		}
		queues = append(queues, q)
	}

	// The functions' environment, as Terraform would set it (the emulator
	// variables come from the stack).
	restore := setenv(map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local-secret",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_S3": fs3.URL, "AWS_ENDPOINT_URL_SNS": fsns.URL,
		"SLUICE_SNS_TOPIC_ARN_PREFIX": fsns.ARNPrefix, "SLUICE_S3_ARCHIVE_BUCKET": names.Archive,
	})
	defer restore()

	log := logging.New(logging.Stdout, slog.LevelInfo)
	runtimes := map[string]*awsfake.Runtime{}
	for _, fn := range []string{"ingest", "transform", "mask", "export"} {
		rt, err := awsfake.NewRuntime()
		if err != nil {
			return nil, nil, err
		}
		// Not closed: a lambda.Start loop exits the process when its
		// Runtime API goes away.
		rt.FunctionARN = "arn:aws:lambda:us-east-1:000000000000:function:sluice-" + fn
		runtimes[fn] = rt
	}
	invocations := map[string]*atomic.Int64{}
	invoker := func(fn string) awsfake.Invoker {
		n := &atomic.Int64{}
		invocations[fn] = n
		return func(ctx context.Context, payload []byte) ([]byte, error) {
			n.Add(1)
			return runtimes[fn].Invoke(ctx, payload)
		}
	}
	loops := []struct {
		fn      string
		handler func() any
	}{
		{"transform", func() any { return transformhandler.New(&trigger.Env{}, log).Handle }},
		{"mask", func() any { return maskhandler.New(&trigger.Env{}, log).Handle }},
		{"export", func() any { return exporthandler.New(&trigger.Env{}, log, nil).Handle }},
	}
	for range awsIngestEnvironments {
		loops = append(loops, struct {
			fn      string
			handler func() any
		}{"ingest", func() any { return ingesthandler.NewFromEnv().Handle }})
	}
	for _, l := range loops {
		if err := startLoop(ctx, runtimes[l.fn], l.handler()); err != nil {
			return nil, nil, fmt.Errorf("%s Lambda: %w", l.fn, err)
		}
	}

	ingest := invoker("ingest")
	var sqsInvocations, s3Invocations atomic.Int64
	for _, q := range queues {
		if err := fsqs.Map(ctx, awsfake.Mapping{Queue: q, BatchSize: 10, Concurrency: awsIngestEnvironments,
			Invoke: func(ctx context.Context, p []byte) ([]byte, error) { sqsInvocations.Add(1); return ingest(ctx, p) }}); err != nil {
			return nil, nil, err
		}
	}
	s3Async := &awsfake.Async{Invoke: func(ctx context.Context, p []byte) ([]byte, error) { s3Invocations.Add(1); return ingest(ctx, p) }}
	fs3.Notify(names.Landing, func(ev []byte) { s3Async.Send(ctx, ev) })
	maskAsync := &awsfake.Async{Invoke: invoker("mask")}
	exportAsync := &awsfake.Async{Invoke: invoker("export")}
	transform := invoker("transform")
	var snsErr atomic.Pointer[error]
	fsns.OnNotify(func(topic string, n awsfake.SNSNotification) {
		var a *awsfake.Async
		switch topic {
		case names.TransformCompleted:
			a = maskAsync
		case names.MaskCompleted:
			a = exportAsync
		default:
			return
		}
		ev, err := awsfake.SNSLambdaEvent(n)
		if err != nil {
			snsErr.Store(&err)
			return
		}
		a.Send(ctx, ev)
	})

	writes0 := s.BigQueryWrites()
	t := time.Now()
	progress(fmt.Sprintf("sending %d events to SQS queue %s (SendMessageBatch, 10 a call)", len(data.Events), names.Topic("events")))
	if err := sendEvents(ctx, fsqs, names.Topic("events"), data.Events); err != nil {
		return nil, nil, err
	}
	sent := map[string]int{"events": len(data.Events)}
	if src, ok := s.Pipeline.Source(cdcSource); ok && src.Trigger.PubSubTopic != "" {
		q := names.Topic(src.Trigger.PubSubTopic)
		progress(fmt.Sprintf("sending %d customer changes (Debezium) to SQS queue %s", len(data.Customers.Messages), q))
		bodies := make([][]byte, len(data.Customers.Messages))
		for i, m := range data.Customers.Messages {
			bodies[i] = m.Data
		}
		if err := sendEvents(ctx, fsqs, q, bodies); err != nil {
			return nil, nil, err
		}
		sent[cdcSource] = data.Customers.Changes
	}
	progress(fmt.Sprintf("putting %d order files into s3://%s/orders/", len(data.Files), names.Landing))
	for _, f := range data.Files {
		if _, err := fs3.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(names.Landing), Key: aws.String(f.Name),
			Body: strings.NewReader(string(f.Data))}); err != nil {
			return nil, nil, fmt.Errorf("s3.PutObject(%s): %w", f.Name, err)
		}
	}

	progress("waiting for ingest")
	for _, f := range data.Files {
		sent["orders"] += f.Lines
	}
	idle := func(ctx context.Context) error {
		for {
			for _, q := range queues {
				if n := fsqs.Depth(q + "-dead-letter"); n > 0 {
					return fmt.Errorf("ingest: %d SQS messages reached the dead-letter queue %s-dead-letter (see functions.log)", n, q)
				}
			}
			if f := s3Async.Failures(); len(f) > 0 {
				return fmt.Errorf("ingest: %d S3 notifications failed every attempt: %v", len(f), f[0].Err)
			}
			if fsqs.Idle(queues...) && s3Async.Pending() == 0 {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	if err := waitLanded(ctx, s, idle, sent, o.Progress); err != nil {
		return nil, nil, err
	}
	mark("ingest", t)
	ingestWrites := s.BigQueryWrites() - writes0

	t = time.Now()
	runID := "demo_" + time.Now().UTC().Format("20060102T150405")
	progress("invoking the transform Lambda " + runID + " (the EventBridge Scheduler's input)")
	body, _ := json.Marshal(map[string]string{"run_id": runID, "run_date": o.RunDate, "scheduled_time": time.Now().UTC().Format(time.RFC3339)})
	out, err := transform(ctx, body)
	if err != nil {
		return nil, nil, fmt.Errorf("transform Lambda: %w", err)
	}
	var tres struct {
		Skipped string `json:"skipped"`
	}
	if json.Unmarshal(out, &tres) == nil && tres.Skipped != "" {
		return nil, nil, fmt.Errorf("transform Lambda skipped the run: %s", tres.Skipped)
	}
	mark("transform", t)

	t = time.Now()
	progress("waiting for mask and export (SNS)")
	var done events.ExportCompletedData
	var mask events.MaskCompletedData
	deadline := time.Now().Add(10 * time.Minute)
	for {
		if p := snsErr.Load(); p != nil {
			return nil, nil, *p
		}
		for _, a := range []struct {
			fn string
			a  *awsfake.Async
		}{{"mask", maskAsync}, {"export", exportAsync}} {
			if f := a.a.Failures(); len(f) > 0 {
				return nil, nil, fmt.Errorf("%s Lambda failed every attempt: %v", a.fn, f[0].Err)
			}
		}
		okMask, err := snsEvent(fsns, names.MaskCompleted, runID, &mask)
		if err != nil {
			return nil, nil, err
		}
		okDone, err := snsEvent(fsns, names.ExportCompleted, runID, &done)
		if err != nil {
			return nil, nil, err
		}
		if okMask && okDone {
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("no export.completed for run %s on SNS within 10 minutes (see functions.log)", runID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mark("mask_and_export", t)

	sum, err := summarize(ctx, s, data, runID, mask, done)
	if err != nil {
		return nil, nil, err
	}
	sum.Cloud = "aws"
	sum.Stages, sum.IngestWrites = stages, ingestWrites
	sum.Seconds = time.Since(start).Seconds()
	st := &AWSStats{
		SQSMessagesSent: fsqs.Sent.Load(), SQSBatchesSent: fsqs.Batches.Load(), SQSInvocations: sqsInvocations.Load(),
		SQSDeliveries: fsqs.Deliveries.Load(), SQSFailed: fsqs.Failed.Load(), SQSDeadLettered: fsqs.DeadLettered.Load(),
		S3Puts: int64(len(data.Files)), S3Notifications: fs3.Notifications.Load(), S3Invocations: s3Invocations.Load(),
		SNSNotifications: map[string]int{}, Invocations: map[string]int64{},
	}
	for _, topic := range []string{names.TransformCompleted, names.MaskCompleted, names.ExportCompleted} {
		st.SNSNotifications[topic] = len(fsns.Notifications(topic))
	}
	for fn, n := range invocations {
		st.Invocations[fn] = n.Load()
	}
	return sum, st, nil
}

// startLoop starts handler's lambda.Start loop against rt and returns once
// it polls: lambda.Start reads AWS_LAMBDA_RUNTIME_API when it starts, so
// the variable can then name the next function's Runtime API.
func startLoop(ctx context.Context, rt *awsfake.Runtime, handler any) error {
	os.Setenv("AWS_LAMBDA_RUNTIME_API", rt.Addr)
	before := rt.Polls()
	go lambda.Start(handler)
	deadline := time.Now().Add(30 * time.Second)
	for rt.Polls() == before {
		if time.Now().After(deadline) {
			return errors.New("the lambda.Start loop did not poll its Runtime API within 30s")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// sendEvents sends the events with SendMessageBatch, 10 a call, from a few
// senders at once, as a producer would.
func sendEvents(ctx context.Context, q *awsfake.SQS, queue string, bodies [][]byte) error {
	url, err := q.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return fmt.Errorf("sqs.GetQueueUrl(%s): %w", queue, err)
	}
	batches := make(chan []sqstypes.SendMessageBatchRequestEntry)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for entries := range batches {
				out, err := q.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url.QueueUrl, Entries: entries})
				if err == nil && len(out.Failed) > 0 {
					f := out.Failed[0]
					err = fmt.Errorf("%d entries failed, first %s: %s", len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message))
				}
				if err != nil {
					errs <- fmt.Errorf("sqs.SendMessageBatch(%s): %w", queue, err)
					return
				}
			}
		}()
	}
	var sendErr error
	for i := 0; i < len(bodies) && sendErr == nil; i += 10 {
		var entries []sqstypes.SendMessageBatchRequestEntry
		for j, b := range bodies[i:min(i+10, len(bodies))] {
			if !utf8.Valid(b) {
				sendErr = fmt.Errorf("event %d is not UTF-8: SQS bodies are text", i+j)
				break
			}
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(j)), MessageBody: aws.String(string(b))})
		}
		if sendErr != nil {
			break
		}
		select {
		case batches <- entries:
		case sendErr = <-errs:
		}
	}
	close(batches)
	wg.Wait()
	if sendErr != nil {
		return sendErr
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// snsEvent decodes the notification of run runID on topic into out, if SNS
// delivered one.
func snsEvent(fsns *awsfake.SNS, topic, runID string, out any) (bool, error) {
	for _, n := range fsns.Notifications(topic) {
		if n.MessageAttributes["run_id"].Value == runID {
			if err := json.Unmarshal([]byte(n.Message), out); err != nil {
				return false, fmt.Errorf("%s notification for %s: %w", topic, runID, err)
			}
			return true, nil
		}
	}
	return false, nil
}

// setenv sets the variables and returns a function that puts back what
// they were.
func setenv(vars map[string]string) func() {
	prev := map[string]*string{}
	for k, v := range vars {
		if old, ok := os.LookupEnv(k); ok {
			prev[k] = &old
		} else {
			prev[k] = nil
		}
		os.Setenv(k, v)
	}
	return func() {
		for k, v := range prev {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}
}

// Text renders the AWS side of the run for people.
func (a *AWSStats) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  sqs         %d messages in %d SendMessageBatch calls, delivered in %d ingest invocations (%d deliveries, %d failed, %d dead-lettered)\n",
		a.SQSMessagesSent, a.SQSBatchesSent, a.SQSInvocations, a.SQSDeliveries, a.SQSFailed, a.SQSDeadLettered)
	fmt.Fprintf(&b, "  s3          %d PutObject, %d ObjectCreated notifications, %d ingest invocations\n", a.S3Puts, a.S3Notifications, a.S3Invocations)
	keys := make([]string, 0, len(a.SNSNotifications))
	for k := range a.SNSNotifications {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sns []string
	for _, k := range keys {
		sns = append(sns, fmt.Sprintf("%s %d", k, a.SNSNotifications[k]))
	}
	fmt.Fprintf(&b, "  sns         %s\n", strings.Join(sns, ", "))
	fmt.Fprintf(&b, "  lambda      ingest %d, transform %d, mask %d, export %d invocations (lambda.Start loops on local Runtime API servers)\n",
		a.Invocations["ingest"], a.Invocations["transform"], a.Invocations["mask"], a.Invocations["export"])
	return b.String()
}
