// Package config parses and validates pipeline.yaml, the one file that drives
// sluice: sources, models, mask policy, exports and schedules. It is parsed
// once into typed structs; every validation error names the file, the field
// and what is allowed. It does not talk to any cloud service.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileName is the config file inside a pipeline directory.
const FileName = "pipeline.yaml"

// Pipeline is a parsed, validated pipeline.yaml.
type Pipeline struct {
	Version   int       `yaml:"version"`
	Datasets  Datasets  `yaml:"datasets"`
	Buckets   Buckets   `yaml:"buckets"`
	Topics    Topics    `yaml:"topics"`
	Sources   []Source  `yaml:"sources"`
	Models    []Model   `yaml:"models"`
	Mask      Mask      `yaml:"mask"`
	Exports   []Export  `yaml:"exports"`
	Schedules Schedules `yaml:"schedules"`

	// SQL holds the text of each model, keyed by model name, read from the
	// same file system as the config.
	SQL map[string]string `yaml:"-"`
}

// Datasets names the four BigQuery datasets.
type Datasets struct {
	Raw       string `yaml:"raw"`
	Curated   string `yaml:"curated"`
	Published string `yaml:"published"`
	Ops       string `yaml:"ops"`
}

// Buckets names the Cloud Storage buckets.
type Buckets struct {
	Landing string `yaml:"landing"`
	Archive string `yaml:"archive"`
	Export  string `yaml:"export"`
}

// Topics names the Pub/Sub topics that chain the stages.
type Topics struct {
	TransformCompleted string `yaml:"transform_completed"`
	MaskCompleted      string `yaml:"mask_completed"`
	ExportCompleted    string `yaml:"export_completed"`
}

// Source is one kind of incoming data and how it arrives.
type Source struct {
	Name           string  `yaml:"name"`
	Description    string  `yaml:"description"`
	Trigger        Trigger `yaml:"trigger"`
	Format         string  `yaml:"format"`
	EventIDField   string  `yaml:"event_id_field"`
	EventTimeField string  `yaml:"event_time_field"`
	Schema         []Field `yaml:"schema"`
	// CDC, on a debezium source, has sluice keep the source table's
	// current state in the curated dataset (see CDC).
	CDC *CDC `yaml:"cdc"`
}

// CDC says how a debezium source's changelog becomes a current-state table:
// the latest change per primary key by source position wins, deletes are
// applied or kept as tombstones.
type CDC struct {
	// PrimaryKey lists the key columns of the source table. Empty: the key
	// is read from each change event's Debezium key (the Pub/Sub ordering
	// key Debezium Server sets, or a "key" member of the event).
	PrimaryKey []string `yaml:"primary_key"`
	// Table is the current-state table in the curated dataset; default the
	// source's name.
	Table string `yaml:"table"`
	// Deletes is "apply" (the default: a deleted row leaves the table) or
	// "tombstone" (it stays, with _deleted = TRUE).
	Deletes string `yaml:"deletes"`
}

// CDC delete modes.
const (
	DeletesApply     = "apply"
	DeletesTombstone = "tombstone"
)

// CDCTable is the current-state table of a CDC source ("" when the source
// has no cdc block).
func (s *Source) CDCTable() string {
	if s.CDC == nil {
		return ""
	}
	if s.CDC.Table != "" {
		return s.CDC.Table
	}
	return s.Name
}

// Tombstones reports whether deleted rows stay in the current-state table
// with _deleted = TRUE.
func (c *CDC) Tombstones() bool { return c != nil && c.Deletes == DeletesTombstone }

// Trigger says where a source's data arrives: exactly one of the fields is set.
type Trigger struct {
	PubSubTopic string `yaml:"pubsub_topic"`
	GCSPrefix   string `yaml:"gcs_prefix"`
}

// Field is one column of a declared schema.
type Field struct {
	Name        string  `yaml:"name"`
	Type        string  `yaml:"type"`
	Mode        string  `yaml:"mode"`
	Description string  `yaml:"description"`
	Fields      []Field `yaml:"fields"` // for RECORD
}

