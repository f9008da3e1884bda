package plan

import (
	"strings"
)

// ParseEuros reads an amount in euros as staff type it and returns cents.
//
// Accepted: 12500, 12500.50, 12500,50, 12500.5, € 12.500,50 (Dutch: dots
// group thousands, a comma starts the cents), 12,500.50 (English), and
// 1.000.000 (groups only). When both '.' and ',' occur, the last one is the
// decimal separator and the other one groups thousands in threes.
//
// Refused, with a message that says why: negative or zero amounts, more than
// two decimals, badly grouped digits, anything that is not a number, and the
// ambiguous 12.500 or 12,500 (one separator followed by exactly three digits:
// twelve and a half, or twelve thousand five hundred?).
func ParseEuros(s string) (int64, *Text) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "€")
	s = strings.TrimPrefix(s, "EUR")
	s = strings.TrimSpace(s)
	fail := func(nl, en string, args ...any) (int64, *Text) {
		t := F(nl, en, args...)
		return 0, &t
	}
	examples := T("schrijf bijv. 12500, 12500,50 of 12.500,50", "write e.g. 12500, 12500.50 or 12.500,50")
	if s == "" {
		return fail("geen bedrag ingevuld: %s", "no amount given: %s", examples)
	}
	if s[0] == '-' || strings.HasPrefix(s, "−") {
		return fail("bedrag %q: een toezegging kan niet negatief zijn", "amount %q: a commitment cannot be negative", orig)
	}
	s = strings.TrimPrefix(s, "+")
	for _, r := range s {
		if !(r >= '0' && r <= '9') && r != '.' && r != ',' {
			return fail("%q is geen bedrag in euro's: %s", "amount %q is not an amount in euros: %s", clip(orig), examples)
		}
	}
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	var whole, frac, group string // group: the thousands separator, if any
	hasDec := false               // a decimal separator was written
	switch {
	case dots == 0 && commas == 0:
		whole = s
	case dots > 0 && commas > 0:
		dec := ","
		group = "."
		if strings.LastIndex(s, ".") > strings.LastIndex(s, ",") {
			dec, group = ".", ","
		}
		if strings.Count(s, dec) > 1 {
			return fail("bedrag %q: %q komt meer dan eens voor: %s", "amount %q: %q appears more than once: %s", orig, dec, examples)
		}
		i := strings.LastIndex(s, dec)
		whole, frac, hasDec = s[:i], s[i+1:], true
	default: // one kind of separator
		sep := "."
		if commas > 0 {
			sep = ","
		}
		parts := strings.Split(s, sep)
		if len(parts) > 2 {
			group = sep
			whole = s
			break
		}
		whole, frac = parts[0], parts[1]
		hasDec = true
		if len(frac) == 3 && len(whole) >= 1 && len(whole) <= 3 {
			return fail("bedrag %q is dubbelzinnig: schrijf %s%s of %s.%s,00 voor %s%s euro, of %s,%s voor %s euro en %s cent",
				"amount %q is ambiguous: write %s%s or %s.%s,00 for %s%s euros, or %s.%s for %s euros and %s cents",
				orig, whole, frac, whole, frac, whole, frac, whole, frac[:2], whole, frac[:2])
		}
	}
	if group != "" {
		groups := strings.Split(whole, group)
		bad := len(groups[0]) < 1 || len(groups[0]) > 3
		for _, g := range groups[1:] {
			bad = bad || len(g) != 3
		}
		if bad {
			return fail("bedrag %q: cijfers staan in groepen van drie (bijv. 12.500,50): %s", "amount %q: digits are grouped in threes (e.g. 12.500,50): %s", orig, examples)
		}
		whole = strings.Join(groups, "")
	}
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 {
		return fail("bedrag %q heeft meer dan twee decimalen: bedragen zijn in euro's en centen", "amount %q has more than two decimals: amounts are in euros and cents", orig)
	}
	if hasDec && frac == "" {
		return fail("bedrag %q eindigt op een scheidingsteken: %s", "amount %q ends in a separator: %s", orig, examples)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return fail("bedrag %q is veel te groot: controleer het getal", "amount %q is far too large: check the figure", orig)
	}
	var cents int64
	for _, r := range whole {
		cents = cents*10 + int64(r-'0')
	}
	cents *= 100
	switch len(frac) {
	case 1:
		cents += int64(frac[0]-'0') * 10
	case 2:
		cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if cents == 0 {
		return fail("bedrag %q: het bedrag moet meer dan € 0 zijn", "amount %q: the amount must be more than € 0", orig)
	}
	return cents, nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
