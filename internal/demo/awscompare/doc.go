// Package awscompare holds only a test: the AWS demo (Lambda handlers, SQS,
// S3 and SNS in process) and the GCP demo, run with the same seed in one
// process (each demo needs its own stack, and the AWS demo's Lambda loops
// are process-global, so neither fits internal/demo's shared stack).
package awscompare
