package console

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// taskPage is a party's task page: their tasks with the state of each in
// plain Dutch, a form for each they may do now, their course days, and
// what has been recorded.
type taskPage struct {
	Party        plan.Party
	Who          string // Welzijn Utrecht, gemeente Utrecht, Ayse Demir
	Intro        string // on whose behalf the page is
	Municipality municipality.Municipality
	Wave         string
	Done         *taskDone
	Problems     []string // about the page as a whole (an offer gone meanwhile)
	Tasks        []taskItem
	Forms        []form
	DaysTitle    string
	Days         []courseDay
	DaysNote     string
	Expect       []string
	Facts        []fact
}

func (p taskPage) PageTitle() string {
	return "Uw taken voor de AMWAHT-opleiding in " + p.Municipality.Name
}

// taskItem is one task with its state: "al geregeld", "nog te doen".
type taskItem struct {
	Label, State, When, Detail, Help string
	Class                            string // done, todo, late, off
}

// courseDay is a course day the party comes to.
type courseDay struct{ When, Place, Length, State string }

// fact is something recorded that the party should know.
type fact struct{ Key, Value string }

// taskDone confirms a submission and says what comes next.
type taskDone struct{ What, Next string }

// rolloutPlan is what a rollout was started with: its plan never changes
// for the run, so the pages read it once.
type rolloutPlan = rollout.Input

// taskView is everything a task page is drawn from.
type taskView struct {
	link   links.Link
	st     rollout.Status
	cohort *rollout.Status
	in     rolloutPlan
	now    time.Time
}

// loadTaskView reads the rollout the link opens: its status, its cohort's,
// and its plan.
func (s *Server) loadTaskView(ctx context.Context, l links.Link) (taskView, error) {
	v := taskView{link: l, now: s.now()}
	rc, err := s.linkClient(plan.Actor{})
	if err != nil {
		return v, err
	}
	if v.st, err = rc.Status(ctx, l.WorkflowID); err != nil {
		return v, err
	}
	if v.cohort, err = rc.CohortOf(ctx, v.st); err != nil {
		s.log.Warn("cohort status", "workflow_id", v.st.CohortID, "error", err)
	}
	v.in, err = s.planOf(ctx, rc, l)
	return v, err
}

// planOf reads a rollout's input once per run.
func (s *Server) planOf(ctx context.Context, rc *rollout.Client, l links.Link) (rolloutPlan, error) {
	t := s.tasks()
	key := l.WorkflowID + "/" + l.RunID
	t.mu.Lock()
	in, ok := t.inputs[key]
	t.mu.Unlock()
	if ok && l.RunID != "" {
		return in, nil
	}
	in, err := rc.RolloutInput(ctx, l.WorkflowID)
	if err != nil {
		return in, err
	}
	t.mu.Lock()
	if len(t.inputs) > 2000 {
		clear(t.inputs)
	}
	t.inputs[key] = in
	t.mu.Unlock()
	return in, nil
}

// who is the party's name as the actor of what it records.
func (v taskView) who() string {
	switch v.link.Party {
	case plan.PartyProducer:
		if v.st.Producer != nil && strings.TrimSpace(v.st.Producer.Organisation) != "" {
			return v.st.Producer.Organisation
		}
	case plan.PartyMunicipality:
		return v.st.Municipality.Name
	case plan.PartyTeacher:
		for _, t := range v.st.Teachers {
			if t.ID == v.link.Teacher && strings.TrimSpace(t.Name) != "" {
				return t.Name
			}
		}
		return v.link.Teacher
	}
	return v.link.Party.Label().In(plan.NL)
}

// actor is who the party's actions record.
func (v taskView) actor() plan.Actor {
	return plan.Actor{Via: plan.ViaLink, Party: v.link.Party, Name: v.who()}
}

func (v taskView) situation() situation {
	return situation{st: v.st, cohort: v.cohort, wave: v.in.Wave, now: v.now}
}

// offers are the actions the party may do now: those whose declaration
// lets the party act through a link, and a confirm or count step of the
// party's own.
func (v taskView) offers() []offer {
	var out []offer
	for _, o := range v.situation().offers() {
		if mayDo(o, v.link.Party, v.in.Wave) {
			out = append(out, o)
		}
	}
	return out
}

func mayDo(o offer, p plan.Party, w wave.Calendar) bool {
	switch o.Action.Name {
	case plan.ActConfirm, plan.ActCount:
		s := plan.Find(w.Steps, o.Preset["step"])
		return s != nil && s.Party == p
	}
	return slices.Contains(o.Action.By, p)
}

