package wave

import (
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

func local(t time.Time) string { return t.In(Amsterdam).Format("Mon 2 Jan 2006 15:04:05 MST") }

func TestWave2012Dates(t *testing.T) {
	w := Wave2012()
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want time.Time
	}{
		// "aanmelden tot vrijdag 2 maart 2012": the whole day counts, in Dutch winter time.
		{"application deadline", w.ApplicationDeadline(), time.Date(2012, time.March, 2, 23, 59, 59, 0, Amsterdam)},
		{"producer course day 1", w.ProducerCourse()[0].Date, time.Date(2012, time.March, 23, 10, 0, 0, 0, Amsterdam)},
		// Clocks went forward on 25 March 2012: day 2 is in summer time.
		{"producer course day 2", w.ProducerCourse()[1].Date, time.Date(2012, time.March, 30, 10, 0, 0, 0, Amsterdam)},
		{"teacher deadline", w.TeacherDeadline(), time.Date(2012, time.June, 1, 23, 59, 59, 0, Amsterdam)},
		{"teacher course day 1", w.TeacherCourse()[0].Date, time.Date(2012, time.June, 8, 10, 0, 0, 0, Amsterdam)},
		{"teacher course day 2", w.TeacherCourse()[1].Date, time.Date(2012, time.June, 21, 10, 0, 0, 0, Amsterdam)},
		{"teacher course day 3", w.TeacherCourse()[2].Date, time.Date(2012, time.June, 22, 9, 0, 0, 0, Amsterdam)},
		{"intended start", w.IntendedStart(), time.Date(2012, time.September, 3, 9, 0, 0, 0, Amsterdam)},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.what, local(c.got), local(c.want))
		}
		if c.got.Location() != time.UTC {
			t.Errorf("%s is in %s; calendars carry UTC", c.what, c.got.Location())
		}
	}
	if got := w.ApplicationDeadline().UTC(); got != time.Date(2012, time.March, 2, 22, 59, 59, 0, time.UTC) {
		t.Errorf("application deadline in UTC: %v (CET is UTC+1)", got)
	}
	if got := w.ProducerCourse()[1].Date.UTC().Hour(); got != 8 {
		t.Errorf("producer course day 2 starts at %d:00 UTC, want 8:00 (CEST is UTC+2)", got)
	}
	if wd := w.ApplicationDeadline().In(Amsterdam).Weekday(); wd != time.Friday {
		t.Errorf("2 March 2012 is a %s, want Friday", wd)
	}
	if wd := w.IntendedStart().In(Amsterdam).Weekday(); wd != time.Monday {
		t.Errorf("3 September 2012 is a %s, want Monday", wd)
	}

	type meeting struct {
		place     string
		halfDays  int
		overnight bool
	}
	want := map[string][]meeting{
		"producer": {{"Utrecht", 2, false}, {"Utrecht", 2, false}},
		"teacher":  {{"Utrecht", 2, false}, {"Soesterberg", 2, true}, {"Soesterberg", 2, true}},
	}
	for name, days := range map[string][]plan.Day{"producer": w.ProducerCourse(), "teacher": w.TeacherCourse()} {
		if len(days) != len(want[name]) {
			t.Fatalf("%s course has %d days, want %d", name, len(days), len(want[name]))
		}
		for i, d := range days {
			if got := (meeting{d.Place, d.HalfDays, d.Overnight}); got != want[name][i] {
				t.Errorf("%s course day %d: %+v, want %+v", name, i+1, got, want[name][i])
			}
			if !d.Date.Before(d.End) || d.End.In(Amsterdam).YearDay() != d.Date.In(Amsterdam).YearDay() {
				t.Errorf("%s course day %d runs %s to %s", name, i+1, local(d.Date), local(d.End))
			}
		}
	}
	if n := w.TeacherHalfDays(); n != 6 {
		t.Errorf("teacher course: %d half-days, want 6", n)
	}
	if b := w.Budget(); b != 17*150000 {
		t.Errorf("budget %d cents, want 17 × € 1.500", b)
	}
	if w.MinimumGroup != 12 || w.PlannedGroup != 17 || w.PremiumCents != 250000 {
		t.Errorf("group %d (minimum %d), premium %d", w.PlannedGroup, w.MinimumGroup, w.PremiumCents)
	}
	if got := w.CohortLength(); got != 305*day {
		t.Errorf("cohort lasts %v, want 305 days (ten months)", got)
	}
	end := w.IntendedStart().Add(w.CohortLength()).In(Amsterdam)
	if end.Year() != 2013 || end.Month() != time.July {
		t.Errorf("the cohort ends %s, want July 2013", local(end))
	}
	if last := w.Modules()[len(w.Modules())-1]; !last.Practicum || len(w.Modules()) != 4 {
		t.Errorf("modules %+v: want three modules then the practicum", w.Modules())
	}
}

