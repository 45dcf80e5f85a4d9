package tfcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// awsDir is the AWS deployment's directory in the tree infra/terraform.
const awsDir = "aws"

func TestRealAWSPasses(t *testing.T) {
	tree := realTree(t)
	if n := len(tree.Modules[awsDir].Blocks); n < 30 {
		t.Fatalf("%s has %d blocks; the AWS deployment did not load", awsDir, n)
	}
	t.Run("aws", func(t *testing.T) { report(t, CheckAWS(tree, awsDir)) })
	t.Run("wiring", func(t *testing.T) {
		p, cfg := loadPipeline(t)
		report(t, CheckAWSWiring(tree, awsDir, p, cfg))
	})
	t.Run("references", func(t *testing.T) { report(t, CheckReferences(tree)) })
	t.Run("counts", func(t *testing.T) {
		m := tree.Modules[awsDir]
		for typ, want := range map[string]int{
			"aws_lambda_function": 1, "aws_cloudwatch_log_group": 1, "aws_lambda_event_source_mapping": 1,
			"aws_s3_bucket_notification": 1, "aws_scheduler_schedule": 1, "aws_sns_topic": 1,
		} {
			if got := len(m.Resources(typ)); got != want {
				t.Errorf("%d %s blocks, want %d (the checks assume one for_each block per kind)", got, typ, want)
			}
		}
	})
}

// awsFiles reads the real infra/terraform/aws and the federation module it
// calls, keyed as ParseFiles wants them.
func awsFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, dir := range []string{awsDir, "modules/aws_federation"} {
		paths, err := filepath.Glob(filepath.Join(repoRoot, "infra", "terraform", filepath.FromSlash(dir), "*.tf"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no .tf files in %s: %v", dir, err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[dir+"/"+filepath.Base(p)] = string(b)
		}
	}
	return files
}

