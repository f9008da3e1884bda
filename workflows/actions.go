package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// Staff actions (Temporal Updates). Each payload validates itself; the
// workflow's validators add the rules that depend on the rollout's state.
const (
	UpdateAttendance  = "attendance"  // a course day's attendance (aanwezigheid)
	UpdateMakeUp      = "make-up"     // a missed course day made up (inhalen)
	UpdateHandbook    = "handbook"    // training handbook handed out (opleidingshandboek)
	UpdateTeacher     = "teacher"     // producer puts a teacher forward (docent)
	UpdateFunding     = "funding"     // a funding commitment (financiering)
	UpdateEnrol       = "enrol"       // participants enrolled (deelnemers), IDs only
	UpdateLocation    = "location"    // teaching location arranged (leslocatie)
	UpdateInternships = "internships" // internship places arranged (stageplekken)
	UpdatePostpone    = "postpone"    // later start by agreement (in overleg)
	UpdateExtend      = "extend"      // a step's due date moved
	UpdateCancel      = "cancel"      // the rollout stops
	UpdateContact     = "contact"     // correct a party's e-mail address

	// On the cohort (child) workflow:
	UpdateProgress  = "progress"   // monthly progress report (voortgangsrapportage)
	UpdatePeerGroup = "peer-group" // a peer-support group started (lotgenotengroep)
	UpdateGraduates = "graduates"  // graduates recorded (geslaagden)
)

// Course names a course.
type Course string

const (
	CourseProducer Course = "producer" // cursus voor producenten
	CourseTeacher  Course = "teacher"  // docentencursus
)

// Attendance records who came to a course day. For the producer course,
// Teacher is empty; for the teacher course, HalfDays counts the half-days the
// teacher attended that day (0 means absent).
type Attendance struct {
	Course   Course `json:"course"`
	Day      int    `json:"day"` // 1-based
	Teacher  string `json:"teacher,omitempty"`
	Attended bool   `json:"attended"`
	HalfDays int    `json:"halfDays,omitempty"`
}

// MakeUp records that a missed day was made up.
type MakeUp struct {
	Course  Course `json:"course"`
	Day     int    `json:"day"`
	Teacher string `json:"teacher,omitempty"`
	Note    string `json:"note,omitempty"`
}

// TeacherProposal is a teacher the producer puts forward.
type TeacherProposal struct {
	ID    string `json:"id"` // short reference chosen by staff, e.g. T1
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Validate checks the proposal on its own.
func (p TeacherProposal) Validate() error {
	var errs []error
	if !ValidRef(p.ID) {
		errs = append(errs, fmt.Errorf("teacher ID %q: use 1 to 20 letters, digits or hyphens, e.g. T1", p.ID))
	}
	if strings.TrimSpace(p.Name) == "" {
		errs = append(errs, errors.New("the teacher's name is missing"))
	}
	if err := mail.ValidateAddress(p.Email); err != nil {
		errs = append(errs, fmt.Errorf("the teacher's e-mail: %w", err))
	}
	return errors.Join(errs...)
}

// FundingSource is where a commitment comes from.
type FundingSource string

// FundingSources lists the sources.
var FundingSources = []FundingSource{"municipality", "fund", "other"}

// Commitment is money committed to the cohort, in euro cents.
type Commitment struct {
	Source      FundingSource `json:"source"`
	Name        string        `json:"name,omitempty"` // e.g. the fund's name
	AmountCents int64         `json:"amountCents"`
}

// Validate checks the commitment on its own.
func (c Commitment) Validate() error {
	ok := false
	for _, s := range FundingSources {
		ok = ok || s == c.Source
	}
	var errs []error
	if !ok {
		errs = append(errs, fmt.Errorf("unknown funding source %q: use municipality, fund or other", c.Source))
	}
	if c.AmountCents <= 0 {
		errs = append(errs, errors.New("the amount must be more than € 0"))
	}
	if c.AmountCents > 100_000_000 {
		errs = append(errs, errors.New("the amount is over € 1.000.000: check the figure (amounts are in euros, e.g. 12500 or 12500.50)"))
	}
	return errors.Join(errs...)
}

// Enrolment adds participants, by ID only: their details stay in PostgreSQL.
type Enrolment struct {
	ParticipantIDs []string `json:"participantIds"`
}

// Validate checks the IDs' shape (they must not be names).
func (e Enrolment) Validate() error {
	if len(e.ParticipantIDs) == 0 {
		return errors.New("no participant IDs given")
	}
	if len(e.ParticipantIDs) > 100 {
		return errors.New("more than 100 participants in one action")
	}
	for _, id := range e.ParticipantIDs {
		if !ValidRef(id) {
			return fmt.Errorf("participant ID %q: use 1 to 20 letters, digits or hyphens (an ID, never a name)", id)
		}
	}
	return nil
}

// Location is the teaching location (leslocatie).
type Location struct {
	Name  string `json:"name"`
	Place string `json:"place"`
}

// Internships records the internship places arranged.
type Internships struct {
	Places int `json:"places"`
}

// Postponement moves the start to a later date, by agreement.
type Postponement struct {
	Start  time.Time `json:"start"`
	Reason string    `json:"reason"`
}

// Extension moves a step's due date.
type Extension struct {
	Step   string    `json:"step"`
	Due    time.Time `json:"due"`
	Reason string    `json:"reason"`
}

// Cancellation stops the rollout.
type Cancellation struct {
	Reason string `json:"reason"`
}

// ContactCorrection corrects the e-mail address of a party; e-mails that
// could not be delivered are sent again to the new address.
type ContactCorrection struct {
	Party   Party  `json:"party"` // municipality, producer or teacher
	Teacher string `json:"teacher,omitempty"`
	Email   string `json:"email"`
}

// ProgressReport is the producer's monthly report, counts only.
type ProgressReport struct {
	Month    int `json:"month"` // 1-based month of the cohort
	Active   int `json:"active"`
	DropOuts int `json:"dropOuts"`
}

// PeerGroup records peer-support groups started by participants.
type PeerGroup struct {
	Count int `json:"count"`
}

// Graduation records how many participants graduated.
type Graduation struct {
	Count int `json:"count"`
}

// ValidRef tells whether s can be a teacher or participant reference: 1 to
// 20 letters, digits, hyphens or underscores, an ID rather than a name.
func ValidRef(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

func needReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return errors.New("a reason is required (it is told to everyone concerned)")
	}
	if len(reason) > 500 {
		return errors.New("the reason is longer than 500 characters")
	}
	return nil
}
