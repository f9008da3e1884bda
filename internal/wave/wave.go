// Package wave holds rollout waves: a wave's plan (every step with its
// dates, internal/plan) and its numbers. A rollout receives its whole wave in
// its workflow input, so a change to a wave never alters the rules of a
// rollout that already runs. Besides the built-in waves (Lookup), staff
// define a wave in a file (LoadFile, ParseFile).
package wave

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the calendar is Dutch local time, whatever the host's zone files

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Amsterdam is the zone in which every wave date is meant.
var Amsterdam = mustZone("Europe/Amsterdam")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("wave: load zone %s: %v", name, err))
	}
	return loc
}

// Module is one part of the ten-month cohort; the last one is the practicum
// (praktijkdeel), which needs the internship places.
type Module struct {
	Name      string        `json:"name"`
	Length    time.Duration `json:"length"`
	Practicum bool          `json:"practicum,omitempty"`
}

// Calendar is a wave: its plan, with absolute dates (UTC), and its numbers.
type Calendar struct {
	Name string `json:"name"`
	// DayLength is how long one calendar day lasts: 24h for a real wave,
	// about a second for the demo or a rehearsal.
	DayLength time.Duration `json:"dayLength"`
	Opens     time.Time     `json:"opens"` // the call to municipalities goes out

	PlannedGroup            int   `json:"plannedGroup"`
	MinimumGroup            int   `json:"minimumGroup"` // (open in the seed) smallest group that may start
	CostPerParticipantCents int64 `json:"costPerParticipantCents"`
	PremiumCents            int64 `json:"premiumCents"` // (open in the seed) stimuleringspremie

	// The leads and graces the plan was built with; the steps carry their own.
	ReminderLead    time.Duration `json:"reminderLead"`
	AttendanceGrace time.Duration `json:"attendanceGrace"`
	InternshipLead  time.Duration `json:"internshipLead"`
	ReportEvery     time.Duration `json:"reportEvery"`
	ReportGrace     time.Duration `json:"reportGrace"`
	GraduationGrace time.Duration `json:"graduationGrace"`

	// Steps is the plan, in the order of the brochure's calendar.
	Steps []plan.Step `json:"steps"`
}

// Step returns a step of the plan; the zero Step when there is none.
func (c Calendar) Step(id string) plan.Step {
	if s := plan.Find(c.Steps, id); s != nil {
		return *s
	}
	return plan.Step{}
}

// Budget is what the cohort costs at the planned group size.
func (c Calendar) Budget() int64 { return int64(c.PlannedGroup) * c.CostPerParticipantCents }

// The brochure's dates, read from the plan.
func (c Calendar) ApplicationDeadline() time.Time { return c.Step(StepApplication).Due }
func (c Calendar) ProducerCourse() []plan.Day     { return c.Step(StepProducerCourse).Days }
func (c Calendar) TeacherDeadline() time.Time     { return c.Step(StepTeacher).Due }
func (c Calendar) TeacherCourse() []plan.Day      { return c.Step(StepTeacherCourse).Days }
func (c Calendar) FundingDue() time.Time          { return c.Step(StepFunding).Due }
func (c Calendar) RecruitmentDue() time.Time      { return c.Step(StepRecruitment).Due }
func (c Calendar) LocationDue() time.Time         { return c.Step(StepLocation).Due }

// IntendedStart is the planned start (beoogde start): the start step's date.
func (c Calendar) IntendedStart() time.Time {
	for _, s := range c.Steps {
		if s.Kind == plan.KindStart {
			return s.Due
		}
	}
	return time.Time{}
}

// Modules lists the cohort's modules, the practicum last.
func (c Calendar) Modules() []Module {
	var out []Module
	for _, s := range plan.OfKind(c.Steps, plan.KindModule) {
		out = append(out, Module{Name: s.Label.NL, Length: s.Length, Practicum: s.Practicum})
	}
	return out
}

// CohortLength is the cohort's whole duration: the modules and the practicum.
func (c Calendar) CohortLength() time.Duration {
	var d time.Duration
	for _, m := range c.Modules() {
		d += m.Length
	}
	return d
}

// TeacherHalfDays is how many half-days a teacher must complete.
func (c Calendar) TeacherHalfDays() int { return c.Step(StepTeacherCourse).TeacherHalfDays() }

// Compressed tells whether the wave runs faster than the real calendar (the
// demo, or a rehearsal of a wave file).
func (c Calendar) Compressed() bool { return c.DayLength > 0 && c.DayLength < day }

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Amsterdam).UTC()
}

