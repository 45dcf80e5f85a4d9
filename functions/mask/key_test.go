package mask_test

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/bigquery"
	kmsapi "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-data/sluice/functions/mask"
	"github.com/sluice-data/sluice/shared/events"
	"github.com/sluice-data/sluice/shared/gcp"
)

// TestKeysFromEnv: the unwrapped key file stays the simple option; a
// KMS-wrapped key is read from its variables, and every problem names the
// variable.
func TestKeysFromEnv(t *testing.T) {
	name := "projects/p/locations/global/keyRings/r/cryptoKeys/k"
	b64 := base64.StdEncoding.EncodeToString([]byte("wrapped"))
	w, err := func() (*mask.WrappedKey, error) {
		_, w, err := mask.Keys(gcp.Env{TokenKMSKey: name, TokenWrappedKey: b64, TokenWrappedEncryptionKey: b64})
		return w, err
	}()
	if err != nil || w.KMSKeyName != name || string(w.Key) != "wrapped" || string(w.EncryptionKey) != "wrapped" {
		t.Fatalf("Keys = %+v, %v", w, err)
	}
	for _, tc := range []struct {
		env  gcp.Env
		want string
	}{
		{gcp.Env{}, "SLUICE_TOKEN_KEY_FILE"},
		{gcp.Env{TokenWrappedKey: b64}, "SLUICE_TOKEN_KMS_KEY is not"},
		{gcp.Env{TokenKMSKey: name}, "SLUICE_TOKEN_WRAPPED_KEY is not"},
		{gcp.Env{TokenKMSKey: name + "/cryptoKeyVersions/1", TokenWrappedKey: b64}, "SLUICE_TOKEN_KMS_KEY = "},
		{gcp.Env{TokenKMSKey: "tokens", TokenWrappedKey: b64}, "SLUICE_TOKEN_KMS_KEY = \"tokens\""},
		{gcp.Env{TokenKMSKey: name, TokenWrappedKey: "not base64!"}, "SLUICE_TOKEN_WRAPPED_KEY is not base64"},
		{gcp.Env{TokenKMSKey: name, TokenWrappedKey: b64, TokenWrappedEncryptionKey: "%%"}, "SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY is not base64"},
		{gcp.Env{TokenKMSKey: name, TokenWrappedKey: b64, TokenKeyFile: "/k"}, "both SLUICE_TOKEN_KEY_FILE"},
	} {
		_, _, err := mask.Keys(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Keys(%+v) = %v, want an error naming %q", tc.env, err, tc.want)
		}
	}
}

// kmsKey creates a key in the stack's KMS emulator and returns a function
// that wraps data keys with it.
func kmsKey(t *testing.T, id string) (string, func([]byte) []byte) {
	t.Helper()
	if st.KMS == nil {
		t.Skip("KMS is external")
	}
	ctx := context.Background()
	c, err := kmsapi.NewKeyManagementClient(ctx, option.WithEndpoint(st.KMSAddr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	loc := "projects/" + st.Opts.Project + "/locations/global"
	ring, err := c.CreateKeyRing(ctx, &kmspb.CreateKeyRingRequest{Parent: loc, KeyRingId: "mask-test-" + id})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateCryptoKey(ctx, &kmspb.CreateCryptoKeyRequest{Parent: ring.GetName(), CryptoKeyId: "tokens",
		CryptoKey: &kmspb.CryptoKey{Purpose: kmspb.CryptoKey_ENCRYPT_DECRYPT}})
	if err != nil {
		t.Fatal(err)
	}
	return k.GetName(), func(plain []byte) []byte {
		resp, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: k.GetName(), Plaintext: plain})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetCiphertext()
	}
}

type recorder struct {
	mu  sync.Mutex
	got []events.Message
}

func (r *recorder) PublishEvent(_ context.Context, m events.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m)
	return nil
}

