# SQS in front of every event-driven function: S3 notifications of the
# landing bucket, one queue per Pub/Sub source of pipeline.yaml (producers
# send records there), and a queue per completion topic subscriber (mask on
# transform_completed, export on mask_completed). Each queue redrives to its
# own dead-letter queue after var.max_receive_count deliveries, and each
# event source mapping reports per-message failures
# (ReportBatchItemFailures), so one bad message retries alone and reaches
# the dead-letter queue alone.

locals {
  queues = merge(
    {
      landing = { name = "${local.prefix}-sluice-landing", function = "ingest", batch_size = 10, window = 5, topic = "" }
    },
    {
      for name, s in local.pubsub_sources : "source-${name}" => {
        # Named like the deployed topic: the ingest function routes by it.
        name = "${local.prefix}-${s.trigger.pubsub_topic}", function = "ingest", batch_size = 10, window = 1, topic = ""
      }
    },
    {
      # Stage runs are heavy and take a lock: one message at a time.
      mask   = { name = "${local.prefix}-sluice-mask-trigger", function = "mask", batch_size = 1, window = 0, topic = "transform_completed" }
      export = { name = "${local.prefix}-sluice-export-trigger", function = "export", batch_size = 1, window = 0, topic = "mask_completed" }
    },
  )
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = local.queues

  name                      = "${each.value.name}-dlq"
  message_retention_seconds = var.dead_letter_retention_seconds
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "trigger" {
  for_each = local.queues

  name                    = each.value.name
  sqs_managed_sse_enabled = true
  # AWS advises six times the function timeout, so a message is not
  # delivered again while a retrying invocation still holds it.
  visibility_timeout_seconds = 6 * local.functions[each.value.function].timeout_seconds
  message_retention_seconds  = 345600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only its own queue may redrive into a dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.trigger[each.key].arn]
  })
}

# Asynchronous invocations (the schedules) that fail after Lambda's retries.
resource "aws_sqs_queue" "failed_invocations" {
  for_each = local.functions

  name                      = "${each.value.name}-failed-invocations"
  message_retention_seconds = var.dead_letter_retention_seconds
  sqs_managed_sse_enabled   = true
}

# Schedules that could not invoke their function at all.
resource "aws_sqs_queue" "schedule_dead_letter" {
  name                      = "${local.prefix}-sluice-schedules-dlq"
  message_retention_seconds = var.dead_letter_retention_seconds
  sqs_managed_sse_enabled   = true
}

# Who may send to a trigger queue: the landing bucket (S3 notifications) or
# the completion topic it subscribes to. Source queues take producers'
# messages through the producers' own IAM permissions.
data "aws_iam_policy_document" "queue" {
  for_each = { for k, q in local.queues : k => q if k == "landing" || q.topic != "" }

  statement {
    sid       = "Deliver"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.trigger[each.key].arn]

    principals {
      type        = "Service"
      identifiers = [each.key == "landing" ? "s3.amazonaws.com" : "sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [each.key == "landing" ? aws_s3_bucket.pipeline["landing"].arn : aws_sns_topic.stage[each.value.topic].arn]
    }
    # S3 names the bucket owner too (a bucket name can change hands).
    dynamic "condition" {
      for_each = each.key == "landing" ? [local.account_id] : []
      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "trigger" {
  for_each = data.aws_iam_policy_document.queue

  queue_url = aws_sqs_queue.trigger[each.key].id
  policy    = each.value.json
}

resource "aws_lambda_event_source_mapping" "queue" {
  for_each = local.queues

  event_source_arn                   = aws_sqs_queue.trigger[each.key].arn
  function_name                      = aws_lambda_function.stage[each.value.function].arn
  batch_size                         = each.value.batch_size
  maximum_batching_window_in_seconds = each.value.window
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = each.value.function == "ingest" ? 10 : 2
  }

  depends_on = [aws_iam_role_policy.lambda]
}
