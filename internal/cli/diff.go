package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// when writes a moment for staff, in Dutch time (the one zone staff read);
// zero is "—".
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(wave.Amsterdam).Format("2006-01-02 15:04:05")
}

func (e *env) yesNo(b bool) string {
	if b {
		return e.t("ja", "yes")
	}
	return e.t("nee", "no")
}

// diffStatus lists, for staff, what an action changed in a rollout's (or a
// cohort's) status: phase, outcome, lines (new, state, due date, problem,
// last action) and the recorded counts.
func (e *env) diffStatus(before, after rollout.Status) []string {
	var out []string
	add := func(nl, en string, args ...any) { out = append(out, e.t(nl, en, args...)) }
	if before.PhaseLabel() != after.PhaseLabel() {
		add("fase: %s → %s", "phase: %s → %s", before.PhaseLabel(), after.PhaseLabel())
	}
	if before.Outcome != after.Outcome {
		add("uitkomst: %s → %s", "outcome: %s → %s", before.Outcome.Label(), after.Outcome.Label())
	}
	if before.Stalled != after.Stalled {
		add("vastgelopen: %s → %s", "stalled: %s → %s", e.yesNo(before.Stalled), e.yesNo(after.Stalled))
	}
	for _, s := range after.Steps {
		out = append(out, e.diffLine(before.Line(s.Name), s)...)
	}
	out = append(out, e.diffRecorded(before, after)...)
	return out
}

// diffLine says what changed on one line.
func (e *env) diffLine(b *rollout.Step, s rollout.Step) []string {
	name := e.t("stap %s (%s)", "step %s (%s)", s.Name, s.Label)
	if b == nil {
		return []string{e.t("%s: nieuw, %s, uiterlijk %s", "%s: new, %s, due %s", name, s.State.Label(), when(s.Due))}
	}
	var parts []string
	if b.State != s.State {
		parts = append(parts, fmt.Sprintf("%s → %s", b.State.Label().In(e.lang), s.State.Label().In(e.lang)))
	}
	if !b.Due.Equal(s.Due) {
		parts = append(parts, e.t("uiterlijk %s → %s", "due %s → %s", when(b.Due), when(s.Due)))
	}
	if b.Problem != s.Problem {
		if s.Problem.IsZero() {
			parts = append(parts, e.t("probleem opgelost", "problem cleared"))
		} else {
			parts = append(parts, e.t("probleem: %s", "problem: %s", s.Problem))
		}
	}
	if !s.LastAction.IsZero() && (b.LastAction != s.LastAction || !b.LastActionAt.Equal(s.LastActionAt)) {
		parts = append(parts, e.t("laatste actie: %s", "last action: %s", e.lastAction(s)))
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{name + ": " + strings.Join(parts, "; ")}
}

// lastAction writes a line's last action with when and who.
func (e *env) lastAction(s rollout.Step) string {
	if s.LastAction.IsZero() {
		return ""
	}
	v := s.LastAction.In(e.lang)
	if !s.LastActionAt.IsZero() {
		v += " (" + when(s.LastActionAt)
		if s.LastActor != nil {
			v += ", " + s.LastActor.Label().In(e.lang)
		}
		v += ")"
	}
	return v
}

// diffRecorded says what changed in the recorded counts.
func (e *env) diffRecorded(before, after rollout.Status) []string {
	var out []string
	add := func(nl, en string, args ...any) { out = append(out, e.t(nl, en, args...)) }
	if before.CommittedCents != after.CommittedCents {
		add("financiering toegezegd: %s → %s van %s", "funding committed: %s → %s of %s", mail.Euro(before.CommittedCents), mail.Euro(after.CommittedCents), mail.Euro(after.BudgetCents))
	}
	if before.Participants != after.Participants {
		add("deelnemers ingeschreven: %d → %d (minimaal %d)", "participants enrolled: %d → %d (minimum %d)", before.Participants, after.Participants, after.MinimumGroup)
	}
	for _, t := range after.Teachers {
		i := slices.IndexFunc(before.Teachers, func(b rollout.TeacherStatus) bool { return b.ID == t.ID })
		switch {
		case i < 0:
			add("docent %s (%s) aangemeld", "teacher %s (%s) put forward", t.ID, t.Name)
		case before.Teachers[i].HalfDays != t.HalfDays || before.Teachers[i].Complete != t.Complete:
			add("docent %s: gevolgde dagdelen %d → %d%s", "teacher %s: half-days followed %d → %d%s", t.ID, before.Teachers[i].HalfDays, t.HalfDays, map[bool]plan.Text{true: plan.T(" (compleet)", " (complete)")}[t.Complete])
		}
	}
	if after.Location != nil && (before.Location == nil || *before.Location != *after.Location) {
		add("leslocatie: %s, %s", "location: %s, %s", after.Location.Name, after.Location.Place)
	}
	if before.Internships != after.Internships {
		add("stageplekken: %d → %d", "internship places: %d → %d", before.Internships, after.Internships)
	}
	if before.PeerGroups != after.PeerGroups {
		add("lotgenotengroepen: %d → %d", "peer-support groups: %d → %d", before.PeerGroups, after.PeerGroups)
	}
	if !before.PlannedStart.Equal(after.PlannedStart) && !after.Cohort {
		add("geplande start: %s → %s", "planned start: %s → %s", when(before.PlannedStart), when(after.PlannedStart))
	}
	if !before.StartedAt.Equal(after.StartedAt) && !after.Cohort {
		add("gestart: %s", "started: %s", when(after.StartedAt))
	}
	if before.CohortID != after.CohortID {
		add("opleiding: %s", "cohort: %s", after.CohortID)
	}
	return out
}

// printChange writes the headline, what changed, and where the workflow now stands.
func printChange(e *env, headline string, before, after rollout.Status) {
	fmt.Fprintln(e.out, headline)
	changes := e.diffStatus(before, after)
	if len(changes) == 0 {
		fmt.Fprintln(e.out, "  "+e.t("(geen verandering te zien in de stand)", "(no change visible in the status)"))
	}
	for _, c := range changes {
		fmt.Fprintln(e.out, "  "+c)
	}
	fmt.Fprintln(e.out, e.nowLine(after))
}

// nowLine says where a workflow stands: phase, what it waits on, next due date.
func (e *env) nowLine(st rollout.Status) string {
	var b strings.Builder
	b.WriteString(e.t("Nu: fase %s", "Now: phase %s", st.PhaseLabel()))
	if st.Outcome != "" {
		b.WriteString(e.t(", uitkomst %s", ", outcome %s", st.Outcome.Label()))
	}
	if len(st.WaitingOn) > 0 {
		b.WriteString(e.t("; wacht op %s", "; waiting on %s", strings.Join(st.WaitingOn, ", ")))
		if !st.DueAt.IsZero() {
			b.WriteString(e.t(" (eerstvolgende uiterlijk %s)", " (next due %s)", when(st.DueAt)))
		}
	}
	if st.Stalled {
		var names []string
		for _, s := range st.Steps {
			if s.Stalled() && !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
		b.WriteString(e.t("; VASTGELOPEN: %s", "; STALLED: %s", strings.Join(names, ", ")))
	}
	b.WriteString(".")
	return b.String()
}
