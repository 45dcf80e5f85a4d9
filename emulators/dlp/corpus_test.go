package dlp

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// The labelled corpus is generated from a fixed seed: every built-in
// infoType in several surface forms, near-misses that must not be reported
// (bad checksums, look-alike ids), and clean text.

type label struct {
	start, end int
	it         string
}

type sample struct {
	text   string
	labels []label
}

type gen struct {
	r *rand.Rand
	b strings.Builder
	l []label
}

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }
func (g *gen) digits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}
func (g *gen) w(s string) { g.b.WriteString(s) }
func (g *gen) ent(s string, types ...string) {
	st := g.b.Len()
	g.b.WriteString(s)
	for _, t := range types {
		g.l = append(g.l, label{st, g.b.Len(), t})
	}
}

func luhnDigit(body string) byte {
	for d := byte('0'); d <= '9'; d++ {
		if luhn([]byte(body + string(d))) {
			return d
		}
	}
	return '0'
}

func group(s string, sizes []int, sep string) string {
	var parts []string
	p := 0
	for _, n := range sizes {
		parts = append(parts, s[p:p+n])
		p += n
	}
	return strings.Join(parts, sep)
}

func (g *gen) card(valid bool) string {
	var body string
	var sizes []int
	switch g.r.IntN(4) {
	case 0:
		body, sizes = "4"+g.digits(14), []int{4, 4, 4, 4}
	case 1:
		body, sizes = "5"+string(byte('1'+g.r.IntN(5)))+g.digits(13), []int{4, 4, 4, 4}
	case 2:
		body, sizes = "3"+g.pick("4", "7")+g.digits(12), []int{4, 6, 5}
	default:
		body, sizes = "6011"+g.digits(11), []int{4, 4, 4, 4}
	}
	d := luhnDigit(body)
	if !valid {
		d = '0' + (d-'0'+1+byte(g.r.IntN(8)))%10
	}
	n := body + string(d)
	switch g.r.IntN(3) {
	case 0:
		return n
	case 1:
		return group(n, sizes, " ")
	}
	return group(n, sizes, "-")
}

func (g *gen) ssn(valid bool) string {
	var area int
	if valid {
		area = 1 + g.r.IntN(898)
		if area == 666 {
			area = 667
		}
	} else {
		area = []int{0, 666, 900 + g.r.IntN(99)}[g.r.IntN(3)]
	}
	grp := 1 + g.r.IntN(99)
	if area >= 900 {
		grp = []int{1 + g.r.IntN(48), 66 + g.r.IntN(4), 89, 93}[g.r.IntN(4)] // not an ITIN group either
	}
	ser := 1 + g.r.IntN(9999)
	return fmt.Sprintf("%03d-%02d-%04d", area, grp, ser)
}

func (g *gen) phone() string {
	a := strconv.Itoa(2+g.r.IntN(8)) + g.digits(2)
	e := strconv.Itoa(2+g.r.IntN(8)) + g.digits(2)
	x := g.digits(4)
	switch g.r.IntN(6) {
	case 0:
		return "(" + a + ") " + e + "-" + x
	case 1:
		return a + "-" + e + "-" + x
	case 2:
		return a + "." + e + "." + x
	case 3:
		return "+1 " + a + " " + e + " " + x
	case 4:
		return g.pick("+44 20 "+g.digits(4)+" "+g.digits(4), "+49 30 "+g.digits(7), "+33 1 "+g.digits(2)+" "+g.digits(2)+" "+g.digits(2)+" "+g.digits(2))
	}
	if g.r.IntN(4) == 0 {
		return e + "-" + x // 7-digit local number: hard, usually missed
	}
	return "1-" + a + "-" + e + "-" + x
}

