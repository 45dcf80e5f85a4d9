package tfcheck

// Checks over infra/terraform/aws, sluice's deployment on AWS Lambda. The
// shared provider mirror has no AWS provider, so `terraform validate` and
// `terraform test` cannot run on that directory offline; these checks are
// what holds it: they read the HCL and fail on a function that is not the
// provided.al2023 bootstrap zip named by its content hash, on a log group
// without retention, on any IAM policy with a "*" action or resource (or a
// managed policy attached to a function role), on an SQS trigger without
// per-message failure reporting or without a dead-letter queue, on a
// public bucket, on a schedule without retries and a dead-letter queue, and
// (CheckReferences, over every module) on a reference to a variable, local,
// resource, data source, module or module output that is not declared. A
// function's environment must set what its entry point reads, and the files
// it names (credential configuration, tokenisation key) must be in one of
// the function's layers.

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/zclconf/go-cty/cty"
)

// fullRefs returns the references an expression makes, spelled as they are
// declared: "var.x", "local.x", "module.x", "data.type.name", "type.name".
func fullRefs(e hclsyntax.Expression) []string {
	var out []string
	for _, tr := range e.Variables() {
		if r := refName(tr); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func refName(tr hcl.Traversal) string {
	root := tr.RootName()
	attrAt := func(i int) (string, bool) {
		if len(tr) <= i {
			return "", false
		}
		a, ok := tr[i].(hcl.TraverseAttr)
		return a.Name, ok
	}
	switch root {
	case "data":
		t, ok1 := attrAt(1)
		n, ok2 := attrAt(2)
		if ok1 && ok2 {
			return "data." + t + "." + n
		}
		return ""
	}
	n, ok := attrAt(1)
	if !ok {
		return ""
	}
	return root + "." + n
}

// bodyFullRefs is fullRefs over every attribute of a body and its blocks.
func bodyFullRefs(b *hclsyntax.Body) []string {
	var out []string
	walkBodies(b, func(_ string, body *hclsyntax.Body) {
		for _, a := range body.Attributes {
			out = append(out, fullRefs(a.Expr)...)
		}
	})
	return out
}

// refsDeep follows local values (a few levels) from an expression and
// returns every reference met on the way.
func refsDeep(m *Module, e hclsyntax.Expression) []string {
	locals := moduleLocals(m)
	seen := map[string]bool{}
	var out []string
	var rec func(hclsyntax.Expression, int)
	rec = func(e hclsyntax.Expression, depth int) {
		for _, r := range fullRefs(e) {
			out = append(out, r)
			if name, ok := strings.CutPrefix(r, "local."); ok && !seen[r] && depth < 6 {
				seen[r] = true
				if le, ok := locals[name]; ok {
					rec(le, depth+1)
				}
			}
		}
	}
	rec(e, 0)
	return out
}

// callsDeep reports whether e, or a local it reads (a few levels), calls one
// of the functions.
func callsDeep(m *Module, e hclsyntax.Expression, fns ...string) bool {
	exprs := []hclsyntax.Expression{e}
	locals := moduleLocals(m)
	for _, r := range refsDeep(m, e) {
		if name, ok := strings.CutPrefix(r, "local."); ok && locals[name] != nil {
			exprs = append(exprs, locals[name])
		}
	}
	for _, x := range exprs {
		for _, fn := range fns {
			if callsFunction(x, fn) {
				return true
			}
		}
	}
	return false
}

// block returns the first nested block of a type in a body (dynamic blocks
// count, through their content).
func nestedBlocks(b *hclsyntax.Body, typ string) []*hclsyntax.Body {
	var out []*hclsyntax.Body
	for _, nb := range b.Blocks {
		switch {
		case nb.Type == typ:
			out = append(out, nb.Body)
		case nb.Type == "dynamic" && len(nb.Labels) == 1 && nb.Labels[0] == typ:
			for _, c := range nb.Body.Blocks {
				if c.Type == "content" {
					out = append(out, c.Body)
				}
			}
		}
	}
	return out
}

func (m *Module) find(ref string) *Block {
	for _, b := range m.Blocks {
		switch {
		case b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0]+"."+b.Labels[1] == ref,
			b.Type == "data" && len(b.Labels) == 2 && "data."+b.Labels[0]+"."+b.Labels[1] == ref:
			return b
		}
	}
	return nil
}

func refsTo(refs []string, prefix string) []string {
	var out []string
	for _, r := range refs {
		if strings.HasPrefix(r, prefix) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func evalString(e hclsyntax.Expression, ctx *hcl.EvalContext) (string, bool) {
	if e == nil {
		return "", false
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// evalStrings evaluates a list or tuple of strings.
func evalStrings(e hclsyntax.Expression, ctx *hcl.EvalContext) ([]string, bool) {
	if e == nil {
		return nil, false
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || !v.CanIterateElements() || v.Type().IsMapType() || v.Type().IsObjectType() {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		if ev.Type() != cty.String {
			return nil, false
		}
		out = append(out, ev.AsString())
	}
	return out, true
}

// AWS runtime facts the Lambda build (cmd/lambda/build.sh) relies on.
const (
	LambdaRuntime = "provided.al2023"
	LambdaHandler = "bootstrap"
)

// CheckAWS runs every check of the AWS deployment in the module dir of t
// ("aws" for infra/terraform/aws). A missing module is a finding.
func CheckAWS(t *Tree, dir string) []Finding {
	m := t.Modules[dir]
	if m == nil || len(m.Blocks) == 0 {
		return []Finding{{"aws", dir, "no Terraform here"}}
	}
	var out []Finding
	out = append(out, CheckAWSFunctions(m)...)
	out = append(out, CheckAWSEnvironment(m)...)
	out = append(out, CheckAWSPolicies(m)...)
	out = append(out, CheckAWSQueues(m)...)
	out = append(out, CheckAWSBuckets(m)...)
	out = append(out, CheckAWSSchedules(m)...)
	return out
}

// CheckAWSFunctions fails an aws_lambda_function that is not runtime
// provided.al2023 with handler bootstrap, whose architectures are not
// ["arm64"] with the variables' defaults, whose code is not an S3 object
// whose key holds the zip's content hash (with source_code_hash from the
// zip), whose logs do not go to a log group of its own with a retention,
// or whose role has no inline policy, has a managed policy attached, or
// cannot write that log group.
func CheckAWSFunctions(m *Module) []Finding {
	ctx, _ := evalContext(m, cty.DynamicVal)
	var out []Finding
	fns := m.Resources("aws_lambda_function")
	if len(fns) == 0 {
		out = append(out, Finding{"aws_lambda", m.Dir, "no aws_lambda_function"})
	}
	hashFns := []string{"filesha256", "filebase64sha256", "sha256", "base64sha256", "filemd5"}
	for _, f := range fns {
		bad := func(msg string) { out = append(out, Finding{"aws_lambda", f.Where(), msg}) }
		if s, ok := literalString(attr(f.Body, "runtime")); !ok || s != LambdaRuntime {
			bad(fmt.Sprintf("runtime must be the literal %q (build.sh builds a bootstrap for it)", LambdaRuntime))
		}
		if s, ok := literalString(attr(f.Body, "handler")); !ok || s != LambdaHandler {
			bad(fmt.Sprintf("handler must be the literal %q", LambdaHandler))
		}
		if archs, ok := evalStrings(attr(f.Body, "architectures"), ctx); !ok || !slices.Equal(archs, []string{"arm64"}) {
			bad(fmt.Sprintf(`architectures must be ["arm64"] by default (with the variables' defaults it is %v)`, archs))
		}
		if attr(f.Body, "filename") != nil || attr(f.Body, "image_uri") != nil {
			bad("code must come from s3_bucket/s3_key (an object named by the zip's content hash), not filename or image_uri")
		}
		if e := attr(f.Body, "s3_key"); e == nil {
			bad("has no s3_key: the zip must be an S3 object named by its content hash")
		} else {
			objs := refsTo(fullRefs(e), "aws_s3_object.")
			if len(objs) != 1 {
				bad("s3_key must be the key of an aws_s3_object")
			} else if o := m.find(objs[0]); o == nil {
				bad(objs[0] + " is not declared")
			} else if k := attr(o.Body, "key"); k == nil || !callsDeep(m, k, hashFns...) {
				bad(fmt.Sprintf("the key of %s does not hold the zip's content hash (filesha256 of the zip)", objs[0]))
			}
		}
		if e := attr(f.Body, "source_code_hash"); e == nil || !callsDeep(m, e, hashFns...) {
			bad("source_code_hash must be the zip's hash (filebase64sha256), so a new build updates the function")
		}

		// Logs: its own log group, with retention.
		var group *Block
		lcs := nestedBlocks(f.Body, "logging_config")
		if len(lcs) != 1 || attr(lcs[0], "log_group") == nil {
			bad("has no logging_config with log_group: its logs would go to a group without retention")
		} else if gs := refsTo(fullRefs(attr(lcs[0], "log_group")), "aws_cloudwatch_log_group."); len(gs) != 1 || m.find(gs[0]) == nil {
			bad("logging_config.log_group must name an aws_cloudwatch_log_group declared here")
		} else {
			group = m.find(gs[0])
			ok := false
			if e := attr(group.Body, "retention_in_days"); e != nil {
				v, diags := e.Value(ctx)
				ok = !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.Number && v.AsBigFloat().Sign() > 0
			}
			if !ok {
				bad(fmt.Sprintf("log group %s has no retention_in_days (logs would be kept forever)", group.Where()))
			}
		}

		// Role: inline least-privilege policy that can write that log group.
		roles := refsTo(fullRefs(attr(f.Body, "role")), "aws_iam_role.")
		if attr(f.Body, "role") == nil || len(roles) != 1 || m.find(roles[0]) == nil {
			bad("role must be an aws_iam_role declared here (one per function)")
			continue
		}
		role := roles[0]
		for _, a := range m.Resources("aws_iam_role_policy_attachment") {
			if slices.Contains(bodyFullRefs(a.Body), role) {
				out = append(out, Finding{"aws_iam", a.Where(), fmt.Sprintf("attaches a managed policy to %s: managed policies grant more than the function needs; write an inline policy", role)})
			}
		}
		if r := m.find(role); r != nil && (attr(r.Body, "managed_policy_arns") != nil) {
			out = append(out, Finding{"aws_iam", r.Where(), "managed_policy_arns: write an inline policy naming the function's resources"})
		}
		var docs []*Block
		for _, p := range m.Resources("aws_iam_role_policy") {
			if !slices.Contains(fullRefs(attr(p.Body, "role")), role) {
				continue
			}
			for _, d := range refsTo(fullRefs(attr(p.Body, "policy")), "data.aws_iam_policy_document.") {
				if b := m.find(d); b != nil {
					docs = append(docs, b)
				}
			}
		}
		if len(docs) == 0 {
			bad(fmt.Sprintf("%s has no aws_iam_role_policy from an aws_iam_policy_document", role))
			continue
		}
		if group != nil {
			ref := "aws_cloudwatch_log_group." + group.Labels[1]
			logs := false
			for _, d := range docs {
				for _, st := range nestedBlocks(d.Body, "statement") {
					acts, _ := evalStrings(attr(st, "actions"), nil)
					if slices.Contains(acts, "logs:PutLogEvents") && attr(st, "resources") != nil && slices.Contains(fullRefs(attr(st, "resources")), ref) {
						logs = true
					}
				}
			}
			if !logs {
				bad(fmt.Sprintf("its role's policy does not allow logs:PutLogEvents on %s", ref))
			}
		}
	}
	return out
}

// policyDocs are the IAM policy sources of a module: aws_iam_policy_document
// data sources and jsonencode'd policies of IAM resources.
var policyResources = []string{"aws_iam_role_policy", "aws_iam_policy", "aws_iam_role", "aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_s3_bucket_policy"}

// CheckAWSPolicies fails any IAM statement whose action contains "*", whose
// resource or principal is "*" or holds a "*" other than the trailing "/*"
// (objects of a bucket) or ":*" (streams of a log group) after a reference,
// that uses not_actions/not_resources, or an action that is not a literal.
// Locals the resources read are followed.
func CheckAWSPolicies(m *Module) []Finding {
	var out []Finding
	locals := moduleLocals(m)
	checkResources := func(where string, e hclsyntax.Expression) {
		exprs := []hclsyntax.Expression{e}
		for _, r := range refsDeep(m, e) {
			if name, ok := strings.CutPrefix(r, "local."); ok && locals[name] != nil {
				exprs = append(exprs, locals[name])
			}
		}
		for _, x := range exprs {
			for _, s := range starLiterals(x) {
				out = append(out, Finding{"aws_iam", where, fmt.Sprintf("resource %q: no wildcard resources; name the ARNs (only a trailing /* or :* after an ARN reference is allowed)", s)})
			}
		}
	}
	for _, d := range m.Blocks {
		if d.Type != "data" || len(d.Labels) != 2 || d.Labels[0] != "aws_iam_policy_document" {
			continue
		}
		for _, st := range nestedBlocks(d.Body, "statement") {
			where := fmt.Sprintf("%s:%d (in %s)", d.File, st.SrcRange.Start.Line, d.Where())
			for _, a := range []string{"not_actions", "not_resources", "not_principals"} {
				if attr(st, a) != nil || len(nestedBlocks(st, a)) > 0 {
					out = append(out, Finding{"aws_iam", where, a + " grants everything else: list what is allowed"})
				}
			}
			acts, ok := evalStrings(attr(st, "actions"), nil)
			if !ok || len(acts) == 0 {
				out = append(out, Finding{"aws_iam", where, "actions must be a non-empty list of literal actions"})
			}
			for _, a := range acts {
				if strings.Contains(a, "*") {
					out = append(out, Finding{"aws_iam", where, fmt.Sprintf("action %q: no wildcard actions", a)})
				}
			}
			if e := attr(st, "resources"); e != nil {
				checkResources(where, e)
			} else if len(nestedBlocks(st, "principals")) == 0 {
				out = append(out, Finding{"aws_iam", where, "an identity statement needs resources"})
			}
			for _, p := range nestedBlocks(st, "principals") {
				ids, _ := evalStrings(attr(p, "identifiers"), nil)
				if slices.Contains(ids, "*") {
					out = append(out, Finding{"aws_iam", where, `principal "*": name the service or account`})
				}
			}
		}
	}
	// Policies written as jsonencode({...}) in IAM resources.
	for _, b := range m.Blocks {
		if b.Type != "resource" || len(b.Labels) != 2 || !slices.Contains(policyResources, b.Labels[0]) {
			continue
		}
		walkBodies(b.Body, func(_ string, body *hclsyntax.Body) {
			for name, a := range body.Attributes {
				if name != "policy" && name != "assume_role_policy" {
					continue
				}
				hclsyntax.VisitAll(a.Expr, func(n hclsyntax.Node) hcl.Diagnostics {
					oc, ok := n.(*hclsyntax.ObjectConsExpr)
					if !ok {
						return nil
					}
					for _, it := range oc.Items {
						switch objectKey(it.KeyExpr) {
						case "Action", "NotAction", "NotResource", "NotPrincipal":
							k := objectKey(it.KeyExpr)
							if k != "Action" {
								out = append(out, Finding{"aws_iam", b.Where(), k + " grants everything else: list what is allowed"})
								continue
							}
							hclsyntax.VisitAll(it.ValueExpr, func(n hclsyntax.Node) hcl.Diagnostics {
								if l, ok := n.(*hclsyntax.LiteralValueExpr); ok && l.Val.Type() == cty.String && strings.Contains(l.Val.AsString(), "*") {
									out = append(out, Finding{"aws_iam", b.Where(), fmt.Sprintf("action %q: no wildcard actions", l.Val.AsString())})
								}
								return nil
							})
						case "Resource", "Principal", "AWS":
							checkResources(b.Where(), it.ValueExpr)
						}
					}
					return nil
				})
			}
		})
	}
	return out
}

// starLiterals returns the string constants in e that hold a "*", except a
// trailing "/*" or ":*" that follows an interpolation in a template.
func starLiterals(e hclsyntax.Expression) []string {
	allowed := map[hclsyntax.Node]bool{}
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.TemplateExpr)
		if !ok || len(t.Parts) < 2 {
			return nil
		}
		last, ok := t.Parts[len(t.Parts)-1].(*hclsyntax.LiteralValueExpr)
		if !ok || last.Val.Type() != cty.String {
			return nil
		}
		if _, lit := t.Parts[len(t.Parts)-2].(*hclsyntax.LiteralValueExpr); lit {
			return nil
		}
		if s := last.Val.AsString(); s == "/*" || s == ":*" {
			allowed[last] = true
		}
		return nil
	})
	var out []string
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		l, ok := n.(*hclsyntax.LiteralValueExpr)
		if ok && !allowed[l] && l.Val.Type() == cty.String && !l.Val.IsNull() && strings.Contains(l.Val.AsString(), "*") {
			out = append(out, l.Val.AsString())
		}
		return nil
	})
	return out
}

// CheckAWSQueues fails an aws_lambda_event_source_mapping on an SQS queue
// without function_response_types = ["ReportBatchItemFailures"] (a failed
// message would retry its whole batch), a queue it reads that has no
// redrive_policy to another declared queue with deadLetterTargetArn and
// maxReceiveCount, or a mapping whose function is not declared. An S3
// bucket notification must deliver ObjectCreated events to a queue that a
// mapping consumes, and there must be one.
func CheckAWSQueues(m *Module) []Finding {
	var out []Finding
	consumed := map[string]bool{}
	for _, em := range m.Resources("aws_lambda_event_source_mapping") {
		bad := func(msg string) { out = append(out, Finding{"aws_sqs", em.Where(), msg}) }
		qs := refsTo(fullRefs(attr(em.Body, "event_source_arn")), "aws_sqs_queue.")
		if attr(em.Body, "event_source_arn") == nil || len(qs) != 1 {
			continue // not an SQS mapping
		}
		consumed[qs[0]] = true
		if v, ok := evalStrings(attr(em.Body, "function_response_types"), nil); !ok || !slices.Equal(v, []string{"ReportBatchItemFailures"}) {
			bad(`function_response_types must be ["ReportBatchItemFailures"]: the functions report each failed message (SQSEventResponse.BatchItemFailures)`)
		}
		if fs := refsTo(fullRefs(attr(em.Body, "function_name")), "aws_lambda_function."); attr(em.Body, "function_name") == nil || len(fs) != 1 || m.find(fs[0]) == nil {
			bad("function_name must be an aws_lambda_function declared here")
		}
		q := m.find(qs[0])
		if q == nil {
			bad(qs[0] + " is not declared")
			continue
		}
		rp := attr(q.Body, "redrive_policy")
		if rp == nil {
			out = append(out, Finding{"aws_sqs", q.Where(), "a queue a function reads needs a redrive_policy to a dead-letter queue"})
			continue
		}
		keys := map[string]hclsyntax.Expression{}
		hclsyntax.VisitAll(rp, func(n hclsyntax.Node) hcl.Diagnostics {
			if oc, ok := n.(*hclsyntax.ObjectConsExpr); ok {
				for _, it := range oc.Items {
					keys[objectKey(it.KeyExpr)] = it.ValueExpr
				}
			}
			return nil
		})
		dl := keys["deadLetterTargetArn"]
		if dl == nil || keys["maxReceiveCount"] == nil {
			out = append(out, Finding{"aws_sqs", q.Where(), "redrive_policy needs deadLetterTargetArn and maxReceiveCount"})
			continue
		}
		dls := refsTo(fullRefs(dl), "aws_sqs_queue.")
		if len(dls) != 1 || dls[0] == qs[0] || m.find(dls[0]) == nil {
			out = append(out, Finding{"aws_sqs", q.Where(), "deadLetterTargetArn must be another aws_sqs_queue declared here"})
		}
	}
	if len(consumed) == 0 {
		out = append(out, Finding{"aws_sqs", m.Dir, "no aws_lambda_event_source_mapping reads an SQS queue"})
	}
	notes := m.Resources("aws_s3_bucket_notification")
	if len(notes) == 0 {
		out = append(out, Finding{"aws_s3", m.Dir, "no aws_s3_bucket_notification: objects dropped in the landing bucket would not be ingested"})
	}
	for _, n := range notes {
		qs := nestedBlocks(n.Body, "queue")
		if len(qs) == 0 {
			out = append(out, Finding{"aws_s3", n.Where(), "the notification must go to an SQS queue (retries, dead-letter queue)"})
		}
		for _, q := range qs {
			evs, _ := evalStrings(attr(q, "events"), nil)
			if !slices.ContainsFunc(evs, func(e string) bool { return strings.HasPrefix(e, "s3:ObjectCreated:") }) {
				out = append(out, Finding{"aws_s3", n.Where(), "the notification must send s3:ObjectCreated events"})
			}
			if ref := refsTo(fullRefs(attr(q, "queue_arn")), "aws_sqs_queue."); attr(q, "queue_arn") == nil || len(ref) != 1 || !consumed[ref[0]] {
				out = append(out, Finding{"aws_s3", n.Where(), "the notification's queue must be one an event source mapping reads"})
			}
		}
	}
	return out
}

// CheckAWSBuckets fails an aws_s3_bucket without a public access block
// setting all four switches true, or without server-side encryption
// configuration.
func CheckAWSBuckets(m *Module) []Finding {
	var out []Finding
	covers := func(typ, bucket string) []*Block {
		var bs []*Block
		for _, b := range m.Resources(typ) {
			rs := append(fullRefs(attrOr(b.Body, "bucket")), fullRefs(attrOr(b.Body, "for_each"))...)
			if slices.Contains(rs, bucket) {
				bs = append(bs, b)
			}
		}
		return bs
	}
	for _, b := range m.Resources("aws_s3_bucket") {
		ref := "aws_s3_bucket." + b.Labels[1]
		pabs := covers("aws_s3_bucket_public_access_block", ref)
		if len(pabs) == 0 {
			out = append(out, Finding{"aws_s3", b.Where(), "has no aws_s3_bucket_public_access_block"})
		}
		for _, p := range pabs {
			for _, sw := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				e := attr(p.Body, sw)
				ok := false
				if e != nil && len(e.Variables()) == 0 {
					v, diags := e.Value(nil)
					ok = !diags.HasErrors() && v.Type() == cty.Bool && v.True()
				}
				if !ok {
					out = append(out, Finding{"aws_s3", p.Where(), sw + " must be true"})
				}
			}
		}
		if len(covers("aws_s3_bucket_server_side_encryption_configuration", ref)) == 0 {
			out = append(out, Finding{"aws_s3", b.Where(), "has no aws_s3_bucket_server_side_encryption_configuration"})
		}
	}
	return out
}

