-- BigQuery corpus: each case has a name, optional setup (BigQuery statements), a query and the rows
-- BigQuery returns, as JSON arrays in column order. Values: numbers as JSON numbers, DATE "YYYY-MM-DD",
-- TIMESTAMP "YYYY-MM-DD HH:MM:SS[.ffffff]+00", DATETIME "YYYY-MM-DDTHH:MM:SS", TIME "HH:MM:SS",
-- BYTES base64, JSON as compact text, STRUCT as objects, ARRAY as arrays. "-- unordered" compares rows
-- as a multiset; "-- error: text" expects a refusal containing text. Dataset "ds" is the default dataset.

-- name: literal_basic
-- query
SELECT 1 AS a, 'x' AS b, TRUE AS c, NULL AS d
-- expect
[[1, "x", true, null]]

-- name: arithmetic_int_division_is_float
-- query
SELECT 7 / 2, DIV(7, 2), MOD(-7, 2), 2000000000 + 2000000000
-- expect
[[3.5, 3, -1, 4000000000]]

-- name: trap_unnest_with_offset_zero_based
-- query
SELECT x, off FROM UNNEST(['a', 'b', 'c']) AS x WITH OFFSET AS off ORDER BY off
-- expect
[["a", 0], ["b", 1], ["c", 2]]

-- name: trap_unnest_with_offset_default_alias
-- query
SELECT x, offset FROM UNNEST([10, 20]) AS x WITH OFFSET ORDER BY offset
-- expect
[[10, 0], [20, 1]]

-- name: trap_dayofweek_sunday_is_1
-- query
SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-03-13'), EXTRACT(DAYOFWEEK FROM DATE '2024-03-10'), EXTRACT(DAYOFWEEK FROM DATE '2024-03-16')
-- expect
[[4, 1, 7]]

-- name: trap_week_sunday_based
-- query
SELECT EXTRACT(WEEK FROM DATE '2024-03-13'), EXTRACT(ISOWEEK FROM DATE '2024-03-13'), EXTRACT(WEEK FROM DATE '2024-01-01'), EXTRACT(WEEK FROM DATE '2024-01-07')
-- expect
[[10, 11, 0, 1]]

-- name: trap_timestamp_diff_whole_days
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-01 23:00:00', DAY),
       TIMESTAMP_DIFF(TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-01 23:00:00', HOUR),
       TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)
-- expect
[[0, 1, 0]]

-- name: trap_timestamp_diff_negative
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2018-08-14', TIMESTAMP '2018-10-14', DAY), TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 00:01:30', MINUTE)
-- expect
[[-61, -1]]

-- name: trap_numeric_precision
-- query
SELECT CAST(1.23456789 AS NUMERIC), NUMERIC '0.123456789', CAST('3.14159265358979' AS NUMERIC)
-- expect
[[1.23456789, 0.123456789, 3.141592654]]

-- name: trap_date_trunc_returns_date
-- query
SELECT DATE_TRUNC(DATE '2024-03-13', MONTH), DATE_TRUNC(DATE '2024-03-13', WEEK), DATE_TRUNC(DATE '2024-03-13', ISOWEEK), DATE_TRUNC(DATE '2024-03-13', YEAR), DATE_TRUNC(DATE '2024-05-13', QUARTER)
-- expect
[["2024-03-01", "2024-03-10", "2024-03-11", "2024-01-01", "2024-04-01"]]

-- name: trap_date_trunc_week_weekday
-- query
SELECT DATE_TRUNC(DATE '2024-03-13', WEEK(MONDAY)), DATE_TRUNC(DATE '2024-03-13', WEEK(SATURDAY)), DATE_TRUNC(DATE '2024-03-10', WEEK)
-- expect
[["2024-03-11", "2024-03-09", "2024-03-10"]]

-- name: trap_greatest_least_null
-- query
SELECT GREATEST(1, NULL), LEAST(1, NULL), GREATEST(1, 5, 3), LEAST('b', 'a')
-- expect
[[null, null, 5, "a"]]

-- name: trap_concat_null
-- query
SELECT CONCAT('a', NULL), CONCAT('a', 'b', 'c'), 'x' || 'y'
-- expect
[[null, "abc", "xy"]]

-- name: trap_array_agg_null_element_errors
-- query
SELECT ARRAY_AGG(x) FROM UNNEST([1, NULL, 2]) AS x
-- error: Array cannot have a null element

-- name: trap_array_agg_ignore_nulls
-- query
SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x DESC) FROM UNNEST([1, NULL, 2]) AS x
-- expect
[[[2, 1]]]

-- name: trap_timestamp_trunc_tz
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 03:00:00+00', DAY), TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 03:00:00+00', DAY, 'America/Los_Angeles')
-- expect
[["2024-03-13 00:00:00+00", "2024-03-12 07:00:00+00"]]

-- name: trap_format_timestamp_tz
-- query
SELECT FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2024-03-13 03:00:00+00'), FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', TIMESTAMP '2024-03-13 03:00:00+00', 'America/Los_Angeles'), FORMAT_TIMESTAMP('%H:%M', TIMESTAMP '2024-01-01 12:00:00+00', 'Asia/Kolkata')
-- expect
[["2024-03-13 03:00", "2024-03-12 20:00", "17:30"]]

-- name: trap_date_of_timestamp_tz
-- query
SELECT DATE(TIMESTAMP '2024-03-13 03:00:00+00'), DATE(TIMESTAMP '2024-03-13 03:00:00+00', 'America/Los_Angeles'), DATE(TIMESTAMP '2024-03-13 20:00:00+00', 'Asia/Tokyo')
-- expect
[["2024-03-13", "2024-03-12", "2024-03-14"]]

-- name: trap_format_printf
-- query
SELECT FORMAT('%d-%s', 42, 'x'), FORMAT('%05d', 7)
-- expect
[["42-x", "00007"]]

-- name: trap_split_empty
-- query
SELECT SPLIT('', ','), SPLIT('a,b', ','), SPLIT('a b', ' '), ARRAY_LENGTH(SPLIT('a,,b'))
-- expect
[[[""], ["a", "b"], ["a", "b"], 3]]

-- name: trap_to_hex_sha256
-- query
SELECT TO_HEX(SHA256('abc')), TO_HEX(MD5('abc'))
-- expect
[["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72"]]

-- name: trap_to_base64_md5
-- query
SELECT TO_BASE64(MD5('abc')), TO_HEX(b'\x01\xab')
-- expect
[["kAFQmDzST7DWlj99KOF/cg==", "01ab"]]

-- name: trap_unnest_alias_shadows_column
-- setup
CREATE TABLE ds.t (x STRING, arr ARRAY<STRING>);
INSERT INTO ds.t VALUES ('col', ['e1', 'e2']);
-- query
SELECT x FROM ds.t, UNNEST(arr) AS x ORDER BY x
-- expect
[["e1"], ["e2"]]

-- name: cte_group_by_having
-- query
WITH orders AS (
  SELECT 1 AS id, 'alice' AS customer, 10.5 AS amount UNION ALL
  SELECT 2, 'bob', 20.0 UNION ALL
  SELECT 3, 'alice', 4.5 UNION ALL
  SELECT 4, 'carol', 1.0
)
SELECT customer, COUNT(*) AS n, SUM(amount) AS total
FROM orders
GROUP BY customer
HAVING COUNT(*) >= 1 AND SUM(amount) > 2
ORDER BY total DESC
-- expect
[["bob", 1, 20.0], ["alice", 2, 15.0]]

-- name: cte_chain
-- query
WITH a AS (SELECT 1 AS x UNION ALL SELECT 2), b AS (SELECT x * 10 AS y FROM a), c AS (SELECT SUM(y) AS s FROM b)
SELECT s FROM c
-- expect
[[30]]

-- name: join_inner_left_right_full
-- setup
CREATE TABLE ds.l (id INT64, v STRING);
CREATE TABLE ds.r (id INT64, w STRING);
INSERT INTO ds.l VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO ds.r VALUES (2, 'B'), (3, 'C'), (4, 'D');
-- query
SELECT
  (SELECT COUNT(*) FROM ds.l JOIN ds.r USING (id)),
  (SELECT COUNT(*) FROM ds.l LEFT JOIN ds.r ON l.id = r.id),
  (SELECT COUNT(*) FROM ds.l RIGHT OUTER JOIN ds.r ON l.id = r.id),
  (SELECT COUNT(*) FROM ds.l FULL OUTER JOIN ds.r ON l.id = r.id),
  (SELECT COUNT(*) FROM ds.l CROSS JOIN ds.r),
  (SELECT COUNT(*) FROM ds.l, ds.r WHERE l.id = r.id)
-- expect
[[2, 3, 3, 4, 9, 2]]

-- name: join_full_using_coalesces
-- setup
CREATE TABLE ds.l (id INT64, v STRING);
CREATE TABLE ds.r (id INT64, w STRING);
INSERT INTO ds.l VALUES (1, 'a'), (2, 'b');
INSERT INTO ds.r VALUES (2, 'B'), (3, 'C');
-- query
SELECT id, v, w FROM ds.l FULL JOIN ds.r USING (id) ORDER BY id
-- expect
[[1, "a", null], [2, "b", "B"], [3, null, "C"]]

-- name: backticked_names
-- setup
CREATE TABLE `myproj.ds.events` (id INT64);
INSERT INTO `myproj`.`ds`.`events` (id) VALUES (1), (2);
-- query
SELECT COUNT(*) FROM `ds.events` e JOIN ds.events AS f ON e.id = f.id
-- expect
[[2]]

-- name: bare_table_uses_default_dataset
-- setup
CREATE TABLE ds.things (id INT64);
INSERT INTO things VALUES (5);
-- query
SELECT id FROM things
-- expect
[[5]]

-- name: union_all_distinct
-- query
SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 1 UNION DISTINCT SELECT 2) ORDER BY x
-- expect
[[1], [2]]

-- name: union_all_keeps_duplicates
-- query
SELECT COUNT(*) FROM (SELECT 1 AS x UNION ALL SELECT 1 UNION ALL SELECT 2)
-- expect
[[3]]

-- name: intersect_except_distinct
-- query
SELECT
  (SELECT COUNT(*) FROM (SELECT x FROM UNNEST([1, 2, 2, 3]) x INTERSECT DISTINCT SELECT x FROM UNNEST([2, 3, 4]) x)),
  (SELECT COUNT(*) FROM (SELECT x FROM UNNEST([1, 2, 2, 3]) x EXCEPT DISTINCT SELECT x FROM UNNEST([2]) x))
-- expect
[[2, 2]]

-- name: order_limit_offset
-- query
SELECT x FROM UNNEST([5, 3, 9, 1, 7]) AS x ORDER BY x LIMIT 2 OFFSET 1
-- expect
[[3], [5]]

-- name: order_nulls_first_asc_last_desc
-- query
SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x) AS a, (SELECT STRING_AGG(CAST(IFNULL(y, -1) AS STRING), ',' ORDER BY y DESC) FROM UNNEST([1, NULL, 2]) y) AS b, (SELECT STRING_AGG(CAST(IFNULL(y, -1) AS STRING), ',' ORDER BY y) FROM UNNEST([1, NULL, 2]) y) AS c
FROM UNNEST([2, 1]) x
-- expect
[[[1, 2], "2,1,-1", "-1,1,2"]]

-- name: order_by_desc_nulls_last_default
-- query
SELECT x FROM UNNEST([1, NULL, 3]) AS x ORDER BY x DESC
-- expect
[[3], [1], [null]]

-- name: order_by_position_group_by_position
-- query
SELECT MOD(x, 2) AS parity, COUNT(*) FROM UNNEST([1, 2, 3, 4, 5]) AS x GROUP BY 1 ORDER BY 1
-- expect
[[0, 2], [1, 3]]

-- name: case_if_ifnull_coalesce_nullif
-- query
SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' ELSE 'c' END,
       CASE 3 WHEN 1 THEN 'one' WHEN 3 THEN 'three' END,
       IF(NULL, 'y', 'n'), IFNULL(NULL, 7), COALESCE(NULL, NULL, 'z'), NULLIF(5, 5), NULLIF(5, 6)
-- expect
[["b", "three", "n", 7, "z", null, 5]]

-- name: cast_and_safe_cast
-- query
SELECT CAST('42' AS INT64), SAFE_CAST('x42' AS INT64), CAST(2.5 AS INT64), CAST(-2.5 AS INT64), CAST(1 AS STRING), CAST('true' AS BOOL), SAFE_CAST('2024-02-30' AS DATE)
-- expect
[[42, null, 3, -3, "1", true, null]]

-- name: cast_types_float_string
-- query
SELECT CAST(1.5 AS STRING), CAST(10 AS FLOAT64), CAST('2024-03-13' AS DATE), CAST(DATE '2024-03-13' AS STRING), CAST(TIMESTAMP '2024-03-13 10:00:00' AS STRING)
-- expect
[["1.5", 10.0, "2024-03-13", "2024-03-13", "2024-03-13 10:00:00+00"]]

-- name: count_variants
-- query
SELECT COUNT(*), COUNT(x), COUNT(DISTINCT x), COUNTIF(x > 1), APPROX_COUNT_DISTINCT(x) FROM UNNEST([1, 2, 2, NULL, 3]) AS x
-- expect
[[5, 4, 3, 3, 3]]

-- name: sum_avg_min_max
-- query
SELECT SUM(x), AVG(x), MIN(x), MAX(x), SUM(CAST(NULL AS INT64)) FROM UNNEST([1, 2, 3, 4]) AS x
-- expect
[[10, 2.5, 1, 4, null]]

-- name: logical_or_and_any_value
-- query
SELECT LOGICAL_OR(x > 2), LOGICAL_AND(x > 0), ANY_VALUE(y) FROM UNNEST([1, 2, 3]) AS x, UNNEST(['k']) AS y
-- expect
[[true, true, "k"]]

-- name: string_agg_default_separator_and_order
-- query
SELECT LENGTH(STRING_AGG(s)), STRING_AGG(s, '|' ORDER BY s DESC), LENGTH(STRING_AGG(DISTINCT s, '-')), STRING_AGG(s ORDER BY s) FROM UNNEST(['b', 'a', 'b']) AS s
-- expect
[[5, "b|b|a", 3, "a,b,b"]]

-- name: array_agg_order_limit
-- query
SELECT ARRAY_AGG(x ORDER BY x DESC LIMIT 2) FROM UNNEST([3, 1, 4, 1, 5]) AS x
-- expect
[[[5, 4]]]

-- name: array_agg_latest_row_idiom
-- query
WITH events AS (
  SELECT 'u1' AS user_id, 'a' AS state, TIMESTAMP '2024-01-01 00:00:00' AS ts UNION ALL
  SELECT 'u1', 'b', TIMESTAMP '2024-01-02 00:00:00' UNION ALL
  SELECT 'u2', 'c', TIMESTAMP '2024-01-01 00:00:00'
)
SELECT user_id, ARRAY_AGG(state ORDER BY ts DESC LIMIT 1)[OFFSET(0)] AS latest FROM events GROUP BY user_id ORDER BY user_id
-- expect
[["u1", "b"], ["u2", "c"]]

-- name: array_agg_struct_latest_row
-- query
WITH events AS (
  SELECT 'u1' AS user_id, 'a' AS state, 1 AS seq UNION ALL
  SELECT 'u1', 'b', 2
)
SELECT user_id, ARRAY_AGG(STRUCT(state, seq) ORDER BY seq DESC LIMIT 1)[OFFSET(0)].state AS s FROM events GROUP BY user_id
-- expect
[["u1", "b"]]

-- name: array_agg_distinct
-- query
SELECT ARRAY_LENGTH(ARRAY_AGG(DISTINCT x)) FROM UNNEST([1, 1, 2]) AS x
-- expect
[[2]]

-- name: array_concat_agg
-- query
SELECT ARRAY_CONCAT_AGG(a ORDER BY ARRAY_LENGTH(a) DESC) FROM (SELECT [1, 2] AS a UNION ALL SELECT [3] UNION ALL SELECT CAST(NULL AS ARRAY<INT64>))
-- expect
[[[1, 2, 3]]]

-- name: dedup_qualify_row_number
-- setup
CREATE TABLE ds.raw_users (user_id STRING, email STRING, updated_at TIMESTAMP);
INSERT INTO ds.raw_users VALUES
  ('u1', 'old@x.com', TIMESTAMP '2024-01-01 00:00:00'),
  ('u1', 'new@x.com', TIMESTAMP '2024-02-01 00:00:00'),
  ('u2', 'b@x.com', TIMESTAMP '2024-01-05 00:00:00');
-- query
SELECT * EXCEPT(rn) FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY updated_at DESC) AS rn FROM ds.raw_users
) WHERE rn = 1 ORDER BY user_id
-- expect
[["u1", "new@x.com", "2024-02-01 00:00:00+00"], ["u2", "b@x.com", "2024-01-05 00:00:00+00"]]

-- name: dedup_qualify_direct
-- setup
CREATE TABLE ds.raw_users (user_id STRING, email STRING, updated_at TIMESTAMP);
INSERT INTO ds.raw_users VALUES
  ('u1', 'old@x.com', TIMESTAMP '2024-01-01 00:00:00'),
  ('u1', 'new@x.com', TIMESTAMP '2024-02-01 00:00:00'),
  ('u2', 'b@x.com', TIMESTAMP '2024-01-05 00:00:00');
-- query
SELECT user_id, email FROM ds.raw_users WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY updated_at DESC) = 1
ORDER BY user_id
-- expect
[["u1", "new@x.com"], ["u2", "b@x.com"]]

-- name: window_rank_dense_rank
-- query
SELECT x, RANK() OVER (ORDER BY x), DENSE_RANK() OVER (ORDER BY x), ROW_NUMBER() OVER (ORDER BY x, y)
FROM UNNEST([STRUCT(10 AS x, 1 AS y), STRUCT(10, 2), STRUCT(20, 3)])
ORDER BY y
-- expect
[[10, 1, 1, 1], [10, 1, 1, 2], [20, 3, 2, 3]]

-- name: window_running_sum_frame
-- query
SELECT x, SUM(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), SUM(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)
FROM UNNEST([1, 2, 3, 4]) AS x ORDER BY x
-- expect
[[1, 1, 3], [2, 3, 6], [3, 6, 9], [4, 10, 7]]

-- name: window_lag_lead_defaults
-- query
SELECT x, LAG(x) OVER (ORDER BY x), LEAD(x, 1, -1) OVER (ORDER BY x), LAG(x, 2) OVER (ORDER BY x)
FROM UNNEST([1, 2, 3]) AS x ORDER BY x
-- expect
[[1, null, 2, null], [2, 1, 3, null], [3, 2, -1, 1]]

-- name: window_first_last_value_ignore_nulls
-- query
SELECT t, FIRST_VALUE(v IGNORE NULLS) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
       LAST_VALUE(v IGNORE NULLS) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM UNNEST([STRUCT(1 AS t, CAST(NULL AS STRING) AS v), STRUCT(2, 'a'), STRUCT(3, CAST(NULL AS STRING)), STRUCT(4, 'b')])
ORDER BY t
-- expect
[[1, "a", null], [2, "a", "a"], [3, "a", "a"], [4, "a", "b"]]

-- name: window_named_window
-- query
SELECT x, SUM(x) OVER w, COUNT(*) OVER w FROM UNNEST([1, 2, 3]) AS x WINDOW w AS (ORDER BY x) ORDER BY x
-- expect
[[1, 1, 1], [2, 3, 2], [3, 6, 3]]

-- name: window_partition_avg
-- query
SELECT g, x, AVG(x) OVER (PARTITION BY g) FROM UNNEST([STRUCT('a' AS g, 1 AS x), STRUCT('a', 3), STRUCT('b', 10)]) ORDER BY g, x
-- expect
[["a", 1, 2.0], ["a", 3, 2.0], ["b", 10, 10.0]]

-- name: sessionisation_lag
-- setup
CREATE TABLE ds.clicks (user_id STRING, ts TIMESTAMP);
INSERT INTO ds.clicks VALUES
  ('u1', TIMESTAMP '2024-01-01 10:00:00'), ('u1', TIMESTAMP '2024-01-01 10:10:00'),
  ('u1', TIMESTAMP '2024-01-01 11:00:00'), ('u1', TIMESTAMP '2024-01-01 11:05:00'),
  ('u2', TIMESTAMP '2024-01-01 09:00:00');
-- query
WITH marked AS (
  SELECT user_id, ts,
    IF(TIMESTAMP_DIFF(ts, LAG(ts) OVER (PARTITION BY user_id ORDER BY ts), MINUTE) <= 30, 0, 1) AS new_session
  FROM ds.clicks
), numbered AS (
  SELECT user_id, ts, SUM(new_session) OVER (PARTITION BY user_id ORDER BY ts) AS session_no FROM marked
)
SELECT user_id, session_no, COUNT(*) AS clicks, MIN(ts) AS started
FROM numbered GROUP BY user_id, session_no ORDER BY user_id, session_no
-- expect
[["u1", 1, 2, "2024-01-01 10:00:00+00"], ["u1", 2, 2, "2024-01-01 11:00:00+00"], ["u2", 1, 1, "2024-01-01 09:00:00+00"]]

-- name: date_spine_generate_date_array
-- query
SELECT d FROM UNNEST(GENERATE_DATE_ARRAY('2024-02-27', '2024-03-01')) AS d ORDER BY d
-- expect
[["2024-02-27"], ["2024-02-28"], ["2024-02-29"], ["2024-03-01"]]

-- name: date_spine_weekly_left_join
-- query
WITH spine AS (SELECT d FROM UNNEST(GENERATE_DATE_ARRAY(DATE '2024-01-01', DATE '2024-01-29', INTERVAL 1 WEEK)) AS d),
facts AS (SELECT DATE '2024-01-08' AS d, 5 AS n)
SELECT spine.d, IFNULL(facts.n, 0) FROM spine LEFT JOIN facts USING (d) ORDER BY spine.d
-- expect
[["2024-01-01", 0], ["2024-01-08", 5], ["2024-01-15", 0], ["2024-01-22", 0], ["2024-01-29", 0]]

-- name: generate_array
-- query
SELECT GENERATE_ARRAY(1, 5), GENERATE_ARRAY(0, 10, 5), GENERATE_ARRAY(5, 1), GENERATE_ARRAY(3, 1, -1)
-- expect
[[[1, 2, 3, 4, 5], [0, 5, 10], [], [3, 2, 1]]]

-- name: subquery_in_exists_scalar
-- query
WITH t AS (SELECT x FROM UNNEST([1, 2, 3, 4]) x)
SELECT
  (SELECT COUNT(*) FROM t WHERE x IN (SELECT 2 UNION ALL SELECT 3)),
  (SELECT COUNT(*) FROM t WHERE EXISTS (SELECT 1 FROM t AS u WHERE u.x = t.x + 1)),
  (SELECT MAX(x) FROM t),
  (SELECT COUNT(*) FROM t WHERE x NOT IN (1, 2))
-- expect
[[2, 3, 4, 2]]

-- name: in_unnest
-- query
SELECT 2 IN UNNEST([1, 2, 3]), 5 IN UNNEST([1, 2, 3]), 5 NOT IN UNNEST([1, 2]), NULL IN UNNEST([1]), 5 IN UNNEST([1, NULL])
-- expect
[[true, false, true, null, null]]

-- name: between_like_distinct_from
-- query
SELECT 5 BETWEEN 1 AND 5, 6 NOT BETWEEN 1 AND 5, 'abc' LIKE 'a%', 'abc' LIKE '_b_', 'a_c' LIKE 'a\\_c', 'abc' LIKE 'a\\_c',
       NULL IS DISTINCT FROM NULL, 1 IS DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 1
-- expect
[[true, true, true, true, true, false, false, true, true]]

-- name: is_true_false_null
-- query
SELECT NULL IS NULL, (1 = 1) IS TRUE, (1 = 2) IS NOT FALSE, CAST(NULL AS BOOL) IS NOT TRUE
-- expect
[[true, true, false, true]]

-- name: date_constructors
-- query
SELECT DATE(2024, 2, 29), DATE(TIMESTAMP '2024-03-13 23:59:59'), DATE(DATETIME '2024-03-13 10:00:00'), DATE '2024-03-13'
-- expect
[["2024-02-29", "2024-03-13", "2024-03-13", "2024-03-13"]]

-- name: timestamp_constructors
-- query
SELECT TIMESTAMP('2024-03-13 10:00:00'), TIMESTAMP('2024-03-13 10:00:00', 'America/New_York'), TIMESTAMP(DATE '2024-03-13'), TIMESTAMP '2024-03-13 10:00:00+02'
-- expect
[["2024-03-13 10:00:00+00", "2024-03-13 14:00:00+00", "2024-03-13 00:00:00+00", "2024-03-13 08:00:00+00"]]

-- name: datetime_constructors
-- query
SELECT DATETIME(2024, 3, 13, 10, 30, 0), DATETIME(TIMESTAMP '2024-03-13 10:00:00', 'Asia/Tokyo'), DATETIME(DATE '2024-03-13'), DATETIME '2024-03-13 01:02:03'
-- expect
[["2024-03-13T10:30:00", "2024-03-13T19:00:00", "2024-03-13T00:00:00", "2024-03-13T01:02:03"]]

-- name: date_add_sub
-- query
SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH), DATE_SUB(DATE '2024-03-01', INTERVAL 1 DAY), DATE_ADD(DATE '2024-01-01', INTERVAL 2 WEEK), DATE_ADD(DATE '2024-02-29', INTERVAL 1 YEAR), DATE_SUB(DATE '2024-05-31', INTERVAL 1 QUARTER)
-- expect
[["2024-02-29", "2024-02-29", "2024-01-15", "2025-02-28", "2024-02-29"]]

-- name: date_add_column_interval
-- query
SELECT DATE_ADD(DATE '2024-01-01', INTERVAL n DAY) FROM UNNEST([1, 10]) AS n ORDER BY n
-- expect
[["2024-01-02"], ["2024-01-11"]]

-- name: timestamp_add_sub
-- query
SELECT TIMESTAMP_ADD(TIMESTAMP '2024-03-13 23:30:00', INTERVAL 45 MINUTE), TIMESTAMP_SUB(TIMESTAMP '2024-03-13 00:00:00', INTERVAL 1 HOUR), TIMESTAMP_ADD(TIMESTAMP '2024-03-13 00:00:00', INTERVAL 1500 MILLISECOND)
-- expect
[["2024-03-14 00:15:00+00", "2024-03-12 23:00:00+00", "2024-03-13 00:00:01.5+00"]]

-- name: datetime_add_trunc
-- query
SELECT DATETIME_ADD(DATETIME '2024-01-31 10:00:00', INTERVAL 1 MONTH), DATETIME_TRUNC(DATETIME '2024-03-13 10:45:12', HOUR), DATETIME_TRUNC(DATETIME '2024-03-13 10:45:12', WEEK)
-- expect
[["2024-02-29T10:00:00", "2024-03-13T10:00:00", "2024-03-10T00:00:00"]]

-- name: date_diff_boundaries
-- query
SELECT DATE_DIFF(DATE '2024-03-13', DATE '2024-03-01', DAY), DATE_DIFF(DATE '2024-02-01', DATE '2024-01-31', MONTH), DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', WEEK), DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', ISOWEEK), DATE_DIFF(DATE '2024-01-01', DATE '2023-12-31', YEAR)
-- expect
[[12, 1, 1, 0, 1]]

-- name: date_diff_negative
-- query
SELECT DATE_DIFF(DATE '2024-03-01', DATE '2024-03-13', DAY)
-- expect
[[-12]]

-- name: timestamp_diff_units
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2024-03-13 10:00:30', TIMESTAMP '2024-03-13 10:00:00', SECOND), TIMESTAMP_DIFF(TIMESTAMP '2024-03-13 10:00:00.500', TIMESTAMP '2024-03-13 10:00:00', MILLISECOND), TIMESTAMP_DIFF(TIMESTAMP '2024-03-15 09:00:00', TIMESTAMP '2024-03-13 10:00:00', DAY)
-- expect
[[30, 500, 1]]

-- name: timestamp_trunc_parts
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 10:45:12.123', HOUR), TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 10:45:12.123', MINUTE), TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 10:45:12.123', SECOND), TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 10:45:12', MONTH), TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 10:45:12', WEEK), TIMESTAMP_TRUNC(TIMESTAMP '2024-03-13 10:45:12', ISOWEEK)
-- expect
[["2024-03-13 10:00:00+00", "2024-03-13 10:45:00+00", "2024-03-13 10:45:12+00", "2024-03-01 00:00:00+00", "2024-03-10 00:00:00+00", "2024-03-11 00:00:00+00"]]

-- name: timestamp_trunc_month_tz
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2024-03-01 03:00:00+00', MONTH, 'America/Los_Angeles')
-- expect
[["2024-02-01 08:00:00+00"]]

-- name: extract_parts
-- query
SELECT EXTRACT(YEAR FROM DATE '2024-03-13'), EXTRACT(MONTH FROM DATE '2024-03-13'), EXTRACT(DAY FROM DATE '2024-03-13'), EXTRACT(QUARTER FROM DATE '2024-03-13'), EXTRACT(DAYOFYEAR FROM DATE '2024-03-13'), EXTRACT(ISOYEAR FROM DATE '2024-12-30')
-- expect
[[2024, 3, 13, 1, 73, 2025]]

-- name: extract_time_parts
-- query
SELECT EXTRACT(HOUR FROM TIMESTAMP '2024-03-13 10:45:12.345678'), EXTRACT(MINUTE FROM TIMESTAMP '2024-03-13 10:45:12.345678'), EXTRACT(SECOND FROM TIMESTAMP '2024-03-13 10:45:12.345678'), EXTRACT(MILLISECOND FROM TIMESTAMP '2024-03-13 10:45:12.345678'), EXTRACT(MICROSECOND FROM TIMESTAMP '2024-03-13 10:45:12.345678')
-- expect
[[10, 45, 12, 345, 345678]]

-- name: extract_date_and_tz
-- query
SELECT EXTRACT(DATE FROM TIMESTAMP '2024-03-13 02:00:00'), EXTRACT(HOUR FROM TIMESTAMP '2024-03-13 02:00:00' AT TIME ZONE 'America/Los_Angeles'), EXTRACT(DATE FROM TIMESTAMP '2024-03-13 02:00:00' AT TIME ZONE 'America/Los_Angeles')
-- expect
[["2024-03-13", 19, "2024-03-12"]]

-- name: extract_week_monday
-- query
SELECT EXTRACT(WEEK(MONDAY) FROM DATE '2024-01-07'), EXTRACT(WEEK(MONDAY) FROM DATE '2024-01-08'), EXTRACT(WEEK FROM DATE '2023-12-31')
-- expect
[[1, 2, 53]]

-- name: format_date
-- query
SELECT FORMAT_DATE('%Y%m%d', DATE '2024-03-13'), FORMAT_DATE('%b %d, %Y', DATE '2024-03-13'), FORMAT_DATE('%F', DATE '2024-03-13'), FORMAT_DATE('%A', DATE '2024-03-13'), FORMAT_DATE('%Y-W%U', DATE '2024-03-13')
-- expect
[["20240313", "Mar 13, 2024", "2024-03-13", "Wednesday", "2024-W10"]]

-- name: format_timestamp_fraction
-- query
SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', TIMESTAMP '2024-03-13 10:45:12.345678'), FORMAT_TIMESTAMP('%T', TIMESTAMP '2024-03-13 10:45:12'), FORMAT_DATETIME('%Y-%m-%d %H', DATETIME '2024-03-13 10:45:12')
-- expect
[["2024-03-13T10:45:12.345Z", "10:45:12", "2024-03-13 10"]]

-- name: parse_date_timestamp
-- query
SELECT PARSE_DATE('%Y%m%d', '20240313'), PARSE_DATE('%Y-%m-%d', '2024-03-13'), PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S', '2024-03-13 10:45:12'), PARSE_TIMESTAMP('%Y-%m-%d %H:%M', '2024-03-13 10:45', 'America/New_York'), PARSE_DATETIME('%d/%m/%Y %H:%M', '13/03/2024 10:45')
-- expect
[["2024-03-13", "2024-03-13", "2024-03-13 10:45:12+00", "2024-03-13 14:45:00+00", "2024-03-13T10:45:00"]]

