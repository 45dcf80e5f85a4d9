package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/sluice-data/sluice/cmd/lambda/ingest/handler"
	bqemu "github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/emulators/gcs"
	"github.com/sluice-data/sluice/internal/awsfake"
)

// The whole test runs the binary's own main (lambda.Start) against the fake
// Runtime API, with S3 on gofakes3 and BigQuery on the local emulator, both
// reached through the real clients.
var (
	rt      *awsfake.Runtime
	fakeS3  *awsfake.S3
	bqc     *bigquery.Client
	testdir string // aws-lambda-go's events/testdata
)

const project = "lambda-test"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "setup:", err)
			os.Exit(2)
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	must(err)
	testdir = filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")

	// Cloud Storage holds only what the core stages there (large reject
	// payloads, load staging): the archive bucket.
	g, err := gcs.New(gcs.Options{Project: project, Buckets: []string{"archive"}})
	must(err)
	defer g.Close()
	bq, err := bqemu.New(bqemu.Options{Project: project})
	must(err)
	defer bq.Close()
	hs := httptest.NewServer(bq.Handler())
	defer hs.Close()
	bqc, err = bigquery.NewClient(ctx, project, option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	must(err)

	fakeS3, err = awsfake.NewS3(ctx, "landing", "s3-archive", "versioned")
	must(err)
	defer fakeS3.Close()
	// rt stays open until the process exits: the lambda.Start loop exits
	// the process when its Runtime API goes away.
	rt, err = awsfake.NewRuntime()
	must(err)

	for k, v := range map[string]string{
		"SLUICE_PROJECT": project, "BIGQUERY_EMULATOR_HOST": strings.TrimPrefix(hs.URL, "http://"),
		"STORAGE_EMULATOR_HOST": g.Addr,
		// Built by the shared client cache, never called by ingest.
		"PUBSUB_EMULATOR_HOST": "127.0.0.1:1", "DLP_EMULATOR_HOST": "127.0.0.1:1",
		"AWS_ENDPOINT_URL_S3": fakeS3.URL, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local-secret",
		"AWS_EC2_METADATA_DISABLED": "true",
		"SLUICE_S3_ARCHIVE_BUCKET":  "s3-archive",
		"AWS_LAMBDA_RUNTIME_API":    rt.Addr,
	} {
		os.Setenv(k, v)
	}
	go main() // the real lambda.Start loop, polling rt
	return m.Run()
}

func invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := rt.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return out
}

// fixture reads one of aws-lambda-go's sample events as a generic tree.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdir, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func put(t *testing.T, key string, body []byte, encoding string) *s3.PutObjectOutput {
	return putIn(t, "landing", key, body, encoding)
}