// page draws the task page; a refused submission's form is shown opened
// with its values and problems.
func (s *Server) taskPageOf(ctx context.Context, v taskView, ref *refusal) taskPage {
	p := taskPage{Party: v.link.Party, Who: v.who(), Municipality: v.st.Municipality, Wave: v.st.Wave}
	switch v.link.Party {
	case plan.PartyMunicipality:
		p.Intro = "U bent hier namens de gemeente " + v.st.Municipality.Name + "."
	case plan.PartyProducer:
		p.Intro = "U bent hier namens " + p.Who + ", de producent van de opleiding."
	case plan.PartyTeacher:
		p.Intro = "U bent hier als docent van de opleiding: " + p.Who + "."
	}
	p.Tasks = v.tasks()
	csrf := s.taskCSRFToken(ctx)
	for _, o := range v.offers() {
		var values url.Values
		var problems plan.Problems
		if ref != nil && ref.key == o.Key {
			values, problems = ref.values, ref.problems
		}
		f := buildForm(o, "/taak/"+o.Action.Name, values, problems)
		f.CSRF = csrf
		if h := stepHelp(o, v.in.Wave); h != "" {
			f.Help = h
		}
		if o.Action.Name == plan.ActEnrol {
			withUpload(&f, problems)
		}
		p.Forms = append(p.Forms, f)
	}
	if len(p.Forms) == 1 {
		p.Forms[0].Open = true // one thing to do: no need to look for it
	}
	v.courseDays(&p)
	v.facts(&p)
	return p
}

// stepHelp is what the plan tells the party about the step an offer
// records, where it says something.
func stepHelp(o offer, w wave.Calendar) string {
	var steps []plan.Step
	if id := o.Preset["step"]; id != "" {
		if s := plan.Find(w.Steps, id); s != nil {
			steps = append(steps, *s)
		}
	} else if o.Action.Kind != "" {
		steps = plan.OfKind(w.Steps, o.Action.Kind)
	}
	if len(steps) != 1 {
		return ""
	}
	return steps[0].Help.In(plan.NL)
}

// withUpload adds the participants file to the enrolment form: the IDs may
// be typed, or come from a file as starter enrol --csv reads it.
func withUpload(f *form, problems plan.Problems) {
	for i := range f.Fields {
		if f.Fields[i].Name == "participantIds" {
			f.Fields[i].Required = false
			f.Fields[i].Help = "Typ één code per regel, bijvoorbeeld P01. Gebruik nooit een naam. Of kies hieronder een bestand."
		}
	}
	f.Fields = append(f.Fields, field{
		ID: f.Key + "-csv", Name: "csv", Kind: "input", InputType: "file", Label: "Of: een bestand met deelnemers (CSV)",
		Help:     "Eerste regel: id,name,email,phone. Daarna één deelnemer per regel. Alleen de codes gaan naar de uitrol; namen, e-mailadressen en telefoonnummers bewaart Stichting BMP apart.",
		Problems: texts(problems.For("csv")),
	})
	var rest []string
	for _, p := range f.Problems {
		if !slices.Contains(texts(problems.For("csv")), p) {
			rest = append(rest, p)
		}
	}
	f.Problems = rest
}

// tasks are the party's lines of the plan with their state in plain Dutch;
// of a step with many months' reports, the ones far ahead are left out.
func (v taskView) tasks() []taskItem {
	var out []taskItem
	var lines []rollout.Step
	lines = append(lines, v.st.Steps...)
	if v.cohort != nil {
		lines = append(lines, v.cohort.Steps...)
	}
	ahead := map[string]bool{}
	for _, l := range lines {
		ps := plan.Find(v.in.Wave.Steps, l.Step)
		if !v.concerns(l, ps) {
			continue
		}
		if l.State == plan.StateUpcoming && ps != nil && ps.Phase == plan.PhaseCohort && v.st.Phase != plan.PhaseCohort {
			continue // the training's own lines show once it runs
		}
		if l.Kind == plan.KindReports && l.State == plan.StateUpcoming {
			if ahead[l.Step] {
				continue
			}
			ahead[l.Step] = true
		}
		out = append(out, v.item(l, ps))
	}
	return out
}

// concerns tells whether a line is the party's: theirs to do (the line's
// party), a teacher's own, or (for the municipality) money it is asked for.
func (v taskView) concerns(l rollout.Step, ps *plan.Step) bool {
	if l.Kind == plan.KindCourse || l.Kind == plan.KindStart {
		return false // course days have a list of their own; the start is BMP's
	}
	if l.Party == v.link.Party {
		return true
	}
	return ps != nil && ps.Ask == v.link.Party
}

