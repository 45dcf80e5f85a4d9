package mask

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	dlp "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// DLP's documented limits per request; batches stay under them with room
// for the request envelope.
const (
	maxTableValues  = 50000
	maxRequestBytes = 500 * 1000
	batchBytes      = 400 * 1000
)

// Masker turns curated tables into published ones through DLP. It is the
// pure core of the mask function.
type Masker struct {
	BigQuery *bigquery.Client
	DLP      *dlp.Client
	PubSub   *pubsub.Client
	Pipeline *config.Pipeline
	Names    gcp.Names
	Project  string
	TokenKey []byte // HMAC key for the token rule, 32 or 64 bytes
	Now      func() time.Time
	Log      *slog.Logger
}

// Run masks every table the policy names and publishes mask.completed. If
// DLP fails, it returns the error before writing the table: nothing unmasked
// is ever written, and the trigger retries.
func (m *Masker) Run(ctx context.Context, runID, runDate string) (*events.MaskCompletedData, error) {
	if n := len(m.TokenKey); n != 32 && n != 64 {
		// DLP accepts only 32- or 64-byte unwrapped keys for crypto hashing.
		return nil, fmt.Errorf("mask: tokenisation key is %d bytes; DLP needs 32 or 64: set SLUICE_TOKEN_KEY_FILE to such a file", n)
	}
	if err := bq.EnsureDataset(ctx, m.BigQuery, m.Names.Published, "Curated tables after masking: the only dataset analysts read."); err != nil {
		return nil, err
	}
	out := &events.MaskCompletedData{RunID: runID, RunDate: runDate}
	for _, pol := range m.Pipeline.Mask.Tables {
		n, withheld, sent, err := m.maskTable(ctx, runID, pol)
		if err != nil {
			return nil, fmt.Errorf("mask %s: %w", pol.Name, err)
		}
		out.Tables = append(out.Tables, events.TableCount{Table: pol.Name, Rows: n})
		out.Withheld = append(out.Withheld, withheld...)
		out.DLPBytes += sent
	}
	out.CompletedAt = m.Now().UTC()
	if err := transform.Publish(ctx, m.PubSub, m.Names.MaskCompleted, events.MaskCompleted, runID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// column is one curated column and what happens to it.
type column struct {
	field *bigquery.FieldSchema
	rule  config.ColumnRule
	src   int // index in the curated row
}

func (m *Masker) maskTable(ctx context.Context, runID string, pol config.MaskPolicy) (int64, []string, int64, error) {
	md, err := m.BigQuery.Dataset(m.Names.Curated).Table(pol.Name).Metadata(ctx)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("bigquery.Table(%s.%s).Metadata: %w", m.Names.Curated, pol.Name, err)
	}
	var cols []column
	var withheld []string
	for i, f := range md.Schema {
		rule, ok := pol.Columns[f.Name]
		switch {
		case !ok:
			// Fail closed: a column nobody classified is not published.
			withheld = append(withheld, pol.Name+"."+f.Name)
			m.Log.Warn("column not classified by the mask policy; not published", "table", pol.Name, "column", f.Name)
		case rule == config.RuleDrop:
		default:
			cols = append(cols, column{field: f, rule: rule, src: i})
		}
	}
	rows, err := m.readAll(ctx, pol.Name)
	if err != nil {
		return 0, nil, 0, err
	}
	var dlpCols []column
	for _, c := range cols {
		if c.rule != config.RuleKeep {
			dlpCols = append(dlpCols, c)
		}
	}
	masked, sent, err := m.deidentify(ctx, dlpCols, rows)
	if err != nil {
		return 0, nil, 0, err
	}
	schema := make(bigquery.Schema, len(cols))
	for i, c := range cols {
		f := *c.field
		if c.rule != config.RuleKeep {
			f.Type = bigquery.StringFieldType
			f.Schema = nil
			f.Repeated = false
		}
		f.Required = false
		f.Description = strings.TrimSpace(f.Description + " [" + ruleDescription(c.rule) + "]")
		schema[i] = &f
	}
	out := make([]*bigquery.ValuesSaver, len(rows))
	for r, row := range rows {
		vals := make([]bigquery.Value, len(cols))
		for i, c := range cols {
			if c.rule == config.RuleKeep {
				vals[i] = row[c.src]
			} else {
				vals[i] = masked[c.field.Name][r]
			}
		}
		out[r] = &bigquery.ValuesSaver{Schema: schema, Row: vals, InsertID: fmt.Sprintf("%s:%d", runID, r)}
	}
	if err := m.write(ctx, runID, pol.Name, schema, out); err != nil {
		return 0, nil, 0, err
	}
	return int64(len(rows)), withheld, sent, nil
}

func ruleDescription(r config.ColumnRule) string {
	switch r {
	case config.RuleToken:
		return "masked: token, HMAC-SHA-256 through DLP (joinable, not reversible)"
	case config.RuleMaskLast4:
		return "masked: all but the last 4 characters replaced by *"
	case config.RuleRedactInfoTypes:
		return "masked: personal data found by DLP replaced by its infoType"
	}
	return "published as curated"
}

func (m *Masker) readAll(ctx context.Context, table string) ([][]bigquery.Value, error) {
	it, err := m.BigQuery.Query(fmt.Sprintf("SELECT * FROM `%s.%s.%s`", m.Project, m.Names.Curated, table)).Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s.%s: %w", m.Names.Curated, table, err)
	}
	var rows [][]bigquery.Value
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s.%s: %w", m.Names.Curated, table, err)
		}
		rows = append(rows, row)
	}
}

