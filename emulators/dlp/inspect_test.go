package dlp

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func regexType(name, pattern string) *dlppb.CustomInfoType {
	return &dlppb.CustomInfoType{InfoType: &dlppb.InfoType{Name: name}, Type: &dlppb.CustomInfoType_Regex_{Regex: &dlppb.CustomInfoType_Regex{Pattern: pattern}}}
}

func dictType(name string, words ...string) *dlppb.CustomInfoType {
	return &dlppb.CustomInfoType{InfoType: &dlppb.InfoType{Name: name}, Type: &dlppb.CustomInfoType_Dictionary_{Dictionary: &dlppb.CustomInfoType_Dictionary{
		Source: &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: words}}}}}
}

func quotes(r *dlppb.InspectContentResponse) []string {
	var out []string
	for _, f := range r.GetResult().GetFindings() {
		out = append(out, f.GetInfoType().GetName()+":"+f.GetQuote())
	}
	return out
}

func exclusionRS(types []string, m dlppb.MatchingType, rule *dlppb.ExclusionRule) *dlppb.InspectionRuleSet {
	rule.MatchingType = m
	return &dlppb.InspectionRuleSet{InfoTypes: its(types...), Rules: []*dlppb.InspectionRule{{Type: &dlppb.InspectionRule_ExclusionRule{ExclusionRule: rule}}}}
}