// Model is one curated SQL model.
type Model struct {
	Name        string `yaml:"name"`
	File        string `yaml:"file"`
	Description string `yaml:"description"`
	// Assertions run after the model is built; a failure stops the models
	// downstream of it and stops publication.
	Assertions []Assertion `yaml:"assertions"`
}

// Assertion is one check on a built model. Exactly one field is set:
//
//   - not_null: [col, …]                          no row has a NULL in any of the columns
//   - unique: [col, …]                            the columns together are a key
//   - accepted_values: {column: c, values: [...]} every non-NULL value is listed
//   - row_count: {min: 1, max: 1000000}           the table's row count is in range
//   - sql: "SELECT …"                             custom: every row returned is a failure
//     (ref('model') and source('raw', 's') resolve)
type Assertion struct {
	NotNull        []string        `yaml:"not_null"`
	Unique         []string        `yaml:"unique"`
	AcceptedValues *AcceptedValues `yaml:"accepted_values"`
	RowCount       *RowCount       `yaml:"row_count"`
	SQL            string          `yaml:"sql"`
}

// AcceptedValues lists the values a column may hold (compared as strings).
type AcceptedValues struct {
	Column string   `yaml:"column"`
	Values []string `yaml:"values"`
}

// RowCount bounds a model's row count; an unset bound is open.
type RowCount struct {
	Min *int64 `yaml:"min"`
	Max *int64 `yaml:"max"`
}

// Kind names the assertion's kind: not_null, unique, accepted_values,
// row_count or sql.
func (a Assertion) Kind() string {
	switch {
	case len(a.NotNull) > 0:
		return "not_null"
	case len(a.Unique) > 0:
		return "unique"
	case a.AcceptedValues != nil:
		return "accepted_values"
	case a.RowCount != nil:
		return "row_count"
	case a.SQL != "":
		return "sql"
	}
	return ""
}

func (a Assertion) kinds() int {
	n := 0
	for _, set := range []bool{a.NotNull != nil, a.Unique != nil, a.AcceptedValues != nil, a.RowCount != nil, a.SQL != ""} {
		if set {
			n++
		}
	}
	return n
}

// Mask is the policy that turns curated tables into published ones.
type Mask struct {
	InfoTypes []string     `yaml:"infotypes"`
	Tables    []MaskPolicy `yaml:"tables"`
}

// Export is one file handed to the outside.
type Export struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Query       string `yaml:"query"`
	Format      string `yaml:"format"`
	Destination string `yaml:"destination"`
	// Compression is "" or "none" (uncompressed) or "gzip". CSV and JSONL
	// files are gzipped whole (".gz" is appended to the object name unless
	// present); Parquet compresses its pages with the gzip codec.
	Compression string `yaml:"compression"`
	Trigger     string `yaml:"trigger"`
}

// Target splits Destination: "s3://bucket/path" and "gs://bucket/path"
// name their bucket, a bare path is in the export bucket (scheme and bucket
// "").
func (e Export) Target() (scheme, bucket, path string) {
	for _, sc := range []string{"s3", "gs"} {
		if rest, ok := strings.CutPrefix(e.Destination, sc+"://"); ok {
			bucket, path, _ = strings.Cut(rest, "/")
			return sc, bucket, path
		}
	}
	return "", "", e.Destination
}

// bucketRE is what S3 and Cloud Storage both accept as a bucket name
// (lower-case letters, digits, dots and hyphens, 3-63 characters,
// starting and ending with a letter or digit).
var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Export compressions.
var exportCompressions = []string{"", "none", "gzip"}

// Schedules are cron expressions for Cloud Scheduler (and the local router).
type Schedules struct {
	Transform string `yaml:"transform"`
	Export    string `yaml:"export"`
}

// Source formats.
var sourceFormats = []string{"json", "jsonl", "csv", "debezium"}

// Export formats.
var exportFormats = []string{"csv", "jsonl", "parquet"}

// BigQuery column types accepted in a declared schema.
var fieldTypes = []string{"STRING", "BYTES", "INT64", "INTEGER", "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC",
	"BOOL", "BOOLEAN", "TIMESTAMP", "DATE", "DATETIME", "TIME", "JSON", "RECORD", "STRUCT"}

var fieldModes = []string{"", "NULLABLE", "REQUIRED", "REPEATED"}

