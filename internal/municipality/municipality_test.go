package municipality

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var codeShape = regexp.MustCompile(`^GM\d{4}$`)

// The embedded file is parsed on first use and a failure panics, so this is
// what stops a broken gemeenten.csv from reaching a release.
func TestEmbeddedCSV(t *testing.T) {
	d, err := parse(bytes.NewReader(gemeentenCSV))
	if err != nil {
		t.Fatalf("embedded gemeenten.csv: %v", err)
	}
	if len(d.all) != 342 {
		t.Errorf("embedded gemeenten.csv has %d municipalities, want 342; update this test when the CBS list changes", len(d.all))
	}
}

func TestParseRejectsBrokenFiles(t *testing.T) {
	tests := map[string]string{
		"empty":          "",
		"wrong header":   "code,naam,provincie\nGM0344,Utrecht,Utrecht\n",
		"no rows":        "code,name,province\n",
		"bad code":       "code,name,province\nGM344,Utrecht,Utrecht\n",
		"lower-case gm":  "code,name,province\ngm0344,Utrecht,Utrecht\n",
		"empty name":     "code,name,province\nGM0344,,Utrecht\n",
		"empty province": "code,name,province\nGM0344,Utrecht, \n",
		"duplicate code": "code,name,province\nGM0344,Utrecht,Utrecht\nGM0344,Soest,Utrecht\n",
		"field count":    "code,name,province\nGM0344,Utrecht\n",
		"alias target":   "code,name,province\nGM0344,Utrecht,Utrecht\n", // GM0518 missing for "den haag"
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parse(strings.NewReader(in)); err == nil {
				t.Errorf("parse(%q) succeeded, want an error", in)
			}
		})
	}
}

func TestAll(t *testing.T) {
	all := All()
	if len(all) != 342 {
		t.Fatalf("All() has %d entries, want 342", len(all))
	}
	seen := map[string]bool{}
	for i, m := range all {
		if !codeShape.MatchString(m.Code) {
			t.Errorf("code %q is not shaped GM\\d{4}", m.Code)
		}
		if seen[m.Code] {
			t.Errorf("duplicate code %s", m.Code)
		}
		seen[m.Code] = true
		if m.Name == "" || m.Province == "" {
			t.Errorf("%s has an empty name or province", m.Code)
		}
		if i > 0 && all[i-1].Code >= m.Code {
			t.Errorf("not sorted by code: %s before %s", all[i-1].Code, m.Code)
		}
	}

	// A caller that modifies its copy must not change what others see.
	all[0].Name = "changed"
	if All()[0].Name == "changed" {
		t.Error("All() returned the package's own slice, not a copy")
	}
}

func TestMunicipalityJSON(t *testing.T) {
	got, err := json.Marshal(Municipality{"GM0344", "Utrecht", "Utrecht"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"code":"GM0344","name":"Utrecht","province":"Utrecht"}`; string(got) != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}

func TestProvinces(t *testing.T) {
	ps := Provinces()
	if len(ps) != 12 {
		t.Errorf("Provinces() = %v, want the 12 provinces", ps)
	}
	if !slices.IsSorted(ps) {
		t.Errorf("Provinces() not sorted: %v", ps)
	}
	ps[0] = "changed"
	if Provinces()[0] == "changed" {
		t.Error("Provinces() returned the package's own slice, not a copy")
	}
}

func TestInProvince(t *testing.T) {
	ms, err := InProvince("utrecht")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal(`InProvince("utrecht") is empty`)
	}
	for _, m := range ms {
		if m.Province != "Utrecht" {
			t.Errorf("InProvince(\"utrecht\") includes %v", m)
		}
	}
	if !slices.ContainsFunc(ms, func(m Municipality) bool { return m.Code == "GM0344" }) {
		t.Error(`InProvince("utrecht") lacks GM0344`)
	}

	// Every municipality belongs to exactly one of the listed provinces.
	total := 0
	for _, p := range Provinces() {
		ms, err := InProvince(p)
		if err != nil {
			t.Errorf("InProvince(%q): %v", p, err)
		}
		total += len(ms)
	}
	if total != len(All()) {
		t.Errorf("provinces hold %d municipalities in total, want %d", total, len(All()))
	}

	for _, spelling := range []string{"Noord Holland", " NOORD-HOLLAND ", "noordholland"} {
		if ms, err := InProvince(spelling); err != nil || len(ms) == 0 {
			t.Errorf("InProvince(%q) = %d municipalities, %v", spelling, len(ms), err)
		}
	}
	fry, err := InProvince("Fryslân")
	if err != nil || len(fry) == 0 || fry[0].Province != "Friesland" {
		t.Errorf(`InProvince("Fryslân") = %v, %v; want Friesland's municipalities`, fry, err)
	}
}

