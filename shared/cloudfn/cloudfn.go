// Package cloudfn is the one wrapper every CloudEvent function in sluice is
// registered through. It registers an HTTP function with the Functions
// Framework and, for each request on its own, decodes the CloudEvent
// (binary mode, structured mode, or a legacy background event / Pub/Sub push
// body converted the way the framework converts them), validates it, calls
// the handler and maps the handler's error to a status.
//
// Why not functions.CloudEvent: in functions-framework-go v1.9.2 that path
// goes through cloudevents sdk-go v2.16.2's HTTP protocol, which hands every
// request of a function to its receiver through one shared unbuffered
// channel; a request whose context ends at the wrong moment strands another
// request's event there for good (sdk-go issues 1224 and 1332; measured here:
// 91 of 3000 requests unanswered under 200-way concurrency). Decoding per
// request has no shared state, so instance concurrency > 1 is safe.
//
// Statuses, decided here and nowhere else:
//
//	200  the handler returned nil, or an error wrapped with Ack (handled and
//	     kept elsewhere, e.g. the rejects table): acknowledged, not retried
//	400  the request is not a valid CloudEvent; the body names what is wrong
//	405  not a POST
//	413  the body is larger than MaxBodyBytes
//	422  the handler returned an error wrapped with Permanent: retrying
//	     cannot help (Pub/Sub push still redelivers any non-2xx until its
//	     dead-letter policy keeps the message, which is where it belongs)
//	500  any other error, or a panic: a fault worth retrying
//
// What it does not do: authentication (Cloud Run does it in front of the
// function), response events, or batching.
package cloudfn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/sluice-data/sluice/shared/logging"
)

// Func is a CloudEvent function: the signature functions.CloudEvent takes.
type Func func(context.Context, cloudevents.Event) error

// MaxBodyBytes bounds a request body: Cloud Run's own request limit (32 MiB)
// is above Pub/Sub's largest message (10 MB, ~13.4 MB once base64 in JSON).
const MaxBodyBytes = 32 << 20

// Register registers fn under name (the entry point Cloud Functions and the
// local router call) as an HTTP function that decodes each request itself.
func Register(name string, fn Func) {
	functions.HTTP(name, New(name, fn, Options{}).ServeHTTP)
}

// Options tune a Handler; the zero value is what Register uses.
type Options struct {
	// Log receives one line per request that is not acknowledged plainly
	// (default: structured JSON on the function's stdout).
	Log *slog.Logger
	// MaxBodyBytes overrides MaxBodyBytes.
	MaxBodyBytes int64
}

// Handler serves one CloudEvent function over HTTP.
type Handler struct {
	name string
	fn   Func
	log  *slog.Logger
	max  int64
}

// New returns the handler Register registers, for tests and local servers.
func New(name string, fn Func, o Options) *Handler {
	h := &Handler{name: name, fn: fn, log: o.Log, max: o.MaxBodyBytes}
	if h.log == nil {
		h.log = logging.New(logging.Stdout, slog.LevelInfo)
	}
	if h.max <= 0 {
		h.max = MaxBodyBytes
	}
	return h
}

// ServeHTTP decodes the request, calls the function and answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, h.name+": send the CloudEvent with POST, not "+r.Method, http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.max)
	e, err := Decode(r)
	if err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		h.log.Warn("cloudfn: request refused", "entry", h.name, "status", status, "error", err.Error())
		http.Error(w, h.name+": "+err.Error(), status)
		return
	}
	status, msg := h.call(r.Context(), *e)
	if status == http.StatusOK && msg == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	attrs := []any{"entry", h.name, "status", status, "id", e.ID(), "type", e.Type(), "source", e.Source(), "error", msg}
	switch {
	case status >= 500:
		h.log.Error("cloudfn: event failed; it will be retried", attrs...)
	case status >= 400:
		h.log.Warn("cloudfn: event refused for good; it will be dead-lettered", attrs...)
	default:
		h.log.Warn("cloudfn: event acknowledged with a reason", attrs...)
	}
	if status == http.StatusOK {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintln(w, msg)
		return
	}
	http.Error(w, h.name+": "+msg, status)
}

// call runs the function, turning a panic into a retryable failure (it is a
// bug: retrying gives the fix a chance; the dead letter keeps the event).
func (h *Handler) call(ctx context.Context, e cloudevents.Event) (status int, msg string) {
	defer func() {
		if p := recover(); p != nil {
			status, msg = http.StatusInternalServerError, fmt.Sprintf("panic: %v", p)
			h.log.Error("cloudfn: handler panicked", "entry", h.name, "id", e.ID(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	return Status(h.fn(ctx, e))
}

// Status maps a handler's error to the HTTP status the wrapper answers and
// the message it writes: nil and Ack are 200, Permanent is 422, anything
// else is 500.
func Status(err error) (int, string) {
	switch {
	case err == nil:
		return http.StatusOK, ""
	case errors.Is(err, ErrAck):
		return http.StatusOK, err.Error()
	case errors.Is(err, ErrPermanent):
		return http.StatusUnprocessableEntity, err.Error()
	}
	return http.StatusInternalServerError, err.Error()
}

// Sentinels a handler's error can carry (test with errors.Is).
var (
	// ErrAck: the event was handled and kept (for example as a reject);
	// the error is the reason, for the log. Answered 200.
	ErrAck = errors.New("acknowledged")
	// ErrPermanent: the event is well formed but can never be processed,
	// and nothing kept it; answered 422 so the dead-letter policy does.
	ErrPermanent = errors.New("permanent failure")
)

type marked struct {
	err  error
	mark error
}

func (m marked) Error() string   { return m.err.Error() }
func (m marked) Unwrap() []error { return []error{m.err, m.mark} }

// Ack marks err as handled: the wrapper acknowledges the event (200) and
// logs err as the reason. Ack(nil) is nil.
func Ack(err error) error {
	if err == nil {
		return nil
	}
	return marked{err, ErrAck}
}

// Permanent marks err as a failure no retry can fix (422). Permanent(nil)
// is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return marked{err, ErrPermanent}
}

// Decode reads one CloudEvent from r: binary mode (ce-* headers), structured
// mode (Content-Type application/cloudevents+json), or, when neither is
// present, a legacy background event or Pub/Sub push body, converted as the
// Functions Framework converts them. The event is validated; the error names
// what is wrong and how to send it right.
func Decode(r *http.Request) (*cloudevents.Event, error) {
	ct := r.Header.Get("Content-Type")
	if r.Header.Get("ce-specversion") == "" && r.Header.Get("ce-id") == "" && !strings.Contains(ct, "cloudevents") {
		e, err := decodeLegacy(r)
		if err != nil {
			return nil, err
		}
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("converted event is not a valid CloudEvent: %s", oneLine(err))
		}
		return e, nil
	}
	mode := "binary mode (ce-* headers)"
	if r.Header.Get("ce-specversion") == "" {
		mode = "structured mode (" + ct + " body)"
	}
	e, err := binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, fmt.Errorf("CloudEvent body over %d bytes: %w", tooBig.Limit, err)
		}
		if errors.Is(err, binding.ErrUnknownEncoding) {
			return nil, fmt.Errorf("not a CloudEvent: set ce-specversion, ce-id, ce-source and ce-type headers (binary mode) or send Content-Type application/cloudevents+json (structured mode)")
		}
		return nil, fmt.Errorf("malformed CloudEvent in %s: %s", mode, oneLine(err))
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("invalid CloudEvent in %s: %s", mode, oneLine(err))
	}
	return e, nil
}

// oneLine folds the SDK's multi-line validation errors.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}
