// Package gcs runs the Cloud Storage emulator (fake-gcs-server's
// fakestorage) behind a small HTTP front of ours that injects faults and
// makes reads work with an unmodified client: the fake is created without a
// listener and our server forwards to it with the Host header intact, so
// the XML-API read path (host/bucket/object) matches its PublicHost.
//
// Object-finalized notifications are published to a Pub/Sub topic, which is
// how Cloud Storage notifies too; the local router turns them into storage
// CloudEvents. The fake builds its own Pub/Sub client, so
// PUBSUB_EMULATOR_HOST must be set before New is called.
//
// Fidelity limits are fake-gcs-server's: no IAM, no retention policies;
// responses are buffered whole in memory.
package gcs

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/sluice-data/sluice/emulators/fault"
)

// Options configures the emulator.
type Options struct {
	Addr    string // listen address; "127.0.0.1:0" picks a port
	Root    string // directory for the filesystem backend; "" keeps objects in memory
	Project string
	// NotifyTopic receives OBJECT_FINALIZE notifications for NotifyBucket.
	NotifyTopic  string
	NotifyBucket string
	Buckets      []string // created at start
}

// Server is a running Cloud Storage emulator.
type Server struct {
	Fake   *fakestorage.Server
	Addr   string // host:port, the value for STORAGE_EMULATOR_HOST
	faults fault.Injector
	lis    net.Listener
	http   *http.Server
}

// New starts the emulator.
func New(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("gcs emulator: listen %s: %w", o.Addr, err)
	}
	addr := lis.Addr().String()
	fo := fakestorage.Options{
		NoListener:  true,
		Scheme:      "http",
		PublicHost:  addr,
		ExternalURL: "http://" + addr,
		StorageRoot: o.Root,
	}
	if o.NotifyTopic != "" {
		fo.EventOptions = fakestorage.EventManagerOptions{
			ProjectID: o.Project, TopicName: o.NotifyTopic, Bucket: o.NotifyBucket,
			NotifyOn: fakestorage.EventNotificationOptions{Finalize: true},
		}
	}
	fake, err := fakestorage.NewServerWithOptions(fo)
	if err != nil {
		lis.Close()
		return nil, fmt.Errorf("gcs emulator: %w", err)
	}
	for _, b := range o.Buckets {
		fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	s := &Server{Fake: fake, Addr: addr, lis: lis}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = addr
			pr.Out.Host = pr.In.Host
		},
		Transport: fake.HTTPClient().Transport,
	}
	s.http = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail, code := s.faults.Check(method(r)); fail {
			if code == fault.ConnReset && fault.Reset(w) {
				return
			}
			if code == 0 || code == fault.ConnReset {
				code = http.StatusServiceUnavailable
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"error":{"code":%d,"message":"injected fault","errors":[{"reason":"backendError","message":"injected fault"}]}}`, code)
			return
		}
		proxy.ServeHTTP(w, r)
	})}
	go s.http.Serve(lis)
	return s, nil
}

// method names a request for fault rules: "read", "write", "list", "copy"
// or "other".
func method(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.Contains(p, "/rewriteTo/") || strings.Contains(p, "/copyTo/"):
		return "copy"
	case strings.HasPrefix(p, "/upload/") || r.Method == http.MethodPost && strings.HasSuffix(p, "/o"):
		return "write"
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/o"):
		return "list"
	case r.Method == http.MethodGet:
		return "read"
	}
	return "other"
}

// Faults is the fault injector; rules apply per method ("read", "write",
// "list", "copy", "other") or to every call. Code is an HTTP status.
func (s *Server) Faults() *fault.Injector { return &s.faults }

// Close stops the emulator.
func (s *Server) Close() error {
	err := s.http.Close()
	s.Fake.Stop()
	return err
}
