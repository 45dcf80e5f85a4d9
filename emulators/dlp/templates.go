package dlp

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func validParent(p string) bool {
	parts := strings.Split(p, "/")
	switch len(parts) {
	case 2:
		return (parts[0] == "projects" || parts[0] == "organizations") && parts[1] != ""
	case 4:
		return (parts[0] == "projects" || parts[0] == "organizations") && parts[1] != "" && parts[2] == "locations" && parts[3] != ""
	}
	return false
}

func validTemplateID(id string) bool {
	if len(id) > 100 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func templateName(parent, kind, id string) (string, error) {
	if !validParent(parent) {
		return "", invalid("Invalid parent %q: expected projects/{project}[/locations/{location}].", parent)
	}
	if id == "" {
		id = randomID()
	}
	if !validTemplateID(id) {
		return "", invalid("Invalid template id %q: it must match [a-zA-Z0-9_-]{0,100}.", id)
	}
	return parent + "/" + kind + "/" + id, nil
}

func notFound(name string) error {
	return status.Errorf(codes.NotFound, "Template %q not found.", name)
}

// canonical maps projects/p/x/id and projects/p/locations/global/x/id to one key.
func canonical(name string) string {
	parts := strings.Split(name, "/")
	if len(parts) == 4 {
		return strings.Join([]string{parts[0], parts[1], "locations", "global", parts[2], parts[3]}, "/")
	}
	return name
}

func (s *Server) stamp() *timestamppb.Timestamp {
	now := time.Now().UnixNano()
	if now <= s.lastWrite {
		now = s.lastWrite + 1
	}
	s.lastWrite = now
	return timestamppb.New(time.Unix(0, now))
}

// templateStore keeps one kind of template (inspect or de-identify). The two
// kinds differ only in their config field and how it is validated, so one
// store serves both; fields are set through protobuf reflection by name.
type templateStore[T proto.Message] struct {
	kind     string // "inspectTemplates" or "deidentifyTemplates"
	config   string // the config field: "inspect_config" or "deidentify_config"
	argName  string // the request field, for errors: "inspect_template"
	validate func(T) error
	m        map[string]T
}

func (ts *templateStore[T]) set(t T, field string, v protoreflect.Value) {
	t.ProtoReflect().Set(t.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(field)), v)
}

// copyField sets field of dst to its value in src, clearing it when src
// leaves it unset (an unset message cannot be Set).
func (ts *templateStore[T]) copyField(dst, src T, field string) {
	fd := src.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(field))
	if !src.ProtoReflect().Has(fd) {
		dst.ProtoReflect().Clear(fd)
		return
	}
	dst.ProtoReflect().Set(fd, src.ProtoReflect().Get(fd))
}

// create stores a copy of in under parent/kind/id. The caller holds s.mu.
func (ts *templateStore[T]) create(s *Server, parent, id string, in T) (T, error) {
	var zero T
	if !in.ProtoReflect().IsValid() {
		return zero, invalid("%s is required.", ts.argName)
	}
	name, err := templateName(parent, ts.kind, id)
	if err != nil {
		return zero, err
	}
	if err := ts.validate(in); err != nil {
		return zero, err
	}
	key := canonical(name)
	if _, ok := ts.m[key]; ok {
		return zero, status.Errorf(codes.AlreadyExists, "Template %q already exists.", name)
	}
	t := proto.Clone(in).(T)
	now := protoreflect.ValueOfMessage(s.stamp().ProtoReflect())
	ts.set(t, "name", protoreflect.ValueOfString(name))
	ts.set(t, "create_time", now)
	ts.set(t, "update_time", now)
	ts.m[key] = t
	return proto.Clone(t).(T), nil
}

// lookup returns a copy of the named template. The caller holds s.mu.
func (ts *templateStore[T]) lookup(name string) (T, error) {
	t, ok := ts.m[canonical(name)]
	if !ok {
		var zero T
		return zero, notFound(name)
	}
	return proto.Clone(t).(T), nil
}

// update applies the fields named by paths (all three when empty) from in.
// The caller holds s.mu.
func (ts *templateStore[T]) update(s *Server, name string, in T, paths []string) (T, error) {
	var zero T
	key := canonical(name)
	t, ok := ts.m[key]
	if !ok {
		return zero, notFound(name)
	}
	if !in.ProtoReflect().IsValid() {
		return zero, invalid("%s is required.", ts.argName)
	}
	if len(paths) == 0 {
		paths = []string{"display_name", "description", ts.config}
	}
	nt := proto.Clone(t).(T)
	for _, p := range paths {
		field := p
		switch p {
		case "displayName":
			field = "display_name"
		case "inspectConfig", "deidentifyConfig":
			field = strings.ToLower(p[:len(p)-6]) + "_config"
		}
		if field != "display_name" && field != "description" && field != ts.config {
			return zero, invalid("Unsupported update_mask path %q.", p)
		}
		ts.copyField(nt, in, field)
	}
	if err := ts.validate(nt); err != nil {
		return zero, err
	}
	ts.set(nt, "update_time", protoreflect.ValueOfMessage(s.stamp().ProtoReflect()))
	ts.m[key] = nt
	return proto.Clone(nt).(T), nil
}

// list returns one page of the templates under parent. The caller holds s.mu.
func (ts *templateStore[T]) list(parent, token string, size int32) ([]T, string, error) {
	if !validParent(parent) {
		return nil, "", invalid("Invalid parent %q.", parent)
	}
	keys, next := page(listKeys(ts.m, parent), token, size)
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = proto.Clone(ts.m[k]).(T)
	}
	return out, next, nil
}

// remove deletes the named template. The caller holds s.mu.
func (ts *templateStore[T]) remove(name string) error {
	key := canonical(name)
	if _, ok := ts.m[key]; !ok {
		return notFound(name)
	}
	delete(ts.m, key)
	return nil
}

