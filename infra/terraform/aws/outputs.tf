output "functions" {
  description = "Per function: name, ARN, execution role ARN, zip object key (named by content hash) and log group."
  value = {
    for fn, f in aws_lambda_function.stage : fn => {
      name      = f.function_name
      arn       = f.arn
      role      = aws_iam_role.lambda[fn].arn
      zip       = aws_s3_object.zip[fn].key
      log_group = aws_cloudwatch_log_group.function[fn].name
    }
  }
}

output "buckets" {
  description = "S3 bucket names: landing (objects dropped here are ingested), archive and the zips' artifacts bucket."
  value       = merge({ for k, b in aws_s3_bucket.pipeline : k => b.bucket }, { artifacts = aws_s3_bucket.artifacts.bucket })
}

output "queues" {
  description = "Per trigger queue (landing, source-<name>, mask, export): its URL and its dead-letter queue's URL. Producers send a Pub/Sub source's records to source-<name>."
  value       = { for k, q in aws_sqs_queue.trigger : k => { url = q.url, dead_letter = aws_sqs_queue.dead_letter[k].url } }
}

output "failed_invocations" {
  description = "Per function, the queue that keeps asynchronous invocations (schedules) that failed after Lambda's retries."
  value       = { for k, q in aws_sqs_queue.failed_invocations : k => q.url }
}

output "stage_topics" {
  description = "SNS topic ARNs that chain the stages: transform_completed, mask_completed, export_completed."
  value       = { for k, t in aws_sns_topic.stage : k => t.arn }
}

output "schedules" {
  description = "EventBridge Scheduler schedules and their expressions."
  value       = { for k, s in aws_scheduler_schedule.stage : k => s.schedule_expression }
}

output "workload_identity" {
  description = "The Google side: pool and provider names, and per stage the principal granted roles/iam.workloadIdentityUser."
  value = {
    pool       = module.federation.pool_name
    provider   = module.federation.provider_name
    principals = module.federation.principals
  }
}
