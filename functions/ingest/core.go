package ingest

import (
	"bufio"
	"bytes"
	"compress/flate"
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
	"google.golang.org/api/googleapi"

	"github.com/sluice-data/sluice/shared/blob"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
	"github.com/sluice-data/sluice/shared/metrics"
)

// Metadata columns stamped on every raw row.
const (
	colEventID    = bq.ColEventID
	colSource     = bq.ColSource
	colEventTime  = bq.ColEventTime
	colIngestedAt = bq.ColIngestedAt
	colOrigin     = bq.ColOrigin
	colExtra      = bq.ColExtra
)

// RejectsTable is the table in the operations dataset that keeps every
// record that could not land, with its reason and original bytes.
const RejectsTable = "rejects"

// insertBatch is the number of rows per insertAll request; insertBatchBytes
// the record bytes after which a batch is sent (rows grow on the way).
const (
	insertBatch      = 500
	insertBatchBytes = 4 << 20
)

// Lander lands records in raw tables. It is the pure core of the ingest
// function: clients, config and clock come in as fields.
type Lander struct {
	BigQuery *bigquery.Client
	Storage  *storage.Client
	Pipeline *config.Pipeline
	Names    gcp.Names
	Now      func() time.Time
	Log      *slog.Logger

	// Limits bound messages, records and objects; zero fields take defaults.
	Limits Limits
	// Coalesce, when set, shares insertAll requests between concurrent
	// deliveries (coalesce.go); nil sends one request per flush.
	Coalesce *Coalescer

	hooks hooks // test seams (contain.go)

	ensured sync.Map // dataset.table → *bigquery.TableMetadata
	tables  sync.Map // source → *table
}

// Result counts what one trigger landed.
type Result struct {
	Landed   int
	Rejected int
	Blank    int // empty or whitespace-only lines, skipped (not rejected)
}

// reject is one record that did not land.
type reject struct {
	source  string
	reason  RejectReason
	detail  string
	payload []byte
	origin  string
}

// tableFor returns the raw table of a source, created or completed on first use.
func (l *Lander) tableFor(ctx context.Context, src *config.Source) (*table, error) {
	if t, ok := l.tables.Load(src.Name); ok {
		return t.(*table), nil
	}
	md, err := l.ensureRaw(ctx, src)
	if err != nil {
		return nil, err
	}
	// A CDC source's schema evolves even when declared: the declared
	// columns are where the changelog starts, and the database may add
	// columns or widen types later (schema.go).
	t := &table{src: src, dataset: l.Names.Raw, inferred: len(src.Schema) == 0 || src.CDC != nil}
	t.store(md)
	actual, _ := l.tables.LoadOrStore(src.Name, t)
	return actual.(*table), nil
}

// batch collects the rows and rejects of one trigger and writes them.
type batch struct {
	l       *Lander
	t       *table
	now     time.Time
	rows    []*bigquery.ValuesSaver
	recs    []rawRecord
	rejects []reject
	res     Result
	// stage, when set, receives rows as NDJSON instead of insertAll.
	stage  io.Writer
	staged int
	buf    []byte
	// boxed once per batch
	nowVal, srcVal bigquery.Value
	// a: memory of the rows; rows[:prefixed] have their final InsertID
	a        rowAlloc
	prefixed int
	pending  int // record bytes in rows
	// keys: the encoded column names of the staging rows' schema
	keys    []string
	keysFor *bigquery.FieldSchema
}

func (b *batch) reject(reason RejectReason, detail string, payload []byte, origin string) {
	b.rejects = append(b.rejects, reject{b.t.src.Name, reason, detail, payload, origin})
}

