// Command ingest is the ingest function as an AWS Lambda function (runtime
// provided.al2023, binary named bootstrap): a thin decoder over the same
// core as the Cloud Function (functions/ingest.Lander). It takes
//
//   - S3 ObjectCreated notifications, direct, through SQS, through SNS, or
//     as EventBridge "Object Created" events: the object is read with the
//     AWS SDK S3 client and routed by key prefix (gcs_prefix in
//     pipeline.yaml), exactly as a Cloud Storage object is;
//   - SQS messages whose bodies are records (the formats a Pub/Sub message
//     carries), routed by the "source" message attribute, else by the queue
//     name as the topic; failures are reported per message
//     (SQSEventResponse.BatchItemFailures), so one message that cannot be
//     handled retries alone and reaches the dead-letter queue alone;
//   - SNS notifications, routed the same way by attribute or topic name.
//
// Bad data lands in the rejects table and is acknowledged; only faults
// worth retrying fail an invocation or a message. It reaches BigQuery with
// the same environment as the Cloud Functions (SLUICE_PROJECT, SLUICE_ENV,
// and Google credentials: on AWS an external-account configuration for
// workload identity federation named by GOOGLE_APPLICATION_CREDENTIALS).
// SLUICE_S3_ARCHIVE_BUCKET names the S3 bucket objects are archived to
// (default: the archive bucket name of pipeline.yaml).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/cmd/lambda/ingest/handler"
)

func main() {
	lambda.Start(handler.NewFromEnv().Handle)
}
