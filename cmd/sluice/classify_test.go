package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	bqclient "cloud.google.com/go/bigquery"
	dlpapi "cloud.google.com/go/dlp/apiv2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/emulators/bigquery"
	dlpemu "github.com/sluice-data/sluice/emulators/dlp"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/classify"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// TestClassifyCommand: the example pipeline with users.email taken out of
// its mask policy (so mask withholds it); sluice classify inspects only that
// column of curated users with a DLP job and prints a token rule for it
// with the evidence. A table named with --table that has no policy has
// every column inspected; --json prints the same proposals.
func TestClassifyCommand(t *testing.T) {
	ctx := context.Background()
	srv, err := bigquery.New(bigquery.Options{Project: "sluice-local"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ds := dlpemu.NewServer(dlpemu.Options{BigQueryEndpoint: hs.URL})
	go func() { _ = ds.Serve(lis) }()
	defer ds.Stop()
	bq, err := bqclient.NewClient(ctx, "sluice-local", option.WithEndpoint(hs.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer bq.Close()
	dc, err := dlpapi.NewClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()

	p, err := config.Load(pipeline.Files)
	if err != nil {
		t.Fatal(err)
	}
	var users config.MaskPolicy
	for i, mp := range p.Mask.Tables {
		if mp.Name == "users" {
			delete(p.Mask.Tables[i].Columns, "email")
			users = p.Mask.Tables[i]
		}
	}
	if users.Name == "" {
		t.Fatal("the example pipeline has no users mask policy")
	}
	names := gcp.NamesFor("", p)
	for _, d := range []string{names.Curated, names.Ops} {
		if err := bq.Dataset(d).Create(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	schema := bqclient.Schema{{Name: "user_id", Type: bqclient.StringFieldType}, {Name: "email", Type: bqclient.StringFieldType},
		{Name: "country", Type: bqclient.StringFieldType}}
	var rows []*bqclient.ValuesSaver
	for i := range 10 {
		rows = append(rows, &bqclient.ValuesSaver{Schema: schema, Row: []bqclient.Value{fmt.Sprintf("u%d", i), fmt.Sprintf("user%d@example.com", i), "DE"}})
	}
	for _, tb := range []string{"users", "signups"} {
		if err := bq.Dataset(names.Curated).Table(tb).Create(ctx, &bqclient.TableMetadata{Schema: schema}); err != nil {
			t.Fatal(err)
		}
		if err := bq.Dataset(names.Curated).Table(tb).Inserter().Put(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	o := classify.Options{Project: "sluice-local", BigQuery: bq, DLP: dc, Curated: names.Curated, Ops: names.Ops, InfoTypes: p.Mask.InfoTypes}

	pols, err := classifyPolicies(p, []string{"users"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runClassify(ctx, &out, o, pols, false); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	t.Log(text)
	if !strings.Contains(text, "users: 1 column(s) the mask policy does not name, inspected by DLP job projects/sluice-local/locations/global/dlpJobs/") ||
		!strings.Contains(text, "  email: token  # EMAIL_ADDRESS in 100% of 10 rows") || strings.Contains(text, "country:") {
		t.Errorf("output:\n%s", text)
	}

	pols, err = classifyPolicies(p, []string{"signups"})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runClassify(ctx, &out, o, pols, true); err != nil {
		t.Fatal(err)
	}
	var got []classify.Proposal
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, out.String())
	}
	rules := map[string]string{}
	for _, p := range got {
		rules[p.Column] = p.Rule
	}
	if len(got) != 3 || rules["email"] != "token" || rules["user_id"] != "keep" || rules["country"] != "keep" {
		t.Errorf("signups (no policy): %+v", got)
	}

	if _, err := classifyPolicies(&config.Pipeline{}, nil); err == nil || !strings.Contains(err.Error(), "--table") {
		t.Errorf("no mask tables: %v", err)
	}
}
