package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/address"
	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/participants"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// taskPage shows the party's task page, with the confirmation of what was
// just recorded at the top.
func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.sessionLink(w, r)
	if !ok {
		return
	}
	v, err := s.loadTaskView(r.Context(), l)
	if err != nil {
		s.taskFail(w, r, err)
		return
	}
	p := s.taskPageOf(r.Context(), v, nil)
	if done := s.tasks().sessions.PopString(r.Context(), keyTaskDone); done != "" {
		p.Done = v.confirmation(done)
	}
	s.renderTask(w, r, http.StatusOK, "taak", p)
}

// taskAct records one action from the task page: only an action the party
// may do now (an offer of its page), with what the page fixed (the step,
// the course) taken from the offer rather than the form; the workflow's
// validator has the last word, next to the field it concerns.
func (s *Server) taskAct(w http.ResponseWriter, r *http.Request) {
	l, ok := s.sessionLink(w, r)
	if !ok {
		return
	}
	now := s.now()
	if !s.tasks().perLink.allow(l.Key(), now) || !s.tasks().perClient.allow(clientIP(r), now) {
		s.taskMessage(w, r, http.StatusTooManyRequests, "Even wachten", "U stuurde veel formulieren kort na elkaar. Wacht een minuut en probeer het dan opnieuw.")
		return
	}
	v, err := s.loadTaskView(r.Context(), l)
	if err != nil {
		s.taskFail(w, r, err)
		return
	}
	values := url.Values{}
	for k, vs := range r.PostForm {
		values[k] = append([]string(nil), vs...)
	}
	ref := &refusal{key: values.Get("form"), values: values}
	o, found := offerFor(v.offers(), r.PathValue("action"), ref.key)
	if !found {
		p := s.taskPageOf(r.Context(), v, nil)
		p.Problems = []string{"Dit kunt u nu niet (meer) doorgeven. Hieronder ziet u wat nu kan."}
		s.renderTask(w, r, http.StatusUnprocessableEntity, "taak", p)
		return
	}
	for k, val := range o.Preset {
		values.Set(k, val)
	}
	upload, problems := s.participantsFile(r, o, values)
	var payload plan.Payload
	if len(problems) == 0 {
		payload, problems = plan.Build(o.Action, values)
	}
	if len(problems) == 0 {
		problems, err = s.record(r.Context(), v, o.Action, payload, upload)
		if err != nil {
			s.taskFail(w, r, err)
			return
		}
	}
	if len(problems) > 0 {
		if upload != nil {
			problems = onField(problems, "participantIds", "csv")
		}
		ref.problems = problems
		s.renderTask(w, r, http.StatusUnprocessableEntity, "taak", s.taskPageOf(r.Context(), v, ref))
		return
	}
	s.tasks().sessions.Put(r.Context(), keyTaskDone, o.Action.Name)
	http.Redirect(w, r, "/taak#bevestiging", http.StatusSeeOther)
}

// offerFor finds the offer a form was drawn from.
func offerFor(offers []offer, action, key string) (offer, bool) {
	for _, o := range offers {
		if o.Action.Name == action && o.Key == key {
			return o, true
		}
	}
	return offer{}, false
}

