package wave

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// A wave file's "steps" adds steps of the generic kinds to the brochure's,
// with no Go code: a party confirms by a date (confirm), a count of at
// least N (count), commitments that must cover a budget (amount), or course
// days with attendance and make-ups (course). For example:
//
//	"steps": [{"id": "agreement", "kind": "confirm", "party": "municipality",
//	           "label": "samenwerkingsovereenkomst getekend", "labelEn": "cooperation agreement signed",
//	           "due": "2013-05-01", "requiredForStart": true}]

// stepFields are a file step's fields, in the order problems are reported.
var stepFields = []string{
	"id", "kind", "label", "labelEn", "help", "helpEn", "party", "phase", "track", "due", "requiredForStart", "remindDays",
	"minimum", "maximum", "budget", "ask", "attendees", "days",
}

// kindParams are the fields only some kinds take.
var kindParams = map[string][]plan.KindName{
	"minimum": {plan.KindCount}, "maximum": {plan.KindCount},
	"budget": {plan.KindAmount}, "ask": {plan.KindAmount},
	"attendees": {plan.KindCourse}, "days": {plan.KindCourse},
}

// MaxFileSteps is how many steps a wave file may add.
const MaxFileSteps = 20

func (p *fileParser) steps(raw json.RawMessage, d Dates) []plan.Step {
	if isAbsent(raw) {
		return nil
	}
	items := p.list(raw, "steps", "steps", MaxFileSteps)
	var out []plan.Step
	for i, item := range items {
		where := fmt.Sprintf("steps[%d]", i+1)
		f, ok := p.object(item, where, "a step", stepFields)
		if !ok {
			continue
		}
		if s, ok := p.step(f, where, d, out); ok {
			out = append(out, s)
		}
	}
	return out
}

// step reads one step; earlier are the file's steps read before it.
func (p *fileParser) step(f map[string]json.RawMessage, where string, d Dates, earlier []plan.Step) (plan.Step, bool) {
	before := len(p.problems)
	s := plan.Step{Phase: plan.PhasePreparation, Remind: d.ReminderLead}
	s.ID = p.stepID(f["id"], where+".id", earlier)
	s.Kind = p.stepKind(f["kind"], where+".kind")
	for _, field := range stepFields {
		kinds, param := kindParams[field]
		if param && !isAbsent(f[field]) && s.Kind != "" && !slices.Contains(kinds, s.Kind) {
			p.addf(where+"."+field, "a %s step has no %s: only a %s step does", s.Kind, field, kinds[0])
		}
	}
	s.Label = plan.T(p.label(f["label"], where+".label", true), p.label(f["labelEn"], where+".labelEn", false))
	s.Help = plan.T(p.label(f["help"], where+".help", false), p.label(f["helpEn"], where+".helpEn", false))
	s.Party = p.party(f["party"], where+".party", true)
	if !isAbsent(f["phase"]) {
		if ph, ok := p.text(f["phase"], where+".phase", `"preparation" or "producer-course"`); ok {
			s.Phase = plan.Phase(ph)
		}
		if s.Phase != plan.PhasePreparation && s.Phase != plan.PhaseProducerCourse {
			p.addf(where+".phase", "%q: a file step opens in phase \"preparation\" (the default) or \"producer-course\"", clip(string(s.Phase)))
		}
	}
	if !isAbsent(f["track"]) {
		if t, ok := p.text(f["track"], where+".track", `a track's name, e.g. "teacher"`); ok && plan.ValidID(t) {
			s.Track = t
		} else if ok {
			p.addf(where+".track", "%q: a track is named like a step ID, e.g. \"teacher\"", clip(t))
		}
	}
	s.Required = p.boolean(f["requiredForStart"], where+".requiredForStart")
	s.Remind = time.Duration(p.integer(f["remindDays"], where+".remindDays", 0, 90, int64(d.ReminderLead/day))) * day
	p.kindParams(&s, f, where, d)
	return s, len(p.problems) == before
}

