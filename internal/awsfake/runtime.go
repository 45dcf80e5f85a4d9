// Package awsfake holds local stand-ins for the AWS side of the Lambda entry
// points, for tests and local runs only (nothing deployable imports it).
//
// Runtime is a Lambda Runtime API server following AWS's documented
// contract (version 2018-06-01): the function's own aws-lambda-go loop
// (lambda.Start, with AWS_LAMBDA_RUNTIME_API set to Runtime.Addr) long-polls
// GET /2018-06-01/runtime/invocation/next and answers with POST
// …/invocation/{id}/response or …/{id}/error. Fidelity limits: one
// invocation at a time (as one Lambda execution environment does), no
// timeouts enforced beyond the deadline header, no extensions or telemetry
// API, no init phase accounting; POST /runtime/init/error is recorded.
package awsfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FunctionError is the body of POST …/{id}/error (aws-lambda-go's
// messages.InvokeResponse_Error shape).
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

type result struct {
	body []byte
	err  *FunctionError
}

type invocation struct {
	id      string
	payload []byte
	done    chan result
}

// Runtime is the fake Runtime API.
type Runtime struct {
	Addr string // host:port, the value of AWS_LAMBDA_RUNTIME_API

	// FunctionARN and Timeout shape the invocation headers.
	FunctionARN string
	Timeout     time.Duration

	srv     *http.Server
	queue   chan *invocation
	mu      sync.Mutex
	pending map[string]*invocation
	seq     int
	initErr *FunctionError
	polls   atomic.Int64
}

// NewRuntime listens on a free local port.
func NewRuntime() (*Runtime, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awsfake: listen: %w", err)
	}
	r := &Runtime{Addr: ln.Addr().String(), FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:sluice-local",
		Timeout: 5 * time.Minute, queue: make(chan *invocation), pending: map[string]*invocation{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", r.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", r.answer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", r.answer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, req *http.Request) {
		var fe FunctionError
		json.NewDecoder(req.Body).Decode(&fe)
		r.mu.Lock()
		r.initErr = &fe
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	r.srv = &http.Server{Handler: mux}
	go r.srv.Serve(ln)
	return r, nil
}

// Close stops the server; a function blocked in next gets an error.
func (r *Runtime) Close() error { return r.srv.Close() }

// next hands the function the next invocation, waiting for one.
func (r *Runtime) next(w http.ResponseWriter, req *http.Request) {
	r.polls.Add(1)
	select {
	case inv := <-r.queue:
		deadline := time.Now().Add(r.Timeout)
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", r.FunctionARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-req.Context().Done():
	}
}

func (r *Runtime) answer(isErr bool) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		id := req.PathValue("id")
		r.mu.Lock()
		inv, ok := r.pending[id]
		delete(r.pending, id)
		r.mu.Unlock()
		if !ok {
			// The documented answer to an unknown or finished request id.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"errorMessage":"invalid request id %s","errorType":"InvalidRequestID"}`, id)
			return
		}
		body, err := io.ReadAll(req.Body)
		res := result{body: body}
		if err != nil {
			res.err = &FunctionError{Type: "Runtime.ReadError", Message: err.Error()}
		} else if isErr {
			var fe FunctionError
			if json.Unmarshal(body, &fe) != nil || fe.Type == "" && fe.Message == "" {
				fe = FunctionError{Type: "Unhandled", Message: strings.TrimSpace(string(body))}
			}
			res.err = &fe
		} else if t := req.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
			// A streamed response that broke mid-way reports in trailers.
			res.err = &FunctionError{Type: t, Message: req.Trailer.Get("Lambda-Runtime-Function-Error-Body")}
		}
		w.WriteHeader(http.StatusAccepted)
		inv.done <- res
	}
}

// Invoke queues payload for the function and waits for its answer: the
// response body, or the function's error as *FunctionError.
func (r *Runtime) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	r.mu.Lock()
	r.seq++
	inv := &invocation{id: fmt.Sprintf("req-%06d", r.seq), payload: payload, done: make(chan result, 1)}
	r.pending[inv.id] = inv
	r.mu.Unlock()
	select {
	case r.queue <- inv:
	case <-ctx.Done():
		r.mu.Lock()
		delete(r.pending, inv.id)
		r.mu.Unlock()
		return nil, fmt.Errorf("awsfake: no function polled for the invocation: %w", ctx.Err())
	}
	select {
	case res := <-inv.done:
		if res.err != nil {
			return res.body, res.err
		}
		return res.body, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("awsfake: invocation %s unanswered: %w", inv.id, ctx.Err())
	}
}

// Polls is the number of GET …/invocation/next requests received so far:
// once it grows, a function's loop has read AWS_LAMBDA_RUNTIME_API and
// polls this server.
func (r *Runtime) Polls() int64 { return r.polls.Load() }

// InitError is what the function reported through /runtime/init/error, if anything.
func (r *Runtime) InitError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.initErr == nil {
		return nil
	}
	return r.initErr
}

// IsFunctionError reports whether err is the function's own error.
func IsFunctionError(err error) (*FunctionError, bool) {
	var fe *FunctionError
	ok := errors.As(err, &fe)
	return fe, ok
}
