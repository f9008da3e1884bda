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

// RolloutWorkflow carries one municipality's rollout of the AMWAHT training
// through one wave, from the call for a producer to the cohort's graduation.
// It reads top to bottom like the brochure's calendar.
func RolloutWorkflow(ctx workflow.Context, in RolloutInput) (Result, error) {
	if err := in.Wave.Validate(); err != nil {
		return Result{}, err
	}
	r := newRollout(ctx, in)
	w := in.Wave

	// 1. Application (aanmelding): the municipality is asked to put a
	// producer forward before the deadline; no producer ends the rollout.
	app := r.open(ctx, "application", "producer applies", PartyMunicipality, w.ApplicationDeadline)
	// Handlers come after the first step opens: an application sent right
	// after the start reaches the workflow in its first task, and its
	// validator must find the step it completes. Registering emits no
	// command, so recorded histories replay unchanged.
	if err := r.handleQueriesAndUpdates(ctx); err != nil {
		return Result{}, err
	}
	d := r.data()
	d.Due = app.Due
	r.email(ctx, "producer-invitation", app.Name, r.municipalityRecipient(), d)
	for r.producer == nil && r.cancelled == nil {
		due := app.Due
		woke, err := r.sleepUntil(ctx, due, "producer application deadline", func() bool {
			return r.producer != nil || r.cancelled != nil || !app.Due.Equal(due)
		})
		if err != nil {
			return Result{}, fmt.Errorf("await application: %w", err)
		}
		if !woke {
			app.State = StepCancelled
			app.LastAction = "deadline passed without an application"
			app.LastActionAt = workflow.Now(ctx)
			d.Due = app.Due
			r.email(ctx, "no-producer", app.Name, staff, d)
			return r.finish(ctx, OutcomeNoProducer)
		}
	}
	if r.cancelled != nil {
		return r.cancel(ctx)
	}
	d = r.producerData()
	r.email(ctx, "application-received", app.Name, r.producerRecipient(), d)
	d.Sessions = sessions(w.ProducerCourse)
	r.email(ctx, "producer-course-invitation", "producer-course", r.producerRecipient(), d)

	// 2. Producer course (cursus voor producenten, verplicht): two days;
	// staff record attendance per day, a missed day stalls until made up.
	r.phase = PhaseProducerCourse
	course := newTrack(ctx)
	for i := range w.ProducerCourse {
		course.Go(ctx, func(ctx workflow.Context) error { return r.producerCourseDay(ctx, i) })
	}
	last := w.ProducerCourse[len(w.ProducerCourse)-1]
	handbook := r.open(ctx, "handbook", "training handbook handed out", PartyStaff, last.End.Add(w.AttendanceGrace))
	course.Go(ctx, func(ctx workflow.Context) error {
		return r.await(ctx, handbook, staffTo, false, func() bool { return r.handbook })
	})
	if _, err := r.sleepUntil(ctx, last.End, "producer course ends", r.isCancelled); err != nil {
		return Result{}, err
	}
	if r.cancelled != nil {
		return r.cancel(ctx)
	}

	// 3. Preparation: parallel tracks, each with its due date, reminders and
	// stall. The producer course's make-ups may still run beside them.
	r.phase = PhasePreparation
	prep := r.preparation(ctx)

	// 4. Start: at the start date the gate checks everything; not ready, the
	// rollout stalls until ready or a later start is agreed.
	if err := r.startGate(ctx); err != nil {
		if err == errCancelled {
			return r.cancel(ctx)
		}
		return Result{}, err
	}
	if err := r.payPremium(ctx); err != nil {
		return Result{}, err
	}

	// 5. Cohort: ten months, three modules then the practicum, as a child workflow.
	res, err := r.runCohort(ctx)
	if err == errCancelled {
		return r.cancel(ctx)
	}
	if err != nil {
		return Result{}, err
	}
	if err := course.Wait(ctx); err != nil {
		return Result{}, err
	}
	if err := prep.Wait(ctx); err != nil {
		return Result{}, err
	}
	d = r.producerData()
	d.Count = res.Graduates
	r.email(ctx, "graduation", "graduation", r.producerRecipient(), d)
	r.email(ctx, "graduation", "graduation", r.municipalityRecipient(), d)
	out, err := r.finish(ctx, OutcomeGraduated)
	out.Graduates = res.Graduates
	return out, err
}

