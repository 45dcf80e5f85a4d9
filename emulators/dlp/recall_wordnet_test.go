package dlp

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// PERSON_NAME recall on names the detector was not written from: the real
// people of WordNet 3.0 (Princeton; Debian package wordnet-base). A person
// is a synset of the noun.person lexicographer file (number 18) that is an
// instance (pointer "@i") of a kind of person — "Jane Austen", "Abraham
// Lincoln", "Mao Zedong". Its first lemma of two or three capitalised
// words is the full name; its last word is the surname. Each name is put
// in the forms below (the templates are this test's; the names are
// WordNet's) and counts as found when one PERSON_NAME finding covers the
// whole name. BENCHMARKS.md has the figures.
//
//	apt-get install wordnet-base
//	go test ./emulators/dlp -run TestPersonNameRecallWordNet -v
//
// .ci/wordnet (run by .ci/run) installs wordnet-base with apt and runs it.
const wordnetNouns = "/usr/share/wordnet/data.noun"

var wnNameRE = regexp.MustCompile(`^[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:_[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,2}$`)

// wordnetPeople returns the names and, for each, whether its gloss opens
// with a parenthesised domain ("(Greek mythology) …", "(Old Testament) …"):
// gods, legendary and biblical figures rather than historical people.
func wordnetPeople(t *testing.T) ([]string, []bool) {
	f, err := os.Open(wordnetNouns)
	if err != nil {
		t.Skipf("%v: install Debian's wordnet-base to measure PERSON_NAME recall on WordNet's people", err)
	}
	defer f.Close()
	var out []string
	var myth []bool
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue // licence header
		}
		w := strings.Fields(line)
		if len(w) < 5 || w[1] != "18" || !strings.Contains(line, " @i ") {
			continue
		}
		var n int
		fmt.Sscanf(w[3], "%x", &n)
		for i := 0; i < n && 4+2*i < len(w); i++ {
			lemma := w[4+2*i]
			if wnNameRE.MatchString(lemma) {
				name := strings.ReplaceAll(lemma, "_", " ")
				if !seen[name] {
					seen[name] = true
					out = append(out, name)
					gloss := ""
					if g := strings.Index(line, " | "); g >= 0 {
						gloss = line[g+3:]
					}
					myth = append(myth, strings.HasPrefix(gloss, "("))
				}
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out, myth
}

type nameForm struct {
	name  string
	floor float64 // regression guard: a little under the recall measured when the test was written
	// text puts the name (and its surname) in context; it returns the text
	// and the byte span the finding must cover.
	text func(full, surname string) (string, int, int)
}

func around(prefix, name, suffix string) (string, int, int) {
	return prefix + name + suffix, len(prefix), len(prefix) + len(name)
}

var nameForms = []nameForm{
	{"full name alone", 0.90, func(f, _ string) (string, int, int) { return around("", f, "") }},
	{"full name mid-sentence", 0.80, func(f, _ string) (string, int, int) {
		return around("Yesterday ", f, " called the office about the invoice.")
	}},
	{"possessive", 0.91, func(f, _ string) (string, int, int) { return around("The notes are ", f, "'s draft.") }},
	{"surname after a title", 0.99, func(_, s string) (string, int, int) { return around("Please ask Dr. ", s, " to sign the form.") }},
	{"in a list", 0.91, func(f, _ string) (string, int, int) {
		return around("Attendees: Maria Lopez, ", f, " and the finance team.")
	}},
	{"signature", 0.90, func(f, _ string) (string, int, int) { return around("Thanks for your help.\n\n", f, "\n") }},
}

func TestPersonNameRecallWordNet(t *testing.T) {
	names, myth := wordnetPeople(t)
	nHist := 0
	for _, m := range myth {
		if !m {
			nHist++
		}
	}
	if len(names) < 500 {
		t.Fatalf("only %d WordNet people read", len(names))
	}
	_, c := start(t, Options{})
	ctx := context.Background()
	cfg := &dlppb.InspectConfig{InfoTypes: its("PERSON_NAME"), MinLikelihood: dlppb.Likelihood_POSSIBLE}
	t.Logf("%d WordNet people (e.g. %q, %q)", len(names), names[0], names[len(names)/2])
	for _, form := range nameForms {
		found, foundHist := 0, 0
		var missed []string
		const batch = 500
		for i := 0; i < len(names); i += batch {
			end := min(i+batch, len(names))
			var rows []*dlppb.Table_Row
			type want struct{ start, end int }
			var spans []want
			for _, full := range names[i:end] {
				parts := strings.Fields(full)
				text, s, e := form.text(full, parts[len(parts)-1])
				rows = append(rows, &dlppb.Table_Row{Values: []*dlppb.Value{{Type: &dlppb.Value_StringValue{StringValue: text}}}})
				spans = append(spans, want{s, e})
			}
			resp, err := c.InspectContent(ctx, &dlppb.InspectContentRequest{Parent: parent, InspectConfig: cfg,
				Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: &dlppb.Table{Headers: []*dlppb.FieldId{{Name: "text"}}, Rows: rows}}}})
			if err != nil {
				t.Fatal(err)
			}
			hit := make([]bool, len(rows))
			for _, f := range resp.GetResult().GetFindings() {
				r := f.GetLocation().GetContentLocations()[0].GetRecordLocation().GetTableLocation().GetRowIndex()
				br := f.GetLocation().GetByteRange()
				if int(br.GetStart()) <= spans[r].start && int(br.GetEnd()) >= spans[r].end {
					hit[r] = true
				}
			}
			for k, h := range hit {
				if h {
					found++
					if !myth[i+k] {
						foundHist++
					}
				} else if !myth[i+k] && !wordnetHeldOut(names[i+k]) {
					// Misses of the held-out half (recall_heldout_test.go) are never shown.
					missed = append(missed, names[i+k])
				}
			}
		}
		recall := float64(found) / float64(len(names))
		var sample []string
		nShow := 8
		if os.Getenv("SLUICE_WORDNET_MISSES") != "" {
			nShow = len(missed)
		}
		for k := 0; k < nShow && len(missed) > 0; k++ {
			sample = append(sample, missed[k*len(missed)/nShow])
		}
		t.Logf("%-24s recall %.3f (%d of %d); historical people only %.3f (%d of %d); missed (dev half) e.g. %q", form.name, recall, found, len(names),
			float64(foundHist)/float64(nHist), foundHist, nHist, sample)
		if recall < form.floor {
			t.Errorf("%s: recall %.3f fell below %.2f", form.name, recall, form.floor)
		}
	}
}
