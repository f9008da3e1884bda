package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// state is a running rollout's (or cohort's) state. Only the workflow
// goroutines and the Update handlers touch it; Temporal runs them one at a
// time.
type state struct {
	in     rollout.Input
	id     string
	runID  string       // the first run's: names the course days in calendars
	cohort *cohortState // set in a cohort workflow

	phase   plan.Phase
	outcome plan.Outcome
	steps   []*step         // the plan, in order
	lines   []*rollout.Step // the status lines, in plan order

	producer     *plan.Producer
	teachers     []plan.TeacherProposal
	participants []string
	location     *plan.Location
	cancelled    *plan.Cancellation
	cancelledBy  plan.Actor
	start        time.Time // the planned start; a postponement moves it
	startedAt    time.Time
	failedMail   []activities.EmailRequest
	// bounced are e-mails SendGrid accepted but could not deliver, until the
	// party's address is corrected; reported holds every one ever reported,
	// so a repeated report is refused.
	bounced  []rollout.Undelivered
	reported map[string]bool
	// calendar counts the e-mails that carried each course day (by UID):
	// the next one's SEQUENCE.
	calendar  map[string]int
	changes   int // counts recorded actions, so a wait can notice a new one
	cohortID  string
	cohortRun workflow.ChildWorkflowFuture

	reminded map[string]bool // per line: its reminder went out
	// sent counts e-mails per template and step, giving each its occurrence:
	// the outbox key stays the same on replay and retry.
	sent     map[string]int
	inFlight int // e-mails being sent; the workflow waits for them before it ends

	published published
	// overviewAttributes: this run keeps AmwahtWaitingFor and
	// AmwahtStalledSince up to date (rollouts started before they existed do not).
	overviewAttributes bool
}

// step is a plan step while the rollout runs: its status lines and what
// was recorded for it.
type step struct {
	plan.Step
	lines []*rollout.Step

	confirmed   bool
	count       int
	counted     bool
	commitments []plan.Commitment
	attendance  map[string]*attendance // course: by attendee, "" the producer, else a teacher's ID
}

// attendance is one attendee's record of a course, per day.
type attendance struct {
	recorded []bool
	halfDays []int
	madeUp   []bool
}

func newState(ctx workflow.Context, in rollout.Input) *state {
	r := &state{
		in:       in,
		id:       workflow.GetInfo(ctx).WorkflowExecution.ID,
		runID:    workflow.GetInfo(ctx).FirstRunID,
		phase:    plan.PhaseApplication,
		sent:     map[string]int{},
		reminded: map[string]bool{},
		reported: map[string]bool{},
		calendar: map[string]int{},
		start:    in.Wave.IntendedStart(),
	}
	for _, ps := range in.Wave.Steps {
		r.addStep(ps, 0)
	}
	r.versions(ctx)
	return r
}

// versions reads which behaviours this run has: rollouts started before a
// change keep the behaviour their history recorded.
func (r *state) versions(ctx workflow.Context) {
	r.overviewAttributes = workflow.GetVersion(ctx, "overview-attributes", workflow.DefaultVersion, 1) == 1
}

// addStep puts a plan step and its lines, due as planned and moved by
// shift, on the ledger.
func (r *state) addStep(ps plan.Step, shift time.Duration) *step {
	s := &step{Step: ps, attendance: map[string]*attendance{}}
	for _, p := range ps.Parts(r.in.Wave.IntendedStart()) {
		l := &rollout.Step{Name: p.ID, Step: ps.ID, Kind: ps.Kind, Label: p.Label, Party: p.Party, State: plan.StateUpcoming, Due: p.Due.Add(shift), Required: ps.Required}
		s.lines = append(s.lines, l)
		r.lines = append(r.lines, l)
	}
	r.steps = append(r.steps, s)
	return s
}

// dropCohortSteps takes the cohort's own steps off the rollout's ledger
// when the cohort starts: from then on the cohort's status shows them.
func (r *state) dropCohortSteps() {
	var steps []*step
	var lines []*rollout.Step
	for _, s := range r.steps {
		if s.Phase == plan.PhaseCohort && s.Kind != plan.KindCohort {
			continue
		}
		steps = append(steps, s)
		lines = append(lines, s.lines...)
	}
	r.steps, r.lines = steps, lines
}

