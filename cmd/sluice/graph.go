package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
)

// Node kinds of the lineage graph, left to right.
const (
	kindSource    = "source"
	kindRaw       = "raw"
	kindModel     = "model"
	kindPublished = "published"
	kindExport    = "export"
)

var graphKinds = []string{kindSource, kindRaw, kindModel, kindPublished, kindExport}

// graphNode is one box of the flow: a source, a table or an export.
type graphNode struct {
	ID      string   `json:"id"` // "dataset.table" for tables, "source:x", "export:x"
	Kind    string   `json:"kind"`
	Name    string   `json:"name"`
	Dataset string   `json:"dataset,omitempty"`
	Detail  string   `json:"detail,omitempty"`
	Columns []string `json:"columns,omitempty"` // a table's columns, as far as lineage knows them
	// Withheld are the curated columns the mask policy does not name: not published.
	Withheld []string `json:"withheld,omitempty"`
}

// graphEdge says To reads Columns of From.
type graphEdge struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Columns []string `json:"columns,omitempty"`
	Star    bool     `json:"star,omitempty"`
}

type lineageGraph struct {
	Nodes []graphNode `json:"nodes"`
	Edges []graphEdge `json:"edges"`
}

func (g *lineageGraph) node(id string) *graphNode {
	for i := range g.Nodes {
		if g.Nodes[i].ID == id {
			return &g.Nodes[i]
		}
	}
	return nil
}

// buildLineage reads pipeline.yaml and the model SQL: the columns each model
// and export reads come from the BigQuery translator's parse (bqsql.Lineage),
// with the raw schemas from the config and each model's output columns fed
// to the models after it.
func buildLineage(p *config.Pipeline) (*lineageGraph, error) {
	const project = "sluice-lineage"
	ds := p.Datasets
	g := &lineageGraph{}
	cols := map[string][]string{}
	for _, s := range p.Sources {
		var trig string
		switch {
		case s.Trigger.PubSubTopic != "":
			trig = "Pub/Sub topic " + s.Trigger.PubSubTopic
		case s.Trigger.GCSPrefix != "":
			trig = "gs://" + p.Buckets.Landing + "/" + s.Trigger.GCSPrefix
		}
		g.Nodes = append(g.Nodes, graphNode{ID: "source:" + s.Name, Kind: kindSource, Name: s.Name, Detail: trig})
		raw := ds.Raw + "." + s.Name
		var names []string
		for _, f := range bq.RawSchema(&s) {
			names = append(names, f.Name)
		}
		cols[raw] = names
		g.Nodes = append(g.Nodes, graphNode{ID: raw, Kind: kindRaw, Name: s.Name, Dataset: ds.Raw, Columns: names, Detail: s.Format})
		g.Edges = append(g.Edges, graphEdge{From: "source:" + s.Name, To: raw})
	}
	plans, err := transform.Plan(p, project, ds.Raw, ds.Curated)
	if err != nil {
		return nil, err
	}
	lookup := func(d, t string) ([]string, bool) { c, ok := cols[d+"."+t]; return c, ok }
	for _, mp := range plans {
		id := ds.Curated + "." + mp.Model.Name
		reads, out, err := bqsql.Lineage(mp.SQL, lookup)
		if err != nil {
			return nil, fmt.Errorf("lineage of %s: %w", mp.Model.File, err)
		}
		cols[id] = out
		g.Nodes = append(g.Nodes, graphNode{ID: id, Kind: kindModel, Name: mp.Model.Name, Dataset: ds.Curated, Columns: out, Detail: mp.Options.Materialization()})
		for _, r := range reads {
			g.Edges = append(g.Edges, graphEdge{From: r.Dataset + "." + r.Table, To: id, Columns: r.Columns, Star: r.Star})
		}
	}
	for _, t := range p.Mask.Tables {
		from, id := ds.Curated+"."+t.Name, ds.Published+"."+t.Name
		var kept, withheld []string
		for _, c := range cols[from] {
			rule, ok := t.Columns[c]
			switch {
			case !ok:
				withheld = append(withheld, c)
			case rule.Kind != config.RuleDrop:
				kept = append(kept, c)
			}
		}
		if len(cols[from]) == 0 { // schema not known: the policy's columns
			for c, rule := range t.Columns {
				if rule.Kind != config.RuleDrop {
					kept = append(kept, c)
				}
			}
			sort.Strings(kept)
		}
		cols[id] = kept
		g.Nodes = append(g.Nodes, graphNode{ID: id, Kind: kindPublished, Name: t.Name, Dataset: ds.Published, Columns: kept, Withheld: withheld, Detail: "masked by DLP"})
		sorted := slices.Clone(kept)
		sort.Strings(sorted)
		g.Edges = append(g.Edges, graphEdge{From: from, To: id, Columns: sorted})
	}
	for _, e := range p.Exports {
		id := "export:" + e.Name
		g.Nodes = append(g.Nodes, graphNode{ID: id, Kind: kindExport, Name: e.Name, Detail: e.Format + " " + e.Destination})
		reads, _, err := bqsql.Lineage(e.Query, lookup)
		if err != nil {
			return nil, fmt.Errorf("lineage of export %s: %w", e.Name, err)
		}
		for _, r := range reads {
			g.Edges = append(g.Edges, graphEdge{From: r.Dataset + "." + r.Table, To: id, Columns: r.Columns, Star: r.Star})
		}
	}
	// A table read but not declared (another dataset) still gets a box.
	for _, e := range g.Edges {
		if g.node(e.From) == nil {
			d, t, _ := strings.Cut(e.From, ".")
			g.Nodes = append(g.Nodes, graphNode{ID: e.From, Kind: kindRaw, Name: t, Dataset: d, Detail: "not declared in pipeline.yaml"})
		}
	}
	return g, nil
}

