package export

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/shared/blob"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// Exporter writes the configured exports. It is the pure core of the export
// function.
type Exporter struct {
	BigQuery *bigquery.Client
	Storage  *storage.Client
	PubSub   *pubsub.Client
	// Events is where export.completed goes; nil: Pub/Sub through PubSub.
	Events   events.Publisher
	Pipeline *config.Pipeline
	Names    gcp.Names
	// S3 opens the S3 bucket of an export whose destination is
	// s3://bucket/…; nil: such an export fails with an error that says
	// where S3 exports run.
	S3  func(bucket string) blob.Bucket
	Now func() time.Time
	Log *slog.Logger
}

// destination is the bucket an export writes to: its destination's bucket
// (gs:// or s3://), else the export bucket.
func (x *Exporter) destination(e config.Export) (blob.Bucket, error) {
	scheme, bucket, _ := e.Target()
	switch scheme {
	case "":
		return blob.GCSBucket{Client: x.Storage, Name: x.Names.Export}, nil
	case "gs":
		return blob.GCSBucket{Client: x.Storage, Name: bucket}, nil
	case "s3":
		if x.S3 == nil {
			return nil, fmt.Errorf("destination %s: this export function has no S3 client; exports to S3 run in the AWS export function (cmd/lambda/export)", e.Destination)
		}
		return x.S3(bucket), nil
	}
	return nil, fmt.Errorf("destination %s: unknown scheme %q", e.Destination, scheme)
}

