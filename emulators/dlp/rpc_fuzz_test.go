package dlp

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The RPC targets decode a fuzzed request (protobuf wire bytes, as gRPC
// delivers them) and call the handler in process, no gRPC server: a panic
// there is answered INTERNAL "emulator panic" by recoverInternal, so that
// answer is the crash these targets look for.

func addProtoSeeds(f *testing.F, ms ...proto.Message) {
	for _, m := range ms {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func noPanic(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	st, _ := status.FromError(err)
	if st.Code() == codes.Internal || st.Code() == codes.Unknown || strings.Contains(st.Message(), "emulator panic") {
		t.Fatalf("handler failed internally: %v", err)
	}
}

func inspectSeeds() []proto.Message {
	custom := &dlppb.InspectConfig{
		InfoTypes:    []*dlppb.InfoType{{Name: "EMAIL_ADDRESS"}, {Name: "PHONE_NUMBER"}},
		IncludeQuote: true,
		CustomInfoTypes: []*dlppb.CustomInfoType{
			{InfoType: &dlppb.InfoType{Name: "ORDER_ID"}, Type: &dlppb.CustomInfoType_Regex_{Regex: &dlppb.CustomInfoType_Regex{Pattern: `ORD-(\d{6})`, GroupIndexes: []int32{1}}},
				DetectionRules: []*dlppb.CustomInfoType_DetectionRule{{Type: &dlppb.CustomInfoType_DetectionRule_HotwordRule_{HotwordRule: &dlppb.CustomInfoType_DetectionRule_HotwordRule{
					HotwordRegex: &dlppb.CustomInfoType_Regex{Pattern: "(?i)order"}, Proximity: &dlppb.CustomInfoType_DetectionRule_Proximity{WindowBefore: 10},
					LikelihoodAdjustment: &dlppb.CustomInfoType_DetectionRule_LikelihoodAdjustment{Adjustment: &dlppb.CustomInfoType_DetectionRule_LikelihoodAdjustment_FixedLikelihood{FixedLikelihood: dlppb.Likelihood_VERY_LIKELY}}}}}}},
			{InfoType: &dlppb.InfoType{Name: "CITY"}, Type: &dlppb.CustomInfoType_Dictionary_{Dictionary: &dlppb.CustomInfoType_Dictionary{
				Source: &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: []string{"Zürich", "new york", "São Paulo"}}}}}},
		},
		RuleSet: []*dlppb.InspectionRuleSet{{InfoTypes: []*dlppb.InfoType{{Name: "EMAIL_ADDRESS"}}, Rules: []*dlppb.InspectionRule{{Type: &dlppb.InspectionRule_ExclusionRule{ExclusionRule: &dlppb.ExclusionRule{
			MatchingType: dlppb.MatchingType_MATCHING_TYPE_PARTIAL_MATCH,
			Type:         &dlppb.ExclusionRule_Regex{Regex: &dlppb.CustomInfoType_Regex{Pattern: "@example\\.com$"}}}}}}}},
		Limits: &dlppb.InspectConfig_FindingLimits{MaxFindingsPerRequest: 5},
	}
	text := "ORD-123456 for a@b.com, b@example.com, +1 415-555-0132 in Zürich; SSN 536-22-7134, card 4111 1111 1111 1111"
	return []proto.Message{
		&dlppb.InspectContentRequest{Item: textItem(text)},
		&dlppb.InspectContentRequest{InspectConfig: custom, Item: textItem(text)},
		&dlppb.InspectContentRequest{InspectConfig: custom, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: table([]string{"email", "note"},
			[]*dlppb.Value{strValue("a@b.com"), strValue("ORD-000001")}, []*dlppb.Value{intValue(7), strValue("new york")})}}},
		&dlppb.InspectContentRequest{InspectConfig: surrogateInspect("TOK"), Item: textItem("TOK(10):abcdefghij and TOK(3):ab")},
		&dlppb.InspectContentRequest{InspectConfig: &dlppb.InspectConfig{ExcludeInfoTypes: true, IncludeQuote: true}, Item: textItem(text)},
	}
}

