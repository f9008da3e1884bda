package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// The task pages are the console's public side: a municipality, a producer
// or a teacher opens their task page with the personal link from a task
// e-mail (internal/links). The link's token is exchanged at once for a
// session of its own (not the staff's), and the page's address holds no
// token. What they submit goes to the rollout as the same Update staff
// would send, with the party as its actor ("producent Welzijn Utrecht via
// link").

// Task sessions end after TaskIdle without a request, and TaskLifetime
// after the link was opened, used or not; the link itself opens a new one.
const (
	TaskIdle     = 30 * time.Minute
	TaskLifetime = 8 * time.Hour
)

// Task session keys.
const (
	keyTaskLink = "link" // the link's hash, hex: never the token
	keyTaskCSRF = "csrf"
	keyTaskDone = "done" // the action just recorded, for the confirmation
)

// taskPages is the task pages' own state beside the staff console's.
type taskPages struct {
	links    links.Store
	sessions *scs.SessionManager
	// Submissions are limited per link and per client; requests for a new
	// link per address and per client.
	perLink, perClient, perAddress, perAsker *limiter

	mu     sync.Mutex
	client client.Client          // the Temporal identity of every link action
	inputs map[string]rolloutPlan // a rollout's input per run: it never changes
}

func newTaskPages(db *sqlx.DB, secure bool) *taskPages {
	sm := scs.New()
	sm.Store = hashedStore{postgresstore.NewWithConfig(db.DB, postgresstore.Config{CleanUpInterval: 10 * time.Minute, TableName: "task_sessions"})}
	sm.IdleTimeout = TaskIdle
	sm.Lifetime = TaskLifetime
	sm.Cookie.Name = "amwaht_taak"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode // the link in an e-mail is a cross-site navigation
	sm.Cookie.Secure = secure
	sm.Cookie.Path = "/taak"
	return &taskPages{
		links: links.Store{DB: db}, sessions: sm,
		perLink: newLimiter(5*time.Second, 20), perClient: newLimiter(2*time.Second, 60),
		perAddress: newLimiter(15*time.Minute, 3), perAsker: newLimiter(time.Minute, 10),
		inputs: map[string]rolloutPlan{},
	}
}

// tasks is the task pages' state, made on first use.
func (s *Server) tasks() *taskPages {
	s.tasksOnce.Do(func() { s.taskState = newTaskPages(s.db, s.cfg.Secure()) })
	return s.taskState
}

// taskHandler serves everything under /taak.
func (s *Server) taskHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /taak", s.taskPage)
	mux.HandleFunc("GET /taak/{token}", s.openTaskLink)
	mux.HandleFunc("POST /taak/{action}", s.taskAct)
	mux.HandleFunc("POST /taak/nieuwe-link", s.requestTaskLink)
	mux.HandleFunc("POST /taak/afsluiten", s.endTaskSession)
	mux.HandleFunc("/taak/", s.taskLinkInvalid)
	return secure(accessLog(s.log, mux, s.tasks().sessions.LoadAndSave(s.taskCSRF(mux))))
}

// mountTaskPages puts the task pages beside the staff's.
func (s *Server) mountTaskPages(mux *http.ServeMux) {
	h := s.taskHandler()
	mux.Handle("/taak", h)
	mux.Handle("/taak/", h)
}

// taskCSRF refuses a form without the task session's token, as the staff
// side does with its own.
func (s *Server) taskCSRF(next http.Handler) http.Handler {
	return formGuard{
		token:    func(ctx context.Context) string { return s.tasks().sessions.GetString(ctx, keyTaskCSRF) },
		refuse:   s.taskMessage,
		tooLarge: "Wat u verstuurde is te groot. Een bestand mag ten hoogste 1 MB zijn. Ga terug en probeer het opnieuw.",
		expired:  "Dit formulier is verlopen. Open de link in uw e-mail opnieuw en probeer het nog eens.",
	}.wrap(next)
}

func (s *Server) taskCSRFToken(ctx context.Context) string {
	sm := s.tasks().sessions
	t := sm.GetString(ctx, keyTaskCSRF)
	if t == "" {
		t = newCSRFToken()
		sm.Put(ctx, keyTaskCSRF, t)
	}
	return t
}

// runOf tells the links how a rollout stands in Temporal.
func (s *Server) runOf(ctx context.Context, id string) (links.Run, error) {
	rc, err := s.linkClient(plan.Actor{})
	if err != nil {
		return links.Run{}, err
	}
	r, err := rc.Run(ctx, id)
	return links.Run{FirstRunID: r.FirstRunID, Started: r.Started, Running: r.Running}, err
}

// linkClient is the typed client acting as a party through its link. One
// Temporal identity ("console:link") for all of them; the actor in every
// Update names the party.
func (s *Server) linkClient(actor plan.Actor) (*rollout.Client, error) {
	t := s.tasks()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.client == nil {
		opts := client.Options{Identity: "console:link", Namespace: s.cfg.Namespace}
		codec.Configure(&opts, s.keys)
		c, err := client.NewClientFromExisting(s.temporal, opts)
		if err != nil {
			return nil, fmt.Errorf("Temporal client for task links: %w", err)
		}
		t.client = c
	}
	return &rollout.Client{T: t.client, Actor: actor, Converter: codec.NewDataConverter(s.keys)}, nil
}

