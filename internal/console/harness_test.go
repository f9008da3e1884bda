package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/delivery/signing"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: rollout.SearchAttributeFlags()}))
}

// mailbox catches the sign-in links the console sends.
type mailbox struct {
	mu    sync.Mutex
	links map[string][]string // by address
}

func (b *mailbox) SignIn(_ context.Context, m staff.Member, link string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.links[strings.ToLower(m.Email)] = append(b.links[strings.ToLower(m.Email)], link)
	return nil
}

// last waits for the latest link sent to an address.
func (b *mailbox) last(t *testing.T, email string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		ls := b.links[strings.ToLower(email)]
		b.mu.Unlock()
		if len(ls) > 0 {
			return ls[len(ls)-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no sign-in link sent to %s", email)
	return ""
}

func (b *mailbox) count(email string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.links[strings.ToLower(email)])
}

// system is a worker and a console on the dev server and a fresh database.
type system struct {
	url     string
	srv     *Server
	mail    *mailbox
	rollout *rollout.Client
	staff   staff.Store
	logs    *syncBuffer          // the console's
	webhook string               // the private key SendGrid signs its events with
	sg      *sendgridfake.Server // where the worker sends its e-mails
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startSystem(t testing.TB) *system {
	t.Helper()
	te := testenv.Require(t)
	// The console's address is known before the worker starts: its e-mails'
	// personal links lead here.
	ts := httptest.NewUnstartedServer(nil)
	ts.Start()
	t.Cleanup(ts.Close)
	worker := te.StartWorker(t, map[string]string{"AMWAHT_PUBLIC_URL": ts.URL})
	// Waits for the worker's migrations (an advisory lock), so the console
	// never sees a half-built schema.
	db := testenv.OpenMigrated(t, worker.DatabaseURL)
	logs := &syncBuffer{}
	s := &system{mail: &mailbox{links: map[string][]string{}}, staff: staff.Store{DB: db}, logs: logs, sg: worker.SendGrid}
	c := te.Client(t)
	u, _ := url.Parse(ts.URL)
	cfg := Config{Addr: u.Host, PublicURL: u, UIURL: "http://ui.example.org", Namespace: te.Temporal.Namespace}
	var err error
	s.srv, err = New(cfg, Deps{DB: db, Temporal: c, Keys: codec.TestKeyring(), Mailer: s.mail, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	private, public, err := signing.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	s.webhook = private
	mux, err := s.srv.routes(public)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = mux
	s.url = ts.URL
	s.rollout = testenv.Rollouts(c, plan.Actor{Via: plan.ViaScript, Name: "test"})
	return s
}

// browser is an HTTP client with its own cookies, as one person's browser.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (s *system) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.url, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response read whole.
type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) get(path string) page {
	b.t.Helper()
	resp, err := b.c.Get(b.abs(path))
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	resp, err := b.c.PostForm(b.abs(path), form)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.base + path
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), header: resp.Header}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the anti-forgery token from a page's form.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", p.body)
	}
	return m[1]
}

// signIn takes a member through the e-mailed link and returns their browser.
func (s *system) signIn(t *testing.T, email, name string) *browser {
	t.Helper()
	if _, err := s.staff.Add(t.Context(), email, name); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	p := b.get("/inloggen")
	p = b.post("/inloggen", url.Values{"csrf": {p.csrf(t)}, "email": {email}})
	if p.status != http.StatusOK {
		t.Fatalf("request link: %d\n%s", p.status, p.body)
	}
	p = b.get(s.mail.last(t, email))
	if p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("sign-in link: %d to %q", p.status, p.location)
	}
	return b
}