// item says a line's state as the party reads it.
func (v taskView) item(l rollout.Step, ps *plan.Step) taskItem {
	it := taskItem{Label: capitalise(l.Label.In(plan.NL))}
	task := v.actsOn(l, ps)
	if ps != nil && l.State != plan.StateDone {
		it.Help = ps.Help.In(plan.NL)
	}
	if ps != nil && ps.Ask == v.link.Party && l.Party != v.link.Party {
		it.Help = "De producent geeft de toezeggingen door. Zegt de gemeente geld toe? Laat het de producent weten."
		task = false
	}
	due := dueText(l.Due)
	switch l.State {
	case plan.StateDone:
		it.State, it.Class, it.Detail = "al geregeld", "done", l.LastAction.In(plan.NL)
		if !task {
			it.State = "klaar"
		}
	case plan.StatePending, plan.StateUpcoming:
		if task && v.settled(l, ps) {
			// Recorded before its phase opened: the producer-tasks e-mail says so too.
			it.State, it.Class, it.Detail, it.Help = "al geregeld", "done", l.LastAction.In(plan.NL), ""
			break
		}
		it.State, it.Class, it.When = "nog te doen", "todo", "uiterlijk "+due
		if !task {
			it.State = map[plan.State]string{plan.StatePending: "loopt nu", plan.StateUpcoming: "gepland"}[l.State]
			it.When, it.Class = "tot "+due, "off"
		}
		if !l.LastAction.IsZero() {
			it.Detail = "Tot nu toe: " + l.LastAction.In(plan.NL)
		}
	case plan.StateOverdue:
		it.State, it.Class, it.When = "te laat", "late", "dit moest uiterlijk "+due+". Doe het zo snel mogelijk, of bel de backoffice."
	case plan.StateWaived:
		it.State, it.Class = "vervallen", "off"
	case plan.StateCancelled:
		it.State, it.Class = "geannuleerd", "off"
	}
	return it
}

// settled tells whether a line not yet open already has what completes
// it, recorded in advance, by what the status shows of its kind.
func (v taskView) settled(l rollout.Step, ps *plan.Step) bool {
	if ps == nil || l.LastAction.IsZero() {
		return false
	}
	st := v.st
	switch l.Kind {
	case plan.KindTeachers:
		return len(st.Teachers) > 0
	case plan.KindParticipants:
		return st.Participants >= ps.Minimum
	case plan.KindAmount:
		return ps.BudgetCents > 0 && st.CommittedCents >= ps.BudgetCents
	case plan.KindLocation:
		return st.Location != nil
	case plan.KindCount:
		return ps.ID == wave.StepInternships && st.Internships >= ps.Minimum
	case plan.KindConfirm:
		return true
	}
	return false
}

// actsOn tells whether the party does this line itself (through a form),
// rather than it running by itself (a module) or being someone else's.
func (v taskView) actsOn(l rollout.Step, ps *plan.Step) bool {
	for _, a := range plan.Actions() {
		if a.Kind != l.Kind || a.Kind == "" {
			continue
		}
		if slices.Contains(a.By, v.link.Party) || ((a.Name == plan.ActConfirm || a.Name == plan.ActCount) && ps != nil && ps.Party == v.link.Party) {
			return true
		}
	}
	return false
}

// dueText writes a due moment: the date alone when it is the end of the
// day, as deadlines are; with the time otherwise (course days, and a
// compressed demo wave).
func dueText(t time.Time) string {
	l := t.In(wave.Amsterdam)
	if l.Hour() == 23 && l.Minute() == 59 {
		return mail.DutchDate(t)
	}
	return mail.DutchDateTime(t)
}

// courseDays lists the days of the course the party comes to: a producer
// the producer course, a teacher the teacher course with what they
// followed so far.
func (v taskView) courseDays(p *taskPage) {
	if v.link.Party == plan.PartyMunicipality {
		return
	}
	for _, cs := range plan.OfKind(v.in.Wave.Steps, plan.KindCourse) {
		if cs.Attendees != v.link.Party {
			continue
		}
		p.DaysTitle = "Uw cursusdagen: " + cs.Label.In(plan.NL)
		for _, d := range cs.Days {
			cd := courseDay{When: mail.DutchDateTime(d.Date), Place: d.Place, State: "nog te komen"}
			switch {
			case d.HalfDays == 1:
				cd.Length = "1 dagdeel"
			case d.HalfDays > 1:
				cd.Length = fmt.Sprintf("%d dagdelen", d.HalfDays)
			}
			if d.Overnight {
				cd.Length += ", met overnachting"
			}
			if d.End.Before(v.now) {
				cd.State = "geweest"
			}
			p.Days = append(p.Days, cd)
		}
		if v.link.Party == plan.PartyTeacher {
			v.teacherExpect(p, cs)
		} else {
			p.DaysNote = "De cursus is verplicht. Kunt u een dag echt niet? Bel of mail de backoffice vóór die dag."
		}
	}
}

