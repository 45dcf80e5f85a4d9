// Package dlp is an in-process, wire-compatible emulator of Cloud DLP
// (Sensitive Data Protection, google.privacy.dlp.v2.DlpService over gRPC and
// REST). The real Go client (cloud.google.com/go/dlp/apiv2) talks to it
// unchanged:
//
//	s := dlp.NewServer(dlp.Options{})
//	go s.Serve(lis) // or s.Register(grpcServer)
//	c, _ := dlpapi.NewClient(ctx, option.WithEndpoint(lis.Addr().String()),
//		option.WithoutAuthentication(),
//		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
//
// and so does its REST client, on the HTTP/JSON endpoint (rest.go):
//
//	go s.ServeREST(restLis) // or s.RESTHandler()
//	c, _ := dlpapi.NewRESTClient(ctx, option.WithEndpoint("http://"+restLis.Addr().String()),
//		option.WithoutAuthentication())
//
// # RPCs
//
// InspectContent, DeidentifyContent, ReidentifyContent, ListInfoTypes and
// create/get/list/update/delete of inspect and de-identify templates. Template
// names are {parent}/inspectTemplates/{id} and {parent}/deidentifyTemplates/{id}
// with parent projects/P or projects/P/locations/L (projects/P and
// projects/P/locations/global name the same template). A template named in a
// request is the base and the request's config is merged over it with
// protobuf merge semantics (singular fields replace, repeated fields append),
// as DLP documents. CreateDlpJob, GetDlpJob, ListDlpJobs, CancelDlpJob and
// DeleteDlpJob run inspection jobs over BigQuery tables (jobs.go): the
// table is read with the real BigQuery client at Options.BigQueryEndpoint,
// findings are saved to a BigQuery table in the Finding-derived schema
// (findings_schema.go) and a pub_sub action publishes the DlpJobName
// attribute through Options.PubSubAddr. Job triggers (triggers.go) start
// those jobs by hand (ActivateJobTrigger) or on their schedule. Hybrid jobs
// (hybrid.go: storage_config hybrid_options, ACTIVE, HybridInspectDlpJob,
// HybridInspectJobTrigger, FinishDlpJob) inspect items the caller sends and
// save their findings when finished. Stored infoTypes (stored.go) keep
// word lists, regexes and dictionaries read from Cloud Storage
// (Options.StorageAddr) or BigQuery for custom_info_types[].stored_type.
// Every other RPC answers UNIMPLEMENTED with a message
// naming it (README.md has the table of RPCs and config fields). Faults()
// injects failures and latency per RPC name.
//
// # Inspection
//
// Items: plain value, UTF-8 byte item, table (every cell is inspected; the
// finding carries the record location: field and row index, and byte and
// code-point ranges relative to the cell). Built-in infoTypes (see
// ListInfoTypes): EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD_NUMBER (issuer
// prefix + Luhn), US_SOCIAL_SECURITY_NUMBER (never-issued areas 000, 666,
// 900–999, group 00, serial 0000 and the advertised numbers excluded),
// IP_ADDRESS (v4, v6), MAC_ADDRESS, IBAN_CODE (country length + mod 97),
// SWIFT_CODE, URL, DOMAIN_NAME (also inside e-mail addresses), DATE, DATE_OF_BIRTH, AGE, PERSON_NAME,
// STREET_ADDRESS, IMEI_HARDWARE_ID (Luhn), VEHICLE_IDENTIFICATION_NUMBER
// (check digit), US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER,
// US_EMPLOYER_IDENTIFICATION_NUMBER (IRS prefixes), PASSPORT, JSON_WEB_TOKEN,
// GCP_API_KEY; ALL_BASIC and a few documented infoTypes (FIRST_NAME,
// LOCATION…) map onto these. ListInfoTypes lists the documented global
// infoTypes, each marked detected, approximated or not detected; naming an
// undetected one answers UNIMPLEMENTED. Custom infoTypes: regex (RE2, group
// indexes), word-list dictionaries (case-insensitive, other characters act
// as separators, a match borders another character class: "jen" matches
// the start of "jen123", entries of at least 2 characters), surrogate
// types, EXCLUSION_TYPE_EXCLUDE, and extensions of a requested built-in of
// the same name (with or without a detector of their own).
// Rule sets: hotword rules (window in characters, fixed or relative
// likelihood) and exclusion rules (regex, dictionary, exclude_info_types,
// exclude_by_hotword; FULL, PARTIAL and INVERSE matching with DLP's
// documented meaning). min_likelihood (default POSSIBLE), per-infoType
// minimums, include_quote, exclude_info_types, max findings per request
// (capped at 3,000) and per infoType; max_findings_per_item is ignored in
// InspectContent, as documented.
//
// # Transformations
//
// infoType transformations (text, byte items and every table cell) and
// record transformations (field transformations with a primitive or with
// infoType transformations, conditions with all relational operators,
// record suppressions). Primitives: replace with infoType ("[TYPE]"),
// replace with value, redact, replace from dictionary, character mask
// (masking character, number to mask including negative, reverse order,
// characters to skip and common classes), crypto hash (HMAC-SHA-256 of the
// UTF-8 text, standard base64; 32- or 64-byte keys), deterministic
// encryption (AES-SIV, optional surrogate "NAME(len):token", context field as
// associated data), FPE (FF1 per NIST SP 800-38G; common alphabets, custom
// alphabet, radix 2–95; context tweak encoded as DLP documents: 8-byte
// big-endian integer + 0x01 or UTF-8 text + 0x02), date shift (bounds,
// consistent per context with a crypto key), fixed-size and custom
// bucketing, time part extraction. The response carries the transformation
// overview: one summary per (infoType or field, transformation) with result
// counts, error details and transformed bytes. Transformation errors fail the
// request (INVALID_ARGUMENT) unless transformation_error_handling asks to
// leave values untransformed. ReidentifyContent reverses deterministic
// encryption and FPE (surrogate infoTypes in free text, whole cells in
// tables).
//
// Limits: requests over 0.5 MB (524,288 bytes, protobuf size), tables over
// 50,000 values and more than 100 transformations answer INVALID_ARGUMENT.
//
// # Fidelity limits
//
// Detection is a re-implementation, not Google's models: findings agree with
// Cloud DLP on well-formed data (checksummed numbers, emails, URLs, IPs), but
// likelihoods are this package's own scale (checksum strength plus context
// words; e.g. a formatted SSN is LIKELY, VERY_LIKELY next to "SSN", UNLIKELY
// after "case"/"order"/"ref"), so tests should compare against POSSIBLE or
// LIKELY thresholds rather than exact likelihoods. PERSON_NAME and
// STREET_ADDRESS are heuristics: a name is a given name from a built-in list
// (about 300 names, mostly English and Spanish) followed by a capitalised
// surname, a title (Mr, Dr…) followed by a capitalised word, two
// capitalised words after a cue word ("Dear", "Contact", "by", "patient"…),
// or a surname from a short list standing mid-sentence, after a cue or
// before a possessive ("invented by Shakespeare"); a possessive 's is part
// of the name;
// an address is a house number, up to three capitalised words and a street
// suffix, optionally followed by ", City, ST 12345". Names outside the list
// without a cue, lower-case names, non-Latin scripts and addresses without a
// suffix are missed. DATE_OF_BIRTH is a DATE with a birth word before it
// (both are reported). PASSPORT, unformatted 9-digit SSN/ITIN/EIN, 10-digit
// and 7-digit phone numbers need a context word; in tables the column name
// counts as context. Languages other than English are not modelled.
//
// Crypto: crypto hash output equals Cloud DLP's format (same key and input
// give the same value). Transient keys are random per request, as in DLP
// (Options.DeterministicTransientKeys derives them from the name instead).
// KMS-wrapped keys are unwrapped with Cloud KMS Decrypt at Options.KMSAddr
// (the KMS emulator, emulators/kms, through the real KMS client), so a
// wrapped key gives the same tokens as its plaintext key; a KMS error comes
// back in DLP's wrapper ("Received the following error message from Cloud
// KMS when unwrapping KmsWrappedCryptoKey …"). Without KMSAddr they answer
// FAILED_PRECONDITION.
// Deterministic encryption is RFC 5297 AES-SIV with the key expanded to 64
// bytes by HMAC-SHA-256 (DLP documents a 64-byte expansion but not how), and
// FPE uses an empty tweak when there is no context (DLP's default tweak is
// undocumented): both are stable and reversible through this emulator and
// keep DLP's output shapes, but are not byte-identical to Cloud DLP's
// ciphertexts. Date shift without a crypto key is random per value.
// Image redaction, risk jobs, jobs over Cloud Storage or Datastore,
// discovery and data profiles are not emulated. Text with non-ASCII letters
// is folded to ASCII for detection (detect_fold.go) and findings are mapped
// back to the original bytes.
//
// The tests use the real Go client over gRPC. They run against a running
// server too: start `sluice emulator dlp --addr 127.0.0.1:9161` and run
// `DLP_EMULATOR_HOST=127.0.0.1:9161 go test ./emulators/dlp/`; the few tests
// that need in-process fault injection or special options then skip.
package dlp
