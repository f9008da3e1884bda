package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/wave"
	"github.com/stichtingbmp/amwaht/workflows"
)

// The staff actions: one command per Update of the rollout (and of its
// cohort). Each checks its flags first (exit 2, nothing sent), sends the
// Update, and prints what changed according to the Status the workflow
// returns (see settled); the validator's rejection exits 3 with its message.

// staffCommands lists the commands for cli.go's root.
func staffCommands(e *env) []*cobra.Command {
	return []*cobra.Command{
		newAttendance(e), newMakeUp(e), newHandbook(e), newTeacher(e), newFunding(e), newEnrol(e),
		newLocation(e), newInternships(e), newPostpone(e), newExtend(e), newCancel(e),
		newProgress(e), newPeerGroup(e), newGraduates(e),
	}
}

func usageErr(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

// queryStatus runs the status query on a workflow (a rollout or a cohort).
func queryStatus(e *env, id string) (workflows.Status, error) {
	var st workflows.Status
	c, err := e.client()
	if err != nil {
		return st, err
	}
	v, err := c.QueryWorkflow(e.ctx, id, "", workflows.QueryStatus)
	if err != nil {
		return st, err
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("read status of %s: %w", id, err)
	}
	return st, nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

func hasCode(err error, code int) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.code == code
}

// act sends a staff action to a rollout and prints what changed. The status
// before the action is read first: it is what the change is measured against,
// and it tells a rollout that has ended from one that never existed.
func act(e *env, ref rolloutRef, code, name string, arg any, what func(workflows.Status) string) error {
	m, id, before, err := ref.status(e, code)
	if err != nil {
		return err
	}
	return send(e, m, ref.wave, id, before, false, name, arg, what)
}

// actOnCohort sends a staff action to a rollout's cohort (the child workflow
// rollout-<wave>-<GM>-cohort). Before the cohort starts there is nothing to
// send it to: the answer says so and shows the rollout's phase (exit 3).
func actOnCohort(e *env, ref rolloutRef, code, name string, arg any, what func(workflows.Status) string) error {
	m, id, err := ref.resolve(code)
	if err != nil {
		return err
	}
	before, err := queryStatus(e, workflows.CohortWorkflowID(id))
	if isNotFound(err) {
		return cohortAbsent(e, m, ref.wave, id, name)
	}
	if err != nil {
		return err
	}
	return send(e, m, ref.wave, id, before, true, name, arg, what)
}

// send sends a staff action to the rollout id, or to its cohort, whose
// status before the action is known, and prints the headline ("Recorded for
// …: what") and what changed.
func send(e *env, m municipality.Municipality, waveName, id string, before workflows.Status, toCohort bool, name string, arg any, what func(workflows.Status) string) error {
	target := id
	if toCohort {
		target = workflows.CohortWorkflowID(id)
	}
	after, err := update(e, m, waveName, target, name, arg)
	switch {
	case hasCode(err, ExitNotFound) && toCohort:
		return cohortAbsent(e, m, waveName, id, name)
	case hasCode(err, ExitNotFound):
		return withCode(ExitRejected, fmt.Errorf("%s rejected by rollout %s: the rollout has ended (phase %s, outcome %s): nothing more can be recorded",
			name, id, before.Phase, orDash(string(before.Outcome))))
	case err != nil:
		return err
	}
	headline := fmt.Sprintf("Recorded for %s, wave %s: %s.", m, waveName, what(after))
	printChange(e.out, headline, before, settled(e, target, after))
	return nil
}

// fixed is the what of an action whose headline does not depend on the
// status after it.
func fixed(what string) func(workflows.Status) string {
	return func(workflows.Status) string { return what }
}

// settled completes the Status an update returned with a status query right
// after it: the update's consequences (a step done, a phase moved on, a
// cancellation carried out) happen in the workflow just after the handler
// returns. Without an answer, the returned Status stands.
func settled(e *env, id string, returned workflows.Status) workflows.Status {
	if st, err := queryStatus(e, id); err == nil {
		return st
	}
	return returned
}

// cohortAbsent explains why a cohort action has nowhere to go.
func cohortAbsent(e *env, m municipality.Municipality, waveName, id, name string) error {
	st, err := queryStatus(e, id)
	if err != nil {
		return notFound(err, m, waveName, id)
	}
	if st.CohortID != "" {
		return withCode(ExitRejected, fmt.Errorf("%s: the cohort of %s in wave %s (%s) has ended: the rollout is in phase %s, outcome %s",
			name, m, waveName, st.CohortID, st.Phase, orDash(string(st.Outcome))))
	}
	extra := fmt.Sprintf(" (outcome %s)", orDash(string(st.Outcome)))
	if st.Phase != workflows.PhaseDone {
		extra = fmt.Sprintf("; the cohort starts at the planned start, %s, when everything is ready", when(st.PlannedStart))
	}
	return withCode(ExitRejected, fmt.Errorf("%s: the cohort of %s in wave %s has not started: the rollout is in phase %s%s",
		name, m, waveName, st.Phase, extra))
}

// required marks flags as required (cobra then refuses the command without them).
func required(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		_ = cmd.MarkFlagRequired(n)
	}
}