func TestInspectConfigFeatures(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	hot := &dlppb.InspectionRuleSet{InfoTypes: its("PATIENT_ID"), Rules: []*dlppb.InspectionRule{{Type: &dlppb.InspectionRule_HotwordRule{HotwordRule: &dlppb.CustomInfoType_DetectionRule_HotwordRule{
		HotwordRegex:         &dlppb.CustomInfoType_Regex{Pattern: "(?i)patient"},
		Proximity:            &dlppb.CustomInfoType_DetectionRule_Proximity{WindowBefore: 20},
		LikelihoodAdjustment: &dlppb.CustomInfoType_DetectionRule_LikelihoodAdjustment{Adjustment: &dlppb.CustomInfoType_DetectionRule_LikelihoodAdjustment_FixedLikelihood{FixedLikelihood: dlppb.Likelihood_VERY_LIKELY}},
	}}}}}
	cases := []struct {
		name string
		text string
		cfg  *dlppb.InspectConfig
		want []string
	}{
		{"regex", "ids: AB-1234 and CD-5678", &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{regexType("CODE", `[A-Z]{2}-\d{4}`)}}, []string{"CODE:AB-1234", "CODE:CD-5678"}},
		{"regex group", "user=alice; user=bob", &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: "USER"}, Type: &dlppb.CustomInfoType_Regex_{Regex: &dlppb.CustomInfoType_Regex{Pattern: `user=(\w+)`, GroupIndexes: []int32{1}}}}}}, []string{"USER:alice", "USER:bob"}},
		// Dictionary: case-insensitive, whole tokens only, phrases span separators.
		{"dictionary", "Project Apollo and apollo-11; not apollonian. Blue  Sky!", &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{dictType("CODENAME", "apollo", "blue sky")}}, []string{"CODENAME:Apollo", "CODENAME:apollo", "CODENAME:Blue  Sky"}},
		{"min likelihood", "ssn 536 22 7134 and 536-22-7134", &dlppb.InspectConfig{InfoTypes: its("US_SOCIAL_SECURITY_NUMBER"), MinLikelihood: dlppb.Likelihood_VERY_LIKELY}, []string{"US_SOCIAL_SECURITY_NUMBER:536 22 7134", "US_SOCIAL_SECURITY_NUMBER:536-22-7134"}},
		{"min likelihood drops", "id 536 22 7134", &dlppb.InspectConfig{InfoTypes: its("US_SOCIAL_SECURITY_NUMBER"), MinLikelihood: dlppb.Likelihood_LIKELY}, nil},
		{"max findings", "a@x.com b@x.com c@x.com", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), Limits: &dlppb.InspectConfig_FindingLimits{MaxFindingsPerRequest: 2}}, []string{"EMAIL_ADDRESS:a@x.com", "EMAIL_ADDRESS:b@x.com"}},
		{"max per infoType", "a@x.com b@x.com 10.0.0.1 10.0.0.2", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS", "IP_ADDRESS"), Limits: &dlppb.InspectConfig_FindingLimits{MaxFindingsPerInfoType: []*dlppb.InspectConfig_FindingLimits_InfoTypeLimit{{InfoType: &dlppb.InfoType{Name: "EMAIL_ADDRESS"}, MaxFindings: 1}}}}, []string{"EMAIL_ADDRESS:a@x.com", "IP_ADDRESS:10.0.0.1", "IP_ADDRESS:10.0.0.2"}},
		{"hotword rule", "patient 12345 and order 67890", &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: "PATIENT_ID"}, Likelihood: dlppb.Likelihood_POSSIBLE, Type: &dlppb.CustomInfoType_Regex_{Regex: &dlppb.CustomInfoType_Regex{Pattern: `\d{5}`}}}}, MinLikelihood: dlppb.Likelihood_VERY_LIKELY, RuleSet: []*dlppb.InspectionRuleSet{hot}}, []string{"PATIENT_ID:12345"}},
		{"exclude regex full", "a@example.com b@corp.io", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"EMAIL_ADDRESS"}, dlppb.MatchingType_MATCHING_TYPE_FULL_MATCH, &dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_Regex{Regex: &dlppb.CustomInfoType_Regex{Pattern: `.+@example\.com`}}})}}, []string{"EMAIL_ADDRESS:b@corp.io"}},
		{"exclude regex partial", "a@example.com b@corp.io", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"EMAIL_ADDRESS"}, dlppb.MatchingType_MATCHING_TYPE_PARTIAL_MATCH, &dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_Regex{Regex: &dlppb.CustomInfoType_Regex{Pattern: `corp`}}})}}, []string{"EMAIL_ADDRESS:a@example.com"}},
		{"exclude regex inverse", "a@example.com b@corp.io", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"EMAIL_ADDRESS"}, dlppb.MatchingType_MATCHING_TYPE_INVERSE_MATCH, &dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_Regex{Regex: &dlppb.CustomInfoType_Regex{Pattern: `corp`}}})}}, []string{"EMAIL_ADDRESS:b@corp.io"}},
		{"exclude dictionary", "a@example.com b@corp.io", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"EMAIL_ADDRESS"}, dlppb.MatchingType_MATCHING_TYPE_FULL_MATCH, &dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_Dictionary{Dictionary: &dlppb.CustomInfoType_Dictionary{Source: &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: []string{"a@example.com"}}}}}})}}, []string{"EMAIL_ADDRESS:b@corp.io"}},
		// A custom "host" type that must not fire inside email addresses.
		{"exclude infoTypes", "mail a@x.com, site y.com", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), CustomInfoTypes: []*dlppb.CustomInfoType{regexType("HOST", `[a-z]+\.com`)}, RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"HOST"}, dlppb.MatchingType_MATCHING_TYPE_PARTIAL_MATCH, &dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_ExcludeInfoTypes{ExcludeInfoTypes: &dlppb.ExcludeInfoTypes{InfoTypes: its("EMAIL_ADDRESS")}}})}}, []string{"EMAIL_ADDRESS:a@x.com", "HOST:y.com"}},
		{"exclusion type exclude", "AB-1234 x@y.com", &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: "HIDDEN"}, ExclusionType: dlppb.CustomInfoType_EXCLUSION_TYPE_EXCLUDE, Type: &dlppb.CustomInfoType_Regex_{Regex: &dlppb.CustomInfoType_Regex{Pattern: `AB-\d+`}}}}}, []string{"EMAIL_ADDRESS:x@y.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.IncludeQuote = true
			resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: tc.cfg, Item: textItem(tc.text)})
			if err != nil {
				t.Fatal(err)
			}
			got := quotes(resp)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if tc.name == "max findings" && !resp.GetResult().GetFindingsTruncated() {
				t.Fatal("findings_truncated not set")
			}
		})
	}
}

