package ingest

import (
	"context"
	"fmt"
	"testing"

	"github.com/sluice-data/sluice/shared/config"
)

// A CDC source's changelog: _pos from the source position, _key from the
// primary key (declared, or the Debezium key), truncates landed without an
// image, tombstones acknowledged without landing, keyless changes rejected.
func TestChangelogPositionAndKey(t *testing.T) {
	pg := config.Source{Name: "cdc_pg", Trigger: config.Trigger{PubSubTopic: "cdc_pg"}, Format: "debezium",
		CDC: &config.CDC{PrimaryKey: []string{"id"}}}
	my := config.Source{Name: "cdc_my", Trigger: config.Trigger{PubSubTopic: "cdc_my"}, Format: "debezium", CDC: &config.CDC{}}
	l := newLander(pg, my)
	ctx := context.Background()
	land := func(topic, id, body, orderingKey string) Result {
		t.Helper()
		m := msg(id, body, nil)
		m.OrderingKey = orderingKey
		res, err := l.LandMessage(ctx, topic, m)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	land("cdc_pg", "p1", `{"op":"r","after":{"id":7,"name":"a"},"source":{"ts_ms":1767225600000,"lsn":100,"snapshot":"true"}}`, "")
	land("cdc_pg", "p2", `{"op":"u","before":{"id":7,"name":"a"},"after":{"id":7,"name":"b"},"source":{"ts_ms":1767225601000,"lsn":2345}}`, "")
	land("cdc_pg", "p3", `{"op":"d","before":{"id":7,"name":"b"},"after":null,"source":{"ts_ms":1767225602000,"lsn":2400}}`, "")
	if res := land("cdc_pg", "p4", `null`, `{"id":7}`); res.Blank != 1 || res.Landed+res.Rejected != 0 {
		t.Errorf("tombstone null: %+v, want blank 1 and nothing landed or rejected", res)
	}
	if res := land("cdc_pg", "p5", ``, `{"id":7}`); res.Blank != 1 || res.Landed+res.Rejected != 0 {
		t.Errorf("empty tombstone: %+v", res)
	}
	land("cdc_pg", "p6", `{"op":"t","before":null,"after":null,"source":{"ts_ms":1767225603000,"lsn":2500}}`, "")
	land("cdc_pg", "p7", `{"op":"c","after":{"name":"no key"},"source":{"ts_ms":1767225604000,"lsn":2600}}`, "")
	got := query(t, "SELECT _op, _pos, _key, id FROM raw.cdc_pg ORDER BY _pos")
	want := []string{
		"r 00000000000000000100 {\"id\":7} 7",
		"u 00000000000000002345 {\"id\":7} 7",
		"d 00000000000000002400 {\"id\":7} 7",
		"t 00000000000000002500 <nil> <nil>",
	}
	if len(got) != len(want) {
		t.Fatalf("changelog = %v, want %d rows", got, len(want))
	}
	for i, r := range got {
		if s := fmt.Sprintf("%v %v %v %v", r["_op"], r["_pos"], r["_key"], r["id"]); s != want[i] {
			t.Errorf("row %d = %s, want %s", i, s, want[i])
		}
	}
	if n := rejectsBy(t, "cdc_pg")["invalid_change_event"]; n != 1 {
		t.Errorf("the change without its key column: %d rejects, want 1", n)
	}

	// MySQL positions, and the key from the event's Debezium key or the
	// ordering key when primary_key is not declared.
	land("cdc_my", "m1", `{"key":{"schema":{},"payload":{"id":"k1"}},"value":{"schema":{},"payload":{"op":"c","after":{"id":"k1"},"source":{"ts_ms":1767225600000,"file":"mysql-bin.000003","pos":154,"row":1}}}}`, "")
	land("cdc_my", "m2", `{"op":"u","after":{"id":"k2"},"source":{"ts_ms":1767225600000,"file":"mysql-bin.000010","pos":4}}`, `{"id":"k2"}`)
	land("cdc_my", "m3", `{"op":"u","after":{"id":"k3"},"source":{"ts_ms":1767225600000,"file":"mysql-bin.000010","pos":5}}`, "")
	got = query(t, "SELECT _pos, _key FROM raw.cdc_my ORDER BY _pos")
	want = []string{
		"00000000000000000003:00000000000000000154:00000000000000000001 {\"id\":\"k1\"}",
		"00000000000000000010:00000000000000000004:00000000000000000000 {\"id\":\"k2\"}",
	}
	if len(got) != len(want) {
		t.Fatalf("changelog = %v, want %d rows", got, len(want))
	}
	for i, r := range got {
		if s := fmt.Sprintf("%v %v", r["_pos"], r["_key"]); s != want[i] {
			t.Errorf("row %d = %s, want %s", i, s, want[i])
		}
	}
	if n := rejectsBy(t, "cdc_my")["invalid_change_event"]; n != 1 {
		t.Errorf("the change with no key at all: %d rejects, want 1", n)
	}
}

// A CDC source's declared schema is where its changelog starts: a column
// the database adds, and an integer column that becomes decimal, reach
// the raw table without a config change.
func TestChangelogSchemaEvolves(t *testing.T) {
	src := config.Source{Name: "cdc_evolve", Trigger: config.Trigger{PubSubTopic: "cdc_evolve"}, Format: "debezium",
		Schema: []config.Field{{Name: "id", Type: "INT64"}, {Name: "credit", Type: "INT64"}},
		CDC:    &config.CDC{PrimaryKey: []string{"id"}}}
	l := newLander(src)
	ctx := context.Background()
	for i, e := range []string{
		`{"op":"c","after":{"id":1,"credit":100},"source":{"ts_ms":1767225600000,"lsn":10}}`,
		`{"op":"u","after":{"id":1,"credit":100.5,"tier":"gold"},"source":{"ts_ms":1767225601000,"lsn":20}}`,
	} {
		if res, err := l.LandMessage(ctx, "cdc_evolve", msg(fmt.Sprint("v", i), e, nil)); err != nil || res.Landed != 1 {
			t.Fatalf("change %d: %+v %v", i, res, err)
		}
	}
	got := query(t, "SELECT credit, tier, _extra FROM raw.cdc_evolve ORDER BY _pos")
	if len(got) != 2 || got[0]["credit"] != 100.0 || got[1]["credit"] != 100.5 || got[1]["tier"] != "gold" || got[1]["_extra"] != nil {
		t.Errorf("changelog = %v, want credit widened to FLOAT64 and tier added", got)
	}
}