// countSet counts the options given out of a set of exclusive ones.
func countSet(given ...bool) int {
	n := 0
	for _, g := range given {
		if g {
			n++
		}
	}
	return n
}

func parseCourse(s string) (workflows.Course, error) {
	switch c := workflows.Course(strings.ToLower(strings.TrimSpace(s))); c {
	case workflows.CourseProducer, workflows.CourseTeacher:
		return c, nil
	}
	return "", usageErr("--course: %q is not a course: use producer or teacher", s)
}

// teacherDayHalfDays is how many half-days a teacher-course day has in the
// rollout's calendar: the built-in waves' own, or, for a wave defined in a
// file, the calendar the rollout was started with (its start event's input).
func teacherDayHalfDays(e *env, ref rolloutRef, code string, day int) (int, error) {
	w, err := wave.Lookup(ref.wave, time.Now(), 0)
	if err != nil {
		m, id, rerr := ref.resolve(code)
		if rerr != nil {
			return 0, rerr
		}
		in, rerr := startedWith(e, id)
		if rerr != nil {
			return 0, notFound(rerr, m, ref.wave, id)
		}
		w = in.Wave
	}
	if day < 1 || day > len(w.TeacherCourse) {
		return 0, nil // the rollout answers which days there are
	}
	return w.TeacherCourse[day-1].HalfDays, nil
}

// startedWith reads what a rollout was started with, from the first event
// of its history. Through the SDK's iterator, which knows the client's
// namespace (a profile may set it), at the cost of a first page of events:
// this runs once per teacher attendance on a file wave.
func startedWith(e *env, id string) (workflows.RolloutInput, error) {
	var in workflows.RolloutInput
	c, err := e.client()
	if err != nil {
		return in, err
	}
	it := c.GetWorkflowHistory(e.ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return in, fmt.Errorf("rollout %s has no history", id)
	}
	ev, err := it.Next()
	if err != nil {
		return in, err
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return in, fmt.Errorf("rollout %s: first event is %s, not the start", id, ev.GetEventType())
	}
	if err := converter.GetDefaultDataConverter().FromPayloads(attrs.GetInput(), &in); err != nil {
		return in, fmt.Errorf("read the input of rollout %s: %w", id, err)
	}
	return in, nil
}

