package transform_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"

	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/config"
)

// TestViewAndCostGuardrails: a view model becomes a view; a model whose dry
// run exceeds its max_bytes_billed fails before running, naming its file,
// and records the estimate in the run history; the others record theirs.
func TestViewAndCostGuardrails(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_guard", "orders")
	if _, err := r.Run(ctx, "guard_init", date("2026-10-31")); err != nil {
		t.Fatal(err)
	}
	land(t, r, batch1...)
	p := *r.Pipeline
	p.Models = append(append([]config.Model{}, p.Models...),
		config.Model{Name: "open_orders", File: "models/open_orders.sql"},
		config.Model{Name: "costly", File: "models/costly.sql"})
	p.SQL = map[string]string{"orders": st.Pipeline.SQL["orders"],
		"open_orders": "-- sluice: materialized=view\n-- description: Orders not shipped yet.\nSELECT order_id, status FROM ref('orders') WHERE status != 'shipped'",
		"costly":      "-- sluice: max_bytes_billed=1\nSELECT * FROM ref('orders')",
	}
	r.Pipeline = &p
	_, err := r.Run(ctx, "guard_1", date("2026-11-01"))
	if err == nil || !strings.Contains(err.Error(), "model costly (models/costly.sql): dry run: the query would process") ||
		!strings.Contains(err.Error(), "above max_bytes_billed=1") {
		t.Fatalf("err = %v", err)
	}
	md, err := st.Clients.BigQuery.Dataset(r.Names.Curated).Table("open_orders").Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if md.Type != bigquery.ViewTable || md.Description != "Orders not shipped yet." {
		t.Errorf("open_orders: type %s, description %q", md.Type, md.Description)
	}
	if got := table(t, r, "open_orders", "order_id"); len(got) != 3 {
		t.Errorf("open_orders rows = %v", got)
	}
	if _, err := st.Clients.BigQuery.Dataset(r.Names.Curated).Table("costly").Metadata(ctx); err == nil {
		t.Error("costly was built despite its dry run exceeding max_bytes_billed")
	}
	got := rows(t, "SELECT model, status, bytes_processed > 0 FROM `"+st.Clients.BigQuery.Project()+"."+r.Names.Ops+".runs` WHERE run_id = 'guard_1' ORDER BY model")
	want := []string{"costly|error|true|", "open_orders|ok|true|", "orders|ok|true|"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("history = %v, want %v", got, want)
	}
}

// TestRelationshipsAndFreshness: header assertions relationships(col) and
// freshness(col) run after the model; the model a relationship names runs
// first.
func TestRelationshipsAndFreshness(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_rel", "orders")
	if _, err := r.Run(ctx, "rel_init", date("2026-10-31")); err != nil {
		t.Fatal(err)
	}
	land(t, r, batch1...)
	p := *r.Pipeline
	p.Models = append(append([]config.Model{}, p.Models...), config.Model{Name: "known_users", File: "models/known_users.sql"})
	p.SQL = map[string]string{
		"orders": strings.Replace(st.Pipeline.SQL["orders"], "-- assert unique: order_id\n",
			"-- assert unique: order_id\n-- assert relationships(user_id): known_users.user_id\n-- assert freshness(updated_at): 1d\n", 1),
		"known_users": "SELECT 'u1' AS user_id",
	}
	r.Pipeline = &p
	plans, err := transform.Plan(&p, "p", "raw", "curated")
	if err != nil || plans[0].Model.Name != "known_users" {
		t.Fatalf("plan: %v %v", plans, err)
	}
	_, err = r.Run(ctx, "rel_1", date("2026-11-01"))
	var ae *transform.AssertionError
	if !errors.As(err, &ae) || len(ae.Failures) != 1 || !strings.Contains(ae.Failures[0], "relationships(user_id -> known_users.user_id)") {
		t.Fatalf("err = %v, want one relationships failure", err)
	}
	p.SQL["known_users"] = "SELECT 'u1' AS user_id UNION ALL SELECT 'u2'"
	if _, err := r.Run(ctx, "rel_2", date("2026-11-01")); err != nil {
		t.Fatalf("all users known, data fresh: %v", err)
	}
	_, err = r.Run(ctx, "rel_3", date("2026-11-03"))
	if !errors.As(err, &ae) || len(ae.Failures) != 1 || !strings.Contains(ae.Failures[0], "freshness(updated_at, 1d)") {
		t.Fatalf("err = %v, want one freshness failure", err)
	}
}

// TestMaterializationChanges: a model's header may change its
// materialisation or layout between runs; each run leaves the table as
// the header says, with the same rows.
func TestMaterializationChanges(t *testing.T) {
	ctx := context.Background()
	r := isolated(t, "t_mat", "orders")
	if _, err := r.Run(ctx, "mat_init", date("2026-10-31")); err != nil {
		t.Fatal(err)
	}
	land(t, r, batch1...)
	p := *r.Pipeline
	p.Models = append(append([]config.Model{}, p.Models...), config.Model{Name: "by_user", File: "models/by_user.sql"})
	r.Pipeline = &p
	body := "SELECT user_id, COUNT(*) AS orders FROM ref('orders') GROUP BY user_id"
	for i, tt := range []struct {
		header    string
		typ       bigquery.TableType
		partition bool
	}{
		{"", bigquery.RegularTable, false},
		{"-- sluice: partition_by=DATE(first) cluster_by=user_id\n", bigquery.RegularTable, true},
		{"-- sluice: materialized=view\n", bigquery.ViewTable, false},
		{"", bigquery.RegularTable, false},
	} {
		sql := body
		if tt.partition {
			sql = "SELECT user_id, COUNT(*) AS orders, MIN(updated_at) AS first FROM ref('orders') GROUP BY user_id"
		}
		p.SQL = map[string]string{"orders": st.Pipeline.SQL["orders"], "by_user": tt.header + sql}
		if _, err := r.Run(ctx, fmt.Sprintf("mat_%d", i), date("2026-11-01")); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		md, err := st.Clients.BigQuery.Dataset(r.Names.Curated).Table("by_user").Metadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if md.Type != tt.typ || (md.TimePartitioning != nil) != tt.partition {
			t.Errorf("step %d: type %s, partitioning %+v", i, md.Type, md.TimePartitioning)
		}
		if got := rows(t, "SELECT user_id, orders FROM `"+st.Clients.BigQuery.Project()+"."+r.Names.Curated+".by_user` ORDER BY user_id"); strings.Join(got, " ") != "u1|2| u2|1|" {
			t.Errorf("step %d: rows %v", i, got)
		}
	}
}
