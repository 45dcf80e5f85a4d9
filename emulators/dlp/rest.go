package dlp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/genproto/googleapis/api/annotations"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The REST (HTTP/JSON) endpoint. Its routes are the google.api.http
// bindings that dlp.proto declares for each DlpService method (the v2
// paths of the REST reference, additional bindings included), read from
// the proto descriptor rather than written out by hand, and every request
// is dispatched to the same method handler the gRPC server uses
// (dlppb.DlpService_ServiceDesc), so the two transports cannot drift.
// Transcoding follows google.api.HttpRule: path variables set their
// fields, the body (for body: "*" the whole request, else the named field)
// is protojson, and for the other methods query parameters set the
// remaining fields by their JSON or proto names ("pageSize" or
// "page_size", dotted for nested fields; repeated fields repeat the
// parameter). Responses are protojson with lowerCamelCase names; enums
// are numbers when the request asks "$alt=json;enum-encoding=int", as the
// Go REST client does, else names. Errors are Google's JSON error shape:
// {"error": {"code": HTTP status, "message": ..., "status": "INVALID_ARGUMENT"}}
// with the HTTP status of the gRPC code (google.rpc.Code's mapping).

// restRoute is one HTTP binding of one method.
type restRoute struct {
	verb    string
	re      *regexp.Regexp
	vars    []string // field path of each capture group
	body    string   // "", "*" or a field name
	method  string   // RPC name
	handler grpc.MethodHandler
	input   protoreflect.MessageType
}

var (
	restOnce   sync.Once
	restRoutes []restRoute
	restErr    error
)

func routes() ([]restRoute, error) {
	restOnce.Do(func() { restRoutes, restErr = buildRoutes() })
	return restRoutes, restErr
}

func buildRoutes() ([]restRoute, error) {
	handlers := map[string]grpc.MethodHandler{}
	for _, m := range dlppb.DlpService_ServiceDesc.Methods {
		handlers[m.MethodName] = m.Handler
	}
	sd := dlppb.File_google_privacy_dlp_v2_dlp_proto.Services().ByName("DlpService")
	if sd == nil {
		return nil, fmt.Errorf("DlpService not in dlp.proto's descriptor")
	}
	var out []restRoute
	ms := sd.Methods()
	for i := 0; i < ms.Len(); i++ {
		md := ms.Get(i)
		h, ok := handlers[string(md.Name())]
		if !ok {
			continue // a streaming method: none in DlpService
		}
		rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
		if rule == nil {
			continue
		}
		mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
		if err != nil {
			return nil, err
		}
		for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
			verb, tmpl := httpPattern(r)
			if tmpl == "" {
				continue
			}
			re, vars, err := compileTemplate(tmpl)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", md.Name(), tmpl, err)
			}
			out = append(out, restRoute{verb: verb, re: re, vars: vars, body: r.GetBody(), method: string(md.Name()), handler: h, input: mt})
		}
	}
	return out, nil
}

func httpPattern(r *annotations.HttpRule) (verb, tmpl string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// compileTemplate turns an HttpRule path template such as
// /v2/{name=projects/*/locations/*/dlpJobs/*}:cancel into an anchored
// regular expression with one group per variable.
func compileTemplate(t string) (*regexp.Regexp, []string, error) {
	var b strings.Builder
	var vars []string
	b.WriteString("^")
	for len(t) > 0 {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(segments(t))
			break
		}
		b.WriteString(segments(t[:i]))
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return nil, nil, fmt.Errorf("unclosed variable")
		}
		name, pat, ok := strings.Cut(t[i+1:i+j], "=")
		if !ok {
			pat = "*"
		}
		vars = append(vars, name)
		b.WriteString("(" + segments(pat) + ")")
		t = t[i+j+1:]
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return re, vars, err
}

// segments is the regular expression of literal text with * (one path
// segment) and ** (any number of segments).
func segments(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "**"):
			b.WriteString(`.+`)
			s = s[2:]
		case s[0] == '*':
			b.WriteString(`[^/]+`)
			s = s[1:]
		default:
			n := strings.IndexByte(s, '*')
			if n < 0 {
				n = len(s)
			}
			b.WriteString(regexp.QuoteMeta(s[:n]))
			s = s[n:]
		}
	}
	return b.String()
}

// RESTHandler serves the DLP v2 REST API (see the comment above).
func (s *Server) RESTHandler() http.Handler {
	return http.HandlerFunc(s.serveREST)
}

