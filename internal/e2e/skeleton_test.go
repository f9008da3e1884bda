// Package e2e runs amwaht end to end on real parts: the Temporal dev server,
// PostgreSQL, the worker and the staff CLI, with SendGrid replaced by a local
// stand-in that checks what it receives.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

// The dev server starts without the project's search attributes: the worker
// must register them itself.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{})) }

// system is a running worker with the CLI pointed at it.
type system struct {
	te *testenv.Env
	sg *sendgridfake.Server
	db string
}

func startSystem(t *testing.T) *system {
	t.Helper()
	te := testenv.Require(t)
	// The tests read the CLI's English (--lang en); staff read Dutch, which
	// TestWalkingSkeleton checks too.
	w := te.StartWorker(t, map[string]string{"AMWAHT_LANG": "en", "AMWAHT_ACTOR": "e2e-medewerker"})
	return &system{te: te, sg: w.SendGrid, db: w.DatabaseURL}
}

// run runs the staff CLI and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("starter %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestWalkingSkeleton(t *testing.T) {
	s := startSystem(t)

	// Staff start a rollout. The worker may still be registering search
	// attributes, so the first start is retried briefly.
	var out string
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, o, e := run(t, "start", "--municipality", "GM0344", "--wave", "demo", "--contact-email", "zorg@utrecht.example.nl", "--contact-name", "Team Zorg")
		if code == 0 {
			out = o
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("start: exit %d: %s%s", code, o, e)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !strings.Contains(out, "Started rollout-demo-GM0344: GM0344 (Utrecht, Utrecht)") {
		t.Errorf("start output:\n%s", out)
	}

	// A second rollout for the same municipality and wave is refused.
	code, _, errOut := run(t, "start", "--municipality", "GM0344", "--wave", "demo", "--contact-email", "zorg@utrecht.example.nl")
	if code != cli.ExitRejected || !strings.Contains(errOut, "already runs") {
		t.Errorf("second start: exit %d, %s", code, errOut)
	}

	// The municipality is invited.
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return len(ms) >= 1 }) {
		t.Fatal("no invitation reached SendGrid")
	}
	inv := s.sg.Mails()[0]
	if inv.To[0] != "zorg@utrecht.example.nl" || !strings.Contains(inv.Subject, "draag vóór") || !strings.Contains(inv.Text, "Beste Team Zorg") {
		t.Errorf("invitation: to %v, subject %q", inv.To, inv.Subject)
	}

	// A malformed application is rejected with the validator's words.
	code, _, errOut = run(t, "apply", "GM0344", "--wave", "demo", "--organisation", "Welzijn Utrecht", "--kind", "bakkerij", "--contact-name", "F. Yilmaz", "--contact-email", "f.yilmaz@welzijn.example.nl")
	if code != cli.ExitUsage || !strings.Contains(errOut, `unknown kind of producer "bakkerij"`) {
		t.Errorf("bad kind: exit %d, %s", code, errOut)
	}

	// Staff record the producer's application.
	out = mustRun(t, "apply", "GM0344", "--wave", "demo", "--organisation", "Welzijn Utrecht", "--kind", "welzijnsinstelling", "--contact-name", "Fatma Yilmaz", "--contact-email", "f.yilmaz@welzijn.example.nl")
	if !strings.Contains(out, "Recorded for GM0344 (Utrecht, Utrecht), wave demo: record a producer's application.") ||
		!strings.Contains(out, "last action: Welzijn Utrecht applied (") || !strings.Contains(out, "e2e-medewerker (CLI))") {
		t.Errorf("apply output:\n%s", out)
	}
	// A second application is rejected by the workflow's validator.
	code, _, errOut = run(t, "apply", "GM0344", "--wave", "demo", "--organisation", "Zorg BV", "--kind", "roc", "--contact-name", "X", "--contact-email", "x@zorg.example.nl")
	if code != cli.ExitRejected || !strings.Contains(errOut, "a producer already applied for Utrecht: Welzijn Utrecht") {
		t.Errorf("duplicate apply: exit %d, %s", code, errOut)
	}

	// The rejected actions left nothing in the history: one accepted update only.
	accepted, other := 0, 0
	it := s.te.Client(t).GetWorkflowHistory(t.Context(), "rollout-demo-GM0344", "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch e.EventType {
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			accepted++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED:
			other++
		}
	}
	if accepted != 1 || other != 0 {
		t.Errorf("history holds %d accepted and %d other update events; want only the one accepted application", accepted, other)
	}

	// The producer gets the confirmation, once.
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return hasTemplate(ms, "application-received") }) {
		t.Fatal("no confirmation reached SendGrid")
	}
	var conf sendgridfake.Mail
	for _, m := range s.sg.Mails() {
		if m.CustomArgs["template"] == "application-received" {
			conf = m
		}
	}
	if conf.To[0] != "f.yilmaz@welzijn.example.nl" || conf.Subject != "Aanmelding ontvangen: Welzijn Utrecht als producent van de AMWAHT-opleiding in Utrecht" {
		t.Errorf("confirmation: to %v, subject %q", conf.To, conf.Subject)
	}
	db, err := app.OpenDB(t.Context(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []struct {
		Status    string `db:"status"`
		MessageID string `db:"message_id"`
	}
	if err := db.Select(&rows, `SELECT status, message_id FROM outbox WHERE workflow_id = 'rollout-demo-GM0344' AND template = 'application-received'`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != "sent" || rows[0].MessageID != conf.MessageID {
		t.Errorf("outbox rows for the confirmation: %+v (SendGrid's id %s)", rows, conf.MessageID)
	}

	// An administrator finds the rollout by its phase.
	c := s.te.Client(t)
	query := fmt.Sprintf("%s = '%s' AND %s = 'GM0344'", rollout.AttrPhase.GetName(), plan.PhaseProducerCourse, rollout.AttrMunicipality.GetName())
	var found []string
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.ListWorkflow(t.Context(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("visibility query %q: %v", query, err)
		}
		found = found[:0]
		for _, e := range resp.Executions {
			found = append(found, e.Execution.WorkflowId)
		}
		if len(found) == 1 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if len(found) != 1 || found[0] != "rollout-demo-GM0344" {
		t.Errorf("visibility query %q found %v", query, found)
	}

	// Status, for people and for scripts.
	out = mustRun(t, "status", "GM0344", "--wave", "demo")
	if !strings.Contains(out, "Phase:       producer course") || !strings.Contains(out, "Producer:    Welzijn Utrecht (welzijnsinstelling)") {
		t.Errorf("status:\n%s", out)
	}
	out = mustRun(t, "status", "GM0344", "--wave", "demo", "--lang", "nl")
	for _, want := range []string{"Fase:        cursus producenten", "Producent:   Welzijn Utrecht", "STAP", "WIE IS AAN ZET", "aanmelding van een producent", "klaar", "gepland", "geslaagden doorgeven"} {
		if !strings.Contains(out, want) {
			t.Errorf("status in Dutch lacks %q:\n%s", want, out)
		}
	}
	var st rollout.Status
	if err := json.Unmarshal([]byte(mustRun(t, "status", "GM0344", "--wave", "demo", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.WorkflowID != "rollout-demo-GM0344" || st.Phase != plan.PhaseProducerCourse || st.Steps[0].State != plan.StateDone ||
		st.Steps[0].LastActor == nil || st.Steps[0].LastActor.Name != "e2e-medewerker" || st.Steps[0].LastActor.Via != plan.ViaCLI {
		t.Errorf("status --json: %+v", st)
	}
	// The whole plan, from the start: 29 lines to graduation, every one dated.
	if n := len(st.Steps); n != 29 || st.Steps[n-1].Name != "graduates" || st.Steps[n-1].State != plan.StateUpcoming || st.Steps[n-1].Due.IsZero() {
		t.Errorf("status --json lists %d lines, ending %+v", n, st.Steps[n-1])
	}

	// Unknown rollouts and municipalities say what to do.
	code, _, errOut = run(t, "status", "GM0014", "--wave", "demo")
	if code != cli.ExitNotFound || !strings.Contains(errOut, "no rollout for GM0014 (Groningen") {
		t.Errorf("status of a missing rollout: exit %d, %s", code, errOut)
	}
}
