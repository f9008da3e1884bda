package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// handleQueriesAndUpdates registers the status query and the staff actions.
// Every action's validator rejects a late, duplicate or malformed action
// before it touches the history, with a message that says what is expected.
func (r *rollout) handleQueriesAndUpdates(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return r.status(), nil }); err != nil {
		return fmt.Errorf("register status query: %w", err)
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateApply,
		func(ctx workflow.Context, a ProducerApplication) (Status, error) {
			kind, _ := ParseProducerKind(string(a.Kind))
			a.Kind = kind
			r.producer = &Producer{ProducerApplication: a, AppliedAt: workflow.Now(ctx)}
			r.done(ctx, r.step("application"), fmt.Sprintf("%s applied", a.Organisation))
			r.publish(ctx)
			return r.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a ProducerApplication) error {
			if r.producer != nil {
				return fmt.Errorf("a producer already applied for %s: %s (%s); a rollout has one producer",
					r.in.Municipality.Name, r.producer.Organisation, r.producer.Kind)
			}
			if r.phase != PhaseApplication {
				return fmt.Errorf("the rollout is in phase %q, applications are taken only in phase %q", r.phase, PhaseApplication)
			}
			if now := workflow.Now(ctx); now.After(r.in.Wave.ApplicationDeadline) {
				return fmt.Errorf("too late: the application deadline was %s", mail.DutchDateTime(r.in.Wave.ApplicationDeadline))
			}
			if err := a.Validate(); err != nil {
				return fmt.Errorf("application not valid: %w", err)
			}
			return nil
		}})
}
