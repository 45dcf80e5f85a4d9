package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/logging"
)

// defaultControl is where `sluice dev` listens for `sluice run`.
const defaultControl = "127.0.0.1:8689"

func devCmd(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	workdir := fs.String("workdir", ".sluice/dev", "directory for state: BigQuery file, objects, key, logs")
	control := fs.String("control", defaultControl, "address of the control endpoint that `sluice run` calls")
	pubsubAddr := fs.String("pubsub-addr", "127.0.0.1:8085", "Pub/Sub emulator address (unless PUBSUB_EMULATOR_HOST names one to use)")
	gcsAddr := fs.String("gcs-addr", "127.0.0.1:4443", "Cloud Storage emulator address (unless STORAGE_EMULATOR_HOST names one to use)")
	bqAddr := fs.String("bigquery-addr", "127.0.0.1:9050", "BigQuery emulator address (unless BIGQUERY_EMULATOR_HOST names one to use)")
	dlpAddr := fs.String("dlp-addr", "127.0.0.1:9060", "DLP emulator address (unless DLP_EMULATOR_HOST names one to use)")
	dlpRESTAddr := fs.String("dlp-rest-addr", "127.0.0.1:9061", "DLP emulator REST (HTTP/JSON) address, for dlp.NewRESTClient and curl (when the DLP emulator is started here)")
	kmsAddr := fs.String("kms-addr", "127.0.0.1:9070", "Cloud KMS emulator address, which DLP unwraps kms_wrapped keys with (unless KMS_EMULATOR_HOST names one to use)")
	status := fs.String("status", defaultStatus, "address of the status page (loopback by default: it shows payloads and can replay rejects)")
	asJSON := fs.Bool("json", false, "print the endpoints as one JSON object (variable name → value) instead of export lines")
	tokenKMS := fs.Bool("kms", false, "give the mask function the tokenisation key KMS-wrapped (SLUICE_TOKEN_KMS_KEY, SLUICE_TOKEN_WRAPPED_KEY) instead of the key file; the tokens are the same")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var out io.Writer = os.Stdout
	if *asJSON {
		out = &exportsAsJSON{w: os.Stdout}
	}
	return runDev(ctx, out, devOptions{workdir: *workdir, control: *control,
		pubsub: *pubsubAddr, gcs: *gcsAddr, bigquery: *bqAddr, dlp: *dlpAddr, dlpREST: *dlpRESTAddr, kms: *kmsAddr, tokenKMS: *tokenKMS, status: *status})
}

type devOptions struct {
	workdir, control, pubsub, gcs, bigquery, dlp, dlpREST, kms, status string
	tokenKMS                                                           bool
}

// runDev runs the stack until ctx ends, writing the endpoint lines to out.
func runDev(ctx context.Context, out io.Writer, o devOptions) error {
	abs, err := filepath.Abs(o.workdir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(abs, "functions.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	logging.Output = f
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// An emulator already named by its variable (for example the Cloud
	// SDK's Pub/Sub emulator) is used instead of starting one.
	st, err := stack.Start(ctx, stack.Options{Workdir: abs, Persist: true, Schedules: true, Log: log, External: true,
		PubSubAddr: o.pubsub, StorageAddr: o.gcs, BigQueryAddr: o.bigquery, DLPAddr: o.dlp, DLPRESTAddr: o.dlpREST, KMSAddr: o.kms, TokenKMS: o.tokenKMS})
	if err != nil {
		return err
	}
	defer st.Close()
	lis, err := net.Listen("tcp", o.control)
	if err != nil {
		return fmt.Errorf("control endpoint: %w", err)
	}
	token, err := newControlToken(abs)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: requireToken(token, controlHandler(st))}
	go srv.Serve(lis)
	defer srv.Close()
	ss := &statusServer{Clients: st.Clients, Pipeline: st.Pipeline, Routes: st.Router.Routes(), Token: newStatusToken(), ControlToken: token, Log: log}
	slis, ssrv, err := serveStatus(o.status, ss)
	if err != nil {
		return err
	}
	defer ssrv.Close()
	fmt.Fprintf(out, "export SLUICE_PROJECT=%s\n", st.Opts.Project)
	fmt.Fprintf(out, "export PUBSUB_EMULATOR_HOST=%s\n", st.PubSubAddr)
	fmt.Fprintf(out, "export STORAGE_EMULATOR_HOST=%s\n", st.StorageAddr)
	fmt.Fprintf(out, "export BIGQUERY_EMULATOR_HOST=%s\n", st.BigQueryAddr)
	fmt.Fprintf(out, "export DLP_EMULATOR_HOST=%s\n", st.DLPAddr)
	if st.DLPRESTURL != "" {
		fmt.Fprintf(out, "export %s=%s\n", stack.DLPRESTEnv, st.DLPRESTURL)
	}
	if st.KMSAddr != "" {
		fmt.Fprintf(out, "export KMS_EMULATOR_HOST=%s\n", st.KMSAddr)
	}
	fmt.Fprintf(out, "export SLUICE_CONTROL=%s\n", lis.Addr())
	fmt.Fprintf(out, "export SLUICE_CONTROL_TOKEN=%s\n", token)
	fmt.Fprintf(out, "export SLUICE_STATUS=http://%s/\n", slis.Addr())
	for _, env := range st.Reused {
		fmt.Fprintf(os.Stderr, "sluice dev: using the emulator at %s=%s\n", env, os.Getenv(env))
	}
	fmt.Fprintf(os.Stderr, "sluice dev: BigQuery REST at http://%s, Storage Read/Write API (gRPC, plaintext) at %s\n", st.BigQueryAddr, st.BigQueryAddr)
	fmt.Fprintf(os.Stderr, "sluice dev: functions at %s, state in %s, function logs in %s; Ctrl-C stops\n",
		st.FunctionsURL, abs, filepath.Join(abs, "functions.log"))
	<-ctx.Done()
	return nil
}

// controlTokenFile holds the control endpoint's token in the workdir.
const controlTokenFile = "control.token"

// newControlToken makes a fresh random token for this run of `sluice dev`
// and writes it to <workdir>/control.token, readable by the owner only, so
// `sluice run` finds it without the export line.
func newControlToken(workdir string) (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b[:])
	p := filepath.Join(workdir, controlTokenFile)
	os.Remove(p) // a file left by another user or run keeps its old mode
	if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("control token: %w", err)
	}
	return token, nil
}

