package main

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGraphExample checks the example pipeline's lineage: every model is a
// node, each reads what its SQL reads, and published.users withholds nothing
// while the columns each model reads come from the parse (users.sql reads
// events through a SELECT * CTE, and only the columns used are charged).
func TestGraphExample(t *testing.T) {
	p, err := loadPipeline("")
	if err != nil {
		t.Fatal(err)
	}
	g, err := buildLineage(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Models {
		if n := g.node(p.Datasets.Curated + "." + m.Name); n == nil || n.Kind != kindModel {
			t.Errorf("model %s: no node", m.Name)
		}
	}
	edge := func(from, to string) *graphEdge {
		for i, e := range g.Edges {
			if e.From == from && e.To == to {
				return &g.Edges[i]
			}
		}
		return nil
	}
	for _, tc := range []struct {
		from, to string
		cols     []string
	}{
		{"curated.events", "curated.users", []string{"channel", "country", "email", "event_time", "event_type", "amount", "ip", "phone", "user_id", "variant"}},
		{"curated.users", "curated.daily_metrics", []string{"channel", "user_id"}},
		{"published.daily_metrics", "export:daily_revenue_by_channel", []string{"channel", "day", "purchases", "revenue"}},
	} {
		e := edge(tc.from, tc.to)
		if e == nil {
			t.Errorf("no edge %s -> %s", tc.from, tc.to)
			continue
		}
		if d := cmp.Diff(sorted(tc.cols), e.Columns); d != "" {
			t.Errorf("%s -> %s columns (-want +got):\n%s", tc.from, tc.to, d)
		}
	}
	if e := edge("raw.events", "curated.users"); e != nil {
		t.Errorf("users.sql reads ref('events'), not raw.events: edge %+v", e)
	}
	svg := g.SVG()
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Errorf("SVG is not well-formed XML: %v", err)
	}
	for _, out := range []string{svg, g.Dot(), g.Mermaid()} {
		for _, m := range p.Models {
			if !strings.Contains(out, "curated."+m.Name) {
				t.Errorf("output lacks model %s:\n%.300s", m.Name, out)
			}
		}
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}
