package dlp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// dictionary implements DLP word-list matching: case-insensitive, phrases
// made of letters and digits, matched on token boundaries, where any run of
// other characters counts as a single separator.
type dictionary struct {
	byFirst map[string][][]string
}

type token struct {
	s, e int
	w    string
}

func tokenize(text string) []token {
	var out []token
	start := -1
	for i, r := range text {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if alnum && start < 0 {
			start = i
		}
		if !alnum && start >= 0 {
			out = append(out, token{start, i, strings.ToLower(text[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{start, len(text), strings.ToLower(text[start:])})
	}
	return out
}

func compileDictionary(d *dlppb.CustomInfoType_Dictionary) (*dictionary, error) {
	if d.GetCloudStoragePath() != nil {
		return nil, invalid("Dictionaries stored in Cloud Storage are not supported by the emulator.")
	}
	words := d.GetWordList().GetWords()
	if len(words) == 0 {
		return nil, invalid("Dictionary word list must not be empty.")
	}
	dict := &dictionary{byFirst: map[string][][]string{}}
	for _, w := range words {
		if utf8.RuneCountInString(strings.TrimSpace(w)) < 2 {
			return nil, invalid("Dictionary phrase %q is shorter than 2 characters.", w)
		}
		toks := tokenize(w)
		if len(toks) == 0 {
			continue
		}
		ph := make([]string, len(toks))
		for i, t := range toks {
			ph[i] = t.w
		}
		dict.byFirst[ph[0]] = append(dict.byFirst[ph[0]], ph)
	}
	return dict, nil
}

// find returns byte ranges of the longest phrase matches, left to right.
func (d *dictionary) find(text string) [][2]int {
	toks := tokenize(text)
	var out [][2]int
	for i := 0; i < len(toks); i++ {
		best := 0
		for _, ph := range d.byFirst[toks[i].w] {
			if len(ph) > len(toks)-i || len(ph) <= best {
				continue
			}
			ok := true
			for k := 1; k < len(ph); k++ {
				if toks[i+k].w != ph[k] {
					ok = false
					break
				}
			}
			if ok {
				best = len(ph)
			}
		}
		if best > 0 {
			out = append(out, [2]int{toks[i].s, toks[i+best-1].e})
			i += best - 1
		}
	}
	return out
}

// fullMatch reports whether the dictionary matches cover every token of quote.
func (d *dictionary) fullMatch(quote string) bool {
	toks := tokenize(quote)
	if len(toks) == 0 {
		return false
	}
	covered := 0
	for _, m := range d.find(quote) {
		for _, t := range toks {
			if t.s >= m[0] && t.e <= m[1] {
				covered++
			}
		}
	}
	return covered == len(toks)
}
