package dlp

import (
	"context"
	"net"
	"strings"
	"testing"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	kmsapi "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/emulators/kms"
)

// startKMS serves the KMS emulator with one ENCRYPT_DECRYPT key and returns
// its address, the key's name and a real KMS client.
func startKMS(t *testing.T) (addr, keyName string, c *kmsapi.KeyManagementClient) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := kms.New()
	go func() { _ = s.Serve(lis) }()
	ctx := context.Background()
	c, err = kmsapi.NewKeyManagementClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Stop() })
	if _, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: "projects/p/locations/global", KeyRingId: "dlp"}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateCryptoKey(ctx, &kmspb.CreateCryptoKeyRequest{Parent: "projects/p/locations/global/keyRings/dlp", CryptoKeyId: "tokens",
		CryptoKey: &kmspb.CryptoKey{Purpose: kmspb.CryptoKey_ENCRYPT_DECRYPT}})
	if err != nil {
		t.Fatal(err)
	}
	return lis.Addr().String(), k.GetName(), c
}

// wrap encrypts the plain data key with KMS, as Google's "Creating a
// wrapped key" guide does with `gcloud kms encrypt`.
func wrap(t *testing.T, c *kmsapi.KeyManagementClient, keyName string, plain []byte) *dlppb.CryptoKey {
	t.Helper()
	resp, err := c.Encrypt(context.Background(), &kmspb.EncryptRequest{Name: keyName, Plaintext: plain})
	if err != nil {
		t.Fatal(err)
	}
	return &dlppb.CryptoKey{Source: &dlppb.CryptoKey_KmsWrapped{KmsWrapped: &dlppb.KmsWrappedCryptoKey{WrappedKey: resp.GetCiphertext(), CryptoKeyName: keyName}}}
}

// TestKMSWrappedKeyRoundTrip: a KMS-wrapped key stands for its plaintext
// key, so the same plaintext key gives the same tokens wrapped or
// unwrapped, for every crypto transformation, and re-identification with
// the wrapped key reverses tokens made with the unwrapped one.
func TestKMSWrappedKeyRoundTrip(t *testing.T) {
	addr, keyName, kc := startKMS(t)
	_, c := start(t, Options{KMSAddr: addr})
	ctx := context.Background()
	plain := unwrappedKey()
	wrapped := wrap(t, kc, keyName, plain.GetUnwrapped().GetKey())

	det := func(k *dlppb.CryptoKey) *dlppb.PrimitiveTransformation {
		return &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoDeterministicConfig{CryptoDeterministicConfig: &dlppb.CryptoDeterministicConfig{
			CryptoKey: k, SurrogateInfoType: &dlppb.InfoType{Name: "EMAIL_TOKEN"}}}}
	}
	fpe := func(k *dlppb.CryptoKey) *dlppb.PrimitiveTransformation {
		return &dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoReplaceFfxFpeConfig{CryptoReplaceFfxFpeConfig: &dlppb.CryptoReplaceFfxFpeConfig{
			CryptoKey: k, SurrogateInfoType: &dlppb.InfoType{Name: "SSN_TOKEN"},
			Alphabet: &dlppb.CryptoReplaceFfxFpeConfig_CommonAlphabet{CommonAlphabet: dlppb.CryptoReplaceFfxFpeConfig_NUMERIC}}}}
	}
	for _, tc := range []struct {
		name, text, it, sur string
		pt                  func(*dlppb.CryptoKey) *dlppb.PrimitiveTransformation
	}{
		{"crypto_hash", "mail alice@example.com", "EMAIL_ADDRESS", "", hashPT},
		{"deterministic", "write to bob@example.com today", "EMAIL_ADDRESS", "EMAIL_TOKEN", det},
		{"fpe", "ssn 536227134 on file", "US_SOCIAL_SECURITY_NUMBER", "SSN_TOKEN", fpe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs []string
			for _, k := range []*dlppb.CryptoKey{plain, wrapped} {
				r, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{tc.it}, tc.pt(k)), Item: textItem(tc.text)})
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, r.GetItem().GetValue())
			}
			if outs[0] != outs[1] || outs[0] == tc.text {
				t.Fatalf("unwrapped %q, wrapped %q: the same key must give the same tokens", outs[0], outs[1])
			}
			if tc.sur == "" {
				return
			}
			back, err := c.ReidentifyContent(ctx, &dlppb.ReidentifyContentRequest{Parent: parent, ReidentifyConfig: itt([]string{tc.sur}, tc.pt(wrapped)),
				InspectConfig: surrogateInspect(tc.sur), Item: textItem(outs[0])})
			if err != nil || back.GetItem().GetValue() != tc.text {
				t.Fatalf("reidentify with the wrapped key: %v %v", back, err)
			}
		})
	}
}

