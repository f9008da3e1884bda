package workflows

import "testing"

func TestDutchLabels(t *testing.T) {
	for name, want := range map[string]string{
		"funding":           "financiering rond",
		"producer-course-2": "aanwezigheid cursus voor producenten, dag 2",
		"progress-10":       "voortgangsrapportage maand 10",
		"unknown":           "English label",
	} {
		if got := dutchLabel(&Step{Name: name, Label: "English label"}); got != want {
			t.Errorf("dutchLabel(%s) = %q, want %q", name, got, want)
		}
	}
}
