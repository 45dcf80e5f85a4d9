// Package kms is a small in-process Cloud KMS: the parts of
// google.cloud.kms.v1.KeyManagementService that envelope encryption needs
// (key rings, symmetric ENCRYPT_DECRYPT keys, key versions, Encrypt and
// Decrypt), served over gRPC so the real client (cloud.google.com/go/kms/apiv1)
// talks to it unchanged:
//
//	s := kms.New()
//	go s.Serve(lis)
//	c, _ := kmsapi.NewKeyManagementClient(ctx, option.WithEndpoint(lis.Addr().String()),
//		option.WithoutAuthentication(),
//		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
//
// The DLP emulator unwraps kms_wrapped crypto keys through it
// (dlp.Options.KMSAddr).
//
// Behaviour follows the Cloud KMS reference: ids match [a-zA-Z0-9_-]{1,63};
// a new key gets version 1 as its primary unless
// skip_initial_version_creation; Encrypt on a key uses its primary version,
// on a version that version; Decrypt names the key and the server finds the
// version from the ciphertext; plaintext and additional authenticated data
// are at most 64 KiB; the optional CRC32C checksums are verified and
// reported. Decrypt's and the not-found errors are Cloud KMS's texts (cited
// where they are produced); the texts for a disabled version and for bad
// ids are the emulator's own.
//
// Fidelity limits: keys live in memory (lost on Stop); only the
// GOOGLE_SYMMETRIC_ENCRYPTION algorithm and SOFTWARE protection; the
// ciphertext format is this emulator's own (a key id, the version number,
// a nonce and AES-256-GCM), so a ciphertext from Cloud KMS does not decrypt
// here and vice versa; no IAM (every caller may use every key); versions
// cannot be destroyed; key rotation schedules are stored, not acted on.
// Every other RPC (import jobs, asymmetric and MAC keys, raw encryption,
// deletion, retired resources) answers UNIMPLEMENTED naming itself.
package kms

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Server is an in-process KeyManagementService.
type Server struct {
	kmspb.UnimplementedKeyManagementServiceServer

	mu    sync.Mutex
	rings map[string]*kmspb.KeyRing // by name
	keys  map[string]*cryptoKey     // by name
	g     *grpc.Server
}

type cryptoKey struct {
	pb       *kmspb.CryptoKey
	id       [8]byte // written into every ciphertext, to tell keys apart
	versions []*version
}

type version struct {
	pb       *kmspb.CryptoKeyVersion
	material []byte // 32 bytes, AES-256
}

// New returns an empty Server.
func New() *Server {
	return &Server{rings: map[string]*kmspb.KeyRing{}, keys: map[string]*cryptoKey{}}
}

// Register registers the service on g.
func (s *Server) Register(g *grpc.Server) { kmspb.RegisterKeyManagementServiceServer(g, s) }

// Serve serves lis until Stop.
func (s *Server) Serve(lis net.Listener) error {
	g := grpc.NewServer()
	s.Register(g)
	s.mu.Lock()
	s.g = g
	s.mu.Unlock()
	return g.Serve(lis)
}

// Stop stops the server started by Serve.
func (s *Server) Stop() {
	s.mu.Lock()
	g := s.g
	s.g = nil
	s.mu.Unlock()
	if g != nil {
		g.Stop()
	}
}

// ids: "It must be unique within a location and match the regular
// expression [a-zA-Z0-9_-]{1,63}" (CreateKeyRingRequest.key_ring_id,
// CreateCryptoKeyRequest.crypto_key_id, KMS reference).
var idRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,63}$`)

var locationRE = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+$`)

// maxData: "The maximum size depends on the key version's protection_level.
// For SOFTWARE ... keys, the plaintext must be no larger than 64KiB"
// (EncryptRequest.plaintext, KMS reference); the same bound applies to
// additional_authenticated_data.
const maxData = 64 << 10

func invalid(format string, a ...any) error {
	return status.Errorf(codes.InvalidArgument, format, a...)
}

// denied is how Cloud KMS answers a name that does not exist or that the
// caller may not use; the two are not told apart ("Permission
// 'cloudkms.cryptoKeyVersions.useToDecrypt' denied on resource '…' (or it
// may not exist).", as quoted in isindir/sops-secrets-operator#110).
func denied(perm, name string) error {
	return status.Errorf(codes.PermissionDenied, "Permission '%s' denied on resource '%s' (or it may not exist).", perm, name)
}

