package mask

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/gcp"
)

// The environment variables of a KMS-wrapped tokenisation key.
const (
	EnvTokenKMSKey               = "SLUICE_TOKEN_KMS_KEY"
	EnvTokenWrappedKey           = "SLUICE_TOKEN_WRAPPED_KEY"
	EnvTokenWrappedEncryptionKey = "SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY"
)

// WrappedKey is the tokenisation key as Google recommends it for
// tokenisation: a data key encrypted ("wrapped") with a Cloud KMS key. The
// function never sees the data key; DLP unwraps it with Cloud KMS Decrypt
// (as the DLP service agent, which alone may decrypt with the KMS key).
type WrappedKey struct {
	// KMSKeyName is the CryptoKey that wrapped the keys:
	// projects/P/locations/L/keyRings/R/cryptoKeys/K.
	KMSKeyName string
	// Key is the wrapped data key of token (crypto hash): 32 bytes before
	// wrapping. The same data key unwrapped gives the same tokens.
	Key []byte
	// EncryptionKey, optional, is the wrapped AES-SIV key of
	// token: {method: encrypt}. The unwrapped option derives that key from
	// the tokenisation key (EncryptionKey); DLP cannot derive it from a
	// wrapped one, so it is wrapped separately. Wrapping
	// EncryptionKey(data key) gives the same tokens as the unwrapped option.
	EncryptionKey []byte
}

var kmsKeyNameRE = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)

// Validate names the variable of the first problem.
func (w *WrappedKey) Validate() error {
	switch {
	case !kmsKeyNameRE.MatchString(w.KMSKeyName):
		return fmt.Errorf("mask: %s = %q; want a Cloud KMS CryptoKey name projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY (no /cryptoKeyVersions/: DLP decrypts with the primary version)", EnvTokenKMSKey, w.KMSKeyName)
	case len(w.Key) == 0:
		return fmt.Errorf("mask: %s is empty; want the base64 of the tokenisation key wrapped with %s (gcloud kms encrypt --key %s --plaintext-file key.bin --ciphertext-file - | base64 -w0)", EnvTokenWrappedKey, EnvTokenKMSKey, w.KMSKeyName)
	}
	return nil
}

func (w *WrappedKey) cryptoKey(wrapped []byte) *dlppb.CryptoKey {
	return &dlppb.CryptoKey{Source: &dlppb.CryptoKey_KmsWrapped{KmsWrapped: &dlppb.KmsWrappedCryptoKey{WrappedKey: wrapped, CryptoKeyName: w.KMSKeyName}}}
}

// HashKey is the DLP crypto key of token (crypto hash).
func (w *WrappedKey) HashKey() *dlppb.CryptoKey { return w.cryptoKey(w.Key) }

// EncryptionCryptoKey is the DLP crypto key of token: {method: encrypt};
// nil without EncryptionKey.
func (w *WrappedKey) EncryptionCryptoKey() *dlppb.CryptoKey {
	if len(w.EncryptionKey) == 0 {
		return nil
	}
	return w.cryptoKey(w.EncryptionKey)
}

// Keys reads the tokenisation key from the environment: either the
// unwrapped key in the file SLUICE_TOKEN_KEY_FILE (a mounted Secret Manager
// secret in the cloud; the simple option), or a KMS-wrapped key:
// SLUICE_TOKEN_KMS_KEY names the Cloud KMS CryptoKey, SLUICE_TOKEN_WRAPPED_KEY
// holds the wrapped key in base64 and SLUICE_TOKEN_WRAPPED_ENCRYPTION_KEY,
// optionally, the wrapped key of token: {method: encrypt}. Exactly one of
// plain and wrapped is set. Errors name the variable.
func Keys(env gcp.Env) (plain []byte, wrapped *WrappedKey, err error) {
	kms := env.TokenKMSKey != "" || env.TokenWrappedKey != "" || env.TokenWrappedEncryptionKey != ""
	if !kms {
		plain, err = TokenKey(env)
		return plain, nil, err
	}
	if env.TokenKeyFile != "" {
		return nil, nil, fmt.Errorf("mask: both SLUICE_TOKEN_KEY_FILE (an unwrapped key) and %s/%s (a KMS-wrapped key) are set; set only one", EnvTokenKMSKey, EnvTokenWrappedKey)
	}
	if env.TokenKMSKey == "" {
		return nil, nil, fmt.Errorf("mask: %s is set but %s is not; set it to the Cloud KMS CryptoKey that wrapped the key", EnvTokenWrappedKey, EnvTokenKMSKey)
	}
	if env.TokenWrappedKey == "" {
		return nil, nil, fmt.Errorf("mask: %s is set but %s is not; set it to the base64 of the wrapped tokenisation key", EnvTokenKMSKey, EnvTokenWrappedKey)
	}
	w := &WrappedKey{KMSKeyName: env.TokenKMSKey}
	if w.Key, err = decode64(EnvTokenWrappedKey, env.TokenWrappedKey); err != nil {
		return nil, nil, err
	}
	if env.TokenWrappedEncryptionKey != "" {
		if w.EncryptionKey, err = decode64(EnvTokenWrappedEncryptionKey, env.TokenWrappedEncryptionKey); err != nil {
			return nil, nil, err
		}
	}
	if err := w.Validate(); err != nil {
		return nil, nil, err
	}
	return nil, w, nil
}

func decode64(name, v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("mask: %s is not base64; want the wrapped key as `gcloud kms encrypt ... --ciphertext-file - | base64 -w0` prints it", name)
}

