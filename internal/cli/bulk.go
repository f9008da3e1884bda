package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// selectMunicipalities gives the batch --all, --province or --file names.
func selectMunicipalities(all bool, province, file string) ([]municipality.Municipality, error) {
	switch {
	case all:
		return municipality.All(), nil
	case province != "":
		list, err := municipality.InProvince(province)
		if err != nil {
			return nil, withCode(ExitNotFound, err)
		}
		return list, nil
	default:
		f, err := os.Open(file)
		if err != nil {
			return nil, usageErr("--file: %v", err)
		}
		defer f.Close()
		list, err := municipality.ParseCodes(f)
		code := ExitUsage
		if errors.Is(err, municipality.ErrUnknown) {
			code = ExitNotFound
		}
		if err != nil {
			return nil, withCode(code, fmt.Errorf("%s; nothing was started:\n%w", file, err))
		}
		if len(list) == 0 {
			return nil, usageErr("%s lists no municipalities", file)
		}
		return list, nil
	}
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// checkPattern accepts a contact e-mail pattern's placeholders.
func checkPattern(pattern string) error {
	for _, p := range placeholder.FindAllString(pattern, -1) {
		if p != "{code}" && p != "{CODE}" && p != "{name}" {
			return fmt.Errorf("unknown placeholder %s: use {code}, {CODE} or {name}", p)
		}
	}
	return nil
}

// contactFor fills a contact e-mail pattern for one municipality: {code} is
// the code in lower case, {CODE} in upper case, {name} the name as a
// hostname-safe slug ('s-Gravenhage → s-gravenhage, Súdwest-Fryslân →
// sudwest-fryslan).
func contactFor(pattern string, m municipality.Municipality) string {
	return strings.NewReplacer("{code}", strings.ToLower(m.Code), "{CODE}", m.Code, "{name}", slug(m.Name)).Replace(pattern)
}

var folds = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y", 'ñ': "n", 'ç': "c", 'ĳ': "ij",
}

func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if f, ok := folds[r]; ok {
			b.WriteString(f)
			dash = false
			continue
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// batchStarters is how many rollouts a batch starts at once: enough to keep
// the server busy (342 municipalities in seconds, see make bench), few
// enough not to flood it.
const batchStarters = 8

// startBatch starts many rollouts with one wave calendar. Every contact
// address is checked before the first start; a rollout that already runs is
// skipped. It reports every municipality and a summary.
func startBatch(e *env, list []municipality.Municipality, w wave.Calendar, pattern, contactName string) error {
	var errs []error
	addrs := make([]string, len(list))
	for i, m := range list {
		addrs[i] = contactFor(pattern, m)
		if err := mail.ValidateAddress(addrs[i]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m, err))
		}
	}
	if len(errs) > 0 {
		return withCode(ExitUsage, fmt.Errorf("--contact-email-pattern gives bad addresses; nothing was started:\n%w", errors.Join(errs...)))
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	p := &batchProgress{w: e.out, tty: app.IsTerminal(e.out), total: len(list)}
	var mu sync.Mutex // guards the counts and the progress output
	var started, skipped, failed int
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(batchStarters, len(list)) {
		wg.Go(func() {
			for i := range next {
				m := list[i]
				id, err := startRollout(e, c, rolloutInput(m, w, addrs[i], contactName))
				mu.Lock()
				switch {
				case err == nil:
					started++
					p.report(fmt.Sprintf("%s: started %s, invitation to %s", m, id, addrs[i]), false)
				case errors.Is(err, errAlreadyRuns):
					skipped++
					p.report(fmt.Sprintf("%s: skipped (already runs)", m), false)
				default:
					failed++
					p.report(fmt.Sprintf("%s: failed: %v", m, err), true)
				}
				mu.Unlock()
			}
		})
	}
	attempted := 0
	for i := range list {
		if e.ctx.Err() != nil {
			break
		}
		next <- i
		attempted++
	}
	close(next)
	wg.Wait()
	p.finish()
	if attempted < len(list) {
		fmt.Fprintf(e.out, "started %d, skipped %d, failed %d\n", started, skipped, failed)
		return withCode(ExitError, fmt.Errorf("interrupted: %d of %d municipalities not attempted; run the same command again to continue", len(list)-attempted, len(list)))
	}
	if started > 0 {
		fmt.Fprintf(e.out, "Wave %s: a producer must apply before %s.\n", w.Name, deadlineText(w, w.ApplicationDeadline))
	}
	fmt.Fprintf(e.out, "started %d, skipped %d, failed %d\n", started, skipped, failed)
	if failed > 0 {
		return withCode(ExitError, fmt.Errorf("%d of %d rollouts could not be started (see above); run the same command again to retry them", failed, len(list)))
	}
	return nil
}

// batchProgress shows a batch: on a terminal a bar that redraws itself, with
// failures on lines of their own; otherwise one plain line per item.
type batchProgress struct {
	w     io.Writer
	tty   bool
	total int
	done  int
}

func (p *batchProgress) report(line string, important bool) {
	p.done++
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	if important {
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	}
	const width = 30
	filled := width * p.done / max(p.total, 1)
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), p.done, p.total, clip(line))
}

func (p *batchProgress) finish() {
	if p.tty && p.done > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
