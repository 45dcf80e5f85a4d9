package bigquery

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
)

// The Storage Read API (google.cloud.bigquery.storage.v1.BigQueryRead).
//
// CreateReadSession copies the selected columns of the rows that pass the
// row restriction into a snapshot table in schema _bq_read (BigQuery reads
// a session at one snapshot too), then splits its rows into contiguous
// rowid ranges, one per stream. ReadRows answers a stream's rows in
// batches of readBatchRows, as Arrow IPC record batches or Avro binary
// rows. The newest maxReadSessions snapshots are kept.

const (
	readSchema      = "_bq_read"
	readBatchRows   = 10000
	maxReadSessions = 32
	maxReadStreams  = 1000
)

type readSession struct {
	name     string
	table    string // snapshot table in readSchema
	fields   []*bq.TableFieldSchema
	format   storagepb.DataFormat
	arrow    *arrow.Schema
	arrowIPC []byte // serialized Arrow schema message
	streams  []readStreamRange
}

type readStreamRange struct {
	name   string
	lo, hi int64 // rowids [lo, hi)
}

type storageRead struct {
	storagepb.UnimplementedBigQueryReadServer
	s *Server

	mu       sync.Mutex
	sessions map[string]*readSession // by session name
	order    []string                // session names, oldest first
	streams  map[string]*readSession // by stream name
	seq      atomic.Int64
}

// parseTablePath splits projects/P/datasets/D/tables/T.
func parseTablePath(p string) (project, dataset, table string, ok bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 6 || parts[0] != "projects" || parts[2] != "datasets" || parts[4] != "tables" || parts[1] == "" || parts[3] == "" || parts[5] == "" {
		return "", "", "", false
	}
	return parts[1], parts[3], parts[5], true
}

// grpcErr turns an emulator error into a gRPC status with the code BigQuery's
// Storage API uses for it.
func grpcErr(err error) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	ae := toAPIError(err)
	c := codes.Internal
	switch ae.Code {
	case 400:
		c = codes.InvalidArgument
	case 403:
		c = codes.PermissionDenied
	case 404:
		c = codes.NotFound
	case 409:
		c = codes.AlreadyExists
	case 429:
		c = codes.ResourceExhausted
	case 501:
		c = codes.Unimplemented
	case 503:
		c = codes.Unavailable
	}
	return status.Error(c, ae.Message)
}