func (r *state) stepByID(id string) *step {
	for _, s := range r.steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func (r *state) line(name string) *rollout.Step {
	for _, l := range r.lines {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// ofKind returns the steps of a kind, in plan order.
func (r *state) ofKind(k plan.KindName) []*step {
	var out []*step
	for _, s := range r.steps {
		if s.Kind == k {
			out = append(out, s)
		}
	}
	return out
}

// open makes a line pending: the rollout now waits on it.
func (r *state) open(ctx workflow.Context, l *rollout.Step) {
	if l.State == plan.StateUpcoming {
		l.State = plan.StatePending
	}
	r.publish(ctx)
}

// addLine opens a line that is not in the plan: an e-mail address to
// correct, or the internship places the practicum still waits for.
func (r *state) addLine(ctx workflow.Context, name string, label plan.Text, party plan.Party, due time.Time) *rollout.Step {
	l := &rollout.Step{Name: name, Step: name, Label: label, Party: party, State: plan.StatePending, Due: due}
	r.lines = append(r.lines, l)
	r.publish(ctx)
	return l
}

// record writes an action on a line: what it was, when and who did it.
func (r *state) record(ctx workflow.Context, l *rollout.Step, actor *plan.Actor, action plan.Text) {
	l.LastAction, l.LastActionAt, l.LastActor = action, workflow.Now(ctx), actor
}

// done marks a line done with the action that completed it.
func (r *state) done(ctx workflow.Context, l *rollout.Step, actor *plan.Actor, action plan.Text) {
	if l == nil {
		return // a validator let through an action whose line is gone: record nothing rather than panic
	}
	l.State = plan.StateDone
	l.StalledSince = time.Time{}
	l.Problem = plan.Text{}
	r.record(ctx, l, actor, action)
}

// progress records an action that counts towards a line (funding,
// participants): it completes the line once met while the rollout waits on
// it; otherwise (not met yet, or not open yet) it is the line's last action.
func (r *state) progress(ctx workflow.Context, l *rollout.Step, actor plan.Actor, met bool, action plan.Text) {
	if met && l.Waiting() {
		r.done(ctx, l, &actor, action)
		return
	}
	r.record(ctx, l, &actor, action)
}

// shiftFollowing moves every line not yet done of the steps whose dates
// follow the start.
func (r *state) shiftFollowing(ctx workflow.Context, delta time.Duration, why *plan.Text) {
	for _, s := range r.steps {
		if !s.FollowsStart {
			continue
		}
		for _, l := range s.lines {
			if l.State == plan.StateDone || l.State == plan.StateCancelled || l.State == plan.StateWaived {
				continue
			}
			l.Due = l.Due.Add(delta)
			if why != nil && l.Waiting() {
				r.record(ctx, l, nil, *why)
			}
		}
	}
}

// closeUpcoming ends the lines the rollout will never reach.
func (r *state) closeUpcoming(ctx workflow.Context, to plan.State, why plan.Text) {
	for _, l := range r.lines {
		if l.State == plan.StateUpcoming || to == plan.StateCancelled && l.Waiting() {
			l.State = to
			l.StalledSince = time.Time{}
			r.record(ctx, l, nil, why)
		}
	}
}

func (r *state) status() rollout.Status {
	w := r.in.Wave
	st := rollout.Status{
		WorkflowID:   r.id,
		FirstRunID:   r.runID,
		Municipality: r.in.Municipality,
		Wave:         w.Name,
		Phase:        r.phase,
		Outcome:      r.outcome,
		Producer:     r.producer,
		Steps:        make([]rollout.Step, len(r.lines)),
		WaitingOn:    []string{},
		BudgetCents:  w.Budget(),
		Participants: len(r.participants),
		MinimumGroup: w.MinimumGroup,
		Location:     r.location,
		PlannedStart: r.start,
		DayLength:    w.DayLength,
		StartedAt:    r.startedAt,
		CohortID:     r.cohortID,
	}
	for _, s := range r.ofKind(plan.KindAmount) {
		st.CommittedCents += committed(s)
	}
	if s := r.stepByID(wave.StepInternships); s != nil && s.counted {
		st.Internships = s.count
	}
	st.Teachers = r.teacherStatus()
	for i, l := range r.lines {
		st.Steps[i] = *l
		if !l.Waiting() {
			continue
		}
		st.WaitingOn = append(st.WaitingOn, l.Name)
		st.Stalled = st.Stalled || l.Stalled()
		if st.DueAt.IsZero() || l.Due.Before(st.DueAt) {
			st.DueAt = l.Due
		}
	}
	if r.cohort != nil {
		r.cohort.fill(&st)
	}
	return st
}

// published is what was last pushed to the Web UI, so unchanged state writes
// no new history events.
type published struct {
	phase        string
	waitingOn    string
	waitingFor   string
	stalled      bool
	stalledSince time.Time
	dueAt        time.Time
	outcome      plan.Outcome
	details      string
	set          bool
}

func (p published) sameAttributes(q published) bool {
	return p.phase == q.phase && p.waitingOn == q.waitingOn && p.waitingFor == q.waitingFor && p.stalled == q.stalled &&
		p.stalledSince.Equal(q.stalledSince) && p.dueAt.Equal(q.dueAt) && p.outcome == q.outcome
}

// waitingFor lists, in plan order and once each, the parties that must act
// on the lines waited on.
func waitingFor(st rollout.Status) []string {
	var out []string
	for _, l := range st.Steps {
		if l.Waiting() && !slices.Contains(out, string(l.Party)) {
			out = append(out, string(l.Party))
		}
	}
	return out
}

// publish pushes phase, awaited steps, stall and outcome to the search
// attributes and the Web UI's current details, when they changed.
func (r *state) publish(ctx workflow.Context) {
	st := r.status()
	phase := string(st.Phase)
	if st.Cohort && st.Phase != plan.PhaseDone {
		phase = string(st.CohortPhase)
	}
	p := published{phase: phase, waitingOn: strings.Join(st.WaitingOn, ","), stalled: st.Stalled, dueAt: st.DueAt, outcome: st.Outcome, details: details(st), set: true}
	var parties []string
	if r.overviewAttributes {
		parties = waitingFor(st)
		p.waitingFor, p.stalledSince = strings.Join(parties, ","), rollout.EarliestStall(st)
	}
	if p == r.published {
		return
	}
	// Search attributes cost a history event; the details alone do not.
	if !p.sameAttributes(r.published) {
		due := rollout.AttrDueAt.ValueUnset()
		if !st.DueAt.IsZero() {
			due = rollout.AttrDueAt.ValueSet(st.DueAt)
		}
		updates := []temporal.SearchAttributeUpdate{rollout.AttrPhase.ValueSet(phase), rollout.AttrWaitingOn.ValueSet(st.WaitingOn), rollout.AttrStalled.ValueSet(st.Stalled), due}
		if st.Outcome != plan.OutcomeNone {
			updates = append(updates, rollout.AttrOutcome.ValueSet(string(st.Outcome)))
		}
		if r.overviewAttributes {
			since := rollout.AttrStalledSince.ValueUnset()
			if !p.stalledSince.IsZero() {
				since = rollout.AttrStalledSince.ValueSet(p.stalledSince)
			}
			updates = append(updates, rollout.AttrWaitingFor.ValueSet(parties), since)
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, p.details)
	r.published = p
}

// details is the markdown the Web UI shows on the workflow's page: what the
// rollout waits on now, due when, and what is late since when and who must
// act. Step IDs and parties only: no names.
func details(st rollout.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s (%s)**, wave %s: phase **%s**", st.Municipality.Name, st.Municipality.Code, st.Wave, st.PhaseLabel().In(plan.EN))
	if st.Outcome != plan.OutcomeNone {
		fmt.Fprintf(&b, ", outcome **%s**", st.Outcome)
	}
	b.WriteString("\n\n")
	if len(st.WaitingOn) == 0 {
		b.WriteString("Waiting on nothing.\n")
		return b.String()
	}
	b.WriteString("| step | who acts | due | state |\n|---|---|---|---|\n")
	for _, s := range st.Steps {
		if !s.Waiting() {
			continue
		}
		state := string(s.State)
		if !s.StalledSince.IsZero() {
			state = fmt.Sprintf("**STALLED** since %s", s.StalledSince.In(wave.Amsterdam).Format("2006-01-02 15:04 MST"))
		}
		if !s.Problem.IsZero() {
			state += ": " + s.Problem.In(plan.EN)
		}
		fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s |\n", s.Label.In(plan.EN), s.Name, s.Party, s.Due.In(wave.Amsterdam).Format("2006-01-02 15:04 MST"), state)
	}
	return b.String()
}
