package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// Metadata columns stamped on every raw row.
const (
	colEventID    = "_event_id"
	colSource     = "_source"
	colEventTime  = "_event_time"
	colIngestedAt = "_ingested_at"
	colOrigin     = "_origin"
	colExtra      = "_extra"
)

// RejectsTable is the table in the operations dataset that keeps every
// record that could not land, with its reason and original bytes.
const RejectsTable = "rejects"

// insertBatch is the number of rows per insertAll request.
const insertBatch = 500

// Lander lands records in raw tables. It is the pure core of the ingest
// function: clients, config and clock come in as fields.
type Lander struct {
	BigQuery *bigquery.Client
	Storage  *storage.Client
	Pipeline *config.Pipeline
	Names    gcp.Names
	Now      func() time.Time
	Log      *slog.Logger

	ensured sync.Map // dataset.table → *bigquery.TableMetadata
}

// Result counts what one trigger landed.
type Result struct {
	Landed   int
	Rejected int
}

// reject is one record that did not land.
type reject struct {
	source  string
	reason  RejectReason
	detail  string
	payload []byte
	origin  string
}

// LandMessage lands the records of one Pub/Sub message. The source is chosen
// by the message's "source" attribute, else by topic.
func (l *Lander) LandMessage(ctx context.Context, topic string, msg events.PubSubMessage) (Result, error) {
	origin := fmt.Sprintf("pubsub:%s/%s", topic, msg.MessageID)
	srcName := msg.Attributes["source"]
	var src *config.Source
	if srcName != "" {
		src, _ = l.Pipeline.Source(srcName)
	} else {
		src, _ = l.Pipeline.SourceForTopic(l.Names.SourceTopic(topic))
	}
	if src == nil {
		detail := fmt.Sprintf("no source in pipeline.yaml for topic %q", topic)
		if srcName != "" {
			detail = fmt.Sprintf("attribute source=%q names no source in pipeline.yaml", srcName)
		}
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{"", ReasonUnknownSource, detail, msg.Data, origin}})
	}
	recs := splitPayload(msg.Data)
	if len(recs) == 0 {
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{src.Name, ReasonEmpty, "message has no data", msg.Data, origin}})
	}
	rows := make([]*bigquery.ValuesSaver, 0, len(recs))
	var rejects []reject
	meta, err := l.ensureRaw(ctx, src)
	if err != nil {
		return Result{}, err
	}
	now := l.Now().UTC()
	for _, r := range recs {
		rec, rerr := typeRecord(src, r.bytes)
		recOrigin := origin
		if len(recs) > 1 {
			recOrigin = fmt.Sprintf("%s#%d", origin, r.line)
		}
		if rerr != nil {
			rejects = append(rejects, reject{src.Name, rerr.reason, rerr.detail, r.bytes, recOrigin})
			continue
		}
		if rec.eventID == "" {
			rec.eventID = msg.MessageID
			if len(recs) > 1 {
				rec.eventID = fmt.Sprintf("%s#%d", msg.MessageID, r.line)
			}
		}
		if rec.eventTime.IsZero() {
			rec.eventTime = msg.PublishTime
		}
		rows = append(rows, l.row(meta.Schema, src, rec, recOrigin, now))
	}
	landed, rowRejects, err := l.insert(ctx, src, rows, recs)
	if err != nil {
		return Result{}, err
	}
	rejects = append(rejects, rowRejects...)
	if err := l.writeRejects(ctx, rejects); err != nil {
		return Result{}, err
	}
	return Result{Landed: landed, Rejected: len(rejects)}, nil
}

