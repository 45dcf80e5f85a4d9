package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/chromedp/chromedp"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/logging"
)

// chromiumPath finds headless Chromium: $SLUICE_CHROMIUM, else Debian's
// chromium package, else a chromium-browser or google-chrome on PATH.
func chromiumPath() string {
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// TestStatusPageInBrowser runs the demo's data through the stack, then
// opens the status page in headless Chromium: no console errors, every
// table with the row count BigQuery has, every model in the lineage, a
// hostile payload shown as text, and a replay button that lands the fixed
// source's rejects once. SLUICE_SCREENSHOTS=DIR writes page and graph PNGs.
func TestStatusPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack and a browser")
	}
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("no Chromium: install Debian's chromium package (apt-get install chromium) or set SLUICE_CHROMIUM to a Chrome binary; .ci/run does this")
	}
	logging.Output = io.Discard
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Options{Workdir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := demo.Run(ctx, st, demo.Options{Events: 600, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	// A message for a source the config does not have yet, with a payload
	// that would run if it were not escaped: rejected as unknown_source.
	const hostile = `{"id":"late-1","note":"</pre><script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"}`
	pub := st.Clients.PubSub.Publisher(st.Clients.Names.Topic("events"))
	if _, err := pub.Publish(ctx, &pubsub.Message{Data: []byte(hostile), Attributes: map[string]string{"source": "latecomer"}}).Get(ctx); err != nil {
		t.Fatal(err)
	}
	pub.Stop()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		n := bqCount(t, st, "SELECT COUNT(*) AS n FROM `sluice_ops.rejects` WHERE source = 'latecomer' AND reason = 'unknown_source'")
		if n == 1 {
			break
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("latecomer rejects = %d, want 1", n)
		}
	}
	// The page replays with the fixed config: the source now exists (as
	// `sluice replay --dir fixed/` would).
	fixed := *st.Pipeline
	fixed.Sources = append(append([]config.Source(nil), st.Pipeline.Sources...), config.Source{Name: "latecomer",
		Trigger: config.Trigger{PubSubTopic: "latecomer"}, Format: "json",
		Schema: []config.Field{{Name: "id", Type: "STRING"}, {Name: "note", Type: "STRING"}}})
	ss := &statusServer{Clients: st.Clients, Pipeline: &fixed, Routes: st.Router.Routes(), Token: newStatusToken()}
	lis, srv, err := serveStatus("127.0.0.1:0", ss)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := "http://" + lis.Addr().String() + "/"

	// A replay from another origin, or without the page token, is refused.
	for name, req := range map[string]*http.Request{
		"no token":     postForm(t, base+"replay", url.Values{"source": {"latecomer"}}, ""),
		"other origin": postForm(t, base+"replay", url.Values{"source": {"latecomer"}, "token": {ss.Token}}, "http://evil.example"),
	} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: replay answered %s, want 403", name, resp.Status)
		}
	}

	actx, acancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1640, 1000))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	var mu sync.Mutex
	var consoleErrs []string
	messages := chromedp.Console(bctx) // the browser log too: a CSP violation or a failed load is an error there
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				consoleErrs = append(consoleErrs, m.String()+" "+m.URL)
				mu.Unlock()
			}
		}
	}()
	if err := chromedp.Do(bctx, chromedp.Navigate(base), chromedp.WaitVisible("#tables")); err != nil {
		t.Fatal(err)
	}
	rows := eval[map[string]string](t, bctx, `Object.fromEntries([...document.querySelectorAll("#tables tr[data-id]")].map(r => [r.dataset.id, r.querySelector("[data-rows]").dataset.rows]))`)
	models := eval[[]string](t, bctx, `[...document.querySelectorAll("svg.lineage g.node[data-kind=model]")].map(g => g.dataset.id)`)
	payloads := eval[[]string](t, bctx, `[...document.querySelectorAll("#reject-rows pre.payload")].map(p => p.textContent)`)
	if probs := eval[[]string](t, bctx, `[...document.querySelectorAll("p.problem")].map(p => p.textContent)`); len(probs) > 0 {
		t.Errorf("the page could not read: %q", probs)
	}
	stages := eval[map[string]int](t, bctx, `[...document.querySelectorAll("#runs tr td:nth-child(2)")].reduce((m, td) => (m[td.textContent] = (m[td.textContent] || 0) + 1, m), {})`)
	if stages["transform"] < len(st.Pipeline.Models) || stages["mask"] < len(st.Pipeline.Mask.Tables) {
		t.Errorf("run history on the page: %v, want a transform run per model and a mask run per table", stages)
	}
	pwned := eval[int](t, bctx, `window.__pwned === undefined ? 0 : window.__pwned`)
	scripts := eval[int](t, bctx, `document.scripts.length`)
	tables := map[string]string{}
	for _, s := range st.Pipeline.Sources {
		tables["raw."+s.Name] = "raw." + s.Name
	}
	for _, m := range st.Pipeline.Models {
		tables["curated."+m.Name] = "curated." + m.Name
	}
	for _, m := range st.Pipeline.Mask.Tables {
		tables["published."+m.Name] = "published." + m.Name
	}
	for id, table := range tables {
		want := bqCount(t, st, "SELECT COUNT(*) AS n FROM `"+table+"`")
		if got := rows[id]; got != strconv.FormatInt(want, 10) {
			t.Errorf("page shows %s with %q rows, BigQuery has %d", id, got, want)
		}
		if want == 0 {
			t.Errorf("%s is empty after the demo: the check proves nothing", table)
		}
	}
	for _, m := range st.Pipeline.Models {
		if !contains(models, "curated."+m.Name) {
			t.Errorf("lineage on the page lacks model %s (has %v)", m.Name, models)
		}
	}
	found := false
	for _, p := range payloads {
		found = found || strings.Contains(p, "<script>window.__pwned=1</script>")
	}
	if !found {
		t.Errorf("the hostile payload is not shown as text; payloads: %.300q; page problems: %q", payloads,
			eval[[]string](t, bctx, `[...document.querySelectorAll(".problem")].map(p => p.textContent)`))
	}
	if pwned != 0 || scripts != 1 {
		t.Errorf("payload ran or injected a script: __pwned=%d, %d script elements", pwned, scripts)
	}

	// Replay the fixed source from its button: the reject lands once.
	sel := `#reject-groups tr[data-source="latecomer"][data-reason="unknown_source"] button`
	if err := chromedp.Do(bctx, chromedp.Click(sel), chromedp.WaitVisible("#replay-result")); err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(bctx, chromedp.Text("#replay-result"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "landed 1,") || !strings.Contains(result, "rejected again 0") {
		t.Errorf("replay result %q, want landed 1, rejected again 0", result)
	}
	if n := bqCount(t, st, "SELECT COUNT(*) AS n FROM `raw.latecomer` WHERE id = 'late-1'"); n != 1 {
		t.Errorf("raw.latecomer has %d rows of late-1 after the replay, want 1", n)
	}
	// The button is gone (all replayed); a second POST lands nothing more.
	if left := eval[int](t, bctx, `document.querySelectorAll('`+sel+`').length`); left != 0 {
		t.Errorf("replay button still shown after everything was replayed")
	}
	resp, err := http.DefaultClient.Do(postForm(t, base+"replay", url.Values{"source": {"latecomer"}, "reason": {"unknown_source"}, "token": {ss.Token}}, base))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `landed <span data-k="landed">0</span>`) {
		t.Errorf("second replay: %s %.400s", resp.Status, body)
	}
	if n := bqCount(t, st, "SELECT COUNT(*) AS n FROM `raw.latecomer`"); n != 1 {
		t.Errorf("raw.latecomer has %d rows after a second replay, want 1", n)
	}
	if dir := os.Getenv("SLUICE_SCREENSHOTS"); dir != "" {
		screenshot(t, bctx, base, filepath.Join(dir, "status.png"))
		screenshot(t, bctx, base+"graph.svg", filepath.Join(dir, "graph.png"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrs) > 0 {
		t.Errorf("console errors: %q", consoleErrs)
	}
}

func screenshot(t *testing.T, ctx context.Context, u, file string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func postForm(t *testing.T, u string, v url.Values, origin string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", strings.TrimSuffix(origin, "/"))
	}
	return req
}

func bqCount(t *testing.T, st *stack.Stack, q string) int64 {
	t.Helper()
	var row struct{ N int64 }
	if err := readOne(context.Background(), st.Clients.BigQuery.Query(q), &row); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return row.N
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}
