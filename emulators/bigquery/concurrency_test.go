package bigquery

import (
	"fmt"
	"sync"
	"testing"

	"cloud.google.com/go/bigquery"
)

// TestConcurrentInsertAllAndQueries runs writers (insertAll and DML
// INSERTs) and readers (jobs.query and query jobs) at once through the Go
// client and checks that every row arrives exactly once and that readers
// only ever see whole batches.
func TestConcurrentInsertAllAndQueries(t *testing.T) {
	e := newEnv(t, Options{})
	ds := e.dataset(t, "c")
	tbl := ds.Table("t")
	if err := tbl.Create(e.ctx, &bigquery.TableMetadata{Schema: bigquery.Schema{
		{Name: "w", Type: bigquery.IntegerFieldType},
		{Name: "i", Type: bigquery.IntegerFieldType},
		{Name: "s", Type: bigquery.StringFieldType},
	}}); err != nil {
		t.Fatal(err)
	}
	const (
		writers   = 8
		batches   = 15
		batchRows = 40
		dmlers    = 2
		dmlEach   = 10
		readers   = 4
	)
	var g group
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		g.Go(func() error {
			ins := tbl.Inserter()
			for b := 0; b < batches; b++ {
				rows := make([]*bigquery.ValuesSaver, batchRows)
				for i := range rows {
					n := b*batchRows + i
					rows[i] = &bigquery.ValuesSaver{
						Schema:   bigquery.Schema{{Name: "w", Type: bigquery.IntegerFieldType}, {Name: "i", Type: bigquery.IntegerFieldType}, {Name: "s", Type: bigquery.StringFieldType}},
						InsertID: fmt.Sprintf("w%d-%d", w, n),
						Row:      []bigquery.Value{w, n, fmt.Sprint("x", n)},
					}
				}
				if err := ins.Put(e.ctx, rows); err != nil {
					return fmt.Errorf("writer %d batch %d: %w", w, b, err)
				}
			}
			return nil
		})
	}
	for d := 0; d < dmlers; d++ {
		g.Go(func() error {
			for k := 0; k < dmlEach; k++ {
				q := e.client.Query(fmt.Sprintf("INSERT INTO c.t (w, i, s) SELECT %d, x, 'dml' FROM UNNEST(GENERATE_ARRAY(0, 9)) AS x", 100+d*dmlEach+k))
				job, err := q.Run(e.ctx)
				if err != nil {
					return fmt.Errorf("dml %d/%d: %w", d, k, err)
				}
				st, err := job.Wait(e.ctx)
				if err != nil {
					return fmt.Errorf("dml %d/%d wait: %w", d, k, err)
				}
				if st.Err() != nil {
					return fmt.Errorf("dml %d/%d: %w", d, k, st.Err())
				}
			}
			return nil
		})
	}
	var reads sync.WaitGroup
	readErr := make(chan error, readers)
	for r := 0; r < readers; r++ {
		reads.Add(1)
		go func() {
			defer reads.Done()
			last := int64(-1)
			for n := 0; ; n++ {
				select {
				case <-stop:
					if n > 0 {
						readErr <- nil
						return
					}
				default:
				}
				it, err := e.client.Query("SELECT count(*) AS n, COUNT(IF(s = 'dml', 1, NULL)) AS d FROM c.t").Read(e.ctx)
				if err != nil {
					readErr <- fmt.Errorf("reader: %w", err)
					return
				}
				var row []bigquery.Value
				if err := it.Next(&row); err != nil {
					readErr <- err
					return
				}
				cnt, dml := row[0].(int64), row[1].(int64) // COUNT(IF(...)) is 0, never NULL, on an empty table
				// Each insertAll batch and each DML statement is atomic.
				if (cnt-dml)%batchRows != 0 || dml%10 != 0 || cnt < last {
					readErr <- fmt.Errorf("reader saw count %d (dml %d) after %d", cnt, dml, last)
					return
				}
				last = cnt
			}
		}()
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	reads.Wait()
	close(readErr)
	for err := range readErr {
		if err != nil {
			t.Error(err)
		}
	}
	got := query(t, e, "SELECT count(*), count(DISTINCT FORMAT('%d-%d', w, i)), SUM(i), COUNTIF(s = 'dml') FROM c.t")
	total := int64(writers*batches*batchRows + dmlers*dmlEach*10)
	perWriter := int64(batches*batchRows*(batches*batchRows-1)/2) * writers
	wantSum := perWriter + int64(dmlers*dmlEach*45)
	if got[0][0] != total || got[0][1] != total || got[0][2] != wantSum || got[0][3] != int64(dmlers*dmlEach*10) {
		t.Errorf("totals %v, want count %d distinct %d sum %d dml %d", got[0], total, total, wantSum, dmlers*dmlEach*10)
	}
}

// group runs functions concurrently and keeps the first error.
type group struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

func (g *group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
			}
			g.mu.Unlock()
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}
