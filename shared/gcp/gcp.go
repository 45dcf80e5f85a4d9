// Package gcp builds the Google Cloud clients every function uses, from the
// environment the function runs in. The same code serves production and the
// local stack: the emulator switches are the ones the client libraries
// already honour (PUBSUB_EMULATOR_HOST, STORAGE_EMULATOR_HOST), plus two of
// ours for services that have none (BIGQUERY_EMULATOR_HOST,
// DLP_EMULATOR_HOST), which become option.WithEndpoint.
package gcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"cloud.google.com/go/bigquery"
	dlp "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/pipeline"
	"github.com/sluice-data/sluice/shared/config"
)

// Env is what a function learns from its environment.
type Env struct {
	Project      string // SLUICE_PROJECT, else GOOGLE_CLOUD_PROJECT
	Environment  string // SLUICE_ENV: prefix of every dataset, bucket and topic name; empty locally
	BigQueryHost string // BIGQUERY_EMULATOR_HOST (host:port), empty in the cloud
	DLPHost      string // DLP_EMULATOR_HOST (host:port), empty in the cloud
	PubSubHost   string // PUBSUB_EMULATOR_HOST, read by the Pub/Sub client itself
	StorageHost  string // STORAGE_EMULATOR_HOST, read by the Storage client itself
	TokenKeyFile string // SLUICE_TOKEN_KEY_FILE: local tokenisation key (dev only)
	TokenSecret  string // SLUICE_TOKEN_SECRET: Secret Manager version holding the key (cloud)
	// A KMS-wrapped tokenisation key instead of the unwrapped one: the
	// Cloud KMS CryptoKey that wrapped it and the wrapped key (base64), plus
	// optionally the wrapped key of token: {method: encrypt}.
	TokenKMSKey               string // SLUICE_TOKEN_KMS_KEY
	TokenWrappedKey           string // SLUICE_TOKEN_WRAPPED_KEY
	TokenWrappedEncryptionKey string // SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY
}

// ErrNoProject means neither SLUICE_PROJECT nor GOOGLE_CLOUD_PROJECT is set.
var ErrNoProject = errors.New("no project: set SLUICE_PROJECT (or GOOGLE_CLOUD_PROJECT) to the Google Cloud project id")

// EnvFromOS reads the environment.
func EnvFromOS() (Env, error) {
	e := Env{
		Project:      os.Getenv("SLUICE_PROJECT"),
		Environment:  os.Getenv("SLUICE_ENV"),
		BigQueryHost: os.Getenv("BIGQUERY_EMULATOR_HOST"),
		DLPHost:      os.Getenv("DLP_EMULATOR_HOST"),
		PubSubHost:   os.Getenv("PUBSUB_EMULATOR_HOST"),
		StorageHost:  os.Getenv("STORAGE_EMULATOR_HOST"),
		TokenKeyFile: os.Getenv("SLUICE_TOKEN_KEY_FILE"),
		TokenSecret:  os.Getenv("SLUICE_TOKEN_SECRET"),

		TokenKMSKey:               os.Getenv("SLUICE_TOKEN_KMS_KEY"),
		TokenWrappedKey:           os.Getenv("SLUICE_TOKEN_WRAPPED_KEY"),
		TokenWrappedEncryptionKey: os.Getenv("SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY"),
	}
	if e.Project == "" {
		e.Project = os.Getenv("GOOGLE_CLOUD_PROJECT")
	}
	if e.Project == "" {
		return e, ErrNoProject
	}
	return e, nil
}

// Clients are the four service clients plus the config they serve.
type Clients struct {
	Env      Env
	Pipeline *config.Pipeline
	Names    Names
	BigQuery *bigquery.Client
	PubSub   *pubsub.Client
	Storage  *storage.Client
	DLP      *dlp.Client
}

// Close releases every client.
func (c *Clients) Close() error {
	var errs []error
	for _, cl := range []interface{ Close() error }{c.BigQuery, c.PubSub, c.Storage, c.DLP} {
		if cl != nil {
			errs = append(errs, cl.Close())
		}
	}
	return errors.Join(errs...)
}

