package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// A count step: a reported number of at least the minimum (the internship
// places). A new report replaces the last while the step waits; the
// practicum, which may need the step, hears when it is done.
var countKind = behaviour{
	kind: plan.KindCount,
	met:  func(_ *state, s *step) bool { return s.counted && s.count >= s.Minimum },
	missing: func(_ *state, s *step) plan.Text {
		return plan.F("%s: %d doorgegeven, minimaal %d", "%s: %d reported, at least %d", s.Label, s.count, s.Minimum)
	},
	after:   func(ctx workflow.Context, r *state, s *step) { r.tellCohort(ctx, s.ID) },
	updates: []namedUpdate{{plan.ActCount, count}},
}

func count(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActCount, func(ctx workflow.Context, _ plan.Actor, c plan.CountReport) plan.Problems {
		s, ps := r.target(plan.KindCount, c.Step)
		switch {
		case ps != nil:
			return ps
		case s.counted && s.count >= s.Minimum:
			return plan.Rejected("%s is al vastgelegd: %d", "%s was already recorded: %d", s.Label, s.count)
		case c.Count > s.Maximum:
			return plan.RejectedField("count", "%s: ten hoogste %d", "%s: at most %d", s.Label, s.Maximum)
		case c.Count < 1:
			return plan.RejectedField("count", "%s: geef een aantal van 1 tot %d", "%s: give a number from 1 to %d", s.Label, s.Maximum)
		}
		if ps := r.inPhase(s.Label, plan.PhaseProducerCourse, plan.PhasePreparation, plan.PhaseStart, plan.PhaseCohort); ps != nil {
			return ps
		}
		return r.notOpenYet(ctx, s)
	}, func(ctx workflow.Context, actor plan.Actor, c plan.CountReport) {
		s, _ := r.target(plan.KindCount, c.Step)
		s.count, s.counted = c.Count, true
		r.progress(ctx, s.firstLine(), actor, c.Count >= s.Minimum, plan.F("%d doorgegeven (minimaal %d)", "%d reported (at least %d)", c.Count, s.Minimum))
	})
}
