package rollout

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Client starts rollouts, sends them actions and reads them, on behalf of
// one actor, whom every action it sends records.
type Client struct {
	T     client.Client
	Actor plan.Actor
	// Converter decodes what the client reads from histories itself (a
	// rollout's input); it must be the one T was dialed with. Nil: the SDK's
	// default.
	Converter converter.DataConverter
}

// New is a client acting as actor.
func New(c client.Client, actor plan.Actor) *Client { return &Client{T: c, Actor: actor} }

var (
	// ErrNotFound: no rollout (or cohort) with that ID ever ran.
	ErrNotFound = errors.New("no such rollout")
	// ErrEnded: the workflow has ended; nothing more can be recorded.
	ErrEnded = errors.New("the rollout has ended")
	// ErrNoCohort: the rollout's cohort is not running (not started yet, or over).
	ErrNoCohort = errors.New("the cohort is not running")
	// ErrAlreadyRuns: a rollout for the municipality runs in the wave.
	ErrAlreadyRuns = errors.New("already runs")
)

// RejectedError is an action the workflow's validator refused: nothing was
// recorded, and the problems say what is expected instead.
type RejectedError struct {
	WorkflowID string
	Action     string
	Problems   plan.Problems
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s rejected by %s: %s", e.Action, e.WorkflowID, e.Problems.In(plan.EN))
}

// Start starts a rollout and returns its workflow ID; a rollout that already
// runs for the municipality in the wave is ErrAlreadyRuns.
func (c *Client) Start(ctx context.Context, in Input) (string, error) {
	opts := StartOptions(in)
	_, err := c.T.ExecuteWorkflow(ctx, opts, RolloutWorkflowType, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return opts.ID, fmt.Errorf("rollout %s: %w", opts.ID, ErrAlreadyRuns)
	}
	if err != nil {
		return opts.ID, fmt.Errorf("start rollout %s: %w", opts.ID, err)
	}
	return opts.ID, nil
}

// Status reads a rollout's (or a cohort's) status; one that never ran is
// ErrNotFound.
func (c *Client) Status(ctx context.Context, id string) (Status, error) {
	var st Status
	v, err := c.T.QueryWorkflow(ctx, id, "", QueryStatus)
	if err != nil {
		if isNotFound(err) {
			return st, fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		return st, fmt.Errorf("status of %s: %w", id, err)
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("read the status of %s: %w", id, err)
	}
	return st, nil
}

// CohortOf reads the status of a rollout's cohort: nil before it started.
func (c *Client) CohortOf(ctx context.Context, st Status) (*Status, error) {
	if st.CohortID == "" {
		return nil, nil
	}
	cst, err := c.Status(ctx, st.CohortID)
	if err != nil {
		return nil, err
	}
	return &cst, nil
}

// Act sends an action to a rollout, or to its cohort for a cohort's action
// (and for an extension of a step the cohort waits on), and returns the
// status of the workflow it went to, read right after the action. A refusal
// is a *RejectedError with the validator's problems; an ended rollout is
// ErrEnded, a cohort that is not running ErrNoCohort, a rollout that never
// ran ErrNotFound.
func (c *Client) Act(ctx context.Context, rolloutID, action string, p plan.Payload) (Status, error) {
	target, _, err := c.Send(ctx, rolloutID, action, p)
	if err != nil {
		return Status{}, err
	}
	return c.Status(ctx, target)
}

// Send sends an action and waits for its Update to complete, without reading
// the status afterwards; it returns the workflow the action went to.
func (c *Client) Send(ctx context.Context, rolloutID, action string, p plan.Payload) (string, Receipt, error) {
	var receipt Receipt
	a, ok := plan.ActionNamed(action)
	if !ok {
		return "", receipt, fmt.Errorf("no action %q", action)
	}
	target, err := c.target(ctx, rolloutID, a, p)
	if err != nil {
		return target, receipt, err
	}
	h, err := c.T.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   target,
		UpdateName:   a.Name,
		Args:         []any{c.Actor, p},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &receipt)
	}
	if err != nil {
		return target, receipt, c.actError(ctx, target, target != rolloutID, a.Name, err)
	}
	return target, receipt, nil
}

// target is the workflow an action goes to.
func (c *Client) target(ctx context.Context, rolloutID string, a plan.Action, p plan.Payload) (string, error) {
	switch a.Target {
	case plan.ToCohort:
		return CohortWorkflowID(rolloutID), nil
	case plan.ToWaiting:
		ext, ok := p.(*plan.Extension)
		if !ok {
			return rolloutID, nil
		}
		st, err := c.Status(ctx, rolloutID)
		if err != nil || slices.Contains(st.WaitingOn, ext.Step) || st.CohortID == "" {
			return rolloutID, nil // the rollout's validator answers
		}
		if cst, err := c.Status(ctx, st.CohortID); err == nil && slices.Contains(cst.WaitingOn, ext.Step) {
			return st.CohortID, nil
		}
	}
	return rolloutID, nil
}

// actError explains why an action did not get through.
func (c *Client) actError(ctx context.Context, id string, cohort bool, action string, err error) error {
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr):
		var ps plan.Problems
		if appErr.Type() != ErrTypeRejected || appErr.Details(&ps) != nil || len(ps) == 0 {
			ps = plan.Rejected("%s", "%s", rootMessage(err))
		}
		return &RejectedError{WorkflowID: id, Action: action, Problems: ps}
	case isNotFound(err) && cohort:
		return fmt.Errorf("%s: %w", id, ErrNoCohort)
	case isNotFound(err):
		if c.exists(ctx, id) {
			return fmt.Errorf("%s: %w", id, ErrEnded)
		}
		return fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	return fmt.Errorf("%s on %s: %w", action, id, err)
}

// exists tells whether a workflow with the ID ever ran.
func (c *Client) exists(ctx context.Context, id string) bool {
	d, err := c.T.DescribeWorkflowExecution(ctx, id, "")
	return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// rootMessage is an error's innermost message: the validator's own words
// without the SDK's wrapping.
func rootMessage(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
