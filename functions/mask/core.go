package mask

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	dlp "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sluice-data/sluice/shared/bq"
	"github.com/sluice-data/sluice/shared/classify"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// DLP's documented limits per request; batches stay under them with room
// for the request envelope.
const (
	maxTableValues  = 50000
	maxRequestBytes = 500 * 1000
	batchBytes      = 400 * 1000
)

// Masker turns curated tables into published ones through DLP. It is the
// pure core of the mask function.
type Masker struct {
	BigQuery *bigquery.Client
	DLP      *dlp.Client
	PubSub   *pubsub.Client
	// Events is where mask.completed goes; nil: Pub/Sub through PubSub.
	Events   events.Publisher
	Pipeline *config.Pipeline
	Names    gcp.Names
	Project  string
	TokenKey []byte // HMAC key for the token rule, 32 or 64 bytes
	// Wrapped, instead of TokenKey, is a KMS-wrapped tokenisation key:
	// DLP unwraps it, the function never holds the data key.
	Wrapped *WrappedKey
	Now     func() time.Time
	Log     *slog.Logger
	// NoClassify turns off the DLP inspection of withheld columns (the
	// proposals in mask.completed).
	NoClassify bool
	// Storage writes the masked rows, staged as gzipped NDJSON in the
	// archive bucket (Names.Archive), for a load job.
	Storage *storage.Client
	// DLPConcurrency is the DLP requests in flight per table (0:
	// DefaultDLPConcurrency); DLPRequestsPerMinute the client-side limit
	// over all of them (0: DefaultDLPRequestsPerMinute, negative: none);
	// DLPBackoff the first wait after a quota error (0: DefaultDLPBackoff).
	DLPConcurrency       int
	DLPRequestsPerMinute int
	DLPBackoff           time.Duration
	// DLPTimeout is the deadline of each DLP call (0: DefaultDLPTimeout).
	DLPTimeout time.Duration
	// PageRows is the rows per page of the change query's result (0:
	// DefaultPageRows).
	PageRows int
	// FanOutRows: a keyed table with more changed rows than this is split
	// into FanOutRanges ranges by key hash (default DefaultFanOutRanges),
	// one task each on the mask-tasks topic (0: never fan out).
	FanOutRows   int64
	FanOutRanges int

	limitOnce    sync.Once
	dlpLimit     *rate.Limiter
	quotaRetries atomic.Int64
}

// TableResult is what one mask run did to one table; it is also the row
// written to <ops>.mask_runs.
type TableResult struct {
	Table    string
	Mode     string // full, incremental or unchanged
	Rows     int64  // rows in the published table after the run
	Changed  int64  // rows masked and written by this run
	Deleted  int64  // rows removed because they left curated
	DLPBytes int64
	// ReadBytes is the value bytes read out of BigQuery; DLPRequests the
	// DeidentifyContent calls made.
	ReadBytes   int64
	DLPRequests int64
	Withheld    []string // curated columns not published (not classified)
	Status      string   // ok or error
	Error       string
}

// Modes of a table's mask run.
const (
	ModeFull        = "full"        // every row masked, the table replaced
	ModeIncremental = "incremental" // changed rows masked and merged on the key
	ModeUnchanged   = "unchanged"   // nothing changed since the last run: nothing sent, nothing written
	// ModeFanOut: too many changed rows for one invocation; one task per
	// key range went to the mask-tasks topic (see RunTask).
	ModeFanOut = "fanout"
)

// Run masks every table the policy names and publishes mask.completed. If
// DLP fails, it returns the error before writing the table: nothing unmasked
// is ever written, and the trigger retries.
func (m *Masker) Run(ctx context.Context, runID, runDate string) (*events.MaskCompletedData, error) {
	out, _, err := m.RunTables(ctx, runID, runDate)
	return out, err
}