func putIn(t *testing.T, bucket, key string, body []byte, encoding string) *s3.PutObjectOutput {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}
	if encoding != "" {
		in.ContentEncoding = aws.String(encoding)
	}
	out, err := fakeS3.Client.PutObject(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// s3Event is events/testdata/s3-event.json announcing one object; the key
// is URL-encoded as S3 sends it.
func s3Event(t *testing.T, key string, out *s3.PutObjectOutput, size int) []byte {
	return s3EventIn(t, "landing", key, out, size)
}

func s3EventIn(t *testing.T, bucket, key string, out *s3.PutObjectOutput, size int) []byte {
	t.Helper()
	ev := fixture(t, "s3-event.json")
	rec := ev["Records"].([]any)[0].(map[string]any)
	rec["eventTime"] = "2026-12-01T10:00:00.000Z"
	s3m := rec["s3"].(map[string]any)
	s3m["bucket"].(map[string]any)["name"] = bucket
	obj := s3m["object"].(map[string]any)
	obj["key"] = strings.ReplaceAll(key, " ", "+")
	obj["size"] = size
	obj["eTag"] = strings.Trim(aws.ToString(out.ETag), `"`)
	obj["versionId"] = aws.ToString(out.VersionId)
	b, _ := json.Marshal(ev)
	return b
}

// sqsEvent is events/testdata/sqs-event.json with one record per body.
func sqsEvent(t *testing.T, queue string, bodies map[string]string, attrs map[string]string) []byte {
	t.Helper()
	ev := fixture(t, "sqs-event.json")
	tmpl := ev["Records"].([]any)[0].(map[string]any)
	var recs []any
	for id, body := range bodies {
		r := map[string]any{}
		for k, v := range tmpl {
			r[k] = v
		}
		r["messageId"] = id
		r["body"] = body
		r["eventSourceARN"] = "arn:aws:sqs:us-east-1:000000000000:" + queue
		ma := map[string]any{}
		for k, v := range attrs {
			ma[k] = map[string]any{"stringValue": v, "stringListValues": []any{}, "binaryListValues": []any{}, "dataType": "String"}
		}
		r["messageAttributes"] = ma
		recs = append(recs, r)
	}
	ev["Records"] = recs
	b, _ := json.Marshal(ev)
	return b
}

func count(t *testing.T, sql string) int64 {
	t.Helper()
	it, err := bqc.Query(sql).Read(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if err := it.Next(&row); err != iterator.Done {
		t.Fatalf("%s: more than one row", sql)
	}
	return row[0].(int64)
}

func TestS3ObjectLandsOnceAndIsArchived(t *testing.T) {
	key := "orders/2026/12/01/batch one.jsonl.gz"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintln(zw, `{"order_id":"s3-o1","user_id":"u1","status":"paid","total":12.5,"currency":"EUR","updated_at":"2026-12-01T09:00:00Z"}`)
	fmt.Fprintln(zw, `{"order_id":"s3-o2","user_id":"u2","status":"new","total":3,"currency":"EUR","updated_at":"2026-12-01T09:01:00Z"}`)
	fmt.Fprintln(zw, `{"order_id":"s3-o3","total":"not a number"}`)
	zw.Close()
	out := put(t, key, buf.Bytes(), "")
	ev := s3Event(t, key, out, buf.Len())

	var sum handler.Summary
	if err := json.Unmarshal(invoke(t, ev), &sum); err != nil {
		t.Fatal(err)
	}
	if got, want := sum, (handler.Summary{Objects: 1, Landed: 2, Rejected: 1}); got != want {
		t.Fatalf("summary = %+v, want %+v", got, want)
	}
	// S3 redelivers notifications: the same event lands nothing new.
	invoke(t, ev)
	if got, want := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id LIKE 's3-o%'"), int64(2); got != want {
		t.Errorf("raw.orders rows after a redelivery = %d, want %d", got, want)
	}
	origin := "s3://landing/" + key + "#" + strings.Trim(aws.ToString(out.ETag), `"`)
	if got, want := count(t, "SELECT COUNT(*) FROM `sluice_ops.rejects` WHERE source = 'orders' AND reason = 'schema_mismatch' AND STARTS_WITH(origin, '"+origin+"')"), int64(1); got != want {
		t.Errorf("rejects from %s = %d, want %d", origin, got, want)
	}
	// The original is archived in S3 under <source>/yyyy/mm/dd/.
	a, err := fakeS3.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("s3-archive"),
		Key: aws.String("orders/2026/12/01/2026/12/01/batch one.jsonl.gz")})
	if err != nil {
		t.Fatalf("archived copy: %v", err)
	}
	a.Body.Close()
}

func TestSQSBatchReportsOnlyTheFailedMessage(t *testing.T) {
	// Three messages on the "events" queue: two carry records (one of them
	// a bad record, which is a reject, not a failure), one is an S3
	// notification for an object S3 fails to serve: only that one fails.
	poisonKey := "orders/poison.jsonl"
	out := put(t, poisonKey, []byte(`{"order_id":"sqs-poison"}`+"\n"), "")
	fakeS3.FailKeys(poisonKey)
	defer fakeS3.FailKeys()
	bodies := map[string]string{
		"m-good":   `{"event_id":"sqs-e1","user_id":"u1","event_type":"signup","event_time":"2026-12-01T10:00:00Z"}` + "\n" + `{"event_id":"sqs-e2","user_id":"u2","event_type":"page_view","event_time":"2026-12-01T10:00:01Z"}`,
		"m-bad":    `{"event_id":"sqs-e3", "amount": "lots"}`,
		"m-poison": string(s3Event(t, poisonKey, out, 26)),
	}
	resp := invoke(t, sqsEvent(t, "events", bodies, nil))
	var r events.SQSEventResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		t.Fatalf("%s: %v", resp, err)
	}
	if got, want := len(r.BatchItemFailures), 1; got != want {
		t.Fatalf("batchItemFailures = %+v, want exactly m-poison", r.BatchItemFailures)
	}
	if got, want := r.BatchItemFailures[0].ItemIdentifier, "m-poison"; got != want {
		t.Errorf("failed item = %q, want %q", got, want)
	}
	if got, want := count(t, "SELECT COUNT(*) FROM `raw.events` WHERE event_id IN ('sqs-e1','sqs-e2')"), int64(2); got != want {
		t.Errorf("landed = %d, want %d", got, want)
	}
	if got, want := count(t, "SELECT COUNT(*) FROM `sluice_ops.rejects` WHERE source = 'events' AND origin = 'sqs:events/m-bad'"), int64(1); got != want {
		t.Errorf("rejects of m-bad = %d, want %d", got, want)
	}
	if got := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id = 'sqs-poison'"); got != 0 {
		t.Errorf("the poison object landed %d rows while S3 failed", got)
	}

	// S3 recovers; SQS redelivers the failed message alone: it lands.
	fakeS3.FailKeys()
	resp = invoke(t, sqsEvent(t, "events", map[string]string{"m-poison": bodies["m-poison"]}, nil))
	if err := json.Unmarshal(resp, &r); err != nil || len(r.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %s (%v)", resp, err)
	}
	if got, want := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id = 'sqs-poison'"), int64(1); got != want {
		t.Errorf("poison object rows after recovery = %d, want %d", got, want)
	}
}