// TestKMSWrappedKeySameTokens: the same data key KMS-wrapped gives the
// same published values as unwrapped, for both token methods, and
// re-identification works with the wrapped key.
func TestKMSWrappedKeySameTokens(t *testing.T) {
	ctx := context.Background()
	name, wrap := kmsKey(t, "same")
	rows := [][]bigquery.Value{
		person(1, "anna@example.com", "+1 415-555-0101", 7, "Call me on +1 415-555-0101"),
		person(2, "ben@example.com", "+1 415-555-0102", 42, "hi"),
	}
	plainEnv, kmsEnv := newEnv(t), newEnv(t)
	plainEnv.curated("people", peopleSchema, rows)
	kmsEnv.curated("people", peopleSchema, rows)
	if _, err := plainEnv.masker(peoplePolicy, key("k1")).Run(ctx, "r1", "d"); err != nil {
		t.Fatal(err)
	}
	m := kmsEnv.masker(peoplePolicy, nil)
	m.Wrapped = &mask.WrappedKey{KMSKeyName: name, Key: wrap(key("k1")), EncryptionKey: wrap(mask.EncryptionKey(key("k1")))}
	if _, err := m.Run(ctx, "r1", "d"); err != nil {
		t.Fatal(err)
	}
	plain, wrapped := plainEnv.published("people"), kmsEnv.published("people")
	for id, want := range plain {
		for col, v := range want {
			if got := wrapped[id][col]; got != v {
				t.Errorf("row %d %s: KMS-wrapped key gave %v, unwrapped %v", id, col, got, v)
			}
		}
	}
	if len(wrapped) != 2 || wrapped[1]["email"] == "anna@example.com" {
		t.Fatalf("published = %v", wrapped)
	}
	back, err := mask.ReidentifyWrapped(ctx, st.Clients.DLP, st.Clients.Env.Project, m.Wrapped, "", []string{wrapped[2]["email_enc"].(string)})
	if err != nil || len(back) != 1 || back[0] != "ben@example.com" {
		t.Errorf("ReidentifyWrapped = %v, %v", back, err)
	}
}

// TestWrongWrappedKeyPublishesNothing: a key DLP cannot unwrap (wrapped
// with another KMS key) fails the run before anything is written, with an
// error that names the variables; so does token: {method: encrypt}
// without a wrapped encryption key.
func TestWrongWrappedKeyPublishesNothing(t *testing.T) {
	ctx := context.Background()
	name, _ := kmsKey(t, "right")
	_, wrapOther := kmsKey(t, "other")
	e := newEnv(t)
	e.curated("people", peopleSchema, [][]bigquery.Value{person(1, "anna@example.com", "+1 415-555-0101", 7, "hi")})
	for _, tc := range []struct {
		what string
		w    *mask.WrappedKey
		want []string
	}{
		{"wrapped with another key", &mask.WrappedKey{KMSKeyName: name, Key: wrapOther(key("k1")), EncryptionKey: wrapOther(key("k2"))},
			[]string{"DLP cannot unwrap the KMS-wrapped tokenisation key", "SLUICE_TOKEN_WRAPPED_KEY", name, "KmsWrappedCryptoKey"}},
		{"no encryption key", &mask.WrappedKey{KMSKeyName: name, Key: []byte("x")},
			[]string{"mask.tables[0].columns.email_enc", "SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY"}},
	} {
		m := e.masker(peoplePolicy, nil)
		rec := &recorder{}
		m.Events, m.Wrapped = rec, tc.w
		_, err := m.Run(ctx, "r1", "d")
		if err == nil {
			t.Fatalf("%s: Run succeeded", tc.what)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", tc.what, err, w)
			}
		}
		if _, err := st.Clients.BigQuery.Dataset(e.names.Published).Table("people").Metadata(ctx); err == nil {
			t.Errorf("%s: published.people exists after the failed run", tc.what)
		}
		if len(rec.got) != 0 {
			t.Errorf("%s: published %v", tc.what, rec.got)
		}
	}
}
