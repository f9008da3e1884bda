package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stichtingbmp/amwaht/internal/address"
)

// Fuzz targets for the payloads people send. Without -fuzz, `go test` runs
// each over its seed corpus as an ordinary test; `go test -fuzz=FuzzName
// ./internal/plan` explores further. Each target checks Check against an
// independent statement of its rules, and that every refusal says why, in
// both languages, on the field it concerns.

func fields(ps Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Field
	}
	return out
}

func saysWhy(t *testing.T, what any, ps Problems) {
	t.Helper()
	for _, p := range ps {
		if strings.TrimSpace(p.Text.NL) == "" || strings.TrimSpace(p.Text.EN) == "" {
			t.Fatalf("%+v: a problem without words in both languages: %+v", what, p)
		}
	}
}

func FuzzParseProducerKind(f *testing.F) {
	for _, s := range []string{
		"welzijnsinstelling", "ROC", "roc's", "Volkshogeschool", "steunpunt mantelzorg", " Steunpunt-Mantelzorg ",
		"ggz instelling", "GGZ-instelling", "provinciale  instelling", "provinciale\tinstelling\n",
		"", " ", "-", "--", "'s", "bakkerij", "roc-", "-roc", "r o c", "roc''s", "rocs", "welzijnsinstellingen",
		"vol\u212Ashogeschool", "ſteunpunt-mantelzorg", "ROC\u00a0", "roc\u200b", "\xff", "roc\x00", strings.Repeat("roc ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseProducerKind(s)
		if err != nil {
			if k != "" {
				t.Fatalf("ParseProducerKind(%q) returned %q beside an error", s, k)
			}
			if msg := err.Error(); !strings.Contains(msg, strconv.Quote(clip(s))) || !strings.Contains(msg, kindList()) {
				t.Fatalf("ParseProducerKind(%q) = %q: want the input quoted and the kinds listed", s, msg)
			}
			return
		}
		if !oneOf(k, ProducerKinds) {
			t.Fatalf("ParseProducerKind(%q) = %q, not a kind the brochure names", s, k)
		}
		for _, v := range []string{string(k), strings.ToUpper(s), " " + s + "\t", strings.ReplaceAll(s, "-", " ")} {
			if again, err := ParseProducerKind(v); err != nil || again != k {
				t.Fatalf("ParseProducerKind(%q) = %q, but ParseProducerKind(%q) = %q, %v", s, k, v, again, err)
			}
		}
	})
}

func badName(s string) bool {
	v := strings.TrimSpace(s)
	return v == "" || utf8.RuneCountInString(v) > MaxName || strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) })
}

func FuzzProducerApplicationCheck(f *testing.F) {
	ok := []string{"Welzijn Utrecht", "welzijnsinstelling", "Fatma Yilmaz", "f.yilmaz@welzijnutrecht.nl"}
	f.Add(ok[0], ok[1], ok[2], ok[3])
	f.Add("ROC Midden Nederland", "ROC", "Jan", "jan@rocmn.nl")
	f.Add("", "", "", "")
	f.Add(" ", "bakkerij", "\t", "not-an-address")
	f.Add(strings.Repeat("x", 201), ok[1], strings.Repeat("y", 201), ok[3])
	f.Add(strings.Repeat("é", 200), ok[1], strings.Repeat("é", 201), ok[3])
	f.Add(ok[0], ok[1], ok[2], "Fatma Yilmaz <f.yilmaz@welzijnutrecht.nl>")
	f.Add(ok[0], ok[1], ok[2], "f.yilmaz@welzijnutrecht.nl\r\nBcc: x@evil.example")
	f.Add("Welzijn\nUtrecht", "roc\n", "Fatma\x00", "\xff@example.nl")
	f.Add(ok[0], "volkshogeschool's", ok[2], strings.Repeat("a", 255)+"@x.nl")
	f.Add(ok[0], ok[1], ok[2], "zorg@utr\u0435cht.nl")
	f.Add(strings.Repeat("x", 1<<20), ok[1], ok[2], ok[3]) // a megabyte is refused, not sent to Temporal
	f.Fuzz(func(t *testing.T, org, kind, name, email string) {
		a := ProducerApplication{Organisation: org, Kind: ProducerKind(kind), ContactName: name, ContactEmail: email}
		ps := a.Check()
		var want []string // the fields with problems, in Check's order
		if badName(org) {
			want = append(want, "organisation")
		}
		if _, err := ParseProducerKind(kind); err != nil {
			want = append(want, "kind")
		}
		if badName(name) {
			want = append(want, "contactName")
		}
		if address.Validate(email) != nil {
			want = append(want, "contactEmail")
		}
		if got := fields(ps); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("Check(%q, %q, %q, %q) = %v; want problems with %v", clip(org), clip(kind), clip(name), clip(email), ps, want)
		}
		saysWhy(t, a, ps)
	})
}

func FuzzCommitmentCheck(f *testing.F) {
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
		ps := c.Check()
		var want []string
		if !oneOf(FundingSource(source), FundingSources) {
			want = append(want, "source")
		}
		if strings.TrimSpace(name) != "" && badName(name) {
			want = append(want, "name")
		}
		if cents <= 0 || cents > MaxAmountCents {
			want = append(want, "amountCents")
		}
		if got := fields(ps); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("Check(%+v) = %v: want problems with %v", c, ps, want)
		}
		if ps.Has("source") && !strings.Contains(ps.For("source").In(EN), strconv.Quote(clip(source))) {
			t.Fatalf("Check(%+v): the unknown source is not quoted: %v", c, ps)
		}
		saysWhy(t, c, ps)
	})
}

// FuzzEnrolmentCheck feeds participant IDs separated by newlines (an empty
// input is no IDs at all). An accepted enrolment is written to the workflow
// history, so it must never carry a name or an e-mail address.
func FuzzEnrolmentCheck(f *testing.F) {
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("P%03d", i+1)
	}
	for _, s := range []string{
		"P01", "P01\nP02\nP03", "GM0344-P01\nGM0344-P15", "a_b-C9", strings.Repeat("x", 20),
		strings.Join(many[:100], "\n"), strings.Join(many, "\n"),
		"", "\n", "P01\n", "P01\n\nP02", strings.Repeat("x", 21), "P01\nP01", "P01\np01",
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
		ps := Enrolment{ParticipantIDs: ids}.Check()
		if len(ps) == 0 {
			if len(ids) == 0 || len(ids) > MaxRefs {
				t.Fatalf("accepted %d participant IDs", len(ids))
			}
			for _, id := range ids {
				if id == "" || len(id) > MaxRef || strings.ContainsAny(id, "@.") ||
					strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }) {
					t.Fatalf("accepted participant ID %q: it could be a name or an e-mail address", id)
				}
			}
			return
		}
		saysWhy(t, ids, ps)
		if !ps.Has("participantIds") {
			t.Fatalf("Check(%q) = %v: the problem is not on the IDs' field", ids, ps)
		}
	})
}