func TestInProvinceUnknown(t *testing.T) {
	_, err := InProvince("Holland")
	if !errors.Is(err, ErrUnknownProvince) {
		t.Fatalf("err = %v, want ErrUnknownProvince", err)
	}
	for _, p := range append(Provinces(), `"Holland"`) {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %s", err, p)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in   string
		want string // code on success
		// On failure:
		malformed bool
		named     bool
		suggest   []string // exact suggestion codes, in order
		contains  []string // substrings of the message
	}{
		// Accepted forms of a good code.
		{in: "GM0344", want: "GM0344"},
		{in: "gm0344", want: "GM0344"},
		{in: "Gm0344", want: "GM0344"},
		{in: "GM344", want: "GM0344"},
		{in: "0344", want: "GM0344"},
		{in: "344", want: "GM0344"},
		{in: "  GM0344\t", want: "GM0344"},
		{in: "14", want: "GM0014"},
		{in: "GM1992", want: "GM1992"},

		// Code-shaped but not in the list.
		{
			in:       "GM0343",
			suggest:  []string{"GM0342", "GM0344", "GM0345"},
			contains: []string{`unknown municipality code "GM0343": did you mean GM0342 (Soest, Utrecht), GM0344 (Utrecht, Utrecht), GM0345 (Veenendaal, Utrecht)? Codes are CBS codes as listed by 'starter municipalities'.`},
		},
		{
			in:       "343",
			suggest:  []string{"GM0342", "GM0344", "GM0345"},
			contains: []string{`"343" (read as GM0343)`},
		},
		{in: "GM0434", suggest: []string{"GM0344", "GM0432", "GM0431"}}, // swapped digits first
		{in: "GM9999", suggest: []string{"GM1992", "GM1991", "GM1982"}},
		{in: "0", suggest: []string{"GM0050", "GM0060", "GM0080"}, contains: []string{"GM0000"}},

		// Names instead of codes.
		{
			in: "Utrecht", malformed: true, named: true, suggest: []string{"GM0344"},
			contains: []string{`"Utrecht" is a municipality name, not a code: use GM0344 (Utrecht, Utrecht)`},
		},
		{
			in: "den haag", malformed: true, named: true, suggest: []string{"GM0518"},
			contains: []string{`"den haag" is a municipality name, not a code: use GM0518 ('s-Gravenhage, Zuid-Holland)`},
		},
		{in: "Den Bosch", malformed: true, named: true, suggest: []string{"GM0796"}},
		{in: "'s-Gravenhage", malformed: true, named: true, suggest: []string{"GM0518"}},
		{in: "S GRAVENHAGE", malformed: true, named: true, suggest: []string{"GM0518"}},
		{in: "Sudwest Fryslan", malformed: true, named: true, suggest: []string{"GM1900"}},
		{in: "Súdwest-Fryslân", malformed: true, named: true, suggest: []string{"GM1900"}},
		{in: "gemeente Utrecht", malformed: true, named: true, suggest: []string{"GM0344"}},
		{in: "Hengelo", malformed: true, named: true, suggest: []string{"GM0164"}},
		{
			in: "Bergen", malformed: true, named: true, suggest: []string{"GM0373", "GM0893"},
			contains: []string{"use GM0373 (Bergen (NH.), Noord-Holland) or GM0893 (Bergen (L.), Limburg)"},
		},
		// Names that are close but not exact: prefix, substring, typos.
		{in: "Utrech", malformed: true, suggest: []string{"GM0344", "GM1581"}, contains: []string{"GM followed by four digits", "did you mean GM0344 (Utrecht, Utrecht)"}},
		{in: "Utrecth", malformed: true, suggest: []string{"GM0344"}},
		{in: "Amsterdm", malformed: true, suggest: []string{"GM0363"}},
		{in: "Hertogenbosch", malformed: true, suggest: []string{"GM0796"}},
		{in: "Zeeland", malformed: true, contains: []string{`"Zeeland" is a province`}},

		// Junk.
		{in: "", malformed: true, contains: []string{`""`, "GM followed by four digits, e.g. GM0344 for Utrecht"}},
		{in: "   ", malformed: true, contains: []string{"GM followed by four digits"}},
		{in: "GM", malformed: true, contains: []string{`"GM"`, "GM followed by four digits"}},
		{in: "GM12345", malformed: true, contains: []string{`"GM12345"`, "GM followed by four digits"}},
		{in: "12345", malformed: true},
		{in: "GM-0344", malformed: true},
		{in: "GM03a4", malformed: true},
		{in: "日本", malformed: true, contains: []string{`"日本"`, "GM followed by four digits"}},
		{in: "\xff", malformed: true, contains: []string{`"\xff"`}},
		{in: "ab", malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Lookup(tt.in)
			if tt.want != "" {
				if err != nil {
					t.Fatalf("Lookup(%q): %v", tt.in, err)
				}
				if got.Code != tt.want {
					t.Errorf("Lookup(%q) = %v, want %s", tt.in, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Lookup(%q) = %v, want an error", tt.in, got)
			}
			if got != (Municipality{}) {
				t.Errorf("Lookup(%q) returned %v alongside an error", tt.in, got)
			}
			if !errors.Is(err, ErrUnknown) {
				t.Errorf("error does not wrap ErrUnknown: %v", err)
			}
			if errors.Is(err, ErrMalformed) != tt.malformed {
				t.Errorf("errors.Is(err, ErrMalformed) = %t, want %t: %v", !tt.malformed, tt.malformed, err)
			}
			var le *LookupError
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, want *LookupError", err)
			}
			if le.Input != tt.in {
				t.Errorf("LookupError.Input = %q, want %q", le.Input, tt.in)
			}
			if le.Named != tt.named {
				t.Errorf("LookupError.Named = %t, want %t", le.Named, tt.named)
			}
			if tt.suggest != nil {
				var codes []string
				for _, m := range le.Suggestions {
					codes = append(codes, m.Code)
				}
				if !slices.Equal(codes, tt.suggest) {
					t.Errorf("suggestions = %v, want %v (%v)", codes, tt.suggest, err)
				}
			}
			if len(le.Suggestions) > 3 {
				t.Errorf("%d suggestions, want at most 3", len(le.Suggestions))
			}
			msg := err.Error()
			if !strings.Contains(msg, strconv.Quote(tt.in)) {
				t.Errorf("message %q does not quote the input", msg)
			}
			for _, s := range tt.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
		})
	}
}

