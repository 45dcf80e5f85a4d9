package dlp

import (
	"context"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// Cases restated from Google's published DLP sample programs and their
// tests (python-docs-samples dlp/snippets and java-docs-samples dlp), which
// run against the live service, and from the DLP API reference where the
// live service's behaviour is documented. Each expected value below is the
// one those tests assert; the request shapes are the samples' own.

func samplesTable() *dlppb.Table {
	// TABLE_DATA of python-docs-samples dlp/snippets/deid_test.py: every cell
	// is a string_value, as the sample builds it.
	return table([]string{"age", "patient", "happiness_score", "factoid"},
		[]*dlppb.Value{strValue("101"), strValue("Charles Dickens"), strValue("95"), strValue("Charles Dickens name was a curse invented by Shakespeare.")},
		[]*dlppb.Value{strValue("22"), strValue("Jane Austen"), strValue("21"), strValue("There are 14 kisses in Jane Austen's novels.")},
		[]*dlppb.Value{strValue("90"), strValue("Mark Twain"), strValue("75"), strValue("Mark Twain loved cats.")},
	)
}

func tableItem(t *dlppb.Table) *dlppb.ContentItem {
	return &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: t}}
}

func recordPT(fields []string, pt *dlppb.PrimitiveTransformation) *dlppb.DeidentifyConfig {
	return &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{fieldPT(fields, pt, nil)}}}}
}

func column(tb *dlppb.Table, c int) []string {
	var out []string
	for _, r := range tb.GetRows() {
		out = append(out, valueText(r.GetValues()[c]))
	}
	return out
}

// deidentify_table_bucketing (Python) / DeIdentifyTableWithBucketingConfig
// (Java): happiness_score bucketed with size 10 over [0, 100); the tests
// assert "90:100", "20:30" and "70:80".
func TestSampleFixedSizeBucketingLabels(t *testing.T) {
	_, c := start(t, Options{})
	fixed := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_FixedSizeBucketingConfig{FixedSizeBucketingConfig: &dlppb.FixedSizeBucketingConfig{
		LowerBound: intValue(0), UpperBound: intValue(100), BucketSize: 10}}}
	resp, err := c.DeidentifyContent(context.Background(), &dlppb.DeidentifyContentRequest{Parent: parent,
		DeidentifyConfig: recordPT([]string{"happiness_score"}, fixed), Item: tableItem(samplesTable())})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := column(resp.GetItem().GetTable(), 2), []string{"90:100", "20:30", "70:80"}; !slices.Equal(got, want) {
		t.Fatalf("buckets = %q, want %q", got, want)
	}
}

// DeIdentifyWithTimeExtraction (Java): YEAR of the STRING cell "01/01/1970"
// is the string "1970"; a DATE cell gives an integer.
func TestSampleTimePartOfStringStaysString(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	for _, part := range []dlppb.TimePartConfig_TimePart{dlppb.TimePartConfig_YEAR, dlppb.TimePartConfig_MONTH, dlppb.TimePartConfig_DAY_OF_MONTH} {
		pt := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_TimePartConfig{TimePartConfig: &dlppb.TimePartConfig{PartToExtract: part}}}
		in := table([]string{"Name", "Birth Date", "Register Date"},
			[]*dlppb.Value{strValue("Ann"), strValue("01/01/1970"), strValue("07/21/1996")},
			[]*dlppb.Value{strValue("James"), strValue("03/06/1988"), strValue("04/09/2001")},
		)
		resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent,
			DeidentifyConfig: recordPT([]string{"Birth Date", "Register Date"}, pt), Item: tableItem(in)})
		if err != nil {
			t.Fatal(err)
		}
		want := map[dlppb.TimePartConfig_TimePart][]string{
			dlppb.TimePartConfig_YEAR:         {"1970", "1996", "1988", "2001"},
			dlppb.TimePartConfig_MONTH:        {"1", "7", "3", "4"},
			dlppb.TimePartConfig_DAY_OF_MONTH: {"1", "21", "6", "9"},
		}[part]
		var got []string
		for _, r := range resp.GetItem().GetTable().GetRows() {
			for _, v := range r.GetValues()[1:] {
				s, ok := v.GetType().(*dlppb.Value_StringValue)
				if !ok {
					t.Fatalf("%v of a STRING cell = %v, want a string_value", part, v)
				}
				got = append(got, s.StringValue)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v = %q, want %q", part, got, want)
		}
	}
}

