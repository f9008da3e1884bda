package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
)

// rollout is a running rollout's state. Only the workflow goroutine and its
// handlers touch it; Temporal runs them one at a time.
type rollout struct {
	in       RolloutInput
	id       string
	phase    Phase
	outcome  Outcome
	producer *Producer
	steps    []*Step

	cancelled *Cancellation
	// Producer course and preparation, recorded by staff actions.
	producerDays []dayRecord
	handbook     bool
	teachers     []*teacher
	commitments  []Commitment
	participants []string
	location     *Location
	internships  *Internships
	start        time.Time // the planned start; a postponement moves it
	startedAt    time.Time
	failedMail   []activities.EmailRequest
	makeUps      int // counts make-ups, so waits can notice a new one
	cohortID     string
	cohortRun    workflow.ChildWorkflowFuture

	// Per step: whether its reminder went out and how often it escalated.
	reminded map[string]bool

	// sent counts e-mails per template and step, giving each its occurrence:
	// the outbox key stays the same on replay and retry.
	sent     map[string]int
	inFlight int // e-mails being sent; the rollout waits for them before it ends

	published published
}

// published is what was last pushed to the Web UI, so unchanged state writes
// no new history events.
type published struct {
	phase     Phase
	waitingOn string
	stalled   bool
	dueAt     time.Time
	details   string
	set       bool
}

func (p published) sameAttributes(q published) bool {
	return p.phase == q.phase && p.waitingOn == q.waitingOn && p.stalled == q.stalled && p.dueAt.Equal(q.dueAt)
}

func newRollout(ctx workflow.Context, in RolloutInput) *rollout {
	return &rollout{
		in:       in,
		id:       workflow.GetInfo(ctx).WorkflowExecution.ID,
		phase:    PhaseApplication,
		sent:     map[string]int{},
		reminded: map[string]bool{},
		start:    in.Wave.IntendedStart,

		producerDays: make([]dayRecord, len(in.Wave.ProducerCourse)),
	}
}

func (r *rollout) step(name string) *Step {
	for _, s := range r.steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// open adds a step the rollout now waits on.
func (r *rollout) open(ctx workflow.Context, name, label string, party Party, due time.Time) *Step {
	s := &Step{Name: name, Label: label, Party: party, State: StepPending, Due: due}
	r.steps = append(r.steps, s)
	r.publish(ctx)
	return s
}

// done records the action that completes a step.
func (r *rollout) done(ctx workflow.Context, s *Step, action string) {
	if s == nil {
		return // a validator let through an action whose step is not open: record nothing rather than panic
	}
	s.State = StepDone
	s.StalledSince = time.Time{}
	s.Problem = ""
	s.LastAction = action
	s.LastActionAt = workflow.Now(ctx)
}

func (r *rollout) status() Status {
	st := Status{
		WorkflowID:   r.id,
		Municipality: r.in.Municipality,
		Wave:         r.in.Wave.Name,
		Phase:        r.phase,
		Outcome:      r.outcome,
		Producer:     r.producer,
		Steps:        make([]Step, len(r.steps)),
		WaitingOn:    []string{},

		CommittedCents: r.committed(),
		BudgetCents:    r.in.Wave.Budget(),
		Participants:   len(r.participants),
		MinimumGroup:   r.in.Wave.MinimumGroup,
		Location:       r.location,
		Handbook:       r.handbook,
		PlannedStart:   r.start,
		DayLength:      r.in.Wave.DayLength,
		StartedAt:      r.startedAt,
		CohortID:       r.cohortID,
	}
	if r.internships != nil {
		st.Internships = r.internships.Places
	}
	for _, t := range r.teachers {
		st.Teachers = append(st.Teachers, TeacherStatus{ID: t.ID, Name: t.Name, HalfDays: t.followed(r.in.Wave), Complete: t.complete(r.in.Wave)})
	}
	for i, s := range r.steps {
		st.Steps[i] = *s
		if !s.Waiting() {
			continue
		}
		st.WaitingOn = append(st.WaitingOn, s.Name)
		st.Stalled = st.Stalled || s.Stalled()
		if st.DueAt.IsZero() || s.Due.Before(st.DueAt) {
			st.DueAt = s.Due
		}
	}
	return st
}

// publish pushes phase, awaited steps and stall to search attributes and the
// Web UI's current details, when they changed.
func (r *rollout) publish(ctx workflow.Context) {
	st := r.status()
	p := published{
		phase:     st.Phase,
		waitingOn: strings.Join(st.WaitingOn, ","),
		stalled:   st.Stalled,
		dueAt:     st.DueAt,
		details:   r.details(st),
		set:       true,
	}
	if p == r.published {
		return
	}
	// Search attributes cost a history event; the details alone do not.
	if !p.sameAttributes(r.published) {
		due := AttrDueAt.ValueUnset()
		if !st.DueAt.IsZero() {
			due = AttrDueAt.ValueSet(st.DueAt)
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx,
			AttrPhase.ValueSet(string(st.Phase)), AttrWaitingOn.ValueSet(st.WaitingOn), AttrStalled.ValueSet(st.Stalled), due); err != nil {
			workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, p.details)
	r.published = p
}

// details is the markdown the Web UI shows on the workflow's page: what the
// rollout waits on, due when, and what is late since when and who must act.
func (r *rollout) details(st Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s (%s)**, wave %s: phase **%s**", st.Municipality.Name, st.Municipality.Code, st.Wave, st.Phase)
	if st.Outcome != OutcomeNone {
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
			state = fmt.Sprintf("**STALLED** since %s", s.StalledSince.UTC().Format("2006-01-02 15:04 MST"))
		}
		if s.Problem != "" {
			state += ": " + s.Problem
		}
		fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s |\n", s.Label, s.Name, s.Party, s.Due.UTC().Format("2006-01-02 15:04 MST"), state)
	}
	return b.String()
}

// email sends one e-mail in the background, so that a slow or failing
// SendGrid never holds up a deadline. A refusal for good (e.g. an invalid
// address) becomes a problem on the step, visible to administrators, until
// staff correct the address.
func (r *rollout) email(ctx workflow.Context, template, step string, to activities.Recipient, data mail.Data) {
	key := template + "/" + step
	r.sent[key]++
	r.send(ctx, activities.EmailRequest{
		WorkflowID: r.id,
		Template:   template,
		Step:       step,
		Occurrence: r.sent[key],
		To:         to,
		Data:       data,
	})
}

func (r *rollout) send(ctx workflow.Context, req activities.EmailRequest) {
	r.inFlight++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { r.inFlight-- }()
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute,
			Summary:             fmt.Sprintf("e-mail %s to %s", req.Template, req.To.Role),
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:        5 * time.Second,
				BackoffCoefficient:     2,
				MaximumInterval:        10 * time.Minute,
				NonRetryableErrorTypes: []string{activities.ErrTypeEmailRejected, activities.ErrTypeTemplate},
			},
		})
		var a *activities.Activities
		var res activities.EmailResult
		if err := workflow.ExecuteActivity(actx, a.SendEmail, req).Get(ctx, &res); err != nil {
			workflow.GetLogger(ctx).Error("e-mail failed for good", "template", req.Template, "step", req.Step, "error", err)
			r.failedMail = append(r.failedMail, req)
			s := r.step(strings.SplitN(req.Step, "/", 2)[0])
			if s == nil || !s.Waiting() {
				s = r.mailStep(ctx)
			}
			s.Problem = fmt.Sprintf("e-mail %q to the %s <%s> could not be delivered: %v; correct the address (starter contact)", req.Template, req.To.Role, req.To.Email, rootMessage(err))
			if s.StalledSince.IsZero() {
				s.StalledSince = workflow.Now(ctx)
			}
			r.publish(ctx)
		}
	})
}

