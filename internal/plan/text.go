// Package plan is the rollout plan as data: the steps a wave lists (each an
// instance of a kind), the kinds of step the workflows know how to carry out,
// and the staff actions (Temporal Updates) that complete them, with the
// fields their forms and flags are drawn from. The CLI, the scripted actor,
// the console and the task pages read these declarations; the workflows
// interpret them.
package plan

import (
	"fmt"
	"strings"
)

// Lang is a language people read: Dutch for BMP's staff and the parties,
// English for whoever asks (--lang en).
type Lang string

const (
	NL Lang = "nl"
	EN Lang = "en"
)

// ParseLang reads a language code; empty means Dutch.
func ParseLang(s string) (Lang, error) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case "", NL:
		return NL, nil
	case EN:
		return EN, nil
	}
	return NL, fmt.Errorf("unknown language %q: use nl (Nederlands) or en (English)", s)
}

// Text is something a person reads, in Dutch and in English. Identifiers
// (step IDs, JSON keys, search attribute values) stay English and are not
// Text.
type Text struct {
	NL string `json:"nl,omitempty"`
	EN string `json:"en,omitempty"`
}

// T is a text in both languages.
func T(nl, en string) Text { return Text{NL: nl, EN: en} }

// F formats a text in both languages with the same arguments; an argument
// that is itself a Text is written in the language being formatted.
func F(nl, en string, args ...any) Text {
	return Text{NL: fmt.Sprintf(nl, in(NL, args)...), EN: fmt.Sprintf(en, in(EN, args)...)}
}

func in(l Lang, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(Text); ok {
			a = t.In(l)
		}
		out[i] = a
	}
	return out
}

// In is the text in l; a text missing in one language falls back to the other.
func (t Text) In(l Lang) string {
	if l == EN && t.EN != "" || t.NL == "" {
		return t.EN
	}
	return t.NL
}

// IsZero tells whether the text is empty in both languages.
func (t Text) IsZero() bool { return t.NL == "" && t.EN == "" }

// String is the English text, for logs and errors.
func (t Text) String() string { return t.In(EN) }

// Join joins texts with sep in each language.
func Join(ts []Text, sep string) Text {
	var nl, en []string
	for _, t := range ts {
		nl, en = append(nl, t.In(NL)), append(en, t.In(EN))
	}
	return Text{NL: strings.Join(nl, sep), EN: strings.Join(en, sep)}
}

// JoinOr lists alternatives: "a, b of c" / "a, b or c".
func JoinOr(ts []Text) Text {
	var nl, en []string
	for _, t := range ts {
		nl, en = append(nl, t.In(NL)), append(en, t.In(EN))
	}
	last := func(xs []string, or string) string {
		if len(xs) < 2 {
			return strings.Join(xs, "")
		}
		return strings.Join(xs[:len(xs)-1], ", ") + " " + or + " " + xs[len(xs)-1]
	}
	return Text{NL: last(nl, "of"), EN: last(en, "or")}
}