// RunTables is Run that also returns what happened to each table.
func (m *Masker) RunTables(ctx context.Context, runID, runDate string) (*events.MaskCompletedData, []TableResult, error) {
	if err := m.checkKeys(ctx); err != nil {
		return nil, nil, err
	}
	if err := bq.EnsureDataset(ctx, m.BigQuery, m.Names.Published, "Curated tables after masking: the only dataset analysts read."); err != nil {
		return nil, nil, err
	}
	if err := m.ensureOps(ctx); err != nil {
		return nil, nil, err
	}
	out := &events.MaskCompletedData{RunID: runID, RunDate: runDate}
	var results []TableResult
	fanned := 0
	for _, pol := range m.Pipeline.Mask.Tables {
		start := m.Now()
		res, err := m.maskTable(ctx, runID, runDate, pol)
		res.Table = pol.Name
		if err != nil {
			res.Status, res.Error = "error", err.Error()
			m.record(ctx, runID, start, res) // best effort: the error is what matters
			return nil, results, fmt.Errorf("mask %s: %w", pol.Name, err)
		}
		res.Status = "ok"
		if err := m.record(ctx, runID, start, res); err != nil {
			return nil, results, err
		}
		results = append(results, res)
		if res.Mode == ModeFanOut {
			fanned++
			continue
		}
		out.Tables = append(out.Tables, events.TableCount{Table: pol.Name, Rows: res.Rows})
		out.Withheld = append(out.Withheld, res.Withheld...)
		out.DLPBytes += res.DLPBytes
	}
	if fanned > 0 {
		// The range task that completes the set publishes mask.completed.
		m.Log.Info("mask: tables fanned out; the last range task publishes mask.completed", "run_id", runID, "tables", fanned)
		return out, results, nil
	}
	if len(out.Withheld) > 0 && !m.NoClassify {
		out.Proposals, out.ClassifyError = m.classifyWithheld(ctx, results)
	}
	out.CompletedAt = m.Now().UTC()
	if err := events.Send(ctx, events.PublisherOr(m.Events, m.PubSub), m.Names.MaskCompleted, events.MaskCompleted, runID, out); err != nil {
		return nil, results, err
	}
	return out, results, nil
}

// column is one curated column and what happens to it.
type column struct {
	field *bigquery.FieldSchema
	rule  config.ColumnRule
	src   int // index in the curated row
}

// planFor reads the curated schema and builds the table's plan (mode
// full); the withheld columns are returned.
func (m *Masker) planFor(ctx context.Context, pol config.MaskPolicy) (*plan, []string, error) {
	md, err := m.BigQuery.Dataset(m.Names.Curated).Table(pol.Name).Metadata(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("bigquery.Table(%s.%s).Metadata: %w", m.Names.Curated, pol.Name, err)
	}
	var cols []column
	var withheld []string
	keyIdx := -1
	for _, f := range md.Schema {
		rule, ok := pol.Columns[f.Name]
		switch {
		case !ok:
			// Fail closed: a column nobody classified is not published.
			withheld = append(withheld, pol.Name+"."+f.Name)
			m.Log.Warn("column not classified by the mask policy; not published", "table", pol.Name, "column", f.Name)
		case rule.Kind == config.RuleDrop:
		default:
			if f.Name == pol.Key {
				keyIdx = len(cols)
			}
			// src: the position in the change query's select list
			cols = append(cols, column{field: f, rule: rule, src: len(cols)})
		}
	}
	if pol.Key != "" && keyIdx < 0 {
		return nil, withheld, fmt.Errorf("key column %s is not in curated.%s", pol.Key, pol.Name)
	}
	p := &plan{cols: cols, keyIdx: keyIdx, schema: publishedSchema(cols), fp: m.policyFingerprint(cols), mode: ModeFull}
	p.stage = append(append(bigquery.Schema{}, p.schema...),
		&bigquery.FieldSchema{Name: colKey, Type: bigquery.StringFieldType},
		&bigquery.FieldSchema{Name: colHash, Type: bigquery.StringFieldType},
		&bigquery.FieldSchema{Name: colDeleted, Type: bigquery.BooleanFieldType})
	return p, withheld, nil
}

