package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/rollout"
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

// checkPattern and contactFor: see municipality.CheckPattern and Address.
func checkPattern(pattern string) error { return municipality.CheckPattern(pattern) }

func contactFor(pattern string, m municipality.Municipality) string {
	return municipality.Address(pattern, m)
}

// startBatch starts many rollouts with one wave. Every contact address is
// checked before the first start; a rollout that already runs is skipped.
// It reports every municipality and a summary.
func startBatch(e *env, list []municipality.Municipality, w wave.Calendar, pattern, contactName string) error {
	var errs []error
	ins := make([]rollout.Input, len(list))
	for i, m := range list {
		ins[i] = rolloutInput(m, w, contactFor(pattern, m), contactName)
		if err := mail.ValidateAddress(ins[i].Contact.Email); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m, err))
		}
	}
	if len(errs) > 0 {
		return withCode(ExitUsage, fmt.Errorf("%s\n%w", e.t("--contact-email-pattern geeft foute adressen; er is niets gestart:", "--contact-email-pattern gives bad addresses; nothing was started:"), errors.Join(errs...)))
	}
	rc, err := e.rollouts()
	if err != nil {
		return err
	}
	p := &batchProgress{w: e.out, tty: app.IsTerminal(e.out), total: len(list)}
	var started, skipped, failed int
	attempted := rc.StartMany(e.ctx, ins, func(r rollout.Started) {
		m := r.Input.Municipality
		switch {
		case r.Skipped:
			skipped++
			p.report(e.t("%s: overgeslagen (loopt al)", "%s: skipped (already runs)", m), false)
		case r.Err != nil:
			failed++
			p.report(e.t("%s: mislukt: %v", "%s: failed: %v", m, r.Err), true)
		default:
			started++
			p.report(e.t("%s: gestart %s, uitnodiging aan %s", "%s: started %s, invitation to %s", m, r.ID, r.Input.Contact.Email), false)
		}
	})
	p.finish()
	summary := e.t("gestart %d, overgeslagen %d, mislukt %d", "started %d, skipped %d, failed %d", started, skipped, failed)
	if attempted < len(list) {
		fmt.Fprintln(e.out, summary)
		return withCode(ExitError, fmt.Errorf("%s", e.t("onderbroken: %d van %d gemeenten niet geprobeerd; geef dezelfde opdracht nog eens om verder te gaan",
			"interrupted: %d of %d municipalities not attempted; run the same command again to continue", len(list)-attempted, len(list))))
	}
	if started > 0 {
		fmt.Fprintln(e.out, e.t("Ronde %s: een producent moet zich aanmelden vóór %s.", "Wave %s: a producer must apply before %s.", w.Name, deadlineText(e, w, w.ApplicationDeadline())))
	}
	fmt.Fprintln(e.out, summary)
	if failed > 0 {
		return withCode(ExitError, fmt.Errorf("%s", e.t("%d van %d uitrollen konden niet starten (zie hierboven); geef dezelfde opdracht nog eens om ze opnieuw te proberen",
			"%d of %d rollouts could not be started (see above); run the same command again to retry them", failed, len(list))))
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
