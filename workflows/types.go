package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Municipality is the gemeente a rollout is for.
type Municipality struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Province string `json:"province"`
}

// RolloutInput starts a rollout. The whole wave calendar travels with it, so
// a rollout's dates are fixed when it starts.
type RolloutInput struct {
	Municipality Municipality  `json:"municipality"`
	Wave         wave.Calendar `json:"wave"`
	// Contact is the municipality's contact who gets the invitation.
	Contact mail.Contact `json:"contact"`
}

// Phase is where a rollout stands, in the brochure's order.
type Phase string

const (
	PhaseApplication    Phase = "application"     // aanmelding producent
	PhaseProducerCourse Phase = "producer-course" // cursus voor producenten
	PhasePreparation    Phase = "preparation"     // teacher, funding, recruitment, location
	PhaseStart          Phase = "start"           // the start gate
	PhaseCohort         Phase = "cohort"          // the ten-month training runs
	PhaseDone           Phase = "done"
)

// Phases lists a rollout's phases in order (the cohort's own phases are its
// modules, practicum and graduation).
var Phases = []Phase{PhaseApplication, PhaseProducerCourse, PhasePreparation, PhaseStart, PhaseCohort, PhaseDone}

// Outcome is how a rollout ended.
type Outcome string

const (
	OutcomeNone       Outcome = ""
	OutcomeNoProducer Outcome = "no-producer"
	OutcomeGraduated  Outcome = "graduated"
	OutcomeCancelled  Outcome = "cancelled"
)

// StepState is the state of one awaited step.
type StepState string

const (
	StepPending   StepState = "pending"
	StepDone      StepState = "done"
	StepOverdue   StepState = "overdue"
	StepWaived    StepState = "waived"
	StepCancelled StepState = "cancelled"
)

// Party is who must act on a step.
type Party string

const (
	PartyMunicipality Party = "municipality"
	PartyProducer     Party = "producer"
	PartyTeacher      Party = "teacher"
	PartyStaff        Party = "staff"
)

// Step is one awaited step of a rollout, as administrators see it.
type Step struct {
	Name         string    `json:"name"`
	Label        string    `json:"label"`
	Party        Party     `json:"party"`
	State        StepState `json:"state"`
	Due          time.Time `json:"due"`
	StalledSince time.Time `json:"stalledSince,omitzero"`
	Problem      string    `json:"problem,omitempty"`
	LastAction   string    `json:"lastAction,omitempty"`
	LastActionAt time.Time `json:"lastActionAt,omitzero"`
}

// Waiting tells whether the rollout still waits on the step.
func (s Step) Waiting() bool { return s.State == StepPending || s.State == StepOverdue }

// Stalled tells whether an administrator must look at the step.
func (s Step) Stalled() bool { return s.Waiting() && (s.State == StepOverdue || s.Problem != "") }

// Status answers the status query.
type Status struct {
	WorkflowID   string       `json:"workflowId"`
	Municipality Municipality `json:"municipality"`
	Wave         string       `json:"wave"`
	Phase        Phase        `json:"phase"`
	Outcome      Outcome      `json:"outcome,omitempty"`
	Producer     *Producer    `json:"producer,omitempty"`
	Steps        []Step       `json:"steps"`
	WaitingOn    []string     `json:"waitingOn"`
	Stalled      bool         `json:"stalled"`
	DueAt        time.Time    `json:"dueAt,omitzero"`

	// Preparation, counts and references only.
	Teachers       []TeacherStatus `json:"teachers,omitempty"`
	CommittedCents int64           `json:"committedCents"`
	BudgetCents    int64           `json:"budgetCents"`
	Participants   int             `json:"participants"`
	MinimumGroup   int             `json:"minimumGroup"`
	Location       *Location       `json:"location,omitempty"`
	Internships    int             `json:"internships"`
	Handbook       bool            `json:"handbook"`
	PlannedStart   time.Time       `json:"plannedStart"`
	DayLength      time.Duration   `json:"dayLength"` // the wave's day: 24h, or shorter on the demo wave
	StartedAt      time.Time       `json:"startedAt,omitzero"`
	CohortID       string          `json:"cohortId,omitempty"`
}

// TeacherStatus is a teacher's progress through the teacher course.
type TeacherStatus struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	HalfDays int    `json:"halfDays"` // attended or made up
	Complete bool   `json:"complete"`
}

// Result is what a finished rollout returns.
type Result struct {
	Outcome   Outcome `json:"outcome"`
	Graduates int     `json:"graduates,omitempty"`
}

// ProducerKind is the kind of organisation that produces the training; the
// brochure lists these.
type ProducerKind string

// ProducerKinds lists the kinds the brochure names.
var ProducerKinds = []ProducerKind{
	"welzijnsinstelling",
	"roc",
	"volkshogeschool",
	"steunpunt-mantelzorg",
	"ggz-instelling",
	"provinciale-instelling",
}

// ParseProducerKind accepts a kind in any case, with spaces or hyphens.
func ParseProducerKind(s string) (ProducerKind, error) {
	norm := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "-", " ")), "-"))
	norm = strings.TrimSuffix(norm, "'s")
	for _, k := range ProducerKinds {
		if string(k) == norm {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind of producer %q: use one of %s", s, kindList())
}

func kindList() string {
	names := make([]string, len(ProducerKinds))
	for i, k := range ProducerKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// ProducerApplication is a producer's application (aanmelding), recorded by staff.
type ProducerApplication struct {
	Organisation string       `json:"organisation"`
	Kind         ProducerKind `json:"kind"`
	ContactName  string       `json:"contactName"`
	ContactEmail string       `json:"contactEmail"`
}

// Validate reports every problem of an application at once.
func (a ProducerApplication) Validate() error {
	var errs []error
	if strings.TrimSpace(a.Organisation) == "" {
		errs = append(errs, errors.New("the organisation's name is missing"))
	} else if len(a.Organisation) > 200 {
		errs = append(errs, errors.New("the organisation's name is longer than 200 characters"))
	}
	if _, err := ParseProducerKind(string(a.Kind)); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(a.ContactName) == "" {
		errs = append(errs, errors.New("the contact's name is missing"))
	} else if len(a.ContactName) > 200 {
		errs = append(errs, errors.New("the contact's name is longer than 200 characters"))
	}
	if err := mail.ValidateAddress(a.ContactEmail); err != nil {
		errs = append(errs, fmt.Errorf("the contact's e-mail: %w", err))
	}
	return errors.Join(errs...)
}

// Producer is the organisation that runs the training locally (producent).
type Producer struct {
	ProducerApplication
	AppliedAt time.Time `json:"appliedAt"`
}
