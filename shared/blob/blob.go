// Package blob is what the stages need from an object store. Ingest reads
// one version of a landed object as stored and copies it into the archive
// (Version); export writes, reads back, copies, lists and deletes objects in
// its destination bucket (Bucket). Cloud Storage (here) and S3 (shared/aws)
// satisfy both, so the cores work on either without knowing which. It does
// not watch objects: the triggers (Eventarc, S3 notifications) do that.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
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

// Bucket is a destination for written objects: what the export stage needs
// to publish files atomically (write a temporary object, read it back for
// checksums, copy it to its name, list and delete stale objects). Cloud
// Storage (GCSBucket, here) and S3 (shared/aws.S3Bucket) satisfy it.
type Bucket interface {
	// URI names an object: gs://bucket/name or s3://bucket/name.
	URI(name string) string
	// Create returns a writer; the object exists once Close returns nil.
	Create(ctx context.Context, name, contentType string) Writer
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	Copy(ctx context.Context, dst, src string) error
	// List returns the names of the objects under prefix.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes an object; a missing object is not an error.
	Delete(ctx context.Context, name string) error
}

// Writer writes one object. Abort discards what was written.
type Writer interface {
	io.Writer
	Close() error
	Abort(err error)
}

// GCSBucket is a Cloud Storage bucket.
type GCSBucket struct {
	Client *storage.Client
	Name   string
}

func (b GCSBucket) URI(name string) string { return fmt.Sprintf("gs://%s/%s", b.Name, name) }

func (b GCSBucket) obj(name string) *storage.ObjectHandle {
	return b.Client.Bucket(b.Name).Object(name)
}

type gcsWriter struct{ *storage.Writer }

func (w gcsWriter) Abort(err error) { w.CloseWithError(err) }

func (b GCSBucket) Create(ctx context.Context, name, contentType string) Writer {
	w := b.obj(name).NewWriter(ctx)
	w.ContentType = contentType
	return gcsWriter{w}
}

func (b GCSBucket) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	r, err := b.obj(name).NewReader(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage.Object(%s).NewReader: %w", b.URI(name), err)
	}
	return r, nil
}

func (b GCSBucket) Copy(ctx context.Context, dst, src string) error {
	if _, err := b.obj(dst).CopierFrom(b.obj(src)).Run(ctx); err != nil {
		return fmt.Errorf("storage.Copier(%s → %s).Run: %w", b.URI(src), dst, err)
	}
	return nil
}

func (b GCSBucket) List(ctx context.Context, prefix string) ([]string, error) {
	var names []string
	it := b.Client.Bucket(b.Name).Objects(ctx, &storage.Query{Prefix: prefix})
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", b.URI(prefix), err)
		}
		names = append(names, a.Name)
	}
}

func (b GCSBucket) Delete(ctx context.Context, name string) error {
	if err := b.obj(name).Delete(ctx); err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return fmt.Errorf("delete %s: %w", b.URI(name), err)
	}
	return nil
}
