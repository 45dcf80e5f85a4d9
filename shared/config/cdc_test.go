package config_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sluice-data/sluice/shared/config"
)

const validCDC = `
version: 1
datasets: {raw: raw, curated: curated, published: published, ops: ops}
buckets: {landing: l, archive: a, export: e}
topics: {transform_completed: t, mask_completed: m, export_completed: x}
sources:
  - name: customers
    trigger: {pubsub_topic: customers}
    format: debezium
    cdc:
      primary_key: [id]
      deletes: apply
models:
  - {name: users, file: models/users.sql}
mask:
  tables:
    - name: customers
      columns: {id: keep}
`

func TestCDCBlock(t *testing.T) {
	p, err := config.Parse([]byte(validCDC))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := p.Source("customers")
	if got, want := s.CDCTable(), "customers"; got != want {
		t.Errorf("CDCTable() = %q, want %q (the source name by default)", got, want)
	}
	if s.CDC.Tombstones() {
		t.Error("deletes: apply reports tombstones")
	}
	if got, want := p.CuratedTables(), []string{"customers", "users"}; !slices.Equal(got, want) {
		t.Errorf("CuratedTables() = %v, want %v", got, want)
	}
	p, err = config.Parse([]byte(strings.Replace(strings.Replace(validCDC, "deletes: apply", "deletes: tombstone\n      table: customers_now", 1), "- name: customers\n      columns", "- name: customers_now\n      columns", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := p.CDCSourceForTable("customers_now"); !ok || s.Name != "customers" || !s.CDC.Tombstones() {
		t.Errorf("CDCSourceForTable(customers_now) = %v, %v", s, ok)
	}
}

func TestCDCValidationNamesTheField(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"not debezium", "format: debezium", "format: json", `sources[0].cdc: a cdc block needs format: debezium (got "json")`},
		{"bad deletes", "deletes: apply", "deletes: soft", `sources[0].cdc.deletes: got "soft"; allowed: apply`},
		{"bad table", "deletes: apply", "deletes: apply\n      table: Customers", `sources[0].cdc.table: got "Customers"`},
		{"metadata key", "primary_key: [id]", "primary_key: [_key]", `sources[0].cdc.primary_key[0]: got "_key"; names starting with _ are sluice's metadata columns`},
		{"key twice", "primary_key: [id]", "primary_key: [id, id]", `sources[0].cdc.primary_key[1]: "id" is listed twice`},
		{"key not declared", "deletes: apply", "deletes: apply\n    schema: [{name: other, type: INT64}]", `sources[0].cdc.primary_key[0]: "id" is not a column of the declared schema`},
		{"table clashes with a model", "deletes: apply", "deletes: apply\n      table: users", `models[0].name: "users" is also the current-state table of a cdc source`},
		{"misspelt field", "deletes: apply", "delete: apply", "field delete not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validCDC, tt.from) {
				t.Fatalf("test setup: %q not in base config", tt.from)
			}
			_, err := config.Parse([]byte(strings.Replace(validCDC, tt.from, tt.to, 1)))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