func newAttendance(e *env) *cobra.Command {
	var ref rolloutRef
	var course, teacher string
	var day, halfDays int
	var attended, absent bool
	cmd := &cobra.Command{
		Use:   "attendance CODE --wave WAVE --course producer|teacher --day N [--teacher T1] (--attended | --absent | --half-days N)",
		Short: "Record a course day's attendance (producer course, or one teacher on the teacher course)",
		Long: `Record who came to a course day, once the day has begun. Producer course:
--attended or --absent (a missed day stalls the rollout until a make-up is
recorded). Teacher course: per teacher (--teacher T1), the half-days attended
that day (--half-days N; --attended means all of the day's half-days, --absent
none; for a wave defined in a file, the day's half-days come from the
calendar the rollout was started with).`,
		Example: `  starter attendance GM0344 --wave demo --course producer --day 1 --attended
  starter attendance GM0344 --wave demo --course teacher --day 2 --teacher T1 --half-days 1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := parseCourse(course)
			if err != nil {
				return err
			}
			hdSet := cmd.Flags().Changed("half-days")
			if countSet(attended, absent, hdSet) != 1 {
				return usageErr("give exactly one of --attended, --absent or --half-days N")
			}
			if day < 1 {
				return usageErr("--day: course days are counted from 1")
			}
			a := workflows.Attendance{Course: c, Day: day, Teacher: teacher}
			var what string
			switch c {
			case workflows.CourseProducer:
				if teacher != "" {
					return usageErr("--teacher is for the teacher course; the producer course records the producer's attendance")
				}
				if hdSet {
					return usageErr("--half-days is for the teacher course; use --attended or --absent for the producer course")
				}
				a.Attended = attended
				what = fmt.Sprintf("producer course day %d %s", day, map[bool]string{true: "attended", false: "missed"}[attended])
			case workflows.CourseTeacher:
				if teacher == "" {
					return usageErr("--teacher T1: the teacher course records attendance per teacher")
				}
				switch {
				case hdSet:
					if halfDays < 0 {
						return usageErr("--half-days cannot be negative")
					}
					a.HalfDays = halfDays
				case attended:
					if a.HalfDays, err = teacherDayHalfDays(e, ref, args[0], day); err != nil {
						return err
					}
				}
				a.Attended = a.HalfDays > 0
				what = fmt.Sprintf("teacher course day %d, teacher %s: %d half-days", day, teacher, a.HalfDays)
			}
			return act(e, ref, args[0], workflows.UpdateAttendance, a, fixed(what))
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&course, "course", "", "producer or teacher")
	cmd.Flags().IntVar(&day, "day", 0, "course day, from 1")
	cmd.Flags().StringVar(&teacher, "teacher", "", "the teacher's ID (teacher course), e.g. T1")
	cmd.Flags().BoolVar(&attended, "attended", false, "attended (the whole day)")
	cmd.Flags().BoolVar(&absent, "absent", false, "did not attend")
	cmd.Flags().IntVar(&halfDays, "half-days", 0, "teacher course: half-days attended that day")
	required(cmd, "course", "day")
	return cmd
}

func newMakeUp(e *env) *cobra.Command {
	var ref rolloutRef
	var course string
	var mu workflows.MakeUp
	cmd := &cobra.Command{
		Use:   "make-up CODE --wave WAVE --course producer|teacher --day N [--teacher T1] [--note TEXT]",
		Short: "Record that a missed course day was made up",
		Long: `Record that a missed producer course day, or a teacher's missed half-days of a
teacher course day, were made up (inhalen). Accepted only for a day recorded
as missed; it clears the stall.`,
		Example: `  starter make-up GM0344 --wave demo --course producer --day 2 --note "inhaaldag bij BMP"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := parseCourse(course)
			if err != nil {
				return err
			}
			mu.Course = c
			if mu.Day < 1 {
				return usageErr("--day: course days are counted from 1")
			}
			if c == workflows.CourseProducer && mu.Teacher != "" {
				return usageErr("--teacher is for the teacher course")
			}
			if c == workflows.CourseTeacher && mu.Teacher == "" {
				return usageErr("--teacher T1: say whose half-days were made up")
			}
			if len(mu.Note) > 500 {
				return usageErr("--note is longer than 500 characters")
			}
			what := fmt.Sprintf("%s course day %d made up", c, mu.Day)
			if mu.Teacher != "" {
				what += " by teacher " + mu.Teacher
			}
			return act(e, ref, args[0], workflows.UpdateMakeUp, mu, fixed(what))
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&course, "course", "", "producer or teacher")
	cmd.Flags().IntVar(&mu.Day, "day", 0, "course day, from 1")
	cmd.Flags().StringVar(&mu.Teacher, "teacher", "", "the teacher's ID (teacher course)")
	cmd.Flags().StringVar(&mu.Note, "note", "", "how it was made up")
	required(cmd, "course", "day")
	return cmd
}