func attrOr(b *hclsyntax.Body, name string) hclsyntax.Expression {
	if e := attr(b, name); e != nil {
		return e
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.NullVal(cty.String)}
}

// CheckAWSSchedules fails an aws_scheduler_schedule whose target is not a
// declared function, or has no retry_policy or no dead_letter_config, and
// fails when no schedule targets the transform function.
func CheckAWSSchedules(m *Module) []Finding {
	var out []Finding
	scheds := m.Resources("aws_scheduler_schedule")
	if len(scheds) == 0 {
		out = append(out, Finding{"aws_scheduler", m.Dir, "no aws_scheduler_schedule: the transform timer is missing"})
	}
	for _, s := range scheds {
		ts := nestedBlocks(s.Body, "target")
		if len(ts) != 1 {
			out = append(out, Finding{"aws_scheduler", s.Where(), "needs one target"})
			continue
		}
		t := ts[0]
		if fs := refsTo(fullRefs(attrOr(t, "arn")), "aws_lambda_function."); len(fs) != 1 || m.find(fs[0]) == nil {
			out = append(out, Finding{"aws_scheduler", s.Where(), "target.arn must be an aws_lambda_function declared here"})
		}
		if len(nestedBlocks(t, "retry_policy")) == 0 {
			out = append(out, Finding{"aws_scheduler", s.Where(), "target has no retry_policy"})
		}
		dl := nestedBlocks(t, "dead_letter_config")
		if len(dl) == 0 || len(refsTo(fullRefs(attrOr(dl[0], "arn")), "aws_sqs_queue.")) != 1 {
			out = append(out, Finding{"aws_scheduler", s.Where(), "target has no dead_letter_config to an SQS queue: a schedule that cannot invoke would be lost"})
		}
		if in := attr(t, "input"); in == nil || !strings.Contains(string(in.Range().SliceBytes(s.src)), "<aws.scheduler.scheduled-time>") {
			out = append(out, Finding{"aws_scheduler", s.Where(), "target.input must pass scheduled_time = <aws.scheduler.scheduled-time> (the stages run for the scheduled time)"})
		}
	}
	return out
}

