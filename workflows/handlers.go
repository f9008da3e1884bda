package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// update registers one action's Update on a workflow.
type update func(ctx workflow.Context, r *state) error

// on registers an action: validate refuses a wrong, late or out-of-phase
// action before it touches the history, with problems that say what is
// expected now; apply records it. Every action carries its actor.
func on[T plan.Payload](ctx workflow.Context, r *state, name string, validate func(workflow.Context, plan.Actor, T) plan.Problems, apply func(workflow.Context, plan.Actor, T)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, actor plan.Actor, v T) (rollout.Receipt, error) {
			apply(ctx, actor, v)
			r.changes++
			r.publish(ctx)
			return rollout.Receipt{RecordedAt: workflow.Now(ctx)}, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, actor plan.Actor, v T) error {
			if r.phase == plan.PhaseDone {
				return reject(plan.Rejected("de uitrol is afgerond (uitkomst: %s): er kan niets meer worden vastgelegd",
					"the rollout has ended (outcome %s): nothing more can be recorded", r.outcome.Label()))
			}
			if ps := actor.Check(); len(ps) > 0 {
				return reject(ps)
			}
			if ps := v.Check(); len(ps) > 0 {
				return reject(ps)
			}
			if ps := validate(ctx, actor, v); len(ps) > 0 {
				return reject(ps)
			}
			return nil
		}})
}

// reject is a validator's refusal: the problems travel to the caller as the
// error's details, and nothing is written to the history.
func reject(ps plan.Problems) error {
	return temporal.NewApplicationErrorWithOptions(ps.In(plan.EN), rollout.ErrTypeRejected, temporal.ApplicationErrorOptions{
		NonRetryable: true, Details: []any{ps},
	})
}

// register sets up the status query and every action the workflow takes,
// in the plan's order of actions.
func (r *state) register(ctx workflow.Context, target plan.Target) error {
	if err := workflow.SetQueryHandler(ctx, rollout.QueryStatus, func() (rollout.Status, error) { return r.status(), nil }); err != nil {
		return fmt.Errorf("register the status query: %w", err)
	}
	var errs []error
	for _, a := range plan.Actions() {
		if a.Target != target && a.Target != plan.ToWaiting {
			continue
		}
		u := updates(target)[a.Name]
		if u == nil {
			errs = append(errs, fmt.Errorf("no handler for action %s", a.Name))
			continue
		}
		errs = append(errs, u(ctx, r))
	}
	errs = append(errs, undelivered(ctx, r))
	return errors.Join(errs...)
}

// updates maps each action a workflow takes to its handler: a kind's own
// actions, and those on the rollout as a whole.
func updates(target plan.Target) map[string]update {
	out := map[string]update{plan.ActExtend: extend}
	if target == plan.ToCohort {
		out[plan.ActProgress], out[plan.ActPeerGroup], out[plan.ActGraduates] = progressReport, peerGroup, graduates
		return out
	}
	out[plan.ActApply], out[plan.ActCancel], out[plan.ActContact], out[plan.ActPostpone] = apply, cancel, contact, postpone
	for _, b := range behaviours {
		for _, u := range b.updates {
			out[u.action] = u.register
		}
	}
	return out
}

// inPhase refuses an action outside the phases it belongs to.
func (r *state) inPhase(what plan.Text, phases ...plan.Phase) plan.Problems {
	for _, p := range phases {
		if p == r.phase {
			return nil
		}
	}
	names := make([]plan.Text, len(phases))
	for i, p := range phases {
		names[i] = p.Label()
	}
	return plan.Rejected("%s wordt vastgelegd in de fase %s; de uitrol is in de fase %s", "%s is recorded in phase %s; the rollout is in phase %s",
		what, plan.JoinOr(names), r.phase.Label())
}

var beforeStart = []plan.Phase{plan.PhaseProducerCourse, plan.PhasePreparation, plan.PhaseStart}

// target finds the step of a kind an action is for: the one it names, or
// the only one of its kind.
func (r *state) target(k plan.KindName, id string) (*step, plan.Problems) {
	steps := r.ofKind(k)
	if id != "" {
		for _, s := range steps {
			if s.ID == id {
				return s, nil
			}
		}
		return nil, plan.RejectedField("step", "de uitrol heeft geen %s-stap %q; wel: %s", "the rollout has no %s step %q; it has: %s", k, id, stepIDs(steps))
	}
	if len(steps) == 1 {
		return steps[0], nil
	}
	return nil, plan.RejectedField("step", "welke stap? kies uit: %s", "which step? one of: %s", stepIDs(steps))
}

func stepIDs(steps []*step) string {
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = s.ID
	}
	if len(ids) == 0 {
		return "—"
	}
	return strings.Join(ids, ", ")
}

// extend lets staff move a waiting line's due date (both workflows).
func extend(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActExtend, func(ctx workflow.Context, _ plan.Actor, e plan.Extension) plan.Problems {
		l := r.line(e.Step)
		switch {
		case l == nil || !l.Waiting():
			return plan.RejectedField("step", "stap %q staat niet open; open staan: %s", "no waiting step %q; waiting on: %s", e.Step, strings.Join(r.status().WaitingOn, ", "))
		case l.Name == "start":
			return plan.RejectedField("step", "de start verschuift met uitstel (postpone), niet met een nieuwe uiterste datum", "the start moves by a postponement (postpone), not an extension")
		case !e.Due.After(l.Due) || !e.Due.After(workflow.Now(ctx)):
			return plan.RejectedField("due", "de nieuwe uiterste datum moet na de huidige (%s) en in de toekomst liggen", "the new due date must be later than the current one (%s) and in the future", mail.DutchDateTime(l.Due))
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, e plan.Extension) {
		l := r.line(e.Step)
		l.Due = e.Due
		r.record(ctx, l, &actor, plan.F("uiterste datum verschoven: %s", "due date extended: %s", e.Reason))
	})
}

// cancel stops the rollout on staff's word, at any phase.
func cancel(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActCancel, func(ctx workflow.Context, _ plan.Actor, c plan.Cancellation) plan.Problems {
		if r.cancelled != nil {
			return plan.Rejected("de uitrol wordt al geannuleerd", "the rollout is already being cancelled")
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, c plan.Cancellation) {
		r.cancelled = &c
		r.cancelledBy = actor
	})
}

// contact corrects a party's e-mail address; undeliverable e-mails go again.
func contact(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActContact, func(ctx workflow.Context, _ plan.Actor, c plan.ContactCorrection) plan.Problems {
		switch {
		case c.Party == plan.PartyProducer && r.producer == nil:
			return plan.RejectedField("party", "er heeft zich nog geen producent aangemeld", "no producer has applied yet")
		case c.Party == plan.PartyTeacher && r.teacherIndex(c.Teacher) < 0:
			return plan.RejectedField("teacher", "er is geen docent %q aangemeld", "no teacher %q was put forward", c.Teacher)
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, c plan.ContactCorrection) {
		switch c.Party {
		case plan.PartyMunicipality:
			r.in.Contact.Email = c.Email
		case plan.PartyProducer:
			r.producer.ContactEmail = c.Email
		case plan.PartyTeacher:
			r.teachers[r.teacherIndex(c.Teacher)].Email = c.Email
		}
		r.retryFailedMail(ctx, actor, c)
	})
}
