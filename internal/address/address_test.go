package address

import "testing"

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Problem
	}{
		{"zorg@utrecht.nl", 0},
		{"f.yilmaz@welzijn-utrecht.example.nl", 0},
		{"info@bücher.de", 0}, // one script, with a diacritic
		{"", Missing},
		{"Fatma <f@x.nl>", Malformed},
		{"geen-adres", Malformed},
		{"a@localhost", NoDomain},
		{"a@x..nl", Malformed},
		{"zorg@utr\u0435cht.nl", MixedScript}, // Cyrillic е
		{"zorg@\u0440aypal.com", MixedScript}, // Cyrillic р
	} {
		err := Validate(c.in)
		var got Problem
		if e, ok := err.(*Error); ok {
			got = e.Problem
			if e.Dutch() == "" || e.Error() == "" {
				t.Errorf("%q: empty message", c.in)
			}
		}
		if got != c.want {
			t.Errorf("Validate(%q) = %v, want problem %d", c.in, err, c.want)
		}
	}
}
