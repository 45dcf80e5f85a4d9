package main

import (
	"cloud.google.com/go/storage"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

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
	workdir := fs.String("workdir", "", "persist state here (bigquery, gcs); empty keeps it in memory")
	project := fs.String("project", "sluice-local", "default project id")
	bqEndpoint := fs.String("bigquery-endpoint", bqURL(os.Getenv("BIGQUERY_EMULATOR_HOST")), "dlp: URL of the BigQuery emulator that inspection jobs read and save findings to (default from $BIGQUERY_EMULATOR_HOST)")
	psAddr := fs.String("pubsub-addr", os.Getenv("PUBSUB_EMULATOR_HOST"), "dlp: host:port of the Pub/Sub emulator for the pub_sub job action (default $PUBSUB_EMULATOR_HOST)")
	restAddr := fs.String("rest-addr", "127.0.0.1:0", "dlp: listen address of the REST (HTTP/JSON) endpoint, for dlp.NewRESTClient and curl")
	storageAddr := fs.String("storage-addr", os.Getenv("STORAGE_EMULATOR_HOST"), "dlp: host:port of the Cloud Storage emulator that dictionaries named by cloud_storage_path are read from (default $STORAGE_EMULATOR_HOST)")
	kmsAddr := fs.String("kms-addr", os.Getenv("KMS_EMULATOR_HOST"), "dlp: host:port of the KMS emulator that unwraps kms_wrapped crypto keys (default $KMS_EMULATOR_HOST)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var envName, where string
	var extra []string // more export lines
	switch kind {
	case "pubsub":
		s, err := pubsub.New(*addr)
		if err != nil {
			return err
		}
		defer s.Close()
		envName, where = "PUBSUB_EMULATOR_HOST", s.Addr
	case "gcs":
		root := ""
		if *workdir != "" {
			root = filepath.Join(*workdir, "gcs")
		}
		s, err := gcs.New(gcs.Options{Addr: *addr, Root: root, Project: *project})
		if err != nil {
			return err
		}
		defer s.Close()
		envName, where = "STORAGE_EMULATOR_HOST", s.Addr
	case "bigquery":
		path := ""
		if *workdir != "" {
			if err := os.MkdirAll(*workdir, 0o755); err != nil {
				return err
			}
			path = filepath.Join(*workdir, "bigquery.duckdb")
		}
		opts := bigquery.Options{Path: path, Project: *project}
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
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		go s.Serve(lis) // REST and, on the same port, the Storage Read/Write APIs over gRPC
		defer lis.Close()
		envName, where = "BIGQUERY_EMULATOR_HOST", lis.Addr().String()
		fmt.Fprintf(os.Stderr, "sluice emulator: BigQuery REST at http://%s, Storage Read/Write API (gRPC, plaintext) at %s\n", where, where)
	case "dlp":
		s := dlp.NewServer(dlp.Options{KMSAddr: *kmsAddr, BigQueryEndpoint: *bqEndpoint, PubSubAddr: *psAddr, StorageAddr: strings.TrimPrefix(strings.TrimPrefix(*storageAddr, "http://"), "https://")})
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		go s.Serve(lis)
		defer s.Stop()
		rl, err := net.Listen("tcp", *restAddr)
		if err != nil {
			return fmt.Errorf("--rest-addr: %w", err)
		}
		go s.ServeREST(rl)
		envName, where = "DLP_EMULATOR_HOST", lis.Addr().String()
		extra = append(extra, fmt.Sprintf("export DLP_EMULATOR_REST_URL=http://%s", rl.Addr()))
	case "kms":
		s := kms.New()
		lis, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		go s.Serve(lis)
		defer s.Stop()
		envName, where = "KMS_EMULATOR_HOST", lis.Addr().String()
	default:
		return fmt.Errorf("emulator %q: want pubsub, gcs, bigquery, dlp or kms", kind)
	}
	fmt.Printf("export %s=%s\n", envName, where)
	for _, l := range extra {
		fmt.Println(l)
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
