package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// The staff actions: one command per action (Temporal Update) the plan
// declares, with its flags drawn from the action's fields, plus shortcuts
// for steps staff name by their own word (handbook, internships). Each
// checks its flags first (exit 2, nothing sent), sends the action through
// the typed client, and prints what changed according to the status the
// rollout returns; the validator's refusal exits 3 with its words.

// shortcut is a command for one step of a generic kind.
type shortcut struct {
	name, action, step string
	rename             map[string]string // field → flag
	short, long        string
	example            string
}

var shortcuts = []shortcut{
	{name: "handbook", action: plan.ActConfirm, step: wave.StepHandbook,
		short:   "Record that the training handbook was handed out to the producer",
		long:    "Record that the producer received the training handbook (opleidingshandboek), at the\nproducer course; once per rollout. The same as 'starter confirm --step handbook'.",
		example: "  starter handbook GM0344 --wave demo"},
	{name: "internships", action: plan.ActCount, step: wave.StepInternships, rename: map[string]string{"count": "places"},
		short:   "Record the internship places arranged for the practicum",
		long:    "Record how many internship places (stageplekken) are arranged, 1 to 100; the practicum waits\nfor them. Once per rollout. The same as 'starter count --step internships --count N'.",
		example: "  starter internships GM0344 --wave demo --places 8"},
}

// actionCommands lists a command per declared action and per shortcut.
func actionCommands(e *env) []*cobra.Command {
	var cmds []*cobra.Command
	for _, a := range plan.Actions() {
		cmds = append(cmds, actionCommand(e, a, shortcut{name: a.Name}))
	}
	for _, s := range shortcuts {
		cmds = append(cmds, actionCommand(e, plan.MustAction(s.action), s))
	}
	return cmds
}

// flagOf is the flag a field is typed in with.
func (s shortcut) flagOf(f plan.Field) string {
	if n, ok := s.rename[f.Name]; ok {
		return n
	}
	return f.Flag
}

func actionCommand(e *env, a plan.Action, s shortcut) *cobra.Command {
	var ref rolloutRef
	var csvPath string
	strs, arrays, bools := map[string]*string{}, map[string]*[]string{}, map[string]*bool{}
	cmd := &cobra.Command{
		Use:     s.name + " CODE --wave WAVE" + usageFlags(a, s),
		Short:   orDefault(s.short, a.Label.In(plan.EN)),
		Long:    orDefault(s.long, a.Help.In(plan.EN)) + fieldHelp(a, s),
		Example: orDefault(s.example, exampleOf(a, s)),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vals := map[string][]string{}
			for _, f := range a.Fields {
				flag := s.flagOf(f)
				switch {
				case bools[flag] != nil && cmd.Flags().Changed(flag):
					vals[f.Name] = []string{fmt.Sprint(*bools[flag])}
				case arrays[flag] != nil:
					vals[f.Name] = *arrays[flag]
				case strs[flag] != nil && cmd.Flags().Changed(flag):
					vals[f.Name] = []string{*strs[flag]}
				}
			}
			if s.step != "" {
				vals["step"] = []string{s.step}
			}
			if a.Name == plan.ActEnrol {
				if err := e.participantsFile(csvPath, vals); err != nil {
					return err
				}
			}
			p, problems := plan.Build(a, vals)
			if len(problems) > 0 {
				return withCode(ExitUsage, e.flagProblems(a, s, problems))
			}
			return e.act(ref, args[0], a, p)
		},
	}
	ref.flags(cmd)
	for _, f := range a.Fields {
		flag := s.flagOf(f)
		if f.Type == plan.FieldStep && s.step != "" {
			continue
		}
		usage := f.Label.In(plan.EN)
		if !f.Help.IsZero() {
			usage += ": " + f.Help.In(plan.EN)
		}
		switch f.Type {
		case plan.FieldBool:
			bools[flag] = cmd.Flags().Bool(flag, false, usage)
		case plan.FieldRefs:
			arrays[flag] = cmd.Flags().StringArray(flag, nil, usage+" (repeatable)")
		default:
			strs[flag] = cmd.Flags().String(flag, "", usage)
		}
		if f.Required && f.Type != plan.FieldRefs {
			_ = cmd.MarkFlagRequired(flag)
		}
	}
	if a.Name == plan.ActEnrol {
		cmd.Flags().StringVar(&csvPath, "csv", "", "a participants file: id,name,email,phone (only the IDs are sent)")
	}
	return cmd
}