// LandObject lands the records of one finalized object in the landing
// bucket and archives the object. Records are inserted with ids derived from
// bucket, object, generation and line, so a second finalize event for the
// same generation lands nothing new.
func (l *Lander) LandObject(ctx context.Context, obj events.StorageObjectData) (Result, error) {
	origin := fmt.Sprintf("gs://%s/%s#%d", obj.Bucket, obj.Name, obj.Generation)
	src, ok := l.Pipeline.SourceForObject(obj.Name)
	if !ok {
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{"", ReasonUnknownSource,
			fmt.Sprintf("object %q is under no gcs_prefix in pipeline.yaml", obj.Name), nil, origin}})
	}
	meta, err := l.ensureRaw(ctx, src)
	if err != nil {
		return Result{}, err
	}
	o := l.Storage.Bucket(obj.Bucket).Object(obj.Name).Generation(int64(obj.Generation))
	rc, err := o.NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		// Overwritten or deleted since the event: that generation is gone, and
		// the newer one has its own event.
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{src.Name, ReasonEmpty,
			"object generation no longer exists", nil, origin}})
	}
	if err != nil {
		return Result{}, fmt.Errorf("storage.Object(%s).NewReader: %w", obj.Name, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if strings.HasSuffix(obj.Name, ".gz") || obj.ContentEncoding == "gzip" {
		gz, err := gzip.NewReader(rc)
		if err != nil {
			return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{src.Name, ReasonInvalidJSON,
				"object ends in .gz but is not gzip: " + err.Error(), nil, origin}})
		}
		defer gz.Close()
		r = gz
	}
	now := l.Now().UTC()
	var res Result
	br := bufio.NewReaderSize(r, 1<<16)
	var rows []*bigquery.ValuesSaver
	var recs []rawRecord
	var rejects []reject
	flush := func() error {
		landed, rowRejects, err := l.insert(ctx, src, rows, recs)
		if err != nil {
			return err
		}
		rejects = append(rejects, rowRejects...)
		if err := l.writeRejects(ctx, rejects); err != nil {
			return err
		}
		res.Landed += landed
		res.Rejected += len(rejects)
		rows, recs, rejects = rows[:0], recs[:0], rejects[:0]
		return nil
	}
	line := 0
	for {
		b, err := readLine(br, MaxRecordBytes)
		if err == io.EOF {
			break
		}
		line++
		recOrigin := fmt.Sprintf("%s:%d", origin, line)
		if errors.Is(err, errLineTooLong) {
			rejects = append(rejects, reject{src.Name, ReasonTooLarge,
				fmt.Sprintf("line %d is longer than %d bytes", line, MaxRecordBytes), b, recOrigin})
			continue
		}
		if err != nil {
			// A broken gzip stream or a read failure: retry the whole object;
			// rows already inserted carry ids and will not duplicate.
			return res, fmt.Errorf("read %s line %d: %w", origin, line, err)
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		rec, rerr := typeRecord(src, b)
		if rerr != nil {
			rejects = append(rejects, reject{src.Name, rerr.reason, fmt.Sprintf("line %d: %s", line, rerr.detail), b, recOrigin})
			continue
		}
		if rec.eventID == "" {
			rec.eventID = fmt.Sprintf("%s/%s#%d#%d", obj.Bucket, obj.Name, obj.Generation, line)
		}
		if rec.eventTime.IsZero() {
			rec.eventTime = obj.TimeCreated
		}
		rows = append(rows, l.row(meta.Schema, src, rec, recOrigin, now))
		recs = append(recs, rawRecord{bytes: b, line: line})
		if len(rows) >= insertBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if line == 0 {
		if err := l.writeRejects(ctx, []reject{{src.Name, ReasonEmpty, "object is empty", nil, origin}}); err != nil {
			return res, err
		}
		res.Rejected++
	}
	if err := l.archive(ctx, src, obj); err != nil {
		return res, err
	}
	return res, nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline; a line over max bytes
// is consumed and reported with its first max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) <= max {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) == 0 && len(chunk) == 0 {
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			return buf, err
		}
		break
	}
	trimmed := strings.TrimRight(string(buf), "\r\n")
	if len(buf) >= max {
		return []byte(trimmed), errLineTooLong
	}
	return []byte(trimmed), nil
}

// archive copies the original object to <source>/yyyy/mm/dd/<name> in the
// archive bucket: raw is the source of truth and can be rebuilt from here.
func (l *Lander) archive(ctx context.Context, src *config.Source, obj events.StorageObjectData) error {
	day := obj.TimeCreated
	if day.IsZero() {
		day = l.Now()
	}
	name := strings.TrimPrefix(obj.Name, src.Trigger.GCSPrefix)
	dst := path.Join(src.Name, day.UTC().Format("2006/01/02"), name)
	from := l.Storage.Bucket(obj.Bucket).Object(obj.Name).Generation(int64(obj.Generation))
	if _, err := l.Storage.Bucket(l.Names.Archive).Object(dst).CopierFrom(from).Run(ctx); err != nil {
		return fmt.Errorf("storage.Copier(%s → gs://%s/%s).Run: %w", obj.Name, l.Names.Archive, dst, err)
	}
	return nil
}

