# The four functions: one zip each from cmd/lambda/build.sh holding only the
# static binary bootstrap, for the provided.al2023 runtime, arm64 unless
# var.architecture says x86_64. Each zip is uploaded under a key that holds
# its content hash, so a new build is a new object and an unchanged one
# leaves the function alone.

locals {
  zips = { for fn, _ in local.functions : fn => "${local.dist_dir}/${fn}-${local.goarch}.zip" }
  # filesha256 fails at plan when a zip is missing: run cmd/lambda/build.sh.
  zip_sha256 = { for fn, p in local.zips : fn => filesha256(p) }

  # The environment the Cloud Functions get (SLUICE_PROJECT, SLUICE_ENV)
  # plus what AWS needs: Google credentials through federation, the SNS
  # topics the stages publish to, the S3 archive bucket.
  common_env = {
    SLUICE_PROJECT                 = var.project_id
    SLUICE_ENV                     = var.environment
    GOOGLE_APPLICATION_CREDENTIALS = local.credentials_file
  }
  function_env = {
    ingest    = merge(local.common_env, { SLUICE_S3_ARCHIVE_BUCKET = aws_s3_bucket.pipeline["archive"].bucket })
    transform = merge(local.common_env, { SLUICE_SNS_TOPIC_ARN_PREFIX = local.sns_arn_prefix })
    mask      = merge(local.common_env, { SLUICE_SNS_TOPIC_ARN_PREFIX = local.sns_arn_prefix, SLUICE_TOKEN_KEY_FILE = local.token_key_file })
    export    = merge(local.common_env, { SLUICE_SNS_TOPIC_ARN_PREFIX = local.sns_arn_prefix })
  }
  sns_arn_prefix = "arn:${local.partition}:sns:${var.aws_region}:${local.account_id}:"
}

# Private and encrypted: the function zips, one object per build.
resource "aws_s3_bucket" "artifacts" {
  bucket = "${local.prefix}-sluice-lambda-artifacts"
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_object" "zip" {
  for_each = local.functions

  bucket = aws_s3_bucket.artifacts.id
  # Named by content: <function>-<arch>-<sha256 prefix>.zip.
  key         = "lambda/${each.key}-${local.goarch}-${substr(local.zip_sha256[each.key], 0, 16)}.zip"
  source      = local.zips[each.key]
  source_hash = local.zip_sha256[each.key]
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = var.log_retention_days
}

# The credential configuration each function reads (no secret in it: the
# exchange uses the execution role's own AWS credentials). A layer is
# unpacked under /opt, so sluice/google-credentials.json is the file
# GOOGLE_APPLICATION_CREDENTIALS names.
data "archive_file" "credentials" {
  for_each = local.functions

  type        = "zip"
  output_path = "${path.module}/.build/${each.key}-google-credentials.zip"

  source {
    content  = module.federation.credential_configs[each.key]
    filename = "sluice/google-credentials.json"
  }
}

resource "aws_lambda_layer_version" "credentials" {
  for_each = local.functions

  layer_name               = "${each.value.name}-google-credentials"
  description              = "External-account credential configuration: the ${each.key} role impersonates its Google service account."
  filename                 = data.archive_file.credentials[each.key].output_path
  source_code_hash         = data.archive_file.credentials[each.key].output_base64sha256
  compatible_runtimes      = ["provided.al2023"]
  compatible_architectures = [var.architecture]
}

# The tokenisation key as the file SLUICE_TOKEN_KEY_FILE names, for mask
# only. The layer is private to the account.
data "archive_file" "token_key" {
  type        = "zip"
  output_path = "${path.module}/.build/mask-token-key.zip"

  source {
    content  = var.token_key
    filename = "sluice/token-key"
  }
}

resource "aws_lambda_layer_version" "token_key" {
  layer_name               = "${local.functions.mask.name}-token-key"
  description              = "Tokenisation key of the mask function."
  filename                 = data.archive_file.token_key.output_path
  source_code_hash         = data.archive_file.token_key.output_base64sha256
  compatible_runtimes      = ["provided.al2023"]
  compatible_architectures = [var.architecture]
}

resource "aws_lambda_function" "stage" {
  for_each = local.functions

  function_name    = each.value.name
  description      = "sluice ${each.key} (${var.environment})"
  role             = aws_iam_role.lambda[each.key].arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  s3_bucket        = aws_s3_object.zip[each.key].bucket
  s3_key           = aws_s3_object.zip[each.key].key
  source_code_hash = filebase64sha256(local.zips[each.key])
  memory_size      = each.value.memory_mb
  timeout          = each.value.timeout_seconds

  layers = concat(
    [aws_lambda_layer_version.credentials[each.key].arn],
    each.key == "mask" ? [aws_lambda_layer_version.token_key.arn] : [],
  )

  environment {
    variables = local.function_env[each.key]
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  # The role must be able to write logs before the first invocation.
  depends_on = [aws_iam_role_policy.lambda]
}

# An asynchronous invoke (the schedules) that still fails after Lambda's
# retries goes to a dead-letter queue instead of vanishing.
resource "aws_lambda_function_event_invoke_config" "stage" {
  for_each = local.functions

  function_name                = aws_lambda_function.stage[each.key].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 21600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed_invocations[each.key].arn
    }
  }
}