// Error is one validation problem: the file, the field path and the message.
type Error struct {
	File  string
	Field string
	Msg   string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg) }

// Errors is every validation problem found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Load reads pipeline.yaml and the model SQL files from fsys and validates them.
func Load(fsys fs.FS) (*Pipeline, error) {
	b, err := fs.ReadFile(fsys, FileName)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", FileName, err)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, err
	}
	p.SQL = map[string]string{}
	var errs Errors
	for i, m := range p.Models {
		if m.File == "" {
			continue // reported by validate
		}
		sql, err := fs.ReadFile(fsys, path.Clean(m.File))
		if err != nil {
			errs = append(errs, &Error{FileName, fmt.Sprintf("models[%d].file", i), fmt.Sprintf("cannot read %q: %v", m.File, err)})
			continue
		}
		p.SQL[m.Name] = string(sql)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// Parse decodes and validates pipeline.yaml text. Unknown fields are errors:
// a misspelt key must not be silently ignored.
func Parse(b []byte) (*Pipeline, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Pipeline
	if err := dec.Decode(&p); err != nil {
		return nil, &Error{FileName, "(yaml)", err.Error()}
	}
	if errs := p.validate(); len(errs) > 0 {
		return nil, errs
	}
	return &p, nil
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
var columnRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,299}$`)

func (p *Pipeline) validate() Errors {
	var errs Errors
	add := func(field, format string, a ...any) {
		errs = append(errs, &Error{FileName, field, fmt.Sprintf(format, a...)})
	}
	if p.Version != 1 {
		add("version", "got %d; the only supported version is 1", p.Version)
	}
	for f, v := range map[string]string{"datasets.raw": p.Datasets.Raw, "datasets.curated": p.Datasets.Curated,
		"datasets.published": p.Datasets.Published, "datasets.ops": p.Datasets.Ops} {
		if !nameRE.MatchString(v) {
			add(f, "got %q; want a dataset name of lower-case letters, digits and _", v)
		}
	}
	for f, v := range map[string]string{"buckets.landing": p.Buckets.Landing, "buckets.archive": p.Buckets.Archive,
		"buckets.export": p.Buckets.Export, "topics.transform_completed": p.Topics.TransformCompleted,
		"topics.mask_completed": p.Topics.MaskCompleted, "topics.export_completed": p.Topics.ExportCompleted} {
		if v == "" {
			add(f, "is required")
		}
	}
	seen := map[string]bool{}
	topics := map[string]string{}
	for i, s := range p.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		if !nameRE.MatchString(s.Name) {
			add(f+".name", "got %q; want lower-case letters, digits and _ (it names the raw table)", s.Name)
		}
		if seen[s.Name] {
			add(f+".name", "%q is declared twice", s.Name)
		}
		seen[s.Name] = true
		switch {
		case s.Trigger.PubSubTopic == "" && s.Trigger.GCSPrefix == "":
			add(f+".trigger", "set exactly one of pubsub_topic or gcs_prefix")
		case s.Trigger.PubSubTopic != "" && s.Trigger.GCSPrefix != "":
			add(f+".trigger", "set exactly one of pubsub_topic or gcs_prefix, not both")
		case s.Trigger.PubSubTopic != "":
			if other, ok := topics[s.Trigger.PubSubTopic]; ok {
				add(f+".trigger.pubsub_topic", "topic %q is already used by source %q", s.Trigger.PubSubTopic, other)
			}
			topics[s.Trigger.PubSubTopic] = s.Name
		case s.Trigger.GCSPrefix != "":
			if !strings.HasSuffix(s.Trigger.GCSPrefix, "/") || strings.HasPrefix(s.Trigger.GCSPrefix, "/") {
				add(f+".trigger.gcs_prefix", "got %q; want a folder such as %q", s.Trigger.GCSPrefix, s.Name+"/")
			}
		}
		if !slices.Contains(sourceFormats, s.Format) {
			add(f+".format", "got %q; allowed: %s", s.Format, strings.Join(sourceFormats, ", "))
		}
		if s.CDC != nil {
			validateCDC(f+".cdc", s, add)
		}
		cols := map[string]bool{}
		for j, fl := range s.Schema {
			errs = append(errs, validateField(fmt.Sprintf("%s.schema[%d]", f, j), fl)...)
			cols[fl.Name] = true
		}
		if len(s.Schema) > 0 {
			if s.EventIDField != "" && !cols[s.EventIDField] {
				add(f+".event_id_field", "%q is not a column of the declared schema", s.EventIDField)
			}
			if s.EventTimeField != "" && !cols[s.EventTimeField] {
				add(f+".event_time_field", "%q is not a column of the declared schema", s.EventTimeField)
			}
		}
	}
	models := map[string]bool{}
	cdcTables := map[string]bool{}
	for i, s := range p.Sources {
		if t := s.CDCTable(); t != "" {
			if cdcTables[t] {
				add(fmt.Sprintf("sources[%d].cdc.table", i), "%q is the current-state table of another source; set cdc.table to a different name", t)
			}
			cdcTables[t] = true
		}
	}
	for i, m := range p.Models {
		f := fmt.Sprintf("models[%d]", i)
		if cdcTables[m.Name] {
			add(f+".name", "%q is also the current-state table of a cdc source; rename the model or set that source's cdc.table", m.Name)
		}
		if !nameRE.MatchString(m.Name) {
			add(f+".name", "got %q; want lower-case letters, digits and _ (it names the curated table)", m.Name)
		}
		if models[m.Name] {
			add(f+".name", "%q is declared twice", m.Name)
		}
		models[m.Name] = true
		if !strings.HasSuffix(m.File, ".sql") {
			add(f+".file", "got %q; want a path to a .sql file relative to pipeline.yaml", m.File)
		}
		for j, a := range m.Assertions {
			af := fmt.Sprintf("%s.assertions[%d]", f, j)
			if n := a.kinds(); n != 1 {
				add(af, "set exactly one of not_null, unique, accepted_values, row_count, sql (got %d)", n)
				continue
			}
			cols := func(kind string, cs []string) {
				if len(cs) == 0 {
					add(af+"."+kind, "is empty; list one or more columns")
				}
				for k, c := range cs {
					if !columnRE.MatchString(c) {
						add(fmt.Sprintf("%s.%s[%d]", af, kind, k), "got %q; want a column name", c)
					}
				}
			}
			switch {
			case a.NotNull != nil:
				cols("not_null", a.NotNull)
			case a.Unique != nil:
				cols("unique", a.Unique)
			case a.AcceptedValues != nil:
				if !columnRE.MatchString(a.AcceptedValues.Column) {
					add(af+".accepted_values.column", "got %q; want a column name", a.AcceptedValues.Column)
				}
				if len(a.AcceptedValues.Values) == 0 {
					add(af+".accepted_values.values", "is empty; list the accepted values")
				}
			case a.RowCount != nil:
				rc := a.RowCount
				switch {
				case rc.Min == nil && rc.Max == nil:
					add(af+".row_count", "set min, max or both")
				case rc.Min != nil && *rc.Min < 0:
					add(af+".row_count.min", "got %d; want 0 or more", *rc.Min)
				case rc.Min != nil && rc.Max != nil && *rc.Max < *rc.Min:
					add(af+".row_count.max", "got %d; want at least min (%d)", *rc.Max, *rc.Min)
				}
			case a.SQL != "":
				if q := strings.ToUpper(strings.TrimSpace(a.SQL)); !strings.HasPrefix(q, "SELECT") && !strings.HasPrefix(q, "WITH") {
					add(af+".sql", "want a SELECT (or WITH … SELECT) whose rows are the failures")
				}
			}
		}
	}
	for t := range cdcTables {
		models[t] = true // a current-state table is masked and published like a model
	}
	for _, it := range p.Mask.InfoTypes {
		if !regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(it) {
			add("mask.infotypes", "got %q; want a DLP infoType name such as EMAIL_ADDRESS", it)
		}
	}
	masked := map[string]bool{}
	for i, t := range p.Mask.Tables {
		f := fmt.Sprintf("mask.tables[%d]", i)
		if !models[t.Name] {
			add(f+".name", "%q is not a model; a published table is masked from the curated model of the same name", t.Name)
		}
		if masked[t.Name] {
			add(f+".name", "%q has two policies", t.Name)
		}
		masked[t.Name] = true
		t.validate(f, add)
	}
	exports := map[string]bool{}
	for i, e := range p.Exports {
		f := fmt.Sprintf("exports[%d]", i)
		if !nameRE.MatchString(e.Name) {
			add(f+".name", "got %q; want lower-case letters, digits and _", e.Name)
		}
		if exports[e.Name] {
			add(f+".name", "%q is declared twice", e.Name)
		}
		exports[e.Name] = true
		if strings.TrimSpace(e.Query) == "" {
			add(f+".query", "is required: a query over the %s dataset", p.Datasets.Published)
		} else if ds := foreignDataset(e.Query, p); ds != "" {
			add(f+".query", "reads dataset %q; exports may read only %q, where masking has been applied", ds, p.Datasets.Published)
		}
		if !slices.Contains(exportFormats, e.Format) {
			add(f+".format", "got %q; allowed: %s", e.Format, strings.Join(exportFormats, ", "))
		}
		if !slices.Contains(exportCompressions, e.Compression) {
			add(f+".compression", "got %q; allowed: none, gzip", e.Compression)
		}
		scheme, bucket, path := e.Target()
		switch {
		case scheme == "" && strings.Contains(e.Destination, "://"):
			add(f+".destination", "got %q; want an object path in the export bucket (e.g. %q), or s3://bucket/path or gs://bucket/path", e.Destination, e.Name+"/{date}.csv")
		case scheme != "" && !bucketRE.MatchString(bucket):
			add(f+".destination", "got %q; the bucket %q is not a bucket name (3-63 lower-case letters, digits, dots or hyphens)", e.Destination, bucket)
		case path == "" || strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/"):
			add(f+".destination", "got %q; want an object path in the export bucket, e.g. %q, or s3://bucket/%s", e.Destination, e.Name+"/{date}.csv", e.Name+"/{date}.csv")
		}
		if e.Trigger != "mask.completed" && e.Trigger != "schedule" {
			add(f+".trigger", "got %q; allowed: mask.completed, schedule", e.Trigger)
		}
	}
	for f, v := range map[string]string{"schedules.transform": p.Schedules.Transform, "schedules.export": p.Schedules.Export} {
		if v == "" {
			continue
		}
		if _, err := ParseCron(v); err != nil {
			add(f, "%v", err)
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

func validateCDC(f string, s Source, add func(field, format string, a ...any)) {
	c := s.CDC
	if s.Format != "debezium" {
		add(f, "a cdc block needs format: debezium (got %q); remove cdc or change the format", s.Format)
	}
	if c.Table != "" && !nameRE.MatchString(c.Table) {
		add(f+".table", "got %q; want lower-case letters, digits and _ (it names the curated table)", c.Table)
	}
	switch c.Deletes {
	case "", DeletesApply, DeletesTombstone:
	default:
		add(f+".deletes", "got %q; allowed: apply (deleted rows leave the table), tombstone (they stay with _deleted = TRUE)", c.Deletes)
	}
	declared := map[string]bool{}
	for _, fl := range s.Schema {
		declared[fl.Name] = true
	}
	seen := map[string]bool{}
	for i, k := range c.PrimaryKey {
		kf := fmt.Sprintf("%s.primary_key[%d]", f, i)
		switch {
		case !columnRE.MatchString(k):
			add(kf, "got %q; want a column name of the source table", k)
		case strings.HasPrefix(k, "_"):
			add(kf, "got %q; names starting with _ are sluice's metadata columns, not source columns", k)
		case seen[k]:
			add(kf, "%q is listed twice", k)
		case len(s.Schema) > 0 && !declared[k]:
			add(kf, "%q is not a column of the declared schema; add it to schema or fix the name", k)
		}
		seen[k] = true
	}
}

func validateField(f string, fl Field) Errors {
	var errs Errors
	if !columnRE.MatchString(fl.Name) {
		errs = append(errs, &Error{FileName, f + ".name", fmt.Sprintf("got %q; want letters, digits and _, not starting with a digit", fl.Name)})
	}
	if !slices.Contains(fieldTypes, strings.ToUpper(fl.Type)) {
		errs = append(errs, &Error{FileName, f + ".type", fmt.Sprintf("got %q; allowed: %s", fl.Type, strings.Join(fieldTypes, ", "))})
	}
	if !slices.Contains(fieldModes, strings.ToUpper(fl.Mode)) {
		errs = append(errs, &Error{FileName, f + ".mode", fmt.Sprintf("got %q; allowed: NULLABLE, REQUIRED, REPEATED", fl.Mode)})
	}
	for i, sub := range fl.Fields {
		errs = append(errs, validateField(fmt.Sprintf("%s.fields[%d]", f, i), sub)...)
	}
	return errs
}

// foreignDataset returns the first of the raw, curated or ops datasets that a
// query names as `dataset.`, or "". It is a guard against the obvious
// mistake, not a SQL parser: the export function also reads with a
// credential that can only see published.
func foreignDataset(q string, p *Pipeline) string {
	lq := strings.ToLower(strings.ReplaceAll(q, "`", ""))
	for _, ds := range []string{p.Datasets.Raw, p.Datasets.Curated, p.Datasets.Ops} {
		if ds == "" {
			continue
		}
		if regexp.MustCompile(`(^|[^a-z0-9_])` + regexp.QuoteMeta(ds) + `\.`).MatchString(lq) {
			return ds
		}
	}
	return ""
}

