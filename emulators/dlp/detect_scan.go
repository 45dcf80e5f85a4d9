package dlp

import (
	"sort"
	"strings"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

type grp struct{ s, e int }

func isSep(c byte) bool {
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'
}

// findNumeric walks the text once, gathering chains of digit groups joined
// by short separators, and evaluates every detector that is built from
// digits on the sub-chains.
const numericTypes typeSet = 1<<bPhone | 1<<bCard | 1<<bSSN | 1<<bIP | 1<<bDate | 1<<bDOB | 1<<bAge | 1<<bIMEI | 1<<bITIN | 1<<bEIN | 1<<bPassport

// numericAt gathers the chain of digit groups joined by short separators
// that starts at i, evaluates every detector built from digits on its
// sub-chains, and returns the end of the chain.
func numericAt(text string, i int, set typeSet, out []span) ([]span, int) {
	var gs [24]grp
	n := 0
	p := i
	for {
		s := p
		for p < len(text) && class[text[p]]&cDigit != 0 {
			p++
		}
		gs[n] = grp{s, p}
		n++
		if n == len(gs) {
			break
		}
		q := p
		for q < len(text) && q-p < 2 && isSep(text[q]) {
			q++
		}
		if q > p && q < len(text) && isDigit(text[q]) {
			p = q
			continue
		}
		break
	}
	dirty := p < len(text) && (isAlpha(text[p]) || text[p] == '_') && !(text[p] == 'T' && p+1 < len(text) && isDigit(text[p+1]))
	cb := len(out)
	if n == 1 && p-i < 6 {
		// A short lone number: only AGE can match.
		if set.has(bAge) && !dirty && p-i <= 3 {
			if v := atoi(text[i:p]); v >= 1 && v <= 125 && ageContext(text, i, p) {
				out = append(out, span{i, p, "AGE", vLikely})
			}
		}
	} else {
		out = evalChain(text, gs[:n], dirty, set, out)
		out = dedupe(out, cb)
	}
	return out, p
}

// dedupe drops spans that lie inside another span of the same infoType.
func dedupe(out []span, base int) []span {
	sub := out[base:]
	if len(sub) < 2 {
		return out
	}
	sort.Slice(sub, func(i, j int) bool {
		if sub[i].start != sub[j].start {
			return sub[i].start < sub[j].start
		}
		return sub[i].end > sub[j].end
	})
	w := 0
	for i := range sub {
		keep := true
		for k := w - 1; k >= 0 && k >= w-8; k-- {
			if sub[k].it == sub[i].it && sub[k].start <= sub[i].start && sub[k].end >= sub[i].end {
				keep = false
				break
			}
		}
		if keep {
			sub[w] = sub[i]
			w++
		}
	}
	return out[:base+w]
}

func sepAt(text string, g []grp, m int) string { return text[g[m].e:g[m+1].s] }

func lens(g []grp, want ...int) bool {
	if len(g) != len(want) {
		return false
	}
	for i, w := range want {
		if g[i].e-g[i].s != w {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func validYMD(y, m, d int) bool {
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if m == 2 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return d <= 28
	}
	return d <= days[m]
}

func evalChain(text string, g []grp, dirty bool, set typeSet, out []span) []span {
	n := len(g)
	var buf [64]byte
	for i := 0; i < n; i++ {
		nd := 0
		for k := 1; k <= 5 && i+k <= n; k++ {
			nd += g[i+k-1].e - g[i+k-1].s
			if dirty && i+k == n {
				continue
			}
			if !numericShape(text, g, i, k, nd) {
				continue
			}
			sub := g[i : i+k]
			var left, right string
			if i > 0 {
				left = sepAt(text, g, i-1)
			}
			if i+k < n {
				right = sepAt(text, g, i+k-1)
			}
			if k > 1 {
				first, last := sepAt(text, g, i), sepAt(text, g, i+k-2)
				if left == first || right == last {
					cc := i == 1 && g[0].e-g[0].s == 1 && text[g[0].s] == '1' && right != last
					if !cc {
						continue
					}
				}
			} else if (len(left) == 1 && left != " ") || (len(right) == 1 && right != " ") {
				continue
			}
			d := buf[:0]
			for _, x := range sub {
				d = append(d, text[x.s:x.e]...)
				if len(d) > 40 {
					break
				}
			}
			s, e := sub[0].s, sub[k-1].e
			out = numericDetect(text, g, i, k, sub, d, s, e, left, right, set, out)
		}
	}
	return out
}

// numericShape is a cheap filter: can k groups holding nd digits be any
// numeric infoType at all?
func numericShape(text string, g []grp, i, k, nd int) bool {
	switch {
	case nd >= 13 && nd <= 19, nd == 9:
		return true
	case k == 1:
		return nd <= 3 || (nd >= 6 && nd <= 8) || nd == 10 || (nd >= 11 && g[i].s > 0 && text[g[i].s-1] == '+')
	case k == 2:
		return nd == 7 || (i == 0 && g[0].s > 0 && text[g[0].s-1] == '+' && nd >= 8)
	case k == 3:
		return (nd >= 4 && nd <= 8) || nd == 10 || (i == 0 && g[0].s > 0 && text[g[0].s-1] == '+' && nd >= 8)
	case k == 4:
		return nd <= 12 || nd == 11 || (i == 0 && g[0].s > 0 && text[g[0].s-1] == '+' && nd >= 8)
	}
	return i == 0 && g[0].s > 0 && text[g[0].s-1] == '+' && nd >= 8
}

func allSeps(text string, sub []grp, allowed string) (string, bool) {
	var sep string
	for m := 0; m+1 < len(sub); m++ {
		x := text[sub[m].e:sub[m+1].s]
		if m == 0 {
			sep = x
			if len(x) != 1 || !strings.Contains(allowed, x) {
				return "", false
			}
		} else if x != sep {
			return "", false
		}
	}
	return sep, true
}

func numericDetect(text string, g []grp, i, k int, sub []grp, d []byte, s, e int, left, right string, set typeSet, out []span) []span {
	nd := len(d)
	// Credit cards and IMEI.
	if set&(1<<bCard|1<<bIMEI) != 0 && nd >= 13 && nd <= 19 {
		sep, ok := allSeps(text, sub, " -")
		_ = sep
		grouped := ok && (lens(sub, 4, 4, 4, 4) || lens(sub, 4, 6, 5) || lens(sub, 4, 6, 4) || lens(sub, 4, 4, 4, 4, 3) || lens(sub, 4, 4, 4, 1))
		if (k == 1 || grouped) && luhn(d) {
			amex := d[0] == '3' && (d[1] == '4' || d[1] == '7')
			imeiCtx := hot(text, s, e, 40, 0, hwIMEI)
			if nd == 15 && !amex || nd == 15 && imeiCtx {
				if set.has(bIMEI) {
					lik := vLikely
					if imeiCtx {
						lik = vVeryLikely
					}
					out = append(out, span{s, e, "IMEI_HARDWARE_ID", lik})
				}
			} else if set.has(bCard) && cardIIN(d) {
				lik := vLikely
				if grouped || hot(text, s, e, 40, 0, hwCard) {
					lik = vVeryLikely
				}
				out = append(out, span{s, e, "CREDIT_CARD_NUMBER", lik})
			}
		}
	}
	if set.has(bIMEI) && lens(sub, 2, 6, 6, 1) && luhn(d) {
		if _, ok := allSeps(text, sub, " -"); ok {
			out = append(out, span{s, e, "IMEI_HARDWARE_ID", vLikely})
		}
	}
	// SSN / ITIN / EIN / passport.
	if nd == 9 {
		if k == 3 && lens(sub, 3, 2, 4) {
			if sep, ok := allSeps(text, sub, "- "); ok {
				if itinValid(d) {
					if set.has(bITIN) {
						lik := vLikely
						if hot(text, s, e, 40, 0, hwTax) {
							lik = vVeryLikely
						}
						out = append(out, span{s, e, "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER", lik})
					}
				} else if set.has(bSSN) && ssnValid(d) {
					lik := vLikely
					if sep == " " {
						lik = vPossible
					}
					// "Case 123-45-6789" is an SSN-shaped reference number
					// unless an SSN word is nearer.
					dPos, dNeg := hotDist(text, s, 40, hwSSN), hotDist(text, s, 12, hwNotID)
					switch {
					case dNeg >= 0 && (dPos < 0 || dNeg < dPos):
						lik = vUnlikely
					case dPos >= 0:
						lik = vVeryLikely
					}
					out = append(out, span{s, e, "US_SOCIAL_SECURITY_NUMBER", lik})
				}
			}
		}
		if k == 2 && lens(sub, 2, 7) && text[sub[0].e:sub[1].s] == "-" && set.has(bEIN) && einPrefixes[atoi(string(d[:2]))] {
			lik := vPossible
			if hot(text, s, e, 40, 0, hwEIN) {
				lik = vLikely
			}
			out = append(out, span{s, e, "US_EMPLOYER_IDENTIFICATION_NUMBER", lik})
		}
		if k == 1 {
			// The nearest context word decides what an unformatted number is.
			best, bestD := "", -1
			try := func(it string, ok bool, words *hotwords, win int) {
				if !ok {
					return
				}
				if d := hotDist(text, s, win, words); d >= 0 && (bestD < 0 || d < bestD) {
					best, bestD = it, d
				}
			}
			try("US_SOCIAL_SECURITY_NUMBER", set.has(bSSN) && ssnValid(d), hwSSN, 40)
			try("US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER", set.has(bITIN) && itinValid(d), hwTax, 40)
			try("US_EMPLOYER_IDENTIFICATION_NUMBER", set.has(bEIN) && einPrefixes[atoi(string(d[:2]))], hwEIN, 40)
			try("PASSPORT", set.has(bPassport), hwPassport, 20)
			if best != "" {
				out = append(out, span{s, e, best, vLikely})
			}
		}
	}
	if k == 1 && (nd == 8 || nd == 6 || nd == 7) && set.has(bPassport) && hot(text, s, e, 20, 0, hwPassport) {
		out = append(out, span{s, e, "PASSPORT", vLikely})
	}
	// Phone numbers.
	if set.has(bPhone) {
		out = phoneDetect(text, g, i, k, sub, d, s, e, left, out)
	}
	// Dates.
	if set&(1<<bDate|1<<bDOB) != 0 && k == 3 {
		if _, ok := allSeps(text, sub, "-/."); ok {
			l0, l1, l2 := sub[0].e-sub[0].s, sub[1].e-sub[1].s, sub[2].e-sub[2].s
			a, b, c := atoi(text[sub[0].s:sub[0].e]), atoi(text[sub[1].s:sub[1].e]), atoi(text[sub[2].s:sub[2].e])
			ok := false
			switch {
			case l0 == 4 && l1 <= 2 && l2 <= 2:
				ok = validYMD(a, b, c)
			case l0 <= 2 && l1 <= 2 && l2 == 4:
				ok = validYMD(c, a, b) || validYMD(c, b, a)
			case l0 <= 2 && l1 <= 2 && l2 == 2 && text[sub[0].e] == '/':
				// m/d/yy
				ok = validYMD(2000+c, a, b) || validYMD(1900+c, a, b)
			}
			if ok {
				out = emitDate(text, s, e, set, out)
			}
		}
	}
	// IPv4.
	if set.has(bIP) && k == 4 {
		if _, ok := allSeps(text, sub, "."); ok {
			valid := true
			for _, x := range sub {
				l := x.e - x.s
				if l > 3 || (l > 1 && text[x.s] == '0') || atoi(text[x.s:x.e]) > 255 {
					valid = false
					break
				}
			}
			if valid {
				lik := vLikely
				if hotDist(text, s, 12, hwNotIP) >= 0 || (s > 0 && (text[s-1] == 'v' || text[s-1] == 'V')) {
					lik = vUnlikely // "version 2.0.1.5"
				}
				out = append(out, span{s, e, "IP_ADDRESS", lik})
			}
		}
	}
	// Age.
	if set.has(bAge) && k == 1 && nd <= 3 {
		if v := atoi(string(d)); v >= 1 && v <= 125 && ageContext(text, s, e) {
			out = append(out, span{s, e, "AGE", vLikely})
		}
	}
	return out
}

func emitDate(text string, s, e int, set typeSet, out []span) []span {
	if set.has(bDate) {
		out = append(out, span{s, e, "DATE", vLikely})
	}
	if set.has(bDOB) && hot(text, s, e, 40, 0, hwDOB) {
		out = append(out, span{s, e, "DATE_OF_BIRTH", vLikely})
	}
	return out
}

func phoneDetect(text string, g []grp, i, k int, sub []grp, d []byte, s, e int, left string, out []span) []span {
	nd := len(d)
	likFn := func() dlppb.Likelihood {
		if hot(text, s, e, 40, 0, hwPhone) {
			return vVeryLikely
		}
		return vLikely
	}
	us := func(a []grp) bool { return text[a[0].s] >= '2' && text[a[1].s] >= '2' }
	switch {
	case k == 3 && lens(sub, 3, 3, 4) && us(sub):
		a, b := sepAt(text, sub, 0), sepAt(text, sub, 1)
		paren := s > 0 && text[s-1] == '('
		ok := false
		switch {
		case paren && (a == ") " || a == ")") && (b == "-" || b == " " || b == "."):
			ok = true
			s--
		case !paren && a == b && (a == "-" || a == "." || a == " "):
			ok = true
		}
		if !ok {
			return out
		}
		// Country code 1 in front.
		if i > 0 && g[i-1].e-g[i-1].s == 1 && text[g[i-1].s] == '1' {
			s = g[i-1].s
		}
		if s > 0 && text[s-1] == '+' {
			s--
		}
		if s > 0 && isAlnum(text[s-1]) {
			return out
		}
		return append(out, span{s, e, "PHONE_NUMBER", likFn()})
	case k >= 2 && i == 0 && k == len(g) && s > 0 && text[s-1] == '+' && nd >= 8 && nd <= 15:
		if _, ok := allSeps(text, sub, " -."); !ok {
			return out
		}
		return append(out, span{s - 1, e, "PHONE_NUMBER", vLikely})
	case k == 2 && lens(sub, 3, 4) && d[0] >= '2' && text[sub[0].e:sub[1].s] == "-" && hot(text, s, e, 30, 0, hwPhone):
		// 7-digit local number, only with a phone context word.
		return append(out, span{s, e, "PHONE_NUMBER", vLikely})
	case k == 1 && nd == 10 && d[0] >= '2' && d[3] >= '2' && likFn() == vVeryLikely:
		return append(out, span{s, e, "PHONE_NUMBER", vLikely})
	case k == 1 && nd >= 11 && nd <= 15 && s > 0 && text[s-1] == '+':
		return append(out, span{s - 1, e, "PHONE_NUMBER", vLikely})
	}
	return out
}

func ageContext(text string, s, e int) bool {
	// preceding words
	p := s
	for p > 0 && (text[p-1] == ' ' || text[p-1] == ':' || text[p-1] == '=') {
		p--
	}
	q := p
	for q > 0 && isAlpha(text[q-1]) {
		q--
	}
	w := text[q:p]
	if strings.EqualFold(w, "age") || strings.EqualFold(w, "aged") {
		return true
	}
	if w == "of" {
		r := q
		for r > 0 && text[r-1] == ' ' {
			r--
		}
		t := r
		for t > 0 && isAlpha(text[t-1]) {
			t--
		}
		if strings.EqualFold(text[t:r], "age") {
			return true
		}
	}
	rest := text[e:]
	if len(rest) > 16 {
		rest = rest[:16]
	}
	if len(rest) < 3 || (rest[0] != ' ' && rest[0] != '-') {
		return false
	}
	for _, suf := range []string{" years old", " year old", " yrs old", "-year-old", " year-old", " y/o", " years of age", " yo "} {
		if len(rest) >= len(suf) && strings.EqualFold(rest[:len(suf)], suf) {
			return true
		}
	}
	return false
}
