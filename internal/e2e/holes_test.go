package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

// The holes a review found, each shut and checked on the real dev server.

// terminateAtEnd terminates the workflows when the test ends: they share
// the package's dev server with other tests.
func terminateAtEnd(t *testing.T, c client.Client, ids ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, id := range ids {
			_ = c.TerminateWorkflow(ctx, id, "", "end of "+t.Name())
		}
	})
}

// historyOf counts a workflow's events and its accepted Updates.
func historyOf(t *testing.T, c client.Client, id string) (events, updates int) {
	t.Helper()
	it := c.GetWorkflowHistory(t.Context(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		events++
		if e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			updates++
		}
	}
	return events, updates
}

// settled waits for a rollout's invitation and for its history to stop
// growing (nothing more happens for days of a one-hour-per-day wave), and
// returns its length.
func settled(t *testing.T, s *system, c client.Client, id string) int {
	t.Helper()
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return len(ms) > 0 }) {
		t.Fatalf("%s sent no invitation", id)
	}
	last := -1
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		n, _ := historyOf(t, c, id)
		if n == last {
			return n
		}
		last = n
	}
	t.Fatalf("the history of %s keeps growing", id)
	return 0
}

// TestRestartedRolloutInvitesAgain: a rollout cancelled and started again
// for the same municipality and wave is a new run of the same workflow ID.
// Its invitation goes out again (the outbox key holds the run), where it
// used to read "already sent".
func TestRestartedRolloutInvitesAgain(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code, to = "GM0080", "wmo@leeuwarden.example.nl" // Leeuwarden
	id := rollout.WorkflowID("demo", code)
	terminateAtEnd(t, c, id)
	invitations := func(ms []sendgridfake.Mail) int { return len(mailsFor(ms, "producer-invitation", "application")) }

	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", to)
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return invitations(ms) == 1 }) {
		t.Fatal("no invitation for the first run")
	}
	mustRun(t, "cancel", code, "--wave", "demo", "--reason", "verkeerde contactpersoon")
	if err := c.GetWorkflow(t.Context(), id, "").Get(t.Context(), nil); err != nil {
		t.Fatalf("the cancelled rollout: %v", err)
	}
	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", to)
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return invitations(ms) == 2 }) {
		t.Fatalf("the rollout started again sent no invitation (%d in all)", invitations(s.sg.Mails()))
	}
	ms := mailsFor(s.sg.Mails(), "producer-invitation", "application")
	if ms[0].CustomArgs["run_id"] == "" || ms[0].CustomArgs["run_id"] == ms[1].CustomArgs["run_id"] {
		t.Errorf("the invitations' runs: %q and %q", ms[0].CustomArgs["run_id"], ms[1].CustomArgs["run_id"])
	}
	db, err := app.OpenDB(t.Context(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var runs int
	if err := db.Get(&runs, `SELECT count(DISTINCT run_id) FROM outbox WHERE workflow_id = $1 AND template = 'producer-invitation'`, id); err != nil || runs != 2 {
		t.Errorf("outbox: invitations of %d runs (%v), want 2", runs, err)
	}
}

// TestSimulateRefusesARealWave: the scripted actor, pointed at a rollout of
// the 2012 wave, exits 2 and sends it nothing (it would invent a producer
// and funding, pay a premium and e-mail real people).
func TestSimulateRefusesARealWave(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code = "GM0193" // Zwolle
	id := rollout.WorkflowID("2012", code)
	terminateAtEnd(t, c, id)
	startEventually(t, "start", "--municipality", code, "--wave", "2012", "--contact-email", "wmo@zwolle.example.nl")
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return len(ms) > 0 }) {
		t.Fatal("the 2012 rollout did not start")
	}
	_, before := historyOf(t, c, id)

	code2, out, errOut := run(t, "simulate", "--wave", "2012", "--municipality", code, "--poll", "10ms")
	if code2 != cli.ExitUsage || !strings.Contains(errOut, "plays only compressed waves") {
		t.Fatalf("simulate on wave 2012: exit %d\n%s%s", code2, out, errOut)
	}
	if _, after := historyOf(t, c, id); after != before || after != 0 {
		t.Errorf("simulate sent %d actions to the 2012 rollout", after-before)
	}
	if _, err := c.DescribeWorkflowExecution(t.Context(), rollout.CohortWorkflowID(id), ""); err == nil {
		t.Error("a cohort started")
	}
}

