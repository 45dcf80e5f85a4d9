package dlp

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
)

func itt(it []string, pt *dlppb.PrimitiveTransformation) *dlppb.DeidentifyConfig {
	return &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
		Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{InfoTypes: its(it...), PrimitiveTransformation: pt}},
	}}}
}

func maskPT(ch string, n int32, rev bool, skip string) *dlppb.PrimitiveTransformation {
	c := &dlppb.CharacterMaskConfig{MaskingCharacter: ch, NumberToMask: n, ReverseOrder: rev}
	if skip != "" {
		c.CharactersToIgnore = []*dlppb.CharsToIgnore{{Characters: &dlppb.CharsToIgnore_CharactersToSkip{CharactersToSkip: skip}}}
	}
	return &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CharacterMaskConfig{CharacterMaskConfig: c}}
}

func unwrappedKey() *dlppb.CryptoKey {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i)
	}
	return &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Unwrapped{Unwrapped: &dlppb.UnwrappedCryptoKey{Key: k}}}
}

func transientKey(name string) *dlppb.CryptoKey {
	return &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Transient{Transient: &dlppb.TransientCryptoKey{Name: name}}}
}

func hashPT(k *dlppb.CryptoKey) *dlppb.PrimitiveTransformation {
	return &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoHashConfig{CryptoHashConfig: &dlppb.CryptoHashConfig{CryptoKey: k}}}
}

func textItem(s string) *dlppb.ContentItem {
	return &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Value{Value: s}}
}

func TestDeidentifyText(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	cases := []struct {
		name string
		in   string
		it   []string
		pt   *dlppb.PrimitiveTransformation
		want string
	}{
		{"replace with infoType", "My email is test@example.com", []string{"EMAIL_ADDRESS"}, replaceWithInfoType(), "My email is [EMAIL_ADDRESS]"},
		{"redact", "Call 415-555-0132 now", []string{"PHONE_NUMBER"}, &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_RedactConfig{RedactConfig: &dlppb.RedactConfig{}}}, "Call  now"},
		{"replace value", "ssn 536-22-7134.", []string{"US_SOCIAL_SECURITY_NUMBER"}, &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_ReplaceConfig{ReplaceConfig: &dlppb.ReplaceValueConfig{NewValue: strValue("xxx")}}}, "ssn xxx."},
		// Documented: skip '-' and mask 5 characters with '*'.
		{"mask skip", "phone 555-555-5555", []string{"PHONE_NUMBER"}, maskPT("*", 5, false, "-"), "phone ***-**5-5555"},
		// Documented: negative number_to_mask keeps the last 4.
		{"mask inverse", "card 1234-5678-9012-3456 ok", nil, maskPT("*", -4, false, "-"), "card ****-****-****-3456 ok"},
		{"mask reverse", "card 4111 1111 1111 1111", []string{"CREDIT_CARD_NUMBER"}, maskPT("#", 4, true, " "), "card 4111 1111 1111 ####"},
		{"mask all email", "to a@b.co.", []string{"EMAIL_ADDRESS"}, maskPT("", 0, false, ""), "to ******."},
		{"hash unwrapped", "mail alice@example.com", []string{"EMAIL_ADDRESS"}, hashPT(unwrappedKey()), "mail pZ/FeNTLRvqrHW6zSOfHSzO4USLWRZ/be/VlSzM6yrQ="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt(tc.it, tc.pt), Item: textItem(tc.in)}
			if tc.name == "mask inverse" {
				// a custom regex stands for "the whole card-like token"
				req.InspectConfig = &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: "CARDISH"}, Type: &dlppb.CustomInfoType_Regex_{Regex: &dlppb.CustomInfoType_Regex{Pattern: `\d{4}(-\d{4}){3}`}}}}}
			}
			resp, err := c.DeidentifyContent(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetItem().GetValue(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			sums := resp.GetOverview().GetTransformationSummaries()
			if len(sums) != 1 || sums[0].GetResults()[0].GetCount() != 1 || sums[0].GetResults()[0].GetCode() != dlppb.TransformationSummary_SUCCESS {
				t.Fatalf("overview %v", resp.GetOverview())
			}
			if resp.GetOverview().GetTransformedBytes() == 0 {
				t.Fatalf("transformed bytes 0")
			}
		})
	}
}

