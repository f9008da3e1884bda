package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// cohortState is a cohort workflow's own state beside the ledger.
type cohortState struct {
	in         rollout.CohortInput
	phase      plan.CohortPhase
	done       []string // the rollout's steps done that a module may need
	reports    map[int]plan.ProgressReport
	requested  int // months whose report was requested
	peerGroups int
	dropOuts   int
	graduates  *plan.Graduation
}

func (c *cohortState) fill(st *rollout.Status) {
	st.Cohort = true
	st.CohortPhase = c.phase
	st.Participants = c.in.Participants
	st.PeerGroups, st.DropOuts = c.peerGroups, c.dropOuts
	st.CohortID, st.StartedAt = "", c.in.Start
	if c.graduates != nil {
		st.Graduates = c.graduates.Count
	}
}

// CohortWorkflow runs the training by the cohort's part of the plan: its
// modules then the practicum (which waits for the internship places), the
// producer's monthly progress reports beside them, then graduation.
func CohortWorkflow(ctx workflow.Context, in rollout.CohortInput) (rollout.CohortResult, error) {
	r := &state{
		in: rollout.Input{Municipality: in.Municipality, Wave: in.Wave},
		id: workflow.GetInfo(ctx).WorkflowExecution.ID, phase: plan.PhaseCohort,
		sent: map[string]int{}, reminded: map[string]bool{}, producer: &in.Producer, start: in.Start, startedAt: in.Start,
		runID: workflow.GetInfo(ctx).FirstRunID, reported: map[string]bool{}, calendar: map[string]int{},
	}
	c := &cohortState{in: in, done: in.Done, reports: map[int]plan.ProgressReport{}}
	r.cohort = c
	r.versions(ctx)
	shift := in.Start.Sub(in.Wave.IntendedStart())
	for _, ps := range in.Wave.Steps {
		if ps.Phase == plan.PhaseCohort && ps.Kind != plan.KindCohort {
			r.addStep(ps, shift)
		}
	}
	if err := r.register(ctx, plan.ToCohort); err != nil {
		return rollout.CohortResult{}, err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, rollout.SignalStepDone)
		for {
			var id string
			ch.Receive(ctx, &id)
			c.done = append(c.done, id)
		}
	})

	reports := newTrack(ctx)
	for _, s := range r.ofKind(plan.KindReports) {
		reports.Go(ctx, func(ctx workflow.Context) error { return r.progressReports(ctx, s) })
	}
	for _, s := range r.ofKind(plan.KindModule) {
		if err := r.module(ctx, s); err != nil {
			return rollout.CohortResult{}, err
		}
	}
	// Graduation: staff record how many graduated.
	c.phase = plan.CohortGraduation
	for _, s := range r.ofKind(plan.KindGraduation) {
		l := s.firstLine()
		r.open(ctx, l)
		if err := r.await(ctx, l, s.Remind, func() bool { return c.graduates != nil }); err != nil {
			return rollout.CohortResult{}, err
		}
	}
	if err := reports.Wait(ctx); err != nil {
		return rollout.CohortResult{}, err
	}
	res := rollout.CohortResult{Graduates: c.graduates.Count, PeerGroups: c.peerGroups, DropOuts: c.dropOuts}
	_, err := r.finish(ctx, plan.OutcomeGraduated)
	return res, err
}

