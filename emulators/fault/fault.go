// Package fault injects failures and latency into the local emulators so that
// retries, dead letters and fail-closed paths can be tested against real
// clients. An Injector is safe for concurrent use; the zero value injects
// nothing.
package fault

import (
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Rule says how often a call fails and how long every call is delayed.
// Code is protocol specific: an HTTP status for REST emulators (500, 503,
// 429), a gRPC codes.Code for gRPC emulators.
type Rule struct {
	FailRate float64       // share of calls that fail, 0..1
	Code     int           // status returned by a failed call
	Latency  time.Duration // added to every call
	// FailFirst fails exactly the next n calls, then stops (deterministic tests).
	FailFirst int
	// Codes, if set, are the statuses a failed call picks from at random
	// (Code is then unused): a mix such as 500, 503, 429 and ConnReset.
	Codes []int
}

// ConnReset as a Code asks an HTTP emulator to reset the connection instead
// of answering (a gRPC emulator answers UNAVAILABLE, which is what the
// client library reports for a reset connection).
const ConnReset = -1

// Injector holds the active Rule, optionally per method.
type Injector struct {
	mu     sync.Mutex
	all    Rule
	method map[string]*Rule
	rng    *rand.Rand
	watch  func(method string)
}

// Seed makes the random failures reproducible from seed.
func (in *Injector) Seed(seed uint64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rng = rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
}

// Watch calls fn with the method name of every call before the rules
// apply (nil stops it): for a test that acts when a call arrives, for
// example kills a client in the middle of a stage. fn must not block.
func (in *Injector) Watch(fn func(method string)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.watch = fn
}

// ClearMethod removes the rule for one method; Set's rule applies again.
func (in *Injector) ClearMethod(method string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.method, method)
}

// Set replaces the rule applied to every call.
func (in *Injector) Set(r Rule) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.all = r
}

// SetMethod sets a rule for one method name (for example
// "DeidentifyContent" or "tabledata.insertAll"); it wins over Set.
func (in *Injector) SetMethod(method string, r Rule) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.method == nil {
		in.method = map[string]*Rule{}
	}
	rr := r
	in.method[method] = &rr
}

// Reset removes every rule.
func (in *Injector) Reset() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.all = Rule{}
	in.method = nil
}

// Check applies latency for method and reports whether the call must fail,
// with the code to fail it with. A nil Injector never fails.
func (in *Injector) Check(method string) (fail bool, code int) {
	if in == nil {
		return false, 0
	}
	in.mu.Lock()
	if in.watch != nil {
		in.watch(method)
	}
	r := &in.all
	if m, ok := in.method[method]; ok {
		r = m
	}
	lat := r.Latency
	switch {
	case r.FailFirst > 0:
		r.FailFirst--
		fail, code = true, r.Code
	case r.FailRate > 0:
		if in.rng == nil {
			in.rng = rand.New(rand.NewPCG(1, 2))
		}
		fail, code = in.rng.Float64() < r.FailRate, r.Code
	}
	if fail && len(r.Codes) > 0 {
		if in.rng == nil {
			in.rng = rand.New(rand.NewPCG(1, 2))
		}
		code = r.Codes[in.rng.IntN(len(r.Codes))]
	}
	in.mu.Unlock()
	if lat > 0 {
		time.Sleep(lat)
	}
	return fail, code
}

// Reset closes the connection of an HTTP request without an answer, with
// SO_LINGER 0 so the client sees "connection reset by peer". It reports
// false when the connection cannot be taken over (HTTP/2); the caller then
// answers 503.
func Reset(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return false
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
	return true
}