// deidentify sends only the columns that need DLP, in table requests within
// DLP's limits, and returns the masked values per column. NULL stays NULL
// and is not sent.
func (m *Masker) deidentify(ctx context.Context, cols []column, rows [][]bigquery.Value) (map[string][]bigquery.Value, int64, error) {
	out := map[string][]bigquery.Value{}
	for _, c := range cols {
		out[c.field.Name] = make([]bigquery.Value, len(rows))
	}
	if len(cols) == 0 || len(rows) == 0 {
		return out, 0, nil
	}
	cfg := m.deidentifyConfig(cols)
	var sent int64
	headers := make([]*dlppb.FieldId, len(cols))
	for i, c := range cols {
		headers[i] = &dlppb.FieldId{Name: c.field.Name}
	}
	for start := 0; start < len(rows); {
		table := &dlppb.Table{Headers: headers}
		size := 0
		end := start
		for end < len(rows) && (end-start+1)*len(cols) <= maxTableValues {
			rowBytes := 0
			vals := make([]*dlppb.Value, len(cols))
			for i, c := range cols {
				s := stringOf(rows[end][c.src])
				rowBytes += len(s) + 8
				vals[i] = &dlppb.Value{Type: &dlppb.Value_StringValue{StringValue: s}}
			}
			if size+rowBytes > batchBytes && end > start {
				break
			}
			if rowBytes > maxRequestBytes {
				return nil, sent, fmt.Errorf("row %d is %d bytes in the columns sent to DLP; DLP accepts at most %d per request", end, rowBytes, maxRequestBytes)
			}
			size += rowBytes
			table.Rows = append(table.Rows, &dlppb.Table_Row{Values: vals})
			end++
		}
		resp, err := m.DLP.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{
			Parent:           fmt.Sprintf("projects/%s/locations/global", m.Project),
			DeidentifyConfig: cfg,
			InspectConfig:    m.inspectConfig(),
			Item:             &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: table}},
		})
		if err != nil {
			return nil, sent, fmt.Errorf("dlp.DeidentifyContent: %w", err)
		}
		sent += int64(size)
		got := resp.GetItem().GetTable()
		if got == nil || len(got.Rows) != len(table.Rows) {
			return nil, sent, fmt.Errorf("dlp.DeidentifyContent: sent %d rows, got %d back", len(table.Rows), len(got.GetRows()))
		}
		idx := map[string]int{}
		for i, h := range got.Headers {
			idx[h.GetName()] = i
		}
		for r, row := range got.Rows {
			for _, c := range cols {
				if rows[start+r][c.src] == nil {
					continue // NULL stays NULL
				}
				i, ok := idx[c.field.Name]
				if !ok || i >= len(row.Values) {
					return nil, sent, fmt.Errorf("dlp.DeidentifyContent: column %s missing from the response", c.field.Name)
				}
				out[c.field.Name][start+r] = row.Values[i].GetStringValue()
			}
		}
		start = end
	}
	return out, sent, nil
}