func newHandbook(e *env) *cobra.Command {
	var ref rolloutRef
	cmd := &cobra.Command{
		Use:     "handbook CODE --wave WAVE",
		Short:   "Record that the training handbook was handed out to the producer",
		Long:    "Record that the producer received the training handbook (opleidingshandboek), at or after the\nproducer course's first day; once per rollout.",
		Example: "  starter handbook GM0344 --wave demo",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return act(e, ref, args[0], workflows.UpdateHandbook, struct{}{}, fixed("the training handbook was handed out"))
		},
	}
	ref.flags(cmd)
	return cmd
}

func newTeacher(e *env) *cobra.Command {
	var ref rolloutRef
	var p workflows.TeacherProposal
	cmd := &cobra.Command{
		Use:   "teacher CODE --wave WAVE --id T1 --name NAME --email ADDRESS",
		Short: "Record a teacher the producer puts forward",
		Long: `Record a teacher (docent) the producer puts forward, under a short ID staff
choose (T1, T2, …; used by attendance and make-up). The teacher is e-mailed a
confirmation and the teacher course's dates. At most five per rollout.`,
		Example: `  starter teacher GM0344 --wave demo --id T1 --name "Ayse Demir" --email a.demir@example.nl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := p.Validate(); err != nil {
				return withCode(ExitUsage, err)
			}
			return act(e, ref, args[0], workflows.UpdateTeacher, p, fixed(fmt.Sprintf("teacher %s (%s) put forward; an invitation goes to %s", p.ID, p.Name, p.Email)))
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&p.ID, "id", "", "short ID for the teacher, e.g. T1")
	cmd.Flags().StringVar(&p.Name, "name", "", "the teacher's name")
	cmd.Flags().StringVar(&p.Email, "email", "", "the teacher's e-mail address")
	required(cmd, "id", "name", "email")
	return cmd
}

func newFunding(e *env) *cobra.Command {
	var ref rolloutRef
	var source, name, amount string
	cmd := &cobra.Command{
		Use:   "funding CODE --wave WAVE --source municipality|fund|other [--name NAME] --amount EUROS",
		Short: "Record a funding commitment",
		Long: `Record money committed to the cohort. Funding is secured when the commitments
cover the budget (planned group × cost per participant).

--amount is in euros: 12500, 12500.50, 12500,50, 12.500,50 (Dutch grouping),
12,500.50 (English grouping) or € 12.500,50. Rejected: negative or zero
amounts, more than two decimals, badly grouped digits, and the ambiguous
12.500 (write 12500 or 12.500,00).`,
		Example: `  starter funding GM0344 --wave demo --source municipality --amount 12500
  starter funding GM0344 --wave demo --source fund --name "Oranje Fonds" --amount 12.500,50`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cents, err := parseEuros(amount)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("--amount: %w", err))
			}
			c := workflows.Commitment{Source: workflows.FundingSource(strings.ToLower(strings.TrimSpace(source))), Name: strings.TrimSpace(name), AmountCents: cents}
			if err := c.Validate(); err != nil {
				return withCode(ExitUsage, err)
			}
			from := string(c.Source)
			if c.Name != "" {
				from += " (" + c.Name + ")"
			}
			return act(e, ref, args[0], workflows.UpdateFunding, c, func(st workflows.Status) string {
				return fmt.Sprintf("%s committed by %s; %s of %s committed", mail.Euro(cents), from, mail.Euro(st.CommittedCents), mail.Euro(st.BudgetCents))
			})
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&source, "source", "", "municipality, fund or other")
	cmd.Flags().StringVar(&name, "name", "", "who commits, e.g. the fund's name")
	cmd.Flags().StringVar(&amount, "amount", "", "amount in euros, e.g. 12500 or 12.500,50")
	required(cmd, "source", "amount")
	return cmd
}

func newEnrol(e *env) *cobra.Command {
	var ref rolloutRef
	var ids []string
	var csvPath string
	cmd := &cobra.Command{
		Use:   "enrol CODE --wave WAVE (--id P01 --id P02 … | --csv participants.csv)",
		Short: "Enrol participants, by ID only",
		Long: `Enrol participants in the cohort. Only their IDs go to the rollout: names,
e-mail addresses and phone numbers never enter a workflow history.

--csv reads a file with the header line id,name,email,phone and one
participant per line (name, email and phone may be empty; an e-mail address,
when given, must be valid; ';' as separator and a byte order mark are
accepted). An ID is 1 to 20 letters, digits, hyphens or underscores and may
not repeat. Every row is checked first: if any row is bad, every bad row is
reported with its line number and nothing is sent.`,
		Example: `  starter enrol GM0344 --wave demo --id P01 --id P02 --id P03
  starter enrol GM0344 --wave demo --csv deelnemers.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(ids) == 0) == (csvPath == "") {
				return usageErr("give the participants with --id (repeatable) or --csv FILE, not both")
			}
			source := "--id"
			if csvPath != "" {
				f, err := os.Open(csvPath)
				if err != nil {
					return usageErr("--csv: %v", err)
				}
				ps, err := ParseParticipants(f)
				f.Close()
				if err != nil {
					return withCode(ExitUsage, fmt.Errorf("%s has bad rows; nothing was sent:\n%w", csvPath, err))
				}
				for _, p := range ps {
					ids = append(ids, p.ID)
				}
				source = csvPath
			} else {
				var errs []error
				for i, id := range ids {
					if !workflows.ValidRef(id) {
						errs = append(errs, fmt.Errorf("--id %q: use 1 to 20 letters, digits, hyphens or underscores (an ID, never a name)", clip(id)))
					} else if j := slices.Index(ids, id); j < i {
						errs = append(errs, fmt.Errorf("--id %q is given twice", id))
					}
				}
				if len(errs) > 0 {
					return withCode(ExitUsage, errors.Join(errs...))
				}
			}
			en := workflows.Enrolment{ParticipantIDs: ids}
			if err := en.Validate(); err != nil {
				return withCode(ExitUsage, err)
			}
			return act(e, ref, args[0], workflows.UpdateEnrol, en, func(st workflows.Status) string {
				return fmt.Sprintf("%d participants enrolled from %s (IDs only); %d enrolled in all, minimum %d", len(ids), source, st.Participants, st.MinimumGroup)
			})
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringArrayVar(&ids, "id", nil, "a participant's ID (repeatable)")
	cmd.Flags().StringVar(&csvPath, "csv", "", "a participants file: id,name,email,phone")
	return cmd
}

