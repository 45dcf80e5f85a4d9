package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaskPolicy classifies every column of one published table.
type MaskPolicy struct {
	Name string `yaml:"name"`
	// Key, when set, makes masking incremental: only rows whose classified
	// columns changed since the last mask run are sent to DLP, and they are
	// merged into the published table on this column (which must be kept).
	Key     string                `yaml:"key"`
	Columns map[string]ColumnRule `yaml:"columns"`
}

// RuleKind is what kind of treatment a column gets.
type RuleKind string

// The rule kinds. The plain strings "keep", "drop", "token", "mask",
// "mask_last4" (mask keeping the last 4) and "redact_infotypes" are accepted
// as shorthands; the others take options in a one-key mapping.
const (
	RuleKeep            RuleKind = "keep"
	RuleDrop            RuleKind = "drop"
	RuleToken           RuleKind = "token"
	RuleMask            RuleKind = "mask"
	RuleGeneralise      RuleKind = "generalise"
	RuleRedactInfoTypes RuleKind = "redact_infotypes"
)

// RuleMaskLast4 is the legacy shorthand for mask: {keep_last: 4, char: "*"}.
const RuleMaskLast4 = "mask_last4"

// Token methods.
const (
	TokenHash    = "hash"    // HMAC-SHA-256 (DLP crypto hash): joinable, not reversible
	TokenEncrypt = "encrypt" // AES-SIV (DLP deterministic encryption): joinable, reversible with the key
)

// DefaultSurrogate is the surrogate infoType of encrypted tokens.
const DefaultSurrogate = "SLUICE_TOKEN"

// Date parts a column can be generalised to (DLP TimePartConfig).
var DateParts = []string{"YEAR", "MONTH", "DAY_OF_MONTH", "DAY_OF_WEEK", "WEEK_OF_YEAR", "HOUR_OF_DAY"}

// ColumnRule is what happens to one column on its way to published. In YAML
// it is a plain string (keep, drop, token, mask, mask_last4,
// redact_infotypes) or a mapping with one key naming the rule:
//
//	token: {method: encrypt, surrogate: SLUICE_TOKEN}
//	mask: {keep_last: 4, char: "*"}
//	generalise: {bucket: {size: 10, lower: 0, upper: 100}}
//	generalise: {date_part: MONTH}
//	generalise: {buckets: [{max: 18, label: minor}, {min: 18, label: adult}]}
//	redact_infotypes: [EMAIL_ADDRESS, PERSON_NAME]
type ColumnRule struct {
	Kind       RuleKind
	Token      TokenRule
	Mask       MaskRule
	Generalise GeneraliseRule
	// InfoTypes for redact_infotypes; empty means mask.infotypes.
	InfoTypes []string

	problems []problem // found while decoding, reported by Validate
}

// TokenRule configures the token rule.
type TokenRule struct {
	Method    string // hash (default) or encrypt
	Surrogate string // surrogate infoType for encrypt; default SLUICE_TOKEN
}

// MaskRule configures the partial mask.
type MaskRule struct {
	KeepLast int    // characters left visible at the end
	Char     string // masking character
}

// GeneraliseRule configures generalisation: exactly one of the three.
type GeneraliseRule struct {
	Bucket   *FixedBucket
	Buckets  []CustomBucket
	DatePart string
}

// FixedBucket is DLP fixed-size bucketing: values below Lower become
// "-Lower", at or above Upper "Upper+", others "b-b+Size".
type FixedBucket struct {
	Size  float64 `yaml:"size"`
	Lower float64 `yaml:"lower"`
	Upper float64 `yaml:"upper"`
}

// CustomBucket replaces values in [Min, Max) by Label; a missing bound is
// open.
type CustomBucket struct {
	Min   *float64 `yaml:"min"`
	Max   *float64 `yaml:"max"`
	Label string   `yaml:"label"`
}

type problem struct{ field, msg string }

// Rule returns a rule of a kind with its defaults (token: hash; mask: keep
// the last 4 behind "*").
func Rule(k RuleKind) ColumnRule {
	r := ColumnRule{Kind: k}
	switch k {
	case RuleToken:
		r.Token.Method = TokenHash
	case RuleMask:
		r.Mask = MaskRule{KeepLast: 4, Char: "*"}
	}
	return r
}

const ruleKinds = "keep, drop, token, mask, mask_last4, generalise, redact_infotypes"