func (r *rollout) isCancelled() bool { return r.cancelled != nil }

func staffTo() activities.Recipient { return staff }

func sessions(days []waveDay) []mail.Session {
	out := make([]mail.Session, len(days))
	for i, d := range days {
		out[i] = mail.Session{Date: d.Date, Place: d.Place, HalfDays: d.HalfDays, Overnight: d.Overnight}
	}
	return out
}

func (r *rollout) producerData() mail.Data {
	d := r.data()
	if r.producer != nil {
		d.Organisation = r.producer.Organisation
		d.ProducerKind = string(r.producer.Kind)
		d.RecipientName = r.producer.ContactName
	}
	return d
}

// producerCourseDay reminds the producer of day i, then waits for staff to
// record attendance; a missed day stalls until a make-up is recorded.
func (r *rollout) producerCourseDay(ctx workflow.Context, i int) error {
	w := r.in.Wave
	day := w.ProducerCourse[i]
	label := fmt.Sprintf("producer course day %d (%s)", i+1, day.Place)
	s := r.open(ctx, fmt.Sprintf("producer-course-%d", i+1), label+": attendance", PartyStaff, day.End.Add(w.AttendanceGrace))
	if err := r.courseReminder(ctx, day, "producer-course-reminder", s.Name, fmt.Sprintf("cursusdag %d", i+1), r.producerRecipient); err != nil {
		return err
	}
	rec := &r.producerDays[i]
	if err := r.await(ctx, s, staffTo, false, func() bool { return rec.attended || rec.madeUp || rec.missed }); err != nil {
		return err
	}
	if rec.missed && !rec.madeUp {
		r.missedDay(ctx, s, []waveDay{day}, fmt.Sprintf("cursusdag %d", i+1), r.producerRecipient())
		if err := r.await(ctx, s, staffTo, false, func() bool { return rec.madeUp }); err != nil {
			return err
		}
	}
	r.done(ctx, s, s.LastAction)
	r.publish(ctx)
	return nil
}

// courseReminder e-mails a reminder one reminder-lead before a course day.
func (r *rollout) courseReminder(ctx workflow.Context, day waveDay, template, step, label string, to func() activities.Recipient) error {
	at := day.Date.Add(-r.in.Wave.ReminderLead)
	if !workflow.Now(ctx).Before(at) {
		return nil
	}
	if _, err := r.sleepUntil(ctx, at, "reminder: "+label, r.isCancelled); err != nil {
		return err
	}
	if r.cancelled != nil {
		return errCancelled
	}
	d := r.producerData()
	d.StepLabel = label
	d.Sessions = sessions([]waveDay{day})
	d.Due = day.Date
	d.RecipientName = to().Name
	r.email(ctx, template, step, to(), d)
	return nil
}

// missedDay stalls a step because a mandatory course day was missed.
func (r *rollout) missedDay(ctx workflow.Context, s *Step, days []waveDay, label string, to activities.Recipient) {
	s.Problem = label + " missed: a make-up must be recorded"
	if s.StalledSince.IsZero() {
		s.StalledSince = workflow.Now(ctx)
	}
	r.publish(ctx)
	d := r.producerData()
	d.StepLabel = label
	d.Sessions = sessions(days)
	d.RecipientName = to.Name
	r.email(ctx, "course-day-missed", s.Name, to, d)
	r.escalate(ctx, s)
}

