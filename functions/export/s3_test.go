package export_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-data/sluice/functions/export"
	"github.com/sluice-data/sluice/internal/awsfake"
	sluiceaws "github.com/sluice-data/sluice/shared/aws"
	"github.com/sluice-data/sluice/shared/blob"
	"github.com/sluice-data/sluice/shared/config"
	"github.com/sluice-data/sluice/shared/events"
)

func s3Objects(t *testing.T, fake *awsfake.S3, bucket, prefix string) []string {
	t.Helper()
	out, err := fake.Client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range out.Contents {
		names = append(names, aws.ToString(o.Key))
	}
	slices.Sort(names)
	return names
}

func s3Read(t *testing.T, fake *awsfake.S3, bucket, key string) []byte {
	t.Helper()
	out, err := fake.Client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return b
}

// TestExportToS3: a destination s3://bucket/… is written to that bucket
// (gofakes3, through the SDK v2 client) with the same atomic layout as in
// Cloud Storage: data, manifest naming s3:// URIs with the data's
// checksums, _SUCCESS, stale objects of the run date removed, no temporary
// objects left; Parquet is extracted by BigQuery to Cloud Storage and
// copied over.
func TestExportToS3(t *testing.T) {
	ctx := context.Background()
	fake, err := awsfake.NewS3(ctx, "finance-drop")
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	seed(t, "s3x", 12)
	if _, err := fake.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("finance-drop"), Key: aws.String("daily/2026-11-08.csv"),
		Body: strings.NewReader("stale")}); err != nil {
		t.Fatal(err)
	}
	openS3 := func(b string) blob.Bucket { return sluiceaws.S3Bucket{Client: fake.Client, Name: b} }
	for _, tc := range []struct{ format, compression, dest string }{
		{"csv", "gzip", "s3://finance-drop/daily/{date}.csv"},
		{"parquet", "", "s3://finance-drop/pq/{date}/part.parquet"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			e := config.Export{Name: "s3x", Query: "SELECT id, name, amount, day FROM published.s3x ORDER BY id",
				Format: tc.format, Compression: tc.compression, Destination: tc.dest, Trigger: "test"}
			x := exporter(e)
			x.S3 = openS3
			out, err := x.Run(ctx, "run_s3", "2026-11-08", "test")
			if err != nil {
				t.Fatal(err)
			}
			l := export.LayoutFor(e, "2026-11-08")
			data := s3Read(t, fake, "finance-drop", l.Data)
			var m events.ExportManifest
			if err := json.Unmarshal(s3Read(t, fake, "finance-drop", l.Manifest), &m); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if len(m.Files) != 1 || m.Files[0].URI != "s3://finance-drop/"+l.Data || m.Files[0].SHA256 != hex.EncodeToString(sum[:]) ||
				m.Files[0].Bytes != int64(len(data)) || m.Rows != 12 {
				t.Errorf("manifest = %+v; data s3://finance-drop/%s has %d bytes, sha256 %x", m, l.Data, len(data), sum)
			}
			if out.Files[0].URI != "s3://finance-drop/"+l.Data {
				t.Errorf("export.completed file URI = %s", out.Files[0].URI)
			}
			top, _, _ := strings.Cut(strings.TrimPrefix(tc.dest, "s3://finance-drop/"), "/")
			if got, want := s3Objects(t, fake, "finance-drop", top+"/"), []string{l.Data, l.Manifest, l.Success}; !sameSet(got, want) {
				t.Errorf("objects = %v, want %v (the stale object of the run date removed)", got, want)
			}
			if tmp := s3Objects(t, fake, "finance-drop", "_tmp/"); len(tmp) != 0 {
				t.Errorf("temporary S3 objects left: %v", tmp)
			}
			if tmp := objects(t, "_tmp/"); len(tmp) != 0 {
				t.Errorf("staged Cloud Storage objects left: %v", tmp)
			}
			if tc.format == "parquet" {
				if !bytes.HasPrefix(data, []byte("PAR1")) {
					t.Errorf("not parquet: %q", data[:min(8, len(data))])
				}
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(zr)
			if n := bytes.Count(b, []byte("\n")); n != 13 {
				t.Errorf("gunzipped csv has %d lines, want header + 12", n)
			}
		})
	}

	// Without an S3 client (the Cloud Function) the export fails and says
	// where S3 exports run.
	e := config.Export{Name: "s3x", Query: "SELECT 1 AS x", Format: "csv", Destination: "s3://finance-drop/x/{date}.csv", Trigger: "test"}
	_, err = exporter(e).Run(ctx, "run_s3_none", "2026-11-08", "test")
	if err == nil || !strings.Contains(err.Error(), "s3://finance-drop/x/{date}.csv") || !strings.Contains(err.Error(), "cmd/lambda/export") {
		t.Errorf("err = %v, want one naming the destination and the AWS export function", err)
	}
}
