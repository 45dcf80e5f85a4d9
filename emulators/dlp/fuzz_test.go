package dlp

import (
	"math/rand/v2"
	"testing"

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
	f.Fuzz(func(t *testing.T, text string) { checkSpans(t, text) })
}
