-- sluice: materialized=incremental unique_key=order_id time_column=updated_at
-- sluice: partition_by=DATE(updated_at) cluster_by=user_id max_bytes_billed=1000000000
-- description: Current state of each order from the order files: the snapshot
-- description: with the latest updated_at wins.
-- column order_id: The order id from the order service.
-- column user_id: The user who placed the order.
-- column status: created, paid or shipped.
-- column total: Order total in currency.
-- column currency: ISO 4217 code.
-- column updated_at: When the order service last changed the order.
-- assert not_null: order_id, updated_at
-- assert unique: order_id
--
-- Incremental: each run reads the snapshots updated in [@start, @end) and
-- merges them on order_id. raw.orders is partitioned by day on updated_at
-- (its event_time_field), so the filter reads only the range's partitions.
SELECT
  order_id,
  user_id,
  status,
  total,
  currency,
  updated_at
FROM source('raw', 'orders')
WHERE updated_at >= @start
  AND updated_at < @end
QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
