package bigquery

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	bq "google.golang.org/api/bigquery/v2"
)

// Rows from tabledata.insertAll go through a DuckDB Appender that is kept
// open per table across requests: each flush is a DuckDB commit with a
// fixed cost of about half a millisecond, so flushing once per request
// halved the rate of small requests. Visibility is unchanged for every
// reader: every API method other than insertAll (queries, DML, loads,
// copies, tabledata.list, metadata reads and changes), DB and Close flush
// and close all cached appenders first (wrap calls flushAppenders), and a
// timer flushes them appendFlushDelay after the first pending row, so a
// direct reader of DB sees the rows soon after too. All appender work runs
// under wmu.
//
// Durability: BigQuery's insertAll answers success only for rows it has
// stored, and ingest acknowledges a message on that answer, so an emulator
// killed after answering must still have the rows when it starts again.
// insertAll therefore answers only after the commit that carried its rows
// (group commit): requests append under wmu into the open commitGen, then
// the first of them to take commitMu flushes every cached appender and
// closes that generation for all of them, while later requests append into
// the next one. Concurrent requests still share one DuckDB commit.

const (
	appendFlushRows  = 50000
	appendFlushDelay = 50 * time.Millisecond
)

// commitGen is one group commit of insertAll rows.
type commitGen struct {
	done chan struct{} // closed once the rows are committed or the commit failed
	err  error
}

// openGenLocked returns the generation that the rows appended now belong
// to; the caller holds wmu.
func (s *Server) openGenLocked() *commitGen {
	if s.gen == nil {
		s.gen = &commitGen{done: make(chan struct{})}
	}
	return s.gen
}

// awaitCommit returns once the rows of g are committed (nil) or their
// commit failed (the error). Called without wmu.
func (s *Server) awaitCommit(g *commitGen) error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	select {
	case <-g.done: // a request of the same generation committed it
		return g.err
	default:
	}
	// g is still open: generations close only here, under commitMu.
	s.wmu.Lock()
	cur := s.gen
	s.gen = nil
	err := s.commitAppendersLocked()
	s.wmu.Unlock()
	if cur != nil {
		cur.err = err
		close(cur.done)
	}
	if cur != g { // cannot happen; never answer success for uncommitted rows
		return fmt.Errorf("insertAll commit: generation lost")
	}
	return err
}

type cachedAppender struct {
	conn *sql.Conn
	app  *duckdb.Appender
	rows int
}

// appendInsertRows appends rows (values in schema order) to the cached
// appender of the table; the caller holds wmu.
func (s *Server) appendInsertRows(key tableKey, fields []*bq.TableFieldSchema, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	ca := s.apps[key]
	if ca == nil {
		conn, err := s.db.Conn(context.Background())
		if err != nil {
			return err
		}
		cols := make([]string, len(fields))
		for i, f := range fields {
			cols[i] = f.Name
		}
		var app *duckdb.Appender
		err = conn.Raw(func(dc any) error {
			var err error
			app, err = duckdb.NewAppenderWithColumns(dc.(driver.Conn), "", key.dataset, key.table, cols)
			return err
		})
		if err != nil {
			conn.Close()
			return fmt.Errorf("append to %s.%s: %w", key.dataset, key.table, err)
		}
		ca = &cachedAppender{conn: conn, app: app}
		if len(s.apps) == 0 {
			time.AfterFunc(appendFlushDelay, s.flushAppenders)
		}
		s.apps[key] = ca
		s.pendingApps.Store(int32(len(s.apps)))
	}
	err := ca.conn.Raw(func(any) error {
		for _, rw := range rows {
			if err := ca.app.AppendRow(rw...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// As before the cache: rows appended up to the failing one are
		// written, the request answers invalid.
		s.closeAppender(key)
		return invalid("Cannot write row to %s.%s: %v", key.dataset, key.table, err)
	}
	ca.rows += len(rows)
	if ca.rows >= appendFlushRows {
		return s.closeAppender(key)
	}
	return nil
}

// closeAppender flushes and closes the cached appender of key; the caller
// holds wmu.
func (s *Server) closeAppender(key tableKey) error {
	ca := s.apps[key]
	if ca == nil {
		return nil
	}
	err := ca.conn.Raw(func(any) error { return ca.app.Close() })
	ca.conn.Close()
	delete(s.apps, key)
	// Only now: flushAppenders skips the lock when it reads 0, and must
	// then find the rows committed.
	s.pendingApps.Store(int32(len(s.apps)))
	if err != nil {
		return fmt.Errorf("append to %s.%s: %w", key.dataset, key.table, err)
	}
	return nil
}

// commitAppendersLocked commits the rows of every cached appender and keeps
// it open for the next requests (a DuckDB Appender flush is a commit of its
// own); an appender whose flush fails is closed. The caller holds wmu.
func (s *Server) commitAppendersLocked() error {
	var first error
	for key, ca := range s.apps {
		if err := ca.conn.Raw(func(any) error { return ca.app.Flush() }); err != nil {
			s.closeAppender(key)
			if first == nil {
				first = fmt.Errorf("append to %s.%s: %w", key.dataset, key.table, err)
			}
		}
	}
	return first
}

// flushAppendersLocked flushes and closes every cached appender; the
// caller holds wmu.
func (s *Server) flushAppendersLocked() error {
	var first error
	for key := range s.apps {
		if err := s.closeAppender(key); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// flushAppenders makes every row accepted by insertAll visible to other
// connections.
func (s *Server) flushAppenders() {
	if s.pendingApps.Load() == 0 {
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.flushAppendersLocked()
}
