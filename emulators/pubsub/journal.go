package pubsub

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/emptypb"
)

// JournalFile is the name of the journal inside the state directory.
const JournalFile = "pubsub.journal"

// record is one line of the journal. Topic and subscription configs are
// kept as the protojson of what the server answered.
type record struct {
	Op     string            `json:"op"` // topic, deltopic, sub, delsub, pub, ack
	Name   string            `json:"name,omitempty"`
	Config json.RawMessage   `json:"config,omitempty"`
	ID     string            `json:"id,omitempty"`
	Data   []byte            `json:"data,omitempty"`
	Attrs  map[string]string `json:"attrs,omitempty"`
	Key    string            `json:"key,omitempty"`
	Subs   []string          `json:"subs,omitempty"` // pub: subscriptions that owe the message
	IDs    []string          `json:"ids,omitempty"`  // ack: message ids
}

// journal appends what the server promised to keep: every topic and
// subscription change and every published message is written and fsynced
// before the RPC answers; acks are written (so they survive the process
// being killed) but not fsynced, because a lost ack only means a
// redelivery.
type journal struct {
	f *os.File

	mu      sync.Mutex
	buf     bytes.Buffer
	seq     uint64
	subsOf  map[string]map[string]bool // topic -> subscriptions, as the journal knows them
	topicOf map[string]string          // subscription -> topic
	// lastAck is the newest ack id handed out per subscription and message,
	// so that an ack of an expired delivery (which pstest ignores) is not
	// recorded as an ack.
	lastAck map[string]string

	flushMu sync.Mutex
	flushed uint64
	synced  uint64
	err     error // sticky write error
}

func ackKey(sub, id string) string { return sub + "\x00" + id }

// parseAckID is pstest's: an ack id is "<message id>:<delivery>".
func parseAckID(ackID string) string {
	if i := strings.LastIndex(ackID, ":"); i >= 0 {
		return ackID[:i]
	}
	return ackID
}

func (j *journal) add(sync bool, recs ...record) error {
	j.mu.Lock()
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			j.mu.Unlock()
			return err
		}
		j.buf.Write(b)
		j.buf.WriteByte('\n')
	}
	j.seq++
	mine := j.seq
	j.mu.Unlock()

	// Group commit: whoever holds flushMu writes everything buffered so far.
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	if j.err != nil {
		return j.err
	}
	if j.flushed < mine {
		j.mu.Lock()
		b := append([]byte(nil), j.buf.Bytes()...)
		j.buf.Reset()
		upto := j.seq
		j.mu.Unlock()
		if _, err := j.f.Write(b); err != nil {
			j.err = fmt.Errorf("pubsub journal %s: write: %w", j.f.Name(), err)
			return j.err
		}
		j.flushed = upto
	}
	if sync && j.synced < mine {
		upto := j.flushed
		if err := j.f.Sync(); err != nil {
			j.err = fmt.Errorf("pubsub journal %s: fsync: %w", j.f.Name(), err)
			return j.err
		}
		j.synced = upto
	}
	return nil
}

func (j *journal) noteSub(name, topic string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.subsOf[topic] == nil {
		j.subsOf[topic] = map[string]bool{}
	}
	j.subsOf[topic][name] = true
	j.topicOf[name] = topic
}

func (j *journal) forgetSub(name string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.subsOf[j.topicOf[name]], name)
	delete(j.topicOf, name)
}

func (j *journal) subsList(topic string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var s []string
	for n := range j.subsOf[topic] {
		s = append(s, n)
	}
	sort.Strings(s)
	return s
}

func (j *journal) delivered(sub string, msgs []*pb.ReceivedMessage) {
	if len(msgs) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, m := range msgs {
		j.lastAck[ackKey(sub, m.GetMessage().GetMessageId())] = m.AckId
	}
}

// acked turns ack ids into the message ids to record: an ack of a delivery
// older than the newest one handed out is left out, as pstest ignores it.
func (j *journal) acked(sub string, ackIDs []string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var ids []string
	for _, a := range ackIDs {
		id := parseAckID(a)
		k := ackKey(sub, id)
		if last, ok := j.lastAck[k]; ok && last != a {
			continue
		}
		delete(j.lastAck, k)
		ids = append(ids, id)
	}
	return ids
}

// nacked forgets deliveries given back (deadline 0): pstest then ignores
// their ack ids.
func (j *journal) nacked(sub string, ackIDs []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, a := range ackIDs {
		k := ackKey(sub, parseAckID(a))
		if j.lastAck[k] == a {
			j.lastAck[k] = ""
		}
	}
}

