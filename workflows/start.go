package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// missing lists what the start gate still lacks: every step the plan marks
// as required whose condition does not hold.
func (r *state) missing() []plan.Text {
	var m []plan.Text
	for _, s := range r.steps {
		if !s.Required {
			continue
		}
		if b, ok := behaviourOf(s.Kind); ok && !b.met(r, s) {
			m = append(m, b.missing(r, s))
		}
	}
	return m
}

// startGate waits for the start date and checks the required steps; not
// ready, the rollout stalls until it is ready or a later start is agreed.
func (r *state) startGate(ctx workflow.Context) error {
	l := r.line(wave.StepStart)
	r.open(ctx, l)
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
		r.phase = plan.PhaseStart
		r.publish(ctx)
		if missing := r.missing(); len(missing) > 0 {
			if err := r.blocked(ctx, missing, moved); err != nil {
				return err
			}
			if !r.start.Equal(planned) {
				r.phase = plan.PhasePreparation
				continue
			}
		}
		r.started(ctx)
		return nil
	}
}

// blocked stalls the start until everything is ready, the start moves, or
// the rollout is cancelled.
func (r *state) blocked(ctx workflow.Context, missing []plan.Text, moved func() bool) error {
	l := r.line(wave.StepStart)
	l.State = plan.StateOverdue
	l.StalledSince = workflow.Now(ctx)
	l.Problem = plan.F("niet klaar: %s", "not ready: %s", plan.Join(missing, "; "))
	r.publish(ctx)
	d := r.dataFor(r.producerRecipient())
	d.Due = l.Due
	for _, m := range missing {
		d.Missing = append(d.Missing, m.In(plan.NL))
	}
	r.email(ctx, "start-blocked", l.Name, r.producerRecipient(), d)
	r.escalate(ctx, l)
	if err := workflow.Await(ctx, func() bool { return moved() || len(r.missing()) == 0 }); err != nil {
		return err
	}
	if r.cancelled != nil {
		return errCancelled
	}
	l.Problem = plan.Text{}
	r.unstall(ctx, l)
	return nil
}

// started records the actual start; what follows the start moves with it.
func (r *state) started(ctx workflow.Context) {
	r.startedAt = workflow.Now(ctx)
	if late := r.startedAt.Sub(r.start); late > 0 {
		r.shiftFollowing(ctx, late, nil)
	}
	r.done(ctx, r.line(wave.StepStart), nil, plan.T("de opleiding is gestart", "the cohort started"))
	r.phase = plan.PhaseCohort
	r.publish(ctx)
}

// postpone agrees a later start (uitstel in overleg); the steps whose dates
// follow the start move with it.
func postpone(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActPostpone, func(ctx workflow.Context, _ plan.Actor, p plan.Postponement) plan.Problems {
		if ps := r.inPhase(plan.T("uitstel", "a postponement"), beforeStart...); ps != nil {
			return ps
		}
		if !p.Start.After(r.start) || !p.Start.After(workflow.Now(ctx)) {
			return plan.RejectedField("start", "de nieuwe start moet na de geplande start (%s) en in de toekomst liggen",
				"the new start must be later than the planned start %s and in the future", mail.DutchDateTime(r.start))
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, p plan.Postponement) {
		delta := p.Start.Sub(r.start)
		r.start = p.Start
		why := plan.F("start uitgesteld: %s", "start postponed: %s", p.Reason)
		r.shiftFollowing(ctx, delta, &why)
		r.record(ctx, r.line(wave.StepStart), &actor, why)
		for _, to := range []activities.Recipient{r.producerRecipient(), r.municipalityRecipient()} {
			d := r.dataFor(to)
			d.Due, d.Reason = p.Start, p.Reason
			r.email(ctx, "postponement-agreed", wave.StepStart, to, d)
		}
	})
}

// payPremium pays the producer's stimulus premium (stimuleringspremie),
// exactly once: the payment's unique key in PostgreSQL decides.
func (r *state) payPremium(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		Summary:             "stimulus premium",
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: 10 * time.Minute},
	})
	var a *activities.Activities
	var p activities.PremiumResult
	err := workflow.ExecuteActivity(actx, a.PayPremium, activities.PremiumRequest{
		WorkflowID: r.id, RunID: workflow.GetInfo(ctx).FirstRunID, MunicipalityCode: r.in.Municipality.Code, Wave: r.in.Wave.Name,
		Organisation: r.producer.Organisation, AmountCents: r.in.Wave.PremiumCents,
	}).Get(ctx, &p)
	if err != nil {
		return fmt.Errorf("pay premium: %w", err)
	}
	d := r.dataFor(r.producerRecipient())
	d.Due, d.AmountCents = r.startedAt, r.in.Wave.PremiumCents
	r.email(ctx, "start-confirmed", wave.StepStart, r.producerRecipient(), d)
	d.RecipientName = ""
	r.email(ctx, "premium-paid", wave.StepStart, staff, d)
	return nil
}
