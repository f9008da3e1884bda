package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/encoding/prototext"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// TestStaffCLI drives the staff commands against the real dev server and
// PostgreSQL: a bulk start (twice), every staff action accepted in its phase
// and rejected outside it with the validator's words, a participants file
// with a bad row rejected whole, a rollout taken through its cohort to
// graduation by CLI commands alone, a stalled rollout found by list and
// stalled, the --json shapes, and the SVG timeline.
//
// Rollouts: GM0772 Eindhoven stalls (demo wave, a day lasts 100 ms; applied,
// then nobody records the producer course); GM0855 Tilburg runs to
// graduation (50 ms days); GM0202 Arnhem holds still (10 s days) for the
// actions; Flevoland's six are the bulk start (1 h days). All are terminated
// when the test ends, so later tests see none of their e-mails.
func TestStaffCLI(t *testing.T) {
	s := startSystem(t)
	c := s.te.Client(t)
	flevoland := []string{"GM0034", "GM0050", "GM0171", "GM0184", "GM0303", "GM0995"}
	ids := []string{"rollout-demo-GM0772", "rollout-demo-GM0855", "rollout-demo-GM0202"}
	for _, code := range flevoland {
		ids = append(ids, rollout.WorkflowID("demo", code))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, id := range ids {
			_ = c.TerminateWorkflow(ctx, id, "", "end of TestStaffCLI")
		}
	})
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	apply := func(code, org string) {
		t.Helper()
		// Right after the start, as staff would: the application reaches the
		// rollout in its first workflow task and must be accepted there.
		mustRun(t, "apply", code, "--wave", "demo", "--organisation", org, "--kind", "welzijnsinstelling",
			"--contact-name", "Contact "+org, "--contact-email", "producent-"+strings.ToLower(code)+"@welzijn.example.nl")
	}

	// Arnhem holds still; once it answers a status query the worker is
	// running, and the rollouts on a fast clock can start: a producer must
	// apply to them within seconds.
	startEventually(t, "start", "--municipality", "GM0202", "--wave", "demo", "--day-length", "10s", "--contact-email", "wmo@arnhem.example.nl")
	waitFor(t, 60*time.Second, "the worker to answer", func() bool {
		code, _, _ := run(t, "status", "GM0202", "--wave", "demo")
		return code == 0
	})
	mustRun(t, "start", "--municipality", "GM0772", "--wave", "demo", "--day-length", "100ms", "--contact-email", "wmo@eindhoven.example.nl")
	apply("GM0772", "Welzijn Eindhoven")
	mustRun(t, "start", "--municipality", "GM0855", "--wave", "demo", "--day-length", "50ms", "--contact-email-pattern", "wmo@{name}.example.nl")
	apply("GM0855", "Welzijn Tilburg")
	tilburgStarted := time.Now()

	t.Run("bulk start", func(t *testing.T) {
		args := []string{"start", "--province", "Flevoland", "--wave", "demo", "--day-length", "1h", "--contact-email-pattern", "wmo@{name}.example.nl"}
		out := mustRun(t, args...)
		if !strings.Contains(out, "started 6, skipped 0, failed 0") || !strings.Contains(out, "GM0034 (Almere, Flevoland): started rollout-demo-GM0034, invitation to wmo@almere.example.nl") {
			t.Errorf("first bulk start:\n%s", out)
		}
		out = mustRun(t, args...)
		if !strings.Contains(out, "started 0, skipped 6, failed 0") || strings.Count(out, "skipped (already runs)") != 6 {
			t.Errorf("second bulk start:\n%s", out)
		}
		codes := file("codes.txt", "GM0034 # Almere\n\nGM0050\n")
		out = mustRun(t, "start", "--file", codes, "--wave", "demo", "--contact-email-pattern", "wmo@{code}.example.nl")
		if !strings.Contains(out, "started 0, skipped 2, failed 0") {
			t.Errorf("bulk start from a file:\n%s", out)
		}
		bad := file("bad-codes.txt", "GM0034\nGM9999\nUtrecht\n")
		code, _, errOut := run(t, "start", "--file", bad, "--wave", "demo", "--contact-email-pattern", "wmo@{code}.example.nl")
		if code != cli.ExitNotFound || !strings.Contains(errOut, "line 2:") || !strings.Contains(errOut, "line 3:") || !strings.Contains(errOut, "nothing was started") {
			t.Errorf("file with bad lines: exit %d\n%s", code, errOut)
		}
		code, _, errOut = run(t, "start", "--province", "Flevoland", "--wave", "demo", "--contact-email", "wmo@flevoland.example.nl")
		if code != cli.ExitUsage || !strings.Contains(errOut, "--contact-email-pattern") {
			t.Errorf("bulk start with one address: exit %d\n%s", code, errOut)
		}
		code, _, errOut = run(t, "start", "--province", "Flevoland", "--wave", "demo", "--contact-email-pattern", "wmo@{gemeente}.nl")
		if code != cli.ExitUsage || !strings.Contains(errOut, "unknown placeholder {gemeente}") {
			t.Errorf("bad pattern: exit %d\n%s", code, errOut)
		}
	})

	t.Run("a wave from a file", func(t *testing.T) {
		// A wave planned from today, as staff would write the next one.
		now := time.Now().In(wave.Amsterdam)
		day := func(n int) string { return now.AddDate(0, 0, n).Format("2006-01-02") }
		at := func(n int, hm string) string { return day(n) + " " + hm }
		doc := fmt.Sprintf(`{
  "name": "e2e-file",
  "opens": %q,
  "applicationDeadline": %q,
  "producerCourse": [{"date": %q, "end": "16:00", "place": "Utrecht", "halfDays": 2}],
  "teacherDeadline": %q,
  "teacherCourse": [{"date": %q, "end": "16:00", "place": "Utrecht", "halfDays": 3},
                    {"date": %q, "end": "16:00", "place": "Utrecht", "halfDays": 3}],
  "fundingDue": %q, "recruitmentDue": %q, "locationDue": %q,
  "intendedStart": %q,
  "minimumGroup": 10
}`, at(0, "00:01"), day(30), at(40, "10:00"), day(60), at(70, "10:00"), at(71, "10:00"), day(120), day(120), day(120), at(130, "09:00"))
		path := file("wave-e2e.json", doc)
		out := mustRun(t, "waves", "--file", path)
		if !strings.Contains(out, "The file is valid") {
			t.Errorf("waves --file:\n%s", out)
		}
		out = mustRun(t, "start", "--municipality", "GM0150", "--wave-file", path, "--contact-email", "wmo@deventer.example.nl")
		if !strings.Contains(out, "Started rollout-e2e-file-GM0150") {
			t.Errorf("start --wave-file:\n%s", out)
		}
		ids = append(ids, "rollout-e2e-file-GM0150")
		var st rollout.Status
		if err := json.Unmarshal([]byte(mustRun(t, "status", "GM0150", "--wave", "e2e-file", "--json")), &st); err != nil {
			t.Fatal(err)
		}
		if st.Wave != "e2e-file" || st.Phase != plan.PhaseApplication || st.MinimumGroup != 10 || len(st.Steps) == 0 || day(30) != st.Steps[0].Due.In(wave.Amsterdam).Format("2006-01-02") {
			t.Errorf("status of a file-wave rollout: %+v", st)
		}
		// Teacher attendance on a file wave reaches the rollout, whose plan
		// knows the day's half-days and answers; a rollout never started is
		// named as such.
		code, _, errOut := run(t, "attendance", "GM0150", "--wave", "e2e-file", "--course", "teacher", "--day", "1", "--teacher", "T1", "--attended")
		if code != cli.ExitRejected || !strings.Contains(errOut, "the teacher course has not begun for this rollout; the rollout is in phase application") {
			t.Errorf("teacher attendance on a file wave: exit %d\n%s", code, errOut)
		}
		code, _, errOut = run(t, "attendance", "GM0151", "--wave", "e2e-file", "--course", "teacher", "--day", "1", "--teacher", "T1", "--attended")
		if code != cli.ExitNotFound {
			t.Errorf("teacher attendance on a rollout never started: exit %d\n%s", code, errOut)
		}
		bad := file("wave-bad.json", `{"name": "2012", "opens": "2013-01-14", "pemium": 1}`)
		code, _, errOut = run(t, "start", "--municipality", "GM0150", "--wave-file", bad, "--contact-email", "x@y.nl")
		if code != cli.ExitUsage || !strings.Contains(errOut, "pemium") || !strings.Contains(errOut, "opens") {
			t.Errorf("start with a bad wave file: exit %d\n%s", code, errOut)
		}
	})

	t.Run("actions in and out of phase", func(t *testing.T) {
		w := []string{"--wave", "demo"}
		cmd := func(args ...string) []string { return append(append([]string{args[0], "GM0202"}, w...), args[1:]...) }

		// Application phase: preparation actions are out of phase.
		for _, c := range []struct {
			args []string
			want string
		}{
			{cmd("funding", "--source", "municipality", "--amount", "12500"), "funding secured is recorded in phase producer course, preparation or start; the rollout is in phase application"},
			{cmd("teacher", "--id", "T1", "--name", "Ayse Demir", "--email", "a.demir@example.nl"), "a teacher is recorded in phase producer course, preparation or start; the rollout is in phase application"},
			{cmd("location", "--name", "Buurthuis", "--place", "Arnhem"), "the location is recorded in phase producer course, preparation or start; the rollout is in phase application"},
			{cmd("internships", "--places", "6"), "internship places arranged is recorded in phase producer course, preparation, start or cohort running; the rollout is in phase application"},
			{cmd("attendance", "--course", "producer", "--day", "1", "--attended"), "the producer course has not begun for this rollout; the rollout is in phase application"},
			{cmd("handbook"), "training handbook handed out comes later: the rollout is in phase application"},
			{cmd("progress", "--month", "1", "--active", "10", "--drop-outs", "0"), "the cohort of GM0202 (Arnhem, Gelderland) in wave demo has not started: the rollout is in phase application"},
			{cmd("graduates", "--count", "10"), "has not started: the rollout is in phase application"},
		} {
			code, _, errOut := run(t, c.args...)
			if code != cli.ExitRejected || !strings.Contains(errOut, c.want) {
				t.Errorf("%v: exit %d, want 3 and %q:\n%s", c.args, code, c.want, errOut)
			}
		}
		// Bad values are refused before anything is sent.
		for _, c := range []struct {
			args []string
			want string
		}{
			{cmd("funding", "--source", "municipality", "--amount", "12.500"), "ambiguous"},
			{cmd("funding", "--source", "municipality", "--amount", "-5"), "negative"},
			{cmd("funding", "--source", "municipality", "--amount", "12500.505"), "more than two decimals"},
			{cmd("funding", "--source", "bank", "--amount", "12500"), `unknown funding source "bank"`},
			{cmd("attendance", "--course", "producer", "--day", "1", "--attended", "--absent"), "exactly one of --attended, --absent or --half-days"},
			{cmd("attendance", "--course", "teacher", "--day", "1", "--half-days", "2"), "--teacher T1"},
			{cmd("postpone", "--start", "volgende maand", "--reason", "x"), "YYYY-MM-DD"},
			{cmd("enrol", "--id", "Fatma Yilmaz"), "never a name"},
		} {
			code, _, errOut := run(t, c.args...)
			if code != cli.ExitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("%v: exit %d, want 2 and %q:\n%s", c.args, code, c.want, errOut)
			}
		}

		// The extension of a waiting step is accepted in any phase.
		out := mustRun(t, cmd("extend", "--step", "application", "--due", time.Now().Add(2*time.Hour).Format(time.RFC3339), "--reason", "gemeenteraad vergadert later")...)
		if !strings.Contains(out, "step application (producer applies): due") || !strings.Contains(out, "last action: due date extended: gemeenteraad vergadert later") {
			t.Errorf("extend:\n%s", out)
		}

		// Producer-course phase: the preparation actions are accepted.
		apply("GM0202", "Welzijn Arnhem")
		out = mustRun(t, cmd("funding", "--source", "fund", "--name", "Oranje Fonds", "--amount", "12.500,50")...)
		if !strings.Contains(out, "€ 12.500,50 committed by fund (Oranje Fonds)") || !strings.Contains(out, "funding committed: € 0,00 → € 12.500,50 of € 25.500,00") {
			t.Errorf("funding:\n%s", out)
		}
		out = mustRun(t, cmd("teacher", "--id", "T1", "--name", "Ayse Demir", "--email", "a.demir@example.nl")...)
		if !strings.Contains(out, "teacher T1 (Ayse Demir) put forward") {
			t.Errorf("teacher:\n%s", out)
		}
		out = mustRun(t, cmd("enrol", "--id", "P01", "--id", "P02")...)
		if !strings.Contains(out, "participants enrolled: 0 → 2 (minimum 12)") {
			t.Errorf("enrol:\n%s", out)
		}
		out = mustRun(t, cmd("location", "--name", "Buurthuis De Kroon", "--place", "Arnhem")...)
		if !strings.Contains(out, "location: Buurthuis De Kroon, Arnhem") {
			t.Errorf("location:\n%s", out)
		}
		out = mustRun(t, cmd("internships", "--places", "6")...)
		if !strings.Contains(out, "internship places: 0 → 6") {
			t.Errorf("internships:\n%s", out)
		}
		planned := time.Now().Add(3 * time.Hour).Truncate(time.Second)
		out = mustRun(t, cmd("postpone", "--start", planned.Format(time.RFC3339), "--reason", "locatie pas later vrij")...)
		if !strings.Contains(out, "planned start:") || !strings.Contains(out, planned.In(wave.Amsterdam).Format("2006-01-02 15:04:05")) {
			t.Errorf("postpone:\n%s", out)
		}

		// …and rejected when wrong for the rollout's state, in the validator's words.
		for _, c := range []struct {
			args []string
			want string
		}{
			{cmd("teacher", "--id", "T1", "--name", "Iemand Anders", "--email", "iemand@example.nl"), "teacher T1 was already put forward; choose another ID"},
			{cmd("enrol", "--id", "P01"), "participant P01 is already enrolled"},
			{cmd("internships", "--places", "4"), "internship places arranged was already recorded: 6"},
			{cmd("handbook"), "training handbook handed out can be recorded from "},
			{cmd("attendance", "--course", "producer", "--day", "1", "--attended"), "has not happened yet"},
			{cmd("attendance", "--course", "teacher", "--day", "1", "--teacher", "T9", "--attended"), "the teacher course has not begun for this rollout"},
			{cmd("make-up", "--course", "producer", "--day", "1"), "day 1 of the producer course was not recorded as missed: there is nothing to make up"},
			{cmd("postpone", "--start", "2012-10-01", "--reason", "te vroeg"), "the new start must be later than the planned start"},
			{cmd("extend", "--step", "funding", "--due", "2099-01-01", "--reason", "x"), `no waiting step "funding"; waiting on: producer-course-1, producer-course-2, handbook`},
			{cmd("peer-group", "--count", "1"), "has not started: the rollout is in phase producer course"},
		} {
			code, _, errOut := run(t, c.args...)
			if code != cli.ExitRejected || !strings.Contains(errOut, c.want) {
				t.Errorf("%v: exit %d, want 3 and %q:\n%s", c.args, code, c.want, errOut)
			}
		}

		// A participants file with bad rows is rejected whole: every bad row
		// is named and nothing is enrolled.
		bad := file("deelnemers-fout.csv", "id,name,email,phone\n"+
			"P03,Fatma Yilmaz,f.yilmaz@example.nl,06-12345678\n"+
			"P04,Ayse,geen-adres,\n"+
			",Zonder ID,,\n"+
			"P03,Dubbel,,\n")
		code, _, errOut := run(t, cmd("enrol", "--csv", bad)...)
		if code != cli.ExitUsage || !strings.Contains(errOut, "nothing was sent") || !strings.Contains(errOut, "line 3: e-mail:") ||
			!strings.Contains(errOut, "line 4: the id is missing") || !strings.Contains(errOut, `line 5: id "P03" repeats line 2`) || strings.Contains(errOut, "line 2:") {
			t.Errorf("bad participants file: exit %d\n%s", code, errOut)
		}
		if st := cliStatus(t, "GM0202"); st.Participants != 2 {
			t.Errorf("after a rejected file %d participants, want 2", st.Participants)
		}
		good := file("deelnemers.csv", "id,name,email,phone\nP03,Fatma Yilmaz,f.yilmaz@example.nl,06-12345678\nP04,\"Demir, Ayse\",,\nP05,,,\n")
		out = mustRun(t, cmd("enrol", "--csv", good)...)
		if !strings.Contains(out, "participants enrolled: 2 → 5") || !strings.Contains(out, "3 enrolled (total 5, at least 12)") {
			t.Errorf("enrol --csv:\n%s", out)
		}
		// Only IDs reached the history: no name or e-mail address from the file.
		hist := historyText(t, s, "rollout-demo-GM0202")
		for _, personal := range []string{"Fatma Yilmaz", "f.yilmaz@example.nl", "06-12345678", "Demir, Ayse"} {
			if strings.Contains(hist, personal) {
				t.Errorf("the history holds %q", personal)
			}
		}
		if !strings.Contains(hist, "P04") {
			t.Error("the history lacks the enrolled IDs")
		}

		// Cancel; afterwards nothing more is accepted.
		out = mustRun(t, cmd("cancel", "--reason", "gemeente trekt zich terug")...)
		if !strings.Contains(out, "Recorded for GM0202 (Arnhem, Gelderland), wave demo: cancel the rollout.") {
			t.Errorf("cancel:\n%s", out)
		}
		code, _, errOut = run(t, cmd("location", "--name", "Elders", "--place", "Arnhem")...)
		if code != cli.ExitRejected || !strings.Contains(errOut, "the rollout has ended") {
			t.Errorf("action after cancel: exit %d\n%s", code, errOut)
		}
	})

	t.Run("cohort actions through graduation", func(t *testing.T) {
		tb := []string{"--wave", "demo"}
		cmd := func(args ...string) []string { return append(append([]string{args[0], "GM0855"}, tb...), args[1:]...) }
		// The preparation starts after the producer course (3.7 s in).
		waitFor(t, 20*time.Second, "Tilburg in preparation", func() bool { return cliStatus(t, "GM0855").Phase == plan.PhasePreparation })
		code, _, errOut := run(t, cmd("progress", "--month", "1", "--active", "12", "--drop-outs", "0")...)
		if code != cli.ExitRejected || !strings.Contains(errOut, "has not started: the rollout is in phase preparation") {
			t.Errorf("progress before the cohort: exit %d\n%s", code, errOut)
		}
		participants := "id,name,email,phone\n"
		for i := 1; i <= 12; i++ {
			participants += fmt.Sprintf("T-%02d,Deelnemer %d,,\n", i, i)
		}
		for _, args := range [][]string{
			cmd("attendance", "--course", "producer", "--day", "1", "--attended"),
			cmd("attendance", "--course", "producer", "--day", "2", "--attended"),
			cmd("handbook"),
			cmd("teacher", "--id", "T1", "--name", "Docent Tilburg", "--email", "docent@tilburg.example.nl"),
			cmd("funding", "--source", "municipality", "--name", "Gemeente Tilburg", "--amount", "25500"),
			cmd("enrol", "--csv", file("tilburg.csv", participants)),
			cmd("location", "--name", "Wijkcentrum", "--place", "Tilburg"),
			cmd("internships", "--places", "8"),
		} {
			mustRun(t, args...)
		}
		for day := 1; day <= 3; day++ {
			runUntilAccepted(t, 20*time.Second, cmd("attendance", "--course", "teacher", "--day", fmt.Sprint(day), "--teacher", "T1", "--attended")...)
		}
		st := cliStatus(t, "GM0855")
		if len(st.Teachers) != 1 || !st.Teachers[0].Complete || st.CommittedCents != 2550000 || st.Participants != 12 || st.Line("handbook").State != plan.StateDone {
			t.Errorf("before the start: %+v", st)
		}
		waitFor(t, 25*time.Second, "Tilburg's cohort", func() bool { return cliStatus(t, "GM0855").CohortID != "" })

		code, _, errOut = run(t, cmd("graduates", "--count", "10")...)
		if code != cli.ExitRejected || !strings.Contains(errOut, "graduates are recorded when the cohort has ended; it is in module ") {
			t.Errorf("graduates during a module: exit %d\n%s", code, errOut)
		}
		code, _, errOut = run(t, cmd("peer-group", "--count", "2")...)
		if code != cli.ExitRejected || !strings.Contains(errOut, "peer-support groups are started in the practicum") {
			t.Errorf("peer group during a module: exit %d\n%s", code, errOut)
		}
		out := runUntilAccepted(t, 10*time.Second, cmd("progress", "--month", "1", "--active", "12", "--drop-outs", "0")...)
		if !strings.Contains(out, "last action: report: 12 active, 0 drop-outs") || !strings.Contains(out, "step progress-1 (progress report, month 1): pending → done") {
			t.Errorf("progress:\n%s", out)
		}
		code, _, errOut = run(t, cmd("progress", "--month", "1", "--active", "12", "--drop-outs", "0")...)
		if code != cli.ExitRejected || !strings.Contains(errOut, "the report for month 1 was already recorded") {
			t.Errorf("second report for month 1: exit %d\n%s", code, errOut)
		}

		// status shows the cohort, for people and in --json.
		out = mustRun(t, cmd("status")...)
		if !strings.Contains(out, "Cohort rollout-demo-GM0855-cohort: module 1") || !strings.Contains(out, "progress report, month 1") {
			t.Errorf("status with the cohort:\n%s", out)
		}
		var raw map[string]any
		if err := json.Unmarshal([]byte(mustRun(t, cmd("status", "--json")...)), &raw); err != nil {
			t.Fatal(err)
		}
		cohort, _ := raw["cohort"].(map[string]any)
		if raw["workflowId"] != "rollout-demo-GM0855" || raw["phase"] != "cohort" || raw["cohortId"] != "rollout-demo-GM0855-cohort" ||
			cohort == nil || cohort["workflowId"] != "rollout-demo-GM0855-cohort" || cohort["steps"] == nil {
			t.Errorf("status --json: %v", raw)
		}
		for _, k := range []string{"municipality", "wave", "producer", "steps", "waitingOn", "stalled", "committedCents", "budgetCents", "participants", "teachers", "location", "internships", "plannedStart", "startedAt"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("status --json lacks %q", k)
			}
		}

		// The practicum, then graduation.
		runUntilAccepted(t, 20*time.Second, cmd("peer-group", "--count", "2")...)
		svg := filepath.Join(dir, "tilburg.svg")
		out = mustRun(t, cmd("timeline", "--out", svg)...)
		if !strings.Contains(out, "Wrote "+svg) {
			t.Errorf("timeline:\n%s", out)
		}
		doc, err := os.ReadFile(svg)
		if err != nil {
			t.Fatal(err)
		}
		text := xmlText(t, doc)
		for _, want := range []string{"application", "producer-course-1", "teacher-course-3", "funding", "recruitment", "start", "Cohort rollout-demo-GM0855-cohort", "progress-1", "today", "started", "Tilburg"} {
			if !strings.Contains(text, want) {
				t.Errorf("timeline lacks %q", want)
			}
		}
		if !strings.Contains(string(doc), `fill="#c62828"`) {
			t.Error("timeline: the unreported months (stalled) are not marked red")
		}

		out = runUntilAccepted(t, 20*time.Second, cmd("graduates", "--count", "11")...)
		if !strings.Contains(out, "last action: 11 graduated") {
			t.Errorf("graduates:\n%s", out)
		}
		waitFor(t, 10*time.Second, "Tilburg graduated", func() bool {
			st := cliStatus(t, "GM0855")
			return st.Phase == plan.PhaseDone && st.Outcome == plan.OutcomeGraduated
		})
		t.Logf("Tilburg: start to graduation by CLI in %s", time.Since(tilburgStarted).Round(time.Second))
	})

	t.Run("views find the stalled rollout", func(t *testing.T) {
		// Eindhoven: applied, but its producer course went unrecorded.
		var rows []map[string]any
		waitFor(t, 30*time.Second, "Eindhoven in stalled --json", func() bool {
			rows = nil
			if err := json.Unmarshal([]byte(mustRun(t, "stalled", "--wave", "demo", "--json")), &rows); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r["workflowId"] == "rollout-demo-GM0772" && r["step"] == "producer-course-1" {
					return true
				}
			}
			return false
		})
		var prev time.Time
		for _, r := range rows {
			since, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(r["since"]))
			if since.IsZero() {
				since, _ = time.Parse(time.RFC3339Nano, fmt.Sprint(r["due"]))
			}
			if since.Before(prev) {
				t.Errorf("stalled --json not oldest first: %v", rows)
			}
			prev = since
			if r["workflowId"] != "rollout-demo-GM0772" || r["step"] != "producer-course-1" {
				continue
			}
			m, _ := r["municipality"].(map[string]any)
			if r["workflow"] != "rollout" || r["party"] != "staff" || r["since"] == nil || r["due"] == nil || m["name"] != "Eindhoven" ||
				!strings.HasSuffix(fmt.Sprint(r["link"]), "/workflows/rollout-demo-GM0772") || r["label"] == nil || r["wave"] != "demo" {
				t.Errorf("stalled row: %v", r)
			}
		}
		out := mustRun(t, "stalled", "--wave", "demo")
		if !strings.Contains(out, "GM0772 Eindhoven") || !strings.Contains(out, "producer-course-1") || !strings.Contains(out, "staff") {
			t.Errorf("stalled:\n%s", out)
		}

		var list []map[string]any
		waitFor(t, 20*time.Second, "Eindhoven in list --stalled", func() bool {
			list = nil
			if err := json.Unmarshal([]byte(mustRun(t, "list", "--wave", "demo", "--stalled", "--json")), &list); err != nil {
				t.Fatal(err)
			}
			for _, r := range list {
				if r["workflowId"] == "rollout-demo-GM0772" {
					return r["stalledSince"] != nil
				}
			}
			return false
		})
		for _, r := range list {
			if r["stalled"] != true {
				t.Errorf("list --stalled gave a rollout that is not stalled: %v", r)
			}
		}
		waitFor(t, 20*time.Second, "Flevoland in list", func() bool {
			list = nil
			if err := json.Unmarshal([]byte(mustRun(t, "list", "--wave", "demo", "--province", "Flevoland", "--json")), &list); err != nil {
				t.Fatal(err)
			}
			return len(list) == 6
		})
		r := list[0]
		m, _ := r["municipality"].(map[string]any)
		if r["workflowId"] != "rollout-demo-GM0034" || m["code"] != "GM0034" || m["name"] != "Almere" || m["province"] != "Flevoland" ||
			r["wave"] != "demo" || r["phase"] != "application" || fmt.Sprint(r["waitingOn"]) != "[application]" || r["dueAt"] == nil ||
			r["stalled"] != false || r["status"] != "Running" || r["startedAt"] == nil {
			t.Errorf("list --json row: %v", r)
		}
		out = mustRun(t, "list", "--wave", "demo", "--province", "Flevoland", "--phase", "application")
		if !strings.Contains(out, "GM0034 Almere") || !strings.Contains(out, "6 rollouts.") {
			t.Errorf("list:\n%s", out)
		}
		code, _, errOut := run(t, "list", "--phase", "wachten")
		if code != cli.ExitUsage || !strings.Contains(errOut, `unknown phase "wachten"`) {
			t.Errorf("list with a bad phase: exit %d\n%s", code, errOut)
		}
	})
}

