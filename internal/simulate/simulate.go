// Package simulate is a scripted actor for demo waves: it plays BMP staff and
// producers through the same actions a person would send, drawn from each
// kind of step's declaration (plan.Kind.Sample), with variation, so a
// newcomer sees rollouts move through every phase.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Variant is how one rollout deviates from the happy path.
type Variant string

const (
	HappyPath    Variant = "happy"
	NoProducer   Variant = "no-producer"   // nobody applies
	MissedDay    Variant = "missed-day"    // producer course day 2 missed, then made up
	FundingShort Variant = "funding-short" // half the budget at the start, then a postponement and a top-up
)

// Variants assigns variants to rollouts in order: the first few show each
// unhappy path, the rest graduate.
var Variants = []Variant{FundingShort, NoProducer, MissedDay}

// VariantFor picks the variant of the i-th rollout.
func VariantFor(i int) Variant {
	if i < len(Variants) {
		return Variants[i]
	}
	return HappyPath
}

// ExpectedOutcome is how a rollout played with variant v ends: without a
// producer it ends there; every other variant recovers and graduates.
func ExpectedOutcome(v Variant) plan.Outcome {
	if v == NoProducer {
		return plan.OutcomeNoProducer
	}
	return plan.OutcomeGraduated
}

// ErrRealWave refuses to play a wave that runs on the real calendar: the
// actor invents producers and funding, pays premiums and sends e-mails.
var ErrRealWave = errors.New("the scripted actor plays only compressed waves (demo, or a rehearsal with --day-length)")

// Actor drives rollouts. Its client's actor is who the actions record.
type Actor struct {
	C    *rollout.Client
	Out  io.Writer
	Poll time.Duration
	// Leave lists steps the actor leaves to people (a test records them
	// through the CLI).
	Leave []string
	// Send, when set, sends an action instead of the client (a test acts
	// through the console's forms); the actor still reads through C.
	Send func(ctx context.Context, id, action string, p plan.Payload) error
	// Links, when set, sends what the municipality and the producer do
	// through their personal links (links.go); staff's part (attendance,
	// confirmations, a postponement) goes through Send or C.
	Links *Browser
}

// Player is who the actor's actions record when none is set.
var Player = plan.Actor{Via: plan.ViaScript, Name: "demo-actor"}

type played struct {
	id      string
	variant Variant
	wave    wave.Calendar
	done    map[string]bool
	ended   bool
	// The parties' addresses, where their links arrive.
	municipality, producer string
}

