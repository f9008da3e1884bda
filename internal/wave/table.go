package wave

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// LifecycleTable writes a wave's plan as the README's lifecycle table
// (markdown): one row per step, drawn from the plan and its kinds'
// declarations, so the table cannot drift from what the workflows do.
func LifecycleTable(c Calendar) string {
	var b strings.Builder
	b.WriteString("| step (phase) | when | who acts (action) | needed to start | reminder | e-mails |\n|---|---|---|---|---|---|\n")
	for _, s := range c.Steps {
		k, _ := plan.KindOf(s.Kind)
		fmt.Fprintf(&b, "| %s (`%s`, %s) | %s | %s | %s | %s | %s |\n",
			s.Label.EN, s.ID, s.Phase, when(c, s), whoActs(s, k), map[bool]string{true: "yes", false: "—"}[s.Required],
			reminder(c, s), templates(s, k))
	}
	return b.String()
}

func date(t time.Time) string { return t.In(Amsterdam).Format("Mon 2 Jan 2006") }

func days(c Calendar, d time.Duration) string {
	n := int(d / c.dayLength())
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// when says the step's date rule as the wave gives it.
func when(c Calendar, s plan.Step) string {
	start := c.IntendedStart()
	switch s.Kind {
	case plan.KindCourse:
		var ds []string
		for _, d := range s.Days {
			v := fmt.Sprintf("%s, %s, %d half-days", date(d.Date), d.Place, d.HalfDays)
			if d.Overnight {
				v += ", overnight"
			}
			ds = append(ds, v)
		}
		return strings.Join(ds, "; ") + "; attendance within " + days(c, s.Grace)
	case plan.KindModule:
		return fmt.Sprintf("%s, until %s after the start", days(c, s.Length), days(c, s.Due.Sub(start)))
	case plan.KindReports:
		return fmt.Sprintf("%d, every %s from the start, each due %s later", s.Count, days(c, s.Every), days(c, s.Grace))
	case plan.KindStart:
		return date(s.Due) + "; a postponement moves it"
	}
	v := "until " + date(s.Due)
	if !s.From.IsZero() {
		v = "from " + date(s.From) + ", " + v
	}
	if s.FollowsStart {
		v += " (moves with the start)"
	}
	return v
}

// whoActs names the step's party and its actions, and whether the party
// does them itself, through the personal link in its e-mails (the action's
// declaration lets it), or staff record them.
func whoActs(s plan.Step, k plan.Kind) string {
	var acts, others []string
	byLink := false
	for _, name := range k.Actions {
		acts = append(acts, "`"+name+"`")
		a, ok := plan.ActionNamed(name)
		if !ok {
			continue
		}
		confirmOrCount := name == plan.ActConfirm || name == plan.ActCount
		if slices.Contains(a.By, s.Party) || confirmOrCount && s.Party != plan.PartyStaff {
			byLink = true
		}
		for _, p := range a.By {
			if p != s.Party && !confirmOrCount && !slices.Contains(others, p.Label().EN) {
				others = append(others, p.Label().EN)
			}
		}
	}
	who := s.Party.Label().EN
	if len(acts) == 0 {
		return who
	}
	if byLink {
		who += " via link (or BMP staff)"
	}
	out := who + ": " + strings.Join(acts, ", ")
	if len(others) > 0 {
		out += "; the " + strings.Join(others, ", ") + " too, via link"
	}
	return out
}

func reminder(c Calendar, s plan.Step) string {
	switch {
	case s.Remind <= 0:
		return "—"
	case s.Kind == plan.KindCourse:
		return days(c, s.Remind) + " before each day, to the " + s.Attendees.Label().EN
	}
	return days(c, s.Remind) + " before, to the " + s.Party.Label().EN
}

// templates lists the e-mails a step sends: its kind's own that apply to
// it, then the reminder, the overdue notice and the escalation.
func templates(s plan.Step, k plan.Kind) string {
	var ts []string
	for _, t := range k.Templates {
		switch {
		case t == "producer-course-reminder" && s.Attendees != plan.PartyProducer,
			t == "teacher-course-reminder" && s.Attendees != plan.PartyTeacher,
			t == "funding-request" && s.Ask == "",
			t == "module-start" && s.Practicum, t == "practicum-start" && !s.Practicum:
			continue
		}
		ts = append(ts, t)
	}
	if s.Remind > 0 && s.Kind != plan.KindCourse {
		ts = append(ts, "step-reminder")
	}
	if k.Name != plan.KindStart && k.Name != plan.KindCohort && k.Name != plan.KindModule {
		if s.Party != plan.PartyStaff {
			ts = append(ts, "step-overdue")
		}
		ts = append(ts, "step-escalation")
	}
	for i, t := range ts {
		ts[i] = "`" + t + "`"
	}
	if len(ts) == 0 {
		return "—"
	}
	return strings.Join(ts, ", ")
}
