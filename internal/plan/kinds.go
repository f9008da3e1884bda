package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The kinds of step. A wave file may add steps of the generic kinds
// (confirm, count, amount, course) with no Go code; the others are the
// brochure's own steps, each of which a plan has (application, start,
// cohort, graduation) or may have.
const (
	KindApplication  KindName = "application"  // a producer applies before the deadline; none ends the rollout
	KindCourse       KindName = "course"       // course days with attendance and make-ups
	KindConfirm      KindName = "confirm"      // a party confirms by a date, with an optional note
	KindCount        KindName = "count"        // a count of at least N
	KindAmount       KindName = "amount"       // commitments that must cover a budget
	KindTeachers     KindName = "teachers"     // teachers put forward (then the teacher course)
	KindParticipants KindName = "participants" // participants enrolled by ID, at least the minimum group
	KindLocation     KindName = "location"     // the teaching location
	KindStart        KindName = "start"        // the start gate
	KindCohort       KindName = "cohort"       // the ten-month training, a workflow of its own
	KindModule       KindName = "module"       // a module or the practicum of the cohort
	KindReports      KindName = "reports"      // the producer's monthly progress reports
	KindGraduation   KindName = "graduation"   // staff record the graduates
)

// Kind declares a kind of step: where it may run, which actions complete
// it, which e-mails go with it, and what the scripted actor does for it.
type Kind struct {
	Name      KindName
	Label     Text
	Doc       Text     // what completes a step of the kind
	Phases    []Phase  // where its steps may open
	Actions   []string // the Updates that act on its steps
	Templates []string // its own e-mails, besides step-reminder, -overdue and -escalation
	// InFile: a wave file may add steps of this kind.
	InFile bool
	// Params names the parameters a wave file may give such a step.
	Params []string
	check  func(Step) error
	// Sample is what the scripted actor sends for a waiting line of such a
	// step; nil: nothing (the step passes by itself).
	Sample func(Situation) []Act
}

// Situation is what the scripted actor knows when it acts on a line.
type Situation struct {
	Step         Step
	Part         Part
	Code         string // the municipality's CBS code
	Municipality string // its name
	StillCents   int64  // amount: what the commitments do not cover yet
	Teachers     []string
}

// Act is one action the scripted actor sends.
type Act struct {
	Action  string
	Payload Payload
}

// Kinds lists every kind.
func Kinds() []Kind { return append([]Kind(nil), kinds...) }

