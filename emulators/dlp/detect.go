package dlp

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// span is one raw detection inside a text.
type span struct {
	start, end int
	it         string
	lik        dlppb.Likelihood
}

type customType struct {
	name      string
	lik       dlppb.Likelihood
	re        *regexp.Regexp
	groups    []int
	dict      *dictionary
	surrogate bool
	exclude   bool // EXCLUSION_TYPE_EXCLUDE: used by rules, never reported
	extends   bool // names a built-in and sets no detector of its own
	hotwords  []*hotword
}

type hotword struct {
	re            *regexp.Regexp
	before, after int
	fixed         dlppb.Likelihood
	relative      int32
}

type exclusion struct {
	re       *regexp.Regexp
	dict     *dictionary
	types    map[string]bool
	hot      *hotword
	matching dlppb.MatchingType
}

type ruleSet struct {
	types      map[string]bool
	hotwords   []*hotword
	exclusions []*exclusion
}

// inspector is a compiled InspectConfig.
type inspector struct {
	builtins     typeSet // reported built-ins
	scan         typeSet // built-ins computed (reported plus rule inputs)
	customs      []*customType
	rules        []*ruleSet
	minLik       dlppb.Likelihood
	minPerType   map[string]dlppb.Likelihood
	includeQuote bool
	maxPerItem   int
	maxPerReq    int
	maxPerType   map[string]int
	reported     map[string]bool
	excludeTypes bool // exclude_info_types: findings carry no infoType
}

func compileRegex(r *dlppb.CustomInfoType_Regex) (*regexp.Regexp, error) {
	if r == nil || r.GetPattern() == "" {
		return nil, invalid("Regex pattern must not be empty.")
	}
	re, err := regexp.Compile(r.GetPattern())
	if err != nil {
		return nil, invalid("Invalid regular expression %q: %v", r.GetPattern(), err)
	}
	return re, nil
}

func compileHotword(re *dlppb.CustomInfoType_Regex, prox *dlppb.CustomInfoType_DetectionRule_Proximity, adj *dlppb.CustomInfoType_DetectionRule_LikelihoodAdjustment) (*hotword, error) {
	c, err := compileRegex(re)
	if err != nil {
		return nil, err
	}
	h := &hotword{re: c, before: int(prox.GetWindowBefore()), after: int(prox.GetWindowAfter())}
	if adj != nil {
		h.fixed = adj.GetFixedLikelihood()
		h.relative = adj.GetRelativeLikelihood()
	}
	return h, nil
}

