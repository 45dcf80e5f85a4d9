package kms

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	kmsapi "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func start(t *testing.T) *kmsapi.KeyManagementClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New()
	go func() { _ = s.Serve(lis) }()
	c, err := kmsapi.NewKeyManagementClient(context.Background(), option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Stop() })
	return c
}

const loc = "projects/p/locations/global"

func mkKey(t *testing.T, c *kmsapi.KeyManagementClient, ring, key string) *kmspb.CryptoKey {
	t.Helper()
	ctx := context.Background()
	if _, err := c.GetKeyRing(ctx, &kmspb.GetKeyRingRequest{Name: loc + "/keyRings/" + ring}); err != nil {
		if _, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: loc, KeyRingId: ring}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateCryptoKey(ctx, &kmspb.CreateCryptoKeyRequest{Parent: loc + "/keyRings/" + ring, CryptoKeyId: key,
		CryptoKey: &kmspb.CryptoKey{Purpose: kmspb.CryptoKey_ENCRYPT_DECRYPT}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func wantErr(t *testing.T, err error, code codes.Code, text string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), text) {
		t.Fatalf("err = %v, want %v containing %q", err, code, text)
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	k := mkKey(t, c, "dlp", "tokens")
	if k.GetPrimary().GetName() != k.GetName()+"/cryptoKeyVersions/1" || k.GetPrimary().GetState() != kmspb.CryptoKeyVersion_ENABLED {
		t.Fatalf("a new key has ENABLED version 1 as primary (CreateCryptoKey reference): %v", k.GetPrimary())
	}
	plain := bytes.Repeat([]byte{7}, 32)
	enc, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: k.GetName(), Plaintext: plain, PlaintextCrc32C: wrapperspb.Int64(crc(plain)),
		AdditionalAuthenticatedData: []byte("ctx")})
	if err != nil {
		t.Fatal(err)
	}
	if enc.GetName() != k.GetPrimary().GetName() || !enc.GetVerifiedPlaintextCrc32C() || enc.GetCiphertextCrc32C().GetValue() != crc(enc.GetCiphertext()) {
		t.Fatalf("encrypt response: %v", enc)
	}
	dec, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: k.GetName(), Ciphertext: enc.GetCiphertext(), AdditionalAuthenticatedData: []byte("ctx")})
	if err != nil || !bytes.Equal(dec.GetPlaintext(), plain) || !dec.GetUsedPrimary() {
		t.Fatalf("decrypt: %v %v", dec, err)
	}

	// AAD must match (DecryptRequest.additional_authenticated_data: "must
	// match the data originally supplied").
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: k.GetName(), Ciphertext: enc.GetCiphertext()})
	wantErr(t, err, codes.InvalidArgument, errInvalid)
	// A flipped byte.
	bad := append([]byte{}, enc.GetCiphertext()...)
	bad[len(bad)-1] ^= 1
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: k.GetName(), Ciphertext: bad, AdditionalAuthenticatedData: []byte("ctx")})
	wantErr(t, err, codes.InvalidArgument, "Decryption failed: the ciphertext is invalid.")
	// Another key's ciphertext.
	other := mkKey(t, c, "dlp", "other")
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: other.GetName(), Ciphertext: enc.GetCiphertext(), AdditionalAuthenticatedData: []byte("ctx")})
	wantErr(t, err, codes.InvalidArgument, "Decryption failed: verify that 'name' refers to the correct CryptoKey.")
	// Unknown key.
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: loc + "/keyRings/dlp/cryptoKeys/nope", Ciphertext: enc.GetCiphertext()})
	wantErr(t, err, codes.PermissionDenied, "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied on resource '"+loc+"/keyRings/dlp/cryptoKeys/nope' (or it may not exist).")
	// Checksum mismatch.
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: k.GetName(), Ciphertext: enc.GetCiphertext(), CiphertextCrc32C: wrapperspb.Int64(1)})
	wantErr(t, err, codes.InvalidArgument, "ciphertext_crc32c")
}

func TestVersionsRotateAndDisable(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	k := mkKey(t, c, "r", "k")
	old, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: k.GetName(), Plaintext: []byte("v1 secret")})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := c.CreateCryptoKeyVersion(ctx, &kmspb.CreateCryptoKeyVersionRequest{Parent: k.GetName()})
	if err != nil || v2.GetName() != k.GetName()+"/cryptoKeyVersions/2" {
		t.Fatalf("v2: %v %v", v2, err)
	}
	if _, err := c.UpdateCryptoKeyPrimaryVersion(ctx, &kmspb.UpdateCryptoKeyPrimaryVersionRequest{Name: k.GetName(), CryptoKeyVersionId: "2"}); err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: k.GetName(), Plaintext: []byte("v2 secret")})
	if err != nil || enc.GetName() != v2.GetName() {
		t.Fatalf("encrypt after rotation uses the new primary: %v %v", enc, err)
	}
	// The old ciphertext still decrypts; the server picks the version.
	dec, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: k.GetName(), Ciphertext: old.GetCiphertext()})
	if err != nil || string(dec.GetPlaintext()) != "v1 secret" || dec.GetUsedPrimary() {
		t.Fatalf("old ciphertext: %v %v", dec, err)
	}
	if _, err := c.UpdateCryptoKeyVersion(ctx, &kmspb.UpdateCryptoKeyVersionRequest{
		CryptoKeyVersion: &kmspb.CryptoKeyVersion{Name: k.GetName() + "/cryptoKeyVersions/1", State: kmspb.CryptoKeyVersion_DISABLED},
		UpdateMask:       &fieldmaskpb.FieldMask{Paths: []string{"state"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: k.GetName(), Ciphertext: old.GetCiphertext()})
	wantErr(t, err, codes.FailedPrecondition, "not enabled")
	n := 0
	it := c.ListCryptoKeyVersions(ctx, &kmspb.ListCryptoKeyVersionsRequest{Parent: k.GetName()})
	for {
		v, err := it.Next()
		if err != nil {
			break
		}
		n++
		_ = v
	}
	if n != 2 {
		t.Fatalf("versions listed: %d", n)
	}
}

func TestBadIDsAndUnimplemented(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	_, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: loc, KeyRingId: "has space"})
	wantErr(t, err, codes.InvalidArgument, "[a-zA-Z0-9_-]{1,63}")
	if _, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: loc, KeyRingId: "r"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: loc, KeyRingId: "r"})
	wantErr(t, err, codes.AlreadyExists, "already exists")
	_, err = c.CreateCryptoKey(ctx, &kmspb.CreateCryptoKeyRequest{Parent: loc + "/keyRings/r", CryptoKeyId: "s", CryptoKey: &kmspb.CryptoKey{Purpose: kmspb.CryptoKey_ASYMMETRIC_SIGN}})
	wantErr(t, err, codes.Unimplemented, "ENCRYPT_DECRYPT")
	_, err = c.AsymmetricSign(ctx, &kmspb.AsymmetricSignRequest{Name: "x"})
	wantErr(t, err, codes.Unimplemented, "AsymmetricSign")
}