func (r *storageRead) CreateReadSession(ctx context.Context, req *storagepb.CreateReadSessionRequest) (*storagepb.ReadSession, error) {
	if fail, code := r.s.faults.Check("storage.CreateReadSession"); fail {
		return nil, grpcErr(errorf(code, "backendError", "injected fault for storage.CreateReadSession"))
	}
	rs := req.GetReadSession()
	if rs == nil {
		return nil, status.Error(codes.InvalidArgument, "read_session is required")
	}
	project, ds, tbl, ok := parseTablePath(rs.GetTable())
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "Invalid table name %q: expected projects/{project}/datasets/{dataset}/tables/{table}", rs.GetTable())
	}
	format := rs.GetDataFormat()
	if format != storagepb.DataFormat_ARROW && format != storagepb.DataFormat_AVRO {
		return nil, status.Error(codes.InvalidArgument, "data_format must be ARROW or AVRO")
	}
	r.s.flushAppenders()
	t, err := r.s.lookupTable(ctx, project, ds, tbl)
	if err != nil {
		return nil, grpcErr(err)
	}
	if t.Type == "VIEW" {
		return nil, status.Errorf(codes.InvalidArgument, "Table %s:%s.%s is a view; the Storage Read API reads tables only (query the view and read its destination table)", project, ds, tbl)
	}
	all := t.Schema.Fields
	fields := all
	if sel := rs.GetReadOptions().GetSelectedFields(); len(sel) > 0 {
		fields = nil
		for _, name := range sel {
			f := findField(all, name)
			if f == nil {
				return nil, status.Errorf(codes.InvalidArgument, "Field %s in selected_fields does not exist in the table schema of %s.%s", name, ds, tbl)
			}
			fields = append(fields, f)
		}
	}
	for _, f := range fields {
		if f.Type == "RECORD" || f.Mode == "REPEATED" || f.Type == "INTERVAL" || f.Type == "RANGE" {
			return nil, status.Errorf(codes.Unimplemented, "column %s (%s %s) cannot be read through this emulator's Storage Read API (RECORD, REPEATED, INTERVAL and RANGE columns are not served); leave it out of selected_fields or read it with tabledata.list", f.Name, modeOf(f), f.Type)
		}
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = "`" + f.Name + "`"
	}
	src := "SELECT " + strings.Join(cols, ", ") + " FROM `" + ds + "`.`" + tbl + "`"
	if len(fields) == 0 {
		src = "SELECT 1 AS x FROM `" + ds + "`.`" + tbl + "`"
	}
	if rr := rs.GetReadOptions().GetRowRestriction(); rr != "" {
		src += " WHERE " + rr
	}
	stmts, err := bqsql.Translate(src, bqsql.Options{DefaultProject: project, DefaultDataset: ds})
	if err == nil && (len(stmts) != 1 || stmts[0].Kind != bqsql.KindQuery) {
		err = fmt.Errorf("not a single boolean expression")
	}
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "row_restriction %q is not a valid GoogleSQL boolean expression over %s.%s: %v", rs.GetReadOptions().GetRowRestriction(), ds, tbl, err)
	}
	id := r.seq.Add(1)
	name := fmt.Sprintf("projects/%s/locations/%s/sessions/s%d", project, strings.ToLower(r.s.opts.Location), id)
	snap := fmt.Sprintf("s%d", id)
	conn, err := r.s.db.Conn(ctx)
	if err != nil {
		return nil, grpcErr(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(readSchema)); err != nil {
		return nil, grpcErr(err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE "+qualified(readSchema, snap)+" AS "+stmts[0].SQL); err != nil {
		ae := r.s.apiErrorFor(err, project, stmts[0].SQL)
		return nil, status.Errorf(codes.InvalidArgument, "row_restriction %q over %s.%s: %s", rs.GetReadOptions().GetRowRestriction(), ds, tbl, ae.Message)
	}
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+qualified(readSchema, snap)).Scan(&n); err != nil {
		return nil, grpcErr(err)
	}
	sess := &readSession{name: name, table: snap, fields: fields, format: format}
	// Streams: the client's maximum (BigQuery's is 1,000), at least its
	// preferred minimum, one per started 10,000 rows otherwise.
	want := int64(req.GetPreferredMinStreamCount())
	if want < 1 {
		want = 1
	}
	if per := (n + readBatchRows - 1) / readBatchRows; per > want {
		want = per
	}
	if mx := int64(req.GetMaxStreamCount()); mx > 0 && want > mx {
		want = mx
	}
	want = min(want, maxReadStreams, max(n, 1))
	for i := int64(0); i < want; i++ {
		sess.streams = append(sess.streams, readStreamRange{
			name: fmt.Sprintf("%s/streams/%d", name, i),
			lo:   n * i / want, hi: n * (i + 1) / want,
		})
	}
	out := &storagepb.ReadSession{
		Name:       name,
		Table:      rs.GetTable(),
		DataFormat: format,
		ExpireTime: timestamppb.New(time.Now().Add(6 * time.Hour)),
		ReadOptions: &storagepb.ReadSession_TableReadOptions{
			SelectedFields: rs.GetReadOptions().GetSelectedFields(), RowRestriction: rs.GetReadOptions().GetRowRestriction(),
		},
		EstimatedRowCount:          n,
		EstimatedTotalBytesScanned: n * rowWidth(fields),
	}
	switch format {
	case storagepb.DataFormat_ARROW:
		sess.arrow = arrowSchema(fields)
		b, err := arrowSchemaBytes(sess.arrow)
		if err != nil {
			return nil, grpcErr(err)
		}
		sess.arrowIPC = b
		out.Schema = &storagepb.ReadSession_ArrowSchema{ArrowSchema: &storagepb.ArrowSchema{SerializedSchema: b}}
	case storagepb.DataFormat_AVRO:
		out.Schema = &storagepb.ReadSession_AvroSchema{AvroSchema: &storagepb.AvroSchema{Schema: avroSchema(fields)}}
	}
	for _, st := range sess.streams {
		out.Streams = append(out.Streams, &storagepb.ReadStream{Name: st.name})
	}
	r.add(ctx, sess)
	return out, nil
}

func (r *storageRead) add(ctx context.Context, sess *readSession) {
	r.mu.Lock()
	if r.sessions == nil {
		r.sessions = map[string]*readSession{}
		r.streams = map[string]*readSession{}
	}
	r.sessions[sess.name] = sess
	r.order = append(r.order, sess.name)
	for _, st := range sess.streams {
		r.streams[st.name] = sess
	}
	var drop []*readSession
	for len(r.order) > maxReadSessions {
		old := r.sessions[r.order[0]]
		r.order = r.order[1:]
		delete(r.sessions, old.name)
		for _, st := range old.streams {
			delete(r.streams, st.name)
		}
		drop = append(drop, old)
	}
	r.mu.Unlock()
	for _, old := range drop {
		r.s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+qualified(readSchema, old.table))
	}
}

