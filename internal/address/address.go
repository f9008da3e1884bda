// Package address checks e-mail addresses as people type them: one
// address, no display name, a domain with a dot, and no domain that mixes
// writing systems (utrеcht.nl with a Cyrillic е looks like utrecht.nl).
package address

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode"
)

// Problem says what is wrong with an address.
type Problem int

const (
	Missing     Problem = iota + 1 // nothing given
	TooLong                        // over 254 characters
	Malformed                      // not of the form name@example.nl
	NoDomain                       // no valid domain after the @
	MixedScript                    // a domain label mixes writing systems
)

// Error is a refused address.
type Error struct {
	Address string
	Problem Problem
}

func (e *Error) Error() string {
	switch e.Problem {
	case Missing:
		return "no e-mail address given"
	case TooLong:
		return fmt.Sprintf("e-mail address %q is longer than 254 characters", Clip(e.Address))
	case NoDomain:
		return fmt.Sprintf("%q has no valid domain after the @ (expected the form name@example.nl)", Clip(e.Address))
	case MixedScript:
		return fmt.Sprintf("%q has a domain that mixes writing systems (such as a Cyrillic letter among Latin ones): type the address again by hand", Clip(e.Address))
	}
	return fmt.Sprintf("%q is not an e-mail address (expected the form name@example.nl)", Clip(e.Address))
}

// Dutch is the same message in Dutch.
func (e *Error) Dutch() string {
	switch e.Problem {
	case Missing:
		return "geen e-mailadres ingevuld"
	case TooLong:
		return fmt.Sprintf("e-mailadres %q is langer dan 254 tekens", Clip(e.Address))
	case NoDomain:
		return fmt.Sprintf("%q heeft geen geldig domein na de @ (verwacht: naam@voorbeeld.nl)", Clip(e.Address))
	case MixedScript:
		return fmt.Sprintf("%q heeft een domein dat schriften mengt (zoals een Cyrillische letter tussen Latijnse): typ het adres opnieuw met de hand", Clip(e.Address))
	}
	return fmt.Sprintf("%q is geen e-mailadres (verwacht: naam@voorbeeld.nl)", Clip(e.Address))
}

// Validate checks one e-mail address; a refusal is an *Error.
func Validate(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return &Error{s, Missing}
	case len(s) > 254:
		return &Error{s, TooLong}
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return &Error{s, Malformed}
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return &Error{s, NoDomain}
	}
	for _, label := range strings.Split(domain, ".") {
		if mixesScripts(label) {
			return &Error{s, MixedScript}
		}
	}
	return nil
}

// IsProblem tells whether err is a refused address.
func IsProblem(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

var scripts = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Hebrew, unicode.Arabic, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Devanagari}

// mixesScripts tells whether a domain label has letters of more than one
// writing system: the mark of a lookalike (homograph) domain.
func mixesScripts(label string) bool {
	var first *unicode.RangeTable
	for _, r := range label {
		if !unicode.IsLetter(r) {
			continue
		}
		var script *unicode.RangeTable
		for _, t := range scripts {
			if unicode.Is(t, r) {
				script = t
				break
			}
		}
		if script == nil {
			return true // a letter of a script we do not expect in a Dutch address book
		}
		if first == nil {
			first = script
		} else if script != first {
			return true
		}
	}
	return false
}

// Clip keeps a value short in a message.
func Clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
