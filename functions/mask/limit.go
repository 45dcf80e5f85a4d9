package mask

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DLP's default quota is 600 requests a minute per project
// (DefaultDLPRequestsPerMinute); the mask function stays under it with a
// client-side limiter shared by every table and range of one instance, and
// a quota answer (429 / RESOURCE_EXHAUSTED) backs off and retries instead
// of failing the run.
const (
	DefaultDLPRequestsPerMinute = 600
	DefaultDLPBackoff           = time.Second
	maxDLPBackoff               = 32 * time.Second
	maxDLPQuotaRetries          = 8
	// DefaultDLPTimeout bounds each DLP call (Masker.DLPTimeout,
	// SLUICE_DLP_TIMEOUT). The DLP client retries UNAVAILABLE and
	// DEADLINE_EXCEEDED with no deadline of its own, so without one a dead
	// DLP hangs the run until the function's own timeout; with it the call
	// fails, the run fails closed (nothing staged or published) and the
	// trigger retries it.
	DefaultDLPTimeout = time.Minute
)

// dlpCall is ctx bounded by the per-call DLP deadline.
func (m *Masker) dlpCall(ctx context.Context) (context.Context, context.CancelFunc) {
	d := m.DLPTimeout
	if d <= 0 {
		d = DefaultDLPTimeout
	}
	return context.WithTimeout(ctx, d)
}

// dlpErr names the deadline when a DLP call ran out of it.
func (m *Masker) dlpErr(ctx, call context.Context, err error) error {
	if err != nil && ctx.Err() == nil && call.Err() != nil {
		d := m.DLPTimeout
		if d <= 0 {
			d = DefaultDLPTimeout
		}
		return fmt.Errorf("no answer from DLP within %s (the per-call deadline, %s); failing the run, nothing was written: %w", d, EnvDLPTimeout, err)
	}
	return err
}

func (m *Masker) limiter() *rate.Limiter {
	m.limitOnce.Do(func() {
		rpm := m.DLPRequestsPerMinute
		if rpm == 0 {
			rpm = DefaultDLPRequestsPerMinute
		}
		if rpm < 0 {
			m.dlpLimit = rate.NewLimiter(rate.Inf, 1)
			return
		}
		m.dlpLimit = rate.NewLimiter(rate.Limit(float64(rpm)/60), max(1, rpm/60))
	})
	return m.dlpLimit
}

// callDLP is DeidentifyContent under the request limiter, retrying quota
// errors with exponential backoff and jitter; any other error returns at
// once (fail closed: the run stops, nothing is merged).
func (m *Masker) callDLP(ctx context.Context, req *dlppb.DeidentifyContentRequest) (*dlppb.DeidentifyContentResponse, error) {
	wait := m.DLPBackoff
	if wait <= 0 {
		wait = DefaultDLPBackoff
	}
	for attempt := 0; ; attempt++ {
		if err := m.limiter().Wait(ctx); err != nil {
			return nil, err
		}
		cctx, cancel := m.dlpCall(ctx)
		resp, err := m.DLP.DeidentifyContent(cctx, req)
		err = m.dlpErr(ctx, cctx, err)
		cancel()
		if err == nil || status.Code(err) != codes.ResourceExhausted || attempt >= maxDLPQuotaRetries {
			return resp, err
		}
		m.quotaRetries.Add(1)
		d := wait/2 + rand.N(wait/2+1)
		m.Log.Warn("DLP quota exceeded; backing off", "attempt", attempt+1, "wait", d.String(), "error", err.Error())
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait = min(2*wait, maxDLPBackoff)
	}
}

// QuotaRetries is how many DLP calls this Masker retried after a quota
// error.
func (m *Masker) QuotaRetries() int64 { return m.quotaRetries.Load() }
