// Package difftest runs the bqsql corpus (../bqsql/testdata/corpus.sql) on
// this emulator and on goccy/bigquery-emulator v0.8.1 through the real Go
// client and compares the rows. It is a separate module (goccy takes about
// six minutes to build) and is not part of the root module's tests or CI:
//
//	cd emulators/bigquery/difftest && go test -run TestDifferential -v -timeout 60m .
//
// DIFFTEST_EVERY=n runs every n-th case (a sample over the whole corpus;
// DIFFTEST_OFFSET=k starts at case k, so offsets 0..n-1 cover it all) and
// DIFFTEST_BUDGET=15m stops starting new cases after that long.
//
// Every case runs on a fresh server of each kind, with dataset "ds" as the
// default dataset: the setup script, then the query.
package difftest

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	goccy "github.com/goccy/bigquery-emulator/server"
	"github.com/goccy/bigquery-emulator/types"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	ours "github.com/sluice-data/sluice/emulators/bigquery"
)

const project = "diff-project"

type corpusCase struct {
	name, setup, query, err string
	unordered               bool
}

func loadCorpus(t *testing.T) []corpusCase {
	data, err := os.ReadFile("../bqsql/testdata/corpus.sql")
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	var cur *corpusCase
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "-- name:"):
			cases = append(cases, corpusCase{name: strings.TrimSpace(strings.TrimPrefix(trim, "-- name:"))})
			cur = &cases[len(cases)-1]
			section = ""
			continue
		case cur == nil:
			continue
		case trim == "-- setup", trim == "-- query", trim == "-- expect":
			section = strings.TrimPrefix(trim, "-- ")
			continue
		case trim == "-- unordered":
			cur.unordered = true
			continue
		case strings.HasPrefix(trim, "-- error:"):
			cur.err = strings.TrimSpace(strings.TrimPrefix(trim, "-- error:"))
			continue
		}
		switch section {
		case "setup":
			cur.setup += line + "\n"
		case "query":
			cur.query += line + "\n"
		}
	}
	return cases
}

// run executes setup and query on a server at url and returns normalised rows.
func run(ctx context.Context, url string, c corpusCase) ([]string, error) {
	client, err := bigquery.NewClient(ctx, project, option.WithEndpoint(url), option.WithoutAuthentication())
	if err != nil {
		return nil, err
	}
	defer client.Close()
	exec := func(sql string) (*bigquery.RowIterator, error) {
		q := client.Query(sql)
		q.DefaultProjectID = project
		q.DefaultDatasetID = "ds"
		return q.Read(ctx)
	}
	if strings.TrimSpace(c.setup) != "" {
		it, err := exec(c.setup)
		if err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
		for {
			var r []bigquery.Value
			if err := it.Next(&r); err != nil {
				if err == iterator.Done {
					break
				}
				return nil, fmt.Errorf("setup: %w", err)
			}
		}
	}
	it, err := exec(c.query)
	if err != nil {
		return nil, err
	}
	var rows []string
	for {
		var r []bigquery.Value
		err := it.Next(&r)
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, norm(r))
	}
	if c.unordered {
		sort.Strings(rows)
	}
	return rows, nil
}

func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case []bigquery.Value:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = norm(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]bigquery.Value:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + norm(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case string:
		return strconv.Quote(x)
	case []byte:
		return "b64:" + base64.StdEncoding.EncodeToString(x)
	case float64:
		return strconv.FormatFloat(x, 'g', 12, 64)
	case *big.Rat:
		s := x.FloatString(9)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case civil.Date, civil.DateTime, civil.Time:
		return fmt.Sprint(x)
	}
	return fmt.Sprintf("%v", v)
}

func TestDifferential(t *testing.T) {
	cases := loadCorpus(t)
	total := len(cases)
	// DIFFTEST_EVERY=n runs every n-th case only (a sample spread over the whole corpus), from
	// case DIFFTEST_OFFSET;
	// DIFFTEST_BUDGET=10m stops starting cases after that long and reports what ran.
	if n, err := strconv.Atoi(os.Getenv("DIFFTEST_EVERY")); err == nil && n > 1 {
		off, _ := strconv.Atoi(os.Getenv("DIFFTEST_OFFSET"))
		var sub []corpusCase
		for i := off % n; i < len(cases); i += n {
			sub = append(sub, cases[i])
		}
		cases = sub
	}
	var deadline time.Time
	if d, err := time.ParseDuration(os.Getenv("DIFFTEST_BUDGET")); err == nil && d > 0 {
		deadline = time.Now().Add(d)
	}
	start := time.Now()
	var agree, bothErr, disagree, oursOnlyErr, goccyOnlyErr, ran int
	var report []string
	for _, c := range cases {
		if !deadline.IsZero() && time.Now().After(deadline) {
			t.Logf("time budget spent after %d cases", ran)
			break
		}
		ran++
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		// ours
		osrv, err := ours.New(ours.Options{Project: project})
		if err != nil {
			t.Fatal(err)
		}
		ohs := httptest.NewServer(osrv.Handler())
		octx, ocancel := context.WithTimeout(ctx, 30*time.Second)
		oc, _ := bigquery.NewClient(octx, project, option.WithEndpoint(ohs.URL), option.WithoutAuthentication())
		oc.Dataset("ds").Create(octx, nil)
		oc.Close()
		oRows, oErr := run(octx, ohs.URL, c)
		ocancel()
		ohs.Close()
		osrv.Close()
		// goccy
		gs, err := goccy.New(goccy.TempStorage)
		if err != nil {
			t.Fatal(err)
		}
		if err := gs.Load(goccy.StructSource(types.NewProject(project, types.NewDataset("ds")))); err != nil {
			t.Fatal(err)
		}
		if err := gs.SetProject(project); err != nil {
			t.Fatal(err)
		}
		ghs := gs.TestServer()
		gRows, gErr := run(ctx, ghs.URL, c)
		ghs.Close()
		gs.Close()
		cancel()

		status := ""
		switch {
		case oErr != nil && gErr != nil:
			bothErr++
			status = "both-error"
		case oErr != nil:
			oursOnlyErr++
			status = "ours-error: " + firstLine(oErr.Error())
		case gErr != nil:
			goccyOnlyErr++
			status = "goccy-error: " + firstLine(gErr.Error())
		case strings.Join(oRows, "\n") == strings.Join(gRows, "\n"):
			agree++
			continue
		default:
			disagree++
			status = fmt.Sprintf("differ: ours %s | goccy %s", clip(strings.Join(oRows, " ")), clip(strings.Join(gRows, " ")))
		}
		if c.err != "" {
			status += " (corpus expects a refusal: " + c.err + ")"
		}
		report = append(report, c.name+": "+status)
	}
	for _, r := range report {
		t.Log(r)
	}
	t.Logf("corpus %d cases, ran %d in %s: same rows %d, both refused %d, different rows %d, only ours failed %d, only goccy failed %d",
		total, ran, time.Since(start).Round(time.Second), agree, bothErr, disagree, oursOnlyErr, goccyOnlyErr)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip(s)
}

func clip(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}
