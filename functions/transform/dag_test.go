package transform

import (
	"strings"
	"testing"

	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
)

func TestPlanOrdersExampleModels(t *testing.T) {
	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := Plan(p, "proj", "raw", "curated")
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, mp := range plans {
		pos[mp.Model.Name] = i
		if strings.Contains(mp.SQL, "ref(") || strings.Contains(mp.SQL, "source(") {
			t.Errorf("%s: unresolved reference left in SQL", mp.Model.Name)
		}
	}
	for _, mp := range plans {
		for _, d := range mp.Deps {
			if pos[d] >= pos[mp.Model.Name] {
				t.Errorf("%s runs before its dependency %s", mp.Model.Name, d)
			}
		}
	}
	if !strings.Contains(plans[pos["users"]].SQL, "`proj.curated.events`") {
		t.Errorf("users SQL does not read proj.curated.events:\n%s", plans[pos["users"]].SQL)
	}
}

func TestPlanErrorsNameTheFiles(t *testing.T) {
	base := func(sql map[string]string) *config.Pipeline {
		p := &config.Pipeline{SQL: sql, Sources: []config.Source{{Name: "events"}}}
		for _, n := range []string{"a", "b", "c"} {
			p.Models = append(p.Models, config.Model{Name: n, File: "models/" + n + ".sql"})
		}
		return p
	}
	tests := []struct {
		name string
		sql  map[string]string
		want string
	}{
		{"cycle", map[string]string{"a": "SELECT * FROM ref('b')", "b": "SELECT * FROM ref('c')", "c": "SELECT * FROM ref('a')"},
			"models form a cycle: models/a.sql → models/b.sql → models/c.sql → models/a.sql"},
		{"unknown model", map[string]string{"a": "SELECT * FROM ref('nope')", "b": "SELECT 1", "c": "SELECT 1"},
			"models/a.sql: ref('nope') names no model"},
		{"unknown source", map[string]string{"a": "SELECT * FROM source('raw', 'tickets')", "b": "SELECT 1", "c": "SELECT 1"},
			"models/a.sql: source('raw', 'tickets') names no source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(base(tt.sql), "p", "raw", "curated")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant %q", err, tt.want)
			}
		})
	}
}
