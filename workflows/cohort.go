package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/wave"
)

// SignalInternships tells a running cohort that internship places are arranged.
const SignalInternships = "internships"

// Cohort phases.
const (
	PhaseGraduation Phase = "graduation"
)

// CohortInput starts a cohort (the ten-month training) for a rollout.
type CohortInput struct {
	RolloutID    string        `json:"rolloutId"`
	Municipality Municipality  `json:"municipality"`
	Wave         wave.Calendar `json:"wave"`
	Start        time.Time     `json:"start"`
	Producer     Producer      `json:"producer"`
	Participants int           `json:"participants"`
	Internships  bool          `json:"internships"`
}

// CohortResult is how the cohort ended.
type CohortResult struct {
	Graduates  int `json:"graduates"`
	PeerGroups int `json:"peerGroups"`
	DropOuts   int `json:"dropOuts"`
}

// CohortWorkflowID names a rollout's cohort.
func CohortWorkflowID(rolloutID string) string { return rolloutID + "-cohort" }

// CohortWorkflow runs the training: three modules then the practicum, with
// the producer's monthly progress report, then graduation.
func CohortWorkflow(ctx workflow.Context, in CohortInput) (CohortResult, error) {
	r := newRollout(ctx, RolloutInput{Municipality: in.Municipality, Wave: in.Wave})
	r.producer = &in.Producer
	r.phase = Phase(in.Wave.Modules[0].Name)
	c := &cohort{r: r, in: in, reports: map[int]ProgressReport{}, internships: in.Internships}
	if err := c.handle(ctx); err != nil {
		return CohortResult{}, err
	}
	w := in.Wave

	// Monthly progress reports run beside the modules.
	reports := newTrack(ctx)
	end := in.Start.Add(w.CohortLength())
	reports.Go(ctx, func(ctx workflow.Context) error { return c.progressReports(ctx, end) })

	at := in.Start
	for i, m := range w.Modules {
		r.phase = Phase(fmt.Sprintf("module-%d", i+1))
		if m.Practicum {
			r.phase = "practicum"
			if !c.internships {
				s := r.open(ctx, "internships", "internship places for the practicum", PartyProducer, at)
				if err := r.await(ctx, s, r.producerRecipient, false, func() bool { return c.internships }); err != nil {
					return CohortResult{}, err
				}
			}
		}
		r.publish(ctx)
		d := r.producerData()
		d.StepLabel = m.Name
		d.Due = at.Add(m.Length)
		template := "module-start"
		if m.Practicum {
			template = "practicum-start"
		}
		r.email(ctx, template, string(r.phase), r.producerRecipient(), d)
		at = maxTime(at.Add(m.Length), workflow.Now(ctx))
		if _, err := r.sleepUntil(ctx, at, m.Name+" ends", func() bool { return false }); err != nil {
			return CohortResult{}, err
		}
	}

	// Graduation: staff record how many graduated.
	r.phase = PhaseGraduation
	s := r.open(ctx, "graduates", "graduates recorded", PartyStaff, at.Add(w.GraduationGrace))
	if err := r.await(ctx, s, staffTo, false, func() bool { return c.graduates != nil }); err != nil {
		return CohortResult{}, err
	}
	if err := reports.Wait(ctx); err != nil {
		return CohortResult{}, err
	}
	res := CohortResult{Graduates: c.graduates.Count, PeerGroups: c.peerGroups, DropOuts: c.dropOuts}
	_, err := r.finish(ctx, OutcomeGraduated)
	return res, err
}

// cohort is the cohort workflow's own state beside the shared step ledger.
type cohort struct {
	r           *rollout
	in          CohortInput
	reports     map[int]ProgressReport
	requested   int // months whose report was requested
	peerGroups  int
	dropOuts    int
	graduates   *Graduation
	internships bool
}

func (c *cohort) progressReports(ctx workflow.Context, end time.Time) error {
	r, w := c.r, c.in.Wave
	for m := 1; ; m++ {
		at := c.in.Start.Add(time.Duration(m) * w.ReportEvery)
		if at.After(end) {
			return nil
		}
		if _, err := r.sleepUntil(ctx, at, fmt.Sprintf("progress report %d", m), func() bool { return false }); err != nil {
			return err
		}
		c.requested = m
		s := r.open(ctx, fmt.Sprintf("progress-%d", m), fmt.Sprintf("progress report month %d", m), PartyProducer, at.Add(w.ReportGrace))
		d := r.producerData()
		d.Due = s.Due
		d.StepLabel = s.Label
		r.email(ctx, "progress-report-request", s.Name, r.producerRecipient(), d)
		month := m
		workflow.Go(ctx, func(ctx workflow.Context) {
			_ = r.await(ctx, s, r.producerRecipient, false, func() bool { _, ok := c.reports[month]; return ok })
		})
	}
}

