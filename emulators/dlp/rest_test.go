package dlp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	dlpapi "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// viaREST makes start return the REST client (see TestContentThroughREST).
var viaREST bool

// startREST serves the emulator's REST endpoint on a free port and returns
// the real REST client for it.
func startREST(t testing.TB, opts Options) (*Server, *dlpapi.Client) {
	t.Helper()
	if os.Getenv("DLP_EMULATOR_HOST") != "" {
		t.Skip("REST tests need the in-process emulator; DLP_EMULATOR_HOST is set")
	}
	s, url := serveREST(t, opts)
	c, err := dlpapi.NewRESTClient(context.Background(), option.WithEndpoint(url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func serveREST(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(opts)
	go func() { _ = s.ServeREST(lis) }()
	t.Cleanup(s.Stop)
	return s, "http://" + lis.Addr().String()
}

// errStatus is the gRPC status of an error from either client: the REST
// client returns the HTTP error, whose JSON body carries the status name.
func errStatus(err error) *status.Status {
	var he *googleapi.Error
	if errors.As(err, &he) {
		var body struct {
			Error struct {
				Message string `json:"message"`
				Status  string `json:"status"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(he.Body), &body) == nil && body.Error.Status != "" {
			return status.New(codes.Code(rpccode.Code_value[body.Error.Status]), body.Error.Message)
		}
		return status.New(codes.Unknown, he.Error())
	}
	return status.Convert(err)
}

// TestContentThroughREST runs the content, template and KMS tests again
// through the REST client: the two transports must give the same answers.
func TestContentThroughREST(t *testing.T) {
	if os.Getenv("DLP_EMULATOR_HOST") != "" {
		t.Skip("REST tests need the in-process emulator; DLP_EMULATOR_HOST is set")
	}
	viaREST = true
	defer func() { viaREST = false }()
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"InspectPlainText", TestInspectPlainText},
		{"InspectCodepointsAndTable", TestInspectCodepointsAndTable},
		{"InspectConfigFeatures", TestInspectConfigFeatures},
		{"BuiltinExamples", TestBuiltinExamples},
		{"ErrorsAndLimits", TestErrorsAndLimits},
		{"TemplatesAndListInfoTypes", TestTemplatesAndListInfoTypes},
		{"TableHeaderContext", TestTableHeaderContext},
		{"DeidentifyText", TestDeidentifyText},
		{"TransientAndKMSKeys", TestTransientAndKMSKeys},
		{"DeterministicAndFPERoundTrip", TestDeterministicAndFPERoundTrip},
		{"RecordTransformations", TestRecordTransformations},
		{"DateShift", TestDateShift},
		{"TemplateLifecycle", TestTemplateLifecycle},
		{"KMSWrappedKeyRoundTrip", TestKMSWrappedKeyRoundTrip},
		{"InspectJobOverBigQuery", TestInspectJobOverBigQuery},
		{"DlpJobStates", TestDlpJobStates},
		{"StoredInfoTypeLifecycle", TestStoredInfoTypeLifecycle},
		{"StoredInfoTypeFromCloudStorage", TestStoredInfoTypeFromCloudStorage},
		{"HybridJob", TestHybridJob},
		{"HybridInspectJobTrigger", TestHybridInspectJobTrigger},
		{"CreateDlpJobRefusals", TestCreateDlpJobRefusals},
	} {
		t.Run(tc.name, tc.fn)
	}
}

// TestRESTInfoTypes: GET /v2/infoTypes with query parameters, through the
// REST client and as curl sends it.
func TestRESTInfoTypes(t *testing.T) {
	_, c := startREST(t, Options{})
	resp, err := c.ListInfoTypes(context.Background(), &dlppb.ListInfoTypesRequest{LanguageCode: "en-US", Filter: "supported_by=INSPECT"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range resp.GetInfoTypes() {
		if it.GetName() == "EMAIL_ADDRESS" && len(it.GetSupportedBy()) > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("EMAIL_ADDRESS not listed: %d infoTypes", len(resp.GetInfoTypes()))
	}
	_, url := serveREST(t, Options{})
	for _, path := range []string{"/v2/infoTypes", "/v2/locations/global/infoTypes", "/v2/projects/p/locations/global/infoTypes"} {
		code, body := do(t, "GET", url+path, "")
		if code != 200 || !strings.Contains(body, `"name":"EMAIL_ADDRESS"`) || !strings.Contains(body, `"supportedBy":["INSPECT"`) {
			t.Errorf("GET %s = %d %.200s", path, code, body)
		}
	}
}

// TestRESTCurl: the JSON bodies of the REST reference, as curl sends them,
// and Google's JSON error shape.
func TestRESTCurl(t *testing.T) {
	_, url := serveREST(t, Options{})
	code, body := do(t, "POST", url+"/v2/projects/p/locations/global/content:inspect",
		`{"item":{"value":"mail jane@example.com"},"inspectConfig":{"infoTypes":[{"name":"EMAIL_ADDRESS"}],"includeQuote":true}}`)
	if code != 200 || !strings.Contains(body, `"quote":"jane@example.com"`) || !strings.Contains(body, `"likelihood":"LIKELY"`) && !strings.Contains(body, `"likelihood":"VERY_LIKELY"`) {
		t.Errorf("content:inspect = %d %s", code, body)
	}
	code, body = do(t, "POST", url+"/v2/projects/p/content:deidentify",
		`{"item":{"value":"mail jane@example.com"},"deidentifyConfig":{"infoTypeTransformations":{"transformations":[{"primitiveTransformation":{"replaceWithInfoTypeConfig":{}}}]}},"inspectConfig":{"infoTypes":[{"name":"EMAIL_ADDRESS"}]}}`)
	if code != 200 || !strings.Contains(body, `"value":"mail [EMAIL_ADDRESS]"`) {
		t.Errorf("content:deidentify (projects/p, no location) = %d %s", code, body)
	}
	for _, tc := range []struct {
		method, path, body string
		code               int
		status, msg        string
	}{
		{"POST", "/v2/projects/p/locations/global/content:inspect", `{"item":{"value":"x"},"nope":1}`, 400, "INVALID_ARGUMENT", "Invalid JSON payload received"},
		{"POST", "/v2/projects/p/locations/global/content:inspect", `{"item":{"value":"x"},"inspectConfig":{"infoTypes":[{"name":"NO_SUCH_TYPE"}]}}`, 400, "INVALID_ARGUMENT", "NO_SUCH_TYPE"},
		{"GET", "/v2/projects/p/locations/global/deidentifyTemplates/missing", "", 404, "NOT_FOUND", "missing"},
		{"POST", "/v2/projects/p/locations/global/image:redact", `{}`, 501, "UNIMPLEMENTED", "RedactImage"},
		{"GET", "/v2/projects/p/nothing-here", "", 404, "NOT_FOUND", "not a DLP v2 REST path"},
		{"GET", "/v2/infoTypes?pageSize=abc", "", 400, "INVALID_ARGUMENT", "pageSize"},
	} {
		code, body := do(t, tc.method, url+tc.path, tc.body)
		var e struct {
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
				Status  string `json:"status"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != tc.code || e.Error.Code != tc.code || e.Error.Status != tc.status || !strings.Contains(e.Error.Message, tc.msg) {
			t.Errorf("%s %s = %d %s; want %d %s naming %q", tc.method, tc.path, code, body, tc.code, tc.status, tc.msg)
		}
	}
}

// TestRESTTemplatesAndJobsLists: list RPCs page through the REST client.
func TestRESTTemplatesAndJobsLists(t *testing.T) {
	_, c := startREST(t, Options{})
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := c.CreateInspectTemplate(ctx, &dlppb.CreateInspectTemplateRequest{Parent: parent, TemplateId: id,
			InspectTemplate: &dlppb.InspectTemplate{InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}}}); err != nil {
			t.Fatal(err)
		}
	}
	it := c.ListInspectTemplates(ctx, &dlppb.ListInspectTemplatesRequest{Parent: parent, PageSize: 2})
	var names []string
	for {
		tm, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tm.GetName())
	}
	if len(names) != 3 {
		t.Errorf("listed %v", names)
	}
	if err := c.DeleteInspectTemplate(ctx, &dlppb.DeleteInspectTemplateRequest{Name: names[0]}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetInspectTemplate(ctx, &dlppb.GetInspectTemplateRequest{Name: names[0]}); codeOf(err) != codes.NotFound {
		t.Errorf("get deleted = %v", err)
	}
	jobs := c.ListDlpJobs(ctx, &dlppb.ListDlpJobsRequest{Parent: parent, Type: dlppb.DlpJobType_INSPECT_JOB})
	if _, err := jobs.Next(); !errors.Is(err, iterator.Done) {
		t.Errorf("ListDlpJobs on a new server: %v", err)
	}
	if _, err := c.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: "projects/p/locations/global/dlpJobs/i-none"}); codeOf(err) != codes.NotFound {
		t.Errorf("GetDlpJob unknown = %v", err)
	}
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	return resp.StatusCode, string(b)
}

// TestRESTRoutesCoverEveryMethod: every DlpService method has at least one
// REST route, read from its google.api.http binding.
func TestRESTRoutesCoverEveryMethod(t *testing.T) {
	rs, err := routes()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range rs {
		got[r.method]++
	}
	for _, m := range dlppb.DlpService_ServiceDesc.Methods {
		if got[m.MethodName] == 0 {
			t.Errorf("%s has no REST route", m.MethodName)
		}
	}
	if got["InspectContent"] < 2 || got["ListInfoTypes"] < 2 {
		t.Errorf("additional bindings missing: %v", got)
	}
}
