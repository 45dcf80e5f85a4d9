package dlp

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
)

// ListInfoTypes lists the documented global infoTypes (the infoType
// detector reference), each marked with whether the emulator detects it,
// and every detected one finds its own example; naming an undetected one
// is refused with UNIMPLEMENTED naming it, never answered with silence.
func TestListInfoTypesDocumentedAndMarked(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	resp, err := c.ListInfoTypes(ctx, &dlppb.ListInfoTypesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dlppb.InfoTypeDescription{}
	for _, d := range resp.GetInfoTypes() {
		byName[d.GetName()] = d
	}
	// Global infoTypes of the detector reference, a sample of which must be
	// listed whatever the emulator detects.
	for _, n := range []string{"TIME", "GENDER", "AGE", "DATE", "DATE_OF_BIRTH", "DOMAIN_NAME", "EMAIL_ADDRESS", "ETHNIC_GROUP",
		"FEMALE_NAME", "FIRST_NAME", "LAST_NAME", "MALE_NAME", "IBAN_CODE", "IP_ADDRESS", "LOCATION", "MAC_ADDRESS", "MEDICAL_TERM",
		"PASSPORT", "PERSON_NAME", "PHONE_NUMBER", "STREET_ADDRESS", "SWIFT_CODE", "URL", "CREDIT_CARD_NUMBER", "VAT_NUMBER",
		"AUTH_TOKEN", "ENCRYPTION_KEY", "PASSWORD", "HTTP_COOKIE", "ORGANIZATION_NAME", "MARITAL_STATUS", "ICD10_CODE"} {
		if byName[n] == nil {
			t.Errorf("ListInfoTypes lacks the documented global infoType %s", n)
		}
	}
	// Every built-in detector is listed as detected.
	for _, b := range builtinList {
		d := byName[b.name]
		if d == nil || !strings.HasSuffix(d.GetDescription(), markDetected) {
			t.Errorf("built-in %s not listed as detected: %v", b.name, d)
		}
	}
	for _, d := range resp.GetInfoTypes() {
		desc := d.GetDescription()
		detected := strings.HasSuffix(desc, markDetected) || strings.Contains(desc, "Emulator: approximated by")
		if !detected && !strings.HasSuffix(desc, markNotDetected) {
			t.Errorf("%s carries no emulator marker: %q", d.GetName(), desc)
			continue
		}
		r, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem("x"),
			InspectConfig: &dlppb.InspectConfig{InfoTypes: its(d.GetName())}})
		switch {
		case detected && err != nil:
			t.Errorf("%s is marked detected but refused: %v", d.GetName(), err)
		case !detected && (codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), d.GetName())):
			t.Errorf("%s is marked not detected; want UNIMPLEMENTED naming it, got %v %v", d.GetName(), r, err)
		}
		if detected && d.GetExample() != "" && strings.HasSuffix(desc, markDetected) {
			r, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem(d.GetExample()),
				InspectConfig: &dlppb.InspectConfig{InfoTypes: its(d.GetName()), MinLikelihood: dlppb.Likelihood_VERY_UNLIKELY}})
			if err != nil || len(r.GetResult().GetFindings()) == 0 {
				t.Errorf("%s: its own example %q finds nothing (%v)", d.GetName(), d.GetExample(), err)
			}
		}
	}
	// The same refusal in an exclusion rule, and a plain typo stays
	// INVALID_ARGUMENT.
	_, err = c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem("x"), InspectConfig: &dlppb.InspectConfig{
		InfoTypes: its("PERSON_NAME"),
		RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"PERSON_NAME"}, dlppb.MatchingType_MATCHING_TYPE_PARTIAL_MATCH,
			&dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_ExcludeInfoTypes{ExcludeInfoTypes: &dlppb.ExcludeInfoTypes{InfoTypes: its("ORGANIZATION_NAME")}}})}}})
	if codeOf(err) != codes.Unimplemented || !strings.Contains(err.Error(), "ORGANIZATION_NAME") {
		t.Errorf("undetected type in exclude_info_types: %v", err)
	}
	if _, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem("x"),
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADRESS")}}); codeOf(err) != codes.InvalidArgument {
		t.Errorf("misspelt infoType: %v", err)
	}
}
