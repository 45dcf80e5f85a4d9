package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"cloud.google.com/go/storage"

	"github.com/sluice-data/sluice/emulators/bigquery"
	"github.com/sluice-data/sluice/emulators/dlp"
	"github.com/sluice-data/sluice/emulators/gcs"
	"github.com/sluice-data/sluice/emulators/kms"
	"github.com/sluice-data/sluice/emulators/pubsub"
)

func emulatorCmd(args []string) error {
	if len(args) < 1 {
		return errors.New("emulator: want pubsub, gcs, bigquery, dlp or kms")
	}
	kind := args[0]
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	workdir := fs.String("workdir", "", "persist state here (bigquery, gcs, pubsub); empty keeps it in memory")
	project := fs.String("project", "sluice-local", "default project id")
	bqEndpoint := fs.String("bigquery-endpoint", bqURL(os.Getenv("BIGQUERY_EMULATOR_HOST")), "dlp: URL of the BigQuery emulator that inspection jobs read and save findings to (default from $BIGQUERY_EMULATOR_HOST)")
	psAddr := fs.String("pubsub-addr", os.Getenv("PUBSUB_EMULATOR_HOST"), "dlp: host:port of the Pub/Sub emulator for the pub_sub job action (default $PUBSUB_EMULATOR_HOST)")
	restAddr := fs.String("rest-addr", "127.0.0.1:0", "dlp: listen address of the REST (HTTP/JSON) endpoint, for dlp.NewRESTClient and curl")
	storageAddr := fs.String("storage-addr", os.Getenv("STORAGE_EMULATOR_HOST"), "dlp: host:port of the Cloud Storage emulator that dictionaries named by cloud_storage_path are read from (default $STORAGE_EMULATOR_HOST)")
	kmsAddr := fs.String("kms-addr", os.Getenv("KMS_EMULATOR_HOST"), "dlp: host:port of the KMS emulator that unwraps kms_wrapped crypto keys (default $KMS_EMULATOR_HOST)")
	asJSON := fs.Bool("json", false, "print the endpoints as one JSON object (variable name → value) instead of export lines")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runEmulator(ctx, os.Stdout, kind, emulatorOptions{addr: *addr, workdir: *workdir, project: *project, bqEndpoint: *bqEndpoint,
		psAddr: *psAddr, restAddr: *restAddr, kmsAddr: *kmsAddr, storageAddr: *storageAddr, asJSON: *asJSON})
}

type emulatorOptions struct {
	addr, workdir, project, bqEndpoint, psAddr, restAddr, kmsAddr, storageAddr string
	asJSON                                                                     bool
}

// runEmulator starts one emulator, prints its endpoints to out and serves
// until ctx ends.
func runEmulator(ctx context.Context, out io.Writer, kind string, o emulatorOptions) error {
	var envName, where string
	var extra [][2]string // more variables
	switch kind {
	case "pubsub":
		dir := ""
		if o.workdir != "" {
			dir = filepath.Join(o.workdir, "pubsub")
		}
		s, err := pubsub.Open(pubsub.Options{Addr: o.addr, Dir: dir})
		if err != nil {
			return err
		}
		defer s.Close()
		envName, where = "PUBSUB_EMULATOR_HOST", s.Addr
	case "gcs":
		root := ""
		if o.workdir != "" {
			root = filepath.Join(o.workdir, "gcs")
		}
		s, err := gcs.New(gcs.Options{Addr: o.addr, Root: root, Project: o.project})
		if err != nil {
			return err
		}
		defer s.Close()
		envName, where = "STORAGE_EMULATOR_HOST", s.Addr
	case "bigquery":
		path := ""
		if o.workdir != "" {
			if err := os.MkdirAll(o.workdir, 0o755); err != nil {
				return err
			}
			path = filepath.Join(o.workdir, "bigquery.duckdb")
		}
		opts := bigquery.Options{Path: path, Project: o.project}
		if os.Getenv("STORAGE_EMULATOR_HOST") != "" {
			// Load and extract jobs read and write the Cloud Storage emulator.
			sc, err := storage.NewClient(ctx)
			if err != nil {
				return fmt.Errorf("storage.NewClient: %w", err)
			}
			defer sc.Close()
			opts = opts.WithStorage(sc)
		}
		s, err := bigquery.New(opts)
		if err != nil {
			return err
		}
		defer s.Close()
		lis, err := net.Listen("tcp", o.addr)
		if err != nil {
			return err
		}
		go s.Serve(lis) // REST and, on the same port, the Storage Read/Write APIs over gRPC
		defer lis.Close()
		envName, where = "BIGQUERY_EMULATOR_HOST", lis.Addr().String()
		fmt.Fprintf(os.Stderr, "sluice emulator: BigQuery REST at http://%s, Storage Read/Write API (gRPC, plaintext) at %s\n", where, where)
	case "dlp":
		s := dlp.NewServer(dlp.Options{KMSAddr: o.kmsAddr, BigQueryEndpoint: o.bqEndpoint, PubSubAddr: o.psAddr, StorageAddr: strings.TrimPrefix(strings.TrimPrefix(o.storageAddr, "http://"), "https://")})
		lis, err := net.Listen("tcp", o.addr)
		if err != nil {
			return err
		}
		go s.Serve(lis)
		defer s.Stop()
		rl, err := net.Listen("tcp", o.restAddr)
		if err != nil {
			return fmt.Errorf("--rest-addr: %w", err)
		}
		go s.ServeREST(rl)
		envName, where = "DLP_EMULATOR_HOST", lis.Addr().String()
		extra = append(extra, [2]string{"DLP_EMULATOR_REST_URL", fmt.Sprintf("http://%s", rl.Addr())})
	case "kms":
		s := kms.New()
		lis, err := net.Listen("tcp", o.addr)
		if err != nil {
			return err
		}
		go s.Serve(lis)
		defer s.Stop()
		envName, where = "KMS_EMULATOR_HOST", lis.Addr().String()
	default:
		return fmt.Errorf("emulator %q: want pubsub, gcs, bigquery, dlp or kms", kind)
	}
	vars := append([][2]string{{envName, where}}, extra...)
	if o.asJSON {
		m := map[string]string{}
		for _, v := range vars {
			m[v[0]] = v[1]
		}
		b, _ := json.Marshal(m)
		fmt.Fprintln(out, string(b))
	} else {
		for _, v := range vars {
			fmt.Fprintf(out, "export %s=%s\n", v[0], v[1])
		}
	}
	<-ctx.Done()
	return nil
}

// bqURL turns BIGQUERY_EMULATOR_HOST (host:port) into the endpoint URL the
// BigQuery client takes.
func bqURL(host string) string {
	if host == "" {
		return ""
	}
	return "http://" + strings.TrimPrefix(host, "http://")
}
