package console

import (
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/stichtingbmp/amwaht/internal/plan"
)

// form is an action's form as a page shows it: drawn from the action's
// declared fields, with what the situation fixes hidden, and the values and
// problems of a submission that was refused.
type form struct {
	CSRF     string
	Key      string
	Action   string
	Title    string
	Help     string
	Post     string // where it is sent
	Hidden   []hidden
	Fields   []field
	Problems []string // about the action as a whole
	Weighty  bool     // asks for a confirmation
	Confirm  field
	Submit   string
	Open     bool // shown opened: it was just sent and refused
}

type hidden struct{ Name, Value string }

type field struct {
	ID, Name, Label, Help, Kind, Value string
	InputType                          string // text, email, number, datetime-local
	Required                           bool
	Min, Max                           string
	MaxLen                             int
	Choices                            []choice
	Checked                            bool
	Problems                           []string
	Autocomplete                       string
	Inputmode                          string
}

type choice struct {
	Value, Label string
	Selected     bool
}

// buildForm makes an offer's form; values and problems are a refused
// submission's, shown again next to the fields they concern.
func buildForm(o offer, post string, values url.Values, problems plan.Problems) form {
	a := o.Action
	f := form{Key: o.Key, Action: a.Name, Title: o.Title, Help: a.Help.In(plan.NL), Post: post, Weighty: a.Weighty,
		Submit: a.Label.In(plan.NL), Open: values != nil}
	if f.Title == "" {
		f.Title = a.Label.In(plan.NL)
	}
	f.Title = capitalise(f.Title)
	f.Hidden = append(f.Hidden, hidden{"form", o.Key})
	for _, fd := range a.Fields {
		if v, ok := o.Preset[fd.Name]; ok {
			f.Hidden = append(f.Hidden, hidden{fd.Name, v})
			continue
		}
		if fd.Type == plan.FieldStep {
			continue // the only step of its kind: the workflow knows which
		}
		f.Fields = append(f.Fields, buildField(o, fd, values, problems))
	}
	if f.Weighty {
		f.Confirm = field{ID: o.Key + "-bevestig", Name: "bevestig", Label: "Ik weet het zeker: dit gaat per e-mail naar de betrokkenen", Kind: "bool", Checked: values.Get("bevestig") != ""}
		if problems.Has("bevestig") {
			f.Confirm.Problems = texts(problems.For("bevestig"))
		}
	}
	for _, p := range problems {
		if p.Field == "" || a.Field(p.Field) == nil && p.Field != "bevestig" || isPreset(o, p.Field) {
			f.Problems = append(f.Problems, p.Text.In(plan.NL))
		}
	}
	return f
}

func isPreset(o offer, name string) bool { _, ok := o.Preset[name]; return ok }

func texts(ps plan.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text.In(plan.NL)
	}
	return out
}

func buildField(o offer, fd plan.Field, values url.Values, problems plan.Problems) field {
	f := field{ID: o.Key + "-" + fd.Name, Name: fd.Name, Label: fd.Label.In(plan.NL), Help: fd.Help.In(plan.NL),
		Required: fd.Required, MaxLen: fd.Max, Problems: texts(problems.For(fd.Name)), Value: values.Get(fd.Name)}
	if fd.Type == plan.FieldMoment {
		f.Help = "" // the CLI's formats; the browser's date picker needs none
	}
	if cs, ok := o.Choices[fd.Name]; ok && len(cs) > 0 && fd.Type == plan.FieldText {
		f.Kind, f.Choices, f.Help = "select", choices(cs, f.Value, true), "" // the situation narrows a code to a choice
		return f
	}
	switch fd.Type {
	case plan.FieldNote, plan.FieldRefs:
		f.Kind = "textarea"
		if fd.Type == plan.FieldRefs {
			f.Value, f.MaxLen = joinLines(values[fd.Name]), 0
		}
	case plan.FieldBool:
		f.Kind, f.Checked = "bool", values.Get(fd.Name) != ""
	case plan.FieldChoice, plan.FieldStep:
		f.Kind = "select"
		f.Choices = choicesOf(fd, o, f.Value)
	case plan.FieldRef:
		if cs, ok := o.Choices[fd.Name]; ok && len(cs) > 0 {
			f.Kind, f.Choices = "select", choices(cs, f.Value, !fd.Required)
			break
		}
		f.Kind, f.InputType = "input", "text"
	default:
		f.Kind, f.InputType = "input", inputType(fd)
	}
	if cs, ok := o.Choices[fd.Name]; ok && fd.Type == plan.FieldInt {
		f.Kind, f.Choices = "select", choices(cs, f.Value, false)
	}
	if fd.Type == plan.FieldInt {
		f.Min, f.Max, f.MaxLen, f.Inputmode = strconv.Itoa(fd.Min), strconv.Itoa(fd.Max), 0, "numeric"
	}
	switch fd.Type {
	case plan.FieldEmail:
		f.Autocomplete = "email"
	case plan.FieldEuro:
		f.Inputmode = "decimal"
	}
	return f
}

func inputType(fd plan.Field) string {
	switch fd.Type {
	case plan.FieldEmail:
		return "email"
	case plan.FieldInt:
		return "number"
	case plan.FieldMoment:
		return "datetime-local"
	}
	return "text"
}

func choicesOf(fd plan.Field, o offer, value string) []choice {
	cs := fd.Choices
	if given, ok := o.Choices[fd.Name]; ok {
		cs = given
	}
	return choices(cs, value, true)
}

// choices offers a select's options, with an empty first one when nothing
// is chosen yet.
func choices(cs []plan.Choice, value string, empty bool) []choice {
	var out []choice
	if empty {
		out = append(out, choice{Value: "", Label: "Kies…", Selected: value == ""})
	}
	for _, c := range cs {
		out = append(out, choice{Value: c.Value, Label: c.Label.In(plan.NL), Selected: c.Value == value})
	}
	return out
}

func joinLines(vs []string) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += "\n"
		}
		out += v
	}
	return out
}

// capitalise starts a title with a capital: plan labels are written to
// stand inside a sentence.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
