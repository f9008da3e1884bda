package mail

import (
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Calendar methods (RFC 5546) an e-mail's sessions travel with.
const (
	CalendarRequest = "REQUEST" // an invitation, or an update of one
	CalendarCancel  = "CANCEL"  // the days are off
)

// CalendarZone is the zone every course day is written in: Dutch time.
const CalendarZone = "Europe/Amsterdam"

// calendarFile is the attachment's name; calendar programs open it from
// any mail client.
const calendarFile = "uitnodiging.ics"

const icsLocal = "20060102T150405"

// amsterdam is the zone the waves' dates are in.
var amsterdam = wave.Amsterdam

// Invitation is the iCalendar attachment (RFC 5545) for an e-mail's course
// days, or nil when the e-mail carries none: one VEVENT per day with a
// UID, in Dutch time with Europe/Amsterdam's VTIMEZONE, the place as
// LOCATION, BMP's back office as ORGANIZER and the recipient as ATTENDEE.
// stamp is DTSTAMP: when the invitation was made.
func Invitation(d Data, organizer, attendee Contact, stamp time.Time) (*Attachment, error) {
	if d.Calendar == "" {
		return nil, nil
	}
	method := ics.MethodRequest
	switch d.Calendar {
	case CalendarRequest:
	case CalendarCancel:
		method = ics.MethodCancel
	default:
		return nil, fmt.Errorf("calendar method %q: expected %s or %s", d.Calendar, CalendarRequest, CalendarCancel)
	}
	cal := ics.NewCalendarFor("Stichting BMP//AMWAHT")
	cal.SetMethod(method)
	cal.SetCalscale("GREGORIAN")
	addAmsterdam(cal)
	n := 0
	for _, s := range d.Sessions {
		if s.UID == "" {
			continue
		}
		n++
		e := cal.AddEvent(s.UID)
		e.SetDtStampTime(stamp)
		e.SetSequence(s.Sequence)
		e.SetProperty(ics.ComponentPropertyDtStart, s.Date.In(amsterdam).Format(icsLocal), ics.WithTZID(CalendarZone))
		e.SetProperty(ics.ComponentPropertyDtEnd, sessionEnd(s).In(amsterdam).Format(icsLocal), ics.WithTZID(CalendarZone))
		e.SetSummary(sessionSummary(s))
		e.SetLocation(s.Place)
		e.SetDescription(sessionDescription(d, s))
		e.SetOrganizer(organizer.Email, ics.WithCN(organizer.Name))
		e.AddAttendee(attendee.Email, ics.WithCN(attendee.Name), ics.ParticipationRoleReqParticipant, ics.WithRSVP(false))
		if method == ics.MethodCancel {
			e.SetStatus(ics.ObjectStatusCancelled)
		} else {
			e.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	if n == 0 {
		return nil, nil
	}
	var b strings.Builder
	if err := cal.SerializeTo(&b); err != nil {
		return nil, fmt.Errorf("write the calendar: %w", err)
	}
	return &Attachment{
		Filename: calendarFile,
		Type:     "text/calendar; charset=utf-8; method=" + string(method),
		Content:  []byte(b.String()),
	}, nil
}

// sessionEnd is when a day ends in the calendar: its programme's end, or
// for a day without one (an older rollout's) four hours per half-day. The
// same for every e-mail about the day, so a reminder never reshapes the
// entry its invitation made.
func sessionEnd(s Session) time.Time {
	if s.End.After(s.Date) {
		return s.End
	}
	return s.Date.Add(time.Duration(max(s.HalfDays, 1)) * 4 * time.Hour)
}

func sessionSummary(s Session) string {
	what := "AMWAHT-cursus"
	if s.Title != "" {
		what = "AMWAHT " + s.Title
	}
	if s.Overnight {
		what += " (met overnachting)"
	}
	return what
}

func sessionDescription(d Data, s Session) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AMWAHT-opleiding in %s (ronde %s), Stichting BMP.", d.Municipality, d.Wave)
	if s.HalfDays > 0 {
		if s.HalfDays == 1 {
			b.WriteString(" 1 dagdeel")
		} else {
			fmt.Fprintf(&b, " %d dagdelen", s.HalfDays)
		}
		if !s.End.IsZero() {
			fmt.Fprintf(&b, ", programma tot %s uur", s.End.In(amsterdam).Format("15.04"))
		}
		b.WriteString(".")
	}
	if s.Overnight {
		b.WriteString(" Met overnachting.")
	}
	if d.Calendar == CalendarCancel {
		b.WriteString(" Deze cursusdag vervalt: de uitrol is stopgezet.")
	}
	fmt.Fprintf(&b, " Kenmerk: %s", d.WorkflowID)
	return b.String()
}

// addAmsterdam writes Europe/Amsterdam's rules since 1996 (the EU's
// last-Sunday changes) as the VTIMEZONE the events' TZID refers to.
func addAmsterdam(cal *ics.Calendar) {
	tz := cal.AddTimezone(CalendarZone)
	rule := func(c *ics.ComponentBase, from, to, name, start, rrule string) {
		c.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), from)
		c.SetProperty(ics.ComponentProperty("TZOFFSETTO"), to)
		c.SetProperty(ics.ComponentProperty("TZNAME"), name)
		c.SetProperty(ics.ComponentPropertyDtStart, start)
		c.SetProperty(ics.ComponentPropertyRrule, rrule)
	}
	summer := &ics.Daylight{}
	rule(&summer.ComponentBase, "+0100", "+0200", "CEST", "19810329T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	tz.Components = append(tz.Components, summer)
	winter := tz.AddStandard()
	rule(&winter.ComponentBase, "+0200", "+0100", "CET", "19961027T030000", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
}

// CalendarUID names course day (from 1) of a course step in one run of a
// rollout: stable for the rollout's life, so every e-mail about the day
// updates the same calendar entry, and new for a rollout started again
// after a cancellation (whose days a CANCEL removed).
func CalendarUID(workflowID, runID, course string, day int) string {
	run := runID
	if len(run) > 8 {
		run = run[:8]
	}
	if run != "" {
		run = "." + run
	}
	return fmt.Sprintf("%s.%s.%d%s@amwaht.stichtingbmp.nl", workflowID, course, day, run)
}

// CourseDayTitle is a course day's title in calendars: "docentencursus, dag
// 2 van 3".
func CourseDayTitle(course string, day, days int) string {
	return fmt.Sprintf("%s, dag %d van %d", course, day, days)
}
