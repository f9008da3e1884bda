package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// on registers a staff action: validate rejects a wrong, late or
// out-of-phase action before it touches the history, with a message that
// says what is expected now; apply records it.
func on[T any](ctx workflow.Context, r *rollout, name string, validate func(workflow.Context, T) error, apply func(workflow.Context, T)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, v T) (Status, error) {
			apply(ctx, v)
			r.publish(ctx)
			return r.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v T) error {
			if r.phase == PhaseDone {
				return fmt.Errorf("the rollout has ended (outcome %s): nothing more can be recorded", r.outcome)
			}
			return validate(ctx, v)
		}})
}

// inPhase rejects an action outside the phases it belongs to.
// progress records an action that adds up towards a step (funding,
// participants): it completes the step once met, else it is the step's last
// action. Before the step opens there is nothing to show it on.
func (r *rollout) progress(ctx workflow.Context, name string, met bool, action string) {
	s := r.step(name)
	switch {
	case s == nil:
	case met && s.Waiting():
		r.done(ctx, s, action)
	default:
		s.LastAction, s.LastActionAt = action, workflow.Now(ctx)
	}
}

func (r *rollout) inPhase(what string, phases ...Phase) error {
	if slices.Contains(phases, r.phase) {
		return nil
	}
	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = string(p)
	}
	return fmt.Errorf("%s is recorded in phase %s; the rollout is in phase %s", what, strings.Join(names, " or "), r.phase)
}

var beforeStart = []Phase{PhaseProducerCourse, PhasePreparation, PhaseStart}