// act sends an action to a rollout and prints what changed. The status
// before the action is read first: it is what the change is measured
// against, and it tells a rollout that has ended from one that never existed.
func (e *env) act(ref rolloutRef, code string, a plan.Action, p plan.Payload) error {
	m, id, before, err := ref.status(e, code)
	if err != nil {
		return err
	}
	rc, err := e.rollouts()
	if err != nil {
		return err
	}
	switch ext, isExt := p.(*plan.Extension); {
	case a.Target == plan.ToCohort:
		if before, err = rc.Status(e.ctx, rollout.CohortWorkflowID(id)); err != nil {
			return e.cohortAbsent(m, ref.wave, before, id, a)
		}
	case isExt && !slices.Contains(before.WaitingOn, ext.Step) && before.CohortID != "":
		if cst, err := rc.Status(e.ctx, before.CohortID); err == nil && slices.Contains(cst.WaitingOn, ext.Step) {
			before = cst // the client sends it there too
		}
	}
	after, err := rc.Act(e.ctx, id, a.Name, p)
	if err != nil {
		return e.actError(m, ref.wave, id, a, before, err)
	}
	headline := e.t("Vastgelegd voor %s, ronde %s: %s.", "Recorded for %s, wave %s: %s.", m, ref.wave, strings.ToLower(a.Label.In(e.lang)))
	printChange(e, headline, before, after)
	return nil
}

// actError explains an action that did not get through, with its exit code.
func (e *env) actError(m municipality.Municipality, waveName, id string, a plan.Action, before rollout.Status, err error) error {
	var rej *rollout.RejectedError
	switch {
	case errors.As(err, &rej):
		return withCode(ExitRejected, fmt.Errorf("%s", e.t("%s geweigerd door %s: %s", "%s rejected by %s: %s", a.Name, rej.WorkflowID, rej.Problems.In(e.lang))))
	case errors.Is(err, rollout.ErrEnded):
		return withCode(ExitRejected, fmt.Errorf("%s", e.t("%s geweigerd door %s: de uitrol is afgerond (fase %s, uitkomst %s): er kan niets meer worden vastgelegd",
			"%s rejected by %s: the rollout has ended (phase %s, outcome %s): nothing more can be recorded", a.Name, id, before.Phase.Label(), before.Outcome.Label())))
	case errors.Is(err, rollout.ErrNoCohort):
		return e.cohortAbsent(m, waveName, before, id, a)
	case errors.Is(err, rollout.ErrNotFound):
		return notFound(e, m, waveName, id)
	}
	return err
}

// cohortAbsent explains why a cohort action has nowhere to go.
func (e *env) cohortAbsent(m municipality.Municipality, waveName string, _ rollout.Status, id string, a plan.Action) error {
	rc, err := e.rollouts()
	if err != nil {
		return err
	}
	st, err := rc.Status(e.ctx, id)
	if err != nil {
		return notFound(e, m, waveName, id)
	}
	if st.CohortID != "" {
		return withCode(ExitRejected, fmt.Errorf("%s", e.t("%s: de opleiding van %s in ronde %s (%s) is afgelopen: de uitrol is in de fase %s, uitkomst %s",
			"%s: the cohort of %s in wave %s (%s) has ended: the rollout is in phase %s, outcome %s", a.Name, m, waveName, st.CohortID, st.Phase.Label(), st.Outcome.Label())))
	}
	extra := e.t(" (uitkomst %s)", " (outcome %s)", st.Outcome.Label())
	if st.Phase != plan.PhaseDone {
		extra = e.t("; de opleiding start op de geplande start, %s, als alles klaar is", "; the cohort starts at the planned start, %s, when everything is ready", when(st.PlannedStart))
	}
	return withCode(ExitRejected, fmt.Errorf("%s", e.t("%s: de opleiding van %s in ronde %s is nog niet gestart: de uitrol is in de fase %s%s",
		"%s: the cohort of %s in wave %s has not started: the rollout is in phase %s%s", a.Name, m, waveName, st.Phase.Label(), extra)))
}

