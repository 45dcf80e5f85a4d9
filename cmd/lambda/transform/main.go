// Command transform is the transform function as an AWS Lambda function
// (runtime provided.al2023, binary named bootstrap): a thin decoder over the
// same core as the Cloud Function (functions/transform.Runner). An
// EventBridge schedule (Scheduler input, or a rule's "Scheduled Event") or a
// manual invoke with the HTTP function's request fields ({"run_id",
// "run_date", "full_refresh"}, all optional) rebuilds the curated models;
// transform.completed goes to the SNS topic
// <SLUICE_SNS_TOPIC_ARN_PREFIX><deployed transform_completed topic>. The
// response is the transform.completed payload, or {"run_id", "skipped"}
// when another run holds the lock. A failing model or assertion fails the
// invocation (Lambda retries an asynchronous invoke, then sends it to the
// on-failure destination). Google credentials come from workload identity
// federation, as for the ingest Lambda.
package main

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/cmd/lambda/transform/handler"
	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/shared/logging"
)

func main() {
	lambda.Start(handler.New(&trigger.Env{}, logging.New(logging.Stdout, slog.LevelInfo)).Handle)
}
