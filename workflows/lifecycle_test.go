package workflows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

func ams(y int, m time.Month, d, hh int) time.Time {
	return time.Date(y, m, d, hh, 0, 0, 0, wave.Amsterdam)
}

func participants(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("P%02d", i+1)
	}
	return ids
}

// script is a rollout's staff actions on the 2012 wave; tests change parts of it.
type script struct {
	h                *harness
	w                wave.Calendar
	skipProducerDay2 bool // day 2 recorded as missed
	teacherAt        time.Time
	fundingCents     int64
	participants     int
	cancelAt         time.Time
	startAt          time.Time // the start the cohort's dates follow
	cohortUpdates    bool
	postponeTo       time.Time
	topUpFundingAt   time.Time
	graduates        int
}

func newScript(t *testing.T) *script {
	w := wave.Wave2012()
	return &script{
		h: newHarness(t, w), w: w,
		teacherAt:     ams(2012, time.April, 10, 10),
		fundingCents:  w.Budget(),
		participants:  15,
		startAt:       w.IntendedStart(),
		cohortUpdates: true,
		graduates:     13,
	}
}

func (s *script) schedule() {
	h, w := s.h, s.w
	h.updateAt(ams(2012, time.February, 20, 10), plan.ActApply, validApplication())
	h.updateAt(ams(2012, time.March, 23, 17), plan.ActAttendance, plan.Attendance{Course: "producer", Day: 1, Attended: true})
	h.updateAt(ams(2012, time.March, 30, 17), plan.ActAttendance, plan.Attendance{Course: "producer", Day: 2, Attended: !s.skipProducerDay2, Absent: s.skipProducerDay2})
	h.updateAt(ams(2012, time.March, 30, 17).Add(time.Minute), plan.ActConfirm, plan.Confirmation{Step: "handbook"})
	h.updateAt(s.teacherAt, plan.ActTeacher, plan.TeacherProposal{ID: "T1", Name: "Saskia de Vries", Email: "s.devries@docent.example.nl"})
	for i, day := range w.TeacherCourse() {
		h.updateAt(day.End.Add(time.Hour), plan.ActAttendance, plan.Attendance{Course: "teacher", Day: i + 1, Teacher: "T1", Attended: true})
	}
	h.updateAt(ams(2012, time.May, 1, 10), plan.ActFunding, plan.Commitment{Source: "municipality", Name: "Gemeente Utrecht", AmountCents: s.fundingCents})
	h.updateAt(ams(2012, time.July, 1, 10), plan.ActEnrol, plan.Enrolment{ParticipantIDs: participants(s.participants)})
	h.updateAt(ams(2012, time.July, 15, 10), plan.ActLocation, plan.Location{Name: "Buurthuis De Pijler", Place: "Utrecht"})
	h.updateAt(ams(2012, time.August, 1, 10), plan.ActCount, plan.CountReport{Step: "internships", Count: 8})
	if !s.cancelAt.IsZero() {
		h.updateAt(s.cancelAt, plan.ActCancel, plan.Cancellation{Reason: "de producent stopt"})
	}
	if !s.cohortUpdates {
		return
	}
	cohort := rollout.CohortWorkflowID(rollout.WorkflowID("2012", "GM0344"))
	for m := 1; m <= 10; m++ {
		h.updateIDAt(cohort, s.startAt.Add(time.Duration(m)*w.ReportEvery+24*time.Hour), plan.ActProgress, plan.ProgressReport{Month: m, Active: 14, DropOuts: 0})
	}
	h.updateIDAt(cohort, s.startAt.Add(150*24*time.Hour), plan.ActPeerGroup, plan.PeerGroup{Count: 1}) // still in a module: rejected
	h.updateIDAt(cohort, s.startAt.Add(200*24*time.Hour), plan.ActPeerGroup, plan.PeerGroup{Count: 3})
	h.updateIDAt(cohort, s.startAt.Add(w.CohortLength()+48*time.Hour), plan.ActGraduates, plan.Graduation{Count: s.graduates})
}

func (h *harness) firstAt(template string) time.Time {
	h.t.Helper()
	e := h.sent(template)
	if len(e) == 0 {
		h.t.Errorf("no %s e-mail sent", template)
		return time.Time{}
	}
	return e[0].At
}