func newInspector(cfg *dlppb.InspectConfig) (*inspector, error) {
	in := &inspector{
		minLik:       cfg.GetMinLikelihood(),
		includeQuote: cfg.GetIncludeQuote(),
		maxPerItem:   int(cfg.GetLimits().GetMaxFindingsPerItem()),
		maxPerReq:    int(cfg.GetLimits().GetMaxFindingsPerRequest()),
		reported:     map[string]bool{},
	}
	if in.minLik == dlppb.Likelihood_LIKELIHOOD_UNSPECIFIED {
		in.minLik = dlppb.Likelihood_POSSIBLE
	}
	// In InspectContent max_findings_per_item is ignored and
	// max_findings_per_request is capped at 3,000, as DLP documents.
	in.maxPerItem = 0
	if in.maxPerReq <= 0 || in.maxPerReq > maxFindingsLimit {
		in.maxPerReq = maxFindingsLimit
	}
	in.excludeTypes = cfg.GetExcludeInfoTypes()
	for _, l := range cfg.GetMinLikelihoodPerInfoType() {
		if in.minPerType == nil {
			in.minPerType = map[string]dlppb.Likelihood{}
		}
		in.minPerType[l.GetInfoType().GetName()] = l.GetMinLikelihood()
	}
	for _, l := range cfg.GetLimits().GetMaxFindingsPerInfoType() {
		if in.maxPerType == nil {
			in.maxPerType = map[string]int{}
		}
		in.maxPerType[l.GetInfoType().GetName()] = int(l.GetMaxFindings())
	}
	customNames := map[string]bool{}
	excluded := map[string]bool{} // EXCLUSION_TYPE_EXCLUDE custom types
	for _, c := range cfg.GetCustomInfoTypes() {
		ct, err := compileCustom(c)
		if err != nil {
			return nil, err
		}
		if customNames[ct.name] {
			return nil, invalid("Duplicate custom info type %q.", ct.name)
		}
		customNames[ct.name] = true
		in.customs = append(in.customs, ct)
		if ct.exclude {
			excluded[ct.name] = true
		} else if !ct.extends {
			in.reported[ct.name] = true
		}
	}
	if len(cfg.GetInfoTypes()) == 0 && len(cfg.GetCustomInfoTypes()) == 0 {
		in.builtins = allBuiltins
		for _, b := range builtinList {
			in.reported[b.name] = true
		}
	}
	for _, it := range cfg.GetInfoTypes() {
		name := it.GetName()
		if name == "" {
			return nil, invalid("InfoType name must not be empty.")
		}
		idx, isBuiltin := builtinIndex[name]
		if customNames[name] && !isBuiltin {
			continue
		}
		if isBuiltin {
			// A custom infoType of the same name extends the built-in: its
			// findings add to the built-in's, and EXCLUSION_TYPE_EXCLUDE
			// keeps both out of the result (they still feed rules).
			in.scan |= 1 << idx
			if !excluded[name] {
				in.builtins |= 1 << idx
				in.reported[name] = true
			}
			continue
		}
		if alias, ok := infoTypeAliases[name]; ok {
			for _, a := range alias {
				in.builtins |= 1 << builtinIndex[a]
				in.reported[a] = true
			}
			continue
		}
		if _, ok := documentedIndex[name]; ok {
			return nil, notDetected("inspect_config.info_types", name)
		}
		return nil, invalid("Invalid built-in info type name %q.", name)
	}
	in.scan |= in.builtins
	for _, ct := range in.customs {
		if ct.extends && in.scan&(1<<builtinIndex[ct.name]) == 0 {
			return nil, invalid("Custom info type %q sets no regex, dictionary or surrogate_type; it may only extend the built-in %s when inspect_config.info_types names it.", ct.name, ct.name)
		}
	}
	for _, rs := range cfg.GetRuleSet() {
		r := &ruleSet{types: map[string]bool{}}
		for _, it := range rs.GetInfoTypes() {
			r.types[it.GetName()] = true
		}
		for _, rule := range rs.GetRules() {
			switch {
			case rule.GetHotwordRule() != nil:
				h := rule.GetHotwordRule()
				hw, err := compileHotword(h.GetHotwordRegex(), h.GetProximity(), h.GetLikelihoodAdjustment())
				if err != nil {
					return nil, err
				}
				r.hotwords = append(r.hotwords, hw)
			case rule.GetExclusionRule() != nil:
				x := rule.GetExclusionRule()
				ex := &exclusion{matching: x.GetMatchingType()}
				if ex.matching == dlppb.MatchingType_MATCHING_TYPE_UNSPECIFIED {
					return nil, invalid("Exclusion rule requires a matching_type.")
				}
				switch {
				case x.GetRegex() != nil:
					re, err := compileRegex(x.GetRegex())
					if err != nil {
						return nil, err
					}
					ex.re = re
				case x.GetDictionary() != nil:
					d, err := compileDictionary(x.GetDictionary())
					if err != nil {
						return nil, err
					}
					ex.dict = d
				case x.GetExcludeInfoTypes() != nil:
					ex.types = map[string]bool{}
					for _, it := range x.GetExcludeInfoTypes().GetInfoTypes() {
						n := it.GetName()
						ex.types[n] = true
						if idx, ok := builtinIndex[n]; ok {
							in.scan |= 1 << idx
						} else if alias, ok := infoTypeAliases[n]; ok && !customNames[n] {
							for _, a := range alias {
								ex.types[a] = true
								in.scan |= 1 << builtinIndex[a]
							}
						} else if _, ok := documentedIndex[n]; ok && !customNames[n] {
							return nil, notDetected("exclusion_rule.exclude_info_types", n)
						} else if !customNames[n] {
							return nil, invalid("Invalid info type %q in exclude_info_types.", n)
						}
					}
				case x.GetExcludeByHotword() != nil:
					h := x.GetExcludeByHotword()
					hw, err := compileHotword(h.GetHotwordRegex(), h.GetProximity(), nil)
					if err != nil {
						return nil, err
					}
					ex.hot = hw
				case x.GetExcludeByImageFindings() != nil:
					return nil, unsupported("exclusion_rule.exclude_by_image_findings", "images are not inspected (no OCR)")
				default:
					return nil, invalid("Exclusion rule must set a type.")
				}
				r.exclusions = append(r.exclusions, ex)
			case rule.GetAdjustmentRule() != nil:
				return nil, unsupported("rule_set[].rules[].adjustment_rule", "only hotword_rule and exclusion_rule are emulated; a hotword_rule with a likelihood_adjustment covers most uses")
			}
		}
		in.rules = append(in.rules, r)
	}
	return in, nil
}

