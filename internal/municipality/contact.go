package municipality

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// A contact address pattern gives every municipality of a batch its
// contact's e-mail address: wmo@{name}.example.nl.

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// CheckPattern accepts a contact e-mail pattern's placeholders.
func CheckPattern(pattern string) error {
	for _, p := range placeholder.FindAllString(pattern, -1) {
		if p != "{code}" && p != "{CODE}" && p != "{name}" {
			return fmt.Errorf("unknown placeholder %s: use {code}, {CODE} or {name}", p)
		}
	}
	return nil
}

// Address fills a contact e-mail pattern for one municipality: {code} is
// the code in lower case, {CODE} in upper case, {name} the name as a
// hostname-safe slug ('s-Gravenhage → s-gravenhage, Súdwest-Fryslân →
// sudwest-fryslan).
func Address(pattern string, m Municipality) string {
	return strings.NewReplacer("{code}", strings.ToLower(m.Code), "{CODE}", m.Code, "{name}", slug(m.Name)).Replace(pattern)
}

var folds = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y", 'ñ': "n", 'ç': "c", 'ĳ': "ij",
}

func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if f, ok := folds[r]; ok {
			b.WriteString(f)
			dash = false
			continue
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}
