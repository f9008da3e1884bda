package simulate

import (
	"reflect"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// TestFormValuesRoundTrip: what the actor types into a task page's form
// reads back, through the declarations, as the payload it meant.
func TestFormValuesRoundTrip(t *testing.T) {
	for _, c := range []struct {
		action string
		p      plan.Payload
	}{
		{plan.ActApply, &plan.ProducerApplication{Organisation: "Welzijn Rotterdam", Kind: "welzijnsinstelling", ContactName: "Fatma Yilmaz", ContactEmail: "f.yilmaz@example.nl"}},
		{plan.ActFunding, &plan.Commitment{Step: "funding", Source: "fund", Name: "Oranje Fonds", AmountCents: 1250050}},
		{plan.ActEnrol, &plan.Enrolment{ParticipantIDs: []string{"P01", "P02", "P03"}}},
		{plan.ActTeacher, &plan.TeacherProposal{ID: "T1", Name: "Ayse Demir", Email: "a.demir@example.nl"}},
		{plan.ActProgress, &plan.ProgressReport{Month: 3, Active: 14, DropOuts: 1}},
		{plan.ActCount, &plan.CountReport{Step: "internships", Count: 8}},
	} {
		a := plan.MustAction(c.action)
		values, err := FormValues(a, c.p)
		if err != nil {
			t.Fatal(err)
		}
		got, problems := plan.Build(a, values)
		if len(problems) > 0 || !reflect.DeepEqual(got, c.p) {
			t.Errorf("%s: %v typed as %v reads back as %+v (%v)", c.action, c.p, values, got, problems)
		}
	}
}

func TestPickChoosesTheFormOfTheStep(t *testing.T) {
	page := `<form class="x" method="post" action="/taak/funding#funding-funding" enctype="multipart/form-data" novalidate>
  <input type="hidden" name="csrf" value="t">
  <input type="hidden" name="form" value="funding-funding"><input type="hidden" name="step" value="funding"></form>
<form class="x" method="post" action="/taak/funding#funding-extra" enctype="multipart/form-data" novalidate>
  <input type="hidden" name="form" value="funding-extra"><input type="hidden" name="step" value="extra"></form>`
	values, _ := FormValues(plan.MustAction(plan.ActFunding), &plan.Commitment{Step: "extra", Source: "fund", AmountCents: 100})
	got, ok := pick(page, plan.ActFunding, values)
	if !ok || got.Get("form") != "funding-extra" || got.Get("amountCents") != "1,00" {
		t.Errorf("picked %v (%v), want the form of step extra", got, ok)
	}
	if _, ok := pick(page, plan.ActLocation, values); ok {
		t.Error("a form for an action the page does not offer")
	}
}
