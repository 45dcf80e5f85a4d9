package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sluice-data/sluice/shared/classify"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// classifyCmd: sluice classify [--table T ...] [--rows N] [--infotypes A,B] [--json] [--dir D]
//
// For each masked table (or the tables named), a DLP inspection job over the
// curated table's columns that the mask policy does not name, and a rule
// proposed for each from its findings. A table named with --table that has
// no policy has every column inspected.
func classifyCmd(args []string) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	var tables stringList
	fs.Var(&tables, "table", "only this curated table (repeatable; default: every table of mask.tables)")
	rows := fs.Int64("rows", 10000, "rows each DLP job inspects at most (big_query_options.rows_limit)")
	infoTypes := fs.String("infotypes", "", "comma-separated infoTypes to look for (default: mask.infotypes)")
	share := fs.Float64("token-share", 0.8, "share of rows one infoType must be found in to propose token")
	asJSON := fs.Bool("json", false, "print the proposals as JSON")
	dir := fs.String("dir", "", "pipeline directory (default: the embedded pipeline)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("classify: unexpected argument %q (tables are named with --table)", fs.Arg(0))
	}
	if *share <= 0 || *share > 1 {
		return fmt.Errorf("classify: --token-share %v: want a share in (0, 1]", *share)
	}
	env, err := gcp.EnvFromOS()
	if err != nil {
		return err
	}
	p, err := loadPipeline(*dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	c, err := gcp.NewClients(ctx, env, p)
	if err != nil {
		return err
	}
	defer c.Close()
	o := classify.Options{Project: env.Project, BigQuery: c.BigQuery, DLP: c.DLP, Curated: c.Names.Curated, Ops: c.Names.Ops,
		InfoTypes: p.Mask.InfoTypes, RowsLimit: *rows, TokenShare: *share}
	if *infoTypes != "" {
		o.InfoTypes = strings.Split(*infoTypes, ",")
	}
	pols, err := classifyPolicies(p, tables)
	if err != nil {
		return err
	}
	return runClassify(ctx, os.Stdout, o, pols, *asJSON)
}

// classifyPolicies picks the policies to classify: every mask table, or
// the named ones (a table without a policy gets an empty one: every column
// is unnamed).
func classifyPolicies(p *config.Pipeline, tables []string) ([]config.MaskPolicy, error) {
	if len(tables) == 0 {
		if len(p.Mask.Tables) == 0 {
			return nil, fmt.Errorf("classify: pipeline.yaml has no mask.tables; name a curated table with --table")
		}
		return p.Mask.Tables, nil
	}
	var out []config.MaskPolicy
	for _, t := range tables {
		pol := config.MaskPolicy{Name: t}
		for _, mp := range p.Mask.Tables {
			if mp.Name == t {
				pol = mp
			}
		}
		out = append(out, pol)
	}
	return out, nil
}

func runClassify(ctx context.Context, w io.Writer, o classify.Options, pols []config.MaskPolicy, asJSON bool) error {
	all := []classify.Proposal{}
	for _, pol := range pols {
		ps, err := classify.Policy(ctx, o, pol)
		if err != nil {
			return err
		}
		all = append(all, ps...)
		if asJSON {
			continue
		}
		if len(ps) == 0 {
			fmt.Fprintf(w, "%s: every column is classified by the mask policy\n\n", pol.Name)
			continue
		}
		fmt.Fprintf(w, "%s: %d column(s) the mask policy does not name, inspected by DLP job %s (%d rows)\n", pol.Name, len(ps), ps[0].Job, ps[0].RowsInspected)
		if len(pol.Columns) == 0 {
			fmt.Fprintf(w, "  # %s has no mask policy; add one under mask.tables (name: %s) with these columns:\n", pol.Name, pol.Name)
		} else {
			fmt.Fprintf(w, "  # add under the columns of mask.tables %s in pipeline.yaml, after review:\n", pol.Name)
		}
		for _, p := range ps {
			fmt.Fprintf(w, "  %s\n", p.YAML())
		}
		fmt.Fprintln(w)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