// mailStep is where an undeliverable e-mail shows when its own step is over.
func (r *rollout) mailStep(ctx workflow.Context) *Step {
	if s := r.step("email"); s != nil {
		s.State = StepPending
		return s
	}
	return r.open(ctx, "email", "e-mail address to correct", PartyStaff, workflow.Now(ctx))
}

// retryFailedMail sends undeliverable e-mails again to a corrected address.
func (r *rollout) retryFailedMail(ctx workflow.Context, c ContactCorrection) {
	var keep []activities.EmailRequest
	for _, req := range r.failedMail {
		if req.To.Role != string(c.Party) || (c.Party == PartyTeacher && !strings.HasSuffix(req.Step, "/"+c.Teacher)) {
			keep = append(keep, req)
			continue
		}
		req.To.Email = c.Email
		r.send(ctx, req)
	}
	r.failedMail = keep
	for _, s := range r.steps {
		if strings.HasPrefix(s.Problem, "e-mail ") && strings.Contains(s.Problem, " to the "+string(c.Party)+" ") {
			s.Problem = ""
			if s.State != StepOverdue {
				s.StalledSince = time.Time{}
			}
			if s.Name == "email" {
				r.done(ctx, s, "address corrected")
			}
		}
	}
}

func rootMessage(err error) string {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err.Error()
		}
		err = u.Unwrap()
	}
}

// data is the template data every e-mail of this rollout shares.
func (r *rollout) data() mail.Data {
	return mail.Data{
		WorkflowID:       r.id,
		MunicipalityCode: r.in.Municipality.Code,
		Municipality:     r.in.Municipality.Name,
		Wave:             r.in.Wave.Name,
	}
}

func (r *rollout) producerRecipient() activities.Recipient {
	return activities.Recipient{Role: string(PartyProducer), Name: r.producer.ContactName, Email: r.producer.ContactEmail}
}

func (r *rollout) municipalityRecipient() activities.Recipient {
	return activities.Recipient{Role: string(PartyMunicipality), Name: r.in.Contact.Name, Email: r.in.Contact.Email}
}

var staff = activities.Recipient{Role: activities.RoleStaff}
