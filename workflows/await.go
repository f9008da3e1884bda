package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
)

// errCancelled ends a wait because staff cancelled the rollout.
var errCancelled = errors.New("rollout cancelled")

// sleepUntil waits until t, or until wake holds. It reports whether wake ended it.
func (r *rollout) sleepUntil(ctx workflow.Context, t time.Time, summary string, wake func() bool) (bool, error) {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return wake(), nil
	}
	return workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      d,
		TimerOptions: workflow.TimerOptions{Summary: summary},
	}, wake)
}

// await is how every step is waited on: a reminder to the party that must
// act before the due date, then, when the date passes, the step turns overdue
// (stalled), the party is told and BMP staff get one escalation. An extension
// of the due date clears the stall and starts over. It returns when done()
// holds, or errCancelled.
func (r *rollout) await(ctx workflow.Context, s *Step, to func() activities.Recipient, remind bool, done func() bool) error {
	for {
		if done() {
			return nil
		}
		if r.cancelled != nil {
			return errCancelled
		}
		due := s.Due
		moved := func() bool { return done() || r.cancelled != nil || !s.Due.Equal(due) }
		lead := r.in.Wave.ReminderLead
		if remindAt := due.Add(-lead); remind && lead > 0 && !r.reminded[s.Name] && workflow.Now(ctx).Before(remindAt) {
			if woke, err := r.sleepUntil(ctx, remindAt, "reminder: "+s.Label, moved); err != nil || woke {
				if err != nil {
					return err
				}
				continue
			}
			r.reminded[s.Name] = true
			r.email(ctx, "step-reminder", s.Name, to(), r.stepData(s))
			continue
		}
		if woke, err := r.sleepUntil(ctx, due, "due: "+s.Label, moved); err != nil || woke {
			if err != nil {
				return err
			}
			continue
		}
		r.stall(ctx, s, to())
		if err := workflow.Await(ctx, moved); err != nil {
			return err
		}
		if !s.Due.Equal(due) {
			r.unstall(ctx, s)
			r.reminded[s.Name] = false
		}
	}
}

// stall marks a step overdue and tells the party and BMP staff once.
func (r *rollout) stall(ctx workflow.Context, s *Step, to activities.Recipient) {
	if s.State == StepOverdue {
		return
	}
	s.State = StepOverdue
	if s.Problem != "" {
		// Already stalled by a problem, and staff were told then.
		r.publish(ctx)
		return
	}
	s.StalledSince = workflow.Now(ctx)
	r.publish(ctx)
	d := r.stepData(s)
	if to.Role != activities.RoleStaff {
		r.email(ctx, "step-overdue", s.Name, to, d)
	}
	r.escalate(ctx, s)
}

// escalate tells BMP staff that a step is stalled.
func (r *rollout) escalate(ctx workflow.Context, s *Step) {
	d := r.stepData(s)
	d.Since = s.StalledSince
	if d.Since.IsZero() {
		d.Since = workflow.Now(ctx)
	}
	d.Reason = s.Problem
	r.email(ctx, "step-escalation", s.Name, staff, d)
}

func (r *rollout) unstall(ctx workflow.Context, s *Step) {
	if s.State == StepOverdue {
		s.State = StepPending
	}
	s.StalledSince = time.Time{}
	r.publish(ctx)
}

func (r *rollout) stepData(s *Step) mail.Data {
	d := r.data()
	d.Step = s.Name
	d.StepLabel = dutchLabel(s)
	d.Due = s.Due
	d.Party = string(s.Party)
	if r.producer != nil {
		d.Organisation = r.producer.Organisation
	}
	return d
}

// track runs waits side by side (the preparation's parallel tracks) and
// returns when all are over.
type track struct {
	wg  workflow.WaitGroup
	err error
}

func newTrack(ctx workflow.Context) *track { return &track{wg: workflow.NewWaitGroup(ctx)} }

func (t *track) Go(ctx workflow.Context, f func(ctx workflow.Context) error) {
	t.wg.Add(1)
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer t.wg.Done()
		if err := f(ctx); err != nil && !errors.Is(err, errCancelled) && t.err == nil {
			t.err = err
		}
	})
}

func (t *track) Wait(ctx workflow.Context) error {
	t.wg.Wait(ctx)
	if t.err != nil {
		return fmt.Errorf("preparation: %w", t.err)
	}
	return nil
}
