// Package tfcheck holds static checks over sluice's Terraform, run as Go tests
// where providers cannot be downloaded (so `terraform validate` cannot run).
// It parses every .tf file with hashicorp/hcl/v2 and checks the promises the
// pipeline makes: every function the Go bundle registers is deployed with that
// entry point (and nothing else is), every source in pipeline.yaml gets a
// topic, a trigger, a retry policy and a dead-letter topic, no IAM grant uses
// a basic role or a public principal, only the DLP service agent may decrypt
// with the mask function's KMS key (token_dlp), no bucket can be public, every variable
// is typed and described, the function bundle holds every package the root
// package imports, and cloudbuild.yaml applies only from main, never on a
// pull request, with no shared default environment. The Terraform tests
// (terraform test, mock providers) check the planned values; these checks
// cover what a plan cannot show or what must hold without providers.
//
// infra/terraform/aws cannot be validated or tested offline at all (no AWS
// provider in the mirror), so aws.go holds stricter checks for it (CheckAWS)
// and a reference check for every module (CheckReferences).
//
// It is not a Terraform evaluator: it evaluates locals and for_each
// expressions that depend only on pipeline.yaml and variable defaults, with a
// subset of Terraform's functions, and reads everything else syntactically.
package tfcheck

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"gopkg.in/yaml.v3"
)

// Finding is one broken promise: which check, where, and what is wrong.
type Finding struct {
	Check string
	Where string
	Msg   string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s: %s", f.Check, f.Where, f.Msg) }

// Block is one top-level block of a .tf file.
type Block struct {
	File   string
	Type   string   // resource, module, variable, locals, ...
	Labels []string // e.g. ["google_storage_bucket", "pipeline"]
	Body   *hclsyntax.Body
	src    []byte
}

// Where names the block for a finding.
func (b *Block) Where() string {
	return fmt.Sprintf("%s:%d %s %s", b.File, b.Body.SrcRange.Start.Line, b.Type, strings.Join(b.Labels, "."))
}

// Module is every block of the .tf files in one directory.
type Module struct {
	Dir    string // slash-separated, relative to the tree root; "." for the root
	Blocks []*Block
}

// Resources returns the resource blocks of a type.
func (m *Module) Resources(typ string) []*Block {
	var out []*Block
	for _, b := range m.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == typ {
			out = append(out, b)
		}
	}
	return out
}

func (m *Module) resource(typ, name string) *Block {
	for _, b := range m.Resources(typ) {
		if b.Labels[1] == name {
			return b
		}
	}
	return nil
}

// Tree is a parsed Terraform tree: a root module and the modules under it.
type Tree struct {
	Modules map[string]*Module
}

// Root is the root module (directory ".").
func (t *Tree) Root() *Module { return t.Modules["."] }

