package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// offer is an action the rollout page offers now, for one step (or the
// rollout as a whole): the action's declaration with what the situation
// fixes (the step, the course day) and the choices it narrows.
type offer struct {
	Action  plan.Action
	Key     string // tells the forms of one action apart: attendance-producer-course-2
	Title   string
	Preset  map[string]string
	Choices map[string][]plan.Choice // field → choices the situation gives (teachers, steps, months)
}

// situation is what the offers are drawn from.
type situation struct {
	st     rollout.Status
	cohort *rollout.Status
	wave   wave.Calendar
	now    time.Time
}

// offers lists the actions valid now, in the order of the plan; the
// validators still decide, these only spare staff the ones that cannot be.
func (s situation) offers() []offer {
	if s.st.Phase == plan.PhaseDone {
		return nil
	}
	var out []offer
	for _, ps := range s.wave.Steps {
		out = append(out, s.forStep(ps)...)
	}
	out = append(out, s.cohortOffers()...)
	return append(out, s.rolloutOffers()...)
}

func (s situation) open(name string) *rollout.Step {
	if l := s.st.Line(name); l != nil {
		return l
	}
	if s.cohort != nil {
		return s.cohort.Line(name)
	}
	return nil
}

// early tells whether a step not yet open may be recorded in advance: in
// the phase before its own, once a producer applied.
func (s situation) early(ps plan.Step) bool {
	if s.st.Phase == plan.PhaseApplication {
		return false
	}
	return phaseRank(s.st.Phase)+1 >= phaseRank(ps.Phase) && phaseRank(s.st.Phase) < phaseRank(plan.PhaseCohort)
}

func phaseRank(p plan.Phase) int { return slices.Index(plan.Phases, p) }

func one(a string, key, title string, preset map[string]string) offer {
	return offer{Action: plan.MustAction(a), Key: key, Title: title, Preset: preset}
}

// forStep offers the actions on one plan step that waits (or may be
// recorded in advance).
func (s situation) forStep(ps plan.Step) []offer {
	l := s.open(ps.ID)
	waiting := l != nil && (l.Waiting() || l.State == plan.StateUpcoming && s.early(ps))
	switch ps.Kind {
	case plan.KindApplication:
		if l != nil && l.Waiting() {
			return []offer{one(plan.ActApply, "apply", "Producent aanmelden", nil)}
		}
	case plan.KindCourse:
		return s.courseOffers(ps)
	case plan.KindConfirm:
		if waiting {
			return []offer{one(plan.ActConfirm, "confirm-"+ps.ID, "Bevestigen: "+ps.Label.NL, map[string]string{"step": ps.ID})}
		}
	case plan.KindCount:
		if waiting {
			return []offer{one(plan.ActCount, "count-"+ps.ID, ps.Label.NL, map[string]string{"step": ps.ID})}
		}
	case plan.KindAmount, plan.KindTeachers, plan.KindParticipants, plan.KindLocation:
		if s.beforeStart() {
			return []offer{s.preparation(ps)}
		}
	}
	return nil
}

func (s situation) beforeStart() bool {
	return s.st.Phase == plan.PhaseProducerCourse || s.st.Phase == plan.PhasePreparation || s.st.Phase == plan.PhaseStart
}

func (s situation) preparation(ps plan.Step) offer {
	switch ps.Kind {
	case plan.KindAmount:
		return one(plan.ActFunding, "funding-"+ps.ID, "Toezegging voor "+ps.Label.NL, map[string]string{"step": ps.ID})
	case plan.KindTeachers:
		return one(plan.ActTeacher, "teacher", "Docent aanmelden", nil)
	case plan.KindParticipants:
		return one(plan.ActEnrol, "enrol", "Deelnemers inschrijven", nil)
	}
	return one(plan.ActLocation, "location", "Leslocatie vastleggen", nil)
}