func compileCustom(c *dlppb.CustomInfoType) (*customType, error) {
	name := c.GetInfoType().GetName()
	if name == "" {
		return nil, invalid("Custom info type name must not be empty.")
	}
	ct := &customType{name: name, lik: c.GetLikelihood(), exclude: c.GetExclusionType() == dlppb.CustomInfoType_EXCLUSION_TYPE_EXCLUDE}
	if ct.lik == dlppb.Likelihood_LIKELIHOOD_UNSPECIFIED {
		ct.lik = dlppb.Likelihood_VERY_LIKELY
	}
	switch {
	case c.GetRegex() != nil:
		re, err := compileRegex(c.GetRegex())
		if err != nil {
			return nil, err
		}
		ct.re = re
		for _, g := range c.GetRegex().GetGroupIndexes() {
			if int(g) > re.NumSubexp() {
				return nil, invalid("Group index %d out of range for pattern %q.", g, c.GetRegex().GetPattern())
			}
			ct.groups = append(ct.groups, int(g))
		}
	case c.GetDictionary() != nil:
		d, err := compileDictionary(c.GetDictionary())
		if err != nil {
			return nil, err
		}
		ct.dict = d
	case c.GetSurrogateType() != nil:
		ct.surrogate = true
	case c.GetMetadataKeyValueExpression() != nil:
		return nil, unsupported("custom_info_types[].metadata_key_value_expression", "metadata is not inspected; use a regex or dictionary")
	case c.GetFileLabelInfoType() != nil:
		return nil, unsupported("custom_info_types[].file_label_info_type", "file labels are not inspected; use a regex or dictionary")
	case c.GetStoredType() != nil:
		// Server.resolveStored replaces stored types before an inspector is built.
		return nil, invalid("custom_info_types[].stored_type %q was not resolved.", c.GetStoredType().GetName())
	default:
		// A custom infoType named after a built-in extends it; with no
		// detector of its own it only carries exclusion_type and rules
		// (Google's inspect-without-overlap sample). newInspector checks
		// that the built-in is requested.
		if _, ok := builtinIndex[name]; !ok {
			return nil, invalid("Custom info type %q must set regex, dictionary or surrogate_type.", name)
		}
		ct.extends = true
	}
	for _, r := range c.GetDetectionRules() {
		h := r.GetHotwordRule()
		if h == nil {
			continue
		}
		hw, err := compileHotword(h.GetHotwordRegex(), h.GetProximity(), h.GetLikelihoodAdjustment())
		if err != nil {
			return nil, err
		}
		ct.hotwords = append(ct.hotwords, hw)
	}
	return ct, nil
}

