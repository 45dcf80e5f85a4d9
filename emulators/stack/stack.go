// Package stack starts the whole local sluice stack in one process: the
// Pub/Sub, Cloud Storage, BigQuery, Cloud KMS and DLP emulators (DLP unwraps
// KMS-wrapped crypto keys through the KMS one), the functions served
// through the functions framework, and the trigger router that does what
// Eventarc and Cloud Scheduler do. The functions reach the emulators through
// the same environment variables they would read in the cloud, so the stack
// sets those variables for the whole process: run one stack per process.
//
// With Options.External, an emulator already named by its variable
// (PUBSUB_EMULATOR_HOST, STORAGE_EMULATOR_HOST, BIGQUERY_EMULATOR_HOST,
// DLP_EMULATOR_HOST, KMS_EMULATOR_HOST) is used instead of starting one, for example the Cloud
// SDK's Pub/Sub emulator. The stack then creates what it needs there (topics,
// subscriptions, buckets, the landing bucket's notification) and its field
// for that emulator (PubSub, Storage, BigQuery, DLP) stays nil: faults cannot
// be injected into a server the stack does not own.
package stack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	kmsapi "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"cloud.google.com/go/storage"
	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	// The deployable bundle: registers Ingest, Transform, Mask and Export.
	_ "github.com/sluice-data/sluice"
	"github.com/sluice-data/sluice/emulators/archive"
	"github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/emulators/dlp"
	"github.com/sluice-data/sluice/emulators/gcs"
	"github.com/sluice-data/sluice/emulators/kms"
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
	Persist bool   // keep BigQuery, Cloud Storage and Pub/Sub on disk under Workdir
	Project string // default "sluice-local"
	// Fixed addresses (dev); empty picks free ports.
	PubSubAddr, StorageAddr, BigQueryAddr, DLPAddr, KMSAddr string
	// DLPRESTAddr is where the in-process DLP emulator serves its REST
	// (HTTP/JSON) endpoint; empty picks a free port.
	DLPRESTAddr string
	Schedules   bool // run the cron schedules from pipeline.yaml
	MaxAttempts int  // deliveries before a message is dead-lettered (default 5)
	// TokenKMS gives the mask function the tokenisation key KMS-wrapped
	// (SLUICE_TOKEN_KMS_KEY, SLUICE_TOKEN_WRAPPED_KEY and
	// SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY), as Google recommends for
	// tokenisation, instead of the key file (SLUICE_TOKEN_KEY_FILE). The
	// data key is the same workdir key file either way, wrapped at start
	// with the key TokenKMSKey in the KMS emulator, so tokens are the same.
	TokenKMS bool
	// External uses the emulators the environment already names (see the
	// package doc) instead of starting them; the Addr fields then do not
	// apply to those.
	External bool
	// FunctionsURL delivers to functions served elsewhere (for example one
	// function process to measure) instead of serving them in this process.
	FunctionsURL string
	// Concurrency is the router's deliveries in flight per route (0: its default).
	Concurrency int
	// EmulatorsOnly starts the emulators, the buckets and the clients but
	// no functions, router or archiver: for a runner that delivers to the
	// stages another way (sluice demo --cloud aws: Lambda handlers).
	EmulatorsOnly bool
	Log           *slog.Logger
	// Redeliver is the router's Redeliver (chaos runs).
	Redeliver func(subscription, messageID string) int
	// MaxBackoff bounds the router's wait before a retry (0: its default).
	MaxBackoff time.Duration
	// BigQueryHook, if set, sees every request to the in-process BigQuery
	// emulator before it is served, with its body (for a chaos run that
	// acts when a MERGE arrives). It must not block.
	BigQueryHook func(r *http.Request, body []byte)
}

// Emulator variables, one per service.
const (
	PubSubEnv   = "PUBSUB_EMULATOR_HOST"
	StorageEnv  = "STORAGE_EMULATOR_HOST"
	BigQueryEnv = "BIGQUERY_EMULATOR_HOST"
	DLPEnv      = "DLP_EMULATOR_HOST"
	// DLPRESTEnv is printed by sluice dev: the DLP emulator's REST URL.
	DLPRESTEnv = "DLP_EMULATOR_REST_URL"
	// KMSEnv is ours too: the Cloud KMS client honours no emulator variable.
	KMSEnv = "KMS_EMULATOR_HOST"
)

