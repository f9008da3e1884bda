package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stichtingbmp/amwaht/internal/address"
)

// Limits every input shares. Names and free text are bounded so that no
// action can grow a workflow's history beyond reason.
const (
	MaxName        = 200         // organisations, people, places, funds
	MaxNote        = 500         // notes and reasons
	MaxRef         = 20          // IDs of teachers and participants
	MaxRefs        = 100         // participants in one enrolment
	MaxTeachers    = 5           // per rollout
	MaxPlaces      = 100         // internship places
	MaxAmountCents = 100_000_000 // € 1.000.000 in one commitment
	MaxCount       = 10_000      // any count
)

// FieldType says how a field is typed in and read.
type FieldType string

const (
	FieldText   FieldType = "text"   // one line
	FieldNote   FieldType = "note"   // free text, bounded
	FieldEmail  FieldType = "email"  // one e-mail address
	FieldRef    FieldType = "ref"    // a short ID such as T1
	FieldRefs   FieldType = "refs"   // several IDs (repeat the flag; one per line in a form)
	FieldInt    FieldType = "int"    // a whole number
	FieldEuro   FieldType = "euro"   // euros as people type them, read into cents
	FieldMoment FieldType = "moment" // a date (09:00 Dutch time) or an exact moment
	FieldChoice FieldType = "choice" // one of Choices
	FieldBool   FieldType = "bool"   // yes or no
	FieldStep   FieldType = "step"   // which step of the action's kind (when a plan has several)
)

// Choice is one option of a choice field.
type Choice struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// Field is one input of an action: a CLI flag, a form field, and the
// payload's JSON key it fills.
type Field struct {
	Name     string    `json:"name"` // the payload's JSON key
	Flag     string    `json:"flag"` // the CLI flag, without --
	Type     FieldType `json:"type"`
	Label    Text      `json:"label"`
	Help     Text      `json:"help,omitzero"`
	Required bool      `json:"required,omitempty"`
	Min      int       `json:"min,omitempty"` // int: the smallest value
	Max      int       `json:"max,omitempty"` // int: the largest value; text and note: the length
	Choices  []Choice  `json:"choices,omitempty"`
	Example  string    `json:"example,omitempty"` // for help texts: "12500", "T1"
}

// Parse reads a field's typed-in values (one, or several for FieldRefs)
// into the JSON value of its payload key.
func (f Field) Parse(raw []string) (any, *Problem) {
	vals := nonBlank(raw, f.Type == FieldNote)
	if len(vals) == 0 {
		if f.Type == FieldBool {
			return false, nil
		}
		if f.Required {
			return nil, f.problem("vul dit in", "this is required")
		}
		return nil, nil
	}
	if f.Type != FieldRefs && len(vals) > 1 {
		return nil, f.problem("geef één waarde", "give one value")
	}
	v := vals[0]
	switch f.Type {
	case FieldInt:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, f.problem(fmt.Sprintf("%q is geen heel getal", address.Clip(v)), fmt.Sprintf("%q is not a whole number", address.Clip(v)))
		}
		return n, nil
	case FieldEuro:
		cents, t := ParseEuros(v)
		if t != nil {
			return nil, &Problem{Field: f.Name, Text: *t}
		}
		return cents, nil
	case FieldMoment:
		at, t := ParseWhen(v)
		if t != nil {
			return nil, &Problem{Field: f.Name, Text: *t}
		}
		return at, nil
	case FieldBool:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "true", "on", "yes", "ja":
			return true, nil
		case "0", "false", "off", "no", "nee":
			return false, nil
		}
		return nil, f.problem("kies ja of nee", "choose yes or no")
	case FieldRefs:
		var ids []string
		for _, r := range vals {
			// One per line (or separated by commas): a space belongs to the
			// value, so a name typed where an ID belongs is refused whole.
			for _, id := range strings.FieldsFunc(r, func(c rune) bool { return c == ',' || c == ';' || c == '\n' || c == '\r' }) {
				if id = strings.TrimSpace(id); id != "" {
					ids = append(ids, id)
				}
			}
		}
		return ids, nil
	case FieldChoice:
		for _, c := range f.Choices {
			if strings.EqualFold(strings.TrimSpace(v), c.Value) {
				return c.Value, nil
			}
		}
		return strings.TrimSpace(v), nil // the payload's check names the choices
	}
	return strings.TrimSpace(v), nil
}