func (t *Tree) dirs() []string {
	ds := make([]string, 0, len(t.Modules))
	for d := range t.Modules {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	return ds
}

// LoadTree parses every .tf file under root, skipping .terraform directories.
func LoadTree(root string) (*Tree, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform" || d.Name() == ".build") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ParseFiles(files)
}

// ParseFiles parses .tf sources keyed by slash path relative to the root.
func ParseFiles(files map[string][]byte) (*Tree, error) {
	t := &Tree{Modules: map[string]*Module{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	p := hclparse.NewParser()
	for _, name := range names {
		f, diags := p.ParseHCL(files[name], name)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", name, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		dir := path.Dir(name)
		m := t.Modules[dir]
		if m == nil {
			m = &Module{Dir: dir}
			t.Modules[dir] = m
		}
		for _, b := range body.Blocks {
			m.Blocks = append(m.Blocks, &Block{File: name, Type: b.Type, Labels: b.Labels, Body: b.Body, src: files[name]})
		}
	}
	if t.Modules["."] == nil {
		t.Modules["."] = &Module{Dir: "."}
	}
	return t, nil
}

// literalString returns the value of a constant string expression.
func literalString(e hclsyntax.Expression) (string, bool) {
	if e == nil || len(e.Variables()) > 0 {
		return "", false
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func attr(b *hclsyntax.Body, name string) hclsyntax.Expression {
	if a, ok := b.Attributes[name]; ok {
		return a.Expr
	}
	return nil
}

// walkBodies calls fn for a body and every nested block body, including the
// content of dynamic blocks.
func walkBodies(b *hclsyntax.Body, fn func(blockType string, body *hclsyntax.Body)) {
	fn("", b)
	var rec func(*hclsyntax.Body)
	rec = func(body *hclsyntax.Body) {
		for _, nb := range body.Blocks {
			typ := nb.Type
			if typ == "dynamic" && len(nb.Labels) == 1 {
				typ = nb.Labels[0]
			}
			fn(typ, nb.Body)
			rec(nb.Body)
		}
	}
	rec(b)
}

// refs returns "type.name" for every resource reference in an expression.
func refs(e hclsyntax.Expression) []string {
	var out []string
	for _, tr := range e.Variables() {
		if len(tr) < 2 {
			continue
		}
		root := tr.RootName()
		a, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		out = append(out, root+"."+a.Name)
	}
	return out
}

// bodyRefs returns the resource references made anywhere in a block body.
func bodyRefs(b *hclsyntax.Body) []string {
	var out []string
	walkBodies(b, func(_ string, body *hclsyntax.Body) {
		for _, a := range body.Attributes {
			out = append(out, refs(a.Expr)...)
		}
	})
	return out
}

// ---- buckets ---------------------------------------------------------------

// CheckBuckets fails any google_storage_bucket that could be made public:
// public_access_prevention must be the literal "enforced" and
// uniform_bucket_level_access the literal true.
func CheckBuckets(t *Tree) []Finding {
	var out []Finding
	for _, d := range t.dirs() {
		for _, b := range t.Modules[d].Resources("google_storage_bucket") {
			if v, ok := literalString(attr(b.Body, "public_access_prevention")); !ok || v != "enforced" {
				out = append(out, Finding{"bucket", b.Where(), `public_access_prevention must be "enforced"`})
			}
			ok := false
			if e := attr(b.Body, "uniform_bucket_level_access"); e != nil && len(e.Variables()) == 0 {
				v, diags := e.Value(nil)
				ok = !diags.HasErrors() && v.Type() == cty.Bool && v.True()
			}
			if !ok {
				out = append(out, Finding{"bucket", b.Where(), "uniform_bucket_level_access must be true"})
			}
		}
	}
	return out
}

// ---- variables -------------------------------------------------------------

// CheckVariables fails any variable without a type or a non-empty description.
func CheckVariables(t *Tree) []Finding {
	var out []Finding
	for _, d := range t.dirs() {
		for _, b := range t.Modules[d].Blocks {
			if b.Type != "variable" {
				continue
			}
			if attr(b.Body, "type") == nil {
				out = append(out, Finding{"variable", b.Where(), "has no type"})
			}
			if s, ok := literalString(attr(b.Body, "description")); !ok || strings.TrimSpace(s) == "" {
				out = append(out, Finding{"variable", b.Where(), "has no description"})
			}
		}
	}
	return out
}

// ---- IAM -------------------------------------------------------------------

var basicRole = regexp.MustCompile(`(?i)^roles/(owner|editor|viewer)$`)
var publicPrincipal = regexp.MustCompile(`\ballUsers\b|\ballAuthenticatedUsers\b`)
var iamResource = regexp.MustCompile(`^google_.*_iam_(member|binding|policy|members)$`)

// CheckIAM fails on basic roles and on the public principals allUsers and
// allAuthenticatedUsers (which the Terraform tests cannot see: members built
// from service account emails are unknown at plan time). Every string constant in the tree is
// inspected, not only IAM resources' role attributes, because roles are often
// fed through locals and for_each; IAM resources whose role is a constant are
// reported with their own location.
func CheckIAM(t *Tree) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, d := range t.dirs() {
		for _, b := range t.Modules[d].Blocks {
			if b.Type == "resource" && iamResource.MatchString(b.Labels[0]) {
				if r, ok := literalString(attr(b.Body, "role")); ok && basicRole.MatchString(r) {
					out = append(out, Finding{"iam", b.Where(), fmt.Sprintf("grants basic role %s", r)})
					seen[b.Where()] = true
				}
			}
			hclsyntax.VisitAll(b.Body, func(n hclsyntax.Node) hcl.Diagnostics {
				lit, ok := n.(*hclsyntax.LiteralValueExpr)
				if !ok || lit.Val.Type() != cty.String || lit.Val.IsNull() {
					return nil
				}
				if p := publicPrincipal.FindString(lit.Val.AsString()); p != "" {
					out = append(out, Finding{"iam", fmt.Sprintf("%s:%d (in %s)", b.File, lit.SrcRange.Start.Line, b.Where()),
						fmt.Sprintf("names public principal %s", p)})
				}
				if !basicRole.MatchString(lit.Val.AsString()) {
					return nil
				}
				if !seen[b.Where()] {
					out = append(out, Finding{"iam", fmt.Sprintf("%s:%d (in %s)", b.File, lit.SrcRange.Start.Line, b.Where()),
						fmt.Sprintf("names basic role %s", lit.Val.AsString())})
				}
				return nil
			})
		}
	}
	return out
}

// TokenDLPKey is the KMS key that wraps the mask function's tokenisation key
// when token_key_kms_wrapped is set: only the DLP service agent may decrypt
// with it.
const TokenDLPKey = "google_kms_crypto_key.token_dlp"

// CheckTokenDecrypters fails any IAM grant on the key TokenDLPKey other than
// one authoritative google_kms_crypto_key_iam_binding of
// roles/cloudkms.cryptoKeyDecrypter whose members are only the DLP service
// agent (google_project_service_identity.agents["dlp.googleapis.com"]), and
// a TokenDLPKey without that binding. A plan cannot show this: an extra
// _member grant elsewhere leaves the binding's planned members unchanged.
func CheckTokenDecrypters(t *Tree) []Finding {
	var out []Finding
	for _, d := range t.dirs() {
		m := t.Modules[d]
		var key *Block
		for _, b := range m.Resources("google_kms_crypto_key") {
			if "google_kms_crypto_key."+b.Labels[1] == TokenDLPKey {
				key = b
			}
		}
		bindings := 0
		for _, b := range m.Blocks {
			if b.Type != "resource" || !iamResource.MatchString(b.Labels[0]) || !slices.Contains(bodyRefs(b.Body), TokenDLPKey) {
				continue
			}
			if b.Labels[0] != "google_kms_crypto_key_iam_binding" {
				out = append(out, Finding{"token-kms", b.Where(), "grants on " + TokenDLPKey + " must be one google_kms_crypto_key_iam_binding (authoritative), so that only the DLP service agent decrypts"})
				continue
			}
			if r, ok := literalString(attr(b.Body, "role")); !ok || r != "roles/cloudkms.cryptoKeyDecrypter" {
				out = append(out, Finding{"token-kms", b.Where(), fmt.Sprintf("role must be the literal roles/cloudkms.cryptoKeyDecrypter, got %q", r)})
				continue
			}
			if !onlyDLPAgent(attr(b.Body, "members")) {
				out = append(out, Finding{"token-kms", b.Where(), `members must be exactly ["serviceAccount:${google_project_service_identity.agents["dlp.googleapis.com"].email}"]`})
				continue
			}
			bindings++
		}
		if key != nil && bindings != 1 {
			out = append(out, Finding{"token-kms", key.Where(), fmt.Sprintf("has %d decrypter bindings for the DLP service agent, want 1", bindings)})
		}
	}
	return out
}

// onlyDLPAgent reports whether e is a one-element list whose element
// references only the DLP agent's email.
func onlyDLPAgent(e hclsyntax.Expression) bool {
	tup, ok := e.(*hclsyntax.TupleConsExpr)
	if !ok || len(tup.Exprs) != 1 {
		return false
	}
	vars := tup.Exprs[0].Variables()
	if len(vars) != 1 {
		return false
	}
	tr := vars[0]
	if tr.RootName() != "google_project_service_identity" || len(tr) < 4 {
		return false
	}
	name, ok1 := tr[1].(hcl.TraverseAttr)
	idx, ok2 := tr[2].(hcl.TraverseIndex)
	email, ok3 := tr[3].(hcl.TraverseAttr)
	return ok1 && ok2 && ok3 && name.Name == "agents" && idx.Key.Type() == cty.String && idx.Key.AsString() == "dlp.googleapis.com" && email.Name == "email"
}

// ---- entry points ----------------------------------------------------------

const frameworkImport = "github.com/GoogleCloudPlatform/functions-framework-go/functions"

// registerFuncs are the calls that register an entry point, by import path:
// the framework's own, and shared/cloudfn's Register (functions.HTTP behind
// one per-request CloudEvent decoder).
var registerFuncs = map[string][]string{
	frameworkImport: {"CloudEvent", "HTTP"},
	"github.com/sluice-data/sluice/shared/cloudfn": {"Register"},
}

// BundleEntryPoints returns the names registered with functions.CloudEvent or
// functions.HTTP in functions/*/*.go under repoRoot, and how many non-test Go
// files it read. The name may be a string literal or a package-level string
// constant of the same package.
func BundleEntryPoints(repoRoot string) (names []string, goFiles int, err error) {
	paths, err := filepath.Glob(filepath.Join(repoRoot, "functions", "*", "*.go"))
	if err != nil {
		return nil, 0, err
	}
	fset := token.NewFileSet()
	type parsed struct {
		dir  string
		file *ast.File
	}
	var files []parsed
	consts := map[string]map[string]string{} // package dir -> const name -> value
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		goFiles++
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, goFiles, err
		}
		dir := filepath.Dir(p)
		files = append(files, parsed{dir, f})
		if consts[dir] == nil {
			consts[dir] = map[string]string{}
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, err := strconv.Unquote(lit.Value); err == nil {
								consts[dir][n.Name] = s
							}
						}
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, pf := range files {
		f := pf.file
		registrars := map[string][]string{} // local package name -> registering functions
		for _, im := range f.Imports {
			v, _ := strconv.Unquote(im.Path.Value)
			fns, ok := registerFuncs[v]
			if !ok {
				continue
			}
			local := path.Base(v)
			if im.Name != nil {
				local = im.Name.Name
			}
			registrars[local] = fns
		}
		if len(registrars) == 0 {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || !slices.Contains(registrars[id.Name], sel.Sel.Name) {
				return true
			}
			s, ok := "", false
			switch a := call.Args[0].(type) {
			case *ast.BasicLit:
				if a.Kind == token.STRING {
					v, err := strconv.Unquote(a.Value)
					s, ok = v, err == nil
				}
			case *ast.Ident:
				s, ok = consts[pf.dir][a.Name]
			}
			if ok && !seen[s] {
				seen[s] = true
				names = append(names, s)
			}
			return true
		})
	}
	sort.Strings(names)
	return names, goFiles, nil
}

// moduleCalls returns the module blocks (anywhere in the tree) whose source
// is the directory dir, with the module that calls them.
func (t *Tree) moduleCalls(dir string) []*Block {
	var out []*Block
	for _, d := range t.dirs() {
		for _, b := range t.Modules[d].Blocks {
			if b.Type != "module" {
				continue
			}
			if src, ok := literalString(attr(b.Body, "source")); ok && strings.HasPrefix(src, ".") && path.Clean(path.Join(d, src)) == dir {
				out = append(out, b)
			}
		}
	}
	return out
}

// TerraformEntryPoints returns every entry point a google_cloudfunctions2_function
// deploys, following var.<name> into the module calls that set it, and a
// finding for every entry point that is not a constant.
func TerraformEntryPoints(t *Tree) (map[string][]string, []Finding) {
	eps := map[string][]string{} // entry point -> where
	var out []Finding
	for _, d := range t.dirs() {
		for _, fn := range t.Modules[d].Resources("google_cloudfunctions2_function") {
			var e hclsyntax.Expression
			for _, nb := range fn.Body.Blocks {
				if nb.Type == "build_config" {
					e = attr(nb.Body, "entry_point")
				}
			}
			if e == nil {
				out = append(out, Finding{"entry_point", fn.Where(), "has no build_config.entry_point"})
				continue
			}
			if s, ok := literalString(e); ok {
				eps[s] = append(eps[s], fn.Where())
				continue
			}
			vars := e.Variables()
			if len(vars) != 1 || vars[0].RootName() != "var" || len(vars[0]) != 2 {
				out = append(out, Finding{"entry_point", fn.Where(), "entry_point must be a constant or var.<name> set to a constant by the module call"})
				continue
			}
			name := vars[0][1].(hcl.TraverseAttr).Name
			calls := t.moduleCalls(d)
			if len(calls) == 0 {
				out = append(out, Finding{"entry_point", fn.Where(), fmt.Sprintf("entry_point is var.%s but no module call uses %s", name, d)})
			}
			for _, c := range calls {
				if attr(c.Body, "for_each") != nil || attr(c.Body, "count") != nil {
					out = append(out, Finding{"entry_point", c.Where(), "a function module call must not use for_each/count: each entry point is named by a constant"})
					continue
				}
				if s, ok := literalString(attr(c.Body, name)); ok {
					eps[s] = append(eps[s], c.Where())
				} else {
					out = append(out, Finding{"entry_point", c.Where(), fmt.Sprintf("%s must be a constant entry point name", name)})
				}
			}
		}
	}
	return eps, out
}

// CheckEntryPoints compares the bundle's registrations with the deployed
// functions, both ways.
func CheckEntryPoints(t *Tree, bundle []string) []Finding {
	eps, out := TerraformEntryPoints(t)
	for _, name := range bundle {
		if len(eps[name]) == 0 {
			out = append(out, Finding{"entry_point", name, "registered by the Go bundle but no google_cloudfunctions2_function deploys it"})
		}
	}
	names := make([]string, 0, len(eps))
	for n := range eps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !slices.Contains(bundle, n) {
			out = append(out, Finding{"entry_point", strings.Join(eps[n], ", "), fmt.Sprintf("deploys entry point %q, which the Go bundle does not register", n)})
		}
		if len(eps[n]) > 1 {
			out = append(out, Finding{"entry_point", strings.Join(eps[n], ", "), fmt.Sprintf("entry point %q is deployed more than once", n)})
		}
	}
	return out
}

// ---- sources ---------------------------------------------------------------

// Event types of the two kinds of source trigger.
const (
	EventPubSub  = "google.cloud.pubsub.topic.v1.messagePublished"
	EventStorage = "google.cloud.storage.object.v1.finalized"
)

// ConfigValue turns pipeline.yaml into the value Terraform's yamldecode gives.
func ConfigValue(yamlText []byte) (cty.Value, error) {
	var raw any
	if err := yaml.Unmarshal(yamlText, &raw); err != nil {
		return cty.NilVal, err
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return cty.NilVal, err
	}
	ty, err := ctyjson.ImpliedType(b)
	if err != nil {
		return cty.NilVal, err
	}
	return ctyjson.Unmarshal(b, ty)
}

var functions = map[string]function.Function{
	"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
	"keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc, "length": lengthFunc,
	"sort": stdlib.SortFunc, "replace": stdlib.ReplaceFunc, "merge": stdlib.MergeFunc,
	"lookup": stdlib.LookupFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
	"upper": stdlib.UpperFunc, "lower": stdlib.LowerFunc, "jsonencode": stdlib.JSONEncodeFunc,
	"coalesce": stdlib.CoalesceFunc, "join": stdlib.JoinFunc, "format": stdlib.FormatFunc,
	"flatten": stdlib.FlattenFunc, "distinct": stdlib.DistinctFunc, "split": stdlib.SplitFunc,
	"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), "tostring": stdlib.MakeToFunc(cty.String),
}

// lengthFunc is Terraform's length: unlike cty's, it accepts objects too.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		if !v.IsKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		switch {
		case v.Type().IsObjectType():
			return cty.NumberIntVal(int64(len(v.Type().AttributeTypes()))), nil
		case v.Type() == cty.String:
			return cty.NumberIntVal(int64(len(v.AsString()))), nil
		case v.CanIterateElements():
			return v.Length(), nil
		}
		return cty.NilVal, fmt.Errorf("length of %s", v.Type().FriendlyName())
	},
})

