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
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

func newStatus(e *env) *cobra.Command {
	var ref rolloutRef
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status CODE --wave WAVE [--json]",
		Short: "Show where a municipality's rollout stands: its whole plan",
		Long: `Show a rollout's phase, outcome, producer, what was recorded (funding,
participants, teachers, location, internship places) and its whole plan from
the start: every step with its state (upcoming, pending, done, overdue, waived,
cancelled), due date, who acts, and its last action with when and who recorded
it. Once the cohort runs, its phase and steps follow (the status of the child
workflow rollout-<wave>-<GM>-cohort).

--json prints the workflow's status query result:
  {"workflowId", "municipality": {"code", "name", "province"}, "wave", "phase",
   "outcome", "producer": {"organisation", "kind", "contactName", "contactEmail", "appliedAt"},
   "steps": [{"name", "step", "kind", "label": {"nl", "en"}, "party", "state", "due",
              "required", "stalledSince", "problem": {"nl", "en"}, "lastAction": {"nl", "en"},
              "lastActionAt", "lastActor": {"via", "name", "party"}}],
   "waitingOn": [], "stalled", "dueAt",
   "teachers": [{"id", "name", "halfDays", "complete"}], "committedCents",
   "budgetCents", "participants", "minimumGroup", "location": {"name", "place"},
   "internships", "plannedStart", "dayLength" (nanoseconds), "startedAt", "cohortId",
   "cohort": {the same fields, for the cohort, with "cohortPhase", "peerGroups",
              "dropOuts" and "graduates"; only once it started}}
Empty optional fields (outcome, producer, stalledSince, problem, location, …)
are left out. Times are RFC 3339 in UTC.`,
		Example: `  starter status GM0344 --wave demo
  starter status GM0344 --wave demo --json | jq '.steps[] | {name, state, due}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, id, st, err := ref.status(e, args[0])
			if err != nil {
				return err
			}
			rc, err := e.rollouts()
			if err != nil {
				return err
			}
			cohort, err := rc.CohortOf(e.ctx, st)
			if err != nil {
				fmt.Fprintf(e.errOut, "%s\n", e.t("let op: de stand van de opleiding %s: %v", "warning: status of the cohort %s: %v", st.CohortID, err))
			}
			if asJSON {
				return writeJSON(e.out, statusJSON{Status: st, Cohort: cohort})
			}
			e.printStatus(st)
			if cohort != nil {
				fmt.Fprintf(e.out, "\n%s", e.t("Opleiding %s: %s", "Cohort %s: %s", cohort.WorkflowID, cohort.PhaseLabel()))
				if cohort.Outcome != "" {
					fmt.Fprint(e.out, e.t(", uitkomst %s", ", outcome %s", cohort.Outcome.Label()))
				}
				if cohort.Stalled {
					fmt.Fprint(e.out, e.t(", VASTGELOPEN", ", STALLED"))
				}
				fmt.Fprintln(e.out)
				if cohort.PeerGroups > 0 || cohort.DropOuts > 0 {
					fmt.Fprintln(e.out, e.t("Lotgenotengroepen: %d; uitvallers: %d", "Peer-support groups: %d; drop-outs: %d", cohort.PeerGroups, cohort.DropOuts))
				}
				e.printSteps(cohort.Steps)
			}
			fmt.Fprintf(e.out, "\nWeb UI: %s\n", workflowLink(namespace(), id))
			if cohort != nil {
				fmt.Fprintf(e.out, "%s: %s\n", e.t("Opleiding", "Cohort"), workflowLink(namespace(), cohort.WorkflowID))
			}
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

// writeRows prints a listing: with --json an array of the rows; otherwise a
// table (the header, a line per row) and the count ("3 uitrollen."), or none
// when there are no rows.
func writeRows[R any](w io.Writer, asJSON bool, rows []R, none, header, count string, line func(R) string) error {
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
	fmt.Fprintln(w, count)
	return nil
}

func (e *env) printStatus(st rollout.Status) {
	w := e.out
	fmt.Fprintf(w, "%s (%s, %s), %s\n", st.Municipality.Name, st.Municipality.Code, st.Municipality.Province, e.t("ronde %s", "wave %s", st.Wave))
	fmt.Fprintf(w, "%-12s %s\n", e.t("Fase:", "Phase:"), st.PhaseLabel().In(e.lang))
	if st.Outcome != "" {
		fmt.Fprintf(w, "%-12s %s\n", e.t("Uitkomst:", "Outcome:"), st.Outcome.Label().In(e.lang))
	}
	if st.Producer != nil {
		fmt.Fprintf(w, "%-12s %s (%s), %s %s <%s>\n", e.t("Producent:", "Producer:"), st.Producer.Organisation, st.Producer.Kind, e.t("contact", "contact"), st.Producer.ContactName, st.Producer.ContactEmail)
	}
	if st.Stalled {
		fmt.Fprintf(w, "%-12s %s\n", e.t("VASTGELOPEN:", "STALLED:"), e.t("een stap is te laat of heeft een probleem", "an awaited step is overdue or has a problem"))
	}
	if line := e.recordedLine(st); line != "" {
		fmt.Fprintf(w, "%-12s %s\n", e.t("Vastgelegd:", "Recorded:"), line)
	}
	if !st.StartedAt.IsZero() {
		fmt.Fprintf(w, "%-12s %s\n", e.t("Gestart:", "Started:"), when(st.StartedAt))
	} else if !st.PlannedStart.IsZero() && st.Phase != plan.PhaseDone {
		fmt.Fprintf(w, "%-12s %s\n", e.t("Start:", "Start:"), e.t("gepland %s", "planned %s", when(st.PlannedStart)))
	}
	fmt.Fprintln(w)
	e.printSteps(st.Steps)
}

// statusJSON is status --json: the rollout's status with its cohort's.
type statusJSON struct {
	rollout.Status
	Cohort *rollout.Status `json:"cohort,omitempty"`
}

// recordedLine sums up what was recorded for the preparation.
func (e *env) recordedLine(st rollout.Status) string {
	if st.Cohort {
		return ""
	}
	parts := []string{
		e.t("financiering %s van %s", "funding %s of %s", mail.Euro(st.CommittedCents), mail.Euro(st.BudgetCents)),
		e.t("%d deelnemers (minimaal %d)", "%d participants (minimum %d)", st.Participants, st.MinimumGroup),
	}
	for _, t := range st.Teachers {
		complete := map[bool]plan.Text{true: plan.T(", compleet", ", complete")}[t.Complete]
		parts = append(parts, e.t("docent %s (%s) %d dagdelen%s", "teacher %s (%s) %d half-days%s", t.ID, t.Name, t.HalfDays, complete))
	}
	if st.Location != nil {
		parts = append(parts, e.t("leslocatie %s, %s", "location %s, %s", st.Location.Name, st.Location.Place))
	}
	if st.Internships > 0 {
		parts = append(parts, e.t("%d stageplekken", "%d internship places", st.Internships))
	}
	return strings.Join(parts, "; ")
}

// printSteps writes a workflow's plan as a table, one line per step.
func (e *env) printSteps(steps []rollout.Step) {
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.t("STAP\tWIE IS AAN ZET\tSTAAT\tUITERLIJK\tLAATSTE ACTIE", "STEP\tWHO ACTS\tSTATE\tDUE\tLAST ACTION"))
	for _, s := range steps {
		state := s.State.Label().In(e.lang)
		if !s.StalledSince.IsZero() {
			state += e.t(" (vastgelopen sinds %s)", " (stalled since %s)", when(s.StalledSince))
		}
		if !s.Problem.IsZero() {
			state += " — " + s.Problem.In(e.lang)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Label.In(e.lang), s.Party.Label().In(e.lang), state, when(s.Due), e.lastAction(s))
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
			fmt.Fprintln(tw, e.t("CODE\tNAAM\tPROVINCIE", "CODE\tNAME\tPROVINCE"))
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
		Short: "Show the built-in waves' plans, or check a wave file and show its plan",
		Long: `Without --file: the built-in wave 2012 (the brochure's calendar); the demo
wave is the same plan starting now, compressed.

--file checks a wave defined in a file, as 'starter start --wave-file' would
use it, and shows its plan the same way; every problem is listed, each naming
its field (exit 2). The file is a JSON object in Dutch time, e.g.

  {"name": "2013", "opens": "2013-01-14 09:00", "applicationDeadline": "2013-03-01",
   "producerCourse": [{"date": "2013-03-22 10:00", "end": "16:00", "place": "Utrecht", "halfDays": 2}, …],
   "teacherDeadline": "2013-05-31",
   "teacherCourse": [{"date": "2013-06-20 10:00", "end": "21:00", "place": "Soesterberg", "halfDays": 2, "overnight": true}, …],
   "fundingDue": "2013-08-23", "recruitmentDue": "2013-08-16", "locationDue": "2013-08-23",
   "intendedStart": "2013-09-02 09:00",
   "steps": [{"id": "agreement", "kind": "confirm", "party": "municipality",
              "label": "samenwerkingsovereenkomst getekend", "due": "2013-05-01", "requiredForStart": true}]}

A deadline or due date given as YYYY-MM-DD lasts until the end of that day.
Optional, with the 2012 wave's values as defaults: plannedGroup, minimumGroup,
costPerParticipant and premium (euros), modules ([{"name", "days",
"practicum"}], the practicum last), reminderDays, attendanceGraceDays,
internshipLeadDays, reportEveryDays, reportGraceDays, graduationGraceDays,
and "steps": steps added to the brochure's, of kind confirm (a party confirms
by a date), count (a count of at least "minimum"), amount (commitments that
cover "budget") or course ("days" with attendance, "attendees" producer or
teacher); each with "id", "label" (Dutch; "labelEn"), "party" (who acts:
municipality, producer, teacher, staff), "due", and optionally "phase"
(preparation, the default, or producer-course), "track", "requiredForStart"
and "remindDays". The name (1 to 20 letters, digits or hyphens; not 2012 or
demo) is the --wave of every later command.

--json prints the wave as rollouts receive it (times in UTC, durations in
nanoseconds).`,
		Example: `  starter waves
  starter waves --file wave-2013.json
  starter waves --file wave-2013.json --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := wave.Wave2012()
			heading := e.t("Ronde 2012 (de kalender van de brochure; de demoronde is dezelfde, vanaf nu, een dag per seconde):",
				"Wave 2012 (the brochure's calendar; the demo wave is the same, starting now, one day per second):")
			if file != "" {
				var err error
				if w, err = loadWaveFile(file, ""); err != nil {
					return err
				}
				heading = e.t("Ronde %s (uit %s; Nederlandse tijd):", "Wave %s (from %s; Dutch time):", w.Name, file)
			}
			if asJSON {
				return writeJSON(e.out, w)
			}
			fmt.Fprintln(e.out, heading)
			if err := e.printPlan(w); err != nil {
				return err
			}
			if file != "" {
				fmt.Fprintln(e.out, "\n"+e.t("Het bestand is in orde. Start uitrollen met 'starter start … --wave-file %s'; latere opdrachten nemen --wave %s.",
					"The file is valid. Start rollouts with 'starter start … --wave-file %s'; later commands take --wave %s.", file, w.Name))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "check this wave file and show its plan")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printPlan writes a wave's plan for staff, in Dutch time: every step with
// its date, who acts, and whether the start needs it.
func (e *env) printPlan(w wave.Calendar) error {
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	date := func(t time.Time) string { return t.In(wave.Amsterdam).Format("Mon 2 Jan 2006 15:04") }
	if e.lang == plan.NL {
		date = mail.DutchDateTime
	}
	fmt.Fprintln(tw, e.t("  STAP\tWIE IS AAN ZET\tWANNEER\tNODIG VOOR DE START", "  STEP\tWHO ACTS\tWHEN\tNEEDED TO START"))
	for _, s := range w.Steps {
		needed := map[bool]string{true: e.yesNo(true)}[s.Required]
		if s.Kind == plan.KindCourse {
			for i, d := range s.Days {
				what := e.t("%s, dag %d (%s, %d dagdelen%s)", "%s day %d (%s, %d half-days%s)", s.Label, i+1, d.Place, d.HalfDays, map[bool]plan.Text{true: plan.T(", met overnachting", ", overnight")}[d.Overnight])
				fmt.Fprintf(tw, "  %s (%s-%d)\t%s\t%s–%s\t%s\n", what, s.ID, i+1, s.Attendees.Label().In(e.lang), date(d.Date), d.End.In(wave.Amsterdam).Format("15:04"), needed)
			}
			continue
		}
		for _, p := range s.Parts(w.IntendedStart()) {
			fmt.Fprintf(tw, "  %s (%s)\t%s\t%s\t%s\n", p.Label.In(e.lang), p.ID, p.Party.Label().In(e.lang), date(p.Due), needed)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	days := func(d time.Duration) string { return e.t("%d dagen", "%d days", int64(d/(24*time.Hour))) }
	_, err := fmt.Fprintln(e.out, e.t(`  Opleiding: %s; klaar %s als ze start zoals gepland.
  Groep: gepland %d, minimaal %d; %s per deelnemer (begroting %s); stimuleringspremie %s.
  Herinneringen %s voor een uiterste datum; aanwezigheid vastleggen binnen %s.`,
		`  Cohort: %s; ends %s if it starts as intended.
  Group: planned %d, minimum %d; %s per participant (budget %s); premium %s.
  Reminders %s before a due date; attendance recorded within %s.`,
		days(w.CohortLength()), date(w.IntendedStart().Add(w.CohortLength())),
		w.PlannedGroup, w.MinimumGroup, mail.Euro(w.CostPerParticipantCents), mail.Euro(w.Budget()), mail.Euro(w.PremiumCents),
		days(w.ReminderLead), days(w.AttendanceGrace)))
	return err
}
