// Package pubsub runs the Pub/Sub emulator: pstest from the Pub/Sub client
// module, in process, with a fault injector attached through pstest's
// reactors. Point clients at it with PUBSUB_EMULATOR_HOST=Addr.
//
// With Options.Dir the emulator keeps its state there: every topic and
// subscription change and every published message is appended to a journal
// (pubsub.journal) and fsynced before the RPC answers, acks are appended
// too, and on start the journal is replayed (topics, subscriptions and the
// messages some subscription has not acked), then compacted. A restored
// message gets a new message id and publish time, and its delivery count
// starts again.
//
// Fidelity limits are pstest's: streaming pull delivers about 90 messages a
// second per stream (measured), so the local router uses synchronous Pull;
// no push subscriptions; no IAM. pstest keeps every message ever published
// in memory for its Messages() inspection API, so memory grows with the
// messages published (bounded only by a restart). A message pstest moves to
// a dead-letter topic is not journaled there: after a restart it is owed to
// its original subscription again and dead-lettered anew after its
// attempts. For the Google emulator from the Cloud SDK, set
// PUBSUB_EMULATOR_HOST to it instead of starting this one.
package pubsub

import (
	"context"
	"errors"
	"fmt"
	"net"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-data/sluice/emulators/fault"
)

// Methods that consult the fault injector.
var faultMethods = []string{"Publish", "Pull", "StreamingPull", "Acknowledge", "ModifyAckDeadline", "CreateTopic", "CreateSubscription", "GetTopic", "GetSubscription"}

// Server is a running Pub/Sub emulator.
type Server struct {
	*pstest.Server
	// Addr is where clients connect (with Options.Dir this is the
	// journaling front, not pstest's own listener).
	Addr    string
	faults  *fault.Injector
	grpcSrv *grpc.Server
	journal *journal
}

// Options configures the emulator.
type Options struct {
	Addr string // "" or "127.0.0.1:0" picks a port
	Dir  string // state directory; "" keeps everything in memory
}

// New starts an in-memory emulator on addr ("" or "127.0.0.1:0" picks a port).
func New(addr string) (*Server, error) { return Open(Options{Addr: addr}) }

// Open starts the emulator, restoring Options.Dir's journal when set.
func Open(o Options) (*Server, error) {
	in := &fault.Injector{}
	var opts []pstest.ServerReactorOption
	for _, m := range faultMethods {
		opts = append(opts, pstest.ServerReactorOption{FuncName: m, Reactor: faultReactor{in, m}})
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Dir == "" {
		ps := pstest.NewServerWithAddress(o.Addr, opts...)
		return &Server{Server: ps, Addr: ps.Addr, faults: in}, nil
	}
	// Listen first so a busy address is an error, not pstest's panic.
	lis, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("pubsub emulator: listen %s: %w", o.Addr, err)
	}
	// pstest serves on its own loopback port too; clients are given the
	// journaling front instead, which serves the same GServer.
	ps := pstest.NewServerWithAddress("127.0.0.1:0", opts...)
	j, err := openJournal(context.Background(), o.Dir, &ps.GServer)
	if err != nil {
		lis.Close()
		ps.Close()
		return nil, err
	}
	g := grpc.NewServer(grpc.UnaryInterceptor(j.unary), grpc.StreamInterceptor(j.stream))
	pb.RegisterPublisherServer(g, &ps.GServer)
	pb.RegisterSubscriberServer(g, &ps.GServer)
	pb.RegisterSchemaServiceServer(g, &ps.GServer)
	go g.Serve(lis)
	return &Server{Server: ps, Addr: lis.Addr().String(), faults: in, grpcSrv: g, journal: j}, nil
}

// Close stops the server and closes the journal.
func (s *Server) Close() error {
	if s.grpcSrv != nil {
		s.grpcSrv.Stop()
	}
	err := s.Server.Close()
	if s.journal != nil {
		err = errors.Join(err, s.journal.close())
	}
	return err
}

// Faults is the fault injector. Method names are the RPC names (Publish,
// Pull, Acknowledge, …); Code is a gRPC codes.Code, default Unavailable.
func (s *Server) Faults() *fault.Injector { return s.faults }

type faultReactor struct {
	in     *fault.Injector
	method string
}

func (f faultReactor) React(_ interface{}) (bool, interface{}, error) {
	if fail, code := f.in.Check(f.method); fail {
		c := codes.Code(code)
		if c == codes.OK || code == fault.ConnReset {
			c = codes.Unavailable
		}
		return true, nil, status.Errorf(c, "injected fault in %s", f.method)
	}
	return false, nil, nil
}