// checkKeys fails before anything is read or written if the key
// configuration cannot serve the policy: an unwrapped key of the wrong
// size, a KMS-wrapped key DLP cannot unwrap, or token: {method: encrypt}
// without a wrapped encryption key. Errors name the field or variable.
func (m *Masker) checkKeys(ctx context.Context) error {
	if m.Wrapped == nil {
		if n := len(m.TokenKey); n != 32 && n != 64 {
			// DLP accepts only 32- or 64-byte unwrapped keys for crypto hashing.
			return fmt.Errorf("mask: tokenisation key is %d bytes; DLP needs 32 or 64: set SLUICE_TOKEN_KEY_FILE to such a file", n)
		}
		return nil
	}
	if len(m.TokenKey) != 0 {
		return fmt.Errorf("mask: both an unwrapped and a KMS-wrapped tokenisation key are configured; use one")
	}
	if err := m.Wrapped.Validate(); err != nil {
		return err
	}
	if m.Wrapped.EncryptionKey == nil {
		for i, t := range m.Pipeline.Mask.Tables {
			for _, c := range slices.Sorted(maps.Keys(t.Columns)) {
				if r := t.Columns[c]; r.Kind == config.RuleToken && r.Token.Method == config.TokenEncrypt {
					return fmt.Errorf("mask: mask.tables[%d].columns.%s is token: {method: encrypt}, and the tokenisation key is KMS-wrapped: set %s to the base64 of its AES-SIV key wrapped with %s", i, c, EnvTokenWrappedEncryptionKey, EnvTokenKMSKey)
				}
			}
		}
	}
	// One tiny request, so that a key DLP cannot unwrap stops the run
	// before any table is read or written.
	fts := []*dlppb.FieldTransformation{primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoHashConfig{CryptoHashConfig: &dlppb.CryptoHashConfig{CryptoKey: m.Wrapped.HashKey()}}})}
	fts[0].Fields = []*dlppb.FieldId{{Name: "h"}}
	row := []*dlppb.Value{{Type: &dlppb.Value_StringValue{StringValue: "sluice key check"}}}
	headers := []*dlppb.FieldId{{Name: "h"}}
	if ek := m.Wrapped.EncryptionCryptoKey(); ek != nil {
		ft := primitive(&dlppb.PrimitiveTransformation{Transformation: &dlppb.PrimitiveTransformation_CryptoDeterministicConfig{CryptoDeterministicConfig: &dlppb.CryptoDeterministicConfig{
			CryptoKey: ek, SurrogateInfoType: &dlppb.InfoType{Name: config.DefaultSurrogate}}}})
		ft.Fields = []*dlppb.FieldId{{Name: "e"}}
		fts = append(fts, ft)
		headers = append(headers, &dlppb.FieldId{Name: "e"})
		row = append(row, row[0])
	}
	cctx, cancel := m.dlpCall(ctx)
	defer cancel()
	_, err := m.DLP.DeidentifyContent(cctx, &dlppb.DeidentifyContentRequest{
		Parent: fmt.Sprintf("projects/%s/locations/global", m.Project),
		DeidentifyConfig: &dlppb.DeidentifyConfig{Transformation: &dlppb.DeidentifyConfig_RecordTransformations{
			RecordTransformations: &dlppb.RecordTransformations{FieldTransformations: fts}}},
		Item: &dlppb.ContentItem{DataItem: &dlppb.ContentItem_Table{Table: &dlppb.Table{Headers: headers, Rows: []*dlppb.Table_Row{{Values: row}}}}},
	})
	if err == nil {
		return nil
	}
	err = m.dlpErr(ctx, cctx, err)
	switch status.Code(err) {
	case codes.InvalidArgument, codes.PermissionDenied, codes.NotFound, codes.FailedPrecondition:
		return fmt.Errorf("mask: DLP cannot unwrap the KMS-wrapped tokenisation key (%s, wrapped with %s=%s); nothing was masked or published: %w",
			EnvTokenWrappedKey, EnvTokenKMSKey, m.Wrapped.KMSKeyName, err)
	}
	return fmt.Errorf("mask: checking the KMS-wrapped tokenisation key with DLP: %w", err)
}

// fingerprintKey keys the policy fingerprint: with a wrapped key, a digest
// of the wrapped keys, so that a new key masks every row again.
func (m *Masker) fingerprintKey() []byte {
	if m.Wrapped == nil {
		return m.TokenKey
	}
	h := sha256.New()
	fmt.Fprintf(h, "kms\x00%s\x00%x\x00%x", m.Wrapped.KMSKeyName, m.Wrapped.Key, m.Wrapped.EncryptionKey)
	return h.Sum(nil)
}

func (m *Masker) hashKey() *dlppb.CryptoKey {
	if m.Wrapped != nil {
		return m.Wrapped.HashKey()
	}
	return &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Unwrapped{Unwrapped: &dlppb.UnwrappedCryptoKey{Key: m.TokenKey}}}
}

func (m *Masker) encryptionKey() *dlppb.CryptoKey {
	if m.Wrapped != nil {
		return m.Wrapped.EncryptionCryptoKey()
	}
	return unwrappedEncryptionKey(m.TokenKey)
}

func unwrappedEncryptionKey(tokenKey []byte) *dlppb.CryptoKey {
	return &dlppb.CryptoKey{Source: &dlppb.CryptoKey_Unwrapped{Unwrapped: &dlppb.UnwrappedCryptoKey{Key: EncryptionKey(tokenKey)}}}
}