// flagProblems writes problems found in the flags, each with its flag.
func (e *env) flagProblems(a plan.Action, s shortcut, ps plan.Problems) error {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Text.In(e.lang)
		if f := a.Field(p.Field); f != nil {
			lines[i] = "--" + s.flagOf(*f) + ": " + lines[i]
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// participantsFile reads enrol's --csv into the IDs: every bad row is
// reported and nothing is sent; names, e-mails and phones stay in the file.
func (e *env) participantsFile(path string, vals map[string][]string) error {
	ids := vals["participantIds"]
	if (len(ids) == 0) == (path == "") {
		return withCode(ExitUsage, errors.New(e.t("geef de deelnemers met --id (herhaalbaar) of --csv BESTAND, niet allebei", "give the participants with --id (repeatable) or --csv FILE, not both")))
	}
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--csv: %w", err))
	}
	defer f.Close()
	ps, problems := plan.ParseParticipants(f)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.Text.In(e.lang)
		}
		return withCode(ExitUsage, fmt.Errorf("%s\n%s", e.t("%s heeft foute regels; er is niets verstuurd:", "%s has bad rows; nothing was sent:", path), strings.Join(lines, "\n")))
	}
	for _, p := range ps {
		vals["participantIds"] = append(vals["participantIds"], p.ID)
	}
	return nil
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// usageFlags lists an action's flags for its usage line.
func usageFlags(a plan.Action, s shortcut) string {
	var b strings.Builder
	for _, f := range a.Fields {
		if f.Type == plan.FieldStep && s.step != "" {
			continue
		}
		part := "--" + s.flagOf(f)
		if f.Type != plan.FieldBool {
			part += " " + strings.ToUpper(strings.ReplaceAll(s.flagOf(f), "-", "_"))
		}
		if !f.Required {
			part = "[" + part + "]"
		}
		b.WriteString(" " + part)
	}
	return b.String()
}

// fieldHelp explains an action's fields below its description.
func fieldHelp(a plan.Action, s shortcut) string {
	var b strings.Builder
	for _, f := range a.Fields {
		if f.Help.IsZero() || f.Type == plan.FieldStep && s.step != "" {
			continue
		}
		fmt.Fprintf(&b, "\n  --%s: %s", s.flagOf(f), f.Help.In(plan.EN))
		if len(f.Choices) > 0 {
			vals := make([]string, len(f.Choices))
			for i, c := range f.Choices {
				vals[i] = c.Value
			}
			fmt.Fprintf(&b, " (%s)", strings.Join(vals, ", "))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n" + b.String()
}

// exampleOf is an example call from the required fields' examples.
func exampleOf(a plan.Action, s shortcut) string {
	parts := []string{"  starter", s.name, "GM0344", "--wave", "demo"}
	for _, f := range a.Fields {
		if !f.Required || f.Example == "" {
			continue
		}
		v := f.Example
		if strings.ContainsAny(v, " ,") {
			v = `"` + v + `"`
		}
		parts = append(parts, "--"+s.flagOf(f), v)
	}
	return strings.Join(parts, " ")
}

// rolloutRef is the "CODE --wave WAVE" that names a rollout in every staff action.
type rolloutRef struct {
	wave string
}

func (r *rolloutRef) flags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&r.wave, "wave", "w", "", "wave of the rollout: 2012, demo, or the name of a wave started from a file (e.g. 2013)")
	_ = cmd.MarkFlagRequired("wave")
}

func (r *rolloutRef) resolve(code string) (municipality.Municipality, string, error) {
	if !rollout.ValidWaveName(r.wave) {
		return municipality.Municipality{}, "", withCode(ExitUsage, fmt.Errorf("--wave %q: a wave's name is 1 to 20 letters, digits or hyphens", r.wave))
	}
	m, err := lookupMunicipality(code)
	if err != nil {
		return m, "", err
	}
	return m, rollout.WorkflowID(r.wave, m.Code), nil
}

// status resolves a rollout and reads its status; a rollout that never
// existed exits 4.
func (r *rolloutRef) status(e *env, code string) (municipality.Municipality, string, rollout.Status, error) {
	m, id, err := r.resolve(code)
	if err != nil {
		return m, id, rollout.Status{}, err
	}
	rc, err := e.rollouts()
	if err != nil {
		return m, id, rollout.Status{}, err
	}
	st, err := rc.Status(e.ctx, id)
	if errors.Is(err, rollout.ErrNotFound) {
		return m, id, st, notFound(e, m, r.wave, id)
	}
	return m, id, st, err
}

// notFound turns "no such workflow" into a message staff can act on.
func notFound(e *env, m municipality.Municipality, waveName, id string) error {
	return withCode(ExitNotFound, fmt.Errorf("%s", e.t("geen uitrol voor %s in ronde %s (workflow %s): start er een met 'starter start --municipality %s --wave %s --contact-email …'",
		"no rollout for %s in wave %s (workflow %s): start one with 'starter start --municipality %s --wave %s --contact-email …'", m, waveName, id, m.Code, waveName)))
}