// near reports whether the hotword occurs within the proximity window
// (counted in characters) around s, or in the column header of a table cell,
// which DLP treats as context for the cell.
func (h *hotword) near(text, header string, s span) bool {
	if header != "" && h.re.MatchString(header) {
		return true
	}
	lo := s.start
	for n := 0; n < h.before && lo > 0; n++ {
		_, sz := utf8.DecodeLastRuneInString(text[:lo])
		lo -= sz
	}
	if lo < s.start && h.re.MatchString(text[lo:s.start]) {
		return true
	}
	hi := s.end
	for n := 0; n < h.after && hi < len(text); n++ {
		_, sz := utf8.DecodeRuneInString(text[hi:])
		hi += sz
	}
	return s.end < hi && h.re.MatchString(text[s.end:hi])
}

func (h *hotword) adjust(l dlppb.Likelihood) dlppb.Likelihood {
	if h.fixed != dlppb.Likelihood_LIKELIHOOD_UNSPECIFIED {
		return h.fixed
	}
	n := int32(l) + h.relative
	if n < int32(dlppb.Likelihood_VERY_UNLIKELY) {
		n = int32(dlppb.Likelihood_VERY_UNLIKELY)
	}
	if n > int32(dlppb.Likelihood_VERY_LIKELY) {
		n = int32(dlppb.Likelihood_VERY_LIKELY)
	}
	return dlppb.Likelihood(n)
}

// scanText returns the reportable spans found in text, sorted by position.
func (in *inspector) scanText(text string) []span { return in.scanCell("", text) }

// scanCell scans one value; header is the column name of a table cell ("" for
// free text). Built-in detectors see the header as preceding context, so a
// column named "ssn" or "phone" raises unformatted numbers the way a context
// word does; hotword rules also match the header.
func (in *inspector) scanCell(header, text string) []span {
	all := make([]span, 0, 4+len(text)/48)
	if in.scan != 0 {
		if header == "" {
			all = runBuiltins(text, in.scan, all)
		} else {
			prefix := header + ": "
			full := prefix + text
			all = runBuiltins(full, in.scan, all)
			w := 0
			for _, s := range all {
				if s.start >= len(prefix) {
					s.start -= len(prefix)
					s.end -= len(prefix)
					all[w] = s
					w++
				}
			}
			all = all[:w]
		}
	}
	for _, c := range in.customs {
		all = c.find(text, header, all)
	}
	if len(in.rules) > 0 {
		all = in.applyRules(text, header, all)
	}
	out := all[:0]
	for _, s := range all {
		if !in.reported[s.it] {
			continue
		}
		min := in.minLik
		if m, ok := in.minPerType[s.it]; ok {
			min = m
		}
		if s.lik < min {
			continue
		}
		out = append(out, s)
	}
	return sortSpans(out)
}

func spanLess(a, b span) bool {
	if a.start != b.start {
		return a.start < b.start
	}
	if a.end != b.end {
		return a.end > b.end
	}
	return a.it < b.it
}

