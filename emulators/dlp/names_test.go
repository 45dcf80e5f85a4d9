package dlp

import (
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// The name dictionaries and rules of detect_names.go: what they find, and
// the capitalised words they must leave alone. The names here are made up
// or common; none is taken from the WordNet list the recall test reads.
func TestPersonNameDictionaries(t *testing.T) {
	ins, err := newInspector(&dlppb.InspectConfig{InfoTypes: its("PERSON_NAME"), MinLikelihood: dlppb.Likelihood_POSSIBLE})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ text, want string }{
		// dictionary given name + capitalised word
		{"Yesterday Henrike Wexley called.", "Henrike Wexley"},
		// unknown word + dictionary surname
		{"The report by Zorvic Kowalczyk is late.", "Zorvic Kowalczyk"},
		// middle names, hyphenated given names, particles
		{"Yesterday Anne-Marie Wexley called.", "Anne-Marie Wexley"},
		{"Signed: Ingrid Marta Lindqvist", "Ingrid Marta Lindqvist"},
		{"Ask Ingrid van der Berg first.", "Ingrid van der Berg"},
		{"Thanks to Sir Reginald Pumphrey.", "Sir Reginald Pumphrey"},
		{"Please ask Dr. Hartley-Stone to sign.", "Hartley-Stone"},
		// two unknown words where a name is expected
		{"Attendees: Dean Kowalczyk, Tzuvik Orlanth and the team.", "Dean Kowalczyk|Tzuvik Orlanth"},
		{"Thanks,\n\nTzuvik Orlanth\n", "Tzuvik Orlanth"},
		{"That is Tzuvik Orlanth's desk.", "Tzuvik Orlanth's"},
		{"owner: Tzuvik Orlanth", "Tzuvik Orlanth"},
		// a common-word given name only before a known surname
		{"Did Hope Kowalczyk join?", "Hope Kowalczyk"},
		{"Yesterday Rose Henrike called.", "Rose Henrike"},
		// issue 14's forms: titles without a dot, lists of given names,
		// signatures, a common-word surname where a name is clearly
		// expected, a third name word in no list, styles
		{"Mrs Wexley called back.", "Wexley"},
		{"Invite Henrike, Tzuvik and Ingrid.", "Henrike|Tzuvik|Ingrid"},
		{"Invite Tom, Henrike and Ingrid.", "Tom|Henrike|Ingrid"},
		{"Ask Jean-Claude and Henrike.", "Jean-Claude|Henrike"},
		{"Best wishes,\nHenrike", "Henrike"},
		{"Regards,\n\nTzuvik\n", "Tzuvik"},
		{"The notes are Henrike Baker's draft.", "Henrike Baker's"},
		{"Yesterday Henrike Marta Zorvalt called.", "Henrike Marta Zorvalt"},
		{"We thank Countess Henrike Wexley.", "Countess Henrike Wexley"},
		// three- and four-word names: a common-word middle name before a
		// name word, a second unknown word after a given name, a given
		// name vouching for the unknown word after it, three unknown words
		// where a name is expected
		{"Yesterday Henrike Branch Wexley called.", "Henrike Branch Wexley"},
		{"Yesterday Henrike Zorvalt Quimbrel called.", "Henrike Zorvalt Quimbrel"},
		{"Yesterday Tzuvik Thomas Quimbrel called.", "Tzuvik Thomas Quimbrel"},
		{"Yesterday Tzuvik Thomas Zorvalt Kowalczyk called.", "Tzuvik Thomas Zorvalt Kowalczyk"},
		{"The notes are Tzuvik Orlanth Quimbrel's draft.", "Tzuvik Orlanth Quimbrel's"},
		{"Yesterday Tzuvik Orlanth Quimbrel called.", ""},
		{"Meet Henrike Branch Office staff.", ""},
		// non-ASCII letters: folded for the word lists, reported as written
		{"Yesterday José Núñez called.", "José Núñez"},
		{"Zoë Brontë's letters", "Zoë Brontë's"},
		{"Please ask Dr. Ødegård to sign.", "Ødegård"},
		{"Mrs Gößling called.", "Gößling"},
		{"Письмо от Иван Петров.", "Иван Петров"},
	}
	for _, c := range cases {
		var got []string
		for _, sp := range ins.scanText(c.text) {
			got = append(got, c.text[sp.start:sp.end])
		}
		if strings.Join(got, "|") != c.want {
			t.Errorf("%q: got %q, want [%q]", c.text, got, c.want)
		}
	}
	for _, text := range []string{
		"We flew from New York to San Francisco and on to Los Angeles on Monday.",
		"Meet at Golden Gate Park, then deploy on Google Cloud.",
		"Yesterday March began with rain in Santa Clara and Fort Worth.",
		"Ship to Elm Street and Park Avenue by Friday.",
		"Will you review the Debian Python policy in Hong Kong?",
		"Release Notes\n\nGetting Started\n",
		"The Affero General Public License applies.",
		"Brazilian Portuguese and Unix Makefile support.",
		"Rose Garden tours start in June.",
		"Offices in Hong Kong, Buenos Aires, Tel Aviv and Sri Lanka.",
		"Contact New York support.",
		// lone words only in a list of given names or under a sign-off
		"Invite Henrike to the Berlin, Paris and Rome meetings.",
		"Regards,\nThe Team",
		"Thanks,\nSupport",
		"Ship to Zürich, Genève and Köln.",
		"Buy Rose, Hope and Ivy seeds.",
	} {
		for _, sp := range ins.scanText(text) {
			t.Errorf("%q: unexpected PERSON_NAME %q", text, text[sp.start:sp.end])
		}
	}
}
