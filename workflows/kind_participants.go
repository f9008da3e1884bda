package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Participants enrolled by ID only (their details never enter the
// history), at least the minimum group.
var participantsKind = behaviour{
	kind: plan.KindParticipants,
	met:  func(r *state, s *step) bool { return len(r.participants) >= s.Minimum },
	missing: func(r *state, s *step) plan.Text {
		return plan.F("deelnemers: %d ingeschreven, minimaal %d nodig", "participants: %d enrolled, at least %d needed", len(r.participants), s.Minimum)
	},
	updates: []namedUpdate{{plan.ActEnrol, enrol}},
}

func enrol(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActEnrol, func(ctx workflow.Context, _ plan.Actor, e plan.Enrolment) plan.Problems {
		s, ps := r.target(plan.KindParticipants, "")
		if ps != nil {
			return ps
		}
		if ps := r.inPhase(plan.T("een inschrijving", "an enrolment"), beforeStart...); ps != nil {
			return ps
		}
		for _, id := range e.ParticipantIDs {
			if slices.Contains(r.participants, id) {
				return plan.RejectedField("participantIds", "deelnemer %s is al ingeschreven", "participant %s is already enrolled", id)
			}
		}
		if n := len(r.participants) + len(e.ParticipantIDs); n > s.Maximum {
			return plan.RejectedField("participantIds", "de groep zou %d deelnemers hebben; ten hoogste %d", "the group would have %d participants; at most %d", n, s.Maximum)
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, e plan.Enrolment) {
		s, _ := r.target(plan.KindParticipants, "")
		r.participants = append(r.participants, e.ParticipantIDs...)
		r.progress(ctx, s.firstLine(), actor, len(r.participants) >= s.Minimum,
			plan.F("%d ingeschreven (totaal %d, minimaal %d)", "%d enrolled (total %d, at least %d)", len(e.ParticipantIDs), len(r.participants), s.Minimum))
	})
}
