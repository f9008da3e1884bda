package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/timeline"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// rolloutPageData is one rollout: where it stands, its whole plan, the
// timeline, its e-mails and a form for every action valid now.
type rolloutPageData struct {
	Municipality municipality.Municipality
	Wave         string
	Path         string
	Status       rollout.Status
	Cohort       *rollout.Status
	Lines        []planLine
	Timeline     template.HTML
	Emails       []email
	Forms        []form
	WebUI        string
	CohortWebUI  string
	TaskLinks    []partyLinks // taskstaff.go
}

func (p rolloutPageData) PageTitle() string {
	return fmt.Sprintf("%s, ronde %s", p.Municipality.Name, p.Wave)
}

// planLine is one line of the plan as the page shows it.
type planLine struct {
	rollout.Step
	Cohort bool
	Late   bool
}

// refusal is a submission the page shows again with its problems.
type refusal struct {
	key      string
	values   url.Values
	problems plan.Problems
}

func (s *Server) rolloutPage(w http.ResponseWriter, r *http.Request, m staff.Member) {
	s.showRollout(w, r, m, http.StatusOK, nil)
}

// showRollout renders a rollout's page, with a refused submission's form
// opened and its problems next to its fields.
func (s *Server) showRollout(w http.ResponseWriter, r *http.Request, m staff.Member, status int, ref *refusal) {
	p, err := s.loadRollout(r.Context(), m, r.PathValue("wave"), r.PathValue("code"))
	if errors.Is(err, rollout.ErrNotFound) {
		s.render(w, r, http.StatusNotFound, "error", errorPage{Title: "Geen uitrol", Message: "Voor deze gemeente loopt in deze ronde geen uitrol. Start er een op de pagina Uitrollen starten."})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rc, _ := s.rollouts(m)
	kept, err := s.plans.of(r.Context(), rc, p.Status)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sit := situation{st: p.Status, cohort: p.Cohort, wave: kept, now: s.now()}
	for _, o := range sit.offers() {
		var values url.Values
		var problems plan.Problems
		if ref != nil && ref.key == o.Key {
			values, problems = ref.values, ref.problems
		}
		f := buildForm(o, p.Path+"/"+o.Action.Name, values, problems)
		f.CSRF = s.csrfToken(r.Context())
		p.Forms = append(p.Forms, f)
	}
	if p.TaskLinks, err = s.taskLinksOf(r.Context(), r, p.Path, p.Status.WorkflowID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "rollout", p)
}

// loadRollout reads what a rollout's page shows: its status and its
// cohort's, its e-mails and the timeline.
func (s *Server) loadRollout(ctx context.Context, m staff.Member, waveName, code string) (rolloutPageData, error) {
	mu, err := municipality.Lookup(code)
	if err != nil {
		return rolloutPageData{}, fmt.Errorf("%s: %w", err, rollout.ErrNotFound)
	}
	if !rollout.ValidWaveName(waveName) {
		return rolloutPageData{}, rollout.ErrNotFound
	}
	rc, err := s.rollouts(m)
	if err != nil {
		return rolloutPageData{}, err
	}
	id := rollout.WorkflowID(waveName, mu.Code)
	st, err := rc.Status(ctx, id)
	if err != nil {
		return rolloutPageData{}, err
	}
	cohort, err := rc.CohortOf(ctx, st)
	if err != nil {
		s.log.Warn("cohort status", "workflow_id", st.CohortID, "error", err)
	}
	p := rolloutPageData{Municipality: mu, Wave: waveName, Path: rolloutPath(waveName, mu.Code), Status: st, Cohort: cohort,
		WebUI: s.webUI(id)}
	now := s.now()
	for _, l := range st.Steps {
		p.Lines = append(p.Lines, planLine{Step: l, Late: l.Waiting() && l.Due.Before(now)})
	}
	if cohort != nil {
		p.CohortWebUI = s.webUI(cohort.WorkflowID)
		for _, l := range cohort.Steps {
			p.Lines = append(p.Lines, planLine{Step: l, Cohort: true, Late: l.Waiting() && l.Due.Before(now)})
		}
	}
	var b bytes.Buffer
	if err := timeline.Inline(&b, st, cohort, now, plan.NL); err != nil {
		return p, err
	}
	p.Timeline = template.HTML(b.String()) // our own SVG, every text in it escaped
	p.Emails, err = s.emails(ctx, id)
	return p, err
}

func (s *Server) webUI(id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", s.cfg.UIURL, url.PathEscape(s.cfg.Namespace), url.PathEscape(id))
}

// act sends one action from a rollout's page: the declaration turns the
// form into the payload; a problem found on the way, or the workflow's
// validator's refusal, shows next to the field it concerns.
func (s *Server) act(w http.ResponseWriter, r *http.Request, m staff.Member) {
	a, ok := plan.ActionNamed(r.PathValue("action"))
	mu, err := municipality.Lookup(r.PathValue("code"))
	if !ok || err != nil || !rollout.ValidWaveName(r.PathValue("wave")) {
		s.notFound(w, r)
		return
	}
	values := r.PostForm
	ref := &refusal{key: values.Get("form"), values: values}
	payload, problems := plan.Build(a, values)
	if a.Weighty && values.Get("bevestig") == "" {
		problems.Addf("bevestig", "bevestig dat u dit wilt: het gaat per e-mail naar de betrokkenen", "confirm that you want this")
	}
	if len(problems) > 0 {
		ref.problems = problems
		s.showRollout(w, r, m, http.StatusUnprocessableEntity, ref)
		return
	}
	rc, err := s.rollouts(m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := rollout.WorkflowID(r.PathValue("wave"), mu.Code)
	_, err = rc.Act(r.Context(), id, a.Name, payload)
	var rej *rollout.RejectedError
	switch {
	case errors.As(err, &rej):
		ref.problems = rej.Problems
		s.showRollout(w, r, m, http.StatusUnprocessableEntity, ref)
		return
	case errors.Is(err, rollout.ErrEnded), errors.Is(err, rollout.ErrNoCohort):
		ref.problems = plan.Rejected("dit kan niet meer: %s", "not possible any more: %s", explain(err))
		s.showRollout(w, r, m, http.StatusUnprocessableEntity, ref)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.flash(r, fmt.Sprintf("Vastgelegd: %s.", strings.ToLower(a.Label.In(plan.NL))))
	http.Redirect(w, r, rolloutPath(r.PathValue("wave"), mu.Code)+"#plan", http.StatusSeeOther)
}

func explain(err error) string {
	switch {
	case errors.Is(err, rollout.ErrEnded):
		return "de uitrol is afgerond"
	case errors.Is(err, rollout.ErrNoCohort):
		return "de opleiding loopt niet (nog niet gestart, of al afgelopen)"
	case isUnavailable(err), errors.Is(err, context.DeadlineExceeded):
		return "Temporal antwoordde niet op tijd"
	}
	return err.Error()
}

func isUnavailable(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Unavailable") || strings.Contains(msg, "connection refused")
}

// plans keeps each rollout run's plan, read once from its history's first
// event: a rollout keeps the plan it was started with.
type plans struct {
	mu   sync.Mutex
	byID map[string]wave.Calendar // by workflow ID and first run ID
}

// of returns a rollout's plan, reading it when not yet known.
func (p *plans) of(ctx context.Context, rc *rollout.Client, st rollout.Status) (wave.Calendar, error) {
	key := st.WorkflowID + "/" + st.FirstRunID
	p.mu.Lock()
	w, ok := p.byID[key]
	p.mu.Unlock()
	if ok && st.FirstRunID != "" {
		return w, nil
	}
	in, err := rc.RolloutInput(ctx, st.WorkflowID)
	if err != nil {
		return wave.Calendar{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.byID) >= maxPlans {
		clear(p.byID) // a few thousand rollouts at most; simply start over
	}
	p.byID[key] = in.Wave
	return in.Wave, nil
}

// maxPlans bounds the plans kept: every rollout of ten waves.
const maxPlans = 3420