func (m *Masker) maskTable(ctx context.Context, runID, runDate string, pol config.MaskPolicy) (TableResult, error) {
	var res TableResult
	p, withheld, err := m.planFor(ctx, pol)
	res.Withheld = withheld
	if err != nil {
		return res, err
	}
	cols, keyIdx := p.cols, p.keyIdx

	// With a usable key and state, BigQuery finds the changed rows.
	curatedRows := int64(-1)
	if pol.Key != "" && !keyTypeOK(cols[keyIdx].field) {
		m.Log.Warn("mask key is neither STRING nor INT64; masking the whole table", "table", pol.Name, "key", pol.Key)
		p.keyIdx = -1
	} else if pol.Key != "" {
		n, unique, err := m.keyCheck(ctx, pol)
		if err != nil {
			return res, err
		}
		curatedRows = n
		switch {
		case !unique:
			m.Log.Warn("mask key is NULL or repeated in curated; masking the whole table", "table", pol.Name, "key", pol.Key)
			p.keyIdx = -1
		case m.stateUsable(ctx, pol.Name, p.schema):
			p.mode = ModeIncremental
		}
	}
	if p.keyIdx >= 0 && m.FanOutRows > 0 {
		n, err := m.countChanges(ctx, pol.Name, p)
		if err != nil {
			return res, err
		}
		if n > m.FanOutRows {
			return m.fanOut(ctx, runID, runDate, pol, p, n, curatedRows, res)
		}
	}
	out, err := m.runPlan(ctx, runID, pol, p, "all")
	res.Mode, res.DLPBytes, res.ReadBytes, res.DLPRequests = out.mode, out.dlpBytes, out.readBytes, out.dlpRequests
	if err != nil {
		return res, err
	}
	if err := m.describe(ctx, pol, p.schema, res.Withheld); err != nil {
		return res, err
	}
	if out.mode != ModeUnchanged {
		res.Changed, res.Deleted = out.changed, out.deleted
	}
	res.Rows = curatedRows
	if p.mode == ModeFull || curatedRows < 0 {
		res.Rows = out.changed
	}
	return res, nil
}

// runOutcome is what one streamed run of a plan did.
type runOutcome struct {
	streamStats
	mode string
}

// runPlan streams the change query through DLP into staged files, loads
// them into a staging table and merges it into published (or replaces
// published with it). Nothing is loaded unless every batch passed DLP.
func (m *Masker) runPlan(ctx context.Context, runID string, pol config.MaskPolicy, p *plan, part string) (runOutcome, error) {
	out := runOutcome{mode: p.mode}
	sink, err := m.newStager(ctx, runID, pol.Name, part)
	if err != nil {
		return out, err
	}
	defer sink.cleanup(context.WithoutCancel(ctx))
	t0 := m.Now()
	stats, err := m.stream(ctx, m.changeQuery(pol.Name, p), p, sink)
	out.streamStats = stats
	m.Log.Debug("mask: streamed", "table", pol.Name, "part", part, "rows", stats.changed+stats.deleted, "seconds", m.Now().Sub(t0).Seconds())
	if err != nil {
		sink.abort()
		return out, err // nothing loaded or merged: fail closed
	}
	if err := sink.closePart(); err != nil {
		return out, err
	}
	if p.mode == ModeIncremental && stats.changed == 0 && stats.deleted == 0 {
		out.mode = ModeUnchanged
		return out, nil
	}
	jobTag := fmt.Sprintf("%s_%s_%s_%s_%d_%s", runID, pol.Name, p.mode, part, stats.changed+stats.deleted, stats.tag())
	return out, m.write(ctx, jobTag, pol, p, sink.uris())
}

// keyCheck counts the curated rows and says whether the key is present and
// distinct in every row (what MERGE needs), in one query.
func (m *Masker) keyCheck(ctx context.Context, pol config.MaskPolicy) (int64, bool, error) {
	k := quoteIdent(pol.Key)
	rows, err := bq.ReadAll(ctx, m.BigQuery, fmt.Sprintf("SELECT COUNT(*), COUNT(DISTINCT CAST(%s AS STRING)), COUNTIF(%s IS NULL) FROM `%s.%s.%s`",
		k, k, m.Project, m.Names.Curated, pol.Name))
	if err != nil {
		return 0, false, fmt.Errorf("check key %s of %s.%s: %w", pol.Key, m.Names.Curated, pol.Name, err)
	}
	if len(rows) != 1 || len(rows[0]) != 3 {
		return 0, false, fmt.Errorf("check key %s of %s.%s: got %v", pol.Key, m.Names.Curated, pol.Name, rows)
	}
	n, _ := rows[0][0].(int64)
	d, _ := rows[0][1].(int64)
	nulls, _ := rows[0][2].(int64)
	return n, n == d && nulls == 0, nil
}

