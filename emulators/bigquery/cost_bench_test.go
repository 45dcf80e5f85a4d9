package bigquery

import "testing"

// BenchmarkDryRun50k is a dry run of BenchmarkGroupBy50k's query: the cost
// estimate alone (translation, the column sizes in DuckDB, the schema),
// which every query job now pays once.
func BenchmarkDryRun50k(b *testing.B) {
	e := newEnv(b, Options{})
	e.dataset(b, "bench")
	fill(b, e, "t", 50000, 1000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		q := e.client.Query("SELECT k, COUNT(*) AS c, SUM(v) AS s FROM bench.t GROUP BY k")
		q.DryRun = true
		job, err := q.Run(e.ctx)
		if err != nil {
			b.Fatal(err)
		}
		if job.LastStatus().Statistics.TotalBytesProcessed == 0 {
			b.Fatal("no estimate")
		}
	}
}