func callsFunction(e hclsyntax.Expression, name string) bool {
	found := false
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && c.Name == name {
			found = true
		}
		return nil
	})
	return found
}

// evalContext evaluates a module's variables (defaults; required strings are
// "env") and the locals that depend only on them and pipeline.yaml. The local
// that calls yamldecode is given cfg. It reports whether such a local exists.
func evalContext(m *Module, cfg cty.Value) (*hcl.EvalContext, bool) {
	vars := map[string]cty.Value{}
	for _, b := range m.Blocks {
		if b.Type != "variable" || len(b.Labels) != 1 {
			continue
		}
		v := cty.DynamicVal
		if d := attr(b.Body, "default"); d != nil {
			if dv, diags := d.Value(nil); !diags.HasErrors() {
				v = dv
			}
		} else if ty := attr(b.Body, "type"); ty != nil && hcl.ExprAsKeyword(ty) == "string" {
			v = cty.StringVal("env")
		}
		vars[b.Labels[0]] = v
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(vars),
			"path": cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(m.Dir)}),
		},
		Functions: functions,
	}
	pending := map[string]hclsyntax.Expression{}
	for _, b := range m.Blocks {
		if b.Type == "locals" {
			for n, a := range b.Body.Attributes {
				pending[n] = a.Expr
			}
		}
	}
	locals := map[string]cty.Value{}
	readsYAML := false
	for n, e := range pending {
		if callsFunction(e, "yamldecode") {
			locals[n] = cfg
			readsYAML = true
			delete(pending, n)
		}
	}
	for progress := true; progress; {
		progress = false
		ctx.Variables["local"] = cty.ObjectVal(locals)
		for n, e := range pending {
			v, diags := e.Value(ctx)
			if diags.HasErrors() || !v.IsWhollyKnown() {
				continue
			}
			locals[n] = v
			delete(pending, n)
			progress = true
			ctx.Variables["local"] = cty.ObjectVal(locals)
		}
	}
	return ctx, readsYAML
}