// ---- references --------------------------------------------------------------

var builtinRoots = map[string]bool{"each": true, "count": true, "path": true, "terraform": true, "self": true}

// CheckReferences fails, in every module of the tree, any reference to a
// variable, local, resource, data source or module that the module does not
// declare; a module output or argument that a local module does not
// declare, or a required variable it is not given; and each.* outside a
// block with for_each. It is the part of `terraform validate` that needs no
// provider schema.
func CheckReferences(t *Tree) []Finding {
	var out []Finding
	for _, d := range t.dirs() {
		m := t.Modules[d]
		declared := map[string]bool{}
		for _, b := range m.Blocks {
			switch {
			case b.Type == "variable" && len(b.Labels) == 1:
				declared["var."+b.Labels[0]] = true
			case b.Type == "locals":
				for n := range b.Body.Attributes {
					declared["local."+n] = true
				}
			case b.Type == "resource" && len(b.Labels) == 2:
				declared[b.Labels[0]+"."+b.Labels[1]] = true
			case b.Type == "data" && len(b.Labels) == 2:
				declared["data."+b.Labels[0]+"."+b.Labels[1]] = true
			case b.Type == "module" && len(b.Labels) == 1:
				declared["module."+b.Labels[0]] = true
			}
		}
		for _, b := range m.Blocks {
			if b.Type == "terraform" || b.Type == "moved" || b.Type == "import" || b.Type == "removed" {
				continue
			}
			iterators := map[string]bool{}
			hclsyntax.VisitAll(b.Body, func(n hclsyntax.Node) hcl.Diagnostics {
				if nb, ok := n.(*hclsyntax.Block); ok && nb.Type == "dynamic" && len(nb.Labels) == 1 {
					iterators[nb.Labels[0]] = true
					if it := attr(nb.Body, "iterator"); it != nil {
						iterators[hcl.ExprAsKeyword(it)] = true
					}
				}
				return nil
			})
			hasForEach := attr(b.Body, "for_each") != nil
			var each bool
			walkBodies(b.Body, func(typ string, body *hclsyntax.Body) {
				for name, a := range body.Attributes {
					if notReferences(b.Type, typ, name) {
						continue
					}
					for _, tr := range a.Expr.Variables() {
						root := tr.RootName()
						switch {
						case root == "each":
							each = true
							continue
						case builtinRoots[root] || iterators[root]:
							continue
						}
						r := refName(tr)
						if r == "" {
							out = append(out, Finding{"reference", fmt.Sprintf("%s:%d (in %s)", b.File, a.SrcRange.Start.Line, b.Where()), fmt.Sprintf("cannot read the reference %q", root)})
							continue
						}
						if !declared[r] {
							out = append(out, Finding{"reference", fmt.Sprintf("%s:%d (in %s)", b.File, a.SrcRange.Start.Line, b.Where()), fmt.Sprintf("%s is not declared in %s", r, d)})
							continue
						}
						if strings.HasPrefix(r, "module.") && len(tr) >= 3 {
							out = append(out, checkModuleOutput(t, m, r, tr, fmt.Sprintf("%s:%d (in %s)", b.File, a.SrcRange.Start.Line, b.Where()))...)
						}
					}
				}
			})
			if each && !hasForEach && b.Type != "output" && b.Type != "locals" {
				out = append(out, Finding{"reference", b.Where(), "uses each.* without for_each"})
			}
			if b.Type == "module" {
				out = append(out, checkModuleArgs(t, m, b)...)
			}
		}
	}
	return out
}

