-- One row per user: first-touch attributes from the signup, activity and revenue.
WITH e AS (
  SELECT * FROM ref('events') WHERE user_id IS NOT NULL
),
signup AS (
  SELECT
    user_id,
    event_time AS signup_time,
    country,
    channel,
    variant,
    email,
    phone,
    ip
  FROM e
  WHERE event_type = 'signup'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time) = 1
),
activity AS (
  SELECT
    user_id,
    MIN(event_time) AS first_seen,
    MAX(event_time) AS last_seen,
    COUNTIF(event_type = 'purchase') AS purchases,
    ROUND(SUM(IF(event_type = 'purchase', amount, 0)), 2) AS revenue
  FROM e
  GROUP BY user_id
)
SELECT
  a.user_id,
  s.signup_time,
  a.first_seen,
  a.last_seen,
  s.country,
  s.channel,
  s.variant,
  s.email,
  s.phone,
  s.ip,
  a.purchases,
  a.revenue,
  c.id AS customer_id,
  c.credit_limit
FROM activity AS a
LEFT JOIN signup AS s USING (user_id)
-- The shop database's customers table, kept current from its changelog
-- (declared columns only: a column the database adds later is not here yet).
LEFT JOIN ref('customers') AS c ON c.user_id = a.user_id
