package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/simulate"
)

func newSimulate(e *env) *cobra.Command {
	var waveName string
	var codes []string
	var poll time.Duration
	cmd := &cobra.Command{
		Use:   "simulate --wave demo [--municipality CODE …]",
		Short: "Play staff and producers through running demo rollouts",
		Long: `A scripted actor for demos: it sends the same actions a person would
(application, attendance, teacher, funding, enrolment, location, internship
places, confirmations, progress reports, graduates), drawn from each step's
kind, to the running rollouts of a wave, with variation: the first rollout is
short of funding at the start and gets a postponement, the second gets no
producer, the third misses a producer course day and makes it up; the others
graduate. It runs until every rollout ended. Plain staff commands keep
working beside it.

It plays only compressed waves (demo, or a rehearsal of a wave file started
with --day-length): on a real wave it would invent producers and funding, pay
premiums and send real e-mails, so it refuses (exit 2) before sending anything.`,
		Example: "  starter simulate --wave demo\n  starter simulate --wave demo -m GM0344 -m GM0363",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !rollout.ValidWaveName(waveName) {
				return usageErr("--wave %q: a wave's name is 1 to 20 letters, digits or hyphens", waveName)
			}
			rc, err := e.rollouts()
			if err != nil {
				return err
			}
			rc.Actor = simulate.Player
			var ids []string
			for _, code := range codes {
				m, err := lookupMunicipality(code)
				if err != nil {
					return err
				}
				ids = append(ids, rollout.WorkflowID(waveName, m.Code))
			}
			if len(ids) == 0 {
				rows, err := rc.List(e.ctx, rollout.Filter{Wave: waveName, Running: true})
				if err != nil {
					return fmt.Errorf("list rollouts of wave %s: %w", waveName, err)
				}
				for _, r := range rows {
					ids = append(ids, r.WorkflowID)
				}
			}
			if len(ids) == 0 {
				return withCode(ExitNotFound, fmt.Errorf("%s", e.t("geen lopende uitrollen in ronde %s: start er een paar met 'starter start --wave %s …'",
					"no running rollouts in wave %s: start some with 'starter start --wave %s …'", waveName, waveName)))
			}
			variants := make([]simulate.Variant, len(ids))
			for i := range ids {
				variants[i] = simulate.VariantFor(i)
				fmt.Fprintf(e.out, "simulate: %s plays %s\n", ids[i], variants[i])
			}
			err = (&simulate.Actor{C: rc, Out: e.out, Poll: poll}).Run(e.ctx, ids, variants)
			if errors.Is(err, simulate.ErrRealWave) {
				return withCode(ExitUsage, err)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&waveName, "wave", "w", "demo", "wave whose rollouts to play")
	cmd.Flags().StringSliceVarP(&codes, "municipality", "m", nil, "only these municipalities (repeatable); default all running rollouts of the wave")
	cmd.Flags().DurationVar(&poll, "poll", 300*time.Millisecond, "how often to look at each rollout")
	return cmd
}
