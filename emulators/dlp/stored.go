package dlp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Stored infoTypes (Create/Get/List/Update/DeleteStoredInfoType) and the
// two places a config names a dictionary in Cloud Storage.
//
// A stored infoType's version is built when it is created or its config
// updated: a dictionary's word_list or regex is kept as given, a
// dictionary's cloud_storage_path and a large_custom_dictionary's
// cloud_storage_file_set are read from Cloud Storage (Options.StorageAddr,
// normally the Cloud Storage emulator, through the real Storage client),
// a large_custom_dictionary's big_query_field from BigQuery
// (Options.BigQueryEndpoint). The live service builds versions
// asynchronously (PENDING, then READY or FAILED); here the build finishes
// before the RPC answers, so a new version is READY (or FAILED with its
// errors) at once and pending_versions only ever holds a FAILED update.
// custom_info_types[].stored_type then uses the current version's words or
// pattern, as an inline dictionary or regex would.

type storedType struct {
	pb *dlppb.StoredInfoType
	// custom is the detector of the current version: a CustomInfoType
	// with only its dictionary (word list) or regex set.
	custom *dlppb.CustomInfoType
}

var storedIDRE = jobIDRE // "[a-zA-Z\d-_]+", at most 100 characters, as template and job ids

func storedNotFound(name string) error {
	return status.Errorf(codes.NotFound, "StoredInfoType %q not found.", name)
}

// storage returns the Storage client for Options.StorageAddr, made once.
func (s *Server) storage(field string) (*storage.Client, error) {
	if s.opts.StorageAddr == "" {
		return nil, status.Errorf(codes.FailedPrecondition, "%s needs Cloud Storage: the DLP emulator has none (set Options.StorageAddr, `sluice emulator dlp --storage-addr`, to the Cloud Storage emulator).", field)
	}
	addr := strings.TrimPrefix(strings.TrimPrefix(s.opts.StorageAddr, "http://"), "https://")
	s.storageOnce.Do(func() {
		// JSON reads: the XML read path of fake-gcs-server needs its
		// public host to match (MEASURED.md).
		s.storageClient, s.storageErr = storage.NewClient(context.Background(),
			option.WithEndpoint("http://"+addr+"/storage/v1/"), option.WithoutAuthentication(), storage.WithJSONReads())
	})
	return s.storageClient, s.storageErr
}

// splitGCS parses gs://bucket/object.
func splitGCS(field, path string) (bucket, object string, err error) {
	rest, ok := strings.CutPrefix(path, "gs://")
	bucket, object, _ = strings.Cut(rest, "/")
	if !ok || bucket == "" || object == "" {
		return "", "", invalid("%s %q: want gs://BUCKET/OBJECT.", field, path)
	}
	return bucket, object, nil
}

// readWords reads a newline-delimited word file ("Newline-delimited file
// of words in Cloud Storage"); blank lines are skipped.
func (s *Server) readWords(ctx context.Context, field, path string) ([]string, error) {
	bucket, object, err := splitGCS(field, path)
	if err != nil {
		return nil, err
	}
	sc, err := s.storage(field)
	if err != nil {
		return nil, err
	}
	var objects []string
	if prefix, ok := strings.CutSuffix(object, "*"); ok {
		// A file set url may end in a wildcard ("gs://bucket/dir/*").
		it := sc.Bucket(bucket).Objects(ctx, &storage.Query{Prefix: prefix})
		for {
			a, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				return nil, status.Errorf(codes.FailedPrecondition, "%s %q: listing Cloud Storage: %v", field, path, err)
			}
			objects = append(objects, a.Name)
		}
		if len(objects) == 0 {
			return nil, status.Errorf(codes.NotFound, "%s %q: no object matches.", field, path)
		}
	} else {
		objects = []string{object}
	}
	var words []string
	for _, o := range objects {
		r, err := sc.Bucket(bucket).Object(o).NewReader(ctx)
		if errors.Is(err, storage.ErrObjectNotExist) || errors.Is(err, storage.ErrBucketNotExist) {
			return nil, status.Errorf(codes.NotFound, "%s: gs://%s/%s does not exist.", field, bucket, o)
		}
		if err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "%s: reading gs://%s/%s: %v", field, bucket, o, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "%s: reading gs://%s/%s: %v", field, bucket, o, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if w := strings.TrimSpace(line); w != "" {
				words = append(words, w)
			}
		}
	}
	if len(words) == 0 {
		return nil, invalid("%s %q holds no words.", field, path)
	}
	return words, nil
}