// openTaskLink exchanges a link's token for a task session and moves on to
// /taak, whose address holds no token (Referrer-Policy: no-referrer keeps it
// from other sites anyway).
func (s *Server) openTaskLink(w http.ResponseWriter, r *http.Request) {
	if !s.tasks().perClient.allow(clientIP(r), s.now()) {
		s.taskMessage(w, r, http.StatusTooManyRequests, "Even wachten", "Er kwamen veel verzoeken kort na elkaar. Wacht een minuut en open de link dan opnieuw.")
		return
	}
	l, err := s.tasks().links.Use(r.Context(), r.PathValue("token"), s.now(), s.runOf)
	if errors.Is(err, links.ErrInvalid) {
		s.taskLinkInvalid(w, r)
		return
	}
	if err != nil {
		s.taskFail(w, r, err)
		return
	}
	sm := s.tasks().sessions
	if err := sm.RenewToken(r.Context()); err != nil {
		s.taskFail(w, r, err)
		return
	}
	sm.Put(r.Context(), keyTaskLink, l.Key())
	sm.Put(r.Context(), keyTaskCSRF, newCSRFToken())
	s.log.Info("task link opened", "workflow_id", l.WorkflowID, "party", l.Party)
	http.Redirect(w, r, "/taak", http.StatusSeeOther)
}

// sessionLink is the link the task session was opened with, still valid;
// otherwise it answers with the page for a link that does not work, ends
// the session, and returns false.
func (s *Server) sessionLink(w http.ResponseWriter, r *http.Request) (links.Link, bool) {
	sm := s.tasks().sessions
	key := sm.GetString(r.Context(), keyTaskLink)
	l, err := s.tasks().links.Check(r.Context(), key, s.now(), s.runOf)
	switch {
	case key == "" || errors.Is(err, links.ErrInvalid):
		if key != "" {
			sm.Remove(r.Context(), keyTaskLink)
		}
		s.taskLinkInvalid(w, r)
		return l, false
	case err != nil:
		s.taskFail(w, r, err)
		return l, false
	}
	return l, true
}

// invalidLinkPage is the one answer to every link that does not open a
// page: forged, revoked, of an ended rollout, of another run, or a session
// that lapsed. It says what to do and nothing else.
type invalidLinkPage struct {
	Email   string
	Problem string
	Sent    bool
	Limited bool
}

func (invalidLinkPage) PageTitle() string { return "Deze pagina kunt u nu niet openen" }

func (s *Server) taskLinkInvalid(w http.ResponseWriter, r *http.Request) {
	s.renderTask(w, r, http.StatusNotFound, "taak-ongeldig", invalidLinkPage{})
}

// taskMessage is a short page on the task side: a title and what to do.
type taskMessagePage struct{ Title, Message string }

func (p taskMessagePage) PageTitle() string { return p.Title }

func (s *Server) taskMessage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.renderTask(w, r, status, "taak-bericht", taskMessagePage{Title: title, Message: msg})
}

// taskFail shows an unexpected error without its details, which are
// logged (by route, never by path).
func (s *Server) taskFail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("task page request failed", "route", r.Pattern, "error", err)
	msg := "Er ging iets mis. Probeer het over een paar minuten opnieuw. Blijft het misgaan? Bel of mail de backoffice."
	s.taskMessage(w, r, http.StatusServiceUnavailable, "Er ging iets mis", msg)
}

// renderTask writes a task page: the console's layout, without staff's
// navigation, with the task session's anti-forgery token.
func (s *Server) renderTask(w http.ResponseWriter, r *http.Request, status int, name string, page any) {
	s.writePage(w, status, name, view{Page: page, CSRF: s.taskCSRFToken(r.Context()), Nav: name, Public: true, Title: titleOf(page)})
}

// endTaskSession closes the page: the session ends, the link still works.
func (s *Server) endTaskSession(w http.ResponseWriter, r *http.Request) {
	if err := s.tasks().sessions.Destroy(r.Context()); err != nil {
		s.taskFail(w, r, err)
		return
	}
	s.taskMessage(w, r, http.StatusOK, "Afgesloten", "U heeft de pagina afgesloten. Wilt u later verder? Open dan de link in uw e-mail opnieuw.")
}

// purgeTaskLinks revokes the links of rollouts that ended and deletes
// those revoked a month ago; the console runs it every hour.
func (s *Server) purgeTaskLinks(ctx context.Context) {
	revoked, deleted, err := s.tasks().links.EndRuns(ctx, s.now(), s.runOf)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("purging task links", "error", err)
		}
		return
	}
	if revoked+deleted > 0 {
		s.log.Info("task links purged", "revoked", revoked, "deleted", deleted)
	}
}

// closeTasks ends the task pages' Temporal client.
func (s *Server) closeTasks() {
	if s.taskState == nil {
		return
	}
	s.taskState.mu.Lock()
	defer s.taskState.mu.Unlock()
	if s.taskState.client != nil {
		s.taskState.client.Close()
		s.taskState.client = nil
	}
}