// CreateKeyRing implements KeyManagementService.CreateKeyRing.
func (s *Server) CreateKeyRing(_ context.Context, req *kmspb.CreateKeyRingRequest) (*kmspb.KeyRing, error) {
	if !locationRE.MatchString(req.GetParent()) {
		return nil, invalid("parent %q: want projects/PROJECT/locations/LOCATION.", req.GetParent())
	}
	if !idRE.MatchString(req.GetKeyRingId()) {
		return nil, invalid("key_ring_id %q must match the regular expression [a-zA-Z0-9_-]{1,63}.", req.GetKeyRingId())
	}
	name := req.GetParent() + "/keyRings/" + req.GetKeyRingId()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rings[name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "KeyRing %s already exists.", name)
	}
	kr := &kmspb.KeyRing{Name: name, CreateTime: timestamppb.Now()}
	s.rings[name] = kr
	return proto.Clone(kr).(*kmspb.KeyRing), nil
}

// GetKeyRing implements KeyManagementService.GetKeyRing.
func (s *Server) GetKeyRing(_ context.Context, req *kmspb.GetKeyRingRequest) (*kmspb.KeyRing, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kr, ok := s.rings[req.GetName()]
	if !ok {
		return nil, denied("cloudkms.keyRings.get", req.GetName())
	}
	return proto.Clone(kr).(*kmspb.KeyRing), nil
}

