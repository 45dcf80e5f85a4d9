package bigquery

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// Limits are the BigQuery quotas and limits the emulator enforces, with
// BigQuery's error shapes, so that a local run fails where the cloud would
// (https://cloud.google.com/bigquery/quotas, "Streaming inserts" and
// "Query jobs"; the jobs.query and tabledata.list references for pages).
// A zero field means BigQuery's documented value (DefaultLimits).
type Limits struct {
	// InsertAllRequestBytes is the largest insertAll HTTP body: 10 MB.
	// Above it: 400 badRequest "Request payload size exceeds the limit: 10485760 bytes."
	InsertAllRequestBytes int64
	// InsertAllRows is the most rows in one insertAll request: 50,000.
	// Above it: 400 invalid "too many rows present in the request, limit: 50000 row count: N."
	InsertAllRows int
	// RowBytes is the largest row of an insertAll request: 10 MB. A larger
	// row gets its own insertErrors entry (reason invalid); with the default
	// request limit no such row fits in a request, so the request limit
	// answers first, as in BigQuery.
	RowBytes int64
	// QueryChars is the longest GoogleSQL query text, in characters
	// (comments and white space count): 1,024K.
	// Above it: 400 invalid "The query is too large. The maximum standard SQL query length is 1024.00K characters, …"
	QueryChars int
	// ResponseBytes bounds the rows of one jobs.query, jobs.getQueryResults
	// or tabledata.list page: 10 MB ("In addition to this limit, responses
	// are also limited to 10 MB"). A page stops before the row that would
	// pass it (it always holds at least one row) and its pageToken points
	// at that row, so clients page on.
	ResponseBytes int
}

// DefaultLimits returns BigQuery's documented values.
func DefaultLimits() Limits {
	return Limits{
		InsertAllRequestBytes: 10 << 20,
		InsertAllRows:         50000,
		RowBytes:              10 << 20,
		QueryChars:            1024 << 10,
		ResponseBytes:         10 << 20,
	}
}

// withDefaults fills the zero fields of l with BigQuery's values.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.InsertAllRequestBytes <= 0 {
		l.InsertAllRequestBytes = d.InsertAllRequestBytes
	}
	if l.InsertAllRows <= 0 {
		l.InsertAllRows = d.InsertAllRows
	}
	if l.RowBytes <= 0 {
		l.RowBytes = d.RowBytes
	}
	if l.QueryChars <= 0 {
		l.QueryChars = d.QueryChars
	}
	if l.ResponseBytes <= 0 {
		l.ResponseBytes = d.ResponseBytes
	}
	return l
}

func (l Limits) requestTooLarge() error {
	return errorf(400, "badRequest", "Request payload size exceeds the limit: %d bytes.", l.InsertAllRequestBytes)
}

// readInsertAllBody reads an insertAll body, refusing one over the request
// limit before reading it when Content-Length tells, and after reading one
// byte past the limit otherwise (chunked bodies).
func (s *Server) readInsertAllBody(r *http.Request) ([]byte, error) {
	lim := s.limits.InsertAllRequestBytes
	if r.ContentLength > lim {
		// Read the body anyway (as Google's front end does), so the client
		// gets the answer instead of a connection reset mid-upload.
		io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
		return nil, s.limits.requestTooLarge()
	}
	if r.ContentLength < 0 {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(r.Body, lim+1), r.Body}
	}
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > lim {
		putBody(b)
		io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
		return nil, s.limits.requestTooLarge()
	}
	return b, nil
}

// checkInsertAllRows answers a request with too many rows.
func (l Limits) checkInsertAllRows(n int) error {
	if n > l.InsertAllRows {
		return errorf(400, "invalid", "too many rows present in the request, limit: %d row count: %d.", l.InsertAllRows, n)
	}
	return nil
}

// oversizedRows returns an insertErrors entry for every row whose JSON is
// larger than the row limit. Only a body larger than the limit can hold
// such a row, so smaller bodies cost nothing.
func (l Limits) oversizedRows(bodyLen int, rows []insertRow, fields []string) map[int]insertError {
	if int64(bodyLen) <= l.RowBytes {
		return nil
	}
	var out map[int]insertError
	for i, rw := range rows {
		var size int
		if rw.m != nil {
			b, _ := json.Marshal(rw.m)
			size = len(b)
		} else {
			m := make(map[string]any, len(fields))
			for j, v := range rw.vals {
				if v != nil && j < len(fields) {
					m[fields[j]] = v
				}
			}
			b, _ := json.Marshal(m)
			size = len(b)
		}
		if int64(size) > l.RowBytes {
			if out == nil {
				out = map[int]insertError{}
			}
			out[i] = insertError{Index: i, Errors: []insertErrorItem{{Reason: "invalid",
				Message: fmt.Sprintf("Maximum allowed row size exceeded. Allowed: %d Row size: %d", l.RowBytes, size)}}}
		}
	}
	return out
}

// checkQueryLength answers a query text over the length limit.
func (l Limits) checkQueryLength(q string) error {
	if len(q) > l.QueryChars && utf8.RuneCountInString(q) > l.QueryChars {
		return errorf(400, "invalid", "The query is too large. The maximum standard SQL query length is %.2fK characters, including comments and white space characters.", float64(l.QueryChars)/1024)
	}
	return nil
}

// rowWireSize estimates the JSON size of an encoded row ({"f":[{"v":…}]})
// closely enough to keep pages under the response limit without encoding
// every row twice.
func rowWireSize(r row) int {
	n := 7 // {"f":[]}
	for _, c := range r.F {
		n += 7 + valueWireSize(c.V) // {"v":},
	}
	return n
}

func valueWireSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return len(x) + 2 + len(x)/16 // quotes and some escapes
	case row:
		return rowWireSize(x)
	case []cell:
		n := 2
		for _, c := range x {
			n += 7 + valueWireSize(c.V)
		}
		return n
	}
	b, _ := json.Marshal(v)
	return len(b)
}