// bigQueryWords reads the values of one column for a large dictionary.
func (s *Server) bigQueryWords(ctx context.Context, f *dlppb.BigQueryField) ([]string, error) {
	const field = "large_custom_dictionary.big_query_field"
	t := f.GetTable()
	if t.GetProjectId() == "" || t.GetDatasetId() == "" || t.GetTableId() == "" || f.GetField().GetName() == "" {
		return nil, invalid("%s needs table.project_id, dataset_id, table_id and field.name.", field)
	}
	if s.opts.BigQueryEndpoint == "" {
		return nil, status.Errorf(codes.FailedPrecondition, "%s needs BigQuery: the DLP emulator has none (set Options.BigQueryEndpoint, `sluice emulator dlp --bigquery-endpoint`).", field)
	}
	bq, err := s.bigQuery(t.GetProjectId())
	if err != nil {
		return nil, err
	}
	q := bq.Query(fmt.Sprintf("SELECT `%s` FROM `%s.%s.%s`", f.GetField().GetName(), t.GetProjectId(), t.GetDatasetId(), t.GetTableId()))
	it, err := q.Read(ctx)
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "%s: reading %s.%s.%s: %v", field, t.GetProjectId(), t.GetDatasetId(), t.GetTableId(), err)
	}
	var words []string
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, status.Errorf(codes.FailedPrecondition, "%s: %v", field, err)
		}
		if len(row) > 0 && row[0] != nil {
			if w := strings.TrimSpace(fmt.Sprint(row[0])); w != "" {
				words = append(words, w)
			}
		}
	}
	if len(words) == 0 {
		return nil, invalid("%s: column %s holds no words.", field, f.GetField().GetName())
	}
	return words, nil
}

// checkStoredConfig refuses a config that could never build.
func checkStoredConfig(cfg *dlppb.StoredInfoTypeConfig) error {
	if cfg == nil {
		return invalid("config is required.")
	}
	switch {
	case cfg.GetRegex() != nil:
		_, err := compileRegex(cfg.GetRegex())
		return err
	case cfg.GetDictionary() != nil:
		d := cfg.GetDictionary()
		if d.GetCloudStoragePath() != nil {
			_, _, err := splitGCS("config.dictionary.cloud_storage_path", d.GetCloudStoragePath().GetPath())
			return err
		}
		_, err := compileDictionary(d)
		return err
	case cfg.GetLargeCustomDictionary() != nil:
		l := cfg.GetLargeCustomDictionary()
		switch {
		case l.GetCloudStorageFileSet() != nil:
			_, _, err := splitGCS("config.large_custom_dictionary.cloud_storage_file_set.url", l.GetCloudStorageFileSet().GetUrl())
			return err
		case l.GetBigQueryField() != nil:
			return nil
		}
		return invalid("config.large_custom_dictionary needs cloud_storage_file_set or big_query_field.")
	}
	return invalid("config must set dictionary, regex or large_custom_dictionary.")
}

