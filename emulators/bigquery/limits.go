package bigquery

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// Limits are the BigQuery quotas and limits the emulator enforces, with
// BigQuery's error shapes, so that a local run fails where the cloud would.
// Each field names where its figure and its answer come from. The figures
// are those of https://cloud.google.com/bigquery/quotas ("Streaming inserts"
// and "Query jobs"); the stored copies of that page searched for this file
// showed only its opening sections, so the streaming figures are taken from
// the page as quoted in the issues named below, and the error shapes from
// real responses quoted in issues. What no reference showed is marked
// "unverified".
// A zero field means BigQuery's documented value (DefaultLimits).
type Limits struct {
	// InsertAllRequestBytes is the largest insertAll HTTP body: 10 MB
	// ("HTTP request size limit: 10 MB", quotas#streaming_inserts as quoted in
	// https://github.com/ProteGO-Safe/backend/issues/62).
	// Above it BigQuery answers HTTP 400, status INVALID_ARGUMENT, one
	// errors[] entry with reason "badRequest" and domain "global", and the
	// message "Request payload size exceeds the limit: 10485760 bytes."
	// (the whole body is quoted by a client maintainer in
	// https://github.com/googleapis/google-cloud-go/issues/2855; the Go
	// client's own TestIntegration_InsertErrors, integration_test.go of
	// cloud.google.com/go/bigquery, expects that message for one 10 MiB row).
	// The Go client surfaces it as *googleapi.Error with Code 400, Message
	// the text above and Errors[0].Reason "badRequest"
	// ("googleapi: Error 400: Request payload size exceeds the limit:
	// 10485760 bytes., badRequest", as quoted in
	// https://github.com/googleapis/google-cloud-go/issues/1894).
	InsertAllRequestBytes int64
	// FrontEndRequestBytes, when set, is the body size from which insertAll
	// is answered as Google's front end answers a body far over the limit:
	// HTTP 413 with an HTML page (title "Error 413 (Request Entity Too
	// Large)!!1") and no JSON error, so that the Go client's
	// *googleapi.Error has Code 413, an empty Message and no Errors, and
	// the page in Body. Seen for a 50 MB body in
	// https://github.com/Aiven-Open/bigquery-connector-for-apache-kafka/pull/256,
	// where the same body drew the 400 above or the 413 from one call to the
	// next; the Go client's TestIntegration_InsertErrors accepts either for
	// 30 MB, and https://github.com/googleapis/python-bigquery/pull/1409
	// documents the 413 only as "if a payload vastly exceeds this limit".
	// No reference gives the threshold, so zero (the default) never answers
	// 413: a 400 is what BigQuery may answer at any size over the limit.
	// Set it to test a client's handling of both.
	FrontEndRequestBytes int64
	// InsertAllRows is the most rows in one insertAll request: 50,000, with
	// 500 recommended ("Maximum rows per request", quotas#streaming_inserts as
	// quoted in https://github.com/PrefectHQ/prefect/pull/5223).
	// Above it: "too many rows present in the request, limit: 50000 row
	// count: N." — the wording BigQuery used when the limit was 10,000
	// ("limit: 10000 row count: 10416.", quoted in
	// https://github.com/wepay/kafka-connect-bigquery/pull/298). The HTTP
	// status and reason of that answer are unverified: no reference shows
	// them; the emulator answers 400 "invalid".
	InsertAllRows int
	// RowBytes is the largest row of an insertAll request: 10 MB ("Maximum
	// row size", quotas#streaming_inserts as read in
	// https://github.com/airbytehq/airbyte/issues/19196). A larger row gets
	// its own insertErrors entry, reason "invalid", message "Maximum allowed
	// row size exceeded. Allowed: 10485760 Row size: N" (the response quoted
	// in https://github.com/googleapis/google-cloud-go/issues/2855, where the
	// limit was then 5242880). How BigQuery measures a row is unverified (the
	// quotas page notes that a request is translated into an internal
	// structure with its own size limit, as quoted in the issue named at
	// InsertAllRequestBytes); the emulator measures the row's JSON, so with
	// the default request limit no such row fits in a request and the
	// request limit answers first, as in the Go client's integration test.
	RowBytes int64
	// QueryChars is the longest GoogleSQL query text, in characters
	// (comments and white space count): 1,024K (quotas#query_jobs as cited,
	// with 1,048,576 characters, in
	// https://github.com/metabase/metabase/pull/79020). Above it jobs.query
	// and jobs.insert answer HTTP 400, status INVALID_ARGUMENT, reason
	// "invalid", message "The query is too large (1094.40K characters, 72092
	// characters over the limit). The maximum standard SQL query length is
	// 1024.00K characters, including comments and white space characters."
	// (a jobs.insert response quoted in
	// https://github.com/metabase/metabase/issues/79019; older reports, e.g.
	// https://github.com/airbytehq/airbyte/issues/36303, show the second
	// sentence alone). Whether BigQuery counts code points, UTF-16 units or
	// bytes is unverified; the emulator counts code points. The 12 MB limit
	// on the resolved query (with views expanded) is not enforced: no
	// reference showed its error.
	QueryChars int
	// ResponseBytes bounds the rows of one jobs.query, jobs.getQueryResults
	// or tabledata.list page: 10 MB ("In addition to this limit, responses
	// are also limited to 10 MB", QueryRequest.maxResults in
	// https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/query;
	// the getQueryResults and tabledata.list references state no byte limit,
	// so applying it there too is unverified). It is not an error: a page
	// stops before the row that would pass it (it always holds at least one
	// row) and its pageToken points at that row, so clients page on.
	// BigQuery's "responseTooLarge" ("Response too large to return.
	// Consider specifying a destination table in your job configuration. …",
	// https://github.com/r-dbi/bigrquery/issues/494; HTTP 403 in the error
	// table of https://cloud.google.com/bigquery/docs/error-messages as
	// quoted in https://github.com/airbytehq/airbyte/issues/6533) is for a
	// query result over the 10 GB limit of the anonymous result table (the
	// same r-dbi issue); the emulator does not enforce that one.
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

// frontEnd413 is the page answered for a body over FrontEndRequestBytes. Its
// title and first line are those of the page Google's front end answers
// (quoted in the pull request named at FrontEndRequestBytes); the rest is
// the emulator's own, naming the setting.
const frontEnd413 = `<!DOCTYPE html>
<html lang=en>
<meta charset=utf-8>
<title>Error 413 (Request Entity Too Large)!!1</title>
<p><b>413.</b> <ins>That’s an error.</ins>
<p>BigQuery emulator: the insertAll body is larger than Limits.FrontEndRequestBytes; send fewer or smaller rows per request.
`

// drainLimit is how much of a refused body is read (and thrown away) before
// answering, so the client gets the answer instead of a connection reset
// mid-upload, as from Google's front end.
const drainLimit = 64 << 20

// readInsertAllBody reads an insertAll body, refusing one over the request
// limit before reading it when Content-Length tells, and after reading one
// byte past the limit otherwise (chunked bodies). A body over
// FrontEndRequestBytes (when set) is answered here with the front end's 413
// and errHandled.
func (s *Server) readInsertAllBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	lim := s.limits.InsertAllRequestBytes
	if fe := s.limits.FrontEndRequestBytes; fe > 0 && r.ContentLength > fe {
		io.Copy(io.Discard, io.LimitReader(r.Body, drainLimit))
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, frontEnd413)
		return nil, errHandled
	}
	if r.ContentLength > lim {
		io.Copy(io.Discard, io.LimitReader(r.Body, drainLimit))
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
		io.Copy(io.Discard, io.LimitReader(r.Body, drainLimit))
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

// checkQueryLength answers a query text over the length limit, with the
// size and the excess as BigQuery words them (K is 1,024 characters).
func (l Limits) checkQueryLength(q string) error {
	if len(q) <= l.QueryChars {
		return nil
	}
	n := utf8.RuneCountInString(q)
	if n <= l.QueryChars {
		return nil
	}
	return errorf(400, "invalid", "The query is too large (%.2fK characters, %d characters over the limit). The maximum standard SQL query length is %.2fK characters, including comments and white space characters.",
		float64(n)/1024, n-l.QueryChars, float64(l.QueryChars)/1024)
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
