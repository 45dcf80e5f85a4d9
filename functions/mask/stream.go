package mask

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/storage"
	"golang.org/x/sync/errgroup"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/bq"
)

// Defaults of the streaming path; Masker fields override them.
const (
	DefaultDLPConcurrency = 4     // DLP requests in flight per table
	DefaultPageRows       = 10000 // rows per query result page
	passBatchRows         = 2000  // rows per batch that needs no DLP call (deletions, keep-only tables)
	partBytes             = 256 << 20
)

// plan is one table's mask run: what is read, in which layout.
type plan struct {
	cols   []column // src is the position in the change query's select list
	keyIdx int      // index in cols of the key, -1 without a key
	schema bigquery.Schema
	stage  bigquery.Schema
	fp     string
	mode   string
	// ranges, rng: this run covers the keys whose hash bucket mod ranges is
	// rng (fan-out); ranges 0 covers every key.
	ranges, rng int
}

// Positions of the bookkeeping columns after the published ones in a
// change-query row.
func (p *plan) keyPos() int     { return len(p.cols) }
func (p *plan) hashPos() int    { return len(p.cols) + 1 }
func (p *plan) deletedPos() int { return len(p.cols) + 2 }

func quoteIdent(s string) string { return "`" + s + "`" }

// rowHashSQL is the row fingerprint computed in BigQuery: MD5 over the
// policy fingerprint and a canonical text of every published column: each
// value CAST AS STRING (TIMESTAMP as UNIX_MICROS), strings and bytes
// prefixed with their length so that no separator inside a value can shift
// a column boundary, NULL as "N" (no typed value prints as that). It
// changes when a published column or the policy changes.
//
// Why MD5 and casts, not SHA256 over TO_JSON_STRING: this is change
// detection, not a security boundary (a collision could only leave a row
// stale, still masked), and over 1M events-shaped rows on the local
// emulator SHA256 took 2.7x and TO_JSON_STRING 2x the time (BENCHMARKS.md).
func rowHashSQL(fp string, cols []column) string {
	parts := []string{"'" + fp + "'"}
	for _, c := range cols {
		v := quoteIdent(c.field.Name)
		switch {
		case c.field.Repeated || c.field.Type == bigquery.RecordFieldType || c.field.Type == bigquery.JSONFieldType:
			// no CAST AS STRING for these; their JSON text is canonical
			parts = append(parts, "'|'", "IFNULL(TO_JSON_STRING("+v+"), 'N')")
		case c.field.Type == bigquery.StringFieldType || c.field.Type == bigquery.BytesFieldType:
			parts = append(parts, "'|'", "IFNULL(CONCAT(CAST(LENGTH("+v+") AS STRING), ':', CAST("+v+" AS STRING)), 'N')")
		case c.field.Type == bigquery.TimestampFieldType:
			parts = append(parts, "'|'", "IFNULL(CAST(UNIX_MICROS("+v+") AS STRING), 'N')")
		default:
			parts = append(parts, "'|'", "IFNULL(CAST("+v+" AS STRING), 'N')")
		}
	}
	return "TO_HEX(MD5(CONCAT(" + strings.Join(parts, ", ") + ")))"
}

// bucketSQL is a key's hash bucket, 0..255, from the first byte of its
// SHA-256 (FARM_FINGERPRINT is not served by the local emulator; this is
// plain BigQuery SQL either way).
func bucketSQL(key string) string {
	h := "TO_HEX(SHA256(" + key + "))"
	return "((STRPOS('0123456789abcdef', SUBSTR(" + h + ", 1, 1)) - 1) * 16 + STRPOS('0123456789abcdef', SUBSTR(" + h + ", 2, 1)) - 1)"
}