// TestVisibilityQueriesCannotBeInjected: --wave takes wave names only, and
// a value with a quote and a backslash, quoted by rollout.Quote, is one
// literal that finds nothing (it used to close the literal and return the
// rollouts of every wave).
func TestVisibilityQueriesCannotBeInjected(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code = "GM0268" // Nijmegen
	id := rollout.WorkflowID("demo", code)
	terminateAtEnd(t, c, id)
	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", "wmo@nijmegen.example.nl")
	settled(t, s, c, id)

	const injection = `\' OR AmwahtWave != '' -- `
	code2, out, errOut := run(t, "list", "--wave", injection)
	if code2 != cli.ExitUsage || out != "" || !strings.Contains(errOut, "1 to 20 letters, digits or hyphens") {
		t.Errorf("list --wave %q: exit %d\n%s%s", injection, code2, out, errOut)
	}
	rc := testenv.Rollouts(c, plan.Actor{Via: plan.ViaCLI, Name: "e2e"})
	waitFor(t, 20*time.Second, "the rollout to be listed", func() bool {
		rows, err := rc.List(t.Context(), rollout.Filter{Codes: []string{code}})
		return err == nil && len(rows) == 1
	})
	// (A quote alone at the end is no test: the server trims quotes off a
	// value's ends, so a code with one appended still finds the rollout.)
	for _, bad := range []string{code + injection, code + `\`, `\` + code, code + `\' OR AmwahtWave != '`} {
		rows, err := rc.List(t.Context(), rollout.Filter{Codes: []string{bad}})
		if err != nil || len(rows) != 0 {
			t.Errorf("municipality %q: %d rollouts, %v; want none", bad, len(rows), err)
		}
	}
}

// TestHugeValueLeavesNoTrace: a megabyte-long name, sent past the CLI's own
// checks, is refused by the rollout's validator and writes no event (it
// used to pass and fail the workflow task with GRPC_MESSAGE_TOO_LARGE).
func TestHugeValueLeavesNoTrace(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code = "GM0200" // Apeldoorn
	id := rollout.WorkflowID("demo", code)
	terminateAtEnd(t, c, id)
	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", "wmo@apeldoorn.example.nl")
	huge := strings.Repeat("Brouwersma ", 1<<20/11+1)
	before := settled(t, s, c, id)

	rc := testenv.Rollouts(c, plan.Actor{Via: plan.ViaCLI, Name: "e2e"})
	_, _, err := rc.Send(t.Context(), id, plan.ActApply, &plan.ProducerApplication{Organisation: "Welzijn Apeldoorn", Kind: "roc", ContactName: huge, ContactEmail: "x@welzijn.example.nl"})
	var rej *rollout.RejectedError
	if !errors.As(err, &rej) || !rej.Problems.Has("contactName") {
		t.Fatalf("a 1 MB name: %v", err)
	}
	code2, _, errOut := run(t, "apply", code, "--wave", "demo", "--organisation", "Welzijn Apeldoorn", "--kind", "roc", "--contact-name", huge, "--contact-email", "x@welzijn.example.nl")
	if code2 != cli.ExitUsage || len(errOut) > 2000 {
		t.Errorf("the CLI with a 1 MB name: exit %d, %d bytes of message", code2, len(errOut))
	}
	if after, updates := historyOf(t, c, id); after != before || updates != 0 {
		t.Errorf("history: %d events before, %d after, %d updates", before, after, updates)
	}
	if st, err := rc.Status(t.Context(), id); err != nil || st.Producer != nil {
		t.Errorf("status after the refusals: producer %v, %v", st.Producer, err)
	}
}

// TestStaffReadWithTheReaderRole: `starter emails list` and `privacy
// export` connect with AMWAHT_READER_DATABASE_URL, a login in role
// amwaht_reader, which reads the outbox and cannot change it; `privacy
// erase` needs the owner's DATABASE_URL.
func TestStaffReadWithTheReaderRole(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code, to = "GM0632", "wmo@woerden.example.nl" // Woerden
	id := rollout.WorkflowID("demo", code)
	terminateAtEnd(t, c, id)
	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", to)
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return len(ms) > 0 }) {
		t.Fatal("no invitation")
	}
	readerURL := readerLogin(t, s)
	t.Setenv("AMWAHT_READER_DATABASE_URL", readerURL)
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")

	if out := mustRun(t, "emails", "list", code, "--wave", "demo"); !strings.Contains(out, "producer-invitation") || !strings.Contains(out, to) {
		t.Errorf("emails list with the reader:\n%s", out)
	}
	if out := mustRun(t, "privacy", "export", "--email", to); !strings.Contains(out, "producer-invitation") || !strings.Contains(out, "| ") {
		t.Errorf("privacy export with the reader:\n%s", out)
	}
	t.Setenv("DATABASE_URL", readerURL)
	code2, _, errOut := run(t, "privacy", "erase", "--email", to, "--yes")
	if code2 != cli.ExitError || !strings.Contains(errOut, "permission denied") {
		t.Errorf("erase with the reader: exit %d\n%s", code2, errOut)
	}
	db, err := app.OpenDB(t.Context(), readerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`UPDATE outbox SET subject = ''`, `DELETE FROM payments`, `INSERT INTO payments (workflow_id, kind, municipality_code, wave, organisation, amount_cents) VALUES ('x', 'premium', 'GM0632', 'demo', 'x', 1)`} {
		var pqErr *pq.Error
		if _, err := db.Exec(stmt); !errors.As(err, &pqErr) || pqErr.Code != "42501" {
			t.Errorf("the reader ran %q: %v", stmt, err)
		}
	}
}