func (p *fileParser) stepID(raw json.RawMessage, field string, earlier []plan.Step) string {
	id, ok := p.text(raw, field, `the step's ID, e.g. "agreement"`)
	switch {
	case !ok:
	case !plan.ValidID(id):
		p.addf(field, "%q is not a usable step ID: lower-case letters, digits and single hyphens, starting with a letter, e.g. \"agreement\"", clip(id))
	case builtinStep(id):
		p.addf(field, "%q is one of the brochure's steps: choose another ID", id)
	case plan.Find(earlier, id) != nil:
		p.addf(field, "%q is given to two steps: give each step its own ID", id)
	default:
		return id
	}
	return ""
}

func builtinStep(id string) bool {
	for _, s := range Wave2012().Steps {
		for _, part := range s.Parts(time.Time{}) {
			if part.ID == id || s.ID == id {
				return true
			}
		}
	}
	return false
}

func (p *fileParser) stepKind(raw json.RawMessage, field string) plan.KindName {
	var inFile []string
	for _, k := range plan.Kinds() {
		if k.InFile {
			inFile = append(inFile, string(k.Name))
		}
	}
	name, ok := p.text(raw, field, "the kind: "+strings.Join(inFile, ", "))
	if !ok {
		return ""
	}
	if k, known := plan.KindOf(plan.KindName(name)); known && k.InFile {
		return k.Name
	}
	p.addf(field, "%q: a wave file adds steps of kind %s%s", clip(name), strings.Join(inFile, ", "), suggest(name, inFile))
	return ""
}

// label reads a name a person reads: one line, at most 100 characters.
func (p *fileParser) label(raw json.RawMessage, field string, required bool) string {
	if isAbsent(raw) && !required {
		return ""
	}
	v, ok := p.text(raw, field, `a text, e.g. "samenwerkingsovereenkomst getekend"`)
	if !ok {
		return ""
	}
	if v = strings.TrimSpace(v); !printable(v, 100) {
		p.addf(field, "expected 1 to 100 characters on one line, found %s", describe(raw))
		return ""
	}
	return v
}

func (p *fileParser) party(raw json.RawMessage, field string, required bool) plan.Party {
	if isAbsent(raw) && !required {
		return ""
	}
	names := make([]string, len(plan.Parties))
	for i, q := range plan.Parties {
		names[i] = string(q)
	}
	v, ok := p.text(raw, field, "who acts: "+strings.Join(names, ", "))
	if !ok {
		return ""
	}
	if q := plan.Party(v); q.Valid() {
		return q
	}
	p.addf(field, "%q: who acts is one of %s%s", clip(v), strings.Join(names, ", "), suggest(v, names))
	return ""
}

// kindParams reads what the step's kind needs: its due date (or its days),
// and its own parameters with their defaults.
func (p *fileParser) kindParams(s *plan.Step, f map[string]json.RawMessage, where string, d Dates) {
	if s.Kind != plan.KindCourse {
		s.Due = p.moment(f["due"], where+".due", deadline)
	} else if !isAbsent(f["due"]) {
		p.addf(where+".due", "a course step is due after each day (its attendance): give its days, not a due date")
	}
	switch s.Kind {
	case plan.KindCount:
		s.Minimum = int(p.integer(f["minimum"], where+".minimum", 1, plan.MaxCount, 1))
		s.Maximum = int(p.integer(f["maximum"], where+".maximum", int64(max(s.Minimum, 1)), plan.MaxCount, plan.MaxCount))
	case plan.KindAmount:
		budget := int64(d.PlannedGroup) * d.CostPerParticipantCents
		s.BudgetCents = p.amount(f["budget"], where+".budget", false, budget)
		s.Ask = p.party(f["ask"], where+".ask", false)
	case plan.KindCourse:
		s.Attendees = p.party(f["attendees"], where+".attendees", true)
		if s.Attendees != "" && s.Attendees != plan.PartyProducer && s.Attendees != plan.PartyTeacher {
			p.addf(where+".attendees", "%q: a course is attended by the producer or the teachers (\"producer\" or \"teacher\")", s.Attendees)
		}
		s.Days = p.courseDays(f["days"], where+".days")
		s.Grace = d.AttendanceGrace
		s.Due = lastEnd(s.Days).Add(s.Grace)
	}
}
