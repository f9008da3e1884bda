package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

func bounceOfInvitation(event string) rollout.Undelivered {
	return rollout.Undelivered{
		Template: "producer-course-invitation", Step: wave.StepProducerCourse, Occurrence: 1, Role: "producer",
		Event: event, Reason: plan.T("het adres weigert de e-mail (bounce, status 5.1.1)", "the address refused the e-mail (bounce, status 5.1.1)"),
	}
}

// A bounce of the producer course's invitation stalls the rollout with the
// problem "e-mail niet afgeleverd", escalates once though SendGrid reports it
// twice (and drops it too); the producer's corrected address sends the
// invitation again, once, with its calendar entries; a cancellation then
// takes the days out of the producer's calendar.
func TestBounceStallsEscalatesOnceAndCorrectionResends(t *testing.T) {
	w := wave.Wave2012()
	h := newHarness(t, w)
	applyAt := time.Date(2012, time.February, 20, 10, 0, 0, 0, wave.Amsterdam)
	h.updateAt(applyAt, plan.ActApply, validApplication())
	bounce := h.updateAt(applyAt.Add(2*time.Hour), rollout.UpdateUndelivered, bounceOfInvitation(rollout.EventBounce))
	again := h.updateAt(applyAt.Add(3*time.Hour), rollout.UpdateUndelivered, bounceOfInvitation(rollout.EventBounce))
	dropped := h.updateAt(applyAt.Add(4*time.Hour), rollout.UpdateUndelivered, bounceOfInvitation(rollout.EventDropped))
	var stalled rollout.Status
	var escalationsWhileStalled int
	h.env.RegisterDelayedCallback(func() {
		stalled = h.status()
		escalationsWhileStalled = len(h.sent("step-escalation"))
	}, applyAt.Add(5*time.Hour).Sub(h.start()))
	fixed := h.updateAt(applyAt.Add(24*time.Hour), plan.ActContact, plan.ContactCorrection{Party: plan.PartyProducer, Email: "fatma@welzijn.example.org"})
	twice := h.updateAt(applyAt.Add(25*time.Hour), plan.ActContact, plan.ContactCorrection{Party: plan.PartyProducer, Email: "fatma@welzijn.example.org"})
	var cleared rollout.Status
	h.env.RegisterDelayedCallback(func() { cleared = h.status() }, applyAt.Add(26*time.Hour).Sub(h.start()))
	h.updateAt(applyAt.Add(48*time.Hour), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
	h.run(input(w))

	if !bounce.accepted || bounce.err != nil {
		t.Fatalf("bounce report: accepted %v, rejected %v, err %v", bounce.accepted, bounce.rejected, bounce.err)
	}
	for name, u := range map[string]*updateResult{"the same bounce again": again, "a drop of the same e-mail": dropped} {
		if u.rejected == nil || !strings.Contains(u.rejected.Error(), "already reported") {
			t.Errorf("%s: rejected %v, want 'already reported'", name, u.rejected)
		}
	}
	assertStalledOnce(t, h, stalled, escalationsWhileStalled)

	first := assertResentOnce(t, h, fixed, twice, cleared)
	assertCalendarCancelled(t, h, first.Data.Sessions)
}

// assertStalledOnce: the e-mail line is stalled with the delivery problem,
// which names no address, and staff got one escalation.
func assertStalledOnce(t *testing.T, h *harness, stalled rollout.Status, escalationsWhileStalled int) {
	t.Helper()
	l := stalled.Line("email")
	if l == nil || !l.Stalled() || !stalled.Stalled {
		t.Fatalf("after the bounce the rollout is not stalled on an e-mail line: %+v", stalled.Steps)
	}
	if want := "e-mail niet afgeleverd: het adres weigert de e-mail (bounce, status 5.1.1); de producent krijgt \"producer-course-invitation\" opnieuw"; !strings.HasPrefix(l.Problem.NL, want) {
		t.Errorf("problem %q, want it to start %q", l.Problem.NL, want)
	}
	if strings.Contains(l.Problem.NL, "@") || strings.Contains(l.Problem.EN, "@") {
		t.Errorf("the problem names an address: %v", l.Problem)
	}
	if escalationsWhileStalled != 1 {
		t.Errorf("%d escalations after three reports of one bounce, want 1", escalationsWhileStalled)
	}
	if esc := h.sent("step-escalation"); len(esc) == 0 || !strings.HasPrefix(esc[0].Req.Data.Reason, "e-mail niet afgeleverd: ") {
		t.Errorf("escalation without the delivery problem: %+v", esc)
	}

}

// assertResentOnce: two corrections cleared the stall and sent the
// invitation again once, with its calendar entries; it returns the first.
func assertResentOnce(t *testing.T, h *harness, fixed, twice *updateResult, cleared rollout.Status) activities.EmailRequest {
	t.Helper()
	if !fixed.accepted || fixed.err != nil || !twice.accepted {
		t.Fatalf("corrections: %+v %+v", fixed, twice)
	}
	if l := cleared.Line("email"); l == nil || l.State != plan.StateDone || !l.Problem.IsZero() || cleared.Stalled {
		t.Errorf("after the correction the e-mail line is %+v, stalled %v", l, cleared.Stalled)
	}
	inv := h.sent("producer-course-invitation")
	if len(inv) != 2 {
		t.Fatalf("%d invitations, want the first and one resend (two corrections)", len(inv))
	}
	first, resend := inv[0].Req, inv[1].Req
	if resend.ResendOf != 1 || resend.Occurrence != 2 || resend.Step != first.Step || resend.To.Email != "fatma@welzijn.example.org" {
		t.Errorf("resend: %+v", resend)
	}
	if first.Data.Calendar != mail.CalendarRequest || len(first.Data.Sessions) != 2 || first.Data.Sessions[0].UID == "" || first.Data.Sessions[0].Sequence != 0 {
		t.Errorf("the invitation carries no calendar entries: %+v", first.Data)
	}

	return first
}

// assertCalendarCancelled: only the producer, who was invited, gets the
// course days cancelled in the calendar, under the invitation's UIDs.
func assertCalendarCancelled(t *testing.T, h *harness, invited []mail.Session) {
	t.Helper()
	var toProducer *mail.Data
	for _, e := range h.sent("rollout-cancelled") {
		if e.Req.To.Role == "producer" {
			toProducer = &e.Req.Data
		} else if len(e.Req.Data.Sessions) > 0 {
			t.Errorf("the %s, never invited, gets calendar cancellations", e.Req.To.Role)
		}
	}
	if toProducer == nil || toProducer.Calendar != mail.CalendarCancel || len(toProducer.Sessions) != 2 {
		t.Fatalf("the producer's cancellation: %+v", toProducer)
	}
	for i, s := range toProducer.Sessions {
		if s.UID != invited[i].UID || s.Sequence != 1 {
			t.Errorf("cancelled day %d: UID %q sequence %d, want the invitation's UID %q, sequence 1", i+1, s.UID, s.Sequence, invited[i].UID)
		}
	}
}

// A report is refused, writing nothing, when it names no known recipient or
// its reason holds an address.
func TestUndeliveredRefusals(t *testing.T) {
	w := wave.Wave2012()
	h := newHarness(t, w)
	at := time.Date(2012, time.February, 20, 10, 0, 0, 0, wave.Amsterdam)
	noProducer := h.updateAt(at, rollout.UpdateUndelivered, bounceOfInvitation(rollout.EventBounce))
	staff := bounceOfInvitation(rollout.EventBounce)
	staff.Role = "staff"
	toStaff := h.updateAt(at, rollout.UpdateUndelivered, staff)
	withAddress := bounceOfInvitation(rollout.EventBounce)
	withAddress.Role = "municipality"
	withAddress.Reason = plan.T("550 <zorg@utrecht.example.nl> unknown", "550 <zorg@utrecht.example.nl> unknown")
	leaky := h.updateAt(at, rollout.UpdateUndelivered, withAddress)
	h.updateAt(at.Add(time.Hour), plan.ActCancel, plan.Cancellation{Reason: "test ends here"})
	h.run(input(w))
	for name, u := range map[string]*updateResult{"no producer yet": noProducer, "staff": toStaff, "an address in the reason": leaky} {
		if u.rejected == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(h.sent("step-escalation")); n != 0 {
		t.Errorf("%d escalations from refused reports", n)
	}
}
