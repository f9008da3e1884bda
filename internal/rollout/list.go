package rollout

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
)

// Quote writes a visibility-query string literal. Temporal's query parser
// reads backslash escapes, so a backslash is escaped as well as the quote:
// `\' OR …` stays inside the literal.
func Quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

var waveName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,18}[A-Za-z0-9])?$`)

// ValidWaveName tells whether s can name a wave: 1 to 20 letters, digits or
// hyphens, not starting or ending with a hyphen (it is part of workflow IDs).
func ValidWaveName(s string) bool { return waveName.MatchString(s) }

// Filter selects rollouts; empty fields select all.
type Filter struct {
	Wave     string
	Phase    plan.Phase
	Codes    []string // municipalities, e.g. a province's
	Stalled  bool
	Outcome  plan.Outcome
	Running  bool
	Cohorts  bool // the cohorts' workflows rather than the rollouts'
	Workflow string
}

// Query is the filter's visibility query.
func (f Filter) Query() (string, error) {
	typ := RolloutWorkflowType
	if f.Cohorts {
		typ = CohortWorkflowType
	}
	q := []string{"WorkflowType = " + Quote(typ)}
	if f.Wave != "" {
		if !ValidWaveName(f.Wave) {
			return "", fmt.Errorf("%q is not a wave name: 1 to 20 letters, digits or hyphens", f.Wave)
		}
		q = append(q, fmt.Sprintf("%s = %s", AttrWave.GetName(), Quote(f.Wave)))
	}
	if f.Phase != "" {
		q = append(q, fmt.Sprintf("%s = %s", AttrPhase.GetName(), Quote(string(f.Phase))))
	}
	if f.Outcome != "" {
		q = append(q, fmt.Sprintf("%s = %s", AttrOutcome.GetName(), Quote(string(f.Outcome))))
	}
	if len(f.Codes) > 0 {
		quoted := make([]string, len(f.Codes))
		for i, c := range f.Codes {
			quoted[i] = Quote(c)
		}
		q = append(q, fmt.Sprintf("%s IN (%s)", AttrMunicipality.GetName(), strings.Join(quoted, ", ")))
	}
	if f.Stalled {
		q = append(q, AttrStalled.GetName()+" = true")
	}
	if f.Running {
		q = append(q, "ExecutionStatus = 'Running'")
	}
	return strings.Join(q, " AND "), nil
}

// Row is one rollout as the visibility store knows it: from its search
// attributes, with no query to the rollout itself.
type Row struct {
	WorkflowID   string                    `json:"workflowId"`
	Municipality municipality.Municipality `json:"municipality"`
	Wave         string                    `json:"wave"`
	Phase        string                    `json:"phase"`
	Outcome      plan.Outcome              `json:"outcome,omitempty"`
	WaitingOn    []string                  `json:"waitingOn"`
	DueAt        time.Time                 `json:"dueAt,omitzero"`
	Stalled      bool                      `json:"stalled"`
	WaitingFor   []plan.Party              `json:"waitingFor,omitempty"` // who must act on the steps waited on
	StalledSince time.Time                 `json:"stalledSince,omitzero"`
	Status       string                    `json:"status"` // Temporal's: Running, Completed, Terminated, …
	StartedAt    time.Time                 `json:"startedAt"`
	ClosedAt     time.Time                 `json:"closedAt,omitzero"`
}

// List returns the rollouts (newest execution per workflow ID) that match,
// sorted by wave then municipality.
func (c *Client) List(ctx context.Context, f Filter) ([]Row, error) {
	q, err := f.Query()
	if err != nil {
		return nil, err
	}
	xs, err := c.executions(ctx, q)
	if err != nil {
		return nil, err
	}
	return latest(xs), nil
}

// executions runs a visibility query, every page.
func (c *Client) executions(ctx context.Context, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := c.T.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 1000})
		if err != nil {
			return nil, fmt.Errorf("visibility query %q: %w", query, err)
		}
		out = append(out, resp.Executions...)
		token = resp.NextPageToken
		if len(token) == 0 {
			return out, nil
		}
	}
}

// attr decodes one search attribute; a missing one leaves v as it was.
func attr(sa *commonpb.SearchAttributes, name string, v any) {
	if sa == nil || sa.IndexedFields[name] == nil {
		return
	}
	_ = converter.GetDefaultDataConverter().FromPayload(sa.IndexedFields[name], v)
}

// RowOf reads a rollout's row from its search attributes.
func RowOf(x *workflowpb.WorkflowExecutionInfo) Row {
	sa := x.GetSearchAttributes()
	var r Row
	var code, outcome string
	attr(sa, AttrMunicipality.GetName(), &code)
	attr(sa, AttrWave.GetName(), &r.Wave)
	attr(sa, AttrPhase.GetName(), &r.Phase)
	attr(sa, AttrOutcome.GetName(), &outcome)
	attr(sa, AttrWaitingOn.GetName(), &r.WaitingOn)
	attr(sa, AttrStalled.GetName(), &r.Stalled)
	attr(sa, AttrDueAt.GetName(), &r.DueAt)
	attr(sa, AttrWaitingFor.GetName(), &r.WaitingFor)
	attr(sa, AttrStalledSince.GetName(), &r.StalledSince)
	m, err := municipality.Lookup(code)
	if err != nil {
		m = municipality.Municipality{Code: code}
	}
	if r.WaitingOn == nil {
		r.WaitingOn = []string{}
	}
	r.Municipality, r.Outcome = m, plan.Outcome(outcome)
	r.WorkflowID = x.GetExecution().GetWorkflowId()
	r.Status = x.GetStatus().String()
	r.StartedAt = x.GetStartTime().AsTime()
	if x.GetCloseTime() != nil {
		r.ClosedAt = x.GetCloseTime().AsTime()
	}
	return r
}

// latest keeps the newest execution of each workflow ID, sorted by wave,
// then workflow ID.
func latest(xs []*workflowpb.WorkflowExecutionInfo) []Row {
	byID := map[string]Row{}
	for _, x := range xs {
		r := RowOf(x)
		if old, ok := byID[r.WorkflowID]; !ok || r.StartedAt.After(old.StartedAt) {
			byID[r.WorkflowID] = r
		}
	}
	rows := make([]Row, 0, len(byID))
	for _, r := range byID {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Wave != rows[j].Wave {
			return rows[i].Wave < rows[j].Wave
		}
		return rows[i].WorkflowID < rows[j].WorkflowID
	})
	return rows
}

// StalledLine is one stalled step of a running rollout or cohort.
type StalledLine struct {
	WorkflowID   string                    `json:"workflowId"`
	Workflow     string                    `json:"workflow"` // rollout or cohort
	Municipality municipality.Municipality `json:"municipality"`
	Wave         string                    `json:"wave"`
	Phase        string                    `json:"phase"`
	Step         Step                      `json:"step"`
}

// Stalled lists every stalled step of the running rollouts and cohorts of a
// wave (all waves when empty), oldest stall first: found through
// AmwahtStalled, then read with a status query per workflow. Workflows that
// do not answer are reported in skipped.
func (c *Client) Stalled(ctx context.Context, waveName string) (lines []StalledLine, skipped []error, err error) {
	q := []string{AttrStalled.GetName() + " = true", "ExecutionStatus = 'Running'"}
	if waveName != "" {
		if !ValidWaveName(waveName) {
			return nil, nil, fmt.Errorf("%q is not a wave name: 1 to 20 letters, digits or hyphens", waveName)
		}
		q = append(q, fmt.Sprintf("%s = %s", AttrWave.GetName(), Quote(waveName)))
	}
	xs, err := c.executions(ctx, strings.Join(q, " AND "))
	if err != nil {
		return nil, nil, err
	}
	for _, x := range xs {
		id := x.GetExecution().GetWorkflowId()
		st, err := c.Status(ctx, id)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		kind := "rollout"
		if x.GetType().GetName() == CohortWorkflowType {
			kind = "cohort"
		}
		phase := string(st.Phase)
		if st.Cohort {
			phase = string(st.CohortPhase)
		}
		for _, s := range st.Steps {
			if s.Stalled() {
				lines = append(lines, StalledLine{WorkflowID: id, Workflow: kind, Municipality: st.Municipality, Wave: st.Wave, Phase: phase, Step: s})
			}
		}
	}
	sortStalled(lines)
	return lines, skipped, nil
}

// sortStalled puts the oldest stall first; a step without a stall time (a
// problem noticed before its due date) counts from its due date.
func sortStalled(rows []StalledLine) {
	key := func(r StalledLine) time.Time {
		if !r.Step.StalledSince.IsZero() {
			return r.Step.StalledSince
		}
		return r.Step.Due
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := key(rows[i]), key(rows[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		if rows[i].WorkflowID != rows[j].WorkflowID {
			return rows[i].WorkflowID < rows[j].WorkflowID
		}
		return rows[i].Step.Name < rows[j].Step.Name
	})
}

// EarliestStall is when a status's oldest stalled step stalled.
func EarliestStall(st Status) time.Time {
	var t time.Time
	for _, s := range st.Steps {
		if s.Stalled() && !s.StalledSince.IsZero() && (t.IsZero() || s.StalledSince.Before(t)) {
			t = s.StalledSince
		}
	}
	return t
}