// unary records the effect of a unary RPC once pstest has answered it.
func (j *journal) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		return resp, err
	}
	var jerr error
	switch path.Base(info.FullMethod) {
	case "CreateTopic", "UpdateTopic":
		t := resp.(*pb.Topic)
		b, _ := protojson.Marshal(t)
		jerr = j.add(true, record{Op: "topic", Name: t.Name, Config: b})
	case "DeleteTopic":
		r := req.(*pb.DeleteTopicRequest)
		for _, s := range j.subsList(r.Topic) {
			j.forgetSub(s)
		}
		jerr = j.add(true, record{Op: "deltopic", Name: r.Topic})
	case "CreateSubscription", "UpdateSubscription":
		s := resp.(*pb.Subscription)
		b, _ := protojson.Marshal(s)
		j.noteSub(s.Name, s.Topic)
		jerr = j.add(true, record{Op: "sub", Name: s.Name, Config: b})
	case "DeleteSubscription":
		r := req.(*pb.DeleteSubscriptionRequest)
		j.forgetSub(r.Subscription)
		jerr = j.add(true, record{Op: "delsub", Name: r.Subscription})
	case "Publish":
		r, p := req.(*pb.PublishRequest), resp.(*pb.PublishResponse)
		subs := j.subsList(r.Topic)
		recs := make([]record, 0, len(r.Messages))
		for i, m := range r.Messages {
			if i >= len(p.MessageIds) {
				break
			}
			recs = append(recs, record{Op: "pub", Name: r.Topic, ID: p.MessageIds[i], Data: m.Data, Attrs: m.Attributes, Key: m.OrderingKey, Subs: subs})
		}
		jerr = j.add(true, recs...)
	case "Pull":
		j.delivered(req.(*pb.PullRequest).Subscription, resp.(*pb.PullResponse).ReceivedMessages)
	case "Acknowledge":
		r := req.(*pb.AcknowledgeRequest)
		if ids := j.acked(r.Subscription, r.AckIds); len(ids) > 0 {
			jerr = j.add(false, record{Op: "ack", Name: r.Subscription, IDs: ids})
		}
	case "ModifyAckDeadline":
		if r := req.(*pb.ModifyAckDeadlineRequest); r.AckDeadlineSeconds == 0 {
			j.nacked(r.Subscription, r.AckIds)
		}
	}
	if jerr != nil {
		// The server holds the change in memory but could not make it
		// durable: fail the call so the client retries.
		return nil, status.Errorf(codes.Unavailable, "%v", jerr)
	}
	return resp, nil
}

// stream records acks and deliveries of StreamingPull.
func (j *journal) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if path.Base(info.FullMethod) != "StreamingPull" {
		return handler(srv, ss)
	}
	return handler(srv, &pullStream{ServerStream: ss, j: j})
}

type pullStream struct {
	grpc.ServerStream
	j   *journal
	mu  sync.Mutex
	sub string
}

func (p *pullStream) subscription() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sub
}

func (p *pullStream) RecvMsg(m any) error {
	if err := p.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	r, ok := m.(*pb.StreamingPullRequest)
	if !ok {
		return nil
	}
	if r.Subscription != "" {
		p.mu.Lock()
		p.sub = r.Subscription
		p.mu.Unlock()
	}
	sub := p.subscription()
	var nacks []string
	for i, a := range r.ModifyDeadlineAckIds {
		if i < len(r.ModifyDeadlineSeconds) && r.ModifyDeadlineSeconds[i] == 0 {
			nacks = append(nacks, a)
		}
	}
	p.j.nacked(sub, nacks)
	if ids := p.j.acked(sub, r.AckIds); len(ids) > 0 {
		return p.j.add(false, record{Op: "ack", Name: sub, IDs: ids})
	}
	return nil
}

func (p *pullStream) SendMsg(m any) error {
	if r, ok := m.(*pb.StreamingPullResponse); ok {
		p.j.delivered(p.subscription(), r.ReceivedMessages)
	}
	return p.ServerStream.SendMsg(m)
}

// journalState is what a journal says the server must hold.
type journalState struct {
	topics, subs []string // in order of creation
	topic        map[string]*pb.Topic
	sub          map[string]*pb.Subscription
	msgs         []*pendingMsg // in order of publication
}