func (r *storageRead) lookup(stream string) (*readSession, readStreamRange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sess := r.streams[stream]
	if sess == nil {
		return nil, readStreamRange{}, false
	}
	for _, st := range sess.streams {
		if st.name == stream {
			return sess, st, true
		}
	}
	return nil, readStreamRange{}, false
}

func (r *storageRead) ReadRows(req *storagepb.ReadRowsRequest, srv storagepb.BigQueryRead_ReadRowsServer) error {
	if fail, code := r.s.faults.Check("storage.ReadRows"); fail {
		return grpcErr(errorf(code, "backendError", "injected fault for storage.ReadRows"))
	}
	sess, st, ok := r.lookup(req.GetReadStream())
	if !ok {
		return status.Errorf(codes.NotFound, "Read stream %s was not found (it never existed, or its session expired: this emulator keeps the newest %d sessions)", req.GetReadStream(), maxReadSessions)
	}
	lo := st.lo + req.GetOffset()
	if req.GetOffset() < 0 || lo > st.hi {
		return status.Errorf(codes.OutOfRange, "offset %d is beyond the %d rows of stream %s", req.GetOffset(), st.hi-st.lo, st.name)
	}
	ctx := srv.Context()
	cols := make([]string, len(sess.fields))
	for i, f := range sess.fields {
		cols[i] = quoteIdent(f.Name)
		if f.Type == "JSON" {
			cols[i] = "CAST(" + cols[i] + " AS VARCHAR)"
		}
	}
	if len(cols) == 0 {
		cols = []string{"1"}
	}
	rows, err := r.s.db.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE rowid >= %d AND rowid < %d ORDER BY rowid",
		strings.Join(cols, ", "), qualified(readSchema, sess.table), lo, st.hi))
	if err != nil {
		return grpcErr(err)
	}
	defer rows.Close()
	var enc batchEncoder
	switch sess.format {
	case storagepb.DataFormat_ARROW:
		enc = newArrowEncoder(sess)
	default:
		enc = &avroEncoder{fields: sess.fields}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	total := st.hi - st.lo
	done := lo - st.lo
	send := func(n int64) error {
		if n == 0 {
			return nil
		}
		resp, err := enc.flush()
		if err != nil {
			return grpcErr(err)
		}
		done += n
		resp.RowCount = n
		resp.Stats = &storagepb.StreamStats{Progress: &storagepb.StreamStats_Progress{
			AtResponseStart: float64(done-n) / float64(max(total, 1)), AtResponseEnd: float64(done) / float64(max(total, 1))}}
		return srv.Send(resp)
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return grpcErr(err)
		}
		if len(sess.fields) > 0 {
			if err := enc.add(vals); err != nil {
				return grpcErr(err)
			}
		} else {
			enc.add(nil)
		}
		if n++; n == readBatchRows {
			if err := send(n); err != nil {
				return err
			}
			n = 0
		}
	}
	if err := rows.Err(); err != nil {
		return grpcErr(err)
	}
	return send(n)
}

// SplitReadStream splits a stream's remaining rows at the given fraction.
// A stream already read keeps its name and range for the reader that holds
// it (the primary), so splitting is only exact before reading starts, as
// BigQuery documents for its own splits ("best effort").
func (r *storageRead) SplitReadStream(ctx context.Context, req *storagepb.SplitReadStreamRequest) (*storagepb.SplitReadStreamResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sess := r.streams[req.GetName()]
	if sess == nil {
		return nil, status.Errorf(codes.NotFound, "Read stream %s was not found", req.GetName())
	}
	f := req.GetFraction()
	if f <= 0 || f >= 1 {
		return nil, status.Errorf(codes.InvalidArgument, "fraction %v must be strictly between 0 and 1", f)
	}
	i := slices.IndexFunc(sess.streams, func(s readStreamRange) bool { return s.name == req.GetName() })
	st := sess.streams[i]
	mid := st.lo + int64(math.Floor(float64(st.hi-st.lo)*f))
	if mid <= st.lo || mid >= st.hi {
		return &storagepb.SplitReadStreamResponse{}, nil // too small to split: BigQuery answers no streams too
	}
	a := readStreamRange{name: fmt.Sprintf("%s.%da", st.name, mid), lo: st.lo, hi: mid}
	b := readStreamRange{name: fmt.Sprintf("%s.%db", st.name, mid), lo: mid, hi: st.hi}
	sess.streams = append(sess.streams, a, b)
	r.streams[a.name] = sess
	r.streams[b.name] = sess
	return &storagepb.SplitReadStreamResponse{PrimaryStream: &storagepb.ReadStream{Name: a.name}, RemainderStream: &storagepb.ReadStream{Name: b.name}}, nil
}

