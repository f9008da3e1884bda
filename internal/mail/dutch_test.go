package mail

import (
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/wave"
)

func TestDutchDate(t *testing.T) {
	w := wave.Dates2012()
	cases := []struct {
		in   time.Time
		want string
	}{
		{w.ApplicationDeadline, "vrijdag 2 maart 2012"},
		{w.ProducerCourse[0].Date, "vrijdag 23 maart 2012"},
		{w.TeacherCourse[0].Date, "vrijdag 8 juni 2012"},
		{w.IntendedStart, "maandag 3 september 2012"},
	}
	for _, c := range cases {
		if got := DutchDate(c.in); got != c.want {
			t.Errorf("DutchDate(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := DutchDateTime(w.ProducerCourse[0].Date); got != "vrijdag 23 maart 2012 om 10.00 uur" {
		t.Errorf("DutchDateTime = %q", got)
	}
}

func TestEuro(t *testing.T) {
	for cents, want := range map[int64]string{0: "€ 0,00", 150000: "€ 1.500,00", 2550000: "€ 25.500,00", 5: "€ 0,05", 123456789: "€ 1.234.567,89", -100: "-€ 1,00"} {
		if got := Euro(cents); got != want {
			t.Errorf("Euro(%d) = %q, want %q", cents, got, want)
		}
	}
}
