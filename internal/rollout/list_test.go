package rollout

import (
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var t0 = time.Date(2012, 3, 1, 9, 0, 0, 0, time.UTC)

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRowOfAndSorting(t *testing.T) {
	due := t0.Add(48 * time.Hour)
	x := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: "rollout-2012-GM0344"},
		StartTime: timestamppb.New(t0),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			"AmwahtMunicipality": payload(t, "GM0344"),
			"AmwahtWave":         payload(t, "2012"),
			"AmwahtPhase":        payload(t, "preparation"),
			"AmwahtWaitingOn":    payload(t, []string{"funding", "location"}),
			"AmwahtStalled":      payload(t, true),
			"AmwahtDueAt":        payload(t, due),
			"AmwahtOutcome":      payload(t, "graduated"),
		}},
	}
	older := &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: "rollout-2012-GM0344"}, StartTime: timestamppb.New(t0.Add(-time.Hour))}
	rows := latest([]*workflowpb.WorkflowExecutionInfo{older, x})
	if len(rows) != 1 {
		t.Fatalf("rows: %+v", rows)
	}
	r := rows[0]
	if r.Municipality.Name != "Utrecht" || r.Wave != "2012" || r.Phase != "preparation" || strings.Join(r.WaitingOn, ",") != "funding,location" || !r.Stalled || !r.DueAt.Equal(due) || r.Outcome != "graduated" {
		t.Errorf("row: %+v", r)
	}

	s := []StalledLine{
		{WorkflowID: "b", Step: Step{Name: "x", StalledSince: t0.Add(2 * time.Hour)}},
		{WorkflowID: "a", Step: Step{Name: "y", Due: t0.Add(time.Hour)}}, // a problem before its due date: counts from the due date
		{WorkflowID: "c", Step: Step{Name: "z", StalledSince: t0}},
	}
	sortStalled(s)
	if s[0].WorkflowID != "c" || s[1].WorkflowID != "a" || s[2].WorkflowID != "b" {
		t.Errorf("order: %+v", s)
	}
}

// TestQuote: a wave name cannot end the literal early, whatever it holds.
func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"demo":                       `'demo'`,
		"it's":                       `'it\'s'`,
		`\' OR AmwahtWave != '' -- `: `'\\\' OR AmwahtWave != \'\' -- '`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	if _, err := (Filter{Wave: `\' OR AmwahtWave != '' -- `}).Query(); err == nil {
		t.Error("a wave name that is not one reached the query")
	}
	q, err := Filter{Wave: "demo", Phase: "preparation", Codes: []string{"GM0344", "GM0363"}, Stalled: true, Outcome: "graduated", Running: true}.Query()
	want := "WorkflowType = 'RolloutWorkflow' AND AmwahtWave = 'demo' AND AmwahtPhase = 'preparation' AND AmwahtOutcome = 'graduated' AND AmwahtMunicipality IN ('GM0344', 'GM0363') AND AmwahtStalled = true AND ExecutionStatus = 'Running'"
	if err != nil || q != want {
		t.Errorf("query:\n got %s\nwant %s (%v)", q, want, err)
	}
}
