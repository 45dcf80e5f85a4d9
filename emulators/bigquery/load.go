package bigquery

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	bq "google.golang.org/api/bigquery/v2"
)

// splitGCS splits gs://bucket/object.
func splitGCS(uri string) (bucket, object string, err error) {
	rest, ok := strings.CutPrefix(uri, "gs://")
	if !ok {
		return "", "", invalid("Invalid URI %q: only gs://bucket/object URIs are supported", uri)
	}
	bucket, object, ok = strings.Cut(rest, "/")
	if !ok || bucket == "" || object == "" {
		return "", "", invalid("Invalid URI %q: expected gs://bucket/object", uri)
	}
	return bucket, object, nil
}

// expandURIs resolves wildcard source URIs (one '*' matching any characters,
// as BigQuery allows) through ListObjects.
func (s *Server) expandURIs(ctx context.Context, uris []string) ([][2]string, error) {
	var out [][2]string
	for _, u := range uris {
		b, o, err := splitGCS(u)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(o, "*") {
			out = append(out, [2]string{b, o})
			continue
		}
		if s.opts.ListObjects == nil {
			return nil, invalid("Wildcard URI %s needs an object lister (Options.ListObjects)", u)
		}
		prefix := o[:strings.Index(o, "*")]
		names, err := s.opts.ListObjects(ctx, b, prefix)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", u, err)
		}
		n := 0
		for _, name := range names {
			if globMatch(o, name) {
				out = append(out, [2]string{b, name})
				n++
			}
		}
		if n == 0 {
			return nil, notFound("URI %s", u)
		}
	}
	return out, nil
}

// globMatch matches name against a pattern whose '*' match any run of
// characters, '/' included.
func globMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(name, p)
		}
		j := strings.Index(name, p)
		if j < 0 {
			return false
		}
		name = name[j+len(p):]
	}
	return true
}

// maybeGunzip transparently decompresses gzip data.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}

// fetchSources copies the load job's sources into local temp files
// (decompressed) and returns their paths and total input bytes.
func (s *Server) fetchSources(ctx context.Context, cfg *bq.JobConfigurationLoad, data []byte, dir, ext string) ([]string, int64, error) {
	write := func(i int, r io.Reader) (string, int64, error) {
		zr, err := maybeGunzip(r)
		if err != nil {
			return "", 0, invalid("Cannot read gzip data: %v", err)
		}
		p := filepath.Join(dir, fmt.Sprintf("src%d%s", i, ext))
		f, err := os.Create(p)
		if err != nil {
			return "", 0, err
		}
		n, err := io.Copy(f, zr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", 0, invalid("Error while reading data: %v", err)
		}
		return p, n, nil
	}
	if data != nil {
		p, n, err := write(0, bytes.NewReader(data))
		return []string{p}, n, err
	}
	if len(cfg.SourceUris) == 0 {
		return nil, 0, invalid("Missing required field: sourceUris")
	}
	if s.opts.ReadObject == nil {
		return nil, 0, invalid("Load jobs from Cloud Storage need an object reader (Options.ReadObject)")
	}
	objs, err := s.expandURIs(ctx, cfg.SourceUris)
	if err != nil {
		return nil, 0, err
	}
	var paths []string
	var total int64
	for i, o := range objs {
		rc, err := s.opts.ReadObject(ctx, o[0], o[1])
		if err != nil {
			return nil, 0, notFound("URI gs://%s/%s: %v", o[0], o[1], err)
		}
		p, n, err := write(i, rc)
		rc.Close()
		if err != nil {
			return nil, 0, err
		}
		paths = append(paths, p)
		total += n
	}
	return paths, total, nil
}

