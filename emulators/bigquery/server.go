package bigquery

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/sluice-data/sluice/emulators/bigquery/bqsql"
	"github.com/sluice-data/sluice/emulators/fault"
)

// ObjectReader opens a Cloud Storage object for a load job.
type ObjectReader func(ctx context.Context, bucket, object string) (io.ReadCloser, error)

// ObjectLister lists the object names in bucket that start with prefix; load
// and extract jobs use it to expand wildcard URIs.
type ObjectLister func(ctx context.Context, bucket, prefix string) ([]string, error)

// ObjectWriter creates (or replaces) a Cloud Storage object for an extract
// job. The object is committed when the returned writer is closed without
// error.
type ObjectWriter func(ctx context.Context, bucket, object string) (io.WriteCloser, error)

// Options configures a Server.
type Options struct {
	// Path is the DuckDB database file; "" keeps everything in memory.
	Path string
	// Project is the default project id, used where a request names none
	// (for example unqualified table names in SQL). Any project id in a
	// request path is accepted: the emulator serves a single project.
	Project string
	// Location reported on datasets and jobs; "" means "US".
	Location string
	// ReadObject, ListObjects and WriteObject connect load and extract jobs
	// to a Cloud Storage implementation. Jobs that need them fail with
	// "invalid" when they are nil.
	ReadObject  ObjectReader
	ListObjects ObjectLister
	WriteObject ObjectWriter
	// Limits overrides BigQuery's request, row, query and response limits
	// (limits.go); zero fields keep BigQuery's values.
	Limits Limits
}

// Server is the BigQuery REST emulator. It is safe for concurrent use.
type Server struct {
	opts   Options
	limits Limits // opts.Limits with BigQuery's values filled in
	db     *sql.DB
	faults fault.Injector
	mux    *http.ServeMux

	// mu guards the metadata caches below; every change is written through
	// to the _bq_meta schema inside DuckDB.
	mu       sync.RWMutex
	datasets map[string]*bq.Dataset
	tables   map[tableKey]*bq.Table
	jobs     map[string]*jobEntry
	dedup    map[tableKey]*idSet

	uploads uploads

	// wmu serialises statements that change data or metadata.
	wmu sync.Mutex
	// apps are the open insertAll appenders (appendcache.go), guarded by
	// wmu; pendingApps is len(apps), read without the lock.
	apps        map[tableKey]*cachedAppender
	pendingApps atomic.Int32
	// gen is the open group commit of insertAll rows (guarded by wmu);
	// commitMu serialises the commits (appendcache.go).
	gen      *commitGen
	commitMu sync.Mutex
}

type tableKey struct{ dataset, table string }

