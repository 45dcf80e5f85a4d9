// Package classify proposes mask rules for the curated columns a mask policy
// does not name. The mask stage withholds those columns (fail closed); this
// package finds out what is in them, the way Google recommends: a DLP
// inspection job over the BigQuery table (CreateDlpJob with big_query_options
// limited to the unnamed columns), its findings saved to a table in the ops
// dataset, then one query over those findings per table. Quotes are not
// requested, so the findings table holds no personal data.
//
// From the findings of each column it proposes one rule:
//   - keep: no finding in the rows inspected;
//   - token: one infoType is found in at least TokenShare of the rows (the
//     column is an identifier such as an e-mail address: tokenised, it
//     stays joinable);
//   - redact_infotypes: findings in fewer rows (free text that sometimes
//     holds personal data), listing the infoTypes found.
//
// Every proposal carries its evidence: each infoType found, its highest
// likelihood and the share of inspected rows it was found in. The same code
// runs against the DLP emulator (whose jobs read the BigQuery emulator) and
// the real service.
package classify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	dlp "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

// Rule names, as pipeline.yaml spells them.
const (
	Keep            = string(config.RuleKeep)
	Token           = string(config.RuleToken)
	RedactInfoTypes = string(config.RuleRedactInfoTypes)
)

// Options say where the curated tables and the findings live.
type Options struct {
	Project   string // the project of the tables and the DLP job
	Location  string // DLP location; default "global"
	BigQuery  *bigquery.Client
	DLP       *dlp.Client
	Curated   string // the curated dataset (its deployed name)
	Ops       string // the dataset the findings table goes in (its deployed name)
	Findings  string // the findings table; default "dlp_classify_findings" (appended to)
	InfoTypes []string
	// RowsLimit caps the rows each job inspects (big_query_options.rows_limit);
	// default 10,000, 0 or less means the default.
	RowsLimit int64
	// TokenShare is the share of inspected rows one infoType must be found
	// in for the column to be proposed as token; default 0.8.
	TokenShare float64
	// MinLikelihood of a finding to count; default POSSIBLE.
	MinLikelihood dlppb.Likelihood
	Poll          time.Duration // how often the job is polled; default 500 ms
	Timeout       time.Duration // how long a job may run; default 10 min
}

// Evidence is one infoType found in a column (the type mask.completed
// carries too).
type Evidence = events.InfoTypeShare

// Proposal is the rule proposed for one column, with why.
type Proposal struct {
	Table         string     `json:"table"`
	Column        string     `json:"column"`
	Rule          string     `json:"rule"`
	InfoTypes     []string   `json:"info_types,omitempty"` // for redact_infotypes
	Evidence      []Evidence `json:"evidence"`
	RowsInspected int64      `json:"rows_inspected"`
	Job           string     `json:"dlp_job,omitempty"`
}

// YAML renders the proposal as a line of a mask policy's columns, with the
// evidence as a comment.
func (p Proposal) YAML() string {
	rule := p.Rule
	if p.Rule == RedactInfoTypes {
		rule = "{redact_infotypes: [" + strings.Join(p.InfoTypes, ", ") + "]}"
	}
	return fmt.Sprintf("%s: %s  # %s", p.Column, rule, p.Why())
}

// Why says in words what the proposal rests on.
func (p Proposal) Why() string {
	if len(p.Evidence) == 0 {
		return fmt.Sprintf("no finding in %d rows inspected", p.RowsInspected)
	}
	parts := make([]string, len(p.Evidence))
	for i, e := range p.Evidence {
		parts[i] = fmt.Sprintf("%s in %.0f%% of %d rows (up to %s)", e.InfoType, 100*e.Share, p.RowsInspected, e.Likelihood)
	}
	return strings.Join(parts, "; ")
}

// Event is the proposal as mask.completed carries it.
func (p Proposal) Event() events.ColumnProposal {
	return events.ColumnProposal{Table: p.Table, Column: p.Column, Rule: p.Rule, InfoTypes: p.InfoTypes,
		Evidence: p.Evidence, RowsInspected: p.RowsInspected, YAML: p.YAML()}
}

// Propose turns a column's evidence into a rule. Evidence is sorted by
// share, highest first.
func Propose(table, column string, rowsInspected int64, ev []Evidence, tokenShare float64) Proposal {
	if tokenShare <= 0 {
		tokenShare = 0.8
	}
	ev = append([]Evidence(nil), ev...)
	sort.SliceStable(ev, func(i, j int) bool {
		if ev[i].Share != ev[j].Share {
			return ev[i].Share > ev[j].Share
		}
		return ev[i].InfoType < ev[j].InfoType
	})
	p := Proposal{Table: table, Column: column, Evidence: ev, RowsInspected: rowsInspected}
	switch {
	case len(ev) == 0:
		p.Rule = Keep
	case ev[0].Share >= tokenShare:
		p.Rule = Token
	default:
		p.Rule = RedactInfoTypes
		for _, e := range ev {
			p.InfoTypes = append(p.InfoTypes, e.InfoType)
		}
	}
	return p
}

