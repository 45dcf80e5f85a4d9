package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/gcp"
)

// CustomersDiff compares the current-state table curated.<table> with the
// generator's final state of the customers table, row by row and column by
// column; "" means they are equal.
func CustomersDiff(ctx context.Context, c *gcp.Clients, table string, cc *sample.CustomerChanges) (string, error) {
	// Through jobs.insert: the emulator may prune a large jobs.query
	// result before the client has read it all.
	q := c.BigQuery.Query(fmt.Sprintf(
		"SELECT id, user_id, full_name, email, phone, country, credit_limit, loyalty_tier FROM `%s.%s.%s` ORDER BY id",
		c.Env.Project, c.Names.Curated, table))
	q.JobID, q.AddJobIDSuffix = "demo_customers_diff", true
	it, err := q.Read(ctx)
	if err != nil {
		return "", fmt.Errorf("read curated.%s: %w", table, err)
	}
	var got []string
	for {
		var r []bigquery.Value
		err := it.Next(&r)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read curated.%s: %w", table, err)
		}
		vs := make([]any, len(r))
		for i, v := range r {
			vs[i] = v
		}
		got = append(got, row(vs...))
	}
	final := cc.FinalRows()
	want := make([]string, len(final))
	for i, cu := range final {
		var tier any
		if cu.LoyaltyTier != "" {
			tier = cu.LoyaltyTier
		}
		want[i] = row(cu.ID, cu.UserID, cu.FullName, cu.Email, cu.Phone, cu.Country, cu.CreditLimit, tier)
	}
	var d []string
	gi, wi := 0, 0
	for gi < len(got) || wi < len(want) {
		switch {
		case gi < len(got) && wi < len(want) && got[gi] == want[wi]:
			gi, wi = gi+1, wi+1
			continue
		case wi < len(want) && (gi >= len(got) || idOf(want[wi]) <= idOf(got[gi])):
			if gi < len(got) && idOf(want[wi]) == idOf(got[gi]) {
				d = append(d, "- "+want[wi], "+ "+got[gi])
				gi++
			} else {
				d = append(d, "- "+want[wi])
			}
			wi++
		default:
			d = append(d, "+ "+got[gi])
			gi++
		}
	}
	if len(d) == 0 {
		return "", nil
	}
	if len(d) > 20 {
		d = append(d[:20], fmt.Sprintf("… %d more lines", len(d)-20))
	}
	return fmt.Sprintf("curated.%s has %d rows, the source table %d (-source +curated):\n%s", table, len(got), len(want), strings.Join(d, "\n")), nil
}

func row(vs ...any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, "|")
}

func idOf(row string) int64 {
	var id int64
	fmt.Sscan(strings.SplitN(row, "|", 2)[0], &id)
	return id
}
