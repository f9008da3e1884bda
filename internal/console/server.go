package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Server is the console: its handlers share the database, the Temporal
// client, the sessions and the rendered pages.
type Server struct {
	cfg      Config
	db       *sqlx.DB
	temporal client.Client
	keys     *codec.Keyring
	staff    staff.Store
	sessions *scs.SessionManager
	pages    *pages
	mailer   Mailer
	log      *slog.Logger
	now      func() time.Time

	// Sign-in requests are limited per address and per client.
	perAddress, perClient *limiter
	batches               *batches
	plans                 *plans

	mu      sync.Mutex
	clients map[int64]client.Client // per staff member: Temporal's identity names them

	// The task pages (taskpages.go): their sessions, limits and client.
	tasksOnce sync.Once
	taskState *taskPages
}

// Deps are what a Server runs on.
type Deps struct {
	DB       *sqlx.DB
	Temporal client.Client
	// Keys are the payload codec's: the per-member clients encrypt and
	// decrypt with them, and the codec server for the Web UI.
	Keys   *codec.Keyring
	Mailer Mailer
	Log    *slog.Logger
	Now    func() time.Time // nil: time.Now
}

// New builds the console.
func New(cfg Config, d Deps) (*Server, error) {
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Server{
		cfg: cfg, db: d.DB, temporal: d.Temporal, keys: d.Keys, staff: staff.Store{DB: d.DB},
		sessions: newSessions(d.DB, cfg.Secure()), pages: p, mailer: d.Mailer, log: d.Log, now: d.Now,
		perAddress: newLimiter(3*time.Minute, 5), perClient: newLimiter(30*time.Second, 20),
		batches: newBatches(), plans: &plans{byID: map[string]wave.Calendar{}}, clients: map[int64]client.Client{},
	}, nil
}

// Handler is the console's whole HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))
	mux.HandleFunc("GET /healthz", s.healthz)

	// Signing in and out.
	mux.HandleFunc("GET /inloggen", s.signInForm)
	mux.HandleFunc("POST /inloggen", s.requestLink)
	mux.HandleFunc("GET /inloggen/{token}", s.useLink)
	mux.HandleFunc("POST /uitloggen", s.signOut)

	// Staff pages.
	mux.Handle("GET /{$}", s.member(s.overview))
	mux.Handle("GET /uitrol/{wave}/{code}", s.member(s.rolloutPage))
	mux.Handle("POST /uitrol/{wave}/{code}/{action}", s.member(s.act))
	mux.Handle("GET /uitrol/{wave}/{code}/email/{id}", s.member(s.emailPage))
	mux.Handle("GET /uitrol/{wave}/{code}/email/{id}/inhoud", s.member(s.emailContent))
	mux.Handle("POST /uitrol/{wave}/{code}/links-intrekken", s.member(s.revokeTaskLinks))
	mux.Handle("GET /starten", s.member(s.startForm))
	mux.Handle("POST /starten", s.member(s.startBatch))
	mux.Handle("GET /starten/{id}", s.member(s.batchPage))
	mux.HandleFunc("/", s.notFound)

	return secure(accessLog(s.log, mux, s.sessions.LoadAndSave(s.csrf(mux))))
}

// Signed tells whether a request carries the session of a staff member who
// may still sign in; for handlers mounted beside the pages (the codec
// server), wrapped in WithSession.
func (s *Server) Signed(r *http.Request) bool {
	id := s.sessions.GetInt64(r.Context(), keyStaff)
	if id == 0 {
		return false
	}
	_, err := s.staff.ByID(r.Context(), id)
	return err == nil
}

// WithSession loads the console's session for a handler mounted beside
// the pages, outside their CSRF check (it authorises its own requests).
func (s *Server) WithSession(h http.Handler) http.Handler { return s.sessions.LoadAndSave(h) }

