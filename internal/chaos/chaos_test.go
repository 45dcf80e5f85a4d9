package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	transformfn "github.com/sluice-data/sluice/functions/transform"
)

// childEnv makes the test binary the function process of a chaos run.
const childEnv = "SLUICE_CHAOS_FUNCTIONS_ADDR"

func TestMain(m *testing.M) {
	if addr := os.Getenv(childEnv); addr != "" {
		if err := ServeFunctions(addr); err != nil {
			fmt.Fprintln(os.Stderr, "chaos functions:", err)
			os.Exit(3)
		}
		return
	}
	os.Exit(m.Run())
}

func childCommand(addr string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+addr)
	return cmd
}

// short is the run CI makes: every kind of fault, outages of a few seconds.
func short(t *testing.T) Options {
	return Options{Seed: 7, Events: 1000, FailRate: 0.02, DLPDown: 3 * time.Second, WritesDown: 3 * time.Second,
		FunctionsCommand: childCommand, Progress: testWriter{t}, Timeout: 5 * time.Minute, Workdir: t.TempDir()}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestChaosAccountsForEveryRecord: under faults, redeliveries, outages and
// four SIGKILLs of the function process, every check of the accounting
// passes.
func TestChaosAccountsForEveryRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline twice")
	}
	rep, err := Run(context.Background(), short(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Text())
	if !rep.OK() {
		t.Errorf("accounting failed: %v", rep.Failed())
	}
	if got := rep.Chaos["sigkills"]; got < 3 {
		t.Errorf("the function process was killed %d times, want at least 3 (ingest, transform, mask, export)", got)
	}
	if rep.Chaos["redeliveries"] == 0 {
		t.Error("no message was redelivered")
	}
}

// TestChaosCatchesANonIdempotentMerge: with the transform's MERGE planted
// to insert matched rows again, the repeated run duplicates order keys and
// the accounting says so (and the transform's own unique assertion
// fails the run, which the accounting reports too).
func TestChaosCatchesANonIdempotentMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline twice")
	}
	// No faults or kills: the repeated transform alone must show it.
	o := short(t)
	o.FailRate, o.NoKills, o.DLPDown, o.WritesDown = -1, true, time.Millisecond, time.Millisecond
	o.PlantedBug = transformfn.BugMergeNotIdempotent
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Text())
	if rep.OK() {
		t.Fatal("the accounting passed with a non-idempotent MERGE")
	}
	var names []string
	for _, c := range rep.Failed() {
		names = append(names, c.Name)
	}
	if !strings.Contains(strings.Join(names, "\n"), "curated.orders: no duplicate order_id") {
		t.Errorf("failed checks %q do not name the duplicate order keys", names)
	}
}