func (b *batch) add(ctx context.Context, rec *typed, origin string, payload []byte, line int) error {
	schema, row := rec.schema, rec.row
	sn := rec.snap
	fast := sn != nil && len(sn.schema) == len(schema)
	// set fills metadata column metaOrder[k].
	set := func(k int, v bigquery.Value) {
		if fast {
			if i := sn.meta[k]; i >= 0 {
				row[i] = v
			}
			return
		}
		for i := len(schema) - 1; i >= 0; i-- {
			if schema[i].Name == metaOrder[k] {
				row[i] = v
				return
			}
		}
	}
	if b.nowVal == nil {
		b.nowVal, b.srcVal = b.now, b.t.src.Name
	}
	if rec.eventIDVal != nil {
		set(0, rec.eventIDVal)
	} else {
		set(0, rec.eventID)
	}
	set(1, b.srcVal)
	if rec.eventTimeVal != nil {
		set(2, rec.eventTimeVal)
	} else if !rec.eventTime.IsZero() {
		set(2, rec.eventTime)
	}
	set(3, b.nowVal)
	set(4, origin)
	if b.stage != nil {
		b.buf = appendRowJSONKeys(b.buf[:0], schema, b.rowKeys(schema), row)
		b.buf = append(b.buf, '\n')
		if _, err := b.stage.Write(b.buf); err != nil {
			return fmt.Errorf("write staging object: %w", err)
		}
		b.staged++
		if len(b.rejects) >= insertBatch {
			return b.flush(ctx)
		}
		return nil
	}
	// The InsertID is "<source>:<event id>"; ready() adds the prefix.
	vs := b.a.saver()
	*vs = bigquery.ValuesSaver{Schema: schema, InsertID: rec.eventID, Row: row}
	b.rows = append(b.rows, vs)
	if rec.src != "" {
		// payload may be a reader's buffer: keep the record's own copy.
		b.recs = append(b.recs, rawRecord{str: rec.src, line: line})
	} else {
		b.recs = append(b.recs, rawRecord{bytes: payload, line: line})
	}
	// insertAll refuses a request over 10 MB: a batch of large rows is
	// sent before it gets there.
	b.pending += len(payload)
	if len(b.rows) >= insertBatch || b.pending >= insertBatchBytes {
		return b.flush(ctx)
	}
	return nil
}

// ready gives the rows added since the last call their final InsertID,
// "<source>:<event id>", all cut from one string.
func (b *batch) ready() {
	rows := b.rows[b.prefixed:]
	if len(rows) == 0 {
		return
	}
	name := b.t.src.Name
	n := 0
	for _, r := range rows {
		n += len(name) + 1 + len(r.InsertID)
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, r := range rows {
		sb.WriteString(name)
		sb.WriteByte(':')
		sb.WriteString(r.InsertID)
	}
	all, off := sb.String(), 0
	for _, r := range rows {
		k := len(name) + 1 + len(r.InsertID)
		r.InsertID = all[off : off+k]
		off += k
	}
	b.prefixed = len(b.rows)
}

func (b *batch) flush(ctx context.Context) error {
	if b.l.hooks.flush != nil {
		b.l.hooks.flush()
	}
	b.ready()
	if b.t.inferred && len(b.rows) > 0 {
		// Rows typed before a concurrent delivery grew the table are sent in
		// the table's current shape (new columns and sub-fields NULL); the
		// shape cannot change during the insert (evolve waits).
		b.t.rw.RLock()
		defer b.t.rw.RUnlock()
		cur := b.t.snap.Load().schema
		for _, r := range b.rows {
			if !sameSchema(r.Schema, cur) {
				r.Row = conform(r.Row, r.Schema, cur)
				r.Schema = cur
			}
		}
	}
	landed, rowRejects, err := b.l.insert(ctx, b.t.src, b.rows, b.recs)
	if err != nil {
		return err
	}
	b.rejects = append(b.rejects, rowRejects...)
	if err := b.l.writeRejects(ctx, b.rejects); err != nil {
		return err
	}
	if landed > 0 {
		metrics.Emit(ctx, b.l.Log, metrics.RowsLanded, float64(landed), "source", b.t.src.Name)
	}
	b.res.Landed += landed
	b.res.Rejected += len(b.rejects)
	b.rows, b.recs, b.rejects, b.prefixed, b.pending = b.rows[:0], b.recs[:0], b.rejects[:0], 0, 0
	return nil
}

// LandMessage lands the records of one Pub/Sub message. The source is chosen
// by the message's "source" attribute, else by topic.
func (l *Lander) LandMessage(ctx context.Context, topic string, msg events.PubSubMessage) (Result, error) {
	return l.LandMessageFrom(ctx, "pubsub", topic, msg)
}

// LandMessageFrom is LandMessage for a message from any broker: scheme
// names it in origins (pubsub, sqs, sns), topic is the topic or queue name
// that routes it when no "source" attribute does.
func (l *Lander) LandMessageFrom(ctx context.Context, scheme, topic string, msg events.PubSubMessage) (Result, error) {
	defer l.Coalesce.Enter()()
	origin := fmt.Sprintf("%s:%s/%s", scheme, topic, msg.MessageID)
	srcName := msg.Attributes["source"]
	var src *config.Source
	if srcName != "" {
		src, _ = l.Pipeline.Source(srcName)
	} else {
		src, _ = l.Pipeline.SourceForTopic(l.Names.SourceTopic(topic))
	}
	if src == nil {
		// The reject carries the name the message asked for (attribute,
		// else topic), so that once that source is added to the config,
		// `sluice replay --source NAME` lands it.
		detail := fmt.Sprintf("no source in pipeline.yaml for topic %q", topic)
		name := l.Names.SourceTopic(topic)
		if srcName != "" {
			detail = fmt.Sprintf("attribute source=%q names no source in pipeline.yaml", srcName)
			name = srcName
		}
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{name, ReasonUnknownSource, detail, msg.Data, origin}})
	}
	return l.LandPayload(ctx, src, msg.Data, Origin{Name: origin, ID: msg.MessageID, Time: msg.PublishTime, Key: msg.OrderingKey})
}