// changeQuery selects the rows this run masks: every row (full), or only
// the new and changed rows and the deleted keys (incremental), found by
// joining the fingerprints with the mask state in BigQuery, so unchanged
// rows never leave it. Each row is the published columns, then the key as
// STRING, the row hash and whether the key was deleted.
func (m *Masker) changeQuery(table string, p *plan) string {
	src := fmt.Sprintf("`%s.%s.%s`", m.Project, m.Names.Curated, table)
	names := make([]string, len(p.cols))
	for i, c := range p.cols {
		names[i] = quoteIdent(c.field.Name)
	}
	key := "CAST(NULL AS STRING)"
	if p.keyIdx >= 0 {
		key = "CAST(" + quoteIdent(p.cols[p.keyIdx].field.Name) + " AS STRING)"
	}
	hash := rowHashSQL(p.fp, p.cols)
	inRange := func(k string) string {
		if p.ranges <= 1 {
			return ""
		}
		return fmt.Sprintf(" AND MOD(%s, %d) = %d", bucketSQL(k), p.ranges, p.rng)
	}
	if p.mode == ModeFull {
		where := ""
		if r := inRange(key); r != "" {
			where = " WHERE TRUE" + r
		}
		return fmt.Sprintf("SELECT %s, %s AS %s, %s AS %s, FALSE AS %s FROM %s%s",
			strings.Join(names, ", "), key, colKey, hash, colHash, colDeleted, src, where)
	}
	state := fmt.Sprintf("`%s.%s.%s%s`", m.Project, m.Names.Ops, StateTablePrefix, table)
	cnames := make([]string, len(names))
	for i, n := range names {
		cnames[i] = "c." + n
	}
	// One FULL JOIN, so the hashes are computed in one scan of curated:
	// a key only in curated is new, only in the state deleted, in both
	// with another hash changed.
	k := "COALESCE(c." + colKey + ", s.key)"
	return fmt.Sprintf(`WITH c AS (SELECT %s, %s AS %s, %s AS %s FROM %s),
s AS (SELECT key, row_hash FROM %s)
SELECT %s, %s AS %s, COALESCE(c.%s, s.row_hash) AS %s, c.%s IS NULL AS %s
FROM c FULL OUTER JOIN s ON s.key = c.%s
WHERE (c.%s IS NULL OR s.key IS NULL OR s.row_hash != c.%s)%s`,
		strings.Join(names, ", "), key, colKey, hash, colHash, src,
		state,
		strings.Join(cnames, ", "), k, colKey, colHash, colHash, colKey, colDeleted,
		colKey,
		colKey, colHash, inRange(k))
}

// batch is a run of rows on their way from BigQuery through DLP to the
// staging file. Rows are de-identified in place.
type batch struct {
	rows    [][]bigquery.Value
	table   *dlppb.Table // nil: nothing to send (deleted keys, keep-only columns)
	content int          // cell bytes sent to DLP
}

// streamStats is what one streamed run read, sent and wrote.
type streamStats struct {
	changed, deleted int64
	readBytes        int64 // value bytes read out of BigQuery
	dlpBytes         int64
	dlpRequests      int64
	digest           [4]uint64 // order-independent sum of the row digests
}

// tag is the change set's digest, for deterministic job ids.
func (s *streamStats) tag() string {
	var b [32]byte
	for i, v := range s.digest {
		binary.BigEndian.PutUint64(b[i*8:], v)
	}
	return hex.EncodeToString(b[:])[:12]
}

func (s *streamStats) add(key, hash string, deleted bool) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t", key, hash, deleted)
	sum := h.Sum(nil)
	for i := range s.digest {
		s.digest[i] += binary.BigEndian.Uint64(sum[i*8:])
	}
}

