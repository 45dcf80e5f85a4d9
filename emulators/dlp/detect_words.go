package dlp

import "strings"

var tlds = map[string]bool{}

func init() {
	for _, t := range strings.Fields("com net org edu gov mil int io co uk de fr es it nl eu info biz dev app ai us ca au jp cn in br ru ch se no dk fi pl be at ie nz sg hk me tv xyz online site tech cloud email mx ar za kr tw pt gr cz hu ro il tr ua ae sa ly gg ws cc") {
		tlds[t] = true
	}
}

var swiftCountries = map[string]bool{}

func init() {
	for c := range ibanLengths {
		swiftCountries[c] = true
	}
	for _, c := range strings.Fields("US CA MX JP CN IN AU NZ SG HK KR TW ZA AR CL CO PE RU ID MY TH PH VN NG KE") {
		swiftCountries[c] = true
	}
}

var months = map[string]int{}

func init() {
	for i, m := range strings.Fields("january february march april may june july august september october november december") {
		months[m] = i + 1
		months[m[:3]] = i + 1
	}
	months["sept"] = 9
}

var streetSuffixes = map[string]bool{}

func init() {
	for _, w := range strings.Fields("street st avenue ave road rd boulevard blvd lane ln drive dr court ct way place pl terrace parkway pkwy circle cir highway hwy square sq trail alley") {
		streetSuffixes[w] = true
	}
}

// firstNames is the given-name list the PERSON_NAME heuristic relies on.
var firstNames = map[string]bool{}

