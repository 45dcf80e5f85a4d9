package bq

import (
	"strings"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/shared/config"
)

// Metadata columns ingest stamps on every raw row.
const (
	ColEventID    = "_event_id"
	ColSource     = "_source"
	ColEventTime  = "_event_time"
	ColIngestedAt = "_ingested_at"
	ColOrigin     = "_origin"
	ColExtra      = "_extra"
)

// Changelog columns of a debezium source.
const (
	ColOp     = "_op"     // c, u, d or r
	ColTS     = "_ts"     // source.ts_ms: when the change happened in the database
	ColBefore = "_before" // the before image, as JSON
	ColPos    = "_pos"    // the source position (lsn, binlog file:pos:row, or ts_ms) as text that sorts in change order
	ColKey    = "_key"    // the primary key as a JSON object (sources with a cdc block)
)

// formatDebezium is the source format whose raw table carries the changelog
// columns (config's sourceFormats names it).
const formatDebezium = "debezium"

// RawSchema is a source's declared schema plus the metadata columns.
func RawSchema(src *config.Source) bigquery.Schema {
	s := make(bigquery.Schema, 0, len(src.Schema)+11)
	for _, f := range src.Schema {
		s = append(s, fieldSchema(f))
	}
	s = append(s,
		&bigquery.FieldSchema{Name: ColEventID, Type: bigquery.StringFieldType, Required: true, Description: "event id: the configured field, else message id or object#generation#line"},
		&bigquery.FieldSchema{Name: ColSource, Type: bigquery.StringFieldType, Required: true, Description: "source name in pipeline.yaml"},
		&bigquery.FieldSchema{Name: ColEventTime, Type: bigquery.TimestampFieldType, Description: "event time: the configured field, else publish or object time"},
		&bigquery.FieldSchema{Name: ColIngestedAt, Type: bigquery.TimestampFieldType, Required: true, Description: "when ingest landed the row"},
		&bigquery.FieldSchema{Name: ColOrigin, Type: bigquery.StringFieldType, Description: "pubsub:topic/message-id or gs://bucket/object#generation:line"},
		&bigquery.FieldSchema{Name: ColExtra, Type: bigquery.StringFieldType, Description: "fields the schema does not declare, as a JSON object"},
	)
	if src.Format == formatDebezium {
		s = append(s,
			&bigquery.FieldSchema{Name: ColOp, Type: bigquery.StringFieldType, Description: "change: c (create), u (update), d (delete), r (snapshot read), t (truncate)"},
			&bigquery.FieldSchema{Name: ColTS, Type: bigquery.TimestampFieldType, Description: "source.ts_ms: when the change happened in the source database"},
			&bigquery.FieldSchema{Name: ColBefore, Type: bigquery.StringFieldType, Description: "the before image, as JSON (updates and deletes)"},
			&bigquery.FieldSchema{Name: ColPos, Type: bigquery.StringFieldType, Description: "source position: source.lsn, or binlog file:pos:row, or ts_ms, zero-padded so text order is change order"},
			&bigquery.FieldSchema{Name: ColKey, Type: bigquery.StringFieldType, Description: "primary key of the changed row as a JSON object (NULL for truncates)"},
		)
	}
	return s
}

// RawTableMetadata is how raw.<source> is created, by ingest or by anyone
// who needs the table before data arrives (transform, validate): the
// declared schema plus the metadata columns, partitioned by day on
// Source.RawPartitionColumn as Terraform partitions it.
func RawTableMetadata(src *config.Source) *bigquery.TableMetadata {
	return &bigquery.TableMetadata{
		Description:      src.Description,
		Schema:           RawSchema(src),
		TimePartitioning: &bigquery.TimePartitioning{Type: bigquery.DayPartitioningType, Field: src.RawPartitionColumn()},
	}
}

func fieldSchema(f config.Field) *bigquery.FieldSchema {
	fs := &bigquery.FieldSchema{Name: f.Name, Type: bigquery.FieldType(canonicalType(f.Type)), Description: f.Description}
	switch strings.ToUpper(f.Mode) {
	case "REQUIRED":
		fs.Required = true
	case "REPEATED":
		fs.Repeated = true
	}
	for _, sub := range f.Fields {
		fs.Schema = append(fs.Schema, fieldSchema(sub))
	}
	return fs
}

// canonicalType maps config type names to the legacy names the REST API uses.
func canonicalType(t string) string {
	switch strings.ToUpper(t) {
	case "INT64":
		return "INTEGER"
	case "FLOAT64":
		return "FLOAT"
	case "BOOL":
		return "BOOLEAN"
	case "STRUCT":
		return "RECORD"
	}
	return strings.ToUpper(t)
}
