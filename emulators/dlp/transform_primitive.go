package dlp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// transformError is a per-value failure: it becomes an ERROR summary or
// fails the request, depending on the transformation error handling.
type transformError struct{ msg string }

func (e *transformError) Error() string { return e.msg }

func terr(format string, a ...any) error { return &transformError{fmt.Sprintf(format, a...)} }

// rowContext resolves a field name of the current table row.
type rowContext func(field string) (*dlppb.Value, bool)

// deid holds per-request state: transient keys and summaries.
type deid struct {
	s         *Server
	ctx       context.Context
	unwrapped map[string][]byte // KMS-wrapped keys already unwrapped in this request
	reverse   bool
	transient map[string][]byte
	sums      []*dlppb.TransformationSummary
	sumIndex  map[string]*dlppb.TransformationSummary
	bytes     int64
	leave     bool // transformation_error_handling.leave_untransformed
}

func newDeid(ctx context.Context, s *Server, cfg *dlppb.DeidentifyConfig, reverse bool) *deid {
	return &deid{s: s, ctx: ctx, unwrapped: map[string][]byte{}, reverse: reverse, transient: map[string][]byte{}, sumIndex: map[string]*dlppb.TransformationSummary{},
		leave: cfg.GetTransformationErrorHandling().GetLeaveUntransformed() != nil}
}

func (d *deid) key(ck *dlppb.CryptoKey) ([]byte, error) {
	switch {
	case ck.GetTransient() != nil:
		name := ck.GetTransient().GetName()
		if name == "" {
			return nil, invalid("TransientCryptoKey name must not be empty.")
		}
		if k, ok := d.transient[name]; ok {
			return k, nil
		}
		var k []byte
		if d.s.opts.DeterministicTransientKeys {
			h := sha256.Sum256([]byte(name))
			k = h[:]
		} else {
			k = make([]byte, 32)
			_, _ = rand.Read(k)
		}
		d.transient[name] = k
		return k, nil
	case ck.GetUnwrapped() != nil:
		k := ck.GetUnwrapped().GetKey()
		if len(k) != 16 && len(k) != 24 && len(k) != 32 && len(k) != 64 {
			return nil, invalid("Unwrapped crypto key must be 128, 192 or 256 bits (or 64 bytes for crypto hash); got %d bytes.", len(k))
		}
		return k, nil
	case ck.GetKmsWrapped() != nil:
		w := ck.GetKmsWrapped()
		if k, ok := d.unwrapped[w.GetCryptoKeyName()+"\x00"+string(w.GetWrappedKey())]; ok {
			return k, nil
		}
		k, err := d.s.unwrapKMS(d.ctx, w)
		if err != nil {
			return nil, err
		}
		d.unwrapped[w.GetCryptoKeyName()+"\x00"+string(w.GetWrappedKey())] = k
		return k, nil
	}
	return nil, invalid("crypto_key is required.")
}

func subkey(key []byte, label string, n int) []byte {
	var out []byte
	for i := byte(0); len(out) < n; i++ {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(label))
		m.Write([]byte{i})
		out = m.Sum(out)
	}
	return out[:n]
}

