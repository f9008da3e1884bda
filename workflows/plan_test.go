package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

const agreementWave = "../internal/wave/testdata/wave-2013-agreement.json"

func loadWave(t *testing.T, path string) wave.Calendar {
	t.Helper()
	w, err := wave.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func ams13(m time.Month, d, hh int) time.Time {
	return time.Date(2013, m, d, hh, 0, 0, 0, wave.Amsterdam)
}

// prepare2013 schedules the actions that take a 2013 rollout to its start,
// all but the agreement.
func prepare2013(h *harness, w wave.Calendar) {
	h.updateAt(ams13(time.February, 20, 10), plan.ActApply, validApplication())
	for i, d := range w.ProducerCourse() {
		h.updateAt(d.End.Add(time.Hour), plan.ActAttendance, plan.Attendance{Course: "producer", Day: i + 1, Attended: true})
	}
	h.updateAt(w.ProducerCourse()[0].End.Add(time.Hour), plan.ActConfirm, plan.Confirmation{Step: "handbook"})
	h.updateAt(ams13(time.April, 10, 10), plan.ActTeacher, plan.TeacherProposal{ID: "T1", Name: "Saskia de Vries", Email: "s.devries@docent.example.nl"})
	for i, d := range w.TeacherCourse() {
		h.updateAt(d.End.Add(time.Hour), plan.ActAttendance, plan.Attendance{Course: "teacher", Day: i + 1, Teacher: "T1", Attended: true})
	}
	h.updateAt(ams13(time.May, 2, 10), plan.ActFunding, plan.Commitment{Source: "municipality", AmountCents: w.Budget()})
	h.updateAt(ams13(time.July, 1, 10), plan.ActEnrol, plan.Enrolment{ParticipantIDs: participants(15)})
	h.updateAt(ams13(time.July, 15, 10), plan.ActLocation, plan.Location{Name: "Buurthuis De Pijler", Place: "Utrecht"})
	h.updateAt(ams13(time.August, 1, 10), plan.ActCount, plan.CountReport{Step: "internships", Count: 8})
}

// TestAgreementStep: a step a wave file adds with no Go code ("samenwerkings-
// overeenkomst getekend", due 1 May, the municipality confirms) is reminded
// of, stalls and escalates when late, clears when confirmed, and the start
// gate waits for it.
func TestAgreementStep(t *testing.T) {
	w := loadWave(t, agreementWave)
	h2 := newHarness(t, w)
	prepare2013(h2, w)
	var late, confirmed rollout.Status
	h2.env.RegisterDelayedCallback(func() { late = h2.status() }, ams13(time.May, 5, 12).Sub(h2.start()))
	wrong := h2.updateAt(ams13(time.May, 9, 10), plan.ActConfirm, plan.Confirmation{Step: "overeenkomst"})
	ok := h2.updateAt(ams13(time.May, 10, 10), plan.ActConfirm, plan.Confirmation{Step: "agreement", Note: "getekend op 8 mei"})
	again := h2.updateAt(ams13(time.May, 11, 10), plan.ActConfirm, plan.Confirmation{Step: "agreement"})
	h2.env.RegisterDelayedCallback(func() { confirmed = h2.status() }, ams13(time.May, 10, 12).Sub(h2.start()))
	h2.updateAt(ams13(time.September, 10, 9), plan.ActCancel, plan.Cancellation{Reason: "test ends in the cohort"})
	h2.run(input(w))

	assertLateAgreement(t, h2, late)
	if wrong.rejected == nil || !strings.Contains(wrong.rejected.Error(), `the rollout has no confirm step "overeenkomst"; it has: handbook, agreement`) {
		t.Errorf("confirmation of an unknown step: %v", wrong.rejected)
	}
	if !ok.accepted {
		t.Errorf("confirmation refused: %v", ok.rejected)
	}
	if l := confirmed.Line("agreement"); l == nil || l.State != plan.StateDone || l.LastAction.NL != "bevestigd: getekend op 8 mei" || l.LastActor == nil {
		t.Errorf("after the confirmation: %+v", l)
	}
	if confirmed.Stalled {
		t.Errorf("still stalled after the confirmation: %v", confirmed.WaitingOn)
	}
	if again.rejected == nil || !strings.Contains(again.rejected.Error(), "was already confirmed") {
		t.Errorf("a second confirmation: %v", again.rejected)
	}
	if b := h2.sent("start-blocked"); len(b) != 0 {
		t.Errorf("start blocked though everything was ready: %+v", b[0].Req.Data.Missing)
	}
}

// assertLateAgreement: the municipality was reminded a week before the
// agreement's due date, told when it was late, and staff got one escalation.
func assertLateAgreement(t *testing.T, h2 *harness, late rollout.Status) {
	t.Helper()
	rem := forStep(h2.sent("step-reminder"), "agreement")
	if len(rem) != 1 || rem[0].Req.To.Role != "municipality" || !sameDay(rem[0].At, ams13(time.April, 24, 23)) {
		t.Fatalf("agreement reminders: %+v, want one to the municipality on 24 April", rem)
	}
	if rem[0].Req.Data.StepLabel != "samenwerkingsovereenkomst getekend" {
		t.Errorf("reminder names %q", rem[0].Req.Data.StepLabel)
	}
	if o := forStep(h2.sent("step-overdue"), "agreement"); len(o) != 1 || o[0].Req.To.Role != "municipality" || !sameDay(o[0].At, ams13(time.May, 1, 23)) {
		t.Errorf("overdue notices: %+v", o)
	}
	if e := forStep(h2.sent("step-escalation"), "agreement"); len(e) != 1 {
		t.Errorf("escalations: %d, want 1", len(e))
	}
	if l := late.Line("agreement"); !late.Stalled || l == nil || l.State != plan.StateOverdue || l.StalledSince.IsZero() {
		t.Errorf("on 5 May: stalled %v, agreement %+v", late.Stalled, l)
	}
}

// TestConfirmInAdvance: a confirmation recorded in the phase before its
// step opens is kept; the step is done when it opens, and nobody is
// reminded of it.
func TestConfirmInAdvance(t *testing.T) {
	w := loadWave(t, agreementWave)
	h := newHarness(t, w)
	prepare2013(h, w)
	early := h.updateAt(ams13(time.March, 25, 10), plan.ActConfirm, plan.Confirmation{Step: "agreement"})
	tooEarly := h.updateAt(ams13(time.February, 1, 10), plan.ActConfirm, plan.Confirmation{Step: "agreement"})
	var opened rollout.Status
	h.env.RegisterDelayedCallback(func() { opened = h.status() }, ams13(time.April, 6, 12).Sub(h.start()))
	h.updateAt(ams13(time.April, 7, 9), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
	h.run(input(w))
	if !early.accepted {
		t.Fatalf("a confirmation during the producer course: %v", early.rejected)
	}
	if tooEarly.rejected == nil || !strings.Contains(tooEarly.rejected.Error(), "comes later: the rollout is in phase application") {
		t.Errorf("a confirmation before there is a producer: %v", tooEarly.rejected)
	}
	if l := opened.Line("agreement"); l.State != plan.StateDone || l.LastAction.NL != "bevestigd (vooraf vastgelegd)" {
		t.Errorf("agreement when the preparation opened: %+v", l)
	}
	if n := len(forStep(h.sent("step-reminder"), "agreement")); n != 0 {
		t.Errorf("%d reminders of a step already done", n)
	}
}

// TestStartGateWaitsForAFileStep: the start gate checks what the plan
// marks as required, the agreement too.
func TestStartGateWaitsForAFileStep(t *testing.T) {
	w := loadWave(t, agreementWave)
	h := newHarness(t, w)
	prepare2013(h, w)
	var blocked rollout.Status
	h.env.RegisterDelayedCallback(func() { blocked = h.status() }, w.IntendedStart().Add(time.Hour).Sub(h.start()))
	h.updateAt(w.IntendedStart().Add(48*time.Hour), plan.ActConfirm, plan.Confirmation{Step: "agreement"})
	h.updateAt(w.IntendedStart().Add(30*24*time.Hour), plan.ActCancel, plan.Cancellation{Reason: "test ends in the cohort"})
	h.run(input(w))

	b := h.sent("start-blocked")
	if len(b) != 1 || strings.Join(b[0].Req.Data.Missing, ";") != "samenwerkingsovereenkomst getekend" {
		t.Fatalf("start-blocked: %+v", b)
	}
	if s := blocked.Line("start"); blocked.Phase != plan.PhaseStart || s.State != plan.StateOverdue || s.Problem.EN != "not ready: cooperation agreement signed" {
		t.Errorf("at the start: phase %s, start %+v", blocked.Phase, s)
	}
	if c := h.sent("start-confirmed"); len(c) != 1 || !sameDay(c[0].At, w.IntendedStart().Add(48*time.Hour)) {
		t.Errorf("the cohort did not start once the agreement was confirmed: %+v", c)
	}
}

func forStep(es []sentEmail, step string) []sentEmail {
	var out []sentEmail
	for _, e := range es {
		if e.Req.Step == step {
			out = append(out, e)
		}
	}
	return out
}

// TestWholePlanFromTheStart: the status at the start lists every line of
// the plan with its due date: the preparation, the start gate, the cohort
// with its modules and practicum, the reports and graduation.
func TestWholePlanFromTheStart(t *testing.T) {
	w := wave.Wave2012()
	h := newHarness(t, w)
	var st rollout.Status
	h.env.RegisterDelayedCallback(func() { st = h.status() }, time.Hour)
	h.updateAt(w.Opens.Add(2*time.Hour), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
	h.run(input(w))

	var names []string
	for _, s := range st.Steps {
		names = append(names, s.Name)
		if s.Due.IsZero() || s.Label.NL == "" || s.Label.EN == "" || s.Party == "" {
			t.Errorf("line %s: %+v", s.Name, s)
		}
		if want := plan.StateUpcoming; s.Name == "application" {
			if s.State != plan.StatePending {
				t.Errorf("application: %s, want pending", s.State)
			}
		} else if s.State != want {
			t.Errorf("%s: %s, want %s", s.Name, s.State, want)
		}
	}
	want := "application producer-course-1 producer-course-2 handbook teacher teacher-course-1 teacher-course-2 teacher-course-3 " +
		"funding recruitment location internships start cohort module-1 module-2 module-3 practicum " +
		"progress-1 progress-2 progress-3 progress-4 progress-5 progress-6 progress-7 progress-8 progress-9 progress-10 graduates"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("lines at the start:\n got %s\nwant %s", got, want)
	}
	if got := st.WaitingOn; len(got) != 1 || got[0] != "application" {
		t.Errorf("waiting on %v, want only the application", got)
	}
	if g := st.Line("graduates"); !g.Due.Equal(w.IntendedStart().Add(w.CohortLength() + w.GraduationGrace)) {
		t.Errorf("graduates due %v", g.Due)
	}
	if p := st.Line("practicum"); p.Label.NL != "Praktijkdeel" || !p.Due.Equal(w.IntendedStart().Add(w.CohortLength())) {
		t.Errorf("practicum: %+v", p)
	}
	// Cancelled, every line not done says so.
	for _, s := range h.status().Steps {
		if s.State != plan.StateCancelled {
			t.Errorf("after the cancellation %s is %s", s.Name, s.State)
		}
	}
}

// TestRolloutKeepsItsPlan: a rollout started on the 2013 wave before its
// file gained the agreement step completes with its own plan; one started
// afterwards has the step.
func TestRolloutKeepsItsPlan(t *testing.T) {
	before := loadWave(t, "../internal/wave/testdata/wave-2013.json")
	before.Name = "2013-overeenkomst" // the same wave, as its file was before the step was added
	after := loadWave(t, agreementWave)
	h := newHarness(t, before)
	prepare2013(h, before)
	var st rollout.Status
	h.env.RegisterDelayedCallback(func() { st = h.status() }, after.Step("agreement").Due.Add(time.Hour).Sub(h.start()))
	cohort := rollout.CohortWorkflowID(rollout.WorkflowID(before.Name, "GM0344"))
	start := before.IntendedStart()
	for m := 1; m <= 10; m++ {
		h.updateIDAt(cohort, start.Add(time.Duration(m)*before.ReportEvery+24*time.Hour), plan.ActProgress, plan.ProgressReport{Month: m, Active: 14})
	}
	h.updateIDAt(cohort, start.Add(before.CohortLength()+48*time.Hour), plan.ActGraduates, plan.Graduation{Count: 12})
	res := h.run(input(before))
	if res.Outcome != plan.OutcomeGraduated || res.Graduates != 12 {
		t.Fatalf("result %+v", res)
	}
	if st.Line("agreement") != nil || st.Stalled {
		t.Errorf("the rollout has a step its plan never had: %v", st.WaitingOn)
	}
	if n := len(forStep(h.sent("step-reminder"), "agreement")); n != 0 {
		t.Errorf("%d agreement reminders", n)
	}
	if len(after.Steps) != len(before.Steps)+1 {
		t.Fatalf("the later file should have one step more")
	}
}

// TestRejectionsSayWhichField: a validator's refusal carries its problems,
// each on the field it concerns, in both languages.
func TestRejectionsSayWhichField(t *testing.T) {
	w := wave.Wave2012()
	h := newHarness(t, w)
	h.updateAt(ams(2012, time.February, 20, 10), plan.ActApply, validApplication())
	over := h.updateAt(ams(2012, time.April, 10, 10), plan.ActCount, plan.CountReport{Step: "internships", Count: 101})
	bad := h.updateAt(ams(2012, time.April, 10, 11), plan.ActTeacher, plan.TeacherProposal{ID: "T 1", Name: strings.Repeat("x", 1<<20), Email: "geen-adres"})
	h.updateAt(ams(2012, time.April, 11, 10), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
	h.run(input(w))
	for _, c := range []struct {
		u      *updateResult
		fields string
	}{{over, "count"}, {bad, "id,name,email"}} {
		var appErr *temporal.ApplicationError
		if !errors.As(c.u.rejected, &appErr) || appErr.Type() != rollout.ErrTypeRejected {
			t.Fatalf("rejection %v is not a %s application error", c.u.rejected, rollout.ErrTypeRejected)
		}
		var ps plan.Problems
		if err := appErr.Details(&ps); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Field)
			if p.Text.NL == "" || p.Text.EN == "" {
				t.Errorf("problem without both languages: %+v", p)
			}
		}
		if strings.Join(got, ",") != c.fields {
			t.Errorf("problems %v, want on fields %s", ps, c.fields)
		}
	}
}
