package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// An address SendGrid refuses (400) is not retried: the step shows the
// reason and the rollout is stalled until staff correct the address; then
// the e-mail goes out, once.
func TestUndeliverableAddressCorrected(t *testing.T) {
	s := startSystem(t)
	startEventually(t, "start", "--municipality", "GM0392", "--wave", "demo", "--day-length", "10s", "--contact-email", "wmo@haarlem.invalid")

	var st rollout.Status
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if err := json.Unmarshal([]byte(mustRun(t, "status", "GM0392", "--wave", "demo", "--json")), &st); err != nil {
			t.Fatal(err)
		}
		if st.Stalled {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	app := stepOf(st, "application")
	if !st.Stalled || !strings.Contains(app.Problem.EN, "could not be delivered") || !strings.Contains(app.Problem.NL, "niet afgeleverd") || strings.Contains(app.Problem.EN, "haarlem") {
		t.Fatalf("after a refused e-mail: stalled=%v application step %+v", st.Stalled, app)
	}
	list := mustRun(t, "emails", "list", "GM0392", "--wave", "demo")
	if !strings.Contains(list, "producer-invitation") || !strings.Contains(list, "failed") {
		t.Errorf("emails list:\n%s", list)
	}

	mustRun(t, "contact", "GM0392", "--wave", "demo", "--party", "municipality", "--email", "wmo@haarlem.example.nl")
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return hasTemplate(ms, "producer-invitation") }) {
		t.Fatal("the invitation was not sent again to the corrected address")
	}
	// The invitation went once, to the corrected address; staff were told
	// once that the step had stalled.
	got := map[string][]string{}
	for _, m := range s.sg.Mails() {
		got[m.CustomArgs["template"]] = append(got[m.CustomArgs["template"]], m.To[0])
	}
	if len(got) != 2 || strings.Join(got["producer-invitation"], ",") != "wmo@haarlem.example.nl" || strings.Join(got["step-escalation"], ",") != "staf@stichtingbmp.example.nl" {
		t.Errorf("mails after the correction: %v", got)
	}
	st = rollout.Status{} // decode afresh: omitted fields must not keep old values
	if err := json.Unmarshal([]byte(mustRun(t, "status", "GM0392", "--wave", "demo", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Stalled || !stepOf(st, "application").Problem.IsZero() {
		t.Errorf("still stalled after the correction: %+v", st)
	}
	var rows []struct {
		Template, Status, Recipient string
	}
	if err := json.Unmarshal([]byte(mustRun(t, "emails", "list", "GM0392", "--wave", "demo", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Template != "producer-invitation" || rows[0].Status != "sent" || rows[0].Recipient != "wmo@haarlem.example.nl" {
		t.Errorf("emails list --json: %+v", rows)
	}
}

func stepOf(st rollout.Status, name string) rollout.Step {
	if l := st.Line(name); l != nil {
		return *l
	}
	return rollout.Step{}
}
