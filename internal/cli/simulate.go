package cli

import (
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/workflows"
)

func newSimulate(e *env) *cobra.Command {
	var waveName string
	var codes []string
	var poll time.Duration
	cmd := &cobra.Command{
		Use:   "simulate --wave demo [--municipality CODE …]",
		Short: "Play staff and producers through running demo rollouts",
		Long: `A scripted actor for demos: it sends the same staff actions a person would
(application, attendance, teacher, funding, enrolment, location, internship
places, progress reports, graduates) to the running rollouts of a wave, with
variation: the first rollout is short of funding at the start and gets a
postponement, the second gets no producer, the third misses a producer course
day and makes it up; the others graduate. It runs until every rollout ended.
Plain staff commands keep working beside it.`,
		Example: "  starter simulate --wave demo\n  starter simulate --wave demo -m GM0344 -m GM0363",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			var ids []string
			for _, code := range codes {
				m, err := lookupMunicipality(code)
				if err != nil {
					return err
				}
				ids = append(ids, workflows.WorkflowID(waveName, m.Code))
			}
			if len(ids) == 0 {
				xs, err := listExecutions(e, fmt.Sprintf("WorkflowType = 'RolloutWorkflow' AND %s = %s AND ExecutionStatus = 'Running'", workflows.AttrWave.GetName(), quote(waveName)))
				if err != nil {
					return fmt.Errorf("list rollouts of wave %s: %w", waveName, err)
				}
				for _, x := range xs {
					ids = append(ids, x.GetExecution().GetWorkflowId())
				}
				sort.Strings(ids)
			}
			if len(ids) == 0 {
				return withCode(ExitNotFound, fmt.Errorf("no running rollouts in wave %s: start some with 'starter start --wave %s …'", waveName, waveName))
			}
			variants := make([]simulate.Variant, len(ids))
			for i := range ids {
				variants[i] = simulate.VariantFor(i)
				fmt.Fprintf(e.out, "simulate: %s plays %s\n", ids[i], variants[i])
			}
			return (&simulate.Actor{C: c, Out: e.out, Poll: poll}).Run(e.ctx, ids, variants)
		},
	}
	cmd.Flags().StringVarP(&waveName, "wave", "w", "demo", "wave whose rollouts to play")
	cmd.Flags().StringSliceVarP(&codes, "municipality", "m", nil, "only these municipalities (repeatable); default all running rollouts of the wave")
	cmd.Flags().DurationVar(&poll, "poll", 300*time.Millisecond, "how often to look at each rollout")
	return cmd
}