// apply runs one primitive transformation on a value. it is the infoType
// of the finding ("" for record transformations).
func (d *deid) apply(pt *dlppb.PrimitiveTransformation, v *dlppb.Value, it string, row rowContext) (*dlppb.Value, error) {
	switch t := pt.GetTransformation().(type) {
	case *dlppb.PrimitiveTransformation_ReplaceWithInfoTypeConfig:
		if it == "" {
			return nil, invalid("replace_with_info_type_config can only be used inside info_type_transformations.")
		}
		return strValue("[" + it + "]"), nil
	case *dlppb.PrimitiveTransformation_ReplaceConfig:
		if t.ReplaceConfig.GetNewValue() == nil {
			return nil, invalid("replace_config.new_value is required.")
		}
		return t.ReplaceConfig.GetNewValue(), nil
	case *dlppb.PrimitiveTransformation_RedactConfig:
		return strValue(""), nil
	case *dlppb.PrimitiveTransformation_ReplaceDictionaryConfig:
		w := t.ReplaceDictionaryConfig.GetWordList().GetWords()
		if len(w) == 0 {
			return nil, invalid("replace_dictionary_config.word_list must not be empty.")
		}
		return strValue(w[mrand.IntN(len(w))]), nil
	case *dlppb.PrimitiveTransformation_CharacterMaskConfig:
		return charMask(t.CharacterMaskConfig, v)
	case *dlppb.PrimitiveTransformation_CryptoHashConfig:
		k, err := d.key(t.CryptoHashConfig.GetCryptoKey())
		if err != nil {
			return nil, err
		}
		switch v.GetType().(type) {
		case *dlppb.Value_StringValue, *dlppb.Value_IntegerValue:
		default:
			return nil, terr("crypto hash supports only string and integer values")
		}
		if len(k) != 32 && len(k) != 64 {
			return nil, invalid("Crypto hash key size must be either 32 or 64 bytes; got %d bytes.", len(k))
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte(valueText(v)))
		return strValue(base64.StdEncoding.EncodeToString(m.Sum(nil))), nil
	case *dlppb.PrimitiveTransformation_CryptoDeterministicConfig:
		return d.deterministic(t.CryptoDeterministicConfig, v, row)
	case *dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig:
		return d.fpe(t.CryptoReplaceFfxFpeConfig, v, row)
	case *dlppb.PrimitiveTransformation_FixedSizeBucketingConfig:
		return fixedBucket(t.FixedSizeBucketingConfig, v)
	case *dlppb.PrimitiveTransformation_BucketingConfig:
		return bucket(t.BucketingConfig, v)
	case *dlppb.PrimitiveTransformation_TimePartConfig:
		return timePart(t.TimePartConfig, v)
	case *dlppb.PrimitiveTransformation_DateShiftConfig:
		return d.dateShift(t.DateShiftConfig, v, row)
	}
	return nil, invalid("Unsupported or empty primitive transformation.")
}

func ignoreFn(c *dlppb.CharacterMaskConfig) func(rune) bool {
	var skip string
	var common []dlppb.CharsToIgnore_CommonCharsToIgnore
	for _, ig := range c.GetCharactersToIgnore() {
		switch x := ig.GetCharacters().(type) {
		case *dlppb.CharsToIgnore_CharactersToSkip:
			skip += x.CharactersToSkip
		case *dlppb.CharsToIgnore_CommonCharactersToIgnore:
			common = append(common, x.CommonCharactersToIgnore)
		}
	}
	return func(r rune) bool {
		if strings.ContainsRune(skip, r) {
			return true
		}
		for _, cc := range common {
			switch cc {
			case dlppb.CharsToIgnore_NUMERIC:
				if r >= '0' && r <= '9' {
					return true
				}
			case dlppb.CharsToIgnore_ALPHA_UPPER_CASE:
				if r >= 'A' && r <= 'Z' {
					return true
				}
			case dlppb.CharsToIgnore_ALPHA_LOWER_CASE:
				if r >= 'a' && r <= 'z' {
					return true
				}
			case dlppb.CharsToIgnore_PUNCTUATION:
				if r < 128 && unicode.IsPunct(r) || r < 128 && unicode.IsSymbol(r) {
					return true
				}
			case dlppb.CharsToIgnore_WHITESPACE:
				if unicode.IsSpace(r) {
					return true
				}
			}
		}
		return false
	}
}

