package transform_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestExperimentResults lands signups and purchases for three arms with
// known counts and checks every column of experiment_results, the p-value
// against math.Erfc on the same counts.
func TestExperimentResults(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_exp", "customers", "events", "users", "experiment_results")
	if _, err := r.Run(ctx, "exp_init", date("2026-11-01")); err != nil {
		t.Fatal(err)
	}
	type arm struct {
		name              string
		users, converters int
		revenue           float64 // per converter
	}
	arms := []arm{{"control", 200, 20, 50}, {"treatment", 180, 30, 60}, {"treatment_b", 50, 0, 0}}
	var vals []string
	n := 0
	ev := func(user, typ, variant string, amount string) {
		n++
		vals = append(vals, fmt.Sprintf("('e%d', '%s', '%s', TIMESTAMP '2026-11-01T10:00:00Z', '%s', %s, 'e%d', 'events', TIMESTAMP '2026-11-01T11:00:00Z')",
			n, user, typ, variant, amount, n))
	}
	for _, a := range arms {
		for i := range a.users {
			u := fmt.Sprintf("%s_%d", a.name, i)
			ev(u, "signup", a.name, "NULL")
			if i < a.converters {
				ev(u, "purchase", a.name, strconv.FormatFloat(a.revenue, 'f', 2, 64))
			}
		}
	}
	exec(t, st.Clients.BigQuery.Query(fmt.Sprintf("INSERT INTO `%s.%s.events` (event_id, user_id, event_type, event_time, variant, amount, _event_id, _source, _ingested_at) VALUES %s",
		st.Clients.BigQuery.Project(), r.Names.Raw, strings.Join(vals, ", "))))
	if _, err := r.Run(ctx, "exp_1", date("2026-11-01")); err != nil {
		t.Fatal(err)
	}
	got := table(t, r, "experiment_results", "variant")
	if len(got) != len(arms) {
		t.Fatalf("rows:\n%s", strings.Join(got, "\n"))
	}
	c := arms[0]
	for i, a := range arms {
		f := strings.Split(strings.TrimSuffix(got[i], "|"), "|")
		num := func(j int) float64 {
			v, err := strconv.ParseFloat(f[j], 64)
			if err != nil {
				t.Fatalf("%s column %d = %q", a.name, j, f[j])
			}
			return v
		}
		p1, p0 := float64(a.converters)/float64(a.users), float64(c.converters)/float64(c.users)
		if f[0] != a.name || num(1) != float64(a.users) || num(2) != float64(a.converters) || math.Abs(num(3)-p1) > 1e-12 ||
			math.Abs(num(4)-float64(a.converters)*a.revenue/float64(a.users)) > 1e-4 {
			t.Errorf("%s: %v", a.name, f)
		}
		if a.name == "control" {
			if f[5] != "<nil>" || f[6] != "<nil>" {
				t.Errorf("control: z, p = %s, %s; want NULL", f[5], f[6])
			}
			continue
		}
		pp := float64(a.converters+c.converters) / float64(a.users+c.users)
		z := (p1 - p0) / math.Sqrt(pp*(1-pp)*(1/float64(a.users)+1/float64(c.users)))
		p := math.Erfc(math.Abs(z) / math.Sqrt2)
		if math.Abs(num(5)-z) > 1e-9 || math.Abs(num(6)-p) > 1e-6 {
			t.Errorf("%s: z = %s, p = %s; want %.9f, %.9f", a.name, f[5], f[6], z, p)
		}
		t.Logf("%s: z = %s (Go %.6f), p = %s (Go %.8f)", a.name, f[5], z, f[6], p)
	}
}
