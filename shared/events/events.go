// Package events defines the payloads that travel between the stages and the
// trigger envelopes the functions receive. The Google trigger envelopes are
// small structs of the fields sluice reads, because the typed event packages
// are not served to this build.
package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// CloudEvent types sluice receives and emits.
const (
	TypePubSubPublished = "google.cloud.pubsub.topic.v1.messagePublished"
	TypeObjectFinalized = "google.cloud.storage.object.v1.finalized"
	TypeScheduleFired   = "dev.sluice.schedule.v1.fired"
)

// Stage events, carried as the data of Pub/Sub messages with the attribute
// "event" set to the name.
const (
	TransformCompleted = "transform.completed"
	MaskCompleted      = "mask.completed"
	ExportCompleted    = "export.completed"
)

// MessagePublishedData is the data of a Pub/Sub CloudEvent (Eventarc's
// MessagePublishedData).
type MessagePublishedData struct {
	Message      PubSubMessage `json:"message"`
	Subscription string        `json:"subscription"`
}

// PubSubMessage is a Pub/Sub message as Eventarc delivers it. Data is
// base64 in JSON; encoding/json decodes it into bytes.
type PubSubMessage struct {
	Data        []byte            `json:"data"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	MessageID   string            `json:"messageId"`
	PublishTime time.Time         `json:"publishTime"`
	OrderingKey string            `json:"orderingKey,omitempty"`
}

// StorageObjectData is the data of a Cloud Storage CloudEvent (the JSON API
// object resource); numbers arrive as strings.
type StorageObjectData struct {
	Bucket          string            `json:"bucket"`
	Name            string            `json:"name"`
	Generation      Int64String       `json:"generation"`
	Size            Int64String       `json:"size"`
	ContentType     string            `json:"contentType"`
	ContentEncoding string            `json:"contentEncoding,omitempty"`
	TimeCreated     time.Time         `json:"timeCreated"`
	Metadata        map[string]string `json:"metadata,omitempty"`
}

// Int64String is an int64 that JSON carries as a string (or a number).
type Int64String int64

// UnmarshalJSON accepts "42" and 42.
func (i *Int64String) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" || s == "null" {
		*i = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want an integer, got %s", b)
	}
	*i = Int64String(n)
	return nil
}

// MarshalJSON writes the string form, as the JSON API does.
func (i Int64String) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(int64(i), 10))
}

// TableCount is a table and its row count.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// TransformCompletedData says which curated tables a transform run rebuilt.
type TransformCompletedData struct {
	RunID       string       `json:"run_id"`
	RunDate     string       `json:"run_date"` // YYYY-MM-DD
	Tables      []TableCount `json:"tables"`
	CompletedAt time.Time    `json:"completed_at"`
}

// MaskCompletedData says which published tables a mask run wrote.
type MaskCompletedData struct {
	RunID   string       `json:"run_id"`
	RunDate string       `json:"run_date"`
	Tables  []TableCount `json:"tables"`
	// Withheld lists curated columns not published because the policy does
	// not classify them (fail closed), as "table.column".
	Withheld []string `json:"withheld,omitempty"`
	// Proposals are rules proposed for the withheld columns from a DLP
	// inspection job over them (what `sluice classify` prints); empty when
	// nothing is withheld or the table had no change since the last run. ClassifyError says why they are missing when
	// the job could not run; the mask run itself does not fail for it.
	Proposals     []ColumnProposal `json:"proposals,omitempty"`
	ClassifyError string           `json:"classify_error,omitempty"`
	DLPBytes      int64            `json:"dlp_bytes"`
	CompletedAt   time.Time        `json:"completed_at"`
}

// ColumnProposal is a mask rule proposed for an unclassified column.
type ColumnProposal struct {
	Table         string          `json:"table"`
	Column        string          `json:"column"`
	Rule          string          `json:"rule"` // keep, token or redact_infotypes
	InfoTypes     []string        `json:"info_types,omitempty"`
	Evidence      []InfoTypeShare `json:"evidence,omitempty"`
	RowsInspected int64           `json:"rows_inspected"`
	YAML          string          `json:"yaml"` // the line for pipeline.yaml, evidence as a comment
}

// InfoTypeShare is one infoType found in a column: its highest likelihood
// and the share of the inspected rows it was found in.
type InfoTypeShare struct {
	InfoType   string  `json:"info_type"`
	Likelihood string  `json:"likelihood"`
	Rows       int64   `json:"rows"`
	Share      float64 `json:"share"`
}

// ExportFile is one written export.
type ExportFile struct {
	Export string `json:"export"`
	URI    string `json:"uri"` // gs://bucket/object
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
}

// ExportCompletedData lists the files an export run wrote, and the
// manifest of each export.
type ExportCompletedData struct {
	RunID       string           `json:"run_id"`
	RunDate     string           `json:"run_date"`
	Files       []ExportFile     `json:"files"`
	Manifests   []ExportManifest `json:"manifests,omitempty"`
	CompletedAt time.Time        `json:"completed_at"`
}

// ExportManifest describes one published export: it is written as
// _MANIFEST.json beside the files, before the _SUCCESS marker, and carried
// by export.completed.
type ExportManifest struct {
	Export      string               `json:"export"`
	RunID       string               `json:"run_id"`
	RunDate     string               `json:"run_date"`
	Format      string               `json:"format"`                // csv, jsonl or parquet
	Compression string               `json:"compression,omitempty"` // "" or gzip
	Rows        int64                `json:"rows"`
	Bytes       int64                `json:"bytes"`
	Files       []ExportManifestFile `json:"files"`
	Schema      []ExportColumn       `json:"schema"`
	WrittenAt   time.Time            `json:"written_at"`
}

// ExportManifestFile is one data file of an export with its checksums.
type ExportManifestFile struct {
	URI    string `json:"uri"` // gs://bucket/object
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // hex
	CRC32C string `json:"crc32c"` // base64 of the big-endian value, as Cloud Storage reports it
}

// ExportColumn is one column of an export's schema.
type ExportColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Mode string `json:"mode,omitempty"`
}

// ScheduleFiredData is the body Cloud Scheduler sends with a schedule event.
type ScheduleFiredData struct {
	RunDate string `json:"run_date,omitempty"` // optional override, YYYY-MM-DD
}