func TestValidateCatchesMisorderedCalendars(t *testing.T) {
	for _, c := range []struct {
		name  string
		spoil func(*Dates)
		want  []string
	}{
		{"deadline before opening", func(d *Dates) { d.ApplicationDeadline = d.Opens.Add(-time.Hour) },
			[]string{"the application deadline must come after the wave opens"}},
		{"course before deadline", func(d *Dates) { d.ProducerCourse[0].Date = d.ApplicationDeadline.Add(-day) },
			[]string{"the producer course must come after the application deadline"}},
		{"teacher course before its deadline", func(d *Dates) { d.TeacherDeadline = d.TeacherCourse[0].Date.Add(day) },
			[]string{"the teacher course must come after the teacher deadline"}},
		{"start before funding", func(d *Dates) { d.IntendedStart = d.FundingDue },
			[]string{"step funding is needed for the start but due"}},
		{"no course days, no modules", func(d *Dates) { d.ProducerCourse, d.TeacherCourse, d.Modules = nil, nil, nil },
			[]string{"step producer-course: a course has 1 to 20 days", "step teacher-course: a course has 1 to 20 days", "the cohort has no modules"}},
		{"minimum over planned", func(d *Dates) { d.MinimumGroup = d.PlannedGroup + 1 },
			[]string{"0 < minimum <= planned"}},
		{"free training", func(d *Dates) { d.CostPerParticipantCents = 0 },
			[]string{"the cost per participant must be positive", "step funding: the budget must be more than 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Dates2012()
			c.spoil(&d)
			w := Build(d, nil)
			err := w.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, s := range c.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if !strings.HasPrefix(err.Error(), "wave \""+w.Name+"\" is not valid: ") {
				t.Errorf("error %q does not name the wave", err)
			}
		})
	}
	if err := (Calendar{}).Validate(); err == nil || !strings.Contains(err.Error(), "the wave has no name") || !strings.Contains(err.Error(), "exactly one application step") {
		t.Errorf("an empty wave: %v", err)
	}
	if w := Wave2012(); w.Validate() != nil {
		t.Error("breaking a copy changed Wave2012")
	}
}

// points lists a calendar's moments in the 2012 wave's order.
func points(c Calendar) []time.Time {
	p := []time.Time{c.Opens, c.ApplicationDeadline()}
	for _, d := range c.ProducerCourse() {
		p = append(p, d.Date, d.End)
	}
	p = append(p, c.TeacherDeadline())
	for _, d := range c.TeacherCourse() {
		p = append(p, d.Date, d.End)
	}
	return append(p, c.RecruitmentDue(), c.FundingDue(), c.LocationDue(), c.IntendedStart())
}

