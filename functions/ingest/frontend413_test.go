package ingest

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	bqemu "github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/shared/config"
)

// Google's front end may answer a large insertAll body with HTTP 413 and an
// HTML page instead of BigQuery's JSON 400
// (https://github.com/Aiven-Open/bigquery-connector-for-apache-kafka/pull/256).
// Ingest treats it as the 400: the request is split until the row that
// draws it stands alone, that row is a reject (its payload kept in full),
// and every other line lands. The emulator here answers 413 from 2 MiB up
// (Limits.FrontEndRequestBytes), far below where BigQuery would, so that
// one 3 MB line draws it.
func TestFrontEnd413RejectsOnlyTheLargeLine(t *testing.T) {
	stack()
	ctx := context.Background()
	srv, err := bqemu.New(bqemu.Options{Project: "p", Limits: bqemu.Limits{FrontEndRequestBytes: 2 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	c, err := bigquery.NewClient(ctx, "p", option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	src := config.Source{Name: "fe413", Trigger: config.Trigger{GCSPrefix: "fe413/"}, Format: "jsonl",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "note", Type: "STRING"}}}
	l := newLander(src)
	l = &Lander{BigQuery: c, Storage: l.Storage, Pipeline: l.Pipeline, Names: l.Names, Now: l.Now, Log: l.Log}
	if _, err := l.ensureRejects(ctx); err != nil {
		t.Fatal(err)
	}
	big := fmt.Sprintf(`{"id":"big","note":"%s"}`, strings.Repeat("b", 3<<20))
	var data bytes.Buffer
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&data, `{"id":"s%d","note":"%s"}`+"\n", i, strings.Repeat("s", 100<<10))
		if i == 4 {
			data.WriteString(big + "\n")
		}
	}
	res, err := l.LandObject(ctx, put(t, "fe413/a.jsonl", data.Bytes()))
	if err != nil || res.Landed != 10 || res.Rejected != 1 {
		t.Fatalf("land: %+v %v, want 10 landed, 1 rejected", res, err)
	}
	read := func(sql string) []map[string]bigquery.Value {
		it, err := c.Query(sql).Read(ctx)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		var out []map[string]bigquery.Value
		for {
			row := map[string]bigquery.Value{}
			if err := it.Next(&row); err == iterator.Done {
				return out
			} else if err != nil {
				t.Fatal(err)
			}
			out = append(out, row)
		}
	}
	if n := read("SELECT COUNT(DISTINCT id) AS n FROM raw.fe413 WHERE id LIKE 's%'")[0]["n"]; n != int64(10) {
		t.Errorf("small lines landed: %v, want 10", n)
	}
	rej := read("SELECT reason, detail, payload_size, payload_sha256, payload_uri FROM sluice_ops.rejects WHERE source = 'fe413'")
	if len(rej) != 1 {
		t.Fatalf("rejects: %v", rej)
	}
	r := rej[0]
	uri, _ := r["payload_uri"].(string)
	if r["reason"] != string(ReasonInsertRejected) || !strings.Contains(r["detail"].(string), "413") || r["payload_size"] != int64(len(big)) || r["payload_sha256"] != sha([]byte(big)) || uri == "" {
		t.Fatalf("reject: reason %v, detail %.120q, size %v, sha %v (want %s), uri %q", r["reason"], r["detail"], r["payload_size"], r["payload_sha256"], sha([]byte(big)), uri)
	}
	if got := readGS(t, uri); string(got) != big {
		t.Fatalf("%s holds %d bytes, want the %d-byte line", uri, len(got), len(big))
	}
}