-- name: safe_parse_date
-- query
SELECT SAFE.PARSE_DATE('%Y%m%d', 'notadate'), SAFE.PARSE_DATE('%Y%m%d', '20240313'), SAFE.PARSE_TIMESTAMP('%Y-%m-%d', 'x')
-- expect
[[null, "2024-03-13", null]]

-- name: timestamp_from_epoch
-- query
SELECT TIMESTAMP_SECONDS(1710326712), TIMESTAMP_MILLIS(1710326712345), TIMESTAMP_MICROS(1710326712345678), SAFE.TIMESTAMP_MILLIS(1710326712000)
-- expect
[["2024-03-13 10:45:12+00", "2024-03-13 10:45:12.345+00", "2024-03-13 10:45:12.345678+00", "2024-03-13 10:45:12+00"]]

-- name: unix_functions
-- query
SELECT UNIX_SECONDS(TIMESTAMP '2024-03-13 10:45:12.999'), UNIX_MILLIS(TIMESTAMP '2024-03-13 10:45:12.345'), UNIX_MICROS(TIMESTAMP '1970-01-01 00:00:01'), UNIX_DATE(DATE '1970-01-11'), DATE_FROM_UNIX_DATE(10)
-- expect
[[1710326712, 1710326712345, 1000000, 10, "1970-01-11"]]

-- name: unix_seconds_before_epoch_floors
-- query
SELECT UNIX_SECONDS(TIMESTAMP '1969-12-31 23:59:59.5'), UNIX_MILLIS(TIMESTAMP '1969-12-31 23:59:59.9995')
-- expect
[[-1, -1]]

-- name: current_date_timestamp_fixed
-- query
SELECT CURRENT_DATE(), CURRENT_TIMESTAMP(), CURRENT_DATE, DATE_DIFF(CURRENT_DATE(), DATE '2026-11-20', DAY), CURRENT_DATETIME()
-- expect
[["2026-11-27", "2026-11-27 12:00:00+00", "2026-11-27", 7, "2026-11-27T12:00:00"]]

-- name: current_date_tz
-- query
SELECT CURRENT_DATE('Pacific/Kiritimati')
-- expect
[["2026-11-28"]]

-- name: last_day
-- query
SELECT LAST_DAY(DATE '2024-02-10'), LAST_DAY(DATE '2023-02-10', MONTH), LAST_DAY(DATE '2024-02-10', YEAR)
-- expect
[["2024-02-29", "2023-02-28", "2024-12-31"]]

-- name: time_functions
-- query
SELECT TIME(10, 30, 0), TIME(TIMESTAMP '2024-03-13 10:45:12'), TIME_ADD(TIME '23:30:00', INTERVAL 45 MINUTE), FORMAT_TIME('%H:%M', TIME '10:45:12'), TIME_DIFF(TIME '10:45:00', TIME '10:00:00', MINUTE)
-- expect
[["10:30:00", "10:45:12", "00:15:00", "10:45", 45]]

-- name: string_functions_basic
-- query
SELECT LOWER('AbC'), UPPER('abc'), LENGTH('héllo'), BYTE_LENGTH('héllo'), TRIM('  x  '), LTRIM('xxa', 'x'), RTRIM('a  '), REVERSE('abc'), REPEAT('ab', 3)
-- expect
[["abc", "ABC", 5, 6, "x", "a", "a", "cba", "ababab"]]

-- name: string_functions_search
-- query
SELECT STARTS_WITH('foobar', 'foo'), ENDS_WITH('foobar', 'bar'), STRPOS('foobar', 'bar'), STRPOS('foobar', 'z'), INSTR('banana', 'an'), REPLACE('a-b-c', '-', '+')
-- expect
[[true, true, 4, 0, 2, "a+b+c"]]

-- name: substr_variants
-- query
SELECT SUBSTR('abcdef', 2), SUBSTR('abcdef', 2, 3), SUBSTR('abcdef', -2), SUBSTR('abcdef', -3, 2), SUBSTRING('abcdef', 10), LEFT('abcdef', 2), RIGHT('abcdef', 2)
-- expect
[["bcdef", "bcd", "ef", "de", "", "ab", "ef"]]

-- name: pad_functions
-- query
SELECT LPAD('7', 3, '0'), RPAD('ab', 4), LPAD('abcdef', 3)
-- expect
[["007", "ab  ", "abc"]]

-- name: regexp_functions
-- query
SELECT REGEXP_CONTAINS('user@example.com', r'@example\.com$'), REGEXP_EXTRACT('order-123-x', r'order-(\d+)'), REGEXP_EXTRACT('abc', r'\d+'), REGEXP_EXTRACT('a1b22', r'\d+'), REGEXP_REPLACE('a1b22', r'\d', '#'), REGEXP_EXTRACT_ALL('a1b22c333', r'\d+')
-- expect
[[true, "123", null, "1", "a#b##", ["1", "22", "333"]]]

-- name: regexp_replace_backref
-- query
SELECT REGEXP_REPLACE('2024-03-13', r'(\d+)-(\d+)-(\d+)', r'\3/\2/\1')
-- expect
[["13/03/2024"]]

-- name: split_and_offset
-- query
SELECT SPLIT('a,b,c')[OFFSET(1)], SPLIT('a,b,c')[ORDINAL(1)], SPLIT('a,b,c')[SAFE_OFFSET(5)], SPLIT('a,b,c')[SAFE_ORDINAL(0)], SPLIT('a,b,c')[SAFE_OFFSET(-1)]
-- expect
[["b", "a", null, null, null]]

-- name: offset_out_of_range_errors
-- query
SELECT [1, 2][OFFSET(2)]
-- error: out of bounds

-- name: array_functions
-- query
SELECT ARRAY_LENGTH([1, 2, 3]), ARRAY_LENGTH(CAST([] AS ARRAY<INT64>)), ARRAY_TO_STRING(['a', 'b'], '-'), ARRAY_TO_STRING(['a', NULL, 'b'], ','), ARRAY_TO_STRING(['a', NULL], ',', 'null'), ARRAY_CONCAT([1], [2, 3]), ARRAY_REVERSE([1, 2, 3])
-- expect
[[3, 0, "a-b", "a,b", "a,null", [1, 2, 3], [3, 2, 1]]]

-- name: array_concat_null
-- query
SELECT ARRAY_CONCAT([1], NULL)
-- expect
[[null]]

-- name: array_subquery_and_typed_literal
-- query
SELECT ARRAY(SELECT x * 2 FROM UNNEST([1, 2, 3]) AS x ORDER BY x DESC), ARRAY<INT64>[], ARRAY<STRING>['a'], ARRAY<FLOAT64>[1, 2]
-- expect
[[[6, 4, 2], [], ["a"], [1.0, 2.0]]]

-- name: struct_literals_and_access
-- query
SELECT STRUCT(1 AS a, 'x' AS b).b, STRUCT<id INT64, name STRING>(5, 'n').name, (SELECT AS STRUCT 1 AS p, 2 AS q).q, STRUCT(1 AS a, STRUCT(2 AS c) AS n).n.c
-- expect
[["x", "n", 2, 2]]

-- name: struct_output
-- query
SELECT STRUCT(1 AS a, 'x' AS b) AS s
-- expect
[[{"a": 1, "b": "x"}]]

-- name: array_of_struct_select_as_struct
-- query
SELECT ARRAY(SELECT AS STRUCT x AS v, x * x AS sq FROM UNNEST([1, 2]) AS x ORDER BY x) AS arr
-- expect
[[[{"v": 1, "sq": 1}, {"v": 2, "sq": 4}]]]

-- name: unnest_struct_array_fields
-- query
SELECT item.sku, item.qty FROM UNNEST([STRUCT('a' AS sku, 2 AS qty), ('b', 5)]) AS item ORDER BY item.sku
-- expect
[["a", 2], ["b", 5]]

-- name: unnest_correlated_nested_field
-- setup
CREATE TABLE ds.orders (order_id INT64, items ARRAY<STRUCT<sku STRING, qty INT64>>);
INSERT INTO ds.orders VALUES (1, [STRUCT('a', 2), STRUCT('b', 1)]), (2, [STRUCT('a', 5)]), (3, []);
-- query
SELECT i.sku, SUM(i.qty) FROM ds.orders o, UNNEST(o.items) AS i GROUP BY i.sku ORDER BY i.sku
-- expect
[["a", 7], ["b", 1]]

-- name: unnest_left_join_keeps_empty
-- setup
CREATE TABLE ds.orders (order_id INT64, items ARRAY<STRUCT<sku STRING, qty INT64>>);
INSERT INTO ds.orders VALUES (1, [STRUCT('a', 2), STRUCT('b', 1)]), (3, []);
-- query
SELECT order_id, i.sku FROM ds.orders LEFT JOIN UNNEST(items) AS i ORDER BY order_id, i.sku
-- expect
[[1, "a"], [1, "b"], [3, null]]

-- name: unnest_correlated_path_without_unnest
-- setup
CREATE TABLE ds.orders (order_id INT64, tags ARRAY<STRING>);
INSERT INTO ds.orders VALUES (1, ['x', 'y']), (2, ['z']);
-- query
SELECT o.order_id, t FROM ds.orders AS o, o.tags AS t ORDER BY t
-- expect
[[1, "x"], [1, "y"], [2, "z"]]

-- name: unnest_array_length_exists
-- setup
CREATE TABLE ds.orders (order_id INT64, tags ARRAY<STRING>);
INSERT INTO ds.orders VALUES (1, ['x', 'y']), (2, ['z']), (3, []);
-- query
SELECT order_id FROM ds.orders WHERE EXISTS (SELECT 1 FROM UNNEST(tags) AS t WHERE t = 'z') OR ARRAY_LENGTH(tags) = 0 ORDER BY order_id
-- expect
[[2], [3]]

-- name: star_except_replace
-- query
SELECT * EXCEPT (b) REPLACE (a * 10 AS a) FROM (SELECT 1 AS a, 2 AS b, 3 AS c)
-- expect
[[10, 3]]

-- name: qualified_star_except
-- query
SELECT t.* EXCEPT (b) FROM (SELECT 1 AS a, 2 AS b) AS t
-- expect
[[1]]

-- name: json_value_query
-- query
SELECT JSON_VALUE('{"a": {"b": "x", "n": 5}}', '$.a.b'), JSON_VALUE('{"a": {"b": "x"}}', '$.a'), JSON_QUERY('{"a": {"b": "x"}}', '$.a'), JSON_EXTRACT_SCALAR('{"n": 5}', '$.n'), JSON_VALUE('{"a": 1}', '$.missing')
-- expect
[["x", null, "{\"b\":\"x\"}", "5", null]]

-- name: json_arrays
-- query
SELECT JSON_VALUE_ARRAY('{"t": ["a", "b"]}', '$.t'), ARRAY_LENGTH(JSON_QUERY_ARRAY('[{"x": 1}, {"x": 2}]')), JSON_EXTRACT_STRING_ARRAY('["p", "q"]')
-- expect
[[["a", "b"], 2, ["p", "q"]]]

-- name: json_extraction_from_events
-- setup
CREATE TABLE ds.events (id INT64, payload STRING);
INSERT INTO ds.events VALUES (1, '{"user": {"id": "u1", "plan": "pro"}, "amount": 12.5}'), (2, '{"user": {"id": "u2"}, "amount": null}');
-- query
SELECT id, JSON_VALUE(payload, '$.user.id') AS uid, JSON_VALUE(payload, '$.user.plan') AS plan, SAFE_CAST(JSON_VALUE(payload, '$.amount') AS FLOAT64) AS amount FROM ds.events ORDER BY id
-- expect
[[1, "u1", "pro", 12.5], [2, "u2", null, null]]

-- name: to_json_string
-- query
SELECT TO_JSON_STRING(STRUCT(1 AS a, 'x' AS b)), TO_JSON_STRING([1, 2]), TO_JSON_STRING('q')
-- expect
[["{\"a\":1,\"b\":\"x\"}", "[1,2]", "\"q\""]]

-- name: parse_json_and_json_type
-- query
SELECT JSON_VALUE(PARSE_JSON('{"k": "v"}'), '$.k'), JSON_VALUE(JSON '{"k": 3}', '$.k')
-- expect
[["v", "3"]]

-- name: safe_divide
-- query
SELECT SAFE_DIVIDE(10, 4), SAFE_DIVIDE(1, 0), SAFE_DIVIDE(NULL, 1), IEEE_DIVIDE(1, 4)
-- expect
[[2.5, null, null, 0.25]]

-- name: division_by_zero_errors
-- query
SELECT 1 / 0
-- error: division by zero

-- name: math_functions
-- query
SELECT ABS(-3), SIGN(-2), ROUND(2.5), ROUND(-2.5), ROUND(3.14159, 2), TRUNC(2.7), FLOOR(-1.5), CEIL(1.2), POW(2, 10), SQRT(16), MOD(10, 3)
-- expect
[[3, -1, 3.0, -3.0, 3.14, 2.0, -2.0, 2.0, 1024.0, 4.0, 1]]

-- name: log_functions
-- query
SELECT LN(1), LOG(100, 10), LOG10(1000), ROUND(LOG(EXP(2)), 6)
-- expect
[[0.0, 2.0, 3.0, 2.0]]

-- name: bitwise_xor
-- query
SELECT 5 ^ 3, 5 & 3, 5 | 3, 1 << 4, ~0
-- expect
[[6, 1, 7, 16, -1]]

-- name: interval_literal_arithmetic
-- query
SELECT TIMESTAMP '2024-03-13 00:00:00' + INTERVAL 2 HOUR, DATE '2024-03-13' - INTERVAL 1 DAY
-- expect
[["2024-03-13 02:00:00+00", "2024-03-12T00:00:00"]]

-- name: dml_insert_select_update_delete
-- setup
CREATE TABLE ds.t (id INT64, status STRING, amount NUMERIC);
INSERT INTO ds.t (id, status, amount) VALUES (1, 'new', 10), (2, 'new', 20), (3, 'old', 5);
UPDATE ds.t SET status = 'done', amount = amount * 2 WHERE id = 1;
DELETE FROM ds.t WHERE status = 'old';
INSERT ds.t (id, status) SELECT 4, 'copied';
-- query
SELECT id, status, amount FROM ds.t ORDER BY id
-- expect
[[1, "done", 20], [2, "new", 20], [4, "copied", null]]

-- name: dml_update_with_alias_and_from
-- setup
CREATE TABLE ds.users (id INT64, plan STRING);
CREATE TABLE ds.changes (id INT64, new_plan STRING);
INSERT INTO ds.users VALUES (1, 'free'), (2, 'free');
INSERT INTO ds.changes VALUES (2, 'pro');
UPDATE ds.users u SET u.plan = c.new_plan FROM ds.changes c WHERE u.id = c.id;
-- query
SELECT id, plan FROM ds.users ORDER BY id
-- expect
[[1, "free"], [2, "pro"]]

-- name: dml_delete_without_from_keyword
-- setup
CREATE TABLE ds.t (id INT64);
INSERT INTO ds.t VALUES (1), (2), (3);
DELETE ds.t WHERE id > 1;
-- query
SELECT COUNT(*) FROM ds.t
-- expect
[[1]]

-- name: dml_truncate
-- setup
CREATE TABLE ds.t (id INT64);
INSERT INTO ds.t VALUES (1), (2);
TRUNCATE TABLE ds.t;
-- query
SELECT COUNT(*) FROM ds.t
-- expect
[[0]]

-- name: merge_upsert_subquery_source
-- setup
CREATE TABLE ds.dim_users (user_id STRING, email STRING, updated_at TIMESTAMP);
INSERT INTO ds.dim_users VALUES ('u1', 'a@x', TIMESTAMP '2024-01-01'), ('u2', 'b@x', TIMESTAMP '2024-01-01');
CREATE TABLE ds.stg_users (user_id STRING, email STRING, updated_at TIMESTAMP);
INSERT INTO ds.stg_users VALUES ('u2', 'b2@x', TIMESTAMP '2024-02-01'), ('u2', 'b1@x', TIMESTAMP '2024-01-15'), ('u3', 'c@x', TIMESTAMP '2024-02-01');
MERGE ds.dim_users T
USING (
  SELECT * FROM ds.stg_users WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY updated_at DESC) = 1
) S
ON T.user_id = S.user_id
WHEN MATCHED AND S.updated_at > T.updated_at THEN
  UPDATE SET email = S.email, updated_at = S.updated_at
WHEN NOT MATCHED THEN
  INSERT (user_id, email, updated_at) VALUES (S.user_id, S.email, S.updated_at);
-- query
SELECT user_id, email, updated_at FROM ds.dim_users ORDER BY user_id
-- expect
[["u1", "a@x", "2024-01-01 00:00:00+00"], ["u2", "b2@x", "2024-02-01 00:00:00+00"], ["u3", "c@x", "2024-02-01 00:00:00+00"]]

-- name: merge_delete_and_not_matched_by_source
-- setup
CREATE TABLE ds.target (id INT64, v STRING);
INSERT INTO ds.target VALUES (1, 'keep'), (2, 'remove-me'), (3, 'orphan');
CREATE TABLE ds.source (id INT64, v STRING, deleted BOOL);
INSERT INTO ds.source VALUES (1, 'kept', FALSE), (2, NULL, TRUE), (4, 'new', FALSE);
MERGE INTO ds.target t USING ds.source s ON t.id = s.id
WHEN MATCHED AND s.deleted THEN DELETE
WHEN MATCHED THEN UPDATE SET v = s.v
WHEN NOT MATCHED BY TARGET THEN INSERT (id, v) VALUES (s.id, s.v)
WHEN NOT MATCHED BY SOURCE THEN UPDATE SET v = 'orphaned';
-- query
SELECT id, v FROM ds.target ORDER BY id
-- expect
[[1, "kept"], [3, "orphaned"], [4, "new"]]

-- name: merge_insert_row
-- setup
CREATE TABLE ds.target (id INT64, v STRING);
INSERT INTO ds.target VALUES (1, 'a');
MERGE ds.target t USING (SELECT 2 AS id, 'b' AS v) s ON t.id = s.id
WHEN NOT MATCHED THEN INSERT ROW;
-- query
SELECT id, v FROM ds.target ORDER BY id
-- expect
[[1, "a"], [2, "b"]]

-- name: merge_not_matched_by_source_delete
-- setup
CREATE TABLE ds.target (id INT64);
INSERT INTO ds.target VALUES (1), (2);
MERGE ds.target t USING (SELECT 1 AS id) s ON t.id = s.id
WHEN NOT MATCHED BY SOURCE THEN DELETE;
-- query
SELECT id FROM ds.target
-- expect
[[1]]

-- name: ddl_create_table_as_select_partition_cluster
-- setup
CREATE OR REPLACE TABLE ds.daily
PARTITION BY day
CLUSTER BY country
OPTIONS (description = 'daily metrics')
AS SELECT DATE '2024-03-13' AS day, 'DE' AS country, 3 AS n;
-- query
SELECT day, country, n FROM ds.daily
-- expect
[["2024-03-13", "DE", 3]]

-- name: ddl_create_table_columns_options
-- setup
CREATE TABLE IF NOT EXISTS ds.typed (
  id INT64 NOT NULL OPTIONS (description = 'key'),
  price NUMERIC(10, 2),
  ratio BIGNUMERIC,
  ts TIMESTAMP,
  dt DATETIME,
  payload JSON,
  tags ARRAY<STRING>,
  addr STRUCT<city STRING, zip STRING>
) PARTITION BY DATE(ts) CLUSTER BY id;
CREATE TABLE IF NOT EXISTS ds.typed (id INT64);
INSERT INTO ds.typed (id, price, ratio, ts, dt, payload, tags, addr) VALUES
  (1, 9.99, 1.5, TIMESTAMP '2024-03-13 10:00:00', DATETIME '2024-03-13 10:00:00', JSON '{"a": 1}', ['x'], STRUCT('Berlin', '10115'));
-- query
SELECT id, price, ratio, ts, dt, tags, addr.city, JSON_VALUE(payload, '$.a') FROM ds.typed
-- expect
[[1, 9.99, 1.5, "2024-03-13 10:00:00+00", "2024-03-13T10:00:00", ["x"], "Berlin", "1"]]

-- name: ddl_create_or_replace_table_replaces
-- setup
CREATE TABLE ds.t AS SELECT 1 AS a;
CREATE OR REPLACE TABLE ds.t AS SELECT 2 AS a, 'x' AS b;
-- query
SELECT a, b FROM ds.t
-- expect
[[2, "x"]]

-- name: ddl_view
-- setup
CREATE TABLE ds.base (id INT64, v STRING);
INSERT INTO ds.base VALUES (1, 'a'), (2, 'b');
CREATE OR REPLACE VIEW ds.v_base AS SELECT id, UPPER(v) AS v FROM ds.base WHERE id > 1;
-- query
SELECT * FROM ds.v_base
-- expect
[[2, "B"]]

-- name: ddl_alter_add_column
-- setup
CREATE TABLE ds.t (id INT64);
INSERT INTO ds.t VALUES (1);
ALTER TABLE ds.t ADD COLUMN IF NOT EXISTS note STRING, ADD COLUMN score FLOAT64;
ALTER TABLE ds.t ADD COLUMN IF NOT EXISTS note STRING;
ALTER TABLE ds.t SET OPTIONS (description = 'x');
UPDATE ds.t SET note = 'hi' WHERE TRUE;
-- query
SELECT id, note, score FROM ds.t
-- expect
[[1, "hi", null]]

-- name: ddl_drop_if_exists
-- setup
CREATE TABLE ds.t (id INT64);
DROP TABLE ds.t;
DROP TABLE IF EXISTS ds.t;
DROP VIEW IF EXISTS ds.nope;
CREATE TABLE ds.t (x STRING);
-- query
SELECT COUNT(*) FROM ds.t
-- expect
[[0]]

-- name: ddl_create_schema
-- setup
CREATE SCHEMA IF NOT EXISTS staging OPTIONS (location = 'US');
CREATE TABLE staging.t AS SELECT 1 AS x;
-- query
SELECT x FROM staging.t
-- expect
[[1]]

-- name: temp_table_in_script
-- query
CREATE TEMP TABLE tmp AS SELECT x FROM UNNEST([1, 2, 3]) AS x;
SELECT SUM(x) FROM tmp
-- expect
[[6]]

-- name: temp_function_sql
-- query
CREATE TEMP FUNCTION add_tax(amount FLOAT64, rate FLOAT64) RETURNS FLOAT64 AS (amount * (1 + rate));
CREATE TEMP FUNCTION clean_email(e STRING) AS (LOWER(TRIM(e)));
SELECT add_tax(100, 0.2), clean_email('  Bob@X.com ')
-- expect
[[120.0, "bob@x.com"]]

-- name: temp_function_any_type
-- query
CREATE TEMP FUNCTION first_or_null(arr ANY TYPE) AS (arr[SAFE_OFFSET(0)]);
SELECT first_or_null([5, 6]), first_or_null(CAST([] AS ARRAY<INT64>))
-- expect
[[5, null]]

-- name: script_multiple_statements
-- query
CREATE TABLE ds.s (x INT64);
INSERT INTO ds.s VALUES (1), (2);
INSERT INTO ds.s SELECT x + 10 FROM ds.s;
SELECT ARRAY_AGG(x ORDER BY x) FROM ds.s;
-- expect
[[[1, 2, 11, 12]]]

-- name: comments_and_strings
-- query
SELECT 'it\'s' AS a, "dq" AS b, '''tri
ple''' AS c, r'\d' AS d, 'tab\tx' AS e -- trailing comment
# hash comment
/* block */
-- expect
[["it's", "dq", "tri\nple", "\\d", "tab\tx"]]

-- name: bytes_literal_and_functions
-- query
SELECT b'abc', TO_BASE64(b'\xff\x00'), FROM_BASE64('YWJj'), BYTE_LENGTH('abc'), CAST('xyz' AS BYTES)
-- expect
[["YWJj", "/wA=", "YWJj", 3, "eHl6"]]

-- name: generate_uuid_shape
-- query
SELECT LENGTH(GENERATE_UUID()), REGEXP_CONTAINS(GENERATE_UUID(), r'^[0-9a-f-]{36}$')
-- expect
[[36, true]]

-- name: anonymous_column_names
-- query
SELECT f0_, f1_ FROM (SELECT 1 + 1, 'x' AS named, UPPER('y'))
-- expect
[[2, "Y"]]

-- name: group_by_rollup
-- query
SELECT g, SUM(x) FROM UNNEST([STRUCT('a' AS g, 1 AS x), STRUCT('a', 2), STRUCT('b', 5)]) GROUP BY ROLLUP (g) ORDER BY g
-- expect
[[null, 8], ["a", 3], ["b", 5]]

-- name: select_distinct
-- query
SELECT DISTINCT x FROM UNNEST([1, 1, 2]) AS x ORDER BY x
-- expect
[[1], [2]]

-- name: having_without_group_by_alias
-- query
SELECT user_type, COUNT(*) AS c FROM UNNEST(['a', 'b', 'a']) AS user_type GROUP BY user_type HAVING c > 1
-- expect
[["a", 2]]

-- name: countif_ratio_safe_divide
-- query
SELECT ROUND(SAFE_DIVIDE(COUNTIF(converted), COUNT(*)), 4) FROM UNNEST([TRUE, FALSE, FALSE]) AS converted
-- expect
[[0.3333]]

-- name: percentile_cont_window
-- query
SELECT DISTINCT PERCENTILE_CONT(x, 0.5) OVER () FROM UNNEST([1, 2, 3, 10]) AS x
-- expect
[[2.5]]

-- name: max_by_min_by
-- query
SELECT MAX_BY(name, score), MIN_BY(name, score) FROM UNNEST([STRUCT('a' AS name, 1 AS score), STRUCT('b', 3), STRUCT('c', 2)])
-- expect
[["b", "a"]]

-- name: any_value_having_max
-- query
SELECT ANY_VALUE(name HAVING MAX score) FROM UNNEST([STRUCT('a' AS name, 1 AS score), STRUCT('b', 3)])
-- expect
[["b"]]

-- name: null_handling_aggregates_empty
-- query
SELECT COUNT(*), SUM(x), MAX(x), STRING_AGG(CAST(x AS STRING)) FROM UNNEST(CAST([] AS ARRAY<INT64>)) AS x
-- expect
[[0, null, null, null]]

-- name: null_comparison_semantics
-- query
SELECT NULL = NULL, NULL <> 1, NOT CAST(NULL AS BOOL), TRUE OR NULL, FALSE AND NULL
-- expect
[[null, null, null, true, false]]

-- name: coalesce_types_mixed
-- query
SELECT COALESCE(NULL, 1.5, 2), IFNULL(CAST(NULL AS STRING), '')
-- expect
[[1.5, ""]]

-- name: safe_prefix_generic
-- query
SELECT SAFE.SUBSTR('abc', 1, -1), SAFE.LOG(-1, 10), SAFE_CAST('1.5' AS FLOAT64)
-- expect
[[null, null, 1.5]]

-- name: struct_in_group_by_and_output_array_of_struct
-- query
SELECT g, ARRAY_AGG(STRUCT(x AS v) ORDER BY x) AS items FROM UNNEST([STRUCT('a' AS g, 2 AS x), STRUCT('a', 1)]) GROUP BY g
-- expect
[["a", [{"v": 1}, {"v": 2}]]]

-- name: unnest_offset_with_struct_array
-- query
SELECT s.k, pos FROM UNNEST([STRUCT('p' AS k), STRUCT('q' AS k)]) AS s WITH OFFSET pos ORDER BY pos
-- expect
[["p", 0], ["q", 1]]

-- name: funnel_with_countif_by_day
-- setup
CREATE TABLE ds.events (user_id STRING, event STRING, ts TIMESTAMP);
INSERT INTO ds.events VALUES
  ('u1', 'view', TIMESTAMP '2024-03-13 10:00:00'), ('u1', 'cart', TIMESTAMP '2024-03-13 10:05:00'),
  ('u1', 'buy', TIMESTAMP '2024-03-13 10:09:00'), ('u2', 'view', TIMESTAMP '2024-03-13 23:30:00'),
  ('u2', 'view', TIMESTAMP '2024-03-14 00:30:00');
-- query
SELECT DATE(ts) AS day, COUNT(DISTINCT user_id) AS users, COUNTIF(event = 'buy') AS buys
FROM ds.events GROUP BY day ORDER BY day
-- expect
[["2024-03-13", 2, 1], ["2024-03-14", 1, 0]]

-- name: daily_metrics_date_trunc_week
-- setup
CREATE TABLE ds.orders (id INT64, created_at TIMESTAMP, amount FLOAT64);
INSERT INTO ds.orders VALUES (1, TIMESTAMP '2024-03-10 01:00:00', 10), (2, TIMESTAMP '2024-03-16 23:00:00', 5), (3, TIMESTAMP '2024-03-17 00:00:00', 7);
-- query
SELECT DATE_TRUNC(DATE(created_at), WEEK) AS week, SUM(amount) FROM ds.orders GROUP BY week ORDER BY week
-- expect
[["2024-03-10", 15.0], ["2024-03-17", 7.0]]

-- name: ga4_style_parse_date_and_micros
-- setup
CREATE TABLE ds.events_raw (event_date STRING, event_timestamp INT64, event_params ARRAY<STRUCT<key STRING, value STRUCT<string_value STRING, int_value INT64>>>);
INSERT INTO ds.events_raw VALUES ('20240313', 1710326712000000, [STRUCT('page', STRUCT('/home', NULL)), STRUCT('n', STRUCT(NULL, 3))]);
-- query
SELECT PARSE_DATE('%Y%m%d', event_date), TIMESTAMP_MICROS(event_timestamp),
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page'),
  (SELECT ep.value.int_value FROM UNNEST(event_params) AS ep WHERE ep.key = 'n')
FROM ds.events_raw
-- expect
[["2024-03-13", "2024-03-13 10:45:12+00", "/home", 3]]

-- name: surrogate_key_sha256
-- query
SELECT TO_HEX(SHA256(CONCAT('u1', '|', '2024-03-13')))
-- expect
[["432f118007995e14bb16b7423ee53fc9f8ec07f4f7906ae45ba4432500c144d2"]]

