package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// sentEmail is an e-mail the fake SendEmail activity saw, with the
// (test-environment) time it went out.
type sentEmail struct {
	At  time.Time
	Req activities.EmailRequest
}

// harness runs RolloutWorkflow in the time-skipping test environment with a
// fake e-mail activity that renders each e-mail, so a missing template field
// fails the test.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	startTime       time.Time
	updates         []*updateResult
	mu              sync.Mutex
	emails          []sentEmail
	premiumCalls    int
	premiumFailures int
}

func newHarness(t *testing.T, w wave.Calendar) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quietLogger())
	h := &harness{t: t, env: suite.NewTestWorkflowEnvironment(), startTime: w.Opens}
	h.env.SetStartTime(w.Opens)
	Register(h.env)
	h.env.RegisterActivityWithOptions(func(ctx context.Context, req activities.PremiumRequest) (activities.PremiumResult, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.premiumCalls++
		if h.premiumCalls <= h.premiumFailures {
			return activities.PremiumResult{}, errors.New("bank unreachable")
		}
		return activities.PremiumResult{PaymentID: 1, AmountCents: req.AmountCents}, nil
	}, activityName("PayPremium"))
	h.env.RegisterActivityWithOptions(func(ctx context.Context, req activities.EmailRequest) (activities.EmailResult, error) {
		if _, err := mail.Render(req.Template, req.Data); err != nil {
			t.Errorf("render %s: %v", req.Template, err)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.emails = append(h.emails, sentEmail{At: h.env.Now(), Req: req})
		return activities.EmailResult{Status: activities.StatusLogged}, nil
	}, activityName("SendEmail"))
	return h
}

func input(w wave.Calendar) rollout.Input {
	return rollout.Input{
		Municipality: municipality.Municipality{Code: "GM0344", Name: "Utrecht", Province: "Utrecht"},
		Wave:         w,
		Contact:      mail.Contact{Name: "Wethouder Zorg", Email: "zorg@utrecht.example.nl"},
	}
}

func validApplication() plan.ProducerApplication {
	return plan.ProducerApplication{Organisation: "Welzijn Utrecht", Kind: "welzijnsinstelling", ContactName: "Fatma Yilmaz", ContactEmail: "f.yilmaz@welzijn.example.nl"}
}

// testActor is who sends the tests' actions.
var testActor = plan.Actor{Via: plan.ViaScript, Name: "test"}

// update sends an update at a moment of the wave and records its fate.
type updateResult struct {
	name     string
	rejected error
	accepted bool
	err      error
}

func (h *harness) updateAt(at time.Time, name string, arg any) *updateResult {
	return h.updateIDAt("", at, name, arg)
}

// updateIDAt sends an update to another workflow (the cohort) by its ID.
func (h *harness) updateIDAt(id string, at time.Time, name string, arg any) *updateResult {
	res := &updateResult{}
	h.updates = append(h.updates, res)
	res.name = name
	cb := &testsuite.TestUpdateCallback{
		OnAccept:   func() { res.accepted = true },
		OnReject:   func(err error) { res.rejected = err },
		OnComplete: func(_ interface{}, err error) { res.err = err },
	}
	uid := fmt.Sprintf("%s-%d", name, len(h.updates))
	h.env.RegisterDelayedCallback(func() {
		if id == "" {
			h.env.UpdateWorkflow(name, uid, cb, testActor, arg)
			return
		}
		if err := h.env.UpdateWorkflowByID(id, name, uid, cb, testActor, arg); err != nil {
			res.err = err
		}
	}, at.Sub(h.start()))
	return res
}

func (h *harness) start() time.Time { return h.startTime }