// endOfDay is the last moment of a date: "until 2 March" includes 2 March.
func endOfDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, Amsterdam).UTC()
}

const day = 24 * time.Hour

// Wave2012 is the seed's calendar (the brochure "Ook in jouw gemeente een
// opleiding voor allochtone mantelzorgers?"). Values the seed leaves open are
// marked; they are this product's defaults.
func Wave2012() Calendar {
	return Build(Dates2012(), nil)
}

// Dates2012 are the 2012 brochure's dates and numbers.
func Dates2012() Dates {
	return Dates{
		Name:                "2012",
		Opens:               at(2012, time.January, 16, 9, 0), // (open) the call's publication
		ApplicationDeadline: endOfDay(2012, time.March, 2),
		ProducerCourse: []plan.Day{
			{Date: at(2012, time.March, 23, 10, 0), End: at(2012, time.March, 23, 16, 0), Place: "Utrecht", HalfDays: 2},
			{Date: at(2012, time.March, 30, 10, 0), End: at(2012, time.March, 30, 16, 0), Place: "Utrecht", HalfDays: 2},
		},
		TeacherDeadline: endOfDay(2012, time.June, 1),
		TeacherCourse: []plan.Day{
			{Date: at(2012, time.June, 8, 10, 0), End: at(2012, time.June, 8, 16, 30), Place: "Utrecht", HalfDays: 2},
			{Date: at(2012, time.June, 21, 10, 0), End: at(2012, time.June, 21, 21, 0), Place: "Soesterberg", HalfDays: 2, Overnight: true},
			{Date: at(2012, time.June, 22, 9, 0), End: at(2012, time.June, 22, 16, 0), Place: "Soesterberg", HalfDays: 2, Overnight: true},
		},
		FundingDue:     endOfDay(2012, time.August, 24),   // (open) a week before the start
		RecruitmentDue: endOfDay(2012, time.August, 17),   // (open) "shortly before the start"
		LocationDue:    endOfDay(2012, time.August, 24),   // (open)
		IntendedStart:  at(2012, time.September, 3, 9, 0), // first Monday of September
		Modules: []Module{ // (open) 10 months: three modules of about two months, then the practicum
			{Name: "Module 1", Length: 61 * day},
			{Name: "Module 2", Length: 61 * day},
			{Name: "Module 3", Length: 61 * day},
			{Name: "Praktijkdeel", Length: 122 * day, Practicum: true},
		},
		PlannedGroup:            17,
		MinimumGroup:            12,     // (open)
		CostPerParticipantCents: 150000, // € 1.500
		PremiumCents:            250000, // (open) € 2.500
		ReminderLead:            7 * day,
		AttendanceGrace:         3 * day,
		InternshipLead:          14 * day,
		ReportEvery:             30 * day,
		ReportGrace:             7 * day,
		GraduationGrace:         14 * day,
	}
}

// Compress shifts a wave to begin at opens and runs it faster: one of its
// days lasts dayLength. The demo wave is the 2012 wave compressed this way, so
// a newcomer sees a whole lifecycle in minutes with the real calendar's shape.
func Compress(c Calendar, name string, opens time.Time, dayLength time.Duration) Calendar {
	if dayLength <= 0 {
		dayLength = time.Second
	}
	scale := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(dayLength) / float64(c.dayLength()))
	}
	move := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return opens.Add(scale(t.Sub(c.Opens))).UTC()
	}
	out := c
	out.Name = name
	out.DayLength = dayLength
	out.Opens = opens.UTC()
	for _, d := range []*time.Duration{&out.ReminderLead, &out.AttendanceGrace, &out.InternshipLead, &out.ReportEvery, &out.ReportGrace, &out.GraduationGrace} {
		*d = scale(*d)
	}
	out.Steps = make([]plan.Step, len(c.Steps))
	for i, s := range c.Steps {
		s.Due, s.From = move(s.Due), move(s.From)
		s.Remind, s.Grace, s.Length, s.Every = scale(s.Remind), scale(s.Grace), scale(s.Length), scale(s.Every)
		days := make([]plan.Day, len(s.Days))
		for j, d := range s.Days {
			d.Date, d.End = move(d.Date), move(d.End)
			days[j] = d
		}
		if s.Days == nil {
			days = nil
		}
		s.Days = days
		out.Steps[i] = s
	}
	return out
}

