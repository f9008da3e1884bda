package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
)

// A course: days with attendance (per attendee, in half-days) and
// make-ups. Each day is a line of its own: its attendees are reminded
// before it; staff record attendance after it; a missed day stalls the line
// until it is made up. The producer course is attended by the producer,
// the teacher course by every teacher put forward.
var courseKind = behaviour{
	kind:    plan.KindCourse,
	run:     runCourse,
	met:     courseComplete,
	missing: courseMissing,
	updates: []namedUpdate{{plan.ActAttendance, attendanceUpdate}, {plan.ActMakeUp, makeUp}},
}

func runCourse(ctx workflow.Context, r *state, s *step) error {
	for _, l := range s.lines {
		r.open(ctx, l)
	}
	t := newTrack(ctx)
	for i := range s.Days {
		t.Go(ctx, func(ctx workflow.Context) error { return r.courseDay(ctx, s, i) })
	}
	return t.Wait(ctx)
}

// attendees are who attend a course: "" for the producer, else the
// teachers' IDs.
func (r *state) attendees(s *step) []string {
	if s.Attendees != plan.PartyTeacher {
		return []string{""}
	}
	ids := make([]string, len(r.teachers))
	for i, t := range r.teachers {
		ids[i] = t.ID
	}
	return ids
}

func (s *step) rec(attendee string) *attendance {
	a := s.attendance[attendee]
	if a == nil {
		n := len(s.Days)
		a = &attendance{recorded: make([]bool, n), halfDays: make([]int, n), madeUp: make([]bool, n)}
		s.attendance[attendee] = a
	}
	return a
}

func (s *step) dayComplete(attendee string, i int) bool {
	a := s.rec(attendee)
	return a.madeUp[i] || a.recorded[i] && a.halfDays[i] >= s.Days[i].HalfDays
}

func courseComplete(r *state, s *step) bool {
	for _, a := range r.attendees(s) {
		complete := true
		for i := range s.Days {
			complete = complete && s.dayComplete(a, i)
		}
		if complete && (a != "" || s.Attendees != plan.PartyTeacher) {
			return true
		}
	}
	return false
}

func courseMissing(r *state, s *step) plan.Text {
	if s.Attendees == plan.PartyTeacher {
		return plan.F("een docent die alle %d dagdelen van de %s heeft gevolgd", "a teacher who followed all %d half-days of the %s", s.TeacherHalfDays(), s.Label)
	}
	var days []plan.Text
	for i := range s.Days {
		if !s.dayComplete("", i) {
			days = append(days, plan.F("%s, dag %d", "%s, day %d", s.Label, i+1))
		}
	}
	return plan.Join(days, "; ")
}

// courseDay reminds the attendees of day i, waits for attendance, and
// stalls until every missed day is made up.
func (r *state) courseDay(ctx workflow.Context, s *step, i int) error {
	day, l := s.Days[i], s.lines[i]
	if now := workflow.Now(ctx); now.After(day.End) {
		l.Due = now.Add(s.Grace) // a teacher put forward after the day gets the grace to have it recorded
	}
	if err := r.courseReminder(ctx, s, i); err != nil {
		return err
	}
	recorded := func() bool {
		for _, a := range r.attendees(s) {
			if !s.rec(a).recorded[i] {
				return false
			}
		}
		return true
	}
	if err := r.await(ctx, l, 0, recorded); err != nil {
		return err
	}
	told := map[string]bool{}
	for {
		var missing []string
		for _, a := range r.attendees(s) {
			if !s.dayComplete(a, i) {
				missing = append(missing, a)
				if !told[a] {
					told[a] = true
					r.missedDay(ctx, s, i, a)
				}
			}
		}
		if len(missing) == 0 {
			r.done(ctx, l, l.LastActor, l.LastAction)
			r.publish(ctx)
			return nil
		}
		r.problem(ctx, l, missedText(s, i, missing))
		n := r.changes
		if err := workflow.Await(ctx, func() bool { return r.changes != n || r.cancelled != nil }); err != nil {
			return err
		}
		if r.cancelled != nil {
			return errCancelled
		}
	}
}