func (m *Masker) inspectConfig() *dlppb.InspectConfig {
	its := make([]*dlppb.InfoType, len(m.Pipeline.Mask.InfoTypes))
	for i, n := range m.Pipeline.Mask.InfoTypes {
		its[i] = &dlppb.InfoType{Name: n}
	}
	return &dlppb.InspectConfig{InfoTypes: its}
}

func (m *Masker) deidentifyConfig(cols []column) *dlppb.DeidentifyConfig {
	byRule := map[config.ColumnRule][]*dlppb.FieldId{}
	for _, c := range cols {
		byRule[c.rule] = append(byRule[c.rule], &dlppb.FieldId{Name: c.field.Name})
	}
	rules := make([]config.ColumnRule, 0, len(byRule))
	for r := range byRule {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i] < rules[j] })
	var fts []*dlppb.FieldTransformation
	for _, r := range rules {
		ft := &dlppb.FieldTransformation{Fields: byRule[r]}
		switch r {
		case config.RuleToken:
			ft.Transformation = &dlppb.FieldTransformation_PrimitiveTransformation{PrimitiveTransformation: &dlppb.PrimitiveTransformation{
				Transformation: &dlppb.PrimitiveTransformation_CryptoHashConfig{CryptoHashConfig: &dlppb.CryptoHashConfig{
					CryptoKey: &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Unwrapped{Unwrapped: &dlppb.UnwrappedCryptoKey{Key: m.TokenKey}}},
				}},
			}}
		case config.RuleMaskLast4:
			ft.Transformation = &dlppb.FieldTransformation_PrimitiveTransformation{PrimitiveTransformation: &dlppb.PrimitiveTransformation{
				Transformation: &dlppb.PrimitiveTransformation_CharacterMaskConfig{CharacterMaskConfig: &dlppb.CharacterMaskConfig{
					MaskingCharacter: "*", NumberToMask: -4,
				}},
			}}
		case config.RuleRedactInfoTypes:
			ft.Transformation = &dlppb.FieldTransformation_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
				Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{
					InfoTypes: m.inspectConfig().InfoTypes,
					PrimitiveTransformation: &dlppb.PrimitiveTransformation{
						Transformation: &dlppb.PrimitiveTransformation_ReplaceWithInfoTypeConfig{ReplaceWithInfoTypeConfig: &dlppb.ReplaceWithInfoTypeConfig{}},
					},
				}},
			}}
		}
		fts = append(fts, ft)
	}
	return &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{
		RecordTransformations: &dlppb.RecordTransformations{FieldTransformations: fts},
	}}
}

func stringOf(v bigquery.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// write replaces published.<table> atomically: rows go to a staging table
// first, then one query job swaps them in with WRITE_TRUNCATE, so readers
// never see a half-written table.
func (m *Masker) write(ctx context.Context, runID, table string, schema bigquery.Schema, rows []*bigquery.ValuesSaver) error {
	stage := fmt.Sprintf("_stage_%s_%s", table, runID)
	st := m.BigQuery.Dataset(m.Names.Published).Table(stage)
	if err := st.Create(ctx, &bigquery.TableMetadata{Schema: schema, ExpirationTime: m.Now().Add(24 * time.Hour)}); err != nil && !bq.IsConflict(err) {
		return fmt.Errorf("bigquery.Table(%s).Create: %w", stage, err)
	}
	defer st.Delete(context.WithoutCancel(ctx))
	ins := st.Inserter()
	for i := 0; i < len(rows); i += 500 {
		end := min(i+500, len(rows))
		if err := ins.Put(ctx, rows[i:end]); err != nil {
			return fmt.Errorf("bigquery.Inserter(%s).Put: %w", stage, err)
		}
	}
	sql := fmt.Sprintf("SELECT * FROM `%s.%s.%s`", m.Project, m.Names.Published, stage)
	if _, err := bq.QueryToTable(ctx, m.BigQuery, fmt.Sprintf("sluice_mask_%s_%s", runID, table), sql, m.Names.Published, table, nil); err != nil {
		return err
	}
	desc := "Published from curated." + table + " after masking; see column descriptions."
	if _, err := m.BigQuery.Dataset(m.Names.Published).Table(table).Update(ctx, bigquery.TableMetadataToUpdate{Description: desc, Schema: schema}, ""); err != nil {
		return fmt.Errorf("bigquery.Table(%s.%s).Update: %w", m.Names.Published, table, err)
	}
	return nil
}
