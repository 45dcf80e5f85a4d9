package cloudfn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/sluice-data/sluice/shared/cloudfn"
	"github.com/sluice-data/sluice/shared/events"
)

// FuzzDecode feeds the wrapper arbitrary requests in the three shapes it
// reads: binary mode (ce-* headers, any body), structured mode (any body as
// application/cloudevents+json) and no CloudEvent headers (a Pub/Sub push
// body or background event, any path). Whatever arrives:
//   - it never panics, and answers 200 (function called once), 400 or 413
//     (function not called);
//   - an accepted event is valid, and survives a structured-mode round trip
//     unchanged (id, type, source, subject, data);
//   - a Pub/Sub event made from a push body decodes as MessagePublishedData
//     and carries the message id (trimmed, as the SDK trims ids) as the
//     event id.
//
// Run: go test ./shared/cloudfn -run '^$' -fuzz FuzzDecode -fuzztime 3m
func FuzzDecode(f *testing.F) {
	const (
		binary     = 0
		structured = 1
		legacy     = 2
	)
	pubsub := `{"message":{"attributes":{"k":"v"},"data":"aGVsbG8=","messageId":"42","publishTime":"2026-12-02T09:00:00Z"},"subscription":"projects/p/subscriptions/s"}`
	storage := `{"bucket":"landing","name":"a/b.jsonl","generation":"17","size":"3","contentType":"application/x-ndjson","timeCreated":"2026-12-02T10:00:00Z"}`
	f.Add(uint8(binary), events.TypePubSubPublished, "//pubsub.googleapis.com/projects/p/topics/t", "/", []byte(pubsub))
	f.Add(uint8(binary), events.TypeObjectFinalized, "//storage.googleapis.com/projects/_/buckets/landing", "/", []byte(storage))
	f.Add(uint8(binary), "", "", "/", []byte(`{`))
	f.Add(uint8(structured), "", "", "/", []byte(`{"specversion":"1.0","id":"1","type":"t","source":"//s","datacontenttype":"application/json","data":{"a":[1,2.5e300]}}`))
	f.Add(uint8(structured), "", "", "/", []byte(`{"specversion":"1.0","id":"1","type":"t","source":"//s","data_base64":"AAE="}`))
	f.Add(uint8(structured), "", "", "/", []byte(`{"specversion":"0.3","id":"","type":"t"}`))
	f.Add(uint8(legacy), "", "", "/projects/p/topics/raw", []byte(pubsub))
	f.Add(uint8(legacy), "", "", "/", []byte(`{"data":{"bucket":"b","name":"o"},"context":{"eventId":"1","timestamp":"2026-12-02T10:00:00Z","eventType":"google.storage.object.finalize","resource":{"service":"storage.googleapis.com","name":"projects/_/buckets/b/objects/o","type":"storage#object"}}}`))
	f.Add(uint8(legacy), "", "", "/", []byte(`{"data":{"@type":"x","data":"aGk="},"eventId":"7","timestamp":"2026-12-02T10:00:00Z","eventType":"providers/cloud.pubsub/eventTypes/topic.publish","resource":"projects/p/topics/t"}`))
	f.Add(uint8(legacy), "", "", "/", []byte(`{"data":{"uid":12345678901234567890},"context":{"eventId":"1","eventType":"providers/firebase.auth/eventTypes/user.create","resource":"projects/p"}}`))
	f.Add(uint8(legacy), "", "", "/", []byte(`{"data":{},"domain":"europe-west1.firebasedatabase.app","context":{"eventId":"1","eventType":"providers/google.firebase.database/eventTypes/ref.write","resource":"projects/_/instances/i/refs/a"}}`))
	f.Add(uint8(legacy), "", "", "/", []byte(`{"message":{"data":"!!"}}`))
	f.Add(uint8(legacy), "", "", "/", []byte(`[]`))

	f.Fuzz(func(t *testing.T, mode uint8, ceType, ceSource, path string, body []byte) {
		u, err := url.Parse("http://fn" + path)
		if err != nil || !strings.HasPrefix(path, "/") {
			u, _ = url.Parse("http://fn/")
		}
		r := httptest.NewRequest(http.MethodPost, u.String(), bytes.NewReader(body))
		switch mode % 3 {
		case binary:
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("ce-specversion", "1.0")
			r.Header.Set("ce-id", "fuzz")
			r.Header.Set("ce-type", ceType)
			r.Header.Set("ce-source", ceSource)
		case structured:
			r.Header.Set("Content-Type", "application/cloudevents+json")
		case legacy:
			r.Header.Set("Content-Type", "application/json")
		}
		var got []cloudevents.Event
		h := cloudfn.New("Fn", func(_ context.Context, e cloudevents.Event) error { got = append(got, e); return nil },
			cloudfn.Options{Log: quiet, MaxBodyBytes: 1 << 16})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			if len(got) != 1 {
				t.Fatalf("200 with %d function calls", len(got))
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if len(got) != 0 {
				t.Fatalf("%d with %d function calls", w.Code, len(got))
			}
			if !strings.HasPrefix(w.Body.String(), "Fn: ") || len(w.Body.String()) < 20 {
				t.Fatalf("%d without an explanation: %q", w.Code, w.Body.String())
			}
			return
		default:
			t.Fatalf("status %d (%q)", w.Code, w.Body.String())
		}
		e := got[0]
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an invalid event: %v", err)
		}
		if mode%3 == legacy && e.Type() == events.TypePubSubPublished {
			var d events.MessagePublishedData
			if err := json.Unmarshal(e.Data(), &d); err != nil {
				t.Fatalf("Pub/Sub event from a legacy body: data does not decode: %v\n%s", err, e.Data())
			}
			// The SDK trims ids (event.SetID); the data keeps the original.
			if strings.TrimSpace(d.Message.MessageID) != e.ID() {
				t.Fatalf("message id %q, event id %q", d.Message.MessageID, e.ID())
			}
		}
		enc, err := json.Marshal(e)
		if err != nil {
			// Binary mode hands the body over as is; a body that is not
			// the JSON its content type claims cannot be re-encoded as a
			// structured event. The function sees the bytes it was sent.
			if mode%3 == binary && !json.Valid(body) {
				return
			}
			t.Fatalf("accepted event does not encode: %v", err)
		}
		r2 := httptest.NewRequest(http.MethodPost, "http://fn/", bytes.NewReader(enc))
		r2.Header.Set("Content-Type", "application/cloudevents+json")
		e2, err := cloudfn.Decode(r2)
		if err != nil {
			t.Fatalf("structured round trip of %s: %v", enc, err)
		}
		if e2.ID() != e.ID() || e2.Type() != e.Type() || e2.Source() != e.Source() || e2.Subject() != e.Subject() {
			t.Fatalf("round trip changed the attributes: %v -> %v", e, e2)
		}
		if !sameData(e.Data(), e2.Data()) {
			t.Fatalf("round trip changed the data: %q -> %q", e.Data(), e2.Data())
		}
	})
}

// sameData compares JSON data by meaning and anything else byte for byte.
// The SDK re-encodes JSON data when it writes a structured event: it may
// re-indent it and it escapes <, > and & as \u003c, \u003e and \u0026, which
// a JSON reader sees as the same string (found by the fuzzer: "&" came back
// as "\u0026"). Numbers are compared by their text, so 1.0 and 1 differ.
func sameData(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	x, errA := decodeJSON(a)
	y, errB := decodeJSON(b)
	if errA != nil || errB != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}