func TestKMSWrappedKeyErrors(t *testing.T) {
	addr, keyName, kc := startKMS(t)
	_, c := start(t, Options{KMSAddr: addr})
	ctx := context.Background()
	deid := func(k *dlppb.CryptoKey) error {
		_, err := c.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(k)), Item: textItem("a@x.com")})
		return err
	}
	good := wrap(t, kc, keyName, unwrappedKey().GetUnwrapped().GetKey())

	// A damaged wrapped key: Cloud DLP answers INVALID_ARGUMENT "Received
	// the following error message from Cloud KMS when unwrapping
	// KmsWrappedCryptoKey "…": Decryption failed: the ciphertext is
	// invalid." (GoogleCloudPlatform/python-docs-samples#3016).
	bad := &dlppb.CryptoKey{Source: &dlppb.CryptoKey_KmsWrapped{KmsWrapped: &dlppb.KmsWrappedCryptoKey{
		WrappedKey: append(append([]byte{}, good.GetKmsWrapped().GetWrappedKey()[:30]...), make([]byte, 30)...), CryptoKeyName: keyName}}}
	err := deid(bad)
	want := `Received the following error message from Cloud KMS when unwrapping KmsWrappedCryptoKey "` + keyName + `": Decryption failed: the ciphertext is invalid.`
	if codeOf(err) != codes.InvalidArgument || errStatus(err).Message() != want {
		t.Fatalf("bad ciphertext: %v\nwant INVALID_ARGUMENT %s", err, want)
	}

	// An unknown key: KMS answers PERMISSION_DENIED "… (or it may not
	// exist)."; DLP passes it on in the same wrapper.
	unknown := "projects/p/locations/global/keyRings/dlp/cryptoKeys/nope"
	err = deid(&dlppb.CryptoKey{Source: &dlppb.CryptoKey_KmsWrapped{KmsWrapped: &dlppb.KmsWrappedCryptoKey{WrappedKey: good.GetKmsWrapped().GetWrappedKey(), CryptoKeyName: unknown}}})
	if codeOf(err) != codes.PermissionDenied || !strings.Contains(errStatus(err).Message(), `when unwrapping KmsWrappedCryptoKey "`+unknown+`": Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied`) {
		t.Fatalf("unknown key: %v", err)
	}

	// A wrapped key of the wrong size ("The wrapped key must be a 128-,
	// 192-, or 256-bit key.", KmsWrappedCryptoKey reference).
	if err := deid(wrap(t, kc, keyName, []byte("short"))); codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "128, 192 or 256 bits") {
		t.Fatalf("short key: %v", err)
	}
	// Required fields.
	if err := deid(&dlppb.CryptoKey{Source: &dlppb.CryptoKey_KmsWrapped{KmsWrapped: &dlppb.KmsWrappedCryptoKey{CryptoKeyName: keyName}}}); codeOf(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "wrapped_key") {
		t.Fatalf("no wrapped_key: %v", err)
	}

	// Without a KMS the emulator cannot unwrap.
	_, c2 := start(t, Options{})
	_, err = c2.DeidentifyContent(ctx, &dlppb.DeidentifyContentRequest{Parent: parent, DeidentifyConfig: itt([]string{"EMAIL_ADDRESS"}, hashPT(good)), Item: textItem("a@x.com")})
	if codeOf(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "KMSAddr") {
		t.Fatalf("no KMS: %v", err)
	}
}