// sortSpans orders spans by position. Detector outputs are sorted runs, so
// a natural merge sort does little work.
func sortSpans(s []span) []span {
	if len(s) < 2 {
		return s
	}
	var runs []int
	runs = append(runs, 0)
	for i := 1; i < len(s); i++ {
		if spanLess(s[i], s[i-1]) {
			runs = append(runs, i)
		}
	}
	if len(runs) == 1 {
		return s
	}
	if len(runs) > 64 {
		slices.SortFunc(s, func(a, b span) int {
			if spanLess(a, b) {
				return -1
			}
			if spanLess(b, a) {
				return 1
			}
			return 0
		})
		return s
	}
	runs = append(runs, len(s))
	buf := make([]span, len(s))
	src, dst := s, buf
	for len(runs) > 2 {
		var next []int
		for r := 0; r+1 < len(runs); r += 2 {
			lo, mid := runs[r], runs[r+1]
			hi := mid
			if r+2 < len(runs) {
				hi = runs[r+2]
			}
			i, j, k := lo, mid, lo
			for i < mid && j < hi {
				if spanLess(src[j], src[i]) {
					dst[k] = src[j]
					j++
				} else {
					dst[k] = src[i]
					i++
				}
				k++
			}
			k += copy(dst[k:], src[i:mid])
			copy(dst[k:], src[j:hi])
			next = append(next, lo)
		}
		next = append(next, len(s))
		runs = next
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
	return s
}

func (c *customType) find(text, header string, out []span) []span {
	base := len(out)
	switch {
	case c.re != nil:
		for _, m := range c.re.FindAllStringSubmatchIndex(text, -1) {
			if len(c.groups) == 0 {
				if m[1] > m[0] {
					out = append(out, span{m[0], m[1], c.name, c.lik})
				}
				continue
			}
			for _, g := range c.groups {
				if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
					out = append(out, span{m[2*g], m[2*g+1], c.name, c.lik})
				}
			}
		}
	case c.dict != nil:
		for _, m := range c.dict.find(text) {
			out = append(out, span{m[0], m[1], c.name, c.lik})
		}
	case c.surrogate:
		out = findSurrogates(text, c.name, out)
	}
	for i := base; i < len(out); i++ {
		for _, h := range c.hotwords {
			if h.near(text, header, out[i]) {
				out[i].lik = h.adjust(out[i].lik)
			}
		}
	}
	return out
}

// findSurrogates finds NAME(len):payload tokens written by deterministic
// encryption or FPE with a surrogate infoType.
func findSurrogates(text, name string, out []span) []span {
	pfx := name + "("
	for i := 0; ; {
		j := strings.Index(text[i:], pfx)
		if j < 0 {
			return out
		}
		st := i + j
		p := st + len(pfx)
		k := p
		for k < len(text) && text[k] >= '0' && text[k] <= '9' {
			k++
		}
		n, err := strconv.Atoi(text[p:k])
		if err == nil && k+1 < len(text) && text[k] == ')' && text[k+1] == ':' {
			end := k + 2
			for c := 0; c < n && end < len(text); c++ {
				_, sz := utf8.DecodeRuneInString(text[end:])
				end += sz
			}
			out = append(out, span{st, end, name, dlppb.Likelihood_VERY_LIKELY})
			i = end
			continue
		}
		i = st + len(pfx)
	}
}

func overlaps(a, b span) bool { return a.start < b.end && b.start < a.end }

func (in *inspector) applyRules(text, header string, all []span) []span {
	drop := make([]bool, len(all))
	for _, r := range in.rules {
		for i := range all {
			s := &all[i]
			if !r.types[s.it] || drop[i] {
				continue
			}
			for _, h := range r.hotwords {
				if h.near(text, header, *s) {
					s.lik = h.adjust(s.lik)
				}
			}
			for _, ex := range r.exclusions {
				if ex.excludes(text, header, *s, all) {
					drop[i] = true
					break
				}
			}
		}
	}
	out := all[:0]
	for i, s := range all {
		if !drop[i] {
			out = append(out, s)
		}
	}
	return out
}

func (ex *exclusion) excludes(text, header string, s span, all []span) bool {
	quote := text[s.start:s.end]
	full := ex.matching == dlppb.MatchingType_MATCHING_TYPE_FULL_MATCH
	inverse := ex.matching == dlppb.MatchingType_MATCHING_TYPE_INVERSE_MATCH
	switch {
	case ex.re != nil:
		if full {
			m := ex.re.FindStringIndex(quote)
			return m != nil && m[0] == 0 && m[1] == len(quote) || fullCover(ex.re, quote)
		}
		hit := ex.re.MatchString(quote)
		return hit != inverse
	case ex.dict != nil:
		ms := ex.dict.find(quote)
		if full {
			return ex.dict.fullMatch(quote)
		}
		return (len(ms) > 0) != inverse
	case ex.types != nil:
		any, inside := false, false
		for _, o := range all {
			if !ex.types[o.it] || o.it == s.it || !overlaps(o, s) {
				continue
			}
			any = true
			if o.start <= s.start && o.end >= s.end {
				inside = true
			}
		}
		switch {
		case full:
			return inside
		case inverse:
			return !any
		}
		return any
	case ex.hot != nil:
		return ex.hot.near(text, header, s) != inverse
	}
	return false
}