func missedText(s *step, i int, missing []string) plan.Text {
	if s.Attendees != plan.PartyTeacher {
		return plan.F("dag %d gemist: een inhaalmoment moet worden vastgelegd", "day %d missed: a make-up must be recorded", i+1)
	}
	ids := strings.Join(missing, ", ")
	return plan.F("docent(en) %s misten dagdelen: een inhaalmoment moet worden vastgelegd", "teacher(s) %s missed half-days: a make-up must be recorded", ids)
}

// courseReminder e-mails the attendees a reminder lead before day i.
func (r *state) courseReminder(ctx workflow.Context, s *step, i int) error {
	day := s.Days[i]
	at := day.Date.Add(-s.Remind)
	if s.Remind <= 0 || !workflow.Now(ctx).Before(at) {
		return nil
	}
	if _, err := r.sleepUntil(ctx, at, "reminder: "+s.lines[i].Name, r.isCancelled); err != nil {
		return err
	}
	if r.cancelled != nil {
		return errCancelled
	}
	template := "producer-course-reminder"
	if s.Attendees == plan.PartyTeacher {
		template = "teacher-course-reminder"
	}
	for _, to := range r.recipients(s.Attendees) {
		d := r.dataFor(to)
		d.StepLabel = dayLabel(s, i)
		d.Sessions, d.Calendar = r.calendarDays(s, i), mail.CalendarRequest
		d.Due = day.Date
		r.email(ctx, template, mailStep(s.lines[i].Name, to), to, d)
	}
	return nil
}

// dayLabel names a course day in e-mails: "dag 1 van de cursus voor producenten".
func dayLabel(s *step, i int) string {
	return plan.F("dag %d van de %s", "day %d of the %s", i+1, s.Label).In(plan.NL)
}

// missedDay tells an attendee that a mandatory course day was missed.
func (r *state) missedDay(ctx workflow.Context, s *step, i int, attendee string) {
	for _, to := range r.recipients(s.Attendees) {
		if to.Ref != attendee {
			continue
		}
		d := r.dataFor(to)
		d.StepLabel = dayLabel(s, i)
		d.Sessions = sessions([]plan.Day{s.Days[i]})
		r.email(ctx, "course-day-missed", mailStep(s.lines[i].Name, to), to, d)
	}
}

// courseDayOf finds the course and day an attendance or make-up is about:
// the course by its step ID, or "producer" and "teacher" for the
// brochure's two.
func (r *state) courseDayOf(course string, day int) (*step, plan.Problems) {
	var found *step
	for _, s := range r.ofKind(plan.KindCourse) {
		if s.ID == course || s.ID == course+"-course" {
			found = s
		}
	}
	switch {
	case found == nil:
		return nil, plan.RejectedField("course", "er is geen cursus %q; wel: %s", "there is no course %q; there is: %s", course, stepIDs(r.ofKind(plan.KindCourse)))
	case day < 1 || day > len(found.Days):
		return nil, plan.RejectedField("day", "de %s heeft dag 1 tot %d", "the %s has days 1 to %d", found.Label, len(found.Days))
	case found.lines[day-1].State == plan.StateUpcoming:
		return nil, plan.Rejected("de %s is voor deze uitrol nog niet begonnen; de uitrol is in de fase %s", "the %s has not begun for this rollout; the rollout is in phase %s", found.Label, r.phase.Label())
	}
	return found, nil
}

