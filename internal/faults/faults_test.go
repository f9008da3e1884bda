// Package faults runs rollouts through the faults a year-long rollout will
// meet: the worker killed with SIGKILL and restarted, PostgreSQL cut off, and
// SendGrid throttling, failing, answering slowly and dropping connections.
// It then checks the product's promises: every rollout reaches its end,
// every e-mail arrives once, every premium is paid once.
package faults

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: rollout.SearchAttributeFlags()}))
}

// proxy forwards TCP to PostgreSQL and can cut every connection, standing in
// for a PostgreSQL restart (the machine's cluster is shared with other tests).
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) serve() {
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

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) setDown(d bool) {
	p.mu.Lock()
	p.down = d
	p.mu.Unlock()
	if d {
		p.cut()
	}
}

func TestRolloutsSurviveFaults(t *testing.T) {
	te := testenv.Require(t)
	dbURL := te.NewDatabase(t)
	// The worker reaches PostgreSQL through the proxy.
	pgHost := "127.0.0.1:5432"
	px := newProxy(t, pgHost)
	workerDB := replaceHost(t, dbURL, px.ln.Addr().String())

	sg := sendgridfake.New()
	defer sg.Close()
	rng := rand.New(rand.NewPCG(42, 7))
	var rmu sync.Mutex
	sg.FailWith(func(n int) *sendgridfake.Response {
		rmu.Lock()
		defer rmu.Unlock()
		switch x := rng.IntN(100); {
		case x < 8:
			return &sendgridfake.Response{Status: 429, Header: map[string]string{"Retry-After": "1"}}
		case x < 14:
			return &sendgridfake.Response{Status: 500}
		case x < 18:
			return &sendgridfake.Response{Delay: 1500 * time.Millisecond} // slow, then accepted
		case x < 21:
			return &sendgridfake.Response{Drop: true}
		}
		return nil
	})

	bin := filepath.Join(t.TempDir(), "worker")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/stichtingbmp/amwaht/worker").CombinedOutput(); err != nil {
		t.Fatalf("build worker: %v\n%s", err, out)
	}
	env := append(os.Environ(),
		"TEMPORAL_ADDRESS="+te.Temporal.Address, "TEMPORAL_NAMESPACE="+te.Temporal.Namespace,
		"DATABASE_URL="+workerDB, "SENDGRID_API_KEY=SG.faults", "SENDGRID_API_HOST="+sg.URL,
		"AMWAHT_METRICS_ADDR=off")
	var worker *exec.Cmd
	startWorker := func() {
		worker = exec.Command(bin)
		worker.Env = env
		worker.Stdout, worker.Stderr = io.Discard, io.Discard
		if testing.Verbose() {
			worker.Stderr = os.Stderr
		}
		if err := worker.Start(); err != nil {
			t.Fatal(err)
		}
	}
	startWorker()
	t.Cleanup(func() { worker.Process.Kill(); worker.Wait() })

	t.Setenv("TEMPORAL_ADDRESS", te.Temporal.Address)
	t.Setenv("TEMPORAL_NAMESPACE", te.Temporal.Namespace)
	codes := []string{"GM0106", "GM0109", "GM0114", "GM0118", "GM0119", "GM0141", "GM0147", "GM0148", "GM0150", "GM0158", "GM0160", "GM0166"}
	ids := make([]string, len(codes))
	variants := make([]simulate.Variant, len(codes))
	for i, code := range codes {
		args := []string{"start", "--municipality", code, "--wave", "demo", "--day-length", "100ms", "--contact-email", "wmo-" + code + "@gemeente.example.nl"}
		if rc := cli.Run(context.Background(), args, io.Discard, io.Discard); rc != 0 {
			t.Fatalf("start %s: exit %d", code, rc)
		}
		ids[i] = rollout.WorkflowID("demo", code)
		variants[i] = simulate.VariantFor(i)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	c := te.Client(t)
	done := make(chan error, 1)
	go func() {
		done <- (&simulate.Actor{C: testenv.Rollouts(c, simulate.Player), Out: io.Discard, Poll: 25 * time.Millisecond}).Run(ctx, ids, variants)
	}()

	// The faults: three SIGKILLs of the worker at random moments, and
	// PostgreSQL gone for three seconds once.
	kills := 0
	for _, at := range []time.Duration{4 * time.Second, 11 * time.Second, 23 * time.Second} { // pauses between kills
		select {
		case err := <-done:
			done <- err
		case <-time.After(at):
		}
		worker.Process.Signal(syscall.SIGKILL)
		worker.Wait()
		kills++
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		startWorker()
		if kills == 2 {
			px.setDown(true)
			time.Sleep(3 * time.Second)
			px.setDown(false)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("simulate: %v", err)
	}

	started := 0
	for i, id := range ids {
		var res rollout.Result
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if want := simulate.ExpectedOutcome(variants[i]); res.Outcome != want {
			t.Errorf("%s (%s): outcome %s, want %s", id, variants[i], res.Outcome, want)
		}
		if res.Outcome == plan.OutcomeGraduated {
			started++
			if res.Graduates != 13 {
				t.Errorf("%s: %d graduates, the acknowledged update said 13", id, res.Graduates)
			}
		}
	}
	// Every e-mail SendGrid accepted, once; every outbox row sent.
	seen := map[string]int{}
	for _, m := range sg.Mails() {
		seen[m.Key()]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("e-mail %s accepted %d times", k, n)
		}
	}
	db, err := app.OpenDB(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var unsent, sent, premiums int
	if err := db.Get(&unsent, `SELECT count(*) FROM outbox WHERE status <> 'sent'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&sent, `SELECT count(*) FROM outbox WHERE status = 'sent'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&premiums, `SELECT count(*) FROM payments`); err != nil {
		t.Fatal(err)
	}
	if unsent != 0 || sent != len(seen) {
		t.Errorf("outbox: %d sent, %d not sent; SendGrid accepted %d distinct e-mails", sent, unsent, len(seen))
	}
	if premiums != started {
		t.Errorf("premiums paid: %d, cohorts started: %d", premiums, started)
	}
	t.Logf("%d rollouts, %d kills, %d e-mails (%d requests to SendGrid), %d premiums", len(ids), kills, len(seen), sg.Requests(), premiums)
}

func replaceHost(t *testing.T, url, hostPort string) string {
	t.Helper()
	const from = "@127.0.0.1:5432/"
	for i := 0; i+len(from) <= len(url); i++ {
		if url[i:i+len(from)] == from {
			return url[:i] + "@" + hostPort + "/" + url[i+len(from):]
		}
	}
	t.Skipf("the fault suite's PostgreSQL proxy needs the cluster at 127.0.0.1:5432 (got %s)", app.RedactURL(url))
	return ""
}