// handleQueriesAndUpdates registers the status query and the staff actions.
func (r *rollout) handleQueriesAndUpdates(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return r.status(), nil }); err != nil {
		return fmt.Errorf("register status query: %w", err)
	}
	w := r.in.Wave
	errs := []error{
		on(ctx, r, UpdateApply, func(ctx workflow.Context, a ProducerApplication) error {
			if r.producer != nil {
				return fmt.Errorf("a producer already applied for %s: %s (%s); a rollout has one producer",
					r.in.Municipality.Name, r.producer.Organisation, r.producer.Kind)
			}
			if err := r.inPhase("an application", PhaseApplication); err != nil {
				return err
			}
			if app := r.step("application"); workflow.Now(ctx).After(app.Due) {
				return fmt.Errorf("too late: the application deadline was %s", mail.DutchDateTime(app.Due))
			}
			if err := a.Validate(); err != nil {
				return fmt.Errorf("application not valid: %w", err)
			}
			return nil
		}, func(ctx workflow.Context, a ProducerApplication) {
			a.Kind, _ = ParseProducerKind(string(a.Kind))
			r.producer = &Producer{ProducerApplication: a, AppliedAt: workflow.Now(ctx)}
			r.done(ctx, r.step("application"), fmt.Sprintf("%s applied", a.Organisation))
		}),

		on(ctx, r, UpdateAttendance, func(ctx workflow.Context, a Attendance) error {
			day, s, err := r.courseDay(a.Course, a.Day, a.Teacher)
			if err != nil {
				return err
			}
			if workflow.Now(ctx).Before(day.Date) {
				return fmt.Errorf("%s has not happened yet: it is on %s", s.Label, mail.DutchDateTime(day.Date))
			}
			switch a.Course {
			case CourseProducer:
				if rec := r.producerDays[a.Day-1]; rec.attended || rec.missed {
					return fmt.Errorf("attendance for producer course day %d was already recorded; use make-up for a missed day", a.Day)
				}
			case CourseTeacher:
				if t := r.teacher(a.Teacher); t.recorded[a.Day-1] {
					return fmt.Errorf("attendance of teacher %s on day %d was already recorded; use make-up for missed half-days", a.Teacher, a.Day)
				}
				if a.HalfDays < 0 || a.HalfDays > day.HalfDays {
					return fmt.Errorf("half-days must be 0 to %d for teacher course day %d", day.HalfDays, a.Day)
				}
			}
			return nil
		}, func(ctx workflow.Context, a Attendance) {
			_, s, _ := r.courseDay(a.Course, a.Day, a.Teacher)
			if a.Course == CourseProducer {
				rec := &r.producerDays[a.Day-1]
				rec.attended, rec.missed = a.Attended, !a.Attended
				s.LastAction = map[bool]string{true: "attended", false: "missed"}[a.Attended]
			} else {
				t := r.teacher(a.Teacher)
				t.recorded[a.Day-1] = true
				t.halfDays[a.Day-1] = a.HalfDays
				s.LastAction = fmt.Sprintf("teacher %s: %d half-days", a.Teacher, a.HalfDays)
			}
			s.LastActionAt = workflow.Now(ctx)
		}),

		on(ctx, r, UpdateMakeUp, func(ctx workflow.Context, m MakeUp) error {
			_, s, err := r.courseDay(m.Course, m.Day, m.Teacher)
			if err != nil {
				return err
			}
			if m.Course == CourseProducer && !r.producerDays[m.Day-1].missed {
				return fmt.Errorf("producer course day %d was not recorded as missed; nothing to make up", m.Day)
			}
			if m.Course == CourseTeacher {
				t := r.teacher(m.Teacher)
				if !t.recorded[m.Day-1] || t.dayComplete(m.Day-1, w.TeacherCourse[m.Day-1].HalfDays) {
					return fmt.Errorf("teacher %s has no missed half-days on day %d to make up", m.Teacher, m.Day)
				}
			}
			_ = s
			return nil
		}, func(ctx workflow.Context, m MakeUp) {
			_, s, _ := r.courseDay(m.Course, m.Day, m.Teacher)
			if m.Course == CourseProducer {
				r.producerDays[m.Day-1].madeUp = true
				s.Problem = ""
			} else {
				r.teacher(m.Teacher).madeUp[m.Day-1] = true
			}
			r.makeUps++
			s.LastAction, s.LastActionAt = "made up "+m.Note, workflow.Now(ctx)
		}),

		on(ctx, r, UpdateHandbook, func(ctx workflow.Context, _ struct{}) error {
			if r.handbook {
				return errors.New("the handbook was already recorded as handed out")
			}
			if err := r.inPhase("the handbook", beforeStart...); err != nil {
				return err
			}
			if workflow.Now(ctx).Before(w.ProducerCourse[0].Date) {
				return fmt.Errorf("the handbook is handed out at the producer course, which starts %s", mail.DutchDateTime(w.ProducerCourse[0].Date))
			}
			return nil
		}, func(ctx workflow.Context, _ struct{}) {
			r.handbook = true
			r.done(ctx, r.step("handbook"), "handed out")
		}),

		on(ctx, r, UpdateTeacher, func(ctx workflow.Context, p TeacherProposal) error {
			if err := r.inPhase("a teacher", beforeStart...); err != nil {
				return err
			}
			if r.teacher(p.ID) != nil {
				return fmt.Errorf("teacher %s was already put forward; choose another ID", p.ID)
			}
			if len(r.teachers) >= 5 {
				return errors.New("five teachers were put forward already")
			}
			return p.Validate()
		}, func(ctx workflow.Context, p TeacherProposal) {
			t := newTeacher(p, len(w.TeacherCourse))
			r.teachers = append(r.teachers, t)
			if s := r.step("teacher"); s != nil && s.Waiting() {
				r.done(ctx, s, "teacher "+p.ID+" put forward")
			}
			d := r.producerData()
			d.RecipientName = p.Name
			r.email(ctx, "teacher-registered", "teacher/"+p.ID, t.recipient(), d)
			d.Sessions = sessions(w.TeacherCourse)
			r.email(ctx, "teacher-course-invitation", "teacher/"+p.ID, t.recipient(), d)
		}),

		on(ctx, r, UpdateFunding, func(ctx workflow.Context, c Commitment) error {
			if err := r.inPhase("funding", beforeStart...); err != nil {
				return err
			}
			return c.Validate()
		}, func(ctx workflow.Context, c Commitment) {
			r.commitments = append(r.commitments, c)
			r.progress(ctx, "funding", r.fundingSecured(),
				fmt.Sprintf("%s committed by %s (total %s of %s)", mail.Euro(c.AmountCents), c.Source, mail.Euro(r.committed()), mail.Euro(w.Budget())))
		}),

		on(ctx, r, UpdateEnrol, func(ctx workflow.Context, e Enrolment) error {
			if err := r.inPhase("an enrolment", beforeStart...); err != nil {
				return err
			}
			if err := e.Validate(); err != nil {
				return err
			}
			for _, id := range e.ParticipantIDs {
				if slices.Contains(r.participants, id) {
					return fmt.Errorf("participant %s is already enrolled", id)
				}
			}
			if len(r.participants)+len(e.ParticipantIDs) > w.PlannedGroup+5 {
				return fmt.Errorf("the group would have %d participants; the planned size is %d", len(r.participants)+len(e.ParticipantIDs), w.PlannedGroup)
			}
			return nil
		}, func(ctx workflow.Context, e Enrolment) {
			r.participants = append(r.participants, e.ParticipantIDs...)
			r.progress(ctx, "recruitment", r.groupLargeEnough(),
				fmt.Sprintf("%d enrolled (total %d, minimum %d)", len(e.ParticipantIDs), len(r.participants), w.MinimumGroup))
		}),

		on(ctx, r, UpdateLocation, func(ctx workflow.Context, l Location) error {
			if err := r.inPhase("the location", beforeStart...); err != nil {
				return err
			}
			if strings.TrimSpace(l.Name) == "" || strings.TrimSpace(l.Place) == "" {
				return errors.New("give the location's name and place")
			}
			return nil
		}, func(ctx workflow.Context, l Location) {
			r.location = &l
			if s := r.step("location"); s != nil && s.Waiting() {
				r.done(ctx, s, l.Name+", "+l.Place)
			}
		}),

		on(ctx, r, UpdateInternships, func(ctx workflow.Context, i Internships) error {
			if err := r.inPhase("internship places", PhaseProducerCourse, PhasePreparation, PhaseStart, PhaseCohort); err != nil {
				return err
			}
			if r.internships != nil {
				return fmt.Errorf("%d internship places were already recorded", r.internships.Places)
			}
			if i.Places < 1 || i.Places > 100 {
				return errors.New("places must be 1 to 100")
			}
			return nil
		}, func(ctx workflow.Context, i Internships) {
			r.internships = &i
			if s := r.step("internships"); s != nil && s.Waiting() {
				r.done(ctx, s, fmt.Sprintf("%d places", i.Places))
			}
		}),

		on(ctx, r, UpdatePostpone, func(ctx workflow.Context, p Postponement) error {
			if err := r.inPhase("a postponement", beforeStart...); err != nil {
				return err
			}
			if !p.Start.After(r.start) || !p.Start.After(workflow.Now(ctx)) {
				return fmt.Errorf("the new start must be later than the planned start %s and in the future", mail.DutchDateTime(r.start))
			}
			return needReason(p.Reason)
		}, func(ctx workflow.Context, p Postponement) {
			delta := p.Start.Sub(r.start)
			r.start = p.Start
			// Steps due before the start move with it: the agreement is about the whole preparation.
			for _, name := range []string{"funding", "recruitment", "location", "internships", "start"} {
				if s := r.step(name); s != nil && s.Waiting() {
					s.Due = s.Due.Add(delta)
					s.LastAction, s.LastActionAt = "start postponed: "+p.Reason, workflow.Now(ctx)
				}
			}
			d := r.producerData()
			d.Due, d.Reason = p.Start, p.Reason
			r.email(ctx, "postponement-agreed", "start", r.producerRecipient(), d)
			d.RecipientName = r.in.Contact.Name
			r.email(ctx, "postponement-agreed", "start", r.municipalityRecipient(), d)
		}),

		on(ctx, r, UpdateCancel, func(ctx workflow.Context, c Cancellation) error {
			if r.cancelled != nil {
				return errors.New("the rollout is already being cancelled")
			}
			return needReason(c.Reason)
		}, func(ctx workflow.Context, c Cancellation) {
			r.cancelled = &c
		}),

		on(ctx, r, UpdateContact, func(ctx workflow.Context, c ContactCorrection) error {
			if err := mail.ValidateAddress(c.Email); err != nil {
				return err
			}
			switch c.Party {
			case PartyMunicipality:
			case PartyProducer:
				if r.producer == nil {
					return errors.New("no producer has applied yet")
				}
			case PartyTeacher:
				if r.teacher(c.Teacher) == nil {
					return fmt.Errorf("no teacher %q was put forward", c.Teacher)
				}
			default:
				return fmt.Errorf("party must be municipality, producer or teacher, not %q", c.Party)
			}
			return nil
		}, func(ctx workflow.Context, c ContactCorrection) {
			switch c.Party {
			case PartyMunicipality:
				r.in.Contact.Email = c.Email
			case PartyProducer:
				r.producer.ContactEmail = c.Email
			case PartyTeacher:
				r.teacher(c.Teacher).Email = c.Email
			}
			r.retryFailedMail(ctx, c)
		}),
	}
	errs = append(errs, r.extendHandler(ctx))
	return errors.Join(errs...)
}