func charMask(c *dlppb.CharacterMaskConfig, v *dlppb.Value) (*dlppb.Value, error) {
	mc := c.GetMaskingCharacter()
	if utf8.RuneCountInString(mc) > 1 {
		return nil, invalid("masking_character must be a single character.")
	}
	mask := '*'
	if mc != "" {
		mask, _ = utf8.DecodeRuneInString(mc)
	}
	rs := []rune(valueText(v))
	ign := ignoreFn(c)
	eligible := 0
	for _, r := range rs {
		if !ign(r) {
			eligible++
		}
	}
	n := int(c.GetNumberToMask())
	switch {
	case n == 0:
		n = eligible
	case n < 0:
		n = eligible + n
		if n < 0 {
			n = 0
		}
	}
	idx := make([]int, 0, len(rs))
	for i := range rs {
		idx = append(idx, i)
	}
	if c.GetReverseOrder() {
		for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
			idx[i], idx[j] = idx[j], idx[i]
		}
	}
	done := 0
	for _, i := range idx {
		if done >= n {
			break
		}
		if ign(rs[i]) {
			continue
		}
		rs[i] = mask
		done++
	}
	out := string(rs)
	if _, ok := v.GetType().(*dlppb.Value_IntegerValue); ok {
		if i, err := strconv.ParseInt(out, 10, 64); err == nil {
			return intValue(i), nil
		}
	}
	return strValue(out), nil
}

func contextBytes(ctx *dlppb.FieldId, row rowContext) []byte {
	if ctx.GetName() == "" || row == nil {
		return nil
	}
	if v, ok := row(ctx.GetName()); ok {
		return []byte(valueText(v))
	}
	return nil
}

// fpeTweak encodes the context value as DLP documents for FPE: a 64-bit
// big-endian integer followed by 0x01, or UTF-8 text followed by 0x02. No
// context (or no such field) gives the emulator's default tweak, which is
// empty.
func fpeTweak(ctx *dlppb.FieldId, row rowContext) []byte {
	if ctx.GetName() == "" || row == nil {
		return nil
	}
	v, ok := row(ctx.GetName())
	if !ok || v.GetType() == nil {
		return nil
	}
	if i, ok := v.GetType().(*dlppb.Value_IntegerValue); ok {
		b := binary.BigEndian.AppendUint64(nil, uint64(i.IntegerValue))
		return append(b, 1)
	}
	return append([]byte(valueText(v)), 2)
}

func surrogateWrap(name, payload string) string {
	if name == "" {
		return payload
	}
	return name + "(" + strconv.Itoa(utf8.RuneCountInString(payload)) + "):" + payload
}

// surrogateStrip removes NAME(n): from s when present.
func surrogateStrip(name, s string) string {
	if name == "" || !strings.HasPrefix(s, name+"(") {
		return s
	}
	rest := s[len(name)+1:]
	i := strings.Index(rest, "):")
	if i < 0 {
		return s
	}
	if _, err := strconv.Atoi(rest[:i]); err != nil {
		return s
	}
	return rest[i+2:]
}

func (d *deid) deterministic(c *dlppb.CryptoDeterministicConfig, v *dlppb.Value, row rowContext) (*dlppb.Value, error) {
	k, err := d.key(c.GetCryptoKey())
	if err != nil {
		return nil, err
	}
	// DLP documents that the key is expanded to 64 bytes (AES-256-SIV).
	sk := subkey(k, "sluice-dlp-aes-siv", 64)
	ad := contextBytes(c.GetContext(), row)
	sur := c.GetSurrogateInfoType().GetName()
	if d.reverse {
		payload := surrogateStrip(sur, valueText(v))
		raw, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			return nil, terr("value is not a deterministic-encryption token")
		}
		p, err := sivOpen(sk, raw, ad)
		if err != nil {
			return nil, terr("deterministic decryption failed: %v", err)
		}
		return strValue(string(p)), nil
	}
	ct, err := sivSeal(sk, []byte(valueText(v)), ad)
	if err != nil {
		return nil, terr("%v", err)
	}
	return strValue(surrogateWrap(sur, base64.StdEncoding.EncodeToString(ct))), nil
}

