package mask_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/bigquery"
	"google.golang.org/grpc/codes"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/shared/events"
)

func (r *recorder) byEvent(event, runID string) []events.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Message
	for _, m := range r.got {
		if m.Event == event && m.RunID == runID {
			out = append(out, m)
		}
	}
	return out
}

func tasksOf(t *testing.T, ms []events.Message) []mask.Task {
	t.Helper()
	var ts []mask.Task
	for _, m := range ms {
		var task mask.Task
		if err := json.Unmarshal(m.Data, &task); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, task)
	}
	return ts
}

// TestFanOutFailsClosedPerRangeAndPublishesOnce: 600 rows of which 315
// changed, fanned out over 8 ranges. DLP dies after the first ranges'
// requests: those ranges stage, the rest fail, and published still holds
// the old rows and no mask.completed is sent. DLP back, every task is
// delivered again (the failed ones and, as Pub/Sub may, the done ones),
// concurrently: published gets every change, no personal data, and
// mask.completed is published exactly once, also after a further
// redelivery.
func TestFanOutFailsClosedPerRangeAndPublishesOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var rows [][]bigquery.Value
	for i := int64(1); i <= 600; i++ {
		rows = append(rows, person(i, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("+1 415-555-%04d", i), i%90, "hi"))
	}
	e.curated("people", peopleSchema, rows)
	rec := &recorder{}
	m := e.masker(keyedPolicy, key("fan"))
	m.Events, m.NoClassify = rec, true
	if _, err := m.Run(ctx, "f0", "d"); err != nil {
		t.Fatal(err)
	}
	before := e.published("people")
	// 295 changed rows (a new email), 10 deleted, 10 new.
	e.exec("UPDATE " + e.tbl(e.names.Curated, "people") + " SET email = CONCAT('new', email) WHERE MOD(id, 2) = 0")
	e.exec("DELETE FROM " + e.tbl(e.names.Curated, "people") + " WHERE id > 590")
	e.exec("INSERT INTO " + e.tbl(e.names.Curated, "people") + " (id, email) SELECT id, CONCAT('late', CAST(id AS STRING), '@example.com') FROM UNNEST(GENERATE_ARRAY(1001, 1010)) AS id")

	m.FanOutRows, m.FanOutRanges = 100, 8
	_, res, err := m.RunTables(ctx, "f1", "d")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Mode != mask.ModeFanOut || res[0].Changed != 315 {
		t.Fatalf("run = %+v, want fanout of 315 changes (295 changed, 10 deleted, 10 new)", res[0])
	}
	if n := len(rec.byEvent(events.MaskCompleted, "f1")); n != 0 {
		t.Fatalf("%d mask.completed before any range ran", n)
	}
	tasks := tasksOf(t, rec.byEvent(mask.MaskTaskEvent, "f1"))
	if len(tasks) != 8 {
		t.Fatalf("%d tasks, want 8", len(tasks))
	}

	// Kill DLP after three requests.
	var calls atomic.Int64
	st.DLP.Faults().Watch(func(method string) {
		if method == "DeidentifyContent" && calls.Add(1) == 3 {
			// Watch runs under the injector's lock: set the rule from outside it.
			go st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Internal)})
		}
	})
	var failed []mask.Task
	for _, task := range tasks {
		if err := m.RunTask(ctx, task); err != nil {
			if !strings.Contains(err.Error(), "DeidentifyContent") {
				t.Fatalf("range %d: %v, want the DLP error", task.Range, err)
			}
			failed = append(failed, task)
		}
	}
	st.DLP.Faults().Watch(nil)
	st.DLP.Faults().Reset()
	if len(failed) == 0 || len(failed) == len(tasks) {
		t.Fatalf("%d of %d ranges failed; want some to fail and some to stage", len(failed), len(tasks))
	}
	if got := e.published("people"); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Fatal("published changed while ranges were failing")
	}
	if n := len(rec.byEvent(events.MaskCompleted, "f1")); n != 0 {
		t.Fatalf("%d mask.completed while %d ranges had failed", n, len(failed))
	}
	staged := e.query("SELECT COUNT(DISTINCT `range`) AS n FROM " + e.tbl(e.names.Ops, mask.RangesTable) + " WHERE run_id = 'f1' AND status = 'staged'")
	if staged[0]["n"] != int64(len(tasks)-len(failed)) {
		t.Errorf("staged ranges = %v, want %d", staged, len(tasks)-len(failed))
	}

	// DLP is back: every task again, concurrently, twice.
	for round := range 2 {
		var wg sync.WaitGroup
		errs := make(chan error, len(tasks))
		for _, task := range tasks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := m.RunTask(ctx, task); err != nil {
					errs <- fmt.Errorf("round %d range %d: %w", round, task.Range, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := len(rec.byEvent(events.MaskCompleted, "f1")); n != 1 {
			t.Fatalf("after round %d: %d mask.completed, want exactly 1", round, n)
		}
	}
	var done events.MaskCompletedData
	if err := json.Unmarshal(rec.byEvent(events.MaskCompleted, "f1")[0].Data, &done); err != nil {
		t.Fatal(err)
	}
	if len(done.Tables) != 1 || done.Tables[0].Rows != 600 || done.DLPBytes == 0 {
		t.Errorf("mask.completed = %+v", done)
	}
	after := e.published("people")
	if len(after) != 600 || after[600] != nil || after[1010] == nil {
		t.Fatalf("published has %d rows (600? %v, 1010? %v)", len(after), after[600] != nil, after[1010] != nil)
	}
	for id, r := range after {
		if s := fmt.Sprint(r["email"]); strings.Contains(s, "@") {
			t.Fatalf("row %d email published unmasked: %s", id, s)
		}
		changed := id%2 == 0 || id > 1000
		if same := r["email"] == before[id]["email"]; changed == same && id <= 590 {
			t.Errorf("row %d: changed %v, token changed %v", id, changed, !same)
		}
	}
	// The next run finds nothing to do.
	_, res, err = m.RunTables(ctx, "f2", "d")
	if err != nil || res[0].Mode != mask.ModeUnchanged {
		t.Errorf("run after the fan-out: %+v, %v; want unchanged", res, err)
	}
}
