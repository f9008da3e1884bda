package mail

import (
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Entry describes a template for staff and the README.
type Entry struct{ Name, When, To string } // English, short

// catalogue lists every template in lifecycle order; the cross-cutting step
// e-mails and the cancellation, which can come at any point, close the list.
var catalogue = []Entry{
	{"producer-invitation", "the rollout starts", "municipality"},
	{"no-producer", "the application deadline passes without a producer", "BMP staff"},
	{"application-received", "staff record the producer's application", "producer"},
	{"producer-course-invitation", "staff record the producer's application", "producer"},
	{"producer-course-reminder", "a reminder lead before each producer-course day", "producer"},
	{"course-day-missed", "a mandatory course day was not attended", "producer, or teacher (teacher course)"},
	{"producer-tasks", "after the producer course", "producer"},
	{"funding-request", "after the producer course: funding must be committed", "municipality"},
	{"teacher-registered", "staff record a teacher's registration", "teacher"},
	{"teacher-course-invitation", "staff record a teacher's registration", "teacher"},
	{"teacher-course-reminder", "a reminder lead before each teacher-course day", "teacher"},
	{"start-blocked", "the intended start arrives with items missing", "producer and BMP staff"},
	{"postponement-agreed", "a later start is agreed (in overleg)", "producer and municipality"},
	{"start-confirmed", "the cohort actually starts", "producer"},
	{"premium-paid", "the stimulus premium is recorded", "BMP staff"},
	{"module-start", "each module begins", "producer"},
	{"progress-report-request", "monthly while the cohort runs", "producer"},
	{"practicum-start", "the practicum (praktijkdeel) begins", "producer"},
	{"graduation", "staff record the cohort's graduates", "producer and municipality"},
	{"step-reminder", "a reminder lead before any step's due date", "whoever must act"},
	{"step-overdue", "a step's due date passes", "whoever must act"},
	{"step-escalation", "a step stalls (overdue and unanswered)", "BMP staff"},
	{"rollout-cancelled", "staff cancel the rollout", "everyone concerned"},
	{"staff-signin", "a staff member asks to sign in to the console", "that staff member"},
	{"task-link", "a party asks for a new personal link on the task pages", "that party, at the address the rollout holds"},
}

// asksToAct are the templates that ask their recipient to do something (come
// to a course day, apply, report, arrange): one that does not arrive stalls
// its step (internal/delivery). The others inform.
var asksToAct = map[string]bool{
	"producer-invitation": true, "producer-course-invitation": true, "producer-course-reminder": true,
	"course-day-missed": true, "producer-tasks": true, "funding-request": true,
	"teacher-course-invitation": true, "teacher-course-reminder": true, "start-blocked": true,
	"progress-report-request": true, "step-reminder": true, "step-overdue": true,
}

// AsksToAct tells whether a template asks its recipient to act.
func AsksToAct(template string) bool { return asksToAct[template] }

// Catalogue lists every template, in lifecycle order.
func Catalogue() []Entry {
	return append([]Entry(nil), catalogue...)
}

// Example data for the sample rollout (the 2012 wave in Utrecht).
const (
	exampleProducer     = "Fatma Yilmaz"
	exampleTeacher      = "Samira Bouzid"
	exampleMunicipality = "Team WMO"
	exampleStaff        = "collega's" // what the e-mail activity puts for staff
)

// Example returns plausible data for a template: the 2012 wave's dates for
// Utrecht (GM0344) with producer Welzijn Utrecht, filling every field the
// template uses. An unknown name gets the fields every rollout e-mail shares.
func Example(name string) Data {
	w := wave.Dates2012()
	budget := int64(w.PlannedGroup) * w.CostPerParticipantCents
	d := Data{
		WorkflowID:       "rollout-2012-GM0344",
		MunicipalityCode: "GM0344",
		Municipality:     "Utrecht",
		Wave:             w.Name,
	}
	producer := func() {
		d.RecipientName = exampleProducer
		d.Organisation = "Welzijn Utrecht"
		d.ProducerKind = "welzijnsinstelling"
	}
	// The cohort's calendar: the modules follow the intended start.
	moduleStart := make([]time.Time, len(w.Modules)+1)
	moduleStart[0] = w.IntendedStart
	for i, m := range w.Modules {
		moduleStart[i+1] = moduleStart[i].Add(m.Length)
	}
	practicum := len(w.Modules) - 1
	cohortEnd := moduleStart[len(w.Modules)]

	switch name {
	case "producer-invitation":
		d.RecipientName = exampleMunicipality
		d.Due = w.ApplicationDeadline
	case "no-producer":
		d.RecipientName = exampleStaff
		d.Due = w.ApplicationDeadline
	case "application-received":
		producer()
		d.Sessions = sessions(w.ProducerCourse...)
	case "producer-course-invitation":
		producer()
		d.Sessions = calendar(d.WorkflowID, "producer-course", 1, 2, 0, w.ProducerCourse...)
		d.Calendar = CalendarRequest
	case "producer-course-reminder":
		producer()
		d.StepLabel = "dag 1 van de cursus voor producenten"
		d.Sessions = calendar(d.WorkflowID, "producer-course", 1, 2, 1, w.ProducerCourse[0])
		d.Calendar = CalendarRequest
	case "course-day-missed":
		producer()
		d.StepLabel = "dag 2 van de cursus voor producenten"
		d.Sessions = sessions(w.ProducerCourse[1])
	case "producer-tasks":
		producer()
		d.Tasks = []Task{
			{Label: "docent(en) voordragen", Due: w.TeacherDeadline},
			{Label: "deelnemers werven", Due: w.RecruitmentDue},
			{Label: "financiering regelen", Due: w.FundingDue},
			{Label: "leslocatie regelen", Due: w.LocationDue},
			{Label: "stageplekken regelen", Due: moduleStart[practicum].Add(-w.InternshipLead)},
		}
		d.AmountCents = w.CostPerParticipantCents
		d.GroupSize = w.PlannedGroup
		d.BudgetCents = budget
	case "funding-request":
		producer()
		d.RecipientName = exampleMunicipality
		d.Due = w.FundingDue
		d.AmountCents = w.CostPerParticipantCents
		d.GroupSize = w.PlannedGroup
		d.BudgetCents = budget
	case "teacher-registered", "teacher-course-invitation":
		producer()
		d.RecipientName = exampleTeacher
		if name == "teacher-course-invitation" {
			d.Sessions = calendar(d.WorkflowID, "teacher-course", 1, 3, 0, w.TeacherCourse...)
			d.Calendar = CalendarRequest
		}
	case "teacher-course-reminder":
		producer()
		d.RecipientName = exampleTeacher
		d.Sessions = calendar(d.WorkflowID, "teacher-course", 2, 3, 1, w.TeacherCourse[1])
		d.Calendar = CalendarRequest
	case "start-blocked":
		producer()
		d.Due = w.IntendedStart
		d.Missing = []string{"toezegging van de financiering", "leslocatie", "minimaal 12 deelnemers (nu 9 aangemeld)"}
	case "postponement-agreed":
		producer()
		d.Due = time.Date(2012, time.October, 1, 9, 0, 0, 0, wave.Amsterdam).UTC()
		d.Reason = "De werving van deelnemers loopt nog; de gemeente beslist in september over de financiering."
	case "start-confirmed":
		producer()
		d.Due = w.IntendedStart
		d.AmountCents = w.PremiumCents
	case "premium-paid":
		producer()
		d.RecipientName = exampleStaff
		d.AmountCents = w.PremiumCents
	case "module-start":
		producer()
		d.StepLabel = w.Modules[1].Name
		d.Due = moduleStart[2]
	case "progress-report-request":
		producer()
		d.Due = w.IntendedStart.Add(w.ReportEvery + w.ReportGrace)
	case "practicum-start":
		producer()
		d.Due = cohortEnd
	case "graduation":
		producer()
		d.Count = 15
	case "step-reminder":
		producer()
		d.StepLabel = "financiering regelen"
		d.Due = w.FundingDue
	case "step-overdue":
		producer()
		d.StepLabel = "financiering regelen"
		d.Due = w.FundingDue
	case "step-escalation":
		producer()
		d.RecipientName = exampleStaff
		d.Step, d.StepLabel = "funding", "financiering regelen"
		d.Due = w.FundingDue
		d.Since = time.Date(2012, time.August, 31, 9, 0, 0, 0, wave.Amsterdam).UTC()
		d.Party = "producer"
		d.Reason = "De producent reageert niet op herinneringen."
	case "staff-signin":
		d = Data{RecipientName: "Anouk de Boer", Link: "https://console.stichtingbmp.nl/inloggen/voorbeeld-token"}
	case "task-link":
		producer()
		d.Link = exampleLink
	case "rollout-cancelled":
		producer()
		d.Reason = "De gemeente en de producent hebben besloten de opleiding dit jaar niet te starten."
		d.Sessions = calendar(d.WorkflowID, "producer-course", 1, 2, 2, w.ProducerCourse...)
		d.Calendar = CalendarCancel
	}
	if asksToAct[name] {
		d.Link = exampleLink
	}
	return d
}

// exampleLink is what a personal task link looks like in the examples.
const exampleLink = "https://console.stichtingbmp.nl/taak/voorbeeld-token"

func sessions(days ...plan.Day) []Session {
	out := make([]Session, len(days))
	for i, day := range days {
		out[i] = Session{Date: day.Date, End: day.End, Place: day.Place, HalfDays: day.HalfDays, Overnight: day.Overnight}
	}
	return out
}

// calendar is sessions as calendar entries: days of a course from day
// first on, at a sequence.
func calendar(workflowID, course string, first, total, sequence int, days ...plan.Day) []Session {
	out := sessions(days...)
	for i := range out {
		out[i].UID = CalendarUID(workflowID, "", course, first+i)
		out[i].Sequence = sequence
		out[i].Title = CourseDayTitle(map[string]string{"producer-course": "cursus voor producenten", "teacher-course": "docentencursus"}[course], first+i, total)
	}
	return out
}
