package bigquery

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"google.golang.org/grpc"
)

// GRPCServer returns a gRPC server with the Storage Read and Write APIs
// (BigQueryRead, BigQueryWrite) registered. Serve it on a listener of its
// own, or use Serve to share one port with the REST API.
func (s *Server) GRPCServer() *grpc.Server {
	g := grpc.NewServer(grpc.MaxRecvMsgSize(20<<20), grpc.MaxSendMsgSize(129<<20))
	storagepb.RegisterBigQueryReadServer(g, &storageRead{s: s})
	storagepb.RegisterBigQueryWriteServer(g, &storageWrite{s: s})
	return g
}

// Serve answers the REST API and, on the same port, the Storage Read and
// Write APIs over gRPC: a connection that opens with the HTTP/2 preface
// (gRPC's cleartext h2c, as the Go clients send it with insecure
// credentials) goes to the gRPC server, any other to the REST handler. It
// returns when lis is closed.
func (s *Server) Serve(lis net.Listener) error { return s.ServeHandler(lis, s.Handler()) }

// ServeHandler is Serve with h answering the REST requests (a wrapper of
// Handler, for example one that counts requests).
func (s *Server) ServeHandler(lis net.Listener, h http.Handler) error {
	g := s.GRPCServer()
	h2 := newChanListener(lis.Addr())
	h1 := newChanListener(lis.Addr())
	hs := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	go g.Serve(h2)
	go hs.Serve(h1)
	defer func() {
		h1.Close()
		h2.Close()
		g.Stop()
		hs.Close()
	}()
	for {
		c, err := lis.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go func() {
			br := bufio.NewReaderSize(c, 4096)
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			pre, err := br.Peek(len(http2Preface))
			c.SetReadDeadline(time.Time{})
			pc := &peekedConn{Conn: c, r: br}
			if err == nil && bytes.Equal(pre, http2Preface) {
				h2.put(pc)
				return
			}
			h1.put(pc) // HTTP/1 (or a short request the REST server answers)
		}()
	}
}

var http2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener is a net.Listener fed with connections by Serve.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newChanListener(a net.Addr) *chanListener {
	return &chanListener{addr: a, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) put(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
