package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// apply records a producer's application (aanmelding), before the
// deadline and once.
func apply(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActApply, func(ctx workflow.Context, _ plan.Actor, a plan.ProducerApplication) plan.Problems {
		l := r.line(wave.StepApplication)
		switch {
		case r.producer != nil:
			return plan.Rejected("er heeft zich al een producent aangemeld voor %s: %s (%s); een uitrol heeft één producent",
				"a producer already applied for %s: %s (%s); a rollout has one producer", r.in.Municipality.Name, r.producer.Organisation, r.producer.Kind)
		case r.phase != plan.PhaseApplication:
			return r.inPhase(plan.T("een aanmelding", "an application"), plan.PhaseApplication)
		case workflow.Now(ctx).After(l.Due):
			return plan.Rejected("te laat: de uiterste datum voor aanmelden was %s", "too late: the application deadline was %s", mail.DutchDateTime(l.Due))
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, a plan.ProducerApplication) {
		a.Kind, _ = plan.ParseProducerKind(string(a.Kind))
		r.producer = &plan.Producer{ProducerApplication: a, AppliedAt: workflow.Now(ctx)}
		r.done(ctx, r.line(wave.StepApplication), &actor, plan.F("%s heeft zich aangemeld", "%s applied", a.Organisation))
	})
}