// instances evaluates a block's for_each: the instance keys, or nil with
// ok=true for a block without for_each/count (one instance).
func instances(b *Block, ctx *hcl.EvalContext) (keys map[string]cty.Value, single bool, err error) {
	e := attr(b.Body, "for_each")
	if e == nil {
		if attr(b.Body, "count") != nil {
			return nil, false, fmt.Errorf("uses count; per-source blocks must use for_each keyed by source name")
		}
		return nil, true, nil
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		return nil, false, fmt.Errorf("cannot evaluate for_each from pipeline.yaml: %s", diags.Error())
	}
	if !v.IsWhollyKnown() {
		return nil, false, fmt.Errorf("for_each does not depend on pipeline.yaml alone")
	}
	keys = map[string]cty.Value{}
	switch {
	case v.Type().IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if ev.Type() == cty.String {
				keys[ev.AsString()] = ev
			}
		}
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			if k.Type() == cty.String {
				keys[k.AsString()] = ev
			}
		}
	default:
		return nil, false, fmt.Errorf("for_each is not a map or set")
	}
	return keys, false, nil
}

// trigger is one definition that creates Eventarc triggers: a resource in the
// root module or a module call whose module contains one.
type trigger struct {
	block      *Block  // the root-level block (resource or module call)
	impl       *Module // where the trigger resource and its dead letters live
	resource   *Block  // the google_eventarc_trigger
	keys       map[string]cty.Value
	single     bool
	eventTypes []string // every constant string the definition sets
	refs       []string // every resource it references
	refText    string   // source text of the references, for bucket names
}