// notSurname lists capitalised words that do not continue a name.
var notSurname = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip Louis Liam Lucas Oliver Mateo Carlos Luis Miguel Diego Ahmed Mohammed Omar Ali Wei Hiroshi Raj Arjun Ivan Dmitri Lars Sven Pierre Hans Marco Giovanni
Jane Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Ava Mia Chloe Zoe Lucia Sofia Camila Valentina Fatima Aisha Priya Mei Yuki Ingrid Astrid Claire Sophie Elena Ana Carmen Rosa Julia Nina Olga Tatiana
Aaliyah Abdul Abel Adrian Adriana Agnes Aidan Aiden Alberto Alejandra Alejandro Alex Alexandra Alfredo Alicia Alina Alison Allison Alvaro Amanda Amelia Amir Ana Andre Andres Angel Angelica Anika Anita Anthony Antonio Ariana Arianna Arnav Aryan Ashley Audrey Aurora Austin Ava Barry Beatriz Bella Ben Benjamin Bernard Bianca Blake Bradley Brandon Brett Brian Brooke Bruno Caleb Calvin Camille Carla Carmen Caroline Carter Cesar Chad Charlie Chen Chris Christopher Claudia Cody Colin Connor Cristina Dana Dani Darius Darren Dean Derek Diego Dominic Dylan Eduardo Elena Eli Elias Elijah Elise Ella Ellie Emilia Emmanuel Enrique Eric Erik Erin Esther Eva Evan Fabian Farah Felipe Felix Fernando Fiona Francesca Francisco Gabriela Gavin Gemma Gianna Gloria Gonzalo Gregory Hailey Hamza Harper Harry Hassan Hector Hugo Ian Ibrahim Ines Irene Isaac Isabel Isaiah Ivy Jade Jaime Jamal Jamie Jan Jared Jasmine Javier Jay Jenna Jesus Jin Joanna Joel Jonas Jorge Josh Juan Julian Juliana Kai Karim Karina Katie Kenji Kevin Khalid Kim Kira Klaus Kofi Laila Layla Leah Leo Leon Leonardo Liam Lily Lina Lorenzo Lucy Luka Luna Madeline Malik Manuel Marcus Mariana Marina Mario Marta Martin Mateo Max Maya Mehmet Melanie Mohamed Muhammad Nadia Naomi Nathaniel Nicolas Nikhil Nina Nora Oscar Owen Pablo Paula Pedro Rafael Rahul Ramon Raquel Rebecca Ricardo Riley Rita Roberto Rohan Ruby Sakura Salma Sam Samuel Santiago Sasha Sebastian Sergio Shreya Simon Sonia Stella Stefan Tara Theo Tomas Valeria Vanessa Victor Vikram Violet Xavier Yara Yasmin Yvonne Zara Zoe`) {
		firstNames[n] = true
	}
	for _, w := range strings.Fields(`The A An And Or But Of In On At To For From With By As Is Was Are Be This That These Those It He She They We You I My Our Your His Her Their Street Avenue Road Lane Drive Court Boulevard Inc Ltd LLC Corp Company Bank University College School Hospital Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December Said Says Will Can Has Had Did Does And Team Group Account Card Email Phone Number Address Name`) {
		notSurname[w] = true
	}
}

// inLower looks w up in m case-insensitively without allocating.
func inLower(m map[string]bool, w string) bool {
	if len(w) > 16 {
		return false
	}
	var buf [16]byte
	for i := 0; i < len(w); i++ {
		buf[i] = lower(w[i])
	}
	return m[string(buf[:len(w)])]
}

const (
	flagGiven = 1 << iota
	flagMonth
	flagTitle
	flagSurname
)

// surnames are family names reported on their own ("invented by
// Shakespeare", "Dickens's novels") when they stand mid-sentence, after a
// name cue or before a possessive. Surnames that are also common English
// words or places (Brown, King, Young, Washington…) are left out: they
// count only after a given name or a title.
var surnames = strings.Fields(`Shakespeare Austen Dickens Twain Tolstoy Dostoevsky Hemingway Orwell Tolkien Rowling Einstein Darwin Curie Gandhi Jefferson Churchill Napoleon Picasso Beethoven Mozart Freud Kafka Chaucer Wordsworth Keats Whitman Thoreau Fitzgerald Steinbeck Faulkner Melville Hawthorne Bronte Woolf Nabokov Cervantes Goethe Aristotle Socrates Plato Nietzsche Descartes Voltaire Rousseau Dumas Tennyson Kipling Asimov Lovelace Turing Nightingale Mandela
Smith Johnson Williams Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Anderson Thompson Sanchez Ramirez Robinson Nguyen Kowalski Nowak Schmidt Schneider Fischer Muller Rossi Esposito Bianchi Tanaka Suzuki Yamamoto Watanabe Takahashi Kobayashi Nakamura Patel Singh Kumar Sharma Gupta Ivanov Petrov Smirnov Dubois Moreau Lefebvre Fernandez Gomez Diaz Alvarez Gutierrez Oliveira Pereira Almeida Jensen Nielsen Hansen Larsen Johansson Karlsson Nilsson Eriksson McCarthy Macdonald`)

// capFlags classifies capitalised words with one map lookup.
var capFlags = map[string]uint16{}

func init() {
	for n := range firstNames {
		capFlags[n] |= flagGiven
	}
	for m := range months {
		capFlags[strings.ToUpper(m[:1])+m[1:]] |= flagMonth
	}
	for _, t := range []string{"Mr", "Mrs", "Ms", "Dr", "Miss", "Prof"} {
		capFlags[t] |= flagTitle
	}
	for _, n := range surnames {
		capFlags[n] |= flagSurname
	}
	initNameDicts() // the dictionaries of detect_names.go, and capBloom
}

// capBloom is a Bloom filter (two bits a key, 2^18 bits) over the capFlags
// keys: with ~31,000 names in the map, most capitalised words that are no
// name skip the map lookup.
var capBloom [1 << 12]uint64

const capBloomMask = 1<<18 - 1

func capHash(t string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(t); i++ {
		h ^= uint64(t[i])
		h *= 1099511628211
	}
	return h
}

func capBloomAdd(k string) {
	h := capHash(k)
	a, b := h&capBloomMask, (h>>32)&capBloomMask
	capBloom[a>>6] |= 1 << (a & 63)
	capBloom[b>>6] |= 1 << (b & 63)
}

func capLookup(t string) uint16 {
	if len(t) < 2 || len(t) > 16 {
		return 0
	}
	h := capHash(t)
	a, b := h&capBloomMask, (h>>32)&capBloomMask
	if capBloom[a>>6]&(1<<(a&63)) == 0 || capBloom[b>>6]&(1<<(b&63)) == 0 {
		return 0
	}
	return capFlags[t]
}

func monthOK(w string) bool {
	if len(w) < 3 || len(w) > 9 {
		return false
	}
	var buf [9]byte
	for i := 0; i < len(w); i++ {
		buf[i] = lower(w[i])
	}
	_, ok := months[string(buf[:len(w)])]
	return ok
}

func isCapWord(t string) bool {
	if len(t) < 2 || !isUpper(t[0]) {
		return false
	}
	for i := 1; i < len(t); i++ {
		if !(t[i] >= 'a' && t[i] <= 'z') {
			return false
		}
	}
	return true
}

// nextToken returns the alnum token starting at p (after skipping exactly
// the separator sep), or empty.
func tokenAt(text string, p int) (int, int) {
	e := p
	for e < len(text) && isAlnum(text[e]) {
		e++
	}
	return p, e
}

// findWords walks the alphanumeric tokens of text once, running the
// word-shaped detectors and, at digit tokens, the numeric chain detectors.
func findWords(text string, set typeSet, out []span) []span {
	skip, numEnd := 0, 0
	for i := 0; i < len(text); {
		c := text[i]
		if class[c]&(cDigit|cUpper|cLower) == 0 {
			i++
			continue
		}
		s := i
		for i < len(text) && class[text[i]]&(cDigit|cUpper|cLower) != 0 {
			i++
		}
		e := i
		if s >= numEnd && isDigit(c) && set&numericTypes != 0 && (s == 0 || text[s-1] != '_') {
			out, numEnd = numericAt(text, s, set, out)
		}
		if s < skip {
			continue
		}
		t := text[s:e]
		prev := byte(' ')
		if s > 0 {
			prev = text[s-1]
		}
		// Domain names, also the domain of an e-mail address, which the
		// live service reports beside EMAIL_ADDRESS (Google's
		// inspect-without-overlap sample drops them with an exclusion rule).
		if set.has(bDomain) && e+1 < len(text) && text[e] == '.' && isAlpha(text[e+1]) && prev != '.' && prev != '/' && prev != '-' && prev != '_' && prev != ':' {
			if de, ll := domainAt(text, s); de > 0 && inLower(tlds, text[ll:de]) {
				if de >= len(text) || (text[de] != '@' && text[de] != '-' && text[de] != '_') {
					out = append(out, span{s, de, "DOMAIN_NAME", vLikely})
					skip = de
					continue
				}
			}
		}
		if e-s == 17 && set.has(bVIN) && vinValid(text[s:e]) {
			lik := vLikely
			if hot(text, s, e, 30, 0, hwVIN) {
				lik = vVeryLikely
			}
			out = append(out, span{s, e, "VEHICLE_IDENTIFICATION_NUMBER", lik})
			continue
		}
		switch {
		case isUpper(c):
			out = upperToken(text, s, e, t, prev, set, out, &skip)
		case isDigit(c):
			out = digitToken(text, s, e, t, set, out, &skip)
		}
	}
	return out
}

func upperToken(text string, s, e int, t string, prev byte, set typeSet, out []span, skip *int) []span {
	n := len(t)
	allUD := true
	digits := 0
	for i := 0; i < n; i++ {
		if isDigit(t[i]) {
			digits++
		} else if !isUpper(t[i]) {
			allUD = false
			break
		}
	}
	if allUD {
		if n == 17 && set.has(bVIN) && vinValid(t) {
			lik := vLikely
			if hot(text, s, e, 30, 0, hwVIN) {
				lik = vVeryLikely
			}
			out = append(out, span{s, e, "VEHICLE_IDENTIFICATION_NUMBER", lik})
			return out
		}
		if set.has(bIBAN) && n >= 4 && isUpper(t[1]) && isDigit(t[2]) && isDigit(t[3]) {
			if want, ok := ibanLengths[t[:2]]; ok {
				var buf [40]byte
				comp := append(buf[:0], t...)
				end := e
				for len(comp) < want && end+1 < len(text) && text[end] == ' ' {
					ts, te := tokenAt(text, end+1)
					if te == ts || te-ts > 4 {
						break
					}
					ok := true
					for k := ts; k < te; k++ {
						if !isDigit(text[k]) && !isUpper(text[k]) {
							ok = false
						}
					}
					if !ok {
						break
					}
					comp = append(comp, text[ts:te]...)
					end = te
				}
				if len(comp) == want && ibanValid(comp) {
					out = append(out, span{s, end, "IBAN_CODE", vVeryLikely})
					*skip = end
					return out
				}
			}
		}
		if set.has(bSWIFT) && (n == 8 || n == 11) && digits <= 5 {
			ok := true
			for k := 0; k < 6; k++ {
				if !isUpper(t[k]) {
					ok = false
				}
			}
			if ok && swiftCountries[t[4:6]] {
				lik := vUnlikely
				if hot(text, s, e, 20, 0, hwSwift) {
					lik = vLikely
				} else if digits > 0 {
					lik = vPossible
				}
				out = append(out, span{s, e, "SWIFT_CODE", lik})
				return out
			}
		}
		if set.has(bPassport) && (n == 9 || n == 8) && digits >= n-2 && isUpper(t[0]) && isDigit(t[n-1]) && hot(text, s, e, 40, 0, hwPassport) {
			out = append(out, span{s, e, "PASSPORT", vLikely})
			return out
		}
	}
	fl := capLookup(t)
	if set.has(bPerson) && fl&flagTitle == 0 && isUpper(t[0]) {
		n := len(out)
		if out = dictName(text, s, e, t, fl, out, skip); len(out) == n && *skip < e {
			out = loneName(text, s, e, t, fl, out, skip)
		}
	}
	if fl&(flagGiven|flagTitle) == 0 {
		if set.has(bPerson) && *skip < e && e+1 < len(text) && text[e] == ' ' && isUpper(text[e+1]) && isCapWord(t) && nameCue(text, s) && !notSurname[t] && !isCommonWord(t) {
			ts, te := tokenAt(text, e+1)
			if sur := text[ts:te]; (isCapWord(sur) || isMcName(sur)) && !notSurname[sur] && !inLower(streetSuffixes, sur) {
				for te+1 < len(text) && (text[te] == '-' || text[te] == '\'') && isUpper(text[te+1]) {
					_, te = tokenAt(text, te+1)
				}
				te = possessive(text, te)
				*skip = te
				out = append(out, span{s, te, "PERSON_NAME", vPossible})
			}
		}
		if fl == 0 {
			return out
		}
	}
	if set.has(bPerson) && *skip < e && fl&(flagGiven|flagTitle) != 0 {
		out = personName(text, s, e, t, out, skip)
	}
	if set.has(bPerson) && fl&flagSurname != 0 && *skip < e {
		if pe := possessive(text, e); pe > e || nameCue(text, s) || midSentence(text, s) {
			*skip = pe
			out = append(out, span{s, pe, "PERSON_NAME", vPossible})
		}
	}
	if set&(1<<bDate|1<<bDOB) != 0 && e-s >= 3 {
		if fl&flagMonth != 0 {
			// Month D, YYYY
			p := e
			if p < len(text) && text[p] == '.' {
				p++
			}
			if p < len(text) && text[p] == ' ' {
				ds, de := tokenAt(text, p+1)
				dd := strings.TrimRight(text[ds:de], "stndrh")
				if len(dd) >= 1 && len(dd) <= 2 && isDigit(dd[0]) && atoi(dd) >= 1 && atoi(dd) <= 31 {
					q := de
					if q < len(text) && text[q] == ',' {
						q++
					}
					if q < len(text) && text[q] == ' ' {
						ys, ye := tokenAt(text, q+1)
						if ye-ys == 4 && isDigit(text[ys]) && atoi(text[ys:ye]) >= 1900 && atoi(text[ys:ye]) <= 2099 && allDigits(text[ys:ye]) {
							out = emitDate(text, s, ye, set, out)
							*skip = ye
							return out
						}
					}
					if t != "May" && t != "March" && (q >= len(text) || !isAlnum(text[q])) {
						// Month and day without a year ("Mar 5").
						out = emitDate(text, s, de, set, out)
						*skip = de
					}
				}
			}
		}
	}
	return out
}

func allDigits(t string) bool {
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return len(t) > 0
}

func personName(text string, s, e int, t string, out []span, skip *int) []span {
	f := capLookup(t)
	given := f&flagGiven != 0
	title := f&flagTitle != 0
	if !given && !title {
		return out
	}
	p := e
	if title {
		if p < len(text) && text[p] == '.' {
			p++
		}
	}
	if p >= len(text) || text[p] != ' ' {
		return out
	}
	p++
	start := s
	if title {
		// Title + given? + surname
		ts, te := tokenAt(text, p)
		if !isCapWord(text[ts:te]) || notSurname[text[ts:te]] {
			return out
		}
		start = ts
		te = compoundEnd(text, te)
		if capLookup(text[ts:te])&flagGiven != 0 && te+1 < len(text) && text[te] == ' ' {
			ss, se := tokenAt(text, te+1)
			if isCapWord(text[ss:se]) && !notSurname[text[ss:se]] {
				te = se
			}
		}
		te = possessive(text, te)
		*skip = te
		return append(out, span{start, te, "PERSON_NAME", vLikely})
	}
	// Optional middle initial "Q. "
	if p+2 < len(text) && isUpper(text[p]) && text[p+1] == '.' && text[p+2] == ' ' {
		p += 3
	}
	ts, te := tokenAt(text, p)
	sur := text[ts:te]
	if !isCapWord(sur) && !isMcName(sur) || notSurname[sur] || inLower(streetSuffixes, sur) {
		return out
	}
	// Hyphenated or apostrophe surnames.
	for te+1 < len(text) && (text[te] == '-' || text[te] == '\'') && isUpper(text[te+1]) {
		_, te2 := tokenAt(text, te+1)
		te = te2
	}
	te = possessive(text, te)
	*skip = te
	return append(out, span{start, te, "PERSON_NAME", vLikely})
}

// possessive extends a name ending at e over a possessive 's (or ’s): the
// live service reports "Jane Austen's" as one PERSON_NAME (Google's
// de-identify-table sample turns "Jane Austen's novels" into
// "[PERSON_NAME] novels").
func possessive(text string, e int) int {
	n := 0
	switch {
	case strings.HasPrefix(text[e:], "'s"):
		n = 2
	case strings.HasPrefix(text[e:], "’s"):
		n = len("’s")
	default:
		return e
	}
	if e+n < len(text) && isAlnum(text[e+n]) {
		return e
	}
	return e + n
}

// midSentence reports whether the word at s follows another word of the
// same sentence (so its capital is not just the sentence start).
func midSentence(text string, s int) bool {
	p := s
	for p > 0 && (text[p-1] == ' ' || text[p-1] == ',' || text[p-1] == '(' || text[p-1] == '"') {
		p--
	}
	return p < s && p > 0 && isAlnum(text[p-1])
}

// nameCues are words that introduce a person's full name.
var nameCues = map[string]bool{}

func init() {
	for _, w := range strings.Fields("dear contact by attn attention name named patient customer employee client applicant mr mrs ms dr hi hello from cc approved signed") {
		nameCues[w] = true
	}
}

// nameCue reports whether the word before s is a name cue.
func nameCue(text string, s int) bool {
	p := s
	for p > 0 && (text[p-1] == ' ' || text[p-1] == ':' || text[p-1] == ',' || text[p-1] == '.') && s-p < 3 {
		p--
	}
	q := p
	for q > 0 && isAlpha(text[q-1]) && p-q < 12 {
		q--
	}
	return q < p && inLower(nameCues, text[q:p])
}

func isMcName(t string) bool {
	return len(t) >= 4 && (strings.HasPrefix(t, "Mc") || strings.HasPrefix(t, "Mac")) && isUpper(t[len(t)-len(strings.TrimLeft(t[2:], "c"))])
}

func digitToken(text string, s, e int, t string, set typeSet, out []span, skip *int) []span {
	n := len(t)
	if !allDigits(t) {
		return out
	}
	if set.has(bStreet) && n <= 5 && e+1 < len(text) && text[e] == ' ' {
		p := e + 1
		words := 0
		for words < 4 {
			ts, te := tokenAt(text, p)
			w := text[ts:te]
			if words > 0 && inLower(streetSuffixes, w) && (isUpper(w[0])) {
				end := te
				if end < len(text) && text[end] == '.' {
					end++
				}
				end = extendUnit(text, end)
				end = extendCity(text, end)
				out = append(out, span{s, end, "STREET_ADDRESS", vLikely})
				*skip = end
				return out
			}
			if words == 0 && directional(w) {
				// "123 N. Main St"
				if te < len(text) && text[te] == '.' {
					te++
				}
				if te >= len(text) || text[te] != ' ' {
					break
				}
				p = te + 1
				continue
			}
			if !(isCapWord(w) || (len(w) >= 3 && allDigits(w[:len(w)-2]) && (strings.HasSuffix(w, "th") || strings.HasSuffix(w, "st") || strings.HasSuffix(w, "nd") || strings.HasSuffix(w, "rd")))) {
				break
			}
			words++
			if te >= len(text) || text[te] != ' ' {
				break
			}
			p = te + 1
		}
	}
	if set&(1<<bDate|1<<bDOB) != 0 && n <= 2 && e+1 < len(text) && text[e] == ' ' {
		ms, me := tokenAt(text, e+1)
		if me > ms && isUpper(text[ms]) && capLookup(text[ms:me])&flagMonth != 0 && me+1 < len(text) && text[me] == ' ' {
			ys, ye := tokenAt(text, me+1)
			if ye-ys == 4 && allDigits(text[ys:ye]) && atoi(text[ys:ye]) >= 1900 && atoi(text[ys:ye]) <= 2099 && atoi(t) >= 1 && atoi(t) <= 31 {
				out = emitDate(text, s, ye, set, out)
				*skip = ye
			}
		}
	}
	return out
}

func directional(w string) bool {
	switch w {
	case "N", "S", "E", "W", "NE", "NW", "SE", "SW":
		return true
	}
	return false
}

// extendUnit extends a street address over ", Apt 4B", " Suite 200",
// ", Unit 5" or " #12".
func extendUnit(text string, end int) int {
	p := end
	if p < len(text) && text[p] == ',' {
		p++
	}
	if p >= len(text) || text[p] != ' ' {
		return end
	}
	p++
	if p < len(text) && text[p] == '#' {
		ts, te := tokenAt(text, p+1)
		if te > ts {
			return te
		}
		return end
	}
	ws, we := tokenAt(text, p)
	switch text[ws:we] {
	case "Apt", "Suite", "Ste", "Unit", "Fl", "Floor", "Room":
	default:
		return end
	}
	q := we
	if q < len(text) && text[q] == '.' {
		q++
	}
	if q >= len(text) || text[q] != ' ' {
		return end
	}
	ts, te := tokenAt(text, q+1)
	if te == ts || te-ts > 6 || !isDigit(text[ts]) && !(te-ts == 1 && isUpper(text[ts])) {
		return end
	}
	return te
}

// extendCity extends a street address over ", City, ST 12345".
func extendCity(text string, end int) int {
	p := end
	if p+2 >= len(text) || text[p] != ',' || text[p+1] != ' ' {
		return end
	}
	p += 2
	q := p
	words := 0
	for words < 3 {
		ts, te := tokenAt(text, q)
		if !isCapWord(text[ts:te]) {
			break
		}
		words++
		q = te
		if q+1 < len(text) && text[q] == ' ' && isUpper(text[q+1]) {
			q++
			continue
		}
		break
	}
	if words == 0 {
		return end
	}
	end = q
	if q+4 <= len(text) && text[q] == ',' && text[q+1] == ' ' && isUpper(text[q+2]) && q+3 < len(text) && isUpper(text[q+3]) && (q+4 == len(text) || !isAlnum(text[q+4])) {
		end = q + 4
		if end+6 <= len(text) && text[end] == ' ' && allDigits(text[end+1:end+6]) && (end+6 == len(text) || !isAlnum(text[end+6])) {
			end += 6
		}
	}
	return end
}