// ServeREST serves the REST API on lis until Stop is called.
func (s *Server) ServeREST(lis net.Listener) error {
	srv := &http.Server{Handler: s.RESTHandler()}
	s.mu.Lock()
	s.restSrv = srv
	s.mu.Unlock()
	err := srv.Serve(lis)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	rs, err := routes()
	if err != nil {
		writeRESTError(w, status.Errorf(codes.Internal, "REST routes: %v", err))
		return
	}
	path := r.URL.Path
	var route *restRoute
	var groups []string
	pathMatched := false
	for i := range rs {
		if m := rs[i].re.FindStringSubmatch(path); m != nil {
			pathMatched = true
			if rs[i].verb == r.Method {
				route, groups = &rs[i], m[1:]
				break
			}
		}
	}
	if route == nil {
		if pathMatched {
			writeRESTError(w, status.Errorf(codes.Unimplemented, "%s %s: this path has no %s method in the DLP v2 REST API.", r.Method, path, r.Method))
			return
		}
		writeRESTError(w, status.Errorf(codes.NotFound, "%s %s is not a DLP v2 REST path (see https://cloud.google.com/sensitive-data-protection/docs/reference/rest).", r.Method, path))
		return
	}
	req := route.input.New().Interface()
	if err := transcode(r, route, groups, req); err != nil {
		writeRESTError(w, err)
		return
	}
	resp, err := route.handler(s, r.Context(), func(in any) error {
		proto.Merge(in.(proto.Message), req)
		return nil
	}, nil)
	if err != nil {
		writeRESTError(w, err)
		return
	}
	enumInts := strings.Contains(r.URL.Query().Get("$alt"), "enum-encoding=int")
	b, err := protojson.MarshalOptions{UseEnumNumbers: enumInts}.Marshal(resp.(proto.Message))
	if err != nil {
		writeRESTError(w, status.Errorf(codes.Internal, "encode %s response: %v", route.method, err))
		return
	}
	// protojson adds random spaces on purpose; answer stable bytes.
	var out bytes.Buffer
	if json.Compact(&out, b) == nil {
		b = out.Bytes()
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(b)
}

// transcode fills req from the path variables, the body and the query.
func transcode(r *http.Request, route *restRoute, groups []string, req proto.Message) error {
	if route.body != "" {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			return status.Errorf(codes.InvalidArgument, "reading the request body: %v", err)
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			target := req.ProtoReflect()
			if route.body != "*" {
				fd := target.Descriptor().Fields().ByName(protoreflect.Name(route.body))
				if fd == nil || fd.Message() == nil {
					return status.Errorf(codes.Internal, "body field %q of %s", route.body, route.method)
				}
				target = target.Mutable(fd).Message()
			}
			if err := (protojson.UnmarshalOptions{}).Unmarshal(body, target.Interface()); err != nil {
				return status.Errorf(codes.InvalidArgument, "Invalid JSON payload received. %v", err)
			}
		}
	}
	for i, v := range route.vars {
		if err := setField(req.ProtoReflect(), v, []string{groups[i]}); err != nil {
			return err
		}
	}
	if route.body == "*" {
		return nil
	}
	for k, vs := range r.URL.Query() {
		switch k {
		case "$alt", "alt", "$prettyPrint", "prettyPrint", "key", "access_token", "$fields", "fields", "quotaUser", "$callback", "callback", "upload_protocol", "uploadType":
			continue
		}
		if err := setField(req.ProtoReflect(), k, vs); err != nil {
			return err
		}
	}
	return nil
}

// setField sets the field at a dotted path (JSON or proto names) from
// text values.
func setField(m protoreflect.Message, path string, vals []string) error {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		fields := m.Descriptor().Fields()
		fd := fields.ByJSONName(p)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(p))
		}
		if fd == nil {
			return status.Errorf(codes.InvalidArgument, "Invalid JSON payload received. Unknown name %q: Cannot bind query parameter. Field '%s' could not be found in request message.", path, p)
		}
		if i < len(parts)-1 {
			if fd.Message() == nil || fd.IsList() || fd.IsMap() {
				return status.Errorf(codes.InvalidArgument, "query parameter %q: %s is not a message field", path, p)
			}
			m = m.Mutable(fd).Message()
			continue
		}
		if fd.IsMap() || (fd.Message() != nil) {
			return status.Errorf(codes.InvalidArgument, "query parameter %q: field %s is a message; send it in the body", path, p)
		}
		for _, s := range vals {
			v, err := restScalar(fd, s)
			if err != nil {
				return status.Errorf(codes.InvalidArgument, "Invalid value at '%s' (%s), %q", path, fd.Kind(), s)
			}
			if fd.IsList() {
				m.Mutable(fd).List().Append(v)
			} else {
				m.Set(fd, v)
			}
		}
	}
	return nil
}

func restScalar(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s), nil
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(s)), nil
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(s)
		return protoreflect.ValueOfBool(b), err
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		return protoreflect.ValueOfInt32(int32(n)), err
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, err := strconv.ParseInt(s, 10, 64)
		return protoreflect.ValueOfInt64(n), err
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, err := strconv.ParseUint(s, 10, 32)
		return protoreflect.ValueOfUint32(uint32(n)), err
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, err := strconv.ParseUint(s, 10, 64)
		return protoreflect.ValueOfUint64(n), err
	case protoreflect.FloatKind:
		f, err := strconv.ParseFloat(s, 32)
		return protoreflect.ValueOfFloat32(float32(f)), err
	case protoreflect.DoubleKind:
		f, err := strconv.ParseFloat(s, 64)
		return protoreflect.ValueOfFloat64(f), err
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByName(protoreflect.Name(s)); ev != nil {
			return protoreflect.ValueOfEnum(ev.Number()), nil
		}
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || fd.Enum().Values().ByNumber(protoreflect.EnumNumber(n)) == nil {
			return protoreflect.Value{}, fmt.Errorf("not a value of %s", fd.Enum().FullName())
		}
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)), nil
	}
	return protoreflect.Value{}, fmt.Errorf("unsupported kind %s", fd.Kind())
}

// httpStatus is the HTTP status of a gRPC code, as google.rpc.Code
// documents it.
func httpStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.Canceled:
		return 499
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func writeRESTError(w http.ResponseWriter, err error) {
	st := status.Convert(err)
	if st.Code() == codes.Unknown && err == context.Canceled {
		st = status.New(codes.Canceled, err.Error())
	}
	body := map[string]any{
		"code":    httpStatus(st.Code()),
		"message": st.Message(),
		"status":  rpccode.Code_name[int32(st.Code())],
	}
	if ds := st.Proto().GetDetails(); len(ds) > 0 {
		var details []json.RawMessage
		for _, d := range ds {
			if b, err := protojson.Marshal(d); err == nil {
				details = append(details, b)
			}
		}
		body["details"] = details
	}
	b, _ := json.Marshal(map[string]any{"error": body})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(httpStatus(st.Code()))
	_, _ = w.Write(b)
}
