package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// insertAllCounter counts the insertAll requests the emulator receives, per
// dataset.table, in front of the package's BigQuery emulator.
type insertAllCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *insertAllCounter) get(table string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[table]
}

// countingClient returns a BigQuery client whose requests reach the
// package's emulator through a counter of insertAll calls.
func countingClient(t *testing.T) (*bigquery.Client, *insertAllCounter) {
	t.Helper()
	stack()
	c := &insertAllCounter{n: map[string]int{}}
	h := bqSrv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/insertAll") {
			// .../datasets/D/tables/T/insertAll
			parts := strings.Split(r.URL.Path, "/")
			if len(parts) >= 5 {
				c.mu.Lock()
				c.n[parts[len(parts)-4]+"."+parts[len(parts)-2]]++
				c.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	cl, err := bigquery.NewClient(context.Background(), "p", option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl, c
}

func coalescingLander(t *testing.T, bqc *bigquery.Client, co *Coalescer, srcs ...config.Source) *Lander {
	t.Helper()
	p := pipelineWith(srcs...)
	l := &Lander{BigQuery: bqc, Storage: gcsc, Pipeline: p, Names: gcp.NamesFor("", p), Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Coalesce: co}
	if _, err := l.ensureRejects(context.Background()); err != nil {
		t.Fatal(err)
	}
	return l
}

// deliverAll lands one single-event message per id concurrently, as an
// instance at high concurrency does, and returns each delivery's error.
func deliverAll(l *Lander, topic string, ids []string, body func(id string) string, timeout time.Duration) []error {
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			<-start
			_, errs[i] = l.LandMessage(ctx, topic, msg("m-"+id, body(id), nil))
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func eventBody(id string) string {
	return fmt.Sprintf(`{"event_id":"%s","user_id":"u","event_type":"view","event_time":"2026-01-01T00:00:00Z","amount":1}`, id)
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

func TestCoalesceConcurrentDeliveriesShareInsertAll(t *testing.T) {
	const n = 200
	cl, calls := countingClient(t)

	// Without a Coalescer every delivery is its own request: this also shows
	// the counter sees the calls.
	direct := coalescingLander(t, cl, nil, eventsSource("co_direct"))
	for i, err := range deliverAll(direct, "co_direct", ids("d", n), eventBody, time.Minute) {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	if got := calls.get("raw.co_direct"); got != n {
		t.Fatalf("without coalescing: %d insertAll calls for %d deliveries, want %d", got, n, n)
	}

	// A generous wait so the count does not depend on the machine's speed.
	co := &Coalescer{MaxWait: 200 * time.Millisecond}
	l := coalescingLander(t, cl, co, eventsSource("co_many"))
	if _, err := l.tableFor(context.Background(), &l.Pipeline.Sources[0]); err != nil {
		t.Fatal(err)
	}
	for i, err := range deliverAll(l, "co_many", ids("e", n), eventBody, time.Minute) {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	if got := count(t, "SELECT COUNT(*) AS n FROM raw.co_many"); got != n {
		t.Errorf("raw rows = %d, want %d", got, n)
	}
	got := calls.get("raw.co_many")
	if got > n/20 {
		t.Errorf("%d concurrent deliveries took %d insertAll calls, want at most %d", n, got, n/20)
	}
	t.Logf("%d deliveries, %d insertAll calls", n, got)
	if st := co.Stats(); st.Puts != n || st.Rows != n {
		t.Errorf("stats = %+v, want %d puts and rows", st, n)
	}

	// Deliveries one at a time wait for no one, even with a wait of an hour:
	// each would otherwise end at its 20 s deadline.
	lone := coalescingLander(t, cl, &Coalescer{MaxWait: time.Hour}, eventsSource("co_lone"))
	for i, id := range ids("l", 5) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := lone.LandMessage(ctx, "co_lone", msg("m-"+id, eventBody(id), nil))
		cancel()
		if err != nil {
			t.Fatalf("lone delivery %d: %v", i, err)
		}
	}
	if got := calls.get("raw.co_lone"); got != 5 {
		t.Errorf("5 deliveries one at a time took %d insertAll calls, want 5", got)
	}

	// A batch never exceeds MaxRows.
	small := &Coalescer{MaxWait: 200 * time.Millisecond, MaxRows: 10}
	l2 := coalescingLander(t, cl, small, eventsSource("co_rows"))
	for i, err := range deliverAll(l2, "co_rows", ids("r", 50), eventBody, time.Minute) {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	if got := calls.get("raw.co_rows"); got < 5 {
		t.Errorf("50 rows in batches of at most 10 took %d calls, want at least 5", got)
	}
	if got := count(t, "SELECT COUNT(*) AS n FROM raw.co_rows"); got != 50 {
		t.Errorf("raw rows = %d, want 50", got)
	}
}

func TestCoalesceFailedWriteFailsEveryCarriedDelivery(t *testing.T) {
	const n = 40
	cl, calls := countingClient(t)
	co := &Coalescer{MaxWait: 200 * time.Millisecond}
	l := coalescingLander(t, cl, co, eventsSource("co_fail"))
	if _, err := l.tableFor(context.Background(), &l.Pipeline.Sources[0]); err != nil {
		t.Fatal(err)
	}
	names := ids("f", n)

	t.Run("refused", func(t *testing.T) {
		// 409 is not retried by the client: the request's own error reaches
		// every delivery it carried.
		bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailRate: 1, Code: http.StatusConflict})
		errs := deliverAll(l, "co_fail", names, eventBody, time.Minute)
		bqSrv.Faults().Reset()
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "injected fault") {
				t.Errorf("delivery %d: err = %v, want the write's error", i, err)
			}
		}
		if got := calls.get("raw.co_fail"); got == 0 || got > n/4 {
			t.Errorf("%d deliveries took %d failing insertAll calls, want a few", n, got)
		}
	})

	t.Run("unavailable until every delivery gives up", func(t *testing.T) {
		// 503 is retried by the client with backoff; the deliveries' own
		// deadlines end the wait and the request stops with them.
		before := calls.get("raw.co_fail")
		bqSrv.Faults().SetMethod("tabledata.insertAll", fault.Rule{FailRate: 1, Code: http.StatusServiceUnavailable})
		errs := deliverAll(l, "co_fail", names, eventBody, 1500*time.Millisecond)
		for i, err := range errs {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("delivery %d: err = %v, want its deadline", i, err)
			}
		}
		// The request gives up once nobody waits: no more calls arrive.
		time.Sleep(3 * time.Second)
		settled := calls.get("raw.co_fail")
		time.Sleep(2 * time.Second)
		bqSrv.Faults().Reset()
		if after := calls.get("raw.co_fail"); after != settled {
			t.Errorf("insertAll calls went on after every delivery gave up: %d then %d", settled, after)
		}
		if settled-before > n/4 {
			t.Errorf("%d deliveries took %d insertAll attempts, want a few", n, settled-before)
		}
	})

	if got := count(t, "SELECT COUNT(*) AS n FROM raw.co_fail"); got != 0 {
		t.Fatalf("raw rows = %d after failed writes, want 0", got)
	}
	// Redelivery lands every row once, however often it comes.
	for round := 0; round < 2; round++ {
		for i, err := range deliverAll(l, "co_fail", names, eventBody, time.Minute) {
			if err != nil {
				t.Fatalf("redelivery %d: %v", i, err)
			}
		}
	}
	if got := count(t, "SELECT COUNT(*) AS n FROM raw.co_fail"); got != n {
		t.Errorf("raw rows = %d after two redeliveries, want %d", got, n)
	}
}

// TestCoalescePerRowErrorsGoToTheirDelivery sends rows BigQuery refuses one
// by one (a string in an INT64 column) inside shared requests: each
// delivery gets back exactly its own refused rows, as rejects with its own
// payload and origin, and every other row lands.
func TestCoalescePerRowErrorsGoToTheirDelivery(t *testing.T) {
	ctx := context.Background()
	cl, calls := countingClient(t)
	co := &Coalescer{MaxWait: 200 * time.Millisecond}
	src := config.Source{Name: "co_rows_err", Format: "json", Schema: []config.Field{{Name: "n", Type: "INT64"}}}
	l := coalescingLander(t, cl, co, src)
	tbl, err := l.tableFor(ctx, &l.Pipeline.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	schema := tbl.snap.Load().schema
	iN, iOrigin, iID := rowIndex(schema, "n"), rowIndex(schema, colOrigin), rowIndex(schema, colEventID)
	iSrc, iAt := rowIndex(schema, colSource), rowIndex(schema, colIngestedAt)

	const deliveries, per = 30, 4
	type out struct {
		landed  int
		rejects []reject
		err     error
	}
	results := make([]out, deliveries)
	var wg sync.WaitGroup
	for d := 0; d < deliveries; d++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rows []*bigquery.ValuesSaver
			var recs []rawRecord
			for k := 0; k < per; k++ {
				row := make([]bigquery.Value, len(schema))
				id := fmt.Sprintf("d%d-r%d", d, k)
				row[iID], row[iOrigin], row[iN] = id, "delivery-"+fmt.Sprint(d), int64(k)
				row[iSrc], row[iAt] = src.Name, time.Now()
				if d%3 == 0 && k == d%per {
					row[iN] = "not a number" // refused by BigQuery, this row only
				}
				rows = append(rows, &bigquery.ValuesSaver{Schema: schema, InsertID: "co_rows_err:" + id, Row: row})
				recs = append(recs, rawRecord{str: id})
			}
			n, rej, err := l.insert(ctx, &l.Pipeline.Sources[0], rows, recs)
			results[d] = out{n, rej, err}
		}()
	}
	wg.Wait()
	wantLanded := 0
	for d, r := range results {
		if r.err != nil {
			t.Fatalf("delivery %d: %v", d, r.err)
		}
		want := per
		if d%3 == 0 {
			want = per - 1
			if len(r.rejects) != 1 {
				t.Errorf("delivery %d: %d rejects, want its 1 refused row", d, len(r.rejects))
				continue
			}
			rj := r.rejects[0]
			if rj.origin != "delivery-"+fmt.Sprint(d) || string(rj.payload) != fmt.Sprintf("d%d-r%d", d, d%per) || rj.reason != ReasonInsertRejected {
				t.Errorf("delivery %d: reject = origin %q payload %q reason %s, want its own row d%d-r%d", d, rj.origin, rj.payload, rj.reason, d, d%per)
			}
		} else if len(r.rejects) != 0 {
			t.Errorf("delivery %d: rejects %v, want none", d, r.rejects)
		}
		if r.landed != want {
			t.Errorf("delivery %d: landed %d, want %d", d, r.landed, want)
		}
		wantLanded += want
	}
	if got := count(t, "SELECT COUNT(*) AS n FROM raw.co_rows_err"); got != int64(wantLanded) {
		t.Errorf("raw rows = %d, want %d", got, wantLanded)
	}
	if got := calls.get("raw.co_rows_err"); got > deliveries/5 {
		t.Errorf("%d deliveries took %d insertAll calls, want a few", deliveries, got)
	}

	// Without skipInvalidRows (the rejects table) one refused row stops the
	// whole request: the Coalescer re-sends per delivery, so only the
	// delivery with the bad row fails.
	opsSchema := bigquery.Schema{{Name: "k", Type: bigquery.StringFieldType}, {Name: "n", Type: bigquery.IntegerFieldType}}
	if _, err := bq.EnsureTable(ctx, cl, l.Names.Ops, "co_strict", &bigquery.TableMetadata{Schema: opsSchema}); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 10)
	for d := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v bigquery.Value = int64(d)
			if d == 4 {
				v = "bad"
			}
			errs[d] = l.put(ctx, l.Names.Ops, "co_strict", false, []*bigquery.ValuesSaver{{Schema: opsSchema, InsertID: fmt.Sprint("s", d), Row: []bigquery.Value{fmt.Sprint(d), v}}})
		}()
	}
	wg.Wait()
	for d, err := range errs {
		var multi bigquery.PutMultiError
		if d == 4 {
			if !errors.As(err, &multi) || len(multi) != 1 || multi[0].RowIndex != 0 {
				t.Errorf("delivery with the bad row: err = %v, want its one row refused", err)
			}
		} else if err != nil {
			t.Errorf("delivery %d: err = %v, want nil (another delivery's row was bad)", d, err)
		}
	}
	if got := count(t, "SELECT COUNT(*) AS n FROM sluice_ops.co_strict"); got != 9 {
		t.Errorf("co_strict rows = %d, want 9", got)
	}
	if co.Stats().Isolated == 0 {
		t.Error("the strict request was not re-sent per delivery")
	}
}

func TestEstimateRowBytesCoversTheEncodedRow(t *testing.T) {
	schema := bigquery.Schema{{Name: "s", Type: bigquery.StringFieldType}, {Name: "b", Type: bigquery.BytesFieldType},
		{Name: "t", Type: bigquery.TimestampFieldType}, {Name: "f", Type: bigquery.FloatFieldType}}
	for _, s := range []string{"plain", `<&>"\` + "\x01\n", "ünïcødé", "\xff\xfe", strings.Repeat("x", 10000)} {
		vs := &bigquery.ValuesSaver{Schema: schema, InsertID: "id-" + s, Row: []bigquery.Value{s, []byte(s), time.Now(), 1.5e300}}
		row, id, err := vs.Save()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := json.Marshal(map[string]any{"insertId": id, "json": row})
		if err != nil {
			t.Fatal(err)
		}
		if est := estimateRowBytes(vs); est < len(enc) {
			t.Errorf("row with %q: estimate %d < encoded %d bytes", s, est, len(enc))
		}
	}
}
