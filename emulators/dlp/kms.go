package dlp

import (
	"context"
	"fmt"

	"cloud.google.com/go/dlp/apiv2/dlppb"
	kmsapi "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// kmsClient dials Options.KMSAddr once, with the real Cloud KMS client.
func (s *Server) kmsClient() (*kmsapi.KeyManagementClient, error) {
	s.kmsOnce.Do(func() {
		s.kms, s.kmsErr = kmsapi.NewKeyManagementClient(context.Background(), option.WithEndpoint(s.opts.KMSAddr),
			option.WithoutAuthentication(), option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	})
	return s.kms, s.kmsErr
}

// unwrapKMS decrypts a KmsWrappedCryptoKey with Cloud KMS Decrypt, as Cloud
// DLP does. A KMS error is reported the way Cloud DLP reports it:
// `Received the following error message from Cloud KMS when unwrapping
// KmsWrappedCryptoKey "NAME": MESSAGE` (quoted with INVALID_ARGUMENT for a
// bad ciphertext in GoogleCloudPlatform/python-docs-samples#3016 and
// #2465). The gRPC code is KMS's own (INVALID_ARGUMENT for a bad
// ciphertext, PERMISSION_DENIED for a key that does not exist or may not be
// used): no reference shows which code DLP gives the latter.
func (s *Server) unwrapKMS(ctx context.Context, w *dlppb.KmsWrappedCryptoKey) ([]byte, error) {
	name := w.GetCryptoKeyName()
	if name == "" {
		return nil, invalid("kms_wrapped.crypto_key_name is required: the resource name of the Cloud KMS CryptoKey that wrapped the key.")
	}
	if len(w.GetWrappedKey()) == 0 {
		return nil, invalid("kms_wrapped.wrapped_key is required: the data key encrypted with %q.", name)
	}
	if s.opts.KMSAddr == "" {
		return nil, status.Errorf(codes.FailedPrecondition, "KMS-wrapped crypto key %q cannot be unwrapped: the DLP emulator has no Cloud KMS (start the KMS emulator and set Options.KMSAddr, or use an unwrapped or transient key locally).", name)
	}
	c, err := s.kmsClient()
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "Cloud KMS client for %s: %v", s.opts.KMSAddr, err)
	}
	resp, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: w.GetWrappedKey()})
	if err != nil {
		st := status.Convert(err)
		code := st.Code()
		if code == codes.Unknown {
			code = codes.Unavailable
		}
		return nil, status.Error(code, fmt.Sprintf("Received the following error message from Cloud KMS when unwrapping KmsWrappedCryptoKey %q: %s", name, st.Message()))
	}
	k := resp.GetPlaintext()
	// "The wrapped key must be a 128-, 192-, or 256-bit key."
	// (KmsWrappedCryptoKey, DLP reference).
	if len(k) != 16 && len(k) != 24 && len(k) != 32 {
		return nil, invalid("The key unwrapped from KmsWrappedCryptoKey %q must be 128, 192 or 256 bits; got %d bytes.", name, len(k))
	}
	return k, nil
}
