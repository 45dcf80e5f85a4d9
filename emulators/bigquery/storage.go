package bigquery

import (
	"context"
	"errors"
	"io"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
)

// WithStorage connects load and extract jobs to Cloud Storage (or its
// emulator) through c: it fills ReadObject, ListObjects and WriteObject.
func (o Options) WithStorage(c *storage.Client) Options {
	o.ReadObject = func(ctx context.Context, bucket, object string) (io.ReadCloser, error) {
		return c.Bucket(bucket).Object(object).NewReader(ctx)
	}
	o.WriteObject = func(ctx context.Context, bucket, object string) (io.WriteCloser, error) {
		return c.Bucket(bucket).Object(object).NewWriter(ctx), nil
	}
	o.ListObjects = func(ctx context.Context, bucket, prefix string) ([]string, error) {
		var names []string
		it := c.Bucket(bucket).Objects(ctx, &storage.Query{Prefix: prefix})
		for {
			a, err := it.Next()
			if errors.Is(err, iterator.Done) {
				return names, nil
			}
			if err != nil {
				return nil, err
			}
			names = append(names, a.Name)
		}
	}
	return o
}