// notReferences reports the attributes whose traversals are not references:
// a variable's type, a resource's provider, a module's providers map, the
// attribute names of lifecycle.ignore_changes.
func notReferences(blockType, nestedType, name string) bool {
	switch {
	case nestedType == "" && blockType == "variable" && name == "type",
		nestedType == "" && (blockType == "resource" || blockType == "data") && name == "provider",
		nestedType == "" && blockType == "module" && name == "providers",
		nestedType == "lifecycle" && name == "ignore_changes":
		return true
	}
	return false
}

// calledModule is the module a local module block calls, or nil.
func calledModule(t *Tree, m *Module, b *Block) *Module {
	src, ok := literalString(attr(b.Body, "source"))
	if !ok || !strings.HasPrefix(src, ".") {
		return nil
	}
	return t.Modules[path.Clean(path.Join(m.Dir, src))]
}

func checkModuleOutput(t *Tree, m *Module, r string, tr hcl.Traversal, where string) []Finding {
	var call *Block
	for _, b := range m.Blocks {
		if b.Type == "module" && len(b.Labels) == 1 && "module."+b.Labels[0] == r {
			call = b
		}
	}
	callee := calledModule(t, m, call)
	if callee == nil {
		return nil
	}
	// module.x.out or module.x["key"].out (for_each).
	i := 2
	if _, ok := tr[i].(hcl.TraverseIndex); ok {
		i++
	}
	if i >= len(tr) {
		return nil
	}
	a, ok := tr[i].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	for _, b := range callee.Blocks {
		if b.Type == "output" && len(b.Labels) == 1 && b.Labels[0] == a.Name {
			return nil
		}
	}
	return []Finding{{"reference", where, fmt.Sprintf("%s has no output %q (module %s)", r, a.Name, callee.Dir)}}
}

