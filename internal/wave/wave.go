// Package wave holds the calendars of rollout waves: every date and number a
// rollout needs. A rollout receives its whole calendar in its workflow input,
// so a calendar change never alters the rules of a rollout that already runs.
// Besides the built-in waves (Lookup), staff define a wave in a file
// (LoadFile, ParseFile).
package wave

import (
	"fmt"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the calendar is Dutch local time, whatever the host's zone files
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

// CourseDay is one meeting of a course (cursusdag), counted in half-days
// (dagdelen) because teacher attendance is recorded per half-day.
type CourseDay struct {
	Date      time.Time `json:"date"` // start of the meeting
	End       time.Time `json:"end"`
	Place     string    `json:"place"`
	HalfDays  int       `json:"halfDays"`
	Overnight bool      `json:"overnight,omitempty"` // the Soesterberg meeting includes a night's stay
}

// Module is one part of the ten-month cohort; the last one is the practicum
// (praktijkdeel), which needs the internship places.
type Module struct {
	Name      string        `json:"name"`
	Length    time.Duration `json:"length"`
	Practicum bool          `json:"practicum,omitempty"`
}

// Calendar is a wave: its dates (absolute, UTC) and its numbers.
type Calendar struct {
	Name string `json:"name"`
	// DayLength is how long one calendar day lasts: 24h for a real wave,
	// about a second for the demo. Kept so messages can say how compressed a wave is.
	DayLength time.Duration `json:"dayLength"`

	Opens               time.Time   `json:"opens"`               // the call to municipalities goes out
	ApplicationDeadline time.Time   `json:"applicationDeadline"` // aanmelden tot
	ProducerCourse      []CourseDay `json:"producerCourse"`      // cursus voor producenten, verplicht
	TeacherDeadline     time.Time   `json:"teacherDeadline"`     // docenten aanmelden tot
	TeacherCourse       []CourseDay `json:"teacherCourse"`       // docentencursus, zes dagdelen
	FundingDue          time.Time   `json:"fundingDue"`
	RecruitmentDue      time.Time   `json:"recruitmentDue"`
	LocationDue         time.Time   `json:"locationDue"`
	IntendedStart       time.Time   `json:"intendedStart"` // beoogde start

	Modules []Module `json:"modules"` // three modules then the practicum

	PlannedGroup            int   `json:"plannedGroup"`
	MinimumGroup            int   `json:"minimumGroup"` // (open in the seed) smallest group that may start
	CostPerParticipantCents int64 `json:"costPerParticipantCents"`
	PremiumCents            int64 `json:"premiumCents"` // (open in the seed) stimuleringspremie

	ReminderLead    time.Duration `json:"reminderLead"`    // a reminder goes out this long before a due date
	AttendanceGrace time.Duration `json:"attendanceGrace"` // attendance must be recorded within this after a course day
	InternshipLead  time.Duration `json:"internshipLead"`  // internship places due this long before the practicum
	ReportEvery     time.Duration `json:"reportEvery"`     // the producer's progress report (monthly)
	ReportGrace     time.Duration `json:"reportGrace"`
	GraduationGrace time.Duration `json:"graduationGrace"` // staff record graduates within this after the end
}

// Budget is what the cohort costs at the planned group size.
func (c Calendar) Budget() int64 { return int64(c.PlannedGroup) * c.CostPerParticipantCents }

// CohortLength is the cohort's whole duration: the modules and the practicum.
func (c Calendar) CohortLength() time.Duration {
	var d time.Duration
	for _, m := range c.Modules {
		d += m.Length
	}
	return d
}

// TeacherHalfDays is how many half-days a teacher must complete.
func (c Calendar) TeacherHalfDays() int {
	n := 0
	for _, d := range c.TeacherCourse {
		n += d.HalfDays
	}
	return n
}

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
	return Calendar{
		Name:                "2012",
		DayLength:           day,
		Opens:               at(2012, time.January, 16, 9, 0), // (open) the call's publication
		ApplicationDeadline: endOfDay(2012, time.March, 2),
		ProducerCourse: []CourseDay{
			{Date: at(2012, time.March, 23, 10, 0), End: at(2012, time.March, 23, 16, 0), Place: "Utrecht", HalfDays: 2},
			{Date: at(2012, time.March, 30, 10, 0), End: at(2012, time.March, 30, 16, 0), Place: "Utrecht", HalfDays: 2},
		},
		TeacherDeadline: endOfDay(2012, time.June, 1),
		TeacherCourse: []CourseDay{
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

// Compress shifts a calendar to begin at opens and runs it faster: one of its
// days lasts dayLength. The demo wave is the 2012 wave compressed this way, so
// a newcomer sees a whole lifecycle in minutes with the real calendar's shape.
func Compress(c Calendar, name string, opens time.Time, dayLength time.Duration) Calendar {
	if dayLength <= 0 {
		dayLength = time.Second
	}
	scale := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * float64(dayLength) / float64(day))
	}
	move := func(t time.Time) time.Time { return opens.Add(scale(t.Sub(c.Opens))).UTC() }
	days := func(in []CourseDay) []CourseDay {
		out := make([]CourseDay, len(in))
		for i, d := range in {
			d.Date, d.End = move(d.Date), move(d.End)
			out[i] = d
		}
		return out
	}
	out := c
	out.Name = name
	out.DayLength = dayLength
	out.Opens = opens.UTC()
	out.ApplicationDeadline = move(c.ApplicationDeadline)
	out.ProducerCourse = days(c.ProducerCourse)
	out.TeacherDeadline = move(c.TeacherDeadline)
	out.TeacherCourse = days(c.TeacherCourse)
	out.FundingDue = move(c.FundingDue)
	out.RecruitmentDue = move(c.RecruitmentDue)
	out.LocationDue = move(c.LocationDue)
	out.IntendedStart = move(c.IntendedStart)
	out.Modules = make([]Module, len(c.Modules))
	for i, m := range c.Modules {
		m.Length = scale(m.Length)
		out.Modules[i] = m
	}
	out.ReminderLead = scale(c.ReminderLead)
	out.AttendanceGrace = scale(c.AttendanceGrace)
	out.InternshipLead = scale(c.InternshipLead)
	out.ReportEvery = scale(c.ReportEvery)
	out.ReportGrace = scale(c.ReportGrace)
	out.GraduationGrace = scale(c.GraduationGrace)
	return out
}

// DemoDayLength is how long a demo-wave day lasts by default.
const DemoDayLength = time.Second

// Names lists the built-in waves.
func Names() []string {
	n := []string{"2012", "demo"}
	sort.Strings(n)
	return n
}

// Lookup returns a built-in wave. The demo wave opens at now, with one day
// lasting dayLength (DemoDayLength when zero).
func Lookup(name string, now time.Time, dayLength time.Duration) (Calendar, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "2012":
		return Wave2012(), nil
	case "demo":
		if dayLength == 0 {
			dayLength = DemoDayLength
		}
		return Compress(Wave2012(), "demo", now, dayLength), nil
	case "":
		return Calendar{}, fmt.Errorf("no wave given: name one of %s (e.g. --wave demo)", strings.Join(Names(), ", "))
	default:
		return Calendar{}, fmt.Errorf("unknown wave %q: the built-in waves are %s", name, strings.Join(Names(), ", "))
	}
}

