package bigquery

import (
	"bytes"
	"errors"
	"testing"
)

// A 10 MB body is within the insertAll request limit; as nested arrays it
// once recursed the fast JSON parser 10 million frames deep, past Go's 1 GB
// stack limit, which kills the whole process (not a recoverable panic).
func TestInsertAllDeepNestingIsAnError(t *testing.T) {
	for _, body := range [][]byte{
		append([]byte(`{"rows":[{"json":{"req":`), bytes.Repeat([]byte("["), 10<<20)...),
		bytes.Repeat([]byte(`{"a":`), 2<<20),
	} {
		if _, err := parseJSONFast(body); err == nil {
			t.Fatal("parseJSONFast accepted a truncated nested body")
		}
		if _, ok := parseInsertAllFast(body, fuzzInsertFields); ok {
			t.Fatal("parseInsertAllFast accepted a truncated nested body")
		}
		_, err := decodeInsertAll(body)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code != 400 || ae.Reason != "invalid" {
			t.Fatalf("decodeInsertAll: %v, want a 400 invalid error", err)
		}
	}
}
