package cli

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/workflows"
)

// listRow is one rollout in 'starter list' (and its --json).
type listRow struct {
	WorkflowID   string                    `json:"workflowId"`
	Municipality municipality.Municipality `json:"municipality"`
	Wave         string                    `json:"wave"`
	Phase        string                    `json:"phase"`
	WaitingOn    []string                  `json:"waitingOn"`
	DueAt        time.Time                 `json:"dueAt,omitzero"`
	Stalled      bool                      `json:"stalled"`
	StalledSince time.Time                 `json:"stalledSince,omitzero"`
	Status       string                    `json:"status"` // Running, Completed, Terminated, …
	StartedAt    time.Time                 `json:"startedAt"`
}

// quote writes a visibility-query string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// listExecutions runs a visibility query, every page.
func listExecutions(e *env, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	c, err := e.client()
	if err != nil {
		return nil, err
	}
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := c.ListWorkflow(e.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 500})
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

// rowOf reads a rollout's row from its search attributes.
func rowOf(x *workflowpb.WorkflowExecutionInfo) listRow {
	sa := x.GetSearchAttributes()
	var code, wave, phase string
	var waiting []string
	var stalled bool
	var due time.Time
	attr(sa, workflows.AttrMunicipality.GetName(), &code)
	attr(sa, workflows.AttrWave.GetName(), &wave)
	attr(sa, workflows.AttrPhase.GetName(), &phase)
	attr(sa, workflows.AttrWaitingOn.GetName(), &waiting)
	attr(sa, workflows.AttrStalled.GetName(), &stalled)
	attr(sa, workflows.AttrDueAt.GetName(), &due)
	m, err := municipality.Lookup(code)
	if err != nil {
		m = municipality.Municipality{Code: code}
	}
	if waiting == nil {
		waiting = []string{}
	}
	status := x.GetStatus().String() // Running, Completed, Terminated, …
	return listRow{
		WorkflowID: x.GetExecution().GetWorkflowId(), Municipality: m, Wave: wave, Phase: phase,
		WaitingOn: waiting, DueAt: due, Stalled: stalled, Status: status, StartedAt: x.GetStartTime().AsTime(),
	}
}

// earliestStall is when a status's oldest stalled step stalled.
func earliestStall(st workflows.Status) time.Time {
	var t time.Time
	for _, s := range st.Steps {
		if s.Stalled() && !s.StalledSince.IsZero() && (t.IsZero() || s.StalledSince.Before(t)) {
			t = s.StalledSince
		}
	}
	return t
}

func newList(e *env) *cobra.Command {
	var waveName, phase, province string
	var stalled, asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--wave WAVE] [--phase PHASE] [--province NAME] [--stalled] [--json]",
		Short: "List rollouts: phase, what they wait on, due, stalled since",
		Long: `List rollouts from Temporal's visibility store (the Amwaht* search
attributes), newest execution per rollout: municipality, phase, the steps it
waits on, the earliest due date, and for stalled rollouts since when (read
with a status query per stalled row). Filters combine. Phases: ` + phaseNames() + `.
Visibility lags a moment behind the rollouts.

--json prints an array of objects:
  {"workflowId": "rollout-demo-GM0344",
   "municipality": {"code": "GM0344", "name": "Utrecht", "province": "Utrecht"},
   "wave": "demo", "phase": "preparation", "waitingOn": ["funding", "location"],
   "dueAt": "2026-…Z", "stalled": true, "stalledSince": "2026-…Z",
   "status": "Running", "startedAt": "2026-…Z"}
(dueAt and stalledSince are left out when there is none; status is Temporal's:
Running, Completed, Terminated, Failed, …).`,
		Example: `  starter list --wave demo
  starter list --wave 2012 --province Flevoland --phase preparation
  starter list --stalled --json | jq -r '.[].workflowId'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := []string{"WorkflowType = 'RolloutWorkflow'"}
			if waveName != "" {
				q = append(q, fmt.Sprintf("%s = %s", workflows.AttrWave.GetName(), quote(waveName)))
			}
			if phase != "" {
				if !slices.Contains(workflows.Phases, workflows.Phase(phase)) {
					return usageErr("--phase: unknown phase %q: use one of %s", phase, phaseNames())
				}
				q = append(q, fmt.Sprintf("%s = %s", workflows.AttrPhase.GetName(), quote(phase)))
			}
			if province != "" {
				ms, err := municipality.InProvince(province)
				if err != nil {
					return withCode(ExitNotFound, err)
				}
				codes := make([]string, len(ms))
				for i, m := range ms {
					codes[i] = quote(m.Code)
				}
				q = append(q, fmt.Sprintf("%s IN (%s)", workflows.AttrMunicipality.GetName(), strings.Join(codes, ", ")))
			}
			if stalled {
				q = append(q, workflows.AttrStalled.GetName()+" = true")
			}
			xs, err := listExecutions(e, strings.Join(q, " AND "))
			if err != nil {
				return err
			}
			rows := latestRows(xs)
			for i := range rows {
				if rows[i].Stalled {
					if st, err := queryStatus(e, rows[i].WorkflowID); err == nil {
						rows[i].StalledSince = earliestStall(st)
					}
				}
			}
			return writeRows(e.out, asJSON, rows, "No rollouts match.", "MUNICIPALITY\tWAVE\tPHASE\tWAITING ON\tDUE\tSTALLED SINCE", "rollouts", func(r listRow) string {
				ph := r.Phase
				if r.Status != "Running" && r.Status != "Completed" {
					ph += " (" + strings.ToLower(r.Status) + ")"
				}
				since := ""
				if r.Stalled {
					since = when(r.StalledSince)
				}
				due := ""
				if !r.DueAt.IsZero() {
					due = when(r.DueAt)
				}
				return fmt.Sprintf("%s %s\t%s\t%s\t%s\t%s\t%s", r.Municipality.Code, r.Municipality.Name, r.Wave, ph, strings.Join(r.WaitingOn, ", "), due, since)
			})
		},
	}
	cmd.Flags().StringVarP(&waveName, "wave", "w", "", "only this wave")
	cmd.Flags().StringVar(&phase, "phase", "", "only this phase: "+phaseNames())
	cmd.Flags().StringVar(&province, "province", "", "only this province's municipalities")
	cmd.Flags().BoolVar(&stalled, "stalled", false, "only stalled rollouts")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func phaseNames() string { return joinNames(workflows.Phases) }

// latestRows keeps the newest execution of each workflow ID, sorted by
// wave, then municipality code.
func latestRows(xs []*workflowpb.WorkflowExecutionInfo) []listRow {
	byID := map[string]listRow{}
	for _, x := range xs {
		r := rowOf(x)
		if old, ok := byID[r.WorkflowID]; !ok || r.StartedAt.After(old.StartedAt) {
			byID[r.WorkflowID] = r
		}
	}
	rows := make([]listRow, 0, len(byID))
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

// stalledStep is one row of 'starter stalled' (and its --json).
type stalledStep struct {
	WorkflowID   string                    `json:"workflowId"`
	Workflow     string                    `json:"workflow"` // rollout or cohort
	Municipality municipality.Municipality `json:"municipality"`
	Wave         string                    `json:"wave"`
	Phase        string                    `json:"phase"`
	Step         string                    `json:"step"`
	Label        string                    `json:"label"`
	Party        string                    `json:"party"`
	Since        time.Time                 `json:"since,omitzero"`
	Due          time.Time                 `json:"due"`
	Problem      string                    `json:"problem,omitempty"`
	Link         string                    `json:"link"`
}

func newStalled(e *env) *cobra.Command {
	var waveName string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stalled [--wave WAVE] [--json]",
		Short: "List stalled steps, oldest first: who must act, since when, the problem",
		Long: `List every stalled step of the running rollouts and cohorts (a step is stalled
when it is overdue or has a problem, such as a missed course day or an e-mail
that could not be delivered), oldest stall first: municipality, step, who must
act, stalled since, due, the Web UI link and the problem. Found through the
AmwahtStalled search attribute, then read with a status query per workflow.

