package router_test

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/sluice-data/sluice/emulators/router"
)

// BenchmarkDeliver measures what the router moves from pstest to a function
// that answers at once, by Concurrency: b.N messages published first, then
// timed from the router's start until all are delivered and acknowledged.
//
//	go test ./emulators/router -run '^$' -bench Deliver -benchtime 20000x -count 3
//
// (Concurrency 1 is left out: pulls of a few messages make pstest walk its
// whole backlog for each few, minutes for 20000.)
func BenchmarkDeliver(b *testing.B) {
	for _, c := range []int{8, router.DefaultConcurrency} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			ctx := context.Background()
			f := newFixture(b, ctx, func(w http.ResponseWriter, r *http.Request) {}, func(rt *router.Router) { rt.Concurrency = c })
			pub := f.client.Publisher("in")
			var last *pubsub.PublishResult
			for i := range b.N {
				last = pub.Publish(ctx, &pubsub.Message{Data: []byte(fmt.Sprint(i))})
			}
			if _, err := last.Get(ctx); err != nil {
				b.Fatal(err)
			}
			pub.Stop()
			b.ResetTimer()
			cpu0 := cpuTime()
			f.start(b)
			waitFor(b, "all delivered", func() bool { return f.rt.Stats()["Fn"].Delivered == int64(b.N) })
			if err := waitIdle(f.rt); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			// CPU per message holds up on a shared machine where msg/s does not.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
			b.ReportMetric(float64(f.rt.Stats()["Fn"].MaxInFlight), "max-in-flight")
		})
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
