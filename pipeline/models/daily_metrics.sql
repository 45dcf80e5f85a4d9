-- Daily active users, signups, purchases and revenue per acquisition channel.
WITH e AS (
  SELECT
    ev.user_id,
    ev.event_type,
    ev.amount,
    DATE(ev.event_time) AS day,
    IFNULL(u.channel, 'unknown') AS channel
  FROM ref('events') AS ev
  LEFT JOIN ref('users') AS u USING (user_id)
)
SELECT
  day,
  channel,
  COUNT(DISTINCT user_id) AS active_users,
  COUNTIF(event_type = 'signup') AS signups,
  COUNTIF(event_type = 'purchase') AS purchases,
  ROUND(SUM(IF(event_type = 'purchase', amount, 0)), 2) AS revenue
FROM e
GROUP BY day, channel
