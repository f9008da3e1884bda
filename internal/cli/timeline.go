package cli

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/timeline"
)

func newTimeline(e *env) *cobra.Command {
	var ref rolloutRef
	var out string
	cmd := &cobra.Command{
		Use:   "timeline CODE --wave WAVE [--out FILE.svg]",
		Short: "Draw a rollout as an SVG timeline: planned and actual dates, stalls, today",
		Long: `Draw a rollout (and its cohort, once started) as an SVG timeline, one row per
step: the planned date (the step's due date from the wave calendar, a hollow
diamond), the actual date (its last action, a dot: green on time, orange
late), stalled steps in red from when they stalled until now, and vertical
lines for the planned start, the actual start and today. Hovering a mark
shows its exact date. Times are Dutch (Europe/Amsterdam). --out - writes
to standard output.`,
		Example: "  starter timeline GM0344 --wave demo --out utrecht.svg",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, id, st, err := ref.status(e, args[0])
			if err != nil {
				return err
			}
			rc, err := e.rollouts()
			if err != nil {
				return err
			}
			cohort, _ := rc.CohortOf(e.ctx, st) // drawn without the cohort when it does not answer
			var buf bytes.Buffer
			if err := timeline.Render(&buf, st, cohort, time.Now(), e.lang); err != nil {
				return err
			}
			if out == "" {
				out = id + ".svg"
			}
			if out == "-" {
				_, err := e.out.Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			fmt.Fprintln(e.out, e.t("%s geschreven: %s, ronde %s, %d stappen.", "Wrote %s: %s, wave %s, %d steps.", out, m, ref.wave, timeline.Lines(st, cohort)))
			return nil
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVarP(&out, "out", "o", "", "SVG file to write (default <workflow ID>.svg; - for standard output)")
	return cmd
}
