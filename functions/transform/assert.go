package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/config"
)

// AssertionSQL returns a query whose rows are the failures of assertion a on
// the built table (a fully qualified, backquoted name). Custom SQL has
// ref('model') and source('raw', 'name') resolved by resolve.
func AssertionSQL(a config.Assertion, table string, resolve func(string) string) (string, error) {
	ident := func(c string) string { return "`" + c + "`" }
	switch a.Kind() {
	case "not_null":
		conds := make([]string, len(a.NotNull))
		for i, c := range a.NotNull {
			conds[i] = ident(c) + " IS NULL"
		}
		return fmt.Sprintf("SELECT * FROM %s WHERE %s", table, strings.Join(conds, " OR ")), nil
	case "unique":
		cols := make([]string, len(a.Unique))
		for i, c := range a.Unique {
			cols[i] = ident(c)
		}
		k := strings.Join(cols, ", ")
		return fmt.Sprintf("SELECT %s, COUNT(*) AS n FROM %s GROUP BY %s HAVING COUNT(*) > 1", k, table, k), nil
	case "accepted_values":
		vals := make([]string, len(a.AcceptedValues.Values))
		for i, v := range a.AcceptedValues.Values {
			vals[i] = "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
		}
		c := ident(a.AcceptedValues.Column)
		return fmt.Sprintf("SELECT %s, COUNT(*) AS n FROM %s WHERE %s IS NOT NULL AND CAST(%s AS STRING) NOT IN (%s) GROUP BY %s",
			c, table, c, c, strings.Join(vals, ", "), c), nil
	case "row_count":
		var conds []string
		if a.RowCount.Min != nil {
			conds = append(conds, fmt.Sprintf("n < %d", *a.RowCount.Min))
		}
		if a.RowCount.Max != nil {
			conds = append(conds, fmt.Sprintf("n > %d", *a.RowCount.Max))
		}
		return fmt.Sprintf("SELECT n FROM (SELECT COUNT(*) AS n FROM %s) WHERE %s", table, strings.Join(conds, " OR ")), nil
	case "sql":
		return resolve(a.SQL), nil
	}
	return "", errors.New("assertion sets no check")
}

// Describe is a short human form of an assertion for errors and history.
func Describe(a config.Assertion) string {
	switch a.Kind() {
	case "not_null":
		return "not_null(" + strings.Join(a.NotNull, ", ") + ")"
	case "unique":
		return "unique(" + strings.Join(a.Unique, ", ") + ")"
	case "accepted_values":
		return "accepted_values(" + a.AcceptedValues.Column + ")"
	case "row_count":
		lo, hi := "", ""
		if a.RowCount.Min != nil {
			lo = fmt.Sprint(*a.RowCount.Min)
		}
		if a.RowCount.Max != nil {
			hi = fmt.Sprint(*a.RowCount.Max)
		}
		return "row_count[" + lo + ".." + hi + "]"
	case "sql":
		q := strings.Join(strings.Fields(a.SQL), " ")
		if len(q) > 60 {
			q = q[:60] + "…"
		}
		return "sql(" + q + ")"
	}
	return "?"
}

// resolver resolves ref() and source() in custom assertion SQL.
func (r *Runner) resolver() func(string) string {
	p := r.BigQuery.Project()
	return func(q string) string {
		q = refRE.ReplaceAllStringFunc(q, func(s string) string {
			return fmt.Sprintf("`%s.%s.%s`", p, r.Names.Curated, refRE.FindStringSubmatch(s)[1])
		})
		return sourceRE.ReplaceAllStringFunc(q, func(s string) string {
			return fmt.Sprintf("`%s.%s.%s`", p, r.Names.Raw, sourceRE.FindStringSubmatch(s)[2])
		})
	}
}

// assert runs a model's assertions and returns one message per failing
// assertion. An error is a fault running them (worth a retry), not a
// failure.
func (r *Runner) assert(ctx context.Context, m config.Model, params []bigquery.QueryParameter) ([]string, error) {
	table := fmt.Sprintf("`%s.%s.%s`", r.BigQuery.Project(), r.Names.Curated, m.Name)
	var failures []string
	for i, a := range m.Assertions {
		q, err := AssertionSQL(a, table, r.resolver())
		if err != nil {
			return nil, fmt.Errorf("model %s assertion %d: %w", m.Name, i, err)
		}
		bq := r.BigQuery.Query("SELECT COUNT(*) FROM (" + q + ")")
		bq.Parameters = params
		it, err := read(ctx, bq)
		if err != nil {
			return nil, fmt.Errorf("model %s assertion %s: %w", m.Name, Describe(a), err)
		}
		var row []bigquery.Value
		if err := it.Next(&row); err != nil && !errors.Is(err, iterator.Done) {
			return nil, fmt.Errorf("model %s assertion %s: %w", m.Name, Describe(a), err)
		}
		if len(row) == 1 {
			if n, _ := row[0].(int64); n > 0 {
				failures = append(failures, fmt.Sprintf("model %s: assertion %s failed: %d failing rows", m.Name, Describe(a), n))
			}
		}
	}
	return failures, nil
}
