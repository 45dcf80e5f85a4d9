package bigquery

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	storage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"cloud.google.com/go/bigquery/storage/managedwriter"
	"cloud.google.com/go/bigquery/storage/managedwriter/adapt"
	"cloud.google.com/go/civil"
	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// storageEnv serves the emulator with Serve (REST and gRPC on one port)
// and connects the REST client, the Storage Read API through the REST
// client, the raw BigQueryRead client and managedwriter to it.
type storageEnv struct {
	*env
	addr   string
	read   *storage.BigQueryReadClient
	writer *managedwriter.Client
}

func grpcOpts(addr string) []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
}

func newStorageEnv(t testing.TB) *storageEnv {
	t.Helper()
	srv, err := New(Options{Project: testProject})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	addr := lis.Addr().String()
	ctx := context.Background()
	c, err := bigquery.NewClient(ctx, testProject, option.WithEndpoint("http://"+addr), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnableStorageReadClient(ctx, grpcOpts(addr)...); err != nil {
		t.Fatal(err)
	}
	rc, err := storage.NewBigQueryReadClient(ctx, grpcOpts(addr)...)
	if err != nil {
		t.Fatal(err)
	}
	wc, err := managedwriter.NewClient(ctx, testProject, grpcOpts(addr)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		wc.Close()
		rc.Close()
		c.Close()
		lis.Close()
		srv.Close()
	})
	return &storageEnv{env: &env{srv: srv, client: c, ctx: ctx}, addr: addr, read: rc, writer: wc}
}

var storageTestSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType, Required: true},
	{Name: "name", Type: bigquery.StringFieldType},
	{Name: "score", Type: bigquery.FloatFieldType},
	{Name: "ok", Type: bigquery.BooleanFieldType},
	{Name: "raw", Type: bigquery.BytesFieldType},
	{Name: "ts", Type: bigquery.TimestampFieldType},
	{Name: "day", Type: bigquery.DateFieldType},
	{Name: "amount", Type: bigquery.NumericFieldType},
	{Name: "dt", Type: bigquery.DateTimeFieldType},
	{Name: "tm", Type: bigquery.TimeFieldType},
}

// fillStorageTable creates ds.t with n rows; every 7th row has NULLs.
func fillStorageTable(t testing.TB, e *storageEnv, ds, table string, n int) {
	t.Helper()
	e.dataset(t, ds)
	if err := e.client.Dataset(ds).Table(table).Create(e.ctx, &bigquery.TableMetadata{Schema: storageTestSchema}); err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf(`INSERT INTO %s.%s (id, name, score, ok, raw, ts, day, amount, dt, tm)
SELECT x, IF(MOD(x, 7) = 0, NULL, CONCAT(IF(MOD(x, 2) = 0, 'a', 'b'), CAST(x AS STRING))),
  IF(MOD(x, 7) = 0, NULL, x / 4), MOD(x, 3) = 0, CAST(CAST(x AS STRING) AS BYTES),
  TIMESTAMP_ADD(TIMESTAMP '2026-01-01 00:00:00 UTC', INTERVAL x SECOND), DATE_ADD(DATE '2026-01-01', INTERVAL MOD(x, 30) DAY),
  CAST(x AS NUMERIC) / 8, DATETIME '2026-02-03 04:05:06.5', TIME '12:34:56.25'
FROM UNNEST(GENERATE_ARRAY(1, %d)) AS x`, ds, table, n)
	if _, err := e.client.Query(q).Read(e.ctx); err != nil {
		t.Fatal(err)
	}
}

// The Go client reads a table through the Storage Read API (Arrow) and
// gets the same rows as tabledata.list gives it.
func TestStorageReadGoClientMatchesTabledataList(t *testing.T) {
	e := newStorageEnv(t)
	fillStorageTable(t, e, "sr", "t", 25000) // more than one 10,000-row batch and stream
	it := e.client.Dataset("sr").Table("t").Read(e.ctx)
	got := readAll(t, it)
	if !it.IsAccelerated() {
		t.Fatal("table read did not go through the Storage Read API")
	}
	// the reference: the same client without the Storage Read API (tabledata.list, JSON)
	plain, err := bigquery.NewClient(e.ctx, testProject, option.WithEndpoint("http://"+e.addr), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	pit := plain.Dataset("sr").Table("t").Read(e.ctx)
	want := readAll(t, pit)
	if pit.IsAccelerated() {
		t.Fatal("reference read went through the Storage Read API")
	}
	byID := func(rows [][]bigquery.Value) {
		sort.Slice(rows, func(i, j int) bool { return rows[i][0].(int64) < rows[j][0].(int64) })
	}
	byID(got)
	byID(want)
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Fatalf("Storage Read API rows differ from tabledata.list (-want +got):\n%s", diff)
	}
	if len(got) != 25000 || got[6][1] != nil || got[1][1] != "a2" || got[1][8] != (civil.DateTime{Date: civil.Date{Year: 2026, Month: 2, Day: 3}, Time: civil.Time{Hour: 4, Minute: 5, Second: 6, Nanosecond: 500000000}}) {
		t.Fatalf("unexpected rows: %d, %v, %v", len(got), got[6], got[1])
	}
}

