package dlp

import (
	_ "embed"
	"strings"
)

// The PERSON_NAME dictionaries beside the built-in lists in detect_words.go:
// ~15,700 given names and ~15,700 surnames from the locale data of
// @faker-js/faker 10.6.0 (MIT), and SCOWL's common English words, which
// tell an ordinary capitalised word ("Yesterday", "Golden") from an unknown
// name. The headers of the files say how they were made.
var (
	//go:embed names_given.txt
	namesGivenTxt string
	//go:embed names_surname.txt
	namesSurnameTxt string
	//go:embed words_common.txt
	wordsCommonTxt string
)

const (
	flagDictGiven   = 1 << 4 // in names_given.txt
	flagDictSurname = 1 << 5 // in names_surname.txt
	flagParticle    = 1 << 6 // "Van", "De", "El"… opening a name
	flagCommon      = 1 << 7 // a dictionary name that is also a common English word ("Will", "Rose", "Hill")
	flagHonorific   = 1 << 8 // "Sir", "Dame", "Lord", "Lady": part of the name they open
	flagPlace       = 1 << 9 // "San", "Santa", "Fort"…: opens a place name, not a person's
)

// honorifics open a styled name and belong to it ("Sir Isaac Newton");
// placeOpeners open place names that would otherwise look like a given
// name and a surname ("San Francisco", "Santa Clara", "Port Elizabeth").
const (
	honorifics   = "Sir Dame Lord Lady Count Countess Baron Baroness Viscount Cardinal Bishop Archbishop Pope Prince Princess Duke Duchess Emperor Empress Tsar Sultan"
	placeOpeners = "San Santa Santo Sao Los Las Fort Port Mount Lake Cape Saint Puerto Porto Rio Costa Bay"
)

// commonWords are the lower-case common English words of words_common.txt,
// in byte order (the file is sorted so): a sorted slice of substrings of
// the embedded file, searched without allocating, costs 1 MB where a map
// would cost 6.

var commonWords []string

// isCommonWord reports whether w, lower-cased, is in commonWords.
func isCommonWord(w string) bool {
	if len(w) > 16 {
		return false
	}
	var buf [16]byte
	for i := 0; i < len(w); i++ {
		buf[i] = lower(w[i])
	}
	k := buf[:len(w)]
	lo, hi := 0, len(commonWords)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c := compareBytes(commonWords[m], k); c == 0 {
			return true
		} else if c < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return false
}

