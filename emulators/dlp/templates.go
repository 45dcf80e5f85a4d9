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

func (s *Server) CreateInspectTemplate(ctx context.Context, req *dlppb.CreateInspectTemplateRequest) (*dlppb.InspectTemplate, error) {
	if err := s.check("CreateInspectTemplate"); err != nil {
		return nil, err
	}
	if req.GetInspectTemplate() == nil {
		return nil, invalid("inspect_template is required.")
	}
	name, err := templateName(req.GetParent(), "inspectTemplates", req.GetTemplateId())
	if err != nil {
		return nil, err
	}
	if _, err := newInspector(req.GetInspectTemplate().GetInspectConfig()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(name)
	if _, ok := s.inspectT[key]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Template %q already exists.", name)
	}
	t := proto.Clone(req.GetInspectTemplate()).(*dlppb.InspectTemplate)
	t.Name = name
	t.CreateTime = s.stamp()
	t.UpdateTime = t.CreateTime
	s.inspectT[key] = t
	return proto.Clone(t).(*dlppb.InspectTemplate), nil
}

func (s *Server) GetInspectTemplate(ctx context.Context, req *dlppb.GetInspectTemplateRequest) (*dlppb.InspectTemplate, error) {
	if err := s.check("GetInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.inspectT[canonical(req.GetName())]
	if !ok {
		return nil, notFound(req.GetName())
	}
	return proto.Clone(t).(*dlppb.InspectTemplate), nil
}

func (s *Server) UpdateInspectTemplate(ctx context.Context, req *dlppb.UpdateInspectTemplateRequest) (*dlppb.InspectTemplate, error) {
	if err := s.check("UpdateInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(req.GetName())
	t, ok := s.inspectT[key]
	if !ok {
		return nil, notFound(req.GetName())
	}
	in := req.GetInspectTemplate()
	if in == nil {
		return nil, invalid("inspect_template is required.")
	}
	paths := req.GetUpdateMask().GetPaths()
	nt := proto.Clone(t).(*dlppb.InspectTemplate)
	if len(paths) == 0 {
		paths = []string{"display_name", "description", "inspect_config"}
	}
	for _, p := range paths {
		switch p {
		case "display_name", "displayName":
			nt.DisplayName = in.GetDisplayName()
		case "description":
			nt.Description = in.GetDescription()
		case "inspect_config", "inspectConfig":
			nt.InspectConfig = in.GetInspectConfig()
		default:
			return nil, invalid("Unsupported update_mask path %q.", p)
		}
	}
	if _, err := newInspector(nt.GetInspectConfig()); err != nil {
		return nil, err
	}
	nt.UpdateTime = s.stamp()
	s.inspectT[key] = nt
	return proto.Clone(nt).(*dlppb.InspectTemplate), nil
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
		start, _ = strconv.Atoi(token)
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

func (s *Server) ListInspectTemplates(ctx context.Context, req *dlppb.ListInspectTemplatesRequest) (*dlppb.ListInspectTemplatesResponse, error) {
	if err := s.check("ListInspectTemplates"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q.", req.GetParent())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, next := page(listKeys(s.inspectT, req.GetParent()), req.GetPageToken(), req.GetPageSize())
	resp := &dlppb.ListInspectTemplatesResponse{NextPageToken: next}
	for _, k := range keys {
		resp.InspectTemplates = append(resp.InspectTemplates, proto.Clone(s.inspectT[k]).(*dlppb.InspectTemplate))
	}
	return resp, nil
}

func (s *Server) DeleteInspectTemplate(ctx context.Context, req *dlppb.DeleteInspectTemplateRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteInspectTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(req.GetName())
	if _, ok := s.inspectT[key]; !ok {
		return nil, notFound(req.GetName())
	}
	delete(s.inspectT, key)
	return &emptypb.Empty{}, nil
}

func (s *Server) CreateDeidentifyTemplate(ctx context.Context, req *dlppb.CreateDeidentifyTemplateRequest) (*dlppb.DeidentifyTemplate, error) {
	if err := s.check("CreateDeidentifyTemplate"); err != nil {
		return nil, err
	}
	if req.GetDeidentifyTemplate() == nil {
		return nil, invalid("deidentify_template is required.")
	}
	name, err := templateName(req.GetParent(), "deidentifyTemplates", req.GetTemplateId())
	if err != nil {
		return nil, err
	}
	if err := validateDeidConfig(req.GetDeidentifyTemplate().GetDeidentifyConfig()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(name)
	if _, ok := s.deidT[key]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Template %q already exists.", name)
	}
	t := proto.Clone(req.GetDeidentifyTemplate()).(*dlppb.DeidentifyTemplate)
	t.Name = name
	t.CreateTime = s.stamp()
	t.UpdateTime = t.CreateTime
	s.deidT[key] = t
	return proto.Clone(t).(*dlppb.DeidentifyTemplate), nil
}

func (s *Server) GetDeidentifyTemplate(ctx context.Context, req *dlppb.GetDeidentifyTemplateRequest) (*dlppb.DeidentifyTemplate, error) {
	if err := s.check("GetDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.deidT[canonical(req.GetName())]
	if !ok {
		return nil, notFound(req.GetName())
	}
	return proto.Clone(t).(*dlppb.DeidentifyTemplate), nil
}

func (s *Server) UpdateDeidentifyTemplate(ctx context.Context, req *dlppb.UpdateDeidentifyTemplateRequest) (*dlppb.DeidentifyTemplate, error) {
	if err := s.check("UpdateDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(req.GetName())
	t, ok := s.deidT[key]
	if !ok {
		return nil, notFound(req.GetName())
	}
	in := req.GetDeidentifyTemplate()
	if in == nil {
		return nil, invalid("deidentify_template is required.")
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = []string{"display_name", "description", "deidentify_config"}
	}
	nt := proto.Clone(t).(*dlppb.DeidentifyTemplate)
	for _, p := range paths {
		switch p {
		case "display_name", "displayName":
			nt.DisplayName = in.GetDisplayName()
		case "description":
			nt.Description = in.GetDescription()
		case "deidentify_config", "deidentifyConfig":
			nt.DeidentifyConfig = in.GetDeidentifyConfig()
		default:
			return nil, invalid("Unsupported update_mask path %q.", p)
		}
	}
	if err := validateDeidConfig(nt.GetDeidentifyConfig()); err != nil {
		return nil, err
	}
	nt.UpdateTime = s.stamp()
	s.deidT[key] = nt
	return proto.Clone(nt).(*dlppb.DeidentifyTemplate), nil
}

func (s *Server) ListDeidentifyTemplates(ctx context.Context, req *dlppb.ListDeidentifyTemplatesRequest) (*dlppb.ListDeidentifyTemplatesResponse, error) {
	if err := s.check("ListDeidentifyTemplates"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q.", req.GetParent())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, next := page(listKeys(s.deidT, req.GetParent()), req.GetPageToken(), req.GetPageSize())
	resp := &dlppb.ListDeidentifyTemplatesResponse{NextPageToken: next}
	for _, k := range keys {
		resp.DeidentifyTemplates = append(resp.DeidentifyTemplates, proto.Clone(s.deidT[k]).(*dlppb.DeidentifyTemplate))
	}
	return resp, nil
}

func (s *Server) DeleteDeidentifyTemplate(ctx context.Context, req *dlppb.DeleteDeidentifyTemplateRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteDeidentifyTemplate"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(req.GetName())
	if _, ok := s.deidT[key]; !ok {
		return nil, notFound(req.GetName())
	}
	delete(s.deidT, key)
	return &emptypb.Empty{}, nil
}

// resolveInspectConfig merges a named template with the request config the
// way DLP documents: the template is the base, singular request fields
// replace, repeated fields append, messages merge recursively.
func (s *Server) resolveInspectConfig(cfg *dlppb.InspectConfig, name string) (*dlppb.InspectConfig, error) {
	if name == "" {
		if cfg == nil {
			return &dlppb.InspectConfig{}, nil
		}
		return cfg, nil
	}
	s.mu.Lock()
	t, ok := s.inspectT[canonical(name)]
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
	t, ok := s.deidT[canonical(name)]
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
