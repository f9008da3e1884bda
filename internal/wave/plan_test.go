package wave

import (
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// TestWave2012Plan lists the brochure's plan: every step a 2012 rollout has,
// in calendar order, with who acts and what the start gate needs.
func TestWave2012Plan(t *testing.T) {
	w := Wave2012()
	var got []string
	for _, s := range w.Steps {
		mark := ""
		if s.Required {
			mark = "*"
		}
		got = append(got, s.ID+mark+":"+string(s.Party))
	}
	want := "application:municipality producer-course*:staff handbook:staff teacher:producer teacher-course*:staff " +
		"funding*:producer recruitment*:producer location*:producer internships:producer start:staff " +
		"cohort:producer module-1:producer module-2:producer module-3:producer practicum:producer progress:producer graduates:staff"
	if strings.Join(got, " ") != want {
		t.Errorf("plan:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	var parts []string
	for _, s := range w.Steps {
		for _, p := range s.Parts(w.IntendedStart()) {
			parts = append(parts, p.ID)
		}
	}
	if n := len(parts); n != 29 || parts[1] != "producer-course-1" || parts[len(parts)-2] != "progress-10" {
		t.Errorf("%d lines: %v", n, parts)
	}
	// The practicum needs the internship places; funding asks the municipality.
	if w.Step("practicum").Needs != StepInternships || w.Step(StepFunding).Ask != plan.PartyMunicipality || w.Step(StepFunding).BudgetCents != w.Budget() {
		t.Error("practicum or funding parameters")
	}
	if due := w.Step(StepInternships).Due; !due.Equal(w.IntendedStart().Add(183*day - 14*day)) {
		t.Errorf("internships due %s, want two weeks before the practicum", dutch(due))
	}
	if got := w.Step(StepGraduates).Due; !got.Equal(w.IntendedStart().Add(305*day + 14*day)) {
		t.Errorf("graduates due %s", dutch(got))
	}
}

// TestEveryPartyStepReminds: a step another party must act on, with a due
// date, declares a reminder (the application deadline had none once). Staff
// steps and the cohort's, which asks for each report itself, need none.
func TestEveryPartyStepReminds(t *testing.T) {
	for _, w := range []Calendar{Wave2012(), mustLoad(t, "testdata/wave-2013-agreement.json")} {
		for _, s := range w.Steps {
			needs := s.Party != plan.PartyStaff && s.Phase != plan.PhaseCohort && s.Phase != plan.PhaseStart
			if s.Kind == plan.KindCourse {
				needs = true // the attendees are reminded of each day
			}
			if needs && s.Remind <= 0 {
				t.Errorf("wave %s: step %s (%s) is due %s but declares no reminder", w.Name, s.ID, s.Party, dutch(s.Due))
			}
		}
	}
}

func mustLoad(t *testing.T, path string) Calendar {
	t.Helper()
	w, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestFileAddsAStep: the agreement wave adds "samenwerkingsovereenkomst
// getekend", confirmed by the municipality by 1 May, which the start gate
// needs, with no Go code.
func TestFileAddsAStep(t *testing.T) {
	w := mustLoad(t, "testdata/wave-2013-agreement.json")
	s := w.Step("agreement")
	if s.Kind != plan.KindConfirm || s.Party != plan.PartyMunicipality || !s.Required || s.Phase != plan.PhasePreparation ||
		s.Label.NL != "samenwerkingsovereenkomst getekend" || s.Label.EN != "cooperation agreement signed" || s.Remind != 7*day {
		t.Fatalf("agreement step: %+v", s)
	}
	if want := time.Date(2013, time.May, 1, 23, 59, 59, 0, Amsterdam); !s.Due.Equal(want) {
		t.Errorf("due %s, want the end of 1 May", dutch(s.Due))
	}
	// Placed in the preparation by date: before the teacher, due 31 May.
	var ids []string
	for _, x := range w.Steps {
		ids = append(ids, x.ID)
	}
	if got := strings.Join(ids[:5], " "); got != "application producer-course handbook agreement teacher" {
		t.Errorf("order: %s", got)
	}
	without := mustLoad(t, "testdata/wave-2013.json")
	if len(w.Steps) != len(without.Steps)+1 {
		t.Errorf("%d steps, want the 2013 wave's %d and one", len(w.Steps), len(without.Steps))
	}
}

func TestFileStepProblems(t *testing.T) {
	base := `{"name": "x", "opens": "2013-01-14 09:00", "applicationDeadline": "2013-03-01",
	  "producerCourse": [{"date": "2013-03-22 10:00", "end": "16:00", "place": "Utrecht", "halfDays": 2}],
	  "teacherDeadline": "2013-05-31",
	  "teacherCourse": [{"date": "2013-06-07 10:00", "end": "16:30", "place": "Utrecht", "halfDays": 2}],
	  "fundingDue": "2013-08-23", "recruitmentDue": "2013-08-16", "locationDue": "2013-08-23",
	  "intendedStart": "2013-09-02 09:00", "steps": [%s]}`
	for _, c := range []struct{ step, want string }{
		{`{"id": "funding", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-05-01"}`, `steps[1].id: "funding" is one of the brochure's steps`},
		{`{"id": "Agreement!", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-05-01"}`, `steps[1].id: "Agreement!" is not a usable step ID`},
		{`{"id": "a", "kind": "confrim", "label": "x", "party": "producer", "due": "2013-05-01"}`, `steps[1].kind: "confrim": a wave file adds steps of kind course, confirm, count, amount: did you mean "confirm"?`},
		{`{"id": "a", "kind": "teachers", "label": "x", "party": "producer", "due": "2013-05-01"}`, `steps[1].kind: "teachers": a wave file adds steps of kind`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "mayor", "due": "2013-05-01"}`, `steps[1].party: "mayor": who acts is one of municipality, producer, teacher, staff`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "producer"}`, `steps[1].due: missing`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-05-01", "minimum": 3}`, `steps[1].minimum: a confirm step has no minimum: only a count step does`},
		{`{"id": "a", "kind": "confirm", "party": "producer", "due": "2013-05-01"}`, `steps[1].label: missing`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-05-01", "phase": "cohort"}`, `steps[1].phase: "cohort": a file step opens in phase "preparation"`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-03-20"}`, `step a is due 2013-03-20 23:59, before its phase (preparation) opens`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-09-20", "requiredForStart": true}`, `step a is needed for the start but due 2013-09-20 23:59`},
		{`{"id": "a", "kind": "count", "label": "x", "party": "producer", "due": "2013-05-01", "minimum": 5, "maximum": 2}`, `steps[1].maximum: expected a whole number from 5 to 10000`},
		{`{"id": "a", "kind": "course", "label": "x", "party": "staff", "attendees": "municipality", "days": [{"date": "2013-05-07 10:00", "end": "12:00", "place": "Utrecht", "halfDays": 1}]}`, `steps[1].attendees: "municipality": a course is attended by the producer or the teachers`},
		{`{"id": "a", "kind": "confirm", "label": "x", "party": "producer", "due": "2013-05-01", "colour": "red"}`, `steps[1].colour: unknown field`},
	} {
		_, err := ParseFile(strings.NewReader(strings.Replace(base, "%s", c.step, 1)), "x.json")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant …%s…", c.step, err, c.want)
		}
	}
	ok := `{"id": "a", "kind": "count", "label": "verklaringen", "party": "producer", "due": "2013-05-01", "minimum": 3},
	       {"id": "b", "kind": "amount", "label": "eigen bijdrage", "party": "producer", "due": "2013-07-01", "budget": "500"},
	       {"id": "c", "kind": "course", "label": "terugkomdag", "party": "staff", "attendees": "producer", "phase": "preparation", "days": [{"date": "2013-05-07 10:00", "end": "12:00", "place": "Utrecht", "halfDays": 1}]}`
	w, err := ParseFile(strings.NewReader(strings.Replace(base, "%s", ok, 1)), "ok.json")
	if err != nil {
		t.Fatal(err)
	}
	if a, b, c := w.Step("a"), w.Step("b"), w.Step("c"); a.Minimum != 3 || a.Maximum != plan.MaxCount || b.BudgetCents != 50000 || len(c.Days) != 1 || c.Grace != 3*day {
		t.Errorf("parameters: %+v %+v %+v", a, b, c)
	}
}
