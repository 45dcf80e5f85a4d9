package dlp

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	kmsapi "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/storage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-data/sluice/emulators/fault"
)

// Options configure a Server. The zero value is a faithful default.
type Options struct {
	// DeterministicTransientKeys derives a TransientCryptoKey from its name
	// (SHA-256 of the name) instead of generating a fresh random key per
	// request as Cloud DLP does. Useful for golden tests; off by default.
	DeterministicTransientKeys bool
	// KMSAddr is the host:port of a Cloud KMS (KeyManagementService over
	// plain gRPC), normally the KMS emulator (emulators/kms). A kms_wrapped
	// crypto key is unwrapped there with Decrypt, as Cloud DLP does with
	// Cloud KMS. When empty, a KMS-wrapped key answers FAILED_PRECONDITION.
	KMSAddr string
	// BigQueryEndpoint is the URL of the BigQuery API (normally the
	// BigQuery emulator, "http://127.0.0.1:9050") that inspection jobs
	// read tables from and save findings to, through the real BigQuery
	// client. When empty, CreateDlpJob answers FAILED_PRECONDITION.
	BigQueryEndpoint string
	// PubSubAddr is the host:port of Pub/Sub (normally the Pub/Sub
	// emulator) for the pub_sub job action. When empty, a job with a
	// pub_sub action is refused with FAILED_PRECONDITION.
	PubSubAddr string
	// JobStartDelay keeps a new job PENDING this long before it runs, so
	// tests can observe PENDING and cancel a job that has not started.
	JobStartDelay time.Duration
	// StorageAddr is the host:port of Cloud Storage (normally the Cloud
	// Storage emulator, emulators/gcs) that dictionaries named by
	// cloud_storage_path and large stored dictionaries are read from,
	// through the real Storage client. When empty, such a config answers
	// FAILED_PRECONDITION.
	StorageAddr string
	// TriggerTick is how often scheduled job triggers are checked; default
	// one minute (their periods are a day or more).
	TriggerTick time.Duration
}

// Server is an in-process google.privacy.dlp.v2.DlpService.
type Server struct {
	dlppb.UnimplementedDlpServiceServer

	opts   Options
	faults fault.Injector

	mu        sync.Mutex
	inspectT  templateStore[*dlppb.InspectTemplate]
	deidT     templateStore[*dlppb.DeidentifyTemplate]
	grpcSrv   *grpc.Server
	restSrv   *http.Server
	lastWrite int64

	jobs     jobStore
	triggers triggerStore

	stored map[string]*storedType // stored infoTypes by canonical name

	storageOnce   sync.Once
	storageClient *storage.Client
	storageErr    error

	kmsOnce sync.Once
	kms     *kmsapi.KeyManagementClient
	kmsErr  error
}

// NewServer returns a Server ready to Register or Serve.
func NewServer(opts Options) *Server {
	s := &Server{
		opts: opts,
		deidT: templateStore[*dlppb.DeidentifyTemplate]{kind: "deidentifyTemplates", config: "deidentify_config", argName: "deidentify_template",
			validate: func(t *dlppb.DeidentifyTemplate) error { return validateDeidConfig(t.GetDeidentifyConfig()) },
			m:        map[string]*dlppb.DeidentifyTemplate{}},
		stored: map[string]*storedType{},
	}
	s.inspectT = templateStore[*dlppb.InspectTemplate]{kind: "inspectTemplates", config: "inspect_config", argName: "inspect_template",
		validate: func(t *dlppb.InspectTemplate) error {
			cfg, err := s.resolveStored(context.Background(), t.GetInspectConfig())
			if err != nil {
				return err
			}
			_, err = newInspector(cfg)
			return err
		},
		m: map[string]*dlppb.InspectTemplate{}}
	return s
}

// Register registers the DlpService on g.
func (s *Server) Register(g *grpc.Server) { dlppb.RegisterDlpServiceServer(g, s) }

// Serve creates a grpc.Server, registers the service and serves lis until
// Stop is called.
func (s *Server) Serve(lis net.Listener) error {
	g := grpc.NewServer(grpc.MaxRecvMsgSize(16 << 20))
	s.Register(g)
	s.mu.Lock()
	s.grpcSrv = g
	s.mu.Unlock()
	return g.Serve(lis)
}

// Stop stops the grpc.Server created by Serve, if any.
func (s *Server) Stop() {
	s.mu.Lock()
	g, rs := s.grpcSrv, s.restSrv
	s.grpcSrv, s.restSrv = nil, nil
	s.mu.Unlock()
	if g != nil {
		g.Stop()
	}
	if rs != nil {
		rs.Close()
	}
	s.stopJobs()
	if s.storageClient != nil {
		s.storageClient.Close()
	}
	if s.kms != nil {
		s.kms.Close()
	}
}

// Faults returns the fault injector consulted by every RPC; method names
// are RPC names such as "DeidentifyContent".
func (s *Server) Faults() *fault.Injector { return &s.faults }

func (s *Server) check(method string) error {
	if fail, code := s.faults.Check(method); fail {
		c := codes.Code(code)
		if code == 0 || code == fault.ConnReset {
			c = codes.Unavailable // what grpc-go reports for a reset connection
		}
		return status.Errorf(c, "injected fault on %s", method)
	}
	return nil
}

// recoverInternal turns a panic in a handler into an INTERNAL error: grpc-go
// does not recover panics, and one bad input must not take the emulator down.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = status.Errorf(codes.Internal, "emulator panic: %v", r)
	}
}

func invalid(format string, a ...any) error {
	return status.Errorf(codes.InvalidArgument, format, a...)
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// InspectContent implements DlpService.InspectContent.
func (s *Server) InspectContent(ctx context.Context, req *dlppb.InspectContentRequest) (_ *dlppb.InspectContentResponse, err error) {
	defer recoverInternal(&err)
	if err := s.check("InspectContent"); err != nil {
		return nil, err
	}
	if err := checkRequestSize(req); err != nil {
		return nil, err
	}
	cfg, err := s.resolveInspectConfig(ctx, req.GetInspectConfig(), req.GetInspectTemplateName())
	if err != nil {
		return nil, err
	}
	if err := checkItem(req.GetItem()); err != nil {
		return nil, err
	}
	ins, err := newInspector(cfg)
	if err != nil {
		return nil, err
	}
	findings, truncated := ins.inspectItem(req.GetItem())
	return &dlppb.InspectContentResponse{Result: &dlppb.InspectResult{Findings: findings, FindingsTruncated: truncated}}, nil
}

// ListInfoTypes implements DlpService.ListInfoTypes.
func (s *Server) ListInfoTypes(ctx context.Context, req *dlppb.ListInfoTypesRequest) (*dlppb.ListInfoTypesResponse, error) {
	if err := s.check("ListInfoTypes"); err != nil {
		return nil, err
	}
	out := describeInfoTypes()
	return &dlppb.ListInfoTypesResponse{InfoTypes: out}, nil
}
