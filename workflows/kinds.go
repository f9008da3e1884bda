package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// behaviour is how the workflow carries out one kind of step (the kind's
// declaration, with its actions and fields, is in internal/plan).
type behaviour struct {
	kind plan.KindName
	// met tells whether what the step waits for holds; the start gate
	// checks the same for a step the plan marks as required.
	met func(r *state, s *step) bool
	// missing says what the start gate still lacks when met does not hold.
	missing func(r *state, s *step) plan.Text
	// run carries the step out, when waiting on its one line until met
	// is not enough (a course's days).
	run func(ctx workflow.Context, r *state, s *step) error
	// opened sends what goes out when the step opens.
	opened func(ctx workflow.Context, r *state, s *step)
	// after follows the step's completion.
	after   func(ctx workflow.Context, r *state, s *step)
	updates []namedUpdate
}

type namedUpdate struct {
	action   string
	register update
}

// behaviours lists how the workflow carries out each kind a preparation
// may hold; the application, the start gate and the cohort are the
// rollout's own sections (rollout.go, start.go, cohort.go).
var behaviours = []behaviour{courseKind, confirmKind, countKind, amountKind, teachersKind, participantsKind, locationKind}

func behaviourOf(k plan.KindName) (behaviour, bool) {
	for _, b := range behaviours {
		if b.kind == k {
			return b, true
		}
	}
	return behaviour{}, false
}

// openPhase runs the steps that open in a phase: each track in its own
// goroutine, its steps one after another in plan order; the tracks side by
// side.
func (r *state) openPhase(ctx workflow.Context, phase plan.Phase) *track {
	t := newTrack(ctx)
	var names []string
	byTrack := map[string][]*step{}
	for _, s := range r.steps {
		if s.Phase != phase {
			continue
		}
		name := s.TrackName()
		if _, seen := byTrack[name]; !seen {
			names = append(names, name)
		}
		byTrack[name] = append(byTrack[name], s)
	}
	for _, name := range names {
		steps := byTrack[name]
		t.Go(ctx, func(ctx workflow.Context) error {
			for _, s := range steps {
				if err := r.runStep(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return t
}

// runStep opens a step and waits until it is done: its reminder, its due
// date, its stall and escalation (await). A step whose condition was met
// before it opened (recorded early) is done at once.
func (r *state) runStep(ctx workflow.Context, s *step) error {
	b, _ := behaviourOf(s.Kind)
	if b.run != nil {
		return b.run(ctx, r, s)
	}
	l := s.lines[0]
	met := func() bool { return b.met(r, s) }
	r.open(ctx, l)
	if met() && l.State != plan.StateDone {
		r.done(ctx, l, l.LastActor, earlyText(l.LastAction))
		r.publish(ctx)
	}
	if b.opened != nil {
		b.opened(ctx, r, s)
	}
	if err := r.await(ctx, l, s.Remind, met); err != nil {
		return err
	}
	if b.after != nil {
		b.after(ctx, r, s)
	}
	return nil
}

// earlyText marks an action recorded before its step opened.
func earlyText(t plan.Text) plan.Text {
	return plan.F("%s (vooraf vastgelegd)", "%s (recorded in advance)", t)
}

// met tells whether a step's condition holds.
func (r *state) met(s *step) bool {
	b, ok := behaviourOf(s.Kind)
	return ok && b.met(r, s)
}

// notOpenYet refuses an action for a step the rollout reaches only later:
// it may be recorded in advance during the phase just before its own, once
// there is a producer, and not before the moment the plan gives it (the
// handbook from the producer course's first day).
func (r *state) notOpenYet(ctx workflow.Context, s *step) plan.Problems {
	l := s.lines[0]
	if l.State == plan.StateUpcoming && (r.phase == plan.PhaseApplication || phaseRank(r.phase)+1 < phaseRank(s.Phase)) {
		return plan.Rejected("%s komt later: de uitrol is in de fase %s", "%s comes later: the rollout is in phase %s", s.Label, r.phase.Label())
	}
	if !s.From.IsZero() && workflow.Now(ctx).Before(s.From) {
		return plan.Rejected("%s kan vanaf %s worden vastgelegd", "%s can be recorded from %s", s.Label, mail.DutchDateTime(s.From))
	}
	return nil
}

func phaseRank(p plan.Phase) int {
	for i, q := range plan.Phases {
		if q == p {
			return i
		}
	}
	return len(plan.Phases)
}

// firstLine is a step's line (a step of one line).
func (s *step) firstLine() *rollout.Step { return s.lines[0] }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
