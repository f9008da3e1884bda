package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// RolloutPhases are the rollout phases counted on /metrics. "done" is
// counted too: a rollout sits in it briefly between its last step and its
// completion.
var RolloutPhases = plan.Phases

// WorkflowCounter is the part of client.Client the collector needs.
type WorkflowCounter interface {
	CountWorkflow(ctx context.Context, request *workflowservice.CountWorkflowExecutionsRequest) (*workflowservice.CountWorkflowExecutionsResponse, error)
}

// PhaseQuery is the visibility query counting running rollouts in a phase.
func PhaseQuery(p plan.Phase) string {
	return fmt.Sprintf("%s = %s AND ExecutionStatus = 'Running'", rollout.AttrPhase.GetName(), rollout.Quote(string(p)))
}

// StalledQuery counts running rollouts with a stalled step.
func StalledQuery() string {
	return fmt.Sprintf("%s = true AND ExecutionStatus = 'Running'", rollout.AttrStalled.GetName())
}

// queryTimeout bounds one round of counts, so a slow visibility store
// cannot pile rounds up behind each other.
const queryTimeout = 20 * time.Second

// CountRollouts runs the visibility queries once and sets the rollout gauges.
// A round is all or nothing: on any error the gauges keep their previous
// values (with amwaht_rollout_count_timestamp_seconds telling their age)
// rather than mixing old and new counts.
func (t *Telemetry) CountRollouts(ctx context.Context, c WorkflowCounter) error {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	counts, stalled, err := countRollouts(ctx, c)
	if err != nil {
		t.countErrors.Inc()
		return err
	}
	for i, p := range RolloutPhases {
		t.rollouts.WithLabelValues(string(p)).Set(float64(counts[i]))
	}
	t.stalled.Set(float64(stalled))
	t.lastCount.SetToCurrentTime()
	return nil
}

// countRollouts asks for the running rollouts per phase, in the order of
// RolloutPhases, and the stalled ones.
func countRollouts(ctx context.Context, c WorkflowCounter) (counts []int64, stalled int64, err error) {
	count := func(query string) (int64, error) {
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		return resp.GetCount(), err
	}
	counts = make([]int64, len(RolloutPhases))
	for i, p := range RolloutPhases {
		if counts[i], err = count(PhaseQuery(p)); err != nil {
			return nil, 0, fmt.Errorf("count rollouts in phase %s: %w", p, err)
		}
	}
	if stalled, err = count(StalledQuery()); err != nil {
		return nil, 0, fmt.Errorf("count stalled rollouts: %w", err)
	}
	return counts, stalled, nil
}

// RunRolloutCounter counts rollouts now and then every interval until ctx
// ends. Every worker runs it and reports the same namespace-wide numbers;
// aggregate them with max(), not sum() (see the README, "Metrics, health and logs").
func (t *Telemetry) RunRolloutCounter(ctx context.Context, c WorkflowCounter, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := t.CountRollouts(ctx, c); err != nil && ctx.Err() == nil {
			log.Warn("counting rollouts for metrics failed; gauges keep their last values", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