// Source returns the source with the given name.
func (p *Pipeline) Source(name string) (*Source, bool) {
	for i := range p.Sources {
		if p.Sources[i].Name == name {
			return &p.Sources[i], true
		}
	}
	return nil, false
}

// RawPartitionColumn is the column raw.<source> is partitioned on by day:
// the event_time_field when the declared schema makes it a TIMESTAMP, DATE
// or DATETIME column, else _ingested_at. infra/terraform/main.tf declares
// the same rule; ingest and transform create raw tables with it.
func (s *Source) RawPartitionColumn() string {
	for _, f := range s.Schema {
		if f.Name == s.EventTimeField {
			switch strings.ToUpper(f.Type) {
			case "TIMESTAMP", "DATE", "DATETIME":
				return f.Name
			}
		}
	}
	return "_ingested_at"
}

// CDCSources are the sources with a cdc block, in config order.
func (p *Pipeline) CDCSources() []*Source {
	var out []*Source
	for i := range p.Sources {
		if p.Sources[i].CDC != nil {
			out = append(out, &p.Sources[i])
		}
	}
	return out
}

// CDCSourceForTable returns the CDC source whose current-state table is
// table.
func (p *Pipeline) CDCSourceForTable(table string) (*Source, bool) {
	for _, s := range p.CDCSources() {
		if s.CDCTable() == table {
			return s, true
		}
	}
	return nil, false
}

