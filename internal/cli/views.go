package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/mail"
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
		Long: `Show a rollout's phase, producer, what was recorded (funding, participants,
teachers, location, internship places, handbook) and every step with its
state (pending, done, overdue, waived, cancelled), due date and last action.
Once the cohort runs, its phase and steps follow (the status of the child
workflow rollout-<wave>-<GM>-cohort).

--json prints the workflow's status query result:
  {"workflowId", "municipality": {"code", "name", "province"}, "wave", "phase",
   "outcome", "producer": {"organisation", "kind", "contactName", "contactEmail", "appliedAt"},
   "steps": [{"name", "label", "party", "state", "due", "stalledSince", "problem",
              "lastAction", "lastActionAt"}],
   "waitingOn": [], "stalled", "dueAt",
   "teachers": [{"id", "name", "halfDays", "complete"}], "committedCents",
   "budgetCents", "participants", "minimumGroup", "location": {"name", "place"},
   "internships", "handbook", "plannedStart", "dayLength" (nanoseconds),
   "startedAt", "cohortId",
   "cohort": {the same fields, for the cohort; only once it started}}
Empty optional fields (outcome, producer, stalledSince, problem, location, …)
are left out.`,
		Example: `  starter status GM0344 --wave demo
  starter status GM0344 --wave demo --json | jq .steps`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, id, st, err := ref.status(e, args[0])
			if err != nil {
				return err
			}
			cohort, err := cohortStatus(e, st)
			if err != nil {
				fmt.Fprintf(e.errOut, "warning: status of the cohort %s: %v\n", st.CohortID, err)
			}
			if asJSON {
				return writeJSON(e.out, statusJSON{Status: st, Cohort: cohort})
			}
			printStatus(e.out, st)
			if cohort != nil {
				fmt.Fprintf(e.out, "\nCohort %s: phase %s", cohort.WorkflowID, cohort.Phase)
				if cohort.Outcome != "" {
					fmt.Fprintf(e.out, ", outcome %s", cohort.Outcome)
				}
				if cohort.Stalled {
					fmt.Fprint(e.out, ", STALLED")
				}
				fmt.Fprintln(e.out)
				printSteps(e.out, cohort.Steps)
			}
			fmt.Fprintf(e.out, "\nWeb UI: %s\n", workflowLink(namespace(), id))
			if cohort != nil {
				fmt.Fprintf(e.out, "Cohort: %s\n", workflowLink(namespace(), cohort.WorkflowID))
			}
			return nil
		},
	}
	ref.flags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// cohortStatus is the status of a rollout's cohort: nil before the cohort