// Origin says where a payload came from: Name goes to _origin and rejects,
// ID is the event id of records without one (suffixed #line when the
// payload holds several), Time the event time of records without one.
type Origin struct {
	Name string
	ID   string
	Time time.Time
	// Key is the Pub/Sub ordering key: Debezium Server sets it to the
	// change event's key, which a CDC source without primary_key reads.
	Key string
}

// LandPayload lands one payload (a message body, or a reject being
// replayed) for a source.
func (l *Lander) LandPayload(ctx context.Context, src *config.Source, data []byte, o Origin) (res Result, err error) {
	defer l.containDelivery(ctx, &res, &err, src.Name, o.Name, "message "+o.Name, data)
	lim := l.Limits.withDefaults()
	one := func(reason RejectReason, detail string) (Result, error) {
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{src.Name, reason, detail, data, o.Name}})
	}
	if len(data) > lim.MaxMessageBytes {
		return one(ReasonTooLarge, fmt.Sprintf("message is %d bytes; the limit is %d", len(data), lim.MaxMessageBytes))
	}
	t, err := l.tableFor(ctx, src)
	if err != nil {
		return Result{}, err
	}
	b := &batch{l: l, t: t, now: l.Now().UTC()}
	var ms []member
	// A UTF-8 byte order mark is not part of the first record (the reject
	// keeps data as sent).
	body := bytes.TrimPrefix(data, utf8BOM)
	if src.Format == FormatCSV {
		if len(bytes.TrimSpace(body)) == 0 {
			return one(ReasonEmpty, "message has no data")
		}
		cr, err := newCSVReader(bytes.NewReader(body))
		if err != nil {
			return one(ReasonInvalidCSV, "header: "+err.Error())
		}
		n := 0
		for {
			row, raw, line, rerr, err := cr.next(ms)
			if err == io.EOF {
				break
			}
			if err != nil {
				return one(ReasonInvalidCSV, err.Error())
			}
			n++
			recOrigin := fmt.Sprintf("%s#%d", o.Name, line)
			if rerr != nil {
				b.reject(rerr.reason, rerr.detail, raw, recOrigin)
				continue
			}
			ms = row
			rec, rerr, err := l.safeType(ctx, t, ms, raw, &b.a)
			if err != nil {
				return Result{}, err
			}
			if rerr != nil {
				b.reject(rerr.reason, rerr.detail, raw, recOrigin)
				continue
			}
			l.defaults(rec, o, line, true)
			if err := b.add(ctx, rec, recOrigin, raw, line); err != nil {
				return Result{}, err
			}
		}
		if n == 0 {
			return one(ReasonEmpty, "CSV has a header and no rows")
		}
		return b.res, b.flush(ctx)
	}
	if src.Format == FormatDebezium && isTombstone(body) {
		l.Log.Info("debezium tombstone acknowledged; the delete before it carries the change", "source", src.Name, "origin", o.Name)
		return Result{Blank: 1}, nil
	}
	recs, blank, rerr := splitPayload(body, lim.MaxDepth)
	if rerr != nil {
		return one(rerr.reason, "JSON array: "+rerr.detail)
	}
	if len(recs) == 0 {
		return one(ReasonEmpty, "message has no data")
	}
	b.res.Blank = blank
	for _, r := range recs {
		recOrigin := o.Name
		if len(recs) > 1 {
			recOrigin = b.a.lineOrigin(o.Name, '#', r.line)
		}
		if len(r.bytes) > lim.MaxInsertRowBytes {
			b.reject(ReasonTooLarge, fmt.Sprintf("record is %d bytes; insertAll takes rows up to %d bytes (MaxInsertRowBytes, under BigQuery's 10 MB streaming row and request limits): send it in a file, where it lands through a load job", len(r.bytes), lim.MaxInsertRowBytes), r.bytes, recOrigin)
			continue
		}
		rec, m2, rerr, err := l.safePrepare(ctx, t, r.bytes, ms, &b.a)
		ms = m2
		if err != nil {
			return Result{}, err
		}
		if rerr == nil && src.CDC != nil {
			rerr = cdcOrderingKey(t, rec, o.Key)
		}
		if rerr != nil {
			b.reject(rerr.reason, rerr.detail, r.bytes, recOrigin)
			continue
		}
		l.defaults(rec, o, r.line, len(recs) > 1)
		if err := b.add(ctx, rec, recOrigin, r.bytes, r.line); err != nil {
			return Result{}, err
		}
	}
	if err := b.flush(ctx); err != nil {
		return Result{}, err
	}
	return b.res, nil
}

