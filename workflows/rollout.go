// Package workflows carries the rollouts of the AMWAHT training: one
// RolloutWorkflow per municipality per wave, interpreting the plan its wave
// gave it (internal/plan), and a CohortWorkflow for the ten-month training.
// The contract (IDs, queries, search attributes) is internal/rollout.
package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// RolloutWorkflow carries one municipality's rollout of the AMWAHT training
// through one wave, from the call for a producer to the cohort's
// graduation, by the plan it started with. It reads top to bottom like the
// brochure's calendar.
func RolloutWorkflow(ctx workflow.Context, in rollout.Input) (rollout.Result, error) {
	if err := in.Wave.Validate(); err != nil {
		return rollout.Result{}, err
	}
	r := newState(ctx, in)
	nextBuild(ctx)
	if err := r.register(ctx, plan.ToRollout); err != nil {
		return rollout.Result{}, err
	}
	r.publish(ctx)

	// 1. Application (aanmelding): the municipality is asked to put a
	// producer forward before the deadline; no producer ends the rollout.
	applied, err := r.application(ctx)
	if err != nil || !applied {
		return r.end(ctx, err)
	}

	// 2. Producer course (cursus voor producenten, verplicht): its days, the
	// handbook and whatever else the plan opens in this phase; a missed day
	// stalls until it is made up.
	r.phase = plan.PhaseProducerCourse
	course := r.openPhase(ctx, plan.PhaseProducerCourse)
	if _, err := r.sleepUntil(ctx, in.Wave.PhaseOpens(plan.PhasePreparation), "producer course ends", r.isCancelled); err != nil || r.isCancelled() {
		return r.end(ctx, err)
	}

	// 3. Preparation: the plan's tracks side by side (teacher then teacher
	// course, funding, recruitment, location, internship places, …), each
	// with its due date, reminder and stall.
	r.phase = plan.PhasePreparation
	r.tellProducerTasks(ctx)
	prep := r.openPhase(ctx, plan.PhasePreparation)

	// 4. Start: at the start date the gate checks the steps the plan marks
	// as required; not ready, the rollout stalls until ready or a later start
	// is agreed. The producer's stimulus premium is paid once.
	if err := r.startGate(ctx); err != nil {
		return r.end(ctx, err)
	}
	if err := r.payPremium(ctx); err != nil {
		return rollout.Result{}, err
	}

	// 5. Cohort: ten months, three modules then the practicum, as a child
	// workflow; then graduation.
	res, err := r.runCohort(ctx)
	if err != nil {
		return r.end(ctx, err)
	}
	for _, t := range []*track{course, prep} {
		if err := t.Wait(ctx); err != nil {
			return rollout.Result{}, err
		}
	}
	r.graduated(ctx, res)
	out, err := r.finish(ctx, plan.OutcomeGraduated)
	out.Graduates = res.Graduates
	return out, err
}

// end ends the rollout early: cancelled by staff, or failed.
func (r *state) end(ctx workflow.Context, err error) (rollout.Result, error) {
	switch {
	case r.cancelled != nil:
		return r.cancel(ctx)
	case err != nil:
		return rollout.Result{}, err
	}
	return rollout.Result{Outcome: r.outcome}, nil
}

