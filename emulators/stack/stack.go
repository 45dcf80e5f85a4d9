// Package stack starts the whole local sluice stack in one process: the
// Pub/Sub, Cloud Storage, BigQuery and DLP emulators, the functions served
// through the functions framework, and the trigger router that does what
// Eventarc and Cloud Scheduler do. The functions reach the emulators through
// the same environment variables they would read in the cloud, so the stack
// sets those variables for the whole process: run one stack per process.
package stack

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"cloud.google.com/go/storage"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	// The deployable bundle: registers Ingest, Transform, Mask and Export.
	_ "github.com/sluice-data/sluice"
	"github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/emulators/dlp"
	"github.com/sluice-data/sluice/emulators/gcs"
	"github.com/sluice-data/sluice/emulators/pubsub"
	"github.com/sluice-data/sluice/emulators/router"
	exportfn "github.com/sluice-data/sluice/functions/export"
	ingestfn "github.com/sluice-data/sluice/functions/ingest"
	maskfn "github.com/sluice-data/sluice/functions/mask"
	transformfn "github.com/sluice-data/sluice/functions/transform"
	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// Options configures a stack.
type Options struct {
	Workdir string // state lives here (BigQuery file, objects, key); "" = a temp dir, in memory
	Persist bool   // keep BigQuery and Cloud Storage on disk under Workdir
	Project string // default "sluice-local"
	// Fixed addresses (dev); empty picks free ports.
	PubSubAddr, StorageAddr, BigQueryAddr, DLPAddr string
	Schedules                                      bool // run the cron schedules from pipeline.yaml
	MaxAttempts                                    int  // deliveries before a message is dead-lettered (default 5)
	Log                                            *slog.Logger
}

// Stack is a running local sluice.
type Stack struct {
	Opts         Options
	Pipeline     *config.Pipeline
	Clients      *gcp.Clients
	PubSub       *pubsub.Server
	Storage      *gcs.Server
	BigQuery     *bigquery.Server
	BigQueryAddr string
	DLP          *dlp.Server
	DLPAddr      string
	FunctionsURL string
	Router       *router.Router

	bqHTTP *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// LandingNotifications is the topic the landing bucket notifies.
const LandingNotifications = "landing-notifications"

// TransformSchedule and ExportSchedule name the two timers.
var (
	TransformSchedule = "transform"
	ExportSchedule    = "export"
)

// Start brings the stack up and returns when every endpoint answers.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.Project == "" {
		o.Project = "sluice-local"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Workdir == "" {
		d, err := os.MkdirTemp("", "sluice-")
		if err != nil {
			return nil, err
		}
		o.Workdir = d
	}
	if err := os.MkdirAll(o.Workdir, 0o755); err != nil {
		return nil, fmt.Errorf("workdir: %w", err)
	}
	p, err := config.Load(pipeline.Files)
	if err != nil {
		return nil, err
	}
	s := &Stack{Opts: o, Pipeline: p, done: make(chan struct{})}
	names := gcp.NamesFor("", p)
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	// Pub/Sub first: the storage fake publishes notifications through it.
	if s.PubSub, err = pubsub.New(o.PubSubAddr); err != nil {
		return nil, err
	}
	os.Setenv("PUBSUB_EMULATOR_HOST", s.PubSub.Addr)
	os.Setenv("SLUICE_PROJECT", o.Project)
	os.Unsetenv("SLUICE_ENV")

	gcsRoot := ""
	if o.Persist {
		gcsRoot = filepath.Join(o.Workdir, "gcs")
	}
	if s.Storage, err = gcs.New(gcs.Options{Addr: o.StorageAddr, Root: gcsRoot, Project: o.Project,
		NotifyTopic: LandingNotifications, NotifyBucket: names.Landing,
		Buckets: []string{names.Landing, names.Archive, names.Export}}); err != nil {
		return nil, err
	}
	os.Setenv("STORAGE_EMULATOR_HOST", s.Storage.Addr)

	bqPath := ""
	if o.Persist {
		bqPath = filepath.Join(o.Workdir, "bigquery.duckdb")
	}
	sc, err := storage.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage.NewClient: %w", err)
	}
	if s.BigQuery, err = bigquery.New(bigquery.Options{Path: bqPath, Project: o.Project}.WithStorage(sc)); err != nil {
		return nil, err
	}
	bqLis, err := listen(o.BigQueryAddr)
	if err != nil {
		return nil, err
	}
	s.BigQueryAddr = bqLis.Addr().String()
	s.bqHTTP = &http.Server{Handler: s.BigQuery.Handler()}
	go s.bqHTTP.Serve(bqLis)
	os.Setenv("BIGQUERY_EMULATOR_HOST", s.BigQueryAddr)

	s.DLP = dlp.NewServer(dlp.Options{})
	dlpLis, err := listen(o.DLPAddr)
	if err != nil {
		return nil, err
	}
	s.DLPAddr = dlpLis.Addr().String()
	go s.DLP.Serve(dlpLis)
	os.Setenv("DLP_EMULATOR_HOST", s.DLPAddr)

	keyFile, err := tokenKey(o.Workdir)
	if err != nil {
		return nil, err
	}
	os.Setenv("SLUICE_TOKEN_KEY_FILE", keyFile)

	if s.FunctionsURL, err = startFunctions(); err != nil {
		return nil, err
	}

	env, err := gcp.EnvFromOS()
	if err != nil {
		return nil, err
	}
	if s.Clients, err = gcp.NewClients(ctx, env, p); err != nil {
		return nil, err
	}
	s.Router = &router.Router{PubSub: s.Clients.PubSub, Project: o.Project, FunctionsURL: s.FunctionsURL,
		MaxAttempts: o.MaxAttempts, Log: o.Log}
	routes := []router.Route{
		{Topic: LandingNotifications, Subscription: "sluice-ingest-landing", Entry: ingestfn.EntryPoint, Kind: router.StorageEvent, DeadLetter: LandingNotifications + "-dead-letter"},
		{Topic: names.TransformCompleted, Subscription: "sluice-mask", Entry: maskfn.EntryPoint, Kind: router.PubSubEvent, DeadLetter: names.TransformCompleted + "-dead-letter"},
		{Topic: names.MaskCompleted, Subscription: "sluice-export", Entry: exportfn.EntryPoint, Kind: router.PubSubEvent, DeadLetter: names.MaskCompleted + "-dead-letter"},
	}
	for _, src := range p.Sources {
		if t := src.Trigger.PubSubTopic; t != "" {
			routes = append(routes, router.Route{Topic: names.Topic(t), Subscription: "sluice-ingest-" + t, Entry: ingestfn.EntryPoint, Kind: router.PubSubEvent, DeadLetter: names.Topic(t) + "-dead-letter"})
		}
	}
	for _, rt := range routes {
		if err := s.Router.AddRoute(ctx, rt); err != nil {
			return nil, err
		}
	}
	// export.completed has no function behind it; create it so stages can
	// publish and watchers can subscribe.
	if err := s.Router.EnsureTopic(ctx, names.ExportCompleted); err != nil {
		return nil, err
	}
	if o.Schedules {
		for _, sc := range []struct {
			name, cron, entry string
			ce                bool
		}{{TransformSchedule, p.Schedules.Transform, transformfn.EntryPoint, false}, {ExportSchedule, p.Schedules.Export, exportfn.EntryPoint, true}} {
			if sc.cron == "" {
				continue
			}
			c, err := config.ParseCron(sc.cron)
			if err != nil {
				return nil, err
			}
			s.Router.AddSchedule(router.Schedule{Name: sc.name, Cron: c, Entry: sc.entry, CloudEvent: sc.ce})
		}
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go func() { defer close(s.done); s.Router.Run(rctx) }()
	ok = true
	return s, nil
}

