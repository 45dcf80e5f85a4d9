// Package blob is the one thing ingest needs from an object store: read one
// version of a landed object as stored, and copy it into the archive. Cloud
// Storage (GCSVersion, here) and S3 (shared/aws) both satisfy Version, so the
// ingest core lands either without knowing which. It does not list, watch or
// delete objects: the triggers (Eventarc, S3 notifications) do the watching.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/storage"
)

// ErrGone means the version an event named no longer exists (overwritten
// or deleted since): the newer version has its own event, so this one is
// kept as a reject, not retried.
var ErrGone = errors.New("object version no longer exists")

// Version is one version of one object.
type Version interface {
	// URI names the version in _origin and rejects:
	// gs://bucket/object#generation, s3://bucket/key#version.
	URI() string
	// Open returns the bytes as stored (no transparent decompression) and
	// the object's Content-Encoding; ErrGone (wrapped) when it is gone.
	Open(ctx context.Context) (io.ReadCloser, string, error)
	// ArchiveTo copies the version to name in the archive bucket of its
	// own store.
	ArchiveTo(ctx context.Context, name string) error
}

// GCSVersion is a Cloud Storage object generation.
type GCSVersion struct {
	Client     *storage.Client
	Bucket     string
	Name       string
	Generation int64
	Archive    string // archive bucket
}

func (v GCSVersion) URI() string { return fmt.Sprintf("gs://%s/%s#%d", v.Bucket, v.Name, v.Generation) }

func (v GCSVersion) handle() *storage.ObjectHandle {
	return v.Client.Bucket(v.Bucket).Object(v.Name).Generation(v.Generation)
}

// Open reads compressed: gzip is undone by the caller, under its bomb
// guard, not by the client's transparent decompression.
func (v GCSVersion) Open(ctx context.Context) (io.ReadCloser, string, error) {
	rc, err := v.handle().ReadCompressed(true).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, "", fmt.Errorf("%s: %w", v.URI(), ErrGone)
	}
	if err != nil {
		return nil, "", fmt.Errorf("storage.Object(%s).NewReader: %w", v.Name, err)
	}
	return rc, rc.Attrs.ContentEncoding, nil
}

func (v GCSVersion) ArchiveTo(ctx context.Context, name string) error {
	if _, err := v.Client.Bucket(v.Archive).Object(name).CopierFrom(v.handle()).Run(ctx); err != nil {
		return fmt.Errorf("storage.Copier(%s → gs://%s/%s).Run: %w", v.Name, v.Archive, name, err)
	}
	return nil
}