func TestBuiltinExamples(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	cases := []struct{ text, it, quote string }{
		{"card 4111 1111 1111 1111 ok", "CREDIT_CARD_NUMBER", "4111 1111 1111 1111"},
		{"amex 378282246310005.", "CREDIT_CARD_NUMBER", "378282246310005"},
		{"ssn: 536-22-7134", "US_SOCIAL_SECURITY_NUMBER", "536-22-7134"},
		{"host 192.168.10.1 up", "IP_ADDRESS", "192.168.10.1"},
		{"v6 2001:db8::8a2e:370:7334 up", "IP_ADDRESS", "2001:db8::8a2e:370:7334"},
		{"mac 00:1A:2B:3C:4D:5E", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E"},
		{"iban GB82 WEST 1234 5698 7654 32.", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"},
		{"swift DEUTDEFF500", "SWIFT_CODE", "DEUTDEFF500"},
		{"see https://example.com/a?b=1.", "URL", "https://example.com/a?b=1"},
		{"domain example.org is up", "DOMAIN_NAME", "example.org"},
		{"due 2024-02-29", "DATE", "2024-02-29"},
		{"born on March 3, 1990", "DATE_OF_BIRTH", "March 3, 1990"},
		{"he is 42 years old", "AGE", "42"},
		{"signed by Maria Garcia.", "PERSON_NAME", "Maria Garcia"},
		{"at 1600 Amphitheatre Parkway, Mountain View, CA 94043", "STREET_ADDRESS", "1600 Amphitheatre Parkway, Mountain View, CA 94043"},
		{"imei 490154203237518", "IMEI_HARDWARE_ID", "490154203237518"},
		{"vin 1M8GDM9AXKP042788", "VEHICLE_IDENTIFICATION_NUMBER", "1M8GDM9AXKP042788"},
		{"itin 912-70-1234", "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER", "912-70-1234"},
		{"EIN 12-3456789", "US_EMPLOYER_IDENTIFICATION_NUMBER", "12-3456789"},
		{"passport 912803456", "PASSPORT", "912803456"},
		{"key AIzaSyA1234567890abcdefghijklmnopqrstu1", "GCP_API_KEY", "AIzaSyA1234567890abcdefghijklmnopqrstu1"},
		{"jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x", "JSON_WEB_TOKEN", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
	}
	for _, tc := range cases {
		t.Run(tc.it, func(t *testing.T) {
			resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: &dlppb.InspectConfig{InfoTypes: its(tc.it), IncludeQuote: true}, Item: textItem(tc.text)})
			if err != nil {
				t.Fatal(err)
			}
			got := quotes(resp)
			if len(got) != 1 || got[0] != tc.it+":"+tc.quote {
				t.Fatalf("got %q", got)
			}
		})
	}
	// Near-misses are not reported.
	for _, text := range []string{"4111 1111 1111 1112", "666-22-7134", "GB82 WEST 1234 5698 7654 33", "1M8GDM9A1KP042788", "490154203237519", "300.1.1.1"} {
		resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: &dlppb.InspectConfig{IncludeQuote: true}, Item: textItem("x " + text + " y")})
		if err != nil {
			t.Fatal(err)
		}
		if q := quotes(resp); len(q) != 0 {
			t.Errorf("%q: unexpected %q", text, q)
		}
	}
}

