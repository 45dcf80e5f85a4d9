// Package bqsql translates BigQuery Standard SQL (GoogleSQL) into DuckDB SQL for the local BigQuery
// emulator. It is a hand-written lexer and recursive-descent parser producing an AST, and a printer
// that emits DuckDB 1.5 SQL; no regular expressions rewrite SQL text.
//
// # Conventions
//
// A BigQuery dataset is a DuckDB schema: `project.dataset.table`, `dataset.table`, their backticked
// forms and `p`.`d`.`t` all become "dataset"."table" (the project is dropped). A bare table name that is
// not a CTE or script temp table uses Options.DefaultDataset, else the statement is refused as BigQuery
// does. Query parameters (@name and positional ?) are inlined as typed literals (DATE → CAST('…' AS
// DATE), TIMESTAMP → CAST('…' AS TIMESTAMPTZ), NULL → CAST(NULL AS type), arrays, structs); unknown
// parameters are errors. Types: STRING VARCHAR, BYTES BLOB, INT64 BIGINT, FLOAT64 DOUBLE, NUMERIC and
// BIGNUMERIC DECIMAL(38,9) (BIGNUMERIC loses range and scale: documented deviation), BOOL BOOLEAN,
// TIMESTAMP TIMESTAMPTZ, DATETIME TIMESTAMP, DATE, TIME, JSON, STRUCT<a T> STRUCT(a T), ARRAY<T> T[].
// The DuckDB connection must run SET TimeZone='UTC'. Integer literals are emitted as BIGINT, float
// literals as DOUBLE. Unnamed select expressions get BigQuery's names f0_, f1_, ...
//
// # Supported
//
// Queries: WITH (non-recursive), SELECT [DISTINCT] [AS STRUCT | AS VALUE], * EXCEPT(...) / REPLACE(...)
// (→ EXCLUDE/REPLACE), t.*, FROM with INNER/LEFT/RIGHT/FULL/CROSS joins, ON/USING (SELECT * puts the USING columns first, as BigQuery does), comma joins,
// subqueries, UNNEST(arr) [AS x] [WITH OFFSET [AS o]] (0-based offsets; the element alias binds before
// same-named table columns, as in BigQuery), correlated paths FROM t, t.arr AS x, WHERE, GROUP BY
// (positions, ROLLUP, ALL), HAVING, QUALIFY, WINDOW, ORDER BY (BigQuery NULL ordering: first in ASC, last in
// DESC), LIMIT/OFFSET, UNION ALL/DISTINCT, INTERSECT DISTINCT, EXCEPT DISTINCT.
//
// Expressions: arithmetic (/ always FLOAT64 and division by zero is an error), ||, bitwise operators (>> fills with zeros as BigQuery's does; a shift by 64 or more gives 0, a negative one is an error)
// (^ is XOR), comparisons, [NOT] LIKE (backslash escapes, LIKE ANY/ALL), [NOT] BETWEEN, [NOT] IN
// (list, subquery, UNNEST), IS [NOT] NULL/TRUE/FALSE, IS [NOT] DISTINCT FROM, EXISTS, scalar and ARRAY
// subqueries, CASE, CAST/SAFE_CAST (→ TRY_CAST; FLOAT64→INT64 rounds half away from zero; STRING→BOOL only 'true'/'false'), EXTRACT
// (DAYOFWEEK Sunday=1, WEEK Sunday-based, WEEK(MONDAY), ISOWEEK, ISOYEAR, DATE, TIME, DATETIME,
// MILLISECOND/MICROSECOND within the second, AT TIME ZONE), INTERVAL n unit, typed literals (DATE,
// TIMESTAMP, DATETIME, TIME, NUMERIC, BIGNUMERIC, JSON), string literals (quotes, triple quotes, raw,
// escapes), bytes literals, STRUCT(...) / STRUCT<...>(...) / tuples, ARRAY literals [...] and
// ARRAY<T>[...] (struct elements take the first element's field names, by position),
// arr[OFFSET(n)] / [SAFE_OFFSET(n)] / [ORDINAL(n)] / [SAFE_ORDINAL(n)] / [n] (out of range is an error
// unless SAFE_), field access, the SAFE. prefix (→ try(...), or try_strptime for PARSE_*).
//
// Functions: aggregates COUNT (DISTINCT, *), COUNTIF, SUM, AVG, MIN, MAX, ANY_VALUE (HAVING MAX/MIN),
// LOGICAL_OR/AND, BIT_AND/OR/XOR, STDDEV/VARIANCE family, CORR (NULL for fewer than two pairs)/COVAR, MAX_BY/MIN_BY,
// APPROX_COUNT_DISTINCT (exact), APPROX_TOP_COUNT (exact, ties by value; NULL values refused), APPROX_QUANTILES (exact discrete quantiles; a literal number; RESPECT NULLS sorts NULLs first and counts them), STRING_AGG (separator, DISTINCT, ORDER BY, LIMIT), ARRAY_AGG
// (DISTINCT, IGNORE NULLS, ORDER BY, LIMIT → list_slice; a NULL element raises BigQuery's error),
// ARRAY_CONCAT_AGG; analytic ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE, LAG,
// LEAD, FIRST_VALUE, LAST_VALUE, NTH_VALUE (IGNORE NULLS), PERCENTILE_CONT/DISC (RESPECT NULLS: NULLs sort first and take part), any aggregate with
// OVER (PARTITION BY, ORDER BY, ROWS/RANGE frames, named windows). Conditionals IF, IFNULL, COALESCE,
// NULLIF, GREATEST/LEAST (NULL if any argument is NULL), SAFE_DIVIDE, SAFE_ADD/SUBTRACT/MULTIPLY/NEGATE,
// DIV, MOD, IEEE_DIVIDE, ERROR(message). Math ABS, SIGN (NaN stays NaN), ROUND, TRUNC, FLOOR, CEIL, POW (a negative base to a fraction, 0 to a negative power: errors), SQRT, EXP, LN, LOG, LOG10 (domain errors in BigQuery's words), CBRT, the hyperbolic and reciprocal functions (COSH ... SECH, ACOSH/ASINH/ATANH, COT/CSC/SEC), BIT_COUNT, RANGE_BUCKET, ZEROIFNULL, NULLIFZERO,
// trigonometry, RAND, IS_NAN, IS_INF. Strings CONCAT (NULL-propagating ||; CONCAT(x) of one value is
// STRING, of one BYTES column refused), LOWER, UPPER, TRIM/LTRIM/RTRIM, SUBSTR/SUBSTRING (STRING or BYTES; a position of 0 or left of the start begins at 1), REPLACE,
// REPEAT, and for STRING or BYTES (counting bytes) LENGTH, BYTE_LENGTH, LEFT, RIGHT, LPAD/RPAD, REVERSE
// (the type is picked with typeof(), folded by DuckDB when it plans; another type is BigQuery's
// signature error), STARTS_WITH, ENDS_WITH, LOWER, UPPER (STRING or BYTES; BYTES changes ASCII letters only), REPEAT (a negative count is an error), STRPOS, INSTR (with position and occurrence), SPLIT (STRING only; an empty string
// gives [""]; BYTES refused), TO_CODE_POINTS (STRING or BYTES), CODE_POINTS_TO_STRING, FORMAT (printf), ASCII,
// CHR (CHR(0) is the empty string), UNICODE (0 for the empty string), NORMALIZE (NFC), CONTAINS_SUBSTR (case-insensitive; STRING only, and text NFKC normalization or case folding would change is refused), TRANSLATE, INITCAP, CODE_POINTS_TO_BYTES, REGEXP_CONTAINS, REGEXP_INSTR (2 arguments, literal pattern), REGEXP_EXTRACT/REGEXP_SUBSTR (NULL when no match; position and occurrence), REGEXP_EXTRACT_ALL,
// REGEXP_REPLACE, TO_HEX, FROM_HEX, TO_BASE64, FROM_BASE64, MD5, SHA1, SHA256 (TO_HEX(SHA256(x)) →
// sha256(x)), GENERATE_UUID. JSON: JSON_VALUE/JSON_EXTRACT_SCALAR (NULL for objects and arrays),
// JSON_QUERY/JSON_EXTRACT (STRING from a STRING, where a JSON null is SQL NULL; JSON from JSON),
// JSON_QUERY_ARRAY/JSON_EXTRACT_ARRAY (ARRAY<STRING> or ARRAY<JSON> likewise), JSON_VALUE_ARRAY/
// JSON_EXTRACT_STRING_ARRAY; a STRING that is not valid JSON gives NULL; a document of another type is
// BigQuery's "No matching signature for function X for argument types: T, STRING" (for a column,
// worded by the emulator from DuckDB's bind error or raised when a row is read); the JSONPath (a string literal
// or query parameter) follows GoogleSQL: $, .key, [n], ['a.b'] in the JSON_EXTRACT family and ."a.b" in
// the others, BigQuery's errors otherwise. The JSON subscript json[n] (0-based) and json['key'] (NULL when
// missing). TO_JSON_STRING, TO_JSON, PARSE_JSON, JSON_OBJECT, JSON_TYPE, BOOL/INT64/FLOAT64/STRING of a JSON value (another JSON type is an error, a non-JSON argument refused). Arrays: ARRAY_LENGTH, ARRAY_TO_STRING
// (null text), ARRAY_CONCAT (NULL if any argument is NULL), ARRAY_REVERSE, GENERATE_ARRAY (INT64), GENERATE_DATE_ARRAY/GENERATE_TIMESTAMP_ARRAY (a zero step is an error),
// Date and time: CURRENT_DATE/TIMESTAMP/DATETIME (from
// Options.Now when set), DATE(ts), DATE(ts, tz), DATE(y, m, d), DATETIME(...), TIME(...),
// TIMESTAMP(x [, tz]), DATE_TRUNC (returns DATE; WEEK is Sunday-based, WEEK(<day>), ISOWEEK, ISOYEAR),
// DATETIME_TRUNC, TIMESTAMP_TRUNC (with time zone), TIME_TRUNC, DATE/DATETIME/TIMESTAMP/TIME_ADD and
// _SUB, DATE_DIFF and DATETIME_DIFF (part boundaries, WEEK Sunday-based), TIMESTAMP_DIFF and TIME_DIFF
// (whole intervals, via date_sub), FORMAT_DATE/DATETIME/TIME/TIMESTAMP (time zone argument honoured;
// %E3S, %E6S, %F, %T, %X, %x, %D, %R translated; %e %k %l %C %G %g %V %Q %P %c %E*S %E<n>S computed, and %z %Ez for TIMESTAMP), PARSE_DATE/DATETIME/TIME/TIMESTAMP (with time zone; %E*S parses an
// optional fraction; unspecified fields start at 1970-01-01, as BigQuery's do), DATE + / - an integer,
// TIMESTAMP_SECONDS/MILLIS/MICROS, UNIX_SECONDS/MILLIS/MICROS (floor), UNIX_DATE, DATE_FROM_UNIX_DATE,
// LAST_DAY.
//
// Statements: CREATE [OR REPLACE] [TEMP] TABLE [IF NOT EXISTS] with a column list (NOT NULL, DEFAULT,
// OPTIONS), AS SELECT, LIKE (schema only), COPY or CLONE (data snapshot), with PARTITION BY / CLUSTER BY / OPTIONS recorded in Statement; CREATE [OR
// REPLACE] VIEW (MATERIALIZED VIEW becomes a plain view); CREATE SCHEMA; ALTER TABLE ADD COLUMN [IF NOT
// EXISTS] (several per statement), DROP COLUMN, RENAME TO, RENAME COLUMN, ALTER COLUMN DROP NOT
// NULL / SET DATA TYPE, SET OPTIONS (metadata only); DROP TABLE/VIEW/SCHEMA [IF EXISTS];
// INSERT [INTO] t [(cols)] VALUES/SELECT; UPDATE ... SET ... [FROM ...] WHERE; DELETE [FROM] ... WHERE;
// TRUNCATE TABLE; MERGE with table or subquery sources, WHEN MATCHED [AND c] THEN UPDATE/DELETE, WHEN
// NOT MATCHED [BY TARGET] THEN INSERT (cols) VALUES (...) or INSERT ROW (when the source's columns are
// known: a subquery with named columns, or a table and Options.TableColumns), WHEN NOT MATCHED BY
// SOURCE; BEGIN TRANSACTION / COMMIT / ROLLBACK; CREATE TEMP FUNCTION with a SQL body (→ DuckDB TEMP MACRO; RETURNS casts the result);
// scripts of several statements separated by ";".
//
// # Refused
//
// Anything else is an *Error naming the construct and its position ("Unsupported feature: …",
// "Unsupported statement: …", "Function not found: X" for an unknown function and "Function not found:
// X (unsupported by the local emulator)" for a BigQuery function this package lacks), never a silently
// different answer. Some refusals are found only when DuckDB binds or runs the statement (the types of
// columns are not known here): DATE - DATE on columns (an INTERVAL in BigQuery; "Unsupported feature: DATE -
// DATE"; where both sides are DATEs by their form, a DATE literal, DATE(), CURRENT_DATE, PARSE_DATE,
// DATE_FROM_UNIX_DATE, CAST(... AS DATE) or DATE_ADD/DATE_SUB of those, it is that INTERVAL),
// SPLIT of BYTES, CONCAT of one BYTES column, JSON functions and the BYTES-aware string functions on
// another type. Notably: wildcard tables and _TABLE_SUFFIX, _PARTITIONTIME/_PARTITIONDATE, FARM_FINGERPRINT,
// NET.*, ST_* and GEOGRAPHY, HLL_COUNT.*, APPROX_TOP_SUM, KEYS.*/AEAD.*, LAX_*,
// NORMALIZE other than NFC, NORMALIZE_AND_CASEFOLD, SOUNDEX, TO_BASE32/FROM_BASE32, SAFE_CONVERT_BYTES_TO_STRING, EDIT_DISTANCE, TRIM/LTRIM/RTRIM and REPLACE of BYTES, FORMAT's %t %T %' elements, SHA512, JSON_ARRAY, PARSE_NUMERIC/PARSE_BIGNUMERIC, MAKE_INTERVAL/JUSTIFY_*, GENERATE_ARRAY of FLOAT64, STRING_AGG/ARRAY_TO_STRING of BYTES, CURRENT_TIME, table-valued functions, PIVOT/
// UNPIVOT, TABLESAMPLE, FOR SYSTEM_TIME AS OF, WITH RECURSIVE, GROUP BY CUBE/GROUPING SETS, INTERSECT/
// EXCEPT ALL, NATURAL JOIN, named arguments, COLLATE, CAST ... FORMAT, INTERVAL 'x' a TO b, %Z / %J and other unknown format elements (in PARSE_* also %e %k %c and the other computed ones), REGEXP_EXTRACT with a non-literal pattern, JavaScript and
// persistent UDFs, DECLARE/SET/BEGIN…END/IF/LOOP and other scripting, EXPORT DATA, LOAD DATA,
// table constraints, system variables (@@…). Syntax errors use BigQuery's
// wording: `Syntax error: Expected ")" but got keyword FROM at [3:5]`.
package bqsql