func (tr *trigger) covers(key string) bool {
	_, ok := tr.keys[key]
	return ok
}

func (t *Tree) triggers(ctx *hcl.EvalContext) ([]*trigger, []Finding) {
	root := t.Root()
	var out []*trigger
	var fs []Finding
	add := func(b *Block, impl *Module, res *Block, strs []string, rs []string, text string) {
		keys, single, err := instances(b, ctx)
		if err != nil {
			fs = append(fs, Finding{"source", b.Where(), err.Error()})
			return
		}
		out = append(out, &trigger{block: b, impl: impl, resource: res, keys: keys, single: single, eventTypes: strs, refs: rs, refText: text})
	}
	constants := func(b *hclsyntax.Body, ctx *hcl.EvalContext) (strs []string, rs []string, text string) {
		walkBodies(b, func(_ string, body *hclsyntax.Body) {
			for _, a := range body.Attributes {
				if v, diags := a.Expr.Value(ctx); !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
					strs = append(strs, v.AsString())
				}
				rs = append(rs, refs(a.Expr)...)
				for _, tv := range a.Expr.Variables() {
					for _, st := range tv {
						if ix, ok := st.(hcl.TraverseIndex); ok && ix.Key.Type() == cty.String {
							text += " " + ix.Key.AsString()
						}
					}
					text += " " + tv.RootName()
				}
			}
		})
		return strs, rs, text
	}
	for _, res := range root.Resources("google_eventarc_trigger") {
		each := eachCtx(ctx)
		s, r, txt := constants(res.Body, each)
		add(res, root, res, s, r, txt)
	}
	for _, b := range root.Blocks {
		if b.Type != "module" {
			continue
		}
		src, ok := literalString(attr(b.Body, "source"))
		if !ok {
			continue
		}
		impl := t.Modules[path.Clean(path.Join(".", src))]
		if impl == nil {
			continue
		}
		ts := impl.Resources("google_eventarc_trigger")
		if len(ts) == 0 {
			continue
		}
		s, r, txt := constants(b.Body, eachCtx(ctx))
		s2, _, _ := constants(ts[0].Body, nil)
		add(b, impl, ts[0], append(s, s2...), r, txt)
	}
	return out, fs
}

