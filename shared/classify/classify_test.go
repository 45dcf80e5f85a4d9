package classify_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery"
	dlpapi "cloud.google.com/go/dlp/apiv2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"gopkg.in/yaml.v3"

	bqemu "github.com/sluice-data/sluice/emulators/bigquery"
	dlpemu "github.com/sluice-data/sluice/emulators/dlp"
	"github.com/sluice-data/sluice/shared/classify"
	"github.com/sluice-data/sluice/shared/config"
)

const project = "p"

// env serves the BigQuery emulator and a DLP emulator whose jobs read it,
// with datasets curated and ops, and curated.customers of n rows: id (the
// key), country (no personal data), contact (an e-mail address in every row)
// and notes (free text, a phone number in every third row).
func env(t *testing.T, n int) classify.Options {
	t.Helper()
	ctx := context.Background()
	srv, err := bqemu.New(bqemu.Options{Project: project})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	bq, err := bigquery.NewClient(ctx, project, option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ds := dlpemu.NewServer(dlpemu.Options{BigQueryEndpoint: hs.URL})
	go func() { _ = ds.Serve(lis) }()
	dc, err := dlpapi.NewClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close(); ds.Stop(); bq.Close(); hs.Close(); srv.Close() })

	for _, d := range []string{"curated", "ops"} {
		if err := bq.Dataset(d).Create(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	schema := bigquery.Schema{
		{Name: "id", Type: bigquery.StringFieldType},
		{Name: "country", Type: bigquery.StringFieldType},
		{Name: "contact", Type: bigquery.StringFieldType},
		{Name: "notes", Type: bigquery.StringFieldType},
	}
	tb := bq.Dataset("curated").Table("customers")
	if err := tb.Create(ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	countries := []string{"DE", "FR", "US", "BR"}
	var rows []*bigquery.ValuesSaver
	for i := range n {
		note := fmt.Sprintf("order %d shipped on time", i)
		if i%3 == 0 {
			note = fmt.Sprintf("asked to be called back at (415) 555-%04d", 100+i)
		}
		rows = append(rows, &bigquery.ValuesSaver{Schema: schema, InsertID: fmt.Sprint(i), Row: []bigquery.Value{
			fmt.Sprintf("c%03d", i), countries[i%len(countries)], fmt.Sprintf("customer%d@example.com", i), note}})
	}
	if err := tb.Inserter().Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	return classify.Options{Project: project, BigQuery: bq, DLP: dc, Curated: "curated", Ops: "ops",
		InfoTypes: []string{"EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON_NAME", "CREDIT_CARD_NUMBER"}}
}

// TestPolicyProposesRulesFromAJob: a policy naming only id; the other three
// columns are inspected by one DLP job over the BigQuery table, and the
// proposals follow the findings: contact token (e-mail in every row), notes
// redact_infotypes (a phone number in a third of the rows), country keep.
// The YAML lines the command prints load as pipeline.yaml rules.
func TestPolicyProposesRulesFromAJob(t *testing.T) {
	o := env(t, 60)
	ctx := context.Background()
	pol := config.MaskPolicy{Name: "customers", Key: "id", Columns: map[string]config.ColumnRule{"id": {Kind: config.RuleKeep}}}
	ps, err := classify.Policy(ctx, o, pol)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]classify.Proposal{}
	for _, p := range ps {
		got[p.Column] = p
		t.Log(p.YAML())
	}
	if len(ps) != 3 || got["id"].Column != "" {
		t.Fatalf("want proposals for country, contact, notes only; got %+v", ps)
	}
	c := got["contact"]
	if c.Rule != classify.Token || c.RowsInspected != 60 || len(c.Evidence) == 0 || c.Evidence[0].InfoType != "EMAIL_ADDRESS" ||
		c.Evidence[0].Rows != 60 || c.Evidence[0].Share != 1 || c.Job == "" {
		t.Errorf("contact: %+v", c)
	}
	nt := got["notes"]
	if nt.Rule != classify.RedactInfoTypes || len(nt.InfoTypes) == 0 || nt.InfoTypes[0] != "PHONE_NUMBER" || nt.Evidence[0].Rows != 20 {
		t.Errorf("notes: %+v", nt)
	}
	if cy := got["country"]; cy.Rule != classify.Keep || len(cy.Evidence) != 0 || cy.RowsInspected != 60 {
		t.Errorf("country: %+v", cy)
	}
	var lines []string
	for _, p := range ps {
		lines = append(lines, p.YAML())
	}
	var rules map[string]config.ColumnRule
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &rules); err != nil {
		t.Fatalf("the proposed lines are not pipeline.yaml rules: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if rules["contact"].Kind != config.RuleToken || rules["country"].Kind != config.RuleKeep ||
		rules["notes"].Kind != config.RuleRedactInfoTypes || strings.Join(rules["notes"].InfoTypes, ",") != strings.Join(nt.InfoTypes, ",") {
		t.Errorf("rules read back: %+v", rules)
	}
}

// TestRowsLimitAndNoKey: without a key the rows are told apart by DLP's row
// number; rows_limit caps the rows inspected and the shares follow it.
func TestRowsLimitAndNoKey(t *testing.T) {
	o := env(t, 60)
	o.RowsLimit = 30
	ps, err := classify.Columns(context.Background(), o, "customers", []string{"contact", "notes"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].RowsInspected != 30 || ps[0].Rule != classify.Token || ps[0].Evidence[0].Rows != 30 ||
		ps[1].Rule != classify.RedactInfoTypes || ps[1].Evidence[0].Rows != 10 {
		t.Fatalf("%+v", ps)
	}
}

// TestEveryColumnNamedRunsNoJob: nothing to classify, nothing inspected.
func TestEveryColumnNamedRunsNoJob(t *testing.T) {
	o := env(t, 3)
	cols := map[string]config.ColumnRule{}
	for _, c := range []string{"id", "country", "contact", "notes"} {
		cols[c] = config.ColumnRule{Kind: config.RuleKeep}
	}
	ps, err := classify.Policy(context.Background(), o, config.MaskPolicy{Name: "customers", Columns: cols})
	if err != nil || len(ps) != 0 {
		t.Fatalf("%v %v", ps, err)
	}
}

// TestErrorsNameWhatIsWrong: a missing table and a missing ops dataset.
func TestErrorsNameWhatIsWrong(t *testing.T) {
	o := env(t, 1)
	ctx := context.Background()
	_, err := classify.Policy(ctx, o, config.MaskPolicy{Name: "nope", Columns: map[string]config.ColumnRule{"a": {Kind: config.RuleKeep}}})
	if err == nil || !strings.Contains(err.Error(), "curated.nope") {
		t.Errorf("missing table: %v", err)
	}
	o.Ops = "missing_ops"
	_, err = classify.Columns(ctx, o, "customers", []string{"contact"}, "")
	if err == nil || !strings.Contains(err.Error(), "missing_ops") {
		t.Errorf("missing ops dataset: %v", err)
	}
	o.InfoTypes = nil
	if _, err = classify.Columns(ctx, o, "customers", []string{"contact"}, ""); err == nil || !strings.Contains(err.Error(), "mask.infotypes") {
		t.Errorf("no infoTypes: %v", err)
	}
}

// TestPropose: the thresholds, on their own.
func TestPropose(t *testing.T) {
	ev := []classify.Evidence{{InfoType: "PERSON_NAME", Rows: 3, Share: 0.3}, {InfoType: "EMAIL_ADDRESS", Rows: 8, Share: 0.8}}
	if p := classify.Propose("t", "c", 10, ev, 0); p.Rule != classify.Token || p.Evidence[0].InfoType != "EMAIL_ADDRESS" {
		t.Errorf("%+v", p)
	}
	if p := classify.Propose("t", "c", 10, ev, 0.9); p.Rule != classify.RedactInfoTypes || strings.Join(p.InfoTypes, ",") != "EMAIL_ADDRESS,PERSON_NAME" {
		t.Errorf("%+v", p)
	}
	if p := classify.Propose("t", "c", 10, nil, 0); p.Rule != classify.Keep || !strings.Contains(p.Why(), "no finding in 10 rows") {
		t.Errorf("%+v", p)
	}
}