func (c *cohort) handle(ctx workflow.Context) error {
	r := c.r
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return r.status(), nil }); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalInternships)
		for {
			ch.Receive(ctx, nil)
			c.internships = true
		}
	})
	if err := r.extendHandler(ctx); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateProgress, func(ctx workflow.Context, p ProgressReport) (Status, error) {
		c.reports[p.Month] = p
		c.dropOuts += p.DropOuts
		if s := r.step(fmt.Sprintf("progress-%d", p.Month)); s != nil {
			r.done(ctx, s, fmt.Sprintf("report: %d active, %d drop-outs", p.Active, p.DropOuts))
		}
		r.publish(ctx)
		return r.status(), nil
	}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, p ProgressReport) error {
		if p.Month < 1 || p.Month > c.requested {
			if c.requested == 0 {
				return errors.New("no progress report has been requested yet: the first is due a month after the start")
			}
			return fmt.Errorf("month %d: reports were requested for months 1 to %d", p.Month, c.requested)
		}
		if _, ok := c.reports[p.Month]; ok {
			return fmt.Errorf("the report for month %d was already recorded", p.Month)
		}
		if p.Active < 0 || p.DropOuts < 0 || p.Active+p.DropOuts > c.in.Participants+5 {
			return fmt.Errorf("counts do not add up: %d active and %d drop-outs for %d enrolled", p.Active, p.DropOuts, c.in.Participants)
		}
		return nil
	}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePeerGroup, func(ctx workflow.Context, g PeerGroup) (Status, error) {
		c.peerGroups += g.Count
		r.publish(ctx)
		return r.status(), nil
	}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, g PeerGroup) error {
		if r.phase != "practicum" && r.phase != PhaseGraduation {
			return fmt.Errorf("peer-support groups are started in the practicum; the cohort is in %s", r.phase)
		}
		if g.Count < 1 || g.Count > 50 {
			return errors.New("count must be 1 to 50")
		}
		return nil
	}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateGraduates, func(ctx workflow.Context, g Graduation) (Status, error) {
		c.graduates = &g
		r.done(ctx, r.step("graduates"), fmt.Sprintf("%d graduated", g.Count))
		r.publish(ctx)
		return r.status(), nil
	}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, g Graduation) error {
		if r.phase != PhaseGraduation {
			return fmt.Errorf("graduates are recorded when the cohort has ended; it is in %s", r.phase)
		}
		if c.graduates != nil {
			return errors.New("graduates were already recorded")
		}
		if g.Count < 0 || g.Count > c.in.Participants {
			return fmt.Errorf("%d graduates for %d participants enrolled", g.Count, c.in.Participants)
		}
		return nil
	}})
}

// runCohort starts the cohort as a child workflow and waits for it, or for a
// cancellation, which it passes on.
func (r *rollout) runCohort(ctx workflow.Context) (CohortResult, error) {
	id := CohortWorkflowID(r.id)
	cctx, cancelCohort := workflow.WithCancel(ctx)
	cctx = workflow.WithChildOptions(cctx, workflow.ChildWorkflowOptions{
		WorkflowID:    id,
		StaticSummary: fmt.Sprintf("%s (%s) · wave %s · cohort", r.in.Municipality.Name, r.in.Municipality.Code, r.in.Wave.Name),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			AttrMunicipality.ValueSet(r.in.Municipality.Code),
			AttrWave.ValueSet(r.in.Wave.Name),
		),
	})
	r.cohortRun = workflow.ExecuteChildWorkflow(cctx, CohortWorkflow, CohortInput{
		RolloutID: r.id, Municipality: r.in.Municipality, Wave: r.in.Wave, Start: r.startedAt,
		Producer: *r.producer, Participants: len(r.participants), Internships: r.internships != nil,
	})
	if err := r.cohortRun.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return CohortResult{}, fmt.Errorf("start cohort: %w", err)
	}
	r.cohortID = id
	s := r.open(ctx, "cohort", "cohort runs to graduation", PartyProducer, r.startedAt.Add(r.in.Wave.CohortLength()+r.in.Wave.GraduationGrace))
	var res CohortResult
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
	r.done(ctx, s, fmt.Sprintf("%d graduated", res.Graduates))
	return res, nil
}

// signalCohortInternships passes internship places on to a running cohort.
func (r *rollout) signalCohortInternships(ctx workflow.Context) {
	if r.cohortRun == nil {
		return
	}
	if err := r.cohortRun.SignalChildWorkflow(ctx, SignalInternships, nil).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("tell cohort about internships", "error", err)
	}
}