-- name: pipeline_model_events
-- setup
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS curated;
CREATE TABLE raw.events (event_id STRING, user_id STRING, event_type STRING, event_time TIMESTAMP, email STRING, phone STRING, ip STRING, country STRING, channel STRING, variant STRING, amount FLOAT64, message STRING, _ingested_at TIMESTAMP);
INSERT INTO raw.events VALUES
  ('e1', 'u1', 'signup', TIMESTAMP '2024-03-01 10:00:00', 'a@x', 'p1', 'i1', 'DE', 'ads', 'A', NULL, 'first', TIMESTAMP '2024-03-01 10:01:00'),
  ('e1', 'u1', 'signup', TIMESTAMP '2024-03-01 10:00:00', 'a@x', 'p1', 'i1', 'DE', 'ads', 'A', NULL, 'redelivered', TIMESTAMP '2024-03-01 10:05:00'),
  ('e2', 'u1', 'purchase', TIMESTAMP '2024-03-01 12:00:00', NULL, NULL, NULL, 'DE', 'ads', 'A', 10.25, NULL, TIMESTAMP '2024-03-01 12:00:01'),
  ('e3', 'u2', 'signup', TIMESTAMP '2024-03-02 09:00:00', 'b@x', 'p2', 'i2', 'FR', 'organic', 'B', NULL, NULL, TIMESTAMP '2024-03-02 09:00:01'),
  ('e4', 'u2', 'purchase', TIMESTAMP '2024-03-02 10:00:00', NULL, NULL, NULL, 'FR', 'organic', 'B', 5.5, NULL, TIMESTAMP '2024-03-02 10:00:01'),
  ('e5', NULL, 'page_view', TIMESTAMP '2024-03-02 11:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP '2024-03-02 11:00:01'),
  (NULL, 'u3', 'page_view', TIMESTAMP '2024-03-02 11:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP '2024-03-02 11:00:01');
-- query
SELECT event_id, message FROM (
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
FROM `my-proj.raw.events`
WHERE event_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _ingested_at DESC) = 1
) ORDER BY event_id
-- expect
[["e1", "redelivered"], ["e2", null], ["e3", null], ["e4", null], ["e5", null]]

-- name: pipeline_model_users
-- setup
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS curated;
CREATE TABLE raw.events (event_id STRING, user_id STRING, event_type STRING, event_time TIMESTAMP, email STRING, phone STRING, ip STRING, country STRING, channel STRING, variant STRING, amount FLOAT64, message STRING, _ingested_at TIMESTAMP);
INSERT INTO raw.events VALUES
  ('e1', 'u1', 'signup', TIMESTAMP '2024-03-01 10:00:00', 'a@x', 'p1', 'i1', 'DE', 'ads', 'A', NULL, 'first', TIMESTAMP '2024-03-01 10:01:00'),
  ('e1', 'u1', 'signup', TIMESTAMP '2024-03-01 10:00:00', 'a@x', 'p1', 'i1', 'DE', 'ads', 'A', NULL, 'redelivered', TIMESTAMP '2024-03-01 10:05:00'),
  ('e2', 'u1', 'purchase', TIMESTAMP '2024-03-01 12:00:00', NULL, NULL, NULL, 'DE', 'ads', 'A', 10.25, NULL, TIMESTAMP '2024-03-01 12:00:01'),
  ('e3', 'u2', 'signup', TIMESTAMP '2024-03-02 09:00:00', 'b@x', 'p2', 'i2', 'FR', 'organic', 'B', NULL, NULL, TIMESTAMP '2024-03-02 09:00:01'),
  ('e4', 'u2', 'purchase', TIMESTAMP '2024-03-02 10:00:00', NULL, NULL, NULL, 'FR', 'organic', 'B', 5.5, NULL, TIMESTAMP '2024-03-02 10:00:01'),
  ('e5', NULL, 'page_view', TIMESTAMP '2024-03-02 11:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP '2024-03-02 11:00:01'),
  (NULL, 'u3', 'page_view', TIMESTAMP '2024-03-02 11:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP '2024-03-02 11:00:01');
CREATE OR REPLACE TABLE curated.events AS
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
FROM `my-proj.raw.events`
WHERE event_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _ingested_at DESC) = 1;
-- query
SELECT user_id, signup_time, first_seen, last_seen, country, channel, email, purchases, revenue FROM (
-- One row per user: first-touch attributes from the signup, activity and revenue.
WITH e AS (
  SELECT * FROM `my-proj.curated.events` WHERE user_id IS NOT NULL
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
  a.revenue
FROM activity AS a
LEFT JOIN signup AS s USING (user_id)
) ORDER BY user_id
-- expect
[["u1", "2024-03-01 10:00:00+00", "2024-03-01 10:00:00+00", "2024-03-01 12:00:00+00", "DE", "ads", "a@x", 1, 10.25], ["u2", "2024-03-02 09:00:00+00", "2024-03-02 09:00:00+00", "2024-03-02 10:00:00+00", "FR", "organic", "b@x", 1, 5.5]]

-- name: pipeline_model_daily_metrics
-- setup
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS curated;
CREATE TABLE raw.events (event_id STRING, user_id STRING, event_type STRING, event_time TIMESTAMP, email STRING, phone STRING, ip STRING, country STRING, channel STRING, variant STRING, amount FLOAT64, message STRING, _ingested_at TIMESTAMP);
INSERT INTO raw.events VALUES
  ('e1', 'u1', 'signup', TIMESTAMP '2024-03-01 10:00:00', 'a@x', 'p1', 'i1', 'DE', 'ads', 'A', NULL, 'first', TIMESTAMP '2024-03-01 10:01:00'),
  ('e1', 'u1', 'signup', TIMESTAMP '2024-03-01 10:00:00', 'a@x', 'p1', 'i1', 'DE', 'ads', 'A', NULL, 'redelivered', TIMESTAMP '2024-03-01 10:05:00'),
  ('e2', 'u1', 'purchase', TIMESTAMP '2024-03-01 12:00:00', NULL, NULL, NULL, 'DE', 'ads', 'A', 10.25, NULL, TIMESTAMP '2024-03-01 12:00:01'),
  ('e3', 'u2', 'signup', TIMESTAMP '2024-03-02 09:00:00', 'b@x', 'p2', 'i2', 'FR', 'organic', 'B', NULL, NULL, TIMESTAMP '2024-03-02 09:00:01'),
  ('e4', 'u2', 'purchase', TIMESTAMP '2024-03-02 10:00:00', NULL, NULL, NULL, 'FR', 'organic', 'B', 5.5, NULL, TIMESTAMP '2024-03-02 10:00:01'),
  ('e5', NULL, 'page_view', TIMESTAMP '2024-03-02 11:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP '2024-03-02 11:00:01'),
  (NULL, 'u3', 'page_view', TIMESTAMP '2024-03-02 11:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP '2024-03-02 11:00:01');
CREATE OR REPLACE TABLE curated.events AS
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
FROM `my-proj.raw.events`
WHERE event_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY _ingested_at DESC) = 1;
CREATE OR REPLACE TABLE curated.users AS
-- One row per user: first-touch attributes from the signup, activity and revenue.
WITH e AS (
  SELECT * FROM `my-proj.curated.events` WHERE user_id IS NOT NULL
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
  a.revenue
FROM activity AS a
LEFT JOIN signup AS s USING (user_id);
-- query
SELECT * FROM (
-- Daily active users, signups, purchases and revenue per acquisition channel.
WITH e AS (
  SELECT
    ev.user_id,
    ev.event_type,
    ev.amount,
    DATE(ev.event_time) AS day,
    IFNULL(u.channel, 'unknown') AS channel
  FROM `my-proj.curated.events` AS ev
  LEFT JOIN `my-proj.curated.users` AS u USING (user_id)
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
) ORDER BY day, channel
-- expect
[["2024-03-01", "ads", 1, 1, 1, 10.25], ["2024-03-02", "organic", 1, 1, 1, 5.5], ["2024-03-02", "unknown", 0, 0, 0, 0.0]]

-- name: pipeline_model_orders
-- setup
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE raw.orders (order_id STRING, user_id STRING, status STRING, total NUMERIC, currency STRING, updated_at TIMESTAMP, _ingested_at TIMESTAMP);
INSERT INTO raw.orders VALUES
  ('o1', 'u1', 'created', 10.5, 'EUR', TIMESTAMP '2024-03-01 10:00:00', TIMESTAMP '2024-03-01 10:00:01'),
  ('o1', 'u1', 'paid', 10.5, 'EUR', TIMESTAMP '2024-03-01 11:00:00', TIMESTAMP '2024-03-01 11:00:01'),
  ('o1', 'u1', 'paid-late-copy', 10.5, 'EUR', TIMESTAMP '2024-03-01 11:00:00', TIMESTAMP '2024-03-01 11:30:00'),
  ('o2', 'u2', 'created', 3, 'USD', TIMESTAMP '2024-03-02 09:00:00', TIMESTAMP '2024-03-02 09:00:01');
-- query
SELECT order_id, status, total FROM (
-- Current state per order: the snapshot with the latest updated_at wins.
SELECT
  order_id,
  user_id,
  status,
  total,
  currency,
  updated_at
FROM `my-proj.raw.orders`
QUALIFY ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
) ORDER BY order_id
-- expect
[["o1", "paid-late-copy", 10.5], ["o2", "created", 3]]

-- name: unnest_alias_inner_scope_wins
-- setup
CREATE TABLE ds.allowed (tag STRING);
INSERT INTO ds.allowed VALUES ('x');
CREATE TABLE ds.items (id INT64, tags ARRAY<STRING>);
INSERT INTO ds.items VALUES (1, ['x', 'y']);
-- query
SELECT tag FROM ds.items, UNNEST(tags) AS tag WHERE tag IN (SELECT tag FROM ds.allowed)
-- expect
[["x"]]

-- name: unnest_alias_correlated_exists
-- query
SELECT x FROM UNNEST([1, 2, 3]) AS x WHERE EXISTS (SELECT 1 FROM UNNEST([2, 3]) AS y WHERE y = x) ORDER BY x
-- expect
[[2], [3]]

-- name: array_agg_window_running
-- query
SELECT x, ARRAY_LENGTH(ARRAY_AGG(x) OVER (ORDER BY x)) FROM UNNEST([1, 2]) AS x ORDER BY x
-- expect
[[1, 1], [2, 2]]

-- name: cast_numbers_to_string
-- query
SELECT CAST(10.0 AS STRING), CAST(1.5 AS STRING), CAST(CAST(10.5 AS NUMERIC) AS STRING), CAST(NUMERIC '100' AS STRING), CAST(123456789.0 AS STRING), CAST(7 AS STRING), SAFE_CAST(0.25 AS STRING)
-- expect
[["10", "1.5", "10.5", "100", "123456789", "7", "0.25"]]

-- name: transaction_script
-- query
BEGIN TRANSACTION;
CREATE TABLE ds.tx (x INT64);
INSERT INTO ds.tx VALUES (1);
COMMIT TRANSACTION;
SELECT COUNT(*) FROM ds.tx
-- expect
[[1]]

-- name: parse_timestamp_iso_fraction
-- query
SELECT PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*SZ', '2024-03-13T10:45:12.25Z'), PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*SZ', '2024-03-13T10:45:12Z'), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*SZ', 'garbage')
-- expect
[["2024-03-13 10:45:12.25+00", "2024-03-13 10:45:12+00", null]]

-- name: create_table_like_copy
-- setup
CREATE TABLE ds.src (id INT64, v STRING);
INSERT INTO ds.src VALUES (1, 'a'), (2, 'b');
CREATE TABLE ds.empty_like LIKE ds.src;
CREATE TABLE ds.copied COPY ds.src;
-- query
SELECT (SELECT COUNT(*) FROM ds.empty_like), (SELECT COUNT(*) FROM ds.copied), (SELECT STRING_AGG(v ORDER BY id) FROM ds.copied)
-- expect
[[0, 2, "a,b"]]

-- name: string_agg_distinct_ordered_and_count_distinct_window
-- query
SELECT (SELECT STRING_AGG(DISTINCT x, ',' ORDER BY x DESC) FROM UNNEST(['b', 'a', 'b']) AS x),
       (SELECT MAX(c) FROM (SELECT COUNT(DISTINCT x) OVER (PARTITION BY g) AS c FROM UNNEST([STRUCT(1 AS x, 1 AS g), STRUCT(1, 1), STRUCT(2, 1)])))
-- expect
[["b,a", 2]]

-- name: insert_struct_coerced_by_position
-- setup
CREATE TABLE ds.people (id INT64, addr STRUCT<city STRING, zip STRING>, hist ARRAY<STRUCT<k STRING, v INT64>>);
INSERT INTO ds.people VALUES (1, STRUCT('Berlin' AS town, '10115' AS postcode), [STRUCT('a' AS key, 1 AS val)]);
UPDATE ds.people SET addr = STRUCT('Paris' AS c, '75001' AS z) WHERE id = 1;
-- query
SELECT addr.city, addr.zip, hist[OFFSET(0)].k, hist[OFFSET(0)].v FROM ds.people
-- expect
[["Paris", "75001", "a", 1]]

-- name: insert_select_struct_by_position
-- setup
CREATE TABLE ds.people (id INT64, addr STRUCT<city STRING, zip STRING>);
INSERT INTO ds.people (id, addr) SELECT 1, STRUCT(town, code) FROM (SELECT 'Rome' AS town, '00100' AS code);
-- query
SELECT addr.city, addr.zip FROM ds.people
-- expect
[["Rome", "00100"]]

-- name: countif_over_no_rows_is_zero
-- query
SELECT COUNTIF(x > 1), COUNT(*) FROM UNNEST(ARRAY<INT64>[]) AS x
-- expect
[[0, 0]]

-- name: countif_as_window
-- query
SELECT x, COUNTIF(x > 1) OVER (ORDER BY x) FROM UNNEST([1, 2, 3]) AS x ORDER BY x
-- expect
[[1, 0], [2, 1], [3, 2]]


-- ===== Reference cases (issue 20). Each case below names the GoogleSQL reference page its query and
-- result come from ("-- ref:"; google/zetasql's docs are the GoogleSQL reference BigQuery's function
-- pages are written from): the page's own examples, one per row of its result tables, plus NULL, empty,
-- boundary and error cases written from the rules the page states. A case expecting "Unsupported
-- feature" or "(unsupported by the local emulator)" is a refusal: BigQuery answers it, the emulator
-- refuses it cleanly instead of answering differently.

-- name: ref_byte_length_string
-- ref: google/zetasql docs/string_functions.md#byte_length
-- query
SELECT BYTE_LENGTH('абвгд')
-- expect
[[10]]

-- name: ref_byte_length_bytes
-- ref: google/zetasql docs/string_functions.md#byte_length
-- query
SELECT BYTE_LENGTH(b'абвгд')
-- expect
[[10]]

-- name: ref_byte_length_empty
-- ref: google/zetasql docs/string_functions.md#byte_length
-- query
SELECT BYTE_LENGTH('')
-- expect
[[0]]

-- name: ref_byte_length_null
-- ref: google/zetasql docs/string_functions.md#byte_length
-- query
SELECT BYTE_LENGTH(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_octet_length_alias
-- ref: google/zetasql docs/string_functions.md#byte_length
-- query
SELECT OCTET_LENGTH('абвгд')
-- expect
[[10]]

-- name: ref_char_length
-- ref: google/zetasql docs/string_functions.md#char_length
-- query
SELECT CHAR_LENGTH('абвгд')
-- expect
[[5]]

-- name: ref_character_length
-- ref: google/zetasql docs/string_functions.md#char_length
-- query
SELECT CHARACTER_LENGTH('абвгд')
-- expect
[[5]]

-- name: ref_char_length_empty
-- ref: google/zetasql docs/string_functions.md#char_length
-- query
SELECT CHAR_LENGTH('')
-- expect
[[0]]

-- name: ref_char_length_null
-- ref: google/zetasql docs/string_functions.md#char_length
-- query
SELECT CHAR_LENGTH(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_code_points_to_bytes
-- ref: google/zetasql docs/string_functions.md#code_points_to_bytes
-- query
SELECT CODE_POINTS_TO_BYTES([65, 98, 67, 100])
-- expect
[["QWJDZA=="]]

-- name: ref_code_points_to_string
-- ref: google/zetasql docs/string_functions.md#code_points_to_string
-- query
SELECT CODE_POINTS_TO_STRING([65, 255, 513, 1024])
-- expect
[["AÿȁЀ"]]

-- name: ref_code_points_to_string_empty
-- ref: google/zetasql docs/string_functions.md#code_points_to_string
-- query
SELECT CODE_POINTS_TO_STRING(ARRAY<INT64>[])
-- expect
[[""]]

-- name: ref_code_points_to_string_null_elem
-- ref: google/zetasql docs/string_functions.md#code_points_to_string
-- query
SELECT CODE_POINTS_TO_STRING([65, NULL])
-- expect
[[null]]

-- name: ref_code_points_to_string_letters
-- ref: google/zetasql docs/string_functions.md#code_points_to_string
-- unordered
-- query
SELECT CODE_POINTS_TO_STRING([code_point]) AS letter, COUNT(*) AS letter_count FROM UNNEST(['foo', 'bar', 'baz', 'giraffe', 'llama']) AS word, UNNEST(TO_CODE_POINTS(word)) AS code_point GROUP BY 1
-- expect
[["a", 5], ["f", 3], ["r", 2], ["b", 2], ["l", 2], ["o", 2], ["g", 1], ["z", 1], ["e", 1], ["m", 1], ["i", 1]]

-- name: ref_concat_names
-- ref: google/zetasql docs/string_functions.md#concat
-- unordered
-- query
SELECT CONCAT(first_name, ' ', last_name) AS full_name FROM (SELECT 'John' AS first_name, 'Doe' AS last_name UNION ALL SELECT 'Jane', 'Smith' UNION ALL SELECT 'Joe', 'Jackson')
-- expect
[["John Doe"], ["Jane Smith"], ["Joe Jackson"]]

-- name: ref_concat_three
-- ref: google/zetasql docs/string_functions.md#concat
-- query
SELECT CONCAT('T.P.', ' ', 'Bar')
-- expect
[["T.P. Bar"]]

-- name: ref_concat_null
-- ref: google/zetasql docs/string_functions.md#concat
-- query
SELECT CONCAT('a', NULL, 'b')
-- expect
[[null]]

-- name: ref_concat_bytes
-- ref: google/zetasql docs/string_functions.md#concat
-- query
SELECT CONCAT(b'ab', b'cd')
-- expect
[["YWJjZA=="]]

-- name: ref_concat_empty
-- ref: google/zetasql docs/string_functions.md#concat
-- query
SELECT CONCAT('', '')
-- expect
[[""]]

-- name: ref_concat_one_int
-- ref: google/zetasql docs/string_functions.md#concat
-- query
SELECT CONCAT(1)
-- expect
[["1"]]

-- name: ref_ends_with_apple
-- ref: google/zetasql docs/string_functions.md#ends_with
-- query
SELECT ENDS_WITH('apple', 'e')
-- expect
[[true]]

-- name: ref_ends_with_banana
-- ref: google/zetasql docs/string_functions.md#ends_with
-- query
SELECT ENDS_WITH('banana', 'e')
-- expect
[[false]]

-- name: ref_ends_with_orange
-- ref: google/zetasql docs/string_functions.md#ends_with
-- query
SELECT ENDS_WITH('orange', 'e')
-- expect
[[true]]

-- name: ref_ends_with_empty
-- ref: google/zetasql docs/string_functions.md#ends_with
-- query
SELECT ENDS_WITH('abc', '')
-- expect
[[true]]

-- name: ref_ends_with_null
-- ref: google/zetasql docs/string_functions.md#ends_with
-- query
SELECT ENDS_WITH(CAST(NULL AS STRING), 'e')
-- expect
[[null]]

-- name: ref_ends_with_bytes
-- ref: google/zetasql docs/string_functions.md#ends_with
-- query
SELECT ENDS_WITH(b'apple', b'le')
-- expect
[[true]]

-- name: ref_starts_with_foo
-- ref: google/zetasql docs/string_functions.md#starts_with
-- query
SELECT STARTS_WITH('foo', 'b')
-- expect
[[false]]

-- name: ref_starts_with_bar
-- ref: google/zetasql docs/string_functions.md#starts_with
-- query
SELECT STARTS_WITH('bar', 'b')
-- expect
[[true]]

-- name: ref_starts_with_baz
-- ref: google/zetasql docs/string_functions.md#starts_with
-- query
SELECT STARTS_WITH('baz', 'b')
-- expect
[[true]]

-- name: ref_starts_with_null
-- ref: google/zetasql docs/string_functions.md#starts_with
-- query
SELECT STARTS_WITH('baz', CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_starts_with_bytes
-- ref: google/zetasql docs/string_functions.md#starts_with
-- query
SELECT STARTS_WITH(b'baz', b'ba')
-- expect
[[true]]

-- name: ref_format_int
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%d', 10)
-- expect
[["10"]]

-- name: ref_format_int_pad
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('|%10d|', 11)
-- expect
[["|        11|"]]

-- name: ref_format_int_zero_pad
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('+%010d+', 12)
-- expect
[["+0000000012+"]]

-- name: ref_format_int_grouping
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT("%'d", 123456789)
-- error: Unsupported feature: FORMAT element %'

-- name: ref_format_string
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('-%s-', 'abcd efg')
-- expect
[["-abcd efg-"]]

-- name: ref_format_double_f_E
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%f %E', 1.1, 2.2)
-- expect
[["1.100000 2.200000E+00"]]

-- name: ref_format_date_t
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%t', DATE '2015-09-01')
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_timestamp_t
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%t', TIMESTAMP '2015-09-01 12:34:56 America/Los_Angeles')
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_date_nested
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('date: %s!', FORMAT_DATE('%B %d, %Y', DATE '2015-01-02'))
-- expect
[["date: January 02, 2015!"]]

-- name: ref_format_i
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%i', 392)
-- expect
[["392"]]

-- name: ref_format_o
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%o', 392)
-- expect
[["610"]]

-- name: ref_format_x
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%x', 2042)
-- expect
[["7fa"]]

-- name: ref_format_X
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%X', 2042)
-- expect
[["7FA"]]

-- name: ref_format_f
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%f', 392.65)
-- expect
[["392.650000"]]

-- name: ref_format_e
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%e', 392.65)
-- expect
[["3.926500e+02"]]

-- name: ref_format_g
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%g', 392.65)
-- expect
[["392.65"]]

-- name: ref_format_percent
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('100%%')
-- expect
[["100%"]]

-- name: ref_format_null_arg
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%i', CAST(NULL AS INT64))
-- expect
[[null]]

-- name: ref_format_null_t
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('00-%t-00', CAST(NULL AS INT64))
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_null_format
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT(CAST(NULL AS STRING), 1)
-- expect
[[null]]

-- name: ref_format_precision
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%.2f', 3.14159)
-- expect
[["3.14"]]

-- name: ref_format_width_string
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%5s|', 'ab')
-- expect
[["   ab|"]]

-- name: ref_format_left_justify
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%-5s|', 'ab')
-- expect
[["ab   |"]]

-- name: ref_format_plus
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%+d', 5)
-- expect
[["+5"]]

-- name: ref_format_t_string
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%t', 'sample')
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_T_string
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%T', 'sample')
-- error: Unsupported feature: FORMAT element %T

-- name: ref_format_t_int
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%t', 123)
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_t_float
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%t', 123.0)
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_t_array
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%t', [1, 2, 3])
-- error: Unsupported feature: FORMAT element %t

-- name: ref_format_T_array
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%T', [1, 2, 3])
-- error: Unsupported feature: FORMAT element %T

-- name: ref_format_T_date
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%T', DATE '2014-01-01')
-- error: Unsupported feature: FORMAT element %T

-- name: ref_format_error_s_int
-- ref: google/zetasql docs/string_functions.md#format_string
-- query
SELECT FORMAT('%s', 1)
-- error: type

-- name: ref_from_base32
-- ref: google/zetasql docs/string_functions.md#from_base32
-- query
SELECT FROM_BASE32('MFRGGZDF74======')
-- error: Function not found: FROM_BASE32 (unsupported by the local emulator)

-- name: ref_to_base32
-- ref: google/zetasql docs/string_functions.md#to_base32
-- query
SELECT TO_BASE32(b'abcde\xFF')
-- error: Function not found: TO_BASE32 (unsupported by the local emulator)

-- name: ref_from_base64
-- ref: google/zetasql docs/string_functions.md#from_base64
-- query
SELECT FROM_BASE64('3q2+7w==')
-- expect
[["3q2+7w=="]]

-- name: ref_from_base64_null
-- ref: google/zetasql docs/string_functions.md#from_base64
-- query
SELECT FROM_BASE64(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_from_base64_empty
-- ref: google/zetasql docs/string_functions.md#from_base64
-- query
SELECT FROM_BASE64('')
-- expect
[[""]]

-- name: ref_to_base64
-- ref: google/zetasql docs/string_functions.md#to_base64
-- query
SELECT TO_BASE64(b'\xde\xad\xbe\xef')
-- expect
[["3q2+7w=="]]

-- name: ref_to_base64_empty
-- ref: google/zetasql docs/string_functions.md#to_base64
-- query
SELECT TO_BASE64(b'')
-- expect
[[""]]

-- name: ref_to_base64_null
-- ref: google/zetasql docs/string_functions.md#to_base64
-- query
SELECT TO_BASE64(CAST(NULL AS BYTES))
-- expect
[[null]]

-- name: ref_from_hex_1
-- ref: google/zetasql docs/string_functions.md#from_hex
-- query
SELECT FROM_HEX('00010203aaeeefff')
-- expect
[["AAECA6ru7/8="]]

-- name: ref_from_hex_odd
-- ref: google/zetasql docs/string_functions.md#from_hex
-- query
SELECT FROM_HEX('0AF')
-- expect
[["AK8="]]

-- name: ref_from_hex_foobar
-- ref: google/zetasql docs/string_functions.md#from_hex
-- query
SELECT FROM_HEX('666f6f626172')
-- expect
[["Zm9vYmFy"]]

-- name: ref_from_hex_upper
-- ref: google/zetasql docs/string_functions.md#from_hex
-- query
SELECT FROM_HEX('AAEE')
-- expect
[["qu4="]]

-- name: ref_from_hex_empty
-- ref: google/zetasql docs/string_functions.md#from_hex
-- query
SELECT FROM_HEX('')
-- expect
[[""]]

-- name: ref_from_hex_null
-- ref: google/zetasql docs/string_functions.md#from_hex
-- query
SELECT FROM_HEX(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_to_hex_1
-- ref: google/zetasql docs/string_functions.md#to_hex
-- query
SELECT TO_HEX(b'\x00\x01\x02\x03\xAA\xEE\xEF\xFF')
-- expect
[["00010203aaeeefff"]]

-- name: ref_to_hex_foobar
-- ref: google/zetasql docs/string_functions.md#to_hex
-- query
SELECT TO_HEX(b'foobar')
-- expect
[["666f6f626172"]]

-- name: ref_to_hex_empty
-- ref: google/zetasql docs/string_functions.md#to_hex
-- query
SELECT TO_HEX(b'')
-- expect
[[""]]

-- name: ref_length_string
-- ref: google/zetasql docs/string_functions.md#length
-- query
SELECT LENGTH('абвгд')
-- expect
[[5]]

-- name: ref_length_cast_bytes
-- ref: google/zetasql docs/string_functions.md#length
-- query
SELECT LENGTH(CAST('абвгд' AS BYTES))
-- expect
[[10]]

-- name: ref_length_empty
-- ref: google/zetasql docs/string_functions.md#length
-- query
SELECT LENGTH('')
-- expect
[[0]]

-- name: ref_length_null
-- ref: google/zetasql docs/string_functions.md#length
-- query
SELECT LENGTH(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_length_bytes_column
-- ref: google/zetasql docs/string_functions.md#length
-- query
SELECT LENGTH(b) FROM UNNEST([b'abc', b'']) AS b
-- expect
[[3], [0]]

-- name: ref_lpad_abc_5
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', 5)
-- expect
[["  abc"]]

-- name: ref_lpad_abc_2
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', 2)
-- expect
[["ab"]]

-- name: ref_lpad_cjk_4
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('例子', 4)
-- expect
[["  例子"]]

-- name: ref_lpad_def_8
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', 8, 'def')
-- expect
[["defdeabc"]]

-- name: ref_lpad_dash_5
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', 5, '-')
-- expect
[["--abc"]]

-- name: ref_lpad_cjk_pattern
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('例子', 5, '中文')
-- expect
[["中文中例子"]]

-- name: ref_lpad_bytes_5
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD(b'abc', 5)
-- expect
[["ICBhYmM="]]

-- name: ref_lpad_bytes_2
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD(b'abc', 2)
-- expect
[["YWI="]]

-- name: ref_lpad_bytes_hi
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD(b'\xab\xcd\xef', 4)
-- expect
[["IKvN7w=="]]

-- name: ref_lpad_bytes_def
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD(b'abc', 8, b'def')
-- expect
[["ZGVmZGVhYmM="]]

-- name: ref_lpad_bytes_dash
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD(b'abc', 5, b'-')
-- expect
[["LS1hYmM="]]

-- name: ref_lpad_bytes_nul
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD(b'\xab\xcd\xef', 5, b'\x00')
-- expect
[["AACrze8="]]

-- name: ref_lpad_hello_7
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('hello world', 7)
-- expect
[["hello w"]]

-- name: ref_lpad_null_len
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', CAST(NULL AS INT64))
-- expect
[[null]]

-- name: ref_lpad_null_pattern
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', 5, CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_lpad_negative
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', -1)
-- error: non-negative

-- name: ref_lpad_empty_pattern
-- ref: google/zetasql docs/string_functions.md#lpad
-- query
SELECT LPAD('abc', 5, '')
-- error: empty

-- name: ref_rpad_abc_5
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('abc', 5)
-- expect
[["abc  "]]

-- name: ref_rpad_abc_2
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('abc', 2)
-- expect
[["ab"]]

-- name: ref_rpad_cjk_4
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('例子', 4)
-- expect
[["例子  "]]

-- name: ref_rpad_def_8
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('abc', 8, 'def')
-- expect
[["abcdefde"]]

-- name: ref_rpad_dash_5
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('abc', 5, '-')
-- expect
[["abc--"]]

-- name: ref_rpad_cjk_pattern
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('例子', 5, '中文')
-- expect
[["例子中文中"]]

-- name: ref_rpad_bytes_5
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD(b'abc', 5)
-- expect
[["YWJjICA="]]

-- name: ref_rpad_bytes_2
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD(b'abc', 2)
-- expect
[["YWI="]]

-- name: ref_rpad_bytes_hi
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD(b'\xab\xcd\xef', 4)
-- expect
[["q83vIA=="]]

-- name: ref_rpad_bytes_def
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD(b'abc', 8, b'def')
-- expect
[["YWJjZGVmZGU="]]

-- name: ref_rpad_bytes_dash
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD(b'abc', 5, b'-')
-- expect
[["YWJjLS0="]]

-- name: ref_rpad_bytes_nul
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD(b'\xab\xcd\xef', 5, b'\x00')
-- expect
[["q83vAAA="]]

-- name: ref_rpad_hello_7
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('hello world', 7)
-- expect
[["hello w"]]

-- name: ref_rpad_negative
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('abc', -1)
-- error: non-negative

-- name: ref_rpad_empty_pattern
-- ref: google/zetasql docs/string_functions.md#rpad
-- query
SELECT RPAD('abc', 5, '')
-- error: empty

-- name: ref_lower_foo
-- ref: google/zetasql docs/string_functions.md#lower
-- query
SELECT LOWER('FOO')
-- expect
[["foo"]]

-- name: ref_lower_bar
-- ref: google/zetasql docs/string_functions.md#lower
-- query
SELECT LOWER('BAR')
-- expect
[["bar"]]

-- name: ref_lower_unicode
-- ref: google/zetasql docs/string_functions.md#lower
-- query
SELECT LOWER('ÀÉÎ')
-- expect
[["àéî"]]

-- name: ref_lower_null
-- ref: google/zetasql docs/string_functions.md#lower
-- query
SELECT LOWER(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_lower_bytes
-- ref: google/zetasql docs/string_functions.md#lower
-- query
SELECT LOWER(b'ABC\xc3')
-- expect
[["YWJjww=="]]

-- name: ref_upper_foo
-- ref: google/zetasql docs/string_functions.md#upper
-- query
SELECT UPPER('foo')
-- expect
[["FOO"]]

-- name: ref_upper_baz
-- ref: google/zetasql docs/string_functions.md#upper
-- query
SELECT UPPER('baz')
-- expect
[["BAZ"]]

-- name: ref_upper_empty
-- ref: google/zetasql docs/string_functions.md#upper
-- query
SELECT UPPER('')
-- expect
[[""]]

-- name: ref_upper_bytes
-- ref: google/zetasql docs/string_functions.md#upper
-- query
SELECT UPPER(b'abc')
-- expect
[["QUJD"]]

-- name: ref_ltrim_spaces
-- ref: google/zetasql docs/string_functions.md#ltrim
-- query
SELECT CONCAT('#', LTRIM('   apple   '), '#')
-- expect
[["#apple   #"]]

-- name: ref_ltrim_star
-- ref: google/zetasql docs/string_functions.md#ltrim
-- query
SELECT LTRIM('***apple***', '*')
-- expect
[["apple***"]]

-- name: ref_ltrim_xyz_apple
-- ref: google/zetasql docs/string_functions.md#ltrim
-- query
SELECT LTRIM('xxxapplexxx', 'xyz')
-- expect
[["applexxx"]]

-- name: ref_ltrim_xyz_banana
-- ref: google/zetasql docs/string_functions.md#ltrim
-- query
SELECT LTRIM('yyybananayyy', 'xyz')
-- expect
[["bananayyy"]]

-- name: ref_ltrim_xyz_pear
-- ref: google/zetasql docs/string_functions.md#ltrim
-- query
SELECT LTRIM('xyzpearxyz', 'xyz')
-- expect
[["pearxyz"]]

-- name: ref_ltrim_null
-- ref: google/zetasql docs/string_functions.md#ltrim
-- query
SELECT LTRIM(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_rtrim_star
-- ref: google/zetasql docs/string_functions.md#rtrim
-- query
SELECT RTRIM('***apple***', '*')
-- expect
[["***apple"]]

-- name: ref_rtrim_xyz_apple
-- ref: google/zetasql docs/string_functions.md#rtrim
-- query
SELECT RTRIM('applexxx', 'xyz')
-- expect
[["apple"]]

-- name: ref_rtrim_xyz_pear
-- ref: google/zetasql docs/string_functions.md#rtrim
-- query
SELECT RTRIM('pearxyz', 'xyz')
-- expect
[["pear"]]

-- name: ref_rtrim_spaces
-- ref: google/zetasql docs/string_functions.md#rtrim
-- query
SELECT CONCAT('#', RTRIM('   apple   '), '#')
-- expect
[["#   apple#"]]

-- name: ref_trim_spaces
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT CONCAT('#', TRIM('   apple   '), '#')
-- expect
[["#apple#"]]

-- name: ref_trim_star
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM('***banana***', '*')
-- expect
[["banana"]]

-- name: ref_trim_xyz_apple
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM('xxxapplexxx', 'xyz')
-- expect
[["apple"]]

-- name: ref_trim_xyz_orange
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM('zzzorangezzz', 'xyz')
-- expect
[["orange"]]

-- name: ref_trim_xyz_pear
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM('xyzpearxyz', 'xyz')
-- expect
[["pear"]]

-- name: ref_trim_empty
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM('')
-- expect
[[""]]

-- name: ref_trim_null
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_trim_bytes
-- ref: google/zetasql docs/string_functions.md#trim
-- query
SELECT TRIM(b'xxabcxx', b'x')
-- error: Unsupported feature: TRIM of BYTES

-- name: ref_normalize_nfc_equal
-- ref: google/zetasql docs/string_functions.md#normalize
-- query
SELECT NORMALIZE('\u00ea') = NORMALIZE('\u0065\u0302')
-- expect
[[true]]

-- name: ref_normalize_nfkc_spaces
-- ref: google/zetasql docs/string_functions.md#normalize
-- query
SELECT NORMALIZE(name, NFKC) AS normalized_name, COUNT(*) AS name_count FROM UNNEST(['Jane\u2004Doe', 'John\u2004Smith', 'Jane\u2005Doe', 'Jane\u2006Doe', 'John Smith']) AS name GROUP BY 1
-- error: Unsupported feature: NORMALIZE modes other than NFC

-- name: ref_normalize_and_casefold
-- ref: google/zetasql docs/string_functions.md#normalize
-- query
SELECT NORMALIZE_AND_CASEFOLD('\u2168', NFKC) = NORMALIZE_AND_CASEFOLD('IX', NFKC)
-- error: Function not found: NORMALIZE_AND_CASEFOLD (unsupported by the local emulator)

-- name: ref_regexp_contains_foo
-- ref: google/zetasql docs/string_functions.md#regexp_contains
-- query
SELECT REGEXP_CONTAINS('foo@example.com', r'@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+')
-- expect
[[true]]

-- name: ref_regexp_contains_bar
-- ref: google/zetasql docs/string_functions.md#regexp_contains
-- query
SELECT REGEXP_CONTAINS('bar@example.org', r'@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+')
-- expect
[[true]]

-- name: ref_regexp_contains_www
-- ref: google/zetasql docs/string_functions.md#regexp_contains
-- query
SELECT REGEXP_CONTAINS('www.example.net', r'@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+')
-- expect
[[false]]

-- name: ref_regexp_contains_full
-- ref: google/zetasql docs/string_functions.md#regexp_contains
-- query
SELECT email, REGEXP_CONTAINS(email, r'^([\w.+-]+@foo\.com|[\w.+-]+@bar\.org)$'), REGEXP_CONTAINS(email, r'^[\w.+-]+@foo\.com|[\w.+-]+@bar\.org$') FROM UNNEST(['a@foo.com', 'a@foo.computer', 'b@bar.org', '!b@bar.org', 'c@buz.net']) AS email
-- expect
[["a@foo.com", true, true], ["a@foo.computer", false, true], ["b@bar.org", true, true], ["!b@bar.org", false, true], ["c@buz.net", false, false]]

-- name: ref_regexp_contains_null
-- ref: google/zetasql docs/string_functions.md#regexp_contains
-- query
SELECT REGEXP_CONTAINS(CAST(NULL AS STRING), 'a')
-- expect
[[null]]

-- name: ref_regexp_contains_empty_pattern
-- ref: google/zetasql docs/string_functions.md#regexp_contains
-- query
SELECT REGEXP_CONTAINS('abc', '')
-- expect
[[true]]

-- name: ref_regexp_extract_user
-- ref: google/zetasql docs/string_functions.md#regexp_extract
-- query
SELECT REGEXP_EXTRACT(email, r'^[a-zA-Z0-9_.+-]+') FROM UNNEST(['foo@example.com', 'bar@example.org', 'baz@example.net']) AS email
-- expect
[["foo"], ["bar"], ["baz"]]

-- name: ref_regexp_extract_tld
-- ref: google/zetasql docs/string_functions.md#regexp_extract
-- query
SELECT REGEXP_EXTRACT(email, r'^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.([a-zA-Z0-9-.]+$)') FROM UNNEST(['foo@example.com', 'bar@example.org', 'baz@example.net']) AS email
-- expect
[["com"], ["org"], ["net"]]

-- name: ref_regexp_extract_nomatch
-- ref: google/zetasql docs/string_functions.md#regexp_extract
-- query
SELECT REGEXP_EXTRACT('abc', 'x')
-- expect
[[null]]

-- name: ref_regexp_extract_two_groups
-- ref: google/zetasql docs/string_functions.md#regexp_extract
-- query
SELECT REGEXP_EXTRACT('abc', '(a)(b)')
-- error: capturing group

-- name: ref_regexp_extract_all_code
-- ref: google/zetasql docs/string_functions.md#regexp_extract_all
-- query
SELECT REGEXP_EXTRACT_ALL('Try `function(x)` or `function(y)`', '`(.+?)`')
-- expect
[[["function(x)", "function(y)"]]]

-- name: ref_regexp_extract_all_banana
-- ref: google/zetasql docs/string_functions.md#regexp_extract_all
-- query
SELECT REGEXP_EXTRACT_ALL('banana', 'ana')
-- expect
[[["ana"]]]

-- name: ref_regexp_extract_all_none
-- ref: google/zetasql docs/string_functions.md#regexp_extract_all
-- query
SELECT REGEXP_EXTRACT_ALL('abc', 'x')
-- expect
[[[]]]

-- name: ref_regexp_replace_heading
-- ref: google/zetasql docs/string_functions.md#regexp_replace
-- query
SELECT REGEXP_REPLACE(heading, r'^# ([a-zA-Z0-9\s]+$)', '<h1>\\1</h1>') FROM UNNEST(['# Heading', '# Another heading']) AS heading
-- expect
[["<h1>Heading</h1>"], ["<h1>Another heading</h1>"]]

-- name: ref_regexp_replace_group
-- ref: google/zetasql docs/string_functions.md#regexp_replace
-- query
SELECT REGEXP_REPLACE('abc', 'b(.)', 'X\\1')
-- expect
[["aXc"]]

-- name: ref_regexp_replace_banana
-- ref: google/zetasql docs/string_functions.md#regexp_replace
-- query
SELECT REGEXP_REPLACE('banana', 'ana', 'X')
-- expect
[["bXna"]]

-- name: ref_regexp_replace_all
-- ref: google/zetasql docs/string_functions.md#regexp_replace
-- query
SELECT REGEXP_REPLACE('aaa', 'a', 'b')
-- expect
[["bbb"]]

-- name: ref_regexp_replace_whole
-- ref: google/zetasql docs/string_functions.md#regexp_replace
-- query
SELECT REGEXP_REPLACE('abc', 'b', '[\\0]')
-- expect
[["a[b]c"]]

-- name: ref_replace_apple
-- ref: google/zetasql docs/string_functions.md#replace
-- query
SELECT REPLACE('apple pie', 'pie', 'cobbler')
-- expect
[["apple cobbler"]]

-- name: ref_replace_blackberry
-- ref: google/zetasql docs/string_functions.md#replace
-- query
SELECT REPLACE('blackberry pie', 'pie', 'cobbler')
-- expect
[["blackberry cobbler"]]

-- name: ref_replace_empty_from
-- ref: google/zetasql docs/string_functions.md#replace
-- query
SELECT REPLACE('abc', '', 'x')
-- expect
[["abc"]]

-- name: ref_replace_null
-- ref: google/zetasql docs/string_functions.md#replace
-- query
SELECT REPLACE('abc', 'b', CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_replace_bytes
-- ref: google/zetasql docs/string_functions.md#replace
-- query
SELECT REPLACE(b'abcb', b'b', b'X')
-- error: Unsupported feature: REPLACE of BYTES

-- name: ref_repeat_abc
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT('abc', 3)
-- expect
[["abcabcabc"]]

-- name: ref_repeat_cjk
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT('例子', 2)
-- expect
[["例子例子"]]

-- name: ref_repeat_null_n
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT('abc', NULL)
-- expect
[[null]]

-- name: ref_repeat_null_s
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT(NULL, 3)
-- expect
[[null]]

-- name: ref_repeat_zero
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT('abc', 0)
-- expect
[[""]]

-- name: ref_repeat_negative
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT('abc', -1)
-- error: negative

-- name: ref_repeat_bytes
-- ref: google/zetasql docs/string_functions.md#repeat
-- query
SELECT REPEAT(b'ab', 2)
-- expect
[["YWJhYg=="]]

-- name: ref_reverse_foo
-- ref: google/zetasql docs/string_functions.md#reverse
-- query
SELECT REVERSE('foo')
-- expect
[["oof"]]

-- name: ref_reverse_cyrillic
-- ref: google/zetasql docs/string_functions.md#reverse
-- query
SELECT REVERSE('абвгд')
-- expect
[["дгвба"]]

-- name: ref_reverse_bytes_bar
-- ref: google/zetasql docs/string_functions.md#reverse
-- query
SELECT REVERSE(b'bar')
-- expect
[["cmFi"]]

-- name: ref_reverse_bytes_123
-- ref: google/zetasql docs/string_functions.md#reverse
-- query
SELECT REVERSE(b'123')
-- expect
[["MzIx"]]

-- name: ref_reverse_empty
-- ref: google/zetasql docs/string_functions.md#reverse
-- query
SELECT REVERSE('')
-- expect
[[""]]

-- name: ref_reverse_null
-- ref: google/zetasql docs/string_functions.md#reverse
-- query
SELECT REVERSE(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_left_apple
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT('apple', 3)
-- expect
[["app"]]

-- name: ref_left_banana
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT('banana', 3)
-- expect
[["ban"]]

-- name: ref_left_cjk
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT('例子', 1)
-- expect
[["例"]]

-- name: ref_left_bytes
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT(b'apple', 3)
-- expect
[["YXBw"]]

-- name: ref_left_zero
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT('apple', 0)
-- expect
[[""]]

-- name: ref_left_long
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT('apple', 10)
-- expect
[["apple"]]

-- name: ref_left_negative
-- ref: google/zetasql docs/string_functions.md#left
-- query
SELECT LEFT('apple', -1)
-- error: negative

-- name: ref_right_apple
-- ref: google/zetasql docs/string_functions.md#right
-- query
SELECT RIGHT('apple', 3)
-- expect
[["ple"]]

-- name: ref_right_banana
-- ref: google/zetasql docs/string_functions.md#right
-- query
SELECT RIGHT('banana', 3)
-- expect
[["ana"]]

-- name: ref_right_bytes
-- ref: google/zetasql docs/string_functions.md#right
-- query
SELECT RIGHT(b'apple', 3)
-- expect
[["cGxl"]]

-- name: ref_right_zero
-- ref: google/zetasql docs/string_functions.md#right
-- query
SELECT RIGHT('apple', 0)
-- expect
[[""]]

-- name: ref_right_long
-- ref: google/zetasql docs/string_functions.md#right
-- query
SELECT RIGHT('apple', 10)
-- expect
[["apple"]]

-- name: ref_right_negative
-- ref: google/zetasql docs/string_functions.md#right
-- query
SELECT RIGHT('apple', -1)
-- error: negative

-- name: ref_split_space
-- ref: google/zetasql docs/string_functions.md#split
-- query
SELECT SPLIT(letter_group, ' ') FROM UNNEST(['a b c d', 'e f g h', 'i j k l']) AS letter_group
-- expect
[[["a", "b", "c", "d"]], [["e", "f", "g", "h"]], [["i", "j", "k", "l"]]]

-- name: ref_split_default_comma
-- ref: google/zetasql docs/string_functions.md#split
-- query
SELECT SPLIT('b,c')
-- expect
[[["b", "c"]]]

-- name: ref_split_empty_string
-- ref: google/zetasql docs/string_functions.md#split
-- query
SELECT SPLIT('', ',')
-- expect
[[[""]]]

-- name: ref_split_empty_delimiter
-- ref: google/zetasql docs/string_functions.md#split
-- query
SELECT SPLIT('abc', '')
-- expect
[[["a", "b", "c"]]]

-- name: ref_split_null
-- ref: google/zetasql docs/string_functions.md#split
-- query
SELECT SPLIT(CAST(NULL AS STRING), ',')
-- expect
[[null]]

-- name: ref_split_trailing
-- ref: google/zetasql docs/string_functions.md#split
-- query
SELECT SPLIT('a,b,', ',')
-- expect
[[["a", "b", ""]]]

-- name: ref_strpos_foo
-- ref: google/zetasql docs/string_functions.md#strpos
-- query
SELECT STRPOS('foo@example.com', '@')
-- expect
[[4]]

-- name: ref_strpos_foobar
-- ref: google/zetasql docs/string_functions.md#strpos
-- query
SELECT STRPOS('foobar@example.com', '@')
-- expect
[[7]]

-- name: ref_strpos_foobarbaz
-- ref: google/zetasql docs/string_functions.md#strpos
-- query
SELECT STRPOS('foobarbaz@example.com', '@')
-- expect
[[10]]

-- name: ref_strpos_missing
-- ref: google/zetasql docs/string_functions.md#strpos
-- query
SELECT STRPOS('quxexample.com', '@')
-- expect
[[0]]

-- name: ref_strpos_null
-- ref: google/zetasql docs/string_functions.md#strpos
-- query
SELECT STRPOS(CAST(NULL AS STRING), '@')
-- expect
[[null]]

-- name: ref_strpos_unicode
-- ref: google/zetasql docs/string_functions.md#strpos
-- query
SELECT STRPOS('абвгд', 'в')
-- expect
[[3]]

-- name: ref_substr_2_apple
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', 2)
-- expect
[["pple"]]

-- name: ref_substr_2_banana
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('banana', 2)
-- expect
[["anana"]]

-- name: ref_substr_2_2_orange
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('orange', 2, 2)
-- expect
[["ra"]]

-- name: ref_substr_neg2_apple
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', -2)
-- expect
[["le"]]

-- name: ref_substr_neg2_orange
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('orange', -2)
-- expect
[["ge"]]

-- name: ref_substr_zero_position
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', 0, 2)
-- expect
[["ap"]]

-- name: ref_substr_left_of_start
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', -10, 3)
-- expect
[["app"]]

-- name: ref_substr_minus_length
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', -5, 2)
-- expect
[["ap"]]

-- name: ref_substr_past_end
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', 10)
-- expect
[[""]]

-- name: ref_substr_long_length
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', 2, 100)
-- expect
[["pple"]]

-- name: ref_substr_zero_length
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', 2, 0)
-- expect
[[""]]

-- name: ref_substr_negative_length
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', 2, -1)
-- error: cannot be negative

-- name: ref_substr_null_position
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('apple', NULL)
-- expect
[[null]]

-- name: ref_substr_unicode
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR('абвгд', 2, 3)
-- expect
[["бвг"]]

-- name: ref_substr_bytes
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR(b'apple', 2, 3)
-- expect
[["cHBs"]]

-- name: ref_substr_bytes_negative
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR(b'apple', -2)
-- expect
[["bGU="]]

-- name: ref_substr_bytes_zero
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR(b'apple', 0, 2)
-- expect
[["YXA="]]

-- name: ref_substr_bytes_column
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTR(b, 2) FROM UNNEST([b'\x00\x01\x02']) AS b
-- expect
[["AQI="]]

-- name: ref_substring_alias
-- ref: google/zetasql docs/string_functions.md#substr
-- query
SELECT SUBSTRING('apple', 2, 2)
-- expect
[["pp"]]

-- name: ref_to_code_points_words
-- ref: google/zetasql docs/string_functions.md#to_code_points
-- query
SELECT word, TO_CODE_POINTS(word) FROM UNNEST(['foo', 'bar', 'baz', 'giraffe', 'llama']) AS word
-- expect
[["foo", [102, 111, 111]], ["bar", [98, 97, 114]], ["baz", [98, 97, 122]], ["giraffe", [103, 105, 114, 97, 102, 102, 101]], ["llama", [108, 108, 97, 109, 97]]]

-- name: ref_to_code_points_bytes
-- ref: google/zetasql docs/string_functions.md#to_code_points
-- query
SELECT TO_CODE_POINTS(word) FROM UNNEST([b'\x00\x01\x10\xff', b'\x66\x6f\x6f']) AS word
-- expect
[[[0, 1, 16, 255]], [[102, 111, 111]]]

-- name: ref_to_code_points_a_macron
-- ref: google/zetasql docs/string_functions.md#to_code_points
-- query
SELECT TO_CODE_POINTS(b'Ā'), TO_CODE_POINTS('Ā')
-- expect
[[[196, 128], [256]]]

-- name: ref_to_code_points_empty
-- ref: google/zetasql docs/string_functions.md#to_code_points
-- query
SELECT TO_CODE_POINTS('')
-- expect
[[[]]]

-- name: ref_to_code_points_null
-- ref: google/zetasql docs/string_functions.md#to_code_points
-- query
SELECT TO_CODE_POINTS(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_ascii_abcd
-- ref: google/zetasql docs/string_functions.md#ascii
-- query
SELECT ASCII('abcd')
-- expect
[[97]]

-- name: ref_ascii_a
-- ref: google/zetasql docs/string_functions.md#ascii
-- query
SELECT ASCII('a')
-- expect
[[97]]

-- name: ref_ascii_b
-- ref: google/zetasql docs/string_functions.md#ascii
-- query
SELECT ASCII('b')
-- expect
[[98]]

-- name: ref_ascii_empty
-- ref: google/zetasql docs/string_functions.md#ascii
-- query
SELECT ASCII('')
-- expect
[[0]]

-- name: ref_ascii_null
-- ref: google/zetasql docs/string_functions.md#ascii
-- query
SELECT ASCII(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_chr_65
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(65)
-- expect
[["A"]]

-- name: ref_chr_255
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(255)
-- expect
[["ÿ"]]

-- name: ref_chr_513
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(513)
-- expect
[["ȁ"]]

-- name: ref_chr_1024
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(1024)
-- expect
[["Ѐ"]]

-- name: ref_chr_97
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(97)
-- expect
[["a"]]

-- name: ref_chr_f9b5
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(0xF9B5)
-- expect
[["\uf9b5"]]

-- name: ref_chr_0
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(0)
-- expect
[[""]]

-- name: ref_chr_null
-- ref: google/zetasql docs/string_functions.md#chr
-- query
SELECT CHR(NULL)
-- expect
[[null]]

-- name: ref_unicode_abcd
-- ref: google/zetasql docs/string_functions.md#unicode
-- query
SELECT UNICODE('âbcd')
-- expect
[[226]]

-- name: ref_unicode_single
-- ref: google/zetasql docs/string_functions.md#unicode
-- query
SELECT UNICODE('â')
-- expect
[[226]]

-- name: ref_unicode_empty
-- ref: google/zetasql docs/string_functions.md#unicode
-- query
SELECT UNICODE('')
-- expect
[[0]]

-- name: ref_unicode_null
-- ref: google/zetasql docs/string_functions.md#unicode
-- query
SELECT UNICODE(CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_contains_substr_case
-- ref: google/zetasql docs/string_functions.md#contains_substr
-- query
SELECT CONTAINS_SUBSTR('the blue house', 'Blue house')
-- expect
[[true]]

-- name: ref_contains_substr_false
-- ref: google/zetasql docs/string_functions.md#contains_substr
-- query
SELECT CONTAINS_SUBSTR('the red house', 'blue')
-- expect
[[false]]

-- name: ref_contains_substr_null
-- ref: google/zetasql docs/string_functions.md#contains_substr
-- query
SELECT CONTAINS_SUBSTR(CAST(NULL AS STRING), 'a')
-- expect
[[null]]

-- name: ref_contains_substr_nfkc
-- ref: google/zetasql docs/string_functions.md#contains_substr
-- query
SELECT CONTAINS_SUBSTR('\u2168', 'IX')
-- error: Unsupported feature: CONTAINS_SUBSTR on text that NFKC normalization changes

-- name: ref_instr_basic
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'an')
-- expect
[[2]]

-- name: ref_instr_position
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'an', 3)
-- expect
[[4]]

-- name: ref_instr_occurrence
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'an', 1, 2)
-- expect
[[4]]

-- name: ref_instr_occurrence_missing
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'an', 1, 3)
-- expect
[[0]]

-- name: ref_instr_overlap
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'ana', 1, 2)
-- expect
[[4]]

-- name: ref_instr_negative
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'an', -1)
-- expect
[[4]]

-- name: ref_instr_negative_occurrence
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'an', -3, 1)
-- expect
[[4]]

-- name: ref_instr_missing
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', 'xyz')
-- expect
[[0]]

-- name: ref_instr_null
-- ref: google/zetasql docs/string_functions.md#instr
-- query
SELECT INSTR('banana', CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_translate_cookie
-- ref: google/zetasql docs/string_functions.md#translate
-- query
SELECT TRANSLATE('This is a cookie', 'sco', 'zku')
-- expect
[["Thiz iz a kuukie"]]

-- name: ref_translate_remove
-- ref: google/zetasql docs/string_functions.md#translate
-- query
SELECT TRANSLATE('abcde', 'bd', 'B')
-- expect
[["aBce"]]

-- name: ref_translate_null
-- ref: google/zetasql docs/string_functions.md#translate
-- query
SELECT TRANSLATE('abc', CAST(NULL AS STRING), 'x')
-- expect
[[null]]

-- name: ref_initcap_words
-- ref: google/zetasql docs/string_functions.md#initcap
-- query
SELECT INITCAP('Hello World-everyone!')
-- expect
[["Hello World-Everyone!"]]

-- name: ref_initcap_lower
-- ref: google/zetasql docs/string_functions.md#initcap
-- query
SELECT INITCAP('THE QUICK')
-- expect
[["The Quick"]]

-- name: ref_soundex_ashcraft
-- ref: google/zetasql docs/string_functions.md#soundex
-- query
SELECT SOUNDEX('Ashcraft')
-- error: Function not found: SOUNDEX (unsupported by the local emulator)

-- name: ref_safe_convert_bytes
-- ref: google/zetasql docs/string_functions.md#safe_convert_bytes_to_string
-- query
SELECT SAFE_CONVERT_BYTES_TO_STRING(b'\xc2')
-- error: Function not found: SAFE_CONVERT_BYTES_TO_STRING (unsupported by the local emulator)

-- name: ref_safe_convert_bytes_ok
-- ref: google/zetasql docs/string_functions.md#safe_convert_bytes_to_string
-- query
SELECT SAFE_CONVERT_BYTES_TO_STRING(b'abc')
-- error: Function not found: SAFE_CONVERT_BYTES_TO_STRING (unsupported by the local emulator)

-- name: ref_abs_pos
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(25)
-- expect
[[25]]

-- name: ref_abs_neg
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(-25)
-- expect
[[25]]

-- name: ref_abs_pinf
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_abs_ninf
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(CAST('-inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_abs_null
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(CAST(NULL AS INT64))
-- expect
[[null]]

-- name: ref_abs_float
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(-2.5)
-- expect
[[2.5]]

-- name: ref_abs_int64_min
-- ref: google/zetasql docs/mathematical_functions.md#abs
-- query
SELECT ABS(-9223372036854775807 - 1)
-- error: verflow

-- name: ref_sign_pos
-- ref: google/zetasql docs/mathematical_functions.md#sign
-- query
SELECT SIGN(25)
-- expect
[[1]]

-- name: ref_sign_zero
-- ref: google/zetasql docs/mathematical_functions.md#sign
-- query
SELECT SIGN(0)
-- expect
[[0]]

-- name: ref_sign_neg
-- ref: google/zetasql docs/mathematical_functions.md#sign
-- query
SELECT SIGN(-25)
-- expect
[[-1]]

-- name: ref_sign_nan
-- ref: google/zetasql docs/mathematical_functions.md#sign
-- query
SELECT SIGN(CAST('NaN' AS FLOAT64))
-- expect
[["NaN"]]

-- name: ref_sign_float
-- ref: google/zetasql docs/mathematical_functions.md#sign
-- query
SELECT SIGN(-0.5)
-- expect
[[-1]]

-- name: ref_is_inf_pinf
-- ref: google/zetasql docs/mathematical_functions.md#is_inf
-- query
SELECT IS_INF(CAST('+inf' AS FLOAT64))
-- expect
[[true]]

-- name: ref_is_inf_ninf
-- ref: google/zetasql docs/mathematical_functions.md#is_inf
-- query
SELECT IS_INF(CAST('-inf' AS FLOAT64))
-- expect
[[true]]

-- name: ref_is_inf_25
-- ref: google/zetasql docs/mathematical_functions.md#is_inf
-- query
SELECT IS_INF(25.0)
-- expect
[[false]]

-- name: ref_is_nan_nan
-- ref: google/zetasql docs/mathematical_functions.md#is_nan
-- query
SELECT IS_NAN(CAST('NaN' AS FLOAT64))
-- expect
[[true]]

-- name: ref_is_nan_25
-- ref: google/zetasql docs/mathematical_functions.md#is_nan
-- query
SELECT IS_NAN(25.0)
-- expect
[[false]]

-- name: ref_ieee_divide_20_4
-- ref: google/zetasql docs/mathematical_functions.md#ieee_divide
-- query
SELECT IEEE_DIVIDE(20.0, 4.0)
-- expect
[[5]]

-- name: ref_ieee_divide_0_25
-- ref: google/zetasql docs/mathematical_functions.md#ieee_divide
-- query
SELECT IEEE_DIVIDE(0.0, 25.0)
-- expect
[[0]]

-- name: ref_ieee_divide_25_0
-- ref: google/zetasql docs/mathematical_functions.md#ieee_divide
-- query
SELECT IEEE_DIVIDE(25.0, 0.0)
-- expect
[["+Inf"]]

-- name: ref_ieee_divide_m25_0
-- ref: google/zetasql docs/mathematical_functions.md#ieee_divide
-- query
SELECT IEEE_DIVIDE(-25.0, 0.0)
-- expect
[["-Inf"]]

-- name: ref_ieee_divide_0_0
-- ref: google/zetasql docs/mathematical_functions.md#ieee_divide
-- query
SELECT IEEE_DIVIDE(0.0, 0.0)
-- expect
[["NaN"]]

-- name: ref_sqrt_25
-- ref: google/zetasql docs/mathematical_functions.md#sqrt
-- query
SELECT SQRT(25.0)
-- expect
[[5]]

-- name: ref_sqrt_inf
-- ref: google/zetasql docs/mathematical_functions.md#sqrt
-- query
SELECT SQRT(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_sqrt_negative
-- ref: google/zetasql docs/mathematical_functions.md#sqrt
-- query
SELECT SQRT(-1.0)
-- error: SQRT

-- name: ref_sqrt_zero
-- ref: google/zetasql docs/mathematical_functions.md#sqrt
-- query
SELECT SQRT(0.0)
-- expect
[[0]]

-- name: ref_pow_2_2
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(2.0, 2.0)
-- expect
[[4]]

-- name: ref_pow_2_m2
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(2.0, -2.0)
-- expect
[[0.25]]

-- name: ref_pow_m2_3
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(-2.0, 3.0)
-- expect
[[-8]]

-- name: ref_pow_m2_half
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(-2.0, 0.5)
-- error: POW

-- name: ref_pow_0_m1
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(0.0, -1.0)
-- error: POW

-- name: ref_pow_x_0_nan
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(CAST('NaN' AS FLOAT64), 0.0)
-- expect
[[1]]

-- name: ref_pow_1_nan
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(1.0, CAST('NaN' AS FLOAT64))
-- expect
[[1]]

-- name: ref_pow_m1_inf
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(-1.0, CAST('+inf' AS FLOAT64))
-- expect
[[1]]

-- name: ref_pow_half_ninf
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(0.5, CAST('-inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_pow_2_ninf
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(2.0, CAST('-inf' AS FLOAT64))
-- expect
[[0]]

-- name: ref_pow_half_pinf
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(0.5, CAST('+inf' AS FLOAT64))
-- expect
[[0]]

-- name: ref_pow_2_pinf
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(2.0, CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_pow_ninf_m1
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(CAST('-inf' AS FLOAT64), -1.0)
-- expect
[[0]]

-- name: ref_pow_pinf_2
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POW(CAST('+inf' AS FLOAT64), 2.0)
-- expect
[["+Inf"]]

-- name: ref_power_alias
-- ref: google/zetasql docs/mathematical_functions.md#pow
-- query
SELECT POWER(3.0, 2.0)
-- expect
[[9]]

-- name: ref_exp_0
-- ref: google/zetasql docs/mathematical_functions.md#exp
-- query
SELECT EXP(0.0)
-- expect
[[1]]

-- name: ref_exp_pinf
-- ref: google/zetasql docs/mathematical_functions.md#exp
-- query
SELECT EXP(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_exp_ninf
-- ref: google/zetasql docs/mathematical_functions.md#exp
-- query
SELECT EXP(CAST('-inf' AS FLOAT64))
-- expect
[[0]]

-- name: ref_exp_1
-- ref: google/zetasql docs/mathematical_functions.md#exp
-- query
SELECT EXP(1.0)
-- expect
[[2.718281828459045]]

-- name: ref_ln_1
-- ref: google/zetasql docs/mathematical_functions.md#ln
-- query
SELECT LN(1.0)
-- expect
[[0]]

-- name: ref_ln_pinf
-- ref: google/zetasql docs/mathematical_functions.md#ln
-- query
SELECT LN(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_ln_zero
-- ref: google/zetasql docs/mathematical_functions.md#ln
-- query
SELECT LN(0.0)
-- error: LN

-- name: ref_ln_negative
-- ref: google/zetasql docs/mathematical_functions.md#ln
-- query
SELECT LN(-1.0)
-- error: LN

-- name: ref_log_100_10
-- ref: google/zetasql docs/mathematical_functions.md#log
-- query
SELECT LOG(100.0, 10.0)
-- expect
[[2]]

-- name: ref_log_natural
-- ref: google/zetasql docs/mathematical_functions.md#log
-- query
SELECT LOG(1.0)
-- expect
[[0]]

-- name: ref_log_8_2
-- ref: google/zetasql docs/mathematical_functions.md#log
-- query
SELECT LOG(8.0, 2.0)
-- expect
[[3]]

-- name: ref_log_base_1
-- ref: google/zetasql docs/mathematical_functions.md#log
-- query
SELECT LOG(8.0, 1.0)
-- error: LOG

-- name: ref_log_negative
-- ref: google/zetasql docs/mathematical_functions.md#log
-- query
SELECT LOG(-1.0, 10.0)
-- error: LOG

-- name: ref_log10_100
-- ref: google/zetasql docs/mathematical_functions.md#log10
-- query
SELECT LOG10(100.0)
-- expect
[[2]]

-- name: ref_log10_pinf
-- ref: google/zetasql docs/mathematical_functions.md#log10
-- query
SELECT LOG10(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_log10_negative
-- ref: google/zetasql docs/mathematical_functions.md#log10
-- query
SELECT LOG10(-1.0)
-- error: LOG10

-- name: ref_greatest
-- ref: google/zetasql docs/mathematical_functions.md#greatest
-- query
SELECT GREATEST(3, 5, 1)
-- expect
[[5]]

-- name: ref_greatest_null
-- ref: google/zetasql docs/mathematical_functions.md#greatest
-- query
SELECT GREATEST(3, NULL, 1)
-- expect
[[null]]

-- name: ref_greatest_strings
-- ref: google/zetasql docs/mathematical_functions.md#greatest
-- query
SELECT GREATEST('apple', 'pear', 'banana')
-- expect
[["pear"]]

-- name: ref_least
-- ref: google/zetasql docs/mathematical_functions.md#least
-- query
SELECT LEAST(3, 5, 1)
-- expect
[[1]]

-- name: ref_least_null
-- ref: google/zetasql docs/mathematical_functions.md#least
-- query
SELECT LEAST(3, NULL, 1)
-- expect
[[null]]

-- name: ref_least_dates
-- ref: google/zetasql docs/mathematical_functions.md#least
-- query
SELECT LEAST(DATE '2020-01-02', DATE '2019-12-31')
-- expect
[["2019-12-31"]]

-- name: ref_div_12_m7
-- ref: google/zetasql docs/mathematical_functions.md#div
-- query
SELECT DIV(12, -7)
-- expect
[[-1]]

-- name: ref_div_20_3
-- ref: google/zetasql docs/mathematical_functions.md#div
-- query
SELECT DIV(20, 3)
-- expect
[[6]]

-- name: ref_div_0_20
-- ref: google/zetasql docs/mathematical_functions.md#div
-- query
SELECT DIV(0, 20)
-- expect
[[0]]

-- name: ref_div_20_0
-- ref: google/zetasql docs/mathematical_functions.md#div
-- query
SELECT DIV(20, 0)
-- error: division by zero

-- name: ref_div_m7_2
-- ref: google/zetasql docs/mathematical_functions.md#div
-- query
SELECT DIV(-7, 2)
-- expect
[[-3]]

-- name: ref_safe_divide_20_4
-- ref: google/zetasql docs/mathematical_functions.md#safe_divide
-- query
SELECT SAFE_DIVIDE(20, 4)
-- expect
[[5]]

-- name: ref_safe_divide_0_20
-- ref: google/zetasql docs/mathematical_functions.md#safe_divide
-- query
SELECT SAFE_DIVIDE(0, 20)
-- expect
[[0]]

-- name: ref_safe_divide_20_0
-- ref: google/zetasql docs/mathematical_functions.md#safe_divide
-- query
SELECT SAFE_DIVIDE(20, 0)
-- expect
[[null]]

-- name: ref_safe_divide_null
-- ref: google/zetasql docs/mathematical_functions.md#safe_divide
-- query
SELECT SAFE_DIVIDE(NULL, 4)
-- expect
[[null]]

-- name: ref_safe_multiply
-- ref: google/zetasql docs/mathematical_functions.md#safe_multiply
-- query
SELECT SAFE_MULTIPLY(20, 4)
-- expect
[[80]]

-- name: ref_safe_multiply_overflow
-- ref: google/zetasql docs/mathematical_functions.md#safe_multiply
-- query
SELECT SAFE_MULTIPLY(9223372036854775807, 2)
-- expect
[[null]]

-- name: ref_safe_negate_pos
-- ref: google/zetasql docs/mathematical_functions.md#safe_negate
-- query
SELECT SAFE_NEGATE(1)
-- expect
[[-1]]

-- name: ref_safe_negate_neg
-- ref: google/zetasql docs/mathematical_functions.md#safe_negate
-- query
SELECT SAFE_NEGATE(-1)
-- expect
[[1]]

-- name: ref_safe_negate_zero
-- ref: google/zetasql docs/mathematical_functions.md#safe_negate
-- query
SELECT SAFE_NEGATE(0)
-- expect
[[0]]

-- name: ref_safe_negate_min
-- ref: google/zetasql docs/mathematical_functions.md#safe_negate
-- query
SELECT SAFE_NEGATE(-9223372036854775807 - 1)
-- expect
[[null]]

-- name: ref_safe_add
-- ref: google/zetasql docs/mathematical_functions.md#safe_add
-- query
SELECT SAFE_ADD(5, 4)
-- expect
[[9]]

-- name: ref_safe_add_overflow
-- ref: google/zetasql docs/mathematical_functions.md#safe_add
-- query
SELECT SAFE_ADD(9223372036854775807, 1)
-- expect
[[null]]

-- name: ref_safe_subtract
-- ref: google/zetasql docs/mathematical_functions.md#safe_subtract
-- query
SELECT SAFE_SUBTRACT(5, 4)
-- expect
[[1]]

-- name: ref_safe_subtract_overflow
-- ref: google/zetasql docs/mathematical_functions.md#safe_subtract
-- query
SELECT SAFE_SUBTRACT(-9223372036854775807, 2)
-- expect
[[null]]

-- name: ref_mod_25_12
-- ref: google/zetasql docs/mathematical_functions.md#mod
-- query
SELECT MOD(25, 12)
-- expect
[[1]]

-- name: ref_mod_25_0
-- ref: google/zetasql docs/mathematical_functions.md#mod
-- query
SELECT MOD(25, 0)
-- error: division by zero

-- name: ref_mod_m25_12
-- ref: google/zetasql docs/mathematical_functions.md#mod
-- query
SELECT MOD(-25, 12)
-- expect
[[-1]]

-- name: ref_mod_25_m12
-- ref: google/zetasql docs/mathematical_functions.md#mod
-- query
SELECT MOD(25, -12)
-- expect
[[1]]

-- name: ref_mod_null
-- ref: google/zetasql docs/mathematical_functions.md#mod
-- query
SELECT MOD(NULL, 12)
-- expect
[[null]]

-- name: ref_round_2_0
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(2.0)
-- expect
[[2]]

-- name: ref_round_2_3
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(2.3)
-- expect
[[2]]

-- name: ref_round_2_8
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(2.8)
-- expect
[[3]]

-- name: ref_round_2_5
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(2.5)
-- expect
[[3]]

-- name: ref_round_m2_3
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(-2.3)
-- expect
[[-2]]

-- name: ref_round_m2_8
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(-2.8)
-- expect
[[-3]]

-- name: ref_round_m2_5
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(-2.5)
-- expect
[[-3]]

-- name: ref_round_0
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(0)
-- expect
[[0]]

-- name: ref_round_inf
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_round_nan
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(CAST('NaN' AS FLOAT64))
-- expect
[["NaN"]]

-- name: ref_round_123_7_m1
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(123.7, -1)
-- expect
[[120]]

-- name: ref_round_1_235_2
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(1.235, 2)
-- expect
[[1.24]]

-- name: ref_round_numeric
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(NUMERIC '2.25', 1)
-- expect
[[2.3]]

-- name: ref_round_numeric_half_even
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(NUMERIC '2.25', 1, 'ROUND_HALF_EVEN')
-- error: Unsupported feature: ROUND with rounding mode

-- name: ref_round_null
-- ref: google/zetasql docs/mathematical_functions.md#round
-- query
SELECT ROUND(CAST(NULL AS FLOAT64))
-- expect
[[null]]

-- name: ref_trunc_2_0
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(2.0)
-- expect
[[2]]

-- name: ref_trunc_2_3
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(2.3)
-- expect
[[2]]

-- name: ref_trunc_2_8
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(2.8)
-- expect
[[2]]

-- name: ref_trunc_2_5
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(2.5)
-- expect
[[2]]

-- name: ref_trunc_m2_3
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(-2.3)
-- expect
[[-2]]

-- name: ref_trunc_m2_8
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(-2.8)
-- expect
[[-2]]

-- name: ref_trunc_m2_5
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(-2.5)
-- expect
[[-2]]

-- name: ref_trunc_0
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(0)
-- expect
[[0]]

-- name: ref_trunc_123_7_m1
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(123.7, -1)
-- expect
[[120]]

-- name: ref_trunc_1_235_2
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(1.235, 2)
-- expect
[[1.23]]

-- name: ref_trunc_inf
-- ref: google/zetasql docs/mathematical_functions.md#trunc
-- query
SELECT TRUNC(CAST('+inf' AS FLOAT64))
-- expect
[["+Inf"]]

-- name: ref_ceil_2_0
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(2.0)
-- expect
[[2]]

-- name: ref_ceil_2_3
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(2.3)
-- expect
[[3]]

-- name: ref_ceil_2_8
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(2.8)
-- expect
[[3]]

-- name: ref_ceil_2_5
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(2.5)
-- expect
[[3]]

-- name: ref_ceil_m2_3
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(-2.3)
-- expect
[[-2]]

-- name: ref_ceil_m2_8
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(-2.8)
-- expect
[[-2]]

-- name: ref_ceil_m2_5
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(-2.5)
-- expect
[[-2]]

-- name: ref_ceil_0
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEIL(0)
-- expect
[[0]]

-- name: ref_ceiling_alias
-- ref: google/zetasql docs/mathematical_functions.md#ceil
-- query
SELECT CEILING(2.3)
-- expect
[[3]]

-- name: ref_floor_2_0
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(2.0)
-- expect
[[2]]

-- name: ref_floor_2_3
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(2.3)
-- expect
[[2]]

-- name: ref_floor_2_8
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(2.8)
-- expect
[[2]]

-- name: ref_floor_2_5
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(2.5)
-- expect
[[2]]

-- name: ref_floor_m2_3
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(-2.3)
-- expect
[[-3]]

-- name: ref_floor_m2_8
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(-2.8)
-- expect
[[-3]]

-- name: ref_floor_m2_5
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(-2.5)
-- expect
[[-3]]

-- name: ref_floor_0
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(0)
-- expect
[[0]]

-- name: ref_floor_inf
-- ref: google/zetasql docs/mathematical_functions.md#floor
-- query
SELECT FLOOR(CAST('-inf' AS FLOAT64))
-- expect
[["-Inf"]]

-- name: ref_cos_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT COS(0.0)
-- expect
[[1]]

-- name: ref_cos_inf
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT COS(CAST('+inf' AS FLOAT64))
-- expect
[["NaN"]]

-- name: ref_sin_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT SIN(0.0)
-- expect
[[0]]

-- name: ref_tan_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT TAN(0.0)
-- expect
[[0]]

-- name: ref_acos_1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ACOS(1.0)
-- expect
[[0]]

-- name: ref_acos_2
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ACOS(2.0)
-- error: ACOS

-- name: ref_asin_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ASIN(0.0)
-- expect
[[0]]

-- name: ref_asin_2
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ASIN(2.0)
-- error: ASIN

-- name: ref_atan_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ATAN(0.0)
-- expect
[[0]]

-- name: ref_atan2_1_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ATAN2(1.0, 0.0)
-- expect
[[1.5707963267948966]]

-- name: ref_atan2_0_m1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ATAN2(0.0, -1.0)
-- expect
[[3.141592653589793]]

-- name: ref_cosh_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT COSH(0.0)
-- expect
[[1]]

-- name: ref_sinh_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT SINH(0.0)
-- expect
[[0]]

-- name: ref_tanh_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT TANH(0.0)
-- expect
[[0]]

-- name: ref_tanh_inf
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT TANH(CAST('+inf' AS FLOAT64))
-- expect
[[1]]

-- name: ref_acosh_1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ACOSH(1.0)
-- expect
[[0]]

-- name: ref_asinh_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ASINH(0.0)
-- expect
[[0]]

-- name: ref_atanh_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT ATANH(0.0)
-- expect
[[0]]

-- name: ref_cot_1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT COT(1.0)
-- expect
[[0.6420926159343306]]

-- name: ref_csc_1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT CSC(1.0)
-- expect
[[1.1883951057781212]]

-- name: ref_sec_1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT SEC(1.0)
-- expect
[[1.8508157176809255]]

-- name: ref_coth_1
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT COTH(1.0)
-- expect
[[1.3130352854993312]]

-- name: ref_cot_0
-- ref: google/zetasql docs/mathematical_functions.md#cos
-- query
SELECT COT(0.0)
-- error: COT

-- name: ref_cbrt_27
-- ref: google/zetasql docs/mathematical_functions.md#cbrt
-- query
SELECT CBRT(27.0)
-- expect
[[3]]

-- name: ref_cbrt_m8
-- ref: google/zetasql docs/mathematical_functions.md#cbrt
-- query
SELECT CBRT(-8.0)
-- expect
[[-2]]

-- name: ref_range_bucket_20
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(20, [0, 10, 20, 30, 40])
-- expect
[[3]]

-- name: ref_range_bucket_15
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(15, [0, 10, 20, 30, 40])
-- expect
[[2]]

-- name: ref_range_bucket_below
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(-1, [0, 10, 20, 30, 40])
-- expect
[[0]]

-- name: ref_range_bucket_above
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(45, [0, 10, 20, 30, 40])
-- expect
[[5]]

-- name: ref_range_bucket_empty
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(25, ARRAY<INT64>[])
-- expect
[[0]]

-- name: ref_range_bucket_null
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(NULL, [0, 10])
-- expect
[[null]]

-- name: ref_range_bucket_dups
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(10, [0, 10, 10, 20])
-- expect
[[3]]

-- name: ref_range_bucket_unsorted
-- ref: google/zetasql docs/mathematical_functions.md#range_bucket
-- query
SELECT RANGE_BUCKET(10, [20, 10])
-- error: sorted

-- name: ref_bit_count_0
-- ref: google/zetasql docs/bit_functions.md#bit_count
-- query
SELECT BIT_COUNT(0)
-- expect
[[0]]

-- name: ref_bit_count_42
-- ref: google/zetasql docs/bit_functions.md#bit_count
-- query
SELECT BIT_COUNT(42)
-- expect
[[3]]

-- name: ref_bit_count_m1
-- ref: google/zetasql docs/bit_functions.md#bit_count
-- query
SELECT BIT_COUNT(-1)
-- expect
[[64]]

-- name: ref_bit_count_null
-- ref: google/zetasql docs/bit_functions.md#bit_count
-- query
SELECT BIT_COUNT(CAST(NULL AS INT64))
-- expect
[[null]]

-- name: ref_bit_count_bytes
-- ref: google/zetasql docs/bit_functions.md#bit_count
-- query
SELECT BIT_COUNT(b'\x00\x40\x10')
-- expect
[[2]]

-- name: ref_op_shift_left
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 1 << 3
-- expect
[[8]]

-- name: ref_op_shift_right
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 8 >> 1
-- expect
[[4]]

-- name: ref_op_bit_and
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 5 & 3
-- expect
[[1]]

-- name: ref_op_bit_or
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 5|3
-- expect
[[7]]

-- name: ref_op_bit_xor
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 5 ^ 3
-- expect
[[6]]

-- name: ref_op_bit_not
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT ~5
-- expect
[[-6]]

-- name: ref_op_shift_64
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 1 << 64
-- expect
[[0]]

-- name: ref_op_shift_negative
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 1 << -1
-- error: negative

-- name: ref_op_divide_float
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 7 / 2
-- expect
[[3.5]]

-- name: ref_op_divide_zero
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 1 / 0
-- error: division by zero

-- name: ref_op_add_overflow
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 9223372036854775807 + 1
-- error: verflow

-- name: ref_op_sub_overflow
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT -9223372036854775807 - 2
-- error: verflow

-- name: ref_op_mul_overflow
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 9223372036854775807 * 2
-- error: verflow

-- name: ref_op_unary_minus
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT -(5)
-- expect
[[-5]]

-- name: ref_op_precedence
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 2 + 3 * 4
-- expect
[[14]]

-- name: ref_op_null_add
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 1 + NULL
-- expect
[[null]]

-- name: ref_op_float_int
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT 1 + 2.5
-- expect
[[3.5]]

-- name: ref_op_numeric_add
-- ref: google/zetasql docs/operators.md#arithmetic_operators
-- query
SELECT NUMERIC '1.1' + NUMERIC '2.2'
-- expect
[[3.3]]

-- name: ref_op_concat_strings
-- ref: google/zetasql docs/operators.md#concatenation_operator
-- query
SELECT 'The' || ' ' || 'Quick'
-- expect
[["The Quick"]]

-- name: ref_op_concat_null
-- ref: google/zetasql docs/operators.md#concatenation_operator
-- query
SELECT 'a' || NULL
-- expect
[[null]]

-- name: ref_op_concat_arrays
-- ref: google/zetasql docs/operators.md#concatenation_operator
-- query
SELECT [1, 2] || [3]
-- expect
[[[1, 2, 3]]]

-- name: ref_op_concat_bytes
-- ref: google/zetasql docs/operators.md#concatenation_operator
-- query
SELECT b'ab' || b'c'
-- expect
[["YWJj"]]

-- name: ref_op_eq_null
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT NULL = NULL
-- expect
[[null]]

-- name: ref_op_lt_strings
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 'a' < 'b'
-- expect
[[true]]

-- name: ref_op_ne
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 1 != 2, 1 <> 1
-- expect
[[true, false]]

-- name: ref_op_in_true
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 1 IN (1, NULL)
-- expect
[[true]]

-- name: ref_op_in_null
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 2 IN (1, NULL)
-- expect
[[null]]

-- name: ref_op_not_in_null
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 2 NOT IN (1, NULL)
-- expect
[[null]]

-- name: ref_op_not_in_false
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 1 NOT IN (1, 2)
-- expect
[[false]]

-- name: ref_op_in_unnest
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 3 IN UNNEST([1, 2, 3])
-- expect
[[true]]

-- name: ref_op_in_empty_unnest
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 3 IN UNNEST(ARRAY<INT64>[])
-- expect
[[false]]

-- name: ref_op_between
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 5 BETWEEN 1 AND 10
-- expect
[[true]]

-- name: ref_op_between_null
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT NULL BETWEEN 1 AND 2
-- expect
[[null]]

-- name: ref_op_not_between
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 5 NOT BETWEEN 1 AND 3
-- expect
[[true]]

-- name: ref_op_distinct_from
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL, 1 IS DISTINCT FROM 1
-- expect
[[true, true, false]]

-- name: ref_op_is_true
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT NULL IS TRUE, NULL IS NOT FALSE, FALSE IS FALSE
-- expect
[[false, true, true]]

-- name: ref_op_struct_eq
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT STRUCT(1 AS a, 'x' AS b) = STRUCT(1, 'x')
-- expect
[[true]]

-- name: ref_op_array_eq_elem
-- ref: google/zetasql docs/operators.md#comparison_operators
-- query
SELECT [1, 2][OFFSET(1)] = 2
-- expect
[[true]]

-- name: ref_op_like_prefix
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'apple' LIKE 'a%'
-- expect
[[true]]

-- name: ref_op_like_underscore
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'abc' LIKE 'a_c'
-- expect
[[true]]

-- name: ref_op_like_escape
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'a_c' LIKE 'a\\_c', 'abc' LIKE 'a\\_c'
-- expect
[[true, false]]

-- name: ref_op_like_case
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'ABC' LIKE 'a%'
-- expect
[[false]]

-- name: ref_op_like_null
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'a' LIKE NULL
-- expect
[[null]]

-- name: ref_op_not_like
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'apple' NOT LIKE '%z%'
-- expect
[[true]]

-- name: ref_op_like_percent_escape
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT '100%' LIKE '100\\%'
-- expect
[[true]]

-- name: ref_op_like_any
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'apple' LIKE ANY ('a%', 'z%')
-- expect
[[true]]

-- name: ref_op_like_all
-- ref: google/zetasql docs/operators.md#like_operator
-- query
SELECT 'apple' LIKE ALL ('a%', 'z%')
-- expect
[[false]]

-- name: ref_op_and_null
-- ref: google/zetasql docs/operators.md#logical_operators
-- query
SELECT TRUE AND NULL, FALSE AND NULL
-- expect
[[null, false]]

-- name: ref_op_or_null
-- ref: google/zetasql docs/operators.md#logical_operators
-- query
SELECT TRUE OR NULL, FALSE OR NULL
-- expect
[[true, null]]

-- name: ref_op_not_null
-- ref: google/zetasql docs/operators.md#logical_operators
-- query
SELECT NOT CAST(NULL AS BOOL)
-- expect
[[null]]

-- name: ref_case_value
-- ref: google/zetasql docs/conditional_expressions.md#case
-- query
SELECT CASE 1 WHEN 1 THEN 'a' ELSE 'b' END
-- expect
[["a"]]

-- name: ref_case_no_else
-- ref: google/zetasql docs/conditional_expressions.md#case
-- query
SELECT CASE 3 WHEN 1 THEN 'a' END
-- expect
[[null]]

-- name: ref_case_when_null
-- ref: google/zetasql docs/conditional_expressions.md#case
-- query
SELECT CASE WHEN NULL THEN 1 ELSE 2 END
-- expect
[[2]]

-- name: ref_case_search
-- ref: google/zetasql docs/conditional_expressions.md#case
-- query
SELECT A, CASE WHEN A > 60 THEN 'red' WHEN A > 30 THEN 'blue' ELSE 'green' END FROM UNNEST([90, 50, 60, 40, 30, 20, 10]) AS A
-- expect
[[90, "red"], [50, "blue"], [60, "blue"], [40, "blue"], [30, "green"], [20, "green"], [10, "green"]]

-- name: ref_case_expr_null_match
-- ref: google/zetasql docs/conditional_expressions.md#case
-- query
SELECT CASE CAST(NULL AS INT64) WHEN NULL THEN 'null' ELSE 'other' END
-- expect
[["other"]]

-- name: ref_if_true
-- ref: google/zetasql docs/conditional_expressions.md#if
-- query
SELECT IF(1 < 2, 'yes', 'no')
-- expect
[["yes"]]

-- name: ref_if_null_cond
-- ref: google/zetasql docs/conditional_expressions.md#if
-- query
SELECT IF(NULL, 1, 2)
-- expect
[[2]]

-- name: ref_if_rows
-- ref: google/zetasql docs/conditional_expressions.md#if
-- query
SELECT A, B, IF(A < B, 'true', 'false') FROM UNNEST([STRUCT(10 AS A, 20 AS B), (20, 10), (10, 10)])
-- expect
[[10, 20, "true"], [20, 10, "false"], [10, 10, "false"]]

-- name: ref_ifnull_null
-- ref: google/zetasql docs/conditional_expressions.md#ifnull
-- query
SELECT IFNULL(NULL, 0)
-- expect
[[0]]

-- name: ref_ifnull_value
-- ref: google/zetasql docs/conditional_expressions.md#ifnull
-- query
SELECT IFNULL(10, 0)
-- expect
[[10]]

-- name: ref_nullif_equal
-- ref: google/zetasql docs/conditional_expressions.md#nullif
-- query
SELECT NULLIF(0, 0)
-- expect
[[null]]

-- name: ref_nullif_differ
-- ref: google/zetasql docs/conditional_expressions.md#nullif
-- query
SELECT NULLIF(10, 0)
-- expect
[[10]]

-- name: ref_nullif_null
-- ref: google/zetasql docs/conditional_expressions.md#nullif
-- query
SELECT NULLIF(NULL, 0)
-- expect
[[null]]

-- name: ref_coalesce_first
-- ref: google/zetasql docs/conditional_expressions.md#coalesce
-- query
SELECT COALESCE('A', 'B', 'C')
-- expect
[["A"]]

-- name: ref_coalesce_skip_null
-- ref: google/zetasql docs/conditional_expressions.md#coalesce
-- query
SELECT COALESCE(NULL, 'B', 'C')
-- expect
[["B"]]

-- name: ref_coalesce_all_null
-- ref: google/zetasql docs/conditional_expressions.md#coalesce
-- query
SELECT COALESCE(NULL, NULL)
-- expect
[[null]]

-- name: ref_zeroifnull_null
-- ref: google/zetasql docs/conditional_expressions.md#zeroifnull
-- query
SELECT ZEROIFNULL(CAST(NULL AS INT64))
-- expect
[[0]]

-- name: ref_zeroifnull_value
-- ref: google/zetasql docs/conditional_expressions.md#zeroifnull
-- query
SELECT ZEROIFNULL(5)
-- expect
[[5]]

-- name: ref_nullifzero_zero
-- ref: google/zetasql docs/conditional_expressions.md#zeroifnull
-- query
SELECT NULLIFZERO(0)
-- expect
[[null]]

-- name: ref_nullifzero_value
-- ref: google/zetasql docs/conditional_expressions.md#zeroifnull
-- query
SELECT NULLIFZERO(5)
-- expect
[[5]]

-- name: ref_op_shift_right_negative
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT -1 >> 1
-- expect
[[9223372036854775807]]

-- name: ref_op_shift_right_64
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 8 >> 64
-- expect
[[0]]

-- name: ref_op_shift_right_neg_4
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT -16 >> 2
-- expect
[[4611686018427387900]]

-- name: ref_op_shift_left_63
-- ref: google/zetasql docs/operators.md#bitwise_operators
-- query
SELECT 1 << 62
-- expect
[[4611686018427387904]]

-- name: ref_date_ymd
-- ref: google/zetasql docs/date_functions.md#date
-- query
SELECT DATE(2016, 12, 25)
-- expect
[["2016-12-25"]]

-- name: ref_date_datetime
-- ref: google/zetasql docs/date_functions.md#date
-- query
SELECT DATE(DATETIME '2016-12-25 23:59:59')
-- expect
[["2016-12-25"]]

-- name: ref_date_ts_tz
-- ref: google/zetasql docs/date_functions.md#date
-- query
SELECT DATE(TIMESTAMP '2016-12-25 05:30:00+07', 'America/Los_Angeles')
-- expect
[["2016-12-24"]]

-- name: ref_date_ts_utc
-- ref: google/zetasql docs/date_functions.md#date
-- query
SELECT DATE(TIMESTAMP '2016-12-25 05:30:00+07')
-- expect
[["2016-12-24"]]

-- name: ref_date_null
-- ref: google/zetasql docs/date_functions.md#date
-- query
SELECT DATE(CAST(NULL AS TIMESTAMP))
-- expect
[[null]]

-- name: ref_date_bad_day
-- ref: google/zetasql docs/date_functions.md#date
-- query
SELECT DATE(2016, 2, 30)
-- error: out of range

-- name: ref_date_add_day
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-12-25', INTERVAL 5 DAY)
-- expect
[["2008-12-30"]]

-- name: ref_date_add_month_end
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-01-31', INTERVAL 1 MONTH)
-- expect
[["2008-02-29"]]

-- name: ref_date_add_week
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-12-25', INTERVAL 1 WEEK)
-- expect
[["2009-01-01"]]

-- name: ref_date_add_quarter
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-12-25', INTERVAL 1 QUARTER)
-- expect
[["2009-03-25"]]

-- name: ref_date_add_year
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-12-25', INTERVAL 1 YEAR)
-- expect
[["2009-12-25"]]

-- name: ref_date_add_leap_year
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-02-29', INTERVAL 1 YEAR)
-- expect
[["2009-02-28"]]

-- name: ref_date_add_negative
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(DATE '2008-12-25', INTERVAL -5 DAY)
-- expect
[["2008-12-20"]]

-- name: ref_date_add_null
-- ref: google/zetasql docs/date_functions.md#date_add
-- query
SELECT DATE_ADD(CAST(NULL AS DATE), INTERVAL 1 DAY)
-- expect
[[null]]

-- name: ref_date_sub_day
-- ref: google/zetasql docs/date_functions.md#date_sub
-- query
SELECT DATE_SUB(DATE '2008-12-25', INTERVAL 5 DAY)
-- expect
[["2008-12-20"]]

-- name: ref_date_sub_month_end
-- ref: google/zetasql docs/date_functions.md#date_sub
-- query
SELECT DATE_SUB(DATE '2008-03-31', INTERVAL 1 MONTH)
-- expect
[["2008-02-29"]]

-- name: ref_date_sub_year
-- ref: google/zetasql docs/date_functions.md#date_sub
-- query
SELECT DATE_SUB(DATE '2008-12-25', INTERVAL 10 YEAR)
-- expect
[["1998-12-25"]]

-- name: ref_date_diff_day
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2010-07-07', DATE '2008-12-25', DAY)
-- expect
[[559]]

-- name: ref_date_diff_day_neg
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2008-12-25', DATE '2010-07-07', DAY)
-- expect
[[-559]]

-- name: ref_date_diff_one_day
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', DAY)
-- expect
[[1]]

-- name: ref_date_diff_week_sunday
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2017-10-15', DATE '2017-10-14', WEEK)
-- expect
[[1]]

-- name: ref_date_diff_year
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF('2017-12-30', '2014-12-30', YEAR)
-- expect
[[3]]

-- name: ref_date_diff_isoyear
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF('2017-12-30', '2014-12-30', ISOYEAR)
-- expect
[[2]]

-- name: ref_date_diff_week
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF('2017-12-18', '2017-12-17', WEEK)
-- expect
[[0]]

-- name: ref_date_diff_week_monday
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF('2017-12-18', '2017-12-17', WEEK(MONDAY))
-- expect
[[1]]

-- name: ref_date_diff_isoweek
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF('2017-12-18', '2017-12-17', ISOWEEK)
-- expect
[[1]]

-- name: ref_date_diff_month
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2018-01-01', DATE '2017-12-31', MONTH)
-- expect
[[1]]

-- name: ref_date_diff_quarter
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2018-01-01', DATE '2017-12-31', QUARTER)
-- expect
[[1]]

-- name: ref_date_diff_year_boundary
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2018-01-01', DATE '2017-12-31', YEAR)
-- expect
[[1]]

-- name: ref_date_diff_same
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(DATE '2018-01-01', DATE '2018-01-01', DAY)
-- expect
[[0]]

-- name: ref_date_diff_null
-- ref: google/zetasql docs/date_functions.md#date_diff
-- query
SELECT DATE_DIFF(CAST(NULL AS DATE), DATE '2018-01-01', DAY)
-- expect
[[null]]

-- name: ref_date_from_unix_date
-- ref: google/zetasql docs/date_functions.md#date_from_unix_date
-- query
SELECT DATE_FROM_UNIX_DATE(14238)
-- expect
[["2008-12-25"]]

-- name: ref_date_from_unix_date_0
-- ref: google/zetasql docs/date_functions.md#date_from_unix_date
-- query
SELECT DATE_FROM_UNIX_DATE(0)
-- expect
[["1970-01-01"]]

-- name: ref_date_from_unix_date_neg
-- ref: google/zetasql docs/date_functions.md#date_from_unix_date
-- query
SELECT DATE_FROM_UNIX_DATE(-1)
-- expect
[["1969-12-31"]]

-- name: ref_unix_date
-- ref: google/zetasql docs/date_functions.md#unix_date
-- query
SELECT UNIX_DATE(DATE '2008-12-25')
-- expect
[[14238]]

-- name: ref_unix_date_epoch
-- ref: google/zetasql docs/date_functions.md#unix_date
-- query
SELECT UNIX_DATE(DATE '1970-01-01')
-- expect
[[0]]

-- name: ref_date_trunc_month
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2008-12-25', MONTH)
-- expect
[["2008-12-01"]]

-- name: ref_date_trunc_week_monday
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2017-11-05', WEEK(MONDAY))
-- expect
[["2017-10-30"]]

-- name: ref_date_trunc_isoyear
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2015-06-15', ISOYEAR)
-- expect
[["2014-12-29"]]

-- name: ref_date_trunc_year
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2008-12-25', YEAR)
-- expect
[["2008-01-01"]]

-- name: ref_date_trunc_quarter
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2008-12-25', QUARTER)
-- expect
[["2008-10-01"]]

-- name: ref_date_trunc_week
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2008-12-25', WEEK)
-- expect
[["2008-12-21"]]

-- name: ref_date_trunc_day
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2008-12-25', DAY)
-- expect
[["2008-12-25"]]

-- name: ref_date_trunc_isoweek
-- ref: google/zetasql docs/date_functions.md#date_trunc
-- query
SELECT DATE_TRUNC(DATE '2008-12-25', ISOWEEK)
-- expect
[["2008-12-22"]]

-- name: ref_extract_day
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(DAY FROM DATE '2013-12-25')
-- expect
[[25]]

-- name: ref_extract_month
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(MONTH FROM DATE '2013-12-25')
-- expect
[[12]]

-- name: ref_extract_year
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(YEAR FROM DATE '2013-12-25')
-- expect
[[2013]]

-- name: ref_extract_quarter
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(QUARTER FROM DATE '2013-12-25')
-- expect
[[4]]

-- name: ref_extract_dayofyear
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(DAYOFYEAR FROM DATE '2013-12-25')
-- expect
[[359]]

-- name: ref_extract_dayofweek
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(DAYOFWEEK FROM DATE '2013-12-25')
-- expect
[[4]]

-- name: ref_extract_weeks_1223
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2015-12-23']) AS d
-- expect
[[2015, 52, 2015, 51]]

-- name: ref_extract_weeks_1227
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2015-12-27']) AS d
-- expect
[[2015, 52, 2015, 52]]

-- name: ref_extract_weeks_1228
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2015-12-28']) AS d
-- expect
[[2015, 53, 2015, 52]]

-- name: ref_extract_weeks_0101
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2016-01-01']) AS d
-- expect
[[2015, 53, 2016, 0]]

-- name: ref_extract_weeks_0103
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2016-01-03']) AS d
-- expect
[[2015, 53, 2016, 1]]

-- name: ref_extract_weeks_0104
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2016-01-04']) AS d
-- expect
[[2016, 1, 2016, 1]]

-- name: ref_extract_weeks_0109
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(ISOYEAR FROM d), EXTRACT(ISOWEEK FROM d), EXTRACT(YEAR FROM d), EXTRACT(WEEK FROM d) FROM UNNEST([DATE '2016-01-09']) AS d
-- expect
[[2016, 1, 2016, 1]]

-- name: ref_extract_week_monday
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(WEEK(MONDAY) FROM DATE '2017-11-06'), EXTRACT(WEEK(SUNDAY) FROM DATE '2017-11-06')
-- expect
[[45, 45]]

-- name: ref_extract_null
-- ref: google/zetasql docs/date_functions.md#extract
-- query
SELECT EXTRACT(DAY FROM CAST(NULL AS DATE))
-- expect
[[null]]

-- name: ref_last_day_month
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-25', MONTH)
-- expect
[["2008-11-30"]]

-- name: ref_last_day_default
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-25')
-- expect
[["2008-11-30"]]

-- name: ref_last_day_year
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-25', YEAR)
-- expect
[["2008-12-31"]]

-- name: ref_last_day_week
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-10', WEEK)
-- error: Unsupported feature: LAST_DAY with date part WEEK

-- name: ref_last_day_week_monday
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-10', WEEK(MONDAY))
-- error: Unsupported feature: LAST_DAY with date part WEEK

-- name: ref_last_day_isoweek
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-10', ISOWEEK)
-- error: Unsupported feature: LAST_DAY with date part ISOWEEK

-- name: ref_last_day_quarter
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2008-11-25', QUARTER)
-- error: Unsupported feature: LAST_DAY with date part QUARTER

-- name: ref_last_day_leap
-- ref: google/zetasql docs/date_functions.md#last_day
-- query
SELECT LAST_DAY(DATE '2024-02-10')
-- expect
[["2024-02-29"]]

-- name: ref_format_date_x
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%x', DATE '2008-12-25')
-- expect
[["12/25/08"]]

-- name: ref_format_date_b_d_Y
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%b-%d-%Y', DATE '2008-12-25')
-- expect
[["Dec-25-2008"]]

-- name: ref_format_date_b_Y
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%b %Y', DATE '2008-12-25')
-- expect
[["Dec 2008"]]

-- name: ref_format_date_A
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%A', DATE '2008-12-25')
-- expect
[["Thursday"]]

-- name: ref_format_date_a
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%a', DATE '2008-12-25')
-- expect
[["Thu"]]

-- name: ref_format_date_B
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%B', DATE '2008-12-25')
-- expect
[["December"]]

-- name: ref_format_date_j
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%j', DATE '2008-12-25')
-- expect
[["360"]]

-- name: ref_format_date_Q
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%Q', DATE '2008-12-25')
-- expect
[["4"]]

-- name: ref_format_date_e
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%e', DATE '2008-12-05')
-- expect
[[" 5"]]

-- name: ref_format_date_e_two
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%e', DATE '2008-12-25')
-- expect
[["25"]]

-- name: ref_format_date_C
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%C', DATE '2008-12-25')
-- expect
[["20"]]

-- name: ref_format_date_y
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%y', DATE '2008-12-25')
-- expect
[["08"]]

-- name: ref_format_date_F
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%F', DATE '2008-12-25')
-- expect
[["2008-12-25"]]

-- name: ref_format_date_D
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%D', DATE '2008-12-25')
-- expect
[["12/25/08"]]

-- name: ref_format_date_G_V
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%G-%V', DATE '2016-01-01')
-- expect
[["2015-53"]]

-- name: ref_format_date_g
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%g', DATE '2016-01-01')
-- expect
[["15"]]

-- name: ref_format_date_u_w
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%u %w', DATE '2008-12-28')
-- expect
[["7 0"]]

-- name: ref_format_date_U_W
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%U %W', DATE '2021-01-20')
-- expect
[["03 03"]]

-- name: ref_format_date_E4Y
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%E4Y', DATE '0987-01-02')
-- expect
[["0987"]]

-- name: ref_format_date_percent
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%%%Y', DATE '2008-12-25')
-- expect
[["%2008"]]

-- name: ref_format_date_literal_text
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('Year %Y!', DATE '2008-12-25')
-- expect
[["Year 2008!"]]

-- name: ref_format_date_null
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%Y', CAST(NULL AS DATE))
-- expect
[[null]]

-- name: ref_format_date_n_t
-- ref: google/zetasql docs/date_functions.md#format_date
-- query
SELECT FORMAT_DATE('%Y%t%m', DATE '2008-12-25')
-- expect
[["2008\t12"]]

-- name: ref_parse_date_compact
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%Y%m%d', '20081225')
-- expect
[["2008-12-25"]]

-- name: ref_parse_date_F
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%F', '2000-12-30')
-- expect
[["2000-12-30"]]

-- name: ref_parse_date_x
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%x', '12/25/08')
-- expect
[["2008-12-25"]]

-- name: ref_parse_date_mdY
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%m/%d/%Y', '12/25/2008')
-- expect
[["2008-12-25"]]

-- name: ref_parse_date_d_b_Y
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%d-%b-%Y', '25-Dec-2008')
-- expect
[["2008-12-25"]]

-- name: ref_parse_date_A_b_e_Y
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%A %b %e %Y', 'Thursday Dec 25 2008')
-- error: Unsupported feature: format element %e

-- name: ref_parse_date_month_only
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%m', '03')
-- expect
[["1970-03-01"]]

-- name: ref_parse_date_year_only
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%Y', '2008')
-- expect
[["2008-01-01"]]

-- name: ref_parse_date_bad_month
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%Y-%m-%d', '2008-13-25')
-- error: parse

-- name: ref_parse_date_safe
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT SAFE.PARSE_DATE('%Y-%m-%d', '2008-13-25')
-- expect
[[null]]

-- name: ref_parse_date_null
-- ref: google/zetasql docs/date_functions.md#parse_date
-- query
SELECT PARSE_DATE('%Y-%m-%d', CAST(NULL AS STRING))
-- expect
[[null]]

-- name: ref_datetime_parts
-- ref: google/zetasql docs/datetime_functions.md#datetime
-- query
SELECT DATETIME(2008, 12, 25, 05, 30, 00)
-- expect
[["2008-12-25T05:30:00"]]

-- name: ref_datetime_ts_tz
-- ref: google/zetasql docs/datetime_functions.md#datetime
-- query
SELECT DATETIME(TIMESTAMP '2008-12-25 05:30:00+00', 'America/Los_Angeles')
-- expect
[["2008-12-24T21:30:00"]]

-- name: ref_datetime_date_time
-- ref: google/zetasql docs/datetime_functions.md#datetime
-- query
SELECT DATETIME(DATE '2008-12-25', TIME '05:30:00')
-- expect
[["2008-12-25T05:30:00"]]

-- name: ref_datetime_date
-- ref: google/zetasql docs/datetime_functions.md#datetime
-- query
SELECT DATETIME(DATE '2008-12-25')
-- expect
[["2008-12-25T00:00:00"]]

-- name: ref_datetime_add_minute
-- ref: google/zetasql docs/datetime_functions.md#datetime_add
-- query
SELECT DATETIME_ADD(DATETIME '2008-12-25 15:30:00', INTERVAL 10 MINUTE)
-- expect
[["2008-12-25T15:40:00"]]

-- name: ref_datetime_add_month_end
-- ref: google/zetasql docs/datetime_functions.md#datetime_add
-- query
SELECT DATETIME_ADD(DATETIME '2008-01-31 10:00:00', INTERVAL 1 MONTH)
-- expect
[["2008-02-29T10:00:00"]]

-- name: ref_datetime_add_microsecond
-- ref: google/zetasql docs/datetime_functions.md#datetime_add
-- query
SELECT DATETIME_ADD(DATETIME '2008-12-25 15:30:00', INTERVAL 1 MICROSECOND)
-- expect
[["2008-12-25T15:30:00.000001"]]

-- name: ref_datetime_sub_minute
-- ref: google/zetasql docs/datetime_functions.md#datetime_sub
-- query
SELECT DATETIME_SUB(DATETIME '2008-12-25 15:30:00', INTERVAL 10 MINUTE)
-- expect
[["2008-12-25T15:20:00"]]

-- name: ref_datetime_sub_day
-- ref: google/zetasql docs/datetime_functions.md#datetime_sub
-- query
SELECT DATETIME_SUB(DATETIME '2008-12-25 15:30:00', INTERVAL 25 DAY)
-- expect
[["2008-11-30T15:30:00"]]

-- name: ref_datetime_diff_day
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2010-07-07 10:20:00', DATETIME '2008-12-25 15:30:00', DAY)
-- expect
[[559]]

-- name: ref_datetime_diff_week_sunday
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2017-10-15 00:00:00', DATETIME '2017-10-14 00:00:00', WEEK)
-- expect
[[1]]

-- name: ref_datetime_diff_year
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2017-12-30 00:00:00', DATETIME '2014-12-30 00:00:00', YEAR)
-- expect
[[3]]

-- name: ref_datetime_diff_isoyear
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2017-12-30 00:00:00', DATETIME '2014-12-30 00:00:00', ISOYEAR)
-- expect
[[2]]

-- name: ref_datetime_diff_week
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2017-12-18', DATETIME '2017-12-17', WEEK)
-- expect
[[0]]

-- name: ref_datetime_diff_week_monday
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2017-12-18', DATETIME '2017-12-17', WEEK(MONDAY))
-- expect
[[1]]

-- name: ref_datetime_diff_isoweek
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2017-12-18', DATETIME '2017-12-17', ISOWEEK)
-- expect
[[1]]

-- name: ref_datetime_diff_minute
-- ref: google/zetasql docs/datetime_functions.md#datetime_diff
-- query
SELECT DATETIME_DIFF(DATETIME '2008-12-25 15:30:00', DATETIME '2008-12-25 14:45:00', MINUTE)
-- expect
[[45]]

-- name: ref_datetime_trunc_day
-- ref: google/zetasql docs/datetime_functions.md#datetime_trunc
-- query
SELECT DATETIME_TRUNC(DATETIME '2008-12-25 15:30:00', DAY)
-- expect
[["2008-12-25T00:00:00"]]

-- name: ref_datetime_trunc_week_monday
-- ref: google/zetasql docs/datetime_functions.md#datetime_trunc
-- query
SELECT DATETIME_TRUNC(DATETIME '2017-11-05 00:00:00', WEEK(MONDAY))
-- expect
[["2017-10-30T00:00:00"]]

-- name: ref_datetime_trunc_isoyear
-- ref: google/zetasql docs/datetime_functions.md#datetime_trunc
-- query
SELECT DATETIME_TRUNC(DATETIME '2015-06-15 00:00:00', ISOYEAR)
-- expect
[["2014-12-29T00:00:00"]]

-- name: ref_datetime_trunc_hour
-- ref: google/zetasql docs/datetime_functions.md#datetime_trunc
-- query
SELECT DATETIME_TRUNC(DATETIME '2008-12-25 15:30:00', HOUR)
-- expect
[["2008-12-25T15:00:00"]]

-- name: ref_datetime_trunc_month
-- ref: google/zetasql docs/datetime_functions.md#datetime_trunc
-- query
SELECT DATETIME_TRUNC(DATETIME '2008-12-25 15:30:00', MONTH)
-- expect
[["2008-12-01T00:00:00"]]

-- name: ref_format_datetime_c
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%c', DATETIME '2008-12-25 15:30:00')
-- expect
[["Thu Dec 25 15:30:00 2008"]]

-- name: ref_format_datetime_b_d_Y
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%b-%d-%Y', DATETIME '2008-12-25 15:30:00')
-- expect
[["Dec-25-2008"]]

-- name: ref_format_datetime_b_Y
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%b %Y', DATETIME '2008-12-25 15:30:00')
-- expect
[["Dec 2008"]]

-- name: ref_format_datetime_c_single_day
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%c', DATETIME '2008-12-05 09:05:00')
-- expect
[["Fri Dec  5 09:05:00 2008"]]

-- name: ref_format_datetime_k_l
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%k|%l', DATETIME '2008-12-25 09:05:00')
-- expect
[[" 9| 9"]]

-- name: ref_format_datetime_l_pm
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%l %p %P', DATETIME '2008-12-25 21:05:00')
-- expect
[[" 9 PM pm"]]

-- name: ref_format_datetime_l_midnight
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%l %I', DATETIME '2008-12-25 00:05:00')
-- expect
[["12 12"]]

-- name: ref_format_datetime_E_star_S
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%E*S', DATETIME '2008-12-25 15:30:05.123400')
-- expect
[["05.1234"]]

-- name: ref_format_datetime_E_star_S_whole
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%E*S', DATETIME '2008-12-25 15:30:05')
-- expect
[["05"]]

-- name: ref_format_datetime_E3S
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%E3S', DATETIME '2008-12-25 15:30:05.123456')
-- expect
[["05.123"]]

-- name: ref_format_datetime_E1S
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%E1S', DATETIME '2008-12-25 15:30:05.987654')
-- expect
[["05.9"]]

-- name: ref_format_datetime_E0S
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%E0S', DATETIME '2008-12-25 15:30:05.987654')
-- expect
[["05"]]

-- name: ref_format_datetime_E9S
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%E9S', DATETIME '2008-12-25 15:30:05.123456')
-- expect
[["05.123456000"]]

-- name: ref_format_datetime_T_R
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%T %R', DATETIME '2008-12-25 15:30:05')
-- expect
[["15:30:05 15:30"]]

-- name: ref_format_datetime_s
-- ref: google/zetasql docs/datetime_functions.md#format_datetime
-- query
SELECT FORMAT_DATETIME('%s', DATETIME '1970-01-01 00:01:00')
-- error: Unsupported feature: format element %s

-- name: ref_parse_datetime_full
-- ref: google/zetasql docs/datetime_functions.md#parse_datetime
-- query
SELECT PARSE_DATETIME('%Y-%m-%d %H:%M:%S', '1998-10-18 13:45:55')
-- expect
[["1998-10-18T13:45:55"]]

-- name: ref_parse_datetime_pm
-- ref: google/zetasql docs/datetime_functions.md#parse_datetime
-- query
SELECT PARSE_DATETIME('%m/%d/%Y %I:%M:%S %p', '8/30/2018 2:23:38 pm')
-- expect
[["2018-08-30T14:23:38"]]

-- name: ref_parse_datetime_words
-- ref: google/zetasql docs/datetime_functions.md#parse_datetime
-- query
SELECT PARSE_DATETIME('%A, %B %e, %Y', 'Wednesday, December 19, 2018')
-- error: Unsupported feature: format element %e

-- name: ref_parse_datetime_c
-- ref: google/zetasql docs/datetime_functions.md#parse_datetime
-- query
SELECT PARSE_DATETIME('%c', 'Thu Dec 25 07:30:00 2008')
-- error: Unsupported feature: format element %c

-- name: ref_parse_datetime_fraction
-- ref: google/zetasql docs/datetime_functions.md#parse_datetime
-- query
SELECT PARSE_DATETIME('%Y-%m-%d %H:%M:%E*S', '2008-12-25 07:30:00.25')
-- expect
[["2008-12-25T07:30:00.25"]]

-- name: ref_time_parts
-- ref: google/zetasql docs/time_functions.md#time
-- query
SELECT TIME(15, 30, 00)
-- expect
[["15:30:00"]]

-- name: ref_time_ts_tz
-- ref: google/zetasql docs/time_functions.md#time
-- query
SELECT TIME(TIMESTAMP '2008-12-25 15:30:00+08', 'America/Los_Angeles')
-- expect
[["23:30:00"]]

-- name: ref_time_datetime
-- ref: google/zetasql docs/time_functions.md#time
-- query
SELECT TIME(DATETIME '2008-12-25 15:30:00.000000')
-- expect
[["15:30:00"]]

-- name: ref_time_add_minute
-- ref: google/zetasql docs/time_functions.md#time_add
-- query
SELECT TIME_ADD(TIME '15:30:00', INTERVAL 10 MINUTE)
-- expect
[["15:40:00"]]

-- name: ref_time_add_wrap
-- ref: google/zetasql docs/time_functions.md#time_add
-- query
SELECT TIME_ADD(TIME '23:30:00', INTERVAL 1 HOUR)
-- expect
[["00:30:00"]]

-- name: ref_time_sub_minute
-- ref: google/zetasql docs/time_functions.md#time_add
-- query
SELECT TIME_SUB(TIME '15:30:00', INTERVAL 10 MINUTE)
-- expect
[["15:20:00"]]

-- name: ref_time_sub_wrap
-- ref: google/zetasql docs/time_functions.md#time_add
-- query
SELECT TIME_SUB(TIME '00:30:00', INTERVAL 1 HOUR)
-- expect
[["23:30:00"]]

-- name: ref_time_diff_minute
-- ref: google/zetasql docs/time_functions.md#time_diff
-- query
SELECT TIME_DIFF(TIME '15:30:00', TIME '14:35:00', MINUTE)
-- expect
[[55]]

-- name: ref_time_diff_hour
-- ref: google/zetasql docs/time_functions.md#time_diff
-- query
SELECT TIME_DIFF(TIME '15:30:00', TIME '14:35:00', HOUR)
-- expect
[[0]]

-- name: ref_time_diff_negative
-- ref: google/zetasql docs/time_functions.md#time_diff
-- query
SELECT TIME_DIFF(TIME '14:35:00', TIME '15:30:00', MINUTE)
-- expect
[[-55]]

-- name: ref_time_trunc_hour
-- ref: google/zetasql docs/time_functions.md#time_trunc
-- query
SELECT TIME_TRUNC(TIME '15:30:00', HOUR)
-- expect
[["15:00:00"]]

-- name: ref_time_trunc_minute
-- ref: google/zetasql docs/time_functions.md#time_trunc
-- query
SELECT TIME_TRUNC(TIME '15:30:45', MINUTE)
-- expect
[["15:30:00"]]

-- name: ref_format_time_R
-- ref: google/zetasql docs/time_functions.md#format_time
-- query
SELECT FORMAT_TIME('%R', TIME '15:30:00')
-- expect
[["15:30"]]

-- name: ref_format_time_H_M
-- ref: google/zetasql docs/time_functions.md#format_time
-- query
SELECT FORMAT_TIME('%H:%M', TIME '15:30:00')
-- expect
[["15:30"]]

-- name: ref_format_time_T
-- ref: google/zetasql docs/time_functions.md#format_time
-- query
SELECT FORMAT_TIME('%T', TIME '15:30:00')
-- expect
[["15:30:00"]]

-- name: ref_format_time_k
-- ref: google/zetasql docs/time_functions.md#format_time
-- query
SELECT FORMAT_TIME('%k', TIME '05:30:00')
-- expect
[[" 5"]]

-- name: ref_format_time_I_p
-- ref: google/zetasql docs/time_functions.md#format_time
-- query
SELECT FORMAT_TIME('%I %p', TIME '15:30:00')
-- expect
[["03 PM"]]

-- name: ref_format_time_E_star_S
-- ref: google/zetasql docs/time_functions.md#format_time
-- query
SELECT FORMAT_TIME('%E*S', TIME '15:30:00.5')
-- expect
[["00.5"]]

-- name: ref_parse_time_H
-- ref: google/zetasql docs/time_functions.md#parse_time
-- query
SELECT PARSE_TIME('%H', '15')
-- expect
[["15:00:00"]]

-- name: ref_parse_time_pm
-- ref: google/zetasql docs/time_functions.md#parse_time
-- query
SELECT PARSE_TIME('%I:%M:%S %p', '2:23:38 pm')
-- expect
[["14:23:38"]]

-- name: ref_parse_time_T
-- ref: google/zetasql docs/time_functions.md#parse_time
-- query
SELECT PARSE_TIME('%T', '07:30:00')
-- expect
[["07:30:00"]]

-- name: ref_parse_time_bad
-- ref: google/zetasql docs/time_functions.md#parse_time
-- query
SELECT PARSE_TIME('%H:%M', '25:00')
-- error: parse

-- name: ref_timestamp_string_utc
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP('2008-12-25 15:30:00+00')
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_timestamp_string_tz
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP('2008-12-25 15:30:00', 'America/Los_Angeles')
-- expect
[["2008-12-25 23:30:00+00"]]

-- name: ref_timestamp_string_utc_name
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP('2008-12-25 15:30:00 UTC')
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_timestamp_datetime
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP(DATETIME '2008-12-25 15:30:00')
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_timestamp_date
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP(DATE '2008-12-25')
-- expect
[["2008-12-25 00:00:00+00"]]

-- name: ref_timestamp_literal_offset
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP '2008-12-25 15:30:00-08:00'
-- expect
[["2008-12-25 23:30:00+00"]]

-- name: ref_timestamp_literal_zone
-- ref: google/zetasql docs/timestamp_functions.md#timestamp
-- query
SELECT TIMESTAMP '2008-12-25 15:30:00 America/Los_Angeles'
-- expect
[["2008-12-25 23:30:00+00"]]

-- name: ref_timestamp_add_minute
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_add
-- query
SELECT TIMESTAMP_ADD(TIMESTAMP '2008-12-25 15:30:00+00', INTERVAL 10 MINUTE)
-- expect
[["2008-12-25 15:40:00+00"]]

-- name: ref_timestamp_add_day
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_add
-- query
SELECT TIMESTAMP_ADD(TIMESTAMP '2008-12-25 15:30:00+00', INTERVAL 7 DAY)
-- expect
[["2009-01-01 15:30:00+00"]]

-- name: ref_timestamp_add_month
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_add
-- query
SELECT TIMESTAMP_ADD(TIMESTAMP '2008-12-25 15:30:00+00', INTERVAL 1 MONTH)
-- error: MONTH

-- name: ref_timestamp_sub_minute
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_sub
-- query
SELECT TIMESTAMP_SUB(TIMESTAMP '2008-12-25 15:30:00+00', INTERVAL 10 MINUTE)
-- expect
[["2008-12-25 15:20:00+00"]]

-- name: ref_timestamp_sub_hour
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_sub
-- query
SELECT TIMESTAMP_SUB(TIMESTAMP '2008-12-25 00:30:00+00', INTERVAL 1 HOUR)
-- expect
[["2008-12-24 23:30:00+00"]]

-- name: ref_timestamp_diff_hour
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_diff
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2010-07-07 10:20:00+00', TIMESTAMP '2008-12-25 15:30:00+00', HOUR)
-- expect
[[13410]]

-- name: ref_timestamp_diff_day_negative
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_diff
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2018-08-14', TIMESTAMP '2018-10-14', DAY)
-- expect
[[-61]]

-- name: ref_timestamp_diff_whole_hours
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_diff
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 01:00:00', TIMESTAMP '2001-02-01 00:00:01', HOUR)
-- expect
[[0]]

-- name: ref_timestamp_diff_second
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_diff
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 00:00:01.5', TIMESTAMP '2001-02-01 00:00:00', SECOND)
-- expect
[[1]]

-- name: ref_timestamp_diff_millisecond
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_diff
-- query
SELECT TIMESTAMP_DIFF(TIMESTAMP '2001-02-01 00:00:01.5', TIMESTAMP '2001-02-01 00:00:00', MILLISECOND)
-- expect
[[1500]]

-- name: ref_timestamp_trunc_day_utc
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_trunc
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2008-12-25 15:30:00+00', DAY, 'UTC')
-- expect
[["2008-12-25 00:00:00+00"]]

-- name: ref_timestamp_trunc_day_la
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_trunc
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2008-12-25 15:30:00+00', DAY, 'America/Los_Angeles')
-- expect
[["2008-12-25 08:00:00+00"]]

-- name: ref_timestamp_trunc_isoweek
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_trunc
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2017-11-06 00:00:00+12', ISOWEEK)
-- expect
[["2017-10-30 00:00:00+00"]]

-- name: ref_timestamp_trunc_isoweek_auckland
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_trunc
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2017-11-06 00:00:00+12', ISOWEEK, 'Pacific/Auckland')
-- expect
[["2017-11-05 11:00:00+00"]]

-- name: ref_timestamp_trunc_isoyear
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_trunc
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2015-06-15 00:00:00+00', ISOYEAR)
-- expect
[["2014-12-29 00:00:00+00"]]

-- name: ref_timestamp_trunc_hour
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_trunc
-- query
SELECT TIMESTAMP_TRUNC(TIMESTAMP '2008-12-25 15:30:00+00', HOUR)
-- expect
[["2008-12-25 15:00:00+00"]]

-- name: ref_timestamp_seconds
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT TIMESTAMP_SECONDS(1230219000)
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_timestamp_millis
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT TIMESTAMP_MILLIS(1230219000000)
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_timestamp_micros
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT TIMESTAMP_MICROS(1230219000000000)
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_timestamp_seconds_negative
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT TIMESTAMP_SECONDS(-1)
-- expect
[["1969-12-31 23:59:59+00"]]

-- name: ref_unix_seconds
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT UNIX_SECONDS(TIMESTAMP '2008-12-25 15:30:00+00')
-- expect
[[1230219000]]

-- name: ref_unix_millis
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT UNIX_MILLIS(TIMESTAMP '2008-12-25 15:30:00+00')
-- expect
[[1230219000000]]

-- name: ref_unix_micros
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT UNIX_MICROS(TIMESTAMP '2008-12-25 15:30:00+00')
-- expect
[[1230219000000000]]

-- name: ref_unix_seconds_truncates
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT UNIX_SECONDS(TIMESTAMP '1970-01-01 00:00:01.8+00')
-- expect
[[1]]

-- name: ref_unix_millis_truncates
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT UNIX_MILLIS(TIMESTAMP '1970-01-01 00:00:00.0018+00')
-- expect
[[1]]

-- name: ref_unix_seconds_before_epoch
-- ref: google/zetasql docs/timestamp_functions.md#timestamp_seconds
-- query
SELECT UNIX_SECONDS(TIMESTAMP '1969-12-31 23:59:59.5+00')
-- expect
[[-1]]

-- name: ref_format_timestamp_c
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%c', TIMESTAMP '2050-12-25 15:30:55+00', 'UTC')
-- expect
[["Sun Dec 25 15:30:55 2050"]]

-- name: ref_format_timestamp_b_d_Y
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%b-%d-%Y', TIMESTAMP '2050-12-25 15:30:55+00')
-- expect
[["Dec-25-2050"]]

-- name: ref_format_timestamp_b_Y
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%b %Y', TIMESTAMP '2050-12-25 15:30:55+00')
-- expect
[["Dec 2050"]]

-- name: ref_format_timestamp_iso
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', TIMESTAMP '2050-12-25 15:30:55', 'UTC')
-- expect
[["2050-12-25T15:30:55Z"]]

-- name: ref_format_timestamp_tz
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%F %T', TIMESTAMP '2008-12-25 15:30:00+00', 'America/Los_Angeles')
-- expect
[["2008-12-25 07:30:00"]]

-- name: ref_format_timestamp_Ez_la
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%Ez', TIMESTAMP '2008-12-25 15:30:00+00', 'America/Los_Angeles')
-- expect
[["-08:00"]]

-- name: ref_format_timestamp_z_la
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%z', TIMESTAMP '2008-12-25 15:30:00+00', 'America/Los_Angeles')
-- expect
[["-0800"]]

-- name: ref_format_timestamp_Ez_utc
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%Ez', TIMESTAMP '2008-12-25 15:30:00+00')
-- expect
[["+00:00"]]

-- name: ref_format_timestamp_z_kolkata
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%z', TIMESTAMP '2008-12-25 15:30:00+00', 'Asia/Kolkata')
-- expect
[["+0530"]]

-- name: ref_format_timestamp_Ez_summer
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%Ez', TIMESTAMP '2008-07-25 15:30:00+00', 'America/Los_Angeles')
-- expect
[["-07:00"]]

-- name: ref_format_timestamp_rfc3339
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', TIMESTAMP '2008-12-25 15:30:00.25+00', 'America/Los_Angeles')
-- expect
[["2008-12-25T07:30:00.25-08:00"]]

-- name: ref_format_timestamp_E_star_S
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%E*S', TIMESTAMP '2008-12-25 15:30:00.123400+00')
-- expect
[["00.1234"]]

-- name: ref_format_timestamp_E3S
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%E3S', TIMESTAMP '2008-12-25 15:30:00.123456+00')
-- expect
[["00.123"]]

-- name: ref_format_timestamp_e_k
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%e %k', TIMESTAMP '2008-12-05 05:30:00+00')
-- expect
[[" 5  5"]]

-- name: ref_format_timestamp_null
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%c', CAST(NULL AS TIMESTAMP))
-- expect
[[null]]

-- name: ref_format_timestamp_Z
-- ref: google/zetasql docs/timestamp_functions.md#format_timestamp
-- query
SELECT FORMAT_TIMESTAMP('%Z', TIMESTAMP '2008-12-25 15:30:00+00')
-- error: Unsupported feature: format element %Z

-- name: ref_parse_timestamp_c
-- ref: google/zetasql docs/timestamp_functions.md#parse_timestamp
-- query
SELECT PARSE_TIMESTAMP('%c', 'Thu Dec 25 07:30:00 2008')
-- error: Unsupported feature: format element %c

-- name: ref_parse_timestamp_tz
-- ref: google/zetasql docs/timestamp_functions.md#parse_timestamp
-- query
SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S', '2008-12-25 07:30:00', 'America/Los_Angeles')
-- expect
[["2008-12-25 15:30:00+00"]]

-- name: ref_parse_timestamp_offset
-- ref: google/zetasql docs/timestamp_functions.md#parse_timestamp
-- query
SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S%Ez', '2008-12-25 07:30:00+05:00')
-- error: Unsupported feature: format element %Ez

-- name: ref_parse_timestamp_z
-- ref: google/zetasql docs/timestamp_functions.md#parse_timestamp
-- query
SELECT PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%S %z', '2008-12-25 07:30:00 -0800')
-- error: Unsupported feature: format element %z

-- name: ref_parse_timestamp_fraction
-- ref: google/zetasql docs/timestamp_functions.md#parse_timestamp
-- query
SELECT PARSE_TIMESTAMP('%F %H:%M:%E*S', '2008-12-25 07:30:00.123')
-- expect
[["2008-12-25 07:30:00.123+00"]]

-- name: ref_parse_timestamp_s
-- ref: google/zetasql docs/timestamp_functions.md#parse_timestamp
-- query
SELECT PARSE_TIMESTAMP('%s', '1230219000')
-- error: Unsupported feature: format element %s

-- name: ref_extract_ts_day_tz
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(DAY FROM TIMESTAMP '2008-12-25 05:30:00+00' AT TIME ZONE 'America/Los_Angeles')
-- expect
[[24]]

-- name: ref_extract_ts_day_utc
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(DAY FROM TIMESTAMP '2008-12-25 05:30:00+00')
-- expect
[[25]]

-- name: ref_extract_ts_hour
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(HOUR FROM TIMESTAMP '2008-12-25 05:30:00+00' AT TIME ZONE 'Asia/Kolkata')
-- expect
[[11]]

-- name: ref_extract_ts_millisecond
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(MILLISECOND FROM TIMESTAMP '2008-12-25 05:30:00.123456+00')
-- expect
[[123]]

-- name: ref_extract_ts_microsecond
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(MICROSECOND FROM TIMESTAMP '2008-12-25 05:30:00.123456+00')
-- expect
[[123456]]

-- name: ref_extract_ts_date
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(DATE FROM TIMESTAMP '2008-12-25 05:30:00+00' AT TIME ZONE 'America/Los_Angeles')
-- expect
[["2008-12-24"]]

-- name: ref_extract_ts_time
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(TIME FROM TIMESTAMP '2008-12-25 05:30:00+00')
-- expect
[["05:30:00"]]

-- name: ref_extract_ts_datetime
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(DATETIME FROM TIMESTAMP '2008-12-25 05:30:00+00' AT TIME ZONE 'Asia/Kolkata')
-- expect
[["2008-12-25T11:00:00"]]

-- name: ref_extract_ts_dayofweek
-- ref: google/zetasql docs/timestamp_functions.md#extract
-- query
SELECT EXTRACT(DAYOFWEEK FROM TIMESTAMP '2008-12-25 05:30:00+00')
-- expect
[[5]]

-- name: ref_generate_date_array
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-10-05', '2016-10-08')
-- expect
[[["2016-10-05", "2016-10-06", "2016-10-07", "2016-10-08"]]]

-- name: ref_generate_date_array_step
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-10-05', '2016-10-09', INTERVAL 2 DAY)
-- expect
[[["2016-10-05", "2016-10-07", "2016-10-09"]]]

-- name: ref_generate_date_array_negative
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-10-05', '2016-10-01', INTERVAL -3 DAY)
-- expect
[[["2016-10-05", "2016-10-02"]]]

-- name: ref_generate_date_array_same
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-10-05', '2016-10-05', INTERVAL 8 DAY)
-- expect
[[["2016-10-05"]]]

-- name: ref_generate_date_array_empty
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-10-05', '2016-10-01', INTERVAL 1 DAY)
-- expect
[[[]]]

-- name: ref_generate_date_array_null
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-10-05', NULL)
-- expect
[[null]]

-- name: ref_generate_date_array_month
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-01-01', '2016-12-31', INTERVAL 2 MONTH)
-- expect
[[["2016-01-01", "2016-03-01", "2016-05-01", "2016-07-01", "2016-09-01", "2016-11-01"]]]

-- name: ref_generate_date_array_zero_step
-- ref: google/zetasql docs/array_functions.md#generate_date_array
-- query
SELECT GENERATE_DATE_ARRAY('2016-01-01', '2016-12-31', INTERVAL 0 DAY)
-- error: zero

-- name: ref_generate_timestamp_array_day
-- ref: google/zetasql docs/array_functions.md#generate_timestamp_array
-- query
SELECT GENERATE_TIMESTAMP_ARRAY('2016-10-05 00:00:00', '2016-10-07 00:00:00', INTERVAL 1 DAY)
-- expect
[[["2016-10-05 00:00:00+00", "2016-10-06 00:00:00+00", "2016-10-07 00:00:00+00"]]]

-- name: ref_generate_timestamp_array_second
-- ref: google/zetasql docs/array_functions.md#generate_timestamp_array
-- query
SELECT GENERATE_TIMESTAMP_ARRAY('2016-10-05 00:00:00', '2016-10-05 00:00:02', INTERVAL 1 SECOND)
-- expect
[[["2016-10-05 00:00:00+00", "2016-10-05 00:00:01+00", "2016-10-05 00:00:02+00"]]]

-- name: ref_generate_timestamp_array_negative
-- ref: google/zetasql docs/array_functions.md#generate_timestamp_array
-- query
SELECT GENERATE_TIMESTAMP_ARRAY('2016-10-06 00:00:00', '2016-10-01 00:00:00', INTERVAL -2 DAY)
-- expect
[[["2016-10-06 00:00:00+00", "2016-10-04 00:00:00+00", "2016-10-02 00:00:00+00"]]]

-- name: ref_generate_timestamp_array_empty
-- ref: google/zetasql docs/array_functions.md#generate_timestamp_array
-- query
SELECT GENERATE_TIMESTAMP_ARRAY('2016-10-05 00:00:00', '2016-10-01 00:00:00', INTERVAL 1 HOUR)
-- expect
[[[]]]

-- name: ref_make_interval
-- ref: google/zetasql docs/interval_functions.md#make_interval
-- query
SELECT MAKE_INTERVAL(1, 6, 15)
-- error: unsupported by the local emulator

-- name: ref_justify_hours
-- ref: google/zetasql docs/interval_functions.md#make_interval
-- query
SELECT JUSTIFY_HOURS(INTERVAL 29 HOUR)
-- error: unsupported by the local emulator

-- name: ref_justify_days
-- ref: google/zetasql docs/interval_functions.md#make_interval
-- query
SELECT JUSTIFY_DAYS(INTERVAL 29 DAY)
-- error: unsupported by the local emulator

-- name: ref_justify_interval
-- ref: google/zetasql docs/interval_functions.md#make_interval
-- query
SELECT JUSTIFY_INTERVAL(INTERVAL '29 49:00:00' DAY TO SECOND)
-- error: unsupported by the local emulator

-- name: ref_array_agg_plain
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(x) FROM UNNEST([2, 1, -2, 3, -2, 1, 2]) AS x
-- expect
[[[2, 1, -2, 3, -2, 1, 2]]]

-- name: ref_array_agg_distinct
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(DISTINCT x ORDER BY x) FROM UNNEST([2, 1, -2, 3, -2, 1, 2]) AS x
-- expect
[[[-2, 1, 2, 3]]]

-- name: ref_array_agg_ignore_nulls
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(x IGNORE NULLS) FROM UNNEST([NULL, 1, -2, 3, -2, 1, NULL]) AS x
-- expect
[[[1, -2, 3, -2, 1]]]

-- name: ref_array_agg_order_abs
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(x ORDER BY ABS(x), x) FROM UNNEST([2, 1, -2, 3, -2, 1, 2]) AS x
-- expect
[[[1, 1, -2, -2, 2, 2, 3]]]

-- name: ref_array_agg_limit
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(x LIMIT 5) FROM UNNEST([2, 1, -2, 3, -2, 1, 2]) AS x
-- expect
[[[2, 1, -2, 3, -2]]]

-- name: ref_array_agg_all_clauses
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(DISTINCT x IGNORE NULLS ORDER BY x LIMIT 2) FROM UNNEST([NULL, 1, -2, 3, -2, 1, NULL]) AS x
-- expect
[[[-2, 1]]]

-- name: ref_array_agg_null_element
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(x) FROM UNNEST([1, NULL]) AS x
-- error: null element

-- name: ref_array_agg_empty
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT ARRAY_AGG(x) FROM UNNEST(ARRAY<INT64>[]) AS x
-- expect
[[null]]

-- name: ref_array_agg_window
-- ref: google/zetasql docs/aggregate_functions.md#array_agg
-- query
SELECT x, ARRAY_AGG(x) OVER (ORDER BY ABS(x), x) FROM UNNEST([2, 1, -2, 3]) AS x ORDER BY ABS(x), x
-- expect
[[1, [1]], [-2, [1, -2]], [2, [1, -2, 2]], [3, [1, -2, 2, 3]]]

-- name: ref_array_concat_agg
-- ref: google/zetasql docs/aggregate_functions.md#array_concat_agg
-- query
SELECT ARRAY_CONCAT_AGG(x ORDER BY ARRAY_LENGTH(x)) FROM (SELECT [1, 2, 3, 4] AS x UNION ALL SELECT [5, 6] UNION ALL SELECT [7, 8, 9])
-- expect
[[[5, 6, 7, 8, 9, 1, 2, 3, 4]]]

-- name: ref_array_concat_agg_limit
-- ref: google/zetasql docs/aggregate_functions.md#array_concat_agg
-- query
SELECT ARRAY_CONCAT_AGG(x ORDER BY ARRAY_LENGTH(x) LIMIT 2) FROM (SELECT [1, 2, 3, 4] AS x UNION ALL SELECT [5, 6] UNION ALL SELECT [7, 8, 9])
-- error: Unsupported feature: LIMIT in aggregate ARRAY_CONCAT_AGG

-- name: ref_avg
-- ref: google/zetasql docs/aggregate_functions.md#avg
-- query
SELECT AVG(x) FROM UNNEST([0, 2, 4, 4, 5]) AS x
-- expect
[[3]]

-- name: ref_avg_distinct
-- ref: google/zetasql docs/aggregate_functions.md#avg
-- query
SELECT AVG(DISTINCT x) FROM UNNEST([0, 2, 4, 4, 5]) AS x
-- expect
[[2.75]]

-- name: ref_avg_null_only
-- ref: google/zetasql docs/aggregate_functions.md#avg
-- query
SELECT AVG(x) FROM UNNEST([CAST(NULL AS INT64)]) AS x
-- expect
[[null]]

-- name: ref_avg_ignores_null
-- ref: google/zetasql docs/aggregate_functions.md#avg
-- query
SELECT AVG(x) FROM UNNEST([1, NULL, 3]) AS x
-- expect
[[2]]

-- name: ref_avg_window
-- ref: google/zetasql docs/aggregate_functions.md#avg
-- query
SELECT x, AVG(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM UNNEST([0, 2, NULL, 4, 4, 5]) AS x ORDER BY x
-- expect
[[null, null], [0, 0], [2, 1], [4, 3], [4, 4], [5, 4.5]]

-- name: ref_bit_and
-- ref: google/zetasql docs/aggregate_functions.md#bit_and
-- query
SELECT BIT_AND(x) FROM UNNEST([0xF001, 0x00A1]) AS x
-- expect
[[1]]

-- name: ref_bit_or
-- ref: google/zetasql docs/aggregate_functions.md#bit_and
-- query
SELECT BIT_OR(x) FROM UNNEST([0xF001, 0x00A1]) AS x
-- expect
[[61601]]

-- name: ref_bit_xor
-- ref: google/zetasql docs/aggregate_functions.md#bit_and
-- query
SELECT BIT_XOR(x) FROM UNNEST([5678, 1234]) AS x
-- expect
[[4860]]

-- name: ref_bit_xor_three
-- ref: google/zetasql docs/aggregate_functions.md#bit_and
-- query
SELECT BIT_XOR(x) FROM UNNEST([1234, 5678, 1234]) AS x
-- expect
[[5678]]

-- name: ref_bit_xor_distinct
-- ref: google/zetasql docs/aggregate_functions.md#bit_and
-- query
SELECT BIT_XOR(DISTINCT x) FROM UNNEST([1234, 5678, 1234]) AS x
-- expect
[[4860]]

-- name: ref_count_star_distinct
-- ref: google/zetasql docs/aggregate_functions.md#count
-- query
SELECT COUNT(*), COUNT(DISTINCT x) FROM UNNEST([1, 4, 4, 5]) AS x
-- expect
[[4, 3]]

-- name: ref_count_with_null
-- ref: google/zetasql docs/aggregate_functions.md#count
-- query
SELECT COUNT(*), COUNT(x), COUNT(DISTINCT x) FROM UNNEST([1, 4, NULL, 4, 5]) AS x
-- expect
[[5, 4, 3]]

-- name: ref_count_empty
-- ref: google/zetasql docs/aggregate_functions.md#count
-- query
SELECT COUNT(*), COUNT(x) FROM UNNEST(ARRAY<INT64>[]) AS x
-- expect
[[0, 0]]

-- name: ref_count_window
-- ref: google/zetasql docs/aggregate_functions.md#count
-- query
SELECT x, COUNT(*) OVER (PARTITION BY MOD(x, 3)), COUNT(x) OVER (PARTITION BY MOD(x, 3)) FROM UNNEST([1, 4, 4, 5]) AS x ORDER BY x
-- expect
[[1, 3, 3], [4, 3, 3], [4, 3, 3], [5, 1, 1]]

-- name: ref_countif
-- ref: google/zetasql docs/aggregate_functions.md#countif
-- query
SELECT COUNTIF(x < 0), COUNTIF(x > 0) FROM UNNEST([5, -2, 3, 6, -10, -7, 4, 0]) AS x
-- expect
[[3, 4]]

-- name: ref_countif_null
-- ref: google/zetasql docs/aggregate_functions.md#countif
-- query
SELECT COUNTIF(x > 0) FROM UNNEST([CAST(NULL AS INT64)]) AS x
-- expect
[[0]]

-- name: ref_logical_and
-- ref: google/zetasql docs/aggregate_functions.md#logical_and
-- query
SELECT LOGICAL_AND(x) FROM UNNEST([true, false, true]) AS x
-- expect
[[false]]

-- name: ref_logical_or
-- ref: google/zetasql docs/aggregate_functions.md#logical_and
-- query
SELECT LOGICAL_OR(x) FROM UNNEST([true, false, true]) AS x
-- expect
[[true]]

-- name: ref_logical_and_empty
-- ref: google/zetasql docs/aggregate_functions.md#logical_and
-- query
SELECT LOGICAL_AND(x) FROM UNNEST(ARRAY<BOOL>[]) AS x
-- expect
[[null]]

-- name: ref_logical_and_nulls
-- ref: google/zetasql docs/aggregate_functions.md#logical_and
-- query
SELECT LOGICAL_AND(x) FROM UNNEST([true, NULL]) AS x
-- expect
[[true]]

-- name: ref_max
-- ref: google/zetasql docs/aggregate_functions.md#max
-- query
SELECT MAX(x) FROM UNNEST([8, 37, 55, 4]) AS x
-- expect
[[55]]

-- name: ref_min
-- ref: google/zetasql docs/aggregate_functions.md#max
-- query
SELECT MIN(x) FROM UNNEST([8, 37, 55, 4]) AS x
-- expect
[[4]]

-- name: ref_max_strings
-- ref: google/zetasql docs/aggregate_functions.md#max
-- query
SELECT MAX(x) FROM UNNEST(['apple', 'pear', 'banana']) AS x
-- expect
[["pear"]]

-- name: ref_max_empty
-- ref: google/zetasql docs/aggregate_functions.md#max
-- query
SELECT MAX(x) FROM UNNEST(ARRAY<INT64>[]) AS x
-- expect
[[null]]

-- name: ref_max_window
-- ref: google/zetasql docs/aggregate_functions.md#max
-- query
SELECT x, MAX(x) OVER (PARTITION BY MOD(x, 2)) FROM UNNEST([8, NULL, 37, 55, NULL, 4]) AS x ORDER BY x
-- expect
[[null, null], [null, null], [4, 8], [8, 8], [37, 55], [55, 55]]

-- name: ref_max_by
-- ref: google/zetasql docs/aggregate_functions.md#max_by
-- query
SELECT MAX_BY(fruit, price) FROM UNNEST([STRUCT('apple' AS fruit, 10 AS price), ('banana', 20), ('orange', 15)])
-- expect
[["banana"]]

-- name: ref_min_by
-- ref: google/zetasql docs/aggregate_functions.md#max_by
-- query
SELECT MIN_BY(fruit, price) FROM UNNEST([STRUCT('apple' AS fruit, 10 AS price), ('banana', 20), ('orange', 15)])
-- expect
[["apple"]]

-- name: ref_string_agg_default
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(fruit) FROM UNNEST(['apple', NULL, 'pear', 'banana', 'pear']) AS fruit
-- expect
[["apple,pear,banana,pear"]]

-- name: ref_string_agg_delimiter
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(fruit, ' & ') FROM UNNEST(['apple', 'pear', 'banana', 'pear']) AS fruit
-- expect
[["apple & pear & banana & pear"]]

-- name: ref_string_agg_distinct_order
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(DISTINCT fruit, ' & ' ORDER BY fruit) FROM UNNEST(['apple', 'pear', 'banana', 'pear']) AS fruit
-- expect
[["apple & banana & pear"]]

-- name: ref_string_agg_order
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(fruit, ' & ' ORDER BY LENGTH(fruit)) FROM UNNEST(['apple', 'pear', 'banana', 'pear']) AS fruit
-- expect
[["pear & pear & apple & banana"]]

-- name: ref_string_agg_limit
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(fruit, ' & ' LIMIT 2) FROM UNNEST(['apple', 'pear', 'banana', 'pear']) AS fruit
-- expect
[["apple & pear"]]

-- name: ref_string_agg_all
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(DISTINCT fruit, ' & ' ORDER BY fruit DESC LIMIT 2) FROM UNNEST(['apple', 'pear', 'banana', 'pear']) AS fruit
-- error: Unsupported feature: STRING_AGG with DISTINCT and LIMIT

-- name: ref_string_agg_empty
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(fruit) FROM UNNEST(ARRAY<STRING>[]) AS fruit
-- expect
[[null]]

-- name: ref_string_agg_bytes
-- ref: google/zetasql docs/aggregate_functions.md#string_agg
-- query
SELECT STRING_AGG(b, b'-') FROM UNNEST([b'a', b'b']) AS b
-- error: Unsupported feature: STRING_AGG of BYTES

-- name: ref_sum
-- ref: google/zetasql docs/aggregate_functions.md#sum
-- query
SELECT SUM(x) FROM UNNEST([1, 2, 3, 4, 5, 4, 3, 2, 1]) AS x
-- expect
[[25]]

-- name: ref_sum_distinct
-- ref: google/zetasql docs/aggregate_functions.md#sum
-- query
SELECT SUM(DISTINCT x) FROM UNNEST([1, 2, 3, 4, 5, 4, 3, 2, 1]) AS x
-- expect
[[15]]

-- name: ref_sum_null_only
-- ref: google/zetasql docs/aggregate_functions.md#sum
-- query
SELECT SUM(x) FROM UNNEST([CAST(NULL AS INT64)]) AS x
-- expect
[[null]]

-- name: ref_sum_empty
-- ref: google/zetasql docs/aggregate_functions.md#sum
-- query
SELECT SUM(x) FROM UNNEST(ARRAY<INT64>[]) AS x
-- expect
[[null]]

-- name: ref_sum_window
-- ref: google/zetasql docs/aggregate_functions.md#sum
-- query
SELECT x, SUM(x) OVER (PARTITION BY MOD(x, 3)) FROM UNNEST([1, 2, 3, 4, 5, 4, 3, 2, 1]) AS x ORDER BY x
-- expect
[[1, 10], [1, 10], [2, 9], [2, 9], [3, 6], [3, 6], [4, 10], [4, 10], [5, 9]]

-- name: ref_any_value_single
-- ref: google/zetasql docs/aggregate_functions.md#any_value
-- query
SELECT ANY_VALUE(x) FROM UNNEST(['apple']) AS x
-- expect
[["apple"]]

-- name: ref_any_value_having_max
-- ref: google/zetasql docs/aggregate_functions.md#any_value
-- query
SELECT ANY_VALUE(fruit HAVING MAX sold) FROM UNNEST([STRUCT('apple' AS fruit, 3 AS sold), ('banana', 5), ('pear', 2)])
-- expect
[["banana"]]

-- name: ref_any_value_having_min
-- ref: google/zetasql docs/aggregate_functions.md#any_value
-- query
SELECT ANY_VALUE(fruit HAVING MIN sold) FROM UNNEST([STRUCT('apple' AS fruit, 3 AS sold), ('banana', 5), ('pear', 2)])
-- expect
[["pear"]]

-- name: ref_var_pop
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT VAR_POP(x) FROM UNNEST([10, 14, 18]) AS x
-- expect
[[10.666666666666666]]

-- name: ref_var_samp
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT VAR_SAMP(x) FROM UNNEST([10, 14, 18]) AS x
-- expect
[[16]]

-- name: ref_variance
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT VARIANCE(x) FROM UNNEST([10, 14, 18]) AS x
-- expect
[[16]]

-- name: ref_stddev_samp
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT STDDEV_SAMP(x) FROM UNNEST([10, 14, 18]) AS x
-- expect
[[4]]

-- name: ref_stddev
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT STDDEV(x) FROM UNNEST([10, 14, 18]) AS x
-- expect
[[4]]

-- name: ref_stddev_pop
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT STDDEV_POP(x) FROM UNNEST([10, 14, 18]) AS x
-- expect
[[3.265986323710904]]

-- name: ref_var_samp_one
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT VAR_SAMP(x) FROM UNNEST([10]) AS x
-- expect
[[null]]

-- name: ref_var_pop_one
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT VAR_POP(x) FROM UNNEST([10]) AS x
-- expect
[[0]]

-- name: ref_var_pop_nulls
-- ref: google/zetasql docs/statistical_aggregate_functions.md#var_pop
-- query
SELECT VAR_POP(x) FROM UNNEST([10, 14, 18, NULL]) AS x
-- expect
[[10.666666666666666]]

-- name: ref_corr
-- ref: google/zetasql docs/statistical_aggregate_functions.md#corr
-- query
SELECT CORR(y, x) FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x), (3.0, 9.0), (4.0, 7.0)])
-- expect
[[0.6546536707079772]]

-- name: ref_covar_pop
-- ref: google/zetasql docs/statistical_aggregate_functions.md#corr
-- query
SELECT COVAR_POP(y, x) FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x), (3.0, 9.0), (4.0, 7.0)])
-- expect
[[1.3333333333333333]]

-- name: ref_covar_samp
-- ref: google/zetasql docs/statistical_aggregate_functions.md#corr
-- query
SELECT COVAR_SAMP(y, x) FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x), (3.0, 9.0), (4.0, 7.0)])
-- expect
[[2]]

-- name: ref_corr_single
-- ref: google/zetasql docs/statistical_aggregate_functions.md#corr
-- query
SELECT CORR(y, x) FROM UNNEST([STRUCT(1.0 AS y, 5.0 AS x)])
-- expect
[[null]]

-- name: ref_approx_count_distinct
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_COUNT_DISTINCT(x) FROM UNNEST([0, 1, 1, 2, 3, 5]) AS x
-- expect
[[5]]

-- name: ref_approx_quantiles_2
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_QUANTILES(x, 2) FROM UNNEST([1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x
-- expect
[[[1, 5, 10]]]

-- name: ref_approx_quantiles_offset
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_QUANTILES(x, 100)[OFFSET(90)] FROM UNNEST([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) AS x
-- expect
[[9]]

-- name: ref_approx_quantiles_distinct
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_QUANTILES(DISTINCT x, 2) FROM UNNEST([1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x
-- expect
[[[1, 6, 10]]]

-- name: ref_approx_quantiles_nulls
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_QUANTILES(x, 2) FROM UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x
-- expect
[[[1, 5, 10]]]

-- name: ref_approx_quantiles_respect
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_QUANTILES(x, 2 RESPECT NULLS) FROM UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x
-- expect
[[[null, 4, 10]]]

-- name: ref_approx_quantiles_respect_distinct
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_QUANTILES(DISTINCT x, 2 RESPECT NULLS) FROM UNNEST([NULL, NULL, 1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x
-- expect
[[[null, 6, 10]]]

-- name: ref_approx_top_sum
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT APPROX_TOP_SUM(x, weight, 2) FROM UNNEST([STRUCT('apple' AS x, 3 AS weight), ('pear', 2), ('apple', 0), ('banana', 5), ('pear', 4)])
-- error: Function not found: APPROX_TOP_SUM (unsupported by the local emulator)

-- name: ref_hll_count_init
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_count_distinct
-- query
SELECT HLL_COUNT.EXTRACT(HLL_COUNT.INIT(x)) FROM UNNEST([1, 2, 2]) AS x
-- error: Function not found: HLL_COUNT.EXTRACT (unsupported by the local emulator)

-- name: ref_percentile_cont
-- ref: google/zetasql docs/navigation_functions.md#percentile_cont
-- query
SELECT PERCENTILE_CONT(x, 0) OVER(), PERCENTILE_CONT(x, 0.01) OVER(), PERCENTILE_CONT(x, 0.5) OVER(), PERCENTILE_CONT(x, 0.9) OVER(), PERCENTILE_CONT(x, 1) OVER() FROM UNNEST([0, 3, NULL, 1, 2]) AS x LIMIT 1
-- expect
[[0, 0.03, 1.5, 2.7, 3]]

-- name: ref_percentile_cont_respect
-- ref: google/zetasql docs/navigation_functions.md#percentile_cont
-- query
SELECT PERCENTILE_CONT(x, 0 RESPECT NULLS) OVER(), PERCENTILE_CONT(x, 0.01 RESPECT NULLS) OVER(), PERCENTILE_CONT(x, 0.5 RESPECT NULLS) OVER(), PERCENTILE_CONT(x, 0.9 RESPECT NULLS) OVER(), PERCENTILE_CONT(x, 1 RESPECT NULLS) OVER() FROM UNNEST([0, 3, NULL, 1, 2]) AS x LIMIT 1
-- expect
[[null, 0, 1, 2.6, 3]]

-- name: ref_percentile_cont_partition
-- ref: google/zetasql docs/navigation_functions.md#percentile_cont
-- query
SELECT g, PERCENTILE_CONT(x, 0.5) OVER (PARTITION BY g) FROM UNNEST([STRUCT('a' AS g, 1 AS x), ('a', 3), ('b', 10)]) ORDER BY g LIMIT 2
-- expect
[["a", 2], ["a", 2]]

-- name: ref_percentile_disc
-- ref: google/zetasql docs/navigation_functions.md#percentile_disc
-- unordered
-- query
SELECT x, PERCENTILE_DISC(x, 0) OVER(), PERCENTILE_DISC(x, 0.5) OVER(), PERCENTILE_DISC(x, 1) OVER() FROM UNNEST(['c', NULL, 'b', 'a']) AS x
-- expect
[["c", "a", "b", "c"], [null, "a", "b", "c"], ["b", "a", "b", "c"], ["a", "a", "b", "c"]]

-- name: ref_percentile_disc_respect
-- ref: google/zetasql docs/navigation_functions.md#percentile_disc
-- unordered
-- query
SELECT x, PERCENTILE_DISC(x, 0 RESPECT NULLS) OVER(), PERCENTILE_DISC(x, 0.5 RESPECT NULLS) OVER(), PERCENTILE_DISC(x, 1 RESPECT NULLS) OVER() FROM UNNEST(['c', NULL, 'b', 'a']) AS x
-- expect
[["c", null, "a", "c"], [null, null, "a", "c"], ["b", null, "a", "c"], ["a", null, "a", "c"]]

-- name: ref_percentile_disc_ints
-- ref: google/zetasql docs/navigation_functions.md#percentile_disc
-- query
SELECT PERCENTILE_DISC(x, 0.5 RESPECT NULLS) OVER () FROM UNNEST([1, NULL, 3]) AS x LIMIT 1
-- expect
[[1]]

-- name: ref_lag
-- ref: google/zetasql docs/navigation_functions.md#lag
-- query
SELECT x, LAG(x) OVER (ORDER BY x) FROM UNNEST([1, 2, 3]) AS x ORDER BY x
-- expect
[[1, null], [2, 1], [3, 2]]

-- name: ref_lag_offset_default
-- ref: google/zetasql docs/navigation_functions.md#lag
-- query
SELECT x, LAG(x, 2, 0) OVER (ORDER BY x) FROM UNNEST([1, 2, 3]) AS x ORDER BY x
-- expect
[[1, 0], [2, 0], [3, 1]]

-- name: ref_lead
-- ref: google/zetasql docs/navigation_functions.md#lag
-- query
SELECT x, LEAD(x) OVER (ORDER BY x) FROM UNNEST([1, 2, 3]) AS x ORDER BY x
-- expect
[[1, 2], [2, 3], [3, null]]

-- name: ref_lead_offset
-- ref: google/zetasql docs/navigation_functions.md#lag
-- query
SELECT x, LEAD(x, 2) OVER (ORDER BY x) FROM UNNEST([1, 2, 3]) AS x ORDER BY x
-- expect
[[1, 3], [2, null], [3, null]]

-- name: ref_lag_partition
-- ref: google/zetasql docs/navigation_functions.md#lag
-- query
SELECT g, x, LAG(x) OVER (PARTITION BY g ORDER BY x) FROM UNNEST([STRUCT('a' AS g, 1 AS x), ('a', 2), ('b', 5)]) ORDER BY g, x
-- expect
[["a", 1, null], ["a", 2, 1], ["b", 5, null]]

-- name: ref_first_value
-- ref: google/zetasql docs/navigation_functions.md#first_value
-- query
SELECT x, FIRST_VALUE(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM UNNEST([3, 1, 2]) AS x ORDER BY x
-- expect
[[1, 1], [2, 1], [3, 1]]

-- name: ref_last_value
-- ref: google/zetasql docs/navigation_functions.md#first_value
-- query
SELECT x, LAST_VALUE(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM UNNEST([3, 1, 2]) AS x ORDER BY x
-- expect
[[1, 3], [2, 3], [3, 3]]

-- name: ref_last_value_default_frame
-- ref: google/zetasql docs/navigation_functions.md#first_value
-- query
SELECT x, LAST_VALUE(x) OVER (ORDER BY x) FROM UNNEST([3, 1, 2]) AS x ORDER BY x
-- expect
[[1, 1], [2, 2], [3, 3]]

-- name: ref_first_value_ignore_nulls
-- ref: google/zetasql docs/navigation_functions.md#first_value
-- query
SELECT x, FIRST_VALUE(x IGNORE NULLS) OVER (ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM UNNEST([STRUCT(NULL AS x, 1 AS o), (5, 2), (7, 3)]) ORDER BY o
-- expect
[[null, 5], [5, 5], [7, 5]]

-- name: ref_nth_value
-- ref: google/zetasql docs/navigation_functions.md#nth_value
-- query
SELECT x, NTH_VALUE(x, 2) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM UNNEST([3, 1, 2]) AS x ORDER BY x
-- expect
[[1, 2], [2, 2], [3, 2]]

-- name: ref_nth_value_missing
-- ref: google/zetasql docs/navigation_functions.md#nth_value
-- query
SELECT NTH_VALUE(x, 5) OVER () FROM UNNEST([3, 1, 2]) AS x LIMIT 1
-- expect
[[null]]

-- name: ref_row_number
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, ROW_NUMBER() OVER (ORDER BY x) FROM UNNEST([1, 2, 5, 8, 10]) AS x ORDER BY x
-- expect
[[1, 1], [2, 2], [5, 3], [8, 4], [10, 5]]

-- name: ref_rank
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, RANK() OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 5, 8, 10, 10]) AS x ORDER BY x
-- expect
[[1, 1], [2, 2], [2, 2], [5, 4], [8, 5], [10, 6], [10, 6]]

-- name: ref_dense_rank
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, DENSE_RANK() OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 5, 8, 10, 10]) AS x ORDER BY x
-- expect
[[1, 1], [2, 2], [2, 2], [5, 3], [8, 4], [10, 5], [10, 5]]

-- name: ref_percent_rank
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, PERCENT_RANK() OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 5, 8, 10, 10]) AS x ORDER BY x
-- expect
[[1, 0], [2, 0.16666666666666666], [2, 0.16666666666666666], [5, 0.5], [8, 0.6666666666666666], [10, 0.8333333333333334], [10, 0.8333333333333334]]

-- name: ref_cume_dist
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, CUME_DIST() OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 5, 8, 10, 10]) AS x ORDER BY x
-- expect
[[1, 0.14285714285714285], [2, 0.42857142857142855], [2, 0.42857142857142855], [5, 0.5714285714285714], [8, 0.7142857142857143], [10, 1], [10, 1]]

-- name: ref_ntile
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, NTILE(3) OVER (ORDER BY x) FROM UNNEST([1, 2, 2, 5, 8, 10, 11]) AS x ORDER BY x
-- expect
[[1, 1], [2, 1], [2, 1], [5, 2], [8, 2], [10, 3], [11, 3]]

-- name: ref_rank_desc_nulls
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, RANK() OVER (ORDER BY x DESC) FROM UNNEST([1, NULL, 2]) AS x ORDER BY x DESC
-- expect
[[2, 1], [1, 2], [null, 3]]

-- name: ref_rank_asc_nulls_first
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT x, RANK() OVER (ORDER BY x) FROM UNNEST([1, NULL, 2]) AS x ORDER BY x
-- expect
[[null, 1], [1, 2], [2, 3]]

-- name: ref_ntile_zero
-- ref: google/zetasql docs/numbering_functions.md#rank
-- query
SELECT NTILE(0) OVER (ORDER BY x) FROM UNNEST([1]) AS x
-- error: must be

-- name: ref_array_concat
-- ref: google/zetasql docs/array_functions.md#array_concat
-- query
SELECT ARRAY_CONCAT([1, 2], [3, 4], [5, 6])
-- expect
[[[1, 2, 3, 4, 5, 6]]]

-- name: ref_array_concat_null
-- ref: google/zetasql docs/array_functions.md#array_concat
-- query
SELECT ARRAY_CONCAT([1], NULL)
-- expect
[[null]]

-- name: ref_array_concat_empty
-- ref: google/zetasql docs/array_functions.md#array_concat
-- query
SELECT ARRAY_CONCAT(ARRAY<INT64>[], [1])
-- expect
[[[1]]]

-- name: ref_array_length
-- ref: google/zetasql docs/array_functions.md#array_length
-- query
SELECT ARRAY_LENGTH([1, 2, 3, 4])
-- expect
[[4]]

-- name: ref_array_length_empty
-- ref: google/zetasql docs/array_functions.md#array_length
-- query
SELECT ARRAY_LENGTH(ARRAY<INT64>[])
-- expect
[[0]]

-- name: ref_array_length_null
-- ref: google/zetasql docs/array_functions.md#array_length
-- query
SELECT ARRAY_LENGTH(CAST(NULL AS ARRAY<INT64>))
-- expect
[[null]]

-- name: ref_array_length_split
-- ref: google/zetasql docs/array_functions.md#array_length
-- query
SELECT ARRAY_LENGTH(SPLIT('a,b,c'))
-- expect
[[3]]

-- name: ref_array_to_string_null_text
-- ref: google/zetasql docs/array_functions.md#array_to_string
-- query
SELECT ARRAY_TO_STRING(['coffee', 'tea', 'milk', NULL], '--', 'MISSING')
-- expect
[["coffee--tea--milk--MISSING"]]

-- name: ref_array_to_string
-- ref: google/zetasql docs/array_functions.md#array_to_string
-- query
SELECT ARRAY_TO_STRING(['coffee', 'tea', 'milk', NULL], '--')
-- expect
[["coffee--tea--milk"]]

-- name: ref_array_to_string_cake
-- ref: google/zetasql docs/array_functions.md#array_to_string
-- query
SELECT ARRAY_TO_STRING(['cake', 'pie', NULL], '--', 'MISSING')
-- expect
[["cake--pie--MISSING"]]

-- name: ref_array_to_string_empty
-- ref: google/zetasql docs/array_functions.md#array_to_string
-- query
SELECT ARRAY_TO_STRING(ARRAY<STRING>[], ',')
-- expect
[[""]]

-- name: ref_array_to_string_bytes
-- ref: google/zetasql docs/array_functions.md#array_to_string
-- query
SELECT ARRAY_TO_STRING([b'a', b'b'], b'+')
-- error: Unsupported feature: ARRAY_TO_STRING of BYTES

-- name: ref_array_reverse
-- ref: google/zetasql docs/array_functions.md#array_reverse
-- query
SELECT ARRAY_REVERSE([1, 2, 3])
-- expect
[[[3, 2, 1]]]

-- name: ref_array_reverse_empty
-- ref: google/zetasql docs/array_functions.md#array_reverse
-- query
SELECT ARRAY_REVERSE(ARRAY<INT64>[])
-- expect
[[[]]]

-- name: ref_array_reverse_strings
-- ref: google/zetasql docs/array_functions.md#array_reverse
-- query
SELECT ARRAY_REVERSE(['a', 'b'])
-- expect
[[["b", "a"]]]

-- name: ref_generate_array
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(1, 5)
-- expect
[[[1, 2, 3, 4, 5]]]

-- name: ref_generate_array_step
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(0, 10, 3)
-- expect
[[[0, 3, 6, 9]]]

-- name: ref_generate_array_negative
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(10, 0, -3)
-- expect
[[[10, 7, 4, 1]]]

-- name: ref_generate_array_same
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(4, 4, 10)
-- expect
[[[4]]]

-- name: ref_generate_array_empty
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(4, 1)
-- expect
[[[]]]

-- name: ref_generate_array_down
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(4, 1, -1)
-- expect
[[[4, 3, 2, 1]]]

-- name: ref_generate_array_null
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(1, NULL)
-- expect
[[null]]

-- name: ref_generate_array_zero_step
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(0, 10, 0)
-- error: step cannot be 0

-- name: ref_generate_array_float
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT GENERATE_ARRAY(2, 10, 1.5)
-- error: Unsupported feature: GENERATE_ARRAY of values other than INT64

-- name: ref_generate_array_unnest
-- ref: google/zetasql docs/array_functions.md#generate_array
-- query
SELECT x FROM UNNEST(GENERATE_ARRAY(5, 15, 5)) AS x ORDER BY x
-- expect
[[5], [10], [15]]

-- name: ref_array_offset
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT [10, 20, 30][OFFSET(0)], [10, 20, 30][ORDINAL(1)]
-- expect
[[10, 10]]

-- name: ref_array_safe_offset
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT [10, 20, 30][SAFE_OFFSET(5)], [10, 20, 30][SAFE_ORDINAL(0)]
-- expect
[[null, null]]

-- name: ref_array_offset_out_of_range
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT [10, 20, 30][OFFSET(3)]
-- error: out of bounds

-- name: ref_array_index
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT [10, 20, 30][1]
-- expect
[[20]]

-- name: ref_array_offset_null_index
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT [10, 20, 30][SAFE_OFFSET(NULL)]
-- expect
[[null]]

-- name: ref_array_subquery
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT ARRAY(SELECT x * 2 FROM UNNEST([1, 2, 3]) AS x ORDER BY x)
-- expect
[[[2, 4, 6]]]

-- name: ref_array_subquery_empty
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT ARRAY(SELECT x FROM UNNEST([1, 2]) AS x WHERE x > 5)
-- expect
[[[]]]

-- name: ref_unnest_struct
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT a, b FROM UNNEST([STRUCT(1 AS a, 'x' AS b), (2, 'y')]) ORDER BY a
-- expect
[[1, "x"], [2, "y"]]

-- name: ref_unnest_null
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT x FROM UNNEST(CAST(NULL AS ARRAY<INT64>)) AS x
-- expect
[]

-- name: ref_unnest_offset
-- ref: google/zetasql docs/array_functions.md#offset_and_ordinal
-- query
SELECT x, o FROM UNNEST(['a', 'b']) AS x WITH OFFSET AS o ORDER BY o
-- expect
[["a", 0], ["b", 1]]

-- name: ref_json_query_root
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY('{"class": {"students": [{"name": "Jane"}]}}', '$')
-- expect
[["{\"class\":{\"students\":[{\"name\":\"Jane\"}]}}"]]

-- name: ref_json_query_elem
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY('{"class": {"students": [{"name": "Jane"}]}}', '$.class.students[0]')
-- expect
[["{\"name\":\"Jane\"}"]]

-- name: ref_json_query_empty_array
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY('{"class": {"students": []}}', '$.class.students[0]')
-- expect
[[null]]

-- name: ref_json_query_name
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY('{"class": {"students": [{"name": "John"}, {"name": "Jamie"}]}}', '$.class.students[1].name')
-- expect
[["\"Jamie\""]]

-- name: ref_json_query_quoted_key
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY('{"a.b": {"c": "world"}}', '$."a.b"')
-- expect
[["{\"c\":\"world\"}"]]

-- name: ref_json_query_json_type
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY(JSON '{"a": {"b": 1}}', '$.a')
-- expect
[["{\"b\":1}"]]

-- name: ref_json_query_null
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY(CAST(NULL AS STRING), '$')
-- expect
[[null]]

-- name: ref_json_query_malformed
-- ref: google/zetasql docs/json_functions.md#json_query
-- query
SELECT JSON_QUERY('{bad', '$')
-- expect
[[null]]

-- name: ref_json_extract_root
-- ref: google/zetasql docs/json_functions.md#json_extract
-- query
SELECT JSON_EXTRACT('{"class": {"students": [{"name": "Jane"}]}}', '$')
-- expect
[["{\"class\":{\"students\":[{\"name\":\"Jane\"}]}}"]]

-- name: ref_json_extract_bracket
-- ref: google/zetasql docs/json_functions.md#json_extract
-- query
SELECT JSON_EXTRACT('{"a.b": {"c": "world"}}', "$['a.b']")
-- expect
[["{\"c\":\"world\"}"]]

-- name: ref_json_extract_elem
-- ref: google/zetasql docs/json_functions.md#json_extract
-- query
SELECT JSON_EXTRACT('{"class": {"students": [{"name": "John"}, {"name": "Jamie"}]}}', '$.class.students[1].name')
-- expect
[["\"Jamie\""]]

-- name: ref_json_extract_missing
-- ref: google/zetasql docs/json_functions.md#json_extract
-- query
SELECT JSON_EXTRACT('{"a": 1}', '$.b')
-- expect
[[null]]

-- name: ref_json_value_name
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"name": "Jakob", "age": "6" }', '$.name')
-- expect
[["Jakob"]]

-- name: ref_json_value_age
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"name": "Jakob", "age": "6" }', '$.age')
-- expect
[["6"]]

-- name: ref_json_value_array
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"fruits": ["apple", "banana"]}', '$.fruits')
-- expect
[[null]]

-- name: ref_json_value_quoted_key
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"a.b": {"c": "world"}}', '$."a.b".c')
-- expect
[["world"]]

-- name: ref_json_value_number
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"a": 12.50}', '$.a')
-- expect
[["12.50"]]

-- name: ref_json_value_bool
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"a": true}', '$.a')
-- expect
[["true"]]

-- name: ref_json_value_json_null
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE('{"a": null}', '$.a')
-- expect
[[null]]

-- name: ref_json_value_json_type
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_VALUE(JSON '{"a": "x"}', '$.a')
-- expect
[["x"]]

-- name: ref_json_extract_scalar_bracket
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_EXTRACT_SCALAR('{"a.b": {"c": "world"}}', "$['a.b'].c")
-- expect
[["world"]]

-- name: ref_json_extract_scalar_object
-- ref: google/zetasql docs/json_functions.md#json_value
-- query
SELECT JSON_EXTRACT_SCALAR('{"a": {"b": 1}}', '$.a')
-- expect
[[null]]

-- name: ref_json_query_array_numbers
-- ref: google/zetasql docs/json_functions.md#json_query_array
-- query
SELECT JSON_QUERY_ARRAY('[1, 2, 3]')
-- expect
[[["1", "2", "3"]]]

-- name: ref_json_query_array_strings
-- ref: google/zetasql docs/json_functions.md#json_query_array
-- query
SELECT JSON_QUERY_ARRAY('{"fruits": ["apples", "oranges", "grapes"]}', '$.fruits')
-- expect
[[["\"apples\"", "\"oranges\"", "\"grapes\""]]]

-- name: ref_json_query_array_not_array
-- ref: google/zetasql docs/json_functions.md#json_query_array
-- query
SELECT JSON_QUERY_ARRAY('{"a": 1}', '$.a')
-- expect
[[null]]

-- name: ref_json_query_array_empty
-- ref: google/zetasql docs/json_functions.md#json_query_array
-- query
SELECT JSON_QUERY_ARRAY('[]')
-- expect
[[[]]]

-- name: ref_json_extract_array
-- ref: google/zetasql docs/json_functions.md#json_query_array
-- query
SELECT JSON_EXTRACT_ARRAY('{"fruits": ["apples", "oranges"]}', '$.fruits')
-- expect
[[["\"apples\"", "\"oranges\""]]]

-- name: ref_json_value_array_strings
-- ref: google/zetasql docs/json_functions.md#json_value_array
-- query
SELECT JSON_VALUE_ARRAY('{"fruits": ["apples", "oranges", "grapes"]}', '$.fruits')
-- expect
[[["apples", "oranges", "grapes"]]]

-- name: ref_json_value_array_numbers
-- ref: google/zetasql docs/json_functions.md#json_value_array
-- query
SELECT JSON_VALUE_ARRAY('[1, 2, 3]')
-- expect
[[["1", "2", "3"]]]

-- name: ref_json_value_array_empty
-- ref: google/zetasql docs/json_functions.md#json_value_array
-- query
SELECT JSON_VALUE_ARRAY('[]')
-- expect
[[[]]]

-- name: ref_json_extract_string_array
-- ref: google/zetasql docs/json_functions.md#json_value_array
-- query
SELECT JSON_EXTRACT_STRING_ARRAY('["foo", "bar"]', '$')
-- expect
[[["foo", "bar"]]]

-- name: ref_to_json_string_struct
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING(STRUCT(1 AS id, [10, 20] AS coordinates))
-- expect
[["{\"id\":1,\"coordinates\":[10,20]}"]]

-- name: ref_to_json_string_array
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING([1, 2])
-- expect
[["[1,2]"]]

-- name: ref_to_json_string_quote
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING('a"b')
-- expect
[["\"a\\\"b\""]]

-- name: ref_to_json_string_null
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING(CAST(NULL AS INT64))
-- expect
[["null"]]

-- name: ref_to_json_string_bool
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING(TRUE)
-- expect
[["true"]]

-- name: ref_to_json_string_float
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING(1.5)
-- expect
[["1.5"]]

-- name: ref_to_json_string_date
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING(DATE '2017-03-06')
-- expect
[["\"2017-03-06\""]]

-- name: ref_to_json_string_big_int
-- ref: google/zetasql docs/json_functions.md#to_json_string
-- query
SELECT TO_JSON_STRING(9007199254740993)
-- expect
[["\"9007199254740993\""]]

-- name: ref_json_subscript_key_index
-- ref: google/zetasql docs/json_functions.md#json_subscript
-- query
SELECT JSON '{"a": [10, 20]}'['a'][1]
-- expect
[[20]]

-- name: ref_json_subscript_out_of_range
-- ref: google/zetasql docs/json_functions.md#json_subscript
-- query
SELECT JSON '[1, 2]'[5]
-- expect
[[null]]

-- name: ref_json_subscript_missing_key
-- ref: google/zetasql docs/json_functions.md#json_subscript
-- query
SELECT JSON '{"a": 1}'['b']
-- expect
[[null]]

-- name: ref_parse_json
-- ref: google/zetasql docs/json_functions.md#parse_json
-- query
SELECT PARSE_JSON('{"id": 1}')
-- expect
[["{\"id\":1}"]]

-- name: ref_parse_json_string
-- ref: google/zetasql docs/json_functions.md#parse_json
-- query
SELECT PARSE_JSON('"abc"')
-- expect
[["\"abc\""]]

-- name: ref_parse_json_bad
-- ref: google/zetasql docs/json_functions.md#parse_json
-- query
SELECT PARSE_JSON('{bad')
-- error: JSON

-- name: ref_json_literal_string
-- ref: google/zetasql docs/json_functions.md#parse_json
-- query
SELECT JSON '"abc"'
-- expect
[["\"abc\""]]

-- name: ref_json_bool
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT BOOL(JSON 'true')
-- expect
[[true]]

-- name: ref_json_int64
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT INT64(JSON '2005')
-- expect
[[2005]]

-- name: ref_json_float64
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT FLOAT64(JSON '9.8')
-- expect
[[9.8]]

-- name: ref_json_string
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT STRING(JSON '"purple"')
-- expect
[["purple"]]

-- name: ref_json_type
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT JSON_TYPE(JSON '[1]')
-- expect
[["array"]]

-- name: ref_json_array_fn
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT JSON_ARRAY(1, 'a')
-- error: Function not found: JSON_ARRAY (unsupported by the local emulator)

-- name: ref_json_object_fn
-- ref: google/zetasql docs/json_functions.md#json_conversion
-- query
SELECT JSON_OBJECT('a', 1)
-- expect
[["{\"a\":1}"]]

-- name: ref_cast_string_int
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('123' AS INT64)
-- expect
[[123]]

-- name: ref_cast_hex_int
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('0x123' AS INT64)
-- expect
[[291]]

-- name: ref_cast_float_int_half
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(1.5 AS INT64), CAST(-1.5 AS INT64), CAST(2.5 AS INT64)
-- expect
[[2, -2, 3]]

-- name: ref_cast_bool_int
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(TRUE AS INT64), CAST(FALSE AS INT64)
-- expect
[[1, 0]]

-- name: ref_cast_int_bool
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(1 AS BOOL), CAST(0 AS BOOL), CAST(-5 AS BOOL)
-- expect
[[true, false, true]]

-- name: ref_cast_string_bool
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('true' AS BOOL), CAST('FALSE' AS BOOL)
-- expect
[[true, false]]

-- name: ref_cast_string_bool_bad
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('yes' AS BOOL)
-- error: Bad bool value

-- name: ref_cast_int_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(1 AS STRING)
-- expect
[["1"]]

-- name: ref_cast_float_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(1.5 AS STRING)
-- expect
[["1.5"]]

-- name: ref_cast_bool_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(TRUE AS STRING)
-- expect
[["true"]]

-- name: ref_cast_date_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(DATE '2020-01-02' AS STRING)
-- expect
[["2020-01-02"]]

-- name: ref_cast_timestamp_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(TIMESTAMP '2020-01-02 03:04:05+00' AS STRING)
-- expect
[["2020-01-02 03:04:05+00"]]

-- name: ref_cast_datetime_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(DATETIME '2020-01-02 03:04:05' AS STRING)
-- expect
[["2020-01-02 03:04:05"]]

-- name: ref_cast_bytes_string
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(b'abc' AS STRING)
-- expect
[["abc"]]

-- name: ref_cast_string_bytes
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('abc' AS BYTES)
-- expect
[["YWJj"]]

-- name: ref_cast_string_date
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('2020-01-02' AS DATE)
-- expect
[["2020-01-02"]]

-- name: ref_cast_string_time
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('12:34:56' AS TIME)
-- expect
[["12:34:56"]]

-- name: ref_cast_string_timestamp
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('2020-01-02 03:04:05' AS TIMESTAMP)
-- expect
[["2020-01-02 03:04:05+00"]]

-- name: ref_cast_string_int_bad
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('x' AS INT64)
-- error: x

-- name: ref_safe_cast_bad
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT SAFE_CAST('apple' AS INT64)
-- expect
[[null]]

-- name: ref_safe_cast_ok
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT SAFE_CAST('5' AS INT64)
-- expect
[[5]]

-- name: ref_cast_numeric_int
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(NUMERIC '1.5' AS INT64)
-- expect
[[2]]

-- name: ref_cast_float_int_overflow
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(9.99e20 AS INT64)
-- error: INT64

-- name: ref_cast_inf_float
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('inf' AS FLOAT64), CAST('-inf' AS FLOAT64)
-- expect
[["+Inf", "-Inf"]]

-- name: ref_cast_nan_float
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('NaN' AS FLOAT64)
-- expect
[["NaN"]]

-- name: ref_cast_int_numeric
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(123 AS NUMERIC)
-- expect
[[123]]

-- name: ref_cast_string_numeric_round
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST('1.23456789012' AS NUMERIC)
-- expect
[[1.23456789]]

-- name: ref_cast_datetime_date
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(DATETIME '2020-01-02 03:04:05' AS DATE)
-- expect
[["2020-01-02"]]

-- name: ref_cast_date_datetime
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(DATE '2020-01-02' AS DATETIME)
-- expect
[["2020-01-02T00:00:00"]]

-- name: ref_cast_date_timestamp
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(DATE '2020-01-02' AS TIMESTAMP)
-- expect
[["2020-01-02 00:00:00+00"]]

-- name: ref_cast_timestamp_date
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(TIMESTAMP '2020-01-02 23:04:05+00' AS DATE)
-- expect
[["2020-01-02"]]

-- name: ref_cast_null
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(NULL AS STRING)
-- expect
[[null]]

-- name: ref_cast_struct
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST(STRUCT(1 AS a) AS STRUCT<a STRING>).a
-- expect
[["1"]]

-- name: ref_cast_array
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT CAST([1, 2] AS ARRAY<STRING>)
-- expect
[[["1", "2"]]]

-- name: ref_parse_numeric
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT PARSE_NUMERIC('123.45')
-- error: Function not found: PARSE_NUMERIC (unsupported by the local emulator)

-- name: ref_parse_bignumeric
-- ref: google/zetasql docs/conversion_functions.md#cast
-- query
SELECT PARSE_BIGNUMERIC('123.45')
-- error: Function not found: PARSE_BIGNUMERIC (unsupported by the local emulator)

-- name: ref_md5_hex
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT TO_HEX(MD5('Hello World'))
-- expect
[["b10a8db164e0754105b7a99be72e3fe5"]]

-- name: ref_md5_bytes
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT MD5('Hello World')
-- expect
[["sQqNsWTgdUEFt6mb5y4/5Q=="]]

-- name: ref_md5_empty
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT TO_HEX(MD5(''))
-- expect
[["d41d8cd98f00b204e9800998ecf8427e"]]

-- name: ref_sha1_hex
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT TO_HEX(SHA1('Hello World'))
-- expect
[["0a4d55a8d778e5022fab701977c5d840bbc486d0"]]

-- name: ref_sha1_bytes
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT SHA1('Hello World')
-- expect
[["Ck1VqNd45QIvq3AZd8XYQLvEhtA="]]

-- name: ref_sha256_hex
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT TO_HEX(SHA256('Hello World'))
-- expect
[["a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"]]

-- name: ref_sha256_bytes
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT SHA256('Hello World')
-- expect
[["pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4="]]

-- name: ref_sha512_hex
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT TO_HEX(SHA512('Hello World'))
-- error: Function not found: SHA512 (unsupported by the local emulator)

-- name: ref_farm_fingerprint
-- ref: google/zetasql docs/hash_functions.md#md5
-- query
SELECT FARM_FINGERPRINT('foo')
-- error: Function not found: FARM_FINGERPRINT (unsupported by the local emulator)

-- name: ref_rollup_day
-- ref: google/zetasql docs/query-syntax.md#rollup
-- unordered
-- query
SELECT day, SUM(price) FROM (SELECT 123 AS sku, 1 AS day, NUMERIC '9.99' AS price UNION ALL SELECT 123, 1, 8.99 UNION ALL SELECT 456, 1, 4.56 UNION ALL SELECT 123, 2, 9.99 UNION ALL SELECT 789, 3, 1.00 UNION ALL SELECT 456, 3, 4.25 UNION ALL SELECT 789, 3, 0.99) GROUP BY ROLLUP(day)
-- expect
[[null, 39.77], [1, 23.54], [2, 9.99], [3, 6.24]]

-- name: ref_grouping_sets
-- ref: google/zetasql docs/query-syntax.md#rollup
-- query
SELECT x, COUNT(*) FROM UNNEST([1, 1, 2]) AS x GROUP BY GROUPING SETS ((x), ())
-- error: Unsupported feature: GROUP BY GROUPING

-- name: ref_cube
-- ref: google/zetasql docs/query-syntax.md#rollup
-- query
SELECT x, COUNT(*) FROM UNNEST([1, 1, 2]) AS x GROUP BY CUBE (x)
-- error: Unsupported feature: GROUP BY CUBE

-- name: ref_union_all
-- ref: google/zetasql docs/query-syntax.md#set_operators
-- query
SELECT * FROM UNNEST([1, 2]) AS x UNION ALL SELECT 2 ORDER BY 1
-- expect
[[1], [2], [2]]

-- name: ref_union_distinct
-- ref: google/zetasql docs/query-syntax.md#set_operators
-- query
SELECT * FROM UNNEST([1, 2]) AS x UNION DISTINCT SELECT 2 ORDER BY 1
-- expect
[[1], [2]]

-- name: ref_intersect_distinct
-- ref: google/zetasql docs/query-syntax.md#set_operators
-- query
SELECT * FROM UNNEST([1, 2, 3]) AS x INTERSECT DISTINCT SELECT * FROM UNNEST([2, 3, 4]) AS y ORDER BY 1
-- expect
[[2], [3]]

-- name: ref_except_distinct
-- ref: google/zetasql docs/query-syntax.md#set_operators
-- query
SELECT * FROM UNNEST([1, 2, 3]) AS x EXCEPT DISTINCT SELECT 2 ORDER BY 1
-- expect
[[1], [3]]

-- name: ref_intersect_all
-- ref: google/zetasql docs/query-syntax.md#set_operators
-- query
SELECT * FROM UNNEST([1, 1, 2]) AS x INTERSECT ALL SELECT * FROM UNNEST([1, 1, 1]) AS y
-- error: Unsupported feature: INTERSECT ALL

-- name: ref_except_all
-- ref: google/zetasql docs/query-syntax.md#set_operators
-- query
SELECT * FROM UNNEST([1, 1, 2]) AS x EXCEPT ALL SELECT 1 ORDER BY 1
-- error: Unsupported feature: EXCEPT ALL

-- name: ref_limit
-- ref: google/zetasql docs/query-syntax.md#limit_and_offset_clause
-- query
SELECT x FROM UNNEST(['a', 'b', 'c', 'd', 'e']) AS x ORDER BY x LIMIT 2
-- expect
[["a"], ["b"]]

-- name: ref_limit_offset
-- ref: google/zetasql docs/query-syntax.md#limit_and_offset_clause
-- query
SELECT x FROM UNNEST(['a', 'b', 'c', 'd', 'e']) AS x ORDER BY x LIMIT 3 OFFSET 1
-- expect
[["b"], ["c"], ["d"]]

-- name: ref_limit_zero
-- ref: google/zetasql docs/query-syntax.md#limit_and_offset_clause
-- query
SELECT x FROM UNNEST([1]) AS x LIMIT 0
-- expect
[]

-- name: ref_qualify
-- ref: google/zetasql docs/query-syntax.md#qualify_clause
-- query
SELECT item, RANK() OVER (PARTITION BY category ORDER BY purchases DESC) AS rank FROM UNNEST([STRUCT('kale' AS item, 23 AS purchases, 'vegetable' AS category), ('banana', 2, 'fruit'), ('cabbage', 9, 'vegetable'), ('apple', 8, 'fruit'), ('leek', 2, 'vegetable'), ('lettuce', 10, 'vegetable')]) WHERE TRUE QUALIFY rank <= 3 ORDER BY item
-- expect
[["apple", 1], ["banana", 2], ["cabbage", 3], ["kale", 1], ["lettuce", 2]]

-- name: ref_select_star_except
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT * EXCEPT (b) FROM (SELECT 1 AS a, 2 AS b, 3 AS c)
-- expect
[[1, 3]]

-- name: ref_select_star_replace
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT * REPLACE (b * 10 AS b) FROM (SELECT 1 AS a, 2 AS b)
-- expect
[[1, 20]]

-- name: ref_select_distinct
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT DISTINCT x FROM UNNEST([1, 1, 2]) AS x ORDER BY x
-- expect
[[1], [2]]

-- name: ref_select_as_struct
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT AS STRUCT 1 AS a, 'x' AS b
-- expect
[[{"a": 1, "b": "x"}]]

-- name: ref_select_as_value
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT AS VALUE 5
-- expect
[[5]]

-- name: ref_pivot
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT * FROM (SELECT 'a' AS k, 1 AS v) PIVOT (SUM(v) FOR k IN ('a'))
-- error: Unsupported feature

-- name: ref_unpivot
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT * FROM (SELECT 1 AS a, 2 AS b) UNPIVOT (v FOR k IN (a, b))
-- error: Unsupported feature

-- name: ref_recursive
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r ORDER BY n
-- error: Unsupported feature: WITH RECURSIVE

-- name: ref_natural_join
-- ref: google/zetasql docs/query-syntax.md#select_list
-- query
SELECT * FROM (SELECT 1 AS a) NATURAL JOIN (SELECT 1 AS a)
-- error: Unsupported feature

-- name: ref_join_using_order
-- ref: google/zetasql docs/query-syntax.md#join_types
-- query
SELECT * FROM (SELECT 'a' AS LastName, 50 AS SchoolID) JOIN (SELECT 50 AS SchoolID, 'Jaguars' AS Mascot) USING (SchoolID)
-- expect
[[50, "a", "Jaguars"]]

-- name: ref_left_join_null
-- ref: google/zetasql docs/query-syntax.md#join_types
-- query
SELECT a.x, b.y FROM UNNEST([1, 2]) AS x JOIN UNNEST([1]) AS y ON x = y
-- error: a

-- name: ref_cross_join_count
-- ref: google/zetasql docs/query-syntax.md#join_types
-- query
SELECT COUNT(*) FROM UNNEST([1, 2, 3]) AS a CROSS JOIN UNNEST([1, 2]) AS b
-- expect
[[6]]

-- name: ref_left_join
-- ref: google/zetasql docs/query-syntax.md#join_types
-- query
SELECT x, y FROM UNNEST([1, 2]) AS x LEFT JOIN UNNEST([1]) AS y ON x = y ORDER BY x
-- expect
[[1, 1], [2, null]]

-- name: ref_full_join
-- ref: google/zetasql docs/query-syntax.md#join_types
-- query
SELECT x, y FROM UNNEST([1, 2]) AS x FULL JOIN UNNEST([2, 3]) AS y ON x = y ORDER BY x, y
-- expect
[[null, 3], [1, null], [2, 2]]

-- name: ref_approx_top_count_fruit
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_top_count
-- query
SELECT APPROX_TOP_COUNT(x, 2) FROM UNNEST(['apple', 'apple', 'pear', 'pear', 'pear', 'banana']) AS x
-- expect
[[[{"value": "pear", "count": 3}, {"value": "apple", "count": 2}]]]

-- name: ref_approx_top_count_null
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_top_count
-- query
SELECT APPROX_TOP_COUNT(x, 2) FROM UNNEST([NULL, 'pear', 'pear', 'pear', 'apple', NULL]) AS x
-- error: Unsupported feature: APPROX_TOP_COUNT over NULL values

-- name: ref_approx_top_count_ints
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_top_count
-- query
SELECT APPROX_TOP_COUNT(x, 1) FROM UNNEST([1, 2, 2]) AS x
-- expect
[[[{"value": 2, "count": 2}]]]

-- name: ref_approx_top_count_more_than_values
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_top_count
-- query
SELECT APPROX_TOP_COUNT(x, 5) FROM UNNEST(['a', 'b', 'b']) AS x
-- expect
[[[{"value": "b", "count": 2}, {"value": "a", "count": 1}]]]

-- name: ref_approx_top_count_grouped
-- ref: google/zetasql docs/approximate_aggregate_functions.md#approx_top_count
-- query
SELECT g, APPROX_TOP_COUNT(x, 1) FROM UNNEST([STRUCT('a' AS g, 1 AS x), ('a', 1), ('a', 2), ('b', 3)]) GROUP BY g ORDER BY g
-- expect
[["a", [{"value": 1, "count": 2}]], ["b", [{"value": 3, "count": 1}]]]