func (f Field) problem(nl, en string) *Problem {
	return &Problem{Field: f.Name, Text: T(nl, en)}
}

func nonBlank(raw []string, keepLines bool) []string {
	var out []string
	for _, r := range raw {
		if strings.TrimSpace(r) != "" {
			if !keepLines {
				r = strings.TrimSpace(r)
			}
			out = append(out, r)
		}
	}
	return out
}

// Build reads an action's payload from typed-in values, keyed by field name
// (a form's fields or the CLI's flags), then checks it: every problem, each
// with its field. Unknown keys are ignored; a value the payload's own check
// refuses is reported once.
func Build(a Action, values map[string][]string) (Payload, Problems) {
	var ps Problems
	m := map[string]any{}
	for _, f := range a.Fields {
		v, p := f.Parse(values[f.Name])
		if p != nil {
			ps = append(ps, *p)
			continue
		}
		if v != nil {
			m[f.Name] = v
		}
	}
	payload := a.New()
	b, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(b, payload)
	}
	if err != nil {
		ps.Addf("", "de invoer past niet bij %s: %v", "the input does not fit %s: %v", a.Name, err)
		return nil, ps
	}
	for _, p := range payload.Check() {
		if p.Field == "" || !ps.Has(p.Field) {
			ps = append(ps, p)
		}
	}
	return payload, ps
}

// checkName reports a missing, over-long or multi-line name.
func checkName(ps *Problems, field, value string, required bool, what Text) {
	v := strings.TrimSpace(value)
	switch {
	case v == "" && required:
		ps.Addf(field, "%s ontbreekt", "%s is missing", what)
	case utf8.RuneCountInString(v) > MaxName:
		ps.Addf(field, "%s is langer dan %d tekens", "%s is longer than %d characters", what, MaxName)
	case !oneLine(v):
		ps.Addf(field, "%s moet op één regel staan, zonder stuurtekens", "%s must be one line, without control characters", what)
	}
}

// checkNote reports an over-long note or reason.
func checkNote(ps *Problems, field, value string, what Text) {
	if n := utf8.RuneCountInString(value); n > MaxNote {
		ps.Addf(field, "%s is %d tekens; ten hoogste %d", "%s is %d characters; at most %d", what, n, MaxNote)
	}
	if !utf8.ValidString(value) {
		ps.Addf(field, "%s is geen leesbare tekst", "%s is not readable text", what)
	}
}

func checkEmail(ps *Problems, field, value string, what Text) {
	if err := address.Validate(value); err != nil {
		e := err.(*address.Error)
		ps.Addf(field, "%s: %s", "%s: %s", what, T(e.Dutch(), e.Error()))
	}
}

func checkRef(ps *Problems, field, value string, what Text) {
	if !ValidRef(value) {
		ps.Addf(field, "%s %q: gebruik 1 tot 20 letters, cijfers, liggende streepjes of underscores (een code, nooit een naam)",
			"%s %q: use 1 to 20 letters, digits, hyphens or underscores (an ID, never a name)", what, address.Clip(value))
	}
}

func oneLine(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// ValidRef tells whether s can be a teacher or participant reference: 1 to
// 20 letters, digits, hyphens or underscores, an ID rather than a name.
func ValidRef(s string) bool {
	if len(s) == 0 || len(s) > MaxRef {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

// The dates staff give (a postponement, an extension) fall in this range;
// anything else is a typing mistake such as 9999-12-31.
const (
	minYear = 2000
	maxYear = 2099
)

var amsterdam = mustZone("Europe/Amsterdam")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("plan: load zone %s: %v", name, err))
	}
	return loc
}