var moduleMeta = map[string]bool{"source": true, "version": true, "providers": true, "for_each": true, "count": true, "depends_on": true}

func checkModuleArgs(t *Tree, m *Module, call *Block) []Finding {
	callee := calledModule(t, m, call)
	if callee == nil {
		return nil
	}
	vars := map[string]bool{}
	var required []string
	for _, b := range callee.Blocks {
		if b.Type == "variable" && len(b.Labels) == 1 {
			vars[b.Labels[0]] = true
			if attr(b.Body, "default") == nil {
				required = append(required, b.Labels[0])
			}
		}
	}
	var out []Finding
	var names []string
	for n := range call.Body.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !moduleMeta[n] && !vars[n] {
			out = append(out, Finding{"reference", call.Where(), fmt.Sprintf("passes %q, which module %s does not declare", n, callee.Dir)})
		}
	}
	for _, n := range required {
		if _, ok := call.Body.Attributes[n]; !ok {
			out = append(out, Finding{"reference", call.Where(), fmt.Sprintf("does not pass %q, which module %s requires", n, callee.Dir)})
		}
	}
	return out
}

// LambdaEnvironment is what each entry point in cmd/lambda reads from its
// environment (cmd/lambda/*/main.go, cmd/lambda/trigger, shared/gcp,
// shared/aws): the Google project and environment, the credential
// configuration, and per stage the SNS topic prefix, the S3 archive bucket
// or the tokenisation key file.
var LambdaEnvironment = map[string][]string{
	"ingest":    {"SLUICE_PROJECT", "SLUICE_ENV", "GOOGLE_APPLICATION_CREDENTIALS", "SLUICE_S3_ARCHIVE_BUCKET"},
	"transform": {"SLUICE_PROJECT", "SLUICE_ENV", "GOOGLE_APPLICATION_CREDENTIALS", "SLUICE_SNS_TOPIC_ARN_PREFIX"},
	"mask":      {"SLUICE_PROJECT", "SLUICE_ENV", "GOOGLE_APPLICATION_CREDENTIALS", "SLUICE_SNS_TOPIC_ARN_PREFIX", "SLUICE_TOKEN_KEY_FILE"},
	"export":    {"SLUICE_PROJECT", "SLUICE_ENV", "GOOGLE_APPLICATION_CREDENTIALS", "SLUICE_SNS_TOPIC_ARN_PREFIX"},
}