func (c Calendar) dayLength() time.Duration {
	if c.DayLength <= 0 {
		return day
	}
	return c.DayLength
}

// DemoDayLength is how long a demo-wave day lasts by default.
const DemoDayLength = time.Second

// Demo is the name of the compressed demonstration wave.
const Demo = "demo"

// Names lists the built-in waves.
func Names() []string {
	n := []string{"2012", Demo}
	sort.Strings(n)
	return n
}

// Lookup returns a built-in wave. The demo wave opens at now, with one day
// lasting dayLength (DemoDayLength when zero).
func Lookup(name string, now time.Time, dayLength time.Duration) (Calendar, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "2012":
		return Wave2012(), nil
	case Demo:
		if dayLength == 0 {
			dayLength = DemoDayLength
		}
		return Compress(Wave2012(), Demo, now, dayLength), nil
	case "":
		return Calendar{}, fmt.Errorf("no wave given: name one of %s (e.g. --wave demo)", strings.Join(Names(), ", "))
	default:
		return Calendar{}, fmt.Errorf("unknown wave %q: the built-in waves are %s", name, strings.Join(Names(), ", "))
	}
}

// Validate checks a wave's plan and numbers, so a mistyped wave fails at
// start rather than months into a rollout: the plan's own rules
// (plan.Check), and its order: every step due after its phase opens, every
// step the start gate needs due before the start.
func (c Calendar) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("the wave has no name"))
	}
	if err := plan.Check(c.Steps, c.IntendedStart()); err != nil {
		errs = append(errs, err)
	}
	if c.PlannedGroup <= 0 || c.MinimumGroup <= 0 || c.MinimumGroup > c.PlannedGroup {
		errs = append(errs, errors.New("group sizes must satisfy 0 < minimum <= planned"))
	}
	if c.CostPerParticipantCents <= 0 {
		errs = append(errs, errors.New("the cost per participant must be positive"))
	}
	errs = append(errs, c.checkOrder()...)
	if len(errs) > 0 {
		return fmt.Errorf("wave %q is not valid: %w", c.Name, errors.Join(errs...))
	}
	return nil
}

// PhaseOpens is when a phase of the wave's rollouts begins, as planned: the
// application phase at the opening, the producer course at the application
// deadline, the preparation when the producer course's last day ends, the
// start at the intended start.
func (c Calendar) PhaseOpens(p plan.Phase) time.Time {
	switch p {
	case plan.PhaseApplication:
		return c.Opens
	case plan.PhaseProducerCourse:
		return c.ApplicationDeadline()
	case plan.PhasePreparation:
		end := c.ApplicationDeadline()
		for _, s := range c.Steps {
			if s.Phase == plan.PhaseProducerCourse {
				for _, d := range s.Days {
					end = maxTime(end, d.End)
				}
			}
		}
		return end
	}
	return c.IntendedStart()
}

func (c Calendar) checkOrder() []error {
	var errs []error
	start := c.IntendedStart()
	for _, s := range c.Steps {
		if s.Phase != plan.PhaseProducerCourse && s.Phase != plan.PhasePreparation || s.Kind == plan.KindCourse {
			continue
		}
		if opens := c.PhaseOpens(s.Phase); !s.Due.After(opens) {
			errs = append(errs, fmt.Errorf("step %s is due %s, before its phase (%s) opens at %s", s.ID, dutch(s.Due), s.Phase, dutch(opens)))
		}
		if s.Required && !start.IsZero() && !s.Due.Before(start) {
			errs = append(errs, fmt.Errorf("step %s is needed for the start but due %s, not before the start %s", s.ID, dutch(s.Due), dutch(start)))
		}
	}
	app := c.ApplicationDeadline()
	if !app.After(c.Opens) {
		errs = append(errs, errors.New("the application deadline must come after the wave opens"))
	}
	if days := c.ProducerCourse(); len(days) > 0 && !days[0].Date.After(app) {
		errs = append(errs, errors.New("the producer course must come after the application deadline"))
	}
	if days := c.TeacherCourse(); len(days) > 0 && !days[0].Date.After(c.TeacherDeadline()) {
		errs = append(errs, errors.New("the teacher course must come after the teacher deadline"))
	}
	if len(c.Modules()) == 0 {
		errs = append(errs, errors.New("the cohort has no modules"))
	}
	return errs
}

func dutch(t time.Time) string { return t.In(Amsterdam).Format("2006-01-02 15:04") }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