// module runs one module or the practicum until its end; the practicum
// first waits for the step it needs (the internship places).
func (r *state) module(ctx workflow.Context, s *step) error {
	c := r.cohort
	c.phase = plan.CohortPhase(s.ID)
	l := s.firstLine()
	begins := l.Due.Add(-s.Length)
	if s.Needs != "" && !slices.Contains(c.done, s.Needs) {
		wait := r.addLine(ctx, s.Needs, plan.F("%s vóór het %s", "%s before the %s", neededLabel(r.in.Wave, s.Needs), s.Label), plan.PartyProducer, begins)
		if err := r.await(ctx, wait, 0, func() bool { return slices.Contains(c.done, s.Needs) }); err != nil {
			return err
		}
		r.done(ctx, wait, nil, plan.T("geregeld", "arranged"))
	}
	r.open(ctx, l)
	template := "module-start"
	if s.Practicum {
		template = "practicum-start"
	}
	d := r.dataFor(r.producerRecipient())
	d.StepLabel = s.Label.In(plan.NL)
	d.Due = l.Due
	r.email(ctx, template, s.ID, r.producerRecipient(), d)
	// A practicum that had to wait keeps its full length.
	l.Due = maxTime(l.Due, workflow.Now(ctx).Add(s.Length))
	if _, err := r.sleepUntil(ctx, l.Due, s.ID+" ends", func() bool { return false }); err != nil {
		return err
	}
	r.done(ctx, l, nil, plan.T("afgerond", "finished"))
	return nil
}

func neededLabel(w wave.Calendar, id string) plan.Text {
	if s := plan.Find(w.Steps, id); s != nil {
		return s.Label
	}
	return plan.T(id, id)
}

// progressReports asks the producer for a report every month, each due a
// grace later.
func (r *state) progressReports(ctx workflow.Context, s *step) error {
	c := r.cohort
	for m := 1; m <= len(s.lines); m++ {
		l := s.lines[m-1]
		if _, err := r.sleepUntil(ctx, l.Due.Add(-s.Grace), l.Name, func() bool { return false }); err != nil {
			return err
		}
		c.requested = m
		r.open(ctx, l)
		d := r.lineData(l)
		d.RecipientName = r.producer.ContactName
		r.email(ctx, "progress-report-request", l.Name, r.producerRecipient(), d)
		month := m
		workflow.Go(ctx, func(ctx workflow.Context) {
			_ = r.await(ctx, l, 0, func() bool { _, ok := c.reports[month]; return ok })
		})
	}
	return nil
}