type batchEncoder interface {
	add(vals []any) error
	flush() (*storagepb.ReadRowsResponse, error)
}

// arrowSchema is the Arrow schema BigQuery sends for these columns (the Go
// client's arrow.go decodes by these types).
func arrowSchema(fields []*bq.TableFieldSchema) *arrow.Schema {
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		var t arrow.DataType
		var md arrow.Metadata
		switch f.Type {
		case "INTEGER":
			t = arrow.PrimitiveTypes.Int64
		case "FLOAT":
			t = arrow.PrimitiveTypes.Float64
		case "BOOLEAN":
			t = arrow.FixedWidthTypes.Boolean
		case "BYTES":
			t = arrow.BinaryTypes.Binary
		case "TIMESTAMP":
			t = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		case "DATETIME":
			t = &arrow.TimestampType{Unit: arrow.Microsecond}
		case "DATE":
			t = arrow.FixedWidthTypes.Date32
		case "TIME":
			t = arrow.FixedWidthTypes.Time64us
		case "NUMERIC", "BIGNUMERIC":
			t = &arrow.Decimal128Type{Precision: 38, Scale: 9}
		case "JSON", "GEOGRAPHY":
			t = arrow.BinaryTypes.String
			md = arrow.NewMetadata([]string{"ARROW:extension:name"}, []string{"google:sqlType:" + strings.ToLower(f.Type)})
		default:
			t = arrow.BinaryTypes.String
		}
		out[i] = arrow.Field{Name: f.Name, Type: t, Nullable: f.Mode != "REQUIRED", Metadata: md}
	}
	return arrow.NewSchema(out, nil)
}

// arrowSchemaBytes is the IPC schema message alone: an IPC stream with no
// batches, without its end-of-stream marker.
func arrowSchemaBytes(sc *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(sc))
	if err := w.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return bytes.Clone(b[:len(b)-8]), nil
}

type arrowEncoder struct {
	sess    *readSession
	bld     *array.RecordBuilder
	buf     bytes.Buffer
	w       *ipc.Writer
	started bool
}

func newArrowEncoder(sess *readSession) *arrowEncoder {
	e := &arrowEncoder{sess: sess, bld: array.NewRecordBuilder(memory.DefaultAllocator, sess.arrow)}
	e.w = ipc.NewWriter(&e.buf, ipc.WithSchema(sess.arrow))
	return e
}

func (e *arrowEncoder) add(vals []any) error {
	for i, v := range vals {
		b := e.bld.Field(i)
		if v == nil {
			b.AppendNull()
			continue
		}
		f := e.sess.fields[i]
		switch b := b.(type) {
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.BinaryBuilder:
			b.Append(v.([]byte))
		case *array.StringBuilder:
			switch x := v.(type) {
			case string:
				b.Append(x)
			case []byte:
				b.Append(string(x))
			default:
				j, _ := json.Marshal(x)
				b.Append(string(j))
			}
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
		case *array.Date32Builder:
			b.Append(arrow.Date32FromTime(v.(time.Time)))
		case *array.Time64Builder:
			t := v.(time.Time)
			b.Append(arrow.Time64((int64(t.Hour())*3600+int64(t.Minute())*60+int64(t.Second()))*1e6 + int64(t.Nanosecond()/1000)))
		case *array.Decimal128Builder:
			d, ok := v.(duckdb.Decimal)
			if !ok {
				return fmt.Errorf("column %s: unexpected value %T", f.Name, v)
			}
			b.Append(decimal128.FromBigInt(rescale(d.Value, int(d.Scale), 9)))
		default:
			return fmt.Errorf("column %s: no Arrow encoding for %T", f.Name, v)
		}
	}
	return nil
}

func rescale(v *big.Int, from, to int) *big.Int {
	if from == to {
		return v
	}
	out := new(big.Int).Set(v)
	if to > from {
		return out.Mul(out, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(to-from)), nil))
	}
	return out.Quo(out, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(from-to)), nil))
}

func (e *arrowEncoder) flush() (*storagepb.ReadRowsResponse, error) {
	rec := e.bld.NewRecord()
	defer rec.Release()
	e.buf.Reset()
	if err := e.w.Write(rec); err != nil {
		return nil, err
	}
	b := e.buf.Bytes()
	if !e.started {
		// the first write carries the schema message first
		e.started = true
		b = b[len(e.sess.arrowIPC):]
	}
	return &storagepb.ReadRowsResponse{
		Rows: &storagepb.ReadRowsResponse_ArrowRecordBatch{ArrowRecordBatch: &storagepb.ArrowRecordBatch{SerializedRecordBatch: bytes.Clone(b), RowCount: rec.NumRows()}},
	}, nil
}

