package ingest

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
)

// Coalescer merges the insertAll rows of concurrent deliveries to one
// function instance into one BigQuery insertAll request per table. A
// request is sent when it holds MaxRows rows or about MaxBytes bytes, or
// MaxWait after its first rows arrived, whichever comes first; while a
// request to the same table is in flight, rows past MaxWait go when it
// answers (group commit: under load the requests grow instead of
// multiplying), at the latest 20×MaxWait after they arrived.
//
// Every caller of Put waits until the request that carried its rows has
// answered, and gets back what a request of its own rows alone would have
// said: nil, a bigquery.PutMultiError that indexes its own rows, or the
// request's error. A failed request therefore fails every delivery whose
// rows it carried, so each is retried; the rows' insertIds make that retry
// idempotent. No caller returns nil before its rows are written.
//
// Deliveries that call Enter (LandMessage and LandObject do) are counted,
// so that deliveries arriving one at a time wait for no one: the open
// requests go at once when every delivery in progress is waiting on one, no
// request is in flight, and the last request carried a single delivery.
// Once deliveries overlap (a request carried several), rows wait up to
// MaxWait for company again.
//
// A request refused as a whole (400, 413), or one without SkipInvalidRows
// where a row is refused (which stops every other row), is sent again as one
// request per delivery, so one delivery's bad row never fails another's.
//
// The zero value is ready to use. A Coalescer is safe for concurrent use.
type Coalescer struct {
	MaxRows  int           // rows per request; default 500, BigQuery's recommended maximum
	MaxBytes int           // estimated JSON bytes per request; default 5 MiB, half of BigQuery's 10 MB request limit
	MaxWait  time.Duration // longest a row waits for company while no request to its table is in flight; default 5 ms
	// MaxWrite bounds one request including the client's retries; default 2 min.
	// A request also stops when every delivery waiting on it has given up.
	MaxWrite time.Duration

	mu       sync.Mutex
	open     map[coalesceKey]*writeBatch
	active   int // deliveries between Enter and its release
	waiting  int // Put calls waiting on a request
	inFlight int // requests sent and not answered
	// keyFlight counts the requests in flight per table.
	keyFlight map[coalesceKey]int
	// lastCarried is the number of deliveries the last answered request carried.
	lastCarried int
	stats       CoalesceStats
}

// Enter counts a delivery in progress until the returned func is called.
// A nil Coalescer counts nothing.
func (c *Coalescer) Enter() (release func()) {
	if c == nil {
		return func() {}
	}
	c.mu.Lock()
	c.active++
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.active--
		c.sealIfIdleLocked()
		c.mu.Unlock()
	}
}

// sealIfIdleLocked sends the open requests when deliveries come one at a
// time and every counted delivery is waiting on one; c.mu is held.
func (c *Coalescer) sealIfIdleLocked() {
	if c.active == 0 || c.waiting < c.active || c.inFlight > 0 || c.lastCarried > 1 {
		return
	}
	for _, b := range c.open {
		c.sealLocked(b)
	}
}

// CoalesceStats counts what a Coalescer did.
type CoalesceStats struct {
	Puts     int64 // Put calls (one per delivery flush)
	Requests int64 // insertAll requests sent, isolated re-sends included
	Rows     int64 // rows carried
	Isolated int64 // combined requests re-sent one delivery at a time
}

type coalesceKey struct {
	project, dataset, table string
	skipInvalid             bool
}

// writeBatch is one insertAll request being filled or in flight.
type writeBatch struct {
	key     coalesceKey
	table   *bigquery.Table
	members []*carried
	rows    int
	bytes   int
	timer   *time.Timer
	due     bool // MaxWait has passed; goes when the table's request in flight answers
	sealed  bool
	ctx     context.Context
	cancel  context.CancelFunc
	waiting int // members still waiting; guarded by Coalescer.mu
}

// carried is one delivery's rows inside a writeBatch.
type carried struct {
	rows []*bigquery.ValuesSaver
	err  error
	done chan struct{}
}

