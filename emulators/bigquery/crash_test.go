package bigquery

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/option"
)

// crashChildEnv names the DuckDB file and address file of the emulator that
// TestCrashChildProcess serves when the test binary is started as a child.
const crashChildEnv = "SLUICE_BQ_CRASH_CHILD"

// TestCrashChildProcess is not a test: run by TestInsertAllDurableAcrossSIGKILL
// as a child process, it serves the emulator on a DuckDB file until killed.
func TestCrashChildProcess(t *testing.T) {
	spec := os.Getenv(crashChildEnv)
	if spec == "" {
		t.Skip("helper process for TestInsertAllDurableAcrossSIGKILL")
	}
	dbPath, addrFile, _ := strings.Cut(spec, "|")
	srv, err := New(Options{Path: dbPath, Project: testProject})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(3)
	}
	if err := os.WriteFile(addrFile+".tmp", []byte(ln.Addr().String()), 0o644); err != nil {
		os.Exit(3)
	}
	os.Rename(addrFile+".tmp", addrFile)
	http.Serve(ln, srv.Handler()) // until SIGKILL
}

var crashSchema = bigquery.Schema{{Name: "id", Type: bigquery.StringFieldType}, {Name: "n", Type: bigquery.IntegerFieldType}}

// TestInsertAllDurableAcrossSIGKILL: an insertAll that answered success has
// its rows on disk. The emulator runs in a child process on a DuckDB file;
// concurrent requests insert rows, and the moment the last of them answers
// the child is killed with SIGKILL (no flush, no Close), restarted on the
// same file, and must hold every acknowledged row. Ingest acknowledges
// Pub/Sub messages on that answer, so a row lost here is a message lost.
func TestInsertAllDurableAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "bq.duckdb")
	ctx := context.Background()

	start := func() (*bigquery.Client, *exec.Cmd) {
		t.Helper()
		addrFile := filepath.Join(dir, fmt.Sprintf("addr-%d", time.Now().UnixNano()))
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChildProcess$", "-test.v=false")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dbPath+"|"+addrFile)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		deadline := time.Now().Add(60 * time.Second)
		for {
			b, err := os.ReadFile(addrFile)
			if err == nil {
				c, err := bigquery.NewClient(ctx, testProject, option.WithEndpoint("http://"+string(b)), option.WithoutAuthentication())
				if err != nil {
					t.Fatal(err)
				}
				return c, cmd
			}
			if time.Now().After(deadline) {
				t.Fatal("child emulator did not start")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	kill := func(cmd *exec.Cmd) {
		t.Helper()
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
	}
	count := func(c *bigquery.Client) int64 {
		t.Helper()
		it, err := c.Query("SELECT COUNT(*) FROM raw.events").Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var row []bigquery.Value
		if err := it.Next(&row); err != nil {
			t.Fatal(err)
		}
		return row[0].(int64)
	}

	c, cmd := start()
	if err := c.Dataset("raw").Create(ctx, &bigquery.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Dataset("raw").Table("events").Create(ctx, &bigquery.TableMetadata{Schema: crashSchema}); err != nil {
		t.Fatal(err)
	}
	var acked int64
	const rounds, requests, rowsPer = 3, 8, 50
	for round := range rounds {
		ins := c.Dataset("raw").Table("events").Inserter()
		var wg sync.WaitGroup
		errs := make(chan error, requests)
		for r := range requests {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows := make([]*bigquery.ValuesSaver, rowsPer)
				for i := range rows {
					id := fmt.Sprintf("r%d-q%d-%d", round, r, i)
					rows[i] = &bigquery.ValuesSaver{Schema: crashSchema, InsertID: id, Row: []bigquery.Value{id, int64(i)}}
				}
				errs <- ins.Put(ctx, rows)
			}()
		}
		wg.Wait()
		kill(cmd) // at once: within the emulator's 50 ms flush delay
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: insertAll: %v", round, err)
			}
			acked += rowsPer
		}
		c.Close()
		c, cmd = start()
		if got := count(c); got != acked {
			t.Fatalf("round %d: after SIGKILL and restart raw.events has %d rows, %d were acknowledged", round, got, acked)
		}
	}
	c.Close()
	kill(cmd)
}