// awsMutations are defects seeded into a copy of the real AWS deployment;
// the checks must catch each one. old must occur exactly once in file.
var awsMutations = []struct {
	name, file, old, new, want string
}{
	{"amd64 by default", "aws/variables.tf", `default     = "arm64"`, `default     = "x86_64"`, `architectures must be ["arm64"] by default`},
	{"architectures hard-coded", "aws/lambda.tf", `architectures    = [var.architecture]`, `architectures    = ["x86_64"]`, `architectures must be ["arm64"]`},
	{"another runtime", "aws/lambda.tf", `runtime          = "provided.al2023"`, `runtime          = "provided.al2"`, `runtime must be the literal "provided.al2023"`},
	{"another handler", "aws/lambda.tf", `handler          = "bootstrap"`, `handler          = "main"`, `handler must be the literal "bootstrap"`},
	{"zip not named by its hash", "aws/lambda.tf", `key         = "lambda/${each.key}-${local.goarch}-${substr(local.zip_sha256[each.key], 0, 16)}.zip"`, `key         = "lambda/${each.key}-${local.goarch}.zip"`, "does not hold the zip's content hash"},
	{"no source_code_hash", "aws/lambda.tf", "  source_code_hash = filebase64sha256(local.zips[each.key])\n", "", "source_code_hash must be the zip's hash"},
	{"zip uploaded directly", "aws/lambda.tf", `s3_bucket        = aws_s3_object.zip[each.key].bucket`, `filename         = local.zips[each.key]`, "not filename or image_uri"},
	{"log group without retention", "aws/lambda.tf", "  retention_in_days = var.log_retention_days\n", "", "has no retention_in_days"},
	{"logs to the default group", "aws/lambda.tf", "    log_group  = aws_cloudwatch_log_group.function[each.key].name\n", "", "has no logging_config with log_group"},
	{"role cannot write its logs", "aws/iam.tf", `actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]`, `actions   = ["logs:CreateLogStream"]`, "does not allow logs:PutLogEvents"},
	{"wildcard action", "aws/iam.tf", `actions   = ["sns:Publish"]`, `actions   = ["sns:*"]`, `action "sns:*": no wildcard actions`},
	{"wildcard resource", "aws/iam.tf", `resources = [aws_sqs_queue.failed_invocations[each.key].arn]`, `resources = ["*"]`, `resource "*": no wildcard resources`},
	{"logs on every group", "aws/iam.tf", `resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]`, `resources = ["arn:aws:logs:*:*:*"]`, `resource "arn:aws:logs:*:*:*"`},
	{"wildcard through a local", "aws/iam.tf", `export_bucket_arns = [for b in local.export_s3_buckets : "arn:${local.partition}:s3:::${b}"]`, `export_bucket_arns = ["arn:aws:s3:::*"]`, `resource "arn:aws:s3:::*"`},
	{"wildcard in the middle", "aws/iam.tf", `resources = ["${aws_s3_bucket.pipeline["landing"].arn}/*"]`, `resources = ["${aws_s3_bucket.pipeline["landing"].arn}*/*"]`, "no wildcard resources"},
	{"not_actions", "aws/iam.tf", `actions   = ["lambda:InvokeFunction"]`, `not_actions = ["iam:PassRole"]`, "not_actions grants everything else"},
	{"wildcard principal", "aws/iam.tf", `identifiers = ["lambda.amazonaws.com"]`, `identifiers = ["*"]`, `principal "*"`},
	{"managed policy attached", "aws/iam.tf", "resource \"aws_iam_role_policy\" \"lambda\" {", "resource \"aws_iam_role_policy_attachment\" \"basic\" {\n  for_each   = local.functions\n  role       = aws_iam_role.lambda[each.key].name\n  policy_arn = \"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\"\n}\n\nresource \"aws_iam_role_policy\" \"lambda\" {", "attaches a managed policy to aws_iam_role.lambda"},
	{"inline jsonencode wildcard", "aws/iam.tf", "  policy = data.aws_iam_policy_document.scheduler.json\n", "  policy = jsonencode({ Statement = [{ Effect = \"Allow\", Action = \"lambda:*\", Resource = \"*\" }] })\n", `action "lambda:*"`},
	{"no partial batch failures", "aws/queues.tf", `function_response_types            = ["ReportBatchItemFailures"]`, `function_response_types            = []`, `function_response_types must be ["ReportBatchItemFailures"]`},
	{"no redrive", "aws/queues.tf", "  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn\n    maxReceiveCount     = var.max_receive_count\n  })\n", "", "needs a redrive_policy to a dead-letter queue"},
	{"redrive without a count", "aws/queues.tf", "    maxReceiveCount     = var.max_receive_count\n", "", "needs deadLetterTargetArn and maxReceiveCount"},
	{"redrive to itself", "aws/queues.tf", "deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn", `deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111122223333:elsewhere"`, "deadLetterTargetArn must be another aws_sqs_queue"},
	{"notification straight to nothing consumed", "aws/notifications.tf", `queue_arn = aws_sqs_queue.trigger["landing"].arn`, `queue_arn = aws_sqs_queue.dead_letter["landing"].arn`, "the notification's queue must be one an event source mapping reads"},
	{"notification of deletes", "aws/notifications.tf", `events    = ["s3:ObjectCreated:*"]`, `events    = ["s3:ObjectRemoved:*"]`, "must send s3:ObjectCreated events"},
	{"public bucket", "aws/notifications.tf", "  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\nresource \"aws_s3_bucket_ownership_controls\" \"pipeline\"", "  block_public_policy     = false\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\nresource \"aws_s3_bucket_ownership_controls\" \"pipeline\"", "block_public_policy must be true"},
	{"unencrypted artifacts", "aws/lambda.tf", "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"artifacts\" {\n  bucket = aws_s3_bucket.artifacts.id", "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"artifacts\" {\n  bucket = \"elsewhere\"", "has no aws_s3_bucket_server_side_encryption_configuration"},
	{"schedule without a dead-letter queue", "aws/scheduler.tf", "    dead_letter_config {\n      arn = aws_sqs_queue.schedule_dead_letter.arn\n    }\n", "", "target has no dead_letter_config"},
	{"schedule without retries", "aws/scheduler.tf", "    retry_policy {\n      maximum_retry_attempts       = 3\n      maximum_event_age_in_seconds = 3600\n    }\n", "", "target has no retry_policy"},
	{"schedule without its time", "aws/scheduler.tf", `input = jsonencode({ scheduled_time = "<aws.scheduler.scheduled-time>" })`, `input = jsonencode({})`, "must pass scheduled_time"},
	{"variable without a description", "aws/variables.tf", "  description = \"Days CloudWatch keeps each function's logs (one of the values CloudWatch accepts).\"\n", "", "has no description"},
	{"variable without a type", "aws/variables.tf", "variable \"max_receive_count\" {\n  type        = number\n", "variable \"max_receive_count\" {\n", "has no type"},
	{"undeclared variable", "aws/lambda.tf", `timeout          = each.value.timeout_seconds`, `timeout          = var.timeout`, "var.timeout is not declared in aws"},
	{"undeclared local", "aws/lambda.tf", `memory_size      = each.value.memory_mb`, `memory_size      = local.memory`, "local.memory is not declared in aws"},
	{"undeclared resource", "aws/queues.tf", `event_source_arn                   = aws_sqs_queue.trigger[each.key].arn`, `event_source_arn                   = aws_sqs_queue.triggers[each.key].arn`, "aws_sqs_queue.triggers is not declared in aws"},
	{"undeclared data source", "aws/iam.tf", "  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json\n", "  assume_role_policy = data.aws_iam_policy_document.trust.json\n", "data.aws_iam_policy_document.trust is not declared"},
	{"undeclared module output", "aws/lambda.tf", "content  = module.federation.credential_configs[each.key]", "content  = module.federation.credentials[each.key]", `has no output "credentials"`},
	{"module argument it does not take", "aws/main.tf", "  aws_partition    = local.partition\n", "  aws_partition    = local.partition\n  region           = var.aws_region\n", `passes "region", which module modules/aws_federation does not declare`},
	{"module argument missing", "aws/main.tf", "  aws_account_id   = local.account_id\n", "", `does not pass "aws_account_id"`},
	{"mask without its key file", "aws/lambda.tf", ", SLUICE_TOKEN_KEY_FILE = local.token_key_file })", " })", "the mask function's environment does not set SLUICE_TOKEN_KEY_FILE"},
	{"no credentials for anyone", "aws/lambda.tf", "    GOOGLE_APPLICATION_CREDENTIALS = local.credentials_file\n", "", "the ingest function's environment does not set GOOGLE_APPLICATION_CREDENTIALS"},
	{"export without its topic prefix", "aws/lambda.tf", "    export    = merge(local.common_env, { SLUICE_SNS_TOPIC_ARN_PREFIX = local.sns_arn_prefix })\n", "    export    = local.common_env\n", "the export function's environment does not set SLUICE_SNS_TOPIC_ARN_PREFIX"},
	{"credentials path not in the layer", "aws/main.tf", `credentials_file = "/opt/sluice/google-credentials.json"`, `credentials_file = "/var/task/google-credentials.json"`, `GOOGLE_APPLICATION_CREDENTIALS of ingest is "/var/task/google-credentials.json", which no layer of the function holds`},
	{"key file renamed in its layer", "aws/lambda.tf", `filename = "sluice/token-key"`, `filename = "sluice/token.key"`, `SLUICE_TOKEN_KEY_FILE of mask is "/opt/sluice/token-key", which no layer of the function holds`},
	{"each without for_each", "aws/lambda.tf", "resource \"aws_lambda_layer_version\" \"token_key\" {\n", "resource \"aws_lambda_layer_version\" \"token_key\" {\n  description_extra = each.key\n", "uses each.* without for_each"},
}