// CuratedTables lists every table the curated dataset holds: the
// current-state tables of CDC sources (built first), then the models, in
// config order.
func (p *Pipeline) CuratedTables() []string {
	var out []string
	for _, s := range p.CDCSources() {
		out = append(out, s.CDCTable())
	}
	for _, m := range p.Models {
		out = append(out, m.Name)
	}
	return out
}

// SourceForTopic returns the source fed by a Pub/Sub topic id.
func (p *Pipeline) SourceForTopic(topic string) (*Source, bool) {
	for i := range p.Sources {
		if p.Sources[i].Trigger.PubSubTopic == topic {
			return &p.Sources[i], true
		}
	}
	return nil, false
}

// SourceForObject returns the source whose landing prefix holds object name.
func (p *Pipeline) SourceForObject(name string) (*Source, bool) {
	for i := range p.Sources {
		if pre := p.Sources[i].Trigger.GCSPrefix; pre != "" && strings.HasPrefix(name, pre) {
			return &p.Sources[i], true
		}
	}
	return nil, false
}

// MaskPolicy returns the policy for a published table.
func (p *Pipeline) MaskPolicy(table string) (*MaskPolicy, bool) {
	for i := range p.Mask.Tables {
		if p.Mask.Tables[i].Name == table {
			return &p.Mask.Tables[i], true
		}
	}
	return nil, false
}

// ErrNotFound is returned by lookups of names the config does not declare.
var ErrNotFound = errors.New("not declared in pipeline.yaml")

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