// newStager names the staged files of one run of one table: a fresh prefix
// per attempt, so a retried run never loads an earlier attempt's files.
func (m *Masker) newStager(ctx context.Context, runID, table, part string) (*stager, error) {
	if m.Storage == nil || m.Names.Archive == "" {
		return nil, fmt.Errorf("mask: staging masked rows needs a Cloud Storage client and the archive bucket (Names.Archive); the mask function gets both from its environment")
	}
	prefix := fmt.Sprintf("mask-staging/%s/%s/%s/%d", runID, table, part, m.Now().UnixNano())
	sctx, cancel := context.WithCancel(ctx)
	return &stager{ctx: sctx, cancel: cancel, bucket: m.Storage.Bucket(m.Names.Archive), name: m.Names.Archive, prefix: prefix}, nil
}

// Bookkeeping columns of the staging table; they never reach published.
const (
	colKey     = "_sluice_key"
	colHash    = "_sluice_row_hash"
	colDeleted = "_sluice_deleted"
)

// publishedSchema is the curated schema of the published columns, with the
// masked ones retyped and every description naming the masking applied.
func publishedSchema(cols []column) bigquery.Schema {
	schema := make(bigquery.Schema, len(cols))
	for i, c := range cols {
		f := *c.field
		if c.rule.NeedsDLP() {
			f.Type = bigquery.StringFieldType
			if c.rule.Kind == config.RuleGeneralise && c.rule.Generalise.DatePart != "" {
				f.Type = bigquery.IntegerFieldType
			}
			f.Schema = nil
			f.Repeated = false
		}
		f.Required = false
		f.Description = strings.TrimSpace(f.Description + " [masking: " + c.rule.String() + "]")
		schema[i] = &f
	}
	return schema
}

// policyFingerprint changes when the published columns, their rules or the
// key change: then every row is masked again.
func (m *Masker) policyFingerprint(cols []column) string {
	mac := hmac.New(sha256.New, m.fingerprintKey())
	mac.Write([]byte("sluice mask state v1"))
	h := sha256.New()
	h.Write(mac.Sum(nil))
	for _, c := range cols {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00", c.field.Name, c.field.Type, c.rule.String(), c.rule.InfoTypes)
	}
	if len(cols) > 0 {
		fmt.Fprintf(h, "%v", m.Pipeline.Mask.InfoTypes)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func keyTypeOK(f *bigquery.FieldSchema) bool {
	return !f.Repeated && (f.Type == bigquery.StringFieldType || f.Type == bigquery.IntegerFieldType)
}

// keyValue turns a key back into its column type for a deletion row.
func keyValue(k string, f *bigquery.FieldSchema) bigquery.Value {
	if f.Type == bigquery.IntegerFieldType {
		var n big.Int
		if _, ok := n.SetString(k, 10); ok && n.IsInt64() {
			return n.Int64()
		}
	}
	return k
}

// dlpValue is the value sent for one cell, and its size in bytes. Numbers
// and times keep their type for generalisation; everything else is text.
func dlpValue(c column, v bigquery.Value) (*dlppb.Value, int) {
	if c.rule.Kind == config.RuleGeneralise && v == nil {
		// NULL stays NULL (the answer is not read), but the cell must still
		// be a value the transformation accepts, or the whole request fails.
		switch c.field.Type {
		case bigquery.IntegerFieldType:
			v = int64(0)
		case bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
			v = float64(0)
		case bigquery.DateFieldType:
			v = civil.Date{Year: 1970, Month: 1, Day: 1}
		case bigquery.TimestampFieldType, bigquery.DateTimeFieldType:
			v = time.Unix(0, 0)
		default:
			if c.rule.Generalise.DatePart != "" {
				return &dlppb.Value{Type: &dlppb.Value_StringValue{StringValue: "1970-01-01"}}, 0
			}
			return &dlppb.Value{Type: &dlppb.Value_StringValue{StringValue: "0"}}, 0
		}
	}
	if c.rule.Kind == config.RuleGeneralise {
		switch x := v.(type) {
		case int64:
			return &dlppb.Value{Type: &dlppb.Value_IntegerValue{IntegerValue: x}}, 8
		case float64:
			return &dlppb.Value{Type: &dlppb.Value_FloatValue{FloatValue: x}}, 8
		case *big.Rat:
			f, _ := x.Float64()
			return &dlppb.Value{Type: &dlppb.Value_FloatValue{FloatValue: f}}, 8
		case time.Time:
			return &dlppb.Value{Type: &dlppb.Value_TimestampValue{TimestampValue: timestamppb.New(x)}}, 12
		case civil.Date:
			return &dlppb.Value{Type: &dlppb.Value_DateValue{DateValue: &date.Date{Year: int32(x.Year), Month: int32(x.Month), Day: int32(x.Day)}}}, 12
		case civil.DateTime:
			return &dlppb.Value{Type: &dlppb.Value_TimestampValue{TimestampValue: timestamppb.New(x.In(time.UTC))}}, 12
		}
	}
	s := stringOf(v)
	return &dlppb.Value{Type: &dlppb.Value_StringValue{StringValue: s}}, len(s)
}

// fromDLP converts a de-identified cell to the published column's type:
// INTEGER for date parts, STRING for everything else (a value DLP left as
// it was, such as a number outside every custom bucket, becomes text).
// DLP answers a date part of a STRING cell as a string ("1970"), of a DATE
// or TIMESTAMP cell as an integer; both publish as INTEGER.
func fromDLP(c column, v *dlppb.Value) bigquery.Value {
	if c.rule.Kind == config.RuleGeneralise && c.rule.Generalise.DatePart != "" {
		switch x := v.GetType().(type) {
		case *dlppb.Value_IntegerValue:
			return x.IntegerValue
		case *dlppb.Value_StringValue:
			if n, err := strconv.ParseInt(x.StringValue, 10, 64); err == nil {
				return n
			}
		}
		return nil
	}
	switch x := v.GetType().(type) {
	case *dlppb.Value_StringValue:
		return x.StringValue
	case *dlppb.Value_IntegerValue:
		return fmt.Sprint(x.IntegerValue)
	case *dlppb.Value_FloatValue:
		return fmt.Sprint(x.FloatValue)
	case *dlppb.Value_BooleanValue:
		return fmt.Sprint(x.BooleanValue)
	case *dlppb.Value_TimestampValue:
		return x.TimestampValue.AsTime().UTC().Format(time.RFC3339Nano)
	case *dlppb.Value_DateValue:
		return fmt.Sprintf("%04d-%02d-%02d", x.DateValue.GetYear(), x.DateValue.GetMonth(), x.DateValue.GetDay())
	}
	return nil
}

// infoTypes are the infoTypes a redact column looks for.
func (m *Masker) infoTypes(r config.ColumnRule) []string {
	if len(r.InfoTypes) > 0 {
		return r.InfoTypes
	}
	return m.Pipeline.Mask.InfoTypes
}

// inspectConfig names every infoType some column redacts.
func (m *Masker) inspectConfig(cols []column) *dlppb.InspectConfig {
	seen := map[string]bool{}
	var its []*dlppb.InfoType
	add := func(names []string) {
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				its = append(its, &dlppb.InfoType{Name: n})
			}
		}
	}
	add(m.Pipeline.Mask.InfoTypes)
	for _, c := range cols {
		if c.rule.Kind == config.RuleRedactInfoTypes {
			add(c.rule.InfoTypes)
		}
	}
	return &dlppb.InspectConfig{InfoTypes: its}
}