// Unnamed returns the top-level columns of the curated table that the
// policy does not name, in table order.
func Unnamed(schema bigquery.Schema, pol config.MaskPolicy) []string {
	var out []string
	for _, f := range schema {
		if _, ok := pol.Columns[f.Name]; !ok {
			out = append(out, f.Name)
		}
	}
	return out
}

func (o *Options) defaults() error {
	if o.BigQuery == nil || o.DLP == nil {
		return errors.New("classify: a BigQuery and a DLP client are needed")
	}
	if o.Project == "" || o.Curated == "" || o.Ops == "" {
		return errors.New("classify: Project, Curated and Ops (the datasets) must be set")
	}
	if len(o.InfoTypes) == 0 {
		return errors.New("classify: no infoTypes to look for: set mask.infotypes in pipeline.yaml or pass some")
	}
	if o.Location == "" {
		o.Location = "global"
	}
	if o.Findings == "" {
		o.Findings = "dlp_classify_findings"
	}
	if o.RowsLimit <= 0 {
		o.RowsLimit = 10000
	}
	if o.TokenShare <= 0 {
		o.TokenShare = 0.8
	}
	if o.MinLikelihood == dlppb.Likelihood_LIKELIHOOD_UNSPECIFIED {
		o.MinLikelihood = dlppb.Likelihood_POSSIBLE
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	return nil
}

// Policy classifies the columns of pol's curated table that pol does not
// name. It returns no proposals (and runs no job) when every column is
// named.
func Policy(ctx context.Context, o Options, pol config.MaskPolicy) ([]Proposal, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	md, err := o.BigQuery.DatasetInProject(o.Project, o.Curated).Table(pol.Name).Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("classify %s: reading the curated table %s.%s: %w", pol.Name, o.Curated, pol.Name, err)
	}
	cols := Unnamed(md.Schema, pol)
	if len(cols) == 0 {
		return nil, nil
	}
	return Columns(ctx, o, pol.Name, cols, pol.Key)
}

