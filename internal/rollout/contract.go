// Package rollout is the rollouts' contract and its typed client: workflow
// IDs and types, the task queue, the status query, the search attributes,
// the workflows' inputs and results, and a Client through which the CLI, the
// scripted actor, the bench and the console start rollouts, act on them and
// read them. The Update names are the actions of internal/plan. No other
// package spells any of these names.
package rollout

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// TaskQueue is where the worker listens.
const TaskQueue = "amwaht"

// Workflow types, as the worker registers them.
const (
	RolloutWorkflowType = "RolloutWorkflow"
	CohortWorkflowType  = "CohortWorkflow"
	// PurgeWorkflowType blanks e-mail bodies past their retention; the
	// schedule PurgeScheduleID starts it daily.
	PurgeWorkflowType = "OutboxPurgeWorkflow"
)

// PurgeScheduleID is the Temporal Schedule the worker ensures at start;
// its runs are workflows with IDs that begin with it.
const PurgeScheduleID = "amwaht-outbox-purge"

// QueryStatus answers a Status, on a rollout and on its cohort.
const QueryStatus = "status"

// SignalStepDone tells a running cohort that a step it needs (the
// internship places, before the practicum) is done; its argument is the
// step's ID.
const SignalStepDone = "step-done"

// ErrTypeRejected is the type of the application error a validator refuses
// an action with; its details are the plan.Problems.
const ErrTypeRejected = "Rejected"

// WorkflowID names a rollout: one per municipality per wave.
func WorkflowID(wave, code string) string {
	return fmt.Sprintf("rollout-%s-%s", wave, strings.ToUpper(code))
}

// CohortWorkflowID names a rollout's cohort.
func CohortWorkflowID(rolloutID string) string { return rolloutID + "-cohort" }

// Search attributes: what administrators filter on in the Web UI. They hold
// codes, step IDs and dates only, never personal data (they are not encrypted).
var (
	AttrMunicipality = temporal.NewSearchAttributeKeyKeyword("AmwahtMunicipality")
	AttrWave         = temporal.NewSearchAttributeKeyKeyword("AmwahtWave")
	AttrPhase        = temporal.NewSearchAttributeKeyKeyword("AmwahtPhase")
	AttrWaitingOn    = temporal.NewSearchAttributeKeyKeywordList("AmwahtWaitingOn")
	AttrStalled      = temporal.NewSearchAttributeKeyBool("AmwahtStalled")
	AttrDueAt        = temporal.NewSearchAttributeKeyTime("AmwahtDueAt")
	AttrOutcome      = temporal.NewSearchAttributeKeyKeyword("AmwahtOutcome")
	// AttrWaitingFor lists who must act on the steps waited on (parties), and
	// AttrStalledSince when the oldest stall began: the staff console's
	// overview reads them, with no query per rollout.
	AttrWaitingFor   = temporal.NewSearchAttributeKeyKeywordList("AmwahtWaitingFor")
	AttrStalledSince = temporal.NewSearchAttributeKeyTime("AmwahtStalledSince")
)

// SearchAttribute is one custom search attribute to register on a namespace.
type SearchAttribute struct {
	Name string
	Type enums.IndexedValueType
}

// SearchAttributes lists the project's custom search attributes, in a fixed order.
func SearchAttributes() []SearchAttribute {
	return []SearchAttribute{
		{AttrMunicipality.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
		{AttrWave.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
		{AttrPhase.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
		{AttrWaitingOn.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD_LIST},
		{AttrStalled.GetName(), enums.INDEXED_VALUE_TYPE_BOOL},
		{AttrDueAt.GetName(), enums.INDEXED_VALUE_TYPE_DATETIME},
		{AttrOutcome.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD},
		{AttrWaitingFor.GetName(), enums.INDEXED_VALUE_TYPE_KEYWORD_LIST},
		{AttrStalledSince.GetName(), enums.INDEXED_VALUE_TYPE_DATETIME},
	}
}

// SearchAttributeFlags renders them as `temporal server start-dev
// --search-attribute` values.
func SearchAttributeFlags() []string {
	names := map[enums.IndexedValueType]string{
		enums.INDEXED_VALUE_TYPE_KEYWORD:      "Keyword",
		enums.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
		enums.INDEXED_VALUE_TYPE_BOOL:         "Bool",
		enums.INDEXED_VALUE_TYPE_DATETIME:     "Datetime",
	}
	var out []string
	for _, a := range SearchAttributes() {
		out = append(out, a.Name+"="+names[a.Type])
	}
	return out
}

// Input starts a rollout. The whole wave, its plan with every date, travels
// with it: a rollout keeps the plan it started with.
type Input struct {
	Municipality municipality.Municipality `json:"municipality"`
	Wave         wave.Calendar             `json:"wave"`
	// Contact is the municipality's contact, who gets the invitation.
	Contact mail.Contact `json:"contact"`
}

// Result is what a finished rollout returns.
type Result struct {
	Outcome   plan.Outcome `json:"outcome"`
	Graduates int          `json:"graduates,omitempty"`
}

// CohortInput starts a cohort (the ten-month training) for a rollout.
type CohortInput struct {
	RolloutID    string                    `json:"rolloutId"`
	Municipality municipality.Municipality `json:"municipality"`
	Wave         wave.Calendar             `json:"wave"`
	Start        time.Time                 `json:"start"` // the actual start
	Producer     plan.Producer             `json:"producer"`
	Participants int                       `json:"participants"`
	Done         []string                  `json:"done,omitempty"` // steps of the rollout done at the start that the cohort may need
}

// CohortResult is how the cohort ended.
type CohortResult struct {
	Graduates  int `json:"graduates"`
	PeerGroups int `json:"peerGroups"`
	DropOuts   int `json:"dropOuts"`
}

// StartOptions start a rollout: its ID, one running rollout per
// municipality and wave (a second start fails with
// WorkflowExecutionAlreadyStarted; a new one may follow an ended one), the
// Web UI's summary and details, and the search attributes it is found by
// from the first moment.
func StartOptions(in Input) client.StartWorkflowOptions {
	m := in.Municipality
	return client.StartWorkflowOptions{
		ID:                                       WorkflowID(in.Wave.Name, m.Code),
		TaskQueue:                                TaskQueue,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            fmt.Sprintf("%s (%s) · wave %s", m.Name, m.Code, in.Wave.Name),
		StaticDetails: fmt.Sprintf("AMWAHT rollout for **%s** (%s, province %s), wave **%s**: %d steps. Producer application deadline: %s.",
			m.Name, m.Code, m.Province, in.Wave.Name, len(in.Wave.Steps), in.Wave.ApplicationDeadline().In(wave.Amsterdam).Format("2006-01-02 15:04 MST")),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrMunicipality.ValueSet(m.Code),
			AttrWave.ValueSet(in.Wave.Name),
			AttrPhase.ValueSet(string(plan.PhaseApplication)),
		),
	}
}