func TestErrorsAndLimits(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	big := strings.Repeat("a", 600<<10)
	_, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem(big)})
	if codeOf(err) != codes.InvalidArgument {
		t.Fatalf("big request: %v", err)
	}
	tbl := &dlppb.Table{Headers: []*dlppb.FieldId{{Name: "a"}}}
	for i := 0; i < 50001; i++ {
		tbl.Rows = append(tbl.Rows, &dlppb.Table_Row{Values: []*dlppb.Value{intValue(1)}})
	}
	_, err = c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: tbl}}})
	if codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "50000") {
		t.Fatalf("big table: %v", err)
	}
	for name, cfg := range map[string]*dlppb.InspectConfig{
		"unknown infoType": {InfoTypes: its("NOT_A_TYPE")},
		"bad regex":        {CustomInfoTypes: []*dlppb.CustomInfoType{regexType("X", "(")}},
		"short dictionary": {CustomInfoTypes: []*dlppb.CustomInfoType{dictType("X", "a")}},
	} {
		_, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: cfg, Item: textItem("x")})
		if codeOf(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = c.HybridInspectDlpJob(ctx, &dlppb.HybridInspectDlpJobRequest{Name: parent + "/dlpJobs/i-1"})
	if codeOf(err) != codes.NotFound {
		t.Fatalf("HybridInspectDlpJob on an unknown job: %v", err)
	}
	// FPE on a value outside the alphabet fails the request by default
	// and is left untransformed (with an ERROR summary) when asked.
	fpe := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig{CryptoReplaceFfxFpeConfig: &dlppb.CryptoReplaceFfxFpeConfig{
		CryptoKey: unwrappedKey(), Alphabet: &dlppb.CryptoReplaceFfxFpeConfig_CommonAlphabet{CommonAlphabet: dlppb.CryptoReplaceFfxFpeConfig_NUMERIC}}}}
	cfg := itt([]string{"EMAIL_ADDRESS"}, fpe)
	_, err = c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: textItem("a@b.com")})
	if codeOf(err) != codes.InvalidArgument {
		t.Fatalf("fpe error: %v", err)
	}
	cfg.TransformationErrorHandling = &dlppb.TransformationErrorHandling{Mode: &dlppb.TransformationErrorHandling_LeaveUntransformed_{LeaveUntransformed: &dlppb.TransformationErrorHandling_LeaveUntransformed{}}}
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: textItem("a@b.com")})
	if err != nil || resp.GetItem().GetValue() != "a@b.com" || resp.GetOverview().GetTransformationSummaries()[0].GetResults()[0].GetCode() != dlppb.TransformationSummary_ERROR {
		t.Fatalf("leave untransformed: %v %v", resp, err)
	}
}

