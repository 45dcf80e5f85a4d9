package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// `sluice dev --json` turns the export lines into one object once the last
// (SLUICE_STATUS) line is written, whatever the write boundaries.
func TestDevExportsAsJSON(t *testing.T) {
	var b bytes.Buffer
	e := &exportsAsJSON{w: &b}
	for _, chunk := range []string{"export PUBSUB_EMU", "LATOR_HOST=127.0.0.1:1\nexport SLUICE_CONTROL_TOKEN=abc\n", "export SLUICE_STATUS=http://127.0.0.1:2/\n"} {
		if _, err := e.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	var got map[string]string
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v: %q", err, b.String())
	}
	if got["PUBSUB_EMULATOR_HOST"] != "127.0.0.1:1" || got["SLUICE_CONTROL_TOKEN"] != "abc" || got["SLUICE_STATUS"] != "http://127.0.0.1:2/" {
		t.Errorf("got %v", got)
	}
	if isTerminal(&b) {
		t.Error("a buffer is not a terminal: progress would be drawn into a pipe")
	}
}
