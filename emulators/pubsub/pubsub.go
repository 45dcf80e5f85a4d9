// Package pubsub runs the Pub/Sub emulator: pstest from the Pub/Sub client
// module, in process, with a fault injector attached through pstest's
// reactors. Point clients at it with PUBSUB_EMULATOR_HOST=Addr.
//
// Fidelity limits are pstest's: streaming pull delivers about 90 messages a
// second per stream (measured), so the local router uses synchronous Pull;
// no push subscriptions; no IAM. For the Google emulator from the Cloud SDK,
// set PUBSUB_EMULATOR_HOST to it instead of starting this one.
package pubsub

import (
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-data/sluice/emulators/fault"
)

// Methods that consult the fault injector.
var faultMethods = []string{"Publish", "Pull", "StreamingPull", "Acknowledge", "ModifyAckDeadline", "CreateTopic", "CreateSubscription", "GetTopic", "GetSubscription"}

// Server is a running Pub/Sub emulator.
type Server struct {
	*pstest.Server
	faults *fault.Injector
}

// New starts the emulator on addr ("" or "127.0.0.1:0" picks a port).
func New(addr string) (*Server, error) {
	in := &fault.Injector{}
	var opts []pstest.ServerReactorOption
	for _, m := range faultMethods {
		opts = append(opts, pstest.ServerReactorOption{FuncName: m, Reactor: faultReactor{in, m}})
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return &Server{Server: pstest.NewServerWithAddress(addr, opts...), faults: in}, nil
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
