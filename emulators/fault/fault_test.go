package fault

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCodesWatchAndClearMethod(t *testing.T) {
	var in Injector
	in.Seed(3)
	var seen []string
	in.Watch(func(m string) { seen = append(seen, m) })
	in.Set(Rule{FailRate: 1, Codes: []int{500, 503, 429}})
	got := map[int]int{}
	for range 300 {
		fail, code := in.Check("tabledata.insertAll")
		if !fail {
			t.Fatal("FailRate 1 let a call through")
		}
		got[code]++
	}
	for _, c := range []int{500, 503, 429} {
		if got[c] < 50 {
			t.Errorf("code %d chosen %d times of 300, want about 100 (%v)", c, got[c], got)
		}
	}
	in.SetMethod("jobs.query", Rule{})
	if fail, _ := in.Check("jobs.query"); fail {
		t.Error("a method rule without failures failed a call")
	}
	in.ClearMethod("jobs.query")
	if fail, _ := in.Check("jobs.query"); !fail {
		t.Error("after ClearMethod the rule for every call did not apply")
	}
	if len(seen) != 302 || seen[301] != "jobs.query" {
		t.Errorf("Watch saw %d calls, want 302", len(seen))
	}
}

// TestResetIsAConnectionReset: the client sees the connection reset, not
// an answer.
func TestResetIsAConnectionReset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Reset(w) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %s, want a reset connection", resp.Status)
	}
	if !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("error %q, want a connection reset", err)
	}
}