func (l *Lander) defaults(rec *typed, o Origin, line int, many bool) {
	if rec.eventID == "" {
		rec.eventID = o.ID
		if many {
			rec.eventID = fmt.Sprintf("%s#%d", o.ID, line)
		}
	}
	if rec.eventTime.IsZero() {
		rec.eventTime = o.Time
	}
}

// errGzipBomb stops a decompression that expands beyond the limits.
var errGzipBomb = errors.New("gzip bomb")

// countReader counts bytes and remembers the source's own read error, so
// that a failing read of the object (transient) is told apart from broken
// data inside it (permanent).
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// bombGuard fails a decompressed stream that expands more than ratio× the
// compressed bytes read (past the first MiB) or beyond max bytes in all.
type bombGuard struct {
	r          io.Reader
	in         *countReader
	out        int64
	ratio, max int64
	detail     string
}

func (g *bombGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.out += int64(n)
	if g.out > g.max {
		g.detail = fmt.Sprintf("decompressed size passed %d bytes, the limit", g.max)
		return n, errGzipBomb
	}
	if g.out > 1<<20 && g.out > g.ratio*g.in.n {
		g.detail = fmt.Sprintf("expanded %d compressed bytes to more than %d (ratio over %d×)", g.in.n, g.out, g.ratio)
		return n, errGzipBomb
	}
	return n, err
}

// LandObject lands the records of one finalized object in the landing
// bucket and archives the object. Small objects are inserted with ids
// derived from bucket, object, generation and line; large ones are staged
// as NDJSON and loaded by a job whose id is derived from bucket, object and
// generation. Either way a second finalize event lands nothing new.
func (l *Lander) LandObject(ctx context.Context, obj events.StorageObjectData) (res Result, err error) {
	return l.LandObjectVersion(ctx, obj, blob.GCSVersion{Client: l.Storage, Bucket: obj.Bucket, Name: obj.Name, Generation: int64(obj.Generation), Archive: l.Names.Archive})
}

