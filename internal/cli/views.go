package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/wave"
	"github.com/stichtingbmp/amwaht/workflows"
)

func newStatus(e *env) *cobra.Command {
	var ref rolloutRef
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status CODE --wave WAVE [--json]",
		Short: "Show where a municipality's rollout stands",
		Long: `Show a rollout's phase, producer and every step with its state (pending,
done, overdue, waived, cancelled), due date and last action. --json prints the
workflow's status query result (fields: workflowId, municipality, wave, phase,
outcome, producer, steps[], waitingOn[], stalled, dueAt).`,
		Example: `  starter status GM0344 --wave demo
  starter status GM0344 --wave demo --json | jq .steps`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, id, err := ref.resolve(args[0])
			if err != nil {
				return err
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			v, err := c.QueryWorkflow(e.ctx, id, "", workflows.QueryStatus)
			if err != nil {
				return notFound(err, m, ref.wave, id)
			}
			var st workflows.Status
			if err := v.Get(&st); err != nil {
				return fmt.Errorf("read status of %s: %w", id, err)
			}
			if asJSON {
				return writeJSON(e.out, st)
			}
			printStatus(e.out, st)
			fmt.Fprintf(e.out, "\nWeb UI: %s\n", workflowLink(namespace(), id))
			return nil
		},
	}
	ref.flags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printStatus(w io.Writer, st workflows.Status) {
	fmt.Fprintf(w, "%s (%s, %s), wave %s\n", st.Municipality.Name, st.Municipality.Code, st.Municipality.Province, st.Wave)
	fmt.Fprintf(w, "Phase:    %s\n", st.Phase)
	if st.Outcome != "" {
		fmt.Fprintf(w, "Outcome:  %s\n", st.Outcome)
	}
	if st.Producer != nil {
		fmt.Fprintf(w, "Producer: %s (%s), contact %s <%s>\n", st.Producer.Organisation, st.Producer.Kind, st.Producer.ContactName, st.Producer.ContactEmail)
	}
	if st.Stalled {
		fmt.Fprintln(w, "STALLED:  an awaited step is overdue or has a problem")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tWHO ACTS\tSTATE\tDUE\tLAST ACTION")
	for _, s := range st.Steps {
		state := string(s.State)
		if s.Problem != "" {
			state += " (" + s.Problem + ")"
		}
		last := s.LastAction
		if !s.LastActionAt.IsZero() {
			last = fmt.Sprintf("%s (%s)", s.LastAction, s.LastActionAt.Local().Format("2006-01-02 15:04:05"))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Label, s.Party, state, s.Due.Local().Format("2006-01-02 15:04:05"), last)
	}
	tw.Flush()
}

func newMunicipalities(e *env) *cobra.Command {
	var province string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "municipalities [--province NAME] [--json]",
		Short:   "List the municipalities and their CBS codes",
		Example: "  starter municipalities --province Utrecht",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list := municipality.All()
			if province != "" {
				var err error
				if list, err = municipality.InProvince(province); err != nil {
					return withCode(ExitNotFound, err)
				}
			}
			if asJSON {
				return writeJSON(e.out, list)
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CODE\tNAME\tPROVINCE")
			for _, m := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Code, m.Name, m.Province)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&province, "province", "", "only this province")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newWaves(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "waves [--json]",
		Short: "Show the built-in waves' calendars",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := wave.Wave2012()
			if asJSON {
				return writeJSON(e.out, w)
			}
			fmt.Fprintln(e.out, "Wave 2012 (the brochure's calendar; the demo wave is the same, starting now, one day per second):")
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			row := func(what string, t time.Time) {
				fmt.Fprintf(tw, "  %s\t%s\n", what, t.In(wave.Amsterdam).Format("Mon 2 Jan 2006 15:04"))
			}
			row("producer application deadline", w.ApplicationDeadline)
			for i, d := range w.ProducerCourse {
				row(fmt.Sprintf("producer course day %d (%s)", i+1, d.Place), d.Date)
			}
			row("teacher registration deadline", w.TeacherDeadline)
			for _, d := range w.TeacherCourse {
				row(fmt.Sprintf("teacher course, %d half-days (%s)", d.HalfDays, d.Place), d.Date)
			}
			row("intended start", w.IntendedStart)
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
