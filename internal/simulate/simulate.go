// Package simulate is a scripted actor for demo waves: it plays BMP staff and
// producers through the same Updates a person would send, with plausible
// variation, so a newcomer sees rollouts move through every phase.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/workflows"
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
func ExpectedOutcome(v Variant) workflows.Outcome {
	if v == NoProducer {
		return workflows.OutcomeNoProducer
	}
	return workflows.OutcomeGraduated
}

// Actor drives rollouts.
type Actor struct {
	C    client.Client
	Out  io.Writer
	Poll time.Duration
}

type rollout struct {
	id      string
	variant Variant
	done    map[string]bool
	ended   bool
}

// Run acts on the rollouts (workflow IDs with their variants) until all have
// ended or ctx ends.
func (a *Actor) Run(ctx context.Context, ids []string, variants []Variant) error {
	rs := make([]*rollout, len(ids))
	for i, id := range ids {
		rs[i] = &rollout{id: id, variant: variants[i], done: map[string]bool{}}
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

func (a *Actor) status(ctx context.Context, id string) (workflows.Status, error) {
	var st workflows.Status
	v, err := a.C.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// act sends an update once; a rejection (too early, say) is tried again at the next poll.
func (a *Actor) act(ctx context.Context, r *rollout, id, key, name string, arg any) bool {
	if r.done[key] {
		return false
	}
	h, err := a.C.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return false
	}
	r.done[key] = true
	fmt.Fprintf(a.Out, "simulate: %s: %s\n", id, key)
	return true
}

func waiting(st workflows.Status, name string) bool { return slices.Contains(st.WaitingOn, name) }

func (a *Actor) step(ctx context.Context, r *rollout) error {
	st, err := a.status(ctx, r.id)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		r.ended = true
		return fmt.Errorf("no such rollout")
	}
	if err != nil {
		return err
	}
	if st.Phase == workflows.PhaseDone {
		r.ended = true
		fmt.Fprintf(a.Out, "simulate: %s: ended, outcome %s\n", r.id, st.Outcome)
		return nil
	}
	code := st.Municipality.Code
	if waiting(st, "application") && r.variant != NoProducer {
		a.act(ctx, r, r.id, "apply", workflows.UpdateApply, workflows.ProducerApplication{
			Organisation: "Welzijn " + st.Municipality.Name, Kind: "welzijnsinstelling",
			ContactName: "Contactpersoon " + st.Municipality.Name, ContactEmail: strings.ToLower(code) + "@producent.example.nl",
		})
	}
	for day := 1; day <= 2; day++ {
		step := fmt.Sprintf("producer-course-%d", day)
		if !waiting(st, step) {
			continue
		}
		attended := !(r.variant == MissedDay && day == 2)
		if a.act(ctx, r, r.id, step, workflows.UpdateAttendance, workflows.Attendance{Course: workflows.CourseProducer, Day: day, Attended: attended}) || r.done[step] {
			if !attended {
				a.act(ctx, r, r.id, step+"-make-up", workflows.UpdateMakeUp, workflows.MakeUp{Course: workflows.CourseProducer, Day: day, Note: "inhaaldag bij BMP"})
			}
		}
	}
	if waiting(st, "handbook") && r.done["producer-course-1"] {
		a.act(ctx, r, r.id, "handbook", workflows.UpdateHandbook, struct{}{})
	}
	if waiting(st, "teacher") {
		a.act(ctx, r, r.id, "teacher", workflows.UpdateTeacher, workflows.TeacherProposal{ID: "T1", Name: "Docent " + st.Municipality.Name, Email: "docent-" + strings.ToLower(code) + "@example.nl"})
	}
	for day := 1; day <= 3; day++ {
		if step := fmt.Sprintf("teacher-course-%d", day); waiting(st, step) {
			a.act(ctx, r, r.id, step, workflows.UpdateAttendance, workflows.Attendance{Course: workflows.CourseTeacher, Day: day, Teacher: "T1", Attended: true, HalfDays: 2})
		}
	}
	if waiting(st, "funding") {
		amount := st.BudgetCents
		if r.variant == FundingShort {
			amount /= 2
		}
		a.act(ctx, r, r.id, "funding", workflows.UpdateFunding, workflows.Commitment{Source: "municipality", Name: "Gemeente " + st.Municipality.Name, AmountCents: amount})
	}
	if waiting(st, "recruitment") {
		ids := make([]string, 15)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s-P%02d", code, i+1)
		}
		a.act(ctx, r, r.id, "enrol", workflows.UpdateEnrol, workflows.Enrolment{ParticipantIDs: ids})
	}
	if waiting(st, "location") {
		a.act(ctx, r, r.id, "location", workflows.UpdateLocation, workflows.Location{Name: "Buurthuis", Place: st.Municipality.Name})
	}
	if waiting(st, "internships") {
		a.act(ctx, r, r.id, "internships", workflows.UpdateInternships, workflows.Internships{Places: 8})
	}
	if st.Phase == workflows.PhaseStart && st.Stalled && r.variant == FundingShort && !r.done["postpone"] {
		a.act(ctx, r, r.id, "postpone", workflows.UpdatePostpone, workflows.Postponement{Start: time.Now().Add(20 * st.DayLength), Reason: "gemeente beslist later over het restant"})
	}
	if r.done["postpone"] && r.variant == FundingShort {
		a.act(ctx, r, r.id, "funding-top-up", workflows.UpdateFunding, workflows.Commitment{Source: "fund", Name: "Oranje Fonds", AmountCents: st.BudgetCents - st.CommittedCents})
	}
	if st.CohortID != "" {
		return a.cohort(ctx, r, st.CohortID)
	}
	return nil
}

func (a *Actor) cohort(ctx context.Context, r *rollout, id string) error {
	st, err := a.status(ctx, id)
	if err != nil {
		return err
	}
	for _, s := range st.WaitingOn {
		var month int
		if _, err := fmt.Sscanf(s, "progress-%d", &month); err == nil {
			a.act(ctx, r, id, s, workflows.UpdateProgress, workflows.ProgressReport{Month: month, Active: 14, DropOuts: 1})
		}
	}
	if st.Phase == "practicum" {
		a.act(ctx, r, id, "peer-group", workflows.UpdatePeerGroup, workflows.PeerGroup{Count: 3})
	}
	if waiting(st, "graduates") {
		a.act(ctx, r, id, "graduates", workflows.UpdateGraduates, workflows.Graduation{Count: 13})
	}
	return nil
}