func (l *Lander) row(schema bigquery.Schema, src *config.Source, rec *typedRecord, origin string, now time.Time) *bigquery.ValuesSaver {
	rec.values[colEventID] = rec.eventID
	rec.values[colSource] = src.Name
	if rec.eventTime.IsZero() {
		rec.values[colEventTime] = nil
	} else {
		rec.values[colEventTime] = rec.eventTime
	}
	rec.values[colIngestedAt] = now
	rec.values[colOrigin] = origin
	vals := make([]bigquery.Value, len(schema))
	for i, f := range schema {
		vals[i] = rec.values[f.Name]
	}
	return &bigquery.ValuesSaver{Schema: schema, InsertID: src.Name + ":" + rec.eventID, Row: vals}
}

// insert streams rows into raw.<source>. Rows BigQuery refuses come back as
// rejects; a fault worth retrying comes back as an error.
func (l *Lander) insert(ctx context.Context, src *config.Source, rows []*bigquery.ValuesSaver, recs []rawRecord) (int, []reject, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	err := l.BigQuery.Dataset(l.Names.Raw).Table(src.Name).Inserter().Put(ctx, rows)
	var multi bigquery.PutMultiError
	if errors.As(err, &multi) {
		var rejects []reject
		for _, re := range multi {
			payload := []byte(nil)
			if re.RowIndex < len(recs) {
				payload = recs[re.RowIndex].bytes
			}
			origin, _ := rows[re.RowIndex].Row[rowIndex(rows[re.RowIndex].Schema, colOrigin)].(string)
			rejects = append(rejects, reject{src.Name, ReasonInsertRejected, re.Errors.Error(), payload, origin})
		}
		return len(rows) - len(multi), rejects, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("bigquery.Inserter(%s.%s).Put: %w", l.Names.Raw, src.Name, err)
	}
	return len(rows), nil, nil
}

func hasField(s bigquery.Schema, name string) bool {
	for _, f := range s {
		if f.Name == name {
			return true
		}
	}
	return false
}

func rowIndex(s bigquery.Schema, name string) int {
	for i, f := range s {
		if f.Name == name {
			return i
		}
	}
	return 0
}

// writeRejects keeps records that could not land, with a deterministic id so
// a redelivered message does not keep them twice.
func (l *Lander) writeRejects(ctx context.Context, rs []reject) error {
	if len(rs) == 0 {
		return nil
	}
	meta, err := l.ensureRejects(ctx)
	if err != nil {
		return err
	}
	now := l.Now().UTC()
	rows := make([]*bigquery.ValuesSaver, len(rs))
	for i, r := range rs {
		sum := sha256.Sum256([]byte(r.origin + "\x00" + string(r.reason) + "\x00" + string(r.payload)))
		id := hex.EncodeToString(sum[:16])
		vals := map[string]bigquery.Value{
			"reject_id": id, "source": r.source, "reason": string(r.reason), "detail": r.detail,
			"payload": r.payload, "origin": r.origin, "received_at": now,
		}
		row := make([]bigquery.Value, len(meta.Schema))
		for j, f := range meta.Schema {
			row[j] = vals[f.Name]
		}
		rows[i] = &bigquery.ValuesSaver{Schema: meta.Schema, InsertID: id, Row: row}
		l.Log.Warn("record rejected", "source", r.source, "reason", r.reason, "detail", r.detail, "origin", r.origin)
	}
	if err := l.BigQuery.Dataset(l.Names.Ops).Table(RejectsTable).Inserter().Put(ctx, rows); err != nil {
		// Losing a reject would lose data: retry the whole trigger.
		return fmt.Errorf("bigquery.Inserter(%s.%s).Put: %w", l.Names.Ops, RejectsTable, err)
	}
	return nil
}