func TestTransientAndKMSKeys(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	req := &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(transientKey("k"))), Item: textItem("a@x.com a@x.com")}
	r1, err := c.DeidentifyContent(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Fields(r1.GetItem().GetValue())
	if len(parts) != 2 || parts[0] != parts[1] || len(parts[0]) != 44 {
		t.Fatalf("same value in one request must hash alike: %q", r1.GetItem().GetValue())
	}
	r2, err := c.DeidentifyContent(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Fields(r2.GetItem().GetValue())[0] == parts[0] {
		t.Fatal("transient key must differ between requests")
	}
	kms := &dlppb.CryptoKey{Source: &dlppb.CryptoKey_KmsWrapped{KmsWrapped: &dlppb.KmsWrappedCryptoKey{WrappedKey: []byte("x"), CryptoKeyName: "projects/p/locations/global/keyRings/r/cryptoKeys/k"}}}
	_, err = c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(kms)), Item: textItem("a@x.com")})
	if codeOf(err) != codes.FailedPrecondition {
		t.Fatalf("kms err = %v", err)
	}
	bad := &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Unwrapped{Unwrapped: &dlppb.UnwrappedCryptoKey{Key: []byte("short")}}}
	_, err = c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(bad)), Item: textItem("a@x.com")})
	if codeOf(err) != codes.InvalidArgument {
		t.Fatalf("short key err = %v", err)
	}
}

func surrogateInspect(name string) *dlppb.InspectConfig {
	return &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{{InfoType: &dlppb.InfoType{Name: name}, Type: &dlppb.CustomInfoType_SurrogateType_{SurrogateType: &dlppb.CustomInfoType_SurrogateType{}}}}}
}

func TestDeterministicAndFPERoundTrip(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	det := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoDeterministicConfig{CryptoDeterministicConfig: &dlppb.CryptoDeterministicConfig{
		CryptoKey: unwrappedKey(), SurrogateInfoType: &dlppb.InfoType{Name: "EMAIL_TOKEN"}}}}
	fpe := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig{CryptoReplaceFfxFpeConfig: &dlppb.CryptoReplaceFfxFpeConfig{
		CryptoKey: unwrappedKey(), SurrogateInfoType: &dlppb.InfoType{Name: "SSN_TOKEN"},
		Alphabet: &dlppb.CryptoReplaceFfxFpeConfig_CommonAlphabet{CommonAlphabet: dlppb.CryptoReplaceFfxFpeConfig_NUMERIC}}}}
	for _, tc := range []struct {
		name, text, it, sur string
		pt                  *dlppb.PrimitiveTransformation
		shape               func(string) bool
	}{
		{"aes-siv", "write to bob@example.com today", "EMAIL_ADDRESS", "EMAIL_TOKEN", det, func(tok string) bool { return strings.HasPrefix(tok, "EMAIL_TOKEN(44):") }},
		{"ff1", "ssn 536227134 on file", "US_SOCIAL_SECURITY_NUMBER", "SSN_TOKEN", fpe, func(tok string) bool {
			return strings.HasPrefix(tok, "SSN_TOKEN(9):") && allDigits(tok[len("SSN_TOKEN(9):"):])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{tc.it}, tc.pt), Item: textItem(tc.text)}
			r1, err := c.DeidentifyContent(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			r2, _ := c.DeidentifyContent(ctx, req)
			out := r1.GetItem().GetValue()
			if out != r2.GetItem().GetValue() {
				t.Fatal("not deterministic")
			}
			tok := strings.Fields(out)[1]
			if tc.name == "aes-siv" {
				tok = strings.Fields(out)[2]
			}
			if !tc.shape(tok) {
				t.Fatalf("token %q", tok)
			}
			back, err := c.ReidentifyContent(ctx, &dlppb.ReidentifyContentRequest{Parent: parent, ReidentifyConfig: itt([]string{tc.sur}, tc.pt), InspectConfig: surrogateInspect(tc.sur), Item: textItem(out)})
			if err != nil {
				t.Fatal(err)
			}
			if back.GetItem().GetValue() != tc.text {
				t.Fatalf("reidentified %q, want %q", back.GetItem().GetValue(), tc.text)
			}
		})
	}
}