// LandObjectVersion is LandObject for an object in any store: obj carries
// what the ids and routing come from (bucket, name, a generation number
// unique to the version, size, time created, encoding) and v reads and
// archives the bytes (S3: shared/aws).
func (l *Lander) LandObjectVersion(ctx context.Context, obj events.StorageObjectData, v blob.Version) (res Result, err error) {
	defer l.Coalesce.Enter()()
	origin := v.URI()
	src, ok := l.Pipeline.SourceForObject(obj.Name)
	if !ok {
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{"", ReasonUnknownSource,
			fmt.Sprintf("object %q is under no gcs_prefix in pipeline.yaml", obj.Name), nil, origin}})
	}
	defer l.containDelivery(ctx, &res, &err, src.Name, origin, "object "+origin+" (re-finalize it, or copy it back from the archive, once fixed)", nil)
	lim := l.Limits.withDefaults()
	t, err := l.tableFor(ctx, src)
	if err != nil {
		return Result{}, err
	}
	objRej := func(reason RejectReason, detail string) (Result, error) {
		return Result{Rejected: 1}, l.writeRejects(ctx, []reject{{src.Name, reason, detail, nil, origin}})
	}
	useLoad := lim.LoadThreshold > 0 && int64(obj.Size) >= lim.LoadThreshold
	jobID := loadJobID(obj)
	if useLoad {
		// A redelivered event whose load already ran lands nothing new. A
		// load that ran and failed keeps its id: the next attempt takes the
		// next id in the same deterministic series (…_r2, …_r3).
		for k := 2; ; k++ {
			job, err := l.BigQuery.JobFromID(ctx, jobID)
			var gerr *googleapi.Error
			if errors.As(err, &gerr) && gerr.Code == 404 {
				break
			}
			if err != nil {
				return Result{}, fmt.Errorf("bigquery.JobFromID(%s): %w", jobID, err)
			}
			js, err := job.Wait(ctx)
			if err != nil {
				return Result{}, fmt.Errorf("bigquery job %s: wait: %w", jobID, err)
			}
			if js.Err() == nil {
				return Result{}, l.archive(ctx, src, obj, v)
			}
			jobID = fmt.Sprintf("%s_r%d", loadJobID(obj), k)
		}
	}
	// The bytes as stored; gzip is undone here, under the bomb guard, not by
	// the client's transparent decompression.
	rc, encoding, err := v.Open(ctx)
	if errors.Is(err, blob.ErrGone) {
		// Overwritten or deleted since the event: that generation is gone, and
		// the newer one has its own event.
		return objRej(ReasonEmpty, "object generation no longer exists")
	}
	if err != nil {
		return Result{}, err
	}
	defer rc.Close()
	cr := &countReader{r: rc}
	var r io.Reader = cr
	var guard *bombGuard
	if strings.HasSuffix(obj.Name, ".gz") || obj.ContentEncoding == "gzip" || encoding == "gzip" {
		gz, err := gzip.NewReader(cr)
		if cr.err != nil {
			return Result{}, fmt.Errorf("read %s: %w", origin, cr.err)
		}
		if err == io.EOF {
			return objRej(ReasonEmpty, "object is empty")
		}
		if err != nil {
			return objRej(ReasonInvalidGzip, "object is marked gzip but is not: "+err.Error())
		}
		defer gz.Close()
		guard = &bombGuard{r: gz, in: cr, ratio: lim.MaxGzipRatio, max: lim.MaxGzipBytes}
		r = guard
	}
	b := &batch{l: l, t: t, now: l.Now().UTC()}
	var stageW *storage.Writer
	stageName := "_staging/" + src.Name + "/" + jobID + ".ndjson"
	if useLoad {
		stageW = l.Storage.Bucket(l.Names.Archive).Object(stageName).NewWriter(ctx)
		stageW.ChunkSize = 4 << 20
		stageW.ContentType = "application/x-ndjson"
		defer stageW.Close()
		b.stage = stageW
		b.a.reuse = true // each row is encoded before the next is typed
	}
	lineOrigin := func(line int) string { return b.a.lineOrigin(origin, ':', line) }
	// readErr classifies a read failure: the object's own read failing is
	// worth a retry; broken or exploding data is kept as a reject.
	readErr := func(err error, line int) (bool, error) {
		if errors.Is(err, errGzipBomb) {
			b.reject(ReasonGzipBomb, guard.detail, nil, origin)
			return true, nil
		}
		if cr.err != nil {
			return false, fmt.Errorf("read %s line %d: %w", origin, line, cr.err)
		}
		reason, what := ReasonInvalidJSON, "the data cannot be read"
		if src.Format == FormatCSV {
			reason = ReasonInvalidCSV
		}
		if guard != nil && isStreamErr(err) {
			reason, what = ReasonInvalidGzip, "the gzip stream is truncated or corrupt"
		}
		kept := fmt.Sprintf("; the %d complete lines before it were kept", line-1)
		if line <= 1 {
			line, kept = 1, ""
		}
		b.reject(reason, fmt.Sprintf("line %d onward: %s (%v)%s", line, what, err, kept), nil, lineOrigin(line))
		return true, nil
	}
	total := 0
	var ms []member
	land := func(rec *typed, rerr *recordError, err error, raw []byte, line int) error {
		if err != nil {
			return err
		}
		if rerr != nil {
			b.reject(rerr.reason, fmt.Sprintf("line %d: %s", line, rerr.detail), raw, lineOrigin(line))
			return nil
		}
		if rec.eventID == "" {
			rec.eventID = fmt.Sprintf("%s/%s#%d#%d", obj.Bucket, obj.Name, obj.Generation, line)
		}
		if rec.eventTime.IsZero() {
			rec.eventTime = obj.TimeCreated
		}
		return b.add(ctx, rec, lineOrigin(line), raw, line)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	skipBOM(br)
	// insertAll refuses rows over 10 MB; the load path takes them.
	maxLine := lim.MaxRecordBytes
	if !useLoad && lim.MaxInsertRowBytes < maxLine {
		maxLine = lim.MaxInsertRowBytes
	}
	switch {
	case src.Format == FormatCSV:
		c, err := newCSVReader(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			if stop, rerr := readErr(err, 0); !stop {
				return b.res, rerr
			}
			break
		}
		total++ // the header
		for {
			row, raw, line, rerr, err := c.next(ms)
			if err == io.EOF {
				break
			}
			if err != nil {
				if stop, rerr := readErr(err, line); !stop {
					return b.res, rerr
				}
				break
			}
			total++
			if rerr != nil {
				b.reject(rerr.reason, rerr.detail, raw, lineOrigin(line))
				continue
			}
			ms = row
			rec, rerr, err := l.safeType(ctx, t, ms, raw, &b.a)
			if err := land(rec, rerr, err, raw, line); err != nil {
				return b.res, err
			}
		}
	default:
		arr := false
		if src.Format == FormatJSON {
			if p, _ := peekNonSpace(br); p == '[' {
				arr = true
			}
		}
		ar := &arrayReader{br: br, max: maxLine}
		for line := 1; ; line++ {
			var raw []byte
			var err error
			if arr {
				raw, err = ar.next()
			} else {
				raw, err = readLine(br, maxLine)
			}
			if err == io.EOF {
				break
			}
			if errors.Is(err, errLineTooLong) {
				total++
				b.reject(ReasonTooLarge, lineTooLong(line, maxLine, lim, useLoad), raw, lineOrigin(line))
				continue
			}
			if err != nil {
				if stop, rerr := readErr(err, line); !stop {
					return b.res, rerr
				}
				break
			}
			if len(bytes.TrimSpace(raw)) == 0 {
				b.res.Blank++
				continue
			}
			total++
			rec, m2, rerr, err := l.safePrepare(ctx, t, raw, ms, &b.a)
			ms = m2
			if rerr != nil || err != nil {
				raw = bytes.Clone(raw)
			}
			if err := land(rec, rerr, err, raw, line); err != nil {
				return b.res, err
			}
		}
	}
	if total == 0 && b.res.Landed == 0 && len(b.rows) == 0 && b.staged == 0 && len(b.rejects) == 0 {
		b.reject(ReasonEmpty, "object has no records", nil, origin)
	}
	if err := b.flush(ctx); err != nil {
		return b.res, err
	}
	if useLoad && b.staged > 0 {
		if err := stageW.Close(); err != nil {
			return b.res, fmt.Errorf("close staging object %s: %w", stageName, err)
		}
		n, err := l.load(ctx, t, jobID, stageName)
		if err != nil {
			return b.res, err
		}
		b.res.Landed += n
		l.Storage.Bucket(l.Names.Archive).Object(stageName).Delete(ctx)
	}
	if err := l.archive(ctx, src, obj, v); err != nil {
		return b.res, err
	}
	return b.res, nil
}