const (
	defaultCoalesceRows  = 500
	defaultCoalesceBytes = 5 << 20
	defaultCoalesceWait  = 5 * time.Millisecond
	defaultCoalesceWrite = 2 * time.Minute
	// holdFactor×MaxWait bounds how long rows wait behind a request in
	// flight to the same table.
	holdFactor = 20
)

func (c *Coalescer) limits() (rows, bytes int, wait, write time.Duration) {
	rows, bytes, wait, write = c.MaxRows, c.MaxBytes, c.MaxWait, c.MaxWrite
	if rows <= 0 {
		rows = defaultCoalesceRows
	}
	if bytes <= 0 {
		bytes = defaultCoalesceBytes
	}
	if wait <= 0 {
		wait = defaultCoalesceWait
	}
	if write <= 0 {
		write = defaultCoalesceWrite
	}
	return
}

// Stats returns the counts so far.
func (c *Coalescer) Stats() CoalesceStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Put inserts rows into t, sharing the request with concurrent callers.
func (c *Coalescer) Put(ctx context.Context, t *bigquery.Table, skipInvalid bool, rows []*bigquery.ValuesSaver) error {
	if len(rows) == 0 {
		return nil
	}
	maxRows, maxBytes, wait, write := c.limits()
	size := 0
	for _, r := range rows {
		size += estimateRowBytes(r)
	}
	m := &carried{rows: rows, done: make(chan struct{})}
	key := coalesceKey{t.ProjectID, t.DatasetID, t.TableID, skipInvalid}

	c.mu.Lock()
	c.stats.Puts++
	if c.open == nil {
		c.open = map[coalesceKey]*writeBatch{}
	}
	b := c.open[key]
	if b != nil && (b.rows+len(rows) > maxRows || b.bytes+size > maxBytes) {
		// This delivery does not fit: send what is there, start anew.
		c.sealLocked(b)
		b = nil
	}
	if b == nil {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), write)
		b = &writeBatch{key: key, table: t, ctx: bctx, cancel: cancel}
		c.open[key] = b
		b.timer = time.AfterFunc(wait, func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.keyFlight[key] == 0 || b.due {
				c.sealLocked(b)
				return
			}
			// A request to this table is in flight: keep gathering until it
			// answers (group commit), but no longer than holdFactor×MaxWait.
			b.due = true
			b.timer.Reset(time.Duration(holdFactor-1) * wait)
		})
	}
	b.members = append(b.members, m)
	b.rows += len(rows)
	b.bytes += size
	b.waiting++
	c.waiting++
	if b.rows >= maxRows || b.bytes >= maxBytes {
		c.sealLocked(b)
	}
	c.sealIfIdleLocked()
	c.mu.Unlock()

	select {
	case <-m.done:
		c.mu.Lock()
		c.waiting--
		c.mu.Unlock()
		return m.err
	case <-ctx.Done():
		// The rows may still be written; the delivery is retried and the
		// insertIds keep that retry from landing them twice.
		c.mu.Lock()
		b.waiting--
		c.waiting--
		if b.waiting == 0 && b.sealed {
			b.cancel() // in flight, and nobody is left to answer
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

// sealLocked closes b to new rows and sends it; c.mu is held.
func (c *Coalescer) sealLocked(b *writeBatch) {
	if b.sealed {
		return
	}
	b.sealed = true
	b.timer.Stop()
	c.inFlight++
	if c.keyFlight == nil {
		c.keyFlight = map[coalesceKey]int{}
	}
	c.keyFlight[b.key]++
	if c.open[b.key] == b {
		delete(c.open, b.key)
	}
	go c.send(b)
}

func (c *Coalescer) send(b *writeBatch) {
	defer b.cancel()
	all := make([]*bigquery.ValuesSaver, 0, b.rows)
	for _, m := range b.members {
		all = append(all, m.rows...)
	}
	err := c.insert(b.ctx, b.table, b.key.skipInvalid, all)
	if len(b.members) > 1 && mustIsolate(err, b.key.skipInvalid) {
		c.mu.Lock()
		c.stats.Isolated++
		c.mu.Unlock()
		var wg sync.WaitGroup
		for _, m := range b.members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.err = c.insert(b.ctx, b.table, b.key.skipInvalid, m.rows)
			}()
		}
		wg.Wait()
	} else {
		var multi bigquery.PutMultiError
		if errors.As(err, &multi) {
			splitRowErrors(b.members, multi)
		} else {
			for _, m := range b.members {
				m.err = err
			}
		}
	}
	c.mu.Lock()
	c.inFlight--
	c.keyFlight[b.key]--
	c.lastCarried = len(b.members)
	if next := c.open[b.key]; next != nil && next.due {
		c.sealLocked(next)
	}
	c.sealIfIdleLocked()
	c.mu.Unlock()
	for _, m := range b.members {
		close(m.done)
	}
}

