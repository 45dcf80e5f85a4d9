package mask_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"gopkg.in/yaml.v3"

	"github.com/sluice-data/sluice/emulators/fault"
	"github.com/sluice-data/sluice/emulators/stack"
	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

var st *stack.Stack

const topic = "mask-test-completed"

func TestMain(m *testing.M) {
	if os.Getenv(envScaleChild) != "" {
		// A scale-test child: the emulators run in the parent.
		os.Exit(m.Run())
	}
	var err error
	st, err = stack.Start(context.Background(), stack.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		os.Exit(1)
	}
	_, err = st.Clients.PubSub.TopicAdminClient.CreateTopic(context.Background(), &pubsubpb.Topic{Name: fmt.Sprintf("projects/%s/topics/%s", st.Clients.Env.Project, topic)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "create topic:", err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	os.Exit(code)
}

var seq atomic.Int64

// env is one isolated set of datasets for a test.
type env struct {
	t     *testing.T
	names gcp.Names
}

func newEnv(t *testing.T) *env {
	n := seq.Add(1)
	return &env{t: t, names: gcp.Names{Curated: fmt.Sprintf("mt%d_curated", n), Published: fmt.Sprintf("mt%d_published", n),
		Ops: fmt.Sprintf("mt%d_ops", n), MaskCompleted: topic, Archive: st.Clients.Names.Archive}}
}

func key(seed string) []byte {
	k := sha256.Sum256([]byte(seed))
	return k[:]
}

func (e *env) masker(policy string, k []byte) *mask.Masker {
	e.t.Helper()
	var ps []config.MaskPolicy
	if err := yaml.Unmarshal([]byte(policy), &ps); err != nil {
		e.t.Fatal(err)
	}
	c := st.Clients
	p := &config.Pipeline{Mask: config.Mask{InfoTypes: []string{"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD_NUMBER", "PERSON_NAME"}, Tables: ps}}
	return &mask.Masker{BigQuery: c.BigQuery, DLP: c.DLP, PubSub: c.PubSub, Storage: c.Storage, Pipeline: p, Names: e.names, Project: c.Env.Project,
		TokenKey: k, Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func (e *env) curated(table string, schema bigquery.Schema, rows [][]bigquery.Value) {
	e.t.Helper()
	ctx := context.Background()
	bqc := st.Clients.BigQuery
	if err := bqc.Dataset(e.names.Curated).Create(ctx, nil); err != nil && !strings.Contains(err.Error(), "lready") {
		e.t.Fatal(err)
	}
	tb := bqc.Dataset(e.names.Curated).Table(table)
	if err := tb.Create(ctx, &bigquery.TableMetadata{Schema: schema}); err != nil {
		e.t.Fatal(err)
	}
	savers := make([]*bigquery.ValuesSaver, len(rows))
	for i, r := range rows {
		savers[i] = &bigquery.ValuesSaver{Schema: schema, Row: r}
	}
	if err := tb.Inserter().Put(ctx, savers); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) exec(sql string) {
	e.t.Helper()
	job, err := st.Clients.BigQuery.Query(sql).Run(context.Background())
	if err == nil {
		var s *bigquery.JobStatus
		s, err = job.Wait(context.Background())
		if err == nil {
			err = s.Err()
		}
	}
	if err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

func (e *env) query(sql string) []map[string]bigquery.Value {
	e.t.Helper()
	rows, err := tryQuery(sql)
	if err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func tryQuery(sql string) ([]map[string]bigquery.Value, error) {
	it, err := st.Clients.BigQuery.Query(sql).Read(context.Background())
	if err != nil {
		return nil, err
	}
	var out []map[string]bigquery.Value
	for {
		row := map[string]bigquery.Value{}
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
}

func (e *env) tbl(ds, t string) string {
	return fmt.Sprintf("`%s.%s.%s`", st.Clients.Env.Project, ds, t)
}

func (e *env) published(table string) map[int64]map[string]bigquery.Value {
	out := map[int64]map[string]bigquery.Value{}
	for _, r := range e.query("SELECT * FROM " + e.tbl(e.names.Published, table)) {
		out[r["id"].(int64)] = r
	}
	return out
}

var peopleSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType},
	{Name: "email", Type: bigquery.StringFieldType},
	{Name: "email_enc", Type: bigquery.StringFieldType},
	{Name: "phone", Type: bigquery.StringFieldType},
	{Name: "card", Type: bigquery.StringFieldType},
	{Name: "age", Type: bigquery.IntegerFieldType},
	{Name: "age_band", Type: bigquery.IntegerFieldType},
	{Name: "born", Type: bigquery.TimestampFieldType},
	{Name: "note", Type: bigquery.StringFieldType},
	{Name: "bio", Type: bigquery.StringFieldType},
	{Name: "ip", Type: bigquery.StringFieldType},
	{Name: "secret", Type: bigquery.StringFieldType},
}

const peoplePolicy = `
- name: people
  columns:
    id: keep
    email: token
    email_enc: {token: {method: encrypt}}
    phone: mask_last4
    card: {mask: {keep_last: 2, char: "#"}}
    age: {generalise: {bucket: {size: 10, lower: 0, upper: 100}}}
    age_band: {generalise: {buckets: [{max: 18, label: minor}, {min: 18, max: 65, label: adult}, {min: 65, label: senior}]}}
    born: {generalise: {date_part: MONTH}}
    note: redact_infotypes
    bio: {redact_infotypes: [PERSON_NAME]}
    ip: drop
`

func person(id int64, email, phone string, age int64, note string) []bigquery.Value {
	return []bigquery.Value{id, email, email, phone, "4111111111111111", age, age,
		time.Date(1990, time.Month(1+id%12), 3, 4, 5, 6, 0, time.UTC), note,
		"Dear Anna Schmidt, write to " + email, "10.0.0.1", "s3cret-" + email}
}

// TestEveryRuleOnRows masks one table with every rule and checks each
// published value, the withheld column, the run history and descriptions.
func TestEveryRuleOnRows(t *testing.T) {
	e := newEnv(t)
	e.curated("people", peopleSchema, [][]bigquery.Value{
		person(1, "anna@example.com", "+1 415-555-0101", 7, "Call me on +1 415-555-0101 or anna@example.com"),
		person(2, "ben@example.com", "+1 415-555-0102", 42, "Card 4111 1111 1111 1111 please"),
		{int64(3), nil, nil, nil, nil, nil, int64(70), nil, nil, nil, nil, nil},
	})
	m := e.masker(peoplePolicy, key("k1"))
	out, res, err := m.RunTables(context.Background(), "r1", "2026-11-08")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.Withheld, ",") != "people.secret" {
		t.Errorf("withheld = %v, want people.secret", out.Withheld)
	}
	// The withheld column was inspected by a DLP job over the curated
	// table: an e-mail address in 2 of its 3 rows, so redact_infotypes.
	if len(out.Proposals) != 1 || out.ClassifyError != "" {
		t.Fatalf("proposals = %+v, classify error %q", out.Proposals, out.ClassifyError)
	}
	if p := out.Proposals[0]; p.Table != "people" || p.Column != "secret" || p.Rule != "redact_infotypes" || p.RowsInspected != 3 ||
		len(p.Evidence) != 1 || p.Evidence[0].InfoType != "EMAIL_ADDRESS" || p.Evidence[0].Rows != 2 ||
		!strings.HasPrefix(p.YAML, "secret: {redact_infotypes: [EMAIL_ADDRESS]}  # EMAIL_ADDRESS in 67% of 3 rows") {
		t.Errorf("proposal = %+v", p)
	}
	if out.DLPBytes <= 0 || res[0].Mode != mask.ModeFull || res[0].Rows != 3 {
		t.Errorf("result = %+v, bytes %d", res[0], out.DLPBytes)
	}
	got := e.published("people")
	if len(got) != 3 {
		t.Fatalf("published %d rows, want 3", len(got))
	}
	r1, r2, r3 := got[1], got[2], got[3]
	if _, ok := r1["secret"]; ok {
		t.Error("the unclassified column secret is published")
	}
	if _, ok := r1["ip"]; ok {
		t.Error("the dropped column ip is published")
	}
	tok := r1["email"].(string)
	if tok == "anna@example.com" || len(tok) != 44 || tok == r2["email"] {
		t.Errorf("email token = %q", tok)
	}
	if enc := r1["email_enc"].(string); !strings.HasPrefix(enc, config.DefaultSurrogate+"(") || strings.Contains(enc, "anna") {
		t.Errorf("email_enc = %q, want a surrogate-prefixed ciphertext", enc)
	}
	if r1["phone"] != "***********0101" {
		t.Errorf("phone = %q", r1["phone"])
	}
	if r1["card"] != "##############11" {
		t.Errorf("card = %q", r1["card"])
	}
	if r1["age"] != "0:10" || r2["age"] != "40:50" {
		t.Errorf("age buckets = %q, %q", r1["age"], r2["age"])
	}
	if r1["age_band"] != "minor" || r2["age_band"] != "adult" || r3["age_band"] != "senior" {
		t.Errorf("age bands = %q, %q, %q", r1["age_band"], r2["age_band"], r3["age_band"])
	}
	if r1["born"] != int64(2) || r2["born"] != int64(3) {
		t.Errorf("born months = %v, %v; want 2, 3", r1["born"], r2["born"])
	}
	if n := r1["note"].(string); n != "Call me on [PHONE_NUMBER] or [EMAIL_ADDRESS]" {
		t.Errorf("note = %q", n)
	}
	if n := r2["note"].(string); n != "Card [CREDIT_CARD_NUMBER] please" {
		t.Errorf("note = %q", n)
	}
	// bio redacts only PERSON_NAME: the email stays.
	if b := r1["bio"].(string); b != "Dear [PERSON_NAME], write to anna@example.com" {
		t.Errorf("bio = %q", b)
	}
	for _, c := range []string{"email", "phone", "note", "born"} {
		if r3[c] != nil {
			t.Errorf("row 3 %s = %v, want NULL kept NULL", c, r3[c])
		}
	}

	// The run is in the operations dataset.
	runs := e.query("SELECT * FROM " + e.tbl(e.names.Ops, mask.RunsTable))
	if len(runs) != 1 || runs[0]["status"] != "ok" || runs[0]["rows"] != int64(3) || runs[0]["dlp_bytes"] != out.DLPBytes ||
		fmt.Sprint(runs[0]["withheld"]) != "[people.secret]" {
		t.Errorf("mask_runs = %v", runs)
	}

	// Descriptions name the masking.
	md, err := st.Clients.BigQuery.Dataset(e.names.Published).Table("people").Metadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	desc := map[string]string{}
	for _, f := range md.Schema {
		desc[f.Name] = f.Description
	}
	for col, want := range map[string]string{"email": "HMAC-SHA-256", "email_enc": "AES-SIV", "phone": "last 4", "card": `"#"`,
		"age": "buckets of 10", "born": "MONTH", "note": "[INFO_TYPE]", "bio": "PERSON_NAME", "id": "published as curated"} {
		if !strings.Contains(desc[col], want) {
			t.Errorf("description of %s = %q, want it to mention %q", col, desc[col], want)
		}
	}
	if !strings.Contains(md.Description, "Withheld (not classified by the policy): people.secret") || !strings.Contains(md.Description, "Dropped: ip") {
		t.Errorf("table description = %q", md.Description)
	}

	// A holder of the key re-identifies encrypted tokens.
	plain, err := mask.Reidentify(context.Background(), st.Clients.DLP, st.Clients.Env.Project, key("k1"), "", []string{r1["email_enc"].(string), r2["email_enc"].(string)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(plain, ",") != "anna@example.com,ben@example.com" {
		t.Errorf("re-identified = %v", plain)
	}
	if _, err := mask.Reidentify(context.Background(), st.Clients.DLP, st.Clients.Env.Project, key("other"), "", []string{r1["email_enc"].(string)}); err == nil {
		t.Error("re-identified with the wrong key")
	}
}

// TestTokensStableAcrossRuns masks the same data twice in full (no key)
// with the same key, and once with another key.
func TestTokensStableAcrossRuns(t *testing.T) {
	e := newEnv(t)
	e.curated("people", peopleSchema, [][]bigquery.Value{person(1, "anna@example.com", "+1 415-555-0101", 7, "hi")})
	tokens := func(runID string, k []byte) [2]string {
		if _, err := e.masker(peoplePolicy, k).Run(context.Background(), runID, "2026-11-08"); err != nil {
			t.Fatal(err)
		}
		r := e.published("people")[1]
		return [2]string{r["email"].(string), r["email_enc"].(string)}
	}
	a, b, c := tokens("a", key("k1")), tokens("b", key("k1")), tokens("c", key("k2"))
	if a != b {
		t.Errorf("same key, two runs: tokens %v then %v", a, b)
	}
	if a[0] == c[0] || a[1] == c[1] {
		t.Errorf("another key gave the same tokens %v", c)
	}
}

const keyedPolicy = `
- name: people
  key: id
  columns:
    id: keep
    email: token
    email_enc: {token: {method: encrypt}}
    phone: mask_last4
    card: {mask: {keep_last: 2}}
    age: {generalise: {bucket: {size: 10, lower: 0, upper: 100}}}
    age_band: keep
    born: {generalise: {date_part: YEAR}}
    note: redact_infotypes
    bio: drop
    ip: drop
    secret: drop
`

// TestWithheldColumnsInspectedWhenTheTableChanges: a keyed policy that
// does not name secret: the first (full) run proposes a rule for it from a
// DLP job; a second run with no change sends nothing to DLP and runs no
// job; after a row changes, the column is inspected again.
func TestWithheldColumnsInspectedWhenTheTableChanges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var rows [][]bigquery.Value
	for i := int64(1); i <= 5; i++ {
		rows = append(rows, person(i, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("+1 415-555-%04d", i), i, "no personal data"))
	}
	e.curated("people", peopleSchema, rows)
	m := e.masker(strings.Replace(keyedPolicy, "    secret: drop\n", "", 1), key("k1"))
	run := func(id string, wantProposals int) {
		t.Helper()
		out, res, err := m.RunTables(ctx, id, "d")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(out.Withheld, ",") != "people.secret" || len(out.Proposals) != wantProposals || out.ClassifyError != "" {
			t.Fatalf("run %s (%s): withheld %v, proposals %+v, classify error %q; want %d proposals", id, res[0].Mode, out.Withheld, out.Proposals, out.ClassifyError, wantProposals)
		}
		if wantProposals == 1 && (out.Proposals[0].Column != "secret" || out.Proposals[0].Rule != "token" || out.Proposals[0].RowsInspected != 5) {
			t.Errorf("run %s: proposal %+v, want token for secret over 5 rows (an e-mail address in each)", id, out.Proposals[0])
		}
	}
	run("r1", 1)
	run("r2", 0)
	q := st.Clients.BigQuery.Query(fmt.Sprintf("UPDATE `%s.people` SET age = 99 WHERE id = 1", e.names.Curated))
	if _, err := q.Read(ctx); err != nil {
		t.Fatal(err)
	}
	run("r3", 1)
}

// TestIncrementalMasking: a second run with no change sends nothing to DLP
// and changes nothing; a changed, a new and a deleted row are applied by
// MERGE on the key, and only they are sent.
func TestIncrementalMasking(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var rows [][]bigquery.Value
	for i := int64(1); i <= 50; i++ {
		rows = append(rows, person(i, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("+1 415-555-%04d", i), i, fmt.Sprintf("mail me at user%d@example.com", i)))
	}
	e.curated("people", peopleSchema, rows)
	m := e.masker(keyedPolicy, key("k1"))
	out1, res1, err := m.RunTables(ctx, "r1", "d")
	if err != nil {
		t.Fatal(err)
	}
	if res1[0].Mode != mask.ModeFull || res1[0].Changed != 50 || out1.DLPBytes == 0 {
		t.Fatalf("first run = %+v", res1[0])
	}
	before := e.published("people")

	out2, res2, err := m.RunTables(ctx, "r2", "d")
	if err != nil {
		t.Fatal(err)
	}
	if out2.DLPBytes != 0 || res2[0].Mode != mask.ModeUnchanged || res2[0].Changed != 0 || res2[0].Rows != 50 {
		t.Errorf("second run, no change: %+v, %d bytes to DLP; want unchanged and 0", res2[0], out2.DLPBytes)
	}
	if after := e.published("people"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("the published table changed on a run with no change")
	}

	e.exec("UPDATE " + e.tbl(e.names.Curated, "people") + " SET email = 'changed@example.com', note = 'now at changed@example.com' WHERE id = 7")
	e.exec("DELETE FROM " + e.tbl(e.names.Curated, "people") + " WHERE id = 9")
	e.exec("INSERT INTO " + e.tbl(e.names.Curated, "people") + " (id, email, phone, age) VALUES (51, 'new@example.com', '+1 415-555-0051', 33)")
	out3, res3, err := m.RunTables(ctx, "r3", "d")
	if err != nil {
		t.Fatal(err)
	}
	if r := res3[0]; r.Mode != mask.ModeIncremental || r.Changed != 2 || r.Deleted != 1 || r.Rows != 50 {
		t.Errorf("third run = %+v; want incremental, 2 changed, 1 deleted, 50 rows", r)
	}
	if out3.DLPBytes <= 0 || out3.DLPBytes*10 > out1.DLPBytes {
		t.Errorf("third run sent %d bytes to DLP; the full run sent %d: want only the changed rows", out3.DLPBytes, out1.DLPBytes)
	}
	after := e.published("people")
	if len(after) != 50 {
		t.Fatalf("published %d rows, want 50", len(after))
	}
	if _, ok := after[9]; ok {
		t.Error("deleted row 9 is still published")
	}
	if after[7]["note"] != "now at [EMAIL_ADDRESS]" || after[7]["email"] == before[7]["email"] {
		t.Errorf("row 7 not re-masked: %v", after[7])
	}
	if after[51]["phone"] != "***********0051" || after[51]["age"] != "30:40" || after[51]["email"] == "new@example.com" {
		t.Errorf("new row 51 = %v", after[51])
	}
	for id, r := range before {
		if id == 7 || id == 9 {
			continue
		}
		if fmt.Sprint(after[id]) != fmt.Sprint(r) {
			t.Errorf("row %d changed: %v → %v", id, r, after[id])
		}
	}
	// The same token for the same value whichever run masked it.
	e.exec("UPDATE " + e.tbl(e.names.Curated, "people") + " SET email = 'user8@example.com' WHERE id = 51")
	if _, err := m.Run(ctx, "r4", "d"); err != nil {
		t.Fatal(err)
	}
	if got := e.published("people"); got[51]["email"] != before[8]["email"] {
		t.Errorf("token of user8@example.com: %v in run 4, %v in run 1", got[51]["email"], before[8]["email"])
	}
	runs := e.query("SELECT run_id, mode, changed, dlp_bytes FROM " + e.tbl(e.names.Ops, mask.RunsTable) + " ORDER BY run_id")
	if len(runs) != 4 || runs[1]["mode"] != mask.ModeUnchanged || runs[1]["dlp_bytes"] != int64(0) || runs[2]["changed"] != int64(2) {
		t.Errorf("mask_runs = %v", runs)
	}
}

// TestDLPErrorWritesNothing makes DLP fail: the run returns an error, no
// published table appears, an existing one keeps its rows, and the failure
// is in the run history.
func TestDLPErrorWritesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.curated("people", peopleSchema, [][]bigquery.Value{person(1, "anna@example.com", "+1 415-555-0101", 7, "hi")})
	m := e.masker(keyedPolicy, key("k1"))
	st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Internal)})
	_, err := m.Run(ctx, "r1", "d")
	st.DLP.Faults().Reset()
	if err == nil {
		t.Fatal("Run succeeded while DLP fails")
	}
	if _, err := st.Clients.BigQuery.Dataset(e.names.Published).Table("people").Metadata(ctx); err == nil {
		t.Error("published.people exists after a failed run")
	}
	if _, err := m.Run(ctx, "r2", "d"); err != nil {
		t.Fatal(err)
	}
	e.exec("INSERT INTO " + e.tbl(e.names.Curated, "people") + " (id, email) VALUES (2, 'leak@example.com')")
	st.DLP.Faults().SetMethod("DeidentifyContent", fault.Rule{FailRate: 1, Code: int(codes.Internal)})
	_, err = m.Run(ctx, "r3", "d")
	st.DLP.Faults().Reset()
	if err == nil || !strings.Contains(err.Error(), "DeidentifyContent") {
		t.Fatalf("err = %v, want the DLP error", err)
	}
	got := e.published("people")
	if len(got) != 1 || got[2] != nil {
		t.Errorf("published after the failed run = %v, want only row 1", got)
	}
	runs := e.query("SELECT run_id, status, error FROM " + e.tbl(e.names.Ops, mask.RunsTable) + " WHERE status = 'error' ORDER BY run_id")
	if len(runs) != 2 || !strings.Contains(fmt.Sprint(runs[1]["error"]), "Internal") {
		t.Errorf("error runs = %v", runs)
	}
}

// TestPublishedTruncatedByHandIsRemasked: a watermark that no longer
// matches the published table does not stop rows from being published.
func TestPublishedTruncatedByHandIsRemasked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.curated("people", peopleSchema, [][]bigquery.Value{person(1, "a@example.com", "+1 415-555-0101", 7, "hi"), person(2, "b@example.com", "+1 415-555-0102", 8, "hi")})
	m := e.masker(keyedPolicy, key("k1"))
	if _, err := m.Run(ctx, "r1", "d"); err != nil {
		t.Fatal(err)
	}
	e.exec("DELETE FROM " + e.tbl(e.names.Published, "people") + " WHERE id = 2")
	_, res, err := m.RunTables(ctx, "r2", "d")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Mode != mask.ModeFull || len(e.published("people")) != 2 {
		t.Errorf("run after a hand edit = %+v, published %d rows; want a full run and 2 rows", res[0], len(e.published("people")))
	}
}

