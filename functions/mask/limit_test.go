package mask_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/grpc/codes"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/functions/mask"
)

// bigRows are n rows whose token column is ~100 kB each: three fit in one
// DLP request, so n rows take n/3 requests.
func bigRows(n int) [][]bigquery.Value {
	rows := make([][]bigquery.Value, n)
	for i := range rows {
		rows[i] = []bigquery.Value{int64(i), strings.Repeat(string(rune('a'+i%26)), 100_000)}
	}
	return rows
}

var bigSchema = bigquery.Schema{{Name: "id", Type: bigquery.IntegerFieldType}, {Name: "blob", Type: bigquery.StringFieldType}}

const bigPolicy = "- name: big\n  key: id\n  columns:\n    id: keep\n    blob: token\n"

// TestDLPQuotaErrorsBackOff: DLP answers RESOURCE_EXHAUSTED (its 429) to
// the first three calls; the run backs off, retries and succeeds, every
// row masked, and the retries are counted.
func TestDLPQuotaErrorsBackOff(t *testing.T) {
	e := newEnv(t)
	e.curated("big", bigSchema, bigRows(6))
	m := e.masker(bigPolicy, key("q"))
	m.DLPBackoff = 20 * time.Millisecond
	m.DLPConcurrency = 1
	st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailFirst: 3, Code: int(codes.ResourceExhausted)})
	defer st.DLP.Faults().Reset()
	_, res, err := m.RunTables(context.Background(), "q1", "d")
	if err != nil {
		t.Fatalf("run failed on quota errors instead of backing off: %v", err)
	}
	if got := m.QuotaRetries(); got != 3 {
		t.Errorf("quota retries = %d, want 3", got)
	}
	if res[0].Changed != 6 || res[0].DLPRequests != 2 {
		t.Errorf("result = %+v, want 6 rows in 2 requests", res[0])
	}
	for id, r := range e.published("big") {
		if b := r["blob"].(string); strings.Contains(b, "aaaa") || len(b) > 100 {
			t.Errorf("row %d published unmasked (%d bytes)", id, len(b))
		}
	}
}

// TestDLPRequestLimiter: at 120 requests a minute (2 a second, burst 2)
// six requests take at least two seconds; without a limit they do not.
func TestDLPRequestLimiter(t *testing.T) {
	e := newEnv(t)
	e.curated("big", bigSchema, bigRows(18))
	for _, tc := range []struct {
		rpm     int
		atLeast time.Duration
	}{{-1, 0}, {120, 1900 * time.Millisecond}} {
		m := e.masker(bigPolicy, key("l"))
		m.DLPRequestsPerMinute = tc.rpm
		e.exec("DROP TABLE IF EXISTS " + e.tbl(e.names.Ops, mask.StateTablePrefix+"big"))
		start := time.Now()
		_, res, err := m.RunTables(context.Background(), fmt.Sprintf("l%d", tc.rpm+1), "d")
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].DLPRequests != 6 {
			t.Fatalf("%d requests, want 6", res[0].DLPRequests)
		}
		t.Logf("%d requests/min: %v", tc.rpm, took)
		if took < tc.atLeast {
			t.Errorf("at %d requests a minute 6 requests took %v, want at least %v", tc.rpm, took, tc.atLeast)
		}
	}
}

// TestDeadDLPFailsTheRunInsteadOfHanging: DLP answers UNAVAILABLE to every
// call, which the DLP client retries with no deadline of its own (a run
// once hung for over ten minutes). With a 2 s per-call deadline
// (SLUICE_DLP_TIMEOUT) the run fails within seconds, the error names the
// deadline, and published still holds the last good run's rows.
func TestDeadDLPFailsTheRunInsteadOfHanging(t *testing.T) {
	e := newEnv(t)
	e.curated("big", bigSchema, bigRows(3))
	m := e.masker(bigPolicy, key("dead"))
	if err := m.Tune(vars{mask.EnvDLPTimeout: "2s"}.get); err != nil {
		t.Fatal(err)
	}
	if m.DLPTimeout != 2*time.Second {
		t.Fatalf("DLPTimeout = %v after %s=2s", m.DLPTimeout, mask.EnvDLPTimeout)
	}
	if err := m.Tune(vars{mask.EnvDLPTimeout: "60"}.get); err == nil || !strings.Contains(err.Error(), mask.EnvDLPTimeout) {
		t.Errorf("%s=60 (no unit): %v, want an error naming the variable", mask.EnvDLPTimeout, err)
	}
	if _, err := m.Run(context.Background(), "dead1", "d"); err != nil {
		t.Fatal(err)
	}
	before := e.published("big")
	e.exec("UPDATE " + e.tbl(e.names.Curated, "big") + " SET blob = CONCAT('x', blob) WHERE id = 1")

	st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Unavailable)})
	defer st.DLP.Faults().Reset()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err := m.Run(ctx, "dead2", "d")
	took := time.Since(start)
	t.Logf("run against a dead DLP failed after %v: %v", took, err)
	if err == nil {
		t.Fatal("run succeeded against a dead DLP")
	}
	if ctx.Err() != nil || took > 20*time.Second {
		t.Fatalf("run took %v: the per-call deadline did not stop it", took)
	}
	if !strings.Contains(err.Error(), mask.EnvDLPTimeout) || !strings.Contains(err.Error(), "2s") {
		t.Errorf("error %q does not name the deadline and %s", err, mask.EnvDLPTimeout)
	}
	if got := e.published("big"); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Error("published changed although DLP never answered")
	}
}

type vars map[string]string

func (v vars) get(k string) string { return v[k] }