// preparation opens the parallel tracks: teacher (and the teacher course),
// funding, recruitment, location and internship places.
func (r *rollout) preparation(ctx workflow.Context) *track {
	w := r.in.Wave
	r.publish(ctx)
	teacher := r.open(ctx, "teacher", "teacher put forward", PartyProducer, w.TeacherDeadline)
	funding := r.open(ctx, "funding", "funding secured", PartyProducer, w.FundingDue)
	recruitment := r.open(ctx, "recruitment", fmt.Sprintf("at least %d participants enrolled", w.MinimumGroup), PartyProducer, w.RecruitmentDue)
	location := r.open(ctx, "location", "teaching location arranged", PartyProducer, w.LocationDue)
	internships := r.open(ctx, "internships", "internship places arranged", PartyProducer, r.practicumStart(r.start).Add(-w.InternshipLead))
	// Staff may record the preparation during the producer course, before
	// these steps exist; such a step is done from the moment it opens.
	// Before this version such steps stayed pending after the rollout ended.
	if workflow.GetVersion(ctx, "preparation-recorded-early", workflow.DefaultVersion, 1) == 1 {
		early := " (recorded during the producer course)"
		for _, e := range []struct {
			step   *Step
			met    bool
			action string
		}{
			{teacher, r.hasTeacher(), fmt.Sprintf("%d teacher(s) put forward", len(r.teachers))},
			{funding, r.fundingSecured(), fmt.Sprintf("total %s of %s committed", mail.Euro(r.committed()), mail.Euro(w.Budget()))},
			{recruitment, r.groupLargeEnough(), fmt.Sprintf("%d enrolled (minimum %d)", len(r.participants), w.MinimumGroup)},
			{location, r.hasLocation(), "location arranged"},
			{internships, r.hasInternships(), "internship places arranged"},
		} {
			if e.met {
				r.done(ctx, e.step, e.action+early)
			}
		}
		r.publish(ctx)
	}

	d := r.producerData()
	// Steps done above (recorded during the producer course) show as
	// settled. Only the e-mail's input changes, which replay does not compare.
	d.Tasks = []mail.Task{
		{Label: "Financiering rond (begroting " + mail.Euro(w.Budget()) + ")", Due: funding.Due, Done: funding.State == StepDone},
		{Label: "Docent(en) aanmelden", Due: teacher.Due, Done: teacher.State == StepDone},
		{Label: fmt.Sprintf("Deelnemers werven (minimaal %d, gepland %d)", w.MinimumGroup, w.PlannedGroup), Due: recruitment.Due, Done: recruitment.State == StepDone},
		{Label: "Leslocatie regelen", Due: location.Due, Done: location.State == StepDone},
		{Label: "Stageplekken regelen", Due: internships.Due, Done: internships.State == StepDone},
	}
	d.BudgetCents, d.GroupSize, d.AmountCents = w.Budget(), w.PlannedGroup, w.CostPerParticipantCents
	r.email(ctx, "producer-tasks", "preparation", r.producerRecipient(), d)
	fd := r.producerData()
	fd.RecipientName = r.in.Contact.Name
	fd.BudgetCents, fd.GroupSize, fd.AmountCents, fd.Due = w.Budget(), w.PlannedGroup, w.CostPerParticipantCents, funding.Due
	r.email(ctx, "funding-request", funding.Name, r.municipalityRecipient(), fd)

	producer := r.producerRecipient
	t := newTrack(ctx)
	t.Go(ctx, func(ctx workflow.Context) error {
		if err := r.await(ctx, teacher, producer, true, r.hasTeacher); err != nil {
			return err
		}
		return r.teacherCourse(ctx)
	})
	t.Go(ctx, func(ctx workflow.Context) error {
		return r.await(ctx, funding, producer, true, r.fundingSecured)
	})
	t.Go(ctx, func(ctx workflow.Context) error {
		return r.await(ctx, recruitment, producer, true, r.groupLargeEnough)
	})
	t.Go(ctx, func(ctx workflow.Context) error {
		return r.await(ctx, location, producer, true, r.hasLocation)
	})
	t.Go(ctx, func(ctx workflow.Context) error {
		if err := r.await(ctx, internships, producer, true, r.hasInternships); err != nil {
			return err
		}
		r.signalCohortInternships(ctx)
		return nil
	})
	return t
}

// What the preparation's tracks wait for; the start gate checks the same.
func (r *rollout) hasTeacher() bool       { return len(r.teachers) > 0 }
func (r *rollout) fundingSecured() bool   { return r.committed() >= r.in.Wave.Budget() }
func (r *rollout) groupLargeEnough() bool { return len(r.participants) >= r.in.Wave.MinimumGroup }
func (r *rollout) hasLocation() bool      { return r.location != nil }
func (r *rollout) hasInternships() bool   { return r.internships != nil }

