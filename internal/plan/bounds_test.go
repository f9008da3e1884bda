package plan

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestEveryStringBounded: a megabyte in any string field of any action's
// payload, or of the actor, is refused by Check, which every workflow
// validator runs first: nothing that large reaches a history (a 1.5 MB
// teacher name once failed the workflow task with GRPC_MESSAGE_TOO_LARGE).
func TestEveryStringBounded(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	valid := examples()
	for _, a := range Actions() {
		example, ok := valid[a.Name]
		if !ok {
			t.Errorf("action %s has no valid example here: add one, so its fields' bounds are tested", a.Name)
			continue
		}
		if ps := example().Check(); len(ps) > 0 {
			t.Errorf("%s: the example is refused: %s", a.Name, ps.In(EN))
			continue
		}
		typ := reflect.TypeOf(example()).Elem()
		if reflect.TypeOf(a.New()).Elem() != typ {
			t.Errorf("%s: the example is a %s, the action's payload a %T", a.Name, typ, a.New())
		}
		for _, path := range stringFields(typ, nil) {
			p := example()
			set(reflect.ValueOf(p).Elem(), path, huge)
			field := strings.Join(names(typ, path), ".")
			ps := p.Check()
			if len(ps) == 0 {
				t.Errorf("%s: a 1 MB %s passes Check", a.Name, field)
			}
			if msg := ps.In(EN); len(msg) > 4000 {
				t.Errorf("%s: the refusal of a 1 MB %s is %d bytes long", a.Name, field, len(msg))
			}
		}
	}
	for _, actor := range []Actor{{Via: ViaCLI, Name: huge}, {Via: ViaCLI, Name: "jan", Party: Party(huge)}, {Via: Via(huge), Name: "jan"}} {
		if ps := actor.Check(); len(ps) == 0 || len(ps.In(EN)) > 4000 {
			t.Errorf("a 1 MB actor field: %d problems, %d bytes", len(ps), len(ps.In(EN)))
		}
	}
}

// examples are a valid payload of every action.
func examples() map[string]func() Payload {
	start := time.Date(2012, 10, 1, 9, 0, 0, 0, time.UTC)
	half := 1
	return map[string]func() Payload{
		ActApply: func() Payload {
			return &ProducerApplication{Organisation: "Welzijn Utrecht", Kind: "roc", ContactName: "Fatma Yilmaz", ContactEmail: "f.yilmaz@example.nl"}
		},
		ActAttendance: func() Payload { return &Attendance{Course: "teacher", Day: 1, Teacher: "T1", HalfDays: &half} },
		ActMakeUp:     func() Payload { return &MakeUp{Course: "teacher", Day: 1, Teacher: "T1", Note: "ingehaald"} },
		ActConfirm:    func() Payload { return &Confirmation{Step: "handbook", Note: "uitgereikt"} },
		ActCount:      func() Payload { return &CountReport{Step: "internships", Count: 8} },
		ActFunding: func() Payload {
			return &Commitment{Step: "funding", Source: "fund", Name: "Oranje Fonds", AmountCents: 100}
		},
		ActTeacher:  func() Payload { return &TeacherProposal{ID: "T1", Name: "Ayse Demir", Email: "a.demir@example.nl"} },
		ActEnrol:    func() Payload { return &Enrolment{ParticipantIDs: []string{"P01"}} },
		ActLocation: func() Payload { return &Location{Name: "Buurthuis", Place: "Utrecht"} },
		ActPostpone: func() Payload { return &Postponement{Start: start, Reason: "later"} },
		ActExtend:   func() Payload { return &Extension{Step: "funding", Due: start, Reason: "later"} },
		ActCancel:   func() Payload { return &Cancellation{Reason: "gemeente stopt"} },
		ActContact: func() Payload {
			return &ContactCorrection{Party: PartyTeacher, Teacher: "T1", Email: "a.demir@example.nl"}
		},
		ActProgress:  func() Payload { return &ProgressReport{Month: 1, Active: 14} },
		ActPeerGroup: func() Payload { return &PeerGroup{Count: 2} },
		ActGraduates: func() Payload { return &Graduation{Count: 12} },
	}
}

// stringFields lists the index paths of every string (or []string) field,
// through embedded and nested structs.
func stringFields(t reflect.Type, prefix []int) [][]int {
	var out [][]int
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		path := append(append([]int(nil), prefix...), i)
		ft := f.Type
		switch {
		case ft.Kind() == reflect.String, ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			out = append(out, path)
		case ft.Kind() == reflect.Struct && ft.PkgPath() == t.PkgPath():
			out = append(out, stringFields(ft, path)...)
		}
	}
	return out
}

func set(v reflect.Value, path []int, s string) {
	f := v.FieldByIndex(path)
	if f.Kind() == reflect.Slice {
		f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		f.Index(0).SetString(s)
		return
	}
	f.SetString(s)
}

func names(t reflect.Type, path []int) []string {
	var out []string
	for _, i := range path {
		f := t.Field(i)
		out = append(out, f.Name)
		t = f.Type
	}
	return out
}
