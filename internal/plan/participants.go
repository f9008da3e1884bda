package plan

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/stichtingbmp/amwaht/internal/address"
)

// Participant is one row of a participants file. Only the ID goes to the
// workflow; name, e-mail and phone never enter a workflow history.
type Participant struct {
	Line  int    `json:"line"` // line number in the file, for messages
	ID    string `json:"id"`   // 1 to 20 letters, digits, hyphens or underscores
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ParticipantColumns are the columns of a participants file, in order.
var ParticipantColumns = []string{"id", "name", "email", "phone"}

// MaxParticipantsFile is the largest participants file read: a group is
// about 17 people, a few kilobytes.
const MaxParticipantsFile = 1 << 20

// ParseParticipants reads a participants CSV file: a header line
// id,name,email,phone (in this order; name, email and phone may be left
// empty; a UTF-8 byte order mark and ';' as the separator are accepted), then
// one participant per line. It is all or nothing: when any row is bad, the
// result is nil and the problems list every bad row, each starting with its
// line number, all for the field participantIds. The CLI's enrol --csv and
// the producer's upload read files alike.
func ParseParticipants(r io.Reader) ([]Participant, Problems) {
	var ps Problems
	bad := func(line int, t Text) {
		ps.Add("participantIds", F("regel %d: %s", "line %d: %s", line, t))
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxParticipantsFile+1))
	if err != nil {
		bad(1, F("het bestand is niet te lezen: %v", "cannot read the file: %v", err))
		return nil, ps
	}
	if len(data) > MaxParticipantsFile {
		bad(1, T("het bestand is groter dan 1 MB: een deelnemersbestand bevat een groep van ongeveer 17", "the file is larger than 1 MB: a participants file holds a group of about 17"))
		return nil, ps
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

	var out []Participant
	seen := map[string]int{} // lower-cased ID → line
	header := true
	want := strings.Join(ParticipantColumns, string(comma))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(max(pe.StartLine, 1), F("geen geldige CSV: %v", "not valid CSV: %v", pe.Err))
				header = false
				continue
			}
			bad(1, F("%v", "%v", err))
			break
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			if !sameHeader(rec) {
				got := address.Clip(strings.Join(rec, string(comma)))
				bad(line, F("de kopregel moet %s zijn, niet %q", "the header must be %s, not %q", want, got))
				return nil, ps
			}
			continue
		}
		if len(rec) != len(ParticipantColumns) {
			bad(line, F("%d velden, verwacht %d (%s)", "%d fields, expected %d (%s)", len(rec), len(ParticipantColumns), want))
			continue
		}
		p := Participant{Line: line, ID: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Email: strings.TrimSpace(rec[2]), Phone: strings.TrimSpace(rec[3])}
		if probs := p.problems(seen); len(probs) > 0 {
			bad(line, Join(probs, "; "))
			continue
		}
		out = append(out, p)
	}
	if header && len(ps) == 0 {
		bad(1, F("het bestand is leeg: verwacht de kopregel %s en een regel per deelnemer", "the file is empty: expected the header %s and one line per participant", strings.Join(ParticipantColumns, ",")))
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if len(out) == 0 {
		bad(2, T("geen deelnemers na de kopregel", "no participants after the header"))
		return nil, ps
	}
	return out, nil
}

// problems checks one row; seen holds the IDs of earlier rows.
func (p Participant) problems(seen map[string]int) []Text {
	var probs []Text
	switch {
	case p.ID == "":
		probs = append(probs, T("de id ontbreekt", "the id is missing"))
	case !ValidRef(p.ID):
		probs = append(probs, F("id %q: gebruik 1 tot 20 letters, cijfers, liggende streepjes of underscores (een code, nooit een naam)",
			"id %q: use 1 to 20 letters, digits, hyphens or underscores (an ID, never a name)", address.Clip(p.ID)))
	default:
		key := strings.ToLower(p.ID)
		if first, ok := seen[key]; ok {
			probs = append(probs, F("id %q staat ook op regel %d", "id %q repeats line %d", p.ID, first))
		} else {
			seen[key] = p.Line
		}
	}
	if len([]rune(p.Name)) > MaxName {
		probs = append(probs, F("de naam is langer dan %d tekens", "the name is longer than %d characters", MaxName))
	}
	if p.Email != "" {
		if err := address.Validate(p.Email); err != nil {
			e := err.(*address.Error)
			probs = append(probs, F("e-mail: %s", "e-mail: %s", T(e.Dutch(), e.Error())))
		}
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		probs = append(probs, F("telefoon %q: gebruik cijfers, spaties, +, - en haakjes", "phone %q: use digits, spaces, +, - and parentheses", address.Clip(p.Phone)))
	}
	return probs
}

func sameHeader(rec []string) bool {
	if len(rec) != len(ParticipantColumns) {
		return false
	}
	for i, c := range ParticipantColumns {
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
