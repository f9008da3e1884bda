package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/workflows"
)

// when writes a moment for staff, in local time; zero is "—".
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST") // the zone, since a server often runs on UTC
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// diffStatus lists, for staff, what an action changed in a rollout's (or a
// cohort's) status: phase, steps (new, state, due date, problem, last action)
// and the recorded counts.
func diffStatus(before, after workflows.Status) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if before.Phase != after.Phase {
		add("phase: %s → %s", orDash(string(before.Phase)), after.Phase)
	}
	if before.Outcome != after.Outcome {
		add("outcome: %s → %s", orDash(string(before.Outcome)), orDash(string(after.Outcome)))
	}
	if before.Stalled != after.Stalled {
		add("stalled: %s → %s", yesNo(before.Stalled), yesNo(after.Stalled))
	}
	old := map[string]workflows.Step{}
	for _, s := range before.Steps {
		old[s.Name] = s
	}
	for _, s := range after.Steps {
		b, existed := old[s.Name]
		name := fmt.Sprintf("step %s (%s)", s.Name, s.Label)
		if !existed {
			add("%s: new, %s, due %s", name, s.State, when(s.Due))
			continue
		}
		var parts []string
		if b.State != s.State {
			parts = append(parts, fmt.Sprintf("%s → %s", b.State, s.State))
		}
		if !b.Due.Equal(s.Due) {
			parts = append(parts, fmt.Sprintf("due %s → %s", when(b.Due), when(s.Due)))
		}
		if b.Problem != s.Problem {
			if s.Problem == "" {
				parts = append(parts, "problem cleared")
			} else {
				parts = append(parts, "problem: "+s.Problem)
			}
		}
		if s.LastAction != "" && (b.LastAction != s.LastAction || !b.LastActionAt.Equal(s.LastActionAt)) {
			parts = append(parts, fmt.Sprintf("last action: %s (%s)", s.LastAction, when(s.LastActionAt)))
		}
		if len(parts) > 0 {
			add("%s: %s", name, strings.Join(parts, "; "))
		}
	}
	if before.CommittedCents != after.CommittedCents {
		add("funding committed: %s → %s of %s", mail.Euro(before.CommittedCents), mail.Euro(after.CommittedCents), mail.Euro(after.BudgetCents))
	}
	if before.Participants != after.Participants {
		add("participants enrolled: %d → %d (minimum %d)", before.Participants, after.Participants, after.MinimumGroup)
	}
	oldT := map[string]workflows.TeacherStatus{}
	for _, t := range before.Teachers {
		oldT[t.ID] = t
	}
	for _, t := range after.Teachers {
		b, ok := oldT[t.ID]
		switch {
		case !ok:
			add("teacher %s (%s) put forward", t.ID, t.Name)
		case b.HalfDays != t.HalfDays || b.Complete != t.Complete:
			add("teacher %s: half-days followed %d → %d%s", t.ID, b.HalfDays, t.HalfDays, map[bool]string{true: " (complete)", false: ""}[t.Complete])
		}
	}
	if after.Location != nil && (before.Location == nil || *before.Location != *after.Location) {
		add("location: %s, %s", after.Location.Name, after.Location.Place)
	}
	if before.Internships != after.Internships {
		add("internship places: %d → %d", before.Internships, after.Internships)
	}
	if before.Handbook != after.Handbook {
		add("handbook handed out: %s → %s", yesNo(before.Handbook), yesNo(after.Handbook))
	}
	if !before.PlannedStart.Equal(after.PlannedStart) {
		add("planned start: %s → %s", when(before.PlannedStart), when(after.PlannedStart))
	}
	if !before.StartedAt.Equal(after.StartedAt) {
		add("started: %s", when(after.StartedAt))
	}
	if before.CohortID != after.CohortID {
		add("cohort: %s", after.CohortID)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// printChange writes the headline, what changed, and where the workflow now stands.
func printChange(w io.Writer, headline string, before, after workflows.Status) {
	fmt.Fprintln(w, headline)
	changes := diffStatus(before, after)
	if len(changes) == 0 {
		fmt.Fprintln(w, "  (no change visible in the status)")
	}
	for _, c := range changes {
		fmt.Fprintln(w, "  "+c)
	}
	fmt.Fprintln(w, nowLine(after))
}

// nowLine says where a workflow stands: phase, what it waits on, next due date.
func nowLine(st workflows.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Now: phase %s", st.Phase)
	if st.Outcome != "" {
		fmt.Fprintf(&b, ", outcome %s", st.Outcome)
	}
	if len(st.WaitingOn) > 0 {
		fmt.Fprintf(&b, "; waiting on %s", strings.Join(st.WaitingOn, ", "))
		if !st.DueAt.IsZero() {
			fmt.Fprintf(&b, " (next due %s)", when(st.DueAt))
		}
	}
	if st.Stalled {
		var names []string
		for _, s := range st.Steps {
			if s.Stalled() && !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
		fmt.Fprintf(&b, "; STALLED: %s", strings.Join(names, ", "))
	}
	b.WriteString(".")
	return b.String()
}
