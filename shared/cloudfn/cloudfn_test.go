package cloudfn_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/sluice-data/sluice/shared/cloudfn"
	"github.com/sluice-data/sluice/shared/events"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type request struct {
	method  string
	path    string
	headers map[string]string
	body    string
}

func (q request) send(t *testing.T, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	m := q.method
	if m == "" {
		m = http.MethodPost
	}
	p := q.path
	if p == "" {
		p = "/"
	}
	r := httptest.NewRequest(m, p, strings.NewReader(q.body))
	for k, v := range q.headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func binaryHeaders(kv ...string) map[string]string {
	h := map[string]string{
		"Content-Type":   "application/json",
		"ce-specversion": "1.0",
		"ce-id":          "1",
		"ce-type":        events.TypePubSubPublished,
		"ce-source":      "//pubsub.googleapis.com/projects/p/topics/t",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(h, kv[i])
			continue
		}
		h[kv[i]] = kv[i+1]
	}
	return h
}

var structured = map[string]string{"Content-Type": "application/cloudevents+json"}

// TestDecodeAndStatus covers every status the wrapper answers: the event the
// function sees, and what a malformed request is told.
func TestDecodeAndStatus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      request
		fnErr    error
		status   int
		called   bool
		wantID   string
		wantData string
		body     string // substring of the response body
	}{
		{name: "binary mode", req: request{headers: binaryHeaders(), body: `{"message":{}}`},
			status: 200, called: true, wantID: "1", wantData: `{"message":{}}`},
		{name: "structured mode", req: request{headers: structured,
			body: `{"specversion":"1.0","id":"s1","type":"t.v1","source":"//x/y","datacontenttype":"application/json","data":{"a":1}}`},
			status: 200, called: true, wantID: "s1", wantData: `{"a":1}`},
		{name: "structured mode, broken JSON", req: request{headers: structured, body: `{"specversion":"1.0","id":`},
			status: 400, body: "malformed CloudEvent in structured mode"},
		{name: "structured mode, missing id", req: request{headers: structured, body: `{"specversion":"1.0","type":"t","source":"//x"}`},
			status: 400, body: "id: MUST be a non-empty string"},
		{name: "binary mode, missing ce-type", req: request{headers: binaryHeaders("ce-type", ""), body: `{}`},
			status: 400, body: "invalid CloudEvent in binary mode (ce-* headers): type: MUST be a non-empty string"},
		{name: "binary mode, missing ce-id", req: request{headers: binaryHeaders("ce-id", ""), body: `{}`},
			status: 400, body: "id: MUST be a non-empty string"},
		{name: "binary mode, bad specversion", req: request{headers: binaryHeaders("ce-specversion", "9.9"), body: `{}`},
			status: 400, body: "not a CloudEvent"},
		{name: "plain JSON, no headers", req: request{headers: map[string]string{"Content-Type": "application/json"}, body: `{"rows":[1]}`},
			status: 400, body: `has no "data" or "message"`},
		{name: "plain text, no headers", req: request{body: `hello`},
			status: 400, body: "not a legacy event"},
		{name: "Pub/Sub background event, payload not base64", req: request{headers: map[string]string{"Content-Type": "application/json"},
			body: `{"data":{"data":"0"},"eventId":"7","eventType":"providers/cloud.pubsub/eventTypes/topic.publish","resource":"projects/p/topics/t"}`},
			status: 400, body: "base64"},
		{name: "empty body, no headers", req: request{},
			status: 400, body: "empty body"},
		{name: "GET", req: request{method: http.MethodGet, headers: binaryHeaders()},
			status: 405, body: "POST"},
		{name: "handler nil", req: request{headers: binaryHeaders(), body: `{}`}, called: true, status: 200, wantID: "1"},
		{name: "handler Ack", req: request{headers: binaryHeaders(), body: `{}`}, fnErr: cloudfn.Ack(errors.New("kept in rejects")),
			called: true, status: 200, wantID: "1", body: "kept in rejects"},
		{name: "handler Permanent", req: request{headers: binaryHeaders(), body: `{}`}, fnErr: cloudfn.Permanent(errors.New("no such table")),
			called: true, status: 422, wantID: "1", body: "no such table"},
		{name: "handler error", req: request{headers: binaryHeaders(), body: `{}`}, fnErr: fmt.Errorf("bigquery: %w", errors.New("unavailable")),
			called: true, status: 500, wantID: "1", body: "bigquery: unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *cloudevents.Event
			h := cloudfn.New("Fn", func(_ context.Context, e cloudevents.Event) error {
				got = &e
				return tc.fnErr
			}, cloudfn.Options{Log: quiet})
			w := tc.req.send(t, h)
			if w.Code != tc.status {
				t.Errorf("status = %d, want %d; body %q", w.Code, tc.status, w.Body.String())
			}
			if !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("body = %q, want it to contain %q", w.Body.String(), tc.body)
			}
			if (got != nil) != tc.called {
				t.Fatalf("function called = %v, want %v", got != nil, tc.called)
			}
			if got == nil {
				return
			}
			if got.ID() != tc.wantID {
				t.Errorf("id = %q, want %q", got.ID(), tc.wantID)
			}
			if tc.wantData != "" && string(got.Data()) != tc.wantData {
				t.Errorf("data = %s, want %s", got.Data(), tc.wantData)
			}
		})
	}
}

