package dlp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// dictionary implements DLP word-list matching: case-insensitive, phrases
// made of letters and digits, where any run of other characters counts as a
// single separator. As the reference documents, the characters around a
// match must be of another class than the adjacent characters of the word
// (letters next to non-letters, digits next to non-digits): "jen" matches
// the first three letters of "jen123" but nothing in "jennifer".
type dictionary struct {
	byFirst map[string][]phrase
}

type phrase struct {
	words []string
	glued []bool // glued[k]: word k follows word k-1 with no separator
}

type token struct {
	s, e  int
	w     string
	glued bool // follows the previous token with no separator (class change)
}

// runeClass is 1 for letters, 2 for digits, 0 for everything else.
func runeClass(r rune) int {
	switch {
	case unicode.IsLetter(r):
		return 1
	case unicode.IsDigit(r):
		return 2
	}
	return 0
}

func tokenize(text string) []token {
	var out []token
	start, cls := -1, 0
	glued := false
	for i, r := range text {
		c := runeClass(r)
		if start >= 0 && c != cls {
			out = append(out, token{start, i, strings.ToLower(text[start:i]), glued})
			start = -1
			glued = c != 0
		} else if start < 0 && c == 0 {
			glued = false
		}
		if c != 0 && start < 0 {
			start, cls = i, c
		}
	}
	if start >= 0 {
		out = append(out, token{start, len(text), strings.ToLower(text[start:]), glued})
	}
	return out
}

func compileDictionary(d *dlppb.CustomInfoType_Dictionary) (*dictionary, error) {
	if d.GetCloudStoragePath() != nil {
		return nil, unsupported("dictionary.cloud_storage_path", "the emulator reads no Cloud Storage; use dictionary.word_list")
	}
	words := d.GetWordList().GetWords()
	if len(words) == 0 {
		return nil, invalid("Dictionary word list must not be empty.")
	}
	dict := &dictionary{byFirst: map[string][]phrase{}}
	for _, w := range words {
		if utf8.RuneCountInString(strings.TrimSpace(w)) < 2 {
			return nil, invalid("Dictionary phrase %q is shorter than 2 characters.", w)
		}
		toks := tokenize(w)
		if len(toks) == 0 {
			continue
		}
		ph := phrase{words: make([]string, len(toks)), glued: make([]bool, len(toks))}
		for i, t := range toks {
			ph.words[i], ph.glued[i] = t.w, t.glued
		}
		dict.byFirst[ph.words[0]] = append(dict.byFirst[ph.words[0]], ph)
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
			if len(ph.words) > len(toks)-i || len(ph.words) <= best {
				continue
			}
			ok := true
			for k := 1; k < len(ph.words); k++ {
				if toks[i+k].w != ph.words[k] || toks[i+k].glued != ph.glued[k] {
					ok = false
					break
				}
			}
			if ok {
				best = len(ph.words)
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
