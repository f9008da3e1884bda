package plan

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// KindName names a kind of step: how the workflow carries it out.
type KindName string

// Day is one meeting of a course (cursusdag), counted in half-days
// (dagdelen): teacher attendance is recorded per half-day.
type Day struct {
	Date      time.Time `json:"date"` // start of the meeting
	End       time.Time `json:"end"`
	Place     string    `json:"place"`
	HalfDays  int       `json:"halfDays"`
	Overnight bool      `json:"overnight,omitempty"` // includes a night's stay (Soesterberg)
}

// Step is one step of a rollout's plan, as a wave lists it: an instance of
// a kind, with its dates. A rollout receives its whole plan in its input
// and keeps it, so a later change to a wave never alters a running rollout.
type Step struct {
	ID    string   `json:"id"` // stable, English: a JSON key and a search attribute value
	Kind  KindName `json:"kind"`
	Label Text     `json:"label"`
	Help  Text     `json:"help,omitzero"` // what the party must do, for task pages
	Party Party    `json:"party"`         // who acts
	Phase Phase    `json:"phase"`         // the phase in which it opens
	// Track: steps of one track run one after another in plan order; tracks
	// run side by side. Empty: the step is a track of its own.
	Track string    `json:"track,omitempty"`
	Due   time.Time `json:"due"` // as planned, for the wave's intended start
	// FollowsStart: the due date is fixed relative to the start, so a
	// postponement (and for the cohort, a later actual start) moves it.
	FollowsStart bool          `json:"followsStart,omitempty"`
	Remind       time.Duration `json:"remind,omitempty"`   // a reminder goes to the party this long before the due date; 0: none
	From         time.Time     `json:"from,omitzero"`      // not to be recorded before this moment (the handbook: the producer course's first day)
	Required     bool          `json:"required,omitempty"` // the start gate waits for it

	// Parameters; each kind reads its own.
	Minimum     int           `json:"minimum,omitempty"`     // count, participants: at least
	Maximum     int           `json:"maximum,omitempty"`     // count, participants, teachers: at most
	BudgetCents int64         `json:"budgetCents,omitempty"` // amount: what the commitments must cover
	Ask         Party         `json:"ask,omitempty"`         // amount: who is asked for the money when the step opens
	Days        []Day         `json:"days,omitempty"`        // course
	Attendees   Party         `json:"attendees,omitempty"`   // course: producer or teacher
	Grace       time.Duration `json:"grace,omitempty"`       // course: attendance due after each day; reports: a report due after its request
	Length      time.Duration `json:"length,omitempty"`      // module
	Practicum   bool          `json:"practicum,omitempty"`   // module: the practicum (praktijkdeel)
	Needs       string        `json:"needs,omitempty"`       // module: a step that must be done before it begins
	Every       time.Duration `json:"every,omitempty"`       // reports: one per …
	Count       int           `json:"count,omitempty"`       // reports: how many
}

// TrackName is the track a step runs in.
func (s Step) TrackName() string {
	if s.Track == "" {
		return s.ID
	}
	return s.Track
}

// Part is one line of a rollout's status: a step, or one day of a course,
// or one month's progress report.
type Part struct {
	ID    string    `json:"id"`
	Label Text      `json:"label"`
	Due   time.Time `json:"due"` // as planned
	Party Party     `json:"party"`
	N     int       `json:"n,omitempty"` // the course day or report month, from 1
}

// Parts lists the lines a step shows as: a course one per day (ID
// "<id>-<n>", due the day's end plus the grace), progress reports one per
// month ("progress-<n>", due the grace after the request, counted from
// start), any other step itself.
func (s Step) Parts(start time.Time) []Part {
	switch s.Kind {
	case KindCourse:
		out := make([]Part, len(s.Days))
		for i, d := range s.Days {
			out[i] = Part{ID: fmt.Sprintf("%s-%d", s.ID, i+1), Label: s.DayLabel(i), Due: d.End.Add(s.Grace), Party: s.Party, N: i + 1}
		}
		return out
	case KindReports:
		out := make([]Part, s.Count)
		for m := 1; m <= s.Count; m++ {
			out[m-1] = Part{ID: fmt.Sprintf("%s-%d", s.ID, m), Label: s.MonthLabel(m), Due: s.RequestAt(start, m).Add(s.Grace), Party: s.Party, N: m}
		}
		return out
	}
	return []Part{{ID: s.ID, Label: s.Label, Due: s.Due, Party: s.Party}}
}

