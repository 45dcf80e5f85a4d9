// Package bigquery is a local BigQuery: the BigQuery REST API (v2) served on
// DuckDB, so the real client libraries and the bq CLI work against it and
// BigQuery SQL (translated by package bqsql) runs in milliseconds.
//
// Start it with New, serve Handler on any listener, and point the Go client
// at it with option.WithEndpoint("http://HOST:PORT") and
// option.WithoutAuthentication(). Routes are served both at the bare paths
// the Go client uses with a custom endpoint and under /bigquery/v2 (bq).
//
// Mapping: a dataset is a DuckDB schema, a table a DuckDB table. Metadata
// (schemas with modes, descriptions and nesting, partitioning, clustering,
// labels, jobs) is kept as JSON in schema _bq_meta, so a file-backed
// database (Options.Path) persists it. Query results without a destination
// go to schema _bq_anon; the newest 256 are kept.
//
// Fidelity limits, stated honestly:
//   - Single project: any project id in a path is accepted and echoed.
//   - Jobs run synchronously; jobComplete is always true; cancel is a no-op.
//   - Legacy SQL is refused (invalidQuery). A request that omits
//     useLegacySql is treated as standard SQL.
//   - BIGNUMERIC is stored as DECIMAL(38,9) (NUMERIC's precision).
//     GEOGRAPHY is plain text. REQUIRED is checked on insertAll and loads,
//     not by DuckDB for SQL DML.
//   - Partitioning and clustering are metadata; they drive partition
//     decorators (table$YYYYMMDD for WRITE_TRUNCATE of one partition in
//     query and load jobs, and tables.delete) and partition pruning of the
//     cost; clustering does not change the cost.
//     Ingestion-time partitioning (_PARTITIONTIME) is not supported.
//   - Cost (cost.go, README "Cost"): totalBytesProcessed counts the columns
//     a query refers to, in the partitions its filters keep, at BigQuery's
//     documented value sizes; totalBytesBilled rounds each table up to the
//     MB with a 10 MB minimum; maximumBytesBilled and requirePartitionFilter
//     fail a query with BigQuery's errors. DML, DDL and scripts are charged
//     the full size of the tables their text names and are not checked
//     against requirePartitionFilter.
//   - insertId de-duplication is best effort, per table, over the last 2^20
//     ids (kept as 128-bit hashes), in memory (lost on restart), as BigQuery
//     documents best effort. templateSuffix and streaming into a partition
//     decorator are refused.
//   - insertAll rows go through a DuckDB Appender kept open per table;
//     insertAll answers only after the DuckDB commit that carried its rows
//     (concurrent requests share one commit), so an acknowledged row
//     survives SIGKILL (TestInsertAllDurableAcrossSIGKILL). That costs
//     about 0.7 ms per commit: sequential 500-row requests went from ~0.9
//     to ~1.6 ms each (BenchmarkInsertAllHTTP).
//   - Load jobs: CSV, NEWLINE_DELIMITED_JSON, PARQUET (not Avro/ORC), gzip
//     detected by magic bytes; uploads with uploadType=multipart (the Go
//     client below its 16 MB chunk size) and uploadType=resumable (bq load
//     of a local file; sessions are in memory). Extract jobs: CSV,
//     NEWLINE_DELIMITED_JSON, PARQUET, optional GZIP; all rows go to one file
//     (a '*' in the first URI becomes 000000000000). Copy jobs: COPY only
//     (no SNAPSHOT/CLONE).
//   - Views are DuckDB views of the translated SQL; materialized views and
//     external tables are refused.
//   - INFORMATION_SCHEMA: TABLES and COLUMNS per dataset
//     (dataset.INFORMATION_SCHEMA.TABLES, project.dataset.INFORMATION_SCHEMA.COLUMNS),
//     materialised from the metadata before a query that names them; the
//     region-qualified and project-level views are not served.
//   - Query errors are BigQuery's: a missing table or dataset answers 404
//     notFound ("Not found: Table p:ds.t was not found in location US"),
//     other DuckDB errors answer invalidQuery with a BigQuery phrasing where
//     one is known ("Function not found: X", "No matching signature for
//     function X for argument types: INT64, STRING", "Unrecognized name: x",
//     "Bad int64 value: a"), else DuckDB's first line without its SQL; the
//     DuckDB text itself is logged at debug level (log/slog), never sent.
//     TestRefusalsHaveNoDuckDBWording runs the translator corpus and probes
//     through the Go client and fails on DuckDB vocabulary in a message.
//   - JSON columns: a value goes over the wire as its JSON text; insertAll
//     takes a string holding JSON text, an NDJSON load any JSON value
//     (object, array, number); both are stored as written (compacted, with
//     < > & escaped as \u003c etc. by the DuckDB appender's json.Marshal;
//     BigQuery would also normalise numbers, 12.50 to 12.5, which is not
//     done). An NDJSON string value in a JSON column is read as JSON text
//     (unverified against BigQuery).
//   - The Storage Read and Write APIs are served over gRPC by Serve (same
//     port as REST) or GRPCServer: storageread.go and storagewrite.go say
//     what is served (no RECORD/REPEATED columns in reads, no BUFFERED
//     streams or Arrow rows in writes; stream state is in memory).
//   - Request and query limits (Limits, in limits.go) are BigQuery's, with
//     the answers real BigQuery gives as far as public reports show them;
//     each field names its source and what is unverified. The 12 MB
//     resolved query length and responseTooLarge (results over 10 GB) are
//     not enforced, and Google's front-end 413 for a far-oversized insertAll
//     body is answered only when Limits.FrontEndRequestBytes is set.
package bigquery
