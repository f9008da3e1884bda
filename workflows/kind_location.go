package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// The teaching location (leslocatie): its name and place.
var locationKind = behaviour{
	kind:    plan.KindLocation,
	met:     func(r *state, _ *step) bool { return r.location != nil },
	missing: func(_ *state, _ *step) plan.Text { return plan.T("een leslocatie", "a teaching location") },
	updates: []namedUpdate{{plan.ActLocation, location}},
}

func location(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActLocation, func(ctx workflow.Context, _ plan.Actor, l plan.Location) plan.Problems {
		return r.inPhase(plan.T("de leslocatie", "the location"), beforeStart...)
	}, func(ctx workflow.Context, actor plan.Actor, l plan.Location) {
		r.location = &l
		for _, s := range r.ofKind(plan.KindLocation) {
			r.progress(ctx, s.firstLine(), actor, true, plan.F("%s, %s", "%s, %s", l.Name, l.Place))
		}
	})
}