// eachCtx is ctx with each.key and each.value unknown, so per-instance
// attributes evaluate to unknown rather than failing.
func eachCtx(ctx *hcl.EvalContext) *hcl.EvalContext {
	c := ctx.NewChild()
	c.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal})}
	return c
}

// deadLetters reports what is missing for tr's events to have a retry policy
// and a dead-letter topic with a subscription to inspect it, or "".
// moduleLocals returns the expressions of every local value in m by name.
func moduleLocals(m *Module) map[string]hclsyntax.Expression {
	out := map[string]hclsyntax.Expression{}
	for _, b := range m.Blocks {
		if b.Type == "locals" {
			for name, a := range b.Body.Attributes {
				out[name] = a.Expr
			}
		}
	}
	return out
}

// refsThroughLocals returns the references an expression makes, following
// local values (a few levels deep) to what they reference.
func refsThroughLocals(m *Module, e hclsyntax.Expression, depth int) []string {
	out := refs(e)
	if depth > 4 {
		return out
	}
	locals := moduleLocals(m)
	for _, r := range refs(e) {
		if le, ok := locals[strings.TrimPrefix(r, "local.")]; ok && strings.HasPrefix(r, "local.") {
			out = append(out, refsThroughLocals(m, le, depth+1)...)
		}
	}
	return out
}

// objectKey is the literal key of an object constructor item, or "".
func objectKey(e hclsyntax.Expression) string {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" {
			return name
		}
		if v, diags := k.Wrapped.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
			return v.AsString()
		}
	}
	return ""
}