// compareBytes compares a and b as strings.Compare does.
func compareBytes(a string, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// nameParticles join a given name to a surname in lower case ("Ludwig van
// Beethoven") or open a name capitalised ("Van Gogh", "El Greco").
var nameParticles = map[string]bool{}

// placeNames are well-known two-word places whose words are in the name
// dictionaries or unknown to the common-word list.
var placeNames = map[string]bool{}

// initNameDicts loads the dictionaries into capFlags (after detect_words.go
// has put its own lists there) and builds capBloom.
func initNameDicts() {
	for _, w := range strings.Fields("van von de da di del della der den du la le ten ter bin ibn al el dos das") {
		nameParticles[w] = true
	}
	commonWords = make([]string, 0, strings.Count(wordsCommonTxt, "\n"))
	eachLine(wordsCommonTxt, func(w string) {
		if n := len(commonWords); n > 0 && commonWords[n-1] >= w {
			panic("words_common.txt is not sorted at " + w)
		}
		commonWords = append(commonWords, w)
	})
	// Words that never make a name here: stop words, months, weekdays,
	// street suffixes, titles.
	excluded := func(w string) bool {
		return notSurname[w] || monthOK(w) || inLower(streetSuffixes, w) || capFlags[w]&(flagTitle|flagMonth) != 0
	}
	add := func(txt string, flag uint16) {
		eachLine(txt, func(w string) {
			if len(w) < 2 || len(w) > 16 || excluded(w) {
				return
			}
			capFlags[w] |= flag
			if isCommonWord(w) {
				capFlags[w] |= flagCommon
			}
		})
	}
	add(namesGivenTxt, flagDictGiven)
	add(namesSurnameTxt, flagDictSurname)
	for _, p := range strings.Split("Hong Kong,Buenos Aires,Tel Aviv,Sri Lanka,Abu Dhabi,Kuala Lumpur,Sierra Leone,El Salvador,Costa Rica,Addis Ababa,Dar es,Phnom Penh,Ho Chi,Sao Paulo,Rio de,Las Vegas,Los Angeles,San Diego,Santa Fe,Baton Rouge,Hyde Park,Notre Dame,Monte Carlo", ",") {
		placeNames[p] = true
	}
	for _, w := range strings.Fields(honorifics) {
		capFlags[w] |= flagHonorific
	}
	for _, w := range strings.Fields(placeOpeners) {
		capFlags[w] |= flagPlace
	}
	for w := range nameParticles {
		capFlags[strings.ToUpper(w[:1])+w[1:]] |= flagParticle
	}
	for k := range capFlags {
		capBloomAdd(k)
	}
}

// eachLine calls f with each line of txt that is not empty or a # comment.
func eachLine(txt string, f func(string)) {
	for len(txt) > 0 {
		line := txt
		if i := strings.IndexByte(txt, '\n'); i >= 0 {
			line, txt = txt[:i], txt[i+1:]
		} else {
			txt = ""
		}
		if line != "" && line[0] != '#' {
			f(line)
		}
	}
}

// strongGiven: a given name that is not also a common word.
func strongGiven(f uint16) bool {
	return f&flagGiven != 0 || f&(flagDictGiven|flagCommon) == flagDictGiven
}

// strongSurname: a known surname that is not also a common word.
func strongSurname(f uint16) bool {
	return f&flagSurname != 0 || f&(flagDictSurname|flagCommon) == flagDictSurname
}

// nameWordOK reports whether the capitalised word t may stand in a name:
// not a stop word, month, weekday or street suffix.
func nameWordOK(t string) bool {
	return (isCapWord(t) || isMcName(t)) && !notSurname[t] && !inLower(streetSuffixes, t) && !monthOK(t)
}

// unknownWordOK reports whether a capitalised word that is in no name list
// may still be part of a name: it is not a common English word either.
func unknownWordOK(t string, f uint16) bool {
	return f&(flagGiven|flagDictGiven|flagDictSurname|flagSurname|flagParticle) != 0 || !isCommonWord(t)
}

// compoundEnd extends a name word ending at te over "-Mann", "'Brien".
func compoundEnd(text string, te int) int {
	for te+1 < len(text) && (text[te] == '-' || text[te] == '\'') && isUpper(text[te+1]) {
		_, te = tokenAt(text, te+1)
	}
	return te
}

// nextCap returns the capitalised word after a single space at p, or empty.
func nextCap(text string, p int) (int, int) {
	if p+1 >= len(text) || text[p] != ' ' || !isUpper(text[p+1]) {
		return p, p
	}
	return tokenAt(text, p+1)
}

// dictName finds names the built-in given-name list does not: a given name
// from the dictionary (a common-word one like "Will" only before a known
// surname) with its surname, or an unknown word or particle before a known
// surname ("Jimi Hendrix", "El Greco"), with up to one middle name.
func dictName(text string, s, e int, t string, f uint16, out []span, skip *int) []span {
	// Cheap test first: most capitalised words open a sentence and are
	// followed by a lower-case word.
	if e+1 >= len(text) || text[e] != ' ' && text[e] != '-' || !isUpper(text[e+1]) && f&(flagGiven|flagDictGiven) == 0 {
		return out
	}
	if f&flagPlace != 0 || !nameWordOK(t) {
		return out
	}
	if f&flagHonorific != 0 {
		// "Sir Edward Elgar": the name after it, or one unknown word ("Lady Godiva").
		ws, we := nextCap(text, e)
		if we == ws || !nameWordOK(text[ws:we]) {
			return out
		}
		f2 := capLookup(text[ws:we])
		if f2&(flagHonorific|flagPlace|flagTitle) != 0 {
			return out
		}
		n := len(out)
		if out = dictName(text, ws, we, text[ws:we], f2, out, skip); len(out) > n && out[n].start == ws {
			out[n].start = s
			return out
		}
		if out = personName(text, ws, we, text[ws:we], out, skip); len(out) > n && out[n].start == ws {
			out[n].start = s
			return out
		}
		if !unknownWordOK(text[ws:we], f2) {
			return out
		}
		end := possessive(text, compoundEnd(text, we))
		*skip = end
		return append(out, span{s, end, "PERSON_NAME", vPossible})
	}
	p := e
	given := strongGiven(f)
	if given && p+1 < len(text) && text[p] == '-' {
		// A hyphenated given name, "Anne-Marie": its second part a given name too.
		if hs, he := tokenAt(text, p+1); he > hs && strongGiven(capLookup(text[hs:he])) {
			p = he
		}
	}
	lik := vPossible
	if given || f&flagDictGiven != 0 {
		// Lower-case particles between given name and surname.
		for {
			ws, we := tokenAt(text, p+1)
			if p < len(text) && text[p] == ' ' && we > ws && we-ws <= 4 && nameParticles[text[ws:we]] {
				p = we
				continue
			}
			break
		}
	}
	ws, we := nextCap(text, p)
	if we == ws {
		return out
	}
	w2 := text[ws:we]
	if !nameWordOK(w2) {
		return out
	}
	f2 := capLookup(w2)
	end := compoundEnd(text, we)
	switch {
	case strongSurname(f2) || strongSurname(capLookup(text[we:end])):
		if !given && f&(flagDictGiven|flagParticle) == 0 && !unknownWordOK(t, f) {
			return out
		}
		if given {
			lik = vLikely
		}
		// "Gabriel Garcia Marquez", "John Jacob Astor": a third word that is
		// a surname, or a given name's next word that is in no list and no
		// common word.
		if xs, xe := nextCap(text, end); xe > xs && nameWordOK(text[xs:xe]) {
			if f3 := capLookup(text[xs:xe]); strongSurname(f3) || (given || strongGiven(f2)) && f3&flagPlace == 0 && unknownWordOK(text[xs:xe], f3) && f3&flagCommon == 0 {
				// "Algernon Charles Swinburne": a given name in the
				// middle vouches for the unknown word after it too.
				end = compoundEnd(text, xe)
				end = fourthSurname(text, end)
			}
		}
	case given || f&flagDictGiven != 0 && strongGiven(f2):
		// A common-word given name ("Hope") before a dictionary given name
		// that is no common word ("Hope Lange") is taken as a full name
		// too; the middle-name rules below apply to it.
		if !unknownWordOK(w2, f2) && f2&flagDictSurname == 0 && !(given && strongNameContext(text, s, end, out)) {
			// A common word after a given name is a surname only where a
			// name is clearly expected ("Francis Bacon's", "Dear Johnny Cash"),
			// or a middle name before a name word that is no common word
			// ("Thomas Hart Benton", "Oliver Hazard Perry").
			if xe := thirdNameWord(text, end); !given || xe == end {
				return out
			}
		}
		// A middle name: "Johannes Peter Muller", "Wolfgang Amadeus Mozart",
		// and after a given name any name word that is no common word
		// ("Charles Farrar Browne", "Edgar Rice Burroughs").
		if xs, xe := nextCap(text, end); xe > xs && nameWordOK(text[xs:xe]) {
			f3 := capLookup(text[xs:xe])
			if strongSurname(f3) || strongGiven(f2) && unknownWordOK(text[xs:xe], f3) {
				end = compoundEnd(text, xe)
			} else if given {
				end = thirdNameWord(text, end)
			}
			if end >= xe {
				end = fourthSurname(text, end)
			}
		}
	default:
		// Unknown first word, middle word, known surname.
		if !unknownWordOK(t, f) || !unknownWordOK(w2, f2) {
			return out
		}
		if xs, xe := nextCap(text, end); xe > xs && nameWordOK(text[xs:xe]) && strongSurname(capLookup(text[xs:xe])) {
			end = compoundEnd(text, xe)
		} else if xe := thirdNameWord(text, end); xe > end && f2&flagCommon == 0 && unknownWordOK(t, f) && f&flagCommon == 0 && nameContext(text, s, xe, out) {
			// "Gaius Valerius Catullus": three words that are no common
			// words, where a name is expected.
			end = xe
		} else if xs, xe := nextCap(text, end); xe > xs && nameWordOK(text[xs:xe]) && f2&flagDictGiven != 0 && !isCommonWord(text[xs:xe]) && nameContext(text, s, compoundEnd(text, xe), out) {
			// "Wystan Hugh Auden": unknown, given, unknown, where a name is expected.
			end = compoundEnd(text, xe)
		} else if f2&(flagPlace|flagHonorific|flagParticle) != 0 || !nameContext(text, s, end, out) {
			// Two words in no list ("Mao Zedong") count only where a
			// name is expected: product and project names ("Debian
			// Python", "Affero General") look just the same.
			return out
		}
	}
	if placeNames[text[s:min(end, ws+len(w2))]] {
		return out
	}
	end = possessive(text, end)
	*skip = end
	return append(out, span{s, end, "PERSON_NAME", lik})
}

// thirdNameWord returns the end of the capitalised word after a single
// space at p when it may close a name: a given name or surname that is no
// common word, or a word in no list and no common word; else p.
func thirdNameWord(text string, p int) int {
	xs, xe := nextCap(text, p)
	if xe == xs || !nameWordOK(text[xs:xe]) {
		return p
	}
	f3 := capLookup(text[xs:xe])
	if f3&(flagPlace|flagHonorific|flagTitle|flagParticle|flagCommon) != 0 || !(strongSurname(f3) || strongGiven(f3) || unknownWordOK(text[xs:xe], f3)) {
		return p
	}
	return compoundEnd(text, xe)
}

// fourthSurname extends a three-word name ending at p over a fourth word
// that is a known surname ("Vinicius Lourenco Claro Cardoso").
func fourthSurname(text string, p int) int {
	if ys, ye := nextCap(text, p); ye > ys && nameWordOK(text[ys:ye]) && strongSurname(capLookup(text[ys:ye])) {
		return compoundEnd(text, ye)
	}
	return p
}

// strongNameContext is nameContext without the line and cell forms, which
// headings ("Grace Period") share: a possessive, a cue word, or next in a
// list after a name.
func strongNameContext(text string, s, e int, out []span) bool {
	if possessive(text, e) > e || nameCue(text, s) {
		return true
	}
	if n := len(out); n > 0 && out[n-1].it == "PERSON_NAME" && out[n-1].end < s && s-out[n-1].end <= 6 {
		switch text[out[n-1].end:s] {
		case ", ", " and ", ", and ", " & ", "; ", " or ":
			return true
		}
	}
	return false
}

// nameContext reports whether the words at s..e stand where a name is
// expected: alone on their line (a signature) or the whole value of a
// labelled line or table cell, before a
// possessive, after a name cue ("Dear", "Contact"), or next in a list after
// a name found just before ("Maria Lopez, Mao Zedong").
func nameContext(text string, s, e int, out []span) bool {
	if e == len(text) || text[e] == '\n' || text[e] == '\r' {
		if s == 0 || text[s-1] == '\n' {
			return true
		}
		// The whole value of a labelled line, "Owner: Mao Zedong" (and so
		// of a table cell, which is scanned as "header: value").
		if s >= 3 && text[s-1] == ' ' && text[s-2] == ':' {
			q := s - 2
			for q > 0 && (isAlnum(text[q-1]) || text[q-1] == '_') && s-q < 34 {
				q--
			}
			if q < s-2 && (q == 0 || text[q-1] == '\n') {
				return true
			}
		}
	}
	if possessive(text, e) > e || nameCue(text, s) {
		return true
	}
	if n := len(out); n > 0 && out[n-1].it == "PERSON_NAME" && out[n-1].end < s && s-out[n-1].end <= 6 {
		switch text[out[n-1].end:s] {
		case ", ", " and ", ", and ", " & ", "; ", " or ":
			return true
		}
	}
	return false
}

// loneName finds given names standing alone where a name is expected: a
// list of single names ("Ana, Bo and Chen", at least two of them given
// names that are no common word, the others such names or words in no list
// that are no common word either), or a signature under a short sign-off
// ("Regards,\nTomasz", also a word in no list). Only a word that does not
// run on into another capitalised word: full names are dictName's.
func loneName(text string, s, e int, t string, f uint16, out []span, skip *int) []span {
	if strongGiven(f) {
		e = hyphenGiven(text, e) // "Jean-Claude": every part a given name
	}
	// Cheap test first: a lone name needs a list separator after it, a
	// name just before it, or a line of its own.
	if !(s > 0 && text[s-1] == '\n' || e+2 < len(text) && (text[e] == ',' || text[e] == ' ' && (text[e+1] == 'a' || text[e+1] == '&')) ||
		len(out) > 0 && out[len(out)-1].it == "PERSON_NAME" && s-out[len(out)-1].end <= 6) {
		return out
	}
	first := loneWord(text, s, e, t, f)
	if !first && !listWord(text, s, e, t, f) {
		return out
	}
	// A list run starting here.
	type w struct{ s, e int }
	run := []w{{s, e}}
	strong := 0
	if strongGiven(f) {
		strong++
	}
	for p := e; ; {
		sep := ""
		for _, x := range []string{", and ", ", ", " and ", " & "} {
			if strings.HasPrefix(text[p:], x) {
				sep = x
				break
			}
		}
		if sep == "" || p+len(sep) >= len(text) || !isUpper(text[p+len(sep)]) {
			break
		}
		ws, we := tokenAt(text, p+len(sep))
		f2 := capLookup(text[ws:we])
		if strongGiven(f2) {
			we = hyphenGiven(text, we)
		}
		if !listWord(text, ws, we, text[ws:we], f2) {
			break
		}
		if strongGiven(f2) {
			strong++
		}
		run = append(run, w{ws, we})
		p = we
	}
	if len(run) >= 2 && strong >= 2 {
		for _, r := range run {
			out = append(out, span{r.s, possessive(text, r.e), "PERSON_NAME", vPossible})
		}
		*skip = run[len(run)-1].e
		return out
	}
	if !first || !signOffAbove(text, s, e) {
		return out
	}
	end := possessive(text, e)
	*skip = end
	return append(out, span{s, end, "PERSON_NAME", vPossible})
}

// loneWord reports whether the capitalised word t at s..e may be a name on
// its own: a given name that is no common word, or a word in no list that
// is no common word, not followed by another capitalised word.
func loneWord(text string, s, e int, t string, f uint16) bool {
	if f&(flagPlace|flagHonorific|flagParticle|flagTitle) != 0 || !nameWordOK(t) {
		return false
	}
	if e+1 < len(text) && (text[e] == ' ' || text[e] == '-') && isUpper(text[e+1]) {
		return false
	}
	return loneCandidate(t, f)
}

// listWord: loneWord, or a given name that is also a common word ("Tom",
// "Will"), which counts only among two or more other given names.
func listWord(text string, s, e int, t string, f uint16) bool {
	if loneWord(text, s, e, t, f) {
		return true
	}
	if f&flagDictGiven == 0 || f&(flagPlace|flagHonorific|flagParticle|flagTitle) != 0 || !nameWordOK(t) {
		return false
	}
	return !(e+1 < len(text) && (text[e] == ' ' || text[e] == '-') && isUpper(text[e+1]))
}

// loneCandidate: a given name that is no common word, or a word in no
// list and no common word.
func loneCandidate(t string, f uint16) bool {
	return strongGiven(f) || f&(flagDictGiven|flagDictSurname|flagSurname) == 0 && !isCommonWord(t)
}

// hyphenGiven extends a given name at s..e over "-Paul", "-Gabrielle"
// when every part is a given name ("Jean-Claude"); it returns e otherwise.
func hyphenGiven(text string, e int) int {
	end := e
	for end+1 < len(text) && text[end] == '-' && isUpper(text[end+1]) {
		hs, he := tokenAt(text, end+1)
		if !strongGiven(capLookup(text[hs:he])) {
			return e
		}
		end = he
	}
	return end
}

// signOffAbove reports whether the word at s..e is alone on its line and
// the line above (blank lines skipped) is a short sign-off ending in a
// comma: "Regards,", "Best wishes,", "Thanks,".
func signOffAbove(text string, s, e int) bool {
	for e < len(text) && (text[e] == ' ' || text[e] == '.') {
		e++
	}
	if e < len(text) && text[e] != '\n' && text[e] != '\r' || s == 0 || text[s-1] != '\n' {
		return false
	}
	p := s - 1
	for p > 0 && (text[p-1] == '\n' || text[p-1] == '\r' || text[p-1] == ' ') {
		p--
	}
	if p == 0 || text[p-1] != ',' {
		return false
	}
	q := p - 1
	for q > 0 && text[q-1] != '\n' {
		q--
	}
	line := text[q : p-1]
	return len(line) > 0 && len(line) <= 24 && strings.Count(line, " ") <= 2 && isUpper(line[0])
}