// stream runs the change query and pipes its pages through DLP into
// staged NDJSON files: a reader cuts batches within DLP's limits, a fixed
// number of DLP calls run at once, and one writer appends the masked rows.
// Channels are bounded, so memory stays a few batches deep whatever the
// table's size. On a DLP error nothing is loaded (the staged files hold
// masked rows only and are never merged).
func (m *Masker) stream(ctx context.Context, sql string, p *plan, sink *stager) (streamStats, error) {
	var stats streamStats
	var dlpCols []column
	for _, c := range p.cols {
		if c.rule.NeedsDLP() {
			dlpCols = append(dlpCols, c)
		}
	}
	conc := m.DLPConcurrency
	if conc <= 0 {
		conc = DefaultDLPConcurrency
	}
	g, ctx := errgroup.WithContext(ctx)
	work := make(chan *batch, conc)
	done := make(chan *batch, conc)
	var mu sync.Mutex // guards stats.dlpBytes, dlpRequests
	g.Go(func() error {
		defer close(work)
		return m.readBatches(ctx, sql, p, dlpCols, &stats, work)
	})
	var workers sync.WaitGroup
	cfg, inspect := m.deidentifyConfig(dlpCols), m.inspectConfig(dlpCols)
	m.Log.Debug("mask: change query", "sql", sql)
	for range conc {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			for b := range work {
				if b.table != nil {
					if err := m.deidentifyBatch(ctx, cfg, inspect, dlpCols, b); err != nil {
						return err
					}
					mu.Lock()
					stats.dlpBytes += int64(b.content)
					stats.dlpRequests++
					mu.Unlock()
				}
				select {
				case done <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() { workers.Wait(); close(done) }()
	g.Go(func() error {
		for b := range done {
			for _, row := range b.rows {
				if err := sink.write(p, row); err != nil {
					return err
				}
			}
		}
		return nil
	})
	err := g.Wait()
	return stats, err
}

// readBatches pages through the change query and emits batches.
func (m *Masker) readBatches(ctx context.Context, sql string, p *plan, dlpCols []column, stats *streamStats, out chan<- *batch) error {
	it, err := m.BigQuery.Query(sql).Read(ctx)
	if err != nil {
		return fmt.Errorf("read curated (change query): %w", err)
	}
	pageRows := m.PageRows
	if pageRows <= 0 {
		pageRows = DefaultPageRows
	}
	it.PageInfo().MaxSize = pageRows
	headers := make([]*dlppb.FieldId, len(dlpCols))
	for i, c := range dlpCols {
		headers[i] = &dlppb.FieldId{Name: c.field.Name}
	}
	emit := func(b *batch) error {
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var cur, pass *batch
	size := 0
	for n := 0; ; n++ {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return fmt.Errorf("read curated (change query): %w", err)
		}
		for _, v := range row {
			stats.readBytes += valueBytes(v)
		}
		key, _ := row[p.keyPos()].(string)
		hash, _ := row[p.hashPos()].(string)
		deleted, _ := row[p.deletedPos()].(bool)
		stats.add(key, hash, deleted)
		if deleted {
			stats.deleted++
		} else {
			stats.changed++
		}
		if deleted || len(dlpCols) == 0 {
			if pass == nil {
				pass = &batch{}
			}
			pass.rows = append(pass.rows, row)
			if len(pass.rows) >= passBatchRows {
				if err := emit(pass); err != nil {
					return err
				}
				pass = nil
			}
			continue
		}
		vals := make([]*dlppb.Value, len(dlpCols))
		rowBytes, rowContent := 0, 0
		for i, c := range dlpCols {
			var sz int
			vals[i], sz = dlpValue(c, row[c.src])
			rowBytes += sz + 8 // protobuf framing per cell
			rowContent += sz
		}
		if rowBytes > maxRequestBytes {
			return fmt.Errorf("row %d (key %q) is %d bytes in the columns sent to DLP; DLP accepts at most %d per request", n, key, rowBytes, maxRequestBytes)
		}
		if cur != nil && (size+rowBytes > batchBytes || (len(cur.rows)+1)*len(dlpCols) > maxTableValues) {
			if err := emit(cur); err != nil {
				return err
			}
			cur = nil
		}
		if cur == nil {
			cur = &batch{table: &dlppb.Table{Headers: headers}}
			size = 0
		}
		size += rowBytes
		cur.content += rowContent
		cur.rows = append(cur.rows, row)
		cur.table.Rows = append(cur.table.Rows, &dlppb.Table_Row{Values: vals})
	}
	for _, b := range []*batch{cur, pass} {
		if b != nil {
			if err := emit(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// valueBytes approximates a cell's size on the wire, for the bytes-read
// figure.
func valueBytes(v bigquery.Value) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return int64(len(x))
	case []byte:
		return int64(len(x))
	case []bigquery.Value:
		var n int64
		for _, e := range x {
			n += valueBytes(e)
		}
		return n
	}
	return 8
}

// deidentifyBatch sends one batch to DLP (through the request limiter,
// backing off on quota errors) and writes the answers into its rows. NULL
// stays NULL.
func (m *Masker) deidentifyBatch(ctx context.Context, cfg *dlppb.DeidentifyConfig, inspect *dlppb.InspectConfig, cols []column, b *batch) error {
	resp, err := m.callDLP(ctx, &dlppb.DeidentifyContentRequest{
		Parent:           fmt.Sprintf("projects/%s/locations/global", m.Project),
		DeidentifyConfig: cfg,
		InspectConfig:    inspect,
		Item:             &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: b.table}},
	})
	if err != nil {
		return fmt.Errorf("dlp.DeidentifyContent: %w", err)
	}
	got := resp.GetItem().GetTable()
	if got == nil || len(got.Rows) != len(b.rows) {
		return fmt.Errorf("dlp.DeidentifyContent: sent %d rows, got %d back", len(b.rows), len(got.GetRows()))
	}
	idx := map[string]int{}
	for i, h := range got.Headers {
		idx[h.GetName()] = i
	}
	for r, row := range got.Rows {
		for _, c := range cols {
			if b.rows[r][c.src] == nil {
				continue // NULL stays NULL
			}
			i, ok := idx[c.field.Name]
			if !ok || i >= len(row.Values) {
				return fmt.Errorf("dlp.DeidentifyContent: column %s missing from the response", c.field.Name)
			}
			b.rows[r][c.src] = fromDLP(c, row.Values[i])
		}
	}
	b.table = nil // the request is done with; let it go
	return nil
}

// stager writes masked rows as gzipped NDJSON objects under one prefix in
// the archive bucket, for a load job into the staging table. It opens an
// object only when the first row arrives, and starts a new part every
// partBytes of JSON.
type stager struct {
	// ctx outlives the stream's errgroup (the upload ends after it);
	// cancel aborts an open upload.
	ctx    context.Context
	cancel context.CancelFunc
	bucket *storage.BucketHandle
	name   string // bucket name, for gs:// URIs
	prefix string
	w      *storage.Writer
	gz     *gzip.Writer
	buf    *bufio.Writer
	line   []byte
	bytes  int64 // uncompressed bytes in the open part
	rows   int64
	parts  []string
}

func (s *stager) write(p *plan, row []bigquery.Value) error {
	if s.w == nil {
		obj := fmt.Sprintf("%s/part-%05d.ndjson.gz", s.prefix, len(s.parts))
		s.w = s.bucket.Object(obj).NewWriter(s.ctx)
		s.w.ContentType = "application/x-ndjson"
		s.gz, _ = gzip.NewWriterLevel(s.w, gzip.BestSpeed)
		s.buf = bufio.NewWriterSize(s.gz, 1<<16)
		s.parts = append(s.parts, obj)
		s.bytes = 0
	}
	deleted, _ := row[p.deletedPos()].(bool)
	b := append(s.line[:0], '{')
	for i, f := range p.stage {
		v := row[i]
		if deleted && i == p.keyIdx {
			k, _ := row[p.keyPos()].(string)
			v = keyValue(k, p.cols[p.keyIdx].field)
		}
		if v == nil {
			continue // absent is NULL
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		b = appendJSONValue(b, f, v)
	}
	b = append(b, '}', '\n')
	s.line = b
	if _, err := s.buf.Write(b); err != nil {
		return fmt.Errorf("stage masked rows in gs://%s/%s: %w", s.name, s.parts[len(s.parts)-1], err)
	}
	s.rows++
	s.bytes += int64(len(b))
	if s.bytes >= partBytes {
		return s.closePart()
	}
	return nil
}

func (s *stager) closePart() error {
	if s.w == nil {
		return nil
	}
	obj := s.parts[len(s.parts)-1]
	err := s.buf.Flush()
	if err == nil {
		err = s.gz.Close()
	}
	if cerr := s.w.Close(); err == nil {
		err = cerr
	}
	s.w = nil
	if err != nil {
		return fmt.Errorf("stage masked rows in gs://%s/%s: %w", s.name, obj, err)
	}
	return nil
}

// abort drops an open part without finishing it.
func (s *stager) abort() {
	s.cancel()
	if s.w != nil {
		s.w.Close() // fails: the upload was cancelled
		s.w = nil
	}
}

func (s *stager) uris() []string {
	out := make([]string, len(s.parts))
	for i, p := range s.parts {
		out[i] = "gs://" + s.name + "/" + p
	}
	return out
}

// cleanup deletes the staged objects (best effort: the archive bucket's
// lifecycle removes what is left).
func (s *stager) cleanup(ctx context.Context) {
	s.cancel()
	for _, p := range s.parts {
		s.bucket.Object(p).Delete(ctx)
	}
}

// load loads the staged parts into the staging table, replacing it.
func (m *Masker) load(ctx context.Context, jobID string, st *bigquery.Table, schema bigquery.Schema, uris []string) error {
	ref := bigquery.NewGCSReference(uris...)
	ref.SourceFormat = bigquery.JSON
	ref.Compression = bigquery.Gzip
	ref.Schema = schema
	l := st.LoaderFrom(ref)
	l.WriteDisposition = bigquery.WriteTruncate
	l.CreateDisposition = bigquery.CreateIfNeeded
	l.JobID = jobID
	job, err := l.Run(ctx)
	if bq.IsConflict(err) {
		job, err = m.BigQuery.JobFromID(ctx, jobID)
	}
	if err != nil {
		return fmt.Errorf("bigquery.Loader(%s).Run: %w", jobID, err)
	}
	status, err := job.Wait(ctx)
	if err != nil {
		return fmt.Errorf("bigquery.Job(%s).Wait: %w", jobID, err)
	}
	if err := status.Err(); err != nil {
		return fmt.Errorf("load %s: %w", jobID, err)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i += n
				start = i
				continue
			}
			i += n
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONValue appends one cell in the form a BigQuery NDJSON load
// reads for the field's type.
func appendJSONValue(b []byte, f *bigquery.FieldSchema, v bigquery.Value) []byte {
	if f.Repeated {
		if xs, ok := v.([]bigquery.Value); ok {
			one := *f
			one.Repeated = false
			b = append(b, '[')
			for i, x := range xs {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONValue(b, &one, x)
			}
			return append(b, ']')
		}
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		if f.Type == bigquery.JSONFieldType && json.Valid([]byte(x)) {
			return append(b, x...) // JSON text as the value, as the column holds it
		}
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return appendJSONString(b, strconv.FormatFloat(x, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return appendJSONString(b, x.UTC().Format("2006-01-02 15:04:05.999999")+" UTC")
	case civil.Date:
		return appendJSONString(b, x.String())
	case civil.DateTime:
		return appendJSONString(b, bigquery.CivilDateTimeString(x))
	case civil.Time:
		return appendJSONString(b, bigquery.CivilTimeString(x))
	case *big.Rat:
		if f.Type == bigquery.BigNumericFieldType {
			return appendJSONString(b, bigquery.BigNumericString(x))
		}
		return appendJSONString(b, bigquery.NumericString(x))
	case []byte:
		return appendJSONString(b, base64.StdEncoding.EncodeToString(x))
	case []bigquery.Value:
		if f.Type == bigquery.RecordFieldType {
			b = append(b, '{')
			first := true
			for i, sub := range f.Schema {
				if i >= len(x) || x[i] == nil {
					continue
				}
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendJSONString(b, sub.Name)
				b = append(b, ':')
				b = appendJSONValue(b, sub, x[i])
			}
			return append(b, '}')
		}
	}
	return appendJSONString(b, fmt.Sprint(v))
}
