package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"github.com/sluice-data/sluice/shared/config"
)

// readGS reads gs://bucket/object through the storage client.
func readGS(t *testing.T, uri string) []byte {
	t.Helper()
	bucket, name, _ := strings.Cut(strings.TrimPrefix(uri, "gs://"), "/")
	rc, err := gcsc.Bucket(bucket).Object(name).NewReader(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", uri, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A 20 MB payload is kept in full through payload_uri and replays from
// there; a 2 MB one, rejected until the config is fixed, replays and lands.
func TestLargeRejectPayloadKeptAndReplayed(t *testing.T) {
	src := config.Source{Name: "bigrej", Trigger: config.Trigger{GCSPrefix: "bigrej/", PubSubTopic: "bigrej"}, Format: "jsonl",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "n", Type: "INT64"}, {Name: "note", Type: "STRING"}}}
	l := newLander(src)
	ctx := context.Background()
	line := []byte(fmt.Sprintf(`{"id":"huge","note":"%s"}`, strings.Repeat("h", 20<<20)))
	obj := put(t, "bigrej/huge.jsonl", append(append([]byte(`{"id":"small"}`+"\n"), line...), '\n'))
	res, err := l.LandObject(ctx, obj)
	if err != nil || res.Landed != 1 || res.Rejected != 1 {
		t.Fatalf("land: %+v %v, want 1 landed, 1 rejected", res, err)
	}
	rows := query(t, "SELECT reject_id, reason, payload, payload_size, payload_sha256, payload_uri FROM sluice_ops.rejects WHERE source = 'bigrej'")
	if len(rows) != 1 {
		t.Fatalf("rejects = %d, want 1", len(rows))
	}
	r := rows[0]
	uri, _ := r["payload_uri"].(string)
	if r["reason"] != "too_large" || !bytes.Equal(r["payload"].([]byte), line[:RejectHeadBytes]) || r["payload_size"] != int64(len(line)) ||
		r["payload_sha256"] != sha(line) || !strings.HasPrefix(uri, "gs://archive/_rejects/bigrej/"+time.Now().UTC().Format("2006-01-02")+"/") {
		t.Fatalf("reject row: reason %v, %d payload bytes, size %v, sha %v, uri %q", r["reason"], len(r["payload"].([]byte)), r["payload_size"], r["payload_sha256"], uri)
	}
	if got := readGS(t, uri); !bytes.Equal(got, line) {
		t.Fatalf("%s holds %d bytes, want the whole %d-byte line", uri, len(got), len(line))
	}
	// Replay reads the whole payload back; at 20 MB it is still too large
	// (over MaxMessageBytes), so it is rejected again, kept in full again.
	rr, err := l.Replay(ctx, RejectFilter{Source: "bigrej"}, nil)
	if err != nil || rr.Rejects != 1 || rr.Replayed != 1 || rr.Again != 1 {
		t.Fatalf("replay: %+v %v", rr, err)
	}
	again := query(t, fmt.Sprintf("SELECT reason, payload_size, payload_sha256, payload_uri FROM sluice_ops.rejects WHERE origin = 'replay:%s'", r["reject_id"]))
	if len(again) != 1 || again[0]["payload_size"] != int64(len(line)) || again[0]["payload_sha256"] != sha(line) {
		t.Fatalf("replayed reject = %v", again)
	}
	if got := readGS(t, again[0]["payload_uri"].(string)); !bytes.Equal(got, line) {
		t.Fatalf("replayed payload holds %d bytes, want %d", len(got), len(line))
	}

	// 2 MB, wrong type for n until the schema is fixed: replay lands it.
	l.Pipeline.Sources[0].Schema[1].Type = "STRING"
	mid := fmt.Sprintf(`{"id":"mid","n":"x","note":"%s"}`, strings.Repeat("m", 2<<20))
	broken := newLander(config.Source{Name: "bigrej2", Trigger: config.Trigger{PubSubTopic: "bigrej2"}, Format: "json",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "n", Type: "INT64"}, {Name: "note", Type: "STRING"}}})
	if res, err := broken.LandMessage(ctx, "bigrej2", msg("b2", mid, nil)); err != nil || res.Rejected != 1 {
		t.Fatalf("2 MB message: %+v %v", res, err)
	}
	if u := query(t, "SELECT payload_uri FROM sluice_ops.rejects WHERE source = 'bigrej2'")[0]["payload_uri"]; u == nil {
		t.Fatal("2 MB reject has no payload_uri")
	}
	fixed := newLander(config.Source{Name: "bigrej2", Trigger: config.Trigger{PubSubTopic: "bigrej2"}, Format: "json",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "n", Type: "STRING"}, {Name: "note", Type: "STRING"}}})
	query(t, "ALTER TABLE raw.bigrej2 ALTER COLUMN n SET DATA TYPE STRING")
	if rr, err := fixed.Replay(ctx, RejectFilter{Source: "bigrej2"}, nil); err != nil || rr.Landed != 1 {
		t.Fatalf("replay 2 MB: %+v %v", rr, err)
	}
	if n := count(t, fmt.Sprintf("SELECT COUNT(*) AS n FROM raw.bigrej2 WHERE id = 'mid' AND LENGTH(note) = %d", 2<<20)); n != 1 {
		t.Errorf("2 MB row landed %d times, want 1", n)
	}
}

// insertAllSizes records the body size of every insertAll request.
type insertAllSizes struct {
	mu    sync.Mutex
	sizes []int
}

func (s *insertAllSizes) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/insertAll") && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		s.mu.Lock()
		s.sizes = append(s.sizes, len(b))
		s.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Rejects are written in requests under BigQuery's 10 MB insertAll limit,
// however many large rejects one object makes.
func TestRejectsWritesSplitUnder10MB(t *testing.T) {
	src := config.Source{Name: "manyrej", Trigger: config.Trigger{GCSPrefix: "manyrej/"}, Format: "jsonl",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "n", Type: "INT64"}}}
	l := newLander(src)
	rec := &insertAllSizes{}
	c, err := bigquery.NewClient(context.Background(), "p", option.WithEndpoint(bqURL), option.WithoutAuthentication(),
		option.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l.BigQuery = c
	var data bytes.Buffer
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&data, `{"id":"r%d","n":"%s"}`+"\n", i, strings.Repeat("x", 900<<10)) // 900 KB, kept inline
	}
	res, err := l.LandObject(context.Background(), put(t, "manyrej/a.jsonl", data.Bytes()))
	if err != nil || res.Rejected != 30 {
		t.Fatalf("%+v %v, want 30 rejects", res, err)
	}
	if n := count(t, "SELECT COUNT(*) AS n FROM sluice_ops.rejects WHERE source = 'manyrej' AND payload_uri IS NULL AND payload_size > 900000"); n != 30 {
		t.Errorf("rejects kept inline = %d, want 30", n)
	}
	total := 0
	for _, n := range rec.sizes {
		if n >= 10_000_000 {
			t.Errorf("an insertAll request of %d bytes (BigQuery refuses over 10 MB); all: %v", n, rec.sizes)
		}
		total += n
	}
	if total < 30*900<<10 {
		t.Errorf("insertAll bytes %d: the rejects were not sent through this client (%v)", total, rec.sizes)
	}
}