func fpeAlphabet(c *dlppb.CryptoReplaceFfxFpeConfig) ([]rune, error) {
	const base = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	switch a := c.GetAlphabet().(type) {
	case *dlppb.CryptoReplaceFfxFpeConfig_CommonAlphabet:
		switch a.CommonAlphabet {
		case dlppb.CryptoReplaceFfxFpeConfig_NUMERIC:
			return []rune("0123456789"), nil
		case dlppb.CryptoReplaceFfxFpeConfig_HEXADECIMAL:
			return []rune("0123456789ABCDEF"), nil
		case dlppb.CryptoReplaceFfxFpeConfig_UPPER_CASE_ALPHA_NUMERIC:
			return []rune(base[:36]), nil
		case dlppb.CryptoReplaceFfxFpeConfig_ALPHA_NUMERIC:
			return []rune(base), nil
		}
	case *dlppb.CryptoReplaceFfxFpeConfig_CustomAlphabet:
		rs := []rune(a.CustomAlphabet)
		seen := map[rune]bool{}
		for _, r := range rs {
			if seen[r] {
				return nil, invalid("custom_alphabet has duplicate character %q.", r)
			}
			seen[r] = true
		}
		if len(rs) < 2 || len(rs) > 95 {
			return nil, invalid("custom_alphabet must have between 2 and 95 characters.")
		}
		return rs, nil
	case *dlppb.CryptoReplaceFfxFpeConfig_Radix:
		if a.Radix < 2 || a.Radix > 95 {
			return nil, invalid("radix must be between 2 and 95.")
		}
		const ascii = base + " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
		return []rune(ascii[:a.Radix]), nil
	}
	return nil, invalid("crypto_replace_ffx_fpe_config requires an alphabet (common_alphabet, custom_alphabet or radix).")
}

func (d *deid) fpe(c *dlppb.CryptoReplaceFfxFpeConfig, v *dlppb.Value, row rowContext) (*dlppb.Value, error) {
	k, err := d.key(c.GetCryptoKey())
	if err != nil {
		return nil, err
	}
	alpha, err := fpeAlphabet(c)
	if err != nil {
		return nil, err
	}
	f, err := newFF1(k, len(alpha))
	if err != nil {
		return nil, invalid("%v", err)
	}
	pos := map[rune]uint16{}
	for i, r := range alpha {
		pos[r] = uint16(i)
	}
	sur := c.GetSurrogateInfoType().GetName()
	text := valueText(v)
	if d.reverse {
		text = surrogateStrip(sur, text)
	}
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return nil, terr("FPE identifiers must be ASCII")
		}
	}
	rs := []rune(text)
	x := make([]uint16, len(rs))
	for i, r := range rs {
		p, ok := pos[r]
		if !ok {
			return nil, terr("character %q of the value is not in the FPE alphabet", r)
		}
		x[i] = p
	}
	if len(x) == 0 {
		return v, nil // DLP skips empty identifiers
	}
	y, err := f.crypt(x, fpeTweak(c.GetContext(), row), d.reverse)
	if err != nil {
		return nil, terr("%v", err)
	}
	out := make([]rune, len(y))
	for i, p := range y {
		out[i] = alpha[p]
	}
	s := string(out)
	if !d.reverse {
		s = surrogateWrap(sur, s)
	}
	if _, ok := v.GetType().(*dlppb.Value_IntegerValue); ok && sur == "" {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return intValue(i), nil
		}
	}
	return strValue(s), nil
}

func fixedBucket(c *dlppb.FixedSizeBucketingConfig, v *dlppb.Value) (*dlppb.Value, error) {
	lo, ok1 := number(c.GetLowerBound())
	hi, ok2 := number(c.GetUpperBound())
	size := c.GetBucketSize()
	if !ok1 || !ok2 || size <= 0 || hi <= lo {
		return nil, invalid("fixed_size_bucketing_config needs numeric lower_bound < upper_bound and a positive bucket_size.")
	}
	x, ok := number(v)
	if !ok {
		return nil, terr("fixed-size bucketing needs a numeric value")
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case x < lo:
		return strValue("-" + f(lo)), nil
	case x >= hi:
		return strValue(f(hi) + "+"), nil
	}
	b := lo + float64(int64((x-lo)/size))*size
	top := b + size
	if top > hi {
		top = hi
	}
	// The reference documents "10-20", but the live service (and Google's
	// published sample tests in Python and Java) write lower:upper.
	return strValue(f(b) + ":" + f(top)), nil
}

