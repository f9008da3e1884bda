package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

var t0 = time.Date(2012, 3, 1, 9, 0, 0, 0, time.UTC)

func exampleStatus() rollout.Status {
	return rollout.Status{
		WorkflowID:   "rollout-2012-GM0344",
		Municipality: municipality.Municipality{Code: "GM0344", Name: "Utrecht", Province: "Utrecht"},
		Wave:         "2012",
		Phase:        plan.PhaseProducerCourse,
		Steps: []rollout.Step{
			{Name: "application", Label: plan.T("aanmelding van een producent", "producer applies"), Party: plan.PartyMunicipality, State: plan.StateDone, Due: t0,
				LastAction: plan.T("Welzijn Utrecht heeft zich aangemeld", "Welzijn Utrecht applied"), LastActionAt: t0.Add(-time.Hour), LastActor: &plan.Actor{Via: plan.ViaCLI, Name: "jan"}},
			{Name: "producer-course-1", Label: plan.T("cursus voor producenten, dag 1 (Utrecht): aanwezigheid", "producer course day 1 (Utrecht): attendance"), Party: plan.PartyStaff, State: plan.StatePending, Due: t0.Add(25 * 24 * time.Hour)},
		},
		WaitingOn:    []string{"producer-course-1"},
		BudgetCents:  2550000,
		MinimumGroup: 12,
		PlannedStart: t0.Add(180 * 24 * time.Hour),
	}
}

func testEnv(l plan.Lang) (*env, *bytes.Buffer) {
	var b bytes.Buffer
	return &env{ctx: context.Background(), out: &b, errOut: &b, lang: l}, &b
}

func TestDiffStatus(t *testing.T) {
	before := exampleStatus()
	after := exampleStatus()
	after.Steps = append([]rollout.Step(nil), before.Steps...)
	after.Phase = plan.PhasePreparation
	after.Steps[1].State = plan.StateOverdue
	after.Steps[1].StalledSince = t0.Add(26 * 24 * time.Hour)
	after.Steps[1].Problem = plan.T("dag 1 gemist: een inhaalmoment moet worden vastgelegd", "day 1 missed: a make-up must be recorded")
	after.Steps[1].LastAction, after.Steps[1].LastActionAt = plan.T("afwezig", "absent"), t0.Add(26*24*time.Hour)
	after.Steps[1].LastActor = &plan.Actor{Via: plan.ViaConsole, Name: "Jan Jansen"}
	after.Steps = append(after.Steps, rollout.Step{Name: "funding", Label: plan.T("financiering rond", "funding secured"), State: plan.StatePending, Due: t0.Add(170 * 24 * time.Hour)})
	after.Stalled = true
	after.CommittedCents = 1250050
	after.Participants = 3
	after.Teachers = []rollout.TeacherStatus{{ID: "T1", Name: "Ayse"}}
	after.Location = &plan.Location{Name: "Buurthuis", Place: "Utrecht"}
	after.Internships = 8
	for l, wants := range map[plan.Lang][]string{
		plan.EN: {
			"phase: producer course → preparation",
			"stalled: no → yes",
			"step producer-course-1 (producer course day 1 (Utrecht): attendance): pending → overdue",
			"problem: day 1 missed",
			"last action: absent (2012-03-27 11:00:00, Jan Jansen (console))",
			"step funding (funding secured): new, pending",
			"funding committed: € 0,00 → € 12.500,50 of € 25.500,00",
			"participants enrolled: 0 → 3 (minimum 12)",
			"teacher T1 (Ayse) put forward",
			"location: Buurthuis, Utrecht",
			"internship places: 0 → 8",
		},
		plan.NL: {
			"fase: cursus producenten → voorbereiding",
			"vastgelopen: nee → ja",
			"stap producer-course-1 (cursus voor producenten, dag 1 (Utrecht): aanwezigheid): open → te laat",
			"probleem: dag 1 gemist",
			"laatste actie: afwezig (2012-03-27 11:00:00, Jan Jansen (console))",
			"stap funding (financiering rond): nieuw, open",
			"financiering toegezegd: € 0,00 → € 12.500,50 van € 25.500,00",
			"docent T1 (Ayse) aangemeld",
			"stageplekken: 0 → 8",
		},
	} {
		e, b := testEnv(l)
		got := strings.Join(e.diffStatus(before, after), "\n")
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s diff lacks %q:\n%s", l, want, got)
			}
		}
		if d := e.diffStatus(before, before); len(d) != 0 {
			t.Errorf("no change gave %v", d)
		}
		printChange(e, "Recorded.", before, before)
		if l == plan.EN && (!strings.Contains(b.String(), "no change visible") || !strings.Contains(b.String(), "Now: phase producer course; waiting on producer-course-1")) {
			t.Errorf("printChange:\n%s", b.String())
		}
		if l == plan.NL && !strings.Contains(b.String(), "Nu: fase cursus producenten; wacht op producer-course-1") {
			t.Errorf("printChange:\n%s", b.String())
		}
	}
}

