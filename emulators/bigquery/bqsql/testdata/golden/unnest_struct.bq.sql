SELECT o.order_id, item.sku, pos, DATE_TRUNC(DATE(o.created_at), WEEK) AS week,
  TIMESTAMP_DIFF(o.shipped_at, o.created_at, HOUR) AS hours, SAFE.TIMESTAMP_MILLIS(o.ms) AS ts
FROM ds.orders o, UNNEST(o.items) AS item WITH OFFSET pos
WHERE item.sku IN UNNEST(['a', 'b']) AND o.tags[SAFE_OFFSET(0)] = 'x'