// Stack is a running local sluice.
type Stack struct {
	Opts         Options
	Pipeline     *config.Pipeline
	Clients      *gcp.Clients
	PubSub       *pubsub.Server // nil when external
	PubSubAddr   string
	Storage      *gcs.Server // nil when external
	StorageAddr  string
	BigQuery     *bigquery.Server // nil when external
	BigQueryAddr string
	DLP          *dlp.Server // nil when external
	DLPAddr      string
	// DLPRESTURL is the in-process DLP emulator's REST endpoint
	// (http://host:port, for dlp.NewRESTClient and curl); empty when DLP
	// is external.
	DLPRESTURL string
	KMS        *kms.Server // nil when external
	KMSAddr    string
	// TokenKMSKey is the KMS key that wraps the tokenisation key when
	// Options.TokenKMS is set.
	TokenKMSKey  string
	FunctionsURL string
	Router       *router.Router
	// Archive keeps every Pub/Sub source message in the archive bucket by
	// day, as the Cloud Storage subscriptions do in the cloud.
	Archive *archive.Archiver
	// Reused lists the variables whose external emulator the stack uses.
	Reused []string

	bqLis       net.Listener
	cancel      context.CancelFunc
	done        chan struct{}
	archiveDone chan struct{}
	// prevEnv holds the values the stack's Setenv calls replaced.
	prevEnv map[string]*string
	// bqWrites counts insertAll requests reaching the in-process BigQuery.
	bqWrites atomic.Int64
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

	// external returns the address an external emulator is named by, if
	// the stack is to use it.
	external := func(env string) string {
		if !o.External {
			return ""
		}
		if v := os.Getenv(env); v != "" {
			s.Reused = append(s.Reused, env)
			return v
		}
		return ""
	}
	s.setenv("SLUICE_PROJECT", o.Project)
	s.unsetenv("SLUICE_ENV")

	// Pub/Sub first: the storage fake publishes notifications through it.
	if s.PubSubAddr = external(PubSubEnv); s.PubSubAddr == "" {
		psDir := ""
		if o.Persist {
			psDir = filepath.Join(o.Workdir, "pubsub")
		}
		if s.PubSub, err = startPubSub(o.PubSubAddr, psDir); err != nil {
			return nil, err
		}
		s.PubSubAddr = s.PubSub.Addr
		s.setenv(PubSubEnv, s.PubSubAddr)
	}

	if s.StorageAddr = external(StorageEnv); s.StorageAddr == "" {
		gcsRoot := ""
		if o.Persist {
			gcsRoot = filepath.Join(o.Workdir, "gcs")
		}
		if s.Storage, err = gcs.New(gcs.Options{Addr: o.StorageAddr, Root: gcsRoot, Project: o.Project,
			NotifyTopic: LandingNotifications, NotifyBucket: names.Landing,
			Buckets: []string{names.Landing, names.Archive, names.Export}}); err != nil {
			return nil, addrHint(err, o.StorageAddr, StorageEnv, "--gcs-addr")
		}
		s.StorageAddr = s.Storage.Addr
		s.setenv(StorageEnv, s.StorageAddr)
	}

	if s.BigQueryAddr = external(BigQueryEnv); s.BigQueryAddr == "" {
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
			return nil, addrHint(err, o.BigQueryAddr, BigQueryEnv, "--bigquery-addr")
		}
		s.BigQueryAddr = bqLis.Addr().String()
		h := s.BigQuery.Handler()
		// REST and the Storage Read/Write APIs (gRPC) share the port
		s.bqLis = bqLis
		go s.BigQuery.ServeHandler(bqLis, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/insertAll") {
				s.bqWrites.Add(1)
			}
			if o.BigQueryHook != nil {
				var body []byte
				if r.Body != nil {
					body, _ = io.ReadAll(r.Body)
					r.Body = io.NopCloser(bytes.NewReader(body))
				}
				o.BigQueryHook(r, body)
			}
			h.ServeHTTP(w, r)
		}))
		s.setenv(BigQueryEnv, s.BigQueryAddr)
	}

	dlpAddr := external(DLPEnv)
	// KMS before DLP: DLP unwraps kms_wrapped keys through it. An external
	// DLP is assumed to use the external KMS, if one is named.
	if s.KMSAddr = external(KMSEnv); s.KMSAddr == "" && dlpAddr == "" {
		kl, err := listen(o.KMSAddr)
		if err != nil {
			return nil, addrHint(err, o.KMSAddr, KMSEnv, "--kms-addr")
		}
		s.KMS = kms.New()
		s.KMSAddr = kl.Addr().String()
		go s.KMS.Serve(kl)
		s.setenv(KMSEnv, s.KMSAddr)
	}
	if s.DLPAddr = dlpAddr; s.DLPAddr == "" {
		s.DLP = dlp.NewServer(dlp.Options{BigQueryEndpoint: "http://" + s.BigQueryAddr, PubSubAddr: s.PubSubAddr, KMSAddr: s.KMSAddr, StorageAddr: s.StorageAddr})
		dlpLis, err := listen(o.DLPAddr)
		if err != nil {
			return nil, addrHint(err, o.DLPAddr, DLPEnv, "--dlp-addr")
		}
		s.DLPAddr = dlpLis.Addr().String()
		go s.DLP.Serve(dlpLis)
		restLis, err := listen(o.DLPRESTAddr)
		if err != nil {
			return nil, addrHint(err, o.DLPRESTAddr, DLPRESTEnv, "--dlp-rest-addr")
		}
		s.DLPRESTURL = "http://" + restLis.Addr().String()
		go s.DLP.ServeREST(restLis)
		s.setenv(DLPEnv, s.DLPAddr)
	}

	keyFile, err := tokenKey(o.Workdir)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"SLUICE_TOKEN_KEY_FILE", maskfn.EnvTokenKMSKey, maskfn.EnvTokenWrappedKey, maskfn.EnvTokenWrappedEncryptionKey} {
		s.unsetenv(k)
	}
	if o.TokenKMS {
		if s.KMSAddr == "" {
			return nil, fmt.Errorf("a KMS-wrapped token key needs the KMS emulator the DLP emulator unwraps with: %s names an external DLP emulator, so set %s to its KMS emulator (or use the unwrapped key)", DLPEnv, KMSEnv)
		}
		if err := s.wrapTokenKey(ctx, keyFile); err != nil {
			return nil, err
		}
	} else {
		s.setenv("SLUICE_TOKEN_KEY_FILE", keyFile)
	}

	if s.FunctionsURL = o.FunctionsURL; s.FunctionsURL == "" && !o.EmulatorsOnly {
		if s.FunctionsURL, err = startFunctions(); err != nil {
			return nil, err
		}
	}

	env, err := gcp.EnvFromOS()
	if err != nil {
		return nil, err
	}
	if s.Clients, err = gcp.NewClients(ctx, env, p); err != nil {
		return nil, err
	}
	if o.EmulatorsOnly {
		if s.Storage == nil {
			if err := s.createBuckets(ctx, names.Landing, names.Archive, names.Export); err != nil {
				return nil, err
			}
		}
		ok = true
		return s, nil
	}
	s.Router = &router.Router{PubSub: s.Clients.PubSub, Project: o.Project, FunctionsURL: s.FunctionsURL,
		MaxAttempts: o.MaxAttempts, Concurrency: o.Concurrency, Log: o.Log, Redeliver: o.Redeliver, MaxBackoff: o.MaxBackoff}
	routes := []router.Route{
		{Topic: LandingNotifications, Subscription: "sluice-ingest-landing", Entry: ingestfn.EntryPoint, Kind: router.StorageEvent, DeadLetter: LandingNotifications + "-dead-letter"},
		{Topic: names.TransformCompleted, Subscription: "sluice-mask", Entry: maskfn.EntryPoint, Kind: router.PubSubEvent, DeadLetter: names.TransformCompleted + "-dead-letter"},
		{Topic: names.MaskCompleted, Subscription: "sluice-export", Entry: exportfn.EntryPoint, Kind: router.PubSubEvent, DeadLetter: names.MaskCompleted + "-dead-letter"},
		// Range tasks of a fanned-out mask run (SLUICE_MASK_FANOUT_ROWS) go back to Mask.
		{Topic: names.Topic(maskfn.MaskTasksTopic), Subscription: "sluice-mask-tasks", Entry: maskfn.EntryPoint, Kind: router.PubSubEvent, DeadLetter: names.Topic(maskfn.MaskTasksTopic) + "-dead-letter"},
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
	if s.Storage == nil {
		// An external Cloud Storage emulator: make the buckets and the
		// landing bucket's notification the in-process one is started with.
		if err := s.prepareStorage(ctx, names.Landing, names.Archive, names.Export); err != nil {
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
	s.Archive = &archive.Archiver{PubSub: s.Clients.PubSub, Storage: s.Clients.Storage, Project: o.Project, Bucket: names.Archive, Log: o.Log}
	for _, src := range p.Sources {
		if t := src.Trigger.PubSubTopic; t != "" {
			if err := s.Archive.Add(ctx, archive.Source{Name: src.Name, Topic: names.Topic(t)}); err != nil {
				return nil, err
			}
		}
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.archiveDone = make(chan struct{})
	go func() { defer close(s.archiveDone); s.Archive.Run(rctx) }()
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

// BigQueryWrites is the number of insertAll requests the in-process
// BigQuery emulator has received (0 when it is external).
func (s *Stack) BigQueryWrites() int64 { return s.bqWrites.Load() }

// Close stops the router and every emulator the stack started, and puts
// back the environment variables it changed.
func (s *Stack) Close() error {
	defer s.restoreEnv()
	if s.cancel != nil {
		s.cancel()
		<-s.done
		<-s.archiveDone
	}
	if s.Clients != nil {
		s.Clients.Close()
	}
	if s.bqLis != nil {
		s.bqLis.Close()
	}
	if s.BigQuery != nil {
		s.BigQuery.Close()
	}
	if s.DLP != nil {
		s.DLP.Stop()
	}
	if s.KMS != nil {
		s.KMS.Stop()
	}
	if s.Storage != nil {
		s.Storage.Close()
	}
	if s.PubSub != nil {
		s.PubSub.Close()
	}
	return nil
}

func (s *Stack) setenv(k, v string) {
	s.remember(k)
	os.Setenv(k, v)
}

func (s *Stack) unsetenv(k string) {
	s.remember(k)
	os.Unsetenv(k)
}

func (s *Stack) remember(k string) {
	if s.prevEnv == nil {
		s.prevEnv = map[string]*string{}
	}
	if _, ok := s.prevEnv[k]; ok {
		return
	}
	if v, ok := os.LookupEnv(k); ok {
		s.prevEnv[k] = &v
	} else {
		s.prevEnv[k] = nil
	}
}

func (s *Stack) restoreEnv() {
	for k, v := range s.prevEnv {
		if v == nil {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, *v)
		}
	}
	s.prevEnv = nil
}

// startPubSub starts pstest on addr. pstest panics when it cannot listen:
// listen first, so a busy address is an error that says what to do.
func startPubSub(addr, dir string) (srv *pubsub.Server, err error) {
	if addr != "" {
		l, err := listen(addr)
		if err != nil {
			return nil, addrHint(err, addr, PubSubEnv, "--pubsub-addr")
		}
		l.Close()
	}
	defer func() {
		if p := recover(); p != nil {
			srv, err = nil, addrHint(fmt.Errorf("pubsub emulator on %s: %v", addr, p), addr, PubSubEnv, "--pubsub-addr")
		}
	}()
	return pubsub.Open(pubsub.Options{Addr: addr, Dir: dir})
}

// addrHint adds what to do to a failure to listen on a fixed address.
func addrHint(err error, addr, env, flag string) error {
	if addr == "" || !strings.Contains(err.Error(), "address already in use") {
		return err
	}
	return fmt.Errorf("%w: something already listens on %s; if it is an emulator to use, set %s=%s (sluice dev and sluice demo then use it), else pass %s with a free address",
		err, addr, env, addr, flag)
}

// prepareStorage creates the buckets and the landing bucket's
// object-finalize notification on an external Cloud Storage emulator, if
// they are missing.
func (s *Stack) prepareStorage(ctx context.Context, landing string, others ...string) error {
	sc := s.Clients.Storage
	if err := s.createBuckets(ctx, append([]string{landing}, others...)...); err != nil {
		return err
	}
	ns, err := sc.Bucket(landing).Notifications(ctx)
	if err != nil {
		return fmt.Errorf("external Cloud Storage emulator (%s=%s): list notifications of %s: %w", StorageEnv, s.StorageAddr, landing, err)
	}
	for _, n := range ns {
		if n.TopicID == LandingNotifications {
			return nil
		}
	}
	if _, err := sc.Bucket(landing).AddNotification(ctx, &storage.Notification{TopicProjectID: s.Opts.Project, TopicID: LandingNotifications,
		PayloadFormat: storage.JSONPayload, EventTypes: []string{storage.ObjectFinalizeEvent}}); err != nil {
		return fmt.Errorf("external Cloud Storage emulator (%s=%s): notify topic %s of new objects in %s (files dropped there trigger ingest): %w",
			StorageEnv, s.StorageAddr, LandingNotifications, landing, err)
	}
	return nil
}

// createBuckets creates the buckets on an external Cloud Storage emulator,
// if they are missing.
func (s *Stack) createBuckets(ctx context.Context, buckets ...string) error {
	for _, b := range buckets {
		err := s.Clients.Storage.Bucket(b).Create(ctx, s.Opts.Project, nil)
		var gerr *googleapi.Error
		if err != nil && !(errors.As(err, &gerr) && gerr.Code == http.StatusConflict) {
			return fmt.Errorf("external Cloud Storage emulator (%s=%s): create bucket %s: %w", StorageEnv, s.StorageAddr, b, err)
		}
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

// TokenKeyRing and TokenCryptoKey name the KMS key the stack wraps the
// tokenisation key with (Options.TokenKMS), in location global of the
// project.
const (
	TokenKeyRing   = "sluice"
	TokenCryptoKey = "token-key"
)

// wrapTokenKey creates the key ring and key in KMS (if missing), wraps the
// data key in keyFile and its AES-SIV derivative with it, and sets the
// mask function's variables of a KMS-wrapped key.
func (s *Stack) wrapTokenKey(ctx context.Context, keyFile string) error {
	plain, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	c, err := kmsapi.NewKeyManagementClient(ctx, option.WithEndpoint(s.KMSAddr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		return fmt.Errorf("kms.NewKeyManagementClient(%s): %w", s.KMSAddr, err)
	}
	defer c.Close()
	loc := "projects/" + s.Opts.Project + "/locations/global"
	ring := loc + "/keyRings/" + TokenKeyRing
	name := ring + "/cryptoKeys/" + TokenCryptoKey
	if _, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: loc, KeyRingId: TokenKeyRing}); err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("KMS emulator (%s): create key ring %s: %w", s.KMSAddr, ring, err)
	}
	if _, err := c.CreateCryptoKey(ctx, &kmspb.CreateCryptoKeyRequest{Parent: ring, CryptoKeyId: TokenCryptoKey,
		CryptoKey: &kmspb.CryptoKey{Purpose: kmspb.CryptoKey_ENCRYPT_DECRYPT}}); err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("KMS emulator (%s): create key %s: %w", s.KMSAddr, name, err)
	}
	wrap := func(b []byte) (string, error) {
		resp, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name, Plaintext: b})
		if err != nil {
			return "", fmt.Errorf("KMS emulator (%s): wrap the token key with %s: %w", s.KMSAddr, name, err)
		}
		return base64.StdEncoding.EncodeToString(resp.GetCiphertext()), nil
	}
	wk, err := wrap(plain)
	if err != nil {
		return err
	}
	we, err := wrap(maskfn.EncryptionKey(plain))
	if err != nil {
		return err
	}
	s.TokenKMSKey = name
	s.setenv(maskfn.EnvTokenKMSKey, name)
	s.setenv(maskfn.EnvTokenWrappedKey, wk)
	s.setenv(maskfn.EnvTokenWrappedEncryptionKey, we)
	return nil
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
