package timeline

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

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
				LastAction: plan.T("Welzijn Utrecht heeft zich aangemeld", "Welzijn Utrecht applied"), LastActionAt: t0.Add(-time.Hour)},
			{Name: "producer-course-1", Label: plan.T("cursus voor producenten, dag 1 (Utrecht): aanwezigheid", "producer course day 1 (Utrecht): attendance"), Party: plan.PartyStaff, State: plan.StatePending, Due: t0.Add(25 * 24 * time.Hour)},
		},
		PlannedStart: t0.Add(180 * 24 * time.Hour),
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
	st.Steps[1].State = plan.StateOverdue
	st.Steps[1].StalledSince = t0.Add(26 * 24 * time.Hour)
	st.Steps[1].Problem = plan.T("a <problem> & \"quotes\" \x01", "a <problem> & \"quotes\" \x01")
	st.Stalled = true
	cohort := &rollout.Status{WorkflowID: "rollout-2012-GM0344-cohort", Cohort: true, Phase: plan.PhaseCohort, CohortPhase: "module-1", Steps: []rollout.Step{
		{Name: "progress-1", Label: plan.T("voortgangsrapportage, maand 1", "progress report, month 1"), State: plan.StatePending, Due: t0.Add(220 * 24 * time.Hour)},
	}}
	for l, wants := range map[plan.Lang][]string{
		plan.EN: {"application", "producer-course-1", "Cohort rollout-2012-GM0344-cohort: module 1", "progress-1", "today", "planned start", `'s-Gravenhage <&> "test"`, "stalled since"},
		plan.NL: {"Opleiding rollout-2012-GM0344-cohort: module 1", "vandaag", "geplande start", "vastgelopen sinds", "te laat"},
	} {
		var b bytes.Buffer
		if err := Render(&b, st, cohort, t0.Add(30*24*time.Hour), l); err != nil {
			t.Fatal(err)
		}
		text := wellFormed(t, b.Bytes())
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s timeline text lacks %q", l, want)
			}
		}
		if !strings.Contains(b.String(), `fill="#c62828"`) {
			t.Error("no stalled mark in red")
		}
	}
	// A status with nothing but a start, and a compressed (demo) span, still draws.
	for _, s := range []rollout.Status{{}, {Steps: []rollout.Step{{Name: "a", Due: t0}, {Name: "b", Due: t0.Add(3 * time.Second)}}}} {
		var b bytes.Buffer
		if err := Render(&b, s, nil, t0.Add(time.Second), plan.NL); err != nil {
			t.Fatal(err)
		}
		wellFormed(t, b.Bytes())
	}
}

// TestInline: the console's inline drawing is an <svg> element, with no XML
// prolog, labelled for screen readers.
func TestInline(t *testing.T) {
	var b bytes.Buffer
	if err := Inline(&b, exampleStatus(), nil, t0, plan.NL); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); !strings.HasPrefix(s, "<svg ") || !strings.Contains(s, `role="img" aria-labelledby="timeline-title"`) {
		t.Errorf("inline SVG starts %q", s[:min(len(s), 80)])
	}
}