func (r *rollout) committed() int64 {
	var sum int64
	for _, c := range r.commitments {
		sum += c.AmountCents
	}
	return sum
}

func (r *rollout) practicumStart(start time.Time) time.Time {
	t := start
	for _, m := range r.in.Wave.Modules {
		if m.Practicum {
			break
		}
		t = t.Add(m.Length)
	}
	return t
}

// teacherCourse follows the six half-days: reminders to every teacher
// before each day, attendance per teacher per day, make-ups.
func (r *rollout) teacherCourse(ctx workflow.Context) error {
	w := r.in.Wave
	t := newTrack(ctx)
	for i := range w.TeacherCourse {
		t.Go(ctx, func(ctx workflow.Context) error { return r.teacherCourseDay(ctx, i) })
	}
	return t.Wait(ctx)
}

func (r *rollout) teacherCourseDay(ctx workflow.Context, i int) error {
	w := r.in.Wave
	day := w.TeacherCourse[i]
	label := fmt.Sprintf("teacher course day %d (%s, %d half-days)", i+1, day.Place, day.HalfDays)
	s := r.open(ctx, fmt.Sprintf("teacher-course-%d", i+1), label+": attendance", PartyStaff, maxTime(day.End, workflow.Now(ctx)).Add(w.AttendanceGrace))
	at := day.Date.Add(-w.ReminderLead)
	if workflow.Now(ctx).Before(at) {
		if _, err := r.sleepUntil(ctx, at, fmt.Sprintf("reminder: teacher course day %d", i+1), r.isCancelled); err != nil {
			return err
		}
		if r.cancelled != nil {
			return errCancelled
		}
		for _, t := range r.teachers {
			d := r.producerData()
			d.RecipientName = t.Name
			d.StepLabel = fmt.Sprintf("docentencursus dag %d", i+1)
			d.Sessions = sessions([]waveDay{day})
			d.Due = day.Date
			r.email(ctx, "teacher-course-reminder", s.Name+"/"+t.ID, t.recipient(), d)
		}
	}
	recorded := func() bool {
		for _, t := range r.teachers {
			if !t.recorded[i] {
				return false
			}
		}
		return true
	}
	if err := r.await(ctx, s, staffTo, false, recorded); err != nil {
		return err
	}
	told := map[string]bool{}
	for {
		var missing []string
		for _, t := range r.teachers {
			if !t.dayComplete(i, day.HalfDays) {
				missing = append(missing, t.ID)
				if !told[t.ID] {
					told[t.ID] = true
					r.missedDay(ctx, s, []waveDay{day}, fmt.Sprintf("docentencursus dag %d (%s)", i+1, t.ID), t.recipient())
				}
			}
		}
		if len(missing) == 0 {
			r.done(ctx, s, s.LastAction)
			r.publish(ctx)
			return nil
		}
		s.Problem = fmt.Sprintf("teacher(s) %s missed half-days: a make-up must be recorded", strings.Join(missing, ", "))
		r.publish(ctx)
		n := r.makeUps
		if err := workflow.Await(ctx, func() bool { return r.makeUps != n || r.cancelled != nil }); err != nil {
			return err
		}
		if r.cancelled != nil {
			return errCancelled
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// missing lists what the start gate still lacks, in Dutch for the e-mail.
func (r *rollout) missing() []string {
	var m []string
	for i, d := range r.producerDays {
		if !d.attended && !d.madeUp {
			m = append(m, fmt.Sprintf("cursus voor producenten, dag %d", i+1))
		}
	}
	trained := false
	for _, t := range r.teachers {
		trained = trained || t.complete(r.in.Wave)
	}
	if !trained {
		m = append(m, fmt.Sprintf("een docent die alle %d dagdelen van de docentencursus heeft gevolgd", r.in.Wave.TeacherHalfDays()))
	}
	if !r.fundingSecured() {
		m = append(m, fmt.Sprintf("financiering: %s toegezegd van %s", mail.Euro(r.committed()), mail.Euro(r.in.Wave.Budget())))
	}
	if !r.groupLargeEnough() {
		m = append(m, fmt.Sprintf("deelnemers: %d ingeschreven, minimaal %d nodig", len(r.participants), r.in.Wave.MinimumGroup))
	}
	if !r.hasLocation() {
		m = append(m, "een leslocatie")
	}
	return m
}

// startGate waits for the start date and checks the conditions.
func (r *rollout) startGate(ctx workflow.Context) error {
	s := r.open(ctx, "start", "cohort starts", PartyStaff, r.start)
	for {
		planned := r.start
		moved := func() bool { return r.cancelled != nil || !r.start.Equal(planned) }
		if _, err := r.sleepUntil(ctx, planned, "intended start", moved); err != nil {
			return err
		}
		if r.cancelled != nil {
			return errCancelled
		}
		if !r.start.Equal(planned) {
			continue
		}
		r.phase = PhaseStart
		if missing := r.missing(); len(missing) > 0 {
			s.State = StepOverdue
			s.StalledSince = workflow.Now(ctx)
			s.Problem = "not ready: " + strings.Join(missing, "; ")
			r.publish(ctx)
			d := r.producerData()
			d.Due, d.Missing = planned, missing
			r.email(ctx, "start-blocked", s.Name, r.producerRecipient(), d)
			r.escalate(ctx, s)
			if err := workflow.Await(ctx, func() bool { return moved() || len(r.missing()) == 0 }); err != nil {
				return err
			}
			if r.cancelled != nil {
				return errCancelled
			}
			s.Problem = ""
			r.unstall(ctx, s)
			if !r.start.Equal(planned) {
				r.phase = PhasePreparation
				continue
			}
		}
		r.startedAt = workflow.Now(ctx)
		r.done(ctx, s, "the cohort started")
		r.phase = PhaseCohort
		r.publish(ctx)
		return nil
	}
}

// payPremium pays the producer's stimulus premium (stimuleringspremie),
// exactly once: the payment's unique key in PostgreSQL decides.
func (r *rollout) payPremium(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		Summary:             "stimulus premium",
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: 10 * time.Minute},
	})
	var a *activities.Activities
	var p activities.PremiumResult
	err := workflow.ExecuteActivity(actx, a.PayPremium, activities.PremiumRequest{
		WorkflowID: r.id, MunicipalityCode: r.in.Municipality.Code, Wave: r.in.Wave.Name,
		Organisation: r.producer.Organisation, AmountCents: r.in.Wave.PremiumCents,
	}).Get(ctx, &p)
	if err != nil {
		return fmt.Errorf("pay premium: %w", err)
	}
	d := r.producerData()
	d.Due, d.AmountCents = r.startedAt, r.in.Wave.PremiumCents
	r.email(ctx, "start-confirmed", "start", r.producerRecipient(), d)
	r.email(ctx, "premium-paid", "start", staff, d)
	return nil
}