func TestAWSChecksCatchMutations(t *testing.T) {
	base := awsFiles(t)
	check := func(files map[string]string) []Finding {
		tree := parse(t, files)
		fs := CheckAWS(tree, awsDir)
		fs = append(fs, CheckVariables(tree)...)
		return append(fs, CheckReferences(tree)...)
	}
	t.Run("unmutated", func(t *testing.T) { report(t, check(base)) })
	for _, mu := range awsMutations {
		t.Run(mu.name, func(t *testing.T) {
			src, ok := base[mu.file]
			if !ok {
				t.Fatalf("no file %s", mu.file)
			}
			if n := strings.Count(src, mu.old); n != 1 {
				t.Fatalf("%s: the text to mutate occurs %d times, want 1 (update the mutation): %q", mu.file, n, mu.old)
			}
			files := map[string]string{}
			for k, v := range base {
				files[k] = v
			}
			files[mu.file] = strings.Replace(src, mu.old, mu.new, 1)
			wantFinding(t, check(files), mu.want)
		})
	}
}

// Wiring defects, checked against pipeline.yaml and against the copy with
// two more sources the Terraform tests use.
func TestAWSWiringCatches(t *testing.T) {
	p, cfg := loadPipeline(t)
	base := awsFiles(t)
	with := func(file, old, new string) map[string]string {
		t.Helper()
		if n := strings.Count(base[file], old); n != 1 {
			t.Fatalf("%s: %q occurs %d times, want 1", file, old, n)
		}
		files := map[string]string{}
		for k, v := range base {
			files[k] = v
		}
		files[file] = strings.Replace(base[file], old, new, 1)
		return files
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"a Pub/Sub source gets no queue", with("aws/queues.tf", "for name, s in local.pubsub_sources : \"source-${name}\"", "for name, s in { for k, v in local.pubsub_sources : k => v if k != \"events\" } : \"source-${name}\""), `source events: no SQS queue "env-events" read by ingest`},
		{"a source queue named after the source", with("aws/queues.tf", `name = "${local.prefix}-${s.trigger.pubsub_topic}", function = "ingest"`, `name = "${local.prefix}-${name}-records", function = "ingest"`), `no SQS queue "env-events"`},
		{"mask on the wrong topic", with("aws/queues.tf", `function = "mask", batch_size = 1, window = 0, topic = "transform_completed"`, `function = "mask", batch_size = 1, window = 0, topic = "export_completed"`), "mask does not consume transform_completed"},
		{"export not subscribed", with("aws/notifications.tf", `for_each = { for k, q in local.queues : k => q if q.topic != "" }`, `for_each = { for k, q in local.queues : k => q if q.topic == "transform_completed" }`), "no aws_sns_topic_subscription delivers mask_completed to export's queue"},
		{"no landing queue", with("aws/queues.tf", `landing = { name = "${local.prefix}-sluice-landing", function = "ingest"`, `landing = { name = "${local.prefix}-sluice-files", function = "transform"`), "file sources: no landing queue read by ingest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, CheckAWSWiring(parse(t, tt.files), awsDir, p, cfg), tt.want)
		})
	}
	t.Run("the unmutated copy passes", func(t *testing.T) { report(t, CheckAWSWiring(parse(t, base), awsDir, p, cfg)) })
}