func TestCompressKeepsOrderAndScales(t *testing.T) {
	w := Wave2012()
	opens := time.Date(2026, time.May, 4, 13, 0, 0, 0, Amsterdam)
	for _, dayLength := range []time.Duration{time.Second, 50 * time.Millisecond, time.Hour, day} {
		c := Compress(w, "demo", opens, dayLength)
		if err := c.Validate(); err != nil {
			t.Fatalf("day %v: %v", dayLength, err)
		}
		if c.Name != "demo" || c.DayLength != dayLength || !c.Opens.Equal(opens) || c.Opens.Location() != time.UTC {
			t.Errorf("day %v: name %q, day length %v, opens %v", dayLength, c.Name, c.DayLength, c.Opens)
		}
		orig, got := points(w), points(c)
		for i := range orig {
			for j := range orig {
				if orig[i].Before(orig[j]) != got[i].Before(got[j]) || orig[i].Equal(orig[j]) != got[i].Equal(got[j]) {
					t.Fatalf("day %v: moments %d and %d change order: %v, %v (2012: %v, %v)", dayLength, i, j, got[i], got[j], orig[i], orig[j])
				}
			}
		}
		// Every moment keeps its distance from the opening, in wave days.
		for i := range orig {
			wantDays := float64(orig[i].Sub(w.Opens)) / float64(day)
			gotDays := float64(got[i].Sub(c.Opens)) / float64(dayLength)
			if d := wantDays - gotDays; d > 1e-6 || d < -1e-6 {
				t.Errorf("day %v: moment %d is %.6f days after opening, want %.6f", dayLength, i, gotDays, wantDays)
			}
		}
		for i, m := range c.Modules() {
			if m.Length != w.Modules()[i].Length/day*dayLength || m.Name != w.Modules()[i].Name || m.Practicum != w.Modules()[i].Practicum {
				t.Errorf("day %v: module %+v from %+v", dayLength, m, w.Modules()[i])
			}
		}
		if c.ReminderLead != 7*dayLength || c.AttendanceGrace != 3*dayLength || c.ReportEvery != 30*dayLength {
			t.Errorf("day %v: leads %v %v %v", dayLength, c.ReminderLead, c.AttendanceGrace, c.ReportEvery)
		}
		if c.Budget() != w.Budget() || c.MinimumGroup != w.MinimumGroup || c.TeacherHalfDays() != 6 {
			t.Errorf("day %v: numbers changed", dayLength)
		}
	}

	// The demo wave: the application deadline is 46.6 demo days after the start
	// (16 January 09:00 to 2 March 23:59:59 is 46 days 14h59m59s).
	demo, err := Lookup("demo", opens, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(demo.ApplicationDeadline().Sub(demo.Opens)) / float64(DemoDayLength); got < 46.6 || got > 46.65 {
		t.Errorf("demo application deadline %.3f × dayLength after opening, want ≈ 46.6", got)
	}

	// Compress leaves its input alone and defaults a bad day length to a second.
	before := Wave2012()
	c := Compress(before, "x", opens, 0)
	if c.DayLength != time.Second {
		t.Errorf("day length 0 became %v, want 1s", c.DayLength)
	}
	c.ProducerCourse()[0].Place = "elders"
	c.Steps[0].Label.NL = "anders"
	if before.ProducerCourse()[0].Place != "Utrecht" || before.Steps[0].Label.NL != Wave2012().Steps[0].Label.NL || !before.Opens.Equal(Wave2012().Opens) {
		t.Error("Compress's result shares slices with its input")
	}
}

func TestLookup(t *testing.T) {
	now := time.Date(2026, time.May, 4, 13, 0, 0, 0, time.UTC)
	for _, name := range []string{"2012", " 2012 "} {
		w, err := Lookup(name, now, time.Hour)
		if err != nil || w.Name != "2012" || !w.Opens.Equal(Wave2012().Opens) || w.DayLength != day {
			t.Errorf("Lookup(%q) = %s opening %v (day %v), %v", name, w.Name, w.Opens, w.DayLength, err)
		}
	}
	for _, c := range []struct {
		name string
		dl   time.Duration
		want time.Duration
	}{{"demo", 0, DemoDayLength}, {"DEMO", 100 * time.Millisecond, 100 * time.Millisecond}, {" Demo", time.Hour, time.Hour}} {
		w, err := Lookup(c.name, now, c.dl)
		if err != nil || w.Name != "demo" || w.DayLength != c.want || !w.Opens.Equal(now) {
			t.Errorf("Lookup(%q, %v) = %s, day %v, opens %v, %v", c.name, c.dl, w.Name, w.DayLength, w.Opens, err)
		}
	}
	for _, c := range []struct{ name, quote string }{
		{"2013", `"2013"`}, {"Demo2", `"Demo2"`}, {"2012;drop", `"2012;drop"`}, {"", "no wave given"}, {"  ", "no wave given"},
	} {
		_, err := Lookup(c.name, now, 0)
		if err == nil {
			t.Errorf("Lookup(%q) accepted", c.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.quote) || !strings.Contains(msg, strings.Join(Names(), ", ")) {
			t.Errorf("Lookup(%q) = %q: want %s and the known waves (%s)", c.name, msg, c.quote, strings.Join(Names(), ", "))
		}
	}
	if got := strings.Join(Names(), ","); got != "2012,demo" {
		t.Errorf("Names() = %s", got)
	}
}