// ListKeyRings implements KeyManagementService.ListKeyRings (no paging:
// every ring in one page; filter and order_by are refused).
func (s *Server) ListKeyRings(_ context.Context, req *kmspb.ListKeyRingsRequest) (*kmspb.ListKeyRingsResponse, error) {
	if req.GetFilter() != "" || req.GetOrderBy() != "" {
		return nil, status.Error(codes.Unimplemented, "ListKeyRings: filter and order_by are not supported by the KMS emulator.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &kmspb.ListKeyRingsResponse{}
	for name, kr := range s.rings {
		if strings.HasPrefix(name, req.GetParent()+"/keyRings/") {
			out.KeyRings = append(out.KeyRings, proto.Clone(kr).(*kmspb.KeyRing))
		}
	}
	sort.Slice(out.KeyRings, func(i, j int) bool { return out.KeyRings[i].Name < out.KeyRings[j].Name })
	out.TotalSize = int32(len(out.KeyRings))
	return out, nil
}

// CreateCryptoKey implements KeyManagementService.CreateCryptoKey for
// ENCRYPT_DECRYPT keys.
func (s *Server) CreateCryptoKey(_ context.Context, req *kmspb.CreateCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	if !idRE.MatchString(req.GetCryptoKeyId()) {
		return nil, invalid("crypto_key_id %q must match the regular expression [a-zA-Z0-9_-]{1,63}.", req.GetCryptoKeyId())
	}
	ck := req.GetCryptoKey()
	if ck.GetPurpose() != kmspb.CryptoKey_ENCRYPT_DECRYPT {
		return nil, status.Errorf(codes.Unimplemented, "crypto_key.purpose %s: the KMS emulator supports ENCRYPT_DECRYPT keys only.", ck.GetPurpose())
	}
	if a := ck.GetVersionTemplate().GetAlgorithm(); a != kmspb.CryptoKeyVersion_CRYPTO_KEY_VERSION_ALGORITHM_UNSPECIFIED && a != kmspb.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION {
		return nil, status.Errorf(codes.Unimplemented, "crypto_key.version_template.algorithm %s: the KMS emulator supports GOOGLE_SYMMETRIC_ENCRYPTION only.", a)
	}
	if p := ck.GetVersionTemplate().GetProtectionLevel(); p != kmspb.ProtectionLevel_PROTECTION_LEVEL_UNSPECIFIED && p != kmspb.ProtectionLevel_SOFTWARE {
		return nil, status.Errorf(codes.Unimplemented, "crypto_key.version_template.protection_level %s: the KMS emulator supports SOFTWARE only.", p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rings[req.GetParent()]; !ok {
		return nil, denied("cloudkms.cryptoKeys.create", req.GetParent())
	}
	name := req.GetParent() + "/cryptoKeys/" + req.GetCryptoKeyId()
	if _, ok := s.keys[name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "CryptoKey %s already exists.", name)
	}
	pb := proto.Clone(ck).(*kmspb.CryptoKey)
	pb.Name = name
	pb.CreateTime = timestamppb.Now()
	pb.Primary = nil
	pb.VersionTemplate = &kmspb.CryptoKeyVersionTemplate{ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE, Algorithm: kmspb.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION}
	k := &cryptoKey{pb: pb}
	_, _ = rand.Read(k.id[:])
	if !req.GetSkipInitialVersionCreation() {
		v := k.newVersion()
		k.pb.Primary = v.pb
	}
	s.keys[name] = k
	return k.view(), nil
}

func (k *cryptoKey) newVersion() *version {
	v := &version{material: make([]byte, 32)}
	_, _ = rand.Read(v.material)
	now := timestamppb.New(time.Now())
	v.pb = &kmspb.CryptoKeyVersion{
		Name:            fmt.Sprintf("%s/cryptoKeyVersions/%d", k.pb.Name, len(k.versions)+1),
		State:           kmspb.CryptoKeyVersion_ENABLED,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
		Algorithm:       kmspb.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION,
		CreateTime:      now,
		GenerateTime:    now,
	}
	k.versions = append(k.versions, v)
	return v
}

func (k *cryptoKey) view() *kmspb.CryptoKey {
	return proto.Clone(k.pb).(*kmspb.CryptoKey)
}

func (s *Server) key(perm, name string) (*cryptoKey, error) {
	k, ok := s.keys[name]
	if !ok {
		return nil, denied(perm, name)
	}
	return k, nil
}

// versionByName finds a version from its full name.
func (s *Server) versionByName(perm, name string) (*cryptoKey, *version, error) {
	i := strings.LastIndex(name, "/cryptoKeyVersions/")
	if i < 0 {
		return nil, nil, denied(perm, name)
	}
	k, ok := s.keys[name[:i]]
	if !ok {
		return nil, nil, denied(perm, name)
	}
	n, err := strconv.Atoi(name[i+len("/cryptoKeyVersions/"):])
	if err != nil || n < 1 || n > len(k.versions) {
		return nil, nil, denied(perm, name)
	}
	return k, k.versions[n-1], nil
}

// GetCryptoKey implements KeyManagementService.GetCryptoKey.
func (s *Server) GetCryptoKey(_ context.Context, req *kmspb.GetCryptoKeyRequest) (*kmspb.CryptoKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key("cloudkms.cryptoKeys.get", req.GetName())
	if err != nil {
		return nil, err
	}
	return k.view(), nil
}

// ListCryptoKeys implements KeyManagementService.ListCryptoKeys (one page).
func (s *Server) ListCryptoKeys(_ context.Context, req *kmspb.ListCryptoKeysRequest) (*kmspb.ListCryptoKeysResponse, error) {
	if req.GetFilter() != "" || req.GetOrderBy() != "" {
		return nil, status.Error(codes.Unimplemented, "ListCryptoKeys: filter and order_by are not supported by the KMS emulator.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rings[req.GetParent()]; !ok {
		return nil, denied("cloudkms.cryptoKeys.list", req.GetParent())
	}
	out := &kmspb.ListCryptoKeysResponse{}
	for name, k := range s.keys {
		if strings.HasPrefix(name, req.GetParent()+"/cryptoKeys/") {
			out.CryptoKeys = append(out.CryptoKeys, k.view())
		}
	}
	sort.Slice(out.CryptoKeys, func(i, j int) bool { return out.CryptoKeys[i].Name < out.CryptoKeys[j].Name })
	out.TotalSize = int32(len(out.CryptoKeys))
	return out, nil
}

// CreateCryptoKeyVersion implements KeyManagementService.CreateCryptoKeyVersion.
// The new version is ENABLED and does not become primary (the reference:
// UpdateCryptoKeyPrimaryVersion does that).
func (s *Server) CreateCryptoKeyVersion(_ context.Context, req *kmspb.CreateCryptoKeyVersionRequest) (*kmspb.CryptoKeyVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key("cloudkms.cryptoKeyVersions.create", req.GetParent())
	if err != nil {
		return nil, err
	}
	v := k.newVersion()
	if k.pb.Primary == nil {
		k.pb.Primary = v.pb
	}
	return proto.Clone(v.pb).(*kmspb.CryptoKeyVersion), nil
}

// GetCryptoKeyVersion implements KeyManagementService.GetCryptoKeyVersion.
func (s *Server) GetCryptoKeyVersion(_ context.Context, req *kmspb.GetCryptoKeyVersionRequest) (*kmspb.CryptoKeyVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, v, err := s.versionByName("cloudkms.cryptoKeyVersions.get", req.GetName())
	if err != nil {
		return nil, err
	}
	return proto.Clone(v.pb).(*kmspb.CryptoKeyVersion), nil
}

// ListCryptoKeyVersions implements KeyManagementService.ListCryptoKeyVersions (one page).
func (s *Server) ListCryptoKeyVersions(_ context.Context, req *kmspb.ListCryptoKeyVersionsRequest) (*kmspb.ListCryptoKeyVersionsResponse, error) {
	if req.GetFilter() != "" || req.GetOrderBy() != "" {
		return nil, status.Error(codes.Unimplemented, "ListCryptoKeyVersions: filter and order_by are not supported by the KMS emulator.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key("cloudkms.cryptoKeyVersions.list", req.GetParent())
	if err != nil {
		return nil, err
	}
	out := &kmspb.ListCryptoKeyVersionsResponse{TotalSize: int32(len(k.versions))}
	for _, v := range k.versions {
		out.CryptoKeyVersions = append(out.CryptoKeyVersions, proto.Clone(v.pb).(*kmspb.CryptoKeyVersion))
	}
	return out, nil
}

// UpdateCryptoKeyVersion implements KeyManagementService.UpdateCryptoKeyVersion
// for the state field: ENABLED and DISABLED.
func (s *Server) UpdateCryptoKeyVersion(_ context.Context, req *kmspb.UpdateCryptoKeyVersionRequest) (*kmspb.CryptoKeyVersion, error) {
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) != 1 || paths[0] != "state" {
		return nil, invalid("update_mask must be exactly [\"state\"]: the KMS emulator updates only the state of a version.")
	}
	st := req.GetCryptoKeyVersion().GetState()
	if st != kmspb.CryptoKeyVersion_ENABLED && st != kmspb.CryptoKeyVersion_DISABLED {
		return nil, invalid("crypto_key_version.state %s: a version can be set to ENABLED or DISABLED.", st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, v, err := s.versionByName("cloudkms.cryptoKeyVersions.update", req.GetCryptoKeyVersion().GetName())
	if err != nil {
		return nil, err
	}
	v.pb.State = st
	if k.pb.Primary != nil && k.pb.Primary.Name == v.pb.Name {
		k.pb.Primary = v.pb
	}
	return proto.Clone(v.pb).(*kmspb.CryptoKeyVersion), nil
}

// UpdateCryptoKeyPrimaryVersion implements KeyManagementService.UpdateCryptoKeyPrimaryVersion.
func (s *Server) UpdateCryptoKeyPrimaryVersion(_ context.Context, req *kmspb.UpdateCryptoKeyPrimaryVersionRequest) (*kmspb.CryptoKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.key("cloudkms.cryptoKeys.update", req.GetName())
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(req.GetCryptoKeyVersionId())
	if err != nil || n < 1 || n > len(k.versions) {
		return nil, denied("cloudkms.cryptoKeyVersions.get", req.GetName()+"/cryptoKeyVersions/"+req.GetCryptoKeyVersionId())
	}
	v := k.versions[n-1]
	if v.pb.State != kmspb.CryptoKeyVersion_ENABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "%s is not enabled, current state is: %s.", v.pb.Name, v.pb.State)
	}
	k.pb.Primary = v.pb
	return k.view(), nil
}

func crc(b []byte) int64 { return int64(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))) }

// checkCRC verifies an optional client checksum ("KeyManagementService will
// report an error if the checksum verification fails", KMS reference).
func checkCRC(field string, data []byte, sum *wrapperspb.Int64Value) error {
	if sum != nil && sum.GetValue() != crc(data) {
		return invalid("The checksum in field %s did not match the data in field %s.", field+"_crc32c", field)
	}
	return nil
}

const headerLen = 8 + 4 + 12 // key id, version number, nonce

// Encrypt implements KeyManagementService.Encrypt.
func (s *Server) Encrypt(_ context.Context, req *kmspb.EncryptRequest) (*kmspb.EncryptResponse, error) {
	if len(req.GetPlaintext()) > maxData {
		return nil, invalid("The plaintext must be no larger than 64KiB; got %d bytes.", len(req.GetPlaintext()))
	}
	if len(req.GetAdditionalAuthenticatedData()) > maxData {
		return nil, invalid("The additional authenticated data must be no larger than 64KiB; got %d bytes.", len(req.GetAdditionalAuthenticatedData()))
	}
	if err := checkCRC("plaintext", req.GetPlaintext(), req.GetPlaintextCrc32C()); err != nil {
		return nil, err
	}
	if err := checkCRC("additional_authenticated_data", req.GetAdditionalAuthenticatedData(), req.GetAdditionalAuthenticatedDataCrc32C()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var k *cryptoKey
	var v *version
	var err error
	if strings.Contains(req.GetName(), "/cryptoKeyVersions/") {
		k, v, err = s.versionByName("cloudkms.cryptoKeyVersions.useToEncrypt", req.GetName())
	} else if k, err = s.key("cloudkms.cryptoKeyVersions.useToEncrypt", req.GetName()); err == nil {
		if k.pb.Primary == nil {
			err = status.Errorf(codes.FailedPrecondition, "%s has no primary version.", req.GetName())
		} else {
			v, _ = k.versionFor(k.pb.Primary.Name)
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if v.pb.State != kmspb.CryptoKeyVersion_ENABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "%s is not enabled, current state is: %s.", v.pb.Name, v.pb.State)
	}
	n, _ := strconv.Atoi(v.pb.Name[strings.LastIndex(v.pb.Name, "/")+1:])
	ct := make([]byte, headerLen, headerLen+len(req.GetPlaintext())+16)
	copy(ct, k.id[:])
	binary.BigEndian.PutUint32(ct[8:], uint32(n))
	_, _ = rand.Read(ct[12:headerLen])
	ct = gcm(v.material).Seal(ct, ct[12:headerLen], req.GetPlaintext(), aad(ct[:12], req.GetAdditionalAuthenticatedData()))
	return &kmspb.EncryptResponse{
		Name:                    v.pb.Name,
		Ciphertext:              ct,
		CiphertextCrc32C:        wrapperspb.Int64(crc(ct)),
		VerifiedPlaintextCrc32C: req.GetPlaintextCrc32C() != nil,
		VerifiedAdditionalAuthenticatedDataCrc32C: req.GetAdditionalAuthenticatedDataCrc32C() != nil,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

func (k *cryptoKey) versionFor(name string) (*version, bool) {
	for _, v := range k.versions {
		if v.pb.Name == name {
			return v, true
		}
	}
	return nil, false
}

func gcm(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}

// aad binds the header to the caller's additional authenticated data.
func aad(header, data []byte) []byte {
	return append(append([]byte{}, header...), data...)
}

// Error texts of Decrypt, as Cloud KMS returns them (INVALID_ARGUMENT):
// a ciphertext that is not one of the key's: "Decryption failed: verify
// that 'name' refers to the correct CryptoKey." (googleapis/nodejs-kms#145);
// a damaged one: "Decryption failed: the ciphertext is invalid."
// (GoogleCloudPlatform/python-docs-samples#2465).
const (
	errWrongKey = "Decryption failed: verify that 'name' refers to the correct CryptoKey."
	errInvalid  = "Decryption failed: the ciphertext is invalid."
)

// Decrypt implements KeyManagementService.Decrypt.
func (s *Server) Decrypt(_ context.Context, req *kmspb.DecryptRequest) (*kmspb.DecryptResponse, error) {
	if err := checkCRC("ciphertext", req.GetCiphertext(), req.GetCiphertextCrc32C()); err != nil {
		return nil, err
	}
	if err := checkCRC("additional_authenticated_data", req.GetAdditionalAuthenticatedData(), req.GetAdditionalAuthenticatedDataCrc32C()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	k, err := s.key("cloudkms.cryptoKeyVersions.useToDecrypt", req.GetName())
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	ct := req.GetCiphertext()
	if len(ct) < headerLen+16 {
		s.mu.Unlock()
		return nil, invalid(errInvalid)
	}
	if !bytes.Equal(ct[:8], k.id[:]) {
		s.mu.Unlock()
		return nil, invalid(errWrongKey)
	}
	n := int(binary.BigEndian.Uint32(ct[8:12]))
	if n < 1 || n > len(k.versions) {
		s.mu.Unlock()
		return nil, invalid(errInvalid)
	}
	v := k.versions[n-1]
	primary := k.pb.Primary != nil && k.pb.Primary.Name == v.pb.Name
	state := v.pb.State
	s.mu.Unlock()
	if state != kmspb.CryptoKeyVersion_ENABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "%s is not enabled, current state is: %s.", v.pb.Name, state)
	}
	pt, err := gcm(v.material).Open(nil, ct[12:headerLen], ct[headerLen:], aad(ct[:12], req.GetAdditionalAuthenticatedData()))
	if err != nil {
		return nil, invalid(errInvalid)
	}
	return &kmspb.DecryptResponse{Plaintext: pt, PlaintextCrc32C: wrapperspb.Int64(crc(pt)), UsedPrimary: primary, ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE}, nil
}
