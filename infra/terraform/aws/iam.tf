# Least privilege: one execution role per function, each allowed exactly the
# actions its code makes on the resources it touches, named by ARN. No "*"
# action or resource anywhere (tfcheck fails on them). What the function
# may do on the Google side is its stage's service account's grants (the
# Google deployment), reached through workload identity federation.

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  for_each = local.functions

  name               = each.value.name
  description        = "Execution role of sluice ${each.key}; impersonates its Google service account through workload identity federation."
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

locals {
  # The queues each function consumes (event source mappings).
  consumed_queues = {
    for fn, _ in local.functions : fn => [for k, q in local.queues : aws_sqs_queue.trigger[k].arn if q.function == fn]
  }
  # The topic each stage publishes its completion event to.
  published_topic = {
    transform = "transform_completed"
    mask      = "mask_completed"
    export    = "export_completed"
  }
  export_bucket_arns = [for b in local.export_s3_buckets : "arn:${local.partition}:s3:::${b}"]
}

data "aws_iam_policy_document" "lambda" {
  for_each = local.functions

  # Its own log group only; Terraform creates the group.
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  dynamic "statement" {
    for_each = length(local.consumed_queues[each.key]) > 0 ? [local.consumed_queues[each.key]] : []
    content {
      sid       = "ConsumeQueues"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      resources = statement.value
    }
  }

  # Lambda sends failed asynchronous invocations with the function's role.
  statement {
    sid       = "FailedInvocations"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.failed_invocations[each.key].arn]
  }

  # ingest reads notified objects by version and copies them to the
  # archive. CopyObject copies the object's tags too (the default tagging
  # directive), which needs the tagging permissions on both sides.
  dynamic "statement" {
    for_each = each.key == "ingest" ? [1] : []
    content {
      sid       = "ReadLanding"
      actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"]
      resources = ["${aws_s3_bucket.pipeline["landing"].arn}/*"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "ingest" ? [1] : []
    content {
      sid       = "WriteArchive"
      actions   = ["s3:PutObject", "s3:PutObjectTagging"]
      resources = ["${aws_s3_bucket.pipeline["archive"].arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = contains(keys(local.published_topic), each.key) ? [local.published_topic[each.key]] : []
    content {
      sid       = "PublishCompletion"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.stage[statement.value].arn]
    }
  }

  # export writes s3:// destinations: objects, manifests, replacing a run's
  # earlier files.
  dynamic "statement" {
    for_each = each.key == "export" && length(local.export_bucket_arns) > 0 ? [1] : []
    content {
      sid       = "ExportObjects"
      actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
      resources = [for a in local.export_bucket_arns : "${a}/*"]
    }
  }
  dynamic "statement" {
    for_each = each.key == "export" && length(local.export_bucket_arns) > 0 ? [1] : []
    content {
      sid       = "ExportList"
      actions   = ["s3:ListBucket"]
      resources = local.export_bucket_arns
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.functions

  name   = "${each.value.name}-least-privilege"
  role   = aws_iam_role.lambda[each.key].id
  policy = data.aws_iam_policy_document.lambda[each.key].json
}

# EventBridge Scheduler's identity: invoke the scheduled functions, write
# its dead-letter queue.
data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.prefix}-sluice-scheduler"
  description        = "EventBridge Scheduler: invokes the sluice transform and export functions."
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
}

data "aws_iam_policy_document" "scheduler" {
  # Only the functions that have a schedule (none when pipeline.yaml has no
  # schedules: an empty resources list is not a valid statement).
  dynamic "statement" {
    for_each = length(local.schedules) > 0 ? [[for k, _ in local.schedules : aws_lambda_function.stage[k].arn]] : []
    content {
      sid       = "Invoke"
      actions   = ["lambda:InvokeFunction"]
      resources = statement.value
    }
  }
  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.schedule_dead_letter.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.prefix}-sluice-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
