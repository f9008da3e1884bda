package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

func newList(e *env) *cobra.Command {
	var f rollout.Filter
	var phase, province, outcome string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--wave WAVE] [--phase PHASE] [--province NAME] [--outcome OUTCOME] [--stalled] [--json]",
		Short: "List rollouts: phase, outcome, what they wait on, due, stalled since",
		Long: `List rollouts from Temporal's visibility store (the Amwaht* search
attributes), newest execution per rollout: municipality, phase, outcome (of
an ended rollout), the steps it waits on, the earliest due date, and for
stalled rollouts since when (read with a status query per stalled row).
Filters combine. Phases: ` + phaseNames() + `; outcomes: ` + outcomeNames() + `.
Visibility lags a moment behind the rollouts.

--json prints an array of objects:
  {"workflowId": "rollout-demo-GM0344",
   "municipality": {"code": "GM0344", "name": "Utrecht", "province": "Utrecht"},
   "wave": "demo", "phase": "preparation", "outcome": "graduated",
   "waitingOn": ["funding", "location"], "dueAt": "2026-…Z", "stalled": true,
   "stalledSince": "2026-…Z", "status": "Running", "startedAt": "2026-…Z",
   "closedAt": "2026-…Z"}
(outcome, dueAt, stalledSince and closedAt are left out when there is none;
status is Temporal's: Running, Completed, Terminated, Failed, …).`,
		Example: `  starter list --wave demo
  starter list --wave 2012 --province Flevoland --phase preparation
  starter list --wave 2012 --outcome no-producer
  starter list --stalled --json | jq -r '.[].workflowId'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Wave != "" && !rollout.ValidWaveName(f.Wave) {
				return usageErr("--wave %q: a wave's name is 1 to 20 letters, digits or hyphens", f.Wave)
			}
			if f.Phase = plan.Phase(phase); phase != "" && !f.Phase.Valid() {
				return usageErr("--phase: unknown phase %q: use one of %s", phase, phaseNames())
			}
			if f.Outcome = plan.Outcome(outcome); outcome != "" && !oneOf(f.Outcome, plan.Outcomes) {
				return usageErr("--outcome: unknown outcome %q: use one of %s", outcome, outcomeNames())
			}
			if province != "" {
				ms, err := municipality.InProvince(province)
				if err != nil {
					return withCode(ExitNotFound, err)
				}
				for _, m := range ms {
					f.Codes = append(f.Codes, m.Code)
				}
			}
			rc, err := e.rollouts()
			if err != nil {
				return err
			}
			rows, err := rc.List(e.ctx, f)
			if err != nil {
				return err
			}
			for i := range rows {
				if rows[i].Stalled {
					if st, err := rc.Status(e.ctx, rows[i].WorkflowID); err == nil {
						rows[i].StalledSince = rollout.EarliestStall(st)
					}
				}
			}
			return writeRows(e.out, asJSON, rows, e.t("Geen uitrollen gevonden.", "No rollouts match."),
				e.t("GEMEENTE\tRONDE\tFASE\tUITKOMST\tWACHT OP\tUITERLIJK\tVASTGELOPEN SINDS", "MUNICIPALITY\tWAVE\tPHASE\tOUTCOME\tWAITING ON\tDUE\tSTALLED SINCE"),
				e.t("%d uitrollen.", "%d rollouts.", len(rows)), e.listLine)
		},
	}
	cmd.Flags().StringVarP(&f.Wave, "wave", "w", "", "only this wave")
	cmd.Flags().StringVar(&phase, "phase", "", "only this phase: "+phaseNames())
	cmd.Flags().StringVar(&outcome, "outcome", "", "only rollouts that ended so: "+outcomeNames())
	cmd.Flags().StringVar(&province, "province", "", "only this province's municipalities")
	cmd.Flags().BoolVar(&f.Stalled, "stalled", false, "only stalled rollouts")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (e *env) listLine(r rollout.Row) string {
	ph := plan.Phase(r.Phase).Label().In(e.lang)
	if r.Status != "Running" && r.Status != "Completed" {
		ph += " (" + strings.ToLower(r.Status) + ")"
	}
	outcome, since, due := "", "", ""
	if r.Outcome != "" {
		outcome = r.Outcome.Label().In(e.lang)
	}
	if r.Stalled {
		since = when(r.StalledSince)
	}
	if !r.DueAt.IsZero() {
		due = when(r.DueAt)
	}
	return fmt.Sprintf("%s %s\t%s\t%s\t%s\t%s\t%s\t%s", r.Municipality.Code, r.Municipality.Name, r.Wave, ph, outcome, strings.Join(r.WaitingOn, ", "), due, since)
}

func phaseNames() string   { return joinNames(plan.Phases) }
func outcomeNames() string { return joinNames(plan.Outcomes) }

// joinNames lists identifiers (phases, outcomes) for help and messages.
func joinNames[S ~string](xs []S) string {
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = string(x)
	}
	return strings.Join(names, ", ")
}

func oneOf[S ~string](s S, list []S) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func usageErr(format string, args ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, args...))
}

// stalledRow is one row of 'starter stalled --json'.
type stalledRow struct {
	WorkflowID   string                    `json:"workflowId"`
	Workflow     string                    `json:"workflow"` // rollout or cohort
	Municipality municipality.Municipality `json:"municipality"`
	Wave         string                    `json:"wave"`
	Phase        string                    `json:"phase"`
	Step         string                    `json:"step"`
	Label        plan.Text                 `json:"label"`
	Party        plan.Party                `json:"party"`
	Since        time.Time                 `json:"since,omitzero"`
	Due          time.Time                 `json:"due"`
	Problem      plan.Text                 `json:"problem,omitzero"`
	LastActor    *plan.Actor               `json:"lastActor,omitempty"`
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
   "step": "producer-course-1", "label": {"nl": "…", "en": "…"},
   "party": "staff", "since": "2026-…Z", "due": "2026-…Z",
   "problem": {"nl": "…", "en": "…"}, "link": "http://localhost:8233/namespaces/default/workflows/rollout-demo-GM0344"}
("workflow" is rollout or cohort; party is municipality, producer, teacher or
staff; since and problem are left out when empty).`,
		Example: "  starter stalled --wave demo\n  starter stalled --json | jq -r '.[] | \"\\(.municipality.name): \\(.step)\"'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rc, err := e.rollouts()
			if err != nil {
				return err
			}
			lines, skipped, err := rc.Stalled(e.ctx, waveName)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			for _, s := range skipped {
				fmt.Fprintln(e.errOut, e.t("let op: %v", "warning: %v", s))
			}
			rows := make([]stalledRow, len(lines))
			for i, l := range lines {
				rows[i] = stalledRow{WorkflowID: l.WorkflowID, Workflow: l.Workflow, Municipality: l.Municipality, Wave: l.Wave, Phase: l.Phase,
					Step: l.Step.Name, Label: l.Step.Label, Party: l.Step.Party, Since: l.Step.StalledSince, Due: l.Step.Due,
					Problem: l.Step.Problem, LastActor: l.Step.LastActor, Link: workflowLink(namespace(), l.WorkflowID)}
			}
			return writeRows(e.out, asJSON, rows, e.t("Niets is vastgelopen.", "Nothing is stalled."),
				e.t("GEMEENTE\tRONDE\tSTAP\tWIE IS AAN ZET\tSINDS\tUITERLIJK\tWEB UI\tPROBLEEM", "MUNICIPALITY\tWAVE\tSTEP\tWHO ACTS\tSINCE\tDUE\tWEB UI\tPROBLEM"),
				e.t("%d vastgelopen stappen.", "%d stalled steps.", len(rows)), func(r stalledRow) string {
					step := r.Step
					if r.Workflow == "cohort" {
						step = e.t("opleiding: ", "cohort: ") + step
					}
					problem := r.Problem.In(e.lang)
					if problem == "" {
						problem = plan.StateOverdue.Label().In(e.lang)
					}
					return fmt.Sprintf("%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", r.Municipality.Code, r.Municipality.Name, r.Wave, step, r.Party.Label().In(e.lang),
						when(r.Since), when(r.Due), r.Link, problem)
				})
		},
	}
	cmd.Flags().StringVarP(&waveName, "wave", "w", "", "only this wave")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
