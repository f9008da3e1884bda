package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// purgeAt is when the daily purge runs, Dutch time: a quiet hour.
const purgeAt = 3

// EnsurePurgeSchedule creates the Temporal Schedule that purges e-mail
// bodies past their retention every night, unless it exists: every worker
// calls it at start, the first one creates it. The retention itself is the
// workers' setting (AMWAHT_OUTBOX_RETENTION_DAYS), read by the activity, so
// changing it needs no change to the schedule.
func EnsurePurgeSchedule(ctx context.Context, c client.Client, log *slog.Logger) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: rollout.PurgeScheduleID,
		Spec: client.ScheduleSpec{
			Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: purgeAt}}}},
			TimeZoneName: "Europe/Amsterdam",
			Jitter:       15 * time.Minute,
		},
		Action: &client.ScheduleWorkflowAction{
			ID:                       rollout.PurgeScheduleID,
			Workflow:                 rollout.PurgeWorkflowType,
			TaskQueue:                rollout.TaskQueue,
			WorkflowExecutionTimeout: time.Hour,
			StaticSummary:            "nightly purge of e-mail bodies past the retention",
		},
		Overlap:       enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: 24 * time.Hour,
		Note:          "created by the amwaht worker; AMWAHT_OUTBOX_RETENTION_DAYS sets the retention",
	})
	switch {
	case errors.Is(err, temporal.ErrScheduleAlreadyRunning):
		return nil
	case err != nil:
		return fmt.Errorf("create schedule %s: %w", rollout.PurgeScheduleID, err)
	}
	log.Info("created the nightly outbox purge", "schedule", rollout.PurgeScheduleID)
	return nil
}