func deadLetters(tr *trigger, key string, ctx *hcl.EvalContext) string {
	m := tr.impl
	for _, topic := range m.Resources("google_pubsub_topic") {
		ref := "google_pubsub_topic." + topic.Labels[1]
		if slices.Contains(tr.refs, ref) {
			continue // the topic the trigger listens on
		}
		if m.Dir == "." {
			// A root-level trigger needs a dead-letter topic per instance.
			if keys, _, err := instances(topic, ctx); err != nil || keys == nil {
				continue
			} else if _, ok := keys[key]; !ok {
				continue
			}
		}
		inspect, wired, retry := false, false, false
		for _, sub := range m.Resources("google_pubsub_subscription") {
			if e := attr(sub.Body, "topic"); e != nil && slices.Contains(refs(e), ref) {
				inspect = true
			}
			walkBodies(sub.Body, func(typ string, body *hclsyntax.Body) {
				if e := attr(body, "dead_letter_topic"); typ == "dead_letter_policy" && e != nil && slices.Contains(refs(e), ref) {
					wired = true
				}
				if typ == "retry_policy" {
					retry = true
				}
			})
		}
		for _, b := range m.Blocks {
			if b.Type != "resource" {
				continue
			}
			for _, p := range b.Body.Blocks {
				if p.Type != "provisioner" {
					continue
				}
				e := attr(p.Body, "command")
				if e == nil {
					continue
				}
				text := string(e.Range().SliceBytes(b.src))
				if strings.Contains(text, "--dead-letter-topic") && slices.Contains(refs(e), ref) {
					wired = true
					retry = retry || strings.Contains(text, "--min-retry-delay")
				}
				// The flags may come from a local object whose keys become
				// flags (dead_letter_topic -> --dead-letter-topic).
				for _, r := range refs(e) {
					policy, ok := moduleLocals(m)[strings.TrimPrefix(r, "local.")].(*hclsyntax.ObjectConsExpr)
					if !strings.HasPrefix(r, "local.") || !ok {
						continue
					}
					for _, item := range policy.Items {
						k := objectKey(item.KeyExpr)
						if k == "dead_letter_topic" && slices.Contains(refsThroughLocals(m, item.ValueExpr, 0), ref) {
							wired = true
						}
						if k == "min_retry_delay" {
							retry = true
						}
					}
				}
			}
		}
		switch {
		case !inspect:
			return fmt.Sprintf("dead-letter topic %s has no subscription to inspect it", ref)
		case !wired:
			return fmt.Sprintf("%s is never set as the dead-letter topic of the delivery subscription", ref)
		case !retry:
			return "the delivery subscription has no retry policy"
		}
		return ""
	}
	return "no dead-letter topic next to the trigger"
}

// CheckSources fails when a source in pipeline.yaml has no topic (Pub/Sub
// sources), no trigger of the right event type, or no dead-letter topic and
// retry policy. for_each expressions are evaluated against cfg, so a filter
// that drops a source is caught, not just a missing block.
func CheckSources(t *Tree, p *config.Pipeline, cfg cty.Value) []Finding {
	root := t.Root()
	ctx, readsYAML := evalContext(root, cfg)
	var out []Finding
	if !readsYAML {
		out = append(out, Finding{"source", "root module", "no local reads pipeline.yaml with yamldecode"})
	}
	triggers, fs := t.triggers(ctx)
	out = append(out, fs...)

	topicsFor := func(name string) []string {
		var ts []string
		for _, b := range root.Resources("google_pubsub_topic") {
			if keys, _, err := instances(b, ctx); err == nil && keys != nil {
				if _, ok := keys[name]; ok {
					ts = append(ts, "google_pubsub_topic."+b.Labels[1])
				}
			}
		}
		return ts
	}
	for _, s := range p.Sources {
		where := "pipeline.yaml source " + s.Name
		var candidates []*trigger
		switch {
		case s.Trigger.PubSubTopic != "":
			topics := topicsFor(s.Name)
			if len(topics) == 0 {
				out = append(out, Finding{"source", where, fmt.Sprintf("no google_pubsub_topic for_each has the key %q (topic %q)", s.Name, s.Trigger.PubSubTopic)})
			}
			for _, tr := range triggers {
				if tr.covers(s.Name) && slices.Contains(tr.eventTypes, EventPubSub) && slices.ContainsFunc(topics, func(r string) bool { return slices.Contains(tr.refs, r) }) {
					candidates = append(candidates, tr)
				}
			}
			if len(candidates) == 0 {
				out = append(out, Finding{"source", where, "no Eventarc trigger (for_each keyed by source name) on its topic for " + EventPubSub})
			}
		case s.Trigger.GCSPrefix != "":
			for _, tr := range triggers {
				if (tr.single || len(tr.keys) > 0) && slices.Contains(tr.eventTypes, EventStorage) &&
					strings.Contains(tr.refText, "google_storage_bucket") && strings.Contains(tr.refText, "landing") {
					candidates = append(candidates, tr)
				}
			}
			if len(candidates) == 0 {
				out = append(out, Finding{"source", where, fmt.Sprintf("prefix %q: no instance of an Eventarc trigger for %s on the landing bucket", s.Trigger.GCSPrefix, EventStorage)})
			}
		}
		for _, tr := range candidates {
			key := s.Name
			if !tr.covers(key) {
				for k := range tr.keys {
					key = k // the landing trigger's instance
				}
			}
			if why := deadLetters(tr, key, ctx); why != "" {
				out = append(out, Finding{"source", where + " via " + tr.block.Where(), why})
			}
		}
	}
	return out
}

