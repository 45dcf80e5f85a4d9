package config_test

import (
	"strings"
	"testing"

	"github.com/sluice-data/sluice/shared/config"
)

func withColumns(cols string) string {
	return strings.Replace(valid, "columns: {id: keep}", "columns: "+cols, 1)
}

func TestMaskRulesParse(t *testing.T) {
	y := withColumns(`
        id: keep
        gone: drop
        email: token
        email_enc: {token: {method: encrypt}}
        phone: mask_last4
        card: {mask: {keep_last: 2, char: "#"}}
        age: {generalise: {bucket: {size: 10, lower: 0, upper: 100}}}
        band: {generalise: {buckets: [{max: 18, label: minor}, {min: 18, max: 65, label: adult}, {min: 65, label: senior}]}}
        born: {generalise: {date_part: month}}
        note: redact_infotypes
        bio: {redact_infotypes: [PERSON_NAME, EMAIL_ADDRESS]}
      key: id`)
	p, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Mask.Tables[0].Columns
	if p.Mask.Tables[0].Key != "id" {
		t.Errorf("key = %q", p.Mask.Tables[0].Key)
	}
	check := func(name string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("%s = %+v", name, c[name])
		}
	}
	check("id", c["id"].Kind == config.RuleKeep)
	check("gone", c["gone"].Kind == config.RuleDrop)
	check("email", c["email"].Kind == config.RuleToken && c["email"].Token.Method == config.TokenHash)
	check("email_enc", c["email_enc"].Token.Method == config.TokenEncrypt && c["email_enc"].Token.Surrogate == config.DefaultSurrogate)
	check("phone", c["phone"].Kind == config.RuleMask && c["phone"].Mask == config.MaskRule{KeepLast: 4, Char: "*"})
	check("card", c["card"].Mask == config.MaskRule{KeepLast: 2, Char: "#"})
	check("age", c["age"].Generalise.Bucket != nil && *c["age"].Generalise.Bucket == config.FixedBucket{Size: 10, Lower: 0, Upper: 100})
	check("band", len(c["band"].Generalise.Buckets) == 3 && c["band"].Generalise.Buckets[0].Min == nil && *c["band"].Generalise.Buckets[1].Max == 65)
	check("born", c["born"].Generalise.DatePart == "MONTH")
	check("note", c["note"].Kind == config.RuleRedactInfoTypes && len(c["note"].InfoTypes) == 0)
	check("bio", strings.Join(c["bio"].InfoTypes, ",") == "PERSON_NAME,EMAIL_ADDRESS")
	if d := c["card"].String(); !strings.Contains(d, "last 2") || !strings.Contains(d, `"#"`) {
		t.Errorf("card description = %q", d)
	}
}

func TestMaskRuleValidationNamesTheField(t *testing.T) {
	tests := []struct{ cols, want string }{
		{`{id: hide}`, `mask.tables[0].columns.id: got "hide"; allowed: keep, drop, token, mask`},
		{`{id: {token: {method: md5}}}`, `mask.tables[0].columns.id.token.method: got "md5"; allowed: hash`},
		{`{id: {token: {surrogate: X}}}`, `columns.id.token.surrogate: applies only to method: encrypt`},
		{`{id: {mask: {keep_last: -1}}}`, `columns.id.mask.keep_last: got "-1"`},
		{`{id: {mask: {char: "**"}}}`, `columns.id.mask.char: got "**"; want exactly one character`},
		{`{id: {mask: {keep: 3}}}`, `columns.id.mask.keep: unknown option; allowed: keep_last, char`},
		{`{id: generalise}`, `columns.id: generalise needs options`},
		{`{id: {generalise: {bucket: {size: 0, lower: 0, upper: 10}}}}`, `columns.id.generalise.bucket: want size > 0`},
		{`{id: {generalise: {bucket: {size: 5, lower: 0, upper: 10, step: 1}}}}`, `columns.id.generalise.bucket: `},
		{`{id: {generalise: {date_part: FORTNIGHT}}}`, `columns.id.generalise.date_part: got "FORTNIGHT"; allowed: YEAR, MONTH`},
		{`{id: {generalise: {buckets: [{min: 5, max: 1, label: x}]}}}`, `columns.id.generalise.buckets[0].max: got 1; want more than min`},
		{`{id: {generalise: {buckets: [{min: 1}]}}}`, `columns.id.generalise.buckets[0].label: is empty`},
		{`{id: {generalise: {date_part: YEAR, bucket: {size: 1, lower: 0, upper: 2}}}}`, `columns.id.generalise: want exactly one of bucket, buckets, date_part`},
		{`{id: {redact_infotypes: [email]}}`, `columns.id.redact_infotypes: got "email"; want a DLP infoType name`},
		{`{id: {token: {}, drop: {}}}`, `columns.id: want exactly one rule`},
		{`{id: {shuffle: {}}}`, `columns.id: got rule "shuffle"; allowed: keep`},
		{"{id: keep}\n      key: nope", `mask.tables[0].key: "nope" is not a column of the policy`},
		{"{id: token}\n      key: id", `mask.tables[0].key: column "id" is token; the merge key must be keep`},
	}
	for _, tt := range tests {
		t.Run(tt.cols, func(t *testing.T) {
			_, err := config.Parse([]byte(withColumns(tt.cols)))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
