// Package aws holds what the AWS Lambda entry points (cmd/lambda) need from
// AWS: an S3 object version that satisfies blob.Version, so the ingest core
// lands S3 objects exactly as it lands Cloud Storage objects, and the S3
// client built from the Lambda environment. It holds no handler code and
// nothing local-only.
package aws

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-data/sluice/shared/blob"
)

// S3API is the part of the S3 client a version uses.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	CopyObject(ctx context.Context, in *s3.CopyObjectInput, opts ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
}

// S3Version is one version of one S3 object, named by the notification
// that announced it: VersionID on a versioned bucket, else ETag.
type S3Version struct {
	Client    S3API
	Bucket    string
	Key       string
	VersionID string // "" or "null" on an unversioned bucket
	ETag      string
	Archive   string // archive bucket (S3)
}

// Version is the string that names the version: versionId, else ETag.
func (v S3Version) Version() string {
	if v.VersionID != "" && v.VersionID != "null" {
		return v.VersionID
	}
	return strings.Trim(v.ETag, `"`)
}

// Generation maps the version onto the int64 the ingest core derives
// insert ids and load job ids from (a Cloud Storage generation): the first
// 63 bits of sha256(versionId or ETag). A redelivered notification maps to
// the same number, a new upload (new ETag or version) to another.
func (v S3Version) Generation() int64 {
	sum := sha256.Sum256([]byte(v.Version()))
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
}

func (v S3Version) URI() string { return fmt.Sprintf("s3://%s/%s#%s", v.Bucket, v.Key, v.Version()) }

// Open reads the version the event named: by VersionId, or with If-Match on
// the ETag, so an object overwritten since is ErrGone, not the newer bytes.
// The SDK does not undo Content-Encoding: the bytes are as stored.
func (v S3Version) Open(ctx context.Context) (io.ReadCloser, string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(v.Bucket), Key: aws.String(v.Key)}
	if v.VersionID != "" && v.VersionID != "null" {
		in.VersionId = aws.String(v.VersionID)
	} else if v.ETag != "" {
		in.IfMatch = aws.String(`"` + strings.Trim(v.ETag, `"`) + `"`)
	}
	out, err := v.Client.GetObject(ctx, in)
	if isGone(err) {
		return nil, "", fmt.Errorf("%s: %w", v.URI(), blob.ErrGone)
	}
	if err != nil {
		return nil, "", fmt.Errorf("s3.GetObject(%s): %w", v.URI(), err)
	}
	return out.Body, aws.ToString(out.ContentEncoding), nil
}

// ArchiveTo copies the version to name in the archive bucket.
func (v S3Version) ArchiveTo(ctx context.Context, name string) error {
	src := v.Bucket + "/" + url.PathEscape(v.Key)
	if v.VersionID != "" && v.VersionID != "null" {
		src += "?versionId=" + url.QueryEscape(v.VersionID)
	}
	_, err := v.Client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(v.Archive), Key: aws.String(name), CopySource: aws.String(src)})
	if err != nil {
		return fmt.Errorf("s3.CopyObject(%s → s3://%s/%s): %w", v.URI(), v.Archive, name, err)
	}
	return nil
}

// isGone: the key, the version or the ETag the event named is not there.
func isGone(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NoSuchVersion", "PreconditionFailed", "NotFound":
			return true
		}
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode() == http.StatusNotFound || re.HTTPStatusCode() == http.StatusPreconditionFailed
	}
	return false
}

// S3Options are the switches of NewS3Client.
type S3Options struct {
	// Endpoint overrides the S3 endpoint (a local S3 server); it implies
	// path-style addressing. The SDK also honours AWS_ENDPOINT_URL_S3.
	Endpoint string
	// Config replaces the default AWS config (credentials, region) when set.
	Config *aws.Config
}

// NewS3Client builds the S3 client: in Lambda from the execution role
// through the default credential chain, locally from o.
func NewS3Client(ctx context.Context, o S3Options) (*s3.Client, error) {
	var cfg aws.Config
	if o.Config != nil {
		cfg = *o.Config
	} else {
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx); err != nil {
			return nil, fmt.Errorf("aws config.LoadDefaultConfig: %w", err)
		}
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		// One debug line per GetObject otherwise (objects without stored checksums).
		so.DisableLogOutputChecksumValidationSkipped = true
		if endpoint != "" {
			so.BaseEndpoint = aws.String(endpoint)
			so.UsePathStyle = true
		}
	}), nil
}