// ---- cloudbuild.yaml -------------------------------------------------------

// CloudBuild is the part of cloudbuild.yaml the checks read.
type CloudBuild struct {
	Steps []struct {
		ID         string   `yaml:"id"`
		Name       string   `yaml:"name"`
		Entrypoint string   `yaml:"entrypoint"`
		Args       []string `yaml:"args"`
		Dir        string   `yaml:"dir"`
		Script     string   `yaml:"script"`
	} `yaml:"steps"`
	Substitutions map[string]string `yaml:"substitutions"`
}

var (
	pathToken  = regexp.MustCompile(`(?:^|[\s"'=])((?:\./)?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.*-]+)+/?|[A-Za-z0-9_./-]+\.(?:sh|tf|yaml|yml|go|sql))(?:$|[\s"';|&)])`)
	mainGate   = regexp.MustCompile(`\[\[?\s*"?\$\{?BRANCH_NAME\}?"?\s*==?\s*"?main"?\s*\]\]?`)
	prGate     = regexp.MustCompile(`\[\[?\s*-[nz]\s+"?\$\{?_PR_NUMBER\}?"?\s*\]\]?`)
	applyCmd   = regexp.MustCompile(`terraform\b[^\n]*\bapply\b`)
	generated  = []string{"tfplan", ".build/", "/workspace", ".tools/"}
	notAPathRE = regexp.MustCompile(`^(?:[a-z]+://|\$|-)|\.\.\.$|:`)
)

// CheckCloudBuild parses cloudbuild.yaml and fails when a file or directory it
// names does not exist under repoRoot, when apply is not gated on the main
// branch and on the build not being a pull request, when _REGION lacks a
// default, or when _ENVIRONMENT has one (a shared prefix for global names).
func CheckCloudBuild(yamlText []byte, repoRoot string) []Finding {
	var cb CloudBuild
	if err := yaml.Unmarshal(yamlText, &cb); err != nil {
		return []Finding{{"cloudbuild", "cloudbuild.yaml", "does not parse: " + err.Error()}}
	}
	var out []Finding
	if len(cb.Steps) == 0 {
		out = append(out, Finding{"cloudbuild", "cloudbuild.yaml", "has no steps"})
	}
	if cb.Substitutions["_REGION"] == "" {
		out = append(out, Finding{"cloudbuild", "substitutions", "_REGION has no default"})
	}
	// Bucket names are global: a fixed default prefix ("dev") collides with
	// whoever deployed it first. The trigger must set it.
	if env := cb.Substitutions["_ENVIRONMENT"]; env != "" {
		out = append(out, Finding{"cloudbuild", "substitutions", fmt.Sprintf("_ENVIRONMENT defaults to %q: every project would share those global bucket names; require the substitution", env)})
	}
	applies := 0
	for i, st := range cb.Steps {
		where := fmt.Sprintf("step %d (%s)", i, st.ID)
		dir := st.Dir
		if dir != "" {
			if _, err := os.Stat(filepath.Join(repoRoot, dir)); err != nil {
				out = append(out, Finding{"cloudbuild", where, fmt.Sprintf("dir %q does not exist", dir)})
			}
		}
		text := strings.Join(st.Args, " ") + "\n" + st.Script
		for _, m := range pathToken.FindAllStringSubmatch(text, -1) {
			tok := m[1]
			if notAPathRE.MatchString(tok) || strings.HasPrefix(tok, "/") || slices.ContainsFunc(generated, func(g string) bool { return strings.Contains(tok, g) }) || strings.Contains(tok, "*") {
				continue
			}
			if !existsAny(repoRoot, dir, tok) {
				out = append(out, Finding{"cloudbuild", where, fmt.Sprintf("names %q, which does not exist", tok)})
			}
		}
		for _, loc := range applyCmd.FindAllStringIndex(text, -1) {
			applies++
			before := text[:loc[0]]
			if !mainGate.MatchString(before) {
				out = append(out, Finding{"cloudbuild", where, "terraform apply is not gated on $BRANCH_NAME == main"})
			}
			// A pull request's head branch can be called main too.
			if !prGate.MatchString(before) {
				out = append(out, Finding{"cloudbuild", where, "terraform apply can run on a pull request: check that ${_PR_NUMBER} is empty first"})
			}
		}
	}
	if applies == 0 {
		out = append(out, Finding{"cloudbuild", "cloudbuild.yaml", "has no terraform apply step"})
	}
	return out
}

func existsAny(root, dir, tok string) bool {
	for _, base := range []string{filepath.Join(root, dir), root} {
		if _, err := os.Stat(filepath.Join(base, filepath.FromSlash(tok))); err == nil {
			return true
		}
	}
	return false
}
