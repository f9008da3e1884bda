package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/wave"
	"github.com/stichtingbmp/amwaht/workflows"
)

// parseEuros reads an amount in euros as staff type it and returns cents.
//
// Accepted: 12500, 12500.50, 12500,50, 12500.5, € 12.500,50 (Dutch: dots
// group thousands, a comma starts the cents), 12,500.50 (English), and
// 1.000.000 (groups only). When both '.' and ',' occur, the last one is the
// decimal separator and the other one groups thousands in threes.
//
// Rejected, with a message that says why: negative or zero amounts, more than
// two decimals, badly grouped digits, anything that is not a number, and the
// ambiguous 12.500 or 12,500 (one separator followed by exactly three digits:
// twelve and a half, or twelve thousand five hundred?).
func parseEuros(s string) (int64, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "€")
	s = strings.TrimPrefix(s, "EUR")
	s = strings.TrimSpace(s)
	examples := "write e.g. 12500, 12500.50 or 12.500,50"
	if s == "" {
		return 0, fmt.Errorf("no amount given: %s", examples)
	}
	if s[0] == '-' || strings.HasPrefix(s, "−") {
		return 0, fmt.Errorf("amount %q: a commitment cannot be negative", orig)
	}
	s = strings.TrimPrefix(s, "+")
	for _, r := range s {
		if !(r >= '0' && r <= '9') && r != '.' && r != ',' {
			return 0, fmt.Errorf("amount %q is not an amount in euros: %s", orig, examples)
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
			return 0, fmt.Errorf("amount %q: %q appears more than once: %s", orig, dec, examples)
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
			return 0, fmt.Errorf("amount %q is ambiguous: write %s%s or %s.%s,00 for %s%s euros, or %s.%s for %s euros and %s cents",
				orig, whole, frac, whole, frac, whole, frac, whole, frac[:2], whole, frac[:2])
		}
	}
	if group != "" {
		groups := strings.Split(whole, group)
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, fmt.Errorf("amount %q: digits are grouped in threes (e.g. 12.500,50): %s", orig, examples)
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, fmt.Errorf("amount %q: digits are grouped in threes (e.g. 12.500,50): %s", orig, examples)
			}
		}
		whole = strings.Join(groups, "")
	}
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimals: amounts are in euros and cents", orig)
	}
	if hasDec && frac == "" {
		return 0, fmt.Errorf("amount %q ends in a separator: %s", orig, examples)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return 0, fmt.Errorf("amount %q is far too large: check the figure", orig)
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
		return 0, fmt.Errorf("amount %q: the amount must be more than € 0", orig)
	}
	return cents, nil
}

// parseWhen reads a date or moment for postpone and extend: YYYY-MM-DD means
// 09:00 Dutch time (Europe/Amsterdam) that day; RFC 3339 gives an exact
// moment (2012-10-01T13:30:00+02:00), useful on the compressed demo wave.
func parseWhen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseInLocation("2006-01-02", s, wave.Amsterdam); err == nil {
		return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, wave.Amsterdam).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD (09:00 Dutch time that day), e.g. 2012-10-01, or RFC 3339, e.g. 2012-10-01T13:30:00+02:00", s)
}

// Participant is one row of a participants file. Only the ID goes to the
// workflow; name, e-mail and phone never enter a workflow history.
type Participant struct {
	Line  int    // line number in the file, for messages
	ID    string // 1 to 20 letters, digits, hyphens or underscores
	Name  string
	Email string
	Phone string
}

// participantColumns are the columns of a participants file, in order.
var participantColumns = []string{"id", "name", "email", "phone"}

// ParseParticipants reads a participants CSV file: a header line
// id,name,email,phone (in this order; name, email and phone may be left
// empty; a UTF-8 byte order mark and ';' as the separator are accepted), then
// one participant per line. It is all or nothing: when any row is bad, the
// result is nil and the error lists every bad row, one per line, each
// starting "line N:".
func ParseParticipants(r io.Reader) ([]Participant, error) {
	data, err := io.ReadAll(io.LimitReader(r, 10<<20+1))
	if err != nil {
		return nil, fmt.Errorf("line 1: read the file: %w", err)
	}
	if len(data) > 10<<20 {
		return nil, errors.New("line 1: the file is larger than 10 MB: a participants file holds a group of about 17")
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	comma := ','
	if first, _, _ := strings.Cut(text, "\n"); !strings.Contains(first, ",") && strings.Contains(first, ";") {
		comma = ';' // spreadsheets with a Dutch locale export with semicolons
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // counted below, so every bad row is reported
	cr.TrimLeadingSpace = true

	var (
		out    []Participant
		errs   []error
		seen   = map[string]int{} // lower-cased ID → line
		header = true
	)
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: "+format, append([]any{line}, args...)...))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(max(pe.StartLine, 1), "not valid CSV: %v", pe.Err)
				header = false
				continue
			}
			bad(1, "%v", err)
			break
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			if !sameHeader(rec) {
				bad(line, "the header must be %s, not %q", strings.Join(participantColumns, string(comma)), strings.Join(rec, string(comma)))
				return nil, errors.Join(errs...)
			}
			continue
		}
		if len(rec) != len(participantColumns) {
			bad(line, "%d fields, expected %d (%s)", len(rec), len(participantColumns), strings.Join(participantColumns, string(comma)))
			continue
		}
		p := Participant{Line: line, ID: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Email: strings.TrimSpace(rec[2]), Phone: strings.TrimSpace(rec[3])}
		var probs []string
		switch {
		case p.ID == "":
			probs = append(probs, "the id is missing")
		case !workflows.ValidRef(p.ID):
			probs = append(probs, fmt.Sprintf("id %q: use 1 to 20 letters, digits, hyphens or underscores (an ID, never a name)", clip(p.ID)))
		default:
			key := strings.ToLower(p.ID)
			if first, ok := seen[key]; ok {
				probs = append(probs, fmt.Sprintf("id %q repeats line %d", p.ID, first))
			} else {
				seen[key] = line
			}
		}
		if len(p.Name) > 200 {
			probs = append(probs, "the name is longer than 200 characters")
		}
		if p.Email != "" {
			if err := mail.ValidateAddress(p.Email); err != nil {
				probs = append(probs, "e-mail: "+err.Error())
			}
		}
		if p.Phone != "" && !validPhone(p.Phone) {
			probs = append(probs, fmt.Sprintf("phone %q: use digits, spaces, +, - and parentheses", clip(p.Phone)))
		}
		if len(probs) > 0 {
			bad(line, "%s", strings.Join(probs, "; "))
			continue
		}
		out = append(out, p)
	}
	if header && len(errs) == 0 {
		bad(1, "the file is empty: expected the header %s and one line per participant", strings.Join(participantColumns, ","))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, errors.New("line 2: no participants after the header")
	}
	return out, nil
}

func sameHeader(rec []string) bool {
	if len(rec) != len(participantColumns) {
		return false
	}
	for i, c := range participantColumns {
		if strings.ToLower(strings.TrimSpace(rec[i])) != c {
			return false
		}
	}
	return true
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

// clip keeps a bad value short in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
