package rollout

import (
	"time"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Step is one line of a status: a plan step, one day of a course, one
// month's report, from the start of the rollout to its end.
type Step struct {
	Name         string        `json:"name"` // the line's ID: funding, producer-course-1, progress-3
	Step         string        `json:"step"` // the plan step it belongs to: funding, producer-course, progress
	Kind         plan.KindName `json:"kind"`
	Label        plan.Text     `json:"label"`
	Party        plan.Party    `json:"party"`
	State        plan.State    `json:"state"`
	Due          time.Time     `json:"due"`
	Required     bool          `json:"required,omitempty"` // the start gate waits for it
	StalledSince time.Time     `json:"stalledSince,omitzero"`
	Problem      plan.Text     `json:"problem,omitzero"`
	LastAction   plan.Text     `json:"lastAction,omitzero"`
	LastActionAt time.Time     `json:"lastActionAt,omitzero"`
	LastActor    *plan.Actor   `json:"lastActor,omitempty"`
}

// Waiting tells whether the rollout waits on the step now.
func (s Step) Waiting() bool { return s.State == plan.StatePending || s.State == plan.StateOverdue }

// Stalled tells whether an administrator must look at the step.
func (s Step) Stalled() bool {
	return s.Waiting() && (s.State == plan.StateOverdue || !s.Problem.IsZero())
}

// Status answers the status query of a rollout or of its cohort: where it
// stands and its whole plan.
type Status struct {
	WorkflowID string `json:"workflowId"`
	// FirstRunID names the rollout's run (a reset keeps it; a new start
	// after an end changes it): what it was started with is the same for
	// its life, so a reader may keep its input by this key.
	FirstRunID   string                    `json:"firstRunId,omitempty"`
	Cohort       bool                      `json:"isCohort,omitempty"` // the status of a cohort workflow
	Municipality municipality.Municipality `json:"municipality"`
	Wave         string                    `json:"wave"`
	Phase        plan.Phase                `json:"phase"`
	CohortPhase  plan.CohortPhase          `json:"cohortPhase,omitempty"` // a cohort's module, practicum or graduation
	Outcome      plan.Outcome              `json:"outcome,omitempty"`
	Producer     *plan.Producer            `json:"producer,omitempty"`
	Steps        []Step                    `json:"steps"`
	WaitingOn    []string                  `json:"waitingOn"`
	Stalled      bool                      `json:"stalled"`
	DueAt        time.Time                 `json:"dueAt,omitzero"`

	// What was recorded: references and counts only.
	Teachers       []TeacherStatus `json:"teachers,omitempty"`
	CommittedCents int64           `json:"committedCents"`
	BudgetCents    int64           `json:"budgetCents"`
	Participants   int             `json:"participants"`
	MinimumGroup   int             `json:"minimumGroup"`
	Location       *plan.Location  `json:"location,omitempty"`
	Internships    int             `json:"internships"`
	PlannedStart   time.Time       `json:"plannedStart"`
	DayLength      time.Duration   `json:"dayLength"` // the wave's day: 24h, or shorter on a compressed wave
	StartedAt      time.Time       `json:"startedAt,omitzero"`
	CohortID       string          `json:"cohortId,omitempty"`
	PeerGroups     int             `json:"peerGroups,omitempty"` // cohort
	DropOuts       int             `json:"dropOuts,omitempty"`   // cohort
	Graduates      int             `json:"graduates,omitempty"`  // cohort
}

// PhaseLabel names where the rollout, or the cohort, stands.
func (s Status) PhaseLabel() plan.Text {
	if s.Cohort && s.CohortPhase != "" && s.Phase != plan.PhaseDone {
		return s.CohortPhase.Label()
	}
	return s.Phase.Label()
}

// Line returns the status line with the ID, or nil.
func (s Status) Line(name string) *Step {
	for i := range s.Steps {
		if s.Steps[i].Name == name {
			return &s.Steps[i]
		}
	}
	return nil
}

// TeacherStatus is a teacher's progress through the teacher course.
type TeacherStatus struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	HalfDays int    `json:"halfDays"` // attended or made up
	Complete bool   `json:"complete"`
}

// Receipt is what an action's Update answers: when the rollout recorded it.
// The status is read with a query afterwards, so that the history holds no
// copy of it per action.
type Receipt struct {
	RecordedAt time.Time `json:"recordedAt"`
}