// Run acts on the rollouts (workflow IDs with their variants) until all have
// ended or ctx ends. A rollout on a real (not compressed) wave is refused
// before anything is sent.
func (a *Actor) Run(ctx context.Context, ids []string, variants []Variant) error {
	rs := make([]*played, len(ids))
	for i, id := range ids {
		in, err := a.C.RolloutInput(ctx, id)
		if err != nil {
			return fmt.Errorf("simulate %s: %w", id, err)
		}
		if !in.Wave.Compressed() {
			return fmt.Errorf("%s is on wave %s: %w", id, in.Wave.Name, ErrRealWave)
		}
		rs[i] = &played{id: id, variant: variants[i], wave: in.Wave, done: map[string]bool{}, municipality: in.Contact.Email}
	}
	poll := a.Poll
	if poll <= 0 {
		poll = 300 * time.Millisecond
	}
	for {
		open := 0
		for _, r := range rs {
			if r.ended {
				continue
			}
			if err := a.step(ctx, r); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fmt.Fprintf(a.Out, "simulate: %s: %v\n", r.id, err)
			}
			if !r.ended {
				open++
			}
		}
		if open == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// act sends an action once; a refusal (too early, say) is tried again at
// the next poll.
func (a *Actor) act(ctx context.Context, r *played, key, action string, p plan.Payload) bool {
	if r.done[key] {
		return false
	}
	via, err := a.send(ctx, r, action, p)
	if err != nil {
		if via != "" && !errors.Is(err, ErrNoLink) {
			fmt.Fprintf(a.Out, "simulate: %s: %s%s: %v\n", r.id, key, via, err)
		}
		return false
	}
	r.done[key] = true
	fmt.Fprintf(a.Out, "simulate: %s: %s%s\n", r.id, key, via)
	return true
}

// send records an action: through the party's personal link when the
// actor plays the parties that way and the action is theirs, else through
// the client.
func (a *Actor) send(ctx context.Context, r *played, action string, p plan.Payload) (via string, err error) {
	if a.Links != nil {
		if addr, party := r.addressFor(action); addr != "" {
			return " (" + party.Label().In(plan.NL) + " via link)", a.Links.Act(ctx, r.id, addr, action, p)
		}
	}
	if a.Send != nil {
		return "", a.Send(ctx, r.id, action, p)
	}
	_, err = a.C.Act(ctx, r.id, action, p)
	return "", err
}

// addressFor is where the link of the party who may do the action arrives.
func (r *played) addressFor(action string) (string, plan.Party) {
	a, ok := plan.ActionNamed(action)
	if !ok {
		return "", ""
	}
	switch {
	case slices.Contains(a.By, plan.PartyMunicipality):
		return r.municipality, plan.PartyMunicipality
	case slices.Contains(a.By, plan.PartyProducer) && r.producer != "":
		return r.producer, plan.PartyProducer
	}
	return "", ""
}

func (a *Actor) step(ctx context.Context, r *played) error {
	st, err := a.C.Status(ctx, r.id)
	if errors.Is(err, rollout.ErrNotFound) {
		r.ended = true
		return err
	}
	if err != nil {
		return err
	}
	if st.Producer != nil {
		r.producer = st.Producer.ContactEmail
	}
	if st.Phase == plan.PhaseDone {
		r.ended = true
		fmt.Fprintf(a.Out, "simulate: %s: ended, outcome %s\n", r.id, st.Outcome)
		return nil
	}
	a.lines(ctx, r, st)
	a.fundingShort(ctx, r, st)
	if st.CohortID != "" {
		cst, err := a.C.Status(ctx, st.CohortID)
		if err != nil {
			return err
		}
		a.lines(ctx, r, cst)
		if cst.CohortPhase == "practicum" {
			a.act(ctx, r, "peer-group", plan.ActPeerGroup, &plan.PeerGroup{Count: 3})
		}
	}
	return nil
}

// lines acts on every line a rollout (or its cohort) waits on, as the
// line's kind samples it, with the variant's twists.
func (a *Actor) lines(ctx context.Context, r *played, st rollout.Status) {
	for _, l := range st.Steps {
		if !l.Waiting() || slices.Contains(a.Leave, l.Step) {
			continue
		}
		k, ok := plan.KindOf(l.Kind)
		ps := plan.Find(r.wave.Steps, l.Step)
		if !ok || k.Sample == nil || ps == nil {
			continue
		}
		sit := plan.Situation{Step: *ps, Part: partOf(*ps, r.wave, l.Name), Code: st.Municipality.Code, Municipality: st.Municipality.Name,
			StillCents: st.BudgetCents - st.CommittedCents}
		for _, t := range st.Teachers {
			sit.Teachers = append(sit.Teachers, t.ID)
		}
		for _, act := range a.twist(r, sit, k.Sample(sit)) {
			key := l.Name + "/" + act.Action + teacherOf(act.Payload)
			a.act(ctx, r, key, act.Action, act.Payload)
		}
	}
}

func partOf(s plan.Step, w wave.Calendar, name string) plan.Part {
	for _, p := range s.Parts(w.IntendedStart()) {
		if p.ID == name {
			return p
		}
	}
	return plan.Part{ID: name}
}

func teacherOf(p plan.Payload) string {
	if a, ok := p.(*plan.Attendance); ok && a.Teacher != "" {
		return "/" + a.Teacher
	}
	return ""
}

// twist bends the samples to the rollout's variant.
func (a *Actor) twist(r *played, s plan.Situation, acts []plan.Act) []plan.Act {
	switch {
	case r.variant == NoProducer && s.Step.Kind == plan.KindApplication:
		return nil
	case r.variant == MissedDay && s.Step.ID == wave.StepProducerCourse && s.Part.N == 2:
		if !r.done[s.Part.ID+"/"+plan.ActAttendance] {
			return []plan.Act{{Action: plan.ActAttendance, Payload: &plan.Attendance{Course: s.Step.ID, Day: 2, Absent: true}}}
		}
		return []plan.Act{{Action: plan.ActMakeUp, Payload: &plan.MakeUp{Course: s.Step.ID, Day: 2, Note: "inhaaldag bij BMP"}}}
	case r.variant == FundingShort && s.Step.Kind == plan.KindAmount && !r.done["postpone"]:
		c := *acts[0].Payload.(*plan.Commitment)
		c.AmountCents /= 2
		return []plan.Act{{Action: plan.ActFunding, Payload: &c}}
	}
	return acts
}

// fundingShort agrees a later start when the start is blocked, then tops
// the funding up.
func (a *Actor) fundingShort(ctx context.Context, r *played, st rollout.Status) {
	if r.variant != FundingShort {
		return
	}
	if st.Phase == plan.PhaseStart && st.Stalled && !r.done["postpone"] {
		a.act(ctx, r, "postpone", plan.ActPostpone, &plan.Postponement{Start: time.Now().Add(20 * st.DayLength), Reason: "gemeente beslist later over het restant"})
	}
	if r.done["postpone"] && st.CommittedCents < st.BudgetCents {
		a.act(ctx, r, "funding-top-up", plan.ActFunding, &plan.Commitment{Source: "fund", Name: "Oranje Fonds", AmountCents: st.BudgetCents - st.CommittedCents})
	}
}