// buildVersion builds a stored infoType version from its config: the
// detector, or the error that makes the version FAILED.
func (s *Server) buildVersion(ctx context.Context, cfg *dlppb.StoredInfoTypeConfig) (*dlppb.StoredInfoTypeVersion, *dlppb.CustomInfoType) {
	v := &dlppb.StoredInfoTypeVersion{Config: proto.Clone(cfg).(*dlppb.StoredInfoTypeConfig), CreateTime: s.stampLocked()}
	var words []string
	var err error
	custom := &dlppb.CustomInfoType{}
	switch {
	case cfg.GetRegex() != nil:
		custom.Type = &dlppb.CustomInfoType_Regex_{Regex: proto.Clone(cfg.GetRegex()).(*dlppb.CustomInfoType_Regex)}
	case cfg.GetDictionary().GetCloudStoragePath() != nil:
		words, err = s.readWords(ctx, "config.dictionary.cloud_storage_path", cfg.GetDictionary().GetCloudStoragePath().GetPath())
	case cfg.GetDictionary() != nil:
		words = cfg.GetDictionary().GetWordList().GetWords()
	case cfg.GetLargeCustomDictionary().GetCloudStorageFileSet() != nil:
		words, err = s.readWords(ctx, "config.large_custom_dictionary.cloud_storage_file_set.url", cfg.GetLargeCustomDictionary().GetCloudStorageFileSet().GetUrl())
	case cfg.GetLargeCustomDictionary().GetBigQueryField() != nil:
		words, err = s.bigQueryWords(ctx, cfg.GetLargeCustomDictionary().GetBigQueryField())
	}
	if custom.Type == nil && err == nil {
		d := &dlppb.CustomInfoType_Dictionary{Source: &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: words}}}
		if _, err = compileDictionary(d); err == nil {
			custom.Type = &dlppb.CustomInfoType_Dictionary_{Dictionary: d}
		}
	}
	if err != nil {
		v.State = dlppb.StoredInfoTypeState_FAILED
		v.Errors = []*dlppb.Error{jobError(err)}
		return v, nil
	}
	v.State = dlppb.StoredInfoTypeState_READY
	if cfg.GetLargeCustomDictionary() != nil {
		v.Stats = &dlppb.StoredInfoTypeStats{Type: &dlppb.StoredInfoTypeStats_LargeCustomDictionary{
			LargeCustomDictionary: &dlppb.LargeCustomDictionaryStats{ApproxNumPhrases: int64(len(words))}}}
	}
	return v, custom
}

// stampLocked is stamp for callers that do not hold s.mu.
func (s *Server) stampLocked() *timestamppb.Timestamp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stamp()
}

// CreateStoredInfoType implements DlpService.CreateStoredInfoType.
func (s *Server) CreateStoredInfoType(ctx context.Context, req *dlppb.CreateStoredInfoTypeRequest) (_ *dlppb.StoredInfoType, err error) {
	defer recoverInternal(&err)
	if err := s.check("CreateStoredInfoType"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q: want projects/PROJECT[/locations/LOCATION] or organizations/ORG[/locations/LOCATION].", req.GetParent())
	}
	id := req.GetStoredInfoTypeId()
	if id == "" {
		id = randomID()
	}
	if len(id) > 100 || !storedIDRE.MatchString(id) {
		return nil, invalid("stored_info_type_id %q must match [a-zA-Z\\d-_]+ and be at most 100 characters.", id)
	}
	if err := checkStoredConfig(req.GetConfig()); err != nil {
		return nil, err
	}
	parent := req.GetParent()
	if !strings.Contains(parent, "/locations/") {
		parent += "/locations/global"
	}
	name := parent + "/storedInfoTypes/" + id
	key := canonical(name)
	s.mu.Lock()
	_, exists := s.stored[key]
	s.mu.Unlock()
	if exists {
		return nil, status.Errorf(codes.AlreadyExists, "StoredInfoType %q already exists.", name)
	}
	v, custom := s.buildVersion(ctx, req.GetConfig())
	st := &storedType{pb: &dlppb.StoredInfoType{Name: name}, custom: custom}
	if custom != nil {
		st.pb.CurrentVersion = v
	} else {
		st.pb.PendingVersions = []*dlppb.StoredInfoTypeVersion{v}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.stored[key]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "StoredInfoType %q already exists.", name)
	}
	s.stored[key] = st
	return proto.Clone(st.pb).(*dlppb.StoredInfoType), nil
}

