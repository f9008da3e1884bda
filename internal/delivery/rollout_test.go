package delivery_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/testenv"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// On the dev server with the real worker: the producer course's invitation
// bounces, SendGrid reports it twice and drops it too; the rollout stalls
// with "e-mail niet afgeleverd", staff get one escalation; the corrected
// address gets the invitation again, once, with its calendar attachment.
func TestBounceStallsTheRolloutAndTheCorrectionResends(t *testing.T) {
	te := testenv.Require(t)
	worker := te.StartWorker(t, map[string]string{"AMWAHT_STAFF_EMAIL": "staf@example.org", "AMWAHT_REPLY_TO": "Backoffice (test) <backoffice@example.org>"})
	sg, dbURL := worker.SendGrid, worker.DatabaseURL

	c := te.Client(t)
	staff := rollout.New(c, plan.Actor{Via: plan.ViaCLI, Name: "test"})
	w, err := wave.Lookup(wave.Demo, time.Now(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m, err := municipality.Lookup("GM0344")
	if err != nil {
		t.Fatal(err)
	}
	id, err := staff.Start(t.Context(), rollout.Input{Municipality: m, Wave: w, Contact: mail.Contact{Name: "Team WMO", Email: "wmo@utrecht.example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = staff.Act(context.Background(), id, plan.ActCancel, &plan.Cancellation{Reason: "test over"})
	})
	if _, err := staff.Act(t.Context(), id, plan.ActApply, &plan.ProducerApplication{Organisation: "Welzijn Utrecht", Kind: "welzijnsinstelling",
		ContactName: "Fatma Yilmaz", ContactEmail: "fatma@bounces.example.org"}); err != nil {
		t.Fatal(err)
	}
	invitations := func(ms []sendgridfake.Mail) []sendgridfake.Mail {
		var out []sendgridfake.Mail
		for _, m := range ms {
			if m.CustomArgs["template"] == "producer-course-invitation" {
				out = append(out, m)
			}
		}
		return out
	}
	if !sg.WaitFor(30*time.Second, func(ms []sendgridfake.Mail) bool { return len(invitations(ms)) == 1 }) {
		t.Fatal("no producer course invitation")
	}
	first := invitations(sg.Mails())[0]
	if len(first.Attachments) != 1 || !bytes.Contains(first.Attachments[0].Content, []byte("METHOD:REQUEST")) || first.ReplyTo != "backoffice@example.org" {
		t.Fatalf("invitation: attachments %d, reply-to %q", len(first.Attachments), first.ReplyTo)
	}

	wh := newWebhookOn(t, rollout.New(c, plan.Actor{Via: plan.ViaWebhook, Name: "SendGrid"}), dbURL)
	args := first.CustomArgs
	occ := 1
	bounce := event("ev-bounce", "bounce", time.Now(), args["workflow_id"], args["template"], args["step"], occ)
	bounce["status"], bounce["reason"] = "5.1.1", "550 5.1.1 <fatma@bounces.example.org> unknown"
	dropped := event("ev-dropped", "dropped", time.Now(), args["workflow_id"], args["template"], args["step"], occ)
	dropped["reason"] = "Bounced Address"
	for _, batch := range [][]map[string]any{{bounce}, {bounce, dropped}} {
		if code := wh.send(batch...); code != 204 {
			t.Fatalf("webhook: HTTP %d", code)
		}
	}
	st, err := staff.Status(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	l := st.Line("email")
	if l == nil || !l.Stalled() || !strings.HasPrefix(l.Problem.NL, "e-mail niet afgeleverd: het adres weigert de e-mail (bounce, status 5.1.1)") {
		t.Fatalf("after the bounce: line %+v", l)
	}
	escalations := func(ms []sendgridfake.Mail) int {
		n := 0
		for _, m := range ms {
			if m.CustomArgs["template"] == "step-escalation" {
				n++
			}
		}
		return n
	}
	if !sg.WaitFor(30*time.Second, func(ms []sendgridfake.Mail) bool { return escalations(ms) >= 1 }) {
		t.Fatal("staff got no escalation")
	}

	st, err = staff.Act(t.Context(), id, plan.ActContact, &plan.ContactCorrection{Party: plan.PartyProducer, Email: "fatma@welzijn.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Line("email").State != plan.StateDone || st.Stalled {
		t.Errorf("after the correction: %+v, stalled %v", st.Line("email"), st.Stalled)
	}
	if !sg.WaitFor(30*time.Second, func(ms []sendgridfake.Mail) bool { return len(invitations(ms)) == 2 }) {
		t.Fatal("the invitation did not go again")
	}
	time.Sleep(2 * time.Second) // a second copy, were there one, would have come by now
	inv := invitations(sg.Mails())
	if len(inv) != 2 || escalations(sg.Mails()) != 1 {
		t.Fatalf("%d invitations, %d escalations; want 2 and 1", len(inv), escalations(sg.Mails()))
	}
	again := inv[1]
	if again.To[0] != "fatma@welzijn.example.org" || again.CustomArgs["occurrence"] != "2" || again.Subject != first.Subject ||
		len(again.Attachments) != 1 || !bytes.Equal(again.Attachments[0].Content, first.Attachments[0].Content) {
		t.Errorf("the resend: to %v args %v attachments %d", again.To, again.CustomArgs, len(again.Attachments))
	}

	// What staff read in `starter emails list`: the bounce, and the resend.
	var out, errOut bytes.Buffer
	if rc := cli.Run(t.Context(), []string{"emails", "list", "GM0344", "--wave", "demo"}, &out, &errOut); rc != 0 {
		t.Fatalf("emails list: exit %d: %s", rc, errOut.String())
	}
	if !strings.Contains(out.String(), "niet afgeleverd (bounce: 550 5.1.1") || !strings.Contains(out.String(), "(opnieuw, voor #1)") {
		t.Errorf("emails list shows no delivery state:\n%s", out.String())
	}
}
