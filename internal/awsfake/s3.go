package awsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 is an in-process S3 server (gofakes3 on its memory backend) plus an
// SDK v2 client pointed at it, path style. Fidelity limits are gofakes3's;
// Fail injects faults.
type S3 struct {
	URL    string
	Client *s3.Client
	// Config is the AWS config the client was built from (static
	// credentials, region us-east-1).
	Config aws.Config

	srv    *httptest.Server
	mu     sync.Mutex
	fail   func(*http.Request) bool
	notify map[string]func(event []byte) // by bucket
	seq    int64

	// Notifications counts the ObjectCreated notifications sent.
	Notifications atomic.Int64
}

// NewS3 starts the server with the named buckets.
func NewS3(ctx context.Context, buckets ...string) (*S3, error) {
	fake := gofakes3.New(s3mem.New())
	s := &S3{}
	h := fake.Server()
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		f := s.fail
		s.mu.Unlock()
		if f != nil && f(r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by awsfake</Message></Error>`)
			return
		}
		if r.Method == http.MethodGet && r.Header.Get("If-Match") != "" && !ifMatch(h, r) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusPreconditionFailed)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition></Error>`)
			return
		}
		if r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") == "" {
			if bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); ok && key != "" && !r.URL.Query().Has("partNumber") {
				s.mu.Lock()
				f := s.notify[bucket]
				s.mu.Unlock()
				if f != nil {
					rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
					h.ServeHTTP(rw, r)
					if rw.status == http.StatusOK {
						s.notifyPut(f, bucket, key, r.ContentLength, w.Header())
					}
					return
				}
			}
		}
		h.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	s.Config = aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
		// gofakes3 does not read aws-chunked bodies with trailing checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	s.Client = s3.NewFromConfig(s.Config, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.URL)
		o.UsePathStyle = true
	})
	for _, b := range buckets {
		if _, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			s.Close()
			return nil, fmt.Errorf("awsfake: create bucket %s: %w", b, err)
		}
	}
	return s, nil
}

// FailKeys makes every request whose path contains one of the keys answer
// 500 InternalError (nil or no keys: no faults).
func (s *S3) FailKeys(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(keys) == 0 {
		s.fail = nil
		return
	}
	s.fail = func(r *http.Request) bool {
		for _, k := range keys {
			if strings.Contains(r.URL.Path, k) {
				return true
			}
		}
		return false
	}
}

// Notify sends an S3 event notification (event structure version 2.1, one
// record, "ObjectCreated:Put") to f for every object PUT into bucket, as a
// bucket notification configuration for s3:ObjectCreated:Put does; f is
// called after the PUT is answered, in its own goroutine (S3 delivers
// asynchronously). Copies and multipart uploads are not announced.
func (s *S3) Notify(bucket string, f func(event []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notify == nil {
		s.notify = map[string]func([]byte){}
	}
	s.notify[bucket] = f
}

func (s *S3) notifyPut(f func([]byte), bucket, key string, size int64, h http.Header) {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	obj := map[string]any{
		// Keys are URL-encoded in notifications (a space is "+").
		"key":       strings.ReplaceAll(url.QueryEscape(key), "%2F", "/"),
		"size":      size,
		"eTag":      strings.Trim(h.Get("ETag"), `"`),
		"sequencer": fmt.Sprintf("%016X", seq),
	}
	if v := h.Get("X-Amz-Version-Id"); v != "" {
		obj["versionId"] = v
	}
	ev := map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
		"eventTime": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "eventName": "ObjectCreated:Put",
		"userIdentity":      map[string]any{"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
		"requestParameters": map[string]any{"sourceIPAddress": "127.0.0.1"},
		"responseElements":  map[string]any{"x-amz-request-id": fmt.Sprintf("%016X", seq), "x-amz-id-2": "awsfake"},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": "awsfake-object-created",
			"bucket": map[string]any{"name": bucket, "ownerIdentity": map[string]any{"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::" + bucket},
			"object": obj,
		},
	}}}
	b, _ := json.Marshal(ev)
	s.Notifications.Add(1)
	go f(b)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Close stops the server.
func (s *S3) Close() { s.srv.Close() }

// ifMatch does what S3 does with If-Match on GetObject and gofakes3 v1.2.0
// does not: compare it with the current ETag (a HEAD of the same object).
// A missing object is left to the GET to answer (404).
func ifMatch(h http.Handler, r *http.Request) bool {
	head := r.Clone(r.Context())
	head.Method = http.MethodHead
	head.Header.Del("If-Match")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, head)
	if rec.Code != http.StatusOK {
		return true
	}
	want := strings.Trim(r.Header.Get("If-Match"), `"`)
	return want == "*" || want == strings.Trim(rec.Header().Get("ETag"), `"`)
}