// UnmarshalYAML reads the string or mapping forms. Problems are kept and
// reported by validation with the field they belong to.
func (r *ColumnRule) UnmarshalYAML(n *yaml.Node) error {
	*r = ColumnRule{}
	bad := func(field, format string, a ...any) {
		r.problems = append(r.problems, problem{field, fmt.Sprintf(format, a...)})
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch s := n.Value; s {
		case string(RuleKeep), string(RuleDrop), string(RuleToken), string(RuleMask), string(RuleRedactInfoTypes):
			*r = Rule(RuleKind(s))
		case RuleMaskLast4:
			*r = Rule(RuleMask)
		case string(RuleGeneralise):
			r.Kind = RuleGeneralise
			bad("", "generalise needs options: {bucket: {size, lower, upper}}, {buckets: [{min, max, label}]} or {date_part: %s}", strings.Join(DateParts, "|"))
		default:
			bad("", "got %q; allowed: %s", s, ruleKinds)
		}
		return nil
	case yaml.MappingNode:
	default:
		bad("", "want a rule name (%s) or a one-key mapping such as {token: {method: encrypt}}", ruleKinds)
		return nil
	}
	if len(n.Content) != 2 {
		bad("", "want exactly one rule; got a mapping with %d keys", len(n.Content)/2)
		return nil
	}
	name, val := n.Content[0].Value, n.Content[1]
	opts := func(allowed ...string) map[string]*yaml.Node {
		m := map[string]*yaml.Node{}
		if val.Kind == yaml.ScalarNode && (val.Tag == "!!null" || val.Value == "") {
			return m
		}
		if val.Kind != yaml.MappingNode {
			bad(name, "want a mapping of options (%s)", strings.Join(allowed, ", "))
			return m
		}
		for i := 0; i+1 < len(val.Content); i += 2 {
			k := val.Content[i].Value
			if !slices.Contains(allowed, k) {
				bad(name+"."+k, "unknown option; allowed: %s", strings.Join(allowed, ", "))
				continue
			}
			m[k] = val.Content[i+1]
		}
		return m
	}
	switch name {
	case string(RuleKeep), string(RuleDrop):
		r.Kind = RuleKind(name)
		opts()
	case string(RuleToken):
		*r = Rule(RuleToken)
		o := opts("method", "surrogate")
		if v, ok := o["method"]; ok {
			r.Token.Method = v.Value
			if v.Value != TokenHash && v.Value != TokenEncrypt {
				bad("token.method", "got %q; allowed: hash (crypto hash, not reversible), encrypt (deterministic AES-SIV, reversible with the key)", v.Value)
			}
		}
		if v, ok := o["surrogate"]; ok {
			r.Token.Surrogate = v.Value
			if r.Token.Method != TokenEncrypt {
				bad("token.surrogate", "applies only to method: encrypt")
			}
		}
		if r.Token.Method == TokenEncrypt && r.Token.Surrogate == "" {
			r.Token.Surrogate = DefaultSurrogate
		}
	case string(RuleMask), RuleMaskLast4:
		*r = Rule(RuleMask)
		o := opts("keep_last", "char")
		if v, ok := o["keep_last"]; ok {
			if err := v.Decode(&r.Mask.KeepLast); err != nil || r.Mask.KeepLast < 0 {
				bad("mask.keep_last", "got %q; want a whole number of characters to leave visible, 0 or more", v.Value)
			}
		}
		if v, ok := o["char"]; ok {
			r.Mask.Char = v.Value
			if len([]rune(v.Value)) != 1 {
				bad("mask.char", "got %q; want exactly one character", v.Value)
			}
		}
	case string(RuleGeneralise):
		r.Kind = RuleGeneralise
		o := opts("bucket", "buckets", "date_part")
		if len(o) != 1 {
			bad("generalise", "want exactly one of bucket, buckets, date_part")
		}
		if v, ok := o["bucket"]; ok {
			var b FixedBucket
			if err := decodeStrict(v, &b); err != nil {
				bad("generalise.bucket", "%v; want {size: N, lower: N, upper: N}", err)
			} else if b.Size <= 0 || b.Upper <= b.Lower {
				bad("generalise.bucket", "want size > 0 and lower < upper; got size %v, lower %v, upper %v", b.Size, b.Lower, b.Upper)
			}
			r.Generalise.Bucket = &b
		}
		if v, ok := o["buckets"]; ok {
			if err := decodeStrict(v, &r.Generalise.Buckets); err != nil {
				bad("generalise.buckets", "%v; want a list of {min: N, max: N, label: TEXT}", err)
			}
			if len(r.Generalise.Buckets) == 0 {
				bad("generalise.buckets", "is empty; want a list of {min: N, max: N, label: TEXT}")
			}
			for i, b := range r.Generalise.Buckets {
				f := fmt.Sprintf("generalise.buckets[%d]", i)
				switch {
				case b.Label == "":
					bad(f+".label", "is empty; values in the bucket are replaced by this label")
				case b.Min == nil && b.Max == nil:
					bad(f, "needs min, max or both")
				case b.Min != nil && b.Max != nil && *b.Max <= *b.Min:
					bad(f+".max", "got %v; want more than min (%v)", *b.Max, *b.Min)
				}
			}
		}
		if v, ok := o["date_part"]; ok {
			r.Generalise.DatePart = strings.ToUpper(v.Value)
			if !slices.Contains(DateParts, r.Generalise.DatePart) {
				bad("generalise.date_part", "got %q; allowed: %s", v.Value, strings.Join(DateParts, ", "))
			}
		}
	case string(RuleRedactInfoTypes):
		r.Kind = RuleRedactInfoTypes
		var its []string
		switch {
		case val.Kind == yaml.SequenceNode:
			_ = val.Decode(&its)
		case val.Kind == yaml.MappingNode:
			if v, ok := opts("infotypes")["infotypes"]; ok {
				if err := v.Decode(&its); err != nil {
					bad("redact_infotypes.infotypes", "want a list of DLP infoType names")
				}
			}
		case val.Tag == "!!null" || val.Value == "":
		default:
			bad("redact_infotypes", "want a list of DLP infoType names, such as [EMAIL_ADDRESS, PERSON_NAME]")
		}
		for _, it := range its {
			if !infoTypeRE.MatchString(it) {
				bad("redact_infotypes", "got %q; want a DLP infoType name such as EMAIL_ADDRESS", it)
			}
		}
		r.InfoTypes = its
	default:
		bad("", "got rule %q; allowed: %s", name, ruleKinds)
	}
	return nil
}