// DayLabel names day i (from 0) of a course: "cursus voor producenten, dag 1
// (Utrecht): aanwezigheid".
func (s Step) DayLabel(i int) Text {
	d := s.Days[i]
	if s.Attendees == PartyTeacher {
		return F("%s, dag %d (%s, %d dagdelen): aanwezigheid", "%s day %d (%s, %d half-days): attendance", s.Label, i+1, d.Place, d.HalfDays)
	}
	return F("%s, dag %d (%s): aanwezigheid", "%s day %d (%s): attendance", s.Label, i+1, d.Place)
}

// MonthLabel names month m's progress report.
func (s Step) MonthLabel(m int) Text {
	return F("%s, maand %d", "%s, month %d", s.Label, m)
}

// RequestAt is when month m's report is asked for, the cohort starting at start.
func (s Step) RequestAt(start time.Time, m int) time.Time {
	return start.Add(time.Duration(m) * s.Every)
}

// TeacherHalfDays is how many half-days a course has: what a teacher must
// follow to complete the teacher course.
func (s Step) TeacherHalfDays() int {
	n := 0
	for _, d := range s.Days {
		n += d.HalfDays
	}
	return n
}

var stepID = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// ValidID tells whether id can name a step: lower-case letters, digits and
// single hyphens, at most 40 characters, starting with a letter.
func ValidID(id string) bool { return len(id) <= 40 && stepID.MatchString(id) }

// Check reports every problem of a plan: unknown kinds, parties or phases,
// a kind in a phase it cannot run in, repeated IDs (of steps or of the lines
// they show as), and the steps every rollout needs (application, start,
// cohort, graduation) missing or doubled.
func Check(steps []Step, start time.Time) error {
	var errs []error
	seen := map[string]string{}
	count := map[KindName]int{}
	for _, s := range steps {
		count[s.Kind]++
		k, ok := KindOf(s.Kind)
		switch {
		case !ValidID(s.ID):
			errs = append(errs, fmt.Errorf("step %q: an ID is lower-case letters, digits and hyphens, e.g. \"agreement\"", s.ID))
		case !ok:
			errs = append(errs, fmt.Errorf("step %s: unknown kind %q", s.ID, s.Kind))
		case s.Label.NL == "":
			errs = append(errs, fmt.Errorf("step %s: no Dutch label", s.ID))
		case !s.Party.Valid():
			errs = append(errs, fmt.Errorf("step %s: unknown party %q", s.ID, s.Party))
		case !oneOf(s.Phase, k.Phases):
			errs = append(errs, fmt.Errorf("step %s: a %s step cannot open in phase %s", s.ID, s.Kind, s.Phase))
		default:
			if err := k.checkStep(s); err != nil {
				errs = append(errs, fmt.Errorf("step %s: %w", s.ID, err))
			}
		}
		for _, p := range s.Parts(start) {
			if other, dup := seen[p.ID]; dup {
				errs = append(errs, fmt.Errorf("step %s: %q is also a line of step %s: choose another ID", s.ID, p.ID, other))
			}
			seen[p.ID] = s.ID
		}
	}
	for _, k := range []KindName{KindApplication, KindStart, KindCohort, KindGraduation} {
		if count[k] != 1 {
			errs = append(errs, fmt.Errorf("a plan has exactly one %s step, this one has %d", k, count[k]))
		}
	}
	return errors.Join(errs...)
}

// Find returns the step with the ID, or nil.
func Find(steps []Step, id string) *Step {
	for i := range steps {
		if steps[i].ID == id {
			return &steps[i]
		}
	}
	return nil
}

// OfKind returns the steps of a kind, in plan order.
func OfKind(steps []Step, k KindName) []Step {
	var out []Step
	for _, s := range steps {
		if s.Kind == k {
			out = append(out, s)
		}
	}
	return out
}