// Validate checks a calendar's internal order, so a mistyped calendar fails
// at start rather than months into a rollout.
func (c Calendar) Validate() error {
	var problems []string
	order := func(what string, a, b time.Time) {
		if !a.Before(b) {
			problems = append(problems, what)
		}
	}
	if c.Name == "" {
		problems = append(problems, "the wave has no name")
	}
	order("the application deadline must come after the wave opens", c.Opens, c.ApplicationDeadline)
	if len(c.ProducerCourse) == 0 {
		problems = append(problems, "the producer course has no days")
	} else {
		order("the producer course must come after the application deadline", c.ApplicationDeadline, c.ProducerCourse[0].Date)
	}
	if len(c.TeacherCourse) == 0 {
		problems = append(problems, "the teacher course has no days")
	} else {
		order("the teacher course must come after the teacher deadline", c.TeacherDeadline, c.TeacherCourse[0].Date)
	}
	order("the intended start must come after the funding due date", c.FundingDue, c.IntendedStart)
	if len(c.Modules) == 0 {
		problems = append(problems, "the cohort has no modules")
	}
	if c.PlannedGroup <= 0 || c.MinimumGroup <= 0 || c.MinimumGroup > c.PlannedGroup {
		problems = append(problems, "group sizes must satisfy 0 < minimum <= planned")
	}
	if c.CostPerParticipantCents <= 0 {
		problems = append(problems, "the cost per participant must be positive")
	}
	if len(problems) > 0 {
		return fmt.Errorf("wave %q is not valid: %s", c.Name, strings.Join(problems, "; "))
	}
	return nil
}