// KindOf returns the declaration of a kind.
func KindOf(name KindName) (Kind, bool) {
	for _, k := range kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

var stepMails = []string{"step-reminder", "step-overdue", "step-escalation"}

// AllTemplates is the kind's e-mails including the generic step ones for a
// step with a due date.
func (k Kind) AllTemplates() []string {
	if k.Name == KindStart || k.Name == KindCohort || k.Name == KindModule {
		return k.Templates
	}
	return append(append([]string(nil), k.Templates...), stepMails...)
}

func needDue(s Step) error {
	if s.Due.IsZero() {
		return errors.New("it has no due date")
	}
	return nil
}

var kinds = []Kind{
	{
		Name: KindApplication, Label: T("aanmelding", "application"),
		Doc:    T("een organisatie meldt zich aan als producent vóór de uiterste datum; zonder aanmelding stopt de uitrol", "an organisation applies as producer before the deadline; none ends the rollout (no-producer)"),
		Phases: []Phase{PhaseApplication}, Actions: []string{ActApply},
		Templates: []string{"producer-invitation", "application-received", "producer-course-invitation", "no-producer"},
		check:     needDue,
		Sample: func(s Situation) []Act {
			return []Act{{ActApply, &ProducerApplication{Organisation: "Welzijn " + s.Municipality, Kind: "welzijnsinstelling",
				ContactName: "Contactpersoon " + s.Municipality, ContactEmail: strings.ToLower(s.Code) + "@producent.example.nl"}}}
		},
	},
	{
		Name: KindCourse, Label: T("cursus", "course"),
		Doc:    T("aanwezigheid per cursusdag; een gemiste dag houdt de uitrol op tot hij is ingehaald", "attendance per course day; a missed day stalls until it is made up"),
		Phases: []Phase{PhaseProducerCourse, PhasePreparation}, Actions: []string{ActAttendance, ActMakeUp},
		Templates: []string{"producer-course-reminder", "teacher-course-reminder", "course-day-missed"},
		InFile:    true, Params: []string{"days", "attendees"},
		check: checkCourse,
		Sample: func(s Situation) []Act {
			if s.Step.Attendees != PartyTeacher {
				return []Act{{ActAttendance, &Attendance{Course: s.Step.ID, Day: s.Part.N, Attended: true}}}
			}
			var out []Act
			for _, t := range s.Teachers {
				out = append(out, Act{ActAttendance, &Attendance{Course: s.Step.ID, Day: s.Part.N, Teacher: t, Attended: true}})
			}
			return out
		},
	},
	{
		Name: KindConfirm, Label: T("bevestiging", "confirmation"),
		Doc:    T("de partij bevestigt vóór de uiterste datum, met een toelichting als dat nodig is", "the party confirms by the due date, with an optional note"),
		Phases: []Phase{PhaseProducerCourse, PhasePreparation}, Actions: []string{ActConfirm},
		InFile: true, check: needDue,
		Sample: func(s Situation) []Act { return []Act{{ActConfirm, &Confirmation{Step: s.Step.ID}}} },
	},
	{
		Name: KindCount, Label: T("aantal", "count"),
		Doc:    T("een doorgegeven aantal van ten minste het minimum", "a reported number of at least the minimum"),
		Phases: []Phase{PhaseProducerCourse, PhasePreparation}, Actions: []string{ActCount},
		InFile: true, Params: []string{"minimum", "maximum"},
		check: func(s Step) error {
			if s.Minimum < 1 || s.Maximum < s.Minimum || s.Maximum > MaxCount {
				return fmt.Errorf("minimum %d and maximum %d: need 1 <= minimum <= maximum <= %d", s.Minimum, s.Maximum, MaxCount)
			}
			return needDue(s)
		},
		Sample: func(s Situation) []Act {
			return []Act{{ActCount, &CountReport{Step: s.Step.ID, Count: max(s.Step.Minimum, min(8, s.Step.Maximum))}}}
		},
	},
	{
		Name: KindAmount, Label: T("bedrag", "amount"),
		Doc:    T("toezeggingen die samen de begroting dekken", "commitments that together cover the budget"),
		Phases: []Phase{PhasePreparation}, Actions: []string{ActFunding}, Templates: []string{"funding-request"},
		InFile: true, Params: []string{"budget", "ask"},
		check: func(s Step) error {
			if s.BudgetCents <= 0 {
				return errors.New("the budget must be more than 0")
			}
			if s.Ask != "" && !s.Ask.Valid() {
				return fmt.Errorf("unknown party %q to ask", s.Ask)
			}
			return needDue(s)
		},
		Sample: func(s Situation) []Act {
			return []Act{{ActFunding, &Commitment{Step: s.Step.ID, Source: "municipality", Name: "Gemeente " + s.Municipality, AmountCents: s.StillCents}}}
		},
	},
	{
		Name: KindTeachers, Label: T("docenten", "teachers"),
		Doc:    T("ten minste één docent voorgedragen; daarna volgt de docentencursus", "at least one teacher put forward; the teacher course follows"),
		Phases: []Phase{PhasePreparation}, Actions: []string{ActTeacher}, Templates: []string{"teacher-registered", "teacher-course-invitation"},
		check: func(s Step) error {
			if s.Maximum < 1 || s.Maximum > MaxTeachers {
				return fmt.Errorf("at most 1 to %d teachers, not %d", MaxTeachers, s.Maximum)
			}
			return needDue(s)
		},
		Sample: func(s Situation) []Act {
			return []Act{{ActTeacher, &TeacherProposal{ID: "T1", Name: "Docent " + s.Municipality, Email: "docent-" + strings.ToLower(s.Code) + "@example.nl"}}}
		},
	},
	{
		Name: KindParticipants, Label: T("deelnemers", "participants"),
		Doc:    T("ingeschreven deelnemers (alleen codes), ten minste de minimale groep", "participants enrolled by ID, at least the minimum group"),
		Phases: []Phase{PhasePreparation}, Actions: []string{ActEnrol},
		check: func(s Step) error {
			if s.Minimum < 1 || s.Maximum < s.Minimum {
				return fmt.Errorf("minimum %d and maximum %d: need 1 <= minimum <= maximum", s.Minimum, s.Maximum)
			}
			return needDue(s)
		},
		Sample: func(s Situation) []Act {
			ids := make([]string, s.Step.Minimum+3)
			for i := range ids {
				ids[i] = fmt.Sprintf("%s-P%02d", s.Code, i+1)
			}
			return []Act{{ActEnrol, &Enrolment{ParticipantIDs: ids}}}
		},
	},
	{
		Name: KindLocation, Label: T("leslocatie", "location"),
		Doc:    T("een leslocatie met naam en plaats", "a teaching location with its name and place"),
		Phases: []Phase{PhasePreparation}, Actions: []string{ActLocation},
		check: needDue,
		Sample: func(s Situation) []Act {
			return []Act{{ActLocation, &Location{Name: "Buurthuis", Place: s.Municipality}}}
		},
	},
	{
		Name: KindStart, Label: T("start", "start"),
		Doc:    T("op de startdatum moet alles klaar zijn wat het plan vraagt; anders loopt de uitrol vast tot het klaar is of een latere start is afgesproken", "at the start date everything the plan requires must be ready; else the rollout stalls until it is, or a later start is agreed"),
		Phases: []Phase{PhaseStart}, Actions: []string{ActPostpone},
		Templates: []string{"start-blocked", "postponement-agreed", "start-confirmed", "premium-paid"},
		check:     needDue,
	},
	{
		Name: KindCohort, Label: T("opleiding", "cohort"),
		Doc:       T("de opleiding van tien maanden, als eigen workflow", "the ten-month training, a workflow of its own"),
		Phases:    []Phase{PhaseCohort},
		Templates: []string{"graduation"},
		check:     needDue,
	},
	{
		Name: KindModule, Label: T("module", "module"),
		Doc:       T("een module of het praktijkdeel; het praktijkdeel wacht op de stageplekken", "a module or the practicum; the practicum waits for the internship places"),
		Phases:    []Phase{PhaseCohort},
		Templates: []string{"module-start", "practicum-start"},
		check: func(s Step) error {
			if s.Length <= 0 {
				return errors.New("a module lasts at least a day")
			}
			return nil
		},
	},
	{
		Name: KindReports, Label: T("voortgangsrapportages", "progress reports"),
		Doc:    T("elke maand vraagt de opleiding een rapportage van de producent", "every month the cohort asks the producer for a report"),
		Phases: []Phase{PhaseCohort}, Actions: []string{ActProgress}, Templates: []string{"progress-report-request"},
		check: func(s Step) error {
			if s.Every < time.Millisecond || s.Count < 0 || s.Grace <= 0 {
				return errors.New("reports need an interval, a count and a grace")
			}
			return nil
		},
		Sample: func(s Situation) []Act {
			return []Act{{ActProgress, &ProgressReport{Month: s.Part.N, Active: 14, DropOuts: 1}}}
		},
	},
	{
		Name: KindGraduation, Label: T("diplomering", "graduation"),
		Doc:    T("BMP legt vast hoeveel deelnemers geslaagd zijn", "staff record how many participants graduated"),
		Phases: []Phase{PhaseCohort}, Actions: []string{ActGraduates},
		check:  needDue,
		Sample: func(s Situation) []Act { return []Act{{ActGraduates, &Graduation{Count: 13}}} },
	},
}

func checkCourse(s Step) error {
	var errs []error
	if s.Attendees != PartyProducer && s.Attendees != PartyTeacher {
		errs = append(errs, fmt.Errorf("attendees must be producer or teacher, not %q", s.Attendees))
	}
	if len(s.Days) == 0 || len(s.Days) > 20 {
		errs = append(errs, fmt.Errorf("a course has 1 to 20 days, not %d", len(s.Days)))
	}
	for i, d := range s.Days {
		if !d.Date.Before(d.End) || d.HalfDays < 1 || d.HalfDays > 3 || strings.TrimSpace(d.Place) == "" {
			errs = append(errs, fmt.Errorf("day %d: needs a start before its end, a place and 1 to 3 half-days", i+1))
		}
		if i > 0 && d.Date.Before(s.Days[i-1].End) {
			errs = append(errs, fmt.Errorf("day %d begins before day %d ends", i+1, i))
		}
	}
	if s.Grace <= 0 {
		errs = append(errs, errors.New("attendance needs a grace after each day"))
	}
	return errors.Join(errs...)
}

func (k Kind) checkStep(s Step) error {
	if k.check == nil {
		return nil
	}
	return k.check(s)
}
