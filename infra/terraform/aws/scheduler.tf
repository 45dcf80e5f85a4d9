# EventBridge Scheduler timers from pipeline.yaml schedules (transform and
# export), invoking the functions asynchronously: Lambda retries, then the
# function's failed-invocations queue; a schedule that cannot invoke at all
# goes to the schedules' dead-letter queue.

locals {
  schedules = {
    for stage in ["transform", "export"] : stage => trimspace(local.config.schedules[stage])
    if try(local.config.schedules[stage], "") != ""
  }
  cron_fields = { for k, c in local.schedules : k => regexall("\\S+", c) }

  # Unix cron "m h dom mon dow" is AWS's "cron(m h dom mon ? *)" when the
  # day of the week is *; AWS numbers weekdays 1-7 from Sunday, so a schedule
  # that names one needs var.schedule_expressions.
  schedule_expressions = {
    for k, f in local.cron_fields : k => lookup(var.schedule_expressions, k,
      length(f) == 5 && f[4] == "*" ? "cron(${f[0]} ${f[1]} ${f[2]} ${f[3]} ? *)" : ""
    )
  }
}

resource "aws_scheduler_schedule" "stage" {
  for_each = local.schedules

  name                         = "${local.prefix}-sluice-${each.key}"
  description                  = "sluice: pipeline.yaml schedules.${each.key} (${each.value})."
  schedule_expression          = local.schedule_expressions[each.key]
  schedule_expression_timezone = var.schedule_time_zone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.stage[each.key].arn
    role_arn = aws_iam_role.scheduler.arn
    # The stages read the scheduled time, not the invocation time.
    input = jsonencode({ scheduled_time = "<aws.scheduler.scheduled-time>" })

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.schedule_dead_letter.arn
    }
  }

  lifecycle {
    precondition {
      condition     = local.schedule_expressions[each.key] != ""
      error_message = "pipeline.yaml schedules.${each.key} (\"${each.value}\") names a day of the week or is not a 5-field cron: set schedule_expressions.${each.key} to its EventBridge Scheduler form, e.g. cron(30 6 ? * MON-FRI *)."
    }
  }
}
