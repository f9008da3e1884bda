package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// Registry is where workflows are registered: a worker, a replayer or a
// test environment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register puts the rollout's workflows on a registry under the contract's
// type names.
func Register(r Registry) {
	r.RegisterWorkflowWithOptions(RolloutWorkflow, workflow.RegisterOptions{Name: rollout.RolloutWorkflowType})
	r.RegisterWorkflowWithOptions(CohortWorkflow, workflow.RegisterOptions{Name: rollout.CohortWorkflowType})
	r.RegisterWorkflowWithOptions(OutboxPurgeWorkflow, workflow.RegisterOptions{Name: rollout.PurgeWorkflowType})
}