// extendHandler lets staff move a waiting step's due date (both workflows).
func (r *rollout) extendHandler(ctx workflow.Context) error {
	return on(ctx, r, UpdateExtend, func(ctx workflow.Context, e Extension) error {
		s := r.step(e.Step)
		if s == nil || !s.Waiting() {
			return fmt.Errorf("no waiting step %q; waiting on: %s", e.Step, strings.Join(r.status().WaitingOn, ", "))
		}
		if e.Step == "start" {
			return errors.New("the start moves by a postponement (postpone), not an extension")
		}
		if !e.Due.After(s.Due) || !e.Due.After(workflow.Now(ctx)) {
			return fmt.Errorf("the new due date must be later than the current one (%s) and in the future", mail.DutchDateTime(s.Due))
		}
		return needReason(e.Reason)
	}, func(ctx workflow.Context, e Extension) {
		s := r.step(e.Step)
		s.Due = e.Due
		s.LastAction, s.LastActionAt = "due date extended: "+e.Reason, workflow.Now(ctx)
	})
}

// courseDay finds a course day and its attendance step for an action.
func (r *rollout) courseDay(c Course, day int, teacherID string) (waveDay, *Step, error) {
	w := r.in.Wave
	switch c {
	case CourseProducer:
		if day < 1 || day > len(w.ProducerCourse) {
			return waveDay{}, nil, fmt.Errorf("the producer course has days 1 to %d", len(w.ProducerCourse))
		}
		s := r.step(fmt.Sprintf("producer-course-%d", day))
		if s == nil {
			return waveDay{}, nil, fmt.Errorf("producer course attendance is recorded after the application; the rollout is in phase %s", r.phase)
		}
		return w.ProducerCourse[day-1], s, nil
	case CourseTeacher:
		if day < 1 || day > len(w.TeacherCourse) {
			return waveDay{}, nil, fmt.Errorf("the teacher course has days 1 to %d", len(w.TeacherCourse))
		}
		if r.teacher(teacherID) == nil {
			return waveDay{}, nil, fmt.Errorf("no teacher %q was put forward (use the teacher's ID, e.g. T1)", teacherID)
		}
		s := r.step(fmt.Sprintf("teacher-course-%d", day))
		if s == nil {
			return waveDay{}, nil, errors.New("the teacher course has not begun for this rollout yet")
		}
		return w.TeacherCourse[day-1], s, nil
	default:
		return waveDay{}, nil, fmt.Errorf("course must be producer or teacher, not %q", c)
	}
}