// RawSchema is a source's declared schema plus the metadata columns.
func RawSchema(src *config.Source) bigquery.Schema {
	s := make(bigquery.Schema, 0, len(src.Schema)+6)
	for _, f := range src.Schema {
		s = append(s, fieldSchema(f))
	}
	return append(s,
		&bigquery.FieldSchema{Name: colEventID, Type: bigquery.StringFieldType, Required: true, Description: "event id: the configured field, else message id or object#generation#line"},
		&bigquery.FieldSchema{Name: colSource, Type: bigquery.StringFieldType, Required: true, Description: "source name in pipeline.yaml"},
		&bigquery.FieldSchema{Name: colEventTime, Type: bigquery.TimestampFieldType, Description: "event time: the configured field, else publish or object time"},
		&bigquery.FieldSchema{Name: colIngestedAt, Type: bigquery.TimestampFieldType, Required: true, Description: "when ingest landed the row"},
		&bigquery.FieldSchema{Name: colOrigin, Type: bigquery.StringFieldType, Description: "pubsub:topic/message-id or gs://bucket/object#generation:line"},
		&bigquery.FieldSchema{Name: colExtra, Type: bigquery.StringFieldType, Description: "fields the schema does not declare, as a JSON object"},
	)
}

func fieldSchema(f config.Field) *bigquery.FieldSchema {
	fs := &bigquery.FieldSchema{Name: f.Name, Type: bigquery.FieldType(canonicalBQ(f.Type)), Description: f.Description}
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

// canonicalBQ maps config type names to the legacy names the REST API uses.
func canonicalBQ(t string) string {
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

// RejectsSchema is the schema of the rejects table.
func RejectsSchema() bigquery.Schema {
	return bigquery.Schema{
		{Name: "reject_id", Type: bigquery.StringFieldType, Required: true},
		{Name: "source", Type: bigquery.StringFieldType, Description: "source name; empty when no source matched"},
		{Name: "reason", Type: bigquery.StringFieldType, Required: true, Description: "stable reason code"},
		{Name: "detail", Type: bigquery.StringFieldType, Description: "what exactly was wrong"},
		{Name: "payload", Type: bigquery.BytesFieldType, Description: "the original bytes of the record"},
		{Name: "origin", Type: bigquery.StringFieldType, Description: "message or object (and line) it came from"},
		{Name: "received_at", Type: bigquery.TimestampFieldType, Required: true},
	}
}

func (l *Lander) ensureRaw(ctx context.Context, src *config.Source) (*bigquery.TableMetadata, error) {
	return l.ensure(ctx, l.Names.Raw, src.Name, &bigquery.TableMetadata{
		Description:      src.Description,
		Schema:           RawSchema(src),
		TimePartitioning: &bigquery.TimePartitioning{Type: bigquery.DayPartitioningType, Field: colIngestedAt},
	})
}

func (l *Lander) ensureRejects(ctx context.Context) (*bigquery.TableMetadata, error) {
	return l.ensure(ctx, l.Names.Ops, RejectsTable, &bigquery.TableMetadata{
		Description:      "Records that could not land, with reason and original bytes.",
		Schema:           RejectsSchema(),
		TimePartitioning: &bigquery.TimePartitioning{Type: bigquery.DayPartitioningType, Field: "received_at"},
	})
}

func (l *Lander) ensure(ctx context.Context, dataset, table string, md *bigquery.TableMetadata) (*bigquery.TableMetadata, error) {
	key := dataset + "." + table
	if m, ok := l.ensured.Load(key); ok {
		return m.(*bigquery.TableMetadata), nil
	}
	if err := bq.EnsureDataset(ctx, l.BigQuery, dataset, ""); err != nil {
		return nil, err
	}
	m, err := bq.EnsureTable(ctx, l.BigQuery, dataset, table, md)
	if err != nil {
		return nil, err
	}
	// A table made elsewhere (Terraform creates raw tables from the declared
	// schema) may lack columns ingest writes: add them, never remove any.
	var missing bigquery.Schema
	for _, f := range md.Schema {
		if !hasField(m.Schema, f.Name) {
			nf := *f
			nf.Required = false
			missing = append(missing, &nf)
		}
	}
	if len(missing) > 0 {
		m, err = l.BigQuery.Dataset(dataset).Table(table).Update(ctx,
			bigquery.TableMetadataToUpdate{Schema: append(append(bigquery.Schema{}, m.Schema...), missing...)}, m.ETag)
		if err != nil {
			return nil, fmt.Errorf("bigquery.Table(%s).Update (add columns): %w", key, err)
		}
	}
	l.ensured.Store(key, m)
	return m, nil
}
