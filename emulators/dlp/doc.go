// Package dlp is an in-process, wire-compatible emulator of Cloud DLP
// (google.privacy.dlp.v2.DlpService over gRPC). The real Go client
// (cloud.google.com/go/dlp/apiv2) talks to it unchanged:
//
//	s := dlp.NewServer(dlp.Options{})
//	go s.Serve(lis)
//	c, _ := dlpapi.NewClient(ctx, option.WithEndpoint(lis.Addr().String()),
//		option.WithoutAuthentication(),
//		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
//
// # RPCs
//
// InspectContent, DeidentifyContent, ReidentifyContent, ListInfoTypes and
// the inspect/de-identify template CRUD (usable by name in requests; the
// template is the base and the request config is merged over it with proto
// merge semantics, as DLP documents). Every other RPC answers UNIMPLEMENTED.
// Faults() injects failures per RPC name.
//
// # Fidelity limits
//
// Detection is a re-implementation, not Google's models: findings agree with
// Cloud DLP on well-formed data (checksummed numbers, emails, URLs, IPs), but
// likelihoods are this package's own scale (checksum strength plus context
// words), and PERSON_NAME and STREET_ADDRESS are heuristics: a name is a
// given name from a built-in list (about 300 names, mostly English, Spanish
// and a few others) followed by a capitalised surname, or a title (Mr, Dr…)
// followed by a capitalised word; an address is a house number, up to three
// capitalised words and a street suffix, optionally followed by ", City, ST
// 12345". Names outside the list, lower-case names and addresses without a
// suffix are missed. DATE_OF_BIRTH is a DATE with a birth word before it
// (both are reported). PASSPORT, and unformatted 9-digit SSN/ITIN/EIN, need a
// context word. Languages other than English are not modelled.
//
// Crypto: crypto hash is HMAC-SHA-256 over the UTF-8 value, base64 (standard
// alphabet) — the documented Cloud DLP format. Transient keys are random per
// request, as in DLP (Options.DeterministicTransientKeys derives them from
// the name instead). KMS-wrapped keys answer FAILED_PRECONDITION unless
// Options.UnwrapKMS stands in for Cloud KMS. Deterministic encryption is
// AES-SIV (RFC 5297) with subkeys derived from the DLP key by HMAC-SHA-256,
// and FPE is FF1 (NIST SP 800-38G) with the context field as tweak (empty
// tweak without context): outputs are stable and reversible through
// ReidentifyContent, and keep the documented shapes (surrogate
// "NAME(len):token"), but are not byte-identical to Cloud DLP's ciphertexts.
// Date shift without a crypto key and context is random per value.
package dlp
