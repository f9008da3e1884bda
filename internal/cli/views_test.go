package cli

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/workflows"
)

var t0 = time.Date(2012, 3, 1, 9, 0, 0, 0, time.UTC)

func exampleStatus() workflows.Status {
	return workflows.Status{
		WorkflowID:   "rollout-2012-GM0344",
		Municipality: workflows.Municipality{Code: "GM0344", Name: "Utrecht", Province: "Utrecht"},
		Wave:         "2012",
		Phase:        workflows.PhaseProducerCourse,
		Steps: []workflows.Step{
			{Name: "application", Label: "producer applies", Party: workflows.PartyMunicipality, State: workflows.StepDone, Due: t0, LastAction: "Welzijn Utrecht applied", LastActionAt: t0.Add(-time.Hour)},
			{Name: "producer-course-1", Label: "producer course day 1 (Utrecht): attendance", Party: workflows.PartyStaff, State: workflows.StepPending, Due: t0.Add(25 * 24 * time.Hour)},
		},
		WaitingOn:    []string{"producer-course-1"},
		BudgetCents:  2550000,
		MinimumGroup: 12,
		PlannedStart: t0.Add(180 * 24 * time.Hour),
	}
}

func TestDiffStatus(t *testing.T) {
	before := exampleStatus()
	after := exampleStatus()
	after.Steps = append([]workflows.Step(nil), before.Steps...)
	after.Phase = workflows.PhasePreparation
	after.Steps[1].State = workflows.StepOverdue
	after.Steps[1].StalledSince = t0.Add(26 * 24 * time.Hour)
	after.Steps[1].Problem = "cursusdag 1 missed: a make-up must be recorded"
	after.Steps[1].LastAction, after.Steps[1].LastActionAt = "missed", t0.Add(26*24*time.Hour)
	after.Steps = append(after.Steps, workflows.Step{Name: "funding", Label: "funding secured", State: workflows.StepPending, Due: t0.Add(170 * 24 * time.Hour)})
	after.Stalled = true
	after.CommittedCents = 1250050
	after.Participants = 3
	after.Teachers = []workflows.TeacherStatus{{ID: "T1", Name: "Ayse"}}
	after.Location = &workflows.Location{Name: "Buurthuis", Place: "Utrecht"}
	after.Internships = 8
	after.Handbook = true
	got := strings.Join(diffStatus(before, after), "\n")
	for _, want := range []string{
		"phase: producer-course → preparation",
		"stalled: no → yes",
		"step producer-course-1 (producer course day 1 (Utrecht): attendance): pending → overdue",
		"problem: cursusdag 1 missed",
		"last action: missed",
		"step funding (funding secured): new, pending",
		"funding committed: € 0,00 → € 12.500,50 of € 25.500,00",
		"participants enrolled: 0 → 3 (minimum 12)",
		"teacher T1 (Ayse) put forward",
		"location: Buurthuis, Utrecht",
		"internship places: 0 → 8",
		"handbook handed out: no → yes",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if d := diffStatus(before, before); len(d) != 0 {
		t.Errorf("no change gave %v", d)
	}
	var b bytes.Buffer
	printChange(&b, "Recorded.", before, before)
	if !strings.Contains(b.String(), "no change visible") || !strings.Contains(b.String(), "Now: phase producer-course; waiting on producer-course-1") {
		t.Errorf("printChange:\n%s", b.String())
	}
}

// wellFormed parses an XML document to its end.
func wellFormed(t *testing.T, doc []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return text.String()
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if cd, ok := tok.(xml.CharData); ok {
			text.Write(cd)
		}
	}
}

func TestRenderTimeline(t *testing.T) {
	st := exampleStatus()
	st.Municipality.Name = `'s-Gravenhage <&> "test"`
	st.Steps[1].State = workflows.StepOverdue
	st.Steps[1].StalledSince = t0.Add(26 * 24 * time.Hour)
	st.Steps[1].Problem = "a <problem> & \"quotes\" \x01"
	st.Stalled = true
	cohort := &workflows.Status{WorkflowID: "rollout-2012-GM0344-cohort", Phase: "module-1", Steps: []workflows.Step{
		{Name: "progress-1", Label: "progress report month 1", State: workflows.StepPending, Due: t0.Add(220 * 24 * time.Hour)},
	}}
	var b bytes.Buffer
	if err := renderTimeline(&b, st, cohort, t0.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	text := wellFormed(t, b.Bytes())
	for _, want := range []string{"application", "producer-course-1", "Cohort rollout-2012-GM0344-cohort: phase module-1", "progress-1", "today", "planned start", `'s-Gravenhage <&> "test"`, "stalled since"} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline text lacks %q", want)
		}
	}
	if !strings.Contains(b.String(), `fill="#c62828"`) {
		t.Error("no stalled mark in red")
	}

	// A status with nothing but a start, and a compressed (demo) span, still draws.
	for _, s := range []workflows.Status{{}, {Steps: []workflows.Step{{Name: "a", Due: t0}, {Name: "b", Due: t0.Add(3 * time.Second)}}}} {
		b.Reset()
		if err := renderTimeline(&b, s, nil, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		wellFormed(t, b.Bytes())
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

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRowOfAndSorting(t *testing.T) {
	due := t0.Add(48 * time.Hour)
	x := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: "rollout-2012-GM0344"},
		StartTime: timestamppb.New(t0),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			"AmwahtMunicipality": payload(t, "GM0344"),
			"AmwahtWave":         payload(t, "2012"),
			"AmwahtPhase":        payload(t, "preparation"),
			"AmwahtWaitingOn":    payload(t, []string{"funding", "location"}),
			"AmwahtStalled":      payload(t, true),
			"AmwahtDueAt":        payload(t, due),
		}},
	}
	older := &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: "rollout-2012-GM0344"}, StartTime: timestamppb.New(t0.Add(-time.Hour))}
	rows := latestRows([]*workflowpb.WorkflowExecutionInfo{older, x})
	if len(rows) != 1 {
		t.Fatalf("rows: %+v", rows)
	}
	r := rows[0]
	if r.Municipality.Name != "Utrecht" || r.Wave != "2012" || r.Phase != "preparation" || strings.Join(r.WaitingOn, ",") != "funding,location" || !r.Stalled || !r.DueAt.Equal(due) {
		t.Errorf("row: %+v", r)
	}

	s := []stalledStep{
		{WorkflowID: "b", Step: "x", Since: t0.Add(2 * time.Hour)},
		{WorkflowID: "a", Step: "y", Due: t0.Add(time.Hour)}, // a problem before its due date: counts from the due date
		{WorkflowID: "c", Step: "z", Since: t0},
	}
	sortStalled(s)
	if s[0].WorkflowID != "c" || s[1].WorkflowID != "a" || s[2].WorkflowID != "b" {
		t.Errorf("order: %+v", s)
	}
}
