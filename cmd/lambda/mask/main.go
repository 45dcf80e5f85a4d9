// Command mask is the mask function as an AWS Lambda function (runtime
// provided.al2023, binary named bootstrap): a thin decoder over the same
// core as the Cloud Function (functions/mask.Masker). It takes
// transform.completed from SNS (subscribed to the topic, or through an SQS
// queue subscribed to it, with per-message failure reporting), masks the
// curated tables through DLP into published and publishes mask.completed to
// SNS. It fails closed as on Google Cloud: a DLP error fails the invocation
// before anything unmasked is written. The tokenisation key is the file
// SLUICE_TOKEN_KEY_FILE (32 or 64 bytes), as for the Cloud Function.
package main

import (
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sluice-data/sluice/cmd/lambda/mask/handler"
	"github.com/sluice-data/sluice/cmd/lambda/trigger"
	"github.com/sluice-data/sluice/shared/logging"
)

func main() {
	lambda.Start(handler.New(&trigger.Env{}, logging.New(logging.Stdout, slog.LevelInfo)).Handle)
}
