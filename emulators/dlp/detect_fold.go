package dlp

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The detectors walk bytes and know ASCII letters only. Text with other
// letters is folded first: Latin letters lose their diacritics ("José
// Núñez" → "Jose Nunez", "Zoë" → "Zoe", "ß" → "ss"), Cyrillic and Greek
// ones are transliterated the way names_extract.mjs made the name lists
// from faker's ru/uk/mk/el locales ("Иван" → "Ivan"), and the spans found
// in the folded text are mapped back to the bytes of the original. Letters
// of other scripts (CJK, Arabic, …) and every non-letter stay as they are,
// separators as before. ASCII text skips all of this.

// foldSpecial are letters NFD does not decompose into an ASCII base letter.
var foldSpecial = map[rune]string{
	'ß': "ss", 'ẞ': "SS", 'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE", 'ø': "o", 'Ø': "O",
	'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D", 'ł': "l", 'Ł': "L", 'þ': "th", 'Þ': "TH",
	'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŀ': "l", 'Ŀ': "L", 'ŋ': "ng", 'Ŋ': "NG",
}

// translit is names_extract.mjs's table (lower case; an upper-case letter
// gives its transliteration with the first letter capitalised).
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'ѓ': "g", 'е': "e", 'ё': "e", 'є': "ye", 'ж': "zh", 'з': "z", 'ѕ': "dz",
	'и': "i", 'і': "i", 'ї': "yi", 'й': "y", 'ј': "j", 'к': "k", 'ќ': "k", 'л': "l", 'љ': "lj", 'м': "m", 'н': "n", 'њ': "nj", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'џ': "dzh", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n",
	'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// folds holds foldRuneSlow's answer for every letter of the Latin-1,
// Latin Extended A/B and Additional, Greek and Cyrillic blocks it folds;
// other runes are kept.
var folds = map[rune]string{}

func init() {
	for _, blk := range [][2]rune{{0x80, 0x24f}, {0x370, 0x4ff}, {0x1e00, 0x1eff}} {
		for r := blk[0]; r <= blk[1]; r++ {
			if s, ok := foldRuneSlow(r); ok && unicode.IsLetter(r) {
				folds[r] = s
			}
		}
	}
}

// foldRuneSlow returns the ASCII spelling of the letter r, or false to keep r.
func foldRuneSlow(r rune) (string, bool) {
	if s, ok := foldSpecial[r]; ok {
		return s, true
	}
	lr := unicode.ToLower(r)
	if s, ok := translit[lr]; !ok {
		// Greek letters with a tonos decompose first.
		if d := []rune(norm.NFD.String(string(lr))); len(d) > 1 {
			s, ok = translit[d[0]]
			if ok {
				if lr != r && s != "" {
					s = string(s[0]-'a'+'A') + s[1:]
				}
				return s, true
			}
		}
	} else {
		if lr != r && s != "" {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s, true
	}
	d := norm.NFD.String(string(r))
	if b := d[0]; b < utf8.RuneSelf && isAlpha(b) {
		for _, m := range d[1:] {
			if !unicode.Is(unicode.Mn, m) {
				return "", false
			}
		}
		return string(b), true
	}
	return "", false
}

// foldText returns text with its foldable letters in ASCII and, for each
// byte of the folded text (and its end), the offset in text of the rune it
// came from; ok is false when text is ASCII (nothing to fold).
func foldText(text string) (folded string, pos []int32, ok bool) {
	// Only text with a foldable letter is copied.
	i := 0
	for i+8 <= len(text) && text[i]|text[i+1]|text[i+2]|text[i+3]|text[i+4]|text[i+5]|text[i+6]|text[i+7] < utf8.RuneSelf {
		i += 8
	}
	for i < len(text) {
		if text[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if _, ok := folds[r]; ok {
			break
		}
		i += n
	}
	if i == len(text) {
		return text, nil, false
	}
	buf := make([]byte, 0, len(text))
	pos = make([]int32, 0, len(text)+1)
	for j := 0; j < i; j++ {
		pos = append(pos, int32(j))
	}
	buf = append(buf, text[:i]...)
	for i < len(text) {
		if text[i] < utf8.RuneSelf {
			buf = append(buf, text[i])
			pos = append(pos, int32(i))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if s, ok := folds[r]; ok {
			buf = append(buf, s...)
			for range len(s) {
				pos = append(pos, int32(i))
			}
		} else {
			buf = append(buf, text[i:i+n]...)
			for k := range n {
				pos = append(pos, int32(i+k))
			}
		}
		i += n
	}
	pos = append(pos, int32(len(text)))
	return string(buf), pos, true
}

// unfoldSpan maps a span of the folded text back onto text.
func unfoldSpan(text string, pos []int32, s span) span {
	start, end := int(pos[s.start]), int(pos[s.end])
	if s.end > s.start && s.end < len(pos)-1 && pos[s.end] == pos[s.end-1] {
		// The span ends inside the folding of one rune ("ss" of "ß"): take the rune.
		_, n := utf8.DecodeRuneInString(text[pos[s.end-1]:])
		end = int(pos[s.end-1]) + n
	}
	s.start, s.end = start, end
	return s
}