// ParseWhen reads a date or moment: YYYY-MM-DD means 09:00 Dutch time
// (Europe/Amsterdam) that day; YYYY-MM-DDTHH:MM (a browser's date-and-time
// field) is that moment in Dutch time; RFC 3339 gives an exact moment
// (2012-10-01T13:30:00+02:00), which the compressed demo wave needs. Years
// outside 2000 to 2099 are refused.
func ParseWhen(s string) (time.Time, *Text) {
	s = strings.TrimSpace(s)
	var t time.Time
	if d, err := time.ParseInLocation("2006-01-02", s, amsterdam); err == nil {
		t = time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, amsterdam).UTC()
	} else if l, err := parseLocalMoment(s); err == nil {
		t = l.UTC()
	} else if r, err := time.Parse(time.RFC3339, s); err == nil {
		t = r.UTC()
	} else {
		bad := F("%q is geen datum: schrijf JJJJ-MM-DD (09.00 uur Nederlandse tijd die dag), bijv. 2012-10-01, of RFC 3339, bijv. 2012-10-01T13:30:00+02:00",
			"%q is not a date: use YYYY-MM-DD (09:00 Dutch time that day), e.g. 2012-10-01, or RFC 3339, e.g. 2012-10-01T13:30:00+02:00", address.Clip(s), address.Clip(s))
		return time.Time{}, &bad
	}
	if y := t.In(amsterdam).Year(); y < minYear || y > maxYear {
		bad := F("%q: het jaar moet tussen %d en %d liggen", "%q: the year must be %d to %d", address.Clip(s), minYear, maxYear)
		return time.Time{}, &bad
	}
	return t, nil
}

// parseLocalMoment reads a date and time in Dutch time as a browser's
// datetime-local field sends it: 2012-10-01T13:30 (or with seconds).
func parseLocalMoment(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, amsterdam); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a local moment")
}

// checkMoment reports a missing date or one outside the years staff plan in.
func checkMoment(ps *Problems, field string, t time.Time, what Text) {
	if t.IsZero() {
		ps.Addf(field, "%s ontbreekt", "%s is missing", what)
		return
	}
	if y := t.In(amsterdam).Year(); y < minYear || y > maxYear {
		ps.Addf(field, "%s: het jaar moet tussen %d en %d liggen", "%s: the year must be %d to %d", what, minYear, maxYear)
	}
}

// Values writes a payload as its action's form would hold it: the inverse
// of Build, for a form filled in beforehand and for scripts that act
// through forms (Build(a, Values(a, p)) gives p back).
func Values(a Action, p Payload) (map[string][]string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%s payload: %w", a.Name, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s payload: %w", a.Name, err)
	}
	out := map[string][]string{}
	for _, f := range a.Fields {
		raw, ok := m[f.Name]
		if !ok {
			continue
		}
		vals, err := f.format(raw)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", a.Name, f.Name, err)
		}
		if len(vals) > 0 {
			out[f.Name] = vals
		}
	}
	return out, nil
}

// format writes one payload value as the field is typed in.
func (f Field) format(raw json.RawMessage) ([]string, error) {
	switch f.Type {
	case FieldRefs:
		var ids []string
		err := json.Unmarshal(raw, &ids)
		return ids, err
	case FieldInt:
		var n int
		err := json.Unmarshal(raw, &n)
		return []string{strconv.Itoa(n)}, err
	case FieldEuro:
		var cents int64
		err := json.Unmarshal(raw, &cents)
		return []string{fmt.Sprintf("%d,%02d", cents/100, cents%100)}, err
	case FieldMoment:
		var at time.Time
		err := json.Unmarshal(raw, &at)
		if at.IsZero() {
			return nil, err
		}
		return []string{at.Format(time.RFC3339Nano)}, err
	case FieldBool:
		var yes bool
		err := json.Unmarshal(raw, &yes)
		if !yes {
			return nil, err
		}
		return []string{"true"}, err
	}
	var s string
	err := json.Unmarshal(raw, &s)
	if s == "" {
		return nil, err
	}
	return []string{s}, err
}