// Columns inspects the given columns of a curated table with one DLP job
// and proposes a rule for each. key, when set, is the table's key column:
// it identifies rows in the findings (identifying_fields), as DLP's
// reference asks, since the row number it reports "cannot be queried".
func Columns(ctx context.Context, o Options, table string, columns []string, key string) ([]Proposal, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if err := o.ensureOps(ctx); err != nil {
		return nil, err
	}
	ref := &dlppb.BigQueryTable{ProjectId: o.Project, DatasetId: o.Curated, TableId: table}
	bo := &dlppb.BigQueryOptions{TableReference: ref, RowsLimit: o.RowsLimit, SampleMethod: dlppb.BigQueryOptions_TOP}
	for _, c := range columns {
		bo.IncludedFields = append(bo.IncludedFields, &dlppb.FieldId{Name: c})
	}
	if key != "" {
		bo.IdentifyingFields = []*dlppb.FieldId{{Name: key}}
	}
	its := make([]*dlppb.InfoType, len(o.InfoTypes))
	for i, it := range o.InfoTypes {
		its[i] = &dlppb.InfoType{Name: it}
	}
	job, err := o.DLP.CreateDlpJob(ctx, &dlppb.CreateDlpJobRequest{
		Parent: fmt.Sprintf("projects/%s/locations/%s", o.Project, o.Location),
		Job: &dlppb.CreateDlpJobRequest_InspectJob{InspectJob: &dlppb.InspectJobConfig{
			StorageConfig: &dlppb.StorageConfig{Type: &dlppb.StorageConfig_BigQueryOptions{BigQueryOptions: bo}},
			InspectConfig: &dlppb.InspectConfig{InfoTypes: its, MinLikelihood: o.MinLikelihood},
			Actions: []*dlppb.Action{{Action: &dlppb.Action_SaveFindings_{SaveFindings: &dlppb.Action_SaveFindings{
				OutputConfig: &dlppb.OutputStorageConfig{Type: &dlppb.OutputStorageConfig_Table{
					Table: &dlppb.BigQueryTable{ProjectId: o.Project, DatasetId: o.Ops, TableId: o.Findings}}}}}}},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("classify %s: creating the DLP inspection job: %w", table, err)
	}
	job, err = o.wait(ctx, job)
	if err != nil {
		return nil, fmt.Errorf("classify %s: %w", table, err)
	}
	res := job.GetInspectDetails().GetResult()
	rows := res.GetNumRowsProcessed()
	ev := map[string][]Evidence{}
	if len(res.GetInfoTypeStats()) > 0 { // with no finding the findings table may not exist
		if ev, err = o.evidence(ctx, job.GetName()); err != nil {
			return nil, fmt.Errorf("classify %s: reading the findings of %s: %w", table, job.GetName(), err)
		}
	}
	out := make([]Proposal, 0, len(columns))
	for _, c := range columns {
		es := ev[c]
		if rows > 0 {
			for i := range es {
				es[i].Share = float64(es[i].Rows) / float64(rows)
			}
		}
		p := Propose(table, c, rows, es, o.TokenShare)
		p.Job = job.GetName()
		out = append(out, p)
	}
	return out, nil
}

// ensureOps makes sure the findings' dataset exists (the job appends to a
// table in an existing dataset).
func (o *Options) ensureOps(ctx context.Context) error {
	ds := o.BigQuery.DatasetInProject(o.Project, o.Ops)
	if _, err := ds.Metadata(ctx); err != nil {
		return fmt.Errorf("classify: the ops dataset %s, where the findings go, cannot be read (is the pipeline deployed?): %w", o.Ops, err)
	}
	return nil
}

func (o *Options) wait(ctx context.Context, job *dlppb.DlpJob) (*dlppb.DlpJob, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	for {
		switch job.GetState() {
		case dlppb.DlpJob_DONE:
			return job, nil
		case dlppb.DlpJob_FAILED, dlppb.DlpJob_CANCELED:
			var msgs []string
			for _, e := range job.GetErrors() {
				msgs = append(msgs, e.GetDetails().GetMessage())
			}
			return nil, fmt.Errorf("DLP job %s ended %s: %s", job.GetName(), job.GetState(), strings.Join(msgs, "; "))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("DLP job %s still %s after %s: %w (cancel it with CancelDlpJob or wait longer)", job.GetName(), job.GetState(), o.Timeout, ctx.Err())
		case <-time.After(o.Poll):
		}
		var err error
		if job, err = o.DLP.GetDlpJob(ctx, &dlppb.GetDlpJobRequest{Name: job.GetName()}); err != nil {
			return nil, fmt.Errorf("polling the DLP job: %w", err)
		}
	}
}

// likelihoodRank orders DLP's likelihood names; the findings table holds
// them as strings.
const likelihoodRank = `CASE f.likelihood WHEN 'VERY_LIKELY' THEN 5 WHEN 'LIKELY' THEN 4 WHEN 'POSSIBLE' THEN 3 WHEN 'UNLIKELY' THEN 2 WHEN 'VERY_UNLIKELY' THEN 1 ELSE 0 END`

var likelihoodName = []string{"LIKELIHOOD_UNSPECIFIED", "VERY_UNLIKELY", "UNLIKELY", "POSSIBLE", "LIKELY", "VERY_LIKELY"}

// evidence reads one job's findings per column and infoType. A row is
// identified by its key values when the job had identifying fields, else by
// the row number DLP reports, else (the number may be null in the cloud)
// each finding counts as a row, an upper bound.
func (o *Options) evidence(ctx context.Context, job string) (map[string][]Evidence, error) {
	sql := fmt.Sprintf("SELECT cl.record_location.field_id.name AS col, f.info_type.name AS info_type, "+
		"COUNT(DISTINCT COALESCE(NULLIF(ARRAY_TO_STRING(cl.record_location.record_key.id_values, ','), ''), "+
		"CAST(cl.record_location.record_key.big_query_key.row_number AS STRING), f.finding_id)) AS n, "+
		"MAX(%s) AS lik "+
		"FROM `%s.%s.%s` AS f, UNNEST(f.location.content_locations) AS cl "+
		"WHERE f.job_name = @job GROUP BY col, info_type ORDER BY col, info_type",
		likelihoodRank, o.Project, o.Ops, o.Findings)
	q := o.BigQuery.Query(sql)
	q.Parameters = []bigquery.QueryParameter{{Name: "job", Value: job}}
	it, err := q.Read(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]Evidence{}
	for {
		var r struct {
			Col      string `bigquery:"col"`
			InfoType string `bigquery:"info_type"`
			N        int64  `bigquery:"n"`
			Lik      int64  `bigquery:"lik"`
		}
		err := it.Next(&r)
		if err == iterator.Done {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		lik := "LIKELIHOOD_UNSPECIFIED"
		if r.Lik >= 0 && int(r.Lik) < len(likelihoodName) {
			lik = likelihoodName[r.Lik]
		}
		out[r.Col] = append(out[r.Col], Evidence{InfoType: r.InfoType, Likelihood: lik, Rows: r.N})
	}
}
