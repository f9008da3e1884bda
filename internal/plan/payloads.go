package plan

import (
	"fmt"
	"strings"
	"time"
)

// Payload is what an action sends: a Temporal Update's argument. Check
// looks at the payload on its own (shape, limits); the workflow's validator
// adds the rules that depend on where the rollout stands.
type Payload interface {
	Check() Problems
}

// ProducerKind is the kind of organisation that produces the training; the
// brochure lists these.
type ProducerKind string

// ProducerKinds lists the kinds the brochure names.
var ProducerKinds = []ProducerKind{
	"welzijnsinstelling",
	"roc",
	"volkshogeschool",
	"steunpunt-mantelzorg",
	"ggz-instelling",
	"provinciale-instelling",
}

// ParseProducerKind accepts a kind in any case, with spaces or hyphens.
func ParseProducerKind(s string) (ProducerKind, error) {
	norm := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "-", " ")), "-"))
	norm = strings.TrimSuffix(norm, "'s")
	for _, k := range ProducerKinds {
		if string(k) == norm {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind of producer %q: use one of %s", clip(s), kindList())
}

func kindList() string {
	names := make([]string, len(ProducerKinds))
	for i, k := range ProducerKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// ProducerApplication is a producer's application (aanmelding).
type ProducerApplication struct {
	Organisation string       `json:"organisation"`
	Kind         ProducerKind `json:"kind"`
	ContactName  string       `json:"contactName"`
	ContactEmail string       `json:"contactEmail"`
}

func (a ProducerApplication) Check() Problems {
	var ps Problems
	checkName(&ps, "organisation", a.Organisation, true, T("de naam van de organisatie", "the organisation's name"))
	if _, err := ParseProducerKind(string(a.Kind)); err != nil {
		ps.Addf("kind", "onbekende soort producent %q: kies uit %s", "unknown kind of producer %q: use one of %s", clip(string(a.Kind)), kindList())
	}
	checkName(&ps, "contactName", a.ContactName, true, T("de naam van de contactpersoon", "the contact's name"))
	checkEmail(&ps, "contactEmail", a.ContactEmail, T("het e-mailadres van de contactpersoon", "the contact's e-mail"))
	return ps
}

// Producer is the organisation that runs the training locally (producent).
type Producer struct {
	ProducerApplication
	AppliedAt time.Time `json:"appliedAt"`
}

// Attendance records who came to a course day. Give exactly one of
// Attended, Absent or HalfDays: for a teacher course, attended means all of
// the day's half-days and HalfDays counts fewer.
type Attendance struct {
	Course   string `json:"course"` // the course step's ID; "producer" and "teacher" name the brochure's two
	Day      int    `json:"day"`    // from 1
	Teacher  string `json:"teacher,omitempty"`
	Attended bool   `json:"attended,omitempty"`
	Absent   bool   `json:"absent,omitempty"`
	HalfDays *int   `json:"halfDays,omitempty"`
}

func (a Attendance) Check() Problems {
	var ps Problems
	checkCourseDay(&ps, a.Course, a.Day, a.Teacher)
	given := 0
	for _, b := range []bool{a.Attended, a.Absent, a.HalfDays != nil} {
		if b {
			given++
		}
	}
	if given != 1 {
		ps.Addf("attended", "kies precies één: aanwezig, afwezig of een aantal dagdelen", "give exactly one of --attended, --absent or --half-days N")
	}
	if a.HalfDays != nil && (*a.HalfDays < 0 || *a.HalfDays > 3) {
		ps.Addf("halfDays", "dagdelen: 0 tot 3", "half-days: 0 to 3")
	}
	checkAttendee(&ps, a.Course, a.Teacher, a.HalfDays)
	return ps
}

// checkAttendee knows who attends the brochure's two courses: the producer
// the producer course, each teacher the teacher course (by half-days).
func checkAttendee(ps *Problems, course, teacher string, halfDays *int) {
	switch course {
	case "teacher", "teacher-course":
		if teacher == "" {
			ps.Addf("teacher", "de docentencursus legt aanwezigheid per docent vast: geef de docentcode, bijv. T1", "the teacher course records attendance per teacher: give the teacher's ID, e.g. --teacher T1")
		}
	case "producer", "producer-course":
		if teacher != "" {
			ps.Addf("teacher", "een docent hoort bij de docentencursus; de cursus voor producenten volgt de producent", "a teacher belongs to the teacher course; the producer attends the producer course")
		}
		if halfDays != nil {
			ps.Addf("halfDays", "dagdelen zijn voor de docentencursus; kies aanwezig of afwezig", "half-days are for the teacher course; use attended or absent")
		}
	}
}

func checkCourseDay(ps *Problems, course string, day int, teacher string) {
	switch {
	case strings.TrimSpace(course) == "":
		ps.Addf("course", "welke cursus? bijv. producer of teacher", "which course? e.g. producer or teacher")
	case !ValidID(course):
		ps.Addf("course", "%q is geen cursus: gebruik producer, teacher of de code uit het overzicht", "%q is not a course: use producer, teacher or the ID the status shows", clip(course))
	}
	if day < 1 || day > 20 {
		ps.Addf("day", "cursusdagen tellen vanaf 1", "course days are counted from 1")
	}
	if teacher != "" {
		checkRef(ps, "teacher", teacher, T("docent", "teacher"))
	}
}

// MakeUp records that a missed course day was made up (inhalen).
type MakeUp struct {
	Course  string `json:"course"`
	Day     int    `json:"day"`
	Teacher string `json:"teacher,omitempty"`
	Note    string `json:"note,omitempty"`
}

func (m MakeUp) Check() Problems {
	var ps Problems
	checkCourseDay(&ps, m.Course, m.Day, m.Teacher)
	checkAttendee(&ps, m.Course, m.Teacher, nil)
	checkNote(&ps, "note", m.Note, T("de toelichting", "the note"))
	return ps
}

// Confirmation records that a party did what a confirm step asks: the
// handbook handed out, an agreement signed.
type Confirmation struct {
	Step string `json:"step,omitempty"` // which confirm step; may be left out when one waits
	Note string `json:"note,omitempty"`
}

func (c Confirmation) Check() Problems {
	var ps Problems
	checkStepRef(&ps, c.Step)
	checkNote(&ps, "note", c.Note, T("de toelichting", "the note"))
	return ps
}

func checkStepRef(ps *Problems, step string) {
	if step != "" && !ValidID(step) {
		ps.Addf("step", "%q is geen stap: gebruik de code uit het overzicht, bijv. agreement", "%q is not a step: use the ID the status shows, e.g. agreement", clip(step))
	}
}

// CountReport reports a number towards a count step, such as the internship
// places arranged; it replaces an earlier report while the step waits.
type CountReport struct {
	Step  string `json:"step,omitempty"`
	Count int    `json:"count"`
}

func (c CountReport) Check() Problems {
	var ps Problems
	checkStepRef(&ps, c.Step)
	if c.Count < 0 || c.Count > MaxCount {
		ps.Addf("count", "het aantal moet 0 tot %d zijn", "the count must be 0 to %d", MaxCount)
	}
	return ps
}

// FundingSource is where a commitment comes from.
type FundingSource string

// FundingSources lists the sources.
var FundingSources = []FundingSource{"municipality", "fund", "other"}

// Commitment is money committed towards an amount step (toezegging), in
// euro cents.
type Commitment struct {
	Step        string        `json:"step,omitempty"`
	Source      FundingSource `json:"source"`
	Name        string        `json:"name,omitempty"` // e.g. the fund's name
	AmountCents int64         `json:"amountCents"`
}

func (c Commitment) Check() Problems {
	var ps Problems
	checkStepRef(&ps, c.Step)
	if !oneOf(c.Source, FundingSources) {
		ps.Addf("source", "onbekende bron %q: kies gemeente (municipality), fonds (fund) of anders (other)", "unknown funding source %q: use municipality, fund or other", clip(string(c.Source)))
	}
	checkName(&ps, "name", c.Name, false, T("de naam van de financier", "the funder's name"))
	switch {
	case c.AmountCents <= 0:
		ps.Addf("amountCents", "het bedrag moet meer dan € 0 zijn", "the amount must be more than € 0")
	case c.AmountCents > MaxAmountCents:
		ps.Addf("amountCents", "het bedrag is meer dan € 1.000.000: controleer het getal (bedragen in euro's, bijv. 12500 of 12500,50)", "the amount is over € 1.000.000: check the figure (amounts are in euros, e.g. 12500 or 12500.50)")
	}
	return ps
}

// TeacherProposal is a teacher the producer puts forward (docent).
type TeacherProposal struct {
	ID    string `json:"id"` // a short reference, e.g. T1
	Name  string `json:"name"`
	Email string `json:"email"`
}

func (p TeacherProposal) Check() Problems {
	var ps Problems
	checkRef(&ps, "id", p.ID, T("docentcode", "teacher ID"))
	checkName(&ps, "name", p.Name, true, T("de naam van de docent", "the teacher's name"))
	checkEmail(&ps, "email", p.Email, T("het e-mailadres van de docent", "the teacher's e-mail"))
	return ps
}

// Enrolment adds participants, by ID only: their details stay out of the
// workflow.
type Enrolment struct {
	ParticipantIDs []string `json:"participantIds"`
}

func (e Enrolment) Check() Problems {
	var ps Problems
	switch {
	case len(e.ParticipantIDs) == 0:
		ps.Addf("participantIds", "geen deelnemerscodes ingevuld", "no participant IDs given")
	case len(e.ParticipantIDs) > MaxRefs:
		ps.Addf("participantIds", "meer dan %d deelnemers in één keer", "more than %d participants in one action", MaxRefs)
	}
	seen := map[string]bool{}
	for _, id := range e.ParticipantIDs {
		if !ValidRef(id) {
			checkRef(&ps, "participantIds", id, T("deelnemer", "participant"))
			break
		}
		if seen[strings.ToLower(id)] {
			ps.Addf("participantIds", "deelnemer %s staat er twee keer in", "participant %s is given twice", id)
			break
		}
		seen[strings.ToLower(id)] = true
	}
	return ps
}

// Location is the teaching location (leslocatie).
type Location struct {
	Name  string `json:"name"`
	Place string `json:"place"`
}

func (l Location) Check() Problems {
	var ps Problems
	checkName(&ps, "name", l.Name, true, T("de naam van de leslocatie", "the location's name"))
	checkName(&ps, "place", l.Place, true, T("de plaats", "the place"))
	return ps
}

// Postponement moves the start to a later date, by agreement (uitstel in
// overleg).
type Postponement struct {
	Start  time.Time `json:"start"`
	Reason string    `json:"reason"`
}

func (p Postponement) Check() Problems {
	var ps Problems
	checkMoment(&ps, "start", p.Start, T("de nieuwe startdatum", "the new start"))
	checkReason(&ps, p.Reason)
	return ps
}

// checkReason requires a reason, which is e-mailed to the parties.
func checkReason(ps *Problems, reason string) {
	if strings.TrimSpace(reason) == "" {
		ps.Addf("reason", "een reden is verplicht (die gaat per e-mail naar alle betrokkenen)", "a reason is required (it is e-mailed to everyone concerned)")
		return
	}
	checkNote(ps, "reason", reason, T("de reden", "the reason"))
}

// Extension moves a waiting step's due date.
type Extension struct {
	Step   string    `json:"step"`
	Due    time.Time `json:"due"`
	Reason string    `json:"reason"`
}

func (e Extension) Check() Problems {
	var ps Problems
	if strings.TrimSpace(e.Step) == "" {
		ps.Addf("step", "welke stap? bijv. funding", "which step? e.g. funding")
	}
	checkStepRef(&ps, e.Step)
	checkMoment(&ps, "due", e.Due, T("de nieuwe uiterste datum", "the new due date"))
	checkReason(&ps, e.Reason)
	return ps
}

// Cancellation stops the rollout.
type Cancellation struct {
	Reason string `json:"reason"`
}

func (c Cancellation) Check() Problems {
	var ps Problems
	checkReason(&ps, c.Reason)
	return ps
}

// ContactCorrection corrects a party's e-mail address; e-mails that could
// not be delivered go again to the new address.
type ContactCorrection struct {
	Party   Party  `json:"party"` // municipality, producer or teacher
	Teacher string `json:"teacher,omitempty"`
	Email   string `json:"email"`
}

func (c ContactCorrection) Check() Problems {
	var ps Problems
	switch c.Party {
	case PartyMunicipality, PartyProducer:
	case PartyTeacher:
		if c.Teacher == "" {
			ps.Addf("teacher", "welke docent? geef de docentcode, bijv. T1", "which teacher? give the teacher's ID, e.g. T1")
		}
	default:
		ps.Addf("party", "kies gemeente (municipality), producent (producer) of docent (teacher), niet %q", "party must be municipality, producer or teacher, not %q", clip(string(c.Party)))
	}
	if c.Teacher != "" {
		checkRef(&ps, "teacher", c.Teacher, T("docent", "teacher"))
	}
	checkEmail(&ps, "email", c.Email, T("het nieuwe e-mailadres", "the new e-mail address"))
	return ps
}

// ProgressReport is the producer's monthly report, counts only
// (voortgangsrapportage).
type ProgressReport struct {
	Month    int `json:"month"` // of the cohort, from 1
	Active   int `json:"active"`
	DropOuts int `json:"dropOuts"`
}

func (p ProgressReport) Check() Problems {
	var ps Problems
	if p.Month < 1 || p.Month > 24 {
		ps.Addf("month", "de maand telt vanaf 1", "the month counts from 1")
	}
	if p.Active < 0 || p.Active > MaxRefs {
		ps.Addf("active", "actieve deelnemers: 0 tot %d", "active participants: 0 to %d", MaxRefs)
	}
	if p.DropOuts < 0 || p.DropOuts > MaxRefs {
		ps.Addf("dropOuts", "uitvallers: 0 tot %d", "drop-outs: 0 to %d", MaxRefs)
	}
	return ps
}

// PeerGroup records peer-support groups participants started
// (lotgenotengroepen).
type PeerGroup struct {
	Count int `json:"count"`
}

func (g PeerGroup) Check() Problems {
	var ps Problems
	if g.Count < 1 || g.Count > 50 {
		ps.Addf("count", "het aantal groepen moet 1 tot 50 zijn", "count must be 1 to 50")
	}
	return ps
}

// Graduation records how many participants graduated (geslaagden).
type Graduation struct {
	Count int `json:"count"`
}

func (g Graduation) Check() Problems {
	var ps Problems
	if g.Count < 0 || g.Count > MaxRefs {
		ps.Addf("count", "het aantal geslaagden moet 0 tot %d zijn", "the count must be 0 to %d", MaxRefs)
	}
	return ps
}
