package aws

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-data/sluice/shared/blob"
)

// S3BucketAPI is the part of the S3 client an export destination uses.
type S3BucketAPI interface {
	S3API
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// S3Bucket is an S3 bucket as an export destination (blob.Bucket).
type S3Bucket struct {
	Client S3BucketAPI
	Name   string
}

func (b S3Bucket) URI(name string) string { return fmt.Sprintf("s3://%s/%s", b.Name, name) }

// Create spools to a temporary file and uploads it with one PutObject on
// Close: S3 needs the length up front, an export is written as a stream,
// and a file keeps memory flat (Lambda's /tmp holds it). Objects above
// PutObject's 5 GB limit fail on Close.
func (b S3Bucket) Create(ctx context.Context, name, contentType string) blob.Writer {
	f, err := os.CreateTemp("", "sluice-s3-*")
	return &s3Writer{ctx: ctx, b: b, name: name, contentType: contentType, f: f, err: err}
}

type s3Writer struct {
	ctx               context.Context
	b                 S3Bucket
	name, contentType string
	f                 *os.File
	err               error
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	if err != nil {
		w.err = fmt.Errorf("spool %s: %w", w.b.URI(w.name), err)
	}
	return n, w.err
}

func (w *s3Writer) cleanup() {
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
		w.f = nil
	}
}

func (w *s3Writer) Abort(err error) {
	w.cleanup()
	if w.err == nil {
		w.err = err
	}
}

func (w *s3Writer) Close() error {
	defer w.cleanup()
	if w.err != nil {
		return w.err
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool %s: %w", w.b.URI(w.name), err)
	}
	in := &s3.PutObjectInput{Bucket: aws.String(w.b.Name), Key: aws.String(w.name), Body: w.f}
	if w.contentType != "" {
		in.ContentType = aws.String(w.contentType)
	}
	if _, err := w.b.Client.PutObject(w.ctx, in); err != nil {
		return fmt.Errorf("s3.PutObject(%s): %w", w.b.URI(w.name), err)
	}
	return nil
}

func (b S3Bucket) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	out, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Name), Key: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("s3.GetObject(%s): %w", b.URI(name), err)
	}
	return out.Body, nil
}

func (b S3Bucket) Copy(ctx context.Context, dst, src string) error {
	_, err := b.Client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b.Name), Key: aws.String(dst),
		CopySource: aws.String(b.Name + "/" + url.PathEscape(src))})
	if err != nil {
		return fmt.Errorf("s3.CopyObject(%s → %s): %w", b.URI(src), dst, err)
	}
	return nil
}

func (b S3Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	var names []string
	p := s3.NewListObjectsV2Paginator(b.Client, &s3.ListObjectsV2Input{Bucket: aws.String(b.Name), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3.ListObjectsV2(%s): %w", b.URI(prefix), err)
		}
		for _, o := range page.Contents {
			names = append(names, aws.ToString(o.Key))
		}
	}
	return names, nil
}

// Delete removes the object; S3 answers a missing key with success too.
func (b S3Bucket) Delete(ctx context.Context, name string) error {
	_, err := b.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.Name), Key: aws.String(name)})
	if err != nil && !isGone(err) {
		return fmt.Errorf("s3.DeleteObject(%s): %w", b.URI(name), err)
	}
	return nil
}

var _ blob.Bucket = S3Bucket{}