// NewClients constructs every client for env. It fails fast with the
// failing constructor named.
func NewClients(ctx context.Context, env Env, p *config.Pipeline) (*Clients, error) {
	c := &Clients{Env: env, Pipeline: p, Names: NamesFor(env.Environment, p)}
	var err error
	var bqOpts []option.ClientOption
	if env.BigQueryHost != "" {
		bqOpts = append(bqOpts, option.WithEndpoint("http://"+strings.TrimPrefix(env.BigQueryHost, "http://")), option.WithoutAuthentication())
	}
	if c.BigQuery, err = bigquery.NewClient(ctx, env.Project, bqOpts...); err != nil {
		return nil, fmt.Errorf("bigquery.NewClient: %w", err)
	}
	if c.PubSub, err = pubsub.NewClient(ctx, env.Project); err != nil {
		c.Close()
		return nil, fmt.Errorf("pubsub.NewClient: %w", err)
	}
	if c.Storage, err = storage.NewClient(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("storage.NewClient: %w", err)
	}
	var dlpOpts []option.ClientOption
	if env.DLPHost != "" {
		dlpOpts = append(dlpOpts, option.WithEndpoint(env.DLPHost), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	}
	if c.DLP, err = dlp.NewClient(ctx, dlpOpts...); err != nil {
		c.Close()
		return nil, fmt.Errorf("dlp.NewClient: %w", err)
	}
	return c, nil
}

// Names are the deployed names of the pipeline's datasets, buckets and
// topics: the names in pipeline.yaml, prefixed by the environment
// ("<env>_" for datasets, which allow only letters, digits and _;
// "<env>-" for buckets and topics). Terraform computes the same names.
type Names struct {
	Raw, Curated, Published, Ops                       string
	Landing, Archive, Export                           string
	TransformCompleted, MaskCompleted, ExportCompleted string
	env                                                string
}

// NamesFor applies the environment prefix to the config's names.
func NamesFor(env string, p *config.Pipeline) Names {
	ds := func(s string) string {
		if env == "" {
			return s
		}
		return env + "_" + s
	}
	n := func(s string) string {
		if env == "" {
			return s
		}
		return env + "-" + s
	}
	return Names{
		Raw: ds(p.Datasets.Raw), Curated: ds(p.Datasets.Curated), Published: ds(p.Datasets.Published), Ops: ds(p.Datasets.Ops),
		Landing: n(p.Buckets.Landing), Archive: n(p.Buckets.Archive), Export: n(p.Buckets.Export),
		TransformCompleted: n(p.Topics.TransformCompleted), MaskCompleted: n(p.Topics.MaskCompleted),
		ExportCompleted: n(p.Topics.ExportCompleted), env: env,
	}
}

// Topic returns the deployed name of a source topic.
func (n Names) Topic(t string) string {
	if n.env == "" {
		return t
	}
	return n.env + "-" + t
}

// SourceTopic strips the environment prefix from a deployed topic id.
func (n Names) SourceTopic(deployed string) string {
	if n.env == "" {
		return deployed
	}
	return strings.TrimPrefix(deployed, n.env+"-")
}

// Cache holds the clients of a running function instance. Construction
// errors are returned to the caller (the invocation fails and is retried);
// they are not cached. A change of environment (a new local stack in the same
// process) builds new clients.
type Cache struct {
	mu      sync.Mutex
	key     Env
	clients *Clients
}

// Get returns clients for the current environment and the embedded pipeline.
func (c *Cache) Get(ctx context.Context) (*Clients, error) {
	env, err := EnvFromOS()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clients != nil && c.key == env {
		return c.clients, nil
	}
	p, err := config.Load(pipeline.Files)
	if err != nil {
		return nil, fmt.Errorf("embedded pipeline config: %w", err)
	}
	// Clients are built with a background context: they outlive this call.
	cl, err := NewClients(context.WithoutCancel(ctx), env, p)
	if err != nil {
		return nil, err
	}
	if c.clients != nil {
		c.clients.Close()
	}
	c.key, c.clients = env, cl
	return cl, nil
}