// isStreamErr: err is the gzip stream's own damage, not the data's.
func isStreamErr(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce)
}

// utf8BOM is the UTF-8 byte order mark some producers (spreadsheet exports,
// Windows tools) put at the start of a file.
var utf8BOM = []byte("\xef\xbb\xbf")

// skipBOM drops a byte order mark at the start of a stream.
func skipBOM(br *bufio.Reader) {
	if p, _ := br.Peek(len(utf8BOM)); bytes.Equal(p, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
}

// lineTooLong is the detail of a too_large line: which limit, and what to do.
func lineTooLong(line, max int, lim Limits, useLoad bool) string {
	if !useLoad && max < lim.MaxRecordBytes {
		return fmt.Sprintf("line %d is longer than %d bytes, the largest row insertAll takes (MaxInsertRowBytes; BigQuery's streaming limit is 10 MB): objects of at least LoadThreshold (%d bytes) land through a load job, which takes lines up to MaxRecordBytes (%d)", line, max, lim.LoadThreshold, lim.MaxRecordBytes)
	}
	return fmt.Sprintf("line %d is longer than %d bytes, the MaxRecordBytes limit", line, max)
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		p, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch p[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
			continue
		}
		return p[0], nil
	}
}

// loadJobID is the job id of the load for one object generation.
func loadJobID(obj events.StorageObjectData) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", obj.Bucket, obj.Name, obj.Generation)))
	return "sluice_ingest_" + hex.EncodeToString(sum[:16])
}

// load runs the load job of a staging object into the raw table. A 409 on
// the job id means this generation was loaded before: nothing new lands.
func (l *Lander) load(ctx context.Context, t *table, jobID, stageName string) (int, error) {
	ref := bigquery.NewGCSReference("gs://" + l.Names.Archive + "/" + stageName)
	ref.SourceFormat = bigquery.JSON
	ref.Schema = t.snap.Load().schema
	ld := l.BigQuery.Dataset(t.dataset).Table(t.src.Name).LoaderFrom(ref)
	ld.WriteDisposition = bigquery.WriteAppend
	ld.CreateDisposition = bigquery.CreateNever
	ld.JobID = jobID
	job, err := ld.Run(ctx)
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && gerr.Code == 409 {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bigquery load %s: %w", jobID, err)
	}
	st, err := job.Wait(ctx)
	if err != nil {
		return 0, fmt.Errorf("bigquery load %s: wait: %w", jobID, err)
	}
	if err := st.Err(); err != nil {
		return 0, fmt.Errorf("bigquery load %s: %w", jobID, err)
	}
	if ls, ok := st.Statistics.Details.(*bigquery.LoadStatistics); ok {
		return int(ls.OutputRows), nil
	}
	return 0, nil
}

