package dlp

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
)

var (
	mixedOnce sync.Once
	mixedStr  string
)

// mixedText is ~1 MB of corpus text: mostly prose with personal data mixed in.
func mixedText() string {
	mixedOnce.Do(func() { mixedStr = genMixed() })
	return mixedStr
}

func genMixed() string {
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
	c0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = ins.scanText(text)
	}
	b.StopTimer()
	// Throughput per CPU-second (user+sys of the whole process, GC
	// included): the per-core figure, independent of other load on the box.
	if d := cpuTime() - c0; d > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInspectTypical is the same on text where one sentence in ten
// carries personal data (closer to logs and support tickets).
func BenchmarkInspectTypical(b *testing.B) {
	text := typicalText()
	ins, _ := newInspector(&dlppb.InspectConfig{})
	b.SetBytes(int64(len(text)))
	c0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = ins.scanText(text)
	}
	b.StopTimer()
	if d := cpuTime() - c0; d > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkInspectContentRPCTypical is InspectContent through the real client
// on 400 KB requests of typical text, all built-ins, quotes on.
func BenchmarkInspectContentRPCTypical(b *testing.B) {
	text := typicalText()[:400<<10]
	_, c := start(b, Options{})
	req := &dlppb.InspectContentRequest{Parent: parent, InspectConfig: &dlppb.InspectConfig{IncludeQuote: true}, Item: textItem(text)}
	b.SetBytes(int64(len(text)))
	c0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.InspectContent(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if d := cpuTime() - c0; d > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

func typicalText() string {
	var sb strings.Builder
	r := genCorpus(40000, 5)
	for i, s := range r {
		if i%10 == 0 {
			sb.WriteString(s.text)
		} else {
			sb.WriteString(filler[i%len(filler)])
		}
		sb.WriteByte(' ')
		if sb.Len() > 1<<20 {
			break
		}
	}
	return sb.String()
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

// BenchmarkDeidentifyTable is the mask stage's shape: a 4,000-row table (just under 0.5 MB) with
// a hashed email column, a masked phone column and a free-text column
// de-identified by infoType, through the real client.
func BenchmarkDeidentifyTable(b *testing.B) {
	_, c := start(b, Options{})
	corpus := genCorpus(4000, 3)
	tbl := &dlppb.Table{Headers: []*dlppb.FieldId{{Name: "email"}, {Name: "phone"}, {Name: "message"}}}
	size := 0
	for i, s := range corpus {
		row := []*dlppb.Value{strValue(fmt.Sprintf("user%d@example.com", i)), strValue(fmt.Sprintf("415-555-%04d", i%10000)), strValue(s.text)}
		for _, v := range row {
			size += len(valueText(v))
		}
		tbl.Rows = append(tbl.Rows, &dlppb.Table_Row{Values: row})
	}
	msg := &dlppb.FieldTransformation{Fields: []*dlppb.FieldId{{Name: "message"}}, Transformation: &dlppb.FieldTransformation_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
		Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{PrimitiveTransformation: replaceWithInfoType()}}}}}
	cfg := &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{RecordTransformations: &dlppb.RecordTransformations{
		FieldTransformations: []*dlppb.FieldTransformation{
			fieldPT([]string{"email"}, hashPT(unwrappedKey()), nil),
			fieldPT([]string{"phone"}, maskPT("*", -4, false, "-"), nil),
			msg,
		}}}}
	req := &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: cfg, Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: tbl}}}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.DeidentifyContent(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tbl.Rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
