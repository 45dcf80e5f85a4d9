// Package fault injects failures and latency into the local emulators so that
// retries, dead letters and fail-closed paths can be tested against real
// clients. An Injector is safe for concurrent use; the zero value injects
// nothing.
package fault

import (
	"math/rand/v2"
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
}

// Injector holds the active Rule, optionally per method.
type Injector struct {
	mu     sync.Mutex
	all    Rule
	method map[string]*Rule
	rng    *rand.Rand
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
	in.mu.Unlock()
	if lat > 0 {
		time.Sleep(lat)
	}
	return fail, code
}
