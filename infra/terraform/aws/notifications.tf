# The S3 buckets of pipeline.yaml (landing, archive) with their notification,
# and the SNS topics that chain the stages.

resource "aws_s3_bucket" "pipeline" {
  for_each = local.buckets

  bucket = each.value
}

resource "aws_s3_bucket_public_access_block" "pipeline" {
  for_each = aws_s3_bucket.pipeline

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "pipeline" {
  for_each = aws_s3_bucket.pipeline

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "pipeline" {
  for_each = aws_s3_bucket.pipeline

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioned: the ingest function reads an object by its version id and
# derives row ids from it, so a redelivered notification lands nothing new
# and an overwritten object is not read in place of the one notified.
resource "aws_s3_bucket_versioning" "pipeline" {
  for_each = aws_s3_bucket.pipeline

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Every object created in the landing bucket, whatever its prefix: the
# ingest function routes by prefix and rejects objects under unknown ones,
# as on Google Cloud.
resource "aws_s3_bucket_notification" "landing" {
  bucket = aws_s3_bucket.pipeline["landing"].id

  queue {
    queue_arn = aws_sqs_queue.trigger["landing"].arn
    events    = ["s3:ObjectCreated:*"]
  }

  depends_on = [aws_sqs_queue_policy.trigger]
}

resource "aws_sns_topic" "stage" {
  for_each = local.stage_topics

  name = each.value
}

# mask takes transform_completed, export takes mask_completed, each through
# its queue (retries, dead-letter queue, per-message failures).
# export_completed is for consumers outside the pipeline.
resource "aws_sns_topic_subscription" "stage" {
  for_each = { for k, q in local.queues : k => q if q.topic != "" }

  topic_arn = aws_sns_topic.stage[each.value.topic].arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.trigger[each.key].arn

  depends_on = [aws_sqs_queue_policy.trigger]
}
