package awscompare

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/shared/logging"
)

// TestAWSDemoMatchesGCPDemo: for the same seed, `sluice demo --cloud aws`
// lands, rejects, curates and publishes exactly what the GCP demo does, and
// its records really went through SQS (SendMessageBatch, event source
// mapping batches of at most 10) and S3 (PutObject, ObjectCreated
// notifications) into the Lambda handlers, with mask and export triggered
// through SNS.
func TestAWSDemoMatchesGCPDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: two stacks and two demo runs")
	}
	logging.Output = &bytes.Buffer{} // keep function logs out of test output
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	const seed, n = 7, 500
	run := func(aws bool) (*demo.Summary, *demo.AWSStats) {
		st, err := stack.Start(ctx, stack.Options{Workdir: t.TempDir(), EmulatorsOnly: aws})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		o := demo.Options{Events: n, Seed: seed}
		if aws {
			sum, stats, err := demo.RunAWS(ctx, st, o)
			if err != nil {
				t.Fatalf("AWS demo: %v", err)
			}
			return sum, stats
		}
		sum, _, err := demo.Run(ctx, st, o)
		if err != nil {
			t.Fatalf("GCP demo: %v", err)
		}
		return sum, nil
	}
	gcp, _ := run(false)
	aws, stats := run(true)
	t.Logf("GCP: %s", gcp.Text())
	t.Logf("AWS: %s%s", aws.Text(), stats.Text())

	if gcp.RawRows["events"] == 0 || gcp.CuratedRows["events"] == 0 || gcp.PublishedRows["events"] == 0 || gcp.Rejects == 0 {
		t.Fatalf("the GCP demo landed too little to compare: %+v", gcp)
	}
	for _, c := range []struct {
		what     string
		gcp, aws any
	}{
		{"events published", gcp.EventsPublished, aws.EventsPublished},
		{"files dropped", gcp.FilesDropped, aws.FilesDropped},
		{"raw rows", gcp.RawRows, aws.RawRows},
		{"rejects", gcp.Rejects, aws.Rejects},
		{"rejects by reason", gcp.RejectsByReason, aws.RejectsByReason},
		{"curated rows", gcp.CuratedRows, aws.CuratedRows},
		{"published rows", gcp.PublishedRows, aws.PublishedRows},
		{"withheld columns", gcp.Withheld, aws.Withheld},
		{"exports", len(gcp.Exports), len(aws.Exports)},
	} {
		if d := cmp.Diff(c.gcp, c.aws); d != "" {
			t.Errorf("%s differ (-gcp +aws):\n%s", c.what, d)
		}
	}

	// It went through SQS and S3, not around them.
	// Events and the customers table's changes go to their own queues, 10 a batch.
	events, changes := int64(aws.EventsPublished), int64(aws.ChangesPublished)
	batches := (events+9)/10 + (changes+9)/10
	if stats.SQSMessagesSent != events+changes || stats.SQSBatchesSent != batches {
		t.Errorf("SQS received %d messages in %d SendMessageBatch calls, want %d in %d", stats.SQSMessagesSent, stats.SQSBatchesSent, events+changes, batches)
	}
	if stats.SQSDeliveries < events+changes || stats.SQSInvocations < batches || stats.SQSDeadLettered != 0 {
		t.Errorf("SQS delivered %d messages in %d ingest invocations (%d dead-lettered), want at least %d in at least %d, none dead-lettered",
			stats.SQSDeliveries, stats.SQSInvocations, stats.SQSDeadLettered, events+changes, batches)
	}
	files := int64(aws.FilesDropped)
	if stats.S3Puts != files || stats.S3Notifications != files || stats.S3Invocations < files {
		t.Errorf("S3: %d puts, %d notifications, %d ingest invocations; want %d each", stats.S3Puts, stats.S3Notifications, stats.S3Invocations, files)
	}
	if got, want := stats.Invocations["ingest"], stats.SQSInvocations+stats.S3Invocations; got != want {
		t.Errorf("ingest Lambda invoked %d times through its Runtime API, want %d (SQS + S3)", got, want)
	}
	for _, fn := range []string{"transform", "mask", "export"} {
		if stats.Invocations[fn] != 1 {
			t.Errorf("%s Lambda invoked %d times, want 1", fn, stats.Invocations[fn])
		}
	}
	for topic, got := range stats.SNSNotifications {
		if got != 1 {
			t.Errorf("SNS %s: %d notifications, want 1", topic, got)
		}
	}
	if len(stats.SNSNotifications) != 3 {
		t.Errorf("SNS topics %v, want transform, mask and export completed", stats.SNSNotifications)
	}
}
