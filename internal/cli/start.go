package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/wave"
	"github.com/stichtingbmp/amwaht/workflows"
)

// UIURL is the Web UI's base, for links in output.
func UIURL() string {
	if v := strings.TrimRight(os.Getenv("AMWAHT_UI_URL"), "/"); v != "" {
		return v
	}
	return "http://localhost:8233"
}

func workflowLink(namespace, id string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", UIURL(), namespace, id)
}

func newStart(e *env) *cobra.Command {
	var code, waveName, contactEmail, contactName string
	var dayLength time.Duration
	cmd := &cobra.Command{
		Use:   "start --municipality CODE --wave WAVE --contact-email ADDRESS",
		Short: "Start a rollout for a municipality in a wave",
		Long: `Start the rollout of the AMWAHT training for one municipality in one wave.
The municipality's contact is e-mailed an invitation to put a producer forward
before the wave's application deadline.

Waves: 2012 (the brochure's calendar) and demo (the 2012 calendar starting now,
one calendar day lasting --day-length, 1s by default).`,
		Example: `  starter start --municipality GM0344 --wave demo --contact-email zorg@utrecht.nl
  starter start --municipality GM0363 --wave 2012 --contact-email wmo@amsterdam.nl --contact-name "Afdeling WMO"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := lookupMunicipality(code)
			if err != nil {
				return err
			}
			if err := mail.ValidateAddress(contactEmail); err != nil {
				return withCode(ExitUsage, fmt.Errorf("--contact-email: %w", err))
			}
			w, err := wave.Lookup(waveName, time.Now(), dayLength)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			in := workflows.RolloutInput{
				Municipality: workflows.Municipality{Code: m.Code, Name: m.Name, Province: m.Province},
				Wave:         w,
				Contact:      mail.Contact{Name: contactName, Email: contactEmail},
			}
			id, err := startRollout(e, c, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "Started %s: %s, wave %s.\n", id, m, w.Name)
			fmt.Fprintf(e.out, "The invitation goes to %s; a producer must apply before %s.\n", contactEmail, deadlineText(w, w.ApplicationDeadline))
			fmt.Fprintf(e.out, "Web UI: %s\n", workflowLink(namespace(), id))
			fmt.Fprintf(e.out, "Next: starter apply %s --wave %s --organisation … --kind welzijnsinstelling --contact-name … --contact-email …\n", m.Code, w.Name)
			return nil
		},
	}
	cmd.Flags().StringVarP(&code, "municipality", "m", "", "CBS code of the municipality, e.g. GM0344 (see 'starter municipalities')")
	cmd.Flags().StringVarP(&waveName, "wave", "w", "", "wave: 2012 or demo")
	cmd.Flags().StringVar(&contactEmail, "contact-email", "", "e-mail address of the municipality's contact")
	cmd.Flags().StringVar(&contactName, "contact-name", "", "name of the municipality's contact (for the greeting)")
	cmd.Flags().DurationVar(&dayLength, "day-length", wave.DemoDayLength, "demo wave only: how long one calendar day lasts")
	for _, f := range []string{"municipality", "wave", "contact-email"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// startRollout starts one rollout's workflow, refusing a second one for the
// same municipality and wave while the first runs.
func startRollout(e *env, c client.Client, in workflows.RolloutInput) (string, error) {
	id := workflows.WorkflowID(in.Wave.Name, in.Municipality.Code)
	opts := client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            fmt.Sprintf("%s (%s) · wave %s", in.Municipality.Name, in.Municipality.Code, in.Wave.Name),
		StaticDetails: fmt.Sprintf("AMWAHT rollout for **%s** (%s, province %s), wave **%s**. Producer application deadline: %s.",
			in.Municipality.Name, in.Municipality.Code, in.Municipality.Province, in.Wave.Name, in.Wave.ApplicationDeadline.UTC().Format(time.RFC3339)),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrMunicipality.ValueSet(in.Municipality.Code),
			workflows.AttrWave.ValueSet(in.Wave.Name),
			workflows.AttrPhase.ValueSet(string(workflows.PhaseApplication)),
		),
	}
	_, err := c.ExecuteWorkflow(e.ctx, opts, workflows.RolloutWorkflow, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return id, withCode(ExitRejected, fmt.Errorf("a rollout for %s in wave %s already runs (workflow %s): see 'starter status %s --wave %s'",
			municipality.Municipality{Code: in.Municipality.Code, Name: in.Municipality.Name, Province: in.Municipality.Province}, in.Wave.Name, id, in.Municipality.Code, in.Wave.Name))
	}
	if err != nil {
		return id, fmt.Errorf("start rollout %s: %w", id, err)
	}
	return id, nil
}

// deadlineText writes a date for staff; on a compressed wave it adds the
// real clock time, which is what matters there.
func deadlineText(w wave.Calendar, t time.Time) string {
	if w.DayLength == 24*time.Hour {
		return mail.DutchDateTime(t)
	}
	return fmt.Sprintf("%s (in %s, at %s)", mail.DutchDateTime(t), time.Until(t).Round(time.Second), t.Local().Format("15:04:05"))
}

func namespace() string {
	if v := os.Getenv("TEMPORAL_NAMESPACE"); v != "" {
		return v
	}
	return "default"
}
