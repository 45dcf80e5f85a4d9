package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2/ocf"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/emulators/gcs"
	pubsubemu "github.com/sluice-data/sluice/emulators/pubsub"
)

// TestArchiveLayoutAndRecords publishes through the real Pub/Sub client to
// pstest and reads the archive bucket back through the real storage
// client: every message once, under <source>/YYYY/MM/DD/, with its data,
// attributes, message id and publish time; in the cloud's Avro (the
// default, with and without compression) and in the JSON lines of old.
func TestArchiveLayoutAndRecords(t *testing.T) {
	for _, tc := range []struct {
		format Format
		codec  ocf.CodecName
		suffix string
	}{
		{"", "", ".avro"},
		{FormatAvro, ocf.Deflate, ".avro"},
		{FormatJSONL, "", ".jsonl"},
	} {
		t.Run(fmt.Sprintf("%s_%s", tc.format, tc.codec), func(t *testing.T) { testArchive(t, tc.format, tc.codec, tc.suffix) })
	}
}

func testArchive(t *testing.T, format Format, codec ocf.CodecName, suffix string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ps, err := pubsubemu.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	t.Setenv("PUBSUB_EMULATOR_HOST", ps.Addr)
	gs, err := gcs.New(gcs.Options{Project: "p", Buckets: []string{"archive"}})
	if err != nil {
		t.Fatal(err)
	}
	defer gs.Close()
	t.Setenv("STORAGE_EMULATOR_HOST", gs.Addr)
	pc, err := pubsub.NewClient(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	sc, err := storage.NewClient(ctx, storage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()

	// MaxBytes small: several objects, written by the byte limit.
	a := &Archiver{PubSub: pc, Storage: sc, Project: "p", Bucket: "archive", MaxBytes: 100, MaxDuration: 50 * time.Millisecond, Format: format, Codec: codec}
	if err := a.Add(ctx, Source{Name: "events", Topic: "events"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()

	pub := pc.Publisher("events")
	want := map[string]Record{}
	before := time.Now().UTC().Add(-time.Second)
	for i := range 30 {
		m := &pubsub.Message{Data: fmt.Appendf(nil, `{"event_id":"e%d","pad":"%040d"}`, i, i), Attributes: map[string]string{"n": fmt.Sprint(i)}}
		id, err := pub.Publish(ctx, m).Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = Record{MessageID: id, Attributes: m.Attributes, Data: m.Data}
	}
	pub.Stop()

	// <prefix><UTC-date-time>_<uuid><suffix>, the Cloud Storage
	// subscription's object names (pubsub/docs/create-cloudstorage-subscription).
	layout := regexp.MustCompile(`^events/(\d{4}/\d{2}/\d{2})/\d{2}_\d{2}_\d{2}Z_[0-9a-f]{32}` + regexp.QuoteMeta(suffix) + `$`)
	got := map[string]Record{}
	objects := 0
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < len(want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		got, objects = map[string]Record{}, 0
		it := sc.Bucket("archive").Objects(ctx, &storage.Query{Prefix: "events/"})
		for {
			o, err := it.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			mm := layout.FindStringSubmatch(o.Name)
			if mm == nil {
				t.Fatalf("object %q is not <source>/YYYY/MM/DD/hh_mm_ssZ_<uuid>%s", o.Name, suffix)
			}
			if want := map[string]string{".avro": "application/avro", ".jsonl": "application/x-ndjson"}[suffix]; o.ContentType != want {
				t.Errorf("object %s: content type %q, want %q", o.Name, o.ContentType, want)
			}
			r, err := sc.Bucket("archive").Object(o.Name).NewReader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var head [4]byte
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			copy(head[:], b)
			if isAvro := string(head[:]) == "Obj\x01"; isAvro != (suffix == ".avro") {
				t.Fatalf("object %s starts %q: want Avro's magic exactly for .avro", o.Name, head)
			}
			recs, err := ReadRecords(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			objects++
			for _, rec := range recs {
				if d := rec.PublishTime.Format("2006/01/02"); d != mm[1] {
					t.Errorf("message %s published %s is in the folder of day %s", rec.MessageID, rec.PublishTime, mm[1])
				}
				if rec.PublishTime.Before(before) || rec.PublishTime.After(time.Now().Add(time.Second)) {
					t.Errorf("message %s: publish_time %s is not when it was published", rec.MessageID, rec.PublishTime)
				}
				if _, dup := got[rec.MessageID]; dup {
					t.Errorf("message %s archived twice", rec.MessageID)
				}
				if rec.SubscriptionName != "projects/p/subscriptions/"+Subscription("events") {
					t.Errorf("subscription_name %q", rec.SubscriptionName)
				}
				rec.PublishTime, rec.SubscriptionName = time.Time{}, ""
				got[rec.MessageID] = rec
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("archived records (-want +got):\n%s", diff)
	}
	if objects < 2 {
		t.Errorf("%d objects for 30 messages of ~60 bytes with MaxBytes 100: batching by bytes does not split", objects)
	}
	cancel()
	<-done
	// Everything archived was acknowledged (after its object was written).
	for _, m := range ps.Messages() {
		if m.Acks < 1 {
			t.Errorf("message %s was archived but not acknowledged", m.ID)
		}
	}
}
