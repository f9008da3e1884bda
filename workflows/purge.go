package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
)

// OutboxPurgeWorkflow blanks the bodies of e-mails sent longer ago than the
// retention (activities.PurgeOutbox). A Temporal Schedule, which the worker
// ensures at start (rollout.PurgeScheduleID), starts it daily.
func OutboxPurgeWorkflow(ctx workflow.Context) (activities.PurgeResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		Summary:             "purge e-mail bodies past the retention",
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 30 * time.Second, MaximumInterval: 10 * time.Minute, MaximumAttempts: 10},
	})
	var a *activities.Activities
	var res activities.PurgeResult
	if err := workflow.ExecuteActivity(actx, a.PurgeOutbox).Get(ctx, &res); err != nil {
		return res, fmt.Errorf("purge the outbox: %w", err)
	}
	return res, nil
}