// Run writes every export whose trigger is trigger ("mask.completed" or
// "schedule") and publishes export.completed with the files written and the
// manifest of each export.
func (x *Exporter) Run(ctx context.Context, runID, runDate, trigger string) (*events.ExportCompletedData, error) {
	out := &events.ExportCompletedData{RunID: runID, RunDate: runDate}
	for _, e := range x.Pipeline.Exports {
		if e.Trigger != trigger {
			continue
		}
		m, err := x.write(ctx, e, runID, runDate)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", e.Name, err)
		}
		for _, f := range m.Files {
			out.Files = append(out.Files, events.ExportFile{Export: e.Name, URI: f.URI, Rows: f.Rows, Bytes: f.Bytes})
			x.Log.Info("export written", "export", e.Name, "uri", f.URI, "rows", f.Rows, "bytes", f.Bytes)
		}
		out.Manifests = append(out.Manifests, *m)
	}
	out.CompletedAt = x.Now().UTC()
	if err := events.Send(ctx, events.PublisherOr(x.Events, x.PubSub), x.Names.ExportCompleted, events.ExportCompleted, runID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// publishedRE finds the published dataset as a table qualifier.
var publishedRE = regexp.MustCompile("(^|[^A-Za-z0-9_.`])`?published`?\\.")

// query qualifies the export query for this deployment: the config names
// the dataset "published"; the deployed dataset may carry an environment
// prefix, and the project is explicit.
func (x *Exporter) query(q string) string {
	ds := x.Names.Published
	return publishedRE.ReplaceAllString(q, "${1}`"+x.BigQuery.Project()+"."+ds+"`.")
}

// Layout is where one export run's objects live in the export bucket.
type Layout struct {
	Data     string // the data file
	Manifest string // _MANIFEST.json
	Success  string // _SUCCESS marker
	// Prefix holds every object of this export and run date: when the
	// destination's folder contains {date}, the folder (…/{date}/); else
	// the file name up to its first dot (…/{date} of …/{date}.csv), and
	// the manifest and marker are named <stem>_MANIFEST.json and
	// <stem>_SUCCESS beside it.
	Prefix string
}

// LayoutFor computes the objects an export writes for a run date.
func LayoutFor(e config.Export, runDate string) Layout {
	_, _, dest := e.Target()
	name := strings.ReplaceAll(dest, "{date}", runDate)
	if e.Compression == "gzip" && e.Format != "parquet" && !strings.HasSuffix(name, ".gz") {
		name += ".gz"
	}
	dirT, _ := path.Split(dest)
	dir, base := path.Split(name)
	if dirT != "" && strings.Contains(dirT, "{date}") {
		return Layout{Data: name, Manifest: dir + "_MANIFEST.json", Success: dir + "_SUCCESS", Prefix: dir}
	}
	stem, _, _ := strings.Cut(base, ".")
	return Layout{Data: name, Manifest: dir + stem + "_MANIFEST.json", Success: dir + stem + "_SUCCESS", Prefix: dir + stem}
}

// owns reports whether object name belongs to the layout's run date.
func (l Layout) owns(name string) bool {
	if !strings.HasPrefix(name, l.Prefix) {
		return false
	}
	if strings.HasSuffix(l.Prefix, "/") {
		return true
	}
	rest := name[len(l.Prefix):]
	return rest != "" && strings.ContainsRune("._-", rune(rest[0]))
}

// write publishes one export atomically: the file is written under
// _tmp/<run id>/, checksummed, copied to its final name, described by a
// manifest and marked with _SUCCESS; then objects of the same run date that
// the manifest does not list (stale parts, a previous compression) and the
// temporary object are deleted. A failure before the copy leaves the
// previous export untouched. The destination is the export bucket, another
// Cloud Storage bucket or an S3 bucket (config.Export.Target).
func (x *Exporter) write(ctx context.Context, e config.Export, runID, runDate string) (*events.ExportManifest, error) {
	bkt, err := x.destination(e)
	if err != nil {
		return nil, err
	}
	l := LayoutFor(e, runDate)
	tmp := "_tmp/" + runID + "/" + l.Data
	var (
		rows   int64
		schema bigquery.Schema
	)
	if e.Format == "parquet" {
		rows, schema, err = x.extract(ctx, e, runID, bkt, tmp)
	} else {
		rows, schema, err = x.stream(ctx, e, bkt, tmp)
	}
	if err != nil {
		bkt.Delete(ctx, tmp)
		return nil, err
	}
	defer bkt.Delete(context.WithoutCancel(ctx), tmp)
	size, sha, crc, err := checksum(ctx, bkt, tmp)
	if err != nil {
		return nil, err
	}
	if err := bkt.Copy(ctx, l.Data, tmp); err != nil {
		return nil, err
	}
	m := &events.ExportManifest{
		Export: e.Name, RunID: runID, RunDate: runDate, Format: e.Format, Rows: rows, Bytes: size,
		Files:     []events.ExportManifestFile{{URI: bkt.URI(l.Data), Rows: rows, Bytes: size, SHA256: sha, CRC32C: crc}},
		WrittenAt: x.Now().UTC(),
	}
	if e.Compression == "gzip" {
		m.Compression = "gzip"
	}
	for _, f := range schema {
		mode := "NULLABLE"
		switch {
		case f.Repeated:
			mode = "REPEATED"
		case f.Required:
			mode = "REQUIRED"
		}
		m.Schema = append(m.Schema, events.ExportColumn{Name: f.Name, Type: string(f.Type), Mode: mode})
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := putObject(ctx, bkt, l.Manifest, "application/json", append(b, '\n')); err != nil {
		return nil, err
	}
	if err := putObject(ctx, bkt, l.Success, "text/plain", nil); err != nil {
		return nil, err
	}
	keep := map[string]bool{l.Data: true, l.Manifest: true, l.Success: true}
	names, err := bkt.List(ctx, l.Prefix)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if keep[name] || !l.owns(name) {
			continue
		}
		if err := bkt.Delete(ctx, name); err != nil {
			return nil, fmt.Errorf("stale object: %w", err)
		}
		x.Log.Info("stale export object deleted", "export", e.Name, "object", bkt.URI(name))
	}
	return m, nil
}

// stream runs the export query and streams CSV or JSONL rows into the
// object (gzipped if configured); the object becomes visible only when the
// writer closes, so a failure leaves no partial file.
func (x *Exporter) stream(ctx context.Context, e config.Export, bkt blob.Bucket, name string) (int64, bigquery.Schema, error) {
	it, err := x.BigQuery.Query(x.query(e.Query)).Read(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("query: %w", err)
	}
	contentType := map[string]string{"csv": "text/csv", "jsonl": "application/x-ndjson"}[e.Format]
	if e.Compression == "gzip" {
		contentType = "application/gzip"
	}
	w := bkt.Create(ctx, name, contentType)
	var dst io.Writer = w
	var zw *gzip.Writer
	if e.Compression == "gzip" {
		zw = gzip.NewWriter(w)
		dst = zw
	}
	var rows int64
	switch e.Format {
	case "csv":
		rows, err = writeCSV(dst, it)
	case "jsonl":
		rows, err = writeJSONL(dst, it)
	default:
		err = fmt.Errorf("format %q is not supported", e.Format)
	}
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err != nil {
		w.Abort(err)
		return 0, nil, err
	}
	if err := w.Close(); err != nil {
		return 0, nil, fmt.Errorf("write %s: %w", bkt.URI(name), err)
	}
	return rows, it.Schema, nil
}

// extract writes Parquet through BigQuery: the query result goes to a
// temporary table in the operations dataset (the query still reads only
// published), an extract job writes it to the object, and the table is
// dropped. BigQuery extracts only to Cloud Storage: for another store the
// file is staged in the export bucket and copied over.
func (x *Exporter) extract(ctx context.Context, e config.Export, runID string, bkt blob.Bucket, name string) (int64, bigquery.Schema, error) {
	if err := bq.EnsureDataset(ctx, x.BigQuery, x.Names.Ops, "sluice operations: run history, watermarks, rejects."); err != nil {
		return 0, nil, err
	}
	table := "_export_" + e.Name + "_" + runID
	jobID := fmt.Sprintf("sluice_export_%s_%s_%d", runID, e.Name, x.Now().UnixNano())
	if _, err := bq.QueryToTable(ctx, x.BigQuery, jobID, x.query(e.Query), x.Names.Ops, table, nil); err != nil {
		return 0, nil, fmt.Errorf("query: %w", err)
	}
	t := x.BigQuery.Dataset(x.Names.Ops).Table(table)
	defer t.Delete(context.WithoutCancel(ctx))
	md, err := t.Metadata(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("temporary table metadata: %w", err)
	}
	rows, err := bq.NumRows(ctx, x.BigQuery, x.Names.Ops, table)
	if err != nil {
		return 0, nil, err
	}
	gcs, direct := bkt.(blob.GCSBucket)
	stage := name
	if !direct {
		gcs = blob.GCSBucket{Client: x.Storage, Name: x.Names.Export}
		stage = "_tmp/" + runID + "/staged/" + name
		defer gcs.Delete(context.WithoutCancel(ctx), stage)
	}
	ref := bigquery.NewGCSReference(gcs.URI(stage))
	ref.DestinationFormat = bigquery.Parquet
	if e.Compression == "gzip" {
		ref.Compression = bigquery.Gzip
	}
	ej, err := t.ExtractorTo(ref).Run(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("extract: %w", err)
	}
	est, err := ej.Wait(ctx)
	if err == nil {
		err = est.Err()
	}
	if err != nil {
		return 0, nil, fmt.Errorf("extract: %w", err)
	}
	if !direct {
		if err := copyObject(ctx, gcs, stage, bkt, name, "application/vnd.apache.parquet"); err != nil {
			return 0, nil, err
		}
	}
	return rows, md.Schema, nil
}

// copyObject copies an object between stores.
func copyObject(ctx context.Context, from blob.Bucket, src string, to blob.Bucket, dst, contentType string) error {
	r, err := from.Open(ctx, src)
	if err != nil {
		return err
	}
	defer r.Close()
	w := to.Create(ctx, dst, contentType)
	if _, err := io.Copy(w, r); err != nil {
		w.Abort(err)
		return fmt.Errorf("copy %s → %s: %w", from.URI(src), to.URI(dst), err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("copy %s → %s: %w", from.URI(src), to.URI(dst), err)
	}
	return nil
}

// checksum reads an object back and returns its size, hex SHA-256 and
// base64 CRC32C (Castagnoli, big-endian, as Cloud Storage reports it).
func checksum(ctx context.Context, bkt blob.Bucket, name string) (int64, string, string, error) {
	r, err := bkt.Open(ctx, name)
	if err != nil {
		return 0, "", "", fmt.Errorf("read back: %w", err)
	}
	defer r.Close()
	h := sha256.New()
	c := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.Copy(io.MultiWriter(h, c), r)
	if err != nil {
		return 0, "", "", fmt.Errorf("read back %s: %w", bkt.URI(name), err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), base64.StdEncoding.EncodeToString(c.Sum(nil)), nil
}

func putObject(ctx context.Context, bkt blob.Bucket, name, contentType string, b []byte) error {
	w := bkt.Create(ctx, name, contentType)
	if _, err := w.Write(b); err != nil {
		w.Abort(err)
		return fmt.Errorf("write %s: %w", bkt.URI(name), err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", bkt.URI(name), err)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeCSV(w io.Writer, it *bigquery.RowIterator) (int64, error) {
	cw := csv.NewWriter(w)
	var rows int64
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return rows, fmt.Errorf("read rows: %w", err)
		}
		if rows == 0 {
			hdr := make([]string, len(it.Schema))
			for i, f := range it.Schema {
				hdr[i] = f.Name
			}
			if err := cw.Write(hdr); err != nil {
				return rows, err
			}
		}
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = CSVValue(v)
		}
		if err := cw.Write(rec); err != nil {
			return rows, err
		}
		rows++
	}
	if rows == 0 && it.Schema != nil {
		hdr := make([]string, len(it.Schema))
		for i, f := range it.Schema {
			hdr[i] = f.Name
		}
		cw.Write(hdr)
	}
	cw.Flush()
	return rows, cw.Error()
}

// CSVValue renders a BigQuery value as BigQuery's CSV export does: NULL as
// empty, timestamps in UTC with a space, dates as YYYY-MM-DD.
func CSVValue(v bigquery.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999 UTC")
	case civil.Date:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func writeJSONL(w io.Writer, it *bigquery.RowIterator) (int64, error) {
	enc := json.NewEncoder(w)
	var rows int64
	for {
		row := map[string]bigquery.Value{}
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return rows, nil
		}
		if err != nil {
			return rows, fmt.Errorf("read rows: %w", err)
		}
		if err := enc.Encode(row); err != nil {
			return rows, err
		}
		rows++
	}
}