// courseOffers: attendance for each open day, a make-up for each day with
// a missed attendee.
func (s situation) courseOffers(ps plan.Step) []offer {
	var out []offer
	for i := range ps.Days {
		l := s.open(fmt.Sprintf("%s-%d", ps.ID, i+1))
		if l == nil || !l.Waiting() || ps.Days[i].Date.After(s.now) {
			continue // attendance is recorded once the day has begun
		}
		preset := map[string]string{"course": ps.ID, "day": strconv.Itoa(i + 1)}
		if ps.Attendees != plan.PartyTeacher {
			preset["teacher"], preset["halfDays"] = "", "" // the producer attends, whole days
		}
		o := one(plan.ActAttendance, fmt.Sprintf("attendance-%s-%d", ps.ID, i+1), "Aanwezigheid "+strings.TrimSuffix(l.Label.NL, ": aanwezigheid"), preset)
		o.Choices = map[string][]plan.Choice{"teacher": s.teachers()}
		out = append(out, o)
		if !l.Problem.IsZero() {
			m := one(plan.ActMakeUp, fmt.Sprintf("make-up-%s-%d", ps.ID, i+1), fmt.Sprintf("Inhaalmoment: %s dag %d", ps.Label.NL, i+1), preset)
			m.Choices = o.Choices
			out = append(out, m)
		}
	}
	return out
}

func (s situation) teachers() []plan.Choice {
	var out []plan.Choice
	for _, t := range s.st.Teachers {
		out = append(out, plan.Choice{Value: t.ID, Label: plan.T(t.ID+" ("+t.Name+")", t.ID)})
	}
	return out
}

// cohortOffers: the month's report, peer-support groups in the practicum,
// graduates at the end.
func (s situation) cohortOffers() []offer {
	c := s.cohort
	if c == nil || c.Phase == plan.PhaseDone {
		return nil
	}
	var out []offer
	var months []plan.Choice
	for _, l := range c.Steps {
		if l.Kind == plan.KindReports && l.Waiting() {
			n := l.Name[len(l.Step)+1:]
			months = append(months, plan.Choice{Value: n, Label: plan.T("maand "+n, "month "+n)})
		}
	}
	if len(months) > 0 {
		o := one(plan.ActProgress, "progress", "Voortgangsrapportage", nil)
		o.Choices = map[string][]plan.Choice{"month": months}
		out = append(out, o)
	}
	if c.CohortPhase == "practicum" || c.CohortPhase == plan.CohortGraduation {
		out = append(out, one(plan.ActPeerGroup, "peer-group", "Lotgenotengroepen", nil))
	}
	if c.CohortPhase == plan.CohortGraduation {
		out = append(out, one(plan.ActGraduates, "graduates", "Geslaagden doorgeven", nil))
	}
	return out
}

// rolloutOffers: what can be done to the rollout as a whole.
func (s situation) rolloutOffers() []offer {
	var out []offer
	if s.beforeStart() {
		out = append(out, one(plan.ActPostpone, "postpone", "Start uitstellen in overleg", nil))
	}
	var steps []plan.Choice
	for _, st := range []*rollout.Status{&s.st, s.cohort} {
		if st == nil {
			continue
		}
		for _, l := range st.Steps {
			if l.Waiting() && l.Kind != plan.KindStart {
				steps = append(steps, plan.Choice{Value: l.Name, Label: plan.T(l.Label.NL+" ("+l.Name+")", l.Name)})
			}
		}
	}
	if len(steps) > 0 {
		o := one(plan.ActExtend, "extend", "Uiterste datum verschuiven", nil)
		o.Choices = map[string][]plan.Choice{"step": steps}
		out = append(out, o)
	}
	c := one(plan.ActContact, "contact", "E-mailadres corrigeren", nil)
	c.Choices = map[string][]plan.Choice{"teacher": s.teachers()}
	return append(out, c, one(plan.ActCancel, "cancel", "Uitrol annuleren", nil))
}
