package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDeclarationsHold: every action's fields are its payload's JSON keys,
// with a flag, labels in both languages; every kind names actions that
// exist; the names are unique.
func TestDeclarationsHold(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Actions() {
		if seen[a.Name] {
			t.Errorf("action %s declared twice", a.Name)
		}
		seen[a.Name] = true
		if a.Label.NL == "" || a.Label.EN == "" || a.Help.NL == "" || a.Help.EN == "" || a.New == nil {
			t.Errorf("action %s lacks a label, help or payload", a.Name)
			continue
		}
		keys := jsonKeys(reflect.TypeOf(a.New()).Elem())
		flags := map[string]bool{}
		for _, f := range a.Fields {
			if !keys[f.Name] {
				t.Errorf("action %s: field %s is not a JSON key of %T (%v)", a.Name, f.Name, a.New(), keys)
			}
			if f.Flag == "" || flags[f.Flag] || f.Label.NL == "" || f.Label.EN == "" {
				t.Errorf("action %s: field %s has no flag of its own or no labels", a.Name, f.Name)
			}
			flags[f.Flag] = true
		}
		if a.Kind != "" {
			if _, ok := KindOf(a.Kind); !ok {
				t.Errorf("action %s completes unknown kind %s", a.Name, a.Kind)
			}
		}
	}
	for _, k := range Kinds() {
		for _, name := range k.Actions {
			if _, ok := ActionNamed(name); !ok {
				t.Errorf("kind %s names unknown action %s", k.Name, name)
			}
		}
	}
}

func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			for k := range jsonKeys(f.Type) {
				keys[k] = true
			}
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
			keys[name] = true
		}
	}
	return keys
}

// TestBuild: typed-in values become the payload, every problem on its field.
func TestBuild(t *testing.T) {
	p, ps := Build(MustAction(ActFunding), map[string][]string{"source": {"Fund"}, "name": {" Oranje Fonds "}, "amountCents": {"12.500,50"}})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if c := *p.(*Commitment); c.Source != "fund" || c.Name != "Oranje Fonds" || c.AmountCents != 1250050 {
		t.Errorf("commitment %+v", c)
	}
	_, ps = Build(MustAction(ActFunding), map[string][]string{"source": {"bank"}, "amountCents": {"12.500"}})
	if !ps.Has("source") || !ps.Has("amountCents") || len(ps) != 2 || !strings.Contains(ps.For("amountCents").In(NL), "dubbelzinnig") {
		t.Errorf("problems %v", ps)
	}
	_, ps = Build(MustAction(ActTeacher), map[string][]string{"id": {"T1"}})
	if !ps.Has("name") || !ps.Has("email") || ps.For("name")[0].Text.NL != "vul dit in" {
		t.Errorf("required fields: %v", ps)
	}
	p, ps = Build(MustAction(ActEnrol), map[string][]string{"participantIds": {"P01\nP02", "P03, P04"}})
	if len(ps) > 0 || strings.Join(p.(*Enrolment).ParticipantIDs, " ") != "P01 P02 P03 P04" {
		t.Errorf("enrolment %+v %v", p, ps)
	}
	p, ps = Build(MustAction(ActPostpone), map[string][]string{"start": {"2012-10-01"}, "reason": {"later"}})
	if len(ps) > 0 || !p.(*Postponement).Start.Equal(time.Date(2012, 10, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("postponement %+v %v", p, ps)
	}
	_, ps = Build(MustAction(ActPostpone), map[string][]string{"start": {"9999-12-31"}, "reason": {strings.Repeat("x", 501)}})
	if !ps.Has("start") || !ps.Has("reason") {
		t.Errorf("a far date and a long reason: %v", ps)
	}
	p, ps = Build(MustAction(ActAttendance), map[string][]string{"course": {"teacher"}, "day": {"2"}, "teacher": {"T1"}, "halfDays": {"0"}})
	if a := p.(*Attendance); len(ps) > 0 || a.HalfDays == nil || *a.HalfDays != 0 || a.Attended || a.Absent {
		t.Errorf("attendance %+v %v", p, ps)
	}
	_, ps = Build(MustAction(ActAttendance), map[string][]string{"course": {"producer"}, "day": {"1"}, "attended": {"true"}, "absent": {"true"}})
	if !ps.Has("attended") {
		t.Errorf("attended and absent: %v", ps)
	}
}

// TestPayloadsRoundTrip: what the CLI and the console build survives JSON,
// as Temporal carries it.
func TestPayloadsRoundTrip(t *testing.T) {
	two := 2
	for _, p := range []Payload{&Attendance{Course: "teacher", Day: 1, Teacher: "T1", HalfDays: &two}, &CountReport{Step: "internships", Count: 8}} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q := reflect.New(reflect.TypeOf(p).Elem()).Interface()
		if err := json.Unmarshal(b, q); err != nil || !reflect.DeepEqual(p, q) {
			t.Errorf("%T: %s came back as %+v, %v", p, b, q, err)
		}
	}
}

func TestActorLabel(t *testing.T) {
	for _, c := range []struct {
		a      Actor
		nl, en string
	}{
		{Actor{Via: ViaConsole, Name: "Jan Jansen"}, "Jan Jansen (console)", "Jan Jansen (console)"},
		{Actor{Via: ViaLink, Name: "Welzijn Utrecht", Party: PartyProducer}, "producent Welzijn Utrecht via link", "producer Welzijn Utrecht via link"},
		{Actor{Via: ViaCLI, Name: "jan"}, "jan (CLI)", "jan (CLI)"},
	} {
		if got := c.a.Label(); got.NL != c.nl || got.EN != c.en || len(c.a.Check()) > 0 {
			t.Errorf("%+v: %+v, %v", c.a, got, c.a.Check())
		}
	}
	if ps := (Actor{Via: ViaLink, Name: "x"}).Check(); !ps.Has("actor") {
		t.Error("a link without a party")
	}
	if ps := (Actor{Via: ViaCLI, Name: strings.Repeat("x", 201)}).Check(); !ps.Has("actor") {
		t.Error("an over-long actor")
	}
}

// TestValuesRoundTrip: a payload written as its form (Values) and read back
// (Build) is the payload again, for every action.
func TestValuesRoundTrip(t *testing.T) {
	for name, example := range examples() {
		a := MustAction(name)
		want := example()
		vals, err := Values(a, want)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got, ps := Build(a, vals)
		if len(ps) > 0 {
			t.Errorf("%s: %v read back with problems: %s", name, vals, ps.In(EN))
			continue
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Errorf("%s: %+v became %v and then %+v", name, want, vals, got)
		}
	}
}

// normal compares payloads by their JSON, where a moment's zone and an
// absent field do not count.
func normal(p Payload) string {
	b, _ := json.Marshal(p)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k, v := range m {
		if s, ok := v.(string); ok {
			if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
				m[k] = at.UTC().Format(time.RFC3339Nano)
			}
		}
	}
	b, _ = json.Marshal(m)
	return string(b)
}
