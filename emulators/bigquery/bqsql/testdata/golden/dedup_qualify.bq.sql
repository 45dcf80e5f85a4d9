-- latest row per user, BigQuery idiom
SELECT * EXCEPT(rn)
FROM (
  SELECT u.*, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY updated_at DESC) AS rn
  FROM `my-project.raw.users` AS u
  WHERE DATE(updated_at) <= @run_date
)
WHERE rn = 1
