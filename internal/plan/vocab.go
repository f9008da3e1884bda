package plan

import "strings"

// The domain's words, with what staff and parties read for each (the
// vocabulary of DOMAIN.md). Identifiers stay English and stable: they are
// JSON keys, search attribute values and CLI arguments.

// Party is who must act on a step (wie is aan zet).
type Party string

const (
	PartyMunicipality Party = "municipality" // gemeente
	PartyProducer     Party = "producer"     // producent
	PartyTeacher      Party = "teacher"      // docent
	PartyStaff        Party = "staff"        // BMP
)

// Parties lists the parties in the order forms offer them.
var Parties = []Party{PartyMunicipality, PartyProducer, PartyTeacher, PartyStaff}

// Label is the party's name on screens.
func (p Party) Label() Text {
	switch p {
	case PartyMunicipality:
		return T("gemeente", "municipality")
	case PartyProducer:
		return T("producent", "producer")
	case PartyTeacher:
		return T("docent", "teacher")
	case PartyStaff:
		return T("BMP", "BMP staff")
	}
	return T(string(p), string(p))
}

// Valid tells whether p is one of the parties.
func (p Party) Valid() bool { return oneOf(p, Parties) }

// Phase is where a rollout stands, in the brochure's order.
type Phase string

const (
	PhaseApplication    Phase = "application"     // aanmelding producent
	PhaseProducerCourse Phase = "producer-course" // cursus voor producenten
	PhasePreparation    Phase = "preparation"     // docent, financiering, werving, leslocatie
	PhaseStart          Phase = "start"           // the start gate
	PhaseCohort         Phase = "cohort"          // the ten-month training runs
	PhaseDone           Phase = "done"
)

// Phases lists a rollout's phases in order.
var Phases = []Phase{PhaseApplication, PhaseProducerCourse, PhasePreparation, PhaseStart, PhaseCohort, PhaseDone}

// Label is the phase's name on screens.
func (p Phase) Label() Text {
	switch p {
	case PhaseApplication:
		return T("aanmelding", "application")
	case PhaseProducerCourse:
		return T("cursus producenten", "producer course")
	case PhasePreparation:
		return T("voorbereiding", "preparation")
	case PhaseStart:
		return T("start", "start")
	case PhaseCohort:
		return T("opleiding loopt", "cohort running")
	case PhaseDone:
		return T("afgerond", "done")
	}
	return T(string(p), string(p))
}

// Valid tells whether p is one of a rollout's phases.
func (p Phase) Valid() bool { return oneOf(p, Phases) }

// CohortPhase is where a cohort (the training itself) stands: the ID of
// the module or practicum that runs (module-1, …, practicum), then
// graduation.
type CohortPhase string

// CohortGraduation is the cohort's last phase: staff record the graduates.
const CohortGraduation CohortPhase = "graduation"

// Label names a cohort phase on screens: "module 2", "praktijkdeel".
func (p CohortPhase) Label() Text {
	switch {
	case p == CohortGraduation:
		return T("diplomering", "graduation")
	case p == "practicum":
		return T("praktijkdeel", "practicum")
	case strings.HasPrefix(string(p), "module-"):
		n := strings.TrimPrefix(string(p), "module-")
		return T("module "+n, "module "+n)
	}
	return T(string(p), string(p))
}

// State is the state of one step.
type State string

const (
	StateUpcoming  State = "upcoming"  // gepland: not open yet
	StatePending   State = "pending"   // open: the rollout waits on it
	StateDone      State = "done"      // klaar
	StateOverdue   State = "overdue"   // te laat: stalled
	StateWaived    State = "waived"    // vervallen: the rollout ended before it was needed
	StateCancelled State = "cancelled" // geannuleerd: the rollout was cancelled
)

// Label is the state's name on screens.
func (s State) Label() Text {
	switch s {
	case StateUpcoming:
		return T("gepland", "upcoming")
	case StatePending:
		return T("open", "pending")
	case StateDone:
		return T("klaar", "done")
	case StateOverdue:
		return T("te laat", "overdue")
	case StateWaived:
		return T("vervallen", "waived")
	case StateCancelled:
		return T("geannuleerd", "cancelled")
	}
	return T(string(s), string(s))
}

// Outcome is how a rollout ended.
type Outcome string

const (
	OutcomeNone       Outcome = ""
	OutcomeNoProducer Outcome = "no-producer"
	OutcomeGraduated  Outcome = "graduated"
	OutcomeCancelled  Outcome = "cancelled"
)

// Outcomes lists the outcomes a rollout can end with.
var Outcomes = []Outcome{OutcomeGraduated, OutcomeNoProducer, OutcomeCancelled}

// Label is the outcome's name on screens.
func (o Outcome) Label() Text {
	switch o {
	case OutcomeGraduated:
		return T("afgerond met diploma", "graduated")
	case OutcomeNoProducer:
		return T("geen producent", "no producer")
	case OutcomeCancelled:
		return T("geannuleerd", "cancelled")
	case OutcomeNone:
		return T("—", "—")
	}
	return T(string(o), string(o))
}

func oneOf[S ~string](s S, list []S) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