func TestPanicIsRetryable(t *testing.T) {
	h := cloudfn.New("Fn", func(context.Context, cloudevents.Event) error { panic("boom") }, cloudfn.Options{Log: quiet})
	w := request{headers: binaryHeaders(), body: `{}`}.send(t, h)
	if w.Code != 500 || !strings.Contains(w.Body.String(), "panic: boom") {
		t.Errorf("panic: %d %q, want 500 naming the panic", w.Code, w.Body.String())
	}
}

func TestBodyLimit(t *testing.T) {
	h := cloudfn.New("Fn", func(context.Context, cloudevents.Event) error { return nil }, cloudfn.Options{Log: quiet, MaxBodyBytes: 64})
	big := `{"message":{"data":"` + strings.Repeat("A", 100) + `"}}`
	for name, req := range map[string]request{
		"binary":     {headers: binaryHeaders(), body: big},
		"structured": {headers: structured, body: `{"specversion":"1.0","id":"1","type":"t","source":"//x","data":` + big + `}`},
		"legacy":     {headers: map[string]string{"Content-Type": "application/json"}, body: big},
	} {
		if w := req.send(t, h); w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d (%q), want 413", name, w.Code, w.Body.String())
		}
	}
}

func TestStatus(t *testing.T) {
	wrapped := fmt.Errorf("ingest: %w", cloudfn.Ack(errors.New("bad row")))
	for _, tc := range []struct {
		err  error
		code int
	}{
		{nil, 200}, {cloudfn.Ack(nil), 200}, {wrapped, 200},
		{cloudfn.Permanent(errors.New("x")), 422}, {errors.New("x"), 500}, {context.DeadlineExceeded, 500},
	} {
		if got, _ := cloudfn.Status(tc.err); got != tc.code {
			t.Errorf("Status(%v) = %d, want %d", tc.err, got, tc.code)
		}
	}
	if !errors.Is(wrapped, cloudfn.ErrAck) || wrapped.Error() != "ingest: bad row" {
		t.Errorf("Ack keeps the message and the mark: %q", wrapped)
	}
}