type pendingMsg struct {
	rec  record
	owed map[string]bool // subscriptions that have not acked it
}

// readJournal replays a journal file. A torn last line (the process was
// killed mid-write) is ignored; a bad line anywhere else is an error.
func readJournal(file string) (*journalState, error) {
	st := &journalState{topic: map[string]*pb.Topic{}, sub: map[string]*pb.Subscription{}}
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byID := map[string]*pendingMsg{}
	early := map[string]bool{} // acks seen before their pub record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var bad error
	line := 0
	for sc.Scan() {
		line++
		if bad != nil {
			return nil, bad
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			bad = fmt.Errorf("pubsub journal %s line %d: %v; move the file away to start Pub/Sub empty", file, line, err)
			continue
		}
		switch r.Op {
		case "topic":
			t := &pb.Topic{}
			if err := protojson.Unmarshal(r.Config, t); err != nil {
				return nil, fmt.Errorf("pubsub journal %s line %d: topic config: %v", file, line, err)
			}
			if st.topic[r.Name] == nil {
				st.topics = append(st.topics, r.Name)
			}
			st.topic[r.Name] = t
		case "deltopic":
			delete(st.topic, r.Name)
		case "sub":
			s := &pb.Subscription{}
			if err := protojson.Unmarshal(r.Config, s); err != nil {
				return nil, fmt.Errorf("pubsub journal %s line %d: subscription config: %v", file, line, err)
			}
			if st.sub[r.Name] == nil {
				st.subs = append(st.subs, r.Name)
			}
			st.sub[r.Name] = s
		case "delsub":
			delete(st.sub, r.Name)
			for _, m := range st.msgs {
				delete(m.owed, r.Name)
			}
		case "pub":
			m := &pendingMsg{rec: r, owed: map[string]bool{}}
			for _, s := range r.Subs {
				if k := ackKey(s, r.ID); early[k] {
					delete(early, k)
					continue
				}
				m.owed[s] = true
			}
			m.rec.Subs = nil
			st.msgs = append(st.msgs, m)
			byID[r.ID] = m
		case "ack":
			for _, id := range r.IDs {
				if m := byID[id]; m != nil {
					delete(m.owed, r.Name)
				} else {
					early[ackKey(r.Name, id)] = true
				}
			}
		default:
			return nil, fmt.Errorf("pubsub journal %s line %d: unknown op %q; move the file away to start Pub/Sub empty", file, line, r.Op)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pubsub journal %s: %w", file, err)
	}
	// bad on the last line is a torn write: ignored.
	return st, nil
}

// restore recreates the journal's topics, subscriptions and owed messages
// in a fresh pstest server and returns the compacted journal: one record
// per topic, subscription and owed message, with the new message ids.
//
// pstest delivers a published message to every subscription of its topic;
// a message that only some of them still owe is published, then pulled
// and acked on the others (and given back on the rest), which counts as
// one delivery attempt.
func restore(ctx context.Context, g pstestServer, st *journalState) ([]record, error) {
	var out []record
	live := map[string]bool{}
	for _, n := range st.topics {
		t := st.topic[n]
		if t == nil {
			continue
		}
		got, err := g.CreateTopic(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("restore topic %s: %w", n, err)
		}
		b, _ := protojson.Marshal(got)
		out = append(out, record{Op: "topic", Name: n, Config: b})
		live[n] = true
	}
	subsOf := map[string]map[string]bool{}
	for _, n := range st.subs {
		s := st.sub[n]
		if s == nil || !live[s.Topic] {
			continue
		}
		if dl := s.GetDeadLetterPolicy().GetDeadLetterTopic(); dl != "" && !live[dl] {
			s.DeadLetterPolicy = nil
		}
		got, err := g.CreateSubscription(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("restore subscription %s: %w", n, err)
		}
		b, _ := protojson.Marshal(got)
		out = append(out, record{Op: "sub", Name: n, Config: b})
		if subsOf[s.Topic] == nil {
			subsOf[s.Topic] = map[string]bool{}
		}
		subsOf[s.Topic][n] = true
	}
	var partial, full []*pendingMsg
	for _, m := range st.msgs {
		for s := range m.owed {
			if !subsOf[m.rec.Name][s] {
				delete(m.owed, s)
			}
		}
		switch {
		case len(m.owed) == 0:
		case len(m.owed) < len(subsOf[m.rec.Name]):
			partial = append(partial, m)
		default:
			full = append(full, m)
		}
	}
	publish := func(ms []*pendingMsg) (map[string]*pendingMsg, error) {
		byNew := map[string]*pendingMsg{}
		for _, m := range ms {
			resp, err := g.Publish(ctx, &pb.PublishRequest{Topic: m.rec.Name, Messages: []*pb.PubsubMessage{{Data: m.rec.Data, Attributes: m.rec.Attrs, OrderingKey: m.rec.Key}}})
			if err != nil {
				return nil, fmt.Errorf("restore message %s on %s: %w", m.rec.ID, m.rec.Name, err)
			}
			m.rec.ID = resp.MessageIds[0]
			byNew[m.rec.ID] = m
		}
		return byNew, nil
	}
	byNew, err := publish(partial)
	if err != nil {
		return nil, err
	}
	if len(partial) > 0 {
		subs := map[string]bool{}
		for _, m := range partial {
			for s := range subsOf[m.rec.Name] {
				subs[s] = true
			}
		}
		for s := range subs {
			var keep []string
			for {
				resp, err := g.Pull(ctx, &pb.PullRequest{Subscription: s, MaxMessages: 1000, ReturnImmediately: true})
				if err != nil {
					return nil, fmt.Errorf("restore: pull %s: %w", s, err)
				}
				if len(resp.ReceivedMessages) == 0 {
					break
				}
				var ack []string
				for _, rm := range resp.ReceivedMessages {
					if m := byNew[rm.Message.MessageId]; m != nil && !m.owed[s] {
						ack = append(ack, rm.AckId)
					} else {
						keep = append(keep, rm.AckId)
					}
				}
				if len(ack) > 0 {
					if _, err := g.Acknowledge(ctx, &pb.AcknowledgeRequest{Subscription: s, AckIds: ack}); err != nil {
						return nil, fmt.Errorf("restore: ack %s: %w", s, err)
					}
				}
			}
			if len(keep) > 0 {
				if _, err := g.ModifyAckDeadline(ctx, &pb.ModifyAckDeadlineRequest{Subscription: s, AckIds: keep, AckDeadlineSeconds: 0}); err != nil {
					return nil, fmt.Errorf("restore: nack %s: %w", s, err)
				}
			}
		}
	}
	if _, err := publish(full); err != nil {
		return nil, err
	}
	for _, m := range append(partial, full...) {
		r := m.rec
		for s := range m.owed {
			r.Subs = append(r.Subs, s)
		}
		sort.Strings(r.Subs)
		out = append(out, r)
	}
	return out, nil
}

// pstestServer is the part of pstest's GServer restore uses.
type pstestServer interface {
	CreateTopic(context.Context, *pb.Topic) (*pb.Topic, error)
	CreateSubscription(context.Context, *pb.Subscription) (*pb.Subscription, error)
	Publish(context.Context, *pb.PublishRequest) (*pb.PublishResponse, error)
	Pull(context.Context, *pb.PullRequest) (*pb.PullResponse, error)
	Acknowledge(context.Context, *pb.AcknowledgeRequest) (*emptypb.Empty, error)
	ModifyAckDeadline(context.Context, *pb.ModifyAckDeadlineRequest) (*emptypb.Empty, error)
}

// openJournal restores dir's journal into g, writes the compacted journal
// in its place and opens it for appending.
func openJournal(ctx context.Context, dir string, g pstestServer) (*journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, JournalFile)
	st, err := readJournal(file)
	if err != nil {
		return nil, err
	}
	recs, err := restore(ctx, g, st)
	if err != nil {
		return nil, fmt.Errorf("pubsub emulator: %w", err)
	}
	if err := writeCompacted(file, recs); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	j := &journal{f: f, subsOf: map[string]map[string]bool{}, topicOf: map[string]string{}, lastAck: map[string]string{}}
	for _, r := range recs {
		if r.Op == "sub" {
			j.noteSub(r.Name, st.sub[r.Name].Topic)
		}
	}
	return j, nil
}

func (j *journal) close() error {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.mu.Lock()
	b := append([]byte(nil), j.buf.Bytes()...)
	j.buf.Reset()
	j.mu.Unlock()
	_, werr := j.f.Write(b)
	return errors.Join(werr, j.f.Sync(), j.f.Close())
}

// writeCompacted writes recs to file atomically (temp file, fsync, rename).
func writeCompacted(file string, recs []record) error {
	tmp := file + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			f.Close()
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("pubsub journal %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(file)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