func sqlList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = quoteString(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (s *Server) runLoadJob(ctx context.Context, job *bq.Job, data []byte) error {
	cfg := job.Configuration.Load
	job.Configuration.JobType = "LOAD"
	p := job.JobReference.ProjectId
	if cfg.DestinationTable == nil {
		return invalid("Missing required field: destinationTable")
	}
	dst := cfg.DestinationTable
	if dst.ProjectId == "" {
		dst.ProjectId = p
	}
	if _, err := s.dataset(p, dst.DatasetId); err != nil {
		return err
	}
	format := strings.ToUpper(cfg.SourceFormat)
	ext := ""
	switch format {
	case "", "CSV":
		format, ext = "CSV", ".csv"
	case "NEWLINE_DELIMITED_JSON", "JSON":
		format, ext = "NEWLINE_DELIMITED_JSON", ".json"
	case "PARQUET":
		ext = ".parquet"
	default:
		return invalid("Source format %s is not supported by this emulator (CSV, NEWLINE_DELIMITED_JSON, PARQUET are)", cfg.SourceFormat)
	}
	dir, err := os.MkdirTemp("", "bqload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	paths, inBytes, err := s.fetchSources(ctx, cfg, data, dir, ext)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tbl, dec := splitDecorator(dst.TableId)
	s.mu.RLock()
	meta := s.tables[tableKey{dst.DatasetId, tbl}]
	s.mu.RUnlock()
	if meta != nil && meta.Type == "VIEW" {
		return invalid("Cannot load into view %s:%s.%s", p, dst.DatasetId, tbl)
	}
	// Work out the schema of the input.
	var schema []*bq.TableFieldSchema
	switch {
	case cfg.Schema != nil && len(cfg.Schema.Fields) > 0:
		schema = cfg.Schema.Fields
		if err := normalizeSchema(schema, ""); err != nil {
			return err
		}
	case format == "PARQUET" || cfg.Autodetect || meta == nil:
		if meta != nil && !cfg.Autodetect && format != "PARQUET" {
			break
		}
		if meta == nil && !cfg.Autodetect && format != "PARQUET" {
			return invalid("No schema specified on job or table %s:%s.%s (set schema or autodetect)", p, dst.DatasetId, tbl)
		}
		cols, err := s.describe(ctx, "SELECT * FROM "+readerSQL(format, paths, cfg))
		if err != nil {
			return invalid("Cannot detect the schema of %s: %v", strings.Join(cfg.SourceUris, ","), err)
		}
		schema = schemaFromColumns(cols)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// NDJSON fast path: stage through DuckDB's reader before the
	// transaction when the input schema is known and simple.
	staged := ""
	if format == "NEWLINE_DELIMITED_JSON" && !cfg.IgnoreUnknownValues {
		in := schema
		if in == nil && meta != nil {
			in = meta.Schema.Fields
		}
		stage := "_bq_load_" + job.JobReference.JobId
		if stageNDJSONFast(ctx, conn, paths, in, stage) {
			staged = stage
			defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.`+quoteIdent(stage))
		}
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	write := cfg.WriteDisposition
	if write == "" {
		write = "WRITE_APPEND"
	}
	name := qualified(dst.DatasetId, tbl)
	if meta == nil {
		if cfg.CreateDisposition == "CREATE_NEVER" {
			return notFound("Table %s:%s.%s", p, dst.DatasetId, tbl)
		}
		if dec != "" {
			return notFound("Table %s:%s.%s (a partition decorator needs an existing partitioned table)", p, dst.DatasetId, tbl)
		}
		t := &bq.Table{TableReference: &bq.TableReference{ProjectId: p, DatasetId: dst.DatasetId, TableId: tbl},
			Schema: &bq.TableSchema{Fields: schema}, TimePartitioning: cfg.TimePartitioning, RangePartitioning: cfg.RangePartitioning,
			Clustering: cfg.Clustering, Type: "TABLE", CreationTime: nowMillis()}
		t.LastModifiedTime = uint64(t.CreationTime)
		if err := checkPartitioning(t); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, createTableSQL(dst.DatasetId, tbl, schema, false)); err != nil {
			return toAPIError(err)
		}
		s.decorateTable(t)
		meta = t
	} else {
		switch write {
		case "WRITE_EMPTY":
			var n int64
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errorf(409, "duplicate", "Already Exists: Table %s:%s.%s (writeDisposition WRITE_EMPTY and the table has %d rows)", p, dst.DatasetId, tbl, n)
			}
		case "WRITE_TRUNCATE":
			if dec != "" {
				cond, err := partitionCondition(meta, dec)
				if err != nil {
					return err
				}
				if _, err := conn.ExecContext(ctx, `DELETE FROM `+name+` WHERE `+cond); err != nil {
					return toAPIError(err)
				}
			} else if schema != nil && !sameSchema(schema, meta.Schema.Fields) {
				if _, err := conn.ExecContext(ctx, createTableSQL(dst.DatasetId, tbl, schema, true)); err != nil {
					return toAPIError(err)
				}
				cp := *meta
				cp.Schema = &bq.TableSchema{Fields: schema}
				meta = &cp
			} else if _, err := conn.ExecContext(ctx, `DELETE FROM `+name); err != nil {
				return toAPIError(err)
			}
		case "WRITE_APPEND":
		default:
			return invalid("Invalid writeDisposition %q", write)
		}
		if schema != nil && write != "WRITE_TRUNCATE" || dec != "" && schema != nil {
			merged, ddl, err := evolveSchema(dst.DatasetId, tbl, meta.Schema.Fields, schema, cfg.SchemaUpdateOptions)
			if err != nil {
				return err
			}
			for _, q := range ddl {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					return toAPIError(err)
				}
			}
			cp := *meta
			cp.Schema = &bq.TableSchema{Fields: merged}
			meta = &cp
		}
	}
	fields := meta.Schema.Fields
	stats := &bq.JobStatistics3{InputFiles: int64(len(paths)), InputFileBytes: inBytes}
	job.Statistics.Load = stats
	before := int64(0)
	conn.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&before)
	switch format {
	case "PARQUET":
		cols := make([]string, len(fields))
		for i, f := range fields {
			cols[i] = quoteIdent(f.Name)
		}
		q := `INSERT INTO ` + name + ` BY NAME SELECT * FROM ` + readerSQL(format, paths, cfg)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return invalid("Error while reading data, error message: %v", err)
		}
	case "NEWLINE_DELIMITED_JSON":
		if staged != "" {
			if _, err := conn.ExecContext(ctx, `INSERT INTO `+name+` BY NAME SELECT * FROM temp.`+quoteIdent(staged)); err != nil {
				return invalid("Error while reading data, error message: %v", s.apiErrorFor(err, p, "").Message)
			}
			break
		}
		fallthrough
	default:
		bad, err := s.loadRows(ctx, conn, format, paths, cfg, dst.DatasetId, tbl, fields)
		if err != nil {
			return err
		}
		stats.BadRecords = bad
	}
	var after int64
	conn.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&after)
	stats.OutputRows = after - before
	if write == "WRITE_TRUNCATE" {
		stats.OutputRows = after
	}
	stats.OutputBytes = stats.OutputRows * rowWidth(fields)
	stats.ForceSendFields = []string{"OutputRows", "InputFiles", "InputFileBytes", "OutputBytes", "BadRecords"}
	meta.LastModifiedTime = uint64(nowMillis())
	if err := s.saveTable(ctx, conn, meta); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return toAPIError(err)
	}
	committed = true
	s.mu.Lock()
	s.tables[tableKey{dst.DatasetId, tbl}] = meta
	s.mu.Unlock()
	return nil
}

func sameSchema(a, b []*bq.TableFieldSchema) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) || a[i].Type != b[i].Type || (a[i].Mode == "REPEATED") != (b[i].Mode == "REPEATED") {
			return false
		}
		if a[i].Type == "RECORD" && !sameSchema(a[i].Fields, b[i].Fields) {
			return false
		}
	}
	return true
}

// evolveSchema reconciles the table schema with the schema of the input
// under schemaUpdateOptions: new fields need ALLOW_FIELD_ADDITION, REQUIRED
// becoming NULLABLE needs ALLOW_FIELD_RELAXATION. Input missing table
// fields is fine (they load as NULL).
func evolveSchema(ds, tbl string, table, input []*bq.TableFieldSchema, opts []string) ([]*bq.TableFieldSchema, []string, error) {
	allowAdd, allowRelax := false, false
	for _, o := range opts {
		switch o {
		case "ALLOW_FIELD_ADDITION":
			allowAdd = true
		case "ALLOW_FIELD_RELAXATION":
			allowRelax = true
		default:
			return nil, nil, invalid("Invalid schemaUpdateOptions value %q", o)
		}
	}
	merged := make([]*bq.TableFieldSchema, 0, len(table))
	for _, f := range table {
		cp := *f
		if in := findField(input, f.Name); in != nil && modeOf(f) == "REQUIRED" && modeOf(in) == "NULLABLE" {
			if !allowRelax {
				return nil, nil, &apiError{Code: 400, Reason: "invalid", Location: f.Name, Message: fmt.Sprintf("Provided Schema does not match Table %s. Field %s has changed mode from REQUIRED to NULLABLE", tbl, f.Name)}
			}
			cp.Mode = "NULLABLE"
		}
		merged = append(merged, &cp)
	}
	var ddl []string
	for _, in := range input {
		if findField(table, in.Name) != nil {
			continue
		}
		if !allowAdd {
			return nil, nil, &apiError{Code: 400, Reason: "invalid", Location: in.Name, Message: fmt.Sprintf("Provided Schema does not match Table %s. Cannot add fields (field: %s)", tbl, in.Name)}
		}
		cp := *in
		if cp.Mode == "REQUIRED" {
			cp.Mode = "NULLABLE"
		}
		merged = append(merged, &cp)
		ddl = append(ddl, `ALTER TABLE `+qualified(ds, tbl)+` ADD COLUMN `+quoteIdent(in.Name)+` `+duckType(&cp))
	}
	return merged, ddl, nil
}

// readerSQL is the DuckDB table function reading the staged files.
func readerSQL(format string, paths []string, cfg *bq.JobConfigurationLoad) string {
	switch format {
	case "PARQUET":
		return "read_parquet(" + sqlList(paths) + ")"
	case "NEWLINE_DELIMITED_JSON":
		return "read_json_auto(" + sqlList(paths) + ", format='newline_delimited')"
	}
	delim := cfg.FieldDelimiter
	if delim == "" {
		delim = ","
	}
	if delim == `\t` || strings.EqualFold(delim, "tab") {
		delim = "\t"
	}
	header := "true"
	if cfg.SkipLeadingRows == 0 && !cfg.Autodetect {
		header = "false"
	}
	return fmt.Sprintf("read_csv(%s, delim=%s, header=%s)", sqlList(paths), quoteString(delim), header)
}

// loadRows loads CSV or NDJSON through the same per-row conversion as
// insertAll, so bad records are counted exactly and named.
func (s *Server) loadRows(ctx context.Context, conn *sql.Conn, format string, paths []string, cfg *bq.JobConfigurationLoad, ds, tbl string, fields []*bq.TableFieldSchema) (int64, error) {
	var bad int64
	var badErrs []string
	const batch = 50000
	rows := make([][]any, 0, batch)
	flush := func() error {
		if err := appendOnConn(conn, ds, tbl, fields, rows); err != nil {
			return err
		}
		rows = rows[:0]
		return nil
	}
	reject := func(file string, line int, err error) error {
		bad++
		msg := fmt.Sprintf("Error while reading data, error message: %v; line: %d, file: %s", err, line, filepath.Base(file))
		if len(badErrs) < 5 {
			badErrs = append(badErrs, msg)
		}
		if bad > cfg.MaxBadRecords {
			loc := ""
			if fe, ok := err.(*fieldError); ok {
				loc = fe.location
			}
			return &apiError{Code: 400, Reason: "invalid", Location: loc, Message: fmt.Sprintf("Error while reading data, error message: too many errors (%d bad records, maxBadRecords %d); first: %s", bad, cfg.MaxBadRecords, badErrs[0])}
		}
		return nil
	}
	for _, file := range paths {
		f, err := os.Open(file)
		if err != nil {
			return 0, err
		}
		err = func() error {
			defer f.Close()
			if format == "NEWLINE_DELIMITED_JSON" {
				sc := bufio.NewScanner(f)
				sc.Buffer(make([]byte, 1<<20), 100<<20)
				line := 0
				for sc.Scan() {
					line++
					b := bytes.TrimSpace(sc.Bytes())
					if len(b) == 0 {
						continue
					}
					var m map[string]any
					dec := json.NewDecoder(bytes.NewReader(b))
					dec.UseNumber()
					err := dec.Decode(&m)
					if err == nil && dec.InputOffset() != int64(len(b)) {
						err = fmt.Errorf("unexpected data after the JSON object at byte %d", dec.InputOffset())
					}
					if err != nil {
						if err := reject(file, line, fmt.Errorf("invalid JSON: %v", err)); err != nil {
							return err
						}
						continue
					}
					v, err := decodeRow(fields, m, cfg.IgnoreUnknownValues, "")
					if err != nil {
						if err := reject(file, line, err); err != nil {
							return err
						}
						continue
					}
					rows = append(rows, v)
					if len(rows) == batch {
						if err := flush(); err != nil {
							return err
						}
					}
				}
				if err := sc.Err(); err != nil {
					return invalid("Error while reading data: %v", err)
				}
				return nil
			}
			r := csv.NewReader(f)
			delim := cfg.FieldDelimiter
			if delim == `\t` || strings.EqualFold(delim, "tab") {
				delim = "\t"
			}
			if delim != "" {
				r.Comma = []rune(delim)[0]
			}
			r.FieldsPerRecord = -1
			r.LazyQuotes = cfg.Quote != nil && *cfg.Quote == ""
			skip := cfg.SkipLeadingRows
			if skip == 0 && cfg.Autodetect {
				skip = 1 // autodetect found a header row (DuckDB's sniffer decides)
			}
			var header []string
			line := 0
			for {
				rec, err := r.Read()
				if err == io.EOF {
					return nil
				}
				line++
				if err != nil {
					if err := reject(file, line, err); err != nil {
						return err
					}
					continue
				}
				if int64(line) <= skip {
					if line == 1 {
						header = rec
					}
					continue
				}
				_ = header
				if len(rec) > len(fields) && !cfg.IgnoreUnknownValues || len(rec) < len(fields) && !cfg.AllowJaggedRows {
					if err := reject(file, line, fmt.Errorf("expected %d fields, found %d", len(fields), len(rec))); err != nil {
						return err
					}
					continue
				}
				m := make(map[string]any, len(fields))
				for i, f := range fields {
					if i < len(rec) && rec[i] != cfg.NullMarker && !(rec[i] == "" && f.Type != "STRING") {
						m[f.Name] = rec[i]
					}
				}
				v, err := decodeRow(fields, m, true, "")
				if err != nil {
					if err := reject(file, line, err); err != nil {
						return err
					}
					continue
				}
				rows = append(rows, v)
				if len(rows) == batch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}()
		if err != nil {
			return bad, err
		}
	}
	return bad, flush()
}

// uploadJob serves media uploads (uploadType=multipart): a load job whose
// data travels in the request.
func (s *Server) uploadJob(w http.ResponseWriter, r *http.Request) (any, error) {
	if ut := r.URL.Query().Get("uploadType"); ut != "multipart" {
		return nil, invalid("uploadType %q is not supported by this emulator (only multipart; keep uploads under the client's chunk size)", ut)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return nil, invalid("Upload needs a multipart body, got %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var meta, data []byte
	for i := 0; i < 2; i++ {
		part, err := mr.NextPart()
		if err != nil {
			return nil, invalid("Bad multipart upload: %v", err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			meta = b
		} else {
			data = b
		}
	}
	if data == nil {
		data = []byte{}
	}
	return s.submitJob(r.Context(), r.PathValue("p"), meta, data)
}

// ---- extract ----

func (s *Server) runExtractJob(ctx context.Context, job *bq.Job) error {
	cfg := job.Configuration.Extract
	job.Configuration.JobType = "EXTRACT"
	p := job.JobReference.ProjectId
	if cfg.SourceTable == nil {
		return invalid("Missing required field: sourceTable (model extraction is not supported)")
	}
	uris := cfg.DestinationUris
	if len(uris) == 0 && cfg.DestinationUri != "" {
		uris = []string{cfg.DestinationUri}
	}
	if len(uris) == 0 {
		return invalid("Missing required field: destinationUris")
	}
	if s.opts.WriteObject == nil {
		return invalid("Extract jobs need an object writer (Options.WriteObject)")
	}
	src := cfg.SourceTable
	tbl, dec := splitDecorator(src.TableId)
	t, err := s.lookupTable(ctx, p, src.DatasetId, tbl)
	if err != nil {
		return err
	}
	if t.Type == "VIEW" {
		return invalid("Cannot extract view %s:%s.%s", p, src.DatasetId, tbl)
	}
	format := strings.ToUpper(cfg.DestinationFormat)
	var sel []string
	for _, f := range t.Schema.Fields {
		c := quoteIdent(f.Name)
		if f.Mode != "REPEATED" && format != "PARQUET" {
			switch f.Type {
			case "TIMESTAMP":
				c = `strftime(` + c + `, '%Y-%m-%d %H:%M:%S.%f UTC') AS ` + c
			case "BYTES":
				c = `to_base64(` + c + `) AS ` + c
			case "INTEGER":
				if format == "NEWLINE_DELIMITED_JSON" {
					c = `CAST(` + c + ` AS VARCHAR) AS ` + c
				}
			}
		}
		sel = append(sel, c)
	}
	q := `SELECT ` + strings.Join(sel, ", ") + ` FROM ` + qualified(src.DatasetId, tbl)
	if dec != "" {
		cond, err := partitionCondition(t, dec)
		if err != nil {
			return err
		}
		q += ` WHERE ` + cond
	}
	opts := []string{}
	switch format {
	case "", "CSV":
		format = "CSV"
		for _, f := range t.Schema.Fields {
			if f.Type == "RECORD" || f.Mode == "REPEATED" {
				return invalid("Operation cannot be performed on a nested schema. Field: %s", f.Name)
			}
		}
		delim := cfg.FieldDelimiter
		if delim == "" {
			delim = ","
		}
		header := cfg.PrintHeader == nil || *cfg.PrintHeader
		opts = append(opts, "FORMAT csv", "DELIMITER "+quoteString(delim), fmt.Sprintf("HEADER %t", header))
	case "NEWLINE_DELIMITED_JSON":
		opts = append(opts, "FORMAT json")
	case "PARQUET":
		opts = append(opts, "FORMAT parquet")
	default:
		return invalid("Destination format %s is not supported by this emulator (CSV, NEWLINE_DELIMITED_JSON, PARQUET are)", cfg.DestinationFormat)
	}
	gz := strings.EqualFold(cfg.Compression, "GZIP")
	if gz && format != "PARQUET" {
		opts = append(opts, "COMPRESSION gzip")
	} else if format == "PARQUET" && cfg.Compression != "" && !strings.EqualFold(cfg.Compression, "NONE") {
		opts = append(opts, "COMPRESSION "+strings.ToLower(cfg.Compression))
	} else if format != "PARQUET" {
		opts = append(opts, "COMPRESSION uncompressed")
	}
	dir, err := os.MkdirTemp("", "bqextract")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "out")
	if _, err := s.db.ExecContext(ctx, `COPY (`+q+`) TO `+quoteString(out)+` (`+strings.Join(opts, ", ")+`)`); err != nil {
		return toAPIError(err)
	}
	// All rows go to the first URI (a '*' becomes shard 000000000000); the
	// other URIs receive empty shards of the same format.
	for i, u := range uris {
		b, o, err := splitGCS(u)
		if err != nil {
			return err
		}
		o = strings.Replace(o, "*", "000000000000", 1)
		var body io.Reader
		if i == 0 {
			f, err := os.Open(out)
			if err != nil {
				return err
			}
			defer f.Close()
			body = f
		} else {
			continue
		}
		w, err := s.opts.WriteObject(ctx, b, o)
		if err != nil {
			return fmt.Errorf("write gs://%s/%s: %w", b, o, err)
		}
		if _, err := io.Copy(w, body); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("write gs://%s/%s: %w", b, o, err)
		}
	}
	var n int64
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`)`).Scan(&n)
	job.Statistics.Extract = &bq.JobStatistics4{DestinationUriFileCounts: []int64{1}, InputBytes: n * rowWidth(t.Schema.Fields)}
	_ = path.Base
	return nil
}

// ---- copy ----

func (s *Server) runCopyJob(ctx context.Context, job *bq.Job) error {
	cfg := job.Configuration.Copy
	job.Configuration.JobType = "COPY"
	p := job.JobReference.ProjectId
	if op := cfg.OperationType; op != "" && op != "COPY" {
		return invalid("Copy operation %s is not supported by this emulator", op)
	}
	srcs := cfg.SourceTables
	if len(srcs) == 0 && cfg.SourceTable != nil {
		srcs = []*bq.TableReference{cfg.SourceTable}
	}
	if len(srcs) == 0 || cfg.DestinationTable == nil {
		return invalid("Missing required field: sourceTables and destinationTable")
	}
	var metas []*bq.Table
	var parts []string
	for _, r := range srcs {
		id, _ := splitDecorator(r.TableId)
		t, err := s.lookupTable(ctx, p, r.DatasetId, id)
		if err != nil {
			return err
		}
		if t.Type == "VIEW" {
			return invalid("Cannot copy view %s:%s.%s", p, r.DatasetId, id)
		}
		metas = append(metas, t)
		parts = append(parts, `SELECT * FROM `+qualified(r.DatasetId, id))
	}
	for _, m := range metas[1:] {
		if !sameSchema(m.Schema.Fields, metas[0].Schema.Fields) {
			return invalid("Source tables of a copy must have the same schema: %s differs from %s", m.TableReference.TableId, metas[0].TableReference.TableId)
		}
	}
	dst := cfg.DestinationTable
	if _, err := s.dataset(p, dst.DatasetId); err != nil {
		return err
	}
	tbl, _ := splitDecorator(dst.TableId)
	q := strings.Join(parts, " UNION ALL ")
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	old := s.tables[tableKey{dst.DatasetId, tbl}]
	s.mu.RUnlock()
	write := cfg.WriteDisposition
	if write == "" {
		write = "WRITE_EMPTY"
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	name := qualified(dst.DatasetId, tbl)
	fresh := func(replace bool) error {
		sqlText := `CREATE TABLE ` + name + ` AS ` + q
		if replace {
			sqlText = `CREATE OR REPLACE TABLE ` + name + ` AS ` + q
		}
		if _, err := conn.ExecContext(ctx, sqlText); err != nil {
			return toAPIError(err)
		}
		src := metas[0]
		t := &bq.Table{TableReference: &bq.TableReference{ProjectId: p, DatasetId: dst.DatasetId, TableId: tbl},
			Schema: src.Schema, TimePartitioning: src.TimePartitioning, RangePartitioning: src.RangePartitioning,
			Clustering: src.Clustering, Description: src.Description, Labels: src.Labels, Type: "TABLE", CreationTime: nowMillis()}
		if old != nil {
			t.CreationTime = old.CreationTime
		}
		t.LastModifiedTime = uint64(nowMillis())
		s.decorateTable(t)
		if err := s.saveTable(ctx, conn, t); err != nil {
			return err
		}
		s.mu.Lock()
		s.tables[tableKey{dst.DatasetId, tbl}] = t
		delete(s.dedup, tableKey{dst.DatasetId, tbl})
		s.mu.Unlock()
		return nil
	}
	if old == nil {
		if cfg.CreateDisposition == "CREATE_NEVER" {
			return notFound("Table %s:%s.%s", p, dst.DatasetId, tbl)
		}
		return fresh(false)
	}
	switch write {
	case "WRITE_TRUNCATE":
		return fresh(true)
	case "WRITE_EMPTY", "WRITE_APPEND":
		if write == "WRITE_EMPTY" {
			var n int64
			if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errorf(409, "duplicate", "Already Exists: Table %s:%s.%s", p, dst.DatasetId, tbl)
			}
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO `+name+` BY NAME `+q); err != nil {
			return invalid("Cannot append to %s:%s.%s: %v", p, dst.DatasetId, tbl, err)
		}
		return nil
	}
	return invalid("Invalid writeDisposition %q", write)
}
