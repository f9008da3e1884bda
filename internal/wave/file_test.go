package wave

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

const example2013 = "testdata/wave-2013.json"

func TestParseFileExample(t *testing.T) {
	w, err := LoadFile(example2013)
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "2013" || w.DayLength != day {
		t.Errorf("name %q, day length %v", w.Name, w.DayLength)
	}
	utc := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	for _, c := range []struct {
		what      string
		got, want time.Time
	}{
		{"opens (CET, UTC+1)", w.Opens, utc(2013, time.January, 14, 8, 0, 0)},
		{"application deadline: the end of 1 March", w.ApplicationDeadline(), utc(2013, time.March, 1, 22, 59, 59)},
		{"producer course day 1", w.ProducerCourse()[0].Date, utc(2013, time.March, 22, 9, 0, 0)},
		{"producer course day 1 end", w.ProducerCourse()[0].End, utc(2013, time.March, 22, 15, 0, 0)},
		// Clocks went forward on 31 March 2013: day 2 is in summer time.
		{"producer course day 2 (CEST, UTC+2)", w.ProducerCourse()[1].Date, utc(2013, time.April, 5, 8, 0, 0)},
		{"teacher deadline", w.TeacherDeadline(), utc(2013, time.May, 31, 21, 59, 59)},
		{"teacher course day 2", w.TeacherCourse()[1].Date, utc(2013, time.June, 20, 8, 0, 0)},
		{"teacher course day 2 end", w.TeacherCourse()[1].End, utc(2013, time.June, 20, 19, 0, 0)},
		{"recruitment due", w.RecruitmentDue(), utc(2013, time.August, 16, 21, 59, 59)},
		{"funding due", w.FundingDue(), utc(2013, time.August, 23, 21, 59, 59)},
		{"location due", w.LocationDue(), utc(2013, time.August, 23, 21, 59, 59)},
		{"intended start", w.IntendedStart(), utc(2013, time.September, 2, 7, 0, 0)},
	} {
		if c.got != c.want { // == also checks the location is UTC
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	if d := w.TeacherCourse()[2]; d.Place != "Soesterberg" || d.HalfDays != 2 || !d.Overnight {
		t.Errorf("teacher course day 3: %+v", d)
	}
	if w.ProducerCourse()[0].Overnight || w.ProducerCourse()[0].Place != "Utrecht" {
		t.Errorf("producer course day 1: %+v", w.ProducerCourse()[0])
	}
	if w.TeacherHalfDays() != 6 || w.PlannedGroup != 17 || w.MinimumGroup != 12 || w.CostPerParticipantCents != 150000 || w.PremiumCents != 250000 {
		t.Errorf("numbers: %d half-days, group %d (min %d), cost %d, premium %d", w.TeacherHalfDays(), w.PlannedGroup, w.MinimumGroup, w.CostPerParticipantCents, w.PremiumCents)
	}
	// What the example leaves out comes from the 2012 wave.
	def := Wave2012()
	if !reflect.DeepEqual(w.Modules(), def.Modules()) {
		t.Errorf("modules %+v, want 2012's %+v", w.Modules(), def.Modules())
	}
	if w.ReminderLead != def.ReminderLead || w.AttendanceGrace != def.AttendanceGrace || w.InternshipLead != def.InternshipLead ||
		w.ReportEvery != def.ReportEvery || w.ReportGrace != def.ReportGrace || w.GraduationGrace != def.GraduationGrace {
		t.Errorf("leads differ from 2012's: %+v", w)
	}
	if err := w.Validate(); err != nil {
		t.Error(err)
	}
}

func TestParseFileMirrors2012(t *testing.T) {
	got, err := LoadFile("testdata/wave-2012-mirror.json")
	if err != nil {
		t.Fatal(err)
	}
	want := Wave2012()
	want.Name = "mirror-2012"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the 2012 file differs from Wave2012():\n got %+v\nwant %+v", got, want)
	}
}

func TestParseFileDefaults(t *testing.T) {
	m := exampleMap(t)
	for _, k := range []string{"plannedGroup", "minimumGroup", "costPerParticipant", "premium"} {
		delete(m, k)
	}
	m["reminderDays"] = nil // null counts as absent
	w, err := ParseFile(strings.NewReader(toJSON(t, m)), "minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	def := Wave2012()
	w.Name, def.Name = "", ""
	// Only the dates differ from 2012's.
	w, def = undated(w), undated(def)
	if !reflect.DeepEqual(w, def) {
		t.Errorf("defaults:\n got %+v\nwant %+v", w, def)
	}
}

func TestParseFileAcceptedForms(t *testing.T) {
	for _, c := range []struct {
		field string
		value any
		check func(Calendar) bool
	}{
		{"costPerParticipant", 1500, func(c Calendar) bool { return c.CostPerParticipantCents == 150000 }},
		{"costPerParticipant", 1499.5, func(c Calendar) bool { return c.CostPerParticipantCents == 149950 }},
		{"costPerParticipant", "1499,95", func(c Calendar) bool { return c.CostPerParticipantCents == 149995 }},
		{"costPerParticipant", "€ 1500", func(c Calendar) bool { return c.CostPerParticipantCents == 150000 }},
		{"premium", "0", func(c Calendar) bool { return c.PremiumCents == 0 }},
		{"applicationDeadline", "2013-03-01 12:00", func(c Calendar) bool {
			return c.ApplicationDeadline() == time.Date(2013, time.March, 1, 11, 0, 0, 0, time.UTC)
		}},
		{"opens", " 2013-01-14 9:00 ", func(c Calendar) bool { return c.Opens == time.Date(2013, time.January, 14, 8, 0, 0, 0, time.UTC) }},
		// The autumn hour that occurs twice is accepted (one of the two).
		{"opens", "2012-10-28 02:30", func(c Calendar) bool { return c.Opens.In(Amsterdam).Format("15:04") == "02:30" }},
		{"name", "2013-najaar-B", func(c Calendar) bool { return c.Name == "2013-najaar-B" }},
	} {
		m := exampleMap(t)
		m[c.field] = c.value
		w, err := ParseFile(strings.NewReader(toJSON(t, m)), "forms.json")
		if err != nil {
			t.Errorf("%s %v: %v", c.field, c.value, err)
			continue
		}
		if !c.check(w) {
			t.Errorf("%s %v: read wrongly: %+v", c.field, c.value, w)
		}
	}
	// A byte order mark and a course day ending past midnight as a full date.
	m := exampleMap(t)
	m["teacherCourse"].([]any)[1].(map[string]any)["end"] = "2013-06-21 00:30"
	w, err := ParseFile(strings.NewReader("\xef\xbb\xbf"+toJSON(t, m)), "bom.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.TeacherCourse()[1].End; got != time.Date(2013, time.June, 20, 22, 30, 0, 0, time.UTC) {
		t.Errorf("end past midnight: %v", got)
	}
}

func TestParseFileProblems(t *testing.T) {
	ex := readExample(t)
	for _, c := range []struct {
		name   string
		input  string
		mutate func(m map[string]any)
		want   []string
	}{
		{name: "course date out of range", mutate: func(m map[string]any) { dayOf(m, "producerCourse", 2)["date"] = "2013-13-01" },
			want: []string{`producerCourse[2].date: "2013-13-01" is not a date (month out of range): expected YYYY-MM-DD HH:MM (Dutch time)`}},
		{name: "deadline not a date", mutate: func(m map[string]any) { m["applicationDeadline"] = "1 maart 2013" },
			want: []string{`applicationDeadline: "1 maart 2013" is not a date and time: expected YYYY-MM-DD or YYYY-MM-DD HH:MM (Dutch time)`}},
		{name: "deadline a number", mutate: func(m map[string]any) { m["fundingDue"] = 20130823 },
			want: []string{`fundingDue: expected a date "YYYY-MM-DD"`, "…found the number 20130823"}},
		{name: "opening without a time", mutate: func(m map[string]any) { m["opens"] = "2013-01-14" },
			want: []string{`opens: "2013-01-14" has no time of day: expected YYYY-MM-DD HH:MM (Dutch time), e.g. "2013-01-14 09:00"`}},
		{name: "the spring hour that does not exist", mutate: func(m map[string]any) { m["opens"] = "2013-03-31 02:30" },
			want: []string{`opens: "2013-03-31 02:30" does not exist in Dutch time`}},
		{name: "year far off", mutate: func(m map[string]any) { m["intendedStart"] = "0001-01-01 00:00" },
			want: []string{`intendedStart: "0001-01-01 00:00": the year must be 2000 to 2099`}},
		{name: "required fields missing", mutate: func(m map[string]any) { delete(m, "intendedStart"); delete(m, "teacherCourse"); m["name"] = nil },
			want: []string{"intendedStart: missing: expected", "teacherCourse: missing: expected a list of course days", "name: missing"}},
		{name: "unknown field", mutate: func(m map[string]any) { m["pemium"] = 2500 },
			want: []string{`pemium: unknown field: did you mean "premium"?`}},
		{name: "unknown field, wrong case", mutate: func(m map[string]any) { m["Opens"] = "2013-01-14 09:00" },
			want: []string{`Opens: unknown field: did you mean "opens"?`}},
		{name: "unknown field, nothing like it", mutate: func(m map[string]any) { m["kleur"] = "blauw" },
			want: []string{"kleur: unknown field: expected one of name, opens,"}},
		{name: "unknown field in a course day", mutate: func(m map[string]any) { dayOf(m, "teacherCourse", 1)["plaats"] = "Utrecht" },
			want: []string{`teacherCourse[1].plaats: unknown field: expected one of date, end, place, halfDays, overnight`}},
		{name: "unknown field in a module", mutate: func(m map[string]any) {
			m["modules"] = []any{map[string]any{"name": "M", "days": 30, "Practicum": true}}
		}, want: []string{`modules[1].Practicum: unknown field: did you mean "practicum"?`}},
		{name: "unknown field with an odd name", mutate: func(m map[string]any) { m["a b\n"] = 1 },
			want: []string{`"a b\n": unknown field`}},
		{name: "field given twice", input: strings.Replace(ex, `"name": "2013",`, `"name": "2013", "name": "2014",`, 1),
			want: []string{"name: given twice"}},
		{name: "bad names", mutate: func(m map[string]any) { m["name"] = "2013 najaar" },
			want: []string{`name: "2013 najaar" is not a usable wave name: expected 1 to 20 letters, digits or hyphens`}},
		{name: "name too long", mutate: func(m map[string]any) { m["name"] = strings.Repeat("x", 21) },
			want: []string{"…is not a usable wave name"}},
		{name: "name with a trailing hyphen", mutate: func(m map[string]any) { m["name"] = "2013-" },
			want: []string{"…is not a usable wave name"}},
		{name: "the demo wave's name", mutate: func(m map[string]any) { m["name"] = "Demo" },
			want: []string{`name: "Demo" is a built-in wave: choose another name`}},
		{name: "the 2012 wave's name", mutate: func(m map[string]any) { m["name"] = "2012" },
			want: []string{`name: "2012" is a built-in wave`}},
		{name: "name a number", mutate: func(m map[string]any) { m["name"] = 2013 },
			want: []string{`name: expected the wave's name, e.g. "2013" (in quotes), found the number 2013`}},
		{name: "group as text", mutate: func(m map[string]any) { m["plannedGroup"] = "17" },
			want: []string{`plannedGroup: expected a whole number from 1 to 100, found the text "17"`}},
		{name: "huge group", input: strings.Replace(ex, `"plannedGroup": 17`, `"plannedGroup": 1e400`, 1),
			want: []string{"plannedGroup: expected a whole number from 1 to 100, found the number 1e400"}},
		{name: "minimum over planned", mutate: func(m map[string]any) { m["minimumGroup"] = 18 },
			want: []string{"minimumGroup: 18 is more than plannedGroup (17)"}},
		{name: "ambiguous amount", mutate: func(m map[string]any) { m["costPerParticipant"] = "1.500" },
			want: []string{`costPerParticipant: the text "1.500" is not an amount in euros: expected whole euros or euros and cents`}},
		{name: "free training", mutate: func(m map[string]any) { m["costPerParticipant"] = 0 },
			want: []string{"costPerParticipant: the amount must be more than 0 euros"}},
		{name: "negative premium", mutate: func(m map[string]any) { m["premium"] = -5 },
			want: []string{"premium: the number -5 is not an amount in euros"}},
		{name: "amount as true", mutate: func(m map[string]any) { m["premium"] = true },
			want: []string{"premium: expected an amount in euros", "…found true/false"}},
		{name: "half-days missing and zero", mutate: func(m map[string]any) {
			delete(dayOf(m, "producerCourse", 1), "halfDays")
			dayOf(m, "teacherCourse", 3)["halfDays"] = 0
		}, want: []string{"producerCourse[1].halfDays: missing: expected the day's half-days (dagdelen), 1 to 3",
			"teacherCourse[3].halfDays: expected a whole number from 1 to 3, found the number 0"}},
		{name: "place missing, overnight not a boolean", mutate: func(m map[string]any) {
			delete(dayOf(m, "producerCourse", 2), "place")
			dayOf(m, "teacherCourse", 2)["overnight"] = "ja"
		}, want: []string{`producerCourse[2].place: missing: expected the place, e.g. "Utrecht"`,
			`teacherCourse[2].overnight: expected true or false, found the text "ja"`}},
		{name: "course day ends before it starts", mutate: func(m map[string]any) { dayOf(m, "producerCourse", 1)["end"] = "09:00" },
			want: []string{"producerCourse[1].end: 2013-03-22 09:00 must be after the day's start (2013-03-22 10:00) and within 24 hours of it"}},
		{name: "course day end not a time", mutate: func(m map[string]any) { dayOf(m, "producerCourse", 1)["end"] = "4pm" },
			want: []string{`producerCourse[1].end: "4pm" is not a time of day: expected HH:MM (Dutch time, the same day)`}},
		{name: "course day without a time", mutate: func(m map[string]any) { dayOf(m, "teacherCourse", 1)["date"] = "2013-06-07" },
			want: []string{`teacherCourse[1].date: "2013-06-07" has no time of day`}},
		{name: "course days out of order", mutate: func(m map[string]any) {
			days := m["teacherCourse"].([]any)
			days[0], days[1] = days[1], days[0]
		}, want: []string{"teacherCourse[2].date: 2013-06-07 10:00 is before day 1 ends (2013-06-20 21:00): list the days in order"}},
		{name: "course day not an object", mutate: func(m map[string]any) { m["producerCourse"].([]any)[1] = "2013-04-05" },
			want: []string{`producerCourse[2]: expected a course day as an object {…}, found the text "2013-04-05"`}},
		{name: "course not a list", mutate: func(m map[string]any) { m["producerCourse"] = map[string]any{"date": "2013-03-22 10:00"} },
			want: []string{"producerCourse: expected a list [{…}, …] of course days, found an object"}},
		{name: "no course days", mutate: func(m map[string]any) { m["producerCourse"] = []any{} },
			want: []string{"producerCourse: the list is empty: expected 1 to 20 course days"}},
		{name: "too many course days", mutate: func(m map[string]any) {
			days := make([]any, 21)
			for i := range days {
				days[i] = map[string]any{"date": fmt.Sprintf("2013-03-%02d 10:00", i+5), "end": "12:00", "place": "Utrecht", "halfDays": 1}
			}
			m["producerCourse"] = days
		}, want: []string{"producerCourse: 21 course days: at most 20"}},
		{name: "practicum not last", mutate: func(m map[string]any) {
			m["modules"] = []any{map[string]any{"name": "Praktijk", "days": 100, "practicum": true}, map[string]any{"name": "Theorie", "days": 100}}
		}, want: []string{"modules[1].practicum: only the last module is the practicum"}},
		{name: "no practicum", mutate: func(m map[string]any) {
			m["modules"] = []any{map[string]any{"name": "Module 1", "days": 100}, map[string]any{"name": "Module 2", "days": 100}}
		}, want: []string{`modules[2].practicum: the last module must be the practicum (praktijkdeel): add "practicum": true`}},
		{name: "module without days or name", mutate: func(m map[string]any) {
			m["modules"] = []any{map[string]any{"name": "", "days": 0}, map[string]any{"days": 30, "practicum": true}}
		}, want: []string{"modules[1].name: expected the module's name (1 to 60 characters on one line)", "modules[1].days: expected a whole number from 1 to 365",
			"modules[2].name: missing"}},
		{name: "cohort too long", mutate: func(m map[string]any) {
			m["modules"] = []any{map[string]any{"name": "A", "days": 365}, map[string]any{"name": "B", "days": 365}, map[string]any{"name": "P", "days": 1, "practicum": true}}
		}, want: []string{"modules: the modules last 731 days in all: at most 730"}},
		{name: "reports too often", mutate: func(m map[string]any) { m["reportEveryDays"] = 1; m["reminderDays"] = 2.5 },
			want: []string{"reportEveryDays: expected a whole number from 7 to 92, found the number 1", "reminderDays: expected a whole number from 1 to 90, found the number 2.5"}},
		{name: "deadline before the opening", mutate: func(m map[string]any) { m["applicationDeadline"] = "2013-01-10" },
			want: []string{"applicationDeadline: 2013-01-10 (end of day) must come after opens (2013-01-14 09:00)"}},
		{name: "course before the deadline", mutate: func(m map[string]any) { m["applicationDeadline"] = "2013-03-22" },
			want: []string{"producerCourse[1].date: 2013-03-22 10:00 must come after applicationDeadline (2013-03-22 (end of day))"}},
		{name: "preparation due during the producer course", mutate: func(m map[string]any) { m["teacherDeadline"] = "2013-03-29"; m["locationDue"] = "2013-04-05 12:00" },
			want: []string{"teacherDeadline: 2013-03-29 (end of day) must come after the producer course's last day (producerCourse[2].end) (2013-04-05 16:00)",
				"locationDue: 2013-04-05 12:00 must come after the producer course's last day"}},
		{name: "teacher course after its deadline", mutate: func(m map[string]any) { m["teacherDeadline"] = "2013-06-08" },
			want: []string{"teacherCourse[1].date: 2013-06-07 10:00 must come after teacherDeadline (2013-06-08 (end of day))"}},
		{name: "start before the preparation is due", mutate: func(m map[string]any) { m["intendedStart"] = "2013-08-20 09:00" },
			want: []string{"intendedStart: 2013-08-20 09:00 must come after fundingDue (2013-08-23 (end of day))", "intendedStart: 2013-08-20 09:00 must come after locationDue"}},
		{name: "start before the teacher course", mutate: func(m map[string]any) {
			m["intendedStart"] = "2013-06-21 10:00"
			m["fundingDue"], m["recruitmentDue"], m["locationDue"] = "2013-06-01", "2013-06-01", "2013-06-01"
		}, want: []string{"intendedStart: 2013-06-21 10:00 must come after the teacher course's last day (teacherCourse[3].end) (2013-06-21 16:00)"}},
		{name: "not JSON", input: "name: 2013\nopens: 2013-01-14\n",
			want: []string{"line 1, column 2: the file is not valid JSON: invalid character 'a'"}},
		{name: "a missing comma", input: strings.Replace(ex, `"name": "2013",`, `"name": "2013"`, 1),
			want: []string{"line 3, column 3: the file is not valid JSON: invalid character '\"' after object key:value pair"}},
		{name: "cut off", input: ex[:len(ex)/2],
			want: []string{"the file ends before the JSON object is complete"}},
		{name: "trailing data", input: ex + "\n{}\n",
			want: []string{"line 25, column 1: unexpected data after the wave's closing }: a wave file holds one JSON object"}},
		{name: "empty", input: " \n\t",
			want: []string{"the file is empty: expected a JSON object"}},
		{name: "a list", input: "[]",
			want: []string{"expected the wave as an object {…}, found a list"}},
		{name: "not UTF-8", input: "{\"name\": \"\xff\"}",
			want: []string{"the file is not UTF-8 text"}},
		{name: "too large", input: "{" + strings.Repeat(" ", MaxFileSize) + "}",
			want: []string{"the file is larger than 1048576 bytes"}},
		{name: "everything wrong at once", input: `{"name": "", "opens": 1, "applicationDeadline": "x", "producerCourse": [{}], "teacherDeadline": null,
			"teacherCourse": [{"date": "2013-06-07 10:00", "end": "16:30", "place": "Utrecht", "halfDays": 9}], "fundingDue": "2013-02-30",
			"recruitmentDue": "2013-08-16", "locationDue": "2013-08-16", "intendedStart": "2013-09-02 25:00", "premium": "veel", "extra": 1}`,
			want: []string{"extra: unknown field", "name: \"\" is not a usable wave name", "opens: expected a date and time", "applicationDeadline: \"x\" is not a date",
				"producerCourse[1].date: missing", "producerCourse[1].end: missing", "producerCourse[1].place: missing", "producerCourse[1].halfDays: missing",
				"teacherDeadline: missing", "teacherCourse[1].halfDays: expected a whole number from 1 to 3", "fundingDue: \"2013-02-30\" is not a date (day out of range)",
				"intendedStart: \"2013-09-02 25:00\" is not a date and time (hour out of range)", `premium: the text "veel" is not an amount`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.input
			if c.mutate != nil {
				m := exampleMap(t)
				c.mutate(m)
				in = toJSON(t, m)
			}
			w, err := ParseFile(strings.NewReader(in), "wave-x.json")
			if err == nil {
				t.Fatalf("accepted: %+v", w)
			}
			if !reflect.DeepEqual(w, Calendar{}) {
				t.Errorf("a rejected file gave a calendar: %+v", w)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "wave-x.json" || len(pe.Problems) == 0 {
				t.Fatalf("error %T %v is not a ParseError naming the file", err, err)
			}
			msg := err.Error()
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, "wave-x.json: ") {
					t.Errorf("line %q does not start with the file's name", line)
				}
			}
			for _, s := range c.want {
				// A want starting with "…" is the middle of a line; the others
				// start with the field's name.
				mid, inLine := strings.CutPrefix(s, "…")
				if inLine && !strings.Contains(msg, mid) || !inLine && !strings.Contains(msg, "wave-x.json: "+s) {
					t.Errorf("error lacks %q:\n%s", s, msg)
				}
			}
			if len(c.want) == 1 && len(pe.Problems) != 1 {
				t.Errorf("want one problem, got %d:\n%s", len(pe.Problems), msg)
			}
		})
	}
}

func TestParseErrorListsAtMostFifty(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 60 {
		fmt.Fprintf(&b, `"junk%d": 1, `, i)
	}
	b.WriteString(`"name": "x"}`)
	_, err := ParseFile(strings.NewReader(b.String()), "junk.json")
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Problems) < 60 {
		t.Fatalf("%v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxProblems+1 || !strings.HasPrefix(lines[maxProblems], "junk.json: … and ") {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "nope.json"), "nope.json: cannot open the wave file: no such file or directory"},
		{dir, ": is a directory: give the path of a wave file"},
	} {
		_, err := LoadFile(c.path)
		if err == nil || !strings.HasPrefix(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadFile(%s) = %v, want %q", c.path, err, c.want)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"name": "x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+": opens: missing") {
		t.Errorf("LoadFile(bad) = %v", err)
	}
}

func TestFileRoundTrip(t *testing.T) {
	w2012 := Wave2012()
	w2012.Name = "copy"
	example, err := LoadFile(example2013)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []Calendar{w2012, example} {
		got, err := ParseFile(bytes.NewReader(fileJSON(w)), "round.json")
		if err != nil {
			t.Fatalf("%s: %v\n%s", w.Name, err, fileJSON(w))
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: round trip changed the calendar:\n got %+v\nwant %+v", w.Name, got, w)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	ex, err := os.ReadFile(example2013)
	if err != nil {
		f.Fatal(err)
	}
	mirror, err := os.ReadFile("testdata/wave-2012-mirror.json")
	if err != nil {
		f.Fatal(err)
	}
	s := string(ex)
	for _, seed := range []string{
		s,
		string(mirror),
		"",
		"{}",
		"null",
		"[]",
		`"2013"`,
		s + "{}",
		s[:len(s)/3],
		strings.Replace(s, `"2013-03-22 10:00"`, `"2013-13-01"`, 1),
		strings.Replace(s, `"16:00"`, `"25:61"`, 1),
		strings.Replace(s, `"2013-09-02 09:00"`, `"2013-03-31 02:30"`, 1),
		strings.Replace(s, `"plannedGroup": 17`, `"plannedGroup": 1e400`, 1),
		strings.Replace(s, `"premium": 2500`, `"premium": 99999999999999999999999999`, 1),
		strings.Replace(s, `"premium": 2500`, `"premium": "2500.999"`, 1),
		strings.Replace(s, `"minimumGroup": 12`, `"minimumGroup": -12`, 1),
		strings.Replace(s, `"name": "2013"`, `"name": "demo"`, 1),
		strings.Replace(s, `"name": "2013"`, `"name": {"name": [1, {"x": null}]}`, 1),
		strings.Replace(s, `"halfDays": 2}`, `"halfDays": 2, "halfDays": 3}`, 1),
		strings.Replace(s, `"premium": 2500`, `"premium": 2500, "modules": [{"name": "M", "days": 730}, {"name": "P", "days": 1, "practicum": true}]`, 1),
		strings.Replace(s, `"premium": 2500`, `"premium": 2500, "reportEveryDays": 7, "modules": [[[[[{}]]]]]`, 1),
		`{"name": "a", "producerCourse": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}`,
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		`{"` + strings.Repeat("a", 5000) + `": 1}`,
		"\xef\xbb\xbf" + s,
		"{\"name\": \"\xff\xfe\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseFile(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			msg := err.Error()
			if strings.TrimSpace(strings.TrimPrefix(msg, "fuzz.json:")) == "" || !strings.HasPrefix(msg, "fuzz.json: ") {
				t.Fatalf("error %q does not start with the file's name and a problem", msg)
			}
			if !reflect.DeepEqual(w, Calendar{}) {
				t.Fatalf("error %v with a calendar %+v", err, w)
			}
			return
		}
		if err := w.Validate(); err != nil {
			t.Fatalf("accepted an invalid calendar: %v", err)
		}
		if !waveName.MatchString(w.Name) || w.DayLength != day {
			t.Fatalf("name %q, day length %v", w.Name, w.DayLength)
		}
		if _, err := json.Marshal(w); err != nil {
			t.Fatalf("the calendar cannot travel in a workflow input: %v", err)
		}
		again, err := ParseFile(bytes.NewReader(fileJSON(w)), "again.json")
		if err != nil {
			t.Fatalf("the calendar written back is rejected: %v\n%s", err, fileJSON(w))
		}
		if !reflect.DeepEqual(again, w) {
			t.Fatalf("re-parse differs:\n got %+v\nwant %+v", again, w)
		}
	})
}

// fileJSON writes a calendar (whole minutes and days, a 24h day) as a wave file.
// undated is a wave without its dates: what is left is its shape and numbers.
func undated(c Calendar) Calendar {
	c.Opens = time.Time{}
	steps := make([]plan.Step, len(c.Steps))
	for i, s := range c.Steps {
		s.Due, s.From, s.Days = time.Time{}, time.Time{}, nil
		steps[i] = s
	}
	c.Steps = steps
	return c
}

func fileJSON(c Calendar) []byte {
	at := func(t time.Time) string { return t.In(Amsterdam).Format(dateTimeLayout) }
	due := func(t time.Time) string {
		if l := t.In(Amsterdam); l.Format("15:04:05") == "23:59:59" {
			return l.Format(dateLayout)
		}
		return at(t)
	}
	days := func(ds []plan.Day) []any {
		out := make([]any, len(ds))
		for i, d := range ds {
			end := at(d.End)
			if d.End.In(Amsterdam).Format(dateLayout) == d.Date.In(Amsterdam).Format(dateLayout) {
				end = d.End.In(Amsterdam).Format("15:04")
			}
			out[i] = map[string]any{"date": at(d.Date), "end": end, "place": d.Place, "halfDays": d.HalfDays, "overnight": d.Overnight}
		}
		return out
	}
	euro := func(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }
	mods := make([]any, len(c.Modules()))
	for i, m := range c.Modules() {
		mods[i] = map[string]any{"name": m.Name, "days": int64(m.Length / day), "practicum": m.Practicum}
	}
	m := map[string]any{
		"name": c.Name, "opens": at(c.Opens), "applicationDeadline": due(c.ApplicationDeadline()),
		"producerCourse": days(c.ProducerCourse()), "teacherDeadline": due(c.TeacherDeadline()), "teacherCourse": days(c.TeacherCourse()),
		"fundingDue": due(c.FundingDue()), "recruitmentDue": due(c.RecruitmentDue()), "locationDue": due(c.LocationDue()),
		"intendedStart": at(c.IntendedStart()), "plannedGroup": c.PlannedGroup, "minimumGroup": c.MinimumGroup,
		"costPerParticipant": euro(c.CostPerParticipantCents), "premium": euro(c.PremiumCents), "modules": mods,
	}
	for field, d := range map[string]time.Duration{"reminderDays": c.ReminderLead, "attendanceGraceDays": c.AttendanceGrace,
		"internshipLeadDays": c.InternshipLead, "reportEveryDays": c.ReportEvery, "reportGraceDays": c.ReportGrace, "graduationGraceDays": c.GraduationGrace} {
		m[field] = int64(d / day)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func readExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(example2013)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exampleMap is the example file as a map to spoil.
func exampleMap(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(readExample(t)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// dayOf is course day n (from 1) of a spoilable map.
func dayOf(m map[string]any, course string, n int) map[string]any {
	return m[course].([]any)[n-1].(map[string]any)
}

func toJSON(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
