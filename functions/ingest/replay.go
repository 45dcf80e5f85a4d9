package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"
)

// RejectFilter chooses rejects. Zero fields match everything.
type RejectFilter struct {
	Source, Reason  string
	Since           time.Time // received at or after
	IncludeReplayed bool      // also rejects already replayed
}

func (f RejectFilter) where() (string, []bigquery.QueryParameter) {
	conds := []string{"TRUE"}
	var ps []bigquery.QueryParameter
	if f.Source != "" {
		conds = append(conds, "source = @source")
		ps = append(ps, bigquery.QueryParameter{Name: "source", Value: f.Source})
	}
	if f.Reason != "" {
		conds = append(conds, "reason = @reason")
		ps = append(ps, bigquery.QueryParameter{Name: "reason", Value: f.Reason})
	}
	if !f.Since.IsZero() {
		conds = append(conds, "received_at >= @since")
		ps = append(ps, bigquery.QueryParameter{Name: "since", Value: f.Since.UTC()})
	}
	if !f.IncludeReplayed {
		conds = append(conds, "replayed_at IS NULL")
	}
	return strings.Join(conds, " AND "), ps
}

// RejectCount is the number of rejects for one source and reason.
type RejectCount struct {
	Source, Reason string
	Count          int64
	Replayed       int64
	Last           time.Time
}

// CountRejects counts rejects by source and reason.
func (l *Lander) CountRejects(ctx context.Context, f RejectFilter) ([]RejectCount, error) {
	if _, err := l.ensureRejects(ctx); err != nil {
		return nil, err
	}
	f.IncludeReplayed = true
	where, ps := f.where()
	q := l.BigQuery.Query(fmt.Sprintf("SELECT source, reason, COUNT(*) AS n, COUNTIF(replayed_at IS NOT NULL) AS replayed, MAX(received_at) AS last "+
		"FROM `%s.%s` WHERE %s GROUP BY source, reason ORDER BY source, reason", l.Names.Ops, RejectsTable, where))
	q.Parameters = ps
	it, err := q.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("count rejects: %w", err)
	}
	var out []RejectCount
	for {
		var r struct {
			Source, Reason bigquery.NullString
			N, Replayed    int64
			Last           time.Time
		}
		err := it.Next(&r)
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, RejectCount{Source: r.Source.StringVal, Reason: r.Reason.StringVal, Count: r.N, Replayed: r.Replayed, Last: r.Last})
	}
}

// Reject is one row of the rejects table.
type Reject struct {
	ID, Source, Reason, Detail, Origin string
	// Payload is the original bytes, or their first RejectHeadBytes when
	// PayloadURI names the object that holds them all (FullPayload reads it).
	Payload       []byte
	PayloadSize   int64
	PayloadSHA256 string
	PayloadURI    string
	ReceivedAt    time.Time
	ReplayedAt    bigquery.NullTimestamp
}

