package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/sluice-data/sluice/shared/logging"
)

// The line is what the log-based metrics in infra/terraform/metrics.tf
// filter and extract: jsonPayload.sluice_metric, jsonPayload.value and the
// labels as top-level fields, at severity INFO.
func TestEmitWritesTheLineTheLogMetricsRead(t *testing.T) {
	var b bytes.Buffer
	Emit(context.Background(), logging.New(&b, 0), Rejects, 3, "source", "events", "reason", "schema_mismatch")
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, b.Bytes())
	}
	for k, want := range map[string]any{"sluice_metric": "rejects", "value": 3.0, "source": "events", "reason": "schema_mismatch", "severity": "INFO"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v (line %s)", k, got[k], want, b.Bytes())
		}
	}
	Emit(context.Background(), nil, Rejects, 1) // no logger: nothing, no panic
}
