package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/sluice-data/sluice/shared/config"
)

func TestReplayLandsFixedRejectsOnce(t *testing.T) {
	broken := eventsSource("replayed")
	broken.Schema[4].Type = "INT64" // amount declared wrong: 1.5 does not fit
	l := newLander(broken)
	ctx := context.Background()
	payload := `{"event_id":"p1","amount":1.5}` + "\n" + `{"event_id":"p2","amount":2.5}` + "\n" + `{"event_id":"p3","amount":"x"}`
	if res, err := l.LandMessage(ctx, "replayed", msg("rp1", payload, nil)); err != nil || res.Rejected != 3 {
		t.Fatalf("land: %+v %v", res, err)
	}
	counts, err := l.CountRejects(ctx, RejectFilter{Source: "replayed"})
	if err != nil || len(counts) != 1 || counts[0].Count != 3 || counts[0].Reason != "schema_mismatch" {
		t.Fatalf("counts = %+v %v", counts, err)
	}
	// The config and the table are fixed; a new Lander (a new deploy) replays.
	query(t, "ALTER TABLE raw.replayed ALTER COLUMN amount SET DATA TYPE FLOAT64")
	fixed := newLander(eventsSource("replayed"))
	var ticks int
	res, err := fixed.Replay(ctx, RejectFilter{Source: "replayed", Reason: "schema_mismatch", Since: time.Now().Add(-time.Hour)}, func(done, total int) { ticks++ })
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejects != 3 || res.Landed != 2 || res.Again != 1 || res.Replayed != 3 || ticks < 3 {
		t.Errorf("replay = %+v (ticks %d)", res, ticks)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.replayed"); n != 2 {
		t.Errorf("rows after replay = %d, want 2", n)
	}
	// A second replay finds nothing to do and lands nothing.
	res, err = fixed.Replay(ctx, RejectFilter{Source: "replayed"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The one that failed again is a new reject (origin replay:<id>), replayable in its turn.
	if res.Rejects != 1 || res.Landed != 0 {
		t.Errorf("second replay = %+v, want only the new reject, nothing landed", res)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.replayed"); n != 2 {
		t.Errorf("rows after second replay = %d, want 2", n)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM sluice_ops.rejects WHERE source = 'replayed' AND replayed_at IS NULL"); n != 1 {
		t.Errorf("open rejects = %d, want 1", n)
	}
	list, err := fixed.ListRejects(ctx, RejectFilter{Source: "replayed", IncludeReplayed: true}, 0)
	if err != nil || len(list) != 5 {
		t.Errorf("list = %d %v", len(list), err)
	}
}

// A message for a source the config did not have yet is replayable once
// the source is added.
func TestReplayUnknownSourceAfterItIsAdded(t *testing.T) {
	ctx := context.Background()
	l := newLander(eventsSource("known"))
	if res, err := l.LandMessage(ctx, "known", msg("late1", `{"id":"x"}`, map[string]string{"source": "latecomer"})); err != nil || res.Rejected != 1 {
		t.Fatalf("land: %+v %v", res, err)
	}
	late := config.Source{Name: "latecomer", Trigger: config.Trigger{PubSubTopic: "latecomer"}, Format: "json"}
	fixed := newLander(eventsSource("known"), late)
	res, err := fixed.Replay(ctx, RejectFilter{Source: "latecomer", Reason: "unknown_source"}, nil)
	if err != nil || res.Landed != 1 || res.Replayed != 1 {
		t.Fatalf("replay: %+v %v", res, err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.latecomer WHERE id = 'x'"); n != 1 {
		t.Errorf("rows = %d", n)
	}
}
