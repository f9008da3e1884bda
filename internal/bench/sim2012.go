package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
	"github.com/stichtingbmp/amwaht/workflows"
)

// sim2012: the whole 2012 wave, January 2012 to July 2013, for N
// municipalities in the time-skipping test environment, one environment per
// rollout, run one after another, each on the happy path (staff's updates
// at the dates of workflows/lifecycle_test.go's script; activities are
// stubs). The baseline runs as many environments with a workflow that only
// sleeps through the same eighteen months.
func (b *bench) sim2012(ctx context.Context) error {
	w := wave.Wave2012()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	end := w.IntendedStart().Add(w.CohortLength() + 48*time.Hour)

	c0, t0 := selfCPU(), time.Now()
	for _, m := range b.ms {
		if err := ctx.Err(); err != nil {
			return err
		}
		env := newEnv(&suite)
		env.RegisterWorkflowWithOptions(benchSleep, workflow.RegisterOptions{Name: "benchSleep"})
		env.SetStartTime(w.Opens)
		env.ExecuteWorkflow("benchSleep", end.Sub(w.Opens))
		if err := env.GetWorkflowError(); err != nil || !env.IsWorkflowCompleted() {
			return fmt.Errorf("baseline for %s: completed %v, %v", m.Code, env.IsWorkflowCompleted(), err)
		}
	}
	baseCPU, baseWall := selfCPU()-c0, time.Since(t0)

	c0, t0 = selfCPU(), time.Now()
	for _, m := range b.ms {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := happy2012(&suite, m, w); err != nil {
			return err
		}
	}
	cpu, wall := selfCPU()-c0, time.Since(t0)
	n := float64(len(b.ms))
	b.line("sim2012", fmt.Sprintf("%d rollouts through the whole 2012 wave (Jan 2012–Jul 2013, graduated), time-skipping test env, one after another: wall %s, CPU %s (%.1f ms CPU per rollout) | baseline %d envs sleeping 18 months: wall %s, CPU %s | ratio %s (wall)",
		len(b.ms), secs(wall), secs(cpu), float64(cpu)/n/float64(time.Millisecond), len(b.ms), secs(baseWall), secs(baseCPU), ratio(float64(wall), float64(baseWall))))
	return nil
}

// benchSleep is the sim2012 baseline: one timer over the lifecycle's length.
func benchSleep(ctx workflow.Context, d time.Duration) error { return workflow.Sleep(ctx, d) }

// happy2012 runs one municipality's rollout through the 2012 wave on the
// happy path and checks it graduates.
// newEnv is a test environment that encrypts its payloads, as the worker does.
func newEnv(suite *testsuite.WorkflowTestSuite) *testsuite.TestWorkflowEnvironment {
	env := suite.NewTestWorkflowEnvironment()
	dc := codec.NewDataConverter(benchKeys)
	env.SetDataConverter(dc)
	env.SetFailureConverter(codec.NewFailureConverter(dc))
	return env
}

func happy2012(suite *testsuite.WorkflowTestSuite, m municipality.Municipality, w wave.Calendar) error {
	env := newEnv(suite)
	workflows.Register(env)
	env.RegisterActivityWithOptions(func(ctx context.Context, req activities.EmailRequest) (activities.EmailResult, error) {
		return activities.EmailResult{Status: activities.StatusLogged}, nil
	}, activity.RegisterOptions{Name: "SendEmail"})
	env.RegisterActivityWithOptions(func(ctx context.Context, req activities.PremiumRequest) (activities.PremiumResult, error) {
		return activities.PremiumResult{PaymentID: 1, AmountCents: req.AmountCents}, nil
	}, activity.RegisterOptions{Name: "PayPremium"})
	env.SetStartTime(w.Opens)
	id := rollout.WorkflowID(w.Name, m.Code)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})

	var problems []string
	n := 0
	at := func(when time.Time, target, name string, arg any) {
		n++
		uid := fmt.Sprintf("%s-%d", name, n)
		cb := &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { problems = append(problems, fmt.Sprintf("%s rejected: %v", name, err)) },
			OnComplete: func(_ any, err error) {
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s failed: %v", name, err))
				}
			},
		}
		env.RegisterDelayedCallback(func() {
			if target == id {
				env.UpdateWorkflow(name, uid, cb, benchActor, arg)
			} else if err := env.UpdateWorkflowByID(target, name, uid, cb, benchActor, arg); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			}
		}, when.Sub(w.Opens))
	}
	ams := func(mo time.Month, d, hh int) time.Time { return time.Date(2012, mo, d, hh, 0, 0, 0, wave.Amsterdam) }
	code := m.Code
	at(ams(time.February, 20, 10), id, plan.ActApply, plan.ProducerApplication{
		Organisation: "Welzijn " + m.Name, Kind: "welzijnsinstelling", ContactName: "Contactpersoon", ContactEmail: "producent-" + code + "@example.nl"})
	at(ams(time.March, 23, 17), id, plan.ActAttendance, plan.Attendance{Course: "producer", Day: 1, Attended: true})
	at(ams(time.March, 30, 17), id, plan.ActAttendance, plan.Attendance{Course: "producer", Day: 2, Attended: true})
	at(ams(time.March, 30, 17).Add(time.Minute), id, plan.ActConfirm, plan.Confirmation{Step: "handbook"})
	at(ams(time.April, 10, 10), id, plan.ActTeacher, plan.TeacherProposal{ID: "T1", Name: "Docent", Email: "docent-" + code + "@example.nl"})
	for i, day := range w.TeacherCourse() {
		at(day.End.Add(time.Hour), id, plan.ActAttendance, plan.Attendance{Course: "teacher", Day: i + 1, Teacher: "T1", Attended: true})
	}
	at(ams(time.May, 1, 10), id, plan.ActFunding, plan.Commitment{Source: "municipality", Name: "Gemeente " + m.Name, AmountCents: w.Budget()})
	ids := make([]string, 15)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-P%02d", code, i+1)
	}
	at(ams(time.July, 1, 10), id, plan.ActEnrol, plan.Enrolment{ParticipantIDs: ids})
	at(ams(time.July, 15, 10), id, plan.ActLocation, plan.Location{Name: "Buurthuis", Place: m.Name})
	at(ams(time.August, 1, 10), id, plan.ActCount, plan.CountReport{Step: "internships", Count: 8})
	cohort := rollout.CohortWorkflowID(id)
	for mo := 1; mo <= 10; mo++ {
		at(w.IntendedStart().Add(time.Duration(mo)*w.ReportEvery+24*time.Hour), cohort, plan.ActProgress, plan.ProgressReport{Month: mo, Active: 14})
	}
	at(w.IntendedStart().Add(200*24*time.Hour), cohort, plan.ActPeerGroup, plan.PeerGroup{Count: 3})
	at(w.IntendedStart().Add(w.CohortLength()+48*time.Hour), cohort, plan.ActGraduates, plan.Graduation{Count: 13})

	env.ExecuteWorkflow(rollout.RolloutWorkflowType, rolloutInput(m, w))
	if !env.IsWorkflowCompleted() {
		return fmt.Errorf("%s: the rollout did not complete", id)
	}
	if err := env.GetWorkflowError(); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	var res rollout.Result
	if err := env.GetWorkflowResult(&res); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	if res.Outcome != plan.OutcomeGraduated || len(problems) > 0 {
		return fmt.Errorf("%s: outcome %s, %d graduates; %v", id, res.Outcome, res.Graduates, problems)
	}
	return nil
}