func newLocation(e *env) *cobra.Command {
	var ref rolloutRef
	var l workflows.Location
	cmd := &cobra.Command{
		Use:     "location CODE --wave WAVE --name NAME --place PLACE",
		Short:   "Record the teaching location",
		Example: `  starter location GM0344 --wave demo --name "Buurthuis De Pijler" --place Utrecht`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l.Name, l.Place = strings.TrimSpace(l.Name), strings.TrimSpace(l.Place)
			if l.Name == "" || l.Place == "" {
				return usageErr("give the location's --name and --place")
			}
			return act(e, ref, args[0], workflows.UpdateLocation, l, fixed(fmt.Sprintf("teaching location %s, %s", l.Name, l.Place)))
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&l.Name, "name", "", "the location's name")
	cmd.Flags().StringVar(&l.Place, "place", "", "the town or city")
	required(cmd, "name", "place")
	return cmd
}

func newInternships(e *env) *cobra.Command {
	var ref rolloutRef
	var i workflows.Internships
	cmd := &cobra.Command{
		Use:     "internships CODE --wave WAVE --places N",
		Short:   "Record the internship places arranged for the practicum",
		Long:    "Record how many internship places (stageplekken) are arranged; the practicum waits for them. Once per rollout.",
		Example: "  starter internships GM0344 --wave demo --places 8",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if i.Places < 1 || i.Places > 100 {
				return usageErr("--places must be 1 to 100")
			}
			return act(e, ref, args[0], workflows.UpdateInternships, i, fixed(fmt.Sprintf("%d internship places arranged", i.Places)))
		},
	}
	ref.flags(cmd)
	cmd.Flags().IntVar(&i.Places, "places", 0, "number of places")
	required(cmd, "places")
	return cmd
}

