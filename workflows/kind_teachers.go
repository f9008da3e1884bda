package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// Teachers the producer puts forward (docenten); the teacher course,
// a course step in the same track, follows.
var teachersKind = behaviour{
	kind:    plan.KindTeachers,
	met:     func(r *state, _ *step) bool { return len(r.teachers) > 0 },
	missing: func(_ *state, s *step) plan.Text { return plan.T("een docent", "a teacher") },
	updates: []namedUpdate{{plan.ActTeacher, teacher}},
}

func teacher(ctx workflow.Context, r *state) error {
	return on(ctx, r, plan.ActTeacher, func(ctx workflow.Context, _ plan.Actor, p plan.TeacherProposal) plan.Problems {
		s, ps := r.target(plan.KindTeachers, "")
		switch {
		case ps != nil:
			return ps
		case r.teacherIndex(p.ID) >= 0:
			return plan.RejectedField("id", "docent %s is al aangemeld; kies een andere code", "teacher %s was already put forward; choose another ID", p.ID)
		case len(r.teachers) >= s.Maximum:
			return plan.Rejected("er zijn al %d docenten aangemeld, het maximum", "%d teachers were put forward already, the most there can be", s.Maximum)
		}
		return r.inPhase(plan.T("een docent", "a teacher"), beforeStart...)
	}, func(ctx workflow.Context, actor plan.Actor, p plan.TeacherProposal) {
		s, _ := r.target(plan.KindTeachers, "")
		r.teachers = append(r.teachers, p)
		r.progress(ctx, s.firstLine(), actor, true, plan.F("docent %s aangemeld", "teacher %s put forward", p.ID))
		to := teacherRecipient(p)
		d := r.dataFor(to)
		r.email(ctx, "teacher-registered", "teacher/"+p.ID, to, d)
		for _, c := range r.teacherCourses() {
			d.Sessions = append(d.Sessions, r.calendarDays(c, allDays(c)...)...)
		}
		d.Calendar = mail.CalendarRequest
		r.email(ctx, "teacher-course-invitation", "teacher/"+p.ID, to, d)
	})
}

func (r *state) teacherIndex(id string) int {
	for i, t := range r.teachers {
		if t.ID == id {
			return i
		}
	}
	return -1
}

// teacherCourses are the courses the teachers follow.
func (r *state) teacherCourses() []*step {
	var out []*step
	for _, s := range r.ofKind(plan.KindCourse) {
		if s.Attendees == plan.PartyTeacher {
			out = append(out, s)
		}
	}
	return out
}

// teacherStatus is each teacher's progress through the teacher courses.
func (r *state) teacherStatus() []rollout.TeacherStatus {
	var out []rollout.TeacherStatus
	for _, t := range r.teachers {
		ts := rollout.TeacherStatus{ID: t.ID, Name: t.Name, Complete: true}
		for _, c := range r.teacherCourses() {
			for i, d := range c.Days {
				if c.dayComplete(t.ID, i) {
					ts.HalfDays += d.HalfDays
				} else {
					ts.HalfDays += c.rec(t.ID).halfDays[i]
					ts.Complete = false
				}
			}
		}
		out = append(out, ts)
	}
	return out
}