func graphCmd(args []string) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	dir := fs.String("pipeline", "", "pipeline directory holding pipeline.yaml (default: the embedded example)")
	format := fs.String("format", "mermaid", "output format: svg, dot or mermaid")
	asJSON := fs.Bool("json", false, "print the graph as JSON (nodes, edges with the columns read) instead")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := loadPipeline(*dir)
	if err != nil {
		return err
	}
	g, err := buildLineage(p)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(os.Stdout, g)
	}
	switch *format {
	case "svg":
		_, err = io.WriteString(os.Stdout, g.SVG())
	case "dot":
		_, err = io.WriteString(os.Stdout, g.Dot())
	case "mermaid":
		_, err = io.WriteString(os.Stdout, g.Mermaid())
	default:
		return fmt.Errorf("graph: --format %q: want svg, dot or mermaid", *format)
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (n graphNode) title() string {
	if n.Dataset != "" {
		return n.Dataset + "." + n.Name
	}
	return n.Kind + " " + n.Name
}

// edgeLabel lists the columns read, shortened past a few.
func (e graphEdge) label(max int) string {
	c := e.Columns
	s := strings.Join(c, ", ")
	if len(c) > max {
		s = strings.Join(c[:max], ", ") + fmt.Sprintf(", +%d", len(c)-max)
	}
	return s
}

// Dot renders Graphviz DOT, one rank per kind.
func (g *lineageGraph) Dot() string {
	var b strings.Builder
	q := func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
	}
	b.WriteString("digraph sluice {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontsize=9, fontname=\"Helvetica\"];\n")
	for _, k := range graphKinds {
		fmt.Fprintf(&b, "  subgraph cluster_%s {\n    label=%s;\n", k, q(k))
		for _, n := range g.Nodes {
			if n.Kind == k {
				lbl := n.title()
				if len(n.Withheld) > 0 {
					lbl += "\nwithheld: " + strings.Join(n.Withheld, ", ")
				}
				fmt.Fprintf(&b, "    %s [label=%s];\n", q(n.ID), q(lbl))
			}
		}
		b.WriteString("  }\n")
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", q(e.From), q(e.To), q(e.label(6)))
	}
	b.WriteString("}\n")
	return b.String()
}

// Mermaid renders a flowchart for Markdown (GitHub renders it).
func (g *lineageGraph) Mermaid() string {
	ids := map[string]string{}
	for i, n := range g.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
	}
	esc := func(s string) string { return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s) }
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, k := range graphKinds {
		fmt.Fprintf(&b, "  subgraph %s\n", k)
		for _, n := range g.Nodes {
			if n.Kind == k {
				lbl := n.title()
				if len(n.Withheld) > 0 {
					lbl += "<br/>withheld: " + strings.Join(n.Withheld, ", ")
				}
				fmt.Fprintf(&b, "    %s[\"%s\"]\n", ids[n.ID], esc(lbl))
			}
		}
		b.WriteString("  end\n")
	}
	for _, e := range g.Edges {
		if l := e.label(4); l != "" {
			fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", ids[e.From], esc(l), ids[e.To])
		} else {
			fmt.Fprintf(&b, "  %s --> %s\n", ids[e.From], ids[e.To])
		}
	}
	return b.String()
}

// graphLayout places nodes in one column per kind; models take as many
// columns as the DAG is deep.
type graphLayout struct {
	x, y        map[string]int
	w, h        int
	boxW, boxH  int
	colW, rowH  int
	marginX, mY int
}

