package bigquery

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
)

// Resumable media uploads (uploadType=resumable), as bq load of a local file
// and the Go client above its chunk size use them: the POST carries the job
// and answers a session URI in Location; PUTs to that URI carry the data,
// whole or in chunks with Content-Range; 308 asks for more, and the last
// chunk runs the job.

type uploadSession struct {
	mu   sync.Mutex
	p    string
	meta []byte
	data bytes.Buffer
}

type uploads struct {
	mu sync.Mutex
	m  map[string]*uploadSession
}

var reContentRange = regexp.MustCompile(`^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$`)

func (s *Server) startResumable(w http.ResponseWriter, r *http.Request) (any, error) {
	meta, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 12)
	rand.Read(b)
	id := hex.EncodeToString(b)
	s.uploads.mu.Lock()
	if s.uploads.m == nil {
		s.uploads.m = map[string]*uploadSession{}
	}
	s.uploads.m[id] = &uploadSession{p: r.PathValue("p"), meta: meta}
	s.uploads.mu.Unlock()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	w.Header().Set("Location", scheme+"://"+r.Host+"/upload/bigquery/v2/projects/"+r.PathValue("p")+"/jobs?uploadType=resumable&upload_id="+id)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	return nil, errHandled
}

// resumableChunk serves a PUT (or POST) to a session URI.
func (s *Server) resumableChunk(w http.ResponseWriter, r *http.Request) (any, error) {
	id := r.URL.Query().Get("upload_id")
	s.uploads.mu.Lock()
	up := s.uploads.m[id]
	s.uploads.mu.Unlock()
	if up == nil {
		return nil, notFound("Upload session %s", id)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	final := true
	if cr := r.Header.Get("Content-Range"); cr != "" {
		m := reContentRange.FindStringSubmatch(cr)
		if m == nil {
			return nil, invalid("Bad Content-Range %q", cr)
		}
		if m[1] != "" {
			start, _ := strconv.ParseInt(m[1], 10, 64)
			if start != int64(up.data.Len()) {
				return nil, invalid("Upload chunk starts at %d, have %d bytes", start, up.data.Len())
			}
		}
		up.data.Write(body)
		if m[3] == "*" {
			final = false
		} else {
			total, _ := strconv.ParseInt(m[3], 10, 64)
			final = int64(up.data.Len()) >= total
		}
	} else {
		up.data.Write(body)
	}
	if !final {
		if up.data.Len() > 0 {
			w.Header().Set("Range", "bytes=0-"+strconv.Itoa(up.data.Len()-1))
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusPermanentRedirect)
		return nil, errHandled
	}
	s.uploads.mu.Lock()
	delete(s.uploads.m, id)
	s.uploads.mu.Unlock()
	data := up.data.Bytes()
	if data == nil {
		data = []byte{}
	}
	return s.submitJob(r.Context(), up.p, up.meta, data)
}
