package transform

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/sluice-data/sluice/shared/config"
)

// refRE and sourceRE find the two templating calls a model may use. They
// are placeholders in the SQL text, not SQL, so a pattern is the right tool.
var (
	refRE    = regexp.MustCompile(`\bref\(\s*'([^']*)'\s*\)`)
	sourceRE = regexp.MustCompile(`\bsource\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)`)
)

// ModelPlan is one model ready to run: its SQL with references resolved to
// fully qualified table names, and the models it reads.
type ModelPlan struct {
	Model   config.Model        // with the SQL header's description and assertions merged in
	Options config.ModelOptions // from the SQL header
	SQL     string
	Deps    []string
	// Sources are the raw tables the model reads.
	Sources []string
	// CDC is set on the current-state table of a CDC source (cdc.go):
	// generated, not read from a SQL file.
	CDC *config.Source
}

// Plan reads every model's header, resolves its references and orders the
// models so that each runs after the models it reads. A header error, an
// unknown reference, a cycle, or an incremental model that does not use
// @start and @end (see checkPartitionFilter) is an error naming the files
// involved; whether it prunes its raw partitions is checked by dry runs
// when it builds (checkPrunes).
func Plan(p *config.Pipeline, project, rawDataset, curatedDataset string) ([]ModelPlan, error) {
	byName := map[string]config.Model{}
	for _, m := range p.Models {
		byName[m.Name] = m
	}
	// Current-state tables of CDC sources come first: they read only raw,
	// and models may ref() them.
	var order []ModelPlan
	for _, src := range p.CDCSources() {
		mp := cdcPlan(src, project, rawDataset)
		byName[mp.Model.Name] = mp.Model
		order = append(order, mp)
	}
	plans := map[string]*ModelPlan{}
	var errs []string
	for _, m := range p.Models {
		sql := p.SQL[m.Name]
		m, opts, herrs := config.ParseHeader(m, sql)
		for _, e := range herrs {
			errs = append(errs, e.Error())
		}
		mp := &ModelPlan{Model: m, Options: opts}
		seen := map[string]bool{}
		sql = refRE.ReplaceAllStringFunc(sql, func(s string) string {
			name := refRE.FindStringSubmatch(s)[1]
			if _, ok := byName[name]; !ok {
				errs = append(errs, fmt.Sprintf("%s: ref('%s') names no model in pipeline.yaml", m.File, name))
				return s
			}
			if !seen[name] {
				mp.Deps = append(mp.Deps, name)
				seen[name] = true
			}
			return fmt.Sprintf("`%s.%s.%s`", project, curatedDataset, name)
		})
		sql = sourceRE.ReplaceAllStringFunc(sql, func(s string) string {
			g := sourceRE.FindStringSubmatch(s)
			if g[1] != "raw" {
				errs = append(errs, fmt.Sprintf("%s: source('%s', '%s'): the first argument must be 'raw'", m.File, g[1], g[2]))
				return s
			}
			if _, ok := p.Source(g[2]); !ok {
				errs = append(errs, fmt.Sprintf("%s: source('raw', '%s') names no source in pipeline.yaml", m.File, g[2]))
				return s
			}
			if !slices.Contains(mp.Sources, g[2]) {
				mp.Sources = append(mp.Sources, g[2])
			}
			return fmt.Sprintf("`%s.%s.%s`", project, rawDataset, g[2])
		})
		mp.SQL = sql
		// A model's assertions may read other models (relationships,
		// custom SQL): those run first.
		for _, a := range m.Assertions {
			for _, g := range refRE.FindAllStringSubmatch(a.SQL, -1) {
				if _, ok := byName[g[1]]; ok && g[1] != m.Name && !seen[g[1]] {
					mp.Deps = append(mp.Deps, g[1])
					seen[g[1]] = true
				}
			}
		}
		if msg := checkPartitionFilter(p, mp); msg != "" {
			errs = append(errs, m.File+": "+msg)
		}
		plans[m.Name] = mp
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("models:\n  %s", strings.Join(errs, "\n  "))
	}
	// Depth-first topological sort in config order, so the order is stable.
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	for _, mp := range order {
		state[mp.Model.Name] = done
	}
	var visit func(name string, stack []string) error
	visit = func(name string, stack []string) error {
		switch state[name] {
		case done:
			return nil
		case visiting:
			i := indexOf(stack, name)
			cycle := append(append([]string{}, stack[i:]...), name)
			files := make([]string, len(cycle))
			for j, n := range cycle {
				files[j] = byName[n].File
			}
			return fmt.Errorf("models form a cycle: %s", strings.Join(files, " → "))
		}
		state[name] = visiting
		deps := append([]string{}, plans[name].Deps...)
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, append(stack, name)); err != nil {
				return err
			}
		}
		state[name] = done
		order = append(order, *plans[name])
		return nil
	}
	for _, m := range p.Models {
		if err := visit(m.Name, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
