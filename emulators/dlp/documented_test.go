package dlp

import (
	"context"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
)

// Inputs and outputs taken from the DLP API reference (field documentation
// of CharacterMaskConfig, RedactConfig, FixedSizeBucketingConfig and the
// surrogate annotation), restated as tests.
func TestDocumentedExamples(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	custom := func(p string) *dlppb.InspectConfig {
		return &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{regexType("TOKEN", p)}}
	}
	const card = `\d{4}-\d{4}-\d{4}-\d{4}`
	for _, tc := range []struct {
		name, in, want string
		ic             *dlppb.InspectConfig
		pt             *dlppb.PrimitiveTransformation
	}{
		{"mask 14 with 0", "1234-5678-9012-3456", "00000000000000-3456", custom(card), maskPT("0", 14, false, "")},
		{"mask 3 reverse", "12345", "12***", custom(`\d{5}`), maskPT("*", 3, true, "")},
		{"inverse mask", "1234-5678-9012-3456", "****-****-****-3456", custom(card), maskPT("*", -4, false, "-")},
		{"inverse mask reverse", "1234-5678-9012-3456", "1234-****-****-****", custom(card), maskPT("*", -4, true, "-")},
		{"skip dashes", "555-555-5555", "***-**5-5555", custom(`\d{3}-\d{3}-\d{4}`), maskPT("*", 5, false, "-")},
		{"redact phone", "My phone number is 206-555-0123", "My phone number is ", &dlppb.InspectConfig{InfoTypes: its("PHONE_NUMBER")}, &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_RedactConfig{RedactConfig: &dlppb.RedactConfig{}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, InspectConfig: tc.ic, DeidentifyConfig: itt(nil, tc.pt), Item: textItem(tc.in)})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetItem().GetValue(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}

	// lower 10, upper 89, size 10: -10, 10-20, …, 80-89, 89+ in the
	// reference; the live service writes the inner buckets lower:upper
	// (TestSampleFixedSizeBucketingLabels), so 10:20 … 80:89.
	fixed := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_FixedSizeBucketingConfig{FixedSizeBucketingConfig: &dlppb.FixedSizeBucketingConfig{
		LowerBound: intValue(10), UpperBound: intValue(89), BucketSize: 10}}}
	var rows [][]*dlppb.Value
	for _, v := range []int64{5, 10, 37, 85, 95} {
		rows = append(rows, []*dlppb.Value{intValue(v)})
	}
	cfg := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{fieldPT([]string{"n"}, fixed, nil)}}}}
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: table([]string{"n"}, rows...)}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"-10", "10:20", "30:40", "80:89", "89+"} {
		if got := valueText(resp.GetItem().GetTable().GetRows()[i].GetValues()[0]); got != want {
			t.Errorf("bucket %d = %q, want %q", i, got, want)
		}
	}

	// Surrogate annotation: NAME(character count):surrogate.
	if got := surrogateWrap("MY_TOKEN_INFO_TYPE", "abc"); got != "MY_TOKEN_INFO_TYPE(3):abc" {
		t.Errorf("surrogate = %q", got)
	}
	var found []span
	found = findSurrogates("x MY_TOKEN_INFO_TYPE(3):abc y", "MY_TOKEN_INFO_TYPE", found)
	if len(found) != 1 || found[0].start != 2 || found[0].end != 27 {
		t.Errorf("surrogate finding %v", found)
	}

	// Crypto hash keys must be 32 or 64 bytes.
	k16 := &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Unwrapped{Unwrapped: &dlppb.UnwrappedCryptoKey{Key: make([]byte, 16)}}}
	_, err = c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt(nil, hashPT(k16)), Item: textItem("a@b.com")})
	if codeOf(err) != codes.InvalidArgument {
		t.Errorf("16-byte hash key: %v", err)
	}
}

// FPE in a table with an integer context: same id and context give the same
// surrogate, another context a different one, and ReidentifyContent
// reverses it.
func TestFPEContextTable(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	fpe := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig{CryptoReplaceFfxFpeConfig: &dlppb.CryptoReplaceFfxFpeConfig{
		CryptoKey: unwrappedKey(), Context: &dlppb.FieldId{Name: "tenant"},
		Alphabet: &dlppb.CryptoReplaceFfxFpeConfig_CustomAlphabet{CustomAlphabet: "0123456789-"}}}}
	cfg := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{fieldPT([]string{"acct"}, fpe, nil)}}}}
	in := table([]string{"tenant", "acct"},
		[]*dlppb.Value{intValue(1), strValue("4021-7733")},
		[]*dlppb.Value{intValue(1), strValue("4021-7733")},
		[]*dlppb.Value{intValue(2), strValue("4021-7733")},
	)
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: in}}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetItem().GetTable().GetRows()
	a, b, d := valueText(r[0].GetValues()[1]), valueText(r[1].GetValues()[1]), valueText(r[2].GetValues()[1])
	if a != b || a == d || len(a) != 9 || a == "4021-7733" {
		t.Fatalf("fpe outputs %q %q %q", a, b, d)
	}
	back, err := c.ReidentifyContent(ctx, &dlppb.ReidentifyContentRequest{Parent: parent, ReidentifyConfig: cfg, Item: resp.GetItem()})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range back.GetItem().GetTable().GetRows() {
		if valueText(row.GetValues()[1]) != "4021-7733" {
			t.Errorf("row %d reidentified %q", i, valueText(row.GetValues()[1]))
		}
	}
}
