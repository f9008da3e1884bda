package rollout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
)

// Run is how a rollout's current execution stands.
type Run struct {
	// FirstRunID is the run's first run ID, which a reset keeps: the outbox
	// and payments key on it.
	FirstRunID string
	Started    time.Time
	Running    bool
}

// Run describes a rollout's current execution; one that never ran is a Run
// that does not run.
func (c *Client) Run(ctx context.Context, id string) (Run, error) {
	d, err := c.T.DescribeWorkflowExecution(ctx, id, "")
	if isNotFound(err) {
		return Run{}, nil
	}
	if err != nil {
		return Run{}, fmt.Errorf("describe %s: %w", id, err)
	}
	x := d.GetWorkflowExecutionInfo()
	first := x.GetFirstRunId()
	if first == "" {
		first = x.GetExecution().GetRunId()
	}
	return Run{FirstRunID: first, Started: x.GetStartTime().AsTime(), Running: x.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING}, nil
}

// RolloutOf is the rollout a workflow ID belongs to: a cohort's rollout, or
// the rollout itself.
func RolloutOf(id string) string { return strings.TrimSuffix(id, "-cohort") }
