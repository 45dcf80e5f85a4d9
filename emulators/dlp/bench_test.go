package dlp

import (
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

// mixedText is ~1 MB of corpus text: mostly prose with personal data mixed in.
func mixedText() string {
	var b strings.Builder
	for _, s := range genCorpus(20000, 99) {
		b.WriteString(s.text)
		b.WriteByte('\n')
		if b.Len() > 1<<20 {
			break
		}
	}
	return b.String()
}

// BenchmarkInspectBuiltins measures the detector core (all built-ins) on
// mixed text, single goroutine.
func BenchmarkInspectBuiltins(b *testing.B) {
	text := mixedText()
	ins, err := newInspector(&dlppb.InspectConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = ins.scanText(text)
	}
}

// BenchmarkInspectContentRPC measures InspectContent end to end through the
// real client over gRPC on 100 KB requests.
func BenchmarkInspectContentRPC(b *testing.B) {
	text := mixedText()[:100<<10]
	_, c := start(b, Options{})
	req := &dlppb.InspectContentRequest{Parent: parent, InspectConfig: &dlppb.InspectConfig{IncludeQuote: true}, Item: textItem(text)}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.InspectContent(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}