func progressReport(ctx workflow.Context, r *state) error {
	c := r.cohort
	return on(ctx, r, plan.ActProgress, func(ctx workflow.Context, _ plan.Actor, p plan.ProgressReport) plan.Problems {
		switch _, done := c.reports[p.Month]; {
		case c.requested == 0:
			return plan.RejectedField("month", "er is nog geen rapportage gevraagd: de eerste is een maand na de start", "no progress report has been requested yet: the first is due a month after the start")
		case p.Month > c.requested:
			return plan.RejectedField("month", "maand %d: rapportages zijn gevraagd voor maand 1 tot %d", "month %d: reports were requested for months 1 to %d", p.Month, c.requested)
		case done:
			return plan.RejectedField("month", "de rapportage van maand %d is al vastgelegd", "the report for month %d was already recorded", p.Month)
		case p.Active+p.DropOuts > c.in.Participants+5:
			return plan.RejectedField("active", "de aantallen kloppen niet: %d actief en %d uitgevallen bij %d ingeschreven", "counts do not add up: %d active and %d drop-outs for %d enrolled", p.Active, p.DropOuts, c.in.Participants)
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, p plan.ProgressReport) {
		c.reports[p.Month] = p
		c.dropOuts += p.DropOuts
		if l := r.line(fmt.Sprintf("%s-%d", wave.StepProgress, p.Month)); l != nil {
			r.done(ctx, l, &actor, plan.F("rapportage: %d actief, %d uitgevallen", "report: %d active, %d drop-outs", p.Active, p.DropOuts))
		}
	})
}

func peerGroup(ctx workflow.Context, r *state) error {
	c := r.cohort
	return on(ctx, r, plan.ActPeerGroup, func(ctx workflow.Context, _ plan.Actor, g plan.PeerGroup) plan.Problems {
		if c.phase != "practicum" && c.phase != plan.CohortGraduation {
			return plan.Rejected("lotgenotengroepen starten in het praktijkdeel; de opleiding is in: %s", "peer-support groups are started in the practicum; the cohort is in %s", c.phase.Label())
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, g plan.PeerGroup) {
		c.peerGroups += g.Count
		if l := r.line("practicum"); l != nil {
			r.record(ctx, l, &actor, plan.F("%d lotgenotengroepen gestart (totaal %d)", "%d peer-support groups started (total %d)", g.Count, c.peerGroups))
		}
	})
}

func graduates(ctx workflow.Context, r *state) error {
	c := r.cohort
	return on(ctx, r, plan.ActGraduates, func(ctx workflow.Context, _ plan.Actor, g plan.Graduation) plan.Problems {
		switch {
		case c.phase != plan.CohortGraduation:
			return plan.Rejected("geslaagden worden vastgelegd als de opleiding voorbij is; die is in: %s", "graduates are recorded when the cohort has ended; it is in %s", c.phase.Label())
		case c.graduates != nil:
			return plan.Rejected("de geslaagden zijn al vastgelegd", "graduates were already recorded")
		case g.Count > c.in.Participants:
			return plan.RejectedField("count", "%d geslaagden bij %d ingeschreven deelnemers", "%d graduates for %d participants enrolled", g.Count, c.in.Participants)
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, g plan.Graduation) {
		c.graduates = &g
		for _, s := range r.ofKind(plan.KindGraduation) {
			r.done(ctx, s.firstLine(), &actor, plan.F("%d geslaagd", "%d graduated", g.Count))
		}
	})
}

// runCohort starts the cohort as a child workflow and waits for it, or for
// a cancellation, which it passes on.
func (r *state) runCohort(ctx workflow.Context) (rollout.CohortResult, error) {
	id := rollout.CohortWorkflowID(r.id)
	cctx, cancelCohort := workflow.WithCancel(ctx)
	cctx = workflow.WithChildOptions(cctx, workflow.ChildWorkflowOptions{
		WorkflowID:    id,
		StaticSummary: fmt.Sprintf("%s (%s) · wave %s · cohort", r.in.Municipality.Name, r.in.Municipality.Code, r.in.Wave.Name),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			rollout.AttrMunicipality.ValueSet(r.in.Municipality.Code),
			rollout.AttrWave.ValueSet(r.in.Wave.Name),
		),
	})
	var done []string
	for _, s := range r.steps {
		if r.met(s) {
			done = append(done, s.ID)
		}
	}
	r.cohortRun = workflow.ExecuteChildWorkflow(cctx, rollout.CohortWorkflowType, rollout.CohortInput{
		RolloutID: r.id, Municipality: r.in.Municipality, Wave: r.in.Wave, Start: r.startedAt,
		Producer: *r.producer, Participants: len(r.participants), Done: done,
	})
	if err := r.cohortRun.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return rollout.CohortResult{}, fmt.Errorf("start cohort: %w", err)
	}
	r.cohortID = id
	r.dropCohortSteps()
	l := r.line(wave.StepCohort)
	r.open(ctx, l)
	var res rollout.CohortResult
	var err error
	finished := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		err = r.cohortRun.Get(ctx, &res)
		finished = true
	})
	if aerr := workflow.Await(ctx, func() bool { return finished || r.cancelled != nil }); aerr != nil {
		return res, aerr
	}
	if !finished {
		cancelCohort()
		_ = workflow.Await(ctx, func() bool { return finished })
		return res, errCancelled
	}
	if err != nil {
		return res, fmt.Errorf("cohort: %w", err)
	}
	r.done(ctx, l, nil, plan.F("%d geslaagd", "%d graduated", res.Graduates))
	return res, nil
}

// tellCohort passes a step done after the start on to a running cohort.
func (r *state) tellCohort(ctx workflow.Context, id string) {
	if r.cohortRun == nil {
		return
	}
	if err := r.cohortRun.SignalChildWorkflow(ctx, rollout.SignalStepDone, id).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("tell the cohort a step is done", "step", id, "error", err)
	}
}

// graduated tells the producer and the municipality.
func (r *state) graduated(ctx workflow.Context, res rollout.CohortResult) {
	for _, to := range []activities.Recipient{r.producerRecipient(), r.municipalityRecipient()} {
		d := r.dataFor(to)
		d.Count = res.Graduates
		r.email(ctx, "graduation", "graduation", to, d)
	}
}
