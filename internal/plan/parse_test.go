package plan

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseEuros(t *testing.T) {
	ok := map[string]int64{
		"12500":          1250000,
		"12500.50":       1250050,
		"12500,50":       1250050,
		"12500.5":        1250050,
		"12.500,50":      1250050,
		"12.500,5":       1250050,
		"12,500.50":      1250050,
		"€ 12.500,50":    1250050,
		"€12500":         1250000,
		"EUR 12500":      1250000,
		" 25500 ":        2550000,
		"1.000.000":      100000000,
		"1,000,000":      100000000,
		"1.234.567,89":   123456789,
		"0.01":           1,
		"0,99":           99,
		"+100":           10000,
		"007":            700,
		"12.50":          1250,
		"1500":           150000,
		"999999999999":   99999999999900,
		"1.500,00":       150000,
		"12500.00":       1250000,
		"1.000.000,00":   100000000,
		"100.000.000,01": 10000000001,
	}
	for in, want := range ok {
		got, err := ParseEuros(in)
		if err != nil || got != want {
			t.Errorf("parseEuros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":              "no amount",
		"-5":            "negative",
		"€ -12.500,00":  "negative",
		"−5":            "negative",
		"0":             "more than € 0",
		"0,00":          "more than € 0",
		"12500.505":     "more than two decimals",
		"12.5000":       "more than two decimals",
		"12.500":        "ambiguous",
		"12,500":        "ambiguous",
		"1.500":         "ambiguous",
		"12 500":        "not an amount",
		"twaalf":        "not an amount",
		"12e3":          "not an amount",
		"0x10":          "not an amount",
		"12.500.50":     "grouped in threes",
		"1.2.3":         "grouped in threes",
		"1234.567,00":   "grouped in threes",
		"12,500,50.00":  "grouped in threes",
		"12.500,50,00":  "more than once",
		"1,000.000,00":  "more than once",
		"12500.":        "ends in a separator",
		"12.500,":       "ends in a separator",
		"1,5.000":       "grouped in threes",
		"9999999999999": "far too large",
		"€":             "no amount",
	}
	for in, want := range bad {
		got, err := ParseEuros(in)
		if err == nil || !strings.Contains(err.EN, want) || err.NL == "" {
			t.Errorf("parseEuros(%q) = %d, %v; want an error containing %q", in, got, err, want)
		}
	}
}

func FuzzParseEuros(f *testing.F) {
	for _, s := range []string{"12500", "12.500,50", "12,500.50", "-1", "1.2.3", "€ 0,01", "12.500"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseEuros(s)
		if err == nil && c <= 0 {
			t.Fatalf("parseEuros(%q) = %d without an error", s, c)
		}
	})
}

func TestParseWhen(t *testing.T) {
	got, err := ParseWhen("2012-10-01")
	if err != nil || !got.Equal(time.Date(2012, 10, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("2012-10-01 (summer time) = %v, %v; want 07:00 UTC", got, err)
	}
	got, err = ParseWhen("2012-12-03")
	if err != nil || !got.Equal(time.Date(2012, 12, 3, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("2012-12-03 (winter time) = %v, %v; want 08:00 UTC", got, err)
	}
	got, err = ParseWhen("2012-10-01T13:30:00+02:00")
	if err != nil || !got.Equal(time.Date(2012, 10, 1, 11, 30, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 = %v, %v", got, err)
	}
	got, err = ParseWhen("2012-10-01T13:30")
	if err != nil || !got.Equal(time.Date(2012, 10, 1, 11, 30, 0, 0, time.UTC)) {
		t.Errorf("a browser's datetime-local = %v, %v", got, err)
	}
	for _, bad := range []string{"", "1-10-2012", "2012-13-01", "morgen", "2012-10-01 09:00"} {
		if _, err := ParseWhen(bad); err == nil || !strings.Contains(err.EN, "YYYY-MM-DD") {
			t.Errorf("ParseWhen(%q) = %v; want an error naming the formats", bad, err)
		}
	}
}

func TestParseParticipants(t *testing.T) {
	good := "\uFEFFid,name,email,phone\n" +
		"P01,Fatma Yilmaz,f.yilmaz@example.nl,06-12345678\n" +
		"P02,\"Demir, Ayse\",,\n" +
		"P03,,,+31 (0)30 1234567\n" +
		"\n" +
		"p_04,Naam,,\n"
	ps, err := ParseParticipants(strings.NewReader(good))
	if len(err) > 0 {
		t.Fatal(err)
	}
	if len(ps) != 4 || ps[0].ID != "P01" || ps[1].Name != "Demir, Ayse" || ps[3].ID != "p_04" || ps[3].Line != 6 {
		t.Errorf("participants: %+v", ps)
	}

	semicolons := "id;name;email;phone\nP01;Fatma;f@example.nl;\n"
	if ps, err := ParseParticipants(strings.NewReader(semicolons)); len(err) > 0 || len(ps) != 1 || ps[0].Email != "f@example.nl" {
		t.Errorf("semicolon file: %+v, %v", ps, err)
	}

	bad := "id,name,email,phone\n" +
		"P01,Fatma,f@example.nl,\n" + // line 2 fine
		",Zonder ID,,\n" + // 3
		"Fatma Yilmaz,,,\n" + // 4: a name as ID
		"P05,Iemand,geen-adres,\n" + // 5
		"P01,Dubbel,,\n" + // 6: repeats line 2
		"P07,Te veel,,,extra\n" + // 7
		"P08,Telefoon,,bel me\n" + // 8
		"P09,Goed,,\n" // 9 fine
	ps, err = ParseParticipants(strings.NewReader(bad))
	if len(err) == 0 || ps != nil {
		t.Fatalf("a file with bad rows gave %+v, %v", ps, err)
	}
	msg := lines(err, EN)
	if nl := lines(err, NL); !strings.Contains(nl, "regel 3: de id ontbreekt") {
		t.Errorf("in Dutch:\n%s", nl)
	}
	for _, want := range []string{
		"line 3: the id is missing",
		`line 4: id "Fatma Yilmaz"`,
		"line 5: e-mail:",
		`line 6: id "P01" repeats line 2`,
		"line 7: 5 fields, expected 4",
		`line 8: phone "bel me"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, fine := range []string{"line 2:", "line 9:"} {
		if strings.Contains(msg, fine) {
			t.Errorf("error names a good row (%s):\n%s", fine, msg)
		}
	}
	if n := strings.Count(msg, "\n") + 1; n != 6 {
		t.Errorf("%d error lines, want 6:\n%s", n, msg)
	}

	for in, want := range map[string]string{
		"":                                   "line 1: the file is empty",
		"naam,email\nFatma,f@example.nl\n":   "line 1: the header must be id,name,email,phone",
		"id,name,email,phone\n":              "no participants",
		"id,name,email,phone\nP1,\"open,,\n": "not valid CSV",
	} {
		if _, err := ParseParticipants(strings.NewReader(in)); len(err) == 0 || !strings.Contains(lines(err, EN), want) {
			t.Errorf("ParseParticipants(%q) = %v; want %q", in, err, want)
		}
	}
}

// lines writes problems one per line.
func lines(ps Problems, l Lang) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text.In(l)
	}
	return strings.Join(out, "\n")
}

var lineRef = regexp.MustCompile(`^line [0-9]+: `)

// FuzzParseParticipants: never a panic; a success has only well-formed,
// distinct IDs; every line of an error names the line it is about.
func FuzzParseParticipants(f *testing.F) {
	for _, s := range []string{
		"id,name,email,phone\nP01,Fatma,f@example.nl,0612345678\n",
		"id,name,email,phone\nP01,\"a,b\",,\nP01,,,\n",
		"id;name;email;phone\nP01;;;\n",
		"\uFEFFid,name,email,phone\r\nP1,,,\r\n",
		"id,name,email,phone\nP1,\"x\ny\",,\n,,,\n",
		"id,name\n",
		"\"",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseParticipants(strings.NewReader(s))
		if len(err) > 0 {
			if ps != nil {
				t.Fatalf("participants returned beside an error: %+v", ps)
			}
			for _, l := range strings.Split(lines(err, EN), "\n") {
				if !lineRef.MatchString(l) {
					t.Fatalf("error line %q does not name its line; whole error:\n%v", l, err)
				}
			}
			return
		}
		if len(ps) == 0 {
			t.Fatal("no participants and no error")
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if !ValidRef(p.ID) || seen[strings.ToLower(p.ID)] || p.Line < 2 {
				t.Fatalf("bad participant accepted: %+v", p)
			}
			seen[strings.ToLower(p.ID)] = true
		}
	})
}