// csrf refuses a state-changing request whose form lacks the session's
// token, with 403; every page gets the token to put in its forms.
func (s *Server) csrf(next http.Handler) http.Handler {
	return formGuard{
		token: func(ctx context.Context) string { return s.sessions.GetString(ctx, keyCSRF) },
		refuse: func(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
			s.render(w, r, status, "error", errorPage{Title: title, Message: msg})
		},
		tooLarge: "Wat u verstuurde is te groot. Een formulier of bestand mag ten hoogste 1 MB zijn.",
		expired:  "Dit formulier is verlopen of niet door de console gemaakt. Ga terug, laad de pagina opnieuw en probeer het nog eens.",
	}.wrap(next)
}

// formGuard is the check every form of both sides passes: a bounded body,
// and the anti-forgery token of the session it belongs to. Each side says
// whose token it is and how a refusal looks.
type formGuard struct {
	token             func(context.Context) string
	refuse            func(w http.ResponseWriter, r *http.Request, status int, title, msg string)
	tooLarge, expired string
}

func (g formGuard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseMultipartForm(maxForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			g.refuse(w, r, http.StatusRequestEntityTooLarge, "Te groot", g.tooLarge)
			return
		}
		if !sameToken(r.PostFormValue("csrf"), g.token(r.Context())) {
			g.refuse(w, r, http.StatusForbidden, "Formulier verlopen", g.expired)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxForm bounds a form or an upload (a participants file is a few kilobytes).
const maxForm = 1 << 20

// csrfToken is the session's token, made on first use.
func (s *Server) csrfToken(ctx context.Context) string {
	t := s.sessions.GetString(ctx, keyCSRF)
	if t == "" {
		t = newCSRFToken()
		s.sessions.Put(ctx, keyCSRF, t)
	}
	return t
}

type memberKey struct{}

// member lets only a signed-in staff member through; anyone else is sent to
// the sign-in page, and back after signing in.
func (s *Server) member(h func(http.ResponseWriter, *http.Request, staff.Member)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), keyStaff)
		m, err := s.staff.ByID(r.Context(), id)
		if id == 0 || errors.Is(err, staff.ErrNotFound) {
			if r.Method == http.MethodGet {
				s.sessions.Put(r.Context(), "next", r.URL.RequestURI())
			}
			http.Redirect(w, r, "/inloggen", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), memberKey{}, m)), m)
	})
}

// rollouts is the typed client acting as a staff member; Temporal's client
// identity names them too (a client per member, sharing one connection).
func (s *Server) rollouts(m staff.Member) (*rollout.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[m.ID]
	if c == nil {
		var err error
		opts := client.Options{Identity: fmt.Sprintf("console:%s", m.Name), Namespace: s.cfg.Namespace}
		codec.Configure(&opts, s.keys)
		c, err = client.NewClientFromExisting(s.temporal, opts)
		if err != nil {
			return nil, fmt.Errorf("Temporal client for %s: %w", m.Name, err)
		}
		s.clients[m.ID] = c
	}
	return &rollout.Client{T: c, Actor: plan.Actor{Via: plan.ViaConsole, Name: m.Name}, Converter: codec.NewDataConverter(s.keys)}, nil
}

// Close ends the per-member clients (the shared connection is the caller's).
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		c.Close()
	}
	s.closeTasks()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		http.Error(w, "postgres: unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "error", errorPage{Title: "Niet gevonden", Message: "Deze pagina bestaat niet. Ga naar het overzicht."})
}

// fail shows an unexpected error without its details, which are logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("console request failed", "route", r.Pattern, "error", err)
	status, msg := http.StatusInternalServerError, "Er ging iets mis. Probeer het over een minuut opnieuw; blijft het misgaan, meld het dan bij de beheerder."
	if errors.Is(err, context.DeadlineExceeded) || isUnavailable(err) {
		status, msg = http.StatusServiceUnavailable, "Temporal of de database antwoordt nu niet. Probeer het over een minuut opnieuw."
	}
	s.render(w, r, status, "error", errorPage{Title: "Er ging iets mis", Message: msg})
}
