package mail

import (
	"bytes"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"github.com/stichtingbmp/amwaht/internal/wave"
)

// parseInvitation reads an attachment back as a calendar program would.
func parseInvitation(t *testing.T, a *Attachment) *ics.Calendar {
	t.Helper()
	if a == nil {
		t.Fatal("no calendar attachment")
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(a.Content))
	if err != nil {
		t.Fatalf("the attachment does not parse: %v\n%s", err, a.Content)
	}
	return cal
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

func eventProp(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// TestInvitationTeacherCourse reads back the teacher course's invitation:
// three days, each in Dutch time with its zone, place, UID and sequence.
func TestInvitationTeacherCourse(t *testing.T) {
	d := Example("teacher-course-invitation")
	a, err := Invitation(d, exampleBackOffice, exampleAttendee, exampleStamp)
	if err != nil {
		t.Fatal(err)
	}
	if a.Filename != "uitnodiging.ics" || a.Type != "text/calendar; charset=utf-8; method=REQUEST" {
		t.Errorf("attachment %q of type %q", a.Filename, a.Type)
	}
	cal := parseInvitation(t, a)
	if m := calProp(cal, ics.PropertyMethod); m != "REQUEST" {
		t.Errorf("METHOD %q, want REQUEST", m)
	}
	tzs := cal.Timezones()
	if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/Amsterdam" {
		t.Fatalf("want one VTIMEZONE Europe/Amsterdam, got %d", len(tzs))
	}
	var kinds []string
	for _, c := range tzs[0].SubComponents() {
		switch c.(type) {
		case *ics.Daylight:
			kinds = append(kinds, "DAYLIGHT")
		case *ics.Standard:
			kinds = append(kinds, "STANDARD")
		}
	}
	if strings.Join(kinds, ",") != "DAYLIGHT,STANDARD" {
		t.Errorf("VTIMEZONE parts %v, want DAYLIGHT and STANDARD", kinds)
	}

	w := wave.Dates2012()
	events := cal.Events()
	if len(events) != len(w.TeacherCourse) {
		t.Fatalf("%d events, want %d", len(events), len(w.TeacherCourse))
	}
	wantStart := []string{"20120608T100000", "20120621T100000", "20120622T090000"}
	wantEnd := []string{"20120608T163000", "20120621T210000", "20120622T160000"}
	for i, e := range events {
		day := w.TeacherCourse[i]
		start := e.GetProperty(ics.ComponentPropertyDtStart)
		if start.Value != wantStart[i] || strings.Join(start.ICalParameters["TZID"], "") != "Europe/Amsterdam" {
			t.Errorf("day %d: DTSTART %q %v, want %s in Europe/Amsterdam", i+1, start.Value, start.ICalParameters, wantStart[i])
		}
		if got, err := e.GetStartAt(); err != nil || !got.Equal(day.Date) {
			t.Errorf("day %d starts %v (%v), want %v", i+1, got, err, day.Date)
		}
		if got, err := e.GetEndAt(); err != nil || !got.Equal(day.End) || eventProp(e, ics.ComponentPropertyDtEnd) != wantEnd[i] {
			t.Errorf("day %d ends %v (%v), want %v", i+1, got, err, day.End)
		}
		if loc := eventProp(e, ics.ComponentPropertyLocation); loc != day.Place {
			t.Errorf("day %d: LOCATION %q, want %q", i+1, loc, day.Place)
		}
		if uid := e.Id(); uid != CalendarUID("rollout-2012-GM0344", "", "teacher-course", i+1) {
			t.Errorf("day %d: UID %q", i+1, uid)
		}
		if seq := eventProp(e, ics.ComponentPropertySequence); seq != "0" {
			t.Errorf("day %d: SEQUENCE %q, want 0", i+1, seq)
		}
		if org := eventProp(e, ics.ComponentPropertyOrganizer); org != "mailto:backoffice@example.org" {
			t.Errorf("day %d: ORGANIZER %q", i+1, org)
		}
		if at := e.Attendees(); len(at) != 1 || at[0].Email() != exampleAttendee.Email {
			t.Errorf("day %d: attendees %v", i+1, at)
		}
		overnight := strings.Contains(eventProp(e, ics.ComponentPropertySummary), "overnachting")
		if overnight != day.Overnight {
			t.Errorf("day %d: summary %q, overnight %v", i+1, eventProp(e, ics.ComponentPropertySummary), day.Overnight)
		}
	}
	// Summer time: 10:00 in June is 08:00 UTC.
	if got, _ := events[0].GetStartAt(); got.UTC().Hour() != 8 {
		t.Errorf("8 June 10:00 Dutch time is %v UTC, want 08:00", got.UTC())
	}
}

// TestInvitationUpdateAndCancel: a reminder about a day the invitation named
// keeps its UID with a higher SEQUENCE, and a cancellation is METHOD:CANCEL
// for the same UIDs, higher again, each event CANCELLED.
func TestInvitationUpdateAndCancel(t *testing.T) {
	inv := parseInvitation(t, must(Invitation(Example("producer-course-invitation"), exampleBackOffice, exampleAttendee, exampleStamp)))
	rem := parseInvitation(t, must(Invitation(Example("producer-course-reminder"), exampleBackOffice, exampleAttendee, exampleStamp)))
	can := parseInvitation(t, must(Invitation(Example("rollout-cancelled"), exampleBackOffice, exampleAttendee, exampleStamp)))

	first := inv.Events()[0]
	again := rem.Events()[0]
	if first.Id() != again.Id() || eventProp(first, ics.ComponentPropertySequence) != "0" || eventProp(again, ics.ComponentPropertySequence) != "1" {
		t.Errorf("reminder: UID %q seq %q; invitation UID %q seq %q", again.Id(), eventProp(again, ics.ComponentPropertySequence), first.Id(), eventProp(first, ics.ComponentPropertySequence))
	}
	if got, _ := first.GetStartAt(); !got.Equal(wave.Dates2012().ProducerCourse[0].Date) || got.UTC().Hour() != 9 {
		t.Errorf("23 March 10:00 Dutch (winter) time is %v, want 09:00 UTC", got.UTC())
	}
	if m := calProp(can, ics.PropertyMethod); m != "CANCEL" {
		t.Errorf("METHOD %q, want CANCEL", m)
	}
	for i, e := range can.Events() {
		if e.Id() != inv.Events()[i].Id() || eventProp(e, ics.ComponentPropertySequence) != "2" || eventProp(e, ics.ComponentPropertyStatus) != "CANCELLED" {
			t.Errorf("cancel %d: UID %q seq %q status %q", i, e.Id(), eventProp(e, ics.ComponentPropertySequence), eventProp(e, ics.ComponentPropertyStatus))
		}
	}
}

func TestNoInvitationWithoutCalendar(t *testing.T) {
	for _, name := range []string{"application-received", "course-day-missed", "producer-invitation"} {
		if a, err := Invitation(Example(name), exampleBackOffice, exampleAttendee, exampleStamp); a != nil || err != nil {
			t.Errorf("%s carries a calendar (%v)", name, err)
		}
	}
	d := Example("producer-course-invitation")
	d.Calendar = "PUBLISH"
	if _, err := Invitation(d, exampleBackOffice, exampleAttendee, exampleStamp); err == nil {
		t.Error("an unknown method was accepted")
	}
}

func must(a *Attachment, err error) *Attachment {
	if err != nil {
		panic(err)
	}
	return a
}