const dateHelp = "YYYY-MM-DD (09:00 Dutch time that day) or RFC 3339 (2012-10-01T13:30:00+02:00)"

func needReasonFlag(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return usageErr("--reason is required: it is told to everyone concerned")
	}
	if len(reason) > 500 {
		return usageErr("--reason is longer than 500 characters")
	}
	return nil
}

func newPostpone(e *env) *cobra.Command {
	var ref rolloutRef
	var start, reason string
	cmd := &cobra.Command{
		Use:   "postpone CODE --wave WAVE --start DATE --reason TEXT",
		Short: "Move the start to a later date, by agreement",
		Long: `Agree a later start (in overleg) with the producer and the municipality, who
are both e-mailed. Steps still due before the start move with it. The new
start must be later than the planned one and in the future.

--start: ` + dateHelp + ".",
		Example: `  starter postpone GM0344 --wave 2012 --start 2012-10-01 --reason "gemeente beslist in september over het restant"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseWhen(start)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("--start: %w", err))
			}
			if err := needReasonFlag(reason); err != nil {
				return err
			}
			return act(e, ref, args[0], workflows.UpdatePostpone, workflows.Postponement{Start: t, Reason: reason}, func(st workflows.Status) string {
				return fmt.Sprintf("the start is postponed to %s (%s)", when(st.PlannedStart), mail.DutchDateTime(st.PlannedStart))
			})
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&start, "start", "", "the new start: "+dateHelp)
	cmd.Flags().StringVar(&reason, "reason", "", "why (told to the producer and the municipality)")
	required(cmd, "start", "reason")
	return cmd
}

func newExtend(e *env) *cobra.Command {
	var ref rolloutRef
	var step, due, reason string
	cmd := &cobra.Command{
		Use:   "extend CODE --wave WAVE --step STEP --due DATE --reason TEXT",
		Short: "Move a waiting step's due date (clears its stall)",
		Long: `Give a waiting step a later due date; a stalled step is no longer stalled.
STEP is the step's name as 'starter status' shows it under --json (e.g.
funding, recruitment, location, teacher, producer-course-1). Steps of the
cohort (progress-3, graduates) go to the cohort's workflow automatically. The
start moves with 'starter postpone', not with extend.

--due: ` + dateHelp + ".",
		Example: `  starter extend GM0344 --wave 2012 --step funding --due 2012-09-15 --reason "raadsbesluit op 12 september"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseWhen(due)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("--due: %w", err))
			}
			if err := needReasonFlag(reason); err != nil {
				return err
			}
			step = strings.TrimSpace(step)
			m, id, st, err := ref.status(e, args[0])
			if err != nil {
				return err
			}
			ext := workflows.Extension{Step: step, Due: t, Reason: reason}
			what := fixed(fmt.Sprintf("step %s is now due %s", step, when(t)))
			if cst, ok := cohortWaitsOn(e, st, step); ok {
				return send(e, m, ref.wave, id, cst, true, workflows.UpdateExtend, ext, what)
			}
			return send(e, m, ref.wave, id, st, false, workflows.UpdateExtend, ext, what)
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&step, "step", "", "the step's name, e.g. funding")
	cmd.Flags().StringVar(&due, "due", "", "the new due date: "+dateHelp)
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	required(cmd, "step", "due", "reason")
	return cmd
}

// cohortWaitsOn gives the status of a rollout's running cohort when an
// extension belongs there: the rollout (st) does not wait on the step but its
// cohort does.
func cohortWaitsOn(e *env, st workflows.Status, step string) (workflows.Status, bool) {
	if st.CohortID == "" || slices.Contains(st.WaitingOn, step) {
		return workflows.Status{}, false
	}
	cst, err := queryStatus(e, st.CohortID)
	return cst, err == nil && slices.Contains(cst.WaitingOn, step)
}