// attendee checks who an attendance or make-up is for.
func (r *state) attendee(s *step, teacherID string) (string, plan.Problems) {
	if s.Attendees != plan.PartyTeacher {
		if teacherID != "" {
			return "", plan.RejectedField("teacher", "een docent hoort bij de docentencursus; deze cursus volgt de producent", "a teacher belongs to the teacher course; the producer attends this one")
		}
		return "", nil
	}
	if teacherID == "" {
		return "", plan.RejectedField("teacher", "welke docent? de docentencursus legt aanwezigheid per docent vast (bijv. T1)", "which teacher? the teacher course records attendance per teacher (e.g. T1)")
	}
	if r.teacherIndex(teacherID) < 0 {
		return "", plan.RejectedField("teacher", "er is geen docent %q aangemeld (gebruik de docentcode, bijv. T1)", "no teacher %q was put forward (use the teacher's ID, e.g. T1)", teacherID)
	}
	return teacherID, nil
}

func attendanceUpdate(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActAttendance, func(ctx workflow.Context, _ plan.Actor, a plan.Attendance) plan.Problems {
		s, ps := r.courseDayOf(a.Course, a.Day)
		if ps != nil {
			return ps
		}
		key, ps := r.attendee(s, a.Teacher)
		day := s.Days[a.Day-1]
		switch {
		case ps != nil:
			return ps
		case workflow.Now(ctx).Before(day.Date):
			return plan.RejectedField("day", "dag %d van de %s is nog niet geweest: die is op %s", "day %d of the %s has not happened yet: it is on %s", a.Day, s.Label, mail.DutchDateTime(day.Date))
		case s.rec(key).recorded[a.Day-1]:
			return plan.RejectedField("day", "de aanwezigheid op dag %d is al vastgelegd; leg voor een gemiste dag een inhaalmoment vast", "attendance on day %d was already recorded; use make-up for a missed day", a.Day)
		case a.HalfDays != nil && s.Attendees != plan.PartyTeacher:
			return plan.RejectedField("halfDays", "dagdelen zijn voor de docentencursus; kies aanwezig of afwezig", "half-days are for the teacher course; use attended or absent")
		case a.HalfDays != nil && *a.HalfDays > day.HalfDays:
			return plan.RejectedField("halfDays", "dag %d heeft %d dagdelen", "day %d has %d half-days", a.Day, day.HalfDays)
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, a plan.Attendance) {
		s, _ := r.courseDayOf(a.Course, a.Day)
		key, _ := r.attendee(s, a.Teacher)
		i := a.Day - 1
		rec := s.rec(key)
		rec.recorded[i] = true
		switch {
		case a.Attended:
			rec.halfDays[i] = s.Days[i].HalfDays
		case a.HalfDays != nil:
			rec.halfDays[i] = *a.HalfDays
		}
		what := map[bool]plan.Text{true: plan.T("aanwezig", "attended"), false: plan.T("afwezig", "absent")}[rec.halfDays[i] > 0]
		if key != "" {
			what = plan.F("docent %s: %d dagdelen", "teacher %s: %d half-days", key, rec.halfDays[i])
		}
		r.record(ctx, s.lines[i], &actor, what)
	})
}

func makeUp(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActMakeUp, func(ctx workflow.Context, _ plan.Actor, m plan.MakeUp) plan.Problems {
		s, ps := r.courseDayOf(m.Course, m.Day)
		if ps != nil {
			return ps
		}
		key, ps := r.attendee(s, m.Teacher)
		if ps != nil {
			return ps
		}
		if !s.rec(key).recorded[m.Day-1] || s.dayComplete(key, m.Day-1) {
			return plan.RejectedField("day", "dag %d van de %s is niet als gemist vastgelegd: er valt niets in te halen", "day %d of the %s was not recorded as missed: there is nothing to make up", m.Day, s.Label)
		}
		return nil
	}, func(ctx workflow.Context, actor plan.Actor, m plan.MakeUp) {
		s, _ := r.courseDayOf(m.Course, m.Day)
		key, _ := r.attendee(s, m.Teacher)
		s.rec(key).madeUp[m.Day-1] = true
		what := plan.T("ingehaald", "made up")
		if m.Note != "" {
			what = plan.F("ingehaald: %s", "made up: %s", m.Note)
		}
		r.record(ctx, s.lines[m.Day-1], &actor, what)
	})
}