// participantsFile reads the enrolment's CSV file, when one was chosen,
// exactly as starter enrol --csv reads it: every bad row is reported and
// nothing is sent. The IDs go into the form's values; the details come back
// to be stored once the rollout accepted the IDs.
func (s *Server) participantsFile(r *http.Request, o offer, values url.Values) ([]plan.Participant, plan.Problems) {
	if o.Action.Name != plan.ActEnrol || r.MultipartForm == nil || len(r.MultipartForm.File["csv"]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File["csv"][0]
	if fh.Size == 0 && fh.Filename == "" {
		return nil, nil // the field left empty
	}
	if strings.TrimSpace(strings.Join(values["participantIds"], "")) != "" {
		var ps plan.Problems
		ps.Addf("csv", "kies één van beide: typ de codes, of kies een bestand", "choose one: type the IDs, or choose a file")
		return nil, ps
	}
	f, err := fh.Open()
	if err != nil {
		var ps plan.Problems
		ps.Addf("csv", "het bestand is niet te lezen; kies het opnieuw", "the file cannot be read; choose it again")
		return nil, ps
	}
	defer f.Close()
	rows, ps := plan.ParseParticipants(f)
	if len(ps) > 0 {
		return nil, onField(ps, "participantIds", "csv")
	}
	values.Del("participantIds")
	for _, p := range rows {
		values.Add("participantIds", p.ID)
	}
	return rows, nil
}

// onField moves problems about one field to another (the file's, when the
// IDs came from it).
func onField(ps plan.Problems, from, to string) plan.Problems {
	out := make(plan.Problems, len(ps))
	for i, p := range ps {
		if p.Field == from {
			p.Field = to
		}
		out[i] = p
	}
	return out
}

// record sends the action in the party's name. Participants' details are
// stored in the same breath: written before the Update, committed only
// when the rollout accepted the IDs.
func (s *Server) record(ctx context.Context, v taskView, a plan.Action, payload plan.Payload, upload []plan.Participant) (plan.Problems, error) {
	rc, err := s.linkClient(v.actor())
	if err != nil {
		return nil, err
	}
	var commit func() error
	if upload != nil {
		tx, err := s.db.BeginTxx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("store participants: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		if err := participants.Save(ctx, tx, v.link.WorkflowID, upload); err != nil {
			return nil, err
		}
		commit = tx.Commit
	}
	_, err = rc.Act(ctx, v.link.WorkflowID, a.Name, payload)
	var rej *rollout.RejectedError
	switch {
	case errors.As(err, &rej):
		return rej.Problems, nil
	case errors.Is(err, rollout.ErrEnded), errors.Is(err, rollout.ErrNoCohort):
		return plan.Rejected("dit kan niet meer: %s", "not possible any more: %s", explain(err)), nil
	case err != nil:
		return nil, err
	}
	if commit != nil {
		if err := commit(); err != nil {
			// The rollout has the IDs; the details can be uploaded again.
			return nil, fmt.Errorf("the rollout enrolled the participants, but their details were not stored: %w", err)
		}
	}
	s.log.Info("task recorded through a link", "workflow_id", v.link.WorkflowID, "party", v.link.Party, "action", a.Name)
	return nil, nil
}

// requestTaskLink e-mails a new link to an address the rollout holds. Every
// address gets the same answer, at once, so the page tells nobody whether
// an address is known.
func (s *Server) requestTaskLink(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if err := address.Validate(email); err != nil {
		var ae *address.Error
		errors.As(err, &ae)
		s.renderTask(w, r, http.StatusUnprocessableEntity, "taak-ongeldig", invalidLinkPage{Email: email, Problem: ae.Dutch()})
		return
	}
	now := s.now()
	if !s.tasks().perAddress.allow(strings.ToLower(email), now) || !s.tasks().perAsker.allow(clientIP(r), now) {
		s.renderTask(w, r, http.StatusTooManyRequests, "taak-ongeldig", invalidLinkPage{Email: email, Limited: true})
		return
	}
	go s.sendTaskLinks(email, now)
	s.renderTask(w, r, http.StatusOK, "taak-ongeldig", invalidLinkPage{Email: email, Sent: true})
}

// holder is a party of a running rollout whose latest e-mail went to the
// address asked for.
type holder struct {
	WorkflowID string `db:"workflow_id"`
	Role       string `db:"role"`
	Ref        string `db:"recipient_ref"`
}

// sendTaskLinks issues and e-mails a link for every running rollout that
// holds the address for a party: its latest e-mail to that party (that
// teacher) went to it. An address corrected since gets nothing.
func (s *Server) sendTaskLinks(email string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var hs []holder
	err := s.db.SelectContext(ctx, &hs, `
		SELECT regexp_replace(o.workflow_id, '-cohort$', '') AS workflow_id, o.role, o.recipient_ref
		FROM outbox o
		WHERE o.id IN (SELECT max(id) FROM outbox WHERE role IN ('municipality', 'producer', 'teacher')
		               GROUP BY regexp_replace(workflow_id, '-cohort$', ''), role, recipient_ref)
		  AND lower(o.recipient) = lower($1)
		ORDER BY o.id DESC LIMIT 10`, email)
	if err != nil {
		s.log.Error("task link request: reading the outbox", "error", err)
		return
	}
	sent := 0
	for _, h := range hs {
		if s.sendTaskLink(ctx, email, h, now) {
			sent++
		}
	}
	s.log.Info("task link request handled", "links_sent", sent)
}

func (s *Server) sendTaskLink(ctx context.Context, email string, h holder, now time.Time) bool {
	run, err := s.runOf(ctx, h.WorkflowID)
	if err != nil || !run.Running {
		return false
	}
	rc, err := s.linkClient(plan.Actor{})
	if err != nil {
		return false
	}
	st, err := rc.Status(ctx, h.WorkflowID)
	if err != nil {
		s.log.Warn("task link request: status", "workflow_id", h.WorkflowID, "error", err)
		return false
	}
	g := links.Grant{WorkflowID: h.WorkflowID, RunID: run.FirstRunID, Party: plan.Party(h.Role), Teacher: h.Ref}
	token, err := s.tasks().links.Issue(ctx, g, now)
	if err == nil {
		d := mail.Data{WorkflowID: h.WorkflowID, MunicipalityCode: st.Municipality.Code, Municipality: st.Municipality.Name, Wave: st.Wave,
			RecipientName: recipientName(st, g), Link: s.cfg.Link("/taak/" + token)}
		if err = s.mailer.TaskLink(ctx, mail.Contact{Name: d.RecipientName, Email: email}, d); err != nil {
			_ = s.tasks().links.Forget(ctx, token)
		}
	}
	if err != nil {
		s.log.Error("task link not sent", "workflow_id", h.WorkflowID, "party", h.Role, "error", err)
		return false
	}
	s.log.Info("task link sent on request", "workflow_id", h.WorkflowID, "party", h.Role)
	return true
}

// recipientName greets the party by name where the rollout knows it.
func recipientName(st rollout.Status, g links.Grant) string {
	switch g.Party {
	case plan.PartyProducer:
		if st.Producer != nil {
			return st.Producer.ContactName
		}
	case plan.PartyTeacher:
		for _, t := range st.Teachers {
			if t.ID == g.Teacher {
				return t.Name
			}
		}
	}
	return ""
}
