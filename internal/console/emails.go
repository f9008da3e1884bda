package console

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stichtingbmp/amwaht/internal/delivery"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
)

// email is one e-mail of a rollout, as the outbox holds it.
type email struct {
	ID        int64      `db:"id"`
	Template  string     `db:"template"`
	Role      string     `db:"role"`
	Recipient string     `db:"recipient"`
	Subject   string     `db:"subject"`
	Status    string     `db:"status"`
	CreatedAt time.Time  `db:"created_at"`
	SentAt    *time.Time `db:"sent_at"`
	Text      string     `db:"body_text"`
	Delivery  *delivery.State
}

// StatusNL says an e-mail's state in Dutch.
func (e email) StatusNL() string {
	switch e.Status {
	case "sent":
		return "verzonden"
	case "logged":
		return "opgeslagen, niet verzonden"
	case "failed":
		return "geweigerd"
	case "sending", "pending":
		return "wordt verzonden"
	}
	return e.Status
}

// emails lists what a rollout and its cohort were sent, newest first.
func (s *Server) emails(ctx context.Context, id string) ([]email, error) {
	var out []email
	err := s.db.SelectContext(ctx, &out, `SELECT id, template, role, recipient, subject, status, created_at, sent_at, body_text
		FROM outbox WHERE workflow_id = $1 OR workflow_id = $2 ORDER BY created_at DESC, id DESC LIMIT 500`, id, rollout.CohortWorkflowID(id))
	if err != nil {
		return nil, fmt.Errorf("e-mails of %s: %w", id, err)
	}
	ids := make([]int64, len(out))
	for i, e := range out {
		ids[i] = e.ID
	}
	states, err := delivery.States(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if st, ok := states[out[i].ID]; ok {
			out[i].Delivery = &st
		}
	}
	return out, nil
}

// emailView is one e-mail's page: who got it, when, and the e-mail itself
// in a sandboxed frame.
type emailView struct {
	email
	Municipality municipality.Municipality
	Wave, Back   string
	Content      string // the frame's address
}

func (v emailView) PageTitle() string { return "E-mail: " + v.Subject }

// oneEmail finds an e-mail of the rollout the address names (or its cohort).
func (s *Server) oneEmail(r *http.Request) (emailView, error) {
	mu, err := municipality.Lookup(r.PathValue("code"))
	n, nerr := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || nerr != nil || !rollout.ValidWaveName(r.PathValue("wave")) {
		return emailView{}, rollout.ErrNotFound
	}
	id := rollout.WorkflowID(r.PathValue("wave"), mu.Code)
	v := emailView{Municipality: mu, Wave: r.PathValue("wave"), Back: rolloutPath(r.PathValue("wave"), mu.Code)}
	err = s.db.GetContext(r.Context(), &v.email, `SELECT id, template, role, recipient, subject, status, created_at, sent_at, body_text
		FROM outbox WHERE id = $1 AND (workflow_id = $2 OR workflow_id = $3)`, n, id, rollout.CohortWorkflowID(id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, rollout.ErrNotFound
	}
	if err != nil {
		return v, err
	}
	v.Content = fmt.Sprintf("%s/email/%d/inhoud", v.Back, v.ID)
	states, err := delivery.States(r.Context(), s.db, []int64{v.ID})
	if st, ok := states[v.ID]; ok {
		v.Delivery = &st
	}
	return v, err
}

// emailPage shows one e-mail with what is known about it.
func (s *Server) emailPage(w http.ResponseWriter, r *http.Request, _ staff.Member) {
	v, err := s.oneEmail(r)
	switch {
	case errors.Is(err, rollout.ErrNotFound):
		s.notFound(w, r)
	case err != nil:
		s.fail(w, r, err)
	default:
		s.render(w, r, http.StatusOK, "email", v)
	}
}

// emailContent is an e-mail's own HTML, as its recipient saw it, for the
// frame on its page: it may run no script, load nothing from elsewhere,
// and be framed by the console alone.
func (s *Server) emailContent(w http.ResponseWriter, r *http.Request, _ staff.Member) {
	v, err := s.oneEmail(r)
	var html string
	if err == nil {
		err = s.db.GetContext(r.Context(), &html, `SELECT body_html FROM outbox WHERE id = $1`, v.ID)
	}
	switch {
	case errors.Is(err, rollout.ErrNotFound):
		s.notFound(w, r)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if html == "" {
		html = `<!DOCTYPE html><html lang="nl"><title>E-mail</title><p>De inhoud van deze e-mail is na de bewaartermijn verwijderd.</p></html>`
	}
	_, _ = w.Write([]byte(html))
}