// ruleKey is equal for two rules exactly when they transform alike.
func ruleKey(r config.ColumnRule) string {
	k := fmt.Sprintf("%s|%+v|%+v|%s|%v", r.Kind, r.Token, r.Mask, r.Generalise.DatePart, r.InfoTypes)
	if b := r.Generalise.Bucket; b != nil {
		k += fmt.Sprintf("|%+v", *b)
	}
	for _, b := range r.Generalise.Buckets {
		k += "|" + b.Label
		if b.Min != nil {
			k += fmt.Sprintf(" min %v", *b.Min)
		}
		if b.Max != nil {
			k += fmt.Sprintf(" max %v", *b.Max)
		}
	}
	return k
}

// EncryptionKey is the AES-SIV key of token: {method: encrypt}, derived
// from the tokenisation key so that hashing and encryption never share a
// key. A holder of the tokenisation key can re-identify (see Reidentify).
func EncryptionKey(tokenKey []byte) []byte {
	mac := hmac.New(sha256.New, tokenKey)
	mac.Write([]byte("sluice deterministic encryption v1"))
	return mac.Sum(nil)
}

func primitive(p *dlppb.PrimitiveTransformation) *dlppb.FieldTransformation {
	return &dlppb.FieldTransformation{Transformation: &dlppb.FieldTransformation_PrimitiveTransformation{PrimitiveTransformation: p}}
}

