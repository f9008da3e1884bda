package municipality

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stichtingbmp/amwaht/internal/spelling"
)

// ErrUnknown is wrapped by every error Lookup returns: the input does not
// identify a municipality in the list.
var ErrUnknown = errors.New("unknown municipality")

// ErrMalformed is also wrapped when the input is not shaped like a code at all
// (a name, a province, junk), as opposed to a well-formed code that is not in
// the list.
var ErrMalformed = errors.New("not a municipality code")

const (
	shapeHint = "expected GM followed by four digits, e.g. GM0344 for Utrecht"
	codesHint = "Codes are CBS codes as listed by 'starter municipalities'."
	// maxSuggestions keeps messages readable; three covers a typo's likely targets.
	maxSuggestions = 3
)

type lookupKind int

const (
	kindUnknownCode lookupKind = iota // code-shaped, not in the list
	kindName                          // the name of one or more municipalities
	kindProvince                      // a province name
	kindMalformed                     // anything else
)

// LookupError explains why Lookup rejected its input. Callers that want to
// offer a correction use Suggestions; the message already names them.
type LookupError struct {
	Input string // as given to Lookup
	// Code is the normalised form of Input when Input was shaped like a code
	// (e.g. "GM0343" for "343"), and empty otherwise.
	Code string
	// Named reports that Input is a municipality's name, not its code;
	// Suggestions then holds the municipality (or, for "Bergen", the
	// municipalities) with that name.
	Named bool
	// Suggestions are at most three close matches, best first.
	Suggestions []Municipality
	kind        lookupKind
}

func (e *LookupError) Error() string {
	var b strings.Builder
	switch e.kind {
	case kindUnknownCode:
		fmt.Fprintf(&b, "unknown municipality code %q", e.Input)
		if strings.TrimSpace(e.Input) != e.Code {
			fmt.Fprintf(&b, " (read as %s)", e.Code)
		}
		if len(e.Suggestions) > 0 {
			b.WriteString(": did you mean " + list(e.Suggestions, ", ") + "?")
		} else {
			b.WriteString(".")
		}
		b.WriteString(" " + codesHint)
	case kindName:
		fmt.Fprintf(&b, "%q is a municipality name, not a code: use %s", e.Input, list(e.Suggestions, " or "))
	case kindProvince:
		fmt.Fprintf(&b, "%q is a province, not a municipality code: %s", e.Input, shapeHint)
	default:
		fmt.Fprintf(&b, "%q is not a municipality code: %s", e.Input, shapeHint)
		if len(e.Suggestions) > 0 {
			b.WriteString("; did you mean " + list(e.Suggestions, ", ") + "?")
		}
	}
	return b.String()
}

func (e *LookupError) Unwrap() []error {
	if e.kind == kindUnknownCode {
		return []error{ErrUnknown}
	}
	return []error{ErrUnknown, ErrMalformed}
}

func list(ms []Municipality, sep string) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, sep)
}

// Lookup finds a municipality by CBS code. It accepts the code the way people
// write it: surrounding spaces, any case, and with or without the GM prefix
// and leading zeros ("GM0344", "gm0344", "GM344", "0344", "344"). Every error
// is a *LookupError wrapping ErrUnknown and quoting the input.
func Lookup(code string) (Municipality, error) {
	d := data()
	norm, ok := normaliseCode(code)
	if !ok {
		return Municipality{}, d.notACode(code)
	}
	if i, ok := d.byCode[norm]; ok {
		return d.all[i], nil
	}
	return Municipality{}, &LookupError{
		Input:       code,
		Code:        norm,
		Suggestions: d.nearestCodes(norm),
		kind:        kindUnknownCode,
	}
}

func normaliseCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	digits := s
	// Byte-wise ASCII check: strings.ToUpper would turn some non-ASCII
	// letters into ASCII ones and accept inputs nobody typed as a code.
	if len(s) >= 2 && s[0]|0x20 == 'g' && s[1]|0x20 == 'm' {
		digits = s[2:]
	}
	if len(digits) < 1 || len(digits) > 4 {
		return "", false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return "", false
		}
	}
	return "GM" + strings.Repeat("0", 4-len(digits)) + digits, true
}

