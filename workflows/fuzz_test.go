package workflows

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stichtingbmp/amwaht/internal/mail"
)

// Fuzz targets for the payloads staff send. Without -fuzz, `go test` runs
// each over its seed corpus as an ordinary test; `go test -fuzz=FuzzName
// ./workflows` explores further. Each target checks the validator against an
// independent statement of its rules, and that every rejection says why.

// errLines splits a (possibly joined) error into its messages.
func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func FuzzParseProducerKind(f *testing.F) {
	for _, s := range []string{
		"welzijnsinstelling", "ROC", "roc's", "Volkshogeschool", "steunpunt mantelzorg", " Steunpunt-Mantelzorg ",
		"ggz instelling", "GGZ-instelling", "provinciale  instelling", "provinciale\tinstelling\n",
		"", " ", "-", "--", "'s", "bakkerij", "roc-", "-roc", "r o c", "roc''s", "rocs", "welzijnsinstellingen",
		"vol\u212Ashogeschool", // Kelvin sign, lower-cases to k
		"ſteunpunt-mantelzorg", // long s
		"ROC\u00a0", "roc\u200b", "\xff", "roc\x00", strings.Repeat("roc ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseProducerKind(s)
		if err != nil {
			msg := err.Error()
			if k != "" {
				t.Fatalf("ParseProducerKind(%q) returned %q beside an error", s, k)
			}
			if !strings.Contains(msg, strconv.Quote(s)) || !strings.Contains(msg, kindList()) {
				t.Fatalf("ParseProducerKind(%q) = %q: want the input quoted and the kinds listed", s, msg)
			}
			return
		}
		known := false
		for _, kk := range ProducerKinds {
			known = known || kk == k
		}
		if !known {
			t.Fatalf("ParseProducerKind(%q) = %q, not a kind the brochure names", s, k)
		}
		for _, v := range []string{string(k), strings.ToUpper(s), " " + s + "\t", strings.ReplaceAll(s, "-", " ")} {
			if again, err := ParseProducerKind(v); err != nil || again != k {
				t.Fatalf("ParseProducerKind(%q) = %q, but ParseProducerKind(%q) = %q, %v", s, k, v, again, err)
			}
		}
	})
}

func FuzzProducerApplicationValidate(f *testing.F) {
	ok := []string{"Welzijn Utrecht", "welzijnsinstelling", "Fatma Yilmaz", "f.yilmaz@welzijnutrecht.nl"}
	f.Add(ok[0], ok[1], ok[2], ok[3])
	f.Add("ROC Midden Nederland", "ROC", "Jan", "jan@rocmn.nl")
	f.Add("", "", "", "")
	f.Add(" ", "bakkerij", "\t", "not-an-address")
	f.Add(strings.Repeat("x", 201), ok[1], strings.Repeat("y", 201), ok[3])
	f.Add(strings.Repeat("é", 100), ok[1], strings.Repeat("é", 101), ok[3]) // 200 and 202 bytes
	f.Add(ok[0], ok[1], ok[2], "Fatma Yilmaz <f.yilmaz@welzijnutrecht.nl>")
	f.Add(ok[0], ok[1], ok[2], "f.yilmaz@welzijnutrecht.nl\r\nBcc: x@evil.example")
	f.Add("Welzijn\nUtrecht", "roc\n", "Fatma\x00", "\xff@example.nl")
	f.Add(ok[0], "volkshogeschool's", ok[2], strings.Repeat("a", 255)+"@x.nl")
	f.Fuzz(func(t *testing.T, org, kind, name, email string) {
		a := ProducerApplication{Organisation: org, Kind: ProducerKind(kind), ContactName: name, ContactEmail: email}
		err := a.Validate()

		var want []string // the problems, in Validate's order
		if strings.TrimSpace(org) == "" || len(org) > 200 {
			want = append(want, "organisation")
		}
		if _, kerr := ParseProducerKind(kind); kerr != nil {
			want = append(want, "kind")
		}
		if strings.TrimSpace(name) == "" || len(name) > 200 {
			want = append(want, "contact's name")
		}
		if mail.ValidateAddress(email) != nil {
			want = append(want, "contact's e-mail")
		}
		got := errLines(err)
		if len(got) != len(want) {
			t.Fatalf("Validate(%+v) = %v; want %d problems (%v), one per line", a, err, len(want), want)
		}
		for i, line := range got {
			if strings.TrimSpace(line) == "" {
				t.Fatalf("Validate(%+v): empty message among %q", a, got)
			}
			if w := want[i]; w != "kind" && !strings.Contains(line, w) {
				t.Fatalf("Validate(%+v): message %q does not name the %s", a, line, w)
			}
			if want[i] == "kind" && !strings.Contains(line, strconv.Quote(kind)) {
				t.Fatalf("Validate(%+v): message %q does not quote the kind", a, line)
			}
		}
	})
}