func newCancel(e *env) *cobra.Command {
	var ref rolloutRef
	var reason string
	cmd := &cobra.Command{
		Use:   "cancel CODE --wave WAVE --reason TEXT",
		Short: "Cancel a rollout (and its cohort); everyone concerned is told",
		Long: `Stop a rollout at any phase. Every waiting step is cancelled, a running cohort
is cancelled with it, and the municipality, the producer, the teachers and
BMP staff get an e-mail with the reason. It cannot be undone: a new rollout
for the municipality and wave can be started afterwards.`,
		Example: `  starter cancel GM0344 --wave demo --reason "gemeente trekt zich terug"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needReasonFlag(reason); err != nil {
				return err
			}
			return act(e, ref, args[0], workflows.UpdateCancel, workflows.Cancellation{Reason: reason}, fixed("the rollout is being cancelled ("+reason+"); everyone concerned is e-mailed"))
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why (told to everyone concerned)")
	required(cmd, "reason")
	return cmd
}

func newProgress(e *env) *cobra.Command {
	var ref rolloutRef
	var p workflows.ProgressReport
	cmd := &cobra.Command{
		Use:   "progress CODE --wave WAVE --month N --active N --drop-outs N",
		Short: "Record the producer's monthly progress report (cohort)",
		Long: `Record the monthly progress report of a running cohort, counts only. A report
is requested every month after the start; month N is accepted once it was
requested, once. Goes to the cohort's workflow (rollout-<wave>-<GM>-cohort);
before the cohort starts, the answer shows the rollout's phase (exit 3).`,
		Example: "  starter progress GM0344 --wave demo --month 1 --active 15 --drop-outs 1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if p.Month < 1 || p.Active < 0 || p.DropOuts < 0 {
				return usageErr("--month counts from 1; --active and --drop-outs cannot be negative")
			}
			return actOnCohort(e, ref, args[0], workflows.UpdateProgress, p, fixed(fmt.Sprintf("progress report month %d: %d active, %d drop-outs", p.Month, p.Active, p.DropOuts)))
		},
	}
	ref.flags(cmd)
	cmd.Flags().IntVar(&p.Month, "month", 0, "month of the cohort, from 1")
	cmd.Flags().IntVar(&p.Active, "active", 0, "participants still active")
	cmd.Flags().IntVar(&p.DropOuts, "drop-outs", 0, "participants who dropped out this month")
	required(cmd, "month", "active", "drop-outs")
	return cmd
}

func newPeerGroup(e *env) *cobra.Command {
	var ref rolloutRef
	var g workflows.PeerGroup
	cmd := &cobra.Command{
		Use:     "peer-group CODE --wave WAVE --count N",
		Short:   "Record peer-support groups started by participants (cohort, practicum)",
		Long:    "Record peer-support groups (lotgenotengroepen) started during the practicum or after it.\nGoes to the cohort's workflow; before the cohort starts, the answer shows the rollout's phase (exit 3).",
		Example: "  starter peer-group GM0344 --wave demo --count 2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.Count < 1 || g.Count > 50 {
				return usageErr("--count must be 1 to 50")
			}
			return actOnCohort(e, ref, args[0], workflows.UpdatePeerGroup, g, fixed(fmt.Sprintf("%d peer-support groups started", g.Count)))
		},
	}
	ref.flags(cmd)
	cmd.Flags().IntVar(&g.Count, "count", 0, "number of groups")
	required(cmd, "count")
	return cmd
}

func newGraduates(e *env) *cobra.Command {
	var ref rolloutRef
	var g workflows.Graduation
	cmd := &cobra.Command{
		Use:   "graduates CODE --wave WAVE --count N",
		Short: "Record how many participants graduated (cohort, at its end)",
		Long: `Record the cohort's graduates once the training has ended; the rollout then
ends with outcome graduated and the producer and the municipality are
e-mailed. Goes to the cohort's workflow; before the cohort starts, the answer
shows the rollout's phase (exit 3).`,
		Example: "  starter graduates GM0344 --wave demo --count 13",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.Count < 0 {
				return usageErr("--count cannot be negative")
			}
			return actOnCohort(e, ref, args[0], workflows.UpdateGraduates, g, fixed(fmt.Sprintf("%d graduates", g.Count)))
		},
	}
	ref.flags(cmd)
	cmd.Flags().IntVar(&g.Count, "count", 0, "number of graduates")
	required(cmd, "count")
	return cmd
}