// New opens (or creates) the DuckDB database and loads the metadata.
func New(opts Options) (*Server, error) {
	if opts.Project == "" {
		opts.Project = "local"
	}
	if opts.Location == "" {
		opts.Location = "US"
	}
	dsn := opts.Path + "?autoinstall_known_extensions=false&autoload_known_extensions=false"
	conn, err := duckdb.NewConnector(dsn, func(e driver.ExecerContext) error {
		_, err := e.ExecContext(context.Background(), "SET TimeZone='UTC'", nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bigquery emulator: open duckdb %q: %w", opts.Path, err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	s := &Server{
		opts:     opts,
		limits:   opts.Limits.withDefaults(),
		db:       db,
		datasets: map[string]*bq.Dataset{},
		tables:   map[tableKey]*bq.Table{},
		jobs:     map[string]*jobEntry{},
		dedup:    map[tableKey]*idSet{},
		apps:     map[tableKey]*cachedAppender{},
	}
	if err := s.loadMeta(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	s.routes()
	return s, nil
}

// Faults returns the fault injector. Method names follow the REST
// discovery document: "datasets.insert", "tables.get", "tabledata.insertAll",
// "tabledata.list", "jobs.insert", "jobs.query", "jobs.getQueryResults", ...
func (s *Server) Faults() *fault.Injector { return &s.faults }

// DB exposes the underlying DuckDB handle (read it, do not change schemas
// behind the emulator's back). Rows accepted by insertAll are flushed to it
// first.
func (s *Server) DB() *sql.DB {
	s.flushAppenders()
	return s.db
}

// Handler serves the REST API, both under /bigquery/v2 and at the bare
// paths the Go client uses with option.WithEndpoint.
func (s *Server) Handler() http.Handler { return s.mux }

// Close flushes pending insertAll rows and closes the database.
func (s *Server) Close() error {
	s.wmu.Lock()
	err := s.flushAppendersLocked()
	s.wmu.Unlock()
	return errors.Join(err, s.db.Close())
}

type apiFunc func(w http.ResponseWriter, r *http.Request) (any, error)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	add := func(pattern, method string, h apiFunc) {
		verb, path, _ := strings.Cut(pattern, " ")
		hf := s.wrap(method, h)
		s.mux.HandleFunc(verb+" "+path, hf)
		s.mux.HandleFunc(verb+" /bigquery/v2"+path, hf)
	}
	add("GET /projects", "projects.list", s.listProjects)
	add("POST /projects/{p}/datasets", "datasets.insert", s.insertDataset)
	add("GET /projects/{p}/datasets", "datasets.list", s.listDatasets)
	add("GET /projects/{p}/datasets/{d}", "datasets.get", s.getDataset)
	add("PATCH /projects/{p}/datasets/{d}", "datasets.patch", s.patchDataset)
	add("PUT /projects/{p}/datasets/{d}", "datasets.update", s.patchDataset)
	add("DELETE /projects/{p}/datasets/{d}", "datasets.delete", s.deleteDataset)
	add("POST /projects/{p}/datasets/{d}/tables", "tables.insert", s.insertTable)
	add("GET /projects/{p}/datasets/{d}/tables", "tables.list", s.listTables)
	add("GET /projects/{p}/datasets/{d}/tables/{t}", "tables.get", s.getTable)
	add("PATCH /projects/{p}/datasets/{d}/tables/{t}", "tables.patch", s.patchTable)
	add("PUT /projects/{p}/datasets/{d}/tables/{t}", "tables.update", s.patchTable)
	add("DELETE /projects/{p}/datasets/{d}/tables/{t}", "tables.delete", s.deleteTable)
	add("POST /projects/{p}/datasets/{d}/tables/{t}/insertAll", "tabledata.insertAll", s.insertAll)
	add("GET /projects/{p}/datasets/{d}/tables/{t}/data", "tabledata.list", s.listTableData)
	add("POST /projects/{p}/jobs", "jobs.insert", s.insertJob)
	add("GET /projects/{p}/jobs", "jobs.list", s.listJobs)
	add("GET /projects/{p}/jobs/{j}", "jobs.get", s.getJob)
	add("POST /projects/{p}/jobs/{j}/cancel", "jobs.cancel", s.cancelJob)
	add("DELETE /projects/{p}/jobs/{j}/delete", "jobs.delete", s.deleteJob)
	add("POST /projects/{p}/queries", "jobs.query", s.query)
	add("GET /projects/{p}/queries/{j}", "jobs.getQueryResults", s.getQueryResults)
	s.mux.HandleFunc("POST /upload/bigquery/v2/projects/{p}/jobs", s.wrap("jobs.insert", func(w http.ResponseWriter, r *http.Request) (any, error) {
		q := r.URL.Query()
		switch {
		case q.Get("upload_id") != "":
			return s.resumableChunk(w, r)
		case q.Get("uploadType") == "resumable":
			return s.startResumable(w, r)
		}
		return s.uploadJob(w, r)
	}))
	s.mux.HandleFunc("PUT /upload/bigquery/v2/projects/{p}/jobs", s.wrap("jobs.insert", s.resumableChunk))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{Code: 404, Reason: "notFound", Message: fmt.Sprintf("Not found: %s %s is not a BigQuery API method served by this emulator", r.Method, r.URL.Path)})
	})
}