func table(headers []string, rows ...[]*dlppb.Value) *dlppb.Table {
	t := &dlppb.Table{}
	for _, h := range headers {
		t.Headers = append(t.Headers, &dlppb.FieldId{Name: h})
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, &dlppb.Table_Row{Values: r})
	}
	return t
}

func fieldPT(fields []string, pt *dlppb.PrimitiveTransformation, cond *dlppb.RecordCondition) *dlppb.FieldTransformation {
	ft := &dlppb.FieldTransformation{Condition: cond, Transformation: &dlppb.FieldTransformation_PrimitiveTransformation{PrimitiveTransformation: pt}}
	for _, f := range fields {
		ft.Fields = append(ft.Fields, &dlppb.FieldId{Name: f})
	}
	return ft
}

func cond(field string, op dlppb.RelationalOperator, v *dlppb.Value) *dlppb.RecordCondition {
	return &dlppb.RecordCondition{Expressions: &dlppb.RecordCondition_Expressions{
		LogicalOperator: dlppb.RecordCondition_Expressions_AND,
		Type: &dlppb.RecordCondition_Expressions_Conditions{Conditions: &dlppb.RecordCondition_Conditions{Conditions: []*dlppb.RecordCondition_Condition{{
			Field: &dlppb.FieldId{Name: field}, Operator: op, Value: v}}}}}}
}

func TestRecordTransformations(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	dob := &dlppb.Value{Type: &dlppb.Value_DateValue{DateValue: &date.Date{Year: 1980, Month: 4, Day: 12}}}
	tbl := table([]string{"id", "age", "dob", "email", "note", "happiness"},
		[]*dlppb.Value{intValue(1), intValue(25), dob, strValue("a@x.com"), strValue("call 415-555-0132"), intValue(3)},
		[]*dlppb.Value{intValue(2), intValue(95), strValue("2001-09-30"), strValue("b@y.org"), strValue("nothing"), intValue(9)},
		[]*dlppb.Value{intValue(3), intValue(7), strValue("2010-01-02"), strValue("c@z.net"), strValue("x"), intValue(5)},
	)
	fixed := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_FixedSizeBucketingConfig{FixedSizeBucketingConfig: &dlppb.FixedSizeBucketingConfig{
		LowerBound: intValue(10), UpperBound: intValue(90), BucketSize: 10}}}
	year := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_TimePartConfig{TimePartConfig: &dlppb.TimePartConfig{PartToExtract: dlppb.TimePartConfig_YEAR}}}
	buckets := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_BucketingConfig{BucketingConfig: &dlppb.BucketingConfig{Buckets: []*dlppb.BucketingConfig_Bucket{
		{Min: intValue(0), Max: intValue(5), ReplacementValue: strValue("low")},
		{Min: intValue(5), Max: intValue(11), ReplacementValue: strValue("high")},
	}}}}
	noteITT := &dlppb.FieldTransformation{Fields: []*dlppb.FieldId{{Name: "note"}}, Transformation: &dlppb.FieldTransformation_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
		Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{PrimitiveTransformation: replaceWithInfoType()}}}}}
	cfg := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{
			fieldPT([]string{"age"}, fixed, nil),
			fieldPT([]string{"dob"}, year, nil),
			fieldPT([]string{"email"}, hashPT(unwrappedKey()), cond("age", dlppb.RelationalOperator_GREATER_THAN, intValue(50))),
			fieldPT([]string{"happiness"}, buckets, nil),
			noteITT,
		},
		RecordSuppressions: []*dlppb.RecordSuppression{{Condition: cond("age", dlppb.RelationalOperator_LESS_THAN, intValue(10))}},
	}}}
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: tbl}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := resp.GetItem().GetTable().GetRows()
	if len(rows) != 2 {
		t.Fatalf("suppression: %d rows", len(rows))
	}
	got := func(r, c int) string { return valueText(rows[r].GetValues()[c]) }
	want := [][]string{
		{"1", "20:30", "1980", "a@x.com", "call [PHONE_NUMBER]", "low"},
		{"2", "90+", "2001", "", "nothing", "high"},
	}
	for r := range want {
		for col, w := range want[r] {
			if w == "" {
				continue
			}
			if got(r, col) != w {
				t.Errorf("row %d col %d = %q, want %q", r, col, got(r, col), w)
			}
		}
	}
	if got(1, 3) == "b@y.org" || len(got(1, 3)) != 44 {
		t.Errorf("conditional hash not applied: %q", got(1, 3))
	}
	if _, ok := rows[0].GetValues()[2].GetType().(*dlppb.Value_IntegerValue); !ok {
		t.Errorf("time part must be an integer")
	}
	var sawSuppress bool
	for _, s := range resp.GetOverview().GetTransformationSummaries() {
		if s.GetRecordSuppress() != nil && s.GetResults()[0].GetCount() == 1 {
			sawSuppress = true
		}
	}
	if !sawSuppress {
		t.Errorf("no suppression summary: %v", resp.GetOverview())
	}
}

