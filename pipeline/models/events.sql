-- Raw events, one row per event id (at-least-once delivery can land twice).
SELECT
  event_id,
  user_id,
  event_type,
  event_time,
  email,
  phone,
  ip,
  country,
  channel,
  variant,
  amount,
  message,
  _ingested_at
FROM source('raw', 'events')
WHERE event_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _ingested_at DESC) = 1
