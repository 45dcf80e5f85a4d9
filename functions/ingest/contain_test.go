package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-data/sluice/shared/config"
)

// A panic while handling one record rejects that record (internal_error,
// origin naming the object and line or the message, the stack in detail);
// the other records land. A panic outside record handling rejects the
// delivery, named by its object or message.
func TestPanicIsContained(t *testing.T) {
	files := config.Source{Name: "panic_files", Trigger: config.Trigger{GCSPrefix: "panic_files/"}, Format: "jsonl",
		Schema: []config.Field{{Name: "id", Type: "STRING"}}}
	csvSrc := config.Source{Name: "panic_csv", Trigger: config.Trigger{GCSPrefix: "panic_csv/"}, Format: "csv",
		Schema: []config.Field{{Name: "id", Type: "STRING"}}}
	l := newLander(eventsSource("panic_msg"), files, csvSrc)
	ctx := context.Background()
	l.hooks.record = func(raw []byte) {
		if bytes.Contains(raw, []byte("boom")) {
			panic("planted panic")
		}
	}
	var lines []string
	for i := 1; i <= 5; i++ {
		id := fmt.Sprint("ok", i)
		if i == 3 {
			id = "boom"
		}
		lines = append(lines, fmt.Sprintf(`{"id":%q}`, id))
	}
	obj := put(t, "panic_files/a.jsonl", []byte(strings.Join(lines, "\n")))
	res, err := l.LandObject(ctx, obj)
	if err != nil || res.Landed != 4 || res.Rejected != 1 {
		t.Fatalf("object: %+v %v, want 4 landed, 1 rejected", res, err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM raw.panic_files WHERE id LIKE 'ok%'"); n != 4 {
		t.Errorf("object: %d rows landed, want 4", n)
	}
	wantOrigin := fmt.Sprintf("gs://landing/panic_files/a.jsonl#%d:3", obj.Generation)
	r := query(t, "SELECT origin, detail, payload FROM sluice_ops.rejects WHERE source = 'panic_files' AND reason = 'internal_error'")
	if len(r) != 1 || r[0]["origin"] != wantOrigin || string(r[0]["payload"].([]byte)) != lines[2] ||
		!strings.Contains(r[0]["detail"].(string), "planted panic") || !strings.Contains(r[0]["detail"].(string), "goroutine") {
		t.Errorf("object reject = %v, want origin %s, the line, the panic and its stack", r, wantOrigin)
	}

	// The same in a Pub/Sub message of several records, and a CSV object.
	m := `{"event_id":"m1"}` + "\n" + `{"event_id":"boom"}` + "\n" + `{"event_id":"m3"}`
	res, err = l.LandMessage(ctx, "panic_msg", msg("pm1", m, nil))
	if err != nil || res.Landed != 2 || res.Rejected != 1 {
		t.Fatalf("message: %+v %v, want 2 landed, 1 rejected", res, err)
	}
	r = query(t, "SELECT origin FROM sluice_ops.rejects WHERE source = 'panic_msg' AND reason = 'internal_error'")
	if len(r) != 1 || r[0]["origin"] != "pubsub:panic_msg/pm1#2" {
		t.Errorf("message reject = %v, want origin pubsub:panic_msg/pm1#2", r)
	}
	res, err = l.LandObject(ctx, put(t, "panic_csv/a.csv", []byte("id\nc1\nboom\nc3\n")))
	if err != nil || res.Landed != 2 || res.Rejected != 1 {
		t.Fatalf("csv: %+v %v, want 2 landed, 1 rejected", res, err)
	}

	// A panic outside record handling (here: writing the batch) rejects the
	// delivery, named by its object; the call is acknowledged (nil error).
	l.hooks.record = nil
	l.hooks.flush = func() { panic("planted flush panic") }
	obj2 := put(t, "panic_files/b.jsonl", []byte(`{"id":"b1"}`))
	res, err = l.LandObject(ctx, obj2)
	if err != nil || res.Rejected != 1 {
		t.Fatalf("delivery panic (object): %+v %v, want 1 reject and nil", res, err)
	}
	res, err = l.LandMessage(ctx, "panic_msg", msg("pm2", `{"event_id":"x"}`, nil))
	if err != nil || res.Rejected != 1 {
		t.Fatalf("delivery panic (message): %+v %v, want 1 reject and nil", res, err)
	}
	l.hooks.flush = nil
	got := map[string]string{}
	for _, row := range query(t, "SELECT origin, detail FROM sluice_ops.rejects WHERE reason = 'internal_error' AND detail LIKE '%planted flush panic%'") {
		got[row["origin"].(string)] = row["detail"].(string)
	}
	for _, o := range []string{fmt.Sprintf("gs://landing/panic_files/b.jsonl#%d", obj2.Generation), "pubsub:panic_msg/pm2"} {
		if d, ok := got[o]; !ok || !strings.Contains(d, "goroutine") {
			t.Errorf("no delivery reject with origin %s and a stack; have %v", o, got)
		}
	}
}

func TestEventOrigin(t *testing.T) {
	for _, c := range [][4]string{
		{"//storage.googleapis.com/projects/_/buckets/landing", "objects/orders/a.jsonl.gz", "m0", "gs://landing/orders/a.jsonl.gz#cloudevent:m0"},
		{"//pubsub.googleapis.com/projects/p/topics/events", "", "m1", "pubsub:events/cloudevent:m1"},
		{"somewhere", "", "m2", "cloudevent:m2"},
	} {
		if got := eventOrigin(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("eventOrigin(%q, %q) = %q, want %q", c[0], c[1], got, c[3])
		}
	}
}
