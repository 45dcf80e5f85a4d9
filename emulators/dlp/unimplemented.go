package dlp

import (
	"context"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Every DlpService RPC the emulator does not implement answers
// UNIMPLEMENTED with a message naming the RPC and what to use instead,
// rather than grpc-go's bare "method X not implemented". README.md lists them.

// notEmulatedWhy explains each family of RPCs that is not emulated.
var notEmulatedWhy = map[string]string{
	"image":      "image redaction needs OCR, which this emulator does not have; send text, byte items of type TEXT_UTF8/CSV/TSV or tables to InspectContent or DeidentifyContent",
	"trigger":    "hybrid job triggers are not emulated (hybrid inspection is not); job triggers over BigQuery tables are",
	"job":        "hybrid jobs are not emulated; jobs inspect BigQuery tables (CreateDlpJob with inspect_job.storage_config.big_query_options)",
	"stored":     "stored infoTypes are not emulated; put the dictionary or regex inline as a custom infoType",
	"discovery":  "discovery configurations are not emulated",
	"profile":    "data profiles are not emulated (they come from discovery, which is not emulated)",
	"connection": "connections are not emulated",
	"policy":     "content policies are not emulated",
}

// unsupported refuses a config field or item type the emulator does not
// implement: UNIMPLEMENTED, naming the field.
func unsupported(field, why string) error {
	return status.Errorf(codes.Unimplemented, "%s is not supported by the DLP emulator: %s.", field, why)
}

func (s *Server) notEmulated(rpc, family string) error {
	if err := s.check(rpc); err != nil {
		return err
	}
	return status.Errorf(codes.Unimplemented, "%s is not implemented by the DLP emulator: %s.", rpc, notEmulatedWhy[family])
}

// RedactImage answers UNIMPLEMENTED.
func (s *Server) RedactImage(context.Context, *dlppb.RedactImageRequest) (*dlppb.RedactImageResponse, error) {
	return nil, s.notEmulated("RedactImage", "image")
}

// CreateDiscoveryConfig answers UNIMPLEMENTED.
func (s *Server) CreateDiscoveryConfig(context.Context, *dlppb.CreateDiscoveryConfigRequest) (*dlppb.DiscoveryConfig, error) {
	return nil, s.notEmulated("CreateDiscoveryConfig", "discovery")
}

// UpdateDiscoveryConfig answers UNIMPLEMENTED.
func (s *Server) UpdateDiscoveryConfig(context.Context, *dlppb.UpdateDiscoveryConfigRequest) (*dlppb.DiscoveryConfig, error) {
	return nil, s.notEmulated("UpdateDiscoveryConfig", "discovery")
}

// GetDiscoveryConfig answers UNIMPLEMENTED.
func (s *Server) GetDiscoveryConfig(context.Context, *dlppb.GetDiscoveryConfigRequest) (*dlppb.DiscoveryConfig, error) {
	return nil, s.notEmulated("GetDiscoveryConfig", "discovery")
}

// ListDiscoveryConfigs answers UNIMPLEMENTED.
func (s *Server) ListDiscoveryConfigs(context.Context, *dlppb.ListDiscoveryConfigsRequest) (*dlppb.ListDiscoveryConfigsResponse, error) {
	return nil, s.notEmulated("ListDiscoveryConfigs", "discovery")
}

// DeleteDiscoveryConfig answers UNIMPLEMENTED.
func (s *Server) DeleteDiscoveryConfig(context.Context, *dlppb.DeleteDiscoveryConfigRequest) (*emptypb.Empty, error) {
	return nil, s.notEmulated("DeleteDiscoveryConfig", "discovery")
}

// ListProjectDataProfiles answers UNIMPLEMENTED.
func (s *Server) ListProjectDataProfiles(context.Context, *dlppb.ListProjectDataProfilesRequest) (*dlppb.ListProjectDataProfilesResponse, error) {
	return nil, s.notEmulated("ListProjectDataProfiles", "profile")
}

// ListTableDataProfiles answers UNIMPLEMENTED.
func (s *Server) ListTableDataProfiles(context.Context, *dlppb.ListTableDataProfilesRequest) (*dlppb.ListTableDataProfilesResponse, error) {
	return nil, s.notEmulated("ListTableDataProfiles", "profile")
}

// ListColumnDataProfiles answers UNIMPLEMENTED.
func (s *Server) ListColumnDataProfiles(context.Context, *dlppb.ListColumnDataProfilesRequest) (*dlppb.ListColumnDataProfilesResponse, error) {
	return nil, s.notEmulated("ListColumnDataProfiles", "profile")
}

// GetProjectDataProfile answers UNIMPLEMENTED.
func (s *Server) GetProjectDataProfile(context.Context, *dlppb.GetProjectDataProfileRequest) (*dlppb.ProjectDataProfile, error) {
	return nil, s.notEmulated("GetProjectDataProfile", "profile")
}

// ListFileStoreDataProfiles answers UNIMPLEMENTED.
func (s *Server) ListFileStoreDataProfiles(context.Context, *dlppb.ListFileStoreDataProfilesRequest) (*dlppb.ListFileStoreDataProfilesResponse, error) {
	return nil, s.notEmulated("ListFileStoreDataProfiles", "profile")
}

// GetFileStoreDataProfile answers UNIMPLEMENTED.
func (s *Server) GetFileStoreDataProfile(context.Context, *dlppb.GetFileStoreDataProfileRequest) (*dlppb.FileStoreDataProfile, error) {
	return nil, s.notEmulated("GetFileStoreDataProfile", "profile")
}

// DeleteFileStoreDataProfile answers UNIMPLEMENTED.
func (s *Server) DeleteFileStoreDataProfile(context.Context, *dlppb.DeleteFileStoreDataProfileRequest) (*emptypb.Empty, error) {
	return nil, s.notEmulated("DeleteFileStoreDataProfile", "profile")
}

// GetTableDataProfile answers UNIMPLEMENTED.
func (s *Server) GetTableDataProfile(context.Context, *dlppb.GetTableDataProfileRequest) (*dlppb.TableDataProfile, error) {
	return nil, s.notEmulated("GetTableDataProfile", "profile")
}

// GetColumnDataProfile answers UNIMPLEMENTED.
func (s *Server) GetColumnDataProfile(context.Context, *dlppb.GetColumnDataProfileRequest) (*dlppb.ColumnDataProfile, error) {
	return nil, s.notEmulated("GetColumnDataProfile", "profile")
}

// DeleteTableDataProfile answers UNIMPLEMENTED.
func (s *Server) DeleteTableDataProfile(context.Context, *dlppb.DeleteTableDataProfileRequest) (*emptypb.Empty, error) {
	return nil, s.notEmulated("DeleteTableDataProfile", "profile")
}

// CreateConnection answers UNIMPLEMENTED.
func (s *Server) CreateConnection(context.Context, *dlppb.CreateConnectionRequest) (*dlppb.Connection, error) {
	return nil, s.notEmulated("CreateConnection", "connection")
}

// GetConnection answers UNIMPLEMENTED.
func (s *Server) GetConnection(context.Context, *dlppb.GetConnectionRequest) (*dlppb.Connection, error) {
	return nil, s.notEmulated("GetConnection", "connection")
}

// ListConnections answers UNIMPLEMENTED.
func (s *Server) ListConnections(context.Context, *dlppb.ListConnectionsRequest) (*dlppb.ListConnectionsResponse, error) {
	return nil, s.notEmulated("ListConnections", "connection")
}

// SearchConnections answers UNIMPLEMENTED.
func (s *Server) SearchConnections(context.Context, *dlppb.SearchConnectionsRequest) (*dlppb.SearchConnectionsResponse, error) {
	return nil, s.notEmulated("SearchConnections", "connection")
}

// DeleteConnection answers UNIMPLEMENTED.
func (s *Server) DeleteConnection(context.Context, *dlppb.DeleteConnectionRequest) (*emptypb.Empty, error) {
	return nil, s.notEmulated("DeleteConnection", "connection")
}

// UpdateConnection answers UNIMPLEMENTED.
func (s *Server) UpdateConnection(context.Context, *dlppb.UpdateConnectionRequest) (*dlppb.Connection, error) {
	return nil, s.notEmulated("UpdateConnection", "connection")
}

// CreateContentPolicy answers UNIMPLEMENTED.
func (s *Server) CreateContentPolicy(context.Context, *dlppb.CreateContentPolicyRequest) (*dlppb.ContentPolicy, error) {
	return nil, s.notEmulated("CreateContentPolicy", "policy")
}

// UpdateContentPolicy answers UNIMPLEMENTED.
func (s *Server) UpdateContentPolicy(context.Context, *dlppb.UpdateContentPolicyRequest) (*dlppb.ContentPolicy, error) {
	return nil, s.notEmulated("UpdateContentPolicy", "policy")
}

// GetContentPolicy answers UNIMPLEMENTED.
func (s *Server) GetContentPolicy(context.Context, *dlppb.GetContentPolicyRequest) (*dlppb.ContentPolicy, error) {
	return nil, s.notEmulated("GetContentPolicy", "policy")
}

// ListContentPolicies answers UNIMPLEMENTED.
func (s *Server) ListContentPolicies(context.Context, *dlppb.ListContentPoliciesRequest) (*dlppb.ListContentPoliciesResponse, error) {
	return nil, s.notEmulated("ListContentPolicies", "policy")
}

// DeleteContentPolicy answers UNIMPLEMENTED.
func (s *Server) DeleteContentPolicy(context.Context, *dlppb.DeleteContentPolicyRequest) (*emptypb.Empty, error) {
	return nil, s.notEmulated("DeleteContentPolicy", "policy")
}
