package testenv

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/app"
)

// Proxy forwards TCP to a target and can cut every connection and refuse new
// ones, standing in for a PostgreSQL restart (the machine's cluster is
// shared with other tests, so it cannot really restart).
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

// NewProxy listens on a free loopback port until the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		go func() { io.Copy(u, c); u.Close() }()
		go func() { io.Copy(c, u); c.Close() }()
	}
}

func (p *Proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// SetDown cuts every connection and refuses new ones (true), or lets them
// through again (false).
func (p *Proxy) SetDown(d bool) {
	p.mu.Lock()
	p.down = d
	p.mu.Unlock()
	if d {
		p.cut()
	}
}

// ThroughProxy returns a database URL of the machine's PostgreSQL at
// 127.0.0.1:5432 rewritten to reach it through a new Proxy; the test is
// skipped for another PostgreSQL, whose address it cannot rewrite safely.
func ThroughProxy(t testing.TB, url string) (*Proxy, string) {
	t.Helper()
	const from = "@127.0.0.1:5432/"
	before, after, ok := strings.Cut(url, from)
	if !ok {
		t.Skipf("the PostgreSQL proxy needs the cluster at 127.0.0.1:5432 (got %s)", app.RedactURL(url))
	}
	p := NewProxy(t, "127.0.0.1:5432")
	return p, before + "@" + p.Addr() + "/" + after
}
