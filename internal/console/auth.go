package console

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/address"
	"github.com/stichtingbmp/amwaht/internal/staff"
)

type signInPage struct {
	Email   string
	Problem string
	Sent    bool
	Limited bool
	Invalid bool
}

func (signInPage) PageTitle() string { return "Inloggen" }

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", signInPage{})
}

// requestLink e-mails a sign-in link to a staff member. Every address gets
// the same answer, as fast, so the page tells nobody who has an account.
func (s *Server) requestLink(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if err := address.Validate(email); err != nil {
		var ae *address.Error
		errors.As(err, &ae)
		s.render(w, r, http.StatusUnprocessableEntity, "signin", signInPage{Email: email, Problem: ae.Dutch()})
		return
	}
	now := s.now()
	if !s.perAddress.allow(strings.ToLower(email), now) || !s.perClient.allow(clientIP(r), now) {
		s.render(w, r, http.StatusTooManyRequests, "signin", signInPage{Email: email, Limited: true})
		return
	}
	go s.sendLink(email, now) // after the answer: the time taken says nothing either
	s.render(w, r, http.StatusOK, "signin", signInPage{Email: email, Sent: true})
}

// sendLink issues and sends the link when the address is a member's.
func (s *Server) sendLink(email string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.staff.ByEmail(ctx, email)
	if errors.Is(err, staff.ErrNotFound) {
		s.log.Info("sign-in asked for an address that is no staff member's")
		return
	}
	if err == nil {
		var token string
		if token, err = s.staff.IssueLink(ctx, m, now); err == nil {
			err = s.mailer.SignIn(ctx, m, s.cfg.Link("/inloggen/"+token))
		}
	}
	if err != nil {
		s.log.Error("sign-in link not sent", "staff_id", m.ID, "error", err)
		return
	}
	s.log.Info("sign-in link sent", "staff_id", m.ID)
}

// useLink exchanges a sign-in link for a session and moves on to a page
// whose address holds no token.
func (s *Server) useLink(w http.ResponseWriter, r *http.Request) {
	m, err := s.staff.UseLink(r.Context(), r.PathValue("token"), s.now())
	if errors.Is(err, staff.ErrLinkInvalid) {
		s.render(w, r, http.StatusBadRequest, "signin", signInPage{Invalid: true})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := s.sessions.PopString(r.Context(), "next")
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), keyStaff, m.ID)
	s.sessions.Put(r.Context(), keyCSRF, newCSRFToken())
	s.log.Info("staff member signed in", "staff_id", m.ID)
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "U bent uitgelogd.")
	http.Redirect(w, r, "/inloggen", http.StatusSeeOther)
}