func TestAWSChecksNeedTheDeployment(t *testing.T) {
	wantFinding(t, CheckAWS(parse(t, map[string]string{"main.tf": `locals {}`}), awsDir), "aws: no Terraform here")
	tree := parse(t, map[string]string{"aws/main.tf": `resource "aws_sqs_queue" "q" {
  name = "q"
}`})
	fs := CheckAWS(tree, awsDir)
	for _, want := range []string{"no aws_lambda_function", "no aws_lambda_event_source_mapping", "no aws_s3_bucket_notification", "no aws_scheduler_schedule"} {
		wantFinding(t, fs, want)
	}
}

// LambdaEnvironment must name every entry point in cmd/lambda, and every
// variable in it must be one the Go code reads (GOOGLE_APPLICATION_CREDENTIALS
// is read by the Google client libraries).
func TestLambdaEnvironmentMatchesTheCode(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join(repoRoot, "cmd", "lambda", "*", "main.go"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no cmd/lambda/*/main.go: %v", err)
	}
	var fns []string
	for _, p := range mains {
		fns = append(fns, filepath.Base(filepath.Dir(p)))
	}
	for _, fn := range fns {
		if LambdaEnvironment[fn] == nil {
			t.Errorf("cmd/lambda/%s has no entry in LambdaEnvironment", fn)
		}
	}
	if len(LambdaEnvironment) != len(fns) {
		t.Errorf("LambdaEnvironment has %d functions, cmd/lambda has %d (%v)", len(LambdaEnvironment), len(fns), fns)
	}
	var src strings.Builder
	for _, dir := range []string{"cmd/lambda/*", "cmd/lambda/*/handler", "shared/aws", "shared/gcp", "functions/mask"} {
		paths, _ := filepath.Glob(filepath.Join(repoRoot, filepath.FromSlash(dir), "*.go"))
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	for fn, vars := range LambdaEnvironment {
		for _, v := range vars {
			if v != "GOOGLE_APPLICATION_CREDENTIALS" && !strings.Contains(src.String(), `"`+v+`"`) {
				t.Errorf("LambdaEnvironment[%s] names %s, which no Go code of the Lambda functions reads", fn, v)
			}
		}
	}
}