func ibanCheck(country, bban string) string {
	s := bban + country + "00"
	rem := 0
	for _, c := range []byte(s) {
		if c >= '0' && c <= '9' {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return fmt.Sprintf("%02d", 98-rem)
}

func (g *gen) iban(valid bool) string {
	country := g.pick("DE", "GB", "FR", "NL", "ES", "IT", "CH")
	var bban string
	switch country {
	case "DE":
		bban = g.digits(18)
	case "GB":
		bban = g.pick("NWBK", "WEST", "BARC") + g.digits(14)
	case "FR":
		bban = g.digits(23)
	case "NL":
		bban = g.pick("ABNA", "INGB", "RABO") + g.digits(10)
	case "ES":
		bban = g.digits(20)
	case "IT":
		bban = "X" + g.digits(22)
	case "CH":
		bban = g.digits(17)
	}
	ck := ibanCheck(country, bban)
	if !valid {
		n, _ := strconv.Atoi(ck)
		ck = fmt.Sprintf("%02d", (n+1+g.r.IntN(90))%97+2)
		if ck == ibanCheck(country, bban) {
			ck = fmt.Sprintf("%02d", (n+3)%97+2)
		}
	}
	s := country + ck + bban
	if g.r.IntN(2) == 0 {
		var parts []string
		for i := 0; i < len(s); i += 4 {
			parts = append(parts, s[i:min(i+4, len(s))])
		}
		return strings.Join(parts, " ")
	}
	return s
}

const vinChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

func (g *gen) vin(valid bool) string {
	for {
		b := []byte(g.pick("1HG", "JTD", "WBA", "1FT", "5YJ", "3VW"))
		for len(b) < 17 {
			b = append(b, vinChars[g.r.IntN(len(vinChars))])
		}
		for i := 12; i < 17; i++ {
			b[i] = byte('0' + g.r.IntN(10))
		}
		weights := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
		sum := 0
		for i, c := range b {
			if c >= '0' && c <= '9' {
				sum += int(c-'0') * weights[i]
			} else {
				sum += vinTranslit[c-'A'] * weights[i]
			}
		}
		ck := byte('0' + sum%11)
		if sum%11 == 10 {
			ck = 'X'
		}
		if !valid {
			ck = byte('0' + (sum%11+1+g.r.IntN(8))%10)
			if ck == byte('0'+sum%11) {
				continue
			}
		}
		b[8] = ck
		return string(b)
	}
}

func (g *gen) imei(valid bool) string {
	body := g.pick("35", "86", "01", "49") + g.digits(12)
	d := luhnDigit(body)
	if !valid {
		d = '0' + (d-'0'+1+byte(g.r.IntN(8)))%10
	}
	return body + string(d)
}

var genFirst = []string{"James", "Maria", "Robert", "Linda", "Michael", "Sarah", "David", "Emily", "Carlos", "Sofia", "Wei", "Priya", "Ahmed", "Olga", "Thomas", "Grace", "Daniel", "Hannah", "Lucas", "Chloe",
	// given names outside the detector's list: measured honestly
	"Siobhan", "Keanu", "Thandiwe", "Bartholomew", "Yusuf", "Ngozi"}
var genLast = []string{"Smith", "Garcia", "Nguyen", "Johnson", "Okafor", "Kowalski", "Schmidt", "Rossi", "Tanaka", "Brown", "Martinez", "O'Brien", "Patel", "Dubois", "Andersson", "McAllister"}
var genStreet = []string{"Oak", "Maple", "Elm", "Sunset", "Lincoln", "Washington", "Cedar", "Park", "Mill Creek", "Lake View"}
var genCity = []string{"Springfield", "Portland", "Austin", "San Jose", "Denver"}
var filler = []string{
	"The quarterly report is attached for review.",
	"Please let me know if the meeting time works for you.",
	"We shipped version 3 of the dashboard yesterday.",
	"Order 84736251 was delayed by the carrier.",
	"The build took 12 minutes and 4 seconds.",
	"Invoice total is $1,234.56 including tax.",
	"Server load peaked at 87 percent around 10:30.",
	"See section 4.2.1 of the handbook.",
	"Tracking code 1Z999AA10123456784 is in transit.",
	"The DATABASE migration ran in 3.5 hours.",
	"Room 214 is booked for the workshop.",
	"Download report.pdf and summary.xlsx before Friday.",
	"Our team closed 42 tickets this sprint.",
	"The ratio improved from 1/3 to 2/5 over the year.",
	"Temperature was 21.5 degrees at noon.",
	"Reference ABC-1234-XYZ when you call support.",
	"The hash deadbeefcafebabe matched the manifest.",
	"Page 12 explains the new policy.",
	"Mark the calendar for the offsite.",
	"Thanks again for the quick turnaround.",
}

func (g *gen) domain() string {
	return g.pick("acme", "example", "northwind", "contoso", "globex", "initech") + "." + g.pick("com", "org", "io", "net", "co.uk", "de")
}

func (g *gen) date() string {
	y, m, d := 1950+g.r.IntN(70), 1+g.r.IntN(12), 1+g.r.IntN(28)
	months := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	switch g.r.IntN(5) {
	case 4:
		return g.pick(fmt.Sprintf("%d/%d/%02d", m, d, y%100), fmt.Sprintf("%04d.%02d.%02d", y, m, d), fmt.Sprintf("%s %d", months[m-1][:3], d))
	case 0:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case 1:
		return fmt.Sprintf("%02d/%02d/%04d", m, d, y)
	case 2:
		return fmt.Sprintf("%s %d, %d", months[m-1], d, y)
	}
	return fmt.Sprintf("%d %s %d", d, months[m-1], y)
}

func (g *gen) b64(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// fragment writes one sentence containing entity kind k (or a near-miss).
func (g *gen) fragment(k int) {
	switch k {
	case 0:
		g.w(g.pick("Email ", "Reach me at ", "Send it to ", "cc: "))
		// The live service also reports the address's domain as
		// DOMAIN_NAME, so the domain part carries that label too.
		st := g.b.Len()
		g.w(strings.ToLower(g.pick(genFirst...)) + g.pick(".", "_", "") + strings.ToLower(strings.ReplaceAll(g.pick(genLast...), "'", "")) + g.pick("", "42", "7") + "@")
		g.ent(g.domain(), "DOMAIN_NAME")
		g.l = append(g.l, label{st, g.b.Len(), "EMAIL_ADDRESS"})
		g.w(g.pick(" today.", ".", " for details."))
	case 1:
		g.w(g.pick("Call ", "My number is ", "Phone: ", "Ring the office on ", "Try "))
		g.ent(g.phone(), "PHONE_NUMBER")
		g.w(".")
	case 2:
		g.w(g.pick("Card ", "Paid with ", "Visa ", "Charge ", "Number "))
		g.ent(g.card(true), "CREDIT_CARD_NUMBER")
		g.w(g.pick(" expires 09/27.", ".", " on file."))
	case 3:
		g.w(g.pick("SSN ", "Social security number: ", "Her SSN is ", "ID "))
		if g.r.IntN(8) == 0 {
			g.ent(strings.ReplaceAll(g.ssn(true), "-", g.pick("", " ")), "US_SOCIAL_SECURITY_NUMBER")
		} else {
			g.ent(g.ssn(true), "US_SOCIAL_SECURITY_NUMBER")
		}
		g.w(".")
	case 4:
		g.w(g.pick("Login from ", "Host ", "Blocked IP ", "Connected via "))
		if g.r.IntN(3) == 0 {
			var parts []string
			for i := 0; i < 8; i++ {
				parts = append(parts, strconv.FormatInt(int64(g.r.IntN(65536)), 16))
			}
			addr := strings.Join(parts, ":")
			if g.r.IntN(2) == 0 {
				addr = "2001:db8::" + parts[7]
			}
			g.ent(addr, "IP_ADDRESS")
		} else {
			g.ent(fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254)), "IP_ADDRESS")
		}
		g.w(g.pick(" was logged.", ".", " at noon."))
	case 5:
		g.w(g.pick("Device MAC ", "Adapter ", "MAC address "))
		sep := g.pick(":", "-")
		var parts []string
		for i := 0; i < 6; i++ {
			parts = append(parts, fmt.Sprintf("%02X", g.r.IntN(256)))
		}
		g.ent(strings.Join(parts, sep), "MAC_ADDRESS")
		g.w(".")
	case 6:
		g.w(g.pick("IBAN ", "Transfer to ", "Account: ", "Wire funds to "))
		g.ent(g.iban(true), "IBAN_CODE")
		g.w(".")
	case 7:
		g.w(g.pick("SWIFT code ", "BIC: ", "Bank SWIFT ", "Use "))
		code := string([]byte{byte('A' + g.r.IntN(26)), byte('A' + g.r.IntN(26)), byte('A' + g.r.IntN(26)), byte('A' + g.r.IntN(26))}) + g.pick("DE", "GB", "FR", "US", "CH") + g.pick("FF", "2L", "22", "PP", "3N") + g.pick("", "500", "XXX")
		g.ent(code, "SWIFT_CODE")
		g.w(g.pick(" for the wire.", "."))
	case 8:
		g.w(g.pick("Visit ", "See ", "Docs at ", "Link: "))
		g.ent(g.pick("https://", "http://", "https://www.")+g.domain()+g.pick("", "/path", "/a/b?x=1", "/docs/index.html"), "URL")
		g.w(g.pick(" for more.", "."))
	case 9:
		g.w(g.pick("Our site ", "The domain ", "Hosted on ", "Mail server "))
		g.ent(g.pick("", "mail.", "api.")+g.domain(), "DOMAIN_NAME")
		g.w(g.pick(" is live.", " went down.", "."))
	case 10:
		g.w(g.pick("Meeting on ", "Due ", "Signed ", "Shipped "))
		g.ent(g.date(), "DATE")
		g.w(".")
	case 11:
		g.w(g.pick("Born ", "Date of birth: ", "DOB ", "She was born on "))
		g.ent(g.date(), "DATE_OF_BIRTH", "DATE")
		g.w(".")
	case 12:
		a := strconv.Itoa(1 + g.r.IntN(99))
		switch g.r.IntN(3) {
		case 0:
			g.w("Patient age ")
			g.ent(a, "AGE")
			g.w(".")
		case 1:
			g.w("He is ")
			g.ent(a, "AGE")
			g.w(" years old.")
		default:
			g.w("Aged ")
			g.ent(a, "AGE")
			g.w(", she retired.")
		}
	case 13:
		g.w(g.pick("Contact ", "Signed by ", "Dear ", "Assigned to ", "Approved: "))
		name := g.pick(genFirst...) + " " + g.pick(genLast...)
		if g.r.IntN(10) == 0 {
			name = strings.ToLower(name)
		} else if g.r.IntN(5) == 0 {
			name = g.pick("Dr. ", "Mr. ", "Ms. ") + g.pick(genLast...)
			g.w(name[:strings.Index(name, " ")+1])
			name = name[strings.Index(name, " ")+1:]
		}
		g.ent(name, "PERSON_NAME")
		g.w(g.pick(".", " yesterday.", ","))
	case 14:
		g.w(g.pick("Ship to ", "Office at ", "Lives at ", "Address: "))
		a := strconv.Itoa(1+g.r.IntN(9999)) + " " + g.pick(genStreet...) + " " + g.pick("Street", "St", "Avenue", "Ave", "Road", "Blvd", "Lane", "Drive")
		if g.r.IntN(2) == 0 {
			a += ", " + g.pick(genCity...) + ", " + g.pick("IL", "OR", "TX", "CA", "CO") + " " + g.digits(5)
		}
		g.ent(a, "STREET_ADDRESS")
		g.w(".")
	case 15:
		g.w(g.pick("IMEI ", "Handset IMEI: ", "Device ", "Serial "))
		g.ent(g.imei(true), "IMEI_HARDWARE_ID")
		g.w(".")
	case 16:
		g.w(g.pick("VIN ", "Vehicle ", "Car VIN: ", "Registered "))
		g.ent(g.vin(true), "VEHICLE_IDENTIFICATION_NUMBER")
		g.w(".")
	case 17:
		g.w(g.pick("ITIN ", "Taxpayer ID ", "Filed with "))
		g.ent(fmt.Sprintf("9%02d-%d%d-%s", g.r.IntN(100), 7+g.r.IntN(2), g.r.IntN(9), g.digits(4)), "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER")
		g.w(".")
	case 18:
		g.w(g.pick("EIN ", "Employer ID ", "Company EIN: "))
		g.ent(g.pick("12", "20", "45", "94", "36")+"-"+g.digits(7), "US_EMPLOYER_IDENTIFICATION_NUMBER")
		g.w(".")
	case 19:
		g.w(g.pick("Passport ", "Passport number ", "passport no. "))
		g.ent(g.pick(g.digits(9), "C"+g.digits(8), "X"+g.digits(8), g.digits(8)), "PASSPORT")
		g.w(".")
	case 20:
		g.w(g.pick("Bearer ", "token=", "Auth: "))
		hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		g.ent(hdr+"."+g.b64(30+g.r.IntN(40))+"."+g.b64(32), "JSON_WEB_TOKEN")
		g.w(" expired.")
	case 21:
		g.w(g.pick("key=", "API key ", "GOOGLE_API_KEY="))
		const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		b := []byte("AIza")
		for len(b) < 39 {
			b = append(b, cs[g.r.IntN(len(cs))])
		}
		g.ent(string(b), "GCP_API_KEY")
		g.w(g.pick(" leaked.", "."))
	// ---- near-misses: nothing is labelled ----
	case 22:
		g.w("Card " + g.card(false) + " was declined.")
	case 23:
		g.w("SSN " + g.ssn(false) + " is not valid.")
	case 24:
		g.w("IBAN " + g.iban(false) + " failed validation.")
	case 25:
		g.w("VIN " + g.vin(false) + " is mistyped.")
	case 26:
		g.w("IMEI " + g.imei(false) + " is wrong.")
	case 27:
		// A look-alike id: 16-18 digits that fail the Luhn check (a
		// Luhn-valid number with a card prefix is indistinguishable from a card).
		id := g.digits(16) + g.pick("", "1", "23")
		if luhn([]byte(id)) {
			id = id[:len(id)-1] + string('0'+(id[len(id)-1]-'0'+1)%10)
		}
		g.w("Order " + id + " shipped; ref " + g.digits(10) + ".")
	case 28:
		g.w("Version " + strconv.Itoa(g.r.IntN(9)) + "." + strconv.Itoa(g.r.IntN(20)) + "." + strconv.Itoa(g.r.IntN(30)) + " released at " + fmt.Sprintf("%02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60)) + ".")
	case 29:
		g.w(g.pick("Invalid address 300.12.1.999 and date 2021-13-45 in the log.",
			"Case "+fmt.Sprintf("%03d-%02d-%04d", 100+g.r.IntN(500), 10+g.r.IntN(80), g.r.IntN(10000))+" was reopened.",
			"Build 20240117.3 passed; commit 4f9c2e1 merged.",
			"Meet at 10:30:00 in room 4-12."))
	default:
		g.w(g.pick(filler...))
	}
}

const nKinds = 22

func genCorpus(n int, seed uint64) []sample {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]sample, 0, n)
	for i := 0; i < n; i++ {
		g := &gen{r: r}
		parts := 1 + r.IntN(3)
		for p := 0; p < parts; p++ {
			if p > 0 {
				g.w(" ")
			}
			var k int
			switch x := r.IntN(100); {
			case x < 60:
				k = (i + p) % nKinds // every kind, evenly
			case x < 80:
				k = 22 + r.IntN(8)
			default:
				k = 100
			}
			g.fragment(k)
		}
		out = append(out, sample{g.b.String(), g.l})
	}
	return out
}

var debugFP = os.Getenv("DLP_DEBUG_FP") != ""

type prf struct{ tp, fp, fn int }

func (p prf) precision() float64 {
	if p.tp+p.fp == 0 {
		return 1
	}
	return float64(p.tp) / float64(p.tp+p.fp)
}
func (p prf) recall() float64 {
	if p.tp+p.fn == 0 {
		return 1
	}
	return float64(p.tp) / float64(p.tp+p.fn)
}

func evaluate(corpus []sample) map[string]*prf {
	ins, err := newInspector(&dlppb.InspectConfig{})
	if err != nil {
		panic(err)
	}
	stats := map[string]*prf{}
	for _, d := range builtinList {
		stats[d.name] = &prf{}
	}
	for _, s := range corpus {
		found := ins.scanText(s.text)
		for _, l := range s.labels {
			hit := false
			for _, f := range found {
				if f.it == l.it && f.start < l.end && l.start < f.end {
					hit = true
				}
			}
			if hit {
				stats[l.it].tp++
			} else {
				stats[l.it].fn++
			}
		}
		for _, f := range found {
			ok := false
			for _, l := range s.labels {
				if f.it == l.it && f.start < l.end && l.start < f.end {
					ok = true
				}
			}
			if !ok {
				stats[f.it].fp++
				if debugFP {
					fmt.Printf("FP %s %q in %q\n", f.it, s.text[f.start:f.end], s.text)
				}
			}
		}
	}
	return stats
}

func TestCorpusPrecisionRecall(t *testing.T) {
	corpus := genCorpus(3000, 20261127)
	stats := evaluate(corpus)
	var names []string
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "| infoType | labelled | TP | FP | FN | precision | recall |\n|---|---|---|---|---|---|---|\n")
	for _, n := range names {
		p := stats[n]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.3f | %.3f |\n", n, p.tp+p.fn, p.tp, p.fp, p.fn, p.precision(), p.recall())
	}
	t.Logf("corpus: %d texts\n%s", len(corpus), b.String())
	for _, n := range []string{"CREDIT_CARD_NUMBER", "IBAN_CODE", "IMEI_HARDWARE_ID", "VEHICLE_IDENTIFICATION_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "EMAIL_ADDRESS"} {
		p := stats[n]
		if p.tp+p.fn < 30 {
			t.Errorf("%s: only %d labelled samples", n, p.tp+p.fn)
		}
		if p.recall() < 0.95 || p.precision() < 0.9 {
			t.Errorf("%s: precision %.3f recall %.3f below 0.9/0.95", n, p.precision(), p.recall())
		}
	}
}