// avroSchema is the Avro schema BigQuery documents for its Avro export and
// Storage Read API: nullable columns are unions with "null" first.
func avroSchema(fields []*bq.TableFieldSchema) string {
	type afield struct {
		Name string `json:"name"`
		Type any    `json:"type"`
	}
	out := make([]afield, len(fields))
	for i, f := range fields {
		var t any
		switch f.Type {
		case "INTEGER":
			t = "long"
		case "FLOAT":
			t = "double"
		case "BOOLEAN":
			t = "boolean"
		case "BYTES":
			t = "bytes"
		case "TIMESTAMP":
			t = map[string]any{"type": "long", "logicalType": "timestamp-micros"}
		case "DATE":
			t = map[string]any{"type": "int", "logicalType": "date"}
		case "TIME":
			t = map[string]any{"type": "long", "logicalType": "time-micros"}
		case "DATETIME":
			t = map[string]any{"type": "string", "sqlType": "DATETIME"}
		case "NUMERIC", "BIGNUMERIC":
			t = map[string]any{"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 9}
		case "JSON", "GEOGRAPHY":
			t = map[string]any{"type": "string", "sqlType": f.Type}
		default:
			t = "string"
		}
		if f.Mode != "REQUIRED" {
			t = []any{"null", t}
		}
		out[i] = afield{Name: f.Name, Type: t}
	}
	b, _ := json.Marshal(map[string]any{"type": "record", "name": "__root__", "fields": out})
	return string(b)
}

type avroEncoder struct {
	fields []*bq.TableFieldSchema
	buf    []byte
	n      int64
}

func (e *avroEncoder) long(v int64) {
	e.buf = binary.AppendVarint(e.buf, v) // zig-zag varint, as Avro's long
}

func (e *avroEncoder) bytes(b []byte) {
	e.long(int64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *avroEncoder) add(vals []any) error {
	e.n++
	for i, f := range e.fields {
		v := vals[i]
		if f.Mode != "REQUIRED" {
			if v == nil {
				e.long(0)
				continue
			}
			e.long(1)
		} else if v == nil {
			return fmt.Errorf("column %s is REQUIRED but holds NULL", f.Name)
		}
		switch f.Type {
		case "INTEGER":
			e.long(v.(int64))
		case "FLOAT":
			e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v.(float64)))
		case "BOOLEAN":
			if v.(bool) {
				e.buf = append(e.buf, 1)
			} else {
				e.buf = append(e.buf, 0)
			}
		case "BYTES":
			e.bytes(v.([]byte))
		case "TIMESTAMP":
			e.long(v.(time.Time).UnixMicro())
		case "DATE":
			e.long(int64(arrow.Date32FromTime(v.(time.Time))))
		case "TIME":
			t := v.(time.Time)
			e.long((int64(t.Hour())*3600+int64(t.Minute())*60+int64(t.Second()))*1e6 + int64(t.Nanosecond()/1000))
		case "DATETIME":
			e.bytes([]byte(v.(time.Time).Format("2006-01-02T15:04:05.999999")))
		case "NUMERIC", "BIGNUMERIC":
			d, ok := v.(duckdb.Decimal)
			if !ok {
				return fmt.Errorf("column %s: unexpected value %T", f.Name, v)
			}
			e.bytes(twosComplement(rescale(d.Value, int(d.Scale), 9)))
		default:
			switch x := v.(type) {
			case string:
				e.bytes([]byte(x))
			case []byte:
				e.bytes(x)
			default:
				j, _ := json.Marshal(x)
				e.bytes(j)
			}
		}
	}
	return nil
}

// twosComplement is the big-endian two's-complement form of v (Avro's
// decimal bytes).
func twosComplement(v *big.Int) []byte {
	if v.Sign() >= 0 {
		b := v.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	n := (v.BitLen() + 8) / 8
	m := new(big.Int).Lsh(big.NewInt(1), uint(n*8))
	b := m.Add(m, v).Bytes()
	for len(b) < n {
		b = append([]byte{0xff}, b...)
	}
	return b
}

func (e *avroEncoder) flush() (*storagepb.ReadRowsResponse, error) {
	b := e.buf
	n := e.n
	e.buf, e.n = nil, 0
	return &storagepb.ReadRowsResponse{Rows: &storagepb.ReadRowsResponse_AvroRows{AvroRows: &storagepb.AvroRows{SerializedBinaryRows: b, RowCount: n}}}, nil
}
