package wave

import (
	"fmt"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// The IDs of the brochure's steps. They are stable: search attribute values
// (AmwahtWaitingOn), JSON keys and CLI arguments (extend --step funding).
const (
	StepApplication    = "application"
	StepProducerCourse = "producer-course"
	StepHandbook       = "handbook"
	StepTeacher        = "teacher"
	StepTeacherCourse  = "teacher-course"
	StepFunding        = "funding"
	StepRecruitment    = "recruitment"
	StepLocation       = "location"
	StepInternships    = "internships"
	StepStart          = "start"
	StepCohort         = "cohort"
	StepProgress       = "progress"
	StepGraduates      = "graduates"
)

// Dates are a wave as the brochure gives it: its dates and numbers, from
// which Build makes the plan. A wave file is read into Dates.
type Dates struct {
	Name                string
	Opens               time.Time
	ApplicationDeadline time.Time  // aanmelden tot
	ProducerCourse      []plan.Day // cursus voor producenten, verplicht
	TeacherDeadline     time.Time  // docenten aanmelden tot
	TeacherCourse       []plan.Day // docentencursus, zes dagdelen
	FundingDue          time.Time
	RecruitmentDue      time.Time
	LocationDue         time.Time
	IntendedStart       time.Time // beoogde start
	Modules             []Module  // three modules then the practicum

	PlannedGroup            int
	MinimumGroup            int
	CostPerParticipantCents int64
	PremiumCents            int64

	ReminderLead    time.Duration // a reminder goes out this long before a due date
	AttendanceGrace time.Duration // attendance must be recorded within this after a course day
	InternshipLead  time.Duration // internship places due this long before the practicum
	ReportEvery     time.Duration // the producer's progress report (monthly)
	ReportGrace     time.Duration
	GraduationGrace time.Duration // staff record graduates within this after the end
}

// Build makes a wave's plan from its dates, in the order of the brochure's
// calendar, with extra steps (a wave file's "steps") placed among the steps
// of their phase by due date, or at the end of their track.
func Build(d Dates, extra []plan.Step) Calendar {
	c := Calendar{
		Name: d.Name, DayLength: day, Opens: d.Opens,
		PlannedGroup: d.PlannedGroup, MinimumGroup: d.MinimumGroup,
		CostPerParticipantCents: d.CostPerParticipantCents, PremiumCents: d.PremiumCents,
		ReminderLead: d.ReminderLead, AttendanceGrace: d.AttendanceGrace, InternshipLead: d.InternshipLead,
		ReportEvery: d.ReportEvery, ReportGrace: d.ReportGrace, GraduationGrace: d.GraduationGrace,
	}
	steps := append(d.preparation(c.Budget()), d.cohort()...)
	for _, s := range extra {
		steps = insert(steps, s)
	}
	c.Steps = steps
	return c
}

func firstDate(days []plan.Day) time.Time {
	if len(days) == 0 {
		return time.Time{}
	}
	return days[0].Date
}

func lastEnd(days []plan.Day) time.Time {
	if len(days) == 0 {
		return time.Time{}
	}
	return days[len(days)-1].End
}

// preparation is the plan up to the start: application, producer course,
// the preparation's tracks and the start gate.
func (d Dates) preparation(budget int64) []plan.Step {
	remind, grace := d.ReminderLead, d.AttendanceGrace
	return []plan.Step{
		{ID: StepApplication, Kind: plan.KindApplication, Phase: plan.PhaseApplication, Party: plan.PartyMunicipality,
			Label: plan.T("aanmelding van een producent", "producer applies"),
			Help:  plan.T("Draag een organisatie voor die de opleiding in uw gemeente gaat geven (de producent).", "Put forward an organisation that will run the training in your municipality (the producer)."),
			Due:   d.ApplicationDeadline, Remind: remind},
		{ID: StepProducerCourse, Kind: plan.KindCourse, Phase: plan.PhaseProducerCourse, Party: plan.PartyStaff, Attendees: plan.PartyProducer,
			Label: plan.T("cursus voor producenten", "producer course"),
			Days:  d.ProducerCourse, Grace: grace, Remind: remind, Required: true, Due: lastEnd(d.ProducerCourse).Add(grace)},
		{ID: StepHandbook, Kind: plan.KindConfirm, Phase: plan.PhaseProducerCourse, Party: plan.PartyStaff,
			Label: plan.T("uitreiking van het opleidingshandboek", "training handbook handed out"),
			From:  firstDate(d.ProducerCourse), Due: lastEnd(d.ProducerCourse).Add(grace)},
		{ID: StepTeacher, Kind: plan.KindTeachers, Phase: plan.PhasePreparation, Track: StepTeacher, Party: plan.PartyProducer,
			Label: plan.T("docent(en) aanmelden", "teacher put forward"),
			Help: plan.T("Draag een of meer docenten voor. Een goede docent heeft ervaring met het begeleiden van groepen, kan omgaan met diversiteit, kent de zorg en heeft een groot inlevingsvermogen. De docent volgt de gratis docentencursus.",
				"Put one or more teachers forward: experienced with groups and diversity, knowing care, empathic. Teachers follow the free teacher course."),
			Due: d.TeacherDeadline, Remind: remind, Maximum: plan.MaxTeachers},
		{ID: StepTeacherCourse, Kind: plan.KindCourse, Phase: plan.PhasePreparation, Track: StepTeacher, Party: plan.PartyStaff, Attendees: plan.PartyTeacher,
			Label: plan.T("docentencursus", "teacher course"),
			Days:  d.TeacherCourse, Grace: grace, Remind: remind, Required: true, Due: lastEnd(d.TeacherCourse).Add(grace)},
		{ID: StepFunding, Kind: plan.KindAmount, Phase: plan.PhasePreparation, Party: plan.PartyProducer, Ask: plan.PartyMunicipality,
			Label: plan.T("financiering rond", "funding secured"),
			Help: plan.F("Zorg dat de opleiding betaald is: ongeveer %s per deelnemer, %s voor een groep van %d. Bespreek het met de gemeente; fondsen kunnen bijdragen.",
				"Make sure the training is paid for: about %s per participant, %s for a group of %d. Discuss it with the municipality; funds can contribute.",
				euro(d.CostPerParticipantCents), euro(budget), d.PlannedGroup),
			Due: d.FundingDue, FollowsStart: true, Remind: remind, Required: true, BudgetCents: budget},
		{ID: StepRecruitment, Kind: plan.KindParticipants, Phase: plan.PhasePreparation, Party: plan.PartyProducer,
			Label: plan.F("deelnemers werven (minimaal %d)", "at least %d participants enrolled", d.MinimumGroup),
			Help: plan.F("Werf een groep van ongeveer %d mantelzorgers; schrijf ze in met een code per deelnemer.",
				"Recruit a group of about %d caregivers; enrol them with one ID each.", d.PlannedGroup),
			Due: d.RecruitmentDue, FollowsStart: true, Remind: remind, Required: true, Minimum: d.MinimumGroup, Maximum: d.PlannedGroup + 5},
		{ID: StepLocation, Kind: plan.KindLocation, Phase: plan.PhasePreparation, Party: plan.PartyProducer,
			Label: plan.T("leslocatie regelen", "teaching location arranged"),
			Help:  plan.T("Regel een geschikte ruimte waar de groep bijeenkomt.", "Arrange a suitable room for the group's meetings."),
			Due:   d.LocationDue, FollowsStart: true, Remind: remind, Required: true},
		{ID: StepInternships, Kind: plan.KindCount, Phase: plan.PhasePreparation, Party: plan.PartyProducer,
			Label: plan.T("stageplekken regelen", "internship places arranged"),
			Help: plan.T("Regel stageplekken bij welzijns- of zorgorganisaties: daar zetten de deelnemers in het praktijkdeel lotgenotengroepen op.",
				"Arrange internship places at welfare or care organisations, where participants set up peer-support groups in the practicum."),
			Due: d.practicumStart().Add(-d.InternshipLead), FollowsStart: true, Remind: remind, Minimum: 1, Maximum: plan.MaxPlaces},
		{ID: StepStart, Kind: plan.KindStart, Phase: plan.PhaseStart, Party: plan.PartyStaff,
			Label: plan.T("start van de opleiding", "cohort starts"),
			Due:   d.IntendedStart, FollowsStart: true},
	}
}

func (d Dates) practicumStart() time.Time {
	t := d.IntendedStart
	for _, m := range d.Modules {
		if m.Practicum {
			break
		}
		t = t.Add(m.Length)
	}
	return t
}

// cohort is the plan of the training itself: the cohort's workflow, its
// modules and practicum, the monthly reports and graduation.
func (d Dates) cohort() []plan.Step {
	var length time.Duration
	for _, m := range d.Modules {
		length += m.Length
	}
	end := d.IntendedStart.Add(length)
	steps := []plan.Step{{ID: StepCohort, Kind: plan.KindCohort, Phase: plan.PhaseCohort, Party: plan.PartyProducer,
		Label: plan.T("de opleiding", "cohort runs to graduation"), Due: end.Add(d.GraduationGrace), FollowsStart: true}}
	at, n := d.IntendedStart, 0
	for _, m := range d.Modules {
		at = at.Add(m.Length)
		s := plan.Step{Kind: plan.KindModule, Phase: plan.PhaseCohort, Party: plan.PartyProducer, Due: at, FollowsStart: true, Length: m.Length, Practicum: m.Practicum}
		if m.Practicum {
			s.ID, s.Label, s.Needs = "practicum", plan.T(m.Name, "practicum ("+m.Name+")"), StepInternships
		} else {
			n++
			s.ID, s.Label = fmt.Sprintf("module-%d", n), plan.T(m.Name, m.Name)
		}
		steps = append(steps, s)
	}
	reports := 0
	if d.ReportEvery > 0 {
		reports = int(length / d.ReportEvery)
	}
	return append(steps,
		plan.Step{ID: StepProgress, Kind: plan.KindReports, Phase: plan.PhaseCohort, Party: plan.PartyProducer,
			Label: plan.T("voortgangsrapportage", "progress report"),
			Help:  plan.T("Geef elke maand door hoeveel deelnemers actief zijn en hoeveel er zijn uitgevallen.", "Report every month how many participants are active and how many dropped out."),
			Every: d.ReportEvery, Grace: d.ReportGrace, Count: reports, FollowsStart: true,
			Due: d.IntendedStart.Add(time.Duration(reports) * d.ReportEvery).Add(d.ReportGrace)},
		plan.Step{ID: StepGraduates, Kind: plan.KindGraduation, Phase: plan.PhaseCohort, Party: plan.PartyStaff,
			Label: plan.T("geslaagden doorgeven", "graduates recorded"), Due: end.Add(d.GraduationGrace), FollowsStart: true},
	)
}

// insert places an extra step: at the end of its track when it names one
// that exists, else among the steps of its phase before the first one due
// later, else before the first step of a later phase.
func insert(steps []plan.Step, s plan.Step) []plan.Step {
	at := len(steps)
	if s.Track != "" {
		for i, o := range steps {
			if o.TrackName() == s.Track {
				at = i + 1
			}
		}
	}
	if at == len(steps) {
		rank := phaseRank(s.Phase)
		for i, o := range steps {
			if r := phaseRank(o.Phase); r > rank || r == rank && o.Kind != plan.KindCourse && o.Due.After(s.Due) {
				at = i
				break
			}
		}
	}
	return append(steps[:at], append([]plan.Step{s}, steps[at:]...)...)
}

func phaseRank(p plan.Phase) int {
	for i, q := range plan.Phases {
		if q == p {
			return i
		}
	}
	return len(plan.Phases)
}

// euro writes cents as a Dutch amount, as the e-mails do.
func euro(cents int64) string {
	whole := fmt.Sprintf("%d", cents/100)
	out := ""
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			out += "."
		}
		out += string(r)
	}
	return fmt.Sprintf("€ %s,%02d", out, cents%100)
}
