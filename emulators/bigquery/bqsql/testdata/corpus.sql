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