// readerLogin creates a login role in amwaht_reader (the worker's
// migration created that) and returns the test database's URL for it.
func readerLogin(t *testing.T, s *system) string {
	t.Helper()
	admin, err := app.OpenDB(t.Context(), s.te.Postgres.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	role := "amwaht_test_staff_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE ROLE ` + pq.QuoteIdentifier(role) + ` LOGIN IN ROLE amwaht_reader`); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP ROLE ` + pq.QuoteIdentifier(role)); err != nil {
			t.Logf("drop role %s: %v", role, err)
		}
	})
	u, err := url.Parse(s.db)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return u.String()
}

// TestPrivacyExportAndErase: everything held about an address, then its
// erasure, through the CLI: the e-mails to it lose address, subject and
// body, one to others that names it loses subject and body, and the rows
// (the exactly-once keys) stay.
func TestPrivacyExportAndErase(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	const code, to, person = "GM0796", "m.dekker@den-bosch.example.nl", "Marloes Dekker" // 's-Hertogenbosch
	id := rollout.WorkflowID("demo", code)
	terminateAtEnd(t, c, id)
	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", to, "--contact-name", person)
	mustRun(t, "cancel", code, "--wave", "demo", "--reason", "de gemeente stopt")
	if err := c.GetWorkflow(t.Context(), id, "").Get(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	db, err := app.OpenDB(t.Context(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// An e-mail to staff that names the address (none of today's
	// templates does; a future one might).
	if _, err := db.Exec(`INSERT INTO outbox (workflow_id, run_id, template, step, occurrence, recipient, role, subject, body_text, body_html, status)
		VALUES ($1, 'r', 'step-escalation', 'application', 9, 'staf@stichtingbmp.example.nl', 'staff', 'Escalatie', 'Bel ' || $2 || ' even.', '', 'sent')`, id, to); err != nil {
		t.Fatal(err)
	}
	var rowsBefore int
	_ = db.Get(&rowsBefore, `SELECT count(*) FROM outbox`)
	// She was BMP staff too, and still is at first.
	mustRun(t, "staff", "add", to, "--name", person)

	out := mustRun(t, "privacy", "export", "--email", strings.ToUpper(to))
	for _, want := range []string{"producer-invitation", "rollout-cancelled", "Beste " + person, "names the address", id, "Console account: " + person, "may sign in"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	code2, _, errOut := run(t, "privacy", "erase", "--email", to)
	if code2 != cli.ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("erase without --yes: exit %d %s", code2, errOut)
	}
	out = mustRun(t, "privacy", "erase", "--email", to, "--yes")
	if !strings.Contains(out, "2 e-mail(s) to the address") || !strings.Contains(out, "1 e-mail(s) to others that named it") || !strings.Contains(out, id) ||
		!strings.Contains(out, "staff member's who may still sign in") {
		t.Errorf("erase:\n%s", out)
	}
	mustRun(t, "staff", "remove", to)
	if out := mustRun(t, "privacy", "erase", "--email", to, "--yes"); !strings.Contains(out, "Console account anonymised") {
		t.Errorf("erase after removing her from the staff:\n%s", out)
	}
	if out := mustRun(t, "privacy", "export", "--email", to); !strings.Contains(out, "No e-mails to or about this address.") {
		t.Errorf("export after the erasure:\n%s", out)
	}
	var rowsAfter, named int
	_ = db.Get(&rowsAfter, `SELECT count(*) FROM outbox`)
	_ = db.Get(&named, `SELECT (SELECT count(*) FROM outbox WHERE body_text LIKE '%Dekker%' OR body_html LIKE '%Dekker%' OR subject LIKE '%Dekker%' OR recipient = $1)
		+ (SELECT count(*) FROM staff WHERE name LIKE '%Dekker%' OR lower(email) = $1)`, to)
	if rowsAfter != rowsBefore || named != 0 {
		t.Errorf("outbox: %d rows before, %d after; %d still name the person", rowsBefore, rowsAfter, named)
	}
}

// TestOutboxPurgeSchedule: the worker ensures the nightly purge schedule;
// run now, it blanks what went out longer ago than the retention.
func TestOutboxPurgeSchedule(t *testing.T) {
	t.Setenv("AMWAHT_OUTBOX_RETENTION_DAYS", "1")
	s := startSystem(t)
	c := s.te.Client(t)
	const code = "GM0758" // Breda
	terminateAtEnd(t, c, rollout.WorkflowID("demo", code))
	startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "1h", "--contact-email", "wmo@breda.example.nl")
	if !s.sg.WaitFor(20*time.Second, func(ms []sendgridfake.Mail) bool { return len(ms) > 0 }) {
		t.Fatal("no invitation")
	}
	db, err := app.OpenDB(t.Context(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE outbox SET updated_at = now() - interval '2 days'`); err != nil {
		t.Fatal(err)
	}

	h := c.ScheduleClient().GetHandle(t.Context(), rollout.PurgeScheduleID)
	d, err := h.Describe(t.Context())
	if err != nil {
		t.Fatalf("the purge schedule: %v", err)
	}
	cal := d.Schedule.Spec.Calendars
	if len(cal) != 1 || cal[0].Hour[0].Start != 3 || d.Schedule.Spec.TimeZoneName != "Europe/Amsterdam" {
		t.Errorf("schedule spec: %+v", d.Schedule.Spec)
	}
	if err := h.Trigger(t.Context(), client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the purge", func() bool {
		var left int
		return db.Get(&left, `SELECT count(*) FROM outbox WHERE purged_at IS NULL OR body_text <> ''`) == nil && left == 0
	})
}
