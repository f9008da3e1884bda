package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// A confirm step: the party confirms by the due date (the handbook handed
// out, an agreement signed), with an optional note.
var confirmKind = behaviour{
	kind:    plan.KindConfirm,
	met:     func(_ *state, s *step) bool { return s.confirmed },
	missing: func(_ *state, s *step) plan.Text { return s.Label },
	updates: []namedUpdate{{plan.ActConfirm, confirm}},
}

func confirm(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActConfirm, func(ctx workflow.Context, _ plan.Actor, c plan.Confirmation) plan.Problems {
		s, ps := r.target(plan.KindConfirm, c.Step)
		switch {
		case ps != nil:
			return ps
		case s.confirmed:
			return plan.Rejected("%s is al bevestigd", "%s was already confirmed", s.Label)
		}
		return r.notOpenYet(ctx, s)
	}, func(ctx workflow.Context, actor plan.Actor, c plan.Confirmation) {
		s, _ := r.target(plan.KindConfirm, c.Step)
		s.confirmed = true
		what := plan.T("bevestigd", "confirmed")
		if c.Note != "" {
			what = plan.F("bevestigd: %s", "confirmed: %s", c.Note)
		}
		r.progress(ctx, s.firstLine(), actor, true, what)
	})
}