func listKeys[T any](m map[string]T, parent string) []string {
	cp := canonical(parent + "/x/y")
	prefix := strings.TrimSuffix(cp, "x/y")
	var keys []string
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func page(keys []string, token string, size int32) ([]string, string) {
	start := 0
	if token != "" {
		if n, err := strconv.Atoi(token); err == nil && n > 0 {
			start = n
		}
	}
	if start > len(keys) {
		start = len(keys)
	}
	n := int(size)
	if n <= 0 || n > 1000 {
		n = 1000
	}
	end := start + n
	next := ""
	if end < len(keys) {
		next = strconv.Itoa(end)
	} else {
		end = len(keys)
	}
	return keys[start:end], next
}

func (s *Server) CreateInspectTemplate(ctx context.Context, req *dlppb.CreateInspectTemplateRequest) (*dlppb.InspectTemplate, error) {
	if err := s.check("CreateInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inspectT.create(s, req.GetParent(), req.GetTemplateId(), req.GetInspectTemplate())
}

func (s *Server) GetInspectTemplate(ctx context.Context, req *dlppb.GetInspectTemplateRequest) (*dlppb.InspectTemplate, error) {
	if err := s.check("GetInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inspectT.lookup(req.GetName())
}

func (s *Server) UpdateInspectTemplate(ctx context.Context, req *dlppb.UpdateInspectTemplateRequest) (*dlppb.InspectTemplate, error) {
	if err := s.check("UpdateInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inspectT.update(s, req.GetName(), req.GetInspectTemplate(), req.GetUpdateMask().GetPaths())
}

func (s *Server) ListInspectTemplates(ctx context.Context, req *dlppb.ListInspectTemplatesRequest) (*dlppb.ListInspectTemplatesResponse, error) {
	if err := s.check("ListInspectTemplates"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts, next, err := s.inspectT.list(req.GetParent(), req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	return &dlppb.ListInspectTemplatesResponse{InspectTemplates: ts, NextPageToken: next}, nil
}

func (s *Server) DeleteInspectTemplate(ctx context.Context, req *dlppb.DeleteInspectTemplateRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &emptypb.Empty{}, s.inspectT.remove(req.GetName())
}

func (s *Server) CreateDeidentifyTemplate(ctx context.Context, req *dlppb.CreateDeidentifyTemplateRequest) (*dlppb.DeidentifyTemplate, error) {
	if err := s.check("CreateDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deidT.create(s, req.GetParent(), req.GetTemplateId(), req.GetDeidentifyTemplate())
}

func (s *Server) GetDeidentifyTemplate(ctx context.Context, req *dlppb.GetDeidentifyTemplateRequest) (*dlppb.DeidentifyTemplate, error) {
	if err := s.check("GetDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deidT.lookup(req.GetName())
}

func (s *Server) UpdateDeidentifyTemplate(ctx context.Context, req *dlppb.UpdateDeidentifyTemplateRequest) (*dlppb.DeidentifyTemplate, error) {
	if err := s.check("UpdateDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deidT.update(s, req.GetName(), req.GetDeidentifyTemplate(), req.GetUpdateMask().GetPaths())
}

func (s *Server) ListDeidentifyTemplates(ctx context.Context, req *dlppb.ListDeidentifyTemplatesRequest) (*dlppb.ListDeidentifyTemplatesResponse, error) {
	if err := s.check("ListDeidentifyTemplates"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts, next, err := s.deidT.list(req.GetParent(), req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	return &dlppb.ListDeidentifyTemplatesResponse{DeidentifyTemplates: ts, NextPageToken: next}, nil
}

func (s *Server) DeleteDeidentifyTemplate(ctx context.Context, req *dlppb.DeleteDeidentifyTemplateRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &emptypb.Empty{}, s.deidT.remove(req.GetName())
}

// resolveInspectConfig merges a named template with the request config the
// way DLP documents: the template is the base, singular request fields
// replace, repeated fields append, messages merge recursively.
// Stored infoTypes and Cloud Storage dictionaries are then resolved
// (stored.go).
func (s *Server) resolveInspectConfig(ctx context.Context, cfg *dlppb.InspectConfig, name string) (*dlppb.InspectConfig, error) {
	out, err := s.mergeInspectTemplate(cfg, name)
	if err != nil {
		return nil, err
	}
	return s.resolveStored(ctx, out)
}

func (s *Server) mergeInspectTemplate(cfg *dlppb.InspectConfig, name string) (*dlppb.InspectConfig, error) {
	if name == "" {
		if cfg == nil {
			return &dlppb.InspectConfig{}, nil
		}
		return cfg, nil
	}
	s.mu.Lock()
	t, ok := s.inspectT.m[canonical(name)]
	s.mu.Unlock()
	if !ok {
		return nil, notFound(name)
	}
	out := proto.Clone(t.GetInspectConfig()).(*dlppb.InspectConfig)
	if out == nil {
		out = &dlppb.InspectConfig{}
	}
	if cfg != nil {
		proto.Merge(out, cfg)
	}
	return out, nil
}

func (s *Server) resolveDeidConfig(cfg *dlppb.DeidentifyConfig, name string) (*dlppb.DeidentifyConfig, error) {
	if name == "" {
		return cfg, nil
	}
	s.mu.Lock()
	t, ok := s.deidT.m[canonical(name)]
	s.mu.Unlock()
	if !ok {
		return nil, notFound(name)
	}
	out := proto.Clone(t.GetDeidentifyConfig()).(*dlppb.DeidentifyConfig)
	if cfg != nil {
		proto.Merge(out, cfg)
	}
	return out, nil
}