// application waits for a producer until the deadline, which an extension
// may move. Without one the rollout ends (no-producer).
func (r *state) application(ctx workflow.Context) (bool, error) {
	l := r.line(wave.StepApplication)
	app := r.stepByID(wave.StepApplication)
	r.open(ctx, l)
	r.email(ctx, "producer-invitation", l.Name, r.municipalityRecipient(), r.lineData(l))
	met := func() bool { return r.producer != nil || r.cancelled != nil }
	remindAt := l.Due.Add(-app.Remind)
	if app.Remind > 0 && workflow.Now(ctx).Before(remindAt) {
		if _, err := r.sleepUntil(ctx, remindAt, "reminder: application", met); err != nil {
			return false, err
		}
		if !met() {
			r.email(ctx, "step-reminder", l.Name, r.municipalityRecipient(), r.lineData(l))
		}
	}
	for !met() {
		due := l.Due
		woke, err := r.sleepUntil(ctx, due, "producer application deadline", func() bool { return met() || !l.Due.Equal(due) })
		if err != nil {
			return false, err
		}
		if !woke {
			r.noProducer(ctx, l)
			return false, nil
		}
	}
	if r.cancelled != nil {
		return false, nil
	}
	d := r.dataFor(r.producerRecipient())
	r.email(ctx, "application-received", l.Name, r.producerRecipient(), d)
	if pc := r.stepByID(wave.StepProducerCourse); pc != nil {
		d.Sessions, d.Calendar = r.calendarDays(pc, allDays(pc)...), mail.CalendarRequest
	}
	r.email(ctx, "producer-course-invitation", wave.StepProducerCourse, r.producerRecipient(), d)
	return true, nil
}

// noProducer ends a rollout whose deadline passed without an application.
func (r *state) noProducer(ctx workflow.Context, l *rollout.Step) {
	l.State = plan.StateCancelled
	r.record(ctx, l, nil, plan.T("uiterste datum verstreken zonder aanmelding", "deadline passed without an application"))
	d := r.lineData(l)
	r.email(ctx, "no-producer", l.Name, staff, d)
	r.closeUpcoming(ctx, plan.StateWaived, plan.T("vervallen: geen producent", "waived: no producer"))
	_, _ = r.finish(ctx, plan.OutcomeNoProducer)
}

// tellProducerTasks sends the producer the preparation's task list: the
// steps the producer acts on, those recorded during the course as settled.
func (r *state) tellProducerTasks(ctx workflow.Context) {
	w := r.in.Wave
	d := r.dataFor(r.producerRecipient())
	for _, s := range r.steps {
		if s.Phase != plan.PhasePreparation || s.Party != plan.PartyProducer {
			continue
		}
		l := s.firstLine()
		d.Tasks = append(d.Tasks, mailTask(l.Label.In(plan.NL), l.Due, r.met(s)))
	}
	d.BudgetCents, d.GroupSize, d.AmountCents = w.Budget(), w.PlannedGroup, w.CostPerParticipantCents
	r.email(ctx, "producer-tasks", string(plan.PhasePreparation), r.producerRecipient(), d)
}

// cancel ends the rollout on staff's word and tells everyone concerned.
func (r *state) cancel(ctx workflow.Context) (rollout.Result, error) {
	r.closeUpcoming(ctx, plan.StateCancelled, plan.T("uitrol geannuleerd", "rollout cancelled"))
	d := r.data()
	d.Reason = r.cancelled.Reason
	to := r.recipients(plan.PartyMunicipality)
	if r.producer != nil {
		to = append(to, r.producerRecipient())
	}
	to = append(append(to, r.recipients(plan.PartyTeacher)...), staff)
	for _, rc := range to {
		d.RecipientName = rc.Name
		// The course days the recipient was invited to leave their calendar.
		d.Sessions, d.Calendar = r.cancelledDays(ctx, rc), ""
		if len(d.Sessions) > 0 {
			d.Calendar = mail.CalendarCancel
		}
		r.email(ctx, "rollout-cancelled", mailStep("cancel", rc), rc, d)
	}
	return r.finish(ctx, plan.OutcomeCancelled)
}

// finish ends the workflow once its last e-mails are out.
func (r *state) finish(ctx workflow.Context, outcome plan.Outcome) (rollout.Result, error) {
	r.outcome = outcome
	r.phase = plan.PhaseDone
	r.publish(ctx)
	if err := workflow.Await(ctx, func() bool { return r.inFlight == 0 }); err != nil {
		return rollout.Result{}, fmt.Errorf("wait for the last e-mails: %w", err)
	}
	return rollout.Result{Outcome: outcome}, nil
}
