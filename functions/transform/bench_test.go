package transform_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/sluice-data/sluice/functions/transform"
)

// benchOrdersPerDay is how many new orders a day brings; each day also
// moves half of the previous day's orders to "paid".
const benchOrdersPerDay = 2000

// landDays lands days [first, first+n) of order snapshots into r's raw
// orders table, each day ingested the following midnight.
func landDays(b testing.TB, r *transform.Runner, first, n int) {
	b.Helper()
	base := "TIMESTAMP '2026-09-01 00:00:00+00'"
	exec(b, st.Clients.BigQuery.Query(fmt.Sprintf(`
INSERT INTO `+"`%[1]s.%[2]s.orders`"+` (order_id, user_id, status, total, currency, updated_at, _event_id, _source, _ingested_at)
SELECT CONCAT('o', CAST(d AS STRING), '_', CAST(i AS STRING)), CONCAT('u', CAST(MOD(i, 500) AS STRING)), 'created', i * 1.5, 'EUR',
  TIMESTAMP_ADD(%[3]s, INTERVAL d * 86400 + MOD(i * 37, 86000) SECOND),
  CONCAT('c', CAST(d AS STRING), '_', CAST(i AS STRING)), 'orders', TIMESTAMP_ADD(%[3]s, INTERVAL (d + 1) * 86400 SECOND)
FROM UNNEST(GENERATE_ARRAY(%[4]d, %[5]d)) AS d, UNNEST(GENERATE_ARRAY(1, %[6]d)) AS i
UNION ALL
SELECT CONCAT('o', CAST(d - 1 AS STRING), '_', CAST(i AS STRING)), CONCAT('u', CAST(MOD(i, 500) AS STRING)), 'paid', i * 1.5, 'EUR',
  TIMESTAMP_ADD(%[3]s, INTERVAL d * 86400 + MOD(i * 41, 86000) SECOND),
  CONCAT('p', CAST(d AS STRING), '_', CAST(i AS STRING)), 'orders', TIMESTAMP_ADD(%[3]s, INTERVAL (d + 1) * 86400 SECOND)
FROM UNNEST(GENERATE_ARRAY(%[4]d, %[5]d)) AS d, UNNEST(GENERATE_ARRAY(1, %[7]d)) AS i
WHERE d > 0`, st.Clients.BigQuery.Project(), r.Names.Raw, base, first, first+n-1, benchOrdersPerDay, benchOrdersPerDay/2)))
}

// BenchmarkIncrementalNewDay measures one run of the incremental orders
// model over one new day (lock, dry run, MERGE, watermark, assertions, run
// history) with 1 and with 30 days of history already processed. The two
// are set up side by side in their own datasets and measured alternately
// in the same iterations, so drift of the shared machine and of the
// emulator's database hits both alike; the new day is re-processed each
// iteration (the merge is idempotent, so every iteration does the same
// work). Reported: ms per run for each history, and their ratio. The
// model's assertions (not_null, unique) check the whole table, so they grow
// with history; assertions=off strips them from the header to show the
// build alone.
//
//	go test ./functions/transform/ -run '^$' -bench IncrementalNewDay -benchtime 40x
func BenchmarkIncrementalNewDay(b *testing.B) {
	b.Run("assertions=on", func(b *testing.B) { benchNewDay(b, true) })
	b.Run("assertions=off", func(b *testing.B) { benchNewDay(b, false) })
}

func benchNewDay(b *testing.B, assertions bool) {
	ctx := context.Background()
	seq := time.Now().UnixNano()
	type setup struct {
		days int
		r    *transform.Runner
		day  time.Time
		took time.Duration
	}
	var ss []*setup
	for _, days := range []int{1, 30} {
		r := isolated(b, fmt.Sprintf("b_incr_%d_%d", days, seq), "orders")
		if !assertions {
			p := *r.Pipeline
			p.SQL = map[string]string{"orders": regexp.MustCompile(`(?m)^-- assert .*$`).ReplaceAllString(p.SQL["orders"], "")}
			r.Pipeline = &p
		}
		if _, err := r.Run(ctx, fmt.Sprintf("bench_init_%d_%d", days, seq), time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			b.Fatal(err)
		}
		landDays(b, r, 0, days)
		day := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
		if _, err := r.Run(ctx, fmt.Sprintf("bench_hist_%d_%d", days, seq), day.AddDate(0, 0, -1)); err != nil {
			b.Fatal(err)
		}
		landDays(b, r, days, 1)
		ss = append(ss, &setup{days: days, r: r, day: day})
	}
	i := 0
	for b.Loop() {
		for k := range ss {
			s := ss[(i+k)%len(ss)] // alternate which goes first
			start := time.Now()
			_, err := s.r.RunWith(ctx, fmt.Sprintf("bench_%d_%d_%d", s.days, seq, i), s.day,
				transform.RunOptions{Start: s.day, End: s.day.AddDate(0, 0, 1), NoPublish: true})
			if err != nil {
				b.Fatal(err)
			}
			s.took += time.Since(start)
		}
		i++
	}
	b.StopTimer()
	for _, s := range ss {
		n := len(rows(b, fmt.Sprintf("SELECT order_id FROM `%s.%s.orders`", st.Clients.BigQuery.Project(), s.r.Names.Curated)))
		if want := (s.days + 1) * benchOrdersPerDay; n != want {
			b.Fatalf("history %dd: orders = %d, want %d", s.days, n, want)
		}
		b.ReportMetric(float64(s.took.Milliseconds())/float64(i), fmt.Sprintf("ms/run_%dd", s.days))
	}
	b.ReportMetric(float64(ss[1].took)/float64(ss[0].took), "ratio_30d/1d")
}