// TestWideAndLargeTablesStayWithinDLPLimits: 120 token columns (DLP allows
// 100 transformations) and 1.2 MB of free text (DLP takes 0.5 MB per
// request) are masked in several requests; every cell comes back masked.
func TestWideAndLargeTablesStayWithinDLPLimits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	schema := bigquery.Schema{{Name: "id", Type: bigquery.IntegerFieldType}, {Name: "note", Type: bigquery.StringFieldType}}
	policy := "- name: wide\n  key: id\n  columns:\n    id: keep\n    note: redact_infotypes\n"
	for i := range 120 {
		schema = append(schema, &bigquery.FieldSchema{Name: fmt.Sprintf("c%03d", i), Type: bigquery.StringFieldType})
		policy += fmt.Sprintf("    c%03d: token\n", i)
	}
	filler := strings.Repeat("nothing to see here ", 300) // 6 kB
	var rows [][]bigquery.Value
	for r := int64(0); r < 200; r++ {
		row := []bigquery.Value{r, fmt.Sprintf("%s write to person%d@example.com", filler, r)}
		for i := range 120 {
			row = append(row, fmt.Sprintf("v%d-%d", r, i))
		}
		rows = append(rows, row)
	}
	e.curated("wide", schema, rows)
	out, err := e.masker(policy, key("k1")).Run(ctx, "r1", "d")
	if err != nil {
		t.Fatal(err)
	}
	if out.DLPBytes < 1200000 {
		t.Errorf("DLP bytes = %d, want at least the 1.2 MB of cells", out.DLPBytes)
	}
	got := e.query("SELECT id, note, c000, c119 FROM " + e.tbl(e.names.Published, "wide"))
	if len(got) != 200 {
		t.Fatalf("published %d rows, want 200", len(got))
	}
	for _, r := range got {
		if n := r["note"].(string); strings.Contains(n, "@example.com") || !strings.HasSuffix(n, "write to [EMAIL_ADDRESS]") {
			t.Fatalf("row %v: note not redacted: …%s", r["id"], n[len(n)-40:])
		}
		if c := r["c119"].(string); len(c) != 44 || c == fmt.Sprintf("v%d-119", r["id"]) {
			t.Fatalf("row %v: c119 = %q, want a token", r["id"], c)
		}
	}
}

// TestDatePartOfStringColumn: DLP answers a date part of a STRING cell as a
// string ("3"), as the live service does; the published column is still
// the INTEGER a date part promises.
func TestDatePartOfStringColumn(t *testing.T) {
	e := newEnv(t)
	e.curated("visits", bigquery.Schema{{Name: "id", Type: bigquery.IntegerFieldType}, {Name: "day", Type: bigquery.StringFieldType}},
		[][]bigquery.Value{{int64(1), "2024-03-05"}, {int64(2), "11/21/1996"}})
	policy := `
- name: visits
  columns:
    id: keep
    day: {generalise: {date_part: MONTH}}
`
	if _, err := e.masker(policy, key("k1")).Run(context.Background(), "r1", "d"); err != nil {
		t.Fatal(err)
	}
	got := e.published("visits")
	if got[1]["day"] != int64(3) || got[2]["day"] != int64(11) {
		t.Errorf("months = %v, %v; want 3, 11", got[1]["day"], got[2]["day"])
	}
}
