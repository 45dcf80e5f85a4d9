package demo_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/grpc/codes"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/export"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/internal/demo"
	"github.com/sluice-data/sluice/internal/sample"
	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/logging"
)

// One stack per test binary: the functions read their endpoints from the
// process environment, as they do in the cloud.
var st *stack.Stack

// -external runs the tests on the emulators the environment names (for
// example PUBSUB_EMULATOR_HOST set to the Cloud SDK's Pub/Sub emulator, as
// .ci/pubsub-emulator does) instead of in-process ones.
var external = flag.Bool("external", false, "use the emulators PUBSUB_EMULATOR_HOST, STORAGE_EMULATOR_HOST, BIGQUERY_EMULATOR_HOST and DLP_EMULATOR_HOST name")

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("skipping end-to-end tests in -short mode")
		os.Exit(0)
	}
	logging.Output = &bytes.Buffer{} // keep function logs out of test output
	var err error
	// The mask stage gets the tokenisation key KMS-wrapped, as the demo
	// does by default (an external DLP may have no KMS).
	st, err = stack.Start(context.Background(), stack.Options{MaxAttempts: 8, External: *external, TokenKMS: !*external})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		os.Exit(1)
	}
	if *external {
		if len(st.Reused) == 0 {
			fmt.Fprintln(os.Stderr, "-external: no emulator variable is set")
			os.Exit(1)
		}
		fmt.Println("using external emulators:", strings.Join(st.Reused, ", "))
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

// TestPipelineEndToEnd drives the example pipeline through every stage with
// the real client libraries and checks the data each stage holds. The
// subtests run in order on the same data.
func TestPipelineEndToEnd(t *testing.T) {
	ctx := context.Background()
	sum, data, err := demo.Run(ctx, st, demo.Options{Events: 2000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	c := st.Clients
	t.Logf("demo run %.1fs, stages %v", sum.Seconds, sum.Stages)

	t.Run("every record is in raw or in rejects", func(t *testing.T) {
		bySource := map[string]int64{}
		for k, n := range sum.RejectsByReason {
			src, _, _ := strings.Cut(k, "/")
			bySource[src] += n
		}
		sentOrders := 0
		for _, f := range data.Files {
			sentOrders += f.Lines
		}
		for src, sent := range map[string]int{"events": len(data.Events), "orders": sentOrders, "customers": data.Customers.Changes} {
			if got := sum.RawRows[src] + bySource[src]; got != int64(sent) {
				t.Errorf("%s: raw %d + rejects %d = %d, sent %d", src, sum.RawRows[src], bySource[src], got, sent)
			}
			if got, want := sum.RawRows[src], int64(data.Good[src]); got != want {
				t.Errorf("%s: raw rows = %d, want %d good records", src, got, want)
			}
		}
	})

	t.Run("curated.customers is the customers table as it is now", func(t *testing.T) {
		if d, err := demo.CustomersDiff(ctx, c, "customers", data.Customers); err != nil {
			t.Error(err)
		} else if d != "" {
			t.Error(d)
		}
		if sum.CuratedRows["customers"] != int64(len(data.Customers.Final)) || sum.PublishedRows["customers"] != int64(len(data.Customers.Final)) {
			t.Errorf("customers: curated %d, published %d rows, want %d", sum.CuratedRows["customers"], sum.PublishedRows["customers"], len(data.Customers.Final))
		}
		for _, op := range []string{"r", "c", "u", "d"} {
			if data.Customers.Ops[op] == 0 {
				t.Errorf("the generator made no %q change: %v", op, data.Customers.Ops)
			}
		}
		if !strings.Contains(sum.Text(), "customers") {
			t.Errorf("the summary does not list the customers tables:\n%s", sum.Text())
		}
	})

	t.Run("malformed records are rejected with their reason and bytes", func(t *testing.T) {
		rows := query(t, fmt.Sprintf("SELECT source, reason, detail, payload FROM `%s.%s.rejects`", c.Env.Project, c.Names.Ops))
		type key struct{ source, reason, payload string }
		got := map[key]string{}
		for _, r := range rows {
			got[key{r[0].(string), r[1].(string), string(r[3].([]byte))}] = r[2].(string)
		}
		if len(rows) != len(data.Malformed) {
			t.Errorf("rejects = %d rows, want %d", len(rows), len(data.Malformed))
		}
		for _, m := range data.Malformed {
			detail, ok := got[key{m.Source, m.Reason, string(m.Payload)}]
			if !ok {
				t.Errorf("malformed %s record not in rejects with reason %s: %s", m.Source, m.Reason, m.Payload)
				continue
			}
			if detail == "" {
				t.Errorf("reject %s has no detail", m.Payload)
			}
		}
		// The wrong type names the field and the value.
		for k, d := range got {
			if k.reason == "schema_mismatch" && strings.Contains(k.payload, `"abc"`) && !strings.Contains(d, `field amount: want FLOAT64, got string "abc"`) {
				t.Errorf("detail = %q, want it to name field amount and the value", d)
			}
		}
	})

	t.Run("no personal data is published", func(t *testing.T) {
		var text strings.Builder
		for _, tbl := range st.Pipeline.Mask.Tables {
			for _, r := range query(t, fmt.Sprintf("SELECT * FROM `%s.%s.%s`", c.Env.Project, c.Names.Published, tbl.Name)) {
				for _, v := range r {
					fmt.Fprintf(&text, "%v\x00", v)
				}
			}
		}
		all := text.String()
		if len(all) < 1000 {
			t.Fatalf("published holds only %d bytes of text; the test would prove nothing", len(all))
		}
		leaked := 0
		for _, p := range data.Personal {
			if strings.Contains(all, p) {
				leaked++
				if leaked < 5 {
					t.Errorf("personal value %q appears in published", p)
				}
			}
		}
		if leaked > 0 {
			t.Errorf("%d of %d personal values appear in published", leaked, len(data.Personal))
		}
		if strings.Contains(all, "4111 1111 1111 1111") {
			t.Error("the card number inside support messages appears in published")
		}
	})

	t.Run("no generated person name is in published messages", func(t *testing.T) {
		rows := query(t, fmt.Sprintf("SELECT message FROM `%s.%s.events` WHERE message IS NOT NULL", c.Env.Project, c.Names.Published))
		var text strings.Builder
		named := 0
		for _, r := range rows {
			m := r[0].(string)
			text.WriteString(m + "\x00")
			if strings.HasPrefix(m, "Hello from [PERSON_NAME].") {
				named++
			}
		}
		all := text.String()
		if named == 0 {
			t.Fatal("no support message with a redacted name in published.events; the test would prove nothing")
		}
		if len(data.Names) == 0 {
			t.Fatal("the sample data has no names")
		}
		for _, n := range data.Names {
			if strings.Contains(all, n) {
				t.Errorf("person name %q appears in published.events.message", n)
			}
		}
		for _, typ := range []string{"[EMAIL_ADDRESS]", "[PHONE_NUMBER]", "[CREDIT_CARD_NUMBER]", "[PERSON_NAME]"} {
			if !strings.Contains(all, typ) {
				t.Errorf("no message has %s: the infoType was not replaced anywhere", typ)
			}
		}
	})

	t.Run("published tables are described and the mask run is recorded", func(t *testing.T) {
		md, err := c.BigQuery.Dataset(c.Names.Published).Table("events").Metadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range md.Schema {
			if !strings.Contains(f.Description, "[masking: ") {
				t.Errorf("published.events.%s description = %q, want the masking named", f.Name, f.Description)
			}
		}
		rows := query(t, fmt.Sprintf("SELECT `table`, status, dlp_bytes FROM `%s.%s.mask_runs` WHERE status = 'ok'", c.Env.Project, c.Names.Ops))
		if len(rows) < len(st.Pipeline.Mask.Tables) {
			t.Errorf("mask_runs has %d ok rows, want at least one per published table", len(rows))
		}
	})

	t.Run("columns are masked as the policy says", func(t *testing.T) {
		rows := query(t, fmt.Sprintf("SELECT phone, message FROM `%s.%s.events` WHERE event_type = 'support_message' AND message LIKE '%%call me%%' LIMIT 5", c.Env.Project, c.Names.Published))
		if len(rows) == 0 {
			t.Fatal("no support messages asking for a call in published.events")
		}
		for _, r := range rows {
			phone, msg := r[0].(string), r[1].(string)
			if !strings.HasPrefix(phone, "*") || strings.Trim(phone[len(phone)-4:], "0123456789") != "" {
				t.Errorf("phone = %q, want all but the last 4 characters masked", phone)
			}
			if !strings.Contains(msg, "[PHONE_NUMBER]") {
				t.Errorf("message = %q, want the phone number replaced by [PHONE_NUMBER]", msg)
			}
		}
		// ip is dropped.
		md, err := c.BigQuery.Dataset(c.Names.Published).Table("users").Metadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range md.Schema {
			if f.Name == "ip" {
				t.Error("published.users has an ip column; the policy drops it")
			}
		}
	})

	t.Run("tokens are stable so published tables still join", func(t *testing.T) {
		rows := query(t, fmt.Sprintf(`SELECT COUNT(*) AS n, COUNTIF(u.email = e.email) AS same
			FROM `+"`%[1]s.%[2]s.users`"+` AS u JOIN `+"`%[1]s.%[2]s.events`"+` AS e USING (user_id)
			WHERE e.event_type = 'signup'`, c.Env.Project, c.Names.Published))
		n, same := rows[0][0].(int64), rows[0][1].(int64)
		if n == 0 || n != same {
			t.Errorf("signup events joined to users: %d rows, %d with the same email token", n, same)
		}
	})

	t.Run("the export file equals a query on published", func(t *testing.T) {
		if len(sum.Exports) != 1 {
			t.Fatalf("exports = %v, want one file", sum.Exports)
		}
		b, err := os.ReadFile(sum.Exports[0])
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := query(t, fmt.Sprintf("SELECT day, channel, purchases, revenue FROM `%s.%s.daily_metrics` ORDER BY day, channel", c.Env.Project, c.Names.Published))
		if len(recs) != len(want)+1 {
			t.Fatalf("export has %d lines, want header + %d rows", len(recs), len(want))
		}
		if strings.Join(recs[0], ",") != "day,channel,purchases,revenue" {
			t.Errorf("header = %v", recs[0])
		}
		for i, r := range want {
			for j, v := range r {
				if got, w := recs[i+1][j], export.CSVValue(v); got != w {
					t.Errorf("row %d col %d = %q, want %q", i, j, got, w)
				}
			}
		}
	})

	t.Run("a second run with no new data sends nothing to DLP and keeps tokens", func(t *testing.T) {
		tokens := func() string {
			return fmt.Sprint(query(t, fmt.Sprintf("SELECT user_id, email, phone FROM `%s.%s.users` ORDER BY user_id", c.Env.Project, c.Names.Published)))
		}
		before := tokens()
		body, _ := json.Marshal(map[string]string{"run_id": "rerun_1", "run_date": sample.Base.AddDate(0, 0, 7).Format("2006-01-02")})
		if err := st.Router.Fire(ctx, st.Schedule(stack.TransformSchedule), body); err != nil {
			t.Fatal(err)
		}
		runs := fmt.Sprintf("SELECT `table`, mode, dlp_bytes FROM `%s.%s.mask_runs` WHERE run_id = 'rerun_1' AND status = 'ok'", c.Env.Project, c.Names.Ops)
		waitFor(t, "the second mask run", func() bool {
			rows, err := tryQuery(runs)
			return err == nil && len(rows) == len(st.Pipeline.Mask.Tables)
		})
		for _, r := range query(t, runs) {
			if r[2].(int64) != 0 || r[0] == "events" && r[1] != "unchanged" {
				t.Errorf("second run on %v: mode %v, %v bytes to DLP; want nothing sent", r[0], r[1], r[2])
			}
		}
		if after := tokens(); after != before {
			t.Error("published.users changed on a run with no new data; tokens must be stable across runs")
		}
	})

	t.Run("the KMS-wrapped key gives the tokens of the same key unwrapped", func(t *testing.T) {
		if st.TokenKMSKey == "" {
			t.Skip("the stack's mask stage has the unwrapped key")
		}
		plain, err := os.ReadFile(filepath.Join(st.Opts.Workdir, "token.key"))
		if err != nil {
			t.Fatal(err)
		}
		names := c.Names
		names.Published, names.Ops = "published_unwrapped", "ops_unwrapped"
		m := &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, Storage: c.Storage, Events: &recorder{}, Pipeline: st.Pipeline, Names: names,
			Project: c.Env.Project, TokenKey: plain, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if _, err := m.Run(ctx, "unwrapped_1", sum.RunID); err != nil {
			t.Fatal(err)
		}
		for _, tbl := range []string{"users", "events"} {
			sql := "SELECT * FROM `%s.%s.%s` ORDER BY 1"
			got, want := query(t, fmt.Sprintf(sql, c.Env.Project, c.Names.Published, tbl)), query(t, fmt.Sprintf(sql, c.Env.Project, names.Published, tbl))
			if len(got) < 10 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("published.%s: %d rows with the KMS-wrapped key, %d unwrapped; they differ (or too few)", tbl, len(got), len(want))
			}
		}
	})

	t.Run("a wrong wrapped key fails mask clearly and publishes nothing", func(t *testing.T) {
		if st.TokenKMSKey == "" {
			t.Skip("the stack's mask stage has the unwrapped key")
		}
		_, w, err := mask.Keys(c.Env)
		if err != nil || w == nil {
			t.Fatalf("the stack's key: %v, %v", w, err)
		}
		wrong := *w
		wrong.Key = append([]byte{}, w.Key...)
		wrong.Key[len(wrong.Key)-1] ^= 1 // one bit of the ciphertext flipped
		names := c.Names
		names.Published, names.Ops = "published_wrongkey", "ops_wrongkey"
		rec := &recorder{}
		m := &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, Storage: c.Storage, Events: rec, Pipeline: st.Pipeline, Names: names,
			Project: c.Env.Project, Wrapped: &wrong, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		_, err = m.Run(ctx, "wrongkey_1", sum.RunID)
		if err == nil || !strings.Contains(err.Error(), "DLP cannot unwrap the KMS-wrapped tokenisation key (SLUICE_TOKEN_WRAPPED_KEY") ||
			!strings.Contains(err.Error(), st.TokenKMSKey) {
			t.Fatalf("err = %v, want it to say DLP cannot unwrap the key and name the variable and KMS key", err)
		}
		t.Logf("error: %v", err)
		if len(rec.got) != 0 {
			t.Errorf("mask.completed published: %v", rec.got)
		}
		it := c.BigQuery.Dataset(names.Published).Tables(ctx)
		if tb, err := it.Next(); err == nil {
			t.Errorf("published_wrongkey has table %s", tb.TableID)
		}
	})

}

// TestNothingPublishedWhileDLPFails makes DLP fail, sends a new event with
// a new email, runs the transform, and checks the event reaches curated but
// not published; when DLP recovers, the retried mask run publishes it masked.
//
// The fault is INTERNAL rather than UNAVAILABLE: the DLP client retries
// UNAVAILABLE by itself for minutes before the function sees an error.
func TestNothingPublishedWhileDLPFails(t *testing.T) {
	if st.DLP == nil {
		t.Skip("DLP is external: no fault injector")
	}
	ctx := context.Background()
	c := st.Clients
	st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Internal)})
	defer st.DLP.Faults().Reset()

	email := fmt.Sprintf("dlp.outage.%d@example.com", time.Now().UnixNano())
	ev, _ := json.Marshal(sample.Event{EventID: "outage-1", UserID: "u-outage", EventType: "signup",
		EventTime: "2026-11-07T12:00:00Z", Email: email, Phone: "+1 415-555-0199", IP: "10.1.2.3", Country: "DE", Channel: "email", Variant: "control"})
	pub := c.PubSub.Publisher("events")
	if _, err := pub.Publish(ctx, &pubsub.Message{Data: ev}).Get(ctx); err != nil {
		t.Fatal(err)
	}
	pub.Stop()
	waitFor(t, "the event in raw", func() bool {
		rows, err := tryQuery(fmt.Sprintf("SELECT 1 FROM `%s.%s.events` WHERE event_id = 'outage-1'", c.Env.Project, c.Names.Raw))
		return err == nil && len(rows) == 1
	})
	before := st.Router.Stats()["Mask"].Failed
	body, _ := json.Marshal(map[string]string{"run_id": "outage_run", "run_date": "2026-11-08"})
	if err := st.Router.Fire(ctx, st.Schedule(stack.TransformSchedule), body); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a failed mask delivery", func() bool { return st.Router.Stats()["Mask"].Failed > before })
	if n := len(query(t, fmt.Sprintf("SELECT 1 FROM `%s.%s.events` WHERE event_id = 'outage-1'", c.Env.Project, c.Names.Curated))); n != 1 {
		t.Fatalf("curated has %d rows of the new event, want 1", n)
	}
	if rows, err := tryQuery(fmt.Sprintf("SELECT 1 FROM `%s.%s.events` WHERE event_id = 'outage-1'", c.Env.Project, c.Names.Published)); err == nil && len(rows) != 0 {
		t.Fatalf("published has the new event while DLP is down")
	}
	st.DLP.Faults().Reset()
	waitFor(t, "the retried mask run to publish the event", func() bool {
		rows, err := tryQuery(fmt.Sprintf("SELECT 1 FROM `%s.%s.events` WHERE event_id = 'outage-1'", c.Env.Project, c.Names.Published))
		return err == nil && len(rows) == 1
	})
	rows := query(t, fmt.Sprintf("SELECT email, phone FROM `%s.%s.events` WHERE event_id = 'outage-1'", c.Env.Project, c.Names.Published))
	if got := fmt.Sprint(rows[0]); strings.Contains(got, email) || strings.Contains(got, "555-0199") && !strings.Contains(got, "*") {
		t.Errorf("published row = %s, want email tokenised and phone masked", got)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func query(t *testing.T, sql string) [][]bigquery.Value {
	t.Helper()
	rows, err := tryQuery(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func tryQuery(sql string) ([][]bigquery.Value, error) {
	return bq.ReadAll(context.Background(), st.Clients.BigQuery, sql)
}

// recorder is an events.Publisher that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	got []events.Message
}

func (r *recorder) PublishEvent(_ context.Context, m events.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m)
	return nil
}
