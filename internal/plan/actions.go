package plan

import "fmt"

// The rollout's Updates: a staff member, a party through a personal link,
// or the scripted actor sends one to record what happened. These names are
// the workflows' contract; nothing else spells them.
const (
	ActApply      = "apply"      // a producer's application (aanmelding)
	ActAttendance = "attendance" // a course day's attendance (aanwezigheid)
	ActMakeUp     = "make-up"    // a missed course day made up (inhalen)
	ActConfirm    = "confirm"    // a confirm step done: handbook handed out, agreement signed
	ActCount      = "count"      // a number towards a count step: internship places
	ActFunding    = "funding"    // a commitment towards an amount step (toezegging)
	ActTeacher    = "teacher"    // a teacher put forward (docent)
	ActEnrol      = "enrol"      // participants enrolled, by ID (inschrijving)
	ActLocation   = "location"   // the teaching location (leslocatie)
	ActPostpone   = "postpone"   // a later start by agreement (uitstel in overleg)
	ActExtend     = "extend"     // a waiting step's due date moved
	ActCancel     = "cancel"     // the rollout stops
	ActContact    = "contact"    // a party's e-mail address corrected

	// On the cohort (the training itself):
	ActProgress  = "progress"   // the monthly progress report (voortgangsrapportage)
	ActPeerGroup = "peer-group" // peer-support groups started (lotgenotengroepen)
	ActGraduates = "graduates"  // graduates recorded (geslaagden)
)

// Target is which workflow an action goes to.
type Target string

const (
	ToRollout Target = "rollout"
	ToCohort  Target = "cohort"
	// ToWaiting goes to whichever of the two waits on the action's step (extend).
	ToWaiting Target = "waiting"
)

// Action declares one Update: its name, the workflow it goes to, the kind of
// step it completes, its payload, and the fields from which the CLI's flags
// and the console's forms are drawn.
type Action struct {
	Name   string   `json:"name"`           // the Update's name, and the CLI command
	Kind   KindName `json:"kind,omitempty"` // the kind of step it completes; empty: the rollout as a whole
	Target Target   `json:"target"`
	Label  Text     `json:"label"` // a form's heading
	Help   Text     `json:"help"`
	Fields []Field  `json:"fields"`
	// By lists the parties who may do it through their personal link, besides
	// staff; a confirm or count step is done by the step's own party.
	By []Party `json:"by,omitempty"`
	// Weighty actions (cancel, postpone, extend) ask for a reason and a
	// confirmation in the console.
	Weighty bool           `json:"weighty,omitempty"`
	New     func() Payload `json:"-"`
}

// Field returns the action's field with a JSON name, or nil.
func (a Action) Field(name string) *Field {
	for i := range a.Fields {
		if a.Fields[i].Name == name {
			return &a.Fields[i]
		}
	}
	return nil
}

// Actions lists every action, in the order of the lifecycle.
func Actions() []Action { return append([]Action(nil), actions...) }

