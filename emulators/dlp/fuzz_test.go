package dlp

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

func checkSpans(t testing.TB, text string) {
	ins, _ := newInspector(&dlppb.InspectConfig{})
	for _, s := range ins.scanText(text) {
		if s.start < 0 || s.end > len(text) || s.start >= s.end {
			t.Fatalf("bad span %+v in %q", s, text)
		}
	}
	ins.scanCell("col", text)
}

// Mutated corpus text and random bytes must never panic the detectors (a
// panic in a gRPC handler takes the whole emulator down).
func TestDetectorsRobust(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const alphabet = "0123456789-./()+ :@ABCDEFabcdefXZ\u00e9\u4e2dT_"
	for _, s := range genCorpus(2000, 11) {
		b := []byte(s.text)
		for m := 0; m < 4 && len(b) > 0; m++ {
			p := r.IntN(len(b))
			switch r.IntN(3) {
			case 0:
				b = b[:p]
			case 1:
				b[p] = alphabet[r.IntN(len(alphabet))]
			default:
				b = append(b[:p], append([]byte(s.text[r.IntN(len(s.text)):]), b[p:]...)...)
			}
		}
		checkSpans(t, string(b))
	}
	for i := 0; i < 3000; i++ {
		b := make([]byte, r.IntN(80))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		checkSpans(t, string(b))
	}
}

func FuzzDetectors(f *testing.F) {
	for _, s := range genCorpus(50, 2) {
		f.Add(s.text)
	}
	for _, s := range []string{"José Núñez's", "Straße ß", "Иван Петров", "Zoë, Ana and Ødegård", "Regards,\nŁukasz", "ǅ\u0301x", "ß\xff\xfeé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) { checkSpans(t, text) })
}

func TestSortSpansMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 500; trial++ {
		n := r.IntN(200)
		var in []span
		// several sorted runs, like detector outputs
		for len(in) < n {
			runLen := 1 + r.IntN(20)
			pos := r.IntN(1000)
			for k := 0; k < runLen && len(in) < n; k++ {
				pos += r.IntN(5)
				in = append(in, span{start: pos, end: pos + 1 + r.IntN(9), it: builtinList[r.IntN(nBuiltins)].name})
			}
		}
		want := append([]span(nil), in...)
		for i := 1; i < len(want); i++ {
			for j := i; j > 0 && spanLess(want[j], want[j-1]); j-- {
				want[j], want[j-1] = want[j-1], want[j]
			}
		}
		got := sortSpans(append([]span(nil), in...))
		if len(got) != len(want) {
			t.Fatalf("length %d, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d: position %d = %+v, want %+v", trial, i, got[i], want[i])
			}
		}
	}
}

// Text mixing ASCII, folded letters (Latin with diacritics, ß, Cyrillic,
// Greek), letters that are not folded, combining marks and invalid bytes:
// spans stay inside the text and, in valid UTF-8, on rune boundaries.
func TestFoldedSpansRobust(t *testing.T) {
	pieces := []string{"José", " ", "Núñez", "'s", ", ", " and ", "\n", "Regards,\n", "Dr. ", "ß", "Straße", "Иван", "Петров", "Ζωή", "ǅ", "\u0301", "\xff", "é", "李", "ada@exämple.com", "415-555-0132", "Zoë", "Ødegård", "ъ", "Ъ", "ı"}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 3000; trial++ {
		var b strings.Builder
		for k := rng.IntN(12); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		checkSpans(t, text)
		if !utf8.ValidString(text) {
			continue
		}
		ins, _ := newInspector(&dlppb.InspectConfig{})
		for _, s := range ins.scanText(text) {
			if !utf8.RuneStart(text[s.start]) || s.end < len(text) && !utf8.RuneStart(text[s.end]) {
				t.Fatalf("span %+v of %q splits a rune", s, text)
			}
		}
	}
}