--json prints an array of objects:
  {"workflowId": "rollout-demo-GM0344", "workflow": "rollout",
   "municipality": {"code": "GM0344", "name": "Utrecht", "province": "Utrecht"},
   "wave": "demo", "phase": "producer-course",
   "step": "producer-course-1", "label": "producer course day 1 (Utrecht): attendance",
   "party": "staff", "since": "2026-…Z", "due": "2026-…Z",
   "problem": "…", "link": "http://localhost:8233/namespaces/default/workflows/rollout-demo-GM0344"}
("workflow" is rollout or cohort; party is municipality, producer, teacher or
staff; since and problem are left out when empty).`,
		Example: "  starter stalled --wave demo\n  starter stalled --json | jq -r '.[] | \"\\(.municipality.name): \\(.step)\"'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := []string{workflows.AttrStalled.GetName() + " = true", "ExecutionStatus = 'Running'"}
			if waveName != "" {
				q = append(q, fmt.Sprintf("%s = %s", workflows.AttrWave.GetName(), quote(waveName)))
			}
			xs, err := listExecutions(e, strings.Join(q, " AND "))
			if err != nil {
				return err
			}
			rows := []stalledStep{}
			for _, x := range xs {
				id := x.GetExecution().GetWorkflowId()
				st, err := queryStatus(e, id)
				if err != nil {
					fmt.Fprintf(e.errOut, "warning: status of %s: %v\n", id, err)
					continue
				}
				kind := "rollout"
				if x.GetType().GetName() == "CohortWorkflow" {
					kind = "cohort"
				}
				m, err := municipality.Lookup(st.Municipality.Code)
				if err != nil {
					m = municipality.Municipality(st.Municipality)
				}
				for _, s := range st.Steps {
					if !s.Stalled() {
						continue
					}
					rows = append(rows, stalledStep{
						WorkflowID: id, Workflow: kind, Municipality: m, Wave: st.Wave, Phase: string(st.Phase),
						Step: s.Name, Label: s.Label, Party: string(s.Party), Since: s.StalledSince, Due: s.Due,
						Problem: s.Problem, Link: workflowLink(namespace(), id),
					})
				}
			}
			sortStalled(rows)
			return writeRows(e.out, asJSON, rows, "Nothing is stalled.", "MUNICIPALITY\tWAVE\tSTEP\tWHO ACTS\tSINCE\tDUE\tWEB UI\tPROBLEM", "stalled steps", func(r stalledStep) string {
				step := r.Step
				if r.Workflow == "cohort" {
					step = "cohort: " + step
				}
				problem := r.Problem
				if problem == "" {
					problem = "overdue"
				}
				return fmt.Sprintf("%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", r.Municipality.Code, r.Municipality.Name, r.Wave, step, r.Party, when(r.Since), when(r.Due), r.Link, problem)
			})
		},
	}
	cmd.Flags().StringVarP(&waveName, "wave", "w", "", "only this wave")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// sortStalled puts the oldest stall first; a step without a stall time (a
// problem noticed before its due date) counts from its due date.
func sortStalled(rows []stalledStep) {
	key := func(r stalledStep) time.Time {
		if !r.Since.IsZero() {
			return r.Since
		}
		return r.Due
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := key(rows[i]), key(rows[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		if rows[i].WorkflowID != rows[j].WorkflowID {
			return rows[i].WorkflowID < rows[j].WorkflowID
		}
		return rows[i].Step < rows[j].Step
	})
}
