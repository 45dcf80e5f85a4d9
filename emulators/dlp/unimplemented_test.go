package dlp

import (
	"context"
	"os"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"
)

var implementedRPCs = map[string]bool{}

func init() {
	for _, n := range strings.Fields("InspectContent ListInfoTypes DeidentifyContent ReidentifyContent CreateInspectTemplate GetInspectTemplate UpdateInspectTemplate ListInspectTemplates DeleteInspectTemplate CreateDeidentifyTemplate GetDeidentifyTemplate UpdateDeidentifyTemplate ListDeidentifyTemplates DeleteDeidentifyTemplate CreateDlpJob GetDlpJob ListDlpJobs CancelDlpJob DeleteDlpJob CreateJobTrigger GetJobTrigger UpdateJobTrigger ListJobTriggers DeleteJobTrigger ActivateJobTrigger CreateStoredInfoType GetStoredInfoType ListStoredInfoTypes UpdateStoredInfoType DeleteStoredInfoType HybridInspectDlpJob FinishDlpJob HybridInspectJobTrigger") {
		implementedRPCs[n] = true
	}
}

// Every RPC of google.privacy.dlp.v2.DlpService (read from the client
// library's own service descriptor) other than the implemented ones answers
// UNIMPLEMENTED with a message naming the RPC, and a few go through the
// real client's methods too.
func TestUnimplementedRPCsAreNamed(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	methods := dlppb.File_google_privacy_dlp_v2_dlp_proto.Services().ByName("DlpService").Methods()
	if methods.Len() < 40 {
		t.Fatalf("descriptor lists %d methods", methods.Len())
	}
	unimpl := 0
	for i := range methods.Len() {
		name := string(methods.Get(i).Name())
		if implementedRPCs[name] {
			continue
		}
		unimpl++
		err := c.Connection().Invoke(ctx, "/google.privacy.dlp.v2.DlpService/"+name, &emptypb.Empty{}, &emptypb.Empty{})
		if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), name+" is not implemented by the DLP emulator: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if unimpl < 27 { // 27 after the stored infoType and hybrid RPCs were implemented
		t.Errorf("only %d unimplemented RPCs checked", unimpl)
	}
	_, err := c.RedactImage(ctx, &dlppb.RedactImageRequest{Parent: parent, ByteItem: &dlppb.ByteContentItem{Type: dlppb.ByteContentItem_IMAGE_PNG, Data: []byte{0x89}}})
	if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), "OCR") {
		t.Errorf("RedactImage: %v", err)
	}
	_, err = c.CreateDlpJob(ctx, &dlppb.CreateDlpJobRequest{Parent: parent, Job: &dlppb.CreateDlpJobRequest_RiskJob{RiskJob: &dlppb.RiskAnalysisJobConfig{}}})
	if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), "risk_job") {
		t.Errorf("CreateDlpJob risk_job: %v", err)
	}
}

// Config fields and items the emulator does not implement answer
// UNIMPLEMENTED naming the field.
func TestUnsupportedFieldsAreNamed(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	for field, req := range map[string]*dlppb.InspectContentRequest{
		"byte_item.type IMAGE_JPEG": {Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_ByteItem{ByteItem: &dlppb.ByteContentItem{Type: dlppb.ByteContentItem_IMAGE_JPEG, Data: []byte{1}}}}},
		"item.conversation":         {Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Conversation{Conversation: &dlppb.Conversation{}}}},
		"item.batch_content_item":   {Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_BatchContentItem{BatchContentItem: &dlppb.BatchContentItem{}}}},
		"custom_info_types[].metadata_key_value_expression": {Item: textItem("x"), InspectConfig: &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: "M"},
			Type: &dlppb.CustomInfoType_MetadataKeyValueExpression_{MetadataKeyValueExpression: &dlppb.CustomInfoType_MetadataKeyValueExpression{KeyRegex: "k"}}}}}},
		"exclusion_rule.exclude_by_image_findings": {Item: textItem("x"), InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), RuleSet: []*dlppb.InspectionRuleSet{{InfoTypes: its("EMAIL_ADDRESS"),
			Rules: []*dlppb.InspectionRule{{Type: &dlppb.InspectionRule_ExclusionRule{ExclusionRule: &dlppb.ExclusionRule{MatchingType: dlppb.MatchingType_MATCHING_TYPE_FULL_MATCH,
				Type: &dlppb.ExclusionRule_ExcludeByImageFindings{ExcludeByImageFindings: &dlppb.ExcludeByImageFindings{}}}}}}}}}},
	} {
		req.Parent = parent
		_, err := c.InspectContent(ctx, req)
		if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	adj := &dlppb.InspectionRuleSet{InfoTypes: its("PERSON_NAME"), Rules: []*dlppb.InspectionRule{{Type: &dlppb.InspectionRule_AdjustmentRule{AdjustmentRule: &dlppb.AdjustmentRule{}}}}}
	_, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem("x"),
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("PERSON_NAME"), RuleSet: []*dlppb.InspectionRuleSet{adj}}})
	if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), "adjustment_rule") {
		t.Errorf("adjustment_rule: %v", err)
	}
	_, err = c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, Item: textItem("x"),
		DeidentifyConfig: &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_ImageTransformations{ImageTransformations: &dlppb.ImageTransformations{}}}})
	if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), "deidentify_config.image_transformations") {
		t.Errorf("image_transformations: %v", err)
	}
}