func TestSQSUnknownSourceAndBadJSONAreRejects(t *testing.T) {
	bodies := map[string]string{"u-1": `{"x":1}`, "u-2": `{not json`}
	resp := invoke(t, sqsEvent(t, "events", map[string]string{"u-2": bodies["u-2"]}, nil))
	var r events.SQSEventResponse
	if err := json.Unmarshal(resp, &r); err != nil || len(r.BatchItemFailures) != 0 {
		t.Fatalf("bad JSON must be a reject, not a failure: %s (%v)", resp, err)
	}
	resp = invoke(t, sqsEvent(t, "no-such-queue", map[string]string{"u-1": bodies["u-1"]}, map[string]string{"source": "nosuch"}))
	if err := json.Unmarshal(resp, &r); err != nil || len(r.BatchItemFailures) != 0 {
		t.Fatalf("unknown source must be a reject, not a failure: %s (%v)", resp, err)
	}
	if got, want := count(t, "SELECT COUNT(*) FROM `sluice_ops.rejects` WHERE (origin = 'sqs:events/u-2' AND reason = 'invalid_json') OR (origin = 'sqs:no-such-queue/u-1' AND source = 'nosuch' AND reason = 'unknown_source')"), int64(2); got != want {
		t.Errorf("rejects = %d, want %d", got, want)
	}
}

func TestSNSNotificationLands(t *testing.T) {
	ev := fixture(t, "sns-event.json")
	s := ev["Records"].([]any)[0].(map[string]any)["Sns"].(map[string]any)
	s["TopicArn"] = "arn:aws:sns:us-east-1:000000000000:events"
	s["MessageId"] = "sns-1"
	s["Message"] = `[{"event_id":"sns-e1","event_type":"signup"},{"event_id":"sns-e2","event_type":"purchase","amount":9.5}]`
	b, _ := json.Marshal(ev)
	var sum handler.Summary
	if err := json.Unmarshal(invoke(t, b), &sum); err != nil {
		t.Fatal(err)
	}
	if got, want := sum, (handler.Summary{Messages: 1, Landed: 2}); got != want {
		t.Errorf("summary = %+v, want %+v", got, want)
	}
	if got, want := count(t, "SELECT COUNT(*) FROM `raw.events` WHERE event_id LIKE 'sns-e%'"), int64(2); got != want {
		t.Errorf("landed = %d, want %d", got, want)
	}
}

func TestEventBridgeObjectCreatedLands(t *testing.T) {
	// The shape of EventBridge's S3 "Object Created" event (not among
	// aws-lambda-go's samples), as the S3 user guide documents it.
	key := "orders/eb/a.jsonl"
	body := []byte(`{"order_id":"eb-o1","updated_at":"2026-12-01T09:00:00Z"}` + "\n")
	out := put(t, key, body, "")
	ev := fmt.Sprintf(`{"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created","source":"aws.s3",
"account":"000000000000","time":"2026-12-01T10:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::landing"],
"detail":{"version":"0","bucket":{"name":"landing"},"object":{"key":%q,"size":%d,"etag":%q,"sequencer":"00617F08299329D189"},
"request-id":"N4N7GDK58NMKJ12R","requester":"000000000000","source-ip-address":"127.0.0.1","reason":"PutObject"}}`,
		key, len(body), strings.Trim(aws.ToString(out.ETag), `"`))
	invoke(t, []byte(ev))
	if got, want := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id = 'eb-o1'"), int64(1); got != want {
		t.Errorf("landed = %d, want %d", got, want)
	}
}

