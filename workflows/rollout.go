package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

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
	if err := r.handleQueriesAndUpdates(ctx); err != nil {
		return Result{}, err
	}

	// 1. Application (aanmelding): the municipality is asked to put a
	// producer forward before the deadline.
	app := r.open(ctx, "application", "producer applies", PartyMunicipality, in.Wave.ApplicationDeadline)
	d := r.data()
	d.Due = app.Due
	r.email(ctx, "producer-invitation", app.Name, r.municipalityRecipient(), d)
	applied, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      app.Due.Sub(workflow.Now(ctx)),
		TimerOptions: workflow.TimerOptions{Summary: "producer application deadline"},
	}, func() bool { return r.producer != nil })
	if err != nil {
		return Result{}, fmt.Errorf("await application: %w", err)
	}
	if !applied {
		app.State = StepCancelled
		app.LastAction = "deadline passed without an application"
		app.LastActionAt = workflow.Now(ctx)
		r.email(ctx, "no-producer", app.Name, staff, d)
		return r.finish(ctx, OutcomeNoProducer)
	}
	d = r.data()
	d.Organisation = r.producer.Organisation
	d.ProducerKind = string(r.producer.Kind)
	d.RecipientName = r.producer.ContactName
	for _, day := range in.Wave.ProducerCourse {
		d.Sessions = append(d.Sessions, mail.Session{Date: day.Date, Place: day.Place, HalfDays: day.HalfDays})
	}
	r.email(ctx, "application-received", app.Name, r.producerRecipient(), d)

	// 2. Producer course (cursus voor producenten).
	r.phase = PhaseProducerCourse
	r.publish(ctx)
	first := in.Wave.ProducerCourse[0].Date
	if err := workflow.NewTimerWithOptions(ctx, first.Sub(workflow.Now(ctx)), workflow.TimerOptions{Summary: "producer course day 1"}).Get(ctx, nil); err != nil {
		return Result{}, fmt.Errorf("await producer course: %w", err)
	}
	return r.finish(ctx, OutcomeApplied)
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