// transformation is the DLP field transformation of one column.
func (m *Masker) transformation(r config.ColumnRule) *dlppb.FieldTransformation {
	switch r.Kind {
	case config.RuleToken:
		if r.Token.Method == config.TokenEncrypt {
			return primitive(encryptPrimitive(m.encryptionKey(), r.Token.Surrogate))
		}
		return primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoHashConfig{CryptoHashConfig: &dlppb.CryptoHashConfig{
			CryptoKey: m.hashKey(),
		}}})
	case config.RuleMask:
		cm := &dlppb.CharacterMaskConfig{MaskingCharacter: r.Mask.Char, NumberToMask: -int32(r.Mask.KeepLast)}
		if r.Mask.KeepLast == 0 {
			cm.NumberToMask = 0 // 0 masks every character
		}
		return primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CharacterMaskConfig{CharacterMaskConfig: cm}})
	case config.RuleGeneralise:
		g := r.Generalise
		switch {
		case g.Bucket != nil:
			return primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_FixedSizeBucketingConfig{FixedSizeBucketingConfig: &dlppb.FixedSizeBucketingConfig{
				LowerBound: &dlppb.Value{Type: &dlppb.Value_FloatValue{FloatValue: g.Bucket.Lower}},
				UpperBound: &dlppb.Value{Type: &dlppb.Value_FloatValue{FloatValue: g.Bucket.Upper}},
				BucketSize: g.Bucket.Size,
			}}})
		case g.DatePart != "":
			return primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_TimePartConfig{TimePartConfig: &dlppb.TimePartConfig{
				PartToExtract: dlppb.TimePartConfig_TimePart(dlppb.TimePartConfig_TimePart_value[g.DatePart]),
			}}})
		}
		bc := &dlppb.BucketingConfig{}
		for _, b := range g.Buckets {
			nb := &dlppb.BucketingConfig_Bucket{ReplacementValue: &dlppb.Value{Type: &dlppb.Value_StringValue{StringValue: b.Label}}}
			if b.Min != nil {
				nb.Min = &dlppb.Value{Type: &dlppb.Value_FloatValue{FloatValue: *b.Min}}
			}
			if b.Max != nil {
				nb.Max = &dlppb.Value{Type: &dlppb.Value_FloatValue{FloatValue: *b.Max}}
			}
			bc.Buckets = append(bc.Buckets, nb)
		}
		return primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_BucketingConfig{BucketingConfig: bc}})
	case config.RuleRedactInfoTypes:
		its := make([]*dlppb.InfoType, 0)
		for _, n := range m.infoTypes(r) {
			its = append(its, &dlppb.InfoType{Name: n})
		}
		return &dlppb.FieldTransformation{Transformation: &dlppb.FieldTransformation_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
			Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{
				InfoTypes: its,
				PrimitiveTransformation: &dlppb.PrimitiveTransformation{
					Transformation: &dlppb.PrimitiveTransformation_ReplaceWithInfoTypeConfig{ReplaceWithInfoTypeConfig: &dlppb.ReplaceWithInfoTypeConfig{}},
				},
			}},
		}}}
	}
	return nil
}

func encryptPrimitive(key *dlppb.CryptoKey, surrogate string) *dlppb.PrimitiveTransformation {
	return &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoDeterministicConfig{CryptoDeterministicConfig: &dlppb.CryptoDeterministicConfig{
		CryptoKey:         key,
		SurrogateInfoType: &dlppb.InfoType{Name: surrogate},
	}}}
}

// deidentifyConfig has one field transformation per distinct rule, naming
// every column with that rule (DLP allows 100 transformations per config).
func (m *Masker) deidentifyConfig(cols []column) *dlppb.DeidentifyConfig {
	var fts []*dlppb.FieldTransformation
	byRule := map[string]*dlppb.FieldTransformation{}
	for _, c := range cols {
		k := ruleKey(c.rule)
		ft, ok := byRule[k]
		if !ok {
			ft = m.transformation(c.rule)
			byRule[k] = ft
			fts = append(fts, ft)
		}
		ft.Fields = append(ft.Fields, &dlppb.FieldId{Name: c.field.Name})
	}
	return &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{
		RecordTransformations: &dlppb.RecordTransformations{FieldTransformations: fts},
	}}
}

// Reidentify turns tokens made by token: {method: encrypt} back into the
// curated values through DLP ReidentifyContent. Only a holder of the
// tokenisation key can do it; NULL ("") stays "".
func Reidentify(ctx context.Context, c *dlp.Client, project string, tokenKey []byte, surrogate string, tokens []string) ([]string, error) {
	return reidentify(ctx, c, project, unwrappedEncryptionKey(tokenKey), surrogate, tokens)
}

