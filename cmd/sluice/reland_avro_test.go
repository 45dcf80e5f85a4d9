package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/hamba/avro/v2/ocf"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/archive"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/logging"
)

// TestRelandCloudAvroObjects: the objects a Pub/Sub Cloud Storage
// subscription writes (Avro object container files with the documented
// write_metadata schema, named <source>/YYYY/MM/DD/hh_mm_ssZ_<uuid>.avro)
// are put into the storage emulator and re-landed through the real clients:
// uncompressed and deflate-compressed objects both land, a second run lands
// nothing new; a truncated object stops the run with an error naming it,
// before anything lands, and stays in the archive.
func TestRelandCloudAvroObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	logging.Output = io.Discard
	ctx := context.Background()
	st, err := stack.Start(ctx, stack.Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, names := st.Clients, st.Clients.Names
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	put := func(name string, b []byte) {
		t.Helper()
		w := c.Storage.Bucket(names.Archive).Object(name).NewWriter(ctx)
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	sub := "projects/" + c.Env.Project + "/subscriptions/sluice-archive-events"
	batch := func(first, n int) []archive.Record {
		var recs []archive.Record
		for i := first; i < first+n; i++ {
			b, _ := json.Marshal(map[string]any{"event_id": fmt.Sprintf("a%03d", i), "event_type": "page_view",
				"event_time": day.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)})
			recs = append(recs, archive.Record{SubscriptionName: sub, MessageID: fmt.Sprint(9000 + i),
				PublishTime: day.Add(time.Duration(i)*time.Minute + 1500*time.Microsecond), Attributes: map[string]string{"origin": "shop"}, Data: b})
		}
		return recs
	}
	var plain, deflated bytes.Buffer
	if err := archive.WriteAvro(&plain, batch(0, 20), ocf.Null); err != nil {
		t.Fatal(err)
	}
	if err := archive.WriteAvro(&deflated, batch(20, 20), ocf.Deflate); err != nil {
		t.Fatal(err)
	}
	put(archive.ObjectName("events", day.Add(time.Minute), "4b1c0d6e-0001", archive.AvroSuffix), plain.Bytes())
	put(archive.ObjectName("events", day.Add(21*time.Minute), "4b1c0d6e-0002", archive.AvroSuffix), deflated.Bytes())

	raw := "`" + names.Raw + ".events`"
	count := func() int64 {
		t.Helper()
		n, err := rawRowCount(ctx, c.BigQuery, names.Raw, "events")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	o := relandOptions{Source: "events", From: day, To: day}
	sum, err := reland(ctx, c, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != 2 || sum.Messages != 40 || sum.Landed != 40 || sum.Skipped != 0 || total(sum.Rejected) != 0 {
		t.Fatalf("first re-land: %+v, want 2 objects, 40 messages, all landed", sum)
	}
	it, err := c.BigQuery.Query("SELECT COUNT(DISTINCT event_id), MIN(event_id), MAX(event_id) FROM " + raw).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(row), "[40 a000 a039]"; got != want {
		t.Fatalf("raw.events ids: %s, want %s (both objects, every record)", got, want)
	}
	if sum, err = reland(ctx, c, p, o); err != nil {
		t.Fatal(err)
	}
	if sum.Landed != 0 || sum.Skipped != 40 || count() != 40 {
		t.Fatalf("second re-land: landed %d skipped %d, %d rows; want 0, 40, 40", sum.Landed, sum.Skipped, count())
	}

	// A truncated object (an upload cut short, a bad copy): the run stops
	// with its name, lands nothing, and the object stays where it was.
	var more bytes.Buffer
	if err := archive.WriteAvro(&more, batch(40, 20), ocf.Deflate); err != nil {
		t.Fatal(err)
	}
	broken := archive.ObjectName("events", day.Add(41*time.Minute), "4b1c0d6e-0003", archive.AvroSuffix)
	put(broken, more.Bytes()[:more.Len()-25])
	_, err = reland(ctx, c, p, o)
	if err == nil || !strings.Contains(err.Error(), "gs://"+names.Archive+"/"+broken) || !strings.Contains(err.Error(), "truncated or corrupt") {
		t.Fatalf("re-land over a truncated object: error %v, want one naming gs://%s/%s as truncated or corrupt", err, names.Archive, broken)
	}
	if n := count(); n != 40 {
		t.Fatalf("after the failed re-land raw.events has %d rows, want the 40 it had", n)
	}
	if _, err := c.Storage.Bucket(names.Archive).Object(broken).Attrs(ctx); err != nil {
		t.Fatalf("the truncated object is gone from the archive: %v", err)
	}
}
