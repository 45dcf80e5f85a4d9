package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// bqSDK finds the Cloud SDK's bq and its discovery document, or skips.
func bqSDK(t *testing.T) (bin, discovery string) {
	bin, err := exec.LookPath("bq")
	if err != nil {
		t.Skip("bq is not on PATH")
	}
	var roots []string
	if real, err := filepath.EvalSymlinks(bin); err == nil {
		roots = append(roots, filepath.Dir(filepath.Dir(real)))
	}
	if out, err := exec.Command("gcloud", "info", "--format=value(installation.sdk_root)").Output(); err == nil {
		roots = append(roots, strings.TrimSpace(string(out)))
	}
	for _, r := range roots {
		d := filepath.Join(r, "platform", "bq", "discovery_next", "bigquery.json")
		if _, err := os.Stat(d); err == nil {
			return bin, d
		}
	}
	t.Skipf("bq found at %s but not the SDK's discovery document (roots %v)", bin, roots)
	return "", ""
}

type memObjects struct {
	mu   sync.Mutex
	objs map[string][]byte
}

type memWriter struct {
	bytes.Buffer
	m    *memObjects
	name string
}

func (w *memWriter) Close() error {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	w.m.objs[w.name] = w.Bytes()
	return nil
}

func TestBQCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("bq starts slowly (about 8 s per command here); skipped with -short")
	}
	bin, discovery := bqSDK(t)
	objs := &memObjects{objs: map[string][]byte{}}
	srv, err := New(Options{Project: "p", WriteObject: func(ctx context.Context, bucket, object string) (io.WriteCloser, error) {
		return &memWriter{m: objs, name: bucket + "/" + object}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	home := t.TempDir()
	run := func(args ...string) (string, error) {
		t.Helper()
		all := append([]string{"--api=http://" + ln.Addr().String(), "--oauth_access_token=fake",
			"--discovery_file=" + discovery, "--project_id=p", "--headless", "--quiet"}, args...)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, all...)
		cmd.Env = append(os.Environ(), "HOME="+home, "CLOUDSDK_CONFIG="+filepath.Join(home, "gcloud"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	bq := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("bq %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := srv.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if out := bq("mk", "--dataset", "p:ds"); !strings.Contains(out, "Dataset 'p:ds' successfully created") {
		t.Errorf("bq mk --dataset: %q", out)
	}
	if out := bq("mk", "--table", "ds.events", "id:STRING,n:INTEGER,ts:TIMESTAMP"); !strings.Contains(out, "Table 'p:ds.events' successfully created") {
		t.Errorf("bq mk --table: %q", out)
	}
	if out := bq("ls", "ds"); !regexp.MustCompile(`(?m)^\s*events\s+TABLE\b`).MatchString(out) {
		t.Errorf("bq ls ds:\n%s", out)
	}
	if out := bq("ls"); !regexp.MustCompile(`(?m)^\s*ds\s*$`).MatchString(out) {
		t.Errorf("bq ls:\n%s", out)
	}
	var shown struct {
		Type           string
		TableReference struct{ ProjectID, DatasetID, TableID string }
		Schema         struct{ Fields []struct{ Name, Type string } }
	}
	if err := json.Unmarshal([]byte(bq("--format=json", "show", "ds.events")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Type != "TABLE" || shown.TableReference.TableID != "events" || len(shown.Schema.Fields) != 3 || shown.Schema.Fields[2].Name != "ts" || shown.Schema.Fields[2].Type != "TIMESTAMP" {
		t.Errorf("bq show: %+v", shown)
	}

	// load of a local file: a resumable upload.
	src := filepath.Join(t.TempDir(), "rows.json")
	os.WriteFile(src, []byte(`{"id":"a","n":1,"ts":"2026-01-02 03:04:05"}
{"id":"b","n":2,"ts":"2026-01-02T03:04:06Z"}
{"id":"c","n":3}
`), 0o644)
	bq("load", "--source_format=NEWLINE_DELIMITED_JSON", "ds.events", src)
	if n := count("ds.events"); n != 3 {
		t.Fatalf("after bq load: %d rows, want 3", n)
	}
	if out := bq("--format=csv", "query", "--nouse_legacy_sql", "SELECT id, n, UNIX_SECONDS(ts) AS s FROM ds.events ORDER BY id"); out != "id,n,s\na,1,1767323045\nb,2,1767323046\nc,3,\n" {
		t.Errorf("bq query: %q", out)
	}
	if out, err := run("query", "--nouse_legacy_sql", "SELECT * FROM ds.nope"); err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), "Not found: Table p:ds.nope was not found in location US") {
		t.Errorf("bq query of a missing table: %v %q", err, out)
	}
	bq("extract", "--destination_format=NEWLINE_DELIMITED_JSON", "ds.events", "gs://bucket/out.json")
	objs.mu.Lock()
	got := string(objs.objs["bucket/out.json"])
	objs.mu.Unlock()
	if lines := strings.Split(strings.TrimSpace(got), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], `{"id":"a","n":"1","ts":"2026-01-02 03:04:05`) || lines[2] != `{"id":"c","n":"3","ts":null}` {
		t.Errorf("extracted object: %q", got)
	}
	bq("rm", "-f", "-t", "ds.events")
	if out := bq("ls", "ds"); strings.Contains(out, "events") {
		t.Errorf("bq ls after rm -t:\n%s", out)
	}
	bq("rm", "-r", "-f", "-d", "ds")
	if _, err := srv.dataset("p", "ds"); err == nil {
		t.Errorf("dataset ds still exists after bq rm -r -f -d")
	}
}