// Eventarc's binary-mode shapes, as Eventarc delivers a Pub/Sub message and
// a Cloud Storage object.finalized event to a Cloud Run function: the
// headers and bodies of the Eventarc documentation's samples, decoded into
// the structs the functions read.
func TestEventarcShapes(t *testing.T) {
	t.Run("pubsub", func(t *testing.T) {
		req := request{headers: map[string]string{
			"Content-Type":   "application/json; charset=utf-8",
			"ce-id":          "8077003154826330",
			"ce-source":      "//pubsub.googleapis.com/projects/my-project/topics/my-topic",
			"ce-specversion": "1.0",
			"ce-type":        "google.cloud.pubsub.topic.v1.messagePublished",
			"ce-time":        "2026-12-02T09:27:14.293Z",
		}, body: `{"message":{"attributes":{"k":"v"},"data":"` + base64.StdEncoding.EncodeToString([]byte(`{"event":"signup"}`)) + `",` +
			`"messageId":"8077003154826330","message_id":"8077003154826330","publishTime":"2026-12-02T09:27:14.293Z","publish_time":"2026-12-02T09:27:14.293Z"},` +
			`"subscription":"projects/my-project/subscriptions/eventarc-us-central1-trigger-sub-123"}`}
		e := decodeOK(t, req)
		if e.Type() != events.TypePubSubPublished || e.Source() != "//pubsub.googleapis.com/projects/my-project/topics/my-topic" ||
			!e.Time().Equal(time.Date(2026, 12, 2, 9, 27, 14, 293e6, time.UTC)) {
			t.Errorf("attributes: %s %s %s", e.Type(), e.Source(), e.Time())
		}
		var d events.MessagePublishedData
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			t.Fatal(err)
		}
		if string(d.Message.Data) != `{"event":"signup"}` || d.Message.Attributes["k"] != "v" || d.Message.MessageID != "8077003154826330" ||
			d.Subscription != "projects/my-project/subscriptions/eventarc-us-central1-trigger-sub-123" {
			t.Errorf("data: %+v", d)
		}
	})
	t.Run("storage", func(t *testing.T) {
		req := request{headers: map[string]string{
			"Content-Type":   "application/json",
			"ce-id":          "5473612345198765",
			"ce-source":      "//storage.googleapis.com/projects/_/buckets/landing",
			"ce-specversion": "1.0",
			"ce-type":        "google.cloud.storage.object.v1.finalized",
			"ce-subject":     "objects/orders/2026-12-02.jsonl",
			"ce-time":        "2026-12-02T10:00:00.123456Z",
			"ce-bucket":      "landing",
		}, body: `{"kind":"storage#object","id":"landing/orders/2026-12-02.jsonl/1764669600123456","name":"orders/2026-12-02.jsonl",` +
			`"bucket":"landing","generation":"1764669600123456","metageneration":"1","contentType":"application/x-ndjson",` +
			`"timeCreated":"2026-12-02T10:00:00.123Z","updated":"2026-12-02T10:00:00.123Z","storageClass":"STANDARD","size":"2048",` +
			`"md5Hash":"1B2M2Y8AsgTpgAmY7PhCfg==","crc32c":"AAAAAA==","etag":"CMDc1q3p0pEDEAE="}`}
		e := decodeOK(t, req)
		if e.Type() != events.TypeObjectFinalized || e.Subject() != "objects/orders/2026-12-02.jsonl" || e.Extensions()["bucket"] != "landing" {
			t.Errorf("attributes: %s %s %v", e.Type(), e.Subject(), e.Extensions())
		}
		var d events.StorageObjectData
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			t.Fatal(err)
		}
		if d.Bucket != "landing" || d.Name != "orders/2026-12-02.jsonl" || d.Generation != 1764669600123456 || d.Size != 2048 {
			t.Errorf("data: %+v", d)
		}
	})
}

// A Pub/Sub push body (no CloudEvent headers) reached functions.CloudEvent
// functions through the framework's conversion; it still does, topic taken
// from the push endpoint path as the framework does.
func TestPubSubPushBody(t *testing.T) {
	body := `{"message":{"attributes":{"k":"v"},"data":"aGVsbG8=","messageId":"42","publishTime":"2026-12-02T09:00:00Z"},` +
		`"subscription":"projects/p/subscriptions/s"}`
	e := decodeOK(t, request{path: "/projects/p/topics/raw-events", headers: map[string]string{"Content-Type": "application/json"}, body: body})
	if e.Type() != events.TypePubSubPublished || e.Source() != "//pubsub.googleapis.com/projects/p/topics/raw-events" || e.ID() != "42" {
		t.Errorf("attributes: %s %s %s", e.Type(), e.Source(), e.ID())
	}
	var d events.MessagePublishedData
	if err := json.Unmarshal(e.Data(), &d); err != nil {
		t.Fatal(err)
	}
	if string(d.Message.Data) != "hello" || d.Message.Attributes["k"] != "v" || d.Message.MessageID != "42" ||
		!d.Message.PublishTime.Equal(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)) || d.Subscription != "projects/p/subscriptions/s" {
		t.Errorf("data: %+v", d)
	}
}

func decodeOK(t *testing.T, req request) cloudevents.Event {
	t.Helper()
	var got *cloudevents.Event
	h := cloudfn.New("Fn", func(_ context.Context, e cloudevents.Event) error { got = &e; return nil }, cloudfn.Options{Log: quiet})
	if w := req.send(t, h); w.Code != 200 || got == nil {
		t.Fatalf("status %d %q, called %v", w.Code, w.Body.String(), got != nil)
	}
	return *got
}