func (h *harness) assertDay(template string, i int, want time.Time) {
	h.t.Helper()
	e := h.sent(template)
	if len(e) <= i {
		h.t.Errorf("%s e-mail #%d not sent (sent %d)", template, i+1, len(e))
		return
	}
	if !sameDay(e[i].At, want) {
		h.t.Errorf("%s e-mail #%d sent %s, want %s", template, i+1, e[i].At.In(wave.Amsterdam).Format("Mon 2 Jan 2006"), want.In(wave.Amsterdam).Format("Mon 2 Jan 2006"))
	}
}

func TestHappyPath2012(t *testing.T) {
	s := newScript(t)
	s.schedule()
	h, w := s.h, s.w
	res := h.run(input(w))

	if res.Outcome != plan.OutcomeGraduated || res.Graduates != 13 {
		t.Fatalf("result %+v, want graduated with 13", res)
	}
	for _, u := range h.updates {
		if u.name == plan.ActPeerGroup && u.rejected != nil {
			if !strings.Contains(u.rejected.Error(), "peer-support groups are started in the practicum") {
				t.Errorf("peer group too early: %v", u.rejected)
			}
			continue
		}
		if !u.accepted || u.err != nil {
			t.Errorf("update %s: accepted=%v rejected=%v err=%v", u.name, u.accepted, u.rejected, u.err)
		}
	}
	// The seed's dates.
	h.assertDay("producer-invitation", 0, w.Opens)
	h.assertDay("application-received", 0, ams(2012, time.February, 20, 10))
	h.assertDay("producer-course-reminder", 0, ams(2012, time.March, 16, 10))
	h.assertDay("producer-course-reminder", 1, ams(2012, time.March, 23, 10))
	h.assertDay("producer-tasks", 0, ams(2012, time.March, 30, 16))
	h.assertDay("teacher-course-reminder", 0, ams(2012, time.June, 1, 10))
	h.assertDay("teacher-course-reminder", 1, ams(2012, time.June, 14, 10))
	h.assertDay("teacher-course-reminder", 2, ams(2012, time.June, 15, 10))
	h.assertDay("start-confirmed", 0, ams(2012, time.September, 3, 9))
	h.assertDay("premium-paid", 0, ams(2012, time.September, 3, 9))
	h.assertDay("module-start", 0, ams(2012, time.September, 3, 9))
	h.assertDay("practicum-start", 0, w.IntendedStart().Add(183*24*time.Hour))
	h.assertDay("graduation", 0, w.IntendedStart().Add(w.CohortLength()+48*time.Hour))
	if g := h.firstAt("graduation"); g.In(wave.Amsterdam).Year() != 2013 || g.In(wave.Amsterdam).Month() != time.July {
		t.Errorf("graduation %v, want July 2013 (ten months after September 2012)", g)
	}
	if n := len(h.sent("module-start")); n != 3 {
		t.Errorf("module notices: %d, want 3", n)
	}
	if n := len(h.sent("progress-report-request")); n != 10 {
		t.Errorf("progress report requests: %d, want 10", n)
	}
	for _, tpl := range []string{"step-overdue", "step-escalation", "start-blocked", "course-day-missed"} {
		if n := len(h.sent(tpl)); n != 0 {
			t.Errorf("%d %s e-mails on the happy path", n, tpl)
		}
	}
	if h.premiumCalls != 1 {
		t.Errorf("premium activity called %d times", h.premiumCalls)
	}
	st := h.status()
	if st.Phase != plan.PhaseDone || st.Stalled || len(st.WaitingOn) != 0 {
		t.Errorf("final status: phase %s stalled %v waiting %v", st.Phase, st.Stalled, st.WaitingOn)
	}
}