// archive copies the original object to <source>/yyyy/mm/dd/<name> in the
// archive bucket: raw is the source of truth and can be rebuilt from here.
func (l *Lander) archive(ctx context.Context, src *config.Source, obj events.StorageObjectData, v blob.Version) error {
	day := obj.TimeCreated
	if day.IsZero() {
		day = l.Now()
	}
	name := strings.TrimPrefix(obj.Name, src.Trigger.GCSPrefix)
	return v.ArchiveTo(ctx, path.Join(src.Name, day.UTC().Format("2006/01/02"), name))
}

// insert streams rows into raw.<source>. Rows BigQuery refuses come back as
// rejects; a fault worth retrying comes back as an error.
func (l *Lander) insert(ctx context.Context, src *config.Source, rows []*bigquery.ValuesSaver, recs []rawRecord) (int, []reject, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	// Valid rows land even when others in the request are refused (without
	// skipInvalidRows BigQuery refuses the whole request and marks the good
	// rows "stopped").
	err := l.put(ctx, l.Names.Raw, src.Name, true, rows)
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && (gerr.Code == 400 || gerr.Code == 413) {
		// The request as a whole is refused (too large, or something in it
		// BigQuery cannot parse): halve until the culprit row stands alone,
		// and keep that row as a reject. Retrying would fail the same way.
		if len(rows) == 1 {
			origin, _ := rows[0].Row[rowIndex(rows[0].Schema, colOrigin)].(string)
			var payload []byte
			if len(recs) > 0 {
				payload = recs[0].payload()
			}
			return 0, []reject{{src.Name, ReasonInsertRejected, gerr.Error(), payload, origin}}, nil
		}
		h := len(rows) / 2
		n1, r1, err := l.insert(ctx, src, rows[:h], recs[:min(h, len(recs))])
		if err != nil {
			return 0, nil, err
		}
		n2, r2, err := l.insert(ctx, src, rows[h:], recs[min(h, len(recs)):])
		return n1 + n2, append(r1, r2...), err
	}
	if errors.As(err, &gerr) && gerr.Code == 404 {
		// The table (or dataset) went away: forget it, so the retry
		// creates it again.
		l.tables.Delete(src.Name)
		l.ensured.Delete(l.Names.Raw + "." + src.Name)
	}
	var multi bigquery.PutMultiError
	if errors.As(err, &multi) {
		var rejects []reject
		for _, re := range multi {
			payload := []byte(nil)
			if re.RowIndex < len(recs) {
				payload = recs[re.RowIndex].payload()
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

// Rejects must always be writable: BigQuery refuses an insertAll request
// over 10 MB and a row over 10 MB, and losing a reject would lose data.
const (
	// RejectInlineMax: a payload above this many bytes is kept in full in
	// the archive bucket under _rejects/<source>/<date>/<reject id>; the
	// row keeps its first RejectHeadBytes, size, SHA-256 and payload_uri.
	RejectInlineMax = 1 << 20
	RejectHeadBytes = 4 << 10
	// rejectsRequestMax bounds the (estimated) bytes of one rejects insertAll.
	rejectsRequestMax = 8 << 20
	// rejectDetailMax bounds a detail (a stack is a few KB).
	rejectDetailMax = 64 << 10
)

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
	var rows []*bigquery.ValuesSaver
	size := 0
	put := func() error {
		if len(rows) == 0 {
			return nil
		}
		if err := l.put(ctx, l.Names.Ops, RejectsTable, false, rows); err != nil {
			// Losing a reject would lose data: retry the whole trigger.
			return fmt.Errorf("bigquery.Inserter(%s.%s).Put: %w", l.Names.Ops, RejectsTable, err)
		}
		rows, size = rows[:0], 0
		return nil
	}
	for _, r := range rs {
		sum := sha256.Sum256([]byte(r.origin + "\x00" + string(r.reason) + "\x00" + string(r.payload)))
		id := hex.EncodeToString(sum[:16])
		detail := r.detail
		if len(detail) > rejectDetailMax {
			detail = strings.ToValidUTF8(detail[:rejectDetailMax], "") + "…"
		}
		vals := map[string]bigquery.Value{
			"reject_id": id, "source": r.source, "reason": string(r.reason), "detail": detail,
			"payload": r.payload, "origin": r.origin, "received_at": now,
		}
		if r.payload != nil {
			psum := sha256.Sum256(r.payload)
			vals["payload_size"] = int64(len(r.payload))
			vals["payload_sha256"] = hex.EncodeToString(psum[:])
		}
		if len(r.payload) > RejectInlineMax {
			uri, err := l.archivePayload(ctx, r.source, now, id, r.payload)
			if err != nil {
				return err
			}
			vals["payload"], vals["payload_uri"] = r.payload[:RejectHeadBytes], uri
		}
		row := make([]bigquery.Value, len(meta.Schema))
		for j, f := range meta.Schema {
			row[j] = vals[f.Name]
		}
		// BYTES travel base64-encoded: 4/3 of the payload, plus the rest.
		n := len(vals["payload"].([]byte))*4/3 + len(detail) + len(r.origin) + len(r.source) + 512
		if size+n > rejectsRequestMax || len(rows) >= insertBatch {
			if err := put(); err != nil {
				return err
			}
		}
		rows = append(rows, &bigquery.ValuesSaver{Schema: meta.Schema, InsertID: id, Row: row})
		size += n
		// The line is also the rejects metric (a counter of these lines, by source and reason).
		l.Log.Warn("record rejected", "source", r.source, "reason", string(r.reason), "detail", firstLine(detail), "origin", r.origin,
			metrics.Field, metrics.Rejects, metrics.Value, 1)
	}
	return put()
}

// archivePayload keeps a large reject payload in full in the archive
// bucket and returns its gs:// URI. The name is the reject id, so a
// redelivery writes the same bytes to the same object.
func (l *Lander) archivePayload(ctx context.Context, source string, day time.Time, id string, payload []byte) (string, error) {
	if source == "" {
		source = "_unknown"
	}
	name := fmt.Sprintf("_rejects/%s/%s/%s", source, day.Format("2006-01-02"), id)
	w := l.Storage.Bucket(l.Names.Archive).Object(name).NewWriter(ctx)
	w.ContentType = "application/octet-stream"
	if _, err := w.Write(payload); err != nil {
		w.Close()
		return "", fmt.Errorf("storage.Writer(gs://%s/%s): %w", l.Names.Archive, name, err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("storage.Writer(gs://%s/%s).Close: %w", l.Names.Archive, name, err)
	}
	return "gs://" + l.Names.Archive + "/" + name, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// RawSchema is a source's declared schema plus the metadata columns
// (shared/bq holds it, so transform can create raw tables without importing
// ingest).
func RawSchema(src *config.Source) bigquery.Schema { return bq.RawSchema(src) }

// RejectsSchema is the schema of the rejects table.
func RejectsSchema() bigquery.Schema {
	return bigquery.Schema{
		{Name: "reject_id", Type: bigquery.StringFieldType, Required: true},
		{Name: "source", Type: bigquery.StringFieldType, Description: "source name; empty when no source matched"},
		{Name: "reason", Type: bigquery.StringFieldType, Required: true, Description: "stable reason code"},
		{Name: "detail", Type: bigquery.StringFieldType, Description: "what exactly was wrong"},
		{Name: "payload", Type: bigquery.BytesFieldType, Description: "the original bytes of the record (the first 4 KB when payload_uri is set)"},
		{Name: "payload_size", Type: bigquery.IntegerFieldType, Description: "bytes in the whole payload"},
		{Name: "payload_sha256", Type: bigquery.StringFieldType, Description: "SHA-256 of the whole payload, hex"},
		{Name: "payload_uri", Type: bigquery.StringFieldType, Description: "gs:// object holding the whole payload when it is over 1 MB; NULL otherwise"},
		{Name: "origin", Type: bigquery.StringFieldType, Description: "message or object (and line) it came from"},
		{Name: "received_at", Type: bigquery.TimestampFieldType, Required: true},
		{Name: "replayed_at", Type: bigquery.TimestampFieldType, Description: "when `sluice replay` re-submitted it; NULL until then"},
	}
}

func (l *Lander) ensureRaw(ctx context.Context, src *config.Source) (*bigquery.TableMetadata, error) {
	return l.ensure(ctx, l.Names.Raw, src.Name, bq.RawTableMetadata(src))
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