func TestParseCodes(t *testing.T) {
	in := "\uFEFF# codes for the 2012 wave\n" + // 1
		"GM0344 # Utrecht\n" + // 2
		"Utrecht\n" + // 3: a name
		"\n" + // 4
		"GM9999\n" + // 5: unknown
		"  518\r\n" + // 6
		"gm0344\n" + // 7: duplicate of line 2
		"GM0363" // 8: no final newline
	_, err := ParseCodes(strings.NewReader(in))
	if err == nil {
		t.Fatal("ParseCodes succeeded, want an error for lines 3 and 5")
	}
	msg := err.Error()
	lines := strings.Split(msg, "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "line 3: ") || !strings.HasPrefix(lines[1], "line 5: ") {
		t.Errorf("error = %q, want one line each for lines 3 and 5", msg)
	}
	for _, s := range []string{"use GM0344 (Utrecht, Utrecht)", `"GM9999"`} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	if !errors.Is(err, ErrUnknown) {
		t.Errorf("error does not wrap ErrUnknown: %v", err)
	}

	// The same file with the bad lines commented out.
	fixed := strings.Replace(strings.Replace(in, "\nUtrecht\n", "\n# Utrecht\n", 1), "GM9999", "# GM9999", 1)
	ms, err := ParseCodes(strings.NewReader(fixed))
	if err != nil {
		t.Fatalf("ParseCodes: %v", err)
	}
	var codes []string
	for _, m := range ms {
		codes = append(codes, m.Code)
	}
	if want := []string{"GM0344", "GM0518", "GM0363"}; !slices.Equal(codes, want) {
		t.Errorf("codes = %v, want %v (duplicates dropped, first kept, file order)", codes, want)
	}
}

func TestParseCodesEmpty(t *testing.T) {
	ms, err := ParseCodes(strings.NewReader("\n# nothing yet\n\n"))
	if err != nil || len(ms) != 0 {
		t.Errorf("ParseCodes(comments only) = %v, %v; want nothing and no error", ms, err)
	}
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{
		"GM0344", "gm0344", "GM344", "0344", "344", " GM0518 ", "0",
		"GM0343", "GM0434", "GM9999", "Utrecht", "den haag", "Bergen",
		"Súdwest-Fryslân", "gemeente Utrecht", "Utrecth", "Zeeland",
		"", "GM", "GM12345", "GM-0344", "日本", "\xff", "gm\x00344",
		"ǅ", "ſ", "ı", "\uFEFFGM0344", strings.Repeat("a", 200),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := Lookup(in)
		if err != nil {
			msg := err.Error()
			if msg == "" {
				t.Fatalf("Lookup(%q): empty error message", in)
			}
			if !strings.Contains(msg, strconv.Quote(in)) {
				t.Fatalf("Lookup(%q): message %q does not quote the input", in, msg)
			}
			if !errors.Is(err, ErrUnknown) {
				t.Fatalf("Lookup(%q): error does not wrap ErrUnknown: %v", in, err)
			}
			if m != (Municipality{}) {
				t.Fatalf("Lookup(%q) returned %v alongside an error", in, m)
			}
			return
		}
		if !codeShape.MatchString(m.Code) {
			t.Fatalf("Lookup(%q) returned code %q", in, m.Code)
		}
		again, err := Lookup(m.Code)
		if err != nil || again != m {
			t.Fatalf("Lookup(%q) = %v, but Lookup(%q) = %v, %v", in, m, m.Code, again, err)
		}
	})
}
