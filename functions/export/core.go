package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/sluice-data/sluice/functions/transform"
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
	Pipeline *config.Pipeline
	Names    gcp.Names
	Now      func() time.Time
	Log      *slog.Logger
}

// Run writes every export whose trigger is trigger ("mask.completed" or
// "schedule") and publishes export.completed with the files written.
func (x *Exporter) Run(ctx context.Context, runID, runDate, trigger string) (*events.ExportCompletedData, error) {
	out := &events.ExportCompletedData{RunID: runID, RunDate: runDate}
	for _, e := range x.Pipeline.Exports {
		if e.Trigger != trigger {
			continue
		}
		f, err := x.write(ctx, e, runDate)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", e.Name, err)
		}
		out.Files = append(out.Files, *f)
		x.Log.Info("export written", "export", e.Name, "uri", f.URI, "rows", f.Rows, "bytes", f.Bytes)
	}
	out.CompletedAt = x.Now().UTC()
	if err := transform.Publish(ctx, x.PubSub, x.Names.ExportCompleted, events.ExportCompleted, runID, out); err != nil {
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

// write runs the export query and streams the rows into the object; the
// object becomes visible only when the writer closes, so a failed run leaves
// no partial file.
func (x *Exporter) write(ctx context.Context, e config.Export, runDate string) (*events.ExportFile, error) {
	it, err := x.BigQuery.Query(x.query(e.Query)).Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	name := strings.ReplaceAll(e.Destination, "{date}", runDate)
	w := x.Storage.Bucket(x.Names.Export).Object(name).NewWriter(ctx)
	cw := &countingWriter{w: w}
	var rows int64
	switch e.Format {
	case "csv":
		w.ContentType = "text/csv"
		rows, err = writeCSV(cw, it)
	case "jsonl":
		w.ContentType = "application/x-ndjson"
		rows, err = writeJSONL(cw, it)
	default:
		err = fmt.Errorf("format %q is not supported", e.Format)
	}
	if err != nil {
		w.CloseWithError(err)
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("storage.Writer(gs://%s/%s).Close: %w", x.Names.Export, name, err)
	}
	return &events.ExportFile{Export: e.Name, URI: fmt.Sprintf("gs://%s/%s", x.Names.Export, name), Rows: rows, Bytes: cw.n}, nil
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
