package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/workflows"
)

// rolloutRef is the "CODE --wave WAVE" that names a rollout in every staff action.
type rolloutRef struct {
	wave string
}

func (r *rolloutRef) flags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&r.wave, "wave", "w", "", "wave of the rollout: 2012, demo, or the name of a wave started from a file (e.g. 2013)")
	required(cmd, "wave")
}

func (r *rolloutRef) resolve(code string) (municipality.Municipality, string, error) {
	m, err := lookupMunicipality(code)
	if err != nil {
		return m, "", err
	}
	return m, workflows.WorkflowID(r.wave, m.Code), nil
}

// status resolves a rollout and reads its status; a rollout that never
// existed exits 4.
func (r *rolloutRef) status(e *env, code string) (municipality.Municipality, string, workflows.Status, error) {
	m, id, err := r.resolve(code)
	if err != nil {
		return m, id, workflows.Status{}, err
	}
	st, err := queryStatus(e, id)
	if err != nil {
		return m, id, st, notFound(err, m, r.wave, id)
	}
	return m, id, st, nil
}

// update sends a staff action to a rollout and waits for its result. A
// validator's rejection exits with ExitRejected and its message.
func update(e *env, m municipality.Municipality, wave, id, name string, arg any) (workflows.Status, error) {
	var st workflows.Status
	c, err := e.client()
	if err != nil {
		return st, err
	}
	h, err := c.UpdateWorkflow(e.ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(e.ctx, &st)
	}
	if err != nil {
		if nf := notFound(err, m, wave, id); nf != err {
			return st, nf
		}
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			return st, withCode(ExitRejected, fmt.Errorf("%s rejected by rollout %s: %s", name, id, rootCause(err)))
		}
		return st, err
	}
	return st, nil
}

// rootCause gives the validator's own words, without the SDK's wrapping.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func newApply(e *env) *cobra.Command {
	var ref rolloutRef
	var a workflows.ProducerApplication
	var kind string
	cmd := &cobra.Command{
		Use:   "apply CODE --wave WAVE --organisation NAME --kind KIND --contact-name NAME --contact-email ADDRESS",
		Short: "Record a producer's application for a municipality's rollout",
		Long: `Record that an organisation applies as the producer (producent) of the
training in a municipality. Accepted only before the wave's application
deadline and only once per rollout; the producer's contact gets a confirmation
e-mail with the dates of the mandatory producer course.

Kinds: ` + kindNames(),
		Example: `  starter apply GM0344 --wave demo --organisation "Welzijn Utrecht" --kind welzijnsinstelling \
      --contact-name "Fatma Yilmaz" --contact-email f.yilmaz@welzijnutrecht.nl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, id, err := ref.resolve(args[0])
			if err != nil {
				return err
			}
			k, err := workflows.ParseProducerKind(kind)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("--kind: %w", err))
			}
			a.Kind = k
			if err := a.Validate(); err != nil {
				return withCode(ExitUsage, err)
			}
			st, err := update(e, m, ref.wave, id, workflows.UpdateApply, a)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "Recorded: %s (%s) is the producer for %s, wave %s.\n", a.Organisation, a.Kind, m, ref.wave)
			st = settled(e, id, st)
			fmt.Fprintf(e.out, "A confirmation goes to %s. Phase now: %s.\n", a.ContactEmail, st.Phase)
			return nil
		},
	}
	ref.flags(cmd)
	cmd.Flags().StringVar(&a.Organisation, "organisation", "", "name of the producing organisation")
	cmd.Flags().StringVar(&kind, "kind", "", "kind of producer: "+kindNames())
	cmd.Flags().StringVar(&a.ContactName, "contact-name", "", "the producer's contact person")
	cmd.Flags().StringVar(&a.ContactEmail, "contact-email", "", "the contact's e-mail address")
	required(cmd, "organisation", "kind", "contact-name", "contact-email")
	return cmd
}

func kindNames() string { return joinNames(workflows.ProducerKinds) }

// joinNames lists names (phases, kinds of producer) for help and messages.
func joinNames[S ~string](xs []S) string {
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = string(x)
	}
	return strings.Join(names, ", ")
}