// cliStatus reads a demo-wave rollout's status through the CLI.
func cliStatus(t *testing.T, code string) rollout.Status {
	t.Helper()
	var st rollout.Status
	if err := json.Unmarshal([]byte(mustRun(t, "status", code, "--wave", "demo", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// runUntilAccepted repeats a staff action while the rollout rejects it (too
// early, say), and fails on any other outcome.
func runUntilAccepted(t *testing.T, timeout time.Duration, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, out, errOut := run(t, args...)
		if code == 0 {
			return out
		}
		if code != cli.ExitRejected || time.Now().After(deadline) {
			t.Fatalf("starter %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// xmlText parses an XML document to its end and returns its character data.
func xmlText(t *testing.T, doc []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var b strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return b.String()
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
		}
	}
}

// historyText is a workflow's whole history in protobuf text form, with
// every payload decrypted (the test key) after its event.
func historyText(t *testing.T, s *system, id string) string {
	t.Helper()
	var b strings.Builder
	keys := codec.New(codec.TestKeyring())
	it := s.te.Client(t).GetWorkflowHistory(t.Context(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		b.WriteString(prototext.Format(e))
		// What the history holds, decrypted: the check is about what was
		// sent, not only what a reader without the key sees.
		plain, err := keys.Decode(payloads(e))
		if err != nil {
			t.Fatalf("decrypt the history of %s: %v", id, err)
		}
		for _, p := range plain {
			b.Write(p.GetData())
			b.WriteString("\n")
		}
	}
	return b.String()
}
