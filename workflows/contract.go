// Package workflows holds the durable rollout processes of the AMWAHT
// training: one RolloutWorkflow per municipality per wave.
package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is where the worker listens.
const TaskQueue = "amwaht"

// WorkflowID names a rollout: one per municipality per wave.
func WorkflowID(wave, code string) string {
	return fmt.Sprintf("rollout-%s-%s", wave, strings.ToUpper(code))
}

// StartOptions start a rollout: its ID, one running rollout per
// municipality and wave (a second start fails with
// WorkflowExecutionAlreadyStarted; a new one may follow an ended one), the
// Web UI's summary and details, and the search attributes it is found by
// from the first moment.
func StartOptions(in RolloutInput) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       WorkflowID(in.Wave.Name, in.Municipality.Code),
		TaskQueue:                                TaskQueue,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            fmt.Sprintf("%s (%s) · wave %s", in.Municipality.Name, in.Municipality.Code, in.Wave.Name),
		StaticDetails: fmt.Sprintf("AMWAHT rollout for **%s** (%s, province %s), wave **%s**. Producer application deadline: %s.",
			in.Municipality.Name, in.Municipality.Code, in.Municipality.Province, in.Wave.Name, in.Wave.ApplicationDeadline.UTC().Format(time.RFC3339)),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrMunicipality.ValueSet(in.Municipality.Code),
			AttrWave.ValueSet(in.Wave.Name),
			AttrPhase.ValueSet(string(PhaseApplication)),
		),
	}
}

// Names of the queries and updates staff use (through the starter CLI).
const (
	QueryStatus = "status"

	UpdateApply = "apply" // a producer's application (aanmelding)
)

// Search attributes: what administrators filter on in the Web UI. They hold
// codes and step names only, never personal data (they are not encrypted).
var (
	AttrMunicipality = temporal.NewSearchAttributeKeyKeyword("AmwahtMunicipality")
	AttrWave         = temporal.NewSearchAttributeKeyKeyword("AmwahtWave")
	AttrPhase        = temporal.NewSearchAttributeKeyKeyword("AmwahtPhase")
	AttrWaitingOn    = temporal.NewSearchAttributeKeyKeywordList("AmwahtWaitingOn")
	AttrStalled      = temporal.NewSearchAttributeKeyBool("AmwahtStalled")
	AttrDueAt        = temporal.NewSearchAttributeKeyTime("AmwahtDueAt")
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