// cancel ends the rollout on staff's word and tells everyone concerned.
func (r *rollout) cancel(ctx workflow.Context) (Result, error) {
	now := workflow.Now(ctx)
	for _, s := range r.steps {
		if s.Waiting() {
			s.State = StepCancelled
			s.StalledSince = time.Time{}
			s.LastAction = "rollout cancelled"
			s.LastActionAt = now
		}
	}
	d := r.producerData()
	d.Reason = r.cancelled.Reason
	d.RecipientName = r.in.Contact.Name
	r.email(ctx, "rollout-cancelled", "cancel", r.municipalityRecipient(), d)
	if r.producer != nil {
		d.RecipientName = r.producer.ContactName
		r.email(ctx, "rollout-cancelled", "cancel", r.producerRecipient(), d)
	}
	for _, t := range r.teachers {
		d.RecipientName = t.Name
		r.email(ctx, "rollout-cancelled", "cancel/"+t.ID, t.recipient(), d)
	}
	d.RecipientName = ""
	r.email(ctx, "rollout-cancelled", "cancel", staff, d)
	return r.finish(ctx, OutcomeCancelled)
}

// finish ends the rollout once its last e-mails are out.
func (r *rollout) finish(ctx workflow.Context, outcome Outcome) (Result, error) {
	r.outcome = outcome
	r.phase = PhaseDone
	r.publish(ctx)
	if err := workflow.Await(ctx, func() bool { return r.inFlight == 0 }); err != nil {
		return Result{}, err
	}
	return Result{Outcome: outcome}, nil
}
