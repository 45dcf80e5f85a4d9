package dlp

import (
	"context"
	"fmt"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestTemplateLifecycle runs create, duplicate, update (by mask and in
// full), bad mask path, paged list, delete and get-after-delete on both
// template kinds through the real client.
func TestTemplateLifecycle(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	redact := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_InfoTypeTransformations{
		InfoTypeTransformations: &dlppb.InfoTypeTransformations{Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{
			PrimitiveTransformation: &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_RedactConfig{RedactConfig: &dlppb.RedactConfig{}}},
		}}}}}

	for i := 0; i < 3; i++ {
		if _, err := c.CreateInspectTemplate(ctx, &dlppb.CreateInspectTemplateRequest{Parent: parent, TemplateId: fmt.Sprintf("i%d", i),
			InspectTemplate: &dlppb.InspectTemplate{InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS")}}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateInspectTemplate(ctx, &dlppb.CreateInspectTemplateRequest{Parent: parent, TemplateId: "i0", InspectTemplate: &dlppb.InspectTemplate{}})
	if got := codeOf(err); got != codes.AlreadyExists {
		t.Errorf("duplicate create: code %v, want AlreadyExists", got)
	}
	if _, err := c.CreateInspectTemplate(ctx, &dlppb.CreateInspectTemplateRequest{Parent: parent, TemplateId: "none"}); codeOf(err) != codes.InvalidArgument {
		t.Errorf("create without a template: %v, want InvalidArgument", err)
	}

	// Paged list: two pages of sizes 2 and 1, in name order.
	var names []string
	it := c.ListInspectTemplates(ctx, &dlppb.ListInspectTemplatesRequest{Parent: parent, PageSize: 2})
	for {
		tp, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tp.GetName())
	}
	if want := []string{parent + "/inspectTemplates/i0", parent + "/inspectTemplates/i1", parent + "/inspectTemplates/i2"}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("list = %v, want %v", names, want)
	}

	dt, err := c.CreateDeidentifyTemplate(ctx, &dlppb.CreateDeidentifyTemplateRequest{Parent: parent, TemplateId: "d",
		DeidentifyTemplate: &dlppb.DeidentifyTemplate{DisplayName: "first", DeidentifyConfig: redact}})
	if err != nil {
		t.Fatal(err)
	}
	// Update by mask: only the description changes.
	up, err := c.UpdateDeidentifyTemplate(ctx, &dlppb.UpdateDeidentifyTemplateRequest{Name: dt.GetName(),
		DeidentifyTemplate: &dlppb.DeidentifyTemplate{DisplayName: "ignored", Description: "new"},
		UpdateMask:         &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	if err != nil {
		t.Fatal(err)
	}
	if up.GetDisplayName() != "first" || up.GetDescription() != "new" || up.GetDeidentifyConfig() == nil {
		t.Errorf("masked update = %v", up)
	}
	if !up.GetUpdateTime().AsTime().After(up.GetCreateTime().AsTime()) {
		t.Errorf("update_time %v not after create_time %v", up.GetUpdateTime().AsTime(), up.GetCreateTime().AsTime())
	}
	// An update without a mask replaces all three fields; the config is validated.
	if _, err := c.UpdateDeidentifyTemplate(ctx, &dlppb.UpdateDeidentifyTemplateRequest{Name: dt.GetName(),
		DeidentifyTemplate: &dlppb.DeidentifyTemplate{DisplayName: "second"}}); codeOf(err) != codes.InvalidArgument {
		t.Errorf("full update with no config: %v, want InvalidArgument", err)
	}
	if _, err := c.UpdateDeidentifyTemplate(ctx, &dlppb.UpdateDeidentifyTemplateRequest{Name: dt.GetName(),
		DeidentifyTemplate: &dlppb.DeidentifyTemplate{}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); codeOf(err) != codes.InvalidArgument {
		t.Errorf("update of path name: %v, want InvalidArgument", err)
	}
	full, err := c.UpdateDeidentifyTemplate(ctx, &dlppb.UpdateDeidentifyTemplateRequest{Name: dt.GetName(),
		DeidentifyTemplate: &dlppb.DeidentifyTemplate{DisplayName: "second", DeidentifyConfig: redact}})
	if err != nil || full.GetDisplayName() != "second" || full.GetDescription() != "" {
		t.Errorf("full update = %v, %v", full, err)
	}

	for _, name := range []string{parent + "/inspectTemplates/i1", dt.GetName()} {
		var err error
		if name == dt.GetName() {
			err = c.DeleteDeidentifyTemplate(ctx, &dlppb.DeleteDeidentifyTemplateRequest{Name: name})
		} else {
			err = c.DeleteInspectTemplate(ctx, &dlppb.DeleteInspectTemplateRequest{Name: name})
		}
		if err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
	}
	if _, err := c.GetInspectTemplate(ctx, &dlppb.GetInspectTemplateRequest{Name: parent + "/inspectTemplates/i1"}); codeOf(err) != codes.NotFound {
		t.Errorf("get after delete: %v, want NotFound", err)
	}
	if _, err := c.GetDeidentifyTemplate(ctx, &dlppb.GetDeidentifyTemplateRequest{Name: dt.GetName()}); codeOf(err) != codes.NotFound {
		t.Errorf("get after delete: %v, want NotFound", err)
	}
}