// teacherExpect says what a teacher is expected to do, and how far they got.
func (v taskView) teacherExpect(p *taskPage, course plan.Step) {
	total := course.TeacherHalfDays()
	for _, t := range v.st.Teachers {
		if t.ID != v.link.Teacher {
			continue
		}
		switch {
		case t.Complete:
			p.DaysNote = "U heeft de docentencursus helemaal gevolgd. Dank u."
		case t.HalfDays > 0:
			p.DaysNote = fmt.Sprintf("U volgde tot nu toe %d van de %d dagdelen.", t.HalfDays, total)
		}
	}
	org := "de producent"
	if v.st.Producer != nil {
		org = v.st.Producer.Organisation
	}
	p.Expect = []string{
		fmt.Sprintf("Kom naar alle dagen van de docentencursus. Samen zijn het %d dagdelen.", total),
		"Kunt u een dag echt niet? Bel of mail de backoffice vóór die dag. Dan spreken we een inhaalmoment af.",
		fmt.Sprintf("Na de cursus geeft u de AMWAHT-opleiding in %s, samen met %s.", v.st.Municipality.Name, org),
	}
}

// facts are what has been recorded that the party should know.
func (v taskView) facts(p *taskPage) {
	st := v.st
	add := func(k, val string) { p.Facts = append(p.Facts, fact{k, val}) }
	if st.Producer != nil {
		add("Producent", fmt.Sprintf("%s (%s)", st.Producer.Organisation, st.Producer.Kind))
	} else if v.link.Party == plan.PartyMunicipality {
		add("Producent", "nog niet aangemeld")
	}
	if st.Phase != plan.PhaseApplication {
		add("Financiering", fmt.Sprintf("%s toegezegd van %s", mail.Euro(st.CommittedCents), mail.Euro(st.BudgetCents)))
	}
	if v.link.Party == plan.PartyProducer {
		add("Deelnemers", fmt.Sprintf("%d ingeschreven (minimaal %d)", st.Participants, st.MinimumGroup))
		var ts []string
		for _, t := range st.Teachers {
			ts = append(ts, fmt.Sprintf("%s (%s)", t.Name, t.ID))
		}
		if len(ts) > 0 {
			add("Docenten", strings.Join(ts, ", "))
		}
		if st.Internships > 0 {
			add("Stageplekken", fmt.Sprint(st.Internships))
		}
	}
	if st.Location != nil {
		add("Leslocatie", st.Location.Name+", "+st.Location.Place)
	}
	if st.StartedAt.IsZero() {
		add("Start van de opleiding", "gepland op "+mail.DutchDateTime(st.PlannedStart))
	} else {
		add("Start van de opleiding", "gestart op "+mail.DutchDate(st.StartedAt))
	}
}

// confirmation says what was just recorded and what comes next.
func (v taskView) confirmation(action string) *taskDone {
	st := v.st
	d := &taskDone{What: "Dank u. Wij hebben het ontvangen.", Next: "Hieronder ziet u wat er nog te doen is."}
	switch action {
	case plan.ActApply:
		d.What = "Dank u. De producent is aangemeld."
		d.Next = "De producent krijgt een e-mail met de data van de verplichte cursus voor producenten. U hoeft nu niets meer te doen."
	case plan.ActTeacher:
		d.What = "Dank u. De docent is aangemeld."
		d.Next = "De docent krijgt een e-mail met de data van de docentencursus. Wilt u nog een docent aanmelden? Dat kan hieronder."
	case plan.ActFunding:
		d.What = "Dank u. De toezegging is vastgelegd."
		if left := st.BudgetCents - st.CommittedCents; left > 0 {
			d.Next = fmt.Sprintf("Er is nu %s toegezegd. Er ontbreekt nog %s. Geef de volgende toezegging ook hier door.", mail.Euro(st.CommittedCents), mail.Euro(left))
		} else {
			d.Next = "De financiering is rond. Hieronder ziet u wat er nog te doen is."
		}
	case plan.ActEnrol:
		d.What = "Dank u. De deelnemers zijn ingeschreven."
		d.Next = fmt.Sprintf("Er zijn nu %d deelnemers ingeschreven. Er zijn er minimaal %d nodig om te starten.", st.Participants, st.MinimumGroup)
	case plan.ActLocation:
		d.What = "Dank u. De leslocatie is vastgelegd."
	case plan.ActCount:
		d.What = "Dank u. Het aantal is vastgelegd."
	case plan.ActProgress:
		d.What = "Dank u. De rapportage is ontvangen."
		d.Next = "Volgende maand vragen wij u weer om een rapportage, per e-mail."
	case plan.ActPeerGroup:
		d.What = "Dank u. De lotgenotengroepen zijn vastgelegd."
	case plan.ActGraduates:
		d.What = "Dank u. De geslaagden zijn doorgegeven."
		d.Next = "De opleiding is nu afgerond. U en de gemeente krijgen een e-mail."
	}
	return d
}