// starts, or when it does not answer (with the error).
func cohortStatus(e *env, st workflows.Status) (*workflows.Status, error) {
	if st.CohortID == "" {
		return nil, nil
	}
	cst, err := queryStatus(e, st.CohortID)
	if err != nil {
		return nil, err
	}
	return &cst, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeRows prints a listing: with --json an array of the rows; otherwise a
// table (the header, a line per row) and the count ("3 rollouts."), or none
// when there are no rows.
func writeRows[R any](w io.Writer, asJSON bool, rows []R, none, header, noun string, line func(R) string) error {
	if asJSON {
		if rows == nil {
			rows = []R{}
		}
		return writeJSON(w, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, none)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, line(r))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d %s.\n", len(rows), noun)
	return nil
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
	if line := recordedLine(st); line != "" {
		fmt.Fprintf(w, "Recorded: %s\n", line)
	}
	if !st.StartedAt.IsZero() {
		fmt.Fprintf(w, "Started:  %s\n", when(st.StartedAt))
	} else if !st.PlannedStart.IsZero() && st.Phase != workflows.PhaseDone {
		fmt.Fprintf(w, "Start:    planned %s\n", when(st.PlannedStart))
	}
	fmt.Fprintln(w)
	printSteps(w, st.Steps)
}

// statusJSON is status --json: the rollout's status with its cohort's.
type statusJSON struct {
	workflows.Status
	Cohort *workflows.Status `json:"cohort,omitempty"`
}

// recordedLine sums up what staff recorded for the preparation.
func recordedLine(st workflows.Status) string {
	if st.BudgetCents == 0 {
		return "" // a cohort's status
	}
	parts := []string{
		fmt.Sprintf("funding %s of %s", mail.Euro(st.CommittedCents), mail.Euro(st.BudgetCents)),
		fmt.Sprintf("%d participants (minimum %d)", st.Participants, st.MinimumGroup),
	}
	for _, t := range st.Teachers {
		parts = append(parts, fmt.Sprintf("teacher %s (%s) %d half-days%s", t.ID, t.Name, t.HalfDays, map[bool]string{true: ", complete", false: ""}[t.Complete]))
	}
	if st.Location != nil {
		parts = append(parts, fmt.Sprintf("location %s, %s", st.Location.Name, st.Location.Place))
	}
	if st.Internships > 0 {
		parts = append(parts, fmt.Sprintf("%d internship places", st.Internships))
	}
	if st.Handbook {
		parts = append(parts, "handbook handed out")
	}
	return strings.Join(parts, "; ")
}

// printSteps writes a workflow's steps as a table.
func printSteps(w io.Writer, steps []workflows.Step) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tWHO ACTS\tSTATE\tDUE\tLAST ACTION")
	for _, s := range steps {
		state := string(s.State)
		if s.Problem != "" {
			state += " (" + s.Problem + ")"
		}
		last := s.LastAction
		if !s.LastActionAt.IsZero() {
			last = fmt.Sprintf("%s (%s)", s.LastAction, s.LastActionAt.Local().Format(time.DateTime))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Label, s.Party, state, s.Due.Local().Format(time.DateTime), last)
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
	var file string
	cmd := &cobra.Command{
		Use:   "waves [--file wave.json] [--json]",
		Short: "Show the built-in waves' calendars, or check a wave file and show its calendar",
		Long: `Without --file: the built-in waves, 2012 (the brochure's calendar) and demo
(the same calendar starting now, compressed).

--file checks a wave defined in a file, as 'starter start --wave-file' would
use it, and shows its calendar the same way; every problem is listed, each
naming its field (exit 2). The file is a JSON object in Dutch time, e.g.

  {"name": "2013", "opens": "2013-01-14 09:00", "applicationDeadline": "2013-03-01",
   "producerCourse": [{"date": "2013-03-22 10:00", "end": "16:00", "place": "Utrecht", "halfDays": 2}, …],
   "teacherDeadline": "2013-05-31",
   "teacherCourse": [{"date": "2013-06-20 10:00", "end": "21:00", "place": "Soesterberg", "halfDays": 2, "overnight": true}, …],
   "fundingDue": "2013-08-23", "recruitmentDue": "2013-08-16", "locationDue": "2013-08-23",
   "intendedStart": "2013-09-02 09:00"}

A deadline or due date given as YYYY-MM-DD lasts until the end of that day.
Optional, with the 2012 wave's values as defaults: plannedGroup, minimumGroup,
costPerParticipant and premium (euros), modules ([{"name", "days",
"practicum"}], the practicum last), reminderDays, attendanceGraceDays,
internshipLeadDays, reportEveryDays, reportGraceDays, graduationGraceDays.
The name (1 to 20 letters, digits or hyphens; not 2012 or demo) is the
--wave of every later command.

--json prints the calendar as rollouts receive it (times in UTC, durations in
nanoseconds).`,
		Example: `  starter waves
  starter waves --file wave-2013.json
  starter waves --file wave-2013.json --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := wave.Wave2012()
			heading := "Wave 2012 (the brochure's calendar; the demo wave is the same, starting now, one day per second):"
			if file != "" {
				var err error
				if w, err = loadWaveFile(file, ""); err != nil {
					return err
				}
				heading = fmt.Sprintf("Wave %s (from %s; Dutch time):", w.Name, file)
			}
			if asJSON {
				return writeJSON(e.out, w)
			}
			fmt.Fprintln(e.out, heading)
			if err := printCalendar(e.out, w); err != nil {
				return err
			}
			if file != "" {
				fmt.Fprintf(e.out, "\nThe file is valid. Start rollouts with 'starter start … --wave-file %s'; later commands take --wave %s.\n", file, w.Name)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "check this wave file and show its calendar")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printCalendar writes a real-time wave's calendar for staff, in Dutch time.
func printCalendar(out io.Writer, w wave.Calendar) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	date := func(t time.Time) string { return t.In(wave.Amsterdam).Format("Mon 2 Jan 2006 15:04") }
	row := func(what string, t time.Time) { fmt.Fprintf(tw, "  %s\t%s\n", what, date(t)) }
	span := func(what string, d wave.CourseDay) {
		end := d.End.In(wave.Amsterdam).Format("15:04")
		if d.End.In(wave.Amsterdam).YearDay() != d.Date.In(wave.Amsterdam).YearDay() {
			end = date(d.End)
		}
		fmt.Fprintf(tw, "  %s\t%s–%s\n", what, date(d.Date), end)
	}
	days := func(d time.Duration) string {
		if n := int64(d / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	row("producer application deadline", w.ApplicationDeadline)
	for i, d := range w.ProducerCourse {
		span(fmt.Sprintf("producer course day %d (%s)", i+1, d.Place), d)
	}
	row("teacher registration deadline", w.TeacherDeadline)
	for i, d := range w.TeacherCourse {
		place := d.Place
		if d.Overnight {
			place += ", overnight"
		}
		span(fmt.Sprintf("teacher course day %d, %d half-days (%s)", i+1, d.HalfDays, place), d)
	}
	row("recruitment due", w.RecruitmentDue)
	row("funding due", w.FundingDue)
	row("location due", w.LocationDue)
	row("intended start", w.IntendedStart)
	if err := tw.Flush(); err != nil {
		return err
	}
	mods := make([]string, len(w.Modules))
	for i, m := range w.Modules {
		mods[i] = fmt.Sprintf("%s (%s)", m.Name, days(m.Length))
		if m.Practicum {
			mods[i] = fmt.Sprintf("%s (%s, practicum)", m.Name, days(m.Length))
		}
	}
	_, err := fmt.Fprintf(out, `  Cohort: %s; ends %s if it starts as intended.
  Group: planned %d, minimum %d; %s per participant (budget %s); premium %s.
  Reminders %s before a due date; attendance recorded within %s; internship places due %s before the practicum;
  progress reports every %s (%s to send); graduates recorded within %s.
`, strings.Join(mods, ", "), date(w.IntendedStart.Add(w.CohortLength())),
		w.PlannedGroup, w.MinimumGroup, mail.Euro(w.CostPerParticipantCents), mail.Euro(w.Budget()), mail.Euro(w.PremiumCents),
		days(w.ReminderLead), days(w.AttendanceGrace), days(w.InternshipLead), days(w.ReportEvery), days(w.ReportGrace), days(w.GraduationGrace))
	return err
}
