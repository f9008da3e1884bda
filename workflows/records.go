package workflows

import (
	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

type waveDay = wave.CourseDay

// dayRecord is what staff recorded about one producer course day.
type dayRecord struct {
	attended, missed, madeUp bool
}

// teacher is a teacher put forward, with the half-days followed per course day.
type teacher struct {
	TeacherProposal
	halfDays []int
	recorded []bool
	madeUp   []bool
}

func newTeacher(p TeacherProposal, days int) *teacher {
	return &teacher{TeacherProposal: p, halfDays: make([]int, days), recorded: make([]bool, days), madeUp: make([]bool, days)}
}

func (t *teacher) dayComplete(i, halfDays int) bool { return t.madeUp[i] || t.halfDays[i] >= halfDays }

func (t *teacher) complete(w wave.Calendar) bool {
	for i, d := range w.TeacherCourse {
		if !t.dayComplete(i, d.HalfDays) {
			return false
		}
	}
	return true
}

func (t *teacher) followed(w wave.Calendar) int {
	n := 0
	for i, d := range w.TeacherCourse {
		if t.dayComplete(i, d.HalfDays) {
			n += d.HalfDays
		} else {
			n += t.halfDays[i]
		}
	}
	return n
}

func (t *teacher) recipient() activities.Recipient {
	return activities.Recipient{Role: string(PartyTeacher), Name: t.Name, Email: t.Email}
}

func (r *rollout) teacher(id string) *teacher {
	for _, t := range r.teachers {
		if t.ID == id {
			return t
		}
	}
	return nil
}