func TestUnknownEventFailsTheInvocation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := rt.Invoke(ctx, []byte(`{"detail-type":"Scheduled Event","source":"aws.events"}`))
	fe, ok := awsfake.IsFunctionError(err)
	if !ok || !strings.Contains(fe.Message, "unrecognised event") {
		t.Fatalf("err = %v, want the function's unrecognised-event error", err)
	}
}

func TestS3ReadsTheVersionTheEventNamed(t *testing.T) {
	ctx := context.Background()
	if _, err := fakeS3.Client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	key := "orders/v/a.jsonl"
	v1 := putIn(t, "versioned", key, []byte(`{"order_id":"ver-1"}`+"\n"), "")
	v2 := putIn(t, "versioned", key, []byte(`{"order_id":"ver-2"}`+"\n"), "")
	if aws.ToString(v1.VersionId) == "" || aws.ToString(v1.VersionId) == aws.ToString(v2.VersionId) {
		t.Fatalf("versions %q, %q: is versioning on?", aws.ToString(v1.VersionId), aws.ToString(v2.VersionId))
	}
	// The event for the first version, delivered after the overwrite.
	invoke(t, s3EventIn(t, "versioned", key, v1, 21))
	if got := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id IN ('ver-1','ver-2')"); got != 1 {
		t.Fatalf("rows = %d, want 1", got)
	}
	if got := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id = 'ver-1'"); got != 1 {
		t.Errorf("the first version's row did not land")
	}

	// Unversioned: an object overwritten since its event is read with
	// If-Match on the event's ETag, so the event's bytes are gone: a reject.
	old := put(t, "orders/u/a.jsonl", []byte(`{"order_id":"etag-1"}`+"\n"), "")
	put(t, "orders/u/a.jsonl", []byte(`{"order_id":"etag-2"}`+"\n"), "")
	invoke(t, s3Event(t, "orders/u/a.jsonl", old, 22))
	if got := count(t, "SELECT COUNT(*) FROM `raw.orders` WHERE order_id LIKE 'etag-%'"); got != 0 {
		t.Errorf("an overwritten object landed %d rows of the newer bytes", got)
	}
	origin := "s3://landing/orders/u/a.jsonl#" + strings.Trim(aws.ToString(old.ETag), `"`)
	if got := count(t, "SELECT COUNT(*) FROM `sluice_ops.rejects` WHERE origin = '"+origin+"' AND reason = 'empty'"); got != 1 {
		t.Errorf("rejects for %s = %d, want 1", origin, got)
	}
}

func TestFIFOReportsTheFailureAndEverythingAfterIt(t *testing.T) {
	poisonKey := "orders/fifo-poison.jsonl"
	out := put(t, poisonKey, []byte(`{"order_id":"fifo-poison"}`+"\n"), "")
	fakeS3.FailKeys(poisonKey)
	defer fakeS3.FailKeys()
	ev := fixture(t, "sqs-event.json")
	tmpl := ev["Records"].([]any)[0].(map[string]any)
	var recs []any
	for _, m := range []struct{ id, body string }{
		{"f-1", `{"event_id":"fifo-e1","event_type":"signup"}`},
		{"f-2", string(s3Event(t, poisonKey, out, 27))},
		{"f-3", `{"event_id":"fifo-e3","event_type":"signup"}`},
	} {
		r := map[string]any{}
		for k, v := range tmpl {
			r[k] = v
		}
		r["messageId"], r["body"] = m.id, m.body
		r["eventSourceARN"] = "arn:aws:sqs:us-east-1:000000000000:events.fifo"
		r["messageAttributes"] = map[string]any{"source": map[string]any{"stringValue": "events", "dataType": "String"}}
		recs = append(recs, r)
	}
	ev["Records"] = recs
	b, _ := json.Marshal(ev)
	var r events.SQSEventResponse
	if err := json.Unmarshal(invoke(t, b), &r); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range r.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	if got, want := strings.Join(ids, ","), "f-2,f-3"; got != want {
		t.Errorf("batchItemFailures = %s, want %s", got, want)
	}
	if got := count(t, "SELECT COUNT(*) FROM `raw.events` WHERE event_id = 'fifo-e1'"); got != 1 {
		t.Errorf("f-1 landed %d rows, want 1", got)
	}
	if got := count(t, "SELECT COUNT(*) FROM `raw.events` WHERE event_id = 'fifo-e3'"); got != 0 {
		t.Errorf("f-3 landed ahead of the failed f-2")
	}
}