// FullPayload returns the whole payload of a reject: from the archive bucket
// when it was too large to keep in the row, checked against its SHA-256.
func (l *Lander) FullPayload(ctx context.Context, r Reject) ([]byte, error) {
	if r.PayloadURI == "" {
		return r.Payload, nil
	}
	bucket, name, ok := strings.Cut(strings.TrimPrefix(r.PayloadURI, "gs://"), "/")
	if !ok || !strings.HasPrefix(r.PayloadURI, "gs://") {
		return nil, fmt.Errorf("reject %s: payload_uri %q is not gs://bucket/object", r.ID, r.PayloadURI)
	}
	rc, err := l.Storage.Bucket(bucket).Object(name).NewReader(ctx)
	if err != nil {
		return nil, fmt.Errorf("reject %s: read payload %s: %w", r.ID, r.PayloadURI, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reject %s: read payload %s: %w", r.ID, r.PayloadURI, err)
	}
	if sum := sha256.Sum256(b); r.PayloadSHA256 != "" && hex.EncodeToString(sum[:]) != r.PayloadSHA256 {
		return nil, fmt.Errorf("reject %s: payload %s (%d bytes) does not match its SHA-256 %s: the object was changed", r.ID, r.PayloadURI, len(b), r.PayloadSHA256)
	}
	return b, nil
}

// ListRejects returns matching rejects, oldest first; limit ≤ 0 means all.
func (l *Lander) ListRejects(ctx context.Context, f RejectFilter, limit int) ([]Reject, error) {
	if _, err := l.ensureRejects(ctx); err != nil {
		return nil, err
	}
	where, ps := f.where()
	sql := fmt.Sprintf("SELECT reject_id, source, reason, detail, origin, payload, payload_size, payload_sha256, payload_uri, received_at, replayed_at FROM `%s.%s` WHERE %s ORDER BY received_at, reject_id",
		l.Names.Ops, RejectsTable, where)
	if limit > 0 {
		sql += fmt.Sprintf(" LIMIT %d", limit)
	}
	q := l.BigQuery.Query(sql)
	q.Parameters = ps
	it, err := q.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("list rejects: %w", err)
	}
	var out []Reject
	for {
		var r struct {
			RejectID                       string `bigquery:"reject_id"`
			Source, Reason, Detail, Origin bigquery.NullString
			Payload                        []byte
			PayloadSize                    bigquery.NullInt64     `bigquery:"payload_size"`
			PayloadSHA256                  bigquery.NullString    `bigquery:"payload_sha256"`
			PayloadURI                     bigquery.NullString    `bigquery:"payload_uri"`
			ReceivedAt                     time.Time              `bigquery:"received_at"`
			ReplayedAt                     bigquery.NullTimestamp `bigquery:"replayed_at"`
		}
		err := it.Next(&r)
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Reject{ID: r.RejectID, Source: r.Source.StringVal, Reason: r.Reason.StringVal, Detail: r.Detail.StringVal,
			Origin: r.Origin.StringVal, Payload: r.Payload, PayloadSize: r.PayloadSize.Int64, PayloadSHA256: r.PayloadSHA256.StringVal,
			PayloadURI: r.PayloadURI.StringVal, ReceivedAt: r.ReceivedAt, ReplayedAt: r.ReplayedAt})
	}
}

// ReplayResult counts what a replay did.
type ReplayResult struct {
	Rejects  int // rejects chosen
	Replayed int // re-submitted and marked replayed
	Landed   int // rows that landed
	Again    int // records rejected again (new rejects, origin replay:<id>)
	Skipped  int // not replayable: no payload (object-level rejects), CSV rows, or the source is still unknown
}

// Replay re-submits the chosen rejects through the Lander, for example after
// the config or schema was fixed, and marks each one replayed so a second
// replay does not submit it again. Records without a configured event id get
// the reject id as event id, so a replay interrupted before the marks are
// written does not land twice either. A record that fails again becomes a
// new reject whose origin is replay:<reject id>.
func (l *Lander) Replay(ctx context.Context, f RejectFilter, progress func(done, total int)) (ReplayResult, error) {
	f.IncludeReplayed = false
	rs, err := l.ListRejects(ctx, f, 0)
	if err != nil {
		return ReplayResult{}, err
	}
	res := ReplayResult{Rejects: len(rs)}
	var done []string
	mark := func() error {
		if len(done) == 0 {
			return nil
		}
		q := l.BigQuery.Query(fmt.Sprintf("UPDATE `%s.%s` SET replayed_at = CURRENT_TIMESTAMP() WHERE reject_id IN ('%s')",
			l.Names.Ops, RejectsTable, strings.Join(done, "','")))
		job, err := q.Run(ctx)
		if err == nil {
			var st *bigquery.JobStatus
			if st, err = job.Wait(ctx); err == nil {
				err = st.Err()
			}
		}
		if err != nil {
			return fmt.Errorf("mark rejects replayed: %w", err)
		}
		res.Replayed += len(done)
		done = done[:0]
		return nil
	}
	for i, r := range rs {
		if progress != nil {
			progress(i, len(rs))
		}
		src, ok := l.Pipeline.Source(r.Source)
		if !ok || len(r.Payload) == 0 || src.Format == FormatCSV || !isHex(r.ID) {
			res.Skipped++
			continue
		}
		payload, err := l.FullPayload(ctx, r)
		if err != nil {
			if merr := mark(); merr != nil {
				return res, errors.Join(err, merr)
			}
			return res, err
		}
		out, err := l.LandPayload(ctx, src, payload, Origin{Name: "replay:" + r.ID, ID: "replay:" + r.ID, Time: r.ReceivedAt})
		if err != nil {
			if merr := mark(); merr != nil {
				return res, errors.Join(err, merr)
			}
			return res, err
		}
		res.Landed += out.Landed
		res.Again += out.Rejected
		done = append(done, r.ID)
		if len(done) >= 200 {
			if err := mark(); err != nil {
				return res, err
			}
		}
	}
	if err := mark(); err != nil {
		return res, err
	}
	if progress != nil {
		progress(len(rs), len(rs))
	}
	return res, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
