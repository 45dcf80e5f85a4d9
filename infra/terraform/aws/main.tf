# Names, the pipeline config and the Google-side federation. The files:
# versions.tf (providers), main.tf, lambda.tf (functions, logs, layers),
# iam.tf (one role per function, the Scheduler's role), queues.tf (SQS with
# dead-letter queues, event source mappings), notifications.tf (the S3
# buckets and their notification, the SNS completion topics), scheduler.tf,
# outputs.tf.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  pipeline_file = var.pipeline_file != "" ? var.pipeline_file : "${path.module}/../../../pipeline/pipeline.yaml"
  config        = yamldecode(file(local.pipeline_file))
  dist_dir      = var.dist_dir != "" ? var.dist_dir : "${path.module}/../../../cmd/lambda/dist"

  # The naming contract of shared/gcp.NamesFor: "<env>-<name>" for buckets
  # and topics (SNS topics here), so SLUICE_ENV gives the functions the same
  # names Terraform creates.
  prefix = var.environment

  tags = merge(var.tags, {
    app         = "sluice"
    environment = var.environment
  })

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The four functions; build.sh names the zips <function>-<GOARCH>.zip.
  functions = {
    for fn in ["ingest", "transform", "mask", "export"] : fn => {
      name            = "${local.prefix}-sluice-${fn}"
      memory_mb       = var.function_settings[fn].memory_mb
      timeout_seconds = var.function_settings[fn].timeout_seconds
    }
  }
  goarch = var.architecture == "arm64" ? "arm64" : "amd64"

  buckets = {
    landing = "${local.prefix}-${local.config.buckets.landing}"
    archive = "${local.prefix}-${local.config.buckets.archive}"
  }

  stage_topics = {
    transform_completed = "${local.prefix}-${local.config.topics.transform_completed}"
    mask_completed      = "${local.prefix}-${local.config.topics.mask_completed}"
    export_completed    = "${local.prefix}-${local.config.topics.export_completed}"
  }

  # Pub/Sub sources take their records from an SQS queue named like the
  # deployed topic, which is how the ingest function routes a message
  # without a "source" attribute.
  sources        = { for s in local.config.sources : s.name => s }
  pubsub_sources = { for name, s in local.sources : name => s if try(s.trigger.pubsub_topic, "") != "" }
  gcs_sources    = { for name, s in local.sources : name => s if try(s.trigger.gcs_prefix, "") != "" }

  # S3 buckets the export function writes (exports whose destination is
  # s3://bucket/path); the others go to Cloud Storage.
  export_s3_buckets = distinct([
    for e in try(local.config.exports, []) : split("/", trimprefix(e.destination, "s3://"))[0]
    if startswith(try(e.destination, ""), "s3://")
  ])

  credentials_file = "/opt/sluice/google-credentials.json"
  token_key_file   = "/opt/sluice/token-key"
}

# The Google side: the pool, its AWS provider trusting this account and only
# the four execution roles, and each role's grant on its stage's account.
module "federation" {
  source = "../modules/aws_federation"

  project_id       = var.project_id
  pool_id          = "${local.prefix}-sluice-aws"
  aws_account_id   = local.account_id
  aws_partition    = local.partition
  credentials_file = local.credentials_file
  stages = {
    for fn, f in local.functions : fn => {
      service_account_email = var.google_service_accounts[fn]
      aws_role_name         = aws_iam_role.lambda[fn].name
    }
  }
}
