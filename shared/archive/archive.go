// Package archive is the record format and object layout of the message
// archive: what a Pub/Sub Cloud Storage subscription with Avro output and
// write_metadata writes into the archive bucket (infra/terraform/archive.tf),
// and what emulators/archive writes locally. `sluice reland` reads both
// with ReadRecords.
//
// Objects are named
//
//	<source>/YYYY/MM/DD/hh_mm_ssZ_<uuid>.avro
//
// Pub/Sub names an object <prefix><UTC-date-time>_<uuid><suffix>, the "_"
// replaced by the datetime format's last character only when that is not a
// matcher ("Z" is one), with the date and time of when the object was
// created (https://cloud.google.com/pubsub/docs/create-cloudstorage-subscription,
// "Filename prefix, suffix, and datetime").
//
// An object is an Avro object container file with the schema Schema; older
// local archives are JSON lines (one Record per line, data in base64).
// ReadRecords tells them apart by the Avro magic bytes, not by the name.
//
// It does not list or write objects: callers hold the storage clients.
package archive

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/hamba/avro/v2/ocf"
)

// Record is one archived message. Field names and types are those of the
// Avro schema Pub/Sub documents for Cloud Storage subscriptions with
// write_metadata (see SchemaJSON); the ordering key, when there is one,
// is an entry of Attributes there.
type Record struct {
	SubscriptionName string            `json:"subscription_name" avro:"subscription_name"`
	MessageID        string            `json:"message_id" avro:"message_id"`
	PublishTime      time.Time         `json:"publish_time" avro:"publish_time"`
	Attributes       map[string]string `json:"attributes" avro:"attributes"`
	Data             []byte            `json:"data" avro:"data"`
}

// SchemaJSON is the Avro schema of the output messages of a Cloud Storage
// subscription with write metadata enabled, as documented on
// https://cloud.google.com/pubsub/docs/create-cloudstorage-subscription
// ("File format"): publish_time is a long with logical type
// timestamp-micros, data is bytes, attributes a map of strings.
const SchemaJSON = `{
  "type": "record",
  "namespace": "com.google.pubsub",
  "name": "PubsubMessageWithMetadata",
  "fields": [
    {"name": "subscription_name", "type": "string"},
    {"name": "message_id", "type": "string"},
    {"name": "publish_time", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "attributes", "type": {"type": "map", "values": "string"}},
    {"name": "data", "type": "bytes"}
  ]
}`

// Schema is SchemaJSON parsed.
var Schema = avro.MustParse(SchemaJSON)

// Object suffixes: the cloud subscription's (filename_suffix in
// archive.tf) and the JSON lines of local archives written before the
// emulator wrote Avro.
const (
	AvroSuffix  = ".avro"
	JSONLSuffix = ".jsonl"
)

// DatetimeFormat is the Go layout of the subscription's
// filename_datetime_format "YYYY/MM/DD/hh_mm_ssZ".
const DatetimeFormat = "2006/01/02/15_04_05Z"

// ObjectName is <source>/YYYY/MM/DD/hh_mm_ssZ_<uuid><suffix> for an object
// created at t; uuid is the object's random part.
func ObjectName(source string, t time.Time, uuid, suffix string) string {
	return source + "/" + t.UTC().Format(DatetimeFormat) + "_" + uuid + suffix
}

// DayPrefix is the object prefix of one source's day: <source>/YYYY/MM/DD/.
func DayPrefix(source string, day time.Time) string {
	return source + "/" + day.UTC().Format("2006/01/02") + "/"
}

// avroMagic opens every Avro object container file (Avro specification,
// "Object Container Files": the four bytes 'O', 'b', 'j', 1).
var avroMagic = []byte{'O', 'b', 'j', 1}

// ErrNoMetadata: the Avro object was written without write_metadata (the
// schema has no message_id), so its messages cannot be re-landed with their
// ids.
var ErrNoMetadata = errors.New("the Avro schema has no message_id field: the subscription was created without write_metadata (set avro_config.write_metadata = true)")

// ReadRecords decodes one archived object: an Avro object container file
// (any codec the file's header names: null, deflate, snappy, zstandard) or
// JSON lines. A damaged or truncated object is an error; the records
// decoded before the damage are returned with it, but callers should land
// none of them (the object is whole or not at all).
func ReadRecords(r io.Reader) ([]Record, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(avroMagic))
	if err != nil && err != io.EOF {
		return nil, err
	}
	if bytes.Equal(head, avroMagic) {
		return readAvro(br)
	}
	if len(head) >= 3 && string(head[:3]) == "Obj" {
		return nil, fmt.Errorf("avro: unsupported container version %d (want 1)", head[3])
	}
	return readJSONL(br)
}

func readAvro(r io.Reader) ([]Record, error) {
	dec, err := ocf.NewDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("avro: header: %w", err)
	}
	rs, ok := dec.Schema().(*avro.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("avro: the schema is a %s, want the record %s", dec.Schema().Type(), "com.google.pubsub.PubsubMessageWithMetadata")
	}
	have := map[string]bool{}
	for _, f := range rs.Fields() {
		have[f.Name()] = true
	}
	if !have["message_id"] {
		return nil, ErrNoMetadata
	}
	if !have["data"] {
		return nil, fmt.Errorf("avro: the schema %s has no data field: it is not a Pub/Sub Cloud Storage subscription's", rs.FullName())
	}
	var out []Record
	for dec.HasNext() {
		var rec Record
		if err := dec.Decode(&rec); err != nil {
			return out, fmt.Errorf("avro: record %d: %w", len(out)+1, err)
		}
		rec.PublishTime = rec.PublishTime.UTC()
		out = append(out, rec)
	}
	if err := dec.Error(); err != nil {
		return out, fmt.Errorf("avro: after record %d: %w (the object is truncated or corrupt)", len(out), err)
	}
	return out, nil
}

// readJSONL reads the records of an old local archive. Unknown fields and
// a missing message_id are errors: a text-format object (the raw payloads,
// one a line) must not pass for records with empty data.
func readJSONL(r io.Reader) ([]Record, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var out []Record
	for {
		var rec Record
		if err := dec.Decode(&rec); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("json lines: record %d: %w (want an Avro object container file, or JSON lines of archive records)", len(out)+1, err)
		}
		if rec.MessageID == "" {
			return out, fmt.Errorf("json lines: record %d has no message_id: not an archive record (a text-format subscription's object? the archive subscription must write Avro with write_metadata)", len(out)+1)
		}
		out = append(out, rec)
	}
}

// WriteAvro writes recs as one Avro object container file with Schema and
// the codec (ocf.Null, ocf.Deflate, ocf.Snappy, ocf.ZStandard).
func WriteAvro(w io.Writer, recs []Record, codec ocf.CodecName) error {
	enc, err := ocf.NewEncoderWithSchema(Schema, w, ocf.WithCodec(codec))
	if err != nil {
		return fmt.Errorf("avro: %w", err)
	}
	for _, rec := range recs {
		if rec.Attributes == nil {
			rec.Attributes = map[string]string{}
		}
		if rec.Data == nil {
			rec.Data = []byte{}
		}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("avro: message %s: %w", rec.MessageID, err)
		}
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("avro: %w", err)
	}
	return nil
}

// WriteJSONL writes recs as JSON lines, the format of local archives
// before they were Avro.
func WriteJSONL(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("json lines: message %s: %w", r.MessageID, err)
		}
	}
	return nil
}