// ActionNamed returns the action with the Update name.
func ActionNamed(name string) (Action, bool) {
	for _, a := range actions {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}

// MustAction returns a declared action; a name that is not one is a
// programming error.
func MustAction(name string) Action {
	a, ok := ActionNamed(name)
	if !ok {
		panic(fmt.Sprintf("plan: no action %q", name))
	}
	return a
}

var (
	stepField = Field{Name: "step", Flag: "step", Type: FieldStep, Label: T("Stap", "Step"),
		Help:    T("de code van de stap, zoals het overzicht die toont; mag weg als er één openstaat", "the step's ID as the status shows it; may be left out when one waits"),
		Example: "agreement"}
	noteField = Field{Name: "note", Flag: "note", Type: FieldNote, Max: MaxNote, Label: T("Toelichting", "Note"),
		Help: T("optioneel; niet meer dan nodig, geen gezondheidsgegevens", "optional; no more than needed, no health details")}
	reasonField = Field{Name: "reason", Flag: "reason", Type: FieldNote, Required: true, Max: MaxNote, Label: T("Reden", "Reason"),
		Help:    T("gaat per e-mail naar alle betrokkenen: zet er geen gezondheidsgegevens of andere persoonlijke details in", "is e-mailed to everyone concerned: put no health details or other personal details in it"),
		Example: "gemeente beslist in september over het restant"}
	courseField = Field{Name: "course", Flag: "course", Type: FieldText, Required: true, Label: T("Cursus", "Course"),
		Help: T("producer (cursus voor producenten), teacher (docentencursus) of de code van een andere cursus", "producer (the producer course), teacher (the teacher course) or another course's ID"), Example: "producer"}
	dayField     = Field{Name: "day", Flag: "day", Type: FieldInt, Required: true, Min: 1, Max: 20, Label: T("Cursusdag", "Course day"), Help: T("vanaf 1", "from 1"), Example: "1"}
	teacherField = Field{Name: "teacher", Flag: "teacher", Type: FieldRef, Max: MaxRef, Label: T("Docent", "Teacher"),
		Help: T("docentencursus: de docentcode, bijv. T1", "teacher course: the teacher's ID, e.g. T1")}
)

func choices[S ~string](values []S, label func(S) Text) []Choice {
	out := make([]Choice, len(values))
	for i, v := range values {
		out[i] = Choice{Value: string(v), Label: label(v)}
	}
	return out
}

func producerKindLabel(k ProducerKind) Text {
	nl := map[ProducerKind]string{"welzijnsinstelling": "welzijnsinstelling", "roc": "ROC", "volkshogeschool": "volkshogeschool",
		"steunpunt-mantelzorg": "steunpunt mantelzorg", "ggz-instelling": "GGZ-instelling", "provinciale-instelling": "provinciale instelling"}[k]
	return T(nl, string(k))
}

func fundingSourceLabel(s FundingSource) Text {
	switch s {
	case "municipality":
		return T("gemeente", "municipality")
	case "fund":
		return T("fonds", "fund")
	}
	return T("anders", "other")
}

var actions = []Action{
	{
		Name: ActApply, Kind: KindApplication, Target: ToRollout, By: []Party{PartyMunicipality},
		Label: T("Producent aanmelden", "Record a producer's application"),
		Help: T("Een organisatie meldt zich aan als producent van de opleiding in de gemeente. Kan tot de uiterste datum en eenmaal per uitrol; de contactpersoon krijgt een bevestiging met de data van de verplichte cursus voor producenten.",
			"An organisation applies as the producer (producent) of the training in the municipality. Accepted only before the application deadline and once per rollout; the contact gets a confirmation with the dates of the mandatory producer course."),
		Fields: []Field{
			{Name: "organisation", Flag: "organisation", Type: FieldText, Required: true, Max: MaxName, Label: T("Naam van de organisatie", "Organisation"), Example: "Welzijn Utrecht"},
			{Name: "kind", Flag: "kind", Type: FieldChoice, Required: true, Label: T("Soort organisatie", "Kind of producer"), Choices: choices(ProducerKinds, producerKindLabel), Example: "welzijnsinstelling"},
			{Name: "contactName", Flag: "contact-name", Type: FieldText, Required: true, Max: MaxName, Label: T("Naam contactpersoon", "Contact's name"), Example: "Fatma Yilmaz"},
			{Name: "contactEmail", Flag: "contact-email", Type: FieldEmail, Required: true, Label: T("E-mailadres contactpersoon", "Contact's e-mail address"), Example: "f.yilmaz@welzijnutrecht.nl"},
		},
		New: func() Payload { return &ProducerApplication{} },
	},
	{
		Name: ActAttendance, Kind: KindCourse, Target: ToRollout,
		Label: T("Aanwezigheid vastleggen", "Record attendance"),
		Help: T("Wie er was op een cursusdag, zodra die dag begonnen is. Cursus voor producenten: aanwezig of afwezig (een gemiste dag houdt de uitrol op tot hij is ingehaald). Docentencursus: per docent de gevolgde dagdelen; aanwezig betekent alle dagdelen van die dag.",
			"Record who came to a course day, once the day has begun. Producer course: attended or absent (a missed day stalls the rollout until a make-up is recorded). Teacher course: per teacher, the half-days attended that day; attended means all of the day's half-days."),
		Fields: []Field{courseField, dayField, teacherField,
			{Name: "attended", Flag: "attended", Type: FieldBool, Label: T("Aanwezig (de hele dag)", "Attended (the whole day)")},
			{Name: "absent", Flag: "absent", Type: FieldBool, Label: T("Afwezig", "Absent")},
			{Name: "halfDays", Flag: "half-days", Type: FieldInt, Min: 0, Max: 3, Label: T("Gevolgde dagdelen", "Half-days attended"), Help: T("docentencursus: als de docent een deel van de dag was", "teacher course: when the teacher came for part of the day")},
		},
		New: func() Payload { return &Attendance{} },
	},
	{
		Name: ActMakeUp, Kind: KindCourse, Target: ToRollout,
		Label: T("Inhaalmoment vastleggen", "Record a make-up"),
		Help: T("Een gemiste cursusdag, of de gemiste dagdelen van een docent, is ingehaald. Alleen voor een dag die als gemist is vastgelegd; de uitrol gaat dan verder.",
			"A missed producer course day, or a teacher's missed half-days of a teacher course day, were made up (inhalen). Accepted only for a day recorded as missed; it clears the stall."),
		Fields: []Field{courseField, dayField, teacherField, noteField},
		New:    func() Payload { return &MakeUp{} },
	},
	{
		Name: ActConfirm, Kind: KindConfirm, Target: ToRollout,
		Label: T("Bevestigen", "Confirm"),
		Help: T("Een bevestigingsstap is gedaan: het opleidingshandboek is uitgereikt, een overeenkomst is getekend.",
			"A confirm step is done: the training handbook was handed out, an agreement was signed."),
		Fields: []Field{stepField, noteField},
		New:    func() Payload { return &Confirmation{} },
	},
	{
		Name: ActCount, Kind: KindCount, Target: ToRollout, By: []Party{PartyProducer},
		Label: T("Aantal doorgeven", "Report a number"),
		Help: T("Een aantal voor een telstap, zoals de geregelde stageplekken; het vervangt een eerder doorgegeven aantal zolang de stap openstaat.",
			"A number towards a count step, such as the internship places arranged; it replaces an earlier one while the step waits."),
		Fields: []Field{stepField,
			{Name: "count", Flag: "count", Type: FieldInt, Required: true, Min: 0, Max: MaxCount, Label: T("Aantal", "Number"), Example: "8"}},
		New: func() Payload { return &CountReport{} },
	},
	{
		Name: ActFunding, Kind: KindAmount, Target: ToRollout, By: []Party{PartyProducer},
		Label: T("Toezegging vastleggen", "Record a funding commitment"),
		Help: T("Geld dat is toegezegd voor de opleiding. De financiering is rond als de toezeggingen samen de begroting dekken (geplande groep × kosten per deelnemer).",
			"Money committed to the cohort. Funding is secured when the commitments cover the budget (planned group × cost per participant)."),
		Fields: []Field{stepField,
			{Name: "source", Flag: "source", Type: FieldChoice, Required: true, Label: T("Bron", "Source"), Choices: choices(FundingSources, fundingSourceLabel), Example: "municipality"},
			{Name: "name", Flag: "name", Type: FieldText, Max: MaxName, Label: T("Naam financier", "Funder's name"), Help: T("bijv. de naam van het fonds", "e.g. the fund's name"), Example: "Oranje Fonds"},
			{Name: "amountCents", Flag: "amount", Type: FieldEuro, Required: true, Label: T("Bedrag in euro", "Amount in euros"),
				Help: T("bijv. 12500, 12500,50 of 12.500,50; niet negatief, ten hoogste twee decimalen; 12.500 is dubbelzinnig (schrijf 12500 of 12.500,00)",
					"e.g. 12500, 12500.50, 12500,50, 12.500,50 (Dutch grouping), 12,500.50 (English) or € 12.500,50; refused: negative or zero amounts, more than two decimals, badly grouped digits, and the ambiguous 12.500 (write 12500 or 12.500,00)"),
				Example: "12500"},
		},
		New: func() Payload { return &Commitment{} },
	},
	{
		Name: ActTeacher, Kind: KindTeachers, Target: ToRollout, By: []Party{PartyProducer},
		Label: T("Docent aanmelden", "Put a teacher forward"),
		Help: T("Een docent die de producent voordraagt, met een korte code (T1, T2, …) die aanwezigheid en inhalen gebruiken. De docent krijgt een bevestiging en de data van de docentencursus. Ten hoogste vijf per uitrol.",
			"A teacher (docent) the producer puts forward, under a short ID (T1, T2, …; used by attendance and make-up). The teacher is e-mailed a confirmation and the teacher course's dates. At most five per rollout."),
		Fields: []Field{
			{Name: "id", Flag: "id", Type: FieldRef, Required: true, Max: MaxRef, Label: T("Docentcode", "Teacher ID"), Help: T("kort, bijv. T1", "short, e.g. T1"), Example: "T1"},
			{Name: "name", Flag: "name", Type: FieldText, Required: true, Max: MaxName, Label: T("Naam docent", "Teacher's name"), Example: "Ayse Demir"},
			{Name: "email", Flag: "email", Type: FieldEmail, Required: true, Label: T("E-mailadres docent", "Teacher's e-mail address"), Example: "a.demir@example.nl"},
		},
		New: func() Payload { return &TeacherProposal{} },
	},
	{
		Name: ActEnrol, Kind: KindParticipants, Target: ToRollout, By: []Party{PartyProducer},
		Label: T("Deelnemers inschrijven", "Enrol participants"),
		Help: T("Deelnemers inschrijven met alleen hun code: namen, e-mailadressen en telefoonnummers komen nooit in de workflow.",
			"Enrol participants in the cohort. Only their IDs go to the rollout: names, e-mail addresses and phone numbers never enter a workflow history."),
		Fields: []Field{{Name: "participantIds", Flag: "id", Type: FieldRefs, Required: true, Label: T("Deelnemerscodes", "Participant IDs"),
			Help: T("één code per regel (1 tot 20 letters, cijfers, - of _), nooit een naam", "one per line or repeated flag (1 to 20 letters, digits, - or _), never a name"), Example: "P01"}},
		New: func() Payload { return &Enrolment{} },
	},
	{
		Name: ActLocation, Kind: KindLocation, Target: ToRollout, By: []Party{PartyProducer},
		Label: T("Leslocatie vastleggen", "Record the teaching location"),
		Help:  T("Waar de groep bijeenkomt.", "Where the group meets."),
		Fields: []Field{
			{Name: "name", Flag: "name", Type: FieldText, Required: true, Max: MaxName, Label: T("Naam leslocatie", "Location's name"), Example: "Buurthuis De Pijler"},
			{Name: "place", Flag: "place", Type: FieldText, Required: true, Max: MaxName, Label: T("Plaats", "Town or city"), Example: "Utrecht"},
		},
		New: func() Payload { return &Location{} },
	},
	{
		Name: ActPostpone, Kind: KindStart, Target: ToRollout, Weighty: true,
		Label: T("Start uitstellen in overleg", "Postpone the start by agreement"),
		Help: T("Een latere start afspreken met de producent en de gemeente; beiden krijgen een e-mail. Stappen die vóór de start moeten, schuiven mee. De nieuwe start ligt na de geplande en in de toekomst.",
			"Agree a later start (in overleg) with the producer and the municipality, who are both e-mailed. Steps still due before the start move with it. The new start must be later than the planned one and in the future."),
		Fields: []Field{
			{Name: "start", Flag: "start", Type: FieldMoment, Required: true, Label: T("Nieuwe startdatum", "New start"),
				Help: T("JJJJ-MM-DD (09.00 uur die dag) of RFC 3339", "YYYY-MM-DD (09:00 Dutch time that day) or RFC 3339 (2012-10-01T13:30:00+02:00)"), Example: "2012-10-01"},
			reasonField,
		},
		New: func() Payload { return &Postponement{} },
	},
	{
		Name: ActExtend, Target: ToWaiting, Weighty: true,
		Label: T("Uiterste datum verschuiven", "Extend a due date"),
		Help: T("Een openstaande stap krijgt een latere uiterste datum; een vastgelopen stap loopt dan niet meer vast. De start verschuift met uitstel, niet hiermee.",
			"Give a waiting step a later due date; a stalled step is no longer stalled. Steps of the cohort go to the cohort. The start moves with postpone, not with extend."),
		Fields: []Field{
			{Name: "step", Flag: "step", Type: FieldText, Required: true, Label: T("Stap", "Step"), Help: T("de code van de stap, bijv. funding", "the step's ID as the status shows it, e.g. funding"), Example: "funding"},
			{Name: "due", Flag: "due", Type: FieldMoment, Required: true, Label: T("Nieuwe uiterste datum", "New due date"),
				Help: T("JJJJ-MM-DD (09.00 uur die dag) of RFC 3339", "YYYY-MM-DD (09:00 Dutch time that day) or RFC 3339 (2012-10-01T13:30:00+02:00)"), Example: "2012-09-15"},
			reasonField,
		},
		New: func() Payload { return &Extension{} },
	},
	{
		Name: ActCancel, Target: ToRollout, Weighty: true,
		Label: T("Uitrol annuleren", "Cancel the rollout"),
		Help: T("De uitrol stopt, in elke fase; een lopende opleiding ook. De gemeente, de producent, de docenten en BMP krijgen een e-mail met de reden. Dit kan niet ongedaan worden; een nieuwe uitrol voor de gemeente en ronde kan daarna starten.",
			"Stop a rollout at any phase. Every waiting step is cancelled, a running cohort is cancelled with it, and the municipality, the producer, the teachers and BMP staff get an e-mail with the reason. It cannot be undone: a new rollout for the municipality and wave can be started afterwards."),
		Fields: []Field{reasonField},
		New:    func() Payload { return &Cancellation{} },
	},
	{
		Name: ActContact, Target: ToRollout,
		Label: T("E-mailadres corrigeren", "Correct an e-mail address"),
		Help: T("Het adres van de gemeente, de producent of een docent; e-mails die niet afgeleverd konden worden, gaan opnieuw naar het nieuwe adres.",
			"Correct the address of the municipality, the producer or a teacher; e-mails that could not be delivered go again to the new address."),
		Fields: []Field{
			{Name: "party", Flag: "party", Type: FieldChoice, Required: true, Label: T("Van wie", "Whose"), Choices: choices([]Party{PartyMunicipality, PartyProducer, PartyTeacher}, Party.Label), Example: "producer"},
			teacherField,
			{Name: "email", Flag: "email", Type: FieldEmail, Required: true, Label: T("Nieuw e-mailadres", "New e-mail address"), Example: "nieuw@example.nl"},
		},
		New: func() Payload { return &ContactCorrection{} },
	},
	{
		Name: ActProgress, Kind: KindReports, Target: ToCohort, By: []Party{PartyProducer},
		Label: T("Voortgangsrapportage", "Record a progress report"),
		Help: T("De maandelijkse rapportage van de producent, alleen aantallen. Maand N kan zodra die is gevraagd, eenmaal.",
			"The producer's monthly progress report of a running cohort, counts only. Month N is accepted once it was requested, once."),
		Fields: []Field{
			{Name: "month", Flag: "month", Type: FieldInt, Required: true, Min: 1, Max: 24, Label: T("Maand", "Month"), Help: T("van de opleiding, vanaf 1", "of the cohort, from 1"), Example: "1"},
			{Name: "active", Flag: "active", Type: FieldInt, Required: true, Min: 0, Max: MaxRefs, Label: T("Actieve deelnemers", "Active participants"), Example: "15"},
			{Name: "dropOuts", Flag: "drop-outs", Type: FieldInt, Required: true, Min: 0, Max: MaxRefs, Label: T("Uitvallers deze maand", "Drop-outs this month"), Example: "0"},
		},
		New: func() Payload { return &ProgressReport{} },
	},
	{
		Name: ActPeerGroup, Target: ToCohort, By: []Party{PartyProducer},
		Label: T("Lotgenotengroepen", "Record peer-support groups"),
		Help: T("Lotgenotengroepen die deelnemers tijdens of na het praktijkdeel startten.",
			"Peer-support groups (lotgenotengroepen) participants started during the practicum or after it."),
		Fields: []Field{{Name: "count", Flag: "count", Type: FieldInt, Required: true, Min: 1, Max: 50, Label: T("Aantal groepen", "Number of groups"), Example: "2"}},
		New:    func() Payload { return &PeerGroup{} },
	},
	{
		Name: ActGraduates, Kind: KindGraduation, Target: ToCohort, By: []Party{PartyProducer},
		Label: T("Geslaagden doorgeven", "Record the graduates"),
		Help: T("Hoeveel deelnemers zijn geslaagd, als de opleiding voorbij is; de uitrol is dan afgerond en de producent en de gemeente krijgen een e-mail.",
			"How many participants graduated, once the training has ended; the rollout then ends with outcome graduated and the producer and the municipality are e-mailed."),
		Fields: []Field{{Name: "count", Flag: "count", Type: FieldInt, Required: true, Min: 0, Max: MaxRefs, Label: T("Aantal geslaagden", "Number of graduates"), Example: "13"}},
		New:    func() Payload { return &Graduation{} },
	},
}
