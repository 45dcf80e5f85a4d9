-- sluice: materialized=table
-- description: Per A/B arm: users, converters (users with a purchase), conversion
-- description: rate, revenue per user, and a two-sided two-proportion z-test of the
-- description: arm's conversion rate against control (NULL on the control row).
-- column variant: Experiment arm; control is the baseline.
-- column users: Users assigned to the arm (signed up with the variant).
-- column converters: Users of the arm with at least one purchase.
-- column conversion_rate: converters / users.
-- column revenue_per_user: Revenue of the arm / users.
-- column z: Pooled two-proportion z statistic against control.
-- column p_value: Two-sided p-value of z: erfc(|z|/sqrt(2)).
-- assert not_null: variant, users
-- assert unique: variant
--
-- The normal tail uses Abramowitz & Stegun 7.1.26 for erfc (absolute error
-- below 1.5e-7): erfc(x) = t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) exp(-x^2),
-- t = 1 / (1 + 0.3275911 x), for x >= 0.
WITH arms AS (
  SELECT
    variant,
    COUNT(*) AS users,
    COUNTIF(purchases > 0) AS converters,
    IFNULL(SUM(revenue), 0) AS revenue
  FROM ref('users')
  WHERE variant IS NOT NULL
  GROUP BY variant
),
control AS (
  SELECT users AS c_users, converters AS c_converters FROM arms WHERE variant = 'control'
),
tests AS (
  SELECT
    a.*,
    SAFE_DIVIDE(
      SAFE_DIVIDE(a.converters, a.users) - SAFE_DIVIDE(c.c_converters, c.c_users),
      SQRT(
        SAFE_DIVIDE(a.converters + c.c_converters, a.users + c.c_users)
        * (1 - SAFE_DIVIDE(a.converters + c.c_converters, a.users + c.c_users))
        * (1 / a.users + 1 / c.c_users))) AS z
  FROM arms AS a
  LEFT JOIN control AS c ON a.variant != 'control'
),
tails AS (
  SELECT *, ABS(z) / SQRT(2) AS x, 1 / (1 + 0.3275911 * ABS(z) / SQRT(2)) AS t
  FROM tests
)
SELECT
  variant,
  users,
  converters,
  SAFE_DIVIDE(converters, users) AS conversion_rate,
  ROUND(SAFE_DIVIDE(revenue, users), 4) AS revenue_per_user,
  z,
  t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * EXP(-x * x) AS p_value
FROM tails