func (c *Coalescer) insert(ctx context.Context, t *bigquery.Table, skipInvalid bool, rows []*bigquery.ValuesSaver) error {
	c.mu.Lock()
	c.stats.Requests++
	c.stats.Rows += int64(len(rows))
	c.mu.Unlock()
	ins := t.Inserter()
	ins.SkipInvalidRows = skipInvalid
	return ins.Put(ctx, rows)
}

// mustIsolate reports whether a combined request's answer may be one
// delivery's fault landing on the others.
func mustIsolate(err error, skipInvalid bool) bool {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && (gerr.Code == 400 || gerr.Code == 413) {
		return true
	}
	var multi bigquery.PutMultiError
	return !skipInvalid && errors.As(err, &multi)
}

// splitRowErrors hands each member the row errors of its own rows, indexed
// as in its own slice.
func splitRowErrors(members []*carried, multi bigquery.PutMultiError) {
	own := make([]bigquery.PutMultiError, len(members))
	for _, re := range multi {
		off := 0
		for i, m := range members {
			if re.RowIndex < off+len(m.rows) {
				re.RowIndex -= off
				own[i] = append(own[i], re)
				break
			}
			off += len(m.rows)
		}
	}
	for i, m := range members {
		if len(own[i]) > 0 {
			m.err = own[i]
		}
	}
}

// estimateRowBytes estimates the JSON the client sends for one row,
// {"insertId":"…","json":{"col":value,…}}, erring on the large side.
func estimateRowBytes(r *bigquery.ValuesSaver) int {
	n := 24 + jsonStringBytes(r.InsertID)
	for i, v := range r.Row {
		if i < len(r.Schema) {
			n += jsonStringBytes(r.Schema[i].Name) + 2
		}
		n += jsonValueBytes(v)
	}
	return n
}

func jsonValueBytes(v bigquery.Value) int {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return jsonStringBytes(x)
	case []byte:
		return (len(x)+2)/3*4 + 2
	case bool:
		return 5
	case []bigquery.Value:
		n := 2
		for _, e := range x {
			n += jsonValueBytes(e) + 1
		}
		return n
	case map[string]bigquery.Value:
		n := 2
		for k, e := range x {
			n += jsonStringBytes(k) + 2 + jsonValueBytes(e)
		}
		return n
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return 12
		}
	}
	// Numbers, times, dates, numerics: short strings. Nested records the
	// client saves as maps with their field names; 64 is ample per value
	// of any scalar type.
	return 64
}

// jsonStringBytes is the encoded length of s as encoding/json writes it
// (HTML characters escaped, invalid UTF-8 replaced).
func jsonStringBytes(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

// put inserts rows into dataset.table through the Lander's Coalescer, or
// as one request of their own when it has none.
func (l *Lander) put(ctx context.Context, dataset, table string, skipInvalid bool, rows []*bigquery.ValuesSaver) error {
	t := l.BigQuery.Dataset(dataset).Table(table)
	if l.Coalesce != nil {
		return l.Coalesce.Put(ctx, t, skipInvalid, rows)
	}
	ins := t.Inserter()
	ins.SkipInvalidRows = skipInvalid
	return ins.Put(ctx, rows)
}