// Schedule returns the router schedule for name, for forced runs.
func (s *Stack) Schedule(name string) router.Schedule {
	switch name {
	case TransformSchedule:
		return router.Schedule{Name: name, Entry: transformfn.EntryPoint}
	case ExportSchedule:
		return router.Schedule{Name: name, Entry: exportfn.EntryPoint, CloudEvent: true}
	}
	return router.Schedule{Name: name}
}

// Close stops the router and every emulator.
func (s *Stack) Close() error {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	if s.Clients != nil {
		s.Clients.Close()
	}
	if s.bqHTTP != nil {
		s.bqHTTP.Close()
	}
	if s.BigQuery != nil {
		s.BigQuery.Close()
	}
	if s.DLP != nil {
		s.DLP.Stop()
	}
	if s.Storage != nil {
		s.Storage.Close()
	}
	if s.PubSub != nil {
		s.PubSub.Close()
	}
	return nil
}

func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return l, nil
}

// tokenKey returns the local tokenisation key file, creating 32 random
// bytes on first use. Tokens are stable as long as the workdir is kept.
func tokenKey(dir string) (string, error) {
	p := filepath.Join(dir, "token.key")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return "", fmt.Errorf("write token key: %w", err)
	}
	return p, nil
}

var (
	fnOnce sync.Once
	fnURL  string
	fnErr  error
)

// startFunctions serves every registered function through the functions
// framework, once per process: funcframework has no shutdown.
func startFunctions() (string, error) {
	fnOnce.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fnErr = err
			return
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		os.Unsetenv("FUNCTION_TARGET")
		go func() {
			if err := funcframework.StartHostPort("127.0.0.1", strconv.Itoa(port)); err != nil {
				fnErr = err
			}
		}()
		fnURL = fmt.Sprintf("http://127.0.0.1:%d", port)
		for i := 0; i < 200; i++ {
			resp, err := http.Get(fnURL + "/")
			if err == nil {
				resp.Body.Close()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		fnErr = fmt.Errorf("functions framework did not start on %s", fnURL)
	})
	return fnURL, fnErr
}
