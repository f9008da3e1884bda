package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// errCancelled ends a wait because staff cancelled the rollout.
var errCancelled = errors.New("rollout cancelled")

// sleepUntil waits until t, or until wake holds. It reports whether wake ended it.
func (r *state) sleepUntil(ctx workflow.Context, t time.Time, summary string, wake func() bool) (bool, error) {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 {
		return wake(), nil
	}
	return workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      d,
		TimerOptions: workflow.TimerOptions{Summary: summary},
	}, wake)
}

func (r *state) isCancelled() bool { return r.cancelled != nil }

// await is how every line is waited on: a reminder to the parties that
// must act, remind before the due date; then, when the date passes, the
// line turns overdue (stalled), the parties are told and BMP staff get one
// escalation. An extension of the due date clears the stall and starts
// over. It returns when met holds, or errCancelled.
func (r *state) await(ctx workflow.Context, l *rollout.Step, remind time.Duration, met func() bool) error {
	for {
		if met() {
			return nil
		}
		if r.cancelled != nil {
			return errCancelled
		}
		due := l.Due
		moved := func() bool { return met() || r.cancelled != nil || !l.Due.Equal(due) }
		if remindAt := due.Add(-remind); remind > 0 && !r.reminded[l.Name] && workflow.Now(ctx).Before(remindAt) {
			if woke, err := r.sleepUntil(ctx, remindAt, "reminder: "+l.Name, moved); err != nil || woke {
				if err != nil {
					return err
				}
				continue
			}
			r.reminded[l.Name] = true
			for _, to := range r.recipients(l.Party) {
				r.email(ctx, "step-reminder", mailStep(l.Name, to), to, r.lineData(l))
			}
			continue
		}
		if woke, err := r.sleepUntil(ctx, due, "due: "+l.Name, moved); err != nil || woke {
			if err != nil {
				return err
			}
			continue
		}
		r.stall(ctx, l)
		if err := workflow.Await(ctx, moved); err != nil {
			return err
		}
		if !l.Due.Equal(due) {
			r.unstall(ctx, l)
			r.reminded[l.Name] = false
		}
	}
}

// stall marks a line overdue and tells its parties and BMP staff once.
func (r *state) stall(ctx workflow.Context, l *rollout.Step) {
	if l.State == plan.StateOverdue {
		return
	}
	l.State = plan.StateOverdue
	if !l.Problem.IsZero() {
		// Already stalled by a problem, and staff were told then.
		r.publish(ctx)
		return
	}
	l.StalledSince = workflow.Now(ctx)
	r.publish(ctx)
	if l.Party != plan.PartyStaff {
		for _, to := range r.recipients(l.Party) {
			r.email(ctx, "step-overdue", mailStep(l.Name, to), to, r.lineData(l))
		}
	}
	r.escalate(ctx, l)
}

// problem stalls a line for a reason other than its date (a missed course
// day, an undeliverable e-mail); staff are told once.
func (r *state) problem(ctx workflow.Context, l *rollout.Step, why plan.Text) {
	first := l.Problem.IsZero() && l.StalledSince.IsZero()
	l.Problem = why
	if l.StalledSince.IsZero() {
		l.StalledSince = workflow.Now(ctx)
	}
	r.publish(ctx)
	if first {
		r.escalate(ctx, l)
	}
}

// escalate tells BMP staff that a line is stalled.
func (r *state) escalate(ctx workflow.Context, l *rollout.Step) {
	d := r.lineData(l)
	d.Since = l.StalledSince
	if d.Since.IsZero() {
		d.Since = workflow.Now(ctx)
	}
	d.Reason = l.Problem.In(plan.NL)
	r.email(ctx, "step-escalation", l.Name, staff, d)
}

func (r *state) unstall(ctx workflow.Context, l *rollout.Step) {
	if l.State == plan.StateOverdue {
		l.State = plan.StatePending
	}
	l.StalledSince = time.Time{}
	r.publish(ctx)
}

// mailStep is the outbox step of an e-mail about a line: per teacher when
// the teachers are many.
func mailStep(line string, to activities.Recipient) string {
	if to.Role == string(plan.PartyTeacher) && to.Ref != "" {
		return line + "/" + to.Ref
	}
	return line
}

// track runs waits side by side (a phase's tracks, a course's days) and
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
		return fmt.Errorf("track: %w", t.err)
	}
	return nil
}
