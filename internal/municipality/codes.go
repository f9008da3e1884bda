package municipality

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseCodes reads a file of municipality codes, one per line, in any form
// Lookup accepts. Blank lines and everything from a '#' to the end of a line
// are ignored, so a line may carry the name as a comment ("GM0344 # Utrecht").
// Repeated codes are kept once, at their first position.
//
// The result is all or nothing: if any line is bad the slice is nil and the
// error reports every bad line with its line number, one per line, so a
// person can fix the file in one pass. Each part wraps the Lookup error, so
// errors.Is(err, ErrUnknown) holds.
func ParseCodes(r io.Reader) ([]Municipality, error) {
	sc := bufio.NewScanner(r)
	var (
		out  []Municipality
		errs []error
		seen = map[string]bool{}
		line int
	)
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			// Editors on Windows like to start files with a byte order mark.
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		m, err := Lookup(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		if !seen[m.Code] {
			seen[m.Code] = true
			out = append(out, m)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("line %d: %w", line+1, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