func TestMissedCourseDayThenMakeUp(t *testing.T) {
	s := newScript(t)
	s.skipProducerDay2 = true
	s.cohortUpdates = false
	s.cancelAt = ams(2012, time.May, 1, 12)
	s.schedule()
	h := s.h
	var during rollout.Status
	h.env.RegisterDelayedCallback(func() { during = h.status() }, ams(2012, time.April, 2, 12).Sub(h.start()))
	h.updateAt(ams(2012, time.April, 10, 12), plan.ActMakeUp, plan.MakeUp{Course: "producer", Day: 2, Note: "inhaaldag"})
	var after rollout.Status
	h.env.RegisterDelayedCallback(func() { after = h.status() }, ams(2012, time.April, 11, 12).Sub(h.start()))
	h.run(input(s.w))

	if !during.Stalled || !contains(during.WaitingOn, "producer-course-2") {
		t.Errorf("after a missed day: stalled=%v waiting=%v", during.Stalled, during.WaitingOn)
	}
	if n := len(h.sent("course-day-missed")); n != 1 {
		t.Errorf("course-day-missed e-mails: %d", n)
	}
	if esc := h.sent("step-escalation"); len(esc) != 1 || esc[0].Req.Step != "producer-course-2" {
		t.Errorf("escalations: %+v", esc)
	}
	if after.Stalled || contains(after.WaitingOn, "producer-course-2") {
		t.Errorf("after the make-up: stalled=%v waiting=%v", after.Stalled, after.WaitingOn)
	}
}

func TestTeacherLateStallsThenClears(t *testing.T) {
	s := newScript(t)
	s.teacherAt = ams(2012, time.June, 5, 10) // after the 1 June deadline
	s.cohortUpdates = false
	s.cancelAt = ams(2012, time.June, 6, 10)
	s.schedule()
	h := s.h
	var stalled rollout.Status
	h.env.RegisterDelayedCallback(func() { stalled = h.status() }, ams(2012, time.June, 3, 10).Sub(h.start()))
	h.run(input(s.w))
	if !stalled.Stalled || !contains(stalled.WaitingOn, "teacher") {
		t.Errorf("after the teacher deadline: %+v", stalled.WaitingOn)
	}
	h.assertDay("step-reminder", 0, ams(2012, time.May, 25, 23))
	if o := h.sent("step-overdue"); len(o) != 1 || o[0].Req.To.Role != "producer" || o[0].Req.Step != "teacher" {
		t.Errorf("overdue notices: %+v", o)
	}
	if len(h.sent("teacher-registered")) != 1 {
		t.Error("late teacher not registered")
	}
	if h.sent("rollout-cancelled") == nil {
		t.Error("nobody told of the cancellation")
	}
}

func TestFundingShortThenPostponed(t *testing.T) {
	s := newScript(t)
	s.fundingCents = 1_500_000 // € 15.000 of € 25.500
	s.startAt = ams(2012, time.October, 1, 9)
	s.schedule()
	h, w := s.h, s.w
	var blocked rollout.Status
	h.env.RegisterDelayedCallback(func() { blocked = h.status() }, ams(2012, time.September, 4, 9).Sub(h.start()))
	h.updateAt(ams(2012, time.September, 5, 9), plan.ActPostpone, plan.Postponement{Start: s.startAt, Reason: "fonds beslist in september"})
	h.updateAt(ams(2012, time.September, 20, 9), plan.ActFunding, plan.Commitment{Source: "fund", Name: "Fonds", AmountCents: w.Budget() - 1_500_000})
	res := h.run(input(w))
	if res.Outcome != plan.OutcomeGraduated {
		t.Fatalf("outcome %s", res.Outcome)
	}
	if !blocked.Stalled || blocked.Phase != plan.PhaseStart || !strings.Contains(stepNamed(blocked, "start").Problem.NL, "financiering rond: € 15.000,00 toegezegd van € 25.500,00") {
		t.Errorf("at the start: phase %s stalled %v start step %+v", blocked.Phase, blocked.Stalled, stepNamed(blocked, "start"))
	}
	if b := h.sent("start-blocked"); len(b) != 1 || !sameDay(b[0].At, w.IntendedStart()) {
		t.Errorf("start-blocked: %+v", b)
	}
	if len(h.sent("postponement-agreed")) != 2 {
		t.Error("postponement not told to producer and municipality")
	}
	h.assertDay("start-confirmed", 0, s.startAt)
}

func TestTooFewParticipantsBlocksStart(t *testing.T) {
	s := newScript(t)
	s.participants = 9
	s.cohortUpdates = false
	s.cancelAt = ams(2012, time.September, 10, 9)
	s.schedule()
	h := s.h
	res := h.run(input(s.w))
	if res.Outcome != plan.OutcomeCancelled {
		t.Fatalf("outcome %s", res.Outcome)
	}
	b := h.sent("start-blocked")
	if len(b) != 1 || !strings.Contains(strings.Join(b[0].Req.Data.Missing, ";"), "deelnemers: 9 ingeschreven, minimaal 12 nodig") {
		t.Errorf("start-blocked: %+v", b)
	}
	if h.premiumCalls != 0 {
		t.Error("premium paid though the cohort never started")
	}
}