// nearestCodes ranks codes one edit away (a mistyped or swapped digit) first,
// then the rest by numeric distance, since neighbouring codes were often
// assigned to neighbouring municipalities. Within one edit, a swap of two
// adjacent digits goes first: below GM2000 an unknown code is on average one
// substitution from about five codes, so a substitution says little, while a
// swap singles out one likely target.
func (d *dataset) nearestCodes(code string) []Municipality {
	n, _ := strconv.Atoi(code[2:])
	type cand struct {
		idx, edit, numeric int
		swap               bool
	}
	cands := make([]cand, len(d.all))
	for i, m := range d.all {
		mn, _ := strconv.Atoi(m.Code[2:])
		edit := spelling.Distance(code[2:], m.Code[2:])
		cands[i] = cand{i, min(edit, 2), abs(n - mn), edit == 1 && isSwap(code[2:], m.Code[2:])}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if a.edit != b.edit {
			return a.edit - b.edit
		}
		if a.swap != b.swap {
			if a.swap {
				return -1
			}
			return 1
		}
		return a.numeric - b.numeric
	})
	out := make([]Municipality, 0, maxSuggestions)
	for _, c := range cands[:min(maxSuggestions, len(cands))] {
		out = append(out, d.all[c.idx])
	}
	return out
}

func (d *dataset) notACode(input string) error {
	e := &LookupError{Input: input, kind: kindMalformed}
	key := normaliseName(input)
	if key == "" {
		return e
	}
	// "Gemeente Utrecht" is how municipalities name themselves on letterheads.
	if k, ok := strings.CutPrefix(key, "gemeente"); ok && k != "" {
		key = k
	}
	for _, nk := range d.names {
		if nk.key == key && !slices.Contains(e.Suggestions, d.all[nk.idx]) {
			e.Suggestions = append(e.Suggestions, d.all[nk.idx])
		}
	}
	if len(e.Suggestions) > 0 {
		// d.names is sorted by key, not code; keep "Bergen" stable by code.
		slices.SortFunc(e.Suggestions, func(a, b Municipality) int { return strings.Compare(a.Code, b.Code) })
		e.Named, e.kind = true, kindName
		return e
	}
	if _, ok := d.provKey[key]; ok {
		e.kind = kindProvince
		return e
	}
	e.Suggestions = d.nameSuggestions(key)
	return e
}

// nameSuggestions prefers names that start with the input (a name typed
// short), then names containing it, then names a few typos away.
func (d *dataset) nameSuggestions(key string) []Municipality {
	n := utf8.RuneCountInString(key)
	// Two letters match too much to be useful; past the longest name
	// (29 characters) nothing is a typo away, and edit distance is quadratic.
	if n < 3 || n > 64 {
		return nil
	}
	type rank struct{ group, dist int }
	best := map[int]rank{}
	for _, nk := range d.names {
		var r rank
		switch {
		case strings.HasPrefix(nk.key, key):
			r = rank{0, len(nk.key) - len(key)}
		case strings.Contains(nk.key, key):
			r = rank{1, len(nk.key) - len(key)}
		default:
			dist := spelling.Distance(key, nk.key)
			if dist > max(1, n/3) {
				continue
			}
			r = rank{2, dist}
		}
		if old, ok := best[nk.idx]; !ok || r.group < old.group || r.group == old.group && r.dist < old.dist {
			best[nk.idx] = r
		}
	}
	idxs := make([]int, 0, len(best))
	for i := range best {
		idxs = append(idxs, i)
	}
	slices.SortFunc(idxs, func(a, b int) int {
		ra, rb := best[a], best[b]
		if ra.group != rb.group {
			return ra.group - rb.group
		}
		if ra.dist != rb.dist {
			return ra.dist - rb.dist
		}
		return a - b
	})
	out := make([]Municipality, 0, maxSuggestions)
	for _, i := range idxs[:min(maxSuggestions, len(idxs))] {
		out = append(out, d.all[i])
	}
	return out
}

// foldRunes covers the diacritics and ligatures that occur in Dutch and
// Frisian place names; the standard library has no Unicode decomposition.
var foldRunes = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y", 'ç': "c", 'ñ': "n",
	'ĳ': "ij", 'æ': "ae", 'œ': "oe", 'ß': "ss",
}

// normaliseName reduces a name to lower-case letters and digits so that
// "'s-Gravenhage", "s gravenhage" and "S-GRAVENHAGE" compare equal.
func normaliseName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := foldRunes[r]; ok {
			b.WriteString(f)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSwap reports whether equal-length a and b differ by exchanging two
// adjacent characters.
func isSwap(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		if a[i] != b[i] {
			return a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