func FuzzCommitmentValidate(f *testing.F) {
	for _, c := range []struct {
		source, name string
		cents        int64
	}{
		{"municipality", "Gemeente Utrecht", 2_550_000}, {"fund", "Oranje Fonds", 1}, {"other", "", 100_000_000},
		{"fund", "", 100_000_001}, {"municipality", "", 0}, {"municipality", "", -1}, {"Municipality", "", 100},
		{"", "", 0}, {" fund", "", 100}, {"gemeente", "", math.MaxInt64}, {"fund\x00", "", math.MinInt64},
		{"\xff", "\xff", 5}, {"other", strings.Repeat("n", 10_000), 42},
	} {
		f.Add(c.source, c.name, c.cents)
	}
	f.Fuzz(func(t *testing.T, source, name string, cents int64) {
		c := Commitment{Source: FundingSource(source), Name: name, AmountCents: cents}
		err := c.Validate()
		problems := 0
		if source != "municipality" && source != "fund" && source != "other" {
			problems++
			if err == nil || !strings.Contains(err.Error(), strconv.Quote(source)) {
				t.Fatalf("Validate(%+v) = %v: unknown source not quoted", c, err)
			}
		}
		if cents <= 0 || cents > 100_000_000 {
			problems++
		}
		if got := errLines(err); len(got) != problems {
			t.Fatalf("Validate(%+v) = %v: want %d problems, one per line", c, err, problems)
		}
		for _, line := range errLines(err) {
			if strings.TrimSpace(line) == "" {
				t.Fatalf("Validate(%+v): empty message in %q", c, err)
			}
		}
	})
}

// FuzzEnrolmentValidate feeds participant IDs separated by newlines (an
// empty input is no IDs at all). An accepted enrolment is written to the
// workflow history, so it must never carry a name or an e-mail address.
func FuzzEnrolmentValidate(f *testing.F) {
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("P%03d", i+1)
	}
	for _, s := range []string{
		"P01", "P01\nP02\nP03", "GM0344-P01\nGM0344-P15", "a_b-C9", strings.Repeat("x", 20),
		strings.Join(many[:100], "\n"), strings.Join(many, "\n"),
		"", "\n", "P01\n", "P01\n\nP02", strings.Repeat("x", 21),
		"Fatma Yilmaz", "f.yilmaz@welzijnutrecht.nl", "fatma@x", "P01\nJan de Vries", "Yilmaz, Fatma",
		"P 01", "P01 ", " P01", "P\u00a001", "P01\t", "P01\r", "Ünal", "Ｐ01", "P01\u200b", "P.01", "P/01",
		"P01\x00", "\xff", "P01<script>", "'; DROP TABLE outbox; --",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		var ids []string
		if list != "" {
			ids = strings.Split(list, "\n")
		}
		err := Enrolment{ParticipantIDs: ids}.Validate()
		if err == nil {
			if len(ids) == 0 || len(ids) > 100 {
				t.Fatalf("accepted %d participant IDs", len(ids))
			}
			for _, id := range ids {
				if id == "" || len(id) > 20 || strings.ContainsAny(id, "@.") ||
					strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }) {
					t.Fatalf("accepted participant ID %q: it could be a name or an e-mail address", id)
				}
			}
			return
		}
		msg := err.Error()
		switch {
		case msg == "":
			t.Fatalf("Validate(%q): empty message", ids)
		case len(ids) == 0:
			if !strings.Contains(msg, "no participant IDs") {
				t.Fatalf("Validate(no IDs) = %q", msg)
			}
		case len(ids) > 100:
			if !strings.Contains(msg, "more than 100") {
				t.Fatalf("Validate(%d IDs) = %q", len(ids), msg)
			}
		default:
			// The first ID that is not a reference is quoted.
			quoted := false
			for _, id := range ids {
				if strings.Contains(msg, strconv.Quote(id)) {
					quoted = true
					break
				}
			}
			if !quoted || !strings.Contains(msg, "never a name") {
				t.Fatalf("Validate(%q) = %q: want the bad ID quoted and the rule stated", ids, msg)
			}
		}
	})
}