func TestDateShift(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	shift := &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_DateShiftConfig{DateShiftConfig: &dlppb.DateShiftConfig{
		UpperBoundDays: 100, LowerBoundDays: -100, Context: &dlppb.FieldId{Name: "user"},
		Method: &dlppb.DateShiftConfig_CryptoKey{CryptoKey: unwrappedKey()}}}}
	tbl := table([]string{"user", "d1", "d2"},
		[]*dlppb.Value{strValue("u1"), strValue("2020-01-01"), strValue("2020-01-11")},
		[]*dlppb.Value{strValue("u1"), strValue("2021-06-01"), strValue("2021-06-03")},
	)
	cfg := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{fieldPT([]string{"d1", "d2"}, shift, nil)}}}}
	resp, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: tbl}}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetItem().GetTable().GetRows()
	a, _, _ := asTime(r[0].GetValues()[1])
	b, _, _ := asTime(r[0].GetValues()[2])
	if b.Sub(a).Hours() != 240 {
		t.Fatalf("same context must shift alike: %v %v", a, b)
	}
	if valueText(r[0].GetValues()[1]) == "2020-01-01" && valueText(r[1].GetValues()[1]) == "2021-06-01" {
		t.Fatalf("no shift")
	}
}

func TestDeterministicTransientKeysAndConcurrency(t *testing.T) {
	_, c := start(t, Options{DeterministicTransientKeys: true})
	ctx := context.Background()
	req := &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(transientKey("k"))), Item: textItem("a@x.com")}
	errs := make(chan error, 8)
	outs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			r, err := c.DeidentifyContent(ctx, req)
			errs <- err
			outs <- r.GetItem().GetValue()
		}()
	}
	first := ""
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		o := <-outs
		if first == "" {
			first = o
		}
		if o != first || len(o) != 44 {
			t.Fatalf("outputs differ: %q %q", o, first)
		}
	}
	resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: &dlppb.InspectConfig{InfoTypes: its("EMAIL_ADDRESS"), ExcludeInfoTypes: true}, Item: textItem("a@x.com")})
	if err != nil || len(resp.GetResult().GetFindings()) != 1 || resp.GetResult().GetFindings()[0].GetInfoType() != nil {
		t.Fatalf("exclude_info_types: %v %v", resp, err)
	}
}
