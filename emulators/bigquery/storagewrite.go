package bigquery

import (
	"context"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	bq "google.golang.org/api/bigquery/v2"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The Storage Write API (google.cloud.bigquery.storage.v1.BigQueryWrite).
//
// Rows arrive as serialized protocol buffers with the writer's descriptor
// (managedwriter sends a self-contained DescriptorProto); each row is
// decoded with dynamicpb and matched to the table's columns by name. Rows
// of the _default stream and of COMMITTED streams go through the same
// cached DuckDB appenders and group commit as insertAll, so an append is
// answered only once its rows are committed; rows of PENDING streams are
// held in memory until BatchCommitWriteStreams. BUFFERED streams
// (FlushRows) are not served.

type writeStream struct {
	mu        sync.Mutex
	name      string
	key       tableKey
	project   string
	typ       storagepb.WriteStream_Type
	created   time.Time
	next      int64 // the next offset: rows appended so far
	pending   [][]driver.Value
	finalized bool
	committed time.Time
	gone      bool // committed into the table, or the table went away
}

type storageWrite struct {
	storagepb.UnimplementedBigQueryWriteServer
	s *Server

	mu      sync.Mutex
	streams map[string]*writeStream
	seq     atomic.Int64
}

const defaultStream = "_default"

// parseStreamPath splits projects/P/datasets/D/tables/T/streams/S.
func parseStreamPath(p string) (project, dataset, table, stream string, ok bool) {
	i := strings.LastIndex(p, "/streams/")
	if i < 0 {
		return "", "", "", "", false
	}
	project, dataset, table, ok = parseTablePath(p[:i])
	stream = p[i+len("/streams/"):]
	return project, dataset, table, stream, ok && stream != ""
}

func (w *storageWrite) table(ctx context.Context, path string) (*bq.Table, tableKey, string, error) {
	project, ds, tbl, ok := parseTablePath(path)
	if !ok {
		return nil, tableKey{}, "", status.Errorf(codes.InvalidArgument, "Invalid table name %q: expected projects/{project}/datasets/{dataset}/tables/{table}", path)
	}
	w.s.mu.RLock()
	t := w.s.tables[tableKey{ds, tbl}]
	w.s.mu.RUnlock()
	if t == nil {
		return nil, tableKey{}, "", status.Errorf(codes.NotFound, "Requested entity was not found. Table %s:%s.%s was not found", project, ds, tbl)
	}
	if t.Type == "VIEW" {
		return nil, tableKey{}, "", status.Errorf(codes.InvalidArgument, "Table %s:%s.%s is a view: the Storage Write API writes tables only", project, ds, tbl)
	}
	return t, tableKey{ds, tbl}, project, nil
}

func streamProto(st *writeStream, t *bq.Table, full bool) *storagepb.WriteStream {
	out := &storagepb.WriteStream{
		Name: st.name, Type: st.typ, CreateTime: timestamppb.New(st.created),
		WriteMode: storagepb.WriteStream_INSERT, Location: "",
	}
	if !st.committed.IsZero() {
		out.CommitTime = timestamppb.New(st.committed)
	}
	if full && t != nil {
		out.TableSchema = storageSchema(t.Schema.Fields)
	}
	return out
}

func storageSchema(fields []*bq.TableFieldSchema) *storagepb.TableSchema {
	return &storagepb.TableSchema{Fields: storageFields(fields)}
}

func storageFields(fields []*bq.TableFieldSchema) []*storagepb.TableFieldSchema {
	var out []*storagepb.TableFieldSchema
	for _, f := range fields {
		typ := map[string]storagepb.TableFieldSchema_Type{
			"STRING": storagepb.TableFieldSchema_STRING, "INTEGER": storagepb.TableFieldSchema_INT64,
			"FLOAT": storagepb.TableFieldSchema_DOUBLE, "RECORD": storagepb.TableFieldSchema_STRUCT,
			"BYTES": storagepb.TableFieldSchema_BYTES, "BOOLEAN": storagepb.TableFieldSchema_BOOL,
			"TIMESTAMP": storagepb.TableFieldSchema_TIMESTAMP, "DATE": storagepb.TableFieldSchema_DATE,
			"TIME": storagepb.TableFieldSchema_TIME, "DATETIME": storagepb.TableFieldSchema_DATETIME,
			"GEOGRAPHY": storagepb.TableFieldSchema_GEOGRAPHY, "NUMERIC": storagepb.TableFieldSchema_NUMERIC,
			"BIGNUMERIC": storagepb.TableFieldSchema_BIGNUMERIC, "INTERVAL": storagepb.TableFieldSchema_INTERVAL,
			"JSON": storagepb.TableFieldSchema_JSON,
		}[f.Type]
		mode := storagepb.TableFieldSchema_NULLABLE
		switch f.Mode {
		case "REQUIRED":
			mode = storagepb.TableFieldSchema_REQUIRED
		case "REPEATED":
			mode = storagepb.TableFieldSchema_REPEATED
		}
		out = append(out, &storagepb.TableFieldSchema{Name: f.Name, Type: typ, Mode: mode, Description: f.Description, Fields: storageFields(f.Fields)})
	}
	return out
}

func (w *storageWrite) CreateWriteStream(ctx context.Context, req *storagepb.CreateWriteStreamRequest) (*storagepb.WriteStream, error) {
	if fail, code := w.s.faults.Check("storage.CreateWriteStream"); fail {
		return nil, grpcErr(errorf(code, "backendError", "injected fault for storage.CreateWriteStream"))
	}
	t, key, project, err := w.table(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	typ := req.GetWriteStream().GetType()
	switch typ {
	case storagepb.WriteStream_COMMITTED, storagepb.WriteStream_PENDING:
	case storagepb.WriteStream_BUFFERED:
		return nil, status.Error(codes.Unimplemented, "BUFFERED write streams (FlushRows) are not served by this emulator: use a COMMITTED or PENDING stream, or the _default stream")
	default:
		return nil, status.Error(codes.InvalidArgument, "write_stream.type must be COMMITTED, PENDING or BUFFERED")
	}
	st := &writeStream{
		name: fmt.Sprintf("%s/streams/w%d", req.GetParent(), w.seq.Add(1)),
		key:  key, project: project, typ: typ, created: time.Now(),
	}
	w.mu.Lock()
	if w.streams == nil {
		w.streams = map[string]*writeStream{}
	}
	w.streams[st.name] = st
	w.mu.Unlock()
	return streamProto(st, t, true), nil
}

// stream finds a write stream; the _default stream of a table always exists.
func (w *storageWrite) stream(ctx context.Context, name string) (*writeStream, *bq.Table, error) {
	project, ds, tbl, sid, ok := parseStreamPath(name)
	if !ok {
		return nil, nil, status.Errorf(codes.InvalidArgument, "Invalid stream name %q: expected projects/{project}/datasets/{dataset}/tables/{table}/streams/{stream}", name)
	}
	t, key, _, err := w.table(ctx, fmt.Sprintf("projects/%s/datasets/%s/tables/%s", project, ds, tbl))
	if err != nil {
		return nil, nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.streams == nil {
		w.streams = map[string]*writeStream{}
	}
	st := w.streams[name]
	if st == nil && sid == defaultStream {
		st = &writeStream{name: name, key: key, project: project, typ: storagepb.WriteStream_COMMITTED, created: time.Now()}
		w.streams[name] = st
	}
	if st == nil {
		return nil, nil, status.Errorf(codes.NotFound, "Requested entity was not found. Entity: %s", name)
	}
	return st, t, nil
}

func (w *storageWrite) GetWriteStream(ctx context.Context, req *storagepb.GetWriteStreamRequest) (*storagepb.WriteStream, error) {
	st, t, err := w.stream(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return streamProto(st, t, req.GetView() == storagepb.WriteStreamView_FULL || req.GetView() == storagepb.WriteStreamView_WRITE_STREAM_VIEW_UNSPECIFIED), nil
}

func (w *storageWrite) FinalizeWriteStream(ctx context.Context, req *storagepb.FinalizeWriteStreamRequest) (*storagepb.FinalizeWriteStreamResponse, error) {
	st, _, err := w.stream(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(st.name, "/streams/"+defaultStream) {
		return nil, status.Errorf(codes.InvalidArgument, "Cannot finalize the _default stream %s: it is always open", st.name)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.finalized = true
	return &storagepb.FinalizeWriteStreamResponse{RowCount: st.next}, nil
}

func (w *storageWrite) BatchCommitWriteStreams(ctx context.Context, req *storagepb.BatchCommitWriteStreamsRequest) (*storagepb.BatchCommitWriteStreamsResponse, error) {
	_, key, _, err := w.table(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	if len(req.GetWriteStreams()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "write_streams must name at least one PENDING stream")
	}
	var sts []*writeStream
	var errs []*storagepb.StorageError
	for _, name := range req.GetWriteStreams() {
		w.mu.Lock()
		st := w.streams[name]
		w.mu.Unlock()
		switch {
		case st == nil:
			errs = append(errs, &storagepb.StorageError{Code: storagepb.StorageError_STREAM_NOT_FOUND, Entity: name, ErrorMessage: "Stream is not found: " + name})
		case st.key != key:
			return nil, status.Errorf(codes.InvalidArgument, "Stream %s does not belong to table %s", name, req.GetParent())
		case st.typ != storagepb.WriteStream_PENDING:
			errs = append(errs, &storagepb.StorageError{Code: storagepb.StorageError_INVALID_STREAM_TYPE, Entity: name, ErrorMessage: "Only PENDING streams can be committed: " + name})
		default:
			st.mu.Lock()
			fin, done := st.finalized, !st.committed.IsZero()
			st.mu.Unlock()
			switch {
			case done:
				errs = append(errs, &storagepb.StorageError{Code: storagepb.StorageError_STREAM_ALREADY_COMMITTED, Entity: name, ErrorMessage: "Stream is already committed: " + name})
			case !fin:
				errs = append(errs, &storagepb.StorageError{Code: storagepb.StorageError_INVALID_STREAM_STATE, Entity: name, ErrorMessage: "Stream is not finalized: " + name})
			default:
				sts = append(sts, st)
			}
		}
	}
	if len(errs) > 0 {
		// BigQuery commits none of the streams when one fails (the commit is atomic).
		return &storagepb.BatchCommitWriteStreamsResponse{StreamErrors: errs}, nil
	}
	w.s.mu.RLock()
	t := w.s.tables[key]
	w.s.mu.RUnlock()
	if t == nil {
		return nil, status.Errorf(codes.NotFound, "Table %s was not found", req.GetParent())
	}
	var rows [][]driver.Value
	for _, st := range sts {
		st.mu.Lock()
		rows = append(rows, st.pending...)
		st.mu.Unlock()
	}
	if err := w.s.appendCommitted(key, t.Schema.Fields, rows); err != nil {
		return nil, grpcErr(err)
	}
	now := time.Now()
	for _, st := range sts {
		st.mu.Lock()
		st.pending, st.committed = nil, now
		st.mu.Unlock()
	}
	return &storagepb.BatchCommitWriteStreamsResponse{CommitTime: timestamppb.New(now)}, nil
}

func (w *storageWrite) FlushRows(ctx context.Context, req *storagepb.FlushRowsRequest) (*storagepb.FlushRowsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "FlushRows is for BUFFERED streams, which this emulator does not serve")
}

// appendCommitted writes rows through the insertAll appenders and returns
// once they are committed.
func (s *Server) appendCommitted(key tableKey, fields []*bq.TableFieldSchema, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	s.wmu.Lock()
	if err := s.appendInsertRows(key, fields, rows); err != nil {
		s.wmu.Unlock()
		return err
	}
	g := s.openGenLocked()
	s.wmu.Unlock()
	return s.awaitCommit(g)
}

// rowDecoder turns serialized rows of one writer descriptor into values in
// table column order.
type rowDecoder struct {
	md     protoreflect.MessageDescriptor
	fields []*bq.TableFieldSchema
	cols   []int // proto field index -> column index
}

func newRowDecoder(dp *descriptorpb.DescriptorProto, fields []*bq.TableFieldSchema) (*rowDecoder, error) {
	fdp := &descriptorpb.FileDescriptorProto{
		Name:        proto.String("sluice_writer_schema.proto"),
		Syntax:      proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{dp},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		return nil, fmt.Errorf("writer_schema.proto_descriptor is not a self-contained message descriptor (normalize it with managedwriter/adapt.NormalizeDescriptor): %v", err)
	}
	md := fd.Messages().Get(0)
	d := &rowDecoder{md: md, fields: fields, cols: make([]int, md.Fields().Len())}
	var extra []string
	for i := 0; i < md.Fields().Len(); i++ {
		fdesc := md.Fields().Get(i)
		d.cols[i] = -1
		for j, f := range fields {
			if strings.EqualFold(f.Name, string(fdesc.Name())) {
				d.cols[i] = j
			}
		}
		if d.cols[i] < 0 {
			extra = append(extra, string(fdesc.Name()))
		}
	}
	if len(extra) > 0 {
		return nil, fmt.Errorf("Input schema has more fields than BigQuery schema, extra fields: '%s'", strings.Join(extra, ","))
	}
	return d, nil
}

func (d *rowDecoder) decode(b []byte, out []driver.Value) error {
	m := dynamicpb.NewMessage(d.md)
	// AllowPartial: a missing REQUIRED column is reported below in insertAll's words
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(b, m); err != nil {
		return fmt.Errorf("the row is not a valid serialized %s message: %v", d.md.Name(), err)
	}
	for i := range out {
		out[i] = nil
	}
	set := make([]bool, len(d.fields))
	fds := d.md.Fields()
	for i := 0; i < fds.Len(); i++ {
		fd := fds.Get(i)
		j := d.cols[i]
		f := d.fields[j]
		if !m.Has(fd) {
			continue
		}
		set[j] = true
		v, err := decodeValue(f, protoToWire(fd, m.Get(fd), f), false, f.Name)
		if err != nil {
			return err
		}
		out[j] = v
	}
	for j, f := range d.fields {
		if !set[j] {
			v, err := decodeValue(f, nil, false, f.Name)
			if err != nil {
				return err
			}
			out[j] = v
		}
	}
	return nil
}

// protoToWire turns a proto value into the form insertAll's decodeValue
// takes (JSON values), with the Storage Write API's encodings: TIMESTAMP
// as int64 microseconds, DATE as int32 days since the epoch, BYTES raw.
func protoToWire(fd protoreflect.FieldDescriptor, v protoreflect.Value, f *bq.TableFieldSchema) any {
	if fd.IsList() {
		l := v.List()
		out := make([]any, l.Len())
		for i := range out {
			out[i] = scalarToWire(fd, l.Get(i), f)
		}
		return out
	}
	return scalarToWire(fd, v, f)
}

func scalarToWire(fd protoreflect.FieldDescriptor, v protoreflect.Value, f *bq.TableFieldSchema) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		m := v.Message()
		out := map[string]any{}
		fds := fd.Message().Fields()
		for i := 0; i < fds.Len(); i++ {
			c := fds.Get(i)
			if !m.Has(c) {
				continue
			}
			var cf *bq.TableFieldSchema
			for _, x := range f.Fields {
				if strings.EqualFold(x.Name, string(c.Name())) {
					cf = x
				}
			}
			if cf == nil {
				out[string(c.Name())] = nil // decodeValue names the unknown field
				continue
			}
			out[cf.Name] = protoToWire(c, m.Get(c), cf)
		}
		return out
	case protoreflect.BytesKind:
		switch f.Type {
		case "NUMERIC":
			return decimalBytes(v.Bytes(), 9)
		case "BIGNUMERIC":
			return decimalBytes(v.Bytes(), 38)
		}
		return base64.StdEncoding.EncodeToString(v.Bytes())
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return json.Number(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case protoreflect.EnumKind:
		return json.Number(strconv.FormatInt(int64(v.Enum()), 10))
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return json.Number(strconv.FormatUint(v.Uint(), 10))
	default: // signed integers
		n := v.Int()
		switch f.Type {
		case "TIMESTAMP":
			return time.UnixMicro(n).UTC().Format("2006-01-02 15:04:05.999999 UTC")
		case "DATE":
			return time.Unix(n*86400, 0).UTC().Format("2006-01-02")
		case "TIME":
			return packedTime(n)
		case "DATETIME":
			return fmt.Sprintf("%04d-%02d-%02dT%s", n>>46&0x3fff, n>>42&0xf, n>>37&0x1f, packedTime(n&(1<<37-1)))
		}
		return json.Number(strconv.FormatInt(n, 10))
	}
}

// decimalBytes reads NUMERIC/BIGNUMERIC bytes as the Storage Write API
// takes them (Java's BigDecimalByteStringEncoder): the unscaled value, as
// little-endian two's complement, at scale 9 (NUMERIC) or 38 (BIGNUMERIC).
func decimalBytes(le []byte, scale int) any {
	be := make([]byte, len(le))
	for i, b := range le {
		be[len(le)-1-i] = b
	}
	v := new(big.Int).SetBytes(be)
	if len(be) > 0 && be[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(be))))
	}
	r := new(big.Rat).SetFrac(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	return json.Number(r.FloatString(scale))
}

// packedTime reads TIME in the Storage Write API's packed int64 form
// (CivilTimeEncoder): hour, minute, second in 5, 6 and 6 bits above 20
// bits of microseconds.
func packedTime(n int64) string {
	return fmt.Sprintf("%02d:%02d:%02d.%06d", n>>32&0x1f, n>>26&0x3f, n>>20&0x3f, n&0xfffff)
}

// appendError is the in-stream error of an append (AppendRowsResponse.error):
// the connection stays usable.
func appendError(c codes.Code, format string, args ...any) *storagepb.AppendRowsResponse {
	return &storagepb.AppendRowsResponse{Response: &storagepb.AppendRowsResponse_Error{Error: &spb.Status{Code: int32(c), Message: fmt.Sprintf(format, args...)}}}
}

// offsetError carries a StorageError detail as BigQuery's does, so a client
// can tell the two offset errors apart without parsing the message.
func offsetError(c codes.Code, sc storagepb.StorageError_StorageErrorCode, st *writeStream, msg string) *storagepb.AppendRowsResponse {
	r := appendError(c, "%s", msg)
	if d, err := anypb.New(&storagepb.StorageError{Code: sc, Entity: st.name, ErrorMessage: msg}); err == nil {
		r.GetError().Details = []*anypb.Any{d}
	}
	return r
}

func (w *storageWrite) AppendRows(srv storagepb.BigQueryWrite_AppendRowsServer) error {
	ctx := srv.Context()
	var st *writeStream
	var t *bq.Table
	var dec *rowDecoder
	for {
		req, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if fail, code := w.s.faults.Check("storage.AppendRows"); fail {
			return grpcErr(errorf(code, "backendError", "injected fault for storage.AppendRows"))
		}
		if name := req.GetWriteStream(); name != "" && (st == nil || st.name != name) {
			if st, t, err = w.stream(ctx, name); err != nil {
				return err
			}
			dec = nil
		}
		if st == nil {
			return status.Error(codes.InvalidArgument, "The first AppendRowsRequest on a connection must name write_stream")
		}
		resp := w.append(st, t, &dec, req)
		resp.WriteStream = st.name
		if err := srv.Send(resp); err != nil {
			return err
		}
	}
}

func (w *storageWrite) append(st *writeStream, t *bq.Table, dec **rowDecoder, req *storagepb.AppendRowsRequest) *storagepb.AppendRowsResponse {
	pr := req.GetProtoRows()
	if pr == nil {
		return appendError(codes.InvalidArgument, "Only proto_rows are served by this emulator (not arrow_rows); send rows as managedwriter does")
	}
	if ws := pr.GetWriterSchema(); ws != nil && ws.GetProtoDescriptor() != nil {
		d, err := newRowDecoder(ws.GetProtoDescriptor(), t.Schema.Fields)
		if err != nil {
			return appendError(codes.InvalidArgument, "%v", err)
		}
		*dec = d
	}
	if *dec == nil {
		return appendError(codes.InvalidArgument, "The first AppendRowsRequest on a connection must carry proto_rows.writer_schema")
	}
	raw := pr.GetRows().GetSerializedRows()
	rows := make([][]driver.Value, len(raw))
	var rowErrs []*storagepb.RowError
	for i, b := range raw {
		rows[i] = make([]driver.Value, len(t.Schema.Fields))
		if err := (*dec).decode(b, rows[i]); err != nil {
			rowErrs = append(rowErrs, &storagepb.RowError{Index: int64(i), Code: storagepb.RowError_FIELDS_ERROR, Message: err.Error()})
		}
	}
	if len(rowErrs) > 0 {
		// BigQuery rejects the whole request and lists the bad rows.
		r := appendError(codes.InvalidArgument, "Errors found while processing rows. Please refer to the row_errors field for details. The list may not be complete because of the size limitations. Entity: %s", st.name)
		r.RowErrors = rowErrs
		return r
	}
	isDefault := strings.HasSuffix(st.name, "/streams/"+defaultStream)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.finalized {
		return appendError(codes.InvalidArgument, "Stream is finalized: %s", st.name)
	}
	if req.GetOffset() != nil {
		off := req.GetOffset().GetValue()
		switch {
		case isDefault:
			return appendError(codes.InvalidArgument, "The offset is not allowed for the _default stream: %s", st.name)
		case off < st.next:
			return offsetError(codes.AlreadyExists, storagepb.StorageError_OFFSET_ALREADY_EXISTS, st, fmt.Sprintf("The offset is within stream, expected offset %d, received %d. Entity: %s", st.next, off, st.name))
		case off > st.next:
			return offsetError(codes.OutOfRange, storagepb.StorageError_OFFSET_OUT_OF_RANGE, st, fmt.Sprintf("The offset is beyond stream, expected offset %d, received %d. Entity: %s", st.next, off, st.name))
		}
	}
	start := st.next
	if st.typ == storagepb.WriteStream_PENDING {
		st.pending = append(st.pending, rows...)
	} else if err := w.s.appendCommitted(st.key, t.Schema.Fields, rows); err != nil {
		return appendError(codes.Internal, "%v", toAPIError(err).Message)
	}
	st.next += int64(len(rows))
	res := &storagepb.AppendRowsResponse_AppendResult{}
	if !isDefault {
		res.Offset = wrapperspb.Int64(start)
	}
	return &storagepb.AppendRowsResponse{Response: &storagepb.AppendRowsResponse_AppendResult_{AppendResult: res}}
}
