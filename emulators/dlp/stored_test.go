package dlp

import (
	"context"
	"strings"
	"testing"

	dlpapi "cloud.google.com/go/dlp/apiv2"
	"cloud.google.com/go/dlp/apiv2/dlppb"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gcsemu "github.com/sluice-data/sluice/emulators/gcs"
)

// startStorage serves the Cloud Storage emulator with bucket "dicts" and
// returns its address and a client for writing objects.
func startStorage(t *testing.T) (string, *storage.Client) {
	t.Helper()
	g, err := gcsemu.New(gcsemu.Options{Project: "p", Buckets: []string{"dicts"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	sc, err := storage.NewClient(context.Background(), option.WithEndpoint("http://"+g.Addr+"/storage/v1/"), option.WithoutAuthentication(), storage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	return g.Addr, sc
}

func putObject(t *testing.T, sc *storage.Client, name, body string) {
	t.Helper()
	w := sc.Bucket("dicts").Object(name).NewWriter(context.Background())
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func wordListConfig(words ...string) *dlppb.StoredInfoTypeConfig {
	return &dlppb.StoredInfoTypeConfig{DisplayName: "codes", Type: &dlppb.StoredInfoTypeConfig_Dictionary{Dictionary: &dlppb.CustomInfoType_Dictionary{
		Source: &dlppb.CustomInfoType_Dictionary_WordList_{WordList: &dlppb.CustomInfoType_Dictionary_WordList{Words: words}}}}}
}

func storedCustom(infoType, name string) *dlppb.CustomInfoType {
	return &dlppb.CustomInfoType{InfoType: &dlppb.InfoType{Name: infoType}, Type: &dlppb.CustomInfoType_StoredType{StoredType: &dlppb.StoredType{Name: name}}}
}

// storedQuotes inspects text with the given custom infoTypes and returns
// "INFOTYPE:quote" for every finding.
func storedQuotes(t *testing.T, c *dlpapi.Client, text string, customs ...*dlppb.CustomInfoType) ([]string, error) {
	t.Helper()
	resp, err := c.InspectContent(context.Background(), &dlppb.InspectContentRequest{Parent: parent, Item: textItem(text),
		InspectConfig: &dlppb.InspectConfig{CustomInfoTypes: customs, IncludeQuote: true}})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range resp.GetResult().GetFindings() {
		out = append(out, f.GetInfoType().GetName()+":"+f.GetQuote())
	}
	return out, nil
}

// The lifecycle of the reference's stored infoType RPCs through the real
// client: a word-list dictionary and a regex, READY at once; stored_type
// in inspect and de-identify; an update makes a new version; delete.
func TestStoredInfoTypeLifecycle(t *testing.T) {
	_, c := start(t, Options{})
	ctx := context.Background()
	st, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: "projects/p", StoredInfoTypeId: "codes", Config: wordListConfig("falcon", "osprey")})
	if err != nil {
		t.Fatal(err)
	}
	name := "projects/p/locations/global/storedInfoTypes/codes"
	if st.GetName() != name || st.GetCurrentVersion().GetState() != dlppb.StoredInfoTypeState_READY || st.GetCurrentVersion().GetCreateTime() == nil || len(st.GetPendingVersions()) != 0 {
		t.Fatalf("created %v", st)
	}
	if _, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, StoredInfoTypeId: "codes", Config: wordListConfig("x1")}); codeOf(err) != codes.AlreadyExists {
		t.Errorf("duplicate: %v", err)
	}
	re, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, StoredInfoTypeId: "tickets", Config: &dlppb.StoredInfoTypeConfig{
		DisplayName: "a tickets", Type: &dlppb.StoredInfoTypeConfig_Regex{Regex: &dlppb.CustomInfoType_Regex{Pattern: `TCK-\d{4}`}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := storedQuotes(t, c, "Project falcon, see TCK-1234 and osprey.", storedCustom("CODE", name), storedCustom("TICKET", re.GetName()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "CODE:falcon,TICKET:TCK-1234,CODE:osprey" {
		t.Errorf("inspect with stored types: %q", got)
	}
	deid, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, Item: textItem("Project falcon is late."),
		InspectConfig: &dlppb.InspectConfig{CustomInfoTypes: []*dlppb.CustomInfoType{storedCustom("CODE", name)}},
		DeidentifyConfig: &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_InfoTypeTransformations{InfoTypeTransformations: &dlppb.InfoTypeTransformations{
			Transformations: []*dlppb.InfoTypeTransformations_InfoTypeTransformation{{PrimitiveTransformation: &dlppb.PrimitiveTransformation{
				Transformation: &dlppb.PrimitiveTransformation_ReplaceWithInfoTypeConfig{ReplaceWithInfoTypeConfig: &dlppb.ReplaceWithInfoTypeConfig{}}}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := deid.GetItem().GetValue(); got != "Project [CODE] is late." {
		t.Errorf("deidentify with stored type: %q", got)
	}

	g, err := c.GetStoredInfoType(ctx, &dlppb.GetStoredInfoTypeRequest{Name: "projects/p/storedInfoTypes/codes"})
	if err != nil || g.GetCurrentVersion().GetConfig().GetDisplayName() != "codes" {
		t.Fatalf("get: %v %v", g, err)
	}
	var names []string
	it := c.ListStoredInfoTypes(ctx, &dlppb.ListStoredInfoTypesRequest{Parent: parent, OrderBy: "display_name", PageSize: 1})
	for {
		x, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, x.GetName())
	}
	if strings.Join(names, ",") != re.GetName()+","+name {
		t.Errorf("list by display_name: %q", names)
	}

	// An update is a new version; its words replace the old ones.
	up, err := c.UpdateStoredInfoType(ctx, &dlppb.UpdateStoredInfoTypeRequest{Name: name, Config: wordListConfig("heron")})
	if err != nil {
		t.Fatal(err)
	}
	if !up.GetCurrentVersion().GetCreateTime().AsTime().After(st.GetCurrentVersion().GetCreateTime().AsTime()) {
		t.Errorf("update kept the version: %v", up)
	}
	if got, _ := storedQuotes(t, c, "falcon heron", storedCustom("CODE", name)); strings.Join(got, ",") != "CODE:heron" {
		t.Errorf("after update: %q", got)
	}
	// update_mask: only display_name changes, the words stay.
	up, err = c.UpdateStoredInfoType(ctx, &dlppb.UpdateStoredInfoTypeRequest{Name: name, Config: &dlppb.StoredInfoTypeConfig{DisplayName: "birds"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil || up.GetCurrentVersion().GetConfig().GetDisplayName() != "birds" || up.GetCurrentVersion().GetConfig().GetDictionary() == nil {
		t.Errorf("masked update: %v %v", up, err)
	}

	if err := c.DeleteStoredInfoType(ctx, &dlppb.DeleteStoredInfoTypeRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetStoredInfoType(ctx, &dlppb.GetStoredInfoTypeRequest{Name: name}); codeOf(err) != codes.NotFound {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := storedQuotes(t, c, "heron", storedCustom("CODE", name)); codeOf(err) != codes.NotFound || !strings.Contains(err.Error(), name) {
		t.Errorf("inspect with a deleted stored type: %v", err)
	}
	for what, cfg := range map[string]*dlppb.StoredInfoTypeConfig{
		"no type":   {DisplayName: "x"},
		"bad regex": {Type: &dlppb.StoredInfoTypeConfig_Regex{Regex: &dlppb.CustomInfoType_Regex{Pattern: "("}}},
		"bad path": {Type: &dlppb.StoredInfoTypeConfig_Dictionary{Dictionary: &dlppb.CustomInfoType_Dictionary{
			Source: &dlppb.CustomInfoType_Dictionary_CloudStoragePath{CloudStoragePath: &dlppb.CloudStoragePath{Path: "dicts/words.txt"}}}}},
	} {
		if _, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, Config: cfg}); codeOf(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", what, err)
		}
	}
}

// Dictionaries in Cloud Storage, read through the Cloud Storage emulator:
// a stored dictionary's cloud_storage_path, a large custom dictionary's
// file set, an inline dictionary's cloud_storage_path; a missing object
// makes the version FAILED, and a stored type with no READY version is
// refused in inspect.
func TestStoredInfoTypeFromCloudStorage(t *testing.T) {
	addr, sc := startStorage(t)
	putObject(t, sc, "words.txt", "kestrel\nmerlin\n\n")
	putObject(t, sc, "large/part-1.txt", "Anna Vogel\nBruno Salt\n")
	putObject(t, sc, "large/part-2.txt", "Carla Mint\n")
	_, c := start(t, Options{StorageAddr: addr})
	ctx := context.Background()
	gcsDict := func(path string) *dlppb.CustomInfoType_Dictionary {
		return &dlppb.CustomInfoType_Dictionary{Source: &dlppb.CustomInfoType_Dictionary_CloudStoragePath{CloudStoragePath: &dlppb.CloudStoragePath{Path: path}}}
	}
	st, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, StoredInfoTypeId: "birds",
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_Dictionary{Dictionary: gcsDict("gs://dicts/words.txt")}}})
	if err != nil || st.GetCurrentVersion().GetState() != dlppb.StoredInfoTypeState_READY {
		t.Fatalf("create from gs://: %v %v", st, err)
	}
	large, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, StoredInfoTypeId: "people",
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_LargeCustomDictionary{LargeCustomDictionary: &dlppb.LargeCustomDictionaryConfig{
			OutputPath: &dlppb.CloudStoragePath{Path: "gs://dicts/out/"},
			Source:     &dlppb.LargeCustomDictionaryConfig_CloudStorageFileSet{CloudStorageFileSet: &dlppb.CloudStorageFileSet{Url: "gs://dicts/large/*"}}}}}})
	if err != nil || large.GetCurrentVersion().GetState() != dlppb.StoredInfoTypeState_READY ||
		large.GetCurrentVersion().GetStats().GetLargeCustomDictionary().GetApproxNumPhrases() != 3 {
		t.Fatalf("large dictionary: %v %v", large, err)
	}
	got, err := storedQuotes(t, c, "A merlin over Bruno Salt and Carla Mint.", storedCustom("BIRD", st.GetName()), storedCustom("PERSON", large.GetName()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "BIRD:merlin,PERSON:Bruno Salt,PERSON:Carla Mint" {
		t.Errorf("stored dictionaries from Cloud Storage: %q", got)
	}
	inline := &dlppb.CustomInfoType{InfoType: &dlppb.InfoType{Name: "BIRD"}, Type: &dlppb.CustomInfoType_Dictionary_{Dictionary: gcsDict("gs://dicts/words.txt")}}
	if got, err := storedQuotes(t, c, "a kestrel", inline); err != nil || strings.Join(got, ",") != "BIRD:kestrel" {
		t.Errorf("inline cloud_storage_path: %q %v", got, err)
	}

	bad, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, StoredInfoTypeId: "missing",
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_Dictionary{Dictionary: gcsDict("gs://dicts/nope.txt")}}})
	if err != nil {
		t.Fatal(err)
	}
	if bad.GetCurrentVersion() != nil || len(bad.GetPendingVersions()) != 1 || bad.GetPendingVersions()[0].GetState() != dlppb.StoredInfoTypeState_FAILED ||
		!strings.Contains(bad.GetPendingVersions()[0].GetErrors()[0].GetDetails().GetMessage(), "gs://dicts/nope.txt") {
		t.Errorf("missing object: %v", bad)
	}
	if _, err := storedQuotes(t, c, "x", storedCustom("X", bad.GetName())); codeOf(err) != codes.FailedPrecondition {
		t.Errorf("inspect with a FAILED stored type: %v", err)
	}
	// A failed update keeps the current version in use.
	up, err := c.UpdateStoredInfoType(ctx, &dlppb.UpdateStoredInfoTypeRequest{Name: st.GetName(),
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_Dictionary{Dictionary: gcsDict("gs://dicts/nope.txt")}}})
	if err != nil || up.GetCurrentVersion().GetState() != dlppb.StoredInfoTypeState_READY || len(up.GetPendingVersions()) != 1 {
		t.Errorf("failed update: %v %v", up, err)
	}
	if got, _ := storedQuotes(t, c, "merlin", storedCustom("BIRD", st.GetName())); strings.Join(got, ",") != "BIRD:merlin" {
		t.Errorf("after a failed update: %q", got)
	}
}

func TestStoredInfoTypeNeedsStorage(t *testing.T) {
	_, c := start(t, Options{})
	_, err := c.CreateStoredInfoType(context.Background(), &dlppb.CreateStoredInfoTypeRequest{Parent: parent,
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_Dictionary{Dictionary: &dlppb.CustomInfoType_Dictionary{
			Source: &dlppb.CustomInfoType_Dictionary_CloudStoragePath{CloudStoragePath: &dlppb.CloudStoragePath{Path: "gs://dicts/w.txt"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	inline := &dlppb.CustomInfoType{InfoType: &dlppb.InfoType{Name: "D"}, Type: &dlppb.CustomInfoType_Dictionary_{Dictionary: &dlppb.CustomInfoType_Dictionary{
		Source: &dlppb.CustomInfoType_Dictionary_CloudStoragePath{CloudStoragePath: &dlppb.CloudStoragePath{Path: "gs://dicts/w.txt"}}}}}
	if _, err := storedQuotes(t, c, "x", inline); codeOf(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "StorageAddr") {
		t.Errorf("inline cloud_storage_path without Storage: %v", err)
	}
}

// A large custom dictionary built from a BigQuery column (big_query_field)
// through the BigQuery emulator.
func TestStoredInfoTypeFromBigQuery(t *testing.T) {
	e := startJobEnv(t)
	_, c := start(t, Options{BigQueryEndpoint: e.bqURL})
	ctx := context.Background()
	st, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent, StoredInfoTypeId: "staff-emails",
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_LargeCustomDictionary{LargeCustomDictionary: &dlppb.LargeCustomDictionaryConfig{
			Source: &dlppb.LargeCustomDictionaryConfig_BigQueryField{BigQueryField: &dlppb.BigQueryField{
				Table: &dlppb.BigQueryTable{ProjectId: jobProject, DatasetId: "hr", TableId: "people"}, Field: &dlppb.FieldId{Name: "email"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The column holds three addresses and one empty string.
	if st.GetCurrentVersion().GetState() != dlppb.StoredInfoTypeState_READY || st.GetCurrentVersion().GetStats().GetLargeCustomDictionary().GetApproxNumPhrases() != 3 {
		t.Fatalf("from BigQuery: %v", st)
	}
	got, err := storedQuotes(t, c, "cc grace@example.org, not bob@example.org", storedCustom("STAFF", st.GetName()))
	if err != nil || strings.Join(got, ",") != "STAFF:grace@example.org" {
		t.Errorf("inspect: %q %v", got, err)
	}
	bad, err := c.CreateStoredInfoType(ctx, &dlppb.CreateStoredInfoTypeRequest{Parent: parent,
		Config: &dlppb.StoredInfoTypeConfig{Type: &dlppb.StoredInfoTypeConfig_LargeCustomDictionary{LargeCustomDictionary: &dlppb.LargeCustomDictionaryConfig{
			Source: &dlppb.LargeCustomDictionaryConfig_BigQueryField{BigQueryField: &dlppb.BigQueryField{
				Table: &dlppb.BigQueryTable{ProjectId: jobProject, DatasetId: "hr", TableId: "nope"}, Field: &dlppb.FieldId{Name: "email"}}}}}}})
	if err != nil || len(bad.GetPendingVersions()) != 1 || bad.GetPendingVersions()[0].GetState() != dlppb.StoredInfoTypeState_FAILED {
		t.Errorf("missing table: %v %v", bad, err)
	}
}