// Selected fields, a GoogleSQL row restriction and several streams through
// the raw BigQueryRead client, in Arrow and in Avro (decoded by hamba/avro
// with the session's schema).
func TestStorageReadSessionOptionsAvroAndStreams(t *testing.T) {
	e := newStorageEnv(t)
	fillStorageTable(t, e, "so", "t", 30000)
	table := fmt.Sprintf("projects/%s/datasets/so/tables/t", testProject)
	restriction := "STARTS_WITH(name, 'a') AND SAFE_CAST(SUBSTR(name, 2) AS INT64) > 20000 AND day >= DATE '2026-01-05'"
	// the reference count, by SQL through the REST API
	want := query(t, e.env, "SELECT COUNT(*), SUM(id) FROM so.t WHERE "+restriction)[0]
	for _, format := range []storagepb.DataFormat{storagepb.DataFormat_AVRO, storagepb.DataFormat_ARROW} {
		sess, err := e.read.CreateReadSession(e.ctx, &storagepb.CreateReadSessionRequest{
			Parent: "projects/" + testProject,
			ReadSession: &storagepb.ReadSession{Table: table, DataFormat: format, ReadOptions: &storagepb.ReadSession_TableReadOptions{
				SelectedFields: []string{"id", "amount", "ts"}, RowRestriction: restriction}},
			MaxStreamCount: 3, PreferredMinStreamCount: 3,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(sess.Streams) < 2 || len(sess.Streams) > 3 {
			t.Fatalf("%v: %d streams, want 2 or 3 for %d rows", format, len(sess.Streams), sess.EstimatedRowCount)
		}
		var n, sum int64
		for _, st := range sess.Streams {
			rs, err := e.read.ReadRows(e.ctx, &storagepb.ReadRowsRequest{ReadStream: st.Name})
			if err != nil {
				t.Fatal(err)
			}
			for {
				resp, err := rs.Recv()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n += resp.RowCount
				if format == storagepb.DataFormat_AVRO {
					sc := avro.MustParse(sess.GetAvroSchema().GetSchema())
					dec := avro.NewDecoderForSchema(sc, strings.NewReader(string(resp.GetAvroRows().GetSerializedBinaryRows())))
					for i := int64(0); i < resp.RowCount; i++ {
						var row map[string]any
						if err := dec.Decode(&row); err != nil {
							t.Fatalf("avro row %d: %v", i, err)
						}
						id := row["id"].(int64)
						sum += id
						amt := row["amount"].(*big.Rat)
						if amt.Cmp(big.NewRat(id, 8)) != 0 {
							t.Fatalf("row %d: amount %v, want %d/8", id, amt, id)
						}
						ts := row["ts"].(time.Time)
						if !ts.Equal(time.Date(2026, 1, 1, 0, 0, int(id), 0, time.UTC)) {
							t.Fatalf("row %d: ts %v", id, ts)
						}
					}
				} else if len(resp.GetArrowRecordBatch().GetSerializedRecordBatch()) == 0 {
					t.Fatal("empty Arrow batch")
				}
			}
		}
		if n != want[0].(int64) {
			t.Fatalf("%v: %d rows, want %d", format, n, want[0])
		}
		if format == storagepb.DataFormat_AVRO && sum != want[1].(int64) {
			t.Fatalf("sum(id) = %d, want %d", sum, want[1])
		}
	}
	// SplitReadStream halves a stream; both halves together hold its rows.
	sess, err := e.read.CreateReadSession(e.ctx, &storagepb.CreateReadSessionRequest{Parent: "projects/" + testProject,
		ReadSession: &storagepb.ReadSession{Table: table, DataFormat: storagepb.DataFormat_AVRO}, MaxStreamCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	split, err := e.read.SplitReadStream(e.ctx, &storagepb.SplitReadStreamRequest{Name: sess.Streams[0].Name, Fraction: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	count := func(name string) int64 {
		rs, err := e.read.ReadRows(e.ctx, &storagepb.ReadRowsRequest{ReadStream: name})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for {
			resp, err := rs.Recv()
			if err == io.EOF {
				return n
			}
			if err != nil {
				t.Fatal(err)
			}
			n += resp.RowCount
		}
	}
	if a, b := count(split.PrimaryStream.Name), count(split.RemainderStream.Name); a != 7500 || b != 22500 {
		t.Fatalf("split 0.25 of 30000 rows: %d + %d", a, b)
	}
}

func TestStorageReadBadRequests(t *testing.T) {
	e := newStorageEnv(t)
	fillStorageTable(t, e, "sb", "t", 10)
	table := fmt.Sprintf("projects/%s/datasets/sb/tables/t", testProject)
	for _, c := range []struct {
		opts *storagepb.ReadSession_TableReadOptions
		tbl  string
		code codes.Code
		msg  string
	}{
		{&storagepb.ReadSession_TableReadOptions{RowRestriction: "nosuch > 1"}, table, codes.InvalidArgument, "row_restriction \"nosuch > 1\""},
		{&storagepb.ReadSession_TableReadOptions{RowRestriction: "id >"}, table, codes.InvalidArgument, "row_restriction \"id >\" is not a valid GoogleSQL"},
		{&storagepb.ReadSession_TableReadOptions{SelectedFields: []string{"id", "nope"}}, table, codes.InvalidArgument, "Field nope in selected_fields"},
		{nil, fmt.Sprintf("projects/%s/datasets/sb/tables/missing", testProject), codes.NotFound, "missing"},
		{nil, "sb.t", codes.InvalidArgument, "expected projects/{project}/datasets/{dataset}/tables/{table}"},
	} {
		_, err := e.read.CreateReadSession(e.ctx, &storagepb.CreateReadSessionRequest{Parent: "projects/" + testProject,
			ReadSession: &storagepb.ReadSession{Table: c.tbl, DataFormat: storagepb.DataFormat_ARROW, ReadOptions: c.opts}})
		if status.Code(err) != c.code || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v %s: err = %v, want %v containing %q", c.opts, c.tbl, err, c.code, c.msg)
		}
	}
}

// writeTestDescriptor is the proto descriptor managedwriter's adapt
// package derives from a table schema, as a writer would build it.
func writeTestDescriptor(t testing.TB, schema bigquery.Schema) (protoreflect.MessageDescriptor, *descriptorpb.DescriptorProto) {
	t.Helper()
	ts, err := adapt.BQSchemaToStorageTableSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	d, err := adapt.StorageSchemaToProto2Descriptor(ts, "root")
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.MessageDescriptor)
	dp, err := adapt.NormalizeDescriptor(md)
	if err != nil {
		t.Fatal(err)
	}
	return md, dp
}

var writeSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType, Required: true},
	{Name: "name", Type: bigquery.StringFieldType},
	{Name: "ts", Type: bigquery.TimestampFieldType},
	{Name: "day", Type: bigquery.DateFieldType},
	{Name: "amount", Type: bigquery.NumericFieldType},
}

func writeRows(t testing.TB, md protoreflect.MessageDescriptor, from, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range out {
		id := int64(from + i)
		m := dynamicpb.NewMessage(md)
		m.Set(md.Fields().ByName("id"), protoreflect.ValueOfInt64(id))
		if id%5 != 0 {
			m.Set(md.Fields().ByName("name"), protoreflect.ValueOfString(fmt.Sprintf("n%d", id)))
		}
		m.Set(md.Fields().ByName("ts"), protoreflect.ValueOfInt64(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMicro()+id))
		m.Set(md.Fields().ByName("day"), protoreflect.ValueOfInt32(int32(civil.Date{Year: 2026, Month: 3, Day: 1}.DaysSince(civil.Date{Year: 1970, Month: 1, Day: 1}))))
		m.Set(md.Fields().ByName("amount"), protoreflect.ValueOfBytes(numericBytes(big.NewInt(id*1e9+250000000))))
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func newWriteTable(t testing.TB, e *storageEnv, ds string) string {
	t.Helper()
	e.dataset(t, ds)
	if err := e.client.Dataset(ds).Table("w").Create(e.ctx, &bigquery.TableMetadata{Schema: writeSchema}); err != nil {
		t.Fatal(err)
	}
	return managedwriter.TableParentFromParts(testProject, ds, "w")
}

func TestStorageWriteDefaultStream(t *testing.T) {
	e := newStorageEnv(t)
	parent := newWriteTable(t, e, "wd")
	md, dp := writeTestDescriptor(t, writeSchema)
	ms, err := e.writer.NewManagedStream(e.ctx, managedwriter.WithDestinationTable(parent),
		managedwriter.WithType(managedwriter.DefaultStream), managedwriter.WithSchemaDescriptor(dp))
	if err != nil {
		t.Fatal(err)
	}
	var results []*managedwriter.AppendResult
	for b := 0; b < 4; b++ {
		r, err := ms.AppendRows(e.ctx, writeRows(t, md, 1+b*250, 250))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	for _, r := range results {
		if _, err := r.GetResult(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	ms.Close()
	got := query(t, e.env, "SELECT COUNT(*), COUNT(name), SUM(id), MIN(ts), MAX(day), SUM(amount) FROM wd.w")[0]
	if got[0] != int64(1000) || got[1] != int64(800) || got[2] != int64(500500) ||
		!got[3].(time.Time).Equal(time.Date(2026, 3, 1, 0, 0, 0, 1000, time.UTC)) || got[4] != (civil.Date{Year: 2026, Month: 3, Day: 1}) ||
		got[5].(*big.Rat).Cmp(big.NewRat(500750, 1)) != 0 {
		t.Fatalf("written rows: %v", got)
	}
}

func TestStorageWriteCommittedOffsets(t *testing.T) {
	e := newStorageEnv(t)
	parent := newWriteTable(t, e, "wc")
	md, dp := writeTestDescriptor(t, writeSchema)
	ms, err := e.writer.NewManagedStream(e.ctx, managedwriter.WithDestinationTable(parent),
		managedwriter.WithType(managedwriter.CommittedStream), managedwriter.WithSchemaDescriptor(dp))
	if err != nil {
		t.Fatal(err)
	}
	appendAt := func(off int64, from, n int) (int64, error) {
		r, err := ms.AppendRows(e.ctx, writeRows(t, md, from, n), managedwriter.WithOffset(off))
		if err != nil {
			return 0, err
		}
		return r.GetResult(e.ctx)
	}
	if off, err := appendAt(0, 1, 3); err != nil || off != 0 {
		t.Fatalf("append at 0: %d, %v", off, err)
	}
	if off, err := appendAt(3, 4, 2); err != nil || off != 3 {
		t.Fatalf("append at 3: %d, %v", off, err)
	}
	// a retried append of rows the stream already has: ALREADY_EXISTS, nothing written
	if _, err := appendAt(3, 4, 2); status.Code(err) != codes.AlreadyExists || !strings.Contains(err.Error(), "expected offset 5, received 3") {
		t.Fatalf("append at 3 again: %v, want ALREADY_EXISTS", err)
	}
	// beyond the end: OUT_OF_RANGE
	if _, err := appendAt(9, 10, 1); status.Code(err) != codes.OutOfRange || !strings.Contains(err.Error(), "expected offset 5, received 9") {
		t.Fatalf("append at 9: %v, want OUT_OF_RANGE", err)
	}
	// committed stream rows are visible at once
	if got := query(t, e.env, "SELECT COUNT(*), SUM(id) FROM wc.w")[0]; got[0] != int64(5) || got[1] != int64(15) {
		t.Fatalf("after committed appends: %v", got)
	}
	if n, err := ms.Finalize(e.ctx); err != nil || n != 5 {
		t.Fatalf("finalize: %d, %v", n, err)
	}
	ws, err := e.writer.GetWriteStream(e.ctx, &storagepb.GetWriteStreamRequest{Name: ms.StreamName(), View: storagepb.WriteStreamView_FULL})
	if err != nil || ws.Type != storagepb.WriteStream_COMMITTED || len(ws.TableSchema.GetFields()) != len(writeSchema) {
		t.Fatalf("GetWriteStream: %v, %v", ws, err)
	}
	ms.Close()
}

func TestStorageWritePendingBatchCommit(t *testing.T) {
	e := newStorageEnv(t)
	parent := newWriteTable(t, e, "wp")
	md, dp := writeTestDescriptor(t, writeSchema)
	var names []string
	for s := 0; s < 2; s++ {
		ms, err := e.writer.NewManagedStream(e.ctx, managedwriter.WithDestinationTable(parent),
			managedwriter.WithType(managedwriter.PendingStream), managedwriter.WithSchemaDescriptor(dp))
		if err != nil {
			t.Fatal(err)
		}
		r, err := ms.AppendRows(e.ctx, writeRows(t, md, 1+s*10, 10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.GetResult(e.ctx); err != nil {
			t.Fatal(err)
		}
		if s == 0 {
			// not finalized: the commit refuses it and commits nothing
			resp, err := e.writer.BatchCommitWriteStreams(e.ctx, &storagepb.BatchCommitWriteStreamsRequest{Parent: parent, WriteStreams: []string{ms.StreamName()}})
			if err != nil || len(resp.StreamErrors) != 1 || resp.StreamErrors[0].Code != storagepb.StorageError_INVALID_STREAM_STATE {
				t.Fatalf("commit of an open stream: %v, %v", resp, err)
			}
		}
		if _, err := ms.Finalize(e.ctx); err != nil {
			t.Fatal(err)
		}
		names = append(names, ms.StreamName())
		ms.Close()
	}
	if got := query(t, e.env, "SELECT COUNT(*) FROM wp.w")[0][0]; got != int64(0) {
		t.Fatalf("pending rows visible before commit: %v", got)
	}
	resp, err := e.writer.BatchCommitWriteStreams(e.ctx, &storagepb.BatchCommitWriteStreamsRequest{Parent: parent, WriteStreams: names})
	if err != nil || len(resp.StreamErrors) != 0 || resp.CommitTime == nil {
		t.Fatalf("commit: %v, %v", resp, err)
	}
	if got := query(t, e.env, "SELECT COUNT(*), SUM(id) FROM wp.w")[0]; got[0] != int64(20) || got[1] != int64(210) {
		t.Fatalf("after commit: %v", got)
	}
	resp, err = e.writer.BatchCommitWriteStreams(e.ctx, &storagepb.BatchCommitWriteStreamsRequest{Parent: parent, WriteStreams: names[:1]})
	if err != nil || len(resp.StreamErrors) != 1 || resp.StreamErrors[0].Code != storagepb.StorageError_STREAM_ALREADY_COMMITTED {
		t.Fatalf("second commit: %v, %v", resp, err)
	}
}

// Rows that do not fit the table are refused with the row's index and the
// reason; nothing of the request is written.
func TestStorageWriteBadRows(t *testing.T) {
	e := newStorageEnv(t)
	parent := newWriteTable(t, e, "wb")
	// a writer schema with a column the table lacks
	extra := append(bigquery.Schema{}, writeSchema...)
	extra = append(extra, &bigquery.FieldSchema{Name: "color", Type: bigquery.StringFieldType})
	_, dp := writeTestDescriptor(t, extra)
	ms, err := e.writer.NewManagedStream(e.ctx, managedwriter.WithDestinationTable(parent),
		managedwriter.WithType(managedwriter.DefaultStream), managedwriter.WithSchemaDescriptor(dp))
	if err != nil {
		t.Fatal(err)
	}
	md, _ := writeTestDescriptor(t, writeSchema)
	r, err := ms.AppendRows(e.ctx, writeRows(t, md, 1, 2))
	if err == nil {
		_, err = r.GetResult(e.ctx)
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "extra fields: 'color'") {
		t.Fatalf("extra writer field: %v", err)
	}
	ms.Close()
	// a row missing its REQUIRED id
	md, dp = writeTestDescriptor(t, writeSchema)
	ms, err = e.writer.NewManagedStream(e.ctx, managedwriter.WithDestinationTable(parent),
		managedwriter.WithType(managedwriter.DefaultStream), managedwriter.WithSchemaDescriptor(dp))
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("name"), protoreflect.ValueOfString("no id"))
	bad, _ := proto.Marshal(m)
	r, err = ms.AppendRows(e.ctx, append(writeRows(t, md, 1, 1), bad))
	if err == nil {
		_, err = r.GetResult(e.ctx)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("missing required field: %v", err)
	}
	full, _ := r.FullResponse(e.ctx)
	re := full.GetRowErrors()
	if len(re) != 1 || re[0].Index != 1 || !strings.Contains(re[0].Message, "Missing required field: id") {
		t.Fatalf("row errors: %v", re)
	}
	ms.Close()
	if got := query(t, e.env, "SELECT COUNT(*) FROM wb.w")[0][0]; got != int64(0) {
		t.Fatalf("rows of refused requests were written: %v", got)
	}
}

// numericBytes is NUMERIC as the Storage Write API takes it: the value
// times 10^9 as little-endian two's complement.
func numericBytes(v *big.Int) []byte {
	be := twosComplement(v)
	le := make([]byte, len(be))
	for i, b := range be {
		le[len(be)-1-i] = b
	}
	return le
}