// inspect_string_without_overlap (Python) / InspectStringWithoutOverlap
// (Java): DOMAIN_NAME is found inside the e-mail address by the live
// service; EMAIL_ADDRESS declared as an EXCLUDE custom infoType extending
// the built-in, plus an exclusion rule, leaves only "example.com".
func TestSampleDomainInsideEmailAndExcludeExtension(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	const text = "example.com is a domain, james@example.org is an email."

	plain, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem(text),
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("DOMAIN_NAME", "EMAIL_ADDRESS"), IncludeQuote: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := quotes(plain)
	for _, want := range []string{"DOMAIN_NAME:example.com", "DOMAIN_NAME:example.org", "EMAIL_ADDRESS:james@example.org"} {
		if !slices.Contains(got, want) {
			t.Errorf("findings %q lack %q", got, want)
		}
	}

	cfg := &dlppb.InspectConfig{
		InfoTypes: its("DOMAIN_NAME", "EMAIL_ADDRESS"),
		CustomInfoTypes: []*dlppb.CustomInfoType{{
			InfoType:      &dlppb.InfoType{Name: "EMAIL_ADDRESS"},
			ExclusionType: dlppb.CustomInfoType_EXCLUSION_TYPE_EXCLUDE,
		}},
		RuleSet: []*dlppb.InspectionRuleSet{exclusionRS([]string{"DOMAIN_NAME"}, dlppb.MatchingType_MATCHING_TYPE_PARTIAL_MATCH,
			&dlppb.ExclusionRule{Type: &dlppb.ExclusionRule_ExcludeInfoTypes{ExcludeInfoTypes: &dlppb.ExcludeInfoTypes{InfoTypes: its("EMAIL_ADDRESS")}}})},
		IncludeQuote: true,
	}
	resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem(text), InspectConfig: cfg})
	if err != nil {
		t.Fatalf("the sample's config is refused: %v", err)
	}
	if got := quotes(resp); !slices.Equal(got, []string{"DOMAIN_NAME:example.com"}) {
		t.Fatalf("findings = %q, want only DOMAIN_NAME:example.com", got)
	}

	// A detector-less custom infoType must name a requested built-in.
	_, err = c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem(text), InspectConfig: &dlppb.InspectConfig{
		InfoTypes:       its("DOMAIN_NAME"),
		CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: "NOT_A_TYPE"}}}}})
	if err == nil || !strings.Contains(err.Error(), "NOT_A_TYPE") {
		t.Errorf("detector-less custom type not named in the error: %v", err)
	}

	// Extending a built-in with a regex adds findings to the built-in's.
	resp, err = c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem("mail james@example.org or james at example dot org"), InspectConfig: &dlppb.InspectConfig{
		InfoTypes:       its("EMAIL_ADDRESS"),
		CustomInfoTypes: []*dlppb.CustomInfoType{regexType("EMAIL_ADDRESS", `\w+ at \w+ dot org`)}, IncludeQuote: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := quotes(resp); !slices.Equal(got, []string{"EMAIL_ADDRESS:james@example.org", "EMAIL_ADDRESS:james at example dot org"}) {
		t.Errorf("extended EMAIL_ADDRESS findings = %q", got)
	}
}

// CustomInfoType.Dictionary in the API reference: "the dictionary word
// "jen" will match the first three letters of the text "jen123" but will
// return no matches for "jennifer"", and "Sam Johnson" matches "sam
// johnson", "Sam, Johnson" and "Sam (Johnson)".
func TestDocumentedDictionaryBoundaries(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		word, text string
		want       []string
	}{
		{"jen", "jen123", []string{"jen"}},
		{"jen", "jennifer", nil},
		{"jen", "user 42jen here", []string{"jen"}},
		{"123", "abc123def", []string{"123"}},
		{"123", "1234", nil},
		{"Sam Johnson", "sam johnson, Sam, Johnson and Sam (Johnson)", []string{"sam johnson", "Sam, Johnson", "Sam (Johnson"}},
		{"jen123", "jen123 and jen 123", []string{"jen123"}},
	} {
		resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, Item: textItem(tc.text),
			InspectConfig: &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{dictType("D", tc.word)}, IncludeQuote: true}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range resp.GetResult().GetFindings() {
			got = append(got, f.GetQuote())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("word %q in %q: %q, want %q", tc.word, tc.text, got, tc.want)
		}
	}
}

// deidentify_table_with_info_types (Python) / DeIdentifyTableInfoTypes
// (Java): PERSON_NAME replaced in the patient and factoid columns; the
// tests assert the three factoid strings below.
func TestSampleTablePersonNames(t *testing.T) {
	_, c := start(t, Options{})
	itts := &dlppb.InfoTypeTransformations{Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{
		InfoTypes: its("PERSON_NAME"), PrimitiveTransformation: replaceWithInfoType()}}}
	cfg := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{{Fields: []*dlppb.FieldId{{Name: "patient"}, {Name: "factoid"}},
			Transformation: &dlppb.FieldTransformation_InfoTypeTransformations{InfoTypeTransformations: itts}}}}}}
	resp, err := c.DeidentifyContent(context.Background(), &dlppb.DeidentifyContentRequest{Parent: parent,
		InspectConfig: &dlppb.InspectConfig{InfoTypes: its("PERSON_NAME")}, DeidentifyConfig: cfg, Item: tableItem(samplesTable())})
	if err != nil {
		t.Fatal(err)
	}
	tb := resp.GetItem().GetTable()
	if got, want := column(tb, 1), []string{"[PERSON_NAME]", "[PERSON_NAME]", "[PERSON_NAME]"}; !slices.Equal(got, want) {
		t.Errorf("patient = %q, want %q", got, want)
	}
	want := []string{
		"[PERSON_NAME] name was a curse invented by [PERSON_NAME].",
		"There are 14 kisses in [PERSON_NAME] novels.",
		"[PERSON_NAME] loved cats.",
	}
	if got := column(tb, 3); !slices.Equal(got, want) {
		t.Errorf("factoid = %q\nwant      %q", got, want)
	}
}