func (s *Server) wrap(method string, h apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if fail, code := s.faults.Check(method); fail {
			if code == fault.ConnReset {
				if fault.Reset(w) {
					return
				}
				code = http.StatusServiceUnavailable
			}
			if code == 0 {
				code = http.StatusServiceUnavailable
			}
			reason := "backendError"
			switch code {
			case http.StatusTooManyRequests, http.StatusForbidden:
				reason = "rateLimitExceeded"
			case http.StatusBadRequest:
				reason = "invalid"
			case http.StatusNotFound:
				reason = "notFound"
			case http.StatusConflict:
				reason = "duplicate"
			}
			writeError(w, &apiError{Code: code, Reason: reason, Message: fmt.Sprintf("injected fault for %s", method)})
			return
		}
		if method != "tabledata.insertAll" {
			// Everything but insertAll may read or change table data or
			// schemas: make pending insertAll rows visible first.
			s.flushAppenders()
		}
		v, err := h(w, r)
		if err == errHandled {
			return
		}
		if err != nil {
			writeError(w, err)
			return
		}
		if v == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		enc := json.NewEncoder(w)
		if err := enc.Encode(v); err != nil {
			return
		}
	}
}

// errHandled tells wrap that the handler wrote the response itself.
var errHandled = errors.New("response written")

// apiError is an error answered in BigQuery's error shape.
type apiError struct {
	Code     int
	Reason   string
	Message  string
	Location string
	// Extra are further errors[] entries after the main one.
	Extra []errorItem
}

func (e *apiError) Error() string { return e.Message }

func errorf(code int, reason, format string, args ...any) *apiError {
	return &apiError{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return errorf(404, "notFound", "Not found: "+format, args...)
}

func invalid(format string, args ...any) *apiError {
	return errorf(400, "invalid", format, args...)
}

func invalidQuery(format string, args ...any) *apiError {
	return errorf(400, "invalidQuery", format, args...)
}

// toAPIError turns any error into the error BigQuery would answer.
func toAPIError(err error) *apiError { return (*Server)(nil).apiErrorFor(err, "", "") }

// apiErrorFor is toAPIError with the project and translated SQL of a query,
// so that a DuckDB catalog error names the missing table as BigQuery does.
func (s *Server) apiErrorFor(err error, project, sqlText string) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var te *bqsql.Error
	if errors.As(err, &te) {
		return &apiError{Code: 400, Reason: "invalidQuery", Message: te.Error()}
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		if s == nil {
			s = &Server{opts: Options{Project: "local", Location: "US"}}
		}
		return s.duckError(de, project, sqlText)
	}
	return &apiError{Code: 500, Reason: "backendError", Message: err.Error()}
}

func statusName(code int) string {
	switch code {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "ALREADY_EXISTS"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 501:
		return "UNIMPLEMENTED"
	case 503:
		return "UNAVAILABLE"
	default:
		if code >= 500 {
			return "INTERNAL"
		}
		return "FAILED_PRECONDITION"
	}
}

type errorItem struct {
	Reason   string `json:"reason"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
	Domain   string `json:"domain,omitempty"`
}

func writeError(w http.ResponseWriter, err error) {
	ae := toAPIError(err)
	body := map[string]any{"error": map[string]any{
		"code":    ae.Code,
		"message": ae.Message,
		"errors":  append([]errorItem{{Reason: ae.Reason, Message: ae.Message, Location: ae.Location, Domain: "global"}}, ae.Extra...),
		"status":  statusName(ae.Code),
	}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(ae.Code)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) (any, error) {
	return &bq.ProjectList{Kind: "bigquery#projectList", TotalItems: 1, Projects: []*bq.ProjectListProjects{{
		Id: s.opts.Project, Kind: "bigquery#project", FriendlyName: s.opts.Project,
		ProjectReference: &bq.ProjectReference{ProjectId: s.opts.Project},
	}}}, nil
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return invalid("Invalid JSON payload received: %v", err)
	}
	return nil
}

// quoteIdent quotes a DuckDB identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func qualified(dataset, table string) string { return quoteIdent(dataset) + "." + quoteIdent(table) }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