// objectKeysDeep returns every key of every object constructor in e and in
// the locals it reads (a few levels deep).
func objectKeysDeep(m *Module, e hclsyntax.Expression) map[string]hclsyntax.Expression {
	keys := map[string]hclsyntax.Expression{}
	exprs := []hclsyntax.Expression{e}
	locals := moduleLocals(m)
	for _, r := range refsDeep(m, e) {
		if name, ok := strings.CutPrefix(r, "local."); ok && locals[name] != nil {
			exprs = append(exprs, locals[name])
		}
	}
	for _, x := range exprs {
		hclsyntax.VisitAll(x, func(n hclsyntax.Node) hcl.Diagnostics {
			if oc, ok := n.(*hclsyntax.ObjectConsExpr); ok {
				for _, it := range oc.Items {
					if k := objectKey(it.KeyExpr); k != "" {
						keys[k] = it.ValueExpr
					}
				}
			}
			return nil
		})
	}
	return keys
}

// CheckAWSEnvironment fails when a function's environment does not set what
// its entry point reads (LambdaEnvironment). The environment must be a
// local map keyed by function (local.x[each.key]) or the same object for
// every function.
func CheckAWSEnvironment(m *Module) []Finding {
	var out []Finding
	locals := moduleLocals(m)
	ctx, _ := evalContext(m, cty.DynamicVal)
	for _, f := range m.Resources("aws_lambda_function") {
		// The files of the archives behind the layers the function names.
		layerFiles := map[string]bool{}
		for _, l := range refsTo(fullRefs(attrOr(f.Body, "layers")), "aws_lambda_layer_version.") {
			lb := m.find(l)
			if lb == nil {
				continue
			}
			for _, a := range refsTo(fullRefs(attrOr(lb.Body, "filename")), "data.archive_file.") {
				if ab := m.find(a); ab != nil {
					for _, src := range nestedBlocks(ab.Body, "source") {
						if fn, ok := evalString(attr(src, "filename"), ctx); ok {
							layerFiles[fn] = true
						}
					}
				}
			}
		}
		envs := nestedBlocks(f.Body, "environment")
		if len(envs) != 1 || attr(envs[0], "variables") == nil {
			out = append(out, Finding{"aws_lambda", f.Where(), "has no environment.variables: the entry points need " + strings.Join(LambdaEnvironment["ingest"][:3], ", ")})
			continue
		}
		e := attr(envs[0], "variables")
		perFunction := map[string]hclsyntax.Expression{}
		for _, r := range refsTo(fullRefs(e), "local.") {
			oc, ok := locals[strings.TrimPrefix(r, "local.")].(*hclsyntax.ObjectConsExpr)
			if !ok {
				continue
			}
			for _, it := range oc.Items {
				if _, fn := LambdaEnvironment[objectKey(it.KeyExpr)]; fn {
					perFunction[objectKey(it.KeyExpr)] = it.ValueExpr
				}
			}
		}
		fns := make([]string, 0, len(LambdaEnvironment))
		for fn := range LambdaEnvironment {
			fns = append(fns, fn)
		}
		sort.Strings(fns)
		for _, fn := range fns {
			src := e
			if len(perFunction) > 0 {
				if src = perFunction[fn]; src == nil {
					out = append(out, Finding{"aws_lambda", f.Where(), fmt.Sprintf("the environment map has no entry for %s", fn)})
					continue
				}
			}
			keys := objectKeysDeep(m, src)
			for _, v := range LambdaEnvironment[fn] {
				if keys[v] == nil {
					out = append(out, Finding{"aws_lambda", f.Where(), fmt.Sprintf("the %s function's environment does not set %s, which cmd/lambda/%s reads", fn, v, fn)})
					continue
				}
				if v != "GOOGLE_APPLICATION_CREDENTIALS" && !strings.HasSuffix(v, "_FILE") {
					continue
				}
				// A file the function reads must be in one of its layers.
				p, ok := evalString(keys[v], ctx)
				rel, inOpt := strings.CutPrefix(p, "/opt/")
				switch {
				case !ok:
					out = append(out, Finding{"aws_lambda", f.Where(), fmt.Sprintf("%s of %s must be a constant path", v, fn)})
				case !inOpt || !layerFiles[rel]:
					out = append(out, Finding{"aws_lambda", f.Where(), fmt.Sprintf("%s of %s is %q, which no layer of the function holds (a layer unpacks under /opt; layer files: %v)", v, fn, p, sortedKeys(layerFiles))})
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CheckAWSWiring evaluates the SQS event source mappings' for_each against
// pipeline.yaml (cfg, the value yamldecode gives) and fails when a Pub/Sub
// source has no queue read by ingest named like its deployed topic
// (<environment>-<pubsub_topic>: the ingest function routes a message
// without a "source" attribute by queue name), when file sources have no
// queue read by ingest, or when mask does not consume transform_completed
// and export mask_completed through a queue that an aws_sns_topic_subscription
// subscribes. The for_each values carry function, name and (for
// subscribers) topic: the key of local.stage_topics.
func CheckAWSWiring(t *Tree, dir string, p *config.Pipeline, cfg cty.Value) []Finding {
	m := t.Modules[dir]
	if m == nil {
		return []Finding{{"aws_wiring", dir, "no Terraform here"}}
	}
	ctx, readsYAML := evalContext(m, cfg)
	var out []Finding
	if !readsYAML {
		out = append(out, Finding{"aws_wiring", dir, "no local reads pipeline.yaml with yamldecode"})
	}
	env, _ := evalString(&hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: "var"}, hcl.TraverseAttr{Name: "environment"}}}, ctx)
	type inst struct{ function, name, topic string }
	var mapped []inst
	for _, em := range m.Resources("aws_lambda_event_source_mapping") {
		keys, single, err := instances(em, ctx)
		if err != nil || single {
			out = append(out, Finding{"aws_wiring", em.Where(), "for_each must evaluate from pipeline.yaml to one instance per queue"})
			continue
		}
		for _, v := range keys {
			if !v.Type().IsObjectType() {
				continue
			}
			get := func(k string) string {
				if v.Type().HasAttribute(k) && v.GetAttr(k).Type() == cty.String && v.GetAttr(k).IsKnown() {
					return v.GetAttr(k).AsString()
				}
				return ""
			}
			mapped = append(mapped, inst{get("function"), get("name"), get("topic")})
		}
	}
	subscribed := map[string]bool{}
	for _, s := range m.Resources("aws_sns_topic_subscription") {
		keys, _, err := instances(s, ctx)
		if err != nil {
			out = append(out, Finding{"aws_wiring", s.Where(), err.Error()})
			continue
		}
		for _, v := range keys {
			if v.Type().IsObjectType() && v.Type().HasAttribute("topic") && v.GetAttr("topic").Type() == cty.String {
				subscribed[v.GetAttr("topic").AsString()] = true
			}
		}
	}
	has := func(pred func(inst) bool) bool { return slices.ContainsFunc(mapped, pred) }
	files := false
	for _, s := range p.Sources {
		switch {
		case s.Trigger.PubSubTopic != "":
			want := env + "-" + s.Trigger.PubSubTopic
			if !has(func(i inst) bool { return i.function == "ingest" && i.name == want }) {
				out = append(out, Finding{"aws_wiring", "pipeline.yaml source " + s.Name, fmt.Sprintf("no SQS queue %q read by ingest (the queue name routes its records)", want)})
			}
		case s.Trigger.GCSPrefix != "":
			files = true
		}
	}
	if files && !has(func(i inst) bool {
		return i.function == "ingest" && i.topic == "" && strings.Contains(i.name, "landing")
	}) {
		out = append(out, Finding{"aws_wiring", dir, "file sources: no landing queue read by ingest"})
	}
	for fn, topic := range map[string]string{"mask": "transform_completed", "export": "mask_completed"} {
		if !has(func(i inst) bool { return i.function == fn && i.topic == topic }) {
			out = append(out, Finding{"aws_wiring", dir, fmt.Sprintf("%s does not consume %s through a queue", fn, topic)})
		} else if !subscribed[topic] {
			out = append(out, Finding{"aws_wiring", dir, fmt.Sprintf("no aws_sns_topic_subscription delivers %s to %s's queue", topic, fn)})
		}
	}
	return out
}