// requireToken refuses every request that does not carry
// "Authorization: Bearer <token>": the control endpoint starts runs, and
// any local process (or a web page, through the browser) can reach a
// loopback port.
func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "sluice dev control endpoint: missing or wrong token: send \"Authorization: Bearer $SLUICE_CONTROL_TOKEN\" (sluice dev prints it and writes it to <workdir>/"+controlTokenFile+")", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// controlHandler serves POST /run/{transform|export}: a forced run.
func controlHandler(st *stack.Stack) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /run/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if name == "mask" {
			// Mask runs on transform.completed: announce one, as a finished
			// transform would, and let the router deliver it.
			var req struct {
				RunDate string `json:"run_date"`
			}
			json.Unmarshal(body, &req)
			now := time.Now().UTC()
			if req.RunDate == "" {
				req.RunDate = now.Format("2006-01-02")
			}
			runID := events.NewRunID(now)
			ev := events.TransformCompletedData{RunID: runID, RunDate: req.RunDate, CompletedAt: now}
			if err := events.Publish(r.Context(), st.Clients.PubSub, st.Clients.Names.TransformCompleted, events.TransformCompleted, runID, ev); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if name != stack.TransformSchedule && name != stack.ExportSchedule {
			http.Error(w, fmt.Sprintf("unknown run %q: want transform, mask or export", name), http.StatusNotFound)
			return
		}
		if err := st.Router.Fire(r.Context(), st.Schedule(name), body); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func runCmd(args []string) error {
	if len(args) < 1 {
		return errors.New("run: want transform or export")
	}
	name := args[0]
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	control := fs.String("control", envOr("SLUICE_CONTROL", defaultControl), "control endpoint of `sluice dev`")
	token := fs.String("token", os.Getenv("SLUICE_CONTROL_TOKEN"), "control token (default $SLUICE_CONTROL_TOKEN, else read from <workdir>/"+controlTokenFile+")")
	workdir := fs.String("workdir", ".sluice/dev", "workdir of `sluice dev`, where its control token is")
	runDate := fs.String("run-date", "", "run date YYYY-MM-DD (default today)")
	asJSON := fs.Bool("json", false, "print the outcome as one JSON object")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *token == "" {
		b, err := os.ReadFile(filepath.Join(*workdir, controlTokenFile))
		if err != nil {
			return fmt.Errorf("run %s: no control token: set SLUICE_CONTROL_TOKEN from the lines `sluice dev` prints, or pass --workdir of that sluice dev (%w)", name, err)
		}
		*token = strings.TrimSpace(string(b))
	}
	body := map[string]string{}
	if *runDate != "" {
		body["run_date"] = *runDate
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, "http://"+*control+"/run/"+name, strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("run %s: is `sluice dev` running? %w", name, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("run %s: %s: %s", name, resp.Status, strings.TrimSpace(string(msg)))
	}
	if *asJSON {
		return writeJSON(os.Stdout, map[string]any{"run": name, "started": true, "completed": resp.StatusCode != http.StatusAccepted})
	}
	if resp.StatusCode == http.StatusAccepted {
		fmt.Printf("%s run started (transform.completed published; see functions.log)\n", name)
		return nil
	}
	fmt.Printf("%s run completed\n", name)
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// exportsAsJSON turns the "export NAME=value" lines runDev writes into one
// JSON object, written when the status line (the last) arrives.
type exportsAsJSON struct {
	w   io.Writer
	env map[string]string
	buf []byte
}

func (e *exportsAsJSON) Write(p []byte) (int, error) {
	e.buf = append(e.buf, p...)
	for {
		i := strings.IndexByte(string(e.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(e.buf[:i])
		e.buf = e.buf[i+1:]
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			continue
		}
		if e.env == nil {
			e.env = map[string]string{}
		}
		e.env[k] = v
		if k == "SLUICE_STATUS" {
			if err := writeJSON(e.w, e.env); err != nil {
				return 0, err
			}
		}
	}
}