// FuzzInspectContent: any request gets findings or a status error, never
// an internal failure, and every finding in a text item points inside it
// and quotes what it points at.
func FuzzInspectContent(f *testing.F) {
	addProtoSeeds(f, inspectSeeds()...)
	s := NewServer(Options{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req dlppb.InspectContentRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		resp, err := s.InspectContent(context.Background(), &req)
		noPanic(t, err)
		if err != nil {
			return
		}
		v, isText := req.GetItem().GetDataItem().(*dlppb.ContentItem_Value)
		// exclude_info_types: "When true, excludes type information of
		// the findings" (InspectConfig reference), so the name is empty
		// exactly when it is set.
		hideTypes := req.GetInspectConfig().GetExcludeInfoTypes()
		for _, fd := range resp.GetResult().GetFindings() {
			if name := fd.GetInfoType().GetName(); name == "" && !hideTypes {
				t.Fatalf("finding without an info type: %v", fd)
			} else if name != "" && hideTypes {
				t.Fatalf("exclude_info_types is set but the finding names %s: %v", name, fd)
			}
			if !isText {
				continue
			}
			br := fd.GetLocation().GetByteRange()
			if br.GetStart() < 0 || br.GetEnd() > int64(len(v.Value)) || br.GetStart() >= br.GetEnd() {
				t.Fatalf("finding %v outside the %d-byte item", br, len(v.Value))
			}
			if q := fd.GetQuote(); q != "" && q != v.Value[br.GetStart():br.GetEnd()] {
				t.Fatalf("quote %q, item bytes %q", q, v.Value[br.GetStart():br.GetEnd()])
			}
		}
	})
}

// FuzzDeidentifyContent: any de-identify request is transformed or refused
// with a status error, never an internal failure.
func FuzzDeidentifyContent(f *testing.F) {
	text := "mail a@b.com or call 415-555-0132, SSN 536-22-7134"
	fpe := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig{CryptoReplaceFfxFpeConfig: &dlppb.CryptoReplaceFfxFpeConfig{
		CryptoKey: unwrappedKey(), SurrogateInfoType: &dlppb.InfoType{Name: "SSN_TOKEN"},
		Alphabet: &dlppb.CryptoReplaceFfxFpeConfig_CommonAlphabet{CommonAlphabet: dlppb.CryptoReplaceFfxFpeConfig_NUMERIC}}}}
	det := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoDeterministicConfig{CryptoDeterministicConfig: &dlppb.CryptoDeterministicConfig{
		CryptoKey: unwrappedKey(), SurrogateInfoType: &dlppb.InfoType{Name: "EMAIL_TOKEN"}}}}
	buckets := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_BucketingConfig{BucketingConfig: &dlppb.BucketingConfig{Buckets: []*dlppb.BucketingConfig_Bucket{
		{Min: intValue(0), Max: intValue(5), ReplacementValue: strValue("low")}, {Min: intValue(5), Max: intValue(11), ReplacementValue: strValue("high")}}}}}
	fixed := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_FixedSizeBucketingConfig{FixedSizeBucketingConfig: &dlppb.FixedSizeBucketingConfig{
		LowerBound: intValue(10), UpperBound: intValue(90), BucketSize: 10}}}
	shift := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_DateShiftConfig{DateShiftConfig: &dlppb.DateShiftConfig{
		UpperBoundDays: 10, LowerBoundDays: -10, Method: &dlppb.DateShiftConfig_CryptoKey{CryptoKey: unwrappedKey()}}}}
	tbl := table([]string{"id", "age", "dob", "email"},
		[]*dlppb.Value{intValue(1), intValue(25), strValue("1980-04-12"), strValue("a@x.com")},
		[]*dlppb.Value{intValue(2), intValue(95), strValue("2001-09-30"), strValue("b@y.org")})
	rec := func(fts ...*dlppb.FieldTransformation) *dlppb.DeidentifyConfig {
		return &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{FieldTransformations: fts}}}
	}
	addProtoSeeds(f,
		&dlppb.DeidentifyContentRequest{DeidentifyConfig: itt(nil, replaceWithInfoType()), Item: textItem(text)},
		&dlppb.DeidentifyContentRequest{DeidentifyConfig: itt([]string{"PHONE_NUMBER"}, maskPT("#", 4, true, "-")), Item: textItem(text)},
		&dlppb.DeidentifyContentRequest{DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(transientKey("k"))), Item: textItem(text)},
		&dlppb.DeidentifyContentRequest{DeidentifyConfig: itt([]string{"US_SOCIAL_SECURITY_NUMBER"}, fpe), Item: textItem(text)},
		&dlppb.DeidentifyContentRequest{DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, det), Item: textItem(text)},
		&dlppb.DeidentifyContentRequest{DeidentifyConfig: rec(fieldPT([]string{"age"}, fixed, nil), fieldPT([]string{"id"}, buckets, cond("age", dlppb.RelationalOperator_GREATER_THAN, intValue(30))),
			fieldPT([]string{"dob"}, shift, nil), fieldPT([]string{"email"}, det, nil)), Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: tbl}}},
	)
	s := NewServer(Options{DeterministicTransientKeys: true})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req dlppb.DeidentifyContentRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		_, err := s.DeidentifyContent(context.Background(), &req)
		noPanic(t, err)
	})
}