func bucket(c *dlppb.BucketingConfig, v *dlppb.Value) (*dlppb.Value, error) {
	for _, b := range c.GetBuckets() {
		if b.GetMin() != nil && compareValues(v, b.GetMin()) < 0 {
			continue
		}
		if b.GetMax() != nil && compareValues(v, b.GetMax()) >= 0 {
			continue
		}
		return b.GetReplacementValue(), nil
	}
	return v, nil
}

func timePart(c *dlppb.TimePartConfig, v *dlppb.Value) (*dlppb.Value, error) {
	t, _, ok := asTime(v)
	if !ok {
		return nil, terr("time part extraction needs a date or timestamp value")
	}
	p, err := extractPart(c, t)
	if err != nil {
		return nil, err
	}
	// A STRING cell stays a string, as the live service answers ("1970" for
	// "01/01/1970" in Google's time-extraction sample); dates and
	// timestamps give an integer.
	if _, isString := v.GetType().(*dlppb.Value_StringValue); isString {
		return strValue(strconv.FormatInt(p, 10)), nil
	}
	return intValue(p), nil
}

func extractPart(c *dlppb.TimePartConfig, t time.Time) (int64, error) {
	switch c.GetPartToExtract() {
	case dlppb.TimePartConfig_YEAR:
		return int64(t.Year()), nil
	case dlppb.TimePartConfig_MONTH:
		return int64(t.Month()), nil
	case dlppb.TimePartConfig_DAY_OF_MONTH:
		return int64(t.Day()), nil
	case dlppb.TimePartConfig_DAY_OF_WEEK:
		wd := int64(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return wd, nil
	case dlppb.TimePartConfig_WEEK_OF_YEAR:
		_, w := t.ISOWeek()
		return int64(w), nil
	case dlppb.TimePartConfig_HOUR_OF_DAY:
		return int64(t.Hour()), nil
	}
	return 0, invalid("time_part_config.part_to_extract is required.")
}

func (d *deid) dateShift(c *dlppb.DateShiftConfig, v *dlppb.Value, row rowContext) (*dlppb.Value, error) {
	lo, hi := int(c.GetLowerBoundDays()), int(c.GetUpperBoundDays())
	if hi < lo || hi-lo > 365250 || lo < -365250 || hi > 365250 {
		return nil, invalid("date_shift_config bounds must satisfy lower_bound_days <= upper_bound_days within 1000 years.")
	}
	if c.GetContext().GetName() != "" && c.GetCryptoKey() == nil {
		return nil, invalid("date_shift_config.context requires crypto_key.")
	}
	t, layout, ok := asTime(v)
	if !ok {
		return nil, terr("date shift needs a date or timestamp value")
	}
	span := hi - lo + 1
	var shift int
	ctx := contextBytes(c.GetContext(), row)
	if c.GetCryptoKey() != nil && ctx != nil {
		k, err := d.key(c.GetCryptoKey())
		if err != nil {
			return nil, err
		}
		m := hmac.New(sha256.New, k)
		m.Write(ctx)
		sum := m.Sum(nil)
		n := new(big.Int).SetBytes(sum[:8])
		shift = lo + int(n.Mod(n, big.NewInt(int64(span))).Int64())
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		shift = lo + int(binary.BigEndian.Uint64(b[:])%uint64(span))
	}
	if d.reverse {
		shift = -shift
	}
	return timeLike(v, t.AddDate(0, 0, shift), layout), nil
}

var _ = time.UTC