// ReidentifyWrapped is Reidentify with a KMS-wrapped key: w.EncryptionKey
// (SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY), which DLP unwraps.
func ReidentifyWrapped(ctx context.Context, c *dlp.Client, project string, w *WrappedKey, surrogate string, tokens []string) ([]string, error) {
	k := w.EncryptionCryptoKey()
	if k == nil {
		return nil, fmt.Errorf("mask: re-identification with a KMS-wrapped key needs the wrapped encryption key (%s)", EnvTokenWrappedEncryptionKey)
	}
	return reidentify(ctx, c, project, k, surrogate, tokens)
}

func reidentify(ctx context.Context, c *dlp.Client, project string, key *dlppb.CryptoKey, surrogate string, tokens []string) ([]string, error) {
	if surrogate == "" {
		surrogate = config.DefaultSurrogate
	}
	out := make([]string, len(tokens))
	for start := 0; start < len(tokens); {
		table := &dlppb.Table{Headers: []*dlppb.FieldId{{Name: "token"}}}
		size, end := 0, start
		for end < len(tokens) && end-start < maxTableValues && (size+len(tokens[end]) < batchBytes || end == start) {
			size += len(tokens[end]) + 8
			table.Rows = append(table.Rows, &dlppb.Table_Row{Values: []*dlppb.Value{{Type: &dlppb.Value_StringValue{StringValue: tokens[end]}}}})
			end++
		}
		ft := primitive(encryptPrimitive(key, surrogate))
		ft.Fields = []*dlppb.FieldId{{Name: "token"}}
		resp, err := c.ReidentifyContent(ctx, &dlppb.ReidentifyContentRequest{
			Parent: fmt.Sprintf("projects/%s/locations/global", project),
			ReidentifyConfig: &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{
				RecordTransformations: &dlppb.RecordTransformations{FieldTransformations: []*dlppb.FieldTransformation{ft}},
			}},
			Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: table}},
		})
		if err != nil {
			return nil, fmt.Errorf("dlp.ReidentifyContent: %w", err)
		}
		rows := resp.GetItem().GetTable().GetRows()
		if len(rows) != end-start {
			return nil, fmt.Errorf("dlp.ReidentifyContent: sent %d rows, got %d back", end-start, len(rows))
		}
		for i, r := range rows {
			if tokens[start+i] != "" {
				out[start+i] = r.GetValues()[0].GetStringValue()
			}
		}
		start = end
	}
	return out, nil
}

func stringOf(v bigquery.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// classifyWithheld inspects the withheld columns of each table with a DLP
// job over the curated table (at most 1,000 rows) and proposes a rule for
// each. A table whose run found nothing changed is not inspected again (its
// proposals were in an earlier mask.completed). A failure is reported, not
// raised: the columns stay withheld either way, and the masking that
// succeeded is published.
func (m *Masker) classifyWithheld(ctx context.Context, results []TableResult) ([]events.ColumnProposal, string) {
	keys := map[string]string{}
	for _, pol := range m.Pipeline.Mask.Tables {
		keys[pol.Name] = pol.Key
	}
	o := classify.Options{Project: m.Project, BigQuery: m.BigQuery, DLP: m.DLP, Curated: m.Names.Curated, Ops: m.Names.Ops,
		InfoTypes: m.Pipeline.Mask.InfoTypes, RowsLimit: 1000, Poll: 200 * time.Millisecond, Timeout: 2 * time.Minute}
	var out []events.ColumnProposal
	var errs []string
	for _, r := range results {
		if r.Mode == ModeUnchanged {
			continue
		}
		var cols []string
		for _, w := range r.Withheld {
			cols = append(cols, strings.TrimPrefix(w, r.Table+"."))
		}
		if len(cols) == 0 {
			continue
		}
		ps, err := classify.Columns(ctx, o, r.Table, cols, keys[r.Table])
		if err != nil {
			m.Log.Warn("mask: classifying withheld columns failed; they stay withheld", "table", r.Table, "error", err.Error())
			errs = append(errs, err.Error())
			continue
		}
		for _, p := range ps {
			out = append(out, p.Event())
		}
	}
	return out, strings.Join(errs, "; ")
}
