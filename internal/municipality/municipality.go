// Package municipality knows the Dutch municipalities (gemeenten) by their
// CBS code (GM0344 is Utrecht). The list is compiled into the binary so that
// validating a code needs neither a database nor the network.
package municipality

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// gemeentenCSV is the CBS list with header code,name,province. When
// municipalities merge, replace this file; TestEmbeddedCSV checks it still
// parses, because a broken file would otherwise only show up as a panic at
// the first lookup.
//
//go:embed gemeenten.csv
var gemeentenCSV []byte

// Municipality is a Dutch municipality (gemeente).
type Municipality struct {
	Code     string `json:"code"`     // CBS code, GM followed by four digits
	Name     string `json:"name"`     // official name, e.g. 's-Gravenhage
	Province string `json:"province"` // as the CBS list spells it, e.g. Friesland
}

// String gives the form used in error messages and listings, so that a code
// is never shown without something a person recognises.
func (m Municipality) String() string {
	return m.Code + " (" + m.Name + ", " + m.Province + ")"
}

// SortKey orders municipalities by name as a Dutch list does: 's-Gravenhage
// under G, 's-Hertogenbosch under H.
func (m Municipality) SortKey() string {
	n := strings.ToLower(m.Name)
	for _, p := range []string{"'s-", "'s ", "'t "} {
		n = strings.TrimPrefix(n, p)
	}
	return n
}

// ErrUnknownProvince is wrapped by InProvince's error for a name that is not a
// province.
var ErrUnknownProvince = errors.New("unknown province")

// nameAliases are names people use that normalisation alone cannot map to the
// official one. Keys are normalised (see normaliseName).
var nameAliases = map[string]string{
	"denhaag":  "GM0518", // 's-Gravenhage
	"thehague": "GM0518",
	"denbosch": "GM0796", // 's-Hertogenbosch
}

// provinceAliases serve the same purpose for provinces: Friesland's official
// name has been Fryslân since 2022, while the CBS list still says Friesland.
var provinceAliases = map[string]string{
	"fryslan": "Friesland",
}

type nameKey struct {
	key string // normalised name or alias
	idx int    // index into dataset.all
}

type dataset struct {
	all       []Municipality // sorted by code
	byCode    map[string]int
	names     []nameKey
	provinces []string          // sorted
	provKey   map[string]string // normalised name or alias -> province
}

// data parses lazily so that programs that never look up a municipality pay
// nothing, and panics because the embedded file is part of the build, not
// input: a broken one is a programming error that TestEmbeddedCSV catches.
var data = sync.OnceValue(func() *dataset {
	d, err := parse(bytes.NewReader(gemeentenCSV))
	if err != nil {
		panic("municipality: embedded gemeenten.csv is broken: " + err.Error())
	}
	return d
})

func parse(r io.Reader) (*dataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	if !slices.Equal(header, []string{"code", "name", "province"}) {
		return nil, fmt.Errorf("header is %q, want code,name,province", strings.Join(header, ","))
	}

	d := &dataset{byCode: map[string]int{}, provKey: map[string]string{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // csv errors already carry the line number
		}
		line, _ := cr.FieldPos(0)
		m := Municipality{Code: rec[0], Name: strings.TrimSpace(rec[1]), Province: strings.TrimSpace(rec[2])}
		if !isCode(m.Code) {
			return nil, fmt.Errorf("line %d: code %q is not GM followed by four digits", line, m.Code)
		}
		if m.Name == "" || m.Province == "" {
			return nil, fmt.Errorf("line %d: %s has an empty name or province", line, m.Code)
		}
		if _, dup := d.byCode[m.Code]; dup {
			return nil, fmt.Errorf("line %d: duplicate code %s", line, m.Code)
		}
		d.byCode[m.Code] = len(d.all)
		d.all = append(d.all, m)
	}
	if len(d.all) == 0 {
		return nil, errors.New("no municipalities")
	}

	// Sort here rather than trust the file's order: All promises code order.
	slices.SortFunc(d.all, func(a, b Municipality) int { return strings.Compare(a.Code, b.Code) })
	for i, m := range d.all {
		d.byCode[m.Code] = i
		key := normaliseName(m.Name)
		d.names = append(d.names, nameKey{key, i})
		// "Bergen (NH.)": people type "Bergen", which then names both Bergens.
		if base, _, ok := strings.Cut(m.Name, " ("); ok {
			if k := normaliseName(base); k != key {
				d.names = append(d.names, nameKey{k, i})
			}
		}
		if !slices.Contains(d.provinces, m.Province) {
			d.provinces = append(d.provinces, m.Province)
		}
	}
	for alias, code := range nameAliases {
		i, ok := d.byCode[code]
		if !ok {
			return nil, fmt.Errorf("alias %q points at %s, which is not in the list", alias, code)
		}
		d.names = append(d.names, nameKey{alias, i})
	}
	// Map iteration order is random; keep suggestions deterministic.
	slices.SortFunc(d.names, func(a, b nameKey) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.idx - b.idx
	})

	slices.Sort(d.provinces)
	for _, p := range d.provinces {
		d.provKey[normaliseName(p)] = p
	}
	for alias, p := range provinceAliases {
		if slices.Contains(d.provinces, p) {
			d.provKey[alias] = p
		}
	}
	return d, nil
}

// All returns every municipality sorted by code. The slice is a copy, so
// callers may sort or filter it in place.
func All() []Municipality {
	return slices.Clone(data().all)
}

// Provinces returns the province names, sorted.
func Provinces() []string {
	return slices.Clone(data().provinces)
}

// InProvince returns the municipalities of a province, sorted by code. The
// name is matched ignoring case, spaces, hyphens and diacritics, so
// "noord holland" and "Fryslân" work.
func InProvince(name string) ([]Municipality, error) {
	d := data()
	p, ok := d.provKey[normaliseName(name)]
	if !ok {
		return nil, fmt.Errorf("%w %q: valid provinces are %s", ErrUnknownProvince, name, strings.Join(d.provinces, ", "))
	}
	var out []Municipality
	for _, m := range d.all {
		if m.Province == p {
			out = append(out, m)
		}
	}
	return out, nil
}

func isCode(s string) bool {
	if len(s) != 6 || s[:2] != "GM" {
		return false
	}
	for i := 2; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