func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

var infoTypeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// NeedsDLP reports whether the column's values go through DLP.
func (r ColumnRule) NeedsDLP() bool { return r.Kind != RuleKeep && r.Kind != RuleDrop }

// String describes the rule in words, for published column descriptions.
func (r ColumnRule) String() string {
	switch r.Kind {
	case RuleKeep:
		return "published as curated"
	case RuleDrop:
		return "not published"
	case RuleToken:
		if r.Token.Method == TokenEncrypt {
			return fmt.Sprintf("token: deterministic encryption (AES-SIV) through DLP, surrogate infoType %s; joinable, reversible only with the key", r.Token.Surrogate)
		}
		return "token: HMAC-SHA-256 crypto hash through DLP; joinable, not reversible"
	case RuleMask:
		if r.Mask.KeepLast == 0 {
			return fmt.Sprintf("mask: every character replaced by %q", r.Mask.Char)
		}
		return fmt.Sprintf("mask: all but the last %d characters replaced by %q", r.Mask.KeepLast, r.Mask.Char)
	case RuleGeneralise:
		g := r.Generalise
		switch {
		case g.Bucket != nil:
			return fmt.Sprintf("generalise: buckets of %v between %v and %v", g.Bucket.Size, g.Bucket.Lower, g.Bucket.Upper)
		case g.DatePart != "":
			return "generalise: only the " + g.DatePart + " is kept"
		}
		labels := make([]string, len(g.Buckets))
		for i, b := range g.Buckets {
			labels[i] = b.Label
		}
		return "generalise: replaced by bucket label (" + strings.Join(labels, ", ") + ")"
	case RuleRedactInfoTypes:
		if len(r.InfoTypes) > 0 {
			return "redact: " + strings.Join(r.InfoTypes, ", ") + " found by DLP replaced by [INFO_TYPE]"
		}
		return "redact: personal data found by DLP (mask.infotypes) replaced by [INFO_TYPE]"
	}
	return string(r.Kind)
}

// validate checks one table's policy; f is its field path
// ("mask.tables[0]").
func (t *MaskPolicy) validate(f string, add func(field, format string, a ...any)) {
	if len(t.Columns) == 0 {
		add(f+".columns", "is empty; classify every column (%s)", ruleKinds)
	}
	for _, c := range sortedKeys(t.Columns) {
		if !columnRE.MatchString(c) {
			add(f+".columns."+c, "is not a valid column name")
		}
		r := t.Columns[c]
		if r.Kind == "" && len(r.problems) == 0 {
			add(f+".columns."+c, "has no rule; allowed: %s", ruleKinds)
		}
		for _, p := range r.problems {
			field := f + ".columns." + c
			if p.field != "" {
				field += "." + p.field
			}
			add(field, "%s", p.msg)
		}
	}
	if t.Key != "" {
		r, ok := t.Columns[t.Key]
		switch {
		case !ok:
			add(f+".key", "%q is not a column of the policy; the key must be a classified column", t.Key)
		case r.Kind != RuleKeep:
			add(f+".key", "column %q is %s; the merge key must be keep (published as curated)", t.Key, r.Kind)
		}
	}
}
