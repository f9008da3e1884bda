package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
)

// An amount step: commitments (toezeggingen) that together must cover the
// budget, as the funding works. When it opens, the party the plan names is
// asked for the money (funding-request).
var amountKind = behaviour{
	kind: plan.KindAmount,
	met:  func(_ *state, s *step) bool { return committed(s) >= s.BudgetCents },
	missing: func(_ *state, s *step) plan.Text {
		return plan.F("%s: %s toegezegd van %s", "%s: %s committed of %s", s.Label, mail.Euro(committed(s)), mail.Euro(s.BudgetCents))
	},
	opened:  askForMoney,
	updates: []namedUpdate{{plan.ActFunding, funding}},
}

func committed(s *step) int64 {
	var sum int64
	for _, c := range s.commitments {
		sum += c.AmountCents
	}
	return sum
}

func askForMoney(ctx workflow.Context, r *state, s *step) {
	if s.Ask == "" {
		return
	}
	w := r.in.Wave
	for _, to := range r.recipients(s.Ask) {
		d := r.dataFor(to)
		d.BudgetCents, d.GroupSize, d.AmountCents, d.Due = s.BudgetCents, w.PlannedGroup, w.CostPerParticipantCents, s.firstLine().Due
		r.email(ctx, "funding-request", s.ID, to, d)
	}
}

func funding(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActFunding, func(ctx workflow.Context, _ plan.Actor, c plan.Commitment) plan.Problems {
		s, ps := r.target(plan.KindAmount, c.Step)
		if ps != nil {
			return ps
		}
		return r.inPhase(s.Label, beforeStart...)
	}, func(ctx workflow.Context, actor plan.Actor, c plan.Commitment) {
		s, _ := r.target(plan.KindAmount, c.Step)
		s.commitments = append(s.commitments, c)
		from := fundingSource(c)
		r.progress(ctx, s.firstLine(), actor, committed(s) >= s.BudgetCents,
			plan.F("%s toegezegd door %s (totaal %s van %s)", "%s committed by %s (total %s of %s)", mail.Euro(c.AmountCents), from, mail.Euro(committed(s)), mail.Euro(s.BudgetCents)))
	})
}

func fundingSource(c plan.Commitment) plan.Text {
	var src plan.Text
	for _, ch := range plan.MustAction(plan.ActFunding).Field("source").Choices {
		if ch.Value == string(c.Source) {
			src = ch.Label
		}
	}
	if c.Name != "" {
		return plan.F("%s (%s)", "%s (%s)", src, c.Name)
	}
	return src
}
