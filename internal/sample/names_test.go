package sample

import (
	"context"
	"net"
	"strings"
	"testing"

	dlpapi "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/emulators/dlp"
)

// TestSupportMessagesAreRedacted de-identifies every kind of generated
// support message for every generated name through the DLP emulator with
// the example pipeline's infoTypes, and checks that no name, email, phone
// or card number survives.
func TestSupportMessagesAreRedacted(t *testing.T) {
	ctx := context.Background()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := dlp.NewServer(dlp.Options{})
	go s.Serve(lis)
	c, err := dlpapi.NewClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var its []*dlppb.InfoType
	for _, n := range []string{"EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS", "CREDIT_CARD_NUMBER", "PERSON_NAME", "US_SOCIAL_SECURITY_NUMBER"} {
		its = append(its, &dlppb.InfoType{Name: n})
	}
	var msgs, secrets []string
	i := 0
	for _, first := range firsts {
		for _, last := range lasts {
			i++
			email := lower(first) + "." + lower(last) + "@example.com"
			phone := "+1 415-555-0" + string(rune('0'+i%10)) + "42"
			for k := range 4 {
				msgs = append(msgs, supportMessageKind(k, first, last, email, phone))
			}
			secrets = append(secrets, first+" "+last, email, phone)
		}
	}
	rows := make([]*dlppb.Table_Row, len(msgs))
	for i, m := range msgs {
		rows[i] = &dlppb.Table_Row{Values: []*dlppb.Value{{Type: &dlppb.Value_StringValue{StringValue: m}}}}
	}
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{
		Parent:        "projects/p/locations/global",
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its},
		DeidentifyConfig: &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
			Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{PrimitiveTransformation: &dlppb.PrimitiveTransformation{
				Transformation: &dlppb.PrimitiveTransformation_ReplaceWithInfoTypeConfig{ReplaceWithInfoTypeConfig: &dlppb.ReplaceWithInfoTypeConfig{}}}}},
		}}},
		Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: &dlppb.Table{Headers: []*dlppb.FieldId{{Name: "message"}}, Rows: rows}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for i, r := range resp.GetItem().GetTable().GetRows() {
		got := r.GetValues()[0].GetStringValue()
		out.WriteString(got + "\n")
		if strings.Contains(msgs[i], "4111") && !strings.Contains(got, "[CREDIT_CARD_NUMBER]") {
			t.Errorf("card not replaced: %q", got)
		}
		if strings.HasPrefix(msgs[i], "Hello from") && !strings.Contains(got, "[PERSON_NAME]") {
			t.Errorf("name not replaced: %q → %q", msgs[i], got)
		}
	}
	all := out.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("%q survives de-identification", s)
		}
	}
	for _, n := range append(append([]string{}, firsts...), lasts...) {
		if strings.Contains(all, n) {
			t.Errorf("name part %q survives de-identification", n)
		}
	}
}