func (g *lineageGraph) layout(boxH int) graphLayout {
	col := map[string]int{}
	depth := map[string]int{}
	var modelDepth func(id string) int
	modelDepth = func(id string) int {
		if d, ok := depth[id]; ok {
			return d
		}
		depth[id] = 0
		d := 0
		for _, e := range g.Edges {
			if e.To == id {
				if n := g.node(e.From); n != nil && n.Kind == kindModel {
					d = max(d, modelDepth(e.From)+1)
				}
			}
		}
		depth[id] = d
		return d
	}
	maxDepth := 0
	for _, n := range g.Nodes {
		if n.Kind == kindModel {
			maxDepth = max(maxDepth, modelDepth(n.ID))
		}
	}
	for _, n := range g.Nodes {
		switch n.Kind {
		case kindSource:
			col[n.ID] = 0
		case kindRaw:
			col[n.ID] = 1
		case kindModel:
			col[n.ID] = 2 + depth[n.ID]
		case kindPublished:
			col[n.ID] = 3 + maxDepth
		case kindExport:
			col[n.ID] = 4 + maxDepth
		}
	}
	l := graphLayout{x: map[string]int{}, y: map[string]int{}, boxW: 180, boxH: boxH, colW: 220, rowH: boxH + 24, marginX: 16, mY: 16}
	rows := map[int]int{}
	for _, n := range g.Nodes {
		c := col[n.ID]
		l.x[n.ID] = l.marginX + c*l.colW
		l.y[n.ID] = l.mY + rows[c]*l.rowH
		rows[c]++
	}
	maxRows := 0
	for _, r := range rows {
		maxRows = max(maxRows, r)
	}
	l.w = l.marginX*2 + (4+maxDepth)*l.colW + l.boxW
	l.h = l.mY*2 + maxRows*l.rowH
	return l
}

// SVG renders the graph as a standalone SVG (no Graphviz needed).
func (g *lineageGraph) SVG() string {
	return g.svg(nil)
}

// svg draws the graph; lines, when set, adds status lines under each node's
// title (the status page passes row counts, freshness, last run).
func (g *lineageGraph) svg(lines func(n graphNode) (text []string, class string)) string {
	boxH := 40
	if lines != nil {
		boxH = 78
	}
	l := g.layout(boxH)
	e := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif">`+"\n", l.w, l.h, l.w, l.h)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	for _, ed := range g.Edges {
		x1, y1 := l.x[ed.From]+l.boxW, l.y[ed.From]+l.boxH/2
		x2, y2 := l.x[ed.To], l.y[ed.To]+l.boxH/2
		mid := (x1 + x2) / 2
		fmt.Fprintf(&b, `<path d="M %d %d C %d %d, %d %d, %d %d" fill="none" stroke="#888" stroke-width="1.2" marker-end="url(#arrow)"><title>%s → %s reads %s</title></path>`+"\n",
			x1, y1, mid, y1, mid, y2, x2, y2, e(ed.From), e(ed.To), e(ed.label(1000)))
	}
	fill := map[string]string{kindSource: "#eef5ff", kindRaw: "#f3f3f3", kindModel: "#fff7e6", kindPublished: "#eaf7ea", kindExport: "#f5eefc"}
	for _, n := range g.Nodes {
		x, y := l.x[n.ID], l.y[n.ID]
		var text []string
		class := ""
		if lines != nil {
			text, class = lines(n)
		}
		stroke := "#999"
		switch class {
		case "failed":
			stroke = "#c62828"
		case "ok":
			stroke = "#2e7d32"
		}
		tip := n.ID
		if len(n.Columns) > 0 {
			tip += "\ncolumns: " + strings.Join(n.Columns, ", ")
		}
		if len(n.Withheld) > 0 {
			tip += "\nwithheld (not in the mask policy): " + strings.Join(n.Withheld, ", ")
		}
		fmt.Fprintf(&b, `<g class="node %s" data-id="%s" data-kind="%s"><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="%s" stroke-width="1.5"/>`,
			e(n.Kind+" "+class), e(n.ID), e(n.Kind), e(tip), x, y, l.boxW, l.boxH, fill[n.Kind], stroke)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" font-weight="bold">%s</text>`, x+8, y+16, e(n.title()))
		sub := n.Detail
		if len(n.Withheld) > 0 {
			sub = fmt.Sprintf("withheld: %s", strings.Join(n.Withheld, ", "))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="%s">%s</text>`, x+8, y+31, map[bool]string{true: "#c62828", false: "#555"}[len(n.Withheld) > 0], e(truncate(sub, 32)))
		for i, t := range text {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" class="status">%s</text>`, x+8, y+46+i*12, e(truncate(t, 32)))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