// GetStoredInfoType implements DlpService.GetStoredInfoType.
func (s *Server) GetStoredInfoType(ctx context.Context, req *dlppb.GetStoredInfoTypeRequest) (*dlppb.StoredInfoType, error) {
	if err := s.check("GetStoredInfoType"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stored[canonical(req.GetName())]
	if !ok {
		return nil, storedNotFound(req.GetName())
	}
	return proto.Clone(st.pb).(*dlppb.StoredInfoType), nil
}

// UpdateStoredInfoType implements DlpService.UpdateStoredInfoType: "Updates
// the stored infoType by creating a new version. The existing version will
// continue to be used until the new version is ready." update_mask names
// config fields (display_name, description, dictionary, regex,
// large_custom_dictionary) to take from the request; without one the
// request's config replaces the whole config.
func (s *Server) UpdateStoredInfoType(ctx context.Context, req *dlppb.UpdateStoredInfoTypeRequest) (_ *dlppb.StoredInfoType, err error) {
	defer recoverInternal(&err)
	if err := s.check("UpdateStoredInfoType"); err != nil {
		return nil, err
	}
	key := canonical(req.GetName())
	s.mu.Lock()
	st, ok := s.stored[key]
	var base *dlppb.StoredInfoTypeConfig
	if ok {
		base = st.pb.GetCurrentVersion().GetConfig()
		if n := len(st.pb.GetPendingVersions()); base == nil && n > 0 {
			base = st.pb.GetPendingVersions()[n-1].GetConfig()
		}
		base = proto.Clone(base).(*dlppb.StoredInfoTypeConfig)
	}
	s.mu.Unlock()
	if !ok {
		return nil, storedNotFound(req.GetName())
	}
	if req.GetConfig() == nil {
		return nil, invalid("config is required: an update creates a new version from it.")
	}
	cfg := proto.Clone(req.GetConfig()).(*dlppb.StoredInfoTypeConfig)
	if paths := req.GetUpdateMask().GetPaths(); len(paths) > 0 {
		cfg = base
		src, dst := req.GetConfig().ProtoReflect(), cfg.ProtoReflect()
		for _, p := range paths {
			fd := src.Descriptor().Fields().ByName(protoreflect.Name(p))
			if fd == nil {
				return nil, invalid("update_mask path %q is not a StoredInfoTypeConfig field (display_name, description, dictionary, regex, large_custom_dictionary).", p)
			}
			if fd.ContainingOneof() != nil {
				// Setting one detector clears the others.
				for i := 0; i < fd.ContainingOneof().Fields().Len(); i++ {
					dst.Clear(fd.ContainingOneof().Fields().Get(i))
				}
			}
			if src.Has(fd) {
				dst.Set(fd, src.Get(fd))
			} else {
				dst.Clear(fd)
			}
		}
	}
	if err := checkStoredConfig(cfg); err != nil {
		return nil, err
	}
	v, custom := s.buildVersion(ctx, cfg)
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok = s.stored[key]; !ok {
		return nil, storedNotFound(req.GetName())
	}
	if custom != nil {
		st.pb.CurrentVersion, st.pb.PendingVersions, st.custom = v, nil, custom
	} else {
		st.pb.PendingVersions = append(st.pb.PendingVersions, v)
	}
	return proto.Clone(st.pb).(*dlppb.StoredInfoType), nil
}

// ListStoredInfoTypes implements DlpService.ListStoredInfoTypes: order_by
// create_time, name, display_name or state (default name), paging.
func (s *Server) ListStoredInfoTypes(ctx context.Context, req *dlppb.ListStoredInfoTypesRequest) (*dlppb.ListStoredInfoTypesResponse, error) {
	if err := s.check("ListStoredInfoTypes"); err != nil {
		return nil, err
	}
	if !validParent(req.GetParent()) {
		return nil, invalid("Invalid parent %q.", req.GetParent())
	}
	less, err := parseOrderBy(req.GetOrderBy(), map[string]func(a, b *dlppb.StoredInfoType) int{
		"create_time": func(a, b *dlppb.StoredInfoType) int {
			return a.GetCurrentVersion().GetCreateTime().AsTime().Compare(b.GetCurrentVersion().GetCreateTime().AsTime())
		},
		"name":         func(a, b *dlppb.StoredInfoType) int { return strings.Compare(a.GetName(), b.GetName()) },
		"display_name": func(a, b *dlppb.StoredInfoType) int { return strings.Compare(storedDisplay(a), storedDisplay(b)) },
		"state":        func(a, b *dlppb.StoredInfoType) int { return int(storedState(a)) - int(storedState(b)) },
	}, "create_time, name, display_name, state")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var all []*dlppb.StoredInfoType
	for _, k := range listKeys(s.stored, req.GetParent()) {
		all = append(all, proto.Clone(s.stored[k].pb).(*dlppb.StoredInfoType))
	}
	s.mu.Unlock()
	if less != nil {
		sort.SliceStable(all, func(i, j int) bool { return less(all[i], all[j]) })
	}
	pg, next, err := pageOf(all, req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	return &dlppb.ListStoredInfoTypesResponse{StoredInfoTypes: pg, NextPageToken: next}, nil
}

func storedDisplay(st *dlppb.StoredInfoType) string {
	if c := st.GetCurrentVersion().GetConfig(); c != nil {
		return c.GetDisplayName()
	}
	if n := len(st.GetPendingVersions()); n > 0 {
		return st.GetPendingVersions()[n-1].GetConfig().GetDisplayName()
	}
	return ""
}

func storedState(st *dlppb.StoredInfoType) dlppb.StoredInfoTypeState {
	if st.GetCurrentVersion() != nil {
		return st.GetCurrentVersion().GetState()
	}
	if n := len(st.GetPendingVersions()); n > 0 {
		return st.GetPendingVersions()[n-1].GetState()
	}
	return dlppb.StoredInfoTypeState_STORED_INFO_TYPE_STATE_UNSPECIFIED
}

// DeleteStoredInfoType implements DlpService.DeleteStoredInfoType.
func (s *Server) DeleteStoredInfoType(ctx context.Context, req *dlppb.DeleteStoredInfoTypeRequest) (*emptypb.Empty, error) {
	if err := s.check("DeleteStoredInfoType"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(req.GetName())
	if _, ok := s.stored[key]; !ok {
		return nil, storedNotFound(req.GetName())
	}
	delete(s.stored, key)
	return &emptypb.Empty{}, nil
}

// resolveStored returns cfg with every custom_info_types[].stored_type
// replaced by the stored infoType's current detector and every dictionary
// cloud_storage_path (custom infoTypes and exclusion rules) read into a
// word list; cfg itself when it has neither.
func (s *Server) resolveStored(ctx context.Context, cfg *dlppb.InspectConfig) (*dlppb.InspectConfig, error) {
	need := false
	for _, c := range cfg.GetCustomInfoTypes() {
		if c.GetStoredType() != nil || c.GetDictionary().GetCloudStoragePath() != nil {
			need = true
		}
	}
	for _, rs := range cfg.GetRuleSet() {
		for _, r := range rs.GetRules() {
			if r.GetExclusionRule().GetDictionary().GetCloudStoragePath() != nil {
				need = true
			}
		}
	}
	if !need {
		return cfg, nil
	}
	out := proto.Clone(cfg).(*dlppb.InspectConfig)
	for i, c := range out.GetCustomInfoTypes() {
		switch {
		case c.GetStoredType() != nil:
			name := c.GetStoredType().GetName()
			s.mu.Lock()
			st, ok := s.stored[canonical(name)]
			var custom *dlppb.CustomInfoType
			if ok {
				custom = st.custom
			}
			s.mu.Unlock()
			if !ok {
				return nil, status.Errorf(codes.NotFound, "custom_info_types[%d].stored_type: StoredInfoType %q not found.", i, name)
			}
			if custom == nil {
				return nil, status.Errorf(codes.FailedPrecondition, "custom_info_types[%d].stored_type: StoredInfoType %q has no READY version (its only version FAILED; see pending_versions[].errors).", i, name)
			}
			switch t := custom.Type.(type) {
			case *dlppb.CustomInfoType_Regex_:
				c.Type = &dlppb.CustomInfoType_Regex_{Regex: t.Regex}
			case *dlppb.CustomInfoType_Dictionary_:
				c.Type = &dlppb.CustomInfoType_Dictionary_{Dictionary: t.Dictionary}
			}
		case c.GetDictionary().GetCloudStoragePath() != nil:
			words, err := s.readWords(ctx, fmt.Sprintf("custom_info_types[%d].dictionary.cloud_storage_path", i), c.GetDictionary().GetCloudStoragePath().GetPath())
			if err != nil {
				return nil, err
			}
			c.GetDictionary().Source = &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: words}}
		}
	}
	for _, rs := range out.GetRuleSet() {
		for _, r := range rs.GetRules() {
			if d := r.GetExclusionRule().GetDictionary(); d.GetCloudStoragePath() != nil {
				words, err := s.readWords(ctx, "rule_set[].rules[].exclusion_rule.dictionary.cloud_storage_path", d.GetCloudStoragePath().GetPath())
				if err != nil {
					return nil, err
				}
				d.Source = &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: words}}
			}
		}
	}
	return out, nil
}
