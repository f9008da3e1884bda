package plan

import (
	"strings"
)

// Problem is one reason an action is refused, tied to the field it
// concerns (the payload's JSON key) so a form can show it next to that
// field; Field is empty for the action as a whole.
type Problem struct {
	Field string `json:"field,omitempty"`
	Text  Text   `json:"text"`
}

// Problems is every reason an action is refused. The workflows' validators
// return it (as a Temporal application error's details), and so do the
// payloads' own checks, so the CLI, the console and the task pages show the
// same words.
type Problems []Problem

// Add records a problem with a field.
func (ps *Problems) Add(field string, t Text) { *ps = append(*ps, Problem{Field: field, Text: t}) }

// Addf records a problem with a field, formatted in both languages.
func (ps *Problems) Addf(field, nl, en string, args ...any) { ps.Add(field, F(nl, en, args...)) }

// Err is nil without problems.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Error is the problems in English, joined.
func (ps Problems) Error() string { return ps.In(EN) }

// In writes the problems in one language, joined by "; ".
func (ps Problems) In(l Lang) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Text.In(l)
	}
	return strings.Join(parts, "; ")
}

// For returns the problems with one field.
func (ps Problems) For(field string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Field == field {
			out = append(out, p)
		}
	}
	return out
}

// Has tells whether a field has a problem.
func (ps Problems) Has(field string) bool { return len(ps.For(field)) > 0 }

// Rejected makes a problem of the action as a whole into Problems.
func Rejected(nl, en string, args ...any) Problems {
	var ps Problems
	ps.Addf("", nl, en, args...)
	return ps
}

// RejectedField makes a problem with one field into Problems.
func RejectedField(field, nl, en string, args ...any) Problems {
	var ps Problems
	ps.Addf(field, nl, en, args...)
	return ps
}