// TestStatusInDutch: the status staff read is in Dutch, in Dutch time, with
// who recorded each step.
func TestStatusInDutch(t *testing.T) {
	e, b := testEnv(plan.NL)
	e.printStatus(exampleStatus())
	for _, want := range []string{
		"Utrecht (GM0344, Utrecht), ronde 2012", "Fase:        cursus producenten", "Vastgelegd:  financiering € 0,00 van € 25.500,00",
		"STAP", "WIE IS AAN ZET", "UITERLIJK", "aanmelding van een producent", "gemeente", "klaar", "2012-03-01 10:00:00",
		"Welzijn Utrecht heeft zich aangemeld (2012-03-01 09:00:00, jan (CLI))", "Start:       gepland 2012-08-28 11:00:00",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, b.String())
		}
	}
}

func TestContactPattern(t *testing.T) {
	for _, c := range []struct {
		pattern string
		m       municipality.Municipality
		want    string
	}{
		{"wmo@{code}.example.nl", municipality.Municipality{Code: "GM0344", Name: "Utrecht"}, "wmo@gm0344.example.nl"},
		{"{CODE}-amwaht@bmp.example.nl", municipality.Municipality{Code: "GM0344", Name: "Utrecht"}, "GM0344-amwaht@bmp.example.nl"},
		{"wmo@{name}.example.nl", municipality.Municipality{Code: "GM0518", Name: "'s-Gravenhage"}, "wmo@s-gravenhage.example.nl"},
		{"wmo@{name}.example.nl", municipality.Municipality{Code: "GM1900", Name: "Súdwest-Fryslân"}, "wmo@sudwest-fryslan.example.nl"},
		{"wmo@{name}.example.nl", municipality.Municipality{Code: "GM0000", Name: "Bergen (NH.)"}, "wmo@bergen-nh.example.nl"},
	} {
		if got := contactFor(c.pattern, c.m); got != c.want {
			t.Errorf("contactFor(%q, %s) = %q, want %q", c.pattern, c.m.Name, got, c.want)
		}
	}
	if err := checkPattern("wmo@{gemeente}.nl"); err == nil || !strings.Contains(err.Error(), "{gemeente}") {
		t.Errorf("unknown placeholder: %v", err)
	}
	if err := checkPattern("wmo@{code}.{name}.nl"); err != nil {
		t.Error(err)
	}
}

func TestBatchProgress(t *testing.T) {
	var b bytes.Buffer
	p := &batchProgress{w: &b, total: 2}
	p.report("GM0034: started", false)
	p.report("GM0050: failed: boom", true)
	p.finish()
	if b.String() != "GM0034: started\nGM0050: failed: boom\n" {
		t.Errorf("plain progress: %q", b.String())
	}
	b.Reset()
	p = &batchProgress{w: &b, tty: true, total: 2}
	p.report("GM0034: started", false)
	p.report("GM0050: failed: boom", true)
	p.finish()
	out := b.String()
	if !strings.Contains(out, "[###############               ] 1/2") || !strings.Contains(out, "\r\033[KGM0050: failed: boom\n") || strings.Contains(out, "GM0034: started\n") {
		t.Errorf("terminal progress: %q", out)
	}
	if app.IsTerminal(&b) {
		t.Error("a buffer is no terminal")
	}
}
