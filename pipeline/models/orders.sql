-- Current state per order: the snapshot with the latest updated_at wins.
SELECT
  order_id,
  user_id,
  status,
  total,
  currency,
  updated_at
FROM source('raw', 'orders')
QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