func (h *harness) run(in rollout.Input) rollout.Result {
	h.t.Helper()
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: rollout.WorkflowID(in.Wave.Name, in.Municipality.Code)})
	h.env.ExecuteWorkflow(RolloutWorkflow, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		var ae *temporal.ActivityError
		if errors.As(err, &ae) {
			h.t.Logf("failed activity: %s", ae.ActivityType().GetName())
		}
		if v, qerr := h.env.QueryWorkflow(rollout.QueryStatus); qerr == nil {
			var st rollout.Status
			_ = v.Get(&st)
			h.t.Logf("at failure (%s): phase %s, waiting on %v", h.env.Now().In(wave.Amsterdam), st.Phase, st.WaitingOn)
		}
		h.t.Fatalf("workflow failed: %v", err)
	}
	var res rollout.Result
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) sent(template string) []sentEmail {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []sentEmail
	for _, e := range h.emails {
		if e.Req.Template == template {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) status() rollout.Status {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(rollout.QueryStatus)
	if err != nil {
		h.t.Fatalf("query status: %v", err)
	}
	var st rollout.Status
	if err := v.Get(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(wave.Amsterdam), b.In(wave.Amsterdam)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func TestApplicationAccepted(t *testing.T) {
	w := wave.Wave2012()
	h := newHarness(t, w)
	applyAt := time.Date(2012, time.February, 20, 10, 0, 0, 0, wave.Amsterdam)
	u := h.updateAt(applyAt, plan.ActApply, validApplication())
	h.updateAt(applyAt.Add(24*time.Hour), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
	res := h.run(input(w))

	if !u.accepted || u.err != nil {
		t.Fatalf("application: accepted=%v rejected=%v err=%v", u.accepted, u.rejected, u.err)
	}
	if res.Outcome != plan.OutcomeCancelled {
		t.Errorf("outcome = %q, want %q", res.Outcome, plan.OutcomeCancelled)
	}
	assertInvitation(t, h, w)
	conf := h.sent("application-received")
	if len(conf) != 1 {
		t.Fatalf("confirmations: %d, want 1", len(conf))
	}
	if c := conf[0]; c.Req.To.Email != "f.yilmaz@welzijn.example.nl" || c.Req.To.Role != "producer" || !sameDay(c.At, applyAt) {
		t.Errorf("confirmation: %+v at %v", c.Req.To, c.At)
	}
	if inv := h.sent("producer-course-invitation"); len(inv) != 1 || len(inv[0].Req.Data.Sessions) != 2 {
		t.Errorf("producer course invitation: %+v", inv)
	}
	st := h.status()
	if st.Producer == nil || st.Producer.Organisation != "Welzijn Utrecht" || st.Steps[0].State != plan.StateDone || st.Steps[0].LastActor == nil || st.Steps[0].LastActor.Name != "test" {
		t.Errorf("status: %+v", st)
	}
	if len(h.sent("no-producer")) != 0 {
		t.Error("staff told there is no producer though one applied")
	}
}

// assertInvitation checks the invitation the municipality gets at the start.
func assertInvitation(t *testing.T, h *harness, w wave.Calendar) {
	t.Helper()
	inv := h.sent("producer-invitation")
	if len(inv) != 1 || inv[0].Req.To.Email != "zorg@utrecht.example.nl" || !inv[0].At.Equal(w.Opens) {
		t.Fatalf("invitation: %+v", inv)
	}
	if !inv[0].Req.Data.Due.Equal(w.ApplicationDeadline()) || mail.DutchDate(inv[0].Req.Data.Due) != "vrijdag 2 maart 2012" {
		t.Errorf("invitation due = %v", inv[0].Req.Data.Due)
	}
}

func TestNoProducerByDeadline(t *testing.T) {
	w := wave.Wave2012()
	h := newHarness(t, w)
	res := h.run(input(w))
	if res.Outcome != plan.OutcomeNoProducer {
		t.Fatalf("outcome = %q, want %q", res.Outcome, plan.OutcomeNoProducer)
	}
	staff := h.sent("no-producer")
	if len(staff) != 1 || staff[0].Req.To.Role != activities.RoleStaff {
		t.Fatalf("staff e-mails: %+v", staff)
	}
	if !staff[0].At.Equal(w.ApplicationDeadline()) {
		t.Errorf("staff told at %v, want the deadline %v", staff[0].At, w.ApplicationDeadline())
	}
	st := h.status()
	if st.Phase != plan.PhaseDone || st.Outcome != plan.OutcomeNoProducer || len(st.WaitingOn) != 0 {
		t.Errorf("status: %+v", st)
	}
}

func TestApplicationRejected(t *testing.T) {
	w := wave.Wave2012()
	bad := validApplication()
	bad.Kind = "bakkerij"
	bad.ContactEmail = "geen-adres"
	cases := []struct {
		name  string
		apps  []plan.ProducerApplication
		at    []time.Time
		wants []string // substring of each rejection, "" for accepted
	}{
		{"malformed", []plan.ProducerApplication{bad, validApplication()},
			[]time.Time{w.Opens.Add(time.Hour), w.Opens.Add(2 * time.Hour)},
			[]string{"unknown kind of producer \"bakkerij\"", ""}},
		{"duplicate", []plan.ProducerApplication{validApplication(), validApplication()},
			[]time.Time{w.Opens.Add(time.Hour), w.Opens.Add(2 * time.Hour)},
			[]string{"", "a producer already applied"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, w)
			var results []*updateResult
			for i := range c.apps {
				results = append(results, h.updateAt(c.at[i], plan.ActApply, c.apps[i]))
			}
			h.updateAt(w.Opens.Add(3*time.Hour), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
			h.run(input(w))
			for i, want := range c.wants {
				r := results[i]
				if want == "" {
					if !r.accepted || r.rejected != nil {
						t.Errorf("update %d: want accepted, got rejected %v", i, r.rejected)
					}
					continue
				}
				if r.rejected == nil || !strings.Contains(r.rejected.Error(), want) {
					t.Errorf("update %d: want rejection containing %q, got %v", i, want, r.rejected)
				}
			}
			if c.name == "malformed" && !strings.Contains(results[0].rejected.Error(), "not an e-mail address") {
				t.Errorf("malformed application's rejection does not name every problem: %v", results[0].rejected)
			}
		})
	}
}

func TestLateApplicationRejected(t *testing.T) {
	// The deadline timer ends the rollout; an update arriving when it is over
	// cannot reach it. A late application that lands in the same workflow task
	// as the deadline is what the validator must catch: test the validator's
	// rule through the handler directly on a wave whose deadline has passed at start.
	w := wave.Wave2012()
	h := newHarness(t, w)
	u := h.updateAt(w.ApplicationDeadline(), plan.ActApply, validApplication())
	res := h.run(input(w))
	if u.accepted {
		t.Fatalf("an application at the deadline's last moment+ was accepted; outcome %q", res.Outcome)
	}
	if res.Outcome != plan.OutcomeNoProducer {
		t.Errorf("outcome = %q", res.Outcome)
	}
}
