package dlp

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	dlpapi "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/emulators/fault"
)

const parent = "projects/p/locations/global"

// start serves an emulator on a free port and returns a real client for it.
// With DLP_EMULATOR_HOST set (for example to a running `sluice emulator
// dlp`), tests with default options run against that server instead; tests
// that need the in-process server (fault injection, special options) skip.
//
// While viaREST is set (TestContentThroughREST), the client is the REST
// client (dlp.NewRESTClient) on the emulator's REST endpoint instead.
func start(t testing.TB, opts Options) (*Server, *dlpapi.Client) {
	t.Helper()
	if viaREST {
		return startREST(t, opts)
	}
	if host := os.Getenv("DLP_EMULATOR_HOST"); host != "" {
		if opts != (Options{}) {
			t.Skip("needs an in-process emulator with options; DLP_EMULATOR_HOST is set")
		}
		c, err := dlpapi.NewClient(context.Background(), option.WithEndpoint(host), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return nil, c
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(opts)
	go func() { _ = s.Serve(lis) }()
	ctx := context.Background()
	c, err := dlpapi.NewClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Stop() })
	return s, c
}

func its(names ...string) []*dlppb.InfoType {
	var out []*dlppb.InfoType
	for _, n := range names {
		out = append(out, &dlppb.InfoType{Name: n})
	}
	return out
}

func codeOf(err error) codes.Code { return errStatus(err).Code() }

func TestInspectPlainText(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	text := "Contact Jane at jane.doe@example.com or (415) 555-0132, née café ok"
	resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{
		Parent:        parent,
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS", "PHONE_NUMBER"), IncludeQuote: true},
		Item:          &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: text}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetResult().GetFindings()
	want := []struct {
		it, quote string
		bs, be    int64
	}{
		{"EMAIL_ADDRESS", "jane.doe@example.com", 16, 36},
		{"PHONE_NUMBER", "(415) 555-0132", 40, 54},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings: %v", len(got), got)
	}
	for i, w := range want {
		f := got[i]
		if f.GetInfoType().GetName() != w.it || f.GetQuote() != w.quote || f.GetLocation().GetByteRange().GetStart() != w.bs || f.GetLocation().GetByteRange().GetEnd() != w.be {
			t.Errorf("finding %d = %v %q %v, want %v", i, f.GetInfoType().GetName(), f.GetQuote(), f.GetLocation().GetByteRange(), w)
		}
		if f.GetLikelihood() < dlppb.Likelihood_LIKELY {
			t.Errorf("finding %d likelihood %v", i, f.GetLikelihood())
		}
	}
}

func TestInspectCodepointsAndTable(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	// Multi-byte characters before the match move byte and code point offsets apart.
	text := "héllo wörld a@b.io"
	resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{
		Parent:        parent,
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")},
		Item:          &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: text}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := resp.GetResult().GetFindings()
	if len(f) != 1 || f[0].GetQuote() != "" {
		t.Fatalf("findings %v", f)
	}
	if br, cr := f[0].GetLocation().GetByteRange(), f[0].GetLocation().GetCodepointRange(); br.GetStart() != 14 || br.GetEnd() != 20 || cr.GetStart() != 12 || cr.GetEnd() != 18 {
		t.Fatalf("ranges %v %v", br, cr)
	}
	table := &dlppb.Table{
		Headers: []*dlppb.FieldId{{Name: "id"}, {Name: "contact"}},
		Rows: []*dlppb.Table_Row{
			{Values: []*dlppb.Value{intValue(1), strValue("nobody")}},
			{Values: []*dlppb.Value{intValue(2), strValue("mail x@y.com now")}},
		},
	}
	resp, err = c.InspectContent(ctx, &dlppb.InspectContentRequest{
		Parent:        parent,
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), IncludeQuote: true},
		Item:          &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: table}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f = resp.GetResult().GetFindings()
	if len(f) != 1 {
		t.Fatalf("table findings %v", f)
	}
	rl := f[0].GetLocation().GetContentLocations()[0].GetRecordLocation()
	if rl.GetFieldId().GetName() != "contact" || rl.GetTableLocation().GetRowIndex() != 1 || f[0].GetQuote() != "x@y.com" || f[0].GetLocation().GetByteRange().GetStart() != 5 {
		t.Fatalf("table location %v quote %q", rl, f[0].GetQuote())
	}
}

func TestFaults(t *testing.T) {
	s, c := start(t, Options{})
	if s == nil {
		t.Skip("fault injection needs the in-process emulator")
	}
	ctx := context.Background()
	s.Faults().SetMethod("DeidentifyContent", faultRule(2, 0))
	req := &dlppb.DeidentifyContentRequest{
		Parent: parent,
		DeidentifyConfig: &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
			Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{PrimitiveTransformation: replaceWithInfoType()}},
		}}},
		Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: "a@b.com"}},
	}
	// The client retries Unavailable for some RPCs; use a call option-free
	// code check on a non-retried code as well.
	s.Faults().SetMethod("InspectContent", faultRule(1, int(codes.PermissionDenied)))
	_, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: req.Item})
	if codeOf(err) != codes.PermissionDenied {
		t.Fatalf("inspect err = %v", err)
	}
	if _, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: req.Item}); err != nil {
		t.Fatalf("second inspect: %v", err)
	}
	s.Faults().Reset()
	s.Faults().SetMethod("DeidentifyContent", faultRule(1, int(codes.Internal)))
	if _, err := c.DeidentifyContent(ctx, req); codeOf(err) != codes.Internal {
		t.Fatalf("deidentify err = %v", err)
	}
	resp, err := c.DeidentifyContent(ctx, req)
	if err != nil || resp.GetItem().GetValue() != "[EMAIL_ADDRESS]" {
		t.Fatalf("after fault: %v %v", resp, err)
	}
}

// The Go client retries UNAVAILABLE (the default fault code) with backoff,
// so a transient fault is invisible to the caller, and a permanent one lasts
// until the caller's deadline.
func TestUnavailableFaultIsRetriedByClient(t *testing.T) {
	s, c := start(t, Options{})
	if s == nil {
		t.Skip("fault injection needs the in-process emulator")
	}
	s.Faults().SetMethod("InspectContent", faultRule(2, 0))
	resp, err := c.InspectContent(context.Background(), &dlppb.InspectContentRequest{Parent: parent, Item: textItem("a@b.com"),
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}})
	if err != nil || len(resp.GetResult().GetFindings()) != 1 {
		t.Fatalf("retried call: %v %v", resp, err)
	}
	s.Faults().SetMethod("InspectContent", fault.Rule{FailRate: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem("a@b.com")}); !errors.Is(err, context.DeadlineExceeded) && codeOf(err) != codes.DeadlineExceeded {
		t.Fatalf("permanent fault: %v", err)
	}
}