func TestCancelMidCohort(t *testing.T) {
	s := newScript(t)
	s.cohortUpdates = false
	s.cancelAt = ams(2012, time.December, 1, 9)
	s.schedule()
	h := s.h
	res := h.run(input(s.w))
	if res.Outcome != plan.OutcomeCancelled {
		t.Fatalf("outcome %s", res.Outcome)
	}
	roles := map[string]bool{}
	for _, e := range h.sent("rollout-cancelled") {
		roles[e.Req.To.Role] = true
	}
	for _, r := range []string{"municipality", "producer", "teacher", "staff"} {
		if !roles[r] {
			t.Errorf("%s not told of the cancellation", r)
		}
	}
}

func TestPremiumPaidOnceThoughActivityRetried(t *testing.T) {
	s := newScript(t)
	s.schedule()
	s.h.premiumFailures = 2
	res := s.h.run(input(s.w))
	if res.Outcome != plan.OutcomeGraduated {
		t.Fatalf("outcome %s", res.Outcome)
	}
	if s.h.premiumCalls != 3 || len(s.h.sent("premium-paid")) != 1 {
		t.Errorf("premium attempts %d, premium e-mails %d; want 3 attempts, 1 e-mail", s.h.premiumCalls, len(s.h.sent("premium-paid")))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func stepNamed(st rollout.Status, name string) rollout.Step {
	for _, s := range st.Steps {
		if s.Name == name {
			return s
		}
	}
	return rollout.Step{}
}

// Staff who record the whole preparation during the producer course see
// its steps done as soon as the preparation opens them, and a graduated
// rollout waits on nothing (they used to stay pending to the end).
func TestPreparationRecordedDuringProducerCourse(t *testing.T) {
	s := newScript(t)
	h, w := s.h, s.w
	during := ams(2012, time.March, 26, 10) // between the two course days
	s.teacherAt = during
	s.schedule()
	// schedule's own preparation updates follow in April to August.
	h.updateAt(during, plan.ActFunding, plan.Commitment{Source: "fund", Name: "Oranje Fonds", AmountCents: w.Budget()})
	h.updateAt(during, plan.ActEnrol, plan.Enrolment{ParticipantIDs: []string{"E01", "E02"}})
	h.updateAt(during, plan.ActLocation, plan.Location{Name: "Wijkcentrum", Place: "Utrecht"})
	h.updateAt(during, plan.ActCount, plan.CountReport{Step: "internships", Count: 6})
	var opened rollout.Status
	h.env.RegisterDelayedCallback(func() { opened = h.status() }, ams(2012, time.April, 2, 12).Sub(h.start()))
	res := h.run(input(w))
	if res.Outcome != plan.OutcomeGraduated {
		t.Fatalf("outcome %s, want graduated", res.Outcome)
	}
	state := map[string]plan.State{}
	for _, st := range opened.Steps {
		state[st.Name] = st.State
	}
	for _, name := range []string{"teacher", "funding", "location", "internships"} {
		if state[name] != plan.StateDone {
			t.Errorf("step %s right after the preparation opened: %q, want done", name, state[name])
		}
	}
	if state["recruitment"] != plan.StatePending {
		t.Errorf("recruitment with 2 of 12 enrolled: %q, want pending", state["recruitment"])
	}
	// The producer's task e-mail says the same: four settled, one to do.
	tasks := h.sent("producer-tasks")
	if len(tasks) != 1 {
		t.Fatalf("producer-tasks sent %d times", len(tasks))
	}
	var open []string
	for _, task := range tasks[0].Req.Data.Tasks {
		if !task.Done {
			open = append(open, task.Label)
		}
	}
	if len(open) != 1 || !strings.HasPrefix(open[0], "deelnemers werven") {
		t.Errorf("tasks still asked of the producer: %q; want only the recruitment", open)
	}
	final := h.status()
	if len(final.WaitingOn) != 0 || !final.DueAt.IsZero() {
		t.Errorf("graduated rollout still waits on %v (due %v)", final.WaitingOn, final.DueAt)
	}
}
