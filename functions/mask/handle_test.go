package mask

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluice-data/sluice/shared/cloudfn"
)

// A trigger message that is not a transform.completed payload cannot be
// masked by any retry: the wrapper answers 422, so Pub/Sub's dead-letter
// policy keeps it instead of the function acknowledging it away.
func TestHandleKeepsUndecodableMessages(t *testing.T) {
	h := cloudfn.New(EntryPoint, Handle, cloudfn.Options{})
	for name, data := range map[string]string{
		"not a pubsub message": `[1,2]`,
		"not a payload":        `{"message":{"data":"bm90IGpzb24=","messageId":"m1"}}`,
		"no run_id":            `{"message":{"data":"e30=","messageId":"m2"}}`,
		// a mask-tasks message (attribute event=mask.task) without a table
		"task without a table": `{"message":{"data":"eyJydW5faWQiOiJyMSJ9","attributes":{"event":"mask.task"},"messageId":"m3"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(data))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("ce-specversion", "1.0")
			r.Header.Set("ce-id", "e1")
			r.Header.Set("ce-source", "//pubsub.googleapis.com/projects/p/topics/transform-completed")
			r.Header.Set("ce-type", "google.cloud.pubsub.topic.v1.messagePublished")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d (%s), want 422 so the dead-letter policy keeps the message", w.Code, w.Body)
			}
			if !strings.Contains(w.Body.String(), "e1") {
				t.Errorf("body %q does not name the event", w.Body)
			}
		})
	}
}