// The support table in README.md names every RPC of the service and every
// field of the request and config messages the emulator takes (read from
// the client library's descriptors), so a field never goes unstated.
func TestSupportTableNamesEveryField(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	named := func(name string) bool {
		return strings.Contains(readme, "`"+name+"`") || strings.Contains(readme, "`"+name+"[]") ||
			strings.Contains(readme, "."+name+"`") || strings.Contains(readme, "."+name+" ") || strings.Contains(readme, "."+name+"[") || strings.Contains(readme, "`"+name+" ") || strings.Contains(readme, ", "+name+"`") ||
			strings.Contains(readme, "."+name+".") || strings.Contains(readme, "`"+name+".")
	}
	fd := dlppb.File_google_privacy_dlp_v2_dlp_proto
	methods := fd.Services().ByName("DlpService").Methods()
	for i := range methods.Len() {
		m := methods.Get(i)
		if n := string(m.Name()); !strings.Contains(readme, n) && !implementedFamilyDocumented(readme, n) {
			t.Errorf("README.md does not name the RPC %s", n)
		}
	}
	for _, msg := range strings.Fields(`InspectContentRequest DeidentifyContentRequest ReidentifyContentRequest InspectConfig
		InspectConfig.FindingLimits CustomInfoType CustomInfoType.Dictionary CustomInfoType.Regex CustomInfoType.DetectionRule.HotwordRule
		InspectionRule ExclusionRule ContentItem ByteContentItem DeidentifyConfig RecordTransformations FieldTransformation
		PrimitiveTransformation CryptoKey InspectJobConfig StorageConfig BigQueryOptions HybridOptions HybridFindingDetails
		HybridContentItem Action OutputStorageConfig JobTrigger JobTrigger.Trigger StoredInfoTypeConfig LargeCustomDictionaryConfig
		CreateDlpJobRequest CreateStoredInfoTypeRequest UpdateStoredInfoTypeRequest ListStoredInfoTypesRequest ListDlpJobsRequest ListJobTriggersRequest`) {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("google.privacy.dlp.v2." + msg))
		if err != nil {
			t.Fatalf("no message %s: %v", msg, err)
		}
		md := d.(protoreflect.MessageDescriptor)
		for i := range md.Fields().Len() {
			f := md.Fields().Get(i)
			if !named(string(f.Name())) {
				t.Errorf("README.md does not state %s.%s", msg, f.Name())
			}
		}
	}
}

// implementedFamilyDocumented: RPC families the README names as a group
// ("Create/Get/Update/List/DeleteInspectTemplate", "discovery configs …").
func implementedFamilyDocumented(readme, rpc string) bool {
	for _, fam := range []string{"InspectTemplate", "DeidentifyTemplate"} {
		if strings.HasSuffix(rpc, fam) || strings.HasSuffix(rpc, fam+"s") {
			return strings.Contains(readme, "Create/Get/Update/List/Delete"+fam)
		}
	}
	for kw, words := range map[string][]string{
		"discovery configs": {"DiscoveryConfig"}, "data profiles": {"DataProfile"},
		"connections": {"Connection"}, "content policies": {"ContentPolic"},
	} {
		for _, w := range words {
			if strings.Contains(rpc, w) {
				return strings.Contains(readme, kw)
			}
		}
	}
	return false
}
