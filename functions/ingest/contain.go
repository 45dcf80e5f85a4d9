package ingest

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
)

// Containment: a bug tripped by one record must cost that record only, and
// a bug around the records (reading, batching, writing) must cost that one
// delivery, never the instance or a retry storm. Either way the input is
// kept as an internal_error reject whose origin names the object (and line)
// or the message, with the stack in its detail, so it can be found, fixed
// and replayed.

// hooks are test seams: they let a test plant a panic where production code
// could panic. Both are nil outside tests.
type hooks struct {
	record func(raw []byte) // called before a record is decoded
	flush  func()           // called before a batch is written
}

// panicDetail is the detail of an internal_error reject.
func panicDetail(what string, p any) string {
	return fmt.Sprintf("ingest panicked while handling %s: %v (a bug: fix it, then replay)\n%s", what, p, debug.Stack())
}

// safePrepare is prepare with a panic turned into this record's reject.
func (l *Lander) safePrepare(ctx context.Context, t *table, b []byte, ms []member, a *rowAlloc) (rec *typed, out []member, rerr *recordError, err error) {
	defer func() {
		if p := recover(); p != nil {
			// ms may be half-filled: start the next record afresh.
			rec, out, rerr, err = nil, nil, &recordError{ReasonInternal, panicDetail("this record", p)}, nil
		}
	}()
	if l.hooks.record != nil {
		l.hooks.record(b)
	}
	return l.prepare(ctx, t, b, ms, a)
}

// safeType is typeWithEvolution (the CSV path) with a panic turned into
// this record's reject.
func (l *Lander) safeType(ctx context.Context, t *table, ms []member, raw []byte, a *rowAlloc) (rec *typed, rerr *recordError, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, rerr, err = nil, &recordError{ReasonInternal, panicDetail("this record", p)}, nil
		}
	}()
	if l.hooks.record != nil {
		l.hooks.record(raw)
	}
	return l.typeWithEvolution(ctx, t, ms, true, a)
}

// containDelivery, deferred by LandPayload and LandObject, turns a panic
// outside record handling into one reject for the whole delivery, named by
// its origin (the message, or the object with its generation). Records
// flushed before the panic have landed; their insert ids keep a replay or a
// re-finalize from landing them twice.
func (l *Lander) containDelivery(ctx context.Context, res *Result, err *error, source, origin, what string, payload []byte) {
	p := recover()
	if p == nil {
		return
	}
	l.Log.Error("ingest panicked", "origin", origin, "panic", fmt.Sprint(p))
	*res = Result{Landed: res.Landed, Rejected: res.Rejected + 1}
	*err = l.writeRejects(ctx, []reject{{source, ReasonInternal, panicDetail(what, p), payload, origin}})
}

// eventOrigin names a CloudEvent by what it is about: gs://bucket/object for
// a storage event (source //storage.googleapis.com/projects/_/buckets/B,
// subject objects/NAME), the topic for a Pub/Sub one, with the event id.
func eventOrigin(source, subject, id string) string {
	if i := strings.LastIndex(source, "/buckets/"); i >= 0 && strings.HasPrefix(subject, "objects/") {
		return "gs://" + source[i+len("/buckets/"):] + "/" + strings.TrimPrefix(subject, "objects/") + "#cloudevent:" + id
	}
	if strings.Contains(source, "/topics/") {
		return "pubsub:" + topicFromSource(source) + "/cloudevent:" + id
	}
	return "cloudevent:" + id
}