func TestTemplatesAndListInfoTypes(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	it, err := c.CreateInspectTemplate(ctx, &dlppb.CreateInspectTemplateRequest{Parent: parent, TemplateId: "emails",
		InspectTemplate: &dlppb.InspectTemplate{DisplayName: "e", InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), IncludeQuote: true}}})
	if err != nil || it.GetName() != parent+"/inspectTemplates/emails" {
		t.Fatalf("create: %v %v", it, err)
	}
	if _, err := c.CreateInspectTemplate(ctx, &dlppb.CreateInspectTemplateRequest{Parent: parent, TemplateId: "emails", InspectTemplate: &dlppb.InspectTemplate{}}); codeOf(err) != codes.AlreadyExists {
		t.Fatalf("duplicate: %v", err)
	}
	dt, err := c.CreateDeidentifyTemplate(ctx, &dlppb.CreateDeidentifyTemplateRequest{Parent: "projects/p", TemplateId: "mask",
		DeidentifyTemplate: &dlppb.DeidentifyTemplate{DeidentifyConfig: itt(nil, replaceWithInfoType())}})
	if err != nil || dt.GetName() != "projects/p/deidentifyTemplates/mask" {
		t.Fatalf("create deid: %v %v", dt, err)
	}
	// Templates by name; the request's info types are appended to the template's.
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, InspectTemplateName: it.GetName(), DeidentifyTemplateName: dt.GetName(),
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("PHONE_NUMBER")},
		Item:          textItem("a@b.com 415-555-0132 10.1.1.1")})
	if err != nil || resp.GetItem().GetValue() != "[EMAIL_ADDRESS] [PHONE_NUMBER] 10.1.1.1" {
		t.Fatalf("deidentify by template: %v %v", resp, err)
	}
	up, err := c.UpdateInspectTemplate(ctx, &dlppb.UpdateInspectTemplateRequest{Name: it.GetName(), InspectTemplate: &dlppb.InspectTemplate{DisplayName: "renamed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil || up.GetDisplayName() != "renamed" || len(up.GetInspectConfig().GetInfoTypes()) != 1 || !up.GetUpdateTime().AsTime().After(it.GetCreateTime().AsTime()) {
		t.Fatalf("update: %v %v", up, err)
	}
	got, err := c.GetInspectTemplate(ctx, &dlppb.GetInspectTemplateRequest{Name: "projects/p/inspectTemplates/emails"})
	if err != nil || got.GetDisplayName() != "renamed" {
		t.Fatalf("get (location-less name): %v %v", got, err)
	}
	var names []string
	iter := c.ListDeidentifyTemplates(ctx, &dlppb.ListDeidentifyTemplatesRequest{Parent: parent})
	for {
		x, err := iter.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, x.GetName())
	}
	if len(names) != 1 {
		t.Fatalf("list: %v", names)
	}
	if err := c.DeleteDeidentifyTemplate(ctx, &dlppb.DeleteDeidentifyTemplateRequest{Name: dt.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDeidentifyTemplate(ctx, &dlppb.GetDeidentifyTemplateRequest{Name: dt.GetName()}); codeOf(err) != codes.NotFound {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyTemplateName: dt.GetName(), Item: textItem("x")}); codeOf(err) != codes.NotFound {
		t.Fatalf("missing template: %v", err)
	}
	lr, err := c.ListInfoTypes(ctx, &dlppb.ListInfoTypesRequest{})
	if err != nil || len(lr.GetInfoTypes()) != len(documentedTypes) {
		t.Fatalf("list info types: %d %v", len(lr.GetInfoTypes()), err)
	}
}

// Column names act as context words for the cells under them.
func TestTableHeaderContext(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	tbl := table([]string{"ssn", "phone", "age", "note"},
		[]*dlppb.Value{strValue("536227134"), strValue("4155550132"), intValue(34), strValue("536227134")},
	)
	resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: &dlppb.InspectConfig{IncludeQuote: true},
		Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: tbl}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range resp.GetResult().GetFindings() {
		col := f.GetLocation().GetContentLocations()[0].GetRecordLocation().GetFieldId().GetName()
		got[col] = f.GetInfoType().GetName() + ":" + f.GetQuote()
		if f.GetLocation().GetByteRange().GetStart() != 0 {
			t.Errorf("%s: byte range %v must be relative to the cell", col, f.GetLocation().GetByteRange())
		}
	}
	want := map[string]string{"ssn": "US_SOCIAL_SECURITY_NUMBER:536227134", "phone": "PHONE_NUMBER:4155550132", "age": "AGE:34"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("column %s: got %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["note"]; ok {
		t.Errorf("a bare 9-digit number without context must not be an SSN: %v", got["note"])
	}
}

func TestStreetAddressForms(t *testing.T) {
	ins, _ := newInspector(&dlppb.InspectConfig{InfoTypes: its("STREET_ADDRESS")})
	for in, want := range map[string]string{
		"ship to 123 N. Main St, Apt 4B, Springfield, IL 62704 today": "123 N. Main St, Apt 4B, Springfield, IL 62704",
		"at 77 Massachusetts Avenue Suite 200 now":                    "77 Massachusetts Avenue Suite 200",
		"office 9 SW Oak Street #12.":                                 "9 SW Oak Street #12",
		"we sold 12 Apples Street vendors":                            "12 Apples Street",
		"we sold 12 apples yesterday":                                 "",
	} {
		got := ""
		for _, s := range ins.scanText(in) {
			got = in[s.start:s.end]
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
