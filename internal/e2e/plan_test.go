package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

const agreementWave = "../wave/testdata/wave-2013-agreement.json"

// TestAgreementWaveThroughTheCLI: a step a wave file adds, with no Go code
// ("samenwerkingsovereenkomst getekend", due 1 May, confirmed by the
// municipality), on the real dev server. A rehearsal of the file (100 ms
// per day) runs with the scripted actor doing everything but the
// agreement: the municipality is reminded, the step stalls and staff are
// told, the start gate waits for it, and the confirmation through the CLI
// clears it and lets the cohort start.
func TestAgreementWaveThroughTheCLI(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code, id = "GM0301", "rollout-2013-overeenkomst-GM0301" // Zutphen
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = c.TerminateWorkflow(ctx, id, "", "end of TestAgreementWaveThroughTheCLI")
		_ = c.TerminateWorkflow(ctx, rollout.CohortWorkflowID(id), "", "end of TestAgreementWaveThroughTheCLI")
	})
	out := mustRunEventually(t, "start", "--municipality", code, "--wave-file", agreementWave, "--day-length", "100ms", "--contact-email", "wmo@zutphen.example.nl")
	if !strings.Contains(out, "Started "+id) {
		t.Fatalf("start:\n%s", out)
	}
	// The whole plan from the start: the agreement among the preparation.
	st := cliStatusIn(t, code, "2013-overeenkomst")
	if l := st.Line("agreement"); l == nil || l.State != plan.StateUpcoming || l.Party != plan.PartyMunicipality || !l.Required || l.Label.NL != "samenwerkingsovereenkomst getekend" {
		t.Fatalf("agreement at the start: %+v", l)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	actor := &simulate.Actor{C: testenv.Rollouts(c, simulate.Player), Out: testWriter{t}, Poll: 20 * time.Millisecond, Leave: []string{"agreement"}}
	go func() { _ = actor.Run(ctx, []string{id}, []simulate.Variant{simulate.HappyPath}) }()

	// Reminded, overdue, escalated: found by `starter stalled`.
	waitFor(t, 60*time.Second, "the agreement to stall", func() bool {
		return strings.Contains(mustRun(t, "stalled", "--wave", "2013-overeenkomst"), "agreement")
	})
	// The stall shows at once; its e-mails go in the background.
	s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool {
		return len(mailsFor(ms, "step-overdue", "agreement")) > 0 && len(mailsFor(ms, "step-escalation", "agreement")) > 0
	})
	for tpl, to := range map[string]string{"step-reminder": "wmo@zutphen.example.nl", "step-overdue": "wmo@zutphen.example.nl", "step-escalation": "staf@stichtingbmp.example.nl"} {
		ms := mailsFor(s.sg.Mails(), tpl, "agreement")
		if len(ms) != 1 || ms[0].To[0] != to || !strings.Contains(ms[0].Text, "samenwerkingsovereenkomst getekend") {
			t.Errorf("%s about the agreement: %d mails %v", tpl, len(ms), ms)
		}
	}
	// The start gate waits for it.
	if !s.sg.WaitFor(60*time.Second, func(ms []sendgridfake.Mail) bool { return hasTemplate(ms, "start-blocked") }) {
		t.Fatal("the start was not blocked")
	}
	blocked := mailsFor(s.sg.Mails(), "start-blocked", "start")[0]
	if !strings.Contains(blocked.Text, "samenwerkingsovereenkomst getekend") {
		t.Errorf("start-blocked does not name the agreement:\n%s", blocked.Text)
	}
	// Staff record the confirmation; the step clears and the cohort starts.
	out = mustRun(t, "confirm", code, "--wave", "2013-overeenkomst", "--step", "agreement", "--note", "getekend op 28 april")
	if !strings.Contains(out, "step agreement (cooperation agreement signed): overdue → done") || !strings.Contains(out, "confirmed: getekend op 28 april") {
		t.Errorf("confirm:\n%s", out)
	}
	code2, _, errOut := run(t, "confirm", code, "--wave", "2013-overeenkomst", "--step", "agreement")
	if code2 != cli.ExitRejected || !strings.Contains(errOut, "cooperation agreement signed was already confirmed") {
		t.Errorf("a second confirmation: exit %d\n%s", code2, errOut)
	}
	waitFor(t, 30*time.Second, "the cohort to start", func() bool { return cliStatusIn(t, code, "2013-overeenkomst").CohortID != "" })
	st = cliStatusIn(t, code, "2013-overeenkomst")
	if l := st.Line("agreement"); l.State != plan.StateDone || l.LastActor == nil || l.LastActor.Name != "e2e-medewerker" {
		t.Errorf("agreement after the confirmation: %+v", l)
	}
	if n := len(mailsFor(s.sg.Mails(), "start-confirmed", "start")); n != 1 {
		t.Errorf("start-confirmed sent %d times", n)
	}
}

func mustRunEventually(t *testing.T, args ...string) string {
	t.Helper()
	var out string
	waitFor(t, 30*time.Second, "starter "+strings.Join(args, " "), func() bool {
		code, o, _ := run(t, args...)
		out = o
		return code == 0
	})
	return out
}

func cliStatusIn(t *testing.T, code, waveName string) rollout.Status {
	t.Helper()
	var st rollout.Status
	if err := json.Unmarshal([]byte(mustRun(t, "status", code, "--wave", waveName, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func mailsFor(ms []sendgridfake.Mail, template, step string) []sendgridfake.Mail {
	var out []sendgridfake.Mail
	for _, m := range ms {
		if m.CustomArgs["template"] == template && m.CustomArgs["step"] == step {
			out = append(out, m)
		}
	}
	return out
}