// fullCover reports whether consecutive regex matches cover quote from start to end.
func fullCover(re *regexp.Regexp, quote string) bool {
	pos := 0
	for _, m := range re.FindAllStringIndex(quote, -1) {
		if m[0] != pos {
			return false
		}
		pos = m[1]
	}
	return pos == len(quote) && len(quote) > 0
}

// inspectItem inspects a ContentItem and returns findings and whether they
// were truncated by the limits.
func (in *inspector) inspectItem(item *dlppb.ContentItem) ([]*dlppb.Finding, bool) {
	var out []*dlppb.Finding
	truncated := false
	perType := map[string]int{}
	created := timestampOf(time.Now()) // shared, read-only: one allocation per request
	add := func(text string, spans []span, loc func(*dlppb.Location)) bool {
		cp, prev := 0, 0
		itemCount := 0
		for _, s := range spans {
			if in.maxPerReq > 0 && len(out) >= in.maxPerReq {
				truncated = true
				return false
			}
			if in.maxPerItem > 0 && itemCount >= in.maxPerItem {
				truncated = true
				return true
			}
			if lim, ok := in.maxPerType[s.it]; ok && lim > 0 && perType[s.it] >= lim {
				continue
			}
			if len(out) >= maxFindingsLimit {
				truncated = true
				return false
			}
			if s.start >= prev {
				cp += utf8.RuneCountInString(text[prev:s.start])
			} else {
				cp -= utf8.RuneCountInString(text[s.start:prev])
			}
			prev = s.start
			cpEnd := cp + utf8.RuneCountInString(text[s.start:s.end])
			f := &dlppb.Finding{
				InfoType:   &dlppb.InfoType{Name: s.it},
				Likelihood: s.lik,
				Location: &dlppb.Location{
					ByteRange:      &dlppb.Range{Start: int64(s.start), End: int64(s.end)},
					CodepointRange: &dlppb.Range{Start: int64(cp), End: int64(cpEnd)},
				},
				CreateTime: created,
			}
			if in.includeQuote {
				f.Quote = text[s.start:s.end]
			}
			if in.excludeTypes {
				f.InfoType = nil
			}
			if loc != nil {
				loc(f.Location)
			}
			out = append(out, f)
			perType[s.it]++
			itemCount++
		}
		return true
	}
	switch {
	case item.GetTable() != nil:
		t := item.GetTable()
		for r, row := range t.GetRows() {
			for c, v := range row.GetValues() {
				text := valueText(v)
				if text == "" {
					continue
				}
				var field *dlppb.FieldId
				if c < len(t.GetHeaders()) {
					field = t.GetHeaders()[c]
				}
				rowIdx := int64(r)
				if !add(text, in.scanCell(field.GetName(), text), func(l *dlppb.Location) {
					l.ContentLocations = []*dlppb.ContentLocation{{
						Location: &dlppb.ContentLocation_RecordLocation{RecordLocation: &dlppb.RecordLocation{
							FieldId:       field,
							TableLocation: &dlppb.TableLocation{RowIndex: rowIdx},
						}},
					}}
				}) {
					return out, truncated
				}
			}
		}
	default:
		text := item.GetValue()
		if bi := item.GetByteItem(); bi != nil {
			text = string(bi.GetData())
		}
		add(text, in.scanText(text), nil)
	}
	return out, truncated
}
