// Command export is the export function as an AWS Lambda function (runtime
// provided.al2023, binary named bootstrap): a thin decoder over the same
// core as the Cloud Function (functions/export.Exporter). It takes
// mask.completed from SNS (directly or through SQS) and runs the exports
// whose trigger is mask.completed, and its EventBridge schedule (or a
// manual invoke with {"run_date": "YYYY-MM-DD"}, optional) and runs those
// whose trigger is schedule; then it publishes export.completed to SNS.
// A destination s3://bucket/path is written to S3 with the execution role
// (PutObject, GetObject, CopyObject, ListBucket, DeleteObject on it),
// gs://bucket/path and bare paths to Cloud Storage as on Google Cloud.
package main

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/cmd/lambda/export/handler"
	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/shared/logging"
)

func main() {
	lambda.Start(handler.New(&trigger.Env{}, logging.New(logging.Stdout, slog.LevelInfo), nil).Handle)
}
