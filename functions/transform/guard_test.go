package transform_test

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"

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
